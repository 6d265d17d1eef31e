"""Prognose: the CLV models' parameters, a calibration/holdout check, the distribution of the
predicted customer value, and a revenue forecast for this month and the next three."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
import ui_clv
from kundenwert.clv import data_warnings
from kundenwert.forecast import month_start


def render_warnings(fitted: Any) -> None:
    for code in data_warnings(fitted):
        st.warning(ui.tr(f"forecast.warn_{code}"), icon=":material/warning:")
    if fitted.spend_fallback:
        st.info(ui.tr("forecast.warn_spend_fallback"), icon=":material/info:")


def render_parameters(fitted: Any) -> None:
    st.subheader(ui.tr("forecast.params_title"))
    st.caption(ui.tr("forecast.params_caption", day=ui.day(fitted.calibration_end)))
    bg, gg = fitted.bgnbd, fitted.gamma_gamma
    rows = [
        ("r", bg.r, "forecast.param_r"),
        ("α", bg.alpha, "forecast.param_alpha"),
        ("a", bg.a, "forecast.param_a"),
        ("b", bg.b, "forecast.param_b"),
        ("LL", fitted.log_likelihood, "forecast.param_ll"),
        ("p", gg.p, "forecast.param_p"),
        ("q", gg.q, "forecast.param_q"),
        ("γ", gg.v / 100, "forecast.param_gamma"),
    ]
    st.dataframe(
        pl.DataFrame(
            {
                "name": [name for name, _, _ in rows],
                "value": [ui_clv.number3(value) for _, value, _ in rows],
                "meaning": [ui.tr(key, currency=ui.currency()) for _, _, key in rows],
            }
        ),
        hide_index=True,
        key="forecast_params",
        column_config={
            "name": ui.tr("forecast.col_param"),
            "value": st.column_config.TextColumn(ui.tr("forecast.col_value"), alignment="right"),
            "meaning": ui.tr("forecast.col_meaning"),
        },
    )


def render_distribution(fitted: Any, predictions: pl.DataFrame) -> None:
    st.subheader(ui.tr("forecast.distribution_title"))
    b = ui.basis_label()
    persons, repeat = st.columns(2)  # two by two: four tiles do not fit half a page
    total, average = st.columns(2)
    persons.metric(ui.tr("forecast.tile_persons"), ui.number(fitted.summary.height), border=True)
    repeat.metric(ui.tr("forecast.tile_repeat"), ui.number(fitted.repeat_customers), border=True)
    clv = predictions["clv_cents"]
    total.metric(
        ui.tr("forecast.tile_total", basis=b),
        ui.money_tile(int(clv.sum())),
        help=ui.tr("clv.col_clv_help", basis=b, currency=ui.currency()),
        border=True,
    )
    average.metric(
        ui.tr("forecast.tile_average", basis=b),
        ui.money_tile(round(float(clv.mean() or 0))),
        border=True,
    )
    fig = go.Figure(go.Histogram(x=ui.amounts_for_plot(clv.to_list()), nbinsx=40))
    fig.update_layout(
        xaxis_title=ui.tr("clv.col_clv") + f" ({ui.currency()})",
        yaxis_title=ui.tr("forecast.axis_persons"),
    )
    st.plotly_chart(ui.plotly_layout(fig), key="forecast_distribution")


def default_calibration_end(first: date, last: date) -> date:
    """A third of the history (at least 90 days) is kept back as the holdout."""
    holdout = max(90, (last - first).days // 3)
    return max(first + timedelta(days=1), last - timedelta(days=holdout))


def render_holdout() -> None:
    st.subheader(ui.tr("forecast.holdout_title"))
    st.caption(ui.tr("forecast.holdout_caption"))
    days = ui.load_order_days()
    if days is None or (days[1] - days[0]).days < 60:
        st.info(ui.tr("forecast.holdout_too_short"))
        return
    first, last = days
    end = st.date_input(
        ui.tr("forecast.calibration_end"),
        value=default_calibration_end(first, last),
        min_value=first + timedelta(days=1),
        max_value=last - timedelta(days=1),
        format="DD.MM.YYYY" if ui.lang() == "de" else "YYYY-MM-DD",
        key="forecast_calibration_end",
    )
    check = ui_clv.load_holdout(end, last)
    if isinstance(check, str):
        st.warning(ui.tr("forecast.not_possible", reason=check))
        return
    labels = [ui.day(d) for d in check["period_start"]]
    fig = go.Figure()
    fig.add_bar(x=labels, y=check["actual"].to_list(), name=ui.tr("forecast.actual"))
    fig.add_scatter(
        x=labels, y=check["predicted"].to_list(), name=ui.tr("forecast.predicted"), mode="lines"
    )
    fig.update_layout(yaxis_title=ui.tr("forecast.axis_repeat"))
    st.plotly_chart(ui.plotly_layout(fig), key="forecast_holdout")
    predicted, actual = float(check["predicted"].sum()), int(check["actual"].sum())
    st.caption(
        ui.tr(
            "forecast.holdout_totals",
            predicted=ui.number(round(predicted, 1)),
            actual=ui.number(actual),
        )
    )


def render_revenue() -> None:
    st.subheader(ui.tr("forecast.revenue_title"))
    this_month = month_start(ui.today())
    options = [month_start(this_month, -k) for k in range(13)]
    first = st.selectbox(
        ui.tr("forecast.first_month"),
        options=options,
        format_func=ui.labels(options, ui_clv.month_label),
        key=f"forecast_first_month:{ui.lang()}",
    )
    result = ui_clv.load_forecast(first or this_month)
    st.caption(
        ui.tr(
            "forecast.revenue_caption",
            day=ui.day(result.as_of),
            basis=ui.basis_label(),
            currency=ui.currency(),
        )
    )
    if result.model_error:
        st.info(ui.tr("forecast.repeat_missing", reason=result.model_error))
    months = result.months
    labels = [ui_clv.month_label(m) for m in months["month"]]
    fig = go.Figure()
    for part in ("recurring", "repeat", "new"):
        values = months[part].fill_null(0).to_list()
        fig.add_bar(
            x=labels,
            y=ui.amounts_for_plot(values),
            name=ui.tr(f"forecast.part_{part}"),
            hovertext=ui.money_list(values),
        )
    actual = months["actual"].to_list()
    fig.add_scatter(
        x=labels,
        y=[None if a is None else float(a) / 100 for a in actual],
        name=ui.tr("forecast.actual_revenue"),
        mode="markers",
        marker={"size": 14, "symbol": "diamond", "color": "#222"},
    )
    fig.update_layout(barmode="stack", yaxis_title=ui.currency())
    st.plotly_chart(ui.plotly_layout(fig), key="forecast_revenue")
    st.dataframe(
        pl.DataFrame(
            {
                "month": labels,
                "recurring": ui.money_list(months["recurring"].to_list()),
                "repeat": ui.money_list(months["repeat"].to_list()),
                "new": ui.money_list(months["new"].to_list()),
                "forecast": ui.money_list(months["forecast"].to_list()),
                "actual": [
                    "" if a is None else ui.money(a) + ("" if done else " *")
                    for a, done in zip(actual, months["complete"], strict=True)
                ],
            }
        ),
        hide_index=True,
        key="forecast_table",
        column_config={
            "month": ui.tr("forecast.col_month"),
            **{
                part: ui.money_column(ui.tr(f"forecast.part_{part}"))
                for part in ("recurring", "repeat", "new")
            },
            "forecast": ui.money_column(ui.tr("forecast.col_forecast")),
            "actual": ui.money_column(ui.tr("forecast.actual_revenue")),
        },
    )
    st.caption(ui.tr("forecast.revenue_footnote", plans=ui.number(result.plans.height)))


ui.inside_frame()
st.title(ui.tr("nav.forecast"))
ds = ui.require_data()
st.caption(ui.tr("forecast.caption"))
fitted = ui.load_clv_fit(ui.today())
if isinstance(fitted, str):
    st.warning(ui.tr("forecast.not_possible", reason=fitted), icon=":material/warning:")
else:
    render_warnings(fitted)
    left, right = st.columns([2, 3])
    with left:
        render_parameters(fitted)
    with right:
        predictions = ui.load_predictions()
        if isinstance(predictions, pl.DataFrame):
            render_distribution(fitted, predictions)
render_holdout()
render_revenue()
