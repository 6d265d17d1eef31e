"""Kundenmatrix: persons × sources, the value of each person in each source."""

from __future__ import annotations

import math
from functools import partial

import plotly.express as px
import polars as pl
import streamlit as st

import ui
import ui_clv
import ui_export
import ui_filters
from kundenwert.customers import (
    INVOICES_COLUMN,
    TOTAL_COLUMN,
    customer_page,
    sort_customers,
    source_totals,
)
from kundenwert.export import VALUE_PREFIX

PAGE_KEY = "matrix_page"
PEOPLE = ("person_id", "name", "email")


def column_title(column: str) -> str:
    """Source columns keep the owner's label; the two sums get a translated one."""
    if column == TOTAL_COLUMN:
        return ui.tr("col.total", basis=ui.basis_label())
    if column == INVOICES_COLUMN:
        return ui.tr("col.from_invoices")
    if column in PEOPLE:
        return ui.tr(f"col.{column}")
    return column


def render_chart(matrix: pl.DataFrame) -> None:
    totals = source_totals(matrix).sort("value", descending=True)
    values = totals["value"].to_list()
    fig = px.bar(
        x=totals["source_label"].to_list(),
        y=ui.amounts_for_plot(values),
        text=ui.money_list(values),
        labels={"x": "", "y": ui.currency()},
        title=ui.tr("matrix.chart_title", basis=ui.basis_label(), currency=ui.currency()),
    )
    fig.update_traces(
        marker_color="#1f6f8b", textposition="auto", hovertemplate="%{x}: %{text}<extra></extra>"
    )
    st.plotly_chart(ui.plotly_layout(fig), key="matrix_chart")
    st.caption(ui.tr("matrix.invoices_share", amount=ui.money(int(matrix[INVOICES_COLUMN].sum()))))


def export_rows(
    customers: pl.DataFrame, matching: pl.DataFrame, sort_by: str, descending: bool
) -> pl.DataFrame:
    """The persons of the matching matrix in the chosen order, as customer rows (built when a
    download button is clicked); a source's column is ``value:<source>`` in the file."""
    order = sort_customers(matching, sort_by, descending).select("person_id").with_row_index()
    return order.join(customers, on="person_id", how="inner").sort("index").drop("index")


def display_rows(rows: pl.DataFrame, money_columns: list[str]) -> pl.DataFrame:
    return rows.with_columns(
        pl.Series(column, ui.money_list(rows[column].to_list())) for column in money_columns
    )


ui.inside_frame()
st.title(ui.tr("nav.matrix"))
ds = ui.require_data()
ui_filters.facet_filter()
st.caption(ui.tr("matrix.caption", basis=ui.basis_label(), currency=ui.currency()))
matrix = ui_filters.restrict_rows(ui.load_matrix())
if matrix.height == 0:
    st.info(ui.tr("matrix.empty"))
    st.stop()

money_columns = [c for c in matrix.columns if c not in PEOPLE]
render_chart(matrix)

search, sort_by, descending, page_size = ui.list_controls(
    "matrix",
    PAGE_KEY,
    [TOTAL_COLUMN, *[c for c in money_columns if c != TOTAL_COLUMN], "name", "email"],
    TOTAL_COLUMN,
    column_title,
)

matching = ui.matrix_matching(ds, matrix, search)
pages = max(1, math.ceil(matching.height / page_size))
if st.session_state.get(PAGE_KEY, 1) > pages:
    ui.set_remembered(PAGE_KEY, pages)
page_number = int(st.session_state.get(PAGE_KEY, 1))
rows, total = customer_page(
    matching, sort_by=sort_by, descending=descending, page=page_number, page_size=page_size
)
if total == 0:
    st.info(ui.tr("customers.none_found", search=search))
    st.stop()

first = (page_number - 1) * page_size + 1
st.markdown(
    "**"
    + ui.tr(
        "matrix.range",
        start=ui.number(first),
        end=ui.number(first + rows.height - 1),
        total=ui.number(total),
    )
    + "**"
)
event = st.dataframe(
    ui_clv.with_predictions(display_rows(rows, money_columns)),
    key="matrix_table",
    column_order=[
        *PEOPLE,
        TOTAL_COLUMN,
        *ui_clv.COLUMNS,
        *[c for c in money_columns if c != TOTAL_COLUMN],
    ],
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    placeholder="",
    column_config={
        "person_id": st.column_config.NumberColumn(ui.tr("col.person_id"), format="%d", width=70),
        "name": ui.tr("col.name"),
        "email": ui.tr("col.email"),
        **{c: ui.money_column(column_title(c)) for c in money_columns},
        **ui_clv.columns(),
    },
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
sources = [c for c in money_columns if c not in (TOTAL_COLUMN, INVOICES_COLUMN)]
ui_export.render_export(
    "matrix_export",
    partial(export_rows, ds.customers, matching, sort_by, descending),
    count=total,
    stem=ui.tr("export.matrix_stem"),
    offered=ui_export.offered_columns(ds.customers.columns, ds.by_source),
    default=["person_id", "name", "email", *(f"{VALUE_PREFIX}{c}" for c in sources), "value"],
    by_source=ds.by_source,
)
