"""Revenue forecast for a month and the next ones: recurring plans, repeat buyers, new buyers.

The forecast is made as of the last day before ``first_month`` (the "as of" day), so the
actual revenue of the forecast months can be drawn beside it as they pass. Three parts, in
base-currency cents on the dataset's basis:

- ``recurring``: running subscriptions and instalment plans. A plan is one person's counted
  payments of kind ``subscription`` or ``installment`` in one source for one product (first
  item). Its interval is the median gap between its payment days (30.415 days, one month,
  when there is only one payment so far); its amount is the value of the last payment day.
  A plan runs when its last payment is at most 1.5 intervals before the as-of day; it is
  projected at last payment + k × interval (an overdue payment falls on the next day). The
  number of instalments of a plan is not in the data, so a running plan is assumed to go on
  through the forecast months.
- ``repeat``: the other purchases of known customers, predicted by the BG/NBD and Gamma-Gamma
  models (:mod:`kundenwert.clv`) fitted on the non-recurring purchases up to the as-of day:
  per calendar month Σ persons (E[X(end of month)] − E[X(start)]) × expected spend. Missing
  (``None``) when the model cannot be fitted; the reason is kept.
- ``new``: first purchases of new customers, the monthly mean of the three calendar months
  before ``first_month`` (only months after the first purchase ever count).

``actual`` is the counted revenue (values after refunds, on the order's German day) of the
months that have begun by ``today``; ``complete`` says whether the month is over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from kundenwert.clv import (
    DAYS_PER_MONTH,
    NotEnoughDataError,
    expected_purchases,
    expected_spend,
    fit,
    purchases,
)
from kundenwert.customers import Dataset
from kundenwert.metrics import german_day

RECURRING_KINDS = ("subscription", "installment")
GRACE_INTERVALS = 1.5
NEW_CUSTOMER_MONTHS = 3


@dataclass(frozen=True)
class RevenueForecast:
    """The forecast per month and the plans behind its recurring part."""

    as_of: date
    months: pl.DataFrame  # month, recurring, repeat, new, forecast, actual (cents), complete
    plans: pl.DataFrame  # running_plans
    model_error: str | None  # why the repeat part is missing, if it is


def month_start(day: date, offset: int = 0) -> date:
    """First day of the month of ``day``, moved by ``offset`` months."""
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _sales(ds: Dataset) -> pl.DataFrame:
    return ds.orders.filter(
        pl.col("counted") & (pl.col("gross_cents") >= 0) & pl.col("person_id").is_not_null()
    )


def running_plans(ds: Dataset, as_of: date) -> pl.DataFrame:
    """Subscriptions and instalment plans running on ``as_of`` (module docstring).

    Columns: person_id, source_id, kind, product, payments, last_payment (date),
    interval_days (float), amount (cents per payment).
    """
    first_items = (
        ds.frames.items.sort("id")
        .group_by("order_id")
        .agg(pl.col("product_name").first().alias("product"))
    )
    payments = (
        _sales(ds)
        .filter(pl.col("kind").is_in(RECURRING_KINDS))
        .with_columns(german_day("ordered_at").alias("day"))
        .filter(pl.col("day") <= as_of)
        .join(first_items, on="order_id", how="left")
        .with_columns(pl.col("product").fill_null(""))
        .group_by("person_id", "source_id", "kind", "product", "day")
        .agg(pl.col("value").sum())
        .sort("day")
    )
    plans = payments.group_by("person_id", "source_id", "kind", "product").agg(
        pl.len().alias("payments"),
        pl.col("day").max().alias("last_payment"),
        pl.col("day").diff().dt.total_days().median().alias("interval_days"),
        pl.col("value").last().alias("amount"),
    )
    plans = plans.with_columns(
        pl.col("interval_days").cast(pl.Float64).fill_null(DAYS_PER_MONTH).clip(lower_bound=1.0)
    )
    overdue = (pl.lit(as_of) - pl.col("last_payment")).dt.total_days()
    return plans.filter(overdue <= pl.col("interval_days") * GRACE_INTERVALS).sort(
        "person_id", "source_id", "kind", "product"
    )


def _recurring(plans: pl.DataFrame, as_of: date, window_end: date) -> pl.DataFrame:
    """month → recurring cents of the projected payments up to ``window_end``."""
    if plans.height == 0:
        return pl.DataFrame(schema={"month": pl.Date, "recurring": pl.Int64})
    span = (pl.lit(window_end) - pl.col("last_payment")).dt.total_days()
    projected = (
        plans.with_columns(
            pl.int_ranges(1, (span / pl.col("interval_days")).ceil().cast(pl.Int64) + 2).alias("k")
        )
        .explode("k")
        .with_columns(
            (
                pl.col("last_payment")
                + pl.duration(days=(pl.col("k") * pl.col("interval_days")).round(0).cast(pl.Int64))
            ).alias("due")
        )
        .with_columns(
            pl.max_horizontal(pl.col("due"), pl.lit(as_of + timedelta(days=1))).alias("due")
        )
        .filter(pl.col("due") <= window_end)
    )
    return projected.group_by(pl.col("due").dt.truncate("1mo").alias("month")).agg(
        pl.col("amount").sum().cast(pl.Int64).alias("recurring")
    )


def _repeat(ds: Dataset, as_of: date, months: list[date]) -> tuple[list[int] | None, str | None]:
    """Model-predicted revenue of non-recurring repeat purchases per month, or the reason why
    there is none."""
    others = replace(ds, orders=ds.orders.filter(~pl.col("kind").is_in(RECURRING_KINDS)))
    try:
        fitted = fit(purchases(others), as_of, "week")
    except NotEnoughDataError as error:
        return None, str(error)
    x, t_x, big_t, m = (
        fitted.summary[c].cast(pl.Float64).to_numpy()
        for c in ("frequency", "recency", "T", "monetary")
    )
    spend = expected_spend(fitted.gamma_gamma, x, m, fitted.population_spend)
    values, previous = [], 0.0
    for first in months:
        weeks = (month_start(first, 1) - timedelta(days=1) - as_of).days / 7
        cumulative = float(np.sum(spend * expected_purchases(fitted.bgnbd, weeks, x, t_x, big_t)))
        values.append(round(cumulative - previous))
        previous = cumulative
    return values, None


def _new_customers(ds: Dataset, first_month: date) -> int:
    """Mean monthly value of first purchase days in the months before ``first_month``."""
    sales = _sales(ds).with_columns(german_day("ordered_at").alias("day"))
    if sales.height == 0:
        return 0
    firsts = (
        sales.group_by("person_id", "day")
        .agg(pl.col("value").sum())
        .sort("day")
        .group_by("person_id")
        .agg(pl.col("day").first(), pl.col("value").first())
    )
    start = month_start(first_month, -NEW_CUSTOMER_MONTHS)
    earliest = month_start(firsts["day"].min())  # type: ignore[arg-type]
    considered = [
        month_start(first_month, -k)
        for k in range(1, NEW_CUSTOMER_MONTHS + 1)
        if month_start(first_month, -k) >= earliest
    ]
    if not considered:
        return 0
    total = firsts.filter((pl.col("day") >= start) & (pl.col("day") < first_month))["value"].sum()
    return round(int(total) / len(considered))


def _actual(ds: Dataset, months: list[date], today: date) -> pl.DataFrame:
    counted = ds.orders.filter(pl.col("counted")).with_columns(
        german_day("ordered_at").alias("day")
    )
    return (
        counted.filter(pl.col("day") <= today)
        .group_by(pl.col("day").dt.truncate("1mo").alias("month"))
        .agg(pl.col("value").sum().cast(pl.Int64).alias("actual"))
        .filter(pl.col("month").is_in(months))
    )


def revenue_forecast(
    ds: Dataset, first_month: date, today: date, months: int = 4
) -> RevenueForecast:
    """The forecast of ``months`` calendar months from ``first_month`` (module docstring)."""
    first_month = month_start(first_month)
    as_of = first_month - timedelta(days=1)
    month_list = [month_start(first_month, k) for k in range(months)]
    window_end = month_start(first_month, months) - timedelta(days=1)
    plans = running_plans(ds, as_of)
    repeat, error = _repeat(ds, as_of, month_list)
    new = _new_customers(ds, first_month)
    frame = (
        pl.DataFrame({"month": month_list}, schema={"month": pl.Date})
        .join(_recurring(plans, as_of, window_end), on="month", how="left")
        .join(_actual(ds, month_list, today), on="month", how="left")
        .with_columns(
            pl.col("recurring").fill_null(0),
            pl.Series("repeat", repeat, dtype=pl.Int64)
            if repeat is not None
            else pl.lit(None, dtype=pl.Int64).alias("repeat"),
            pl.lit(new, dtype=pl.Int64).alias("new"),
        )
        .with_columns(
            (pl.col("recurring") + pl.col("repeat").fill_null(0) + pl.col("new")).alias("forecast"),
            pl.when(pl.col("month") <= today)
            .then(pl.col("actual").fill_null(0))
            .otherwise(None)
            .alias("actual"),
            (pl.col("month").dt.month_end() < today).alias("complete"),
        )
        .select("month", "recurring", "repeat", "new", "forecast", "actual", "complete")
    )
    return RevenueForecast(as_of=as_of, months=frame, plans=plans, model_error=error)
