"""Kennzahlen: business KPIs of a date range against the previous period (CAC, conversion,
MRR/ARR, churn, NPS, CSAT, CLV formula), their monthly trend, MRR movements, the NPS breakdown,
the channel comparison, and the entry and import of the inputs they need."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
import ui_filters
from kundenwert.business import BusinessPeriod, BusinessResult, Figure, Missing, business_kpis
from kundenwert.customers import Dataset
from kundenwert.inputs import (
    COST_KINDS,
    INPUT_KINDS,
    Inputs,
    InputsFileError,
    import_inputs,
    load_inputs,
    save_answer,
    save_cost,
    save_visitors,
)
from kundenwert.metrics import pct_change
from kundenwert.preferences import load_margin_percent, save_margin_percent

POSITIVE, NEGATIVE, LINE = "#2a9d8f", "#e76f51", "#1f6f8b"


def money(value: float) -> str:
    return ui.money_tile(int(value))


def share(value: float) -> str:
    return ui.percent(value)


def count(value: float) -> str:
    return ui.number(int(value))


def points(value: float) -> str:
    return ui.number(round(value, 1))


def years(value: float) -> str:
    return ui.number(round(value, 2))


# section → tiles: (figure, format, whether a rise is bad)
Tile = tuple[str, Callable[[float], str], bool]
SECTIONS: dict[str, list[Tile]] = {
    "acquisition": [
        ("cac", money, True),
        ("marketing_costs", money, True),
        ("sales_costs", money, True),
        ("visitors", count, False),
        ("conversion_rate", share, False),
    ],
    "subscriptions": [
        ("mrr", money, False),
        ("arr", money, False),
        ("subscriber_churn_30d", share, True),
    ],
    "customers": [
        ("active_customers", count, False),
        ("customer_churn_12m", share, True),
        ("repurchase_rate", share, False),
        ("avg_lifetime_years", years, False),
        ("clv_formula", money, False),
    ],
    "satisfaction": [("nps", points, False), ("csat", share, False)],
}


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _business(
    _ds: Dataset,
    _inputs: Inputs,
    key: tuple[Any, ...],
    start: date,
    end: date,
    inactivity_days: int,
    margin: Decimal | None,
    today: date,
) -> BusinessResult:
    # ``key`` (data version, basis, currency, inputs) stands for the unhashed dataset/inputs
    return business_kpis(
        _ds,
        _inputs,
        start,
        end,
        inactivity_days=inactivity_days,
        margin_percent=margin,
        today=today,
    )


def load_business(ds: Dataset, inputs: Inputs, start: date, end: date) -> BusinessResult:
    key = (ui.database_url(), ui.version(), ui.basis().value, ui.currency(), inputs.fingerprint())
    margin = load_margin_percent(ui.engine())
    with st.spinner(ui.tr("app.loading")):
        days = ui.settings().inactivity_days
        return _business(ds, inputs, key, start, end, days, margin, ui.today())


def figure(period: BusinessPeriod, name: str) -> Figure:
    if name in ("nps", "csat"):
        value: Figure = getattr(period.survey, name)
        return value
    value = getattr(period, name)
    return value


def render_missing(period: BusinessPeriod) -> None:
    missing = period.missing()
    if not missing:
        return
    lines = sorted({m.message(ui.lang()) for _, m in missing})
    st.warning(ui.tr("biz.missing_title") + "\n\n" + "\n".join(f"- {line}" for line in lines))


def _tile(
    column: Any, name: str, fmt: Callable[[float], str], rise_is_bad: bool, result: Any
) -> None:
    now, before = figure(result.current, name), figure(result.previous, name)
    shown = "–" if isinstance(now, Missing) else fmt(float(now))
    earlier = before.message(ui.lang()) if isinstance(before, Missing) else fmt(float(before))
    change = None
    if not isinstance(now, Missing) and not isinstance(before, Missing):
        change = pct_change(now, before)
    help_text = ui.tr(f"biz.kpi.{name}_help")
    if isinstance(now, Missing):
        help_text += "\n\n**" + now.message(ui.lang()) + "**"
    help_text += "\n\n" + ui.tr("biz.previous", value=earlier)
    column.metric(
        ui.tr(f"biz.kpi.{name}"),
        shown,
        delta=ui.change(change),
        delta_color="off" if not change else "inverse" if rise_is_bad else "normal",
        help=help_text,
        border=True,
    )


def render_tiles(result: BusinessResult) -> None:
    for section, tiles in SECTIONS.items():
        st.markdown(f"**{ui.tr(f'biz.section.{section}')}**")
        columns = st.columns(5)
        for column, (name, fmt, rise_is_bad) in zip(columns, tiles, strict=False):
            _tile(column, name, fmt, rise_is_bad, result)


def _months(trend: pl.DataFrame) -> list[str]:
    pattern = "%m.%Y" if ui.lang() == "de" else "%Y-%m"
    return [m.strftime(pattern) for m in trend["month"]]


def _cents(values: list[int | None]) -> list[float | None]:
    return [None if v is None else ui.amounts_for_plot([v])[0] for v in values]


def render_trend(trend: pl.DataFrame) -> None:
    st.subheader(ui.tr("biz.trend_title"))
    months = _months(trend)
    left, middle, right = st.columns(3)
    fig = go.Figure(go.Bar(x=months, y=_cents(trend["cac"].to_list()), marker_color=LINE))
    fig.update_layout(title=ui.tr("biz.chart.cac", currency=ui.currency()))
    left.plotly_chart(ui.plotly_layout(fig, 280), key="biz_cac")
    rates = [None if v is None else 100 * v for v in trend["conversion_rate"].to_list()]
    fig = go.Figure(go.Scatter(x=months, y=rates, mode="lines+markers", marker_color=POSITIVE))
    fig.update_layout(title=ui.tr("biz.chart.conversion"), yaxis_ticksuffix=" %")
    middle.plotly_chart(ui.plotly_layout(fig, 280), key="biz_conversion")
    fig = go.Figure(go.Scatter(x=months, y=trend["active_customers"].to_list(), mode="lines"))
    fig.update_layout(title=ui.tr("biz.chart.active"))
    right.plotly_chart(ui.plotly_layout(fig, 280), key="biz_active")


def render_mrr(trend: pl.DataFrame) -> None:
    months = _months(trend)
    fig = go.Figure()
    for column, colour, sign in (
        ("new_mrr", POSITIVE, 1),
        ("expansion_mrr", "#8ab17d", 1),
        ("contraction_mrr", "#f4a261", -1),
        ("churned_mrr", NEGATIVE, -1),
    ):
        values = trend[column].to_list()
        fig.add_bar(
            x=months,
            y=[sign * v for v in ui.amounts_for_plot(values)],
            text=ui.money_list(values),
            textposition="none",
            name=ui.tr(f"biz.series.{column}"),
            marker_color=colour,
            hovertemplate="%{x}: %{text}<extra>" + ui.tr(f"biz.series.{column}") + "</extra>",
        )
    fig.add_scatter(
        x=months,
        y=ui.amounts_for_plot(trend["mrr"].to_list()),
        name=ui.tr("biz.series.mrr"),
        mode="lines+markers",
        marker_color=LINE,
    )
    fig.update_layout(barmode="relative", title=ui.tr("biz.mrr_title", currency=ui.currency()))
    fig.update_xaxes(type="category")
    st.plotly_chart(ui.plotly_layout(fig), key="biz_mrr")


def render_nps(result: BusinessResult) -> None:
    survey = result.current.survey
    st.subheader(ui.tr("biz.nps_title"))
    if survey.nps_answers:
        fig = go.Figure()
        for name, value, colour in (
            ("detractors", survey.detractors, NEGATIVE),
            ("passives", survey.passives, "#e9c46a"),
            ("promoters", survey.promoters, POSITIVE),
        ):
            fig.add_bar(
                y=["NPS"],
                x=[value],
                orientation="h",
                name=ui.tr(f"biz.nps.{name}"),
                marker_color=colour,
            )
        fig.update_layout(barmode="stack")
        st.plotly_chart(ui.plotly_layout(fig, 200), key="biz_nps")
    else:
        st.info(Missing("survey").message(ui.lang()))
    unmatched = result.survey_unmatched
    st.caption(ui.tr("biz.survey_match", matched=result.survey_matched, count=len(unmatched)))
    if unmatched:
        with st.expander(ui.tr("biz.unmatched_list")):
            st.write(", ".join(unmatched))


def render_channels(channels: pl.DataFrame) -> None:
    st.subheader(ui.tr("biz.channels_title"))
    money_columns = ("revenue", "costs", "cac", "value_90d", "value_365d")
    shown = channels.with_columns(
        pl.col(c).map_elements(ui.money, return_dtype=pl.String) for c in money_columns
    )
    config = {c: ui.tr(f"biz.col.{c}") for c in ("channel", "customers")}
    config.update({c: ui.money_column(ui.tr(f"biz.col.{c}")) for c in money_columns})
    st.dataframe(shown, hide_index=True, column_config=config, key="biz_channels")
    st.caption(ui.tr("biz.channels_caption"))


# --- inputs -------------------------------------------------------------------------------------


def _report_error(error: InputsFileError) -> None:
    st.error(ui.tr("inputs.failed") + "\n\n" + error.message(ui.lang()).replace("\n", "  \n"))


def render_import() -> None:
    with st.form("inputs_import", clear_on_submit=False, border=True):
        st.markdown(f"**{ui.tr('inputs.import_title')}**")
        kind = st.selectbox(
            ui.tr("inputs.kind"),
            options=list(INPUT_KINDS),
            format_func=ui.labels(INPUT_KINDS, lambda k: ui.tr(f"inputs.kind.{k}")),
            key=f"inputs_kind:{ui.lang()}",
        )
        upload = st.file_uploader(ui.tr("inputs.file"), type=["csv", "txt", "xlsx"])
        st.caption(ui.tr("inputs.format_help"))
        if (
            st.form_submit_button(ui.tr("inputs.import_button"), key="inputs_import_save")
            and upload is not None
        ):
            try:
                report = import_inputs(ui.engine(), upload.getvalue(), upload.name, kind)
            except InputsFileError as error:
                _report_error(error)
                return
            message = report.message(ui.lang())
            if report.unmatched_emails:
                message += " " + ", ".join(report.unmatched_emails[:20])
            ui.flash(message)
            st.rerun()


def render_cost_form() -> None:
    with st.form("inputs_cost", border=True):
        st.markdown(f"**{ui.tr('inputs.cost_title')}**")
        month = st.date_input(ui.tr("inputs.month"), value=ui.today(), key="cost_month")
        channel = st.text_input(ui.tr("inputs.channel"), key="cost_channel")
        kind = st.selectbox(
            ui.tr("inputs.cost_kind"),
            options=list(COST_KINDS),
            format_func=ui.labels(COST_KINDS, lambda k: ui.tr(f"inputs.cost_kind.{k}")),
            key=f"cost_kind:{ui.lang()}",
        )
        amount = st.number_input(
            ui.tr("inputs.amount", currency=ui.currency()),
            min_value=0.0,
            step=10.0,
            format="%.2f",
            key="cost_amount",
        )
        if st.form_submit_button(ui.tr("inputs.save"), key="cost_save"):
            cents = int((Decimal(str(amount)) * 100).to_integral_value())
            try:
                save_cost(ui.engine(), month, channel, kind, cents, ui.currency())
            except InputsFileError as error:
                _report_error(error)
                return
            ui.flash(ui.tr("inputs.saved"))
            st.rerun()


def render_visitor_form() -> None:
    with st.form("inputs_visitors", border=True):
        st.markdown(f"**{ui.tr('inputs.visitors_title')}**")
        month = st.date_input(ui.tr("inputs.month"), value=ui.today(), key="visitors_month")
        visitors = st.number_input(ui.tr("inputs.visitors"), min_value=0, step=100, key="visitors")
        if st.form_submit_button(ui.tr("inputs.save"), key="visitors_save"):
            save_visitors(ui.engine(), month, int(visitors))
            ui.flash(ui.tr("inputs.saved"))
            st.rerun()


def render_survey_form() -> None:
    with st.form("inputs_survey", border=True):
        st.markdown(f"**{ui.tr('inputs.survey_title')}**")
        email = st.text_input(ui.tr("inputs.survey_email"), key="survey_email")
        day = st.date_input(ui.tr("inputs.survey_day"), value=ui.today(), key="survey_day")
        none = ui.tr("inputs.survey_none")
        nps = st.selectbox(ui.tr("inputs.survey_nps"), [none, *range(11)], key="survey_nps")
        csat = st.selectbox(ui.tr("inputs.survey_csat"), [none, *range(1, 6)], key="survey_csat")
        if st.form_submit_button(ui.tr("inputs.save"), key="survey_save"):
            scores = [None if value == none else int(value) for value in (nps, csat)]
            try:
                report = save_answer(ui.engine(), email, day, *scores)
            except InputsFileError as error:
                _report_error(error)
                return
            if report.unmatched_emails:
                ui.flash(ui.tr("inputs.survey_unmatched", email=report.unmatched_emails[0]), "info")
            else:
                ui.flash(ui.tr("inputs.saved"))
            st.rerun()


def render_margin_form() -> None:
    with st.form("inputs_margin", border=True):
        st.markdown(f"**{ui.tr('inputs.margin_title')}**")
        current = load_margin_percent(ui.engine())
        value = st.number_input(
            ui.tr("inputs.margin"),
            min_value=0.0,
            max_value=100.0,
            value=float(current or 0),
            step=5.0,
            help=ui.tr("inputs.margin_help"),
            key="margin_percent",
        )
        if st.form_submit_button(ui.tr("inputs.save"), key="margin_save"):
            try:
                percent = Decimal(str(value)) if value else None
            except InvalidOperation:
                percent = None
            save_margin_percent(ui.engine(), percent)
            ui.flash(ui.tr("inputs.saved"))
            st.rerun()


def render_inputs(inputs: Inputs) -> None:
    st.subheader(ui.tr("inputs.title"))
    st.caption(
        ui.tr(
            "inputs.stored",
            costs=inputs.costs.height,
            visitors=inputs.visitors.height,
            surveys=inputs.surveys.height,
        )
    )
    left, right = st.columns(2)
    with left:
        render_import()
        render_margin_form()
    with right:
        render_cost_form()
        render_visitor_form()
        render_survey_form()


ui.inside_frame()
st.title(ui.tr("nav.business"))
dataset = ui.load_dataset()
stored_inputs = load_inputs(ui.engine())
if ui.has_data(dataset):
    start, end = ui_filters.date_range_filter()
    ui_filters.render_range_caption(start, end)
    result = load_business(dataset, stored_inputs, start, end)
    render_missing(result.current)
    render_tiles(result)
    render_trend(result.trend)
    render_mrr(result.trend)
    render_nps(result)
    render_channels(result.channels)
else:
    st.info(ui.tr("biz.no_orders"))
render_inputs(stored_inputs)
