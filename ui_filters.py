"""The date range the analytics pages share (Übersicht, RFM), kept in the URL.

The query string is the source of truth: ``?range=this_quarter`` or ``?from=…&to=…``
(:mod:`kundenwert.periods`), so a bookmark or a shared link opens the same view. Widgets are
drawn from it on every run and write it back in their callbacks. Streamlit drops the query
string when the person switches pages through the navigation, so the last choice is also kept
in the session state and put back into the URL of the next analytics page.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

import ui
from kundenwert import i18n
from kundenwert.metrics import previous_period
from kundenwert.periods import (
    DEFAULT_PRESET,
    FROM_PARAM,
    PRESETS,
    RANGE_PARAM,
    TO_PARAM,
    RangeChoice,
    range_from_query,
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
