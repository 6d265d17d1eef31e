"""Kunden: every person with their customer value; search, sort, page, download, open one."""

from __future__ import annotations

import math
from functools import partial

import streamlit as st

import ui
from kundenwert.customers import (
    SORTABLE,
    Dataset,
    customer_page,
    search_customers,
    sort_customers,
)

PAGE_KEY = "customers_page"


def csv_file(
    ds: Dataset, search: str, sort_by: str, descending: bool, language: str, basis_text: str
) -> bytes:
    """All matching persons in the chosen order (runs when the button is clicked)."""
    matching = sort_customers(search_customers(ds.customers, search), sort_by, descending)
    return ui.customers_csv(matching, language, basis_text)


def xlsx_file(
    ds: Dataset, search: str, sort_by: str, descending: bool, language: str, basis_text: str
) -> bytes:
    """The same list as :func:`csv_file` as an Excel workbook."""
    matching = sort_customers(search_customers(ds.customers, search), sort_by, descending)
    return ui.customers_xlsx(matching, language, basis_text, ds.base_currency)


ui.inside_frame()
st.title(ui.tr("nav.customers"))
ds = ui.require_data()
st.caption(ui.tr("customers.caption", basis=ui.basis_label(), currency=ui.currency()))

search, sort_by, descending, page_size = ui.list_controls(
    "customers",
    PAGE_KEY,
    list(SORTABLE),
    "value",
    lambda column: ui.tr(f"sort.{column}"),
)

# The page number is read before its widget is drawn (below the table): clamp it first.
total = search_customers(ds.customers, search).height
pages = max(1, math.ceil(total / page_size))
if st.session_state.get(PAGE_KEY, 1) > pages:
    ui.set_remembered(PAGE_KEY, pages)
page_number = int(st.session_state.get(PAGE_KEY, 1))

rows, total = customer_page(
    ds.customers,
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
    ui.customer_rows(rows),
    key="customers_table",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    placeholder="",
    column_config=ui.customer_columns(),
    width="stretch",
    height=min(38 + 35 * rows.height, 740),
)
if (position := ui.selected_row(event)) is not None:
    ui.open_customer(int(rows["person_id"][position]))
st.caption(ui.tr("common.select_hint"))

pager, download, download_xlsx, _ = st.columns([1, 2, 2, 1], vertical_alignment="bottom")
ui.remembered(
    pager.number_input,
    ui.tr("common.page", pages=ui.number(pages)),
    state=PAGE_KEY,
    default=1,
    min_value=1,
    max_value=pages,
    step=1,
)
download.download_button(
    ui.tr("customers.download"),
    data=partial(csv_file, ds, search, sort_by, descending, ui.lang(), ui.basis_label()),
    file_name=ui.tr("customers.filename"),
    mime="text/csv",
    help=ui.tr("customers.download_help", total=ui.number(total)),
    icon=":material/download:",
    key="customers_download",
)
download_xlsx.download_button(
    ui.tr("customers.download_xlsx"),
    data=partial(xlsx_file, ds, search, sort_by, descending, ui.lang(), ui.basis_label()),
    file_name=ui.tr("customers.filename_xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    help=ui.tr("customers.download_xlsx_help", total=ui.number(total)),
    icon=":material/table_view:",
    key="customers_download_xlsx",
)
