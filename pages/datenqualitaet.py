"""Datenqualität: one number per check, each with the records behind it (kundenwert.quality)."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

import ui
from kundenwert import i18n
from kundenwert.quality import check_count

MAX_ROWS = 1000  # rows per table; the number above says how many there are
ICONS = {
    "no_email": ":material/unsubscribe:",
    "duplicate_invoice_numbers": ":material/receipt_long:",
    "shared_payments": ":material/payments:",
    "foreign_currency": ":material/currency_exchange:",
    "test_orders": ":material/science:",
    "no_country": ":material/public_off:",
}


def help_text(check: str) -> str:
    return ui.tr(f"quality.{check}_help", currency=ui.currency())


def display_rows(check: str, records: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The columns a person reads, formatted, with their labels."""
    lang = ui.lang()
    columns: dict[str, Any] = {}
    config: dict[str, Any] = {}
    if "ordered_at" in records.columns:
        columns["ordered_at"] = i18n.local_time(records["ordered_at"])
        config["ordered_at"] = ui.datetime_column(ui.tr("col.date"))
    columns["source_label"] = records["source_label"]
    config["source_label"] = ui.tr("col.source")
    if "source_order_id" in records.columns:
        columns["source_order_id"] = records["source_order_id"]
        config["source_order_id"] = ui.tr("col.order_id")
    if "source_contact_id" in records.columns:
        columns["source_contact_id"] = records["source_contact_id"]
        config["source_contact_id"] = ui.tr("col.contact_id")
    if "payment_id" in records.columns:
        columns["payment_id"] = records["payment_id"]
        config["payment_id"] = ui.tr("col.payment_id")
    if "gross_cents" in records.columns:
        columns["original"] = [
            ui.money(c, cur)
            for c, cur in zip(records["gross_cents"], records["currency"], strict=True)
        ]
        config["original"] = ui.money_column(ui.tr("col.original_amount"))
    if "rate" in records.columns:
        columns["rate"] = [i18n.format_rate(r, lang) for r in records["rate"]]
        columns["rate_day"] = records["rate_day"]
        columns["amount"] = ui.money_list(records["amount"].to_list())
        config["rate"] = ui.tr("col.rate")
        config["rate_day"] = ui.date_column(ui.tr("col.rate_day"))
        config["amount"] = ui.money_column(
            ui.tr("col.amount_base", basis=ui.basis_label(), currency=ui.currency())
        )
    if "counted" in records.columns:
        columns["counted"] = records["counted"]
        columns["excluded_reason"] = [
            i18n.label("excluded", r, lang) for r in records["excluded_reason"]
        ]
        config["counted"] = st.column_config.CheckboxColumn(ui.tr("col.counted"))
        config["excluded_reason"] = ui.tr("col.excluded_reason")
    if check == "no_country":
        columns["city"] = records["city"]
        columns["postcode"] = records["postcode"]
        config["city"] = ui.tr("col.city")
        config["postcode"] = ui.tr("col.postcode")
    columns["person_id"] = records["person_id"]
    columns["name"] = records["name"]
    columns["email"] = records["email"]
    config["person_id"] = st.column_config.NumberColumn(ui.tr("col.person_id"), format="%d")
    config["name"] = ui.tr("col.name")
    config["email"] = ui.tr("col.email")
    return pl.DataFrame(columns), config


def render_check(check: str, records: pl.DataFrame) -> None:
    title = ui.tr(f"quality.{check}")
    with st.expander(ui.tr("quality.records", title=title), icon=ICONS[check]):
        st.caption(help_text(check))
        if records.height == 0:
            st.success(ui.tr("quality.nothing"))
            return
        rows = records.head(MAX_ROWS)
        if records.height > rows.height:
            st.caption(
                ui.tr(
                    "quality.shown", shown=ui.number(rows.height), total=ui.number(records.height)
                )
            )
        frame, config = display_rows(check, rows)
        event = st.dataframe(
            frame,
            hide_index=True,
            placeholder="",
            key=f"quality_{check}",
            on_select="rerun",
            selection_mode="single-row",
            width="stretch",
            column_config=config,
        )
        if (position := ui.selected_row(event)) is not None:
            person = rows["person_id"][position]
            if person is not None:
                ui.open_customer(int(person))
        st.caption(ui.tr("common.select_hint"))


def render_quality(results: dict[str, pl.DataFrame]) -> None:
    tiles = st.columns(3)
    for position, (check, records) in enumerate(results.items()):
        tiles[position % 3].metric(
            ui.tr(f"quality.{check}"),
            ui.number(check_count(records, check)),
            help=help_text(check),
            border=True,
        )
    for check, records in results.items():
        render_check(check, records)


ui.inside_frame()
st.title(ui.tr("nav.quality"))
st.caption(ui.tr("quality.caption"))
ui.require_data()
render_quality(ui.load_quality())
