"""The date range and the filter (facets, saved segment) the analytics pages share, kept in
the URL.

The query string is the source of truth: ``?range=this_quarter`` or ``?from=…&to=…``
(:mod:`kundenwert.periods`), so a bookmark or a shared link opens the same view. Widgets are
drawn from it on every run and write it back in their callbacks. Streamlit drops the query
string when the person switches pages through the navigation, so the last choice is also kept
in the session state and put back into the URL of the next analytics page.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
import streamlit as st

import ui
from kundenwert import i18n
from kundenwert.customers import Dataset
from kundenwert.journey import journey, journey_summary
from kundenwert.lifecycle import Freq, Measure, cohorts, lifecycle
from kundenwert.metrics import KpiResult, kpis, previous_period
from kundenwert.periods import (
    DEFAULT_PRESET,
    FROM_PARAM,
    PRESETS,
    RANGE_PARAM,
    TO_PARAM,
    RangeChoice,
    range_from_query,
)
from kundenwert.preferences import load_rfm_grid
from kundenwert.rfm import RfmResult
from kundenwert.rfm import score as rfm_score
from kundenwert.saved_segments import SavedSegment, get_segment, list_segments
from kundenwert.segments import (
    VALUE_BANDS,
    Facets,
    FilterContext,
    SegmentDefinition,
    SegmentError,
    build_context,
    facet_counts,
    persons_of,
    restrict,
)

RANGE_STATE = "analytics_range"
_FROM_KEY = "range_from"
_TO_KEY = "range_to"
_EARLIEST = date(2000, 1, 1)


def current_choice() -> RangeChoice:
    """The range in the URL, else the one chosen last in this session, else the default."""
    choice = range_from_query(st.query_params.to_dict())
    if choice is None:
        choice = range_from_query(st.session_state.get(RANGE_STATE, {}))
    return choice or RangeChoice(DEFAULT_PRESET)


def store(choice: RangeChoice) -> None:
    """Put ``choice`` into the URL and the session (also from a callback)."""
    st.session_state[RANGE_STATE] = choice.query()
    wanted = choice.query()
    for param in (RANGE_PARAM, FROM_PARAM, TO_PARAM):
        if param in st.query_params and param not in wanted:
            del st.query_params[param]
    for param, value in wanted.items():
        if st.query_params.get(param) != value:
            st.query_params[param] = value


def _preset_key() -> str:
    # the selection is kept as its label, so the key carries the language (see ui.choice)
    return f"range_preset:{ui.lang()}"


def _preset_changed(start: date, end: date) -> None:
    preset = st.session_state[_preset_key()]
    # "custom" starts from the days shown so far, which the person then adjusts
    store(RangeChoice("custom", start, end) if preset == "custom" else RangeChoice(preset))


def _custom_changed() -> None:
    start, end = st.session_state.get(_FROM_KEY), st.session_state.get(_TO_KEY)
    if isinstance(start, date) and isinstance(end, date):
        store(RangeChoice("custom", min(start, end), max(start, end)))


def show_all() -> None:
    """on_click callback: switch to the whole history."""
    store(RangeChoice("all_time"))


def date_range_filter() -> tuple[date, date]:
    """Draw the range selector (a preset, or two date inputs for a custom range) and return
    the chosen days ``(start, end)``, both inclusive, in German calendar days."""
    today = ui.today()
    span = ui.load_order_days()
    choice = current_choice()
    start, end = choice.days(today, span[0] if span else None)
    store(choice)

    preset_key = _preset_key()
    st.session_state[preset_key] = choice.preset
    preset_col, from_col, to_col, _ = st.columns([2, 1.3, 1.3, 3], vertical_alignment="bottom")
    preset_col.selectbox(
        ui.tr("range.label"),
        options=list(PRESETS),
        format_func=ui.labels(PRESETS, lambda preset: ui.tr(f"range.preset.{preset}")),
        key=preset_key,
        on_change=_preset_changed,
        args=(start, end),
        help=ui.tr("range.help"),
    )
    if choice.preset == "custom":
        st.session_state[_FROM_KEY], st.session_state[_TO_KEY] = start, end
        latest = date(today.year + 1, 12, 31)
        pattern = "DD.MM.YYYY" if ui.lang() == "de" else "YYYY-MM-DD"
        for column, label, key in (
            (from_col, "range.from", _FROM_KEY),
            (to_col, "range.to", _TO_KEY),
        ):
            column.date_input(
                ui.tr(label),
                min_value=_EARLIEST,
                max_value=latest,
                key=key,
                format=pattern,
                on_change=_custom_changed,
            )
    return start, end


def render_range_caption(start: date, end: date) -> None:
    """The range, its length and the previous period it is compared with."""
    prev_start, prev_end = previous_period(start, end)
    st.caption(
        ui.tr(
            "range.caption",
            start=ui.day(start),
            end=ui.day(end),
            days=ui.number((end - start).days + 1),
            prev_start=ui.day(prev_start),
            prev_end=ui.day(prev_end),
            basis=ui.basis_label(),
            currency=ui.currency(),
        )
    )


def render_empty_range(start: date, end: date) -> None:
    """No counted order in the range: say so, say where data is, offer the whole history."""
    st.info(
        ui.tr("range.empty", start=ui.day(start), end=ui.day(end)), icon=":material/event_busy:"
    )
    span = ui.load_order_days()
    if span is not None:
        st.markdown(ui.tr("range.data_span", first=ui.day(span[0]), last=ui.day(span[1])))
        st.button(ui.tr("range.show_all"), on_click=show_all, key="range_show_all")


def window_help(start: date, end: date, previous: str) -> str:
    """The sentence every KPI tile's help ends with: range, previous period and its value."""
    prev_start, prev_end = previous_period(start, end)
    return i18n.t(
        "overview.window",
        ui.lang(),
        start=ui.day(start),
        end=ui.day(end),
        prev_start=ui.day(prev_start),
        prev_end=ui.day(prev_end),
        previous=previous,
    )


