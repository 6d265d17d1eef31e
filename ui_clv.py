"""The predicted-value columns and tiles the customer pages share (Kunden, Kundenmatrix, Kunde).

Predictions come from :func:`ui.load_predictions` (fitted up to today, cached per data
version). When the model cannot be fitted the columns say so in words, never as zeros; a
person without a counted purchase gets a dash.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st
from babel.dates import format_date
from babel.numbers import format_decimal

import ui
from kundenwert import i18n
from kundenwert.forecast import RevenueForecast, revenue_forecast

COLUMNS = ("p_alive", "expected_purchases", "clv")


def _two_decimals(value: float) -> str:
    return format_decimal(value, format="#,##0.00", locale=i18n.locale_of(ui.lang()))


def _texts(predictions: pl.DataFrame | str, person_ids: list[int]) -> dict[str, list[str]]:
    if isinstance(predictions, str):
        missing = ui.tr("clv.not_computable")
        return {column: [missing] * len(person_ids) for column in COLUMNS}
    found = {
        row["person_id"]: row
        for row in predictions.filter(pl.col("person_id").is_in(person_ids))
        .select("person_id", "p_alive", "expected_purchases", "clv_cents")
        .iter_rows(named=True)
    }
    none = ui.tr("common.none")
    rows = [found.get(person) for person in person_ids]
    return {
        "p_alive": [ui.percent(r["p_alive"], 0) if r else none for r in rows],
        "expected_purchases": [_two_decimals(r["expected_purchases"]) if r else none for r in rows],
        "clv": [ui.money(r["clv_cents"]) if r else none for r in rows],
    }


SORTABLE = ("predicted_value", "prob_alive")  # sort keys the customer list gains from the model


def sort_keys() -> list[str]:
    """The prediction sort keys the customer list offers; none when the model cannot be fitted."""
    return [] if isinstance(ui.load_predictions(), str) else list(SORTABLE)


def with_sort_keys(customers: pl.DataFrame) -> pl.DataFrame:
    """``customers`` with the model's numbers as sort keys (predicted_value in cents,
    prob_alive); joined only when the list is sorted by one of them."""
    predictions = ui.load_predictions()
    if isinstance(predictions, str):
        return customers
    keys = predictions.select(
        "person_id",
        pl.col("clv_cents").alias("predicted_value"),
        pl.col("p_alive").alias("prob_alive"),
    )
    return customers.join(keys, on="person_id", how="left", maintain_order="left")


def with_predictions(display: pl.DataFrame) -> pl.DataFrame:
    """``display`` (with a person_id column) plus the three prediction columns as text."""
    texts = _texts(ui.load_predictions(), display["person_id"].to_list())
    added = display.with_columns(pl.Series(name, values) for name, values in texts.items())
    if "value" not in display.columns:
        return added
    # right after the customer value, where the eye compares past and potential value
    order = [c for c in display.columns if c not in COLUMNS]
    at = order.index("value") + 1
    return added.select([*order[:at], *COLUMNS, *order[at:]])


def columns() -> dict[str, Any]:
    """column_config of the prediction columns."""
    b = ui.basis_label()
    return {
        "p_alive": st.column_config.TextColumn(
            ui.tr("clv.col_p_alive"), help=ui.tr("clv.col_p_alive_help"), alignment="right"
        ),
        "expected_purchases": st.column_config.TextColumn(
            ui.tr("clv.col_expected"), help=ui.tr("clv.col_expected_help"), alignment="right"
        ),
        "clv": ui.money_column(
            ui.tr("clv.col_clv"),
            help=ui.tr("clv.col_clv_help", basis=b, currency=ui.currency()),
        ),
    }


def render_tiles(person_id: int) -> None:
    """The person's three predictions as tiles (customer report)."""
    texts = _texts(ui.load_predictions(), [person_id])
    alive, expected, value = st.columns(3)
    config = columns()
    for column, name in zip((alive, expected, value), COLUMNS, strict=True):
        column.metric(config[name]["label"], texts[name][0], help=config[name]["help"], border=True)


# --- Prognose page: holdout check and revenue forecast (cached per data version) -------------


@st.cache_resource(ttl=3600, max_entries=4, show_spinner=False)
def _holdout(
    url: str, version: str, basis_value: str, base_currency: str, end: date, until: date
) -> pl.DataFrame | str:
    from kundenwert.clv import NotEnoughDataError, holdout_check

    ds = ui._dataset(url, version, basis_value, base_currency)
    try:
        return holdout_check(ds, end, until, "week", "month")
    except NotEnoughDataError as error:
        return str(error)


@st.cache_resource(ttl=3600, max_entries=4, show_spinner=False)
def _forecast(
    url: str, version: str, basis_value: str, base_currency: str, first: date, today: date
) -> RevenueForecast:
    ds = ui._dataset(url, version, basis_value, base_currency)
    return revenue_forecast(ds, first, today)


def load_holdout(calibration_end: date, holdout_end: date) -> pl.DataFrame | str:
    """Predicted vs actual repeat purchases per month after ``calibration_end``, or why not."""
    with st.spinner(ui.tr("forecast.fitting"), show_time=True):
        return _holdout(*ui._keys(), calibration_end, holdout_end)


def load_forecast(first_month: date) -> RevenueForecast:
    with st.spinner(ui.tr("forecast.fitting"), show_time=True):
        return _forecast(*ui._keys(), first_month, ui.today())


def month_label(day: date) -> str:
    """``November 2026`` in the chosen language."""
    return format_date(day, "MMMM yyyy", locale=i18n.locale_of(ui.lang()))


def number3(value: float) -> str:
    return format_decimal(value, format="#,##0.000", locale=i18n.locale_of(ui.lang()))
