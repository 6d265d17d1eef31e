"""New, returning and lost customers and revenue per day, week or month; retention cohorts.

Every period uses the definitions of :mod:`kundenwert.metrics` with the period as the range:
German calendar days, counted orders, credit notes are refunds and not orders. So summing a
column over the periods gives the range's figure for new customers and revenue; customers,
returning and lost are distinct persons per period and may repeat across periods.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import polars as pl

from kundenwert.customers import Dataset
from kundenwert.metrics import (
    counted_sales,
    first_order_days,
    german_today,
    lost_days,
    money_lines,
)

Freq = Literal["day", "week", "month"]
Measure = Literal["customers", "revenue"]
_TRUNCATE = {"day": "1d", "week": "1w", "month": "1mo"}

LIFECYCLE_SCHEMA: dict[str, pl.DataType] = {
    "period": pl.Date(),
    "new_customers": pl.Int64(),
    "returning_customers": pl.Int64(),
    "lost_customers": pl.Int64(),
    "revenue": pl.Int64(),
    "revenue_new": pl.Int64(),
    "revenue_returning": pl.Int64(),
}


def _period_of(column: str, freq: Freq, start: date) -> pl.Expr:
    """The start of the period a day falls in: the day, its ISO week's Monday or the first of
    its month, but never before the range start (the first period is clipped)."""
    truncated = pl.col(column).dt.truncate(_TRUNCATE[freq])
    return pl.max_horizontal(truncated, pl.lit(start)).alias("period")


def periods(start: date, end: date, freq: Freq) -> pl.DataFrame:
    """One row per period of the range: period (its first day within the range)."""
    if freq not in _TRUNCATE:
        raise ValueError(f"unknown period {freq!r}: day, week or month")
    first = start
    if freq == "week":
        first = start - timedelta(days=start.weekday())
    elif freq == "month":
        first = start.replace(day=1)
    starts = pl.date_range(first, end, _TRUNCATE[freq], eager=True)
    return pl.DataFrame({"day": starts}).select(_period_of("day", freq, start))


def lifecycle(
    ds: Dataset,
    start: date,
    end: date,
    freq: Freq = "month",
    inactivity_days: int = 365,
    *,
    persons: pl.Series | None = None,
    refunds_on_refund_date: bool = False,
    today: date | None = None,
) -> pl.DataFrame:
    """One row per period of ``[start, end]``, zeros included, oldest first.

    Columns: period (first day; weeks start on Monday, months on the 1st, the first period
    starts at ``start`` and the last ends at ``end``), new_customers (first counted order ever
    in the period), returning_customers (a counted order in the period and one before the
    period), lost_customers (became lost in the period, see
    :func:`kundenwert.metrics.lost_days`), revenue (value of the counted orders in the period),
    revenue_new and revenue_returning (that revenue from the period's new and returning
    customers). Amounts are base cents on the dataset's basis.
    """
    if start > end:
        raise ValueError(f"Zeitraum: Beginn {start} liegt nach dem Ende {end}")
    grid = periods(start, end, freq)
    sales = counted_sales(ds, persons)
    first = first_order_days(sales)
    lost = lost_days(sales, inactivity_days, today or german_today())
    window = pl.col("day").is_between(start, end, closed="both")

    customers = (
        sales.filter(window)
        .select("person_id", _period_of("day", freq, start))
        .unique()
        .join(first, on="person_id")
        .with_columns((pl.col("first_day") >= pl.col("period")).alias("new"))
    )
    lines = (
        money_lines(ds, persons, refunds_on_refund_date)
        .filter(window)
        .select("person_id", _period_of("day", freq, start), pl.col("amount") - pl.col("deducted"))
        .group_by("person_id", "period")
        .agg(pl.col("amount").sum().alias("value"))
    )
    per_customer = customers.join(lines, on=["person_id", "period"], how="left")
    counts = per_customer.group_by("period").agg(
        pl.col("new").sum().alias("new_customers"),
        (~pl.col("new")).sum().alias("returning_customers"),
        pl.col("value").filter(pl.col("new")).sum().alias("revenue_new"),
        pl.col("value").filter(~pl.col("new")).sum().alias("revenue_returning"),
    )
    revenue = lines.group_by("period").agg(pl.col("value").sum().alias("revenue"))
    lost_counts = (
        lost.filter(pl.col("lost_day").is_between(start, end, closed="both"))
        .select("person_id", _period_of("lost_day", freq, start))
        .unique()
        .group_by("period")
        .agg(pl.len().alias("lost_customers"))
    )
    return (
        grid.join(counts, on="period", how="left")
        .join(lost_counts, on="period", how="left")
        .join(revenue, on="period", how="left")
        .select(
            "period",
            *(
                pl.col(name).fill_null(0).cast(dtype)
                for name, dtype in LIFECYCLE_SCHEMA.items()
                if name != "period"
            ),
        )
        .sort("period")
    )


def _month_index(column: str) -> pl.Expr:
    return pl.col(column).dt.year().cast(pl.Int64) * 12 + pl.col(column).dt.month().cast(pl.Int64)


def _by_month(
    frame: pl.DataFrame, members: pl.DataFrame, end: date, value: pl.Expr
) -> pl.DataFrame:
    """``value`` aggregated per cohort and month since, over the members' lines up to ``end``."""
    return (
        frame.filter(pl.col("day") <= end)
        .join(members, on="person_id")
        .with_columns((_month_index("day") - _month_index("cohort")).alias("months_since"))
        .group_by("cohort", "months_since")
        .agg(value.alias("value"))
    )


def cohorts(
    ds: Dataset,
    start: date,
    end: date,
    measure: Measure = "customers",
    *,
    persons: pl.Series | None = None,
) -> pl.DataFrame:
    """Retention by cohort: persons grouped by the month of their first counted order ever.

    Cohorts are the months in which persons' first orders lie within ``[start, end]``; their
    activity is followed up to ``end``. One row per cohort and month since its first month
    (0, 1, …, up to ``end``'s month), zeros included. Columns: cohort (first day of the month),
    months_since, cohort_size (persons), value — with ``measure="customers"`` the persons of
    the cohort with a counted order in that month, with ``"revenue"`` the value of their
    counted orders dated in that month (base cents, refunds on the order's date).
    """
    if measure not in ("customers", "revenue"):
        raise ValueError(f"unknown measure {measure!r}: customers or revenue")
    if start > end:
        raise ValueError(f"Zeitraum: Beginn {start} liegt nach dem Ende {end}")
    sales = counted_sales(ds, persons)
    members = (
        first_order_days(sales)
        .filter(pl.col("first_day").is_between(start, end, closed="both"))
        .select("person_id", pl.col("first_day").dt.truncate("1mo").alias("cohort"))
    )
    sizes = members.group_by("cohort").agg(pl.len().cast(pl.Int64).alias("cohort_size"))
    end_month = end.year * 12 + end.month
    grid = sizes.with_columns(
        pl.int_ranges(0, end_month - _month_index("cohort") + 1).alias("months_since")
    ).explode("months_since")
    if measure == "customers":
        # only an order makes a person active in a month; a credit note alone does not
        activity = _by_month(sales, members, end, pl.col("person_id").n_unique())
    else:
        lines = money_lines(ds, persons)
        activity = _by_month(lines, members, end, (pl.col("amount") - pl.col("deducted")).sum())
    return (
        grid.join(activity, on=["cohort", "months_since"], how="left")
        .select(
            "cohort",
            pl.col("months_since").cast(pl.Int64),
            "cohort_size",
            pl.col("value").fill_null(0).cast(pl.Int64),
        )
        .sort("cohort", "months_since")
    )
