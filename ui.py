"""Shared Streamlit helpers of the pages: cached loaders, the sidebar, formats, small widgets.

Loaders are keyed on :func:`kundenwert.frames.data_version`, computed once per script run by
:func:`start_run` (the entry file calls it), so an import, a merge or a changed rule shows on
the next run without clearing any cache by hand. Test-order rules and the demo flag live in the
``setting`` table, which ``data_version`` covers too.

Datasets are cached with ``st.cache_resource``: Polars frames are immutable, so every session
can share one object instead of unpickling a copy of 200,000 persons on every rerun.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple, NoReturn

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from kundenwert import export, i18n
from kundenwert.customers import (
    Dataset,
    build_dataset,
    customer_matrix,
    search_customers,
    sort_customers,
)
from kundenwert.db import get_engine
from kundenwert.db_errors import DATABASE_ERRORS, database_error_message
from kundenwert.frames import Frames, data_version, load_frames
from kundenwert.identity import probable_duplicates
from kundenwert.journey import journey, journey_summary
from kundenwert.lifecycle import Freq, Measure, cohorts, lifecycle
from kundenwert.metrics import KpiResult, german_today, kpis
from kundenwert.periods import order_days
from kundenwert.preferences import is_demo as stored_demo_flag
from kundenwert.preferences import load_test_rules
from kundenwert.quality import CHECKS, check_records
from kundenwert.rfm import RfmResult
from kundenwert.rfm import score as rfm_score
from kundenwert.settings import MoneyBasis, Settings, get_settings

LANG_KEY = "lang"
BASIS_KEY = "basis"
_VERSION_KEY = "_data_version"
_FLASH_KEY = "_flash"
_FRAME_KEY = "_frame"
_ROUND_KEY = "_action_round"
PAGE_SIZES = (25, 50, 100, 250)
CUSTOMER_PAGE = "pages/kunde.py"
CUSTOMERS_PAGE = "pages/kunden.py"
SOURCES_PAGE = "pages/datenquellen.py"
_CACHE_TTL = 3600


# --- settings, language, basis ---------------------------------------------------------------


def settings() -> Settings:
    return get_settings()


def database_url() -> str:
    return settings().resolved_database_url


def engine() -> Engine:
    """The migrated engine of the configured database (created once per process)."""
    return get_engine(database_url())


def lang() -> str:
    return i18n.normalise_language(st.session_state.get(LANG_KEY) or settings().language)


def tr(key: str, **kwargs: object) -> str:
    """:func:`kundenwert.i18n.t` in the language the person chose."""
    return i18n.t(key, lang(), **kwargs)


def basis() -> MoneyBasis:
    return MoneyBasis(st.session_state.get(BASIS_KEY) or settings().money_basis)


def basis_label() -> str:
    """``brutto`` / ``netto`` / ``Auszahlung`` — the basis every money figure states."""
    return tr(f"basis.{basis().value}")


def currency() -> str:
    return settings().base_currency


# --- data -------------------------------------------------------------------------------------


def start_run() -> None:
    """Once per script run, before any page: leave Streamlit's old "pages/ directory" mode,
    migrate, fingerprint the data for the caches, mark the run for :func:`inside_frame`."""
    _leave_pages_directory_mode()
    st.session_state[_FRAME_KEY] = True
    engine()
    st.session_state[_VERSION_KEY] = data_version(database_url())


def _leave_pages_directory_mode() -> None:
    """Streamlit treats a folder called ``pages/`` next to the entry file as the old multipage
    mode until some run has called ``st.navigation`` (streamlit/streamlit#10276). In that mode a
    deep link such as ``/kunde?person=7`` runs ``pages/kunde.py`` without this frame, and the
    entry file runs as a page of its own, so its sidebar widgets get other ids than in a normal
    run and lose their values. Switching the mode off (what ``st.navigation`` does) and starting
    the run again avoids both; it happens once per server start (in AppTest once per run).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def inside_frame() -> None:
    """First line of every page: make sure the page runs inside the frame (app.py), and show
    the message a data change left for this run (:func:`flash`).

    app.py leaves a marker for the page of the same run. A page that finds none was started
    directly by Streamlit's old "pages/ directory" mode (see :func:`_leave_pages_directory_mode`)
    and starts the run again through app.py; query parameters stay.
    """
    if not st.session_state.pop(_FRAME_KEY, False):
        _leave_pages_directory_mode()
        st.rerun()
    render_flash()


def version() -> str:
    if _VERSION_KEY not in st.session_state:
        start_run()
    return str(st.session_state[_VERSION_KEY])


@st.cache_resource(ttl=_CACHE_TTL, max_entries=2, show_spinner=False)
def _frames(url: str, version: str) -> Frames:
    return load_frames(url)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=3, show_spinner=False)
