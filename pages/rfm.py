"""RFM: the R × FM grid, the segments with their figures, the persons of a clicked cell or of a
segment (with a download), the score cut-offs, and who moved between segments.

The grid is the owner's (Einstellungen); scores never depend on it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
import ui_export
import ui_filters
import ui_rfm
from kundenwert.customers import Dataset
from kundenwert.rfm import (
    DIMENSIONS,
    NOT_SCORED,
    SCORES,
    SEGMENTS,
    Grid,
    RfmResult,
    cell_summary,
    moved,
    movement_counts,
)
from ui_rfm import Focus

HISTORY = ("all", "range")
MOVE_DAYS = 90  # the movement table compares the as-of day with this many days before
EXPORT_DEFAULT = ("person_id", "name", "email", "orders", "last_order", "value", "rfm_segment")
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


def grid_figure(cells: pl.DataFrame) -> go.Figure:
    """The R × FM heatmap, with a layer of invisible points (one per cell) on top.

    Streamlit reports clicks on scatter points but not on heatmap cells
    (streamlit/streamlit#8760), so the points carry the hover text and ``customdata = [r, fm]``
    and take the clicks; the heatmap only paints the cells.
    """
    z: list[list[int]] = []
    text: list[list[str]] = []
    for r in reversed(SCORES):  # R = 5 on top
        row = cells.filter(pl.col("r") == r).sort("fm")
        z.append(row["persons"].to_list())
        text.append(
            [
                f"<b>{segment_name(s)}</b><br>{ui.number(n)} · {ui.money(v)}"
                for s, n, v in row.select("segment", "persons", "revenue").iter_rows()
            ]
        )
    points = cells.sort("r", "fm", descending=[True, False])
    hover = [
        ui.tr(
            "rfm.cell_hover",
            r=r,
            fm=fm,
            segment=segment_name(s),
            persons=ui.number(n),
            value=ui.money(v),
        )
        + "<br>"
        + ui.tr("rfm.cell_click")
        for r, fm, s, n, v in points.select("r", "fm", "segment", "persons", "revenue").iter_rows()
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(fm) for fm in SCORES],
            y=[str(r) for r in reversed(SCORES)],
            text=text,
            texttemplate="%{text}",
            hoverinfo="skip",
            textfont={"size": 13},
            colorscale="Teal",
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[str(fm) for fm in points["fm"]],
            y=[str(r) for r in points["r"]],
            customdata=[[r, fm] for r, fm in points.select("r", "fm").iter_rows()],
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            mode="markers",
            marker={"symbol": "square", "size": 60, "opacity": 0},
            selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
            showlegend=False,
        )
    )
    fig.update_xaxes(title=ui.tr("rfm.axis_fm"), side="top", fixedrange=True)
    fig.update_yaxes(title=ui.tr("rfm.axis_r"), fixedrange=True)
    fig.update_layout(clickmode="event+select", dragmode=False, hovermode="closest")
    return fig


def render_grid(result: RfmResult, grid: Grid) -> Any:
    """The chart; returns its selection event (the clicked cell, see ui_rfm.selected_cell)."""
    fig = grid_figure(cell_summary(result.persons, grid))
    with st.container(border=True):
        st.subheader(ui.tr("rfm.grid_title"))
        event = st.plotly_chart(
            ui.plotly_layout(fig, height=520),
            key="rfm_grid",
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
        st.caption(ui.tr("rfm.grid_hint"))
    return event


def render_summary(result: RfmResult) -> Any:
    """The segment table; returns its selection event (a row = that segment's persons)."""
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
    event = st.dataframe(
        rows,
        key="rfm_segments",
        on_select="rerun",
        selection_mode="single-row",
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
    st.caption(ui.tr("rfm.summary_hint"))
    return event


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


def choose_focus(result: RfmResult, grid: Grid, cell_event: Any, summary_event: Any) -> Focus:
    """What the person list shows: the latest of a chart click, a segment row and the box."""
    segments = result.segments["segment"].to_list()
    filled = result.segments.filter(pl.col("persons") > 0)["segment"].to_list()
    rows = ui_rfm.selected_rows(summary_event)
    row_segment = segments[rows[0]] if rows and rows[0] < len(segments) else None
    row_changed = ui_rfm.changed("row", row_segment)
    if row_changed and row_segment in filled:
        ui.set_remembered("rfm_segment", row_segment, key_suffix=ui.lang())
    segment = ui.choice(
        st.selectbox,
        ui.tr("rfm.segment_pick"),
        options=filled,
        state="rfm_segment",
        default=filled[0],
        format_func=segment_name,
    )
    chosen = ui_rfm.focus(ui_rfm.Focus(segment=segment))
    if ui_rfm.changed("box", segment):
        chosen = ui_rfm.Focus(segment=segment)
    cell = ui_rfm.selected_cell(cell_event)
    if ui_rfm.changed("cell", cell) and cell is not None:
        chosen = ui_rfm.Focus(segment=grid[cell], r=cell[0], fm=cell[1])
    if row_changed:
        chosen = ui_rfm.Focus(segment=row_segment)
    if chosen.is_cell:  # the grid may have changed since the click
        chosen = chosen._replace(segment=grid[(chosen.r, chosen.fm)])
    ui_rfm.set_focus(chosen)
    return chosen


def focus_title(chosen: Focus, members: pl.DataFrame) -> str:
    figures = {
        "persons": ui.number(members.height),
        "segment": segment_name(chosen.segment or ""),
        "value": ui.money(int(members["monetary"].sum())),
        "basis": ui.basis_label(),
    }
    if chosen.is_cell:
        return ui.tr("rfm.cell_persons", r=chosen.r, fm=chosen.fm, **figures)
    return ui.tr("rfm.segment_persons_value", **figures)


def render_persons(chosen: Focus, members: pl.DataFrame) -> None:
    st.markdown(f"**{focus_title(chosen, members)}**")
    if members.is_empty():
        st.info(ui.tr("rfm.focus_empty"))
        return
    rows = members.with_columns(
        pl.Series("monetary", ui.money_list(members["monetary"].to_list()))
    ).select(*PERSON_COLUMNS)
    b = ui.basis_label()
    key = (
        f"rfm_persons:{chosen.r}:{chosen.fm}" if chosen.is_cell else f"rfm_persons:{chosen.segment}"
    )
    event = st.dataframe(
        rows,
        key=key,
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


def export_rows(customers: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """The persons of the list in its order, customer columns plus the segment label."""
    labels = {s: segment_name(s) for s in SEGMENTS}
    listed = members.select(
        "person_id", pl.col("segment").replace_strict(labels, default=None).alias("rfm_segment")
    ).with_row_index("_position")
    return listed.join(customers, on="person_id", how="left").sort("_position").drop("_position")


def render_list_export(ds: Dataset, chosen: Focus, members: pl.DataFrame) -> None:
    rows = export_rows(ds.customers, members)
    stem = (
        ui.tr("rfm.cell_filename", r=chosen.r, fm=chosen.fm)
        if chosen.is_cell
        else ui.tr("rfm.segment_filename", segment=segment_name(chosen.segment or ""))
    )
    ui_export.render_export(
        "rfm_export",
        rows,
        count=rows.height,
        stem=stem,
        offered=ui_export.offered_columns(rows.columns, ds.by_source),
        default=EXPORT_DEFAULT,
        by_source=ds.by_source,
    )


def movement_sankey(counts: pl.DataFrame) -> go.Figure:
    """Segment before (left) → segment after (right), width = persons."""
    left = counts["segment_before"].unique(maintain_order=True).to_list()
    right = counts["segment_after"].unique(maintain_order=True).to_list()
    fig = go.Figure(
        go.Sankey(
            node={"label": [move_label(s) for s in left + right], "pad": 12},
            link={
                "source": [left.index(s) for s in counts["segment_before"]],
                "target": [len(left) + right.index(s) for s in counts["segment_after"]],
                "value": counts["persons"].to_list(),
            },
        )
    )
    return fig


def move_label(segment: str) -> str:
    return ui.tr("rfm.not_scored") if segment == NOT_SCORED else segment_name(segment)


def render_movement(ds: Dataset, as_of: date, grid: Grid) -> None:
    """Who moved between segments from one day to another (all history up to each day)."""
    st.subheader(ui.tr("rfm.move_title"))
    st.caption(ui.tr("rfm.move_caption"))
    from_col, to_col, _ = st.columns([1.3, 1.3, 3.4], vertical_alignment="bottom")
    day_format = "DD.MM.YYYY" if ui.lang() == "de" else "YYYY-MM-DD"
    before: date = from_col.date_input(
        ui.tr("rfm.move_from"),
        value=as_of - timedelta(days=MOVE_DAYS),
        key=f"rfm_move_from:{as_of}",
        format=day_format,
        min_value=date(2000, 1, 1),
        max_value=as_of,
    )
    after: date = to_col.date_input(
        ui.tr("rfm.move_to"),
        value=as_of,
        key=f"rfm_move_to:{as_of}",
        format=day_format,
        min_value=date(2000, 1, 1),
        max_value=max(as_of, ui.today()),
    )
    if before >= after:
        st.warning(ui.tr("rfm.move_order"))
        return
    moves = ui_rfm.load_movement(before, after, grid)
    if (filtered := ui_filters.active_persons()) is not None:  # the facets at the top
        moves = moves.filter(pl.col("person_id").is_in(filtered.implode()))
    moves = moves.filter(pl.col("segment_before").ne_missing(pl.col("segment_after")))
    if moves.is_empty():
        st.info(ui.tr("rfm.move_none", before=ui.day(before), after=ui.day(after)))
        return
    counts = movement_counts(moves).sort("persons", "segment_before", descending=[True, False])
    st.plotly_chart(
        ui.plotly_layout(movement_sankey(counts), height=max(320, 28 * counts.height)),
        key="rfm_movement_chart",
    )
    table = pl.DataFrame(
        {
            "segment_before": [move_label(s) for s in counts["segment_before"]],
            "segment_after": [move_label(s) for s in counts["segment_after"]],
            "persons": counts["persons"],
        }
    )
    event = st.dataframe(
        table,
        key=f"rfm_moves:{before}:{after}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * table.height, 400),
        column_config={
            "segment_before": ui.tr("rfm.col_before", day=ui.day(before)),
            "segment_after": ui.tr("rfm.col_after", day=ui.day(after)),
            "persons": st.column_config.NumberColumn(ui.tr("col.persons")),
        },
    )
    if (position := ui.selected_row(event)) is None:
        st.caption(ui.tr("rfm.move_hint"))
        return
    was, now = counts.row(position)[:2]
    ids = moved(moves, None if was == NOT_SCORED else was, None if now == NOT_SCORED else now)
    persons = ds.customers.filter(pl.col("person_id").is_in(ids.implode())).sort(
        "value", descending=True
    )
    st.markdown(
        "**"
        + ui.tr(
            "rfm.move_persons",
            persons=ui.number(persons.height),
            before=move_label(was),
            after=move_label(now),
        )
        + "**"
    )
    st.dataframe(
        ui.customer_rows(persons),
        key=f"rfm_moved:{was}:{now}",
        hide_index=True,
        width="stretch",
        column_config=ui.customer_columns(),
        column_order=["person_id", "name", "email", "value", "orders", "last_order"],
    )


ui.inside_frame()
st.title(ui.tr("nav.rfm"))
ui.require_data()
ui_filters.facet_filter()
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
grid = ui_rfm.load_grid()
result = ui_rfm.on_grid(ui_filters.load_rfm(as_of, since), grid)
if result.persons.is_empty():
    st.info(ui.tr("rfm.empty", as_of=ui.day(as_of)))
    st.stop()
st.caption(ui.tr("rfm.scored", persons=ui.number(result.persons.height), as_of=ui.day(as_of)))

cell_event = render_grid(result, grid)
summary_event = render_summary(result)
with st.container(border=True):
    st.subheader(ui.tr("rfm.persons_title"))
    focus = choose_focus(result, grid, cell_event, summary_event)
    focus_members = ui_rfm.members(result, focus)
    render_persons(focus, focus_members)
    render_list_export(ui.load_dataset(), focus, focus_members)
render_cutoffs(result)
render_movement(ui.load_dataset(), as_of, grid)
