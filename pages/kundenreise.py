"""Kundenreise: from the source of the first purchase to the sources of later purchases, as a
Sankey diagram, the table of its moves and who stays or moves on (:mod:`kundenwert.journey`)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
import ui_filters
from kundenwert.journey import MAX_STEPS, MIN_STEPS

STEP_CHOICES = tuple(range(MIN_STEPS, MAX_STEPS + 1))


def node_label(step: int, source: str) -> str:
    return ui.tr("journey.node", step=step, source=source)


def render_sankey(flows: pl.DataFrame) -> None:
    ends = pl.concat(
        [
            flows.select(pl.col("step_from").alias("step"), pl.col("source_from").alias("source")),
            flows.select(pl.col("step_to").alias("step"), pl.col("source_to").alias("source")),
        ]
    ).unique()
    nodes = ends.sort("step", "source").rows()
    index = {node: i for i, node in enumerate(nodes)}
    rows = flows.iter_rows(named=True)
    links = [
        (
            index[(r["step_from"], r["source_from"])],
            index[(r["step_to"], r["source_to"])],
            r["persons"],
            ui.tr(
                "journey.link_hover",
                source=node_label(r["step_from"], r["source_from"]),
                target=node_label(r["step_to"], r["source_to"]),
                persons=ui.number(r["persons"]),
                value=ui.money(r["value"]),
            ),
        )
        for r in rows
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [node_label(step, source) for step, source in nodes],
                "pad": 18,
                "thickness": 16,
                "hovertemplate": "%{label}<extra></extra>",
            },
            link={
                "source": [link[0] for link in links],
                "target": [link[1] for link in links],
                "value": [link[2] for link in links],
                "customdata": [link[3] for link in links],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
        )
    )
    with st.container(border=True):
        st.subheader(ui.tr("journey.chart_title"))
        st.plotly_chart(ui.plotly_layout(fig, height=480), key="journey_sankey")


def render_flows(flows: pl.DataFrame) -> None:
    rows = flows.with_columns(pl.Series("value", ui.money_list(flows["value"].to_list())))
    st.subheader(ui.tr("journey.flows_title"))
    st.dataframe(
        rows,
        key="journey_flows",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * rows.height, 600),
        column_config={
            "step_from": st.column_config.NumberColumn(ui.tr("col.step_from"), width=90),
            "source_from": ui.tr("col.source_from"),
            "step_to": st.column_config.NumberColumn(ui.tr("col.step_to"), width=90),
            "source_to": ui.tr("col.source_to"),
            "persons": st.column_config.NumberColumn(ui.tr("col.persons")),
            "value": ui.money_column(ui.tr("col.step_value", basis=ui.basis_label())),
        },
    )


def render_summary(summary: pl.DataFrame) -> None:
    b = ui.basis_label()
    rows = summary.with_columns(
        pl.Series("value", ui.money_list(summary["value"].to_list())),
        pl.Series("value_later", ui.money_list(summary["value_later"].to_list())),
    )
    st.subheader(ui.tr("journey.summary_title"))
    st.dataframe(
        rows,
        key="journey_summary",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * rows.height, 400),
        column_config={
            "source": ui.tr("col.first_source"),
            "persons": st.column_config.NumberColumn(ui.tr("col.persons")),
            "stayed": st.column_config.NumberColumn(ui.tr("col.stayed")),
            "moved": st.column_config.NumberColumn(ui.tr("col.moved")),
            "value": ui.money_column(ui.tr("col.value_total", basis=b)),
            "value_later": ui.money_column(ui.tr("col.value_later", basis=b)),
        },
    )


ui.inside_frame()
st.title(ui.tr("nav.journey"))
ui.require_data()
ui_filters.facet_filter()
start, end = ui_filters.date_range_filter()
st.caption(ui.tr("journey.caption", basis=ui.basis_label()))

steps_col, _ = st.columns([2, 5])
steps: int = ui.choice(
    steps_col.segmented_control,
    ui.tr("journey.steps"),
    options=list(STEP_CHOICES),
    state="journey_steps",
    default=3,
    format_func=str,
    required=True,
    help=ui.tr("journey.steps_help"),
)
flows, summary = ui_filters.load_journey(start, end, steps)
if summary.is_empty():
    ui_filters.render_empty_range(start, end)
    st.stop()

persons, moved = int(summary["persons"].sum()), int(summary["moved"].sum())
persons_tile, moved_tile, stayed_tile, _ = st.columns(4)
persons_tile.metric(ui.tr("journey.metric_persons"), ui.number(persons))
moved_tile.metric(ui.tr("journey.metric_moved"), ui.number(moved))
stayed_tile.metric(ui.tr("journey.metric_stayed"), ui.number(persons - moved))

if flows.is_empty():
    st.info(ui.tr("journey.no_moves", persons=ui.number(persons)), icon=":material/info:")
else:
    render_sankey(flows)
    render_flows(flows)
render_summary(summary)