def _dataset(url: str, version: str, basis_value: str, base_currency: str) -> Dataset:
    rules = load_test_rules(get_engine(url))
    return build_dataset(_frames(url, version), MoneyBasis(basis_value), base_currency, rules)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=3, show_spinner=False)
def _matrix(url: str, version: str, basis_value: str, base_currency: str) -> pl.DataFrame:
    return customer_matrix(_dataset(url, version, basis_value, base_currency))


@st.cache_resource(ttl=_CACHE_TTL, max_entries=2, show_spinner=False)
def _duplicates(url: str, version: str) -> pl.DataFrame:
    return probable_duplicates(_frames(url, version).contacts)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=2, show_spinner=False)
def _quality(
    url: str, version: str, basis_value: str, base_currency: str
) -> dict[str, pl.DataFrame]:
    ds = _dataset(url, version, basis_value, base_currency)
    return {check: check_records(ds, check) for check in CHECKS}


@st.cache_data(ttl=_CACHE_TTL, max_entries=4, show_spinner=False)
def _demo_flag(url: str, version: str) -> bool:
    return stored_demo_flag(get_engine(url))


@st.cache_resource(ttl=_CACHE_TTL, max_entries=3, show_spinner=False)
def _order_days(
    url: str, version: str, basis_value: str, base_currency: str
) -> tuple[date, date] | None:
    return order_days(_dataset(url, version, basis_value, base_currency))


@st.cache_resource(ttl=_CACHE_TTL, max_entries=8, show_spinner=False)
def _kpis(
    url: str,
    version: str,
    basis_value: str,
    base_currency: str,
    start: date,
    end: date,
    inactivity_days: int,
    today: date,
) -> KpiResult:
    ds = _dataset(url, version, basis_value, base_currency)
    return kpis(ds, start, end, inactivity_days, today=today)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=8, show_spinner=False)
def _lifecycle(
    url: str,
    version: str,
    basis_value: str,
    base_currency: str,
    start: date,
    end: date,
    freq: Freq,
    inactivity_days: int,
    today: date,
) -> pl.DataFrame:
    ds = _dataset(url, version, basis_value, base_currency)
    return lifecycle(ds, start, end, freq, inactivity_days, today=today)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=8, show_spinner=False)
def _cohorts(
    url: str, version: str, basis_value: str, base_currency: str, start: date, end: date, m: str
) -> pl.DataFrame:
    ds = _dataset(url, version, basis_value, base_currency)
    measure: Measure = "revenue" if m == "revenue" else "customers"
    return cohorts(ds, start, end, measure)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=8, show_spinner=False)
def _rfm(
    url: str, version: str, basis_value: str, base_currency: str, as_of: date, since: date | None
) -> RfmResult:
    return rfm_score(_dataset(url, version, basis_value, base_currency), as_of, since=since)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=8, show_spinner=False)
