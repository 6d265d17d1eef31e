"""RFM: the R × FM grid, the segments with their figures, the score cut-offs, and the persons
of one segment (click a row to open the customer)."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
import ui_filters
from kundenwert.rfm import DIMENSIONS, SCORES, RfmResult, cell_summary

HISTORY = ("all", "range")
PERSON_COLUMNS = (
    "person_id",
    "name",
    "email",
    "monetary",
    "recency_days",
    "frequency",
    "orders",
    "r",
    "f",
    "m",
    "fm",
)


def segment_name(segment: str) -> str:
    return ui.tr(f"segment.{segment}")


def render_grid(result: RfmResult) -> None:
    cells = cell_summary(result.persons)
    z: list[list[int]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for r in reversed(SCORES):  # R = 5 on top
        row = cells.filter(pl.col("r") == r).sort("fm")
        z.append(row["persons"].to_list())
        text.append(
            [
                f"<b>{segment_name(s)}</b><br>{ui.number(n)} · {ui.money(v)}"
                for s, n, v in row.select("segment", "persons", "revenue").iter_rows()
            ]
        )
        hover.append(
            [
                ui.tr(
                    "rfm.cell_hover",
                    r=r,
                    fm=fm,
                    segment=segment_name(s),
                    persons=ui.number(n),
                    value=ui.money(v),
                )
                for fm, s, n, v in row.select("fm", "segment", "persons", "revenue").iter_rows()
            ]
        )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(fm) for fm in SCORES],
            y=[str(r) for r in reversed(SCORES)],
            text=text,
            customdata=hover,
            texttemplate="%{text}",
            hovertemplate="%{customdata}<extra></extra>",
            textfont={"size": 13},
            colorscale="Teal",
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(title=ui.tr("rfm.axis_fm"), side="top")
    fig.update_yaxes(title=ui.tr("rfm.axis_r"))
    with st.container(border=True):
        st.subheader(ui.tr("rfm.grid_title"))
        st.plotly_chart(ui.plotly_layout(fig, height=520), key="rfm_grid")


def render_summary(result: RfmResult) -> None:
    segments = result.segments
    b = ui.basis_label()
    rows = pl.DataFrame(
        {
            "segment": [segment_name(s) for s in segments["segment"]],
            "persons": segments["persons"],
            "share": [ui.percent(s) for s in segments["share"]],
            "revenue": ui.money_list(segments["revenue"].to_list()),
            "orders": segments["orders"],
            "aov": ui.money_list(segments["aov"].to_list()),
            "avg_recency_days": [
                ui.tr("common.none") if d is None else ui.number(round(d, 1))
                for d in segments["avg_recency_days"]
            ],
        }
    )
    st.subheader(ui.tr("rfm.summary_title"))
    st.dataframe(
        rows,
        key="rfm_segments",
        hide_index=True,
        width="stretch",
        height=38 + 35 * rows.height,
        column_config={
            "segment": ui.tr("col.segment"),
            "persons": st.column_config.NumberColumn(ui.tr("col.persons")),
            "share": ui.money_column(ui.tr("col.share")),
            "revenue": ui.money_column(ui.tr("col.revenue", basis=b)),
            "orders": st.column_config.NumberColumn(ui.tr("col.orders")),
            "aov": ui.money_column(ui.tr("col.aov")),
            "avg_recency_days": ui.money_column(ui.tr("col.avg_recency")),  # right-aligned text
        },
    )


def cutoff_text(dimension: str, low: int | None, high: int | None) -> str:
    if low is None or high is None:
        return ui.tr("common.none")
    show = ui.money if dimension == "monetary" else ui.number
    return show(low) if low == high else f"{show(low)} – {show(high)}"


def render_cutoffs(result: RfmResult) -> None:
    cutoffs = result.cutoffs
    table: dict[str, list[object]] = {"score": list(reversed(SCORES))}
    for dimension in DIMENSIONS:
        part = cutoffs.filter(pl.col("dimension") == dimension)
        ranges = {s: (lo, hi, n) for s, lo, hi, n in part.drop("dimension").iter_rows()}
        table[dimension] = [
            f"{cutoff_text(dimension, ranges[s][0], ranges[s][1])} ({ui.number(ranges[s][2])})"
            for s in reversed(SCORES)
        ]
    st.subheader(ui.tr("rfm.cutoffs_title"))
    st.dataframe(
        pl.DataFrame(table),
        key="rfm_cutoffs",
        hide_index=True,
        width="stretch",
        column_config={
            "score": st.column_config.NumberColumn(ui.tr("col.score"), width=70),
            "recency_days": f"R: {ui.tr('col.recency_days')}",
            "frequency": f"F: {ui.tr('col.frequency')}",
            "monetary": f"M: {ui.tr('col.monetary', basis=ui.basis_label())}",
        },
    )
    st.caption(ui.tr("rfm.cutoffs_caption"))


def render_segment_persons(result: RfmResult) -> None:
    filled = result.segments.filter(pl.col("persons") > 0)["segment"].to_list()
    segment = ui.choice(
        st.selectbox,
        ui.tr("rfm.segment_pick"),
        options=filled,
        state="rfm_segment",
        default=filled[0],
        format_func=segment_name,
    )
    members = result.persons.filter(pl.col("segment") == segment).sort("monetary", descending=True)
    st.markdown(
        "**"
        + ui.tr(
            "rfm.segment_persons", persons=ui.number(members.height), segment=segment_name(segment)
        )
        + "**"
    )
    rows = members.with_columns(
        pl.Series("monetary", ui.money_list(members["monetary"].to_list()))
    ).select(*PERSON_COLUMNS)
    b = ui.basis_label()
    event = st.dataframe(
        rows,
        key=f"rfm_persons:{segment}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * rows.height, 600),
        column_config={
            "person_id": st.column_config.NumberColumn(ui.tr("col.person_id"), format="%d"),
            "name": ui.tr("col.name"),
            "email": ui.tr("col.email"),
            "recency_days": st.column_config.NumberColumn(ui.tr("col.recency_days")),
            "frequency": st.column_config.NumberColumn(ui.tr("col.frequency")),
            "orders": st.column_config.NumberColumn(ui.tr("col.orders")),
            "monetary": ui.money_column(ui.tr("col.monetary", basis=b)),
            **{c: st.column_config.NumberColumn(ui.tr(f"col.{c}")) for c in ("r", "f", "m", "fm")},
        },
    )
    if (position := ui.selected_row(event)) is not None:
        ui.open_customer(int(rows["person_id"][position]))
    st.caption(ui.tr("common.select_hint"))


ui.inside_frame()
st.title(ui.tr("nav.rfm"))
ui.require_data()
start, end = ui_filters.date_range_filter()
st.caption(ui.tr("rfm.caption", basis=ui.basis_label()))

as_of_col, history_col, _ = st.columns([1.3, 2.5, 3], vertical_alignment="bottom")
as_of: date = as_of_col.date_input(
    ui.tr("rfm.as_of"),
    value=end,
    key=f"rfm_as_of:{end}",  # a new range starts on its last day
    format="DD.MM.YYYY" if ui.lang() == "de" else "YYYY-MM-DD",
    min_value=date(2000, 1, 1),
    max_value=max(end, ui.today()),
)
history = ui.choice(
    history_col.segmented_control,
    ui.tr("rfm.history"),
    options=list(HISTORY),
    state="rfm_history",
    default="all",
    format_func=lambda h: ui.tr(f"rfm.history.{h}"),
    required=True,
)
since = min(start, as_of) if history == "range" else None
result = ui.load_rfm(as_of, since)
if result.persons.is_empty():
    st.info(ui.tr("rfm.empty", as_of=ui.day(as_of)))
    st.stop()
st.caption(ui.tr("rfm.scored", persons=ui.number(result.persons.height), as_of=ui.day(as_of)))

render_grid(result)
render_summary(result)
render_cutoffs(result)
render_segment_persons(result)
