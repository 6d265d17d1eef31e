"""Kunden: every person with their customer value; search, sort, page, download, open one."""

from __future__ import annotations

import math
from functools import partial

import polars as pl
import streamlit as st

import ui
import ui_clv
import ui_export
import ui_filters
from kundenwert.customers import (
    SORTABLE,
    customer_page,
    search_customers,
    sort_customers,
)
from kundenwert.export import CUSTOMER_LIST_COLUMNS

PAGE_KEY = "customers_page"


def matching_rows(
    customers: pl.DataFrame, search: str, sort_by: str, descending: bool
) -> pl.DataFrame:
    """All matching persons in the chosen order (built when a download button is clicked)."""
    return sort_customers(search_customers(customers, search), sort_by, descending)


ui.inside_frame()
st.title(ui.tr("nav.customers"))
ds = ui_filters.filtered(ui.require_data())
ui_filters.facet_filter()
st.caption(ui.tr("customers.caption", basis=ui.basis_label(), currency=ui.currency()))
predicted = ui_clv.sort_keys()

search, sort_by, descending, page_size = ui.list_controls(
    "customers",
    PAGE_KEY,
    [*SORTABLE, *predicted],
    "value",
    lambda column: ui.tr(f"sort.{column}"),
)
customers = ui_clv.with_sort_keys(ds.customers) if sort_by in predicted else ds.customers

# The page number is read before its widget is drawn (below the table): clamp it first.
total = search_customers(customers, search).height
pages = max(1, math.ceil(total / page_size))
if st.session_state.get(PAGE_KEY, 1) > pages:
    ui.set_remembered(PAGE_KEY, pages)
page_number = int(st.session_state.get(PAGE_KEY, 1))

rows, total = customer_page(
    customers,
    search=search,
    sort_by=sort_by,
    descending=descending,
    page=page_number,
    page_size=page_size,
)

if total == 0:
    st.info(ui.tr("customers.none_found", search=search))
    st.stop()

first = (page_number - 1) * page_size + 1
st.markdown(
    "**"
    + ui.tr(
        "customers.range",
        start=ui.number(first),
        end=ui.number(first + rows.height - 1),
        total=ui.number(total),
    )
    + "**"
)
event = st.dataframe(
    ui_clv.with_predictions(ui.customer_rows(rows)),
    key="customers_table",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    placeholder="",
    column_config={**ui.customer_columns(), **ui_clv.columns()},
    width="stretch",
    height=min(38 + 35 * rows.height, 740),
)
if (position := ui.selected_row(event)) is not None:
    ui.open_customer(int(rows["person_id"][position]))
st.caption(ui.tr("common.select_hint"))

pager, _ = st.columns([1, 5], vertical_alignment="bottom")
ui.remembered(
    pager.number_input,
    ui.tr("common.page", pages=ui.number(pages)),
    state=PAGE_KEY,
    default=1,
    min_value=1,
    max_value=pages,
    step=1,
)
ui_export.render_export(
    "customers_export",
    partial(matching_rows, customers, search, sort_by, descending),
    count=total,
    stem=ui.tr("export.customers_stem"),
    offered=ui_export.offered_columns(ds.customers.columns, ds.by_source),
    default=CUSTOMER_LIST_COLUMNS,
    by_source=ds.by_source,
)