def _journey(
    url: str, version: str, basis_value: str, base_currency: str, start: date, end: date, steps: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    ds = _dataset(url, version, basis_value, base_currency)
    return journey(ds, start, end, steps), journey_summary(ds, start, end)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=4, show_spinner=False)
def _clv_fit(
    url: str, version: str, basis_value: str, base_currency: str, end: date, unit: str
) -> Any:
    """:class:`kundenwert.clv.ClvFit`, or the reason (str) why the model cannot be fitted:
    a failed fit is cached too, so thin data is not refitted on every rerun."""
    from kundenwert.clv import NotEnoughDataError, fit, purchases

    ds = _dataset(url, version, basis_value, base_currency)
    try:
        return fit(purchases(ds), end, "day" if unit == "day" else "week")
    except NotEnoughDataError as error:
        return str(error)


@st.cache_resource(ttl=_CACHE_TTL, max_entries=2, show_spinner=False)
def _predictions(
    url: str, version: str, basis_value: str, base_currency: str, end: date
) -> pl.DataFrame | str:
    from kundenwert.clv import DAYS_PER_MONTH, predict_persons

    fitted = _clv_fit(url, version, basis_value, base_currency, end, "week")
    if isinstance(fitted, str):
        return fitted
    return predict_persons(fitted, 12 * DAYS_PER_MONTH / 7, months=12, monthly_discount=0.01)


def _keys() -> tuple[str, str, str, str]:
    return database_url(), version(), basis().value, currency()


def today() -> date:
    """Today in Germany: the last day presets reach and on which somebody can become lost."""
    return german_today()


def load_order_days() -> tuple[date, date] | None:
    """German days of the first and last counted sale (None without any)."""
    return _order_days(*_keys())


def load_kpis(start: date, end: date) -> KpiResult:
    """:func:`kundenwert.metrics.kpis` of the range, with the inactivity window setting."""
    with st.spinner(tr("app.loading")):
        return _kpis(*_keys(), start, end, settings().inactivity_days, today())


def load_lifecycle(start: date, end: date, freq: Freq) -> pl.DataFrame:
    with st.spinner(tr("app.loading")):
        return _lifecycle(*_keys(), start, end, freq, settings().inactivity_days, today())


def load_cohorts(start: date, end: date, measure: Measure) -> pl.DataFrame:
    with st.spinner(tr("app.loading")):
        return _cohorts(*_keys(), start, end, measure)


def load_rfm(as_of: date, since: date | None = None) -> RfmResult:
    """:func:`kundenwert.rfm.score` with the default grid (all history unless ``since``)."""
    with st.spinner(tr("app.loading")):
        return _rfm(*_keys(), as_of, since)


