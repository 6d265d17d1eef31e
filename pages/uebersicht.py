"""Übersicht: the KPI tiles of a date range against the previous period, new/returning/lost
customers and revenue over time, and cohort retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
import ui_filters
from kundenwert.lifecycle import Freq, Measure
from kundenwert.metrics import PURCHASE_TYPES, KpiResult, PeriodKpis, pct_change
from kundenwert.periods import default_freq

FREQS: tuple[Freq, ...] = ("day", "week", "month")
MEASURES: tuple[Measure, ...] = ("customers", "revenue")
NEW, RETURNING, LOST = "#2a9d8f", "#1f6f8b", "#e76f51"


def count(value: float) -> str:
    return ui.number(int(value))


def ratio(value: float) -> str:
    return ui.number(round(value, 2))


def share(value: float) -> str:
    return ui.percent(value)


def cents(value: float) -> str:
    return ui.money_tile(int(value))


# section → tiles: (figure, format, whether a rise is bad)
Tile = tuple[str, Callable[[float], str], bool]
SECTIONS: dict[str, list[Tile]] = {
    "customers": [
        ("customers", count, False),
        ("new_customers", count, False),
        ("returning_customers", count, False),
        ("lost_customers", count, True),
        ("acquired_per_day", ratio, False),
    ],
    "revenue": [
        ("revenue", cents, False),
        ("orders", count, False),
        ("aov", cents, False),
        ("revenue_per_customer", cents, False),
        ("orders_per_customer", ratio, False),
    ],
    "value": [
        ("avg_ltv", cents, False),
        ("top20_customers", count, False),
        ("top20_revenue_share", share, False),
    ],
    "refunds": [
        ("refunds", cents, True),
        ("refund_rate", share, True),
        ("refunded_customers", count, True),
    ],
    "types": [(kind, count, False) for kind in PURCHASE_TYPES],
}


def figure(period: PeriodKpis, name: str) -> float:
    if name in PURCHASE_TYPES:
        return period.purchase_types[name]
    return float(getattr(period, name))


def tile_help(name: str, fmt: Callable[[float], str], kpi: KpiResult, change: float | None) -> str:
    now, previous = figure(kpi, name), fmt(figure(kpi.previous, name))
    definition = ui.tr(f"kpi.{name}_help", days=ui.number(ui.settings().inactivity_days))
    if fmt is cents:
        definition += " " + ui.tr("overview.exact", amount=ui.money(int(now)))
    window = ui_filters.window_help(kpi.start, kpi.end, previous)
    no_change = "" if change is not None or name == "avg_ltv" else " " + ui.tr("overview.no_change")
    return f"{definition}\n\n{window}{no_change}"


def render_tiles(kpi: KpiResult) -> None:
    for section, tiles in SECTIONS.items():
        st.markdown(f"**{ui.tr(f'overview.section.{section}')}**")
        columns = st.columns(5)
        for column, (name, fmt, rise_is_bad) in zip(columns, tiles, strict=False):
            now, before = figure(kpi, name), figure(kpi.previous, name)
            change = None if name == "avg_ltv" else pct_change(now, before)
            column.metric(
                ui.tr(f"kpi.{name}", basis=ui.basis_label()),
                fmt(now),
                delta=ui.change(change),
                delta_color="off" if not change else "inverse" if rise_is_bad else "normal",
                help=tile_help(name, fmt, kpi, change),
                border=True,
            )


@st.fragment
def render_lifecycle(start: date, end: date) -> None:
    with st.container(border=True):
        title, picker = st.columns([3, 2], vertical_alignment="bottom")
        title.subheader(ui.tr("overview.lifecycle_title"))
        freq: Freq = ui.choice(
            picker.segmented_control,
            ui.tr("overview.freq"),
            options=list(FREQS),
            # a new range starts with the period length that suits it
            state=f"overview_freq:{start}:{end}",
            default=default_freq(start, end),
            format_func=lambda f: ui.tr(f"freq.{f}"),
            required=True,
        )
        rows = ui_filters.load_lifecycle(start, end, freq)
        # categories, not a date axis: the first period is clipped to the range start, and
        # Plotly would size every bar by that shortest gap
        periods = [period_label(p, freq) for p in rows["period"]]
        fig = go.Figure()
        for column, name, colour, sign in (
            ("new_customers", "series.new", NEW, 1),
            ("returning_customers", "series.returning", RETURNING, 1),
            ("lost_customers", "series.lost", LOST, -1),
        ):
            values = rows[column].to_list()
            fig.add_bar(
                x=periods,
                y=[sign * v for v in values],  # lost below the axis
                customdata=values,
                name=ui.tr(name),
                marker_color=colour,
                hovertemplate="%{x}: %{customdata}<extra>" + ui.tr(name) + "</extra>",
            )
        fig.update_layout(barmode="relative")
        fig.update_xaxes(type="category")
        st.plotly_chart(ui.plotly_layout(fig), key="overview_lifecycle")

        fig = go.Figure()
        for column, name, colour in (
            ("revenue_new", "series.revenue_new", NEW),
            ("revenue_returning", "series.revenue_returning", RETURNING),
        ):
            amounts = rows[column].to_list()
            fig.add_bar(
                x=periods,
                y=ui.amounts_for_plot(amounts),
                text=ui.money_list(amounts),
                textposition="none",
                name=ui.tr(name),
                marker_color=colour,
                hovertemplate="%{x}: %{text}<extra>" + ui.tr(name) + "</extra>",
            )
        fig.update_layout(
            barmode="stack",
            title=ui.tr("overview.revenue_title", basis=ui.basis_label(), currency=ui.currency()),
        )
        fig.update_xaxes(type="category")
        st.plotly_chart(ui.plotly_layout(fig), key="overview_revenue")


def period_label(period: date, freq: Freq) -> str:
    return cohort_label(period) if freq == "month" and period.day == 1 else ui.day(period)


def cohort_label(cohort: date) -> str:
    return cohort.strftime("%m.%Y" if ui.lang() == "de" else "%Y-%m")


def heatmap(table: pl.DataFrame, measure: Measure) -> go.Figure:
    """Cohorts top to bottom (oldest first), months since the first order left to right."""
    sizes = table.select("cohort", "cohort_size").unique().sort("cohort")
    months = 1 + max(table["months_since"].to_list(), default=0)
    cells = {(c, m): v for c, m, v in table.select("cohort", "months_since", "value").iter_rows()}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for cohort, size in sizes.iter_rows():
        values = [cells.get((cohort, m)) for m in range(months)]
        if measure == "customers":
            z.append([None if v is None else v / size for v in values])
            text.append(["" if v is None else ui.percent(v / size, 0) for v in values])
        else:
            z.append([None if v is None else ui.amounts_for_plot([v])[0] for v in values])
            text.append(["" if v is None else ui.money(v) for v in values])
    labels = [f"{cohort_label(c)} (n = {ui.number(s)})" for c, s in sizes.iter_rows()]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(months)),
            y=labels,
            text=text,
            texttemplate="%{text}" if months <= 18 else None,
            hovertemplate="%{y}, +%{x}: %{text}<extra></extra>",
            colorscale="Teal",
            showscale=False,
        )
    )
    fig.update_yaxes(autorange="reversed", title=ui.tr("cohort.y"))
    fig.update_xaxes(title=ui.tr("cohort.x"), dtick=1 if months <= 24 else None)
    return ui.plotly_layout(fig, height=max(260, 60 + 26 * len(labels)))


@st.fragment
def render_cohorts(start: date, end: date) -> None:
    with st.container(border=True):
        title, picker = st.columns([3, 2], vertical_alignment="bottom")
        title.subheader(ui.tr("overview.cohorts_title"))
        measure: Measure = ui.choice(
            picker.segmented_control,
            ui.tr("overview.measure"),
            options=list(MEASURES),
            state="overview_measure",
            default="customers",
            format_func=lambda m: ui.tr(f"measure.{m}"),
            required=True,
        )
        table = ui_filters.load_cohorts(start, end, measure)
        if table.is_empty():
            st.info(ui.tr("cohort.none"))
            return
        st.plotly_chart(heatmap(table, measure), key="overview_cohorts")
        st.caption(ui.tr("cohort.caption"))


ui.inside_frame()
st.title(ui.tr("nav.overview"))
ui.require_data()
ui_filters.facet_filter()
start, end = ui_filters.date_range_filter()
ui_filters.render_range_caption(start, end)
kpi = ui_filters.load_kpis(start, end)
if kpi.orders == 0 and kpi.refunds == 0:
    ui_filters.render_empty_range(start, end)
    st.stop()

render_tiles(kpi)
render_lifecycle(start, end)
render_cohorts(start, end)