# --- facets and saved segments ------------------------------------------------------------------
#
# The facets live in the URL next to the range: ``?country=DE&city=Berlin&product=Kurs&band=
# top10&min=100&since_from=2025-01-01&segment=Stammkunden`` (lists repeat their parameter), so a
# shared link reopens the filtered view. As with the range, the last choice is also kept in the
# session and put back into the URL of the next analytics page. Every figure of the page is then
# computed on the filtered persons (:func:`kundenwert.segments.restrict`).

FILTER_STATE = "analytics_filter"
LIST_PARAMS = {"country": "countries", "city": "cities", "product": "products", "source": "sources"}
SINGLE_PARAMS = ("band", "min", "max", "since_from", "since_to", "segment")
FILTER_PARAMS = (*LIST_PARAMS, *SINGLE_PARAMS)
_OPTION_LIMIT = 300  # options of a multiselect: the most frequent values (chosen ones always)


def _params_now() -> dict[str, list[str]]:
    """The filter parameters of the URL, else the ones chosen last in this session."""
    found = {p: st.query_params.get_all(p) for p in FILTER_PARAMS if p in st.query_params}
    if found:
        return {p: [v for v in values if v] for p, values in found.items()}
    return dict(st.session_state.get(FILTER_STATE, {}))


def store_filter(params: dict[str, list[str]]) -> None:
    """Put the filter parameters into the URL and the session (also from a callback)."""
    wanted = {p: v for p, v in params.items() if p in FILTER_PARAMS and v}
    st.session_state[FILTER_STATE] = wanted
    for param in FILTER_PARAMS:
        if param in st.query_params and param not in wanted:
            del st.query_params[param]
    for param, values in wanted.items():
        if st.query_params.get_all(param) != values:
            st.query_params[param] = values


def _money_param(text: str | None) -> int | None:
    """``100`` / ``99,50`` / ``99.50`` (whole currency units) → cents; None if not a number."""
    if not text:
        return None
    try:
        amount = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return int(amount * 100) if amount.is_finite() else None