def load_journey(start: date, end: date, steps: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`kundenwert.journey.journey` (the flows) and its :func:`journey_summary`."""
    with st.spinner(tr("app.loading")):
        return _journey(*_keys(), start, end, steps)


def load_clv_fit(calibration_end: date, time_unit: str = "week") -> Any:
    """The CLV models fitted up to ``calibration_end`` (a ClvFit), or why not (str)."""
    with st.spinner(tr("forecast.fitting"), show_time=True):
        return _clv_fit(*_keys(), calibration_end, time_unit)


def load_predictions() -> pl.DataFrame | str:
    """Every buyer's p_alive, expected purchases and CLV over the next 12 months, fitted up
    to today (:func:`kundenwert.clv.predict_persons`), or why there are none (str)."""
    with st.spinner(tr("forecast.fitting"), show_time=True):
        return _predictions(*_keys(), today())


def load_dataset() -> Dataset:
    """Frames and customer values on the basis the person chose (cached per data version)."""
    with st.spinner(tr("app.loading"), show_time=True):
        return _dataset(database_url(), version(), basis().value, currency())


def load_matrix() -> pl.DataFrame:
    with st.spinner(tr("app.loading")):
        return _matrix(database_url(), version(), basis().value, currency())


def load_duplicates() -> pl.DataFrame:
    with st.spinner(tr("app.loading")):
        return _duplicates(database_url(), version())


def load_quality() -> dict[str, pl.DataFrame]:
    """The records behind every data-quality check (:mod:`kundenwert.quality`), by check."""
    with st.spinner(tr("app.loading")):
        return _quality(database_url(), version(), basis().value, currency())


def is_demo() -> bool:
    return _demo_flag(database_url(), version())


def has_data(ds: Dataset) -> bool:
    return ds.frames.contacts.height > 0


def find_persons(ds: Dataset, text: str, limit: int = 50) -> pl.DataFrame:
    """Persons matching a search text (name, company, e-mail) or a person number."""
    text = text.strip().lstrip("#")
    if text.isdigit():
        found = ds.customers.filter(pl.col("person_id") == int(text))
        if found.height:
            return found
    return sort_customers(search_customers(ds.customers, text), "value", True).head(limit)


def matrix_matching(ds: Dataset, matrix: pl.DataFrame, text: str | None) -> pl.DataFrame:
    """The matrix rows of the persons the customer search finds."""
    if not text or not text.strip():
        return matrix
    ids = search_customers(ds.customers, text)["person_id"]
    return matrix.filter(pl.col("person_id").is_in(ids.implode()))


# --- frame: sidebar, empty state, notices ------------------------------------------------------


def render_sidebar() -> None:
    """Language and value basis, shared by every page (kept by :func:`remembered`)."""
    with st.sidebar:
        remembered(
            st.radio,
            i18n.t("sidebar.language", lang()),
            options=list(i18n.LANGUAGES),
            format_func=labels(i18n.LANGUAGES, {"de": "Deutsch", "en": "English"}.__getitem__),
            state=LANG_KEY,
            default=i18n.normalise_language(settings().language),
            horizontal=True,
        )
        choice(
            st.radio,
            tr("sidebar.basis"),
            options=[b.value for b in MoneyBasis],
            state=BASIS_KEY,
            default=settings().money_basis.value,
            format_func=lambda value: tr(f"basis_long.{value}"),
            help=tr("sidebar.basis_help"),
        )
        st.caption(tr("sidebar.currency", currency=currency(), basis=basis_label()))


def render_empty_state() -> None:
    st.subheader(tr("empty.title"))
    st.markdown(tr("empty.body"))
    st.page_link(SOURCES_PAGE, label=tr("empty.to_sources"), icon=":material/upload_file:")


def require_data() -> Dataset:
    """The dataset, or the empty state and the end of the page when there is no data yet."""
    ds = load_dataset()
    if not has_data(ds):
        render_empty_state()
        st.stop()
    return ds


def flash(message: str, kind: str = "success") -> None:
    """A message shown once, on the next run (after ``st.rerun()``)."""
    st.session_state[_FLASH_KEY] = (kind, message)


def render_flash() -> None:
    kind, message = st.session_state.pop(_FLASH_KEY, (None, None))
    if message:
        {"success": st.success, "error": st.error, "info": st.info}.get(kind, st.info)(message)


# --- formats ----------------------------------------------------------------------------------


def money(cents: int | None, code: str | None = None) -> str:
    return i18n.format_money(cents, code or currency(), lang())


def money_tile(cents: int) -> str:
    """An amount for a KPI tile, short enough to fit: millions compact (1,45 Mio. €), whole
    units from 1.000 on, cents below."""
    if abs(cents) >= 100_000_000:
        return i18n.format_money_compact(cents, currency(), lang())
    if abs(cents) >= 100_000:
        return i18n.format_money_whole(cents, currency(), lang())
    return money(cents)


def money_list(values: Sequence[int | None], code: str | None = None) -> list[str]:
    return [money(v, code) for v in values]


def number(value: int | float | None) -> str:
    return i18n.format_number(value, lang())


def percent(fraction: float | None, decimals: int = 1) -> str:
    return i18n.format_percent(fraction, lang(), decimals)


def change(fraction: float | None) -> str | None:
    """A relative change as a signed percentage (``+12,3 %``) for ``st.metric``'s delta."""
    if fraction is None:
        return None
    return ("+" if fraction > 0 else "") + percent(fraction)


def day(value: object) -> str:
    """A date (or the date of a datetime) in the chosen language; anything else as a dash."""
    if isinstance(value, date):  # datetime is a date too
        return i18n.format_date(value, lang())
    return tr("common.none")


def money_column(label: str, help: str | None = None) -> Any:
    """Amounts arrive as formatted text; right-aligned like numbers."""
    return st.column_config.TextColumn(label, help=help, alignment="right")


def date_column(label: str) -> Any:
    return st.column_config.DateColumn(label, format=i18n.date_column_format(lang()))


def datetime_column(label: str) -> Any:
    return st.column_config.DatetimeColumn(label, format=i18n.datetime_column_format(lang()))


def plotly_layout(fig: Any, height: int = 320) -> Any:
    """Locale separators, compact margins, no legend title."""
    fig.update_layout(
        separators=i18n.plotly_separators(lang()),
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend_title_text="",
    )
    return fig


def date_axis(fig: Any, axis: str = "x") -> Any:
    """Dates on a plot axis in the chosen language's format."""
    pattern = "%d.%m.%Y" if lang() == "de" else "%Y-%m-%d"
    fig.update_layout({f"{axis}axis": {"tickformat": pattern, "hoverformat": pattern}})
    return fig


def amounts_for_plot(values: Sequence[int]) -> list[float]:
    """Cents → currency units as plot coordinates (display only; sums stay in integer cents)."""
    return [float(i18n.cents_to_amount(v)) for v in values]


# --- customer list ----------------------------------------------------------------------------


def customer_rows(page: pl.DataFrame) -> pl.DataFrame:
    """The display frame of a page of ``Dataset.customers``: money and countries as text."""
    code = currency()
    return pl.DataFrame(
        {
            "person_id": page["person_id"],
            "name": page["name"],
            "email": page["email"],
            "value": money_list(page["value"].to_list(), code),
            "orders": page["orders"],
            "first_order": i18n.local_time(page["first_order"]).dt.date(),
            "last_order": i18n.local_time(page["last_order"]).dt.date(),
            "sources": page["sources"],
            "company": page["company"],
            "country": [i18n.country_name(c, lang()) for c in page["country"]],
            "city": page["city"],
            "refunds": money_list(page["refunds"].to_list(), code),
            "chargebacks": money_list(page["chargebacks"].to_list(), code),
        }
    )


def customer_columns() -> dict[str, Any]:
    b = basis_label()
    return {
        "person_id": st.column_config.NumberColumn(tr("col.person_id"), format="%d", width=70),
        "name": st.column_config.TextColumn(tr("col.name")),
        "email": st.column_config.TextColumn(tr("col.email")),
        "company": st.column_config.TextColumn(tr("col.company")),
        "country": st.column_config.TextColumn(tr("col.country")),
        "city": st.column_config.TextColumn(tr("col.city")),
        "sources": st.column_config.TextColumn(tr("col.sources")),
        "orders": st.column_config.NumberColumn(tr("col.orders"), help=tr("customer.orders_help")),
        "first_order": date_column(tr("col.first_order")),
        "last_order": date_column(tr("col.last_order")),
        "value": money_column(
            tr("col.value", basis=b),
            help=tr("customer.value_help", basis=b, currency=currency()),
        ),
        "refunds": money_column(tr("col.refunds", basis=b)),
        "chargebacks": money_column(tr("col.chargebacks", basis=b)),
    }


def customers_csv(customers: pl.DataFrame, language: str, basis_text: str) -> bytes:
    """Every given person as a CSV file Excel opens as it is.

    German: semicolon-separated with decimal commas and dd.MM.yyyy dates; English: commas,
    decimal points, ISO dates. UTF-8 with BOM so Excel reads umlauts; text that would start a
    formula is neutralised (:mod:`kundenwert.export`). Runs outside the script thread
    (download callback), so it takes everything as arguments.
    """
    frame = export.export_frame(
        customers, export.CUSTOMER_LIST_COLUMNS, language, basis_text=basis_text
    )
    return export.to_csv_excel(frame, language)


def customers_xlsx(customers: pl.DataFrame, language: str, basis_text: str, currency: str) -> bytes:
    """The same list as :func:`customers_csv` as an Excel workbook (numbers, date cells)."""
    frame = export.export_frame(
        customers, export.CUSTOMER_LIST_COLUMNS, language, basis_text=basis_text
    )
    return export.to_xlsx(frame, language, currency)


def matrix_csv(
    matrix: pl.DataFrame, language: str, money_columns: Sequence[str], titles: dict[str, str]
) -> bytes:
    """The matrix as CSV, in the same dialect as :func:`customers_csv`."""
    german = language == "de"
    frame = matrix.with_columns(i18n.amount_expr(c, language) for c in money_columns).rename(titles)
    buffer = io.BytesIO()
    buffer.write("\ufeff".encode())
    frame.write_csv(buffer, separator=";" if german else ",")
    return buffer.getvalue()


# --- selection, navigation, confirmation ------------------------------------------------------


def selected_row(event: Any) -> int | None:
    """Position of the single selected row of an ``st.dataframe`` selection event."""
    try:
        rows = event.selection.rows
    except AttributeError:
        return None
    return int(rows[0]) if rows else None


def open_customer(person_id: int) -> NoReturn:
    """Switch to the customer report of ``person_id`` (shareable: ``?person=…``)."""
    st.session_state["customer_person"] = int(person_id)
    st.switch_page(CUSTOMER_PAGE, query_params={"person": str(int(person_id))})


def remembered(
    widget: Callable[..., Any],
    label: str,
    *,
    state: str,
    default: Any,
    key_suffix: str = "widget",
    on_change: Callable[..., None] | None = None,
    args: tuple[Any, ...] = (),
    **kwargs: Any,
) -> Any:
    """A widget whose value lives in ``st.session_state[state]``, a plain key.

    Streamlit forgets every widget value when a script switches pages (``st.switch_page``
    drops all widget state, the sidebar's included), and a page's widgets when another page
    runs. The language, the value basis and the customer list's search and sorting should
    survive opening a customer and coming back, so the widget is only a view of the plain key.
    """
    key = f"{state}__{key_suffix}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(state, default)

    def remember() -> None:
        st.session_state[state] = st.session_state[key]
        if on_change is not None:
            on_change(*args)

    value = widget(label, key=key, on_change=remember, **kwargs)
    st.session_state[state] = value
    return value


def set_remembered(state: str, value: Any, key_suffix: str = "widget") -> None:
    """Change a :func:`remembered` value (in a callback, or before its widget is drawn)."""
    st.session_state[state] = value
    st.session_state[f"{state}__{key_suffix}"] = value


def choice(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[Any],
    *,
    state: str,
    default: Any,
    format_func: Callable[[Any], str],
    **kwargs: Any,
) -> Any:
    """A :func:`remembered` select box, radio or segmented control with translated labels.

    Streamlit keeps a selection as its displayed label, so after a language switch a widget
    with the same key would lose it: the widget key carries the language.
    """
    if st.session_state.get(state, default) not in options:
        st.session_state[state] = default
    return remembered(
        widget,
        label,
        options=options,
        format_func=labels(options, format_func),
        state=state,
        default=default,
        key_suffix=lang(),
        **kwargs,
    )


def labels(options: Sequence[Any], format_func: Callable[[Any], str]) -> Callable[[Any], str]:
    """The option labels, computed now in the chosen language.

    Streamlit may call ``format_func`` again outside the script run (AppTest does, to report
    widget states), where the language in the session state cannot be read.
    """
    table = {option: format_func(option) for option in options}
    return table.__getitem__


def first_page(state: str) -> None:
    """on_change callback of search, sort and page size: back to page 1."""
    set_remembered(state, 1)


def fresh_key(name: str) -> str:
    """A widget key that changes after every confirmed action (:func:`confirmation`), so the
    search boxes and selections of a merge or split start empty for the next one; and with the
    language, whose labels the selection is kept as (see :func:`choice`)."""
    return f"{name}:{lang()}:{st.session_state.get(_ROUND_KEY, 0)}"


def confirmation(
    key: str, question: str, action: Callable[[], str | None], yes_label: str | None = None
) -> None:
    """Second step of a two-step action that changes data.

    A first button stores ``st.session_state[key] = True`` (see :func:`ask`); then this shows the
    question with "yes" and "cancel". "Yes" runs ``action``; its return value is shown as a
    success message after a rerun, an exception as an error.
    """
    if not st.session_state.get(key):
        return
    with st.container(border=True):
        st.warning(question, icon=":material/help:")
        buttons = st.container(horizontal=True)
        yes, no = buttons, buttons
        if yes.button(yes_label or tr("common.yes_do"), key=f"{key}:yes", type="primary"):
            st.session_state.pop(key, None)
            try:
                message = action()
            except ValueError as error:  # IdentityError and friends: a message for a person
                flash(tr("common.error", message=str(error)), "error")
            except DATABASE_ERRORS as error:  # full disk, read-only file: nothing was changed
                flash(tr("common.error", message=database_error_message(error, lang())), "error")
            else:
                st.session_state[_ROUND_KEY] = st.session_state.get(_ROUND_KEY, 0) + 1
                if message:
                    flash(message)
            st.rerun()
        if no.button(tr("common.cancel"), key=f"{key}:no"):
            st.session_state.pop(key, None)
            st.rerun()


def ask(key: str) -> None:
    """on_click callback of the first button of a two-step action."""
    st.session_state[key] = True


class ListControls(NamedTuple):
    """What the owner chose above a paged person list."""

    search: str
    sort_by: str
    descending: bool
    page_size: int


def list_controls(
    prefix: str,
    page_key: str,
    sort_options: list[str],
    default_sort: str,
    sort_label: Callable[[str], str],
) -> ListControls:
    """Search box, sort column, direction and page size of a paged list (Kunden, Kundenmatrix).

    The choices are remembered under ``{prefix}_search`` etc.; every change goes back to page 1.
    """
    search_col, sort_col, direction_col, size_col = st.columns(
        [4, 2, 2.4, 1], vertical_alignment="bottom"
    )
    search = remembered(
        search_col.text_input,
        tr("customers.search"),
        state=f"{prefix}_search",
        default="",
        placeholder=tr("customers.search_placeholder"),
        type="search",
        on_change=first_page,
        args=(page_key,),
    )
    sort_by = choice(
        sort_col.selectbox,
        tr("common.sort_by"),
        options=sort_options,
        state=f"{prefix}_sort",
        default=default_sort,
        format_func=sort_label,
        on_change=first_page,
        args=(page_key,),
    )
    descending = choice(
        direction_col.segmented_control,
        tr("common.direction"),
        options=[True, False],
        state=f"{prefix}_descending",
        default=True,
        format_func=lambda down: tr("common.descending" if down else "common.ascending"),
        required=True,
        on_change=first_page,
        args=(page_key,),
    )
    page_size = remembered(
        size_col.selectbox,
        tr("common.page_size"),
        options=list(PAGE_SIZES),
        state=f"{prefix}_page_size",
        default=50,
        on_change=first_page,
        args=(page_key,),
    )
    return ListControls(str(search), str(sort_by), bool(descending), int(page_size))