def _day_param(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[0] if values else None


def facets_from_params(params: dict[str, list[str]]) -> Facets:
    """The facets of the URL; parts that cannot be read are left out (and reported)."""
    band = _first(params, "band")
    return Facets(
        **{field: list(params.get(param) or []) for param, field in LIST_PARAMS.items()},
        value_band=band if band in VALUE_BANDS else None,  # type: ignore[arg-type]
        min_value=_money_param(_first(params, "min")),
        max_value=_money_param(_first(params, "max")),
        since_from=_day_param(_first(params, "since_from")),
        since_to=_day_param(_first(params, "since_to")),
    )


def _bad_params(params: dict[str, list[str]]) -> list[str]:
    bad = [
        p for p in ("min", "max") if _first(params, p) and _money_param(_first(params, p)) is None
    ]
    bad += [
        p
        for p in ("since_from", "since_to")
        if _first(params, p) and not _day_param(_first(params, p))
    ]
    band = _first(params, "band")
    return bad + (["band"] if band and band not in VALUE_BANDS else [])


def saved_segment(name: str | None) -> SavedSegment | None:
    """The saved segment of that name (None without a name, or when it no longer exists)."""
    if not name:
        return None
    try:
        return get_segment(ui.engine(), name)
    except SegmentError:
        return None


def active_definitions() -> list[SegmentDefinition]:
    """The facets of the URL and the chosen saved segment: a person must match all."""
    params = _params_now()
    definitions = [SegmentDefinition(facets=facets_from_params(params))]
    segment = saved_segment(_first(params, "segment"))
    if segment is not None:
        definitions.append(segment.definition)
    return [d for d in definitions if not d.is_empty()]


def _filter_key() -> str | None:
    """The active definitions as JSON (a cache key), None without any filter."""
    definitions = active_definitions()
    if not definitions:
        return None
    return json.dumps([d.model_dump(mode="json") for d in definitions], sort_keys=True)


def _base(url: str, version: str, basis_value: str, base_currency: str) -> Dataset:
    return ui._dataset(url, version, basis_value, base_currency)


@st.cache_resource(ttl=3600, max_entries=2, show_spinner=False)
def _context(
    url: str, version: str, basis_value: str, base_currency: str, today: date
) -> FilterContext:
    ds = _base(url, version, basis_value, base_currency)
    grid = load_rfm_grid(ui.engine())

    def predictions() -> pl.DataFrame | None:
        """The fit the prediction columns use (cached per data version), not a second one."""
        found = ui._predictions(url, version, basis_value, base_currency, today)
        return None if isinstance(found, str) else found

    return build_context(ds, today, grid, predictions)


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _persons(
    url: str, version: str, basis_value: str, base_currency: str, today: date, key: str
) -> pl.Series | str:
    """The filtered person ids, or the message why the filter cannot be applied."""
    ctx = _context(url, version, basis_value, base_currency, today)
    definitions = [SegmentDefinition.model_validate(d) for d in json.loads(key)]
    try:
        found = persons_of(ctx, definitions)
    except SegmentError as error:
        return error.message(ui.lang())
    return ctx.people["person_id"] if found is None else found


def _filter_keys() -> tuple[str, str, str, str, date]:
    return ui.database_url(), ui.version(), ui.basis().value, ui.currency(), ui.today()


def active_persons() -> pl.Series | None:
    """The person ids the filter selects; None without a filter (or when it cannot apply)."""
    key = _filter_key()
    if key is None:
        return None
    found = _persons(*_filter_keys(), key)
    return None if isinstance(found, str) else found


@st.cache_resource(ttl=3600, max_entries=4, show_spinner=False)
def _restricted(
    url: str, version: str, basis_value: str, base_currency: str, today: date, key: str
) -> Dataset:
    persons = _persons(url, version, basis_value, base_currency, today, key)
    ds = _base(url, version, basis_value, base_currency)
    return ds if isinstance(persons, str) else restrict(ds, persons)


def filtered(ds: Dataset) -> Dataset:
    """``ds`` narrowed to the filtered persons (``ds`` itself without a filter)."""
    key = _filter_key()
    if key is None:
        return ds
    with st.spinner(ui.tr("app.loading")):
        return _restricted(*_filter_keys(), key)


def restrict_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of a per-person frame (e.g. the matrix) of the filtered persons only."""
    persons = active_persons()
    return frame if persons is None else frame.filter(pl.col("person_id").is_in(persons.implode()))


def _scope(keys: tuple[Any, ...], key: str) -> tuple[Dataset, pl.Series | None]:
    """The whole dataset and the filtered persons (None when the filter cannot apply).

    The range figures narrow the whole dataset's per-day frames (:mod:`kundenwert.daily`) to
    the persons: at 1,000,000 orders that is twice as fast as narrowing every frame of the
    dataset first (:func:`restrict`), and a facet change must stay under 0.1 s.
    """
    persons = _persons(*keys, key)
    return _base(*keys[:4]), None if isinstance(persons, str) else persons


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _kpis(keys: tuple[Any, ...], key: str, start: date, end: date, days: int) -> KpiResult:
    ds, persons = _scope(keys, key)
    return kpis(ds, start, end, days, persons=persons, today=keys[-1])


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _lifecycle(
    keys: tuple[Any, ...], key: str, start: date, end: date, freq: Freq, days: int
) -> pl.DataFrame:
    ds, persons = _scope(keys, key)
    return lifecycle(ds, start, end, freq, days, persons=persons, today=keys[-1])


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _cohorts(keys: tuple[Any, ...], key: str, start: date, end: date, m: str) -> pl.DataFrame:
    measure: Measure = "revenue" if m == "revenue" else "customers"
    ds, persons = _scope(keys, key)
    return cohorts(ds, start, end, measure, persons=persons)


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _journey(
    keys: tuple[Any, ...], key: str, start: date, end: date, steps: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    ds = _restricted(*keys, key)
    return journey(ds, start, end, steps), journey_summary(ds, start, end)


def load_kpis(start: date, end: date) -> KpiResult:
    """:func:`ui.load_kpis` on the filtered persons."""
    key = _filter_key()
    if key is None:
        return ui.load_kpis(start, end)
    with st.spinner(ui.tr("app.loading")):
        return _kpis(_filter_keys(), key, start, end, ui.settings().inactivity_days)


def load_lifecycle(start: date, end: date, freq: Freq) -> pl.DataFrame:
    key = _filter_key()
    if key is None:
        return ui.load_lifecycle(start, end, freq)
    with st.spinner(ui.tr("app.loading")):
        return _lifecycle(_filter_keys(), key, start, end, freq, ui.settings().inactivity_days)


def load_cohorts(start: date, end: date, measure: Measure) -> pl.DataFrame:
    key = _filter_key()
    if key is None:
        return ui.load_cohorts(start, end, measure)
    with st.spinner(ui.tr("app.loading")):
        return _cohorts(_filter_keys(), key, start, end, measure)


def load_journey(start: date, end: date, steps: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    key = _filter_key()
    if key is None:
        return ui.load_journey(start, end, steps)
    with st.spinner(ui.tr("app.loading")):
        return _journey(_filter_keys(), key, start, end, steps)


def load_rfm(as_of: date, since: date | None = None) -> RfmResult:
    """:func:`ui.load_rfm` listing only the filtered persons; scores stay ranked over everybody,
    so a person's segment does not change with the filter (:mod:`kundenwert.rfm`)."""
    key = _filter_key()
    if key is None:
        return ui.load_rfm(as_of, since)
    with st.spinner(ui.tr("app.loading")):
        return _rfm(_filter_keys(), key, as_of, since)


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _rfm(keys: tuple[Any, ...], key: str, as_of: date, since: date | None) -> RfmResult:
    persons = _persons(*keys, key)
    ds = _base(*keys[:4])
    return rfm_score(ds, as_of, since=since, persons=None if isinstance(persons, str) else persons)


# --- the filter in the sidebar ---------------------------------------------------------------


def _widget(name: str) -> str:
    return f"facet_{name}:{ui.lang()}"


def _facets_changed() -> None:
    """on_change of every facet widget: the widgets' values become the URL."""
    get = st.session_state.get
    params: dict[str, list[str]] = {
        param: [str(v) for v in get(_widget(param)) or []] for param in LIST_PARAMS
    }
    band, segment = get(_widget("band")), get(_widget("segment"))
    params["band"] = [band] if band else []
    params["segment"] = [segment] if segment else []
    for param in ("min", "max"):
        params[param] = [str(get(_widget(param)) or "").strip()]
    for param in ("since_from", "since_to"):
        day = get(_widget(param))
        params[param] = [day.isoformat()] if isinstance(day, date) else []
    store_filter(params)


def reset_filter() -> None:
    """on_click: every facet and the segment off."""
    store_filter({})


def _options(counts: pl.DataFrame, chosen: list[str]) -> list[str]:
    names = counts["name"].head(_OPTION_LIMIT).to_list()
    return names + [c for c in chosen if c not in names]


def _multiselect(
    name: str, label: str, counts: pl.DataFrame, chosen: list[str], show: Any = str
) -> None:
    persons = dict(counts.select("name", "persons").iter_rows())
    options = _options(counts, chosen)
    st.session_state[_widget(name)] = [c for c in chosen if c in options]
    st.multiselect(
        label,
        options=options,
        format_func=ui.labels(options, lambda o: f"{show(o)} ({ui.number(persons.get(o, 0))})"),
        key=_widget(name),
        on_change=_facets_changed,
        placeholder=ui.tr("filter.all"),
    )


def _segment_choice(chosen: str | None) -> None:
    names = [s.name for s in list_segments(ui.engine())]
    options = ["", *names] + ([chosen] if chosen and chosen not in names else [])
    st.session_state[_widget("segment")] = chosen or ""
    st.selectbox(
        ui.tr("filter.segment"),
        options=options,
        format_func=ui.labels(options, lambda o: o or ui.tr("filter.no_segment")),
        key=_widget("segment"),
        on_change=_facets_changed,
        help=ui.tr("filter.segment_help"),
    )
    if chosen and chosen not in names:
        st.warning(ui.tr("filter.segment_gone", name=chosen))


def _value_facet(params: dict[str, list[str]], counts: pl.DataFrame) -> None:
    persons = dict(counts.iter_rows())
    options = ["", *VALUE_BANDS]
    band = _first(params, "band")
    st.session_state[_widget("band")] = band if band in VALUE_BANDS else ""
    st.selectbox(
        ui.tr("filter.band"),
        options=options,
        format_func=ui.labels(
            options,
            lambda o: (
                ui.tr(f"filter.band.{o}", persons=ui.number(persons[o]))
                if o
                else ui.tr("filter.all")
            ),
        ),
        key=_widget("band"),
        on_change=_facets_changed,
        help=ui.tr("filter.band_help"),
    )
    low, high = st.columns(2)
    for column, param, label in ((low, "min", "filter.min"), (high, "max", "filter.max")):
        st.session_state[_widget(param)] = _first(params, param) or ""
        column.text_input(
            ui.tr(label, currency=ui.currency()),
            key=_widget(param),
            on_change=_facets_changed,
            placeholder="0,00" if ui.lang() == "de" else "0.00",
        )


def _since_facet(params: dict[str, list[str]]) -> None:
    st.markdown(ui.tr("filter.since"))
    start, end = st.columns(2)
    pattern = "DD.MM.YYYY" if ui.lang() == "de" else "YYYY-MM-DD"
    for column, param, label in (
        (start, "since_from", "range.from"),
        (end, "since_to", "range.to"),
    ):
        st.session_state[_widget(param)] = _day_param(_first(params, param))
        column.date_input(
            ui.tr(label),
            key=_widget(param),
            on_change=_facets_changed,
            format=pattern,
            min_value=_EARLIEST,
            max_value=date(ui.today().year + 1, 12, 31),
        )


def facet_filter() -> pl.Series | None:
    """Draw the facets (with their counts under the other facets) and the saved-segment choice
    in the sidebar, say in the page how many persons the figures count, and return their ids
    (None without a filter)."""
    params = _params_now()
    store_filter(params)
    facets = facets_from_params(params)
    ctx = _context(*_filter_keys())
    segment = saved_segment(_first(params, "segment"))
    base = None
    if segment is not None:
        base_ids = _persons(
            *_filter_keys(), json.dumps([segment.definition.model_dump(mode="json")])
        )
        if not isinstance(base_ids, str):
            base = ctx.people["person_id"].is_in(base_ids.implode())
    counts = facet_counts(ctx, facets, base)
    active = any(params.values())
    with st.sidebar.expander(ui.tr("filter.title"), expanded=active, icon=":material/filter_alt:"):
        _segment_choice(_first(params, "segment"))
        _multiselect(
            "country",
            ui.tr("filter.country"),
            counts["country"],
            facets.countries,
            lambda c: i18n.country_name(c, ui.lang()),
        )
        _multiselect("city", ui.tr("filter.city"), counts["city"], facets.cities)
        _multiselect("product", ui.tr("filter.product"), counts["product"], facets.products)
        _multiselect("source", ui.tr("filter.source"), counts["source"], facets.sources)
        _value_facet(params, counts["value"])
        _since_facet(params)
        st.button(
            ui.tr("filter.reset"), on_click=reset_filter, key="facet_reset", disabled=not active
        )
    return _render_filter_note(params, ctx)


def _render_filter_note(params: dict[str, list[str]], ctx: FilterContext) -> pl.Series | None:
    for param in _bad_params(params):
        st.warning(ui.tr("filter.bad_param", param=param, value=_first(params, param) or ""))
    key = _filter_key()
    if key is None:
        return None
    found = _persons(*_filter_keys(), key)
    if isinstance(found, str):
        st.error(ui.tr("common.error", message=found))
        return None
    st.info(
        ui.tr(
            "filter.active",
            persons=ui.number(found.len()),
            total=ui.number(ctx.people.height),
        ),
        icon=":material/filter_alt:",
    )
    return found


def filter_context() -> FilterContext:
    """The per-person frames definitions are applied to (cached per data version and day)."""
    with st.spinner(ui.tr("app.loading")):
        return _context(*_filter_keys())
