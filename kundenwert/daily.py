"""Per person and German day: everything the range figures need, computed once per dataset.

Every figure of :mod:`kundenwert.metrics` and :mod:`kundenwert.lifecycle` is a count or a sum
over a range of days. Computing them from the orders means converting a million order times
into German days, grouping and joining on every filter change. Here that work is done once
per :class:`~kundenwert.customers.Dataset` (one data version and basis) and kept on it, so a
range becomes a slice of a frame sorted by day and an aggregation over ready columns.

:func:`person_days` has one row per person and German day on which the person has a counted
order or a deduction (``metrics.money_lines``), sorted by day, with:

- ``orders``: counted sales that day (credit notes are not sales), ``recurring``: those of a
  subscription or installment, ``trials``: those of a trial;
- ``amount`` and ``deducted``: the money lines of that day (cents; revenue = amount −
  deducted), ``refund_lines``: how many of the lines deduct something;
- ``first_day``: the person's first counted sale ever (null without any);
- ``prev_sale`` and ``next_sale``: the person's nearest day with a counted sale strictly
  before and after the row's day (null when there is none);
- ``month``, ``first_month`` and ``prev_month``: :func:`month_number` of ``day``,
  ``first_day`` and ``prev_sale`` (for the cohorts, which count in months).

The definitions stay those of :mod:`kundenwert.metrics`; this module only stores their
ingredients. Every column is per person, so narrowing to some persons is a filter
(:func:`carry_over`), never a recomputation.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from kundenwert.customers import Dataset

_PERSON_DAYS = "daily.person_days"
_LOST = "daily.lost"


def _cached(ds: Dataset, key: tuple[object, ...]) -> pl.DataFrame | None:
    return ds.cache.get(key)


def _nearest_sale(direction: int) -> pl.Expr:
    """The same person's nearest sale day strictly before (``direction`` 1) or after (−1) the
    row, on a frame sorted by person and day.

    The nearest sale row overall is found by filling; when it belongs to another person, this
    person has none on that side (a person's rows are contiguous). No window function: a
    ``shift().over("person_id")`` took five times as long at 200,000 persons.
    """
    sale = pl.col("orders") > 0
    day = pl.when(sale).then(pl.col("day")).shift(direction)
    owner = pl.when(sale).then(pl.col("person_id")).shift(direction)
    if direction > 0:
        day, owner = day.forward_fill(), owner.forward_fill()
    else:
        day, owner = day.backward_fill(), owner.backward_fill()
    return pl.when(owner == pl.col("person_id")).then(day)


def _lines(ds: Dataset, refunds_on_refund_date: bool) -> pl.DataFrame:
    """One row per counted order and per dated deduction: person_id, day, orders (1 for a
    sale), recurring, trials, amount, deducted (cents), the lines of ``metrics.money_lines``.

    A deduction dated on its order's day stays on the order's row (one line fewer to group)."""
    from kundenwert.metrics import RECURRING_KINDS, TRIAL_KIND, deductions, german_day

    sale = pl.col("gross_cents") >= 0  # credit notes are refunds, not sales
    on_order_day = pl.col("refunded") + pl.col("charged_back")
    orders = ds.orders.filter(pl.col("counted")).select(
        "person_id",
        german_day("ordered_at").alias("day"),
        sale.cast(pl.Int64).alias("orders"),
        (sale & pl.col("kind").is_in(RECURRING_KINDS)).cast(pl.Int64).alias("recurring"),
        (sale & (pl.col("kind") == TRIAL_KIND)).cast(pl.Int64).alias("trials"),
        pl.col("amount").cast(pl.Int64),
        (pl.lit(0) if refunds_on_refund_date else on_order_day).cast(pl.Int64).alias("deducted"),
    )
    if not refunds_on_refund_date:
        return orders
    zero = pl.lit(0, dtype=pl.Int64)
    refunds = deductions(ds, None, on_refund_date=True).select(
        "person_id",
        "day",
        *(zero.alias(c) for c in ("orders", "recurring", "trials", "amount")),
        pl.col("cents").cast(pl.Int64).alias("deducted"),
    )
    return pl.concat([orders, refunds])


def _build_person_days(ds: Dataset, refunds_on_refund_date: bool) -> pl.DataFrame:
    days = (
        _lines(ds, refunds_on_refund_date)
        .group_by("person_id", "day")
        .agg(
            *(pl.col(c).sum() for c in ("orders", "recurring", "trials", "amount", "deducted")),
            (pl.col("deducted") != 0).sum().cast(pl.Int64).alias("refund_lines"),
        )
        .sort("person_id", "day")
        .with_columns(_nearest_sale(1).alias("prev_sale"), _nearest_sale(-1).alias("next_sale"))
    )
    # the first sale row of a person has no sale before it; rows before it (deductions only)
    # take their next sale day, rows after it the day of the nearest such row above them
    first_sale = (pl.col("orders") > 0) & pl.col("prev_sale").is_null()
    before_or_at = pl.when(pl.col("orders") > 0).then(pl.col("day")).otherwise(pl.col("next_sale"))
    first_day = (
        pl.when(pl.col("prev_sale").is_null())
        .then(before_or_at)
        .otherwise(pl.when(first_sale).then(pl.col("day")).forward_fill())
    )
    days = days.with_columns(first_day.alias("first_day"))
    return days.with_columns(
        month_number(c).alias(name)
        for c, name in (("day", "month"), ("first_day", "first_month"), ("prev_sale", "prev_month"))
    )


def month_number(column: str) -> pl.Expr:
    """year × 12 + month of a date column: consecutive months have consecutive numbers."""
    return pl.col(column).dt.year().cast(pl.Int32) * 12 + pl.col(column).dt.month().cast(pl.Int32)


def _person_days_sorted(ds: Dataset, refunds_on_refund_date: bool, by: str) -> pl.DataFrame:
    key = (_PERSON_DAYS, refunds_on_refund_date, by)
    found = _cached(ds, key)
    if found is None:
        by_person = _build_person_days(ds, refunds_on_refund_date)
        ds.cache[(_PERSON_DAYS, refunds_on_refund_date, "person")] = by_person
        ds.cache[(_PERSON_DAYS, refunds_on_refund_date, "day")] = by_person.sort("day", "person_id")
        found = ds.cache[key]
    return found


def person_days(ds: Dataset, refunds_on_refund_date: bool = False) -> pl.DataFrame:
    """The per person and day frame of the module docstring, sorted by day (cached on ``ds``).

    ``refunds_on_refund_date`` dates deductions on the refund day instead of the order's day.
    """
    return _person_days_sorted(ds, refunds_on_refund_date, "day")


def person_days_by_person(ds: Dataset, refunds_on_refund_date: bool = False) -> pl.DataFrame:
    """:func:`person_days` sorted by person and day (cached on ``ds``)."""
    return _person_days_sorted(ds, refunds_on_refund_date, "person")


def person_totals(by_person: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """One row per person with a row dated in ``[start, end]``: person_id, first_day and the
    sums of orders, recurring, trials, value (amount − deducted) and refund_lines in the range.

    ``by_person`` is :func:`person_days_by_person` (or a part of it). Its rows of one person
    are contiguous, so the sums are differences of running totals at each person's last row:
    three times as fast as a ``group_by`` of 600,000 rows.
    """
    sums = {
        "orders": pl.col("orders"),
        "recurring": pl.col("recurring"),
        "trials": pl.col("trials"),
        "value": pl.col("amount") - pl.col("deducted"),
        "refund_lines": pl.col("refund_lines"),
    }
    last = (pl.col("person_id") != pl.col("person_id").shift(-1)).fill_null(True)
    return (
        by_person.filter(pl.col("day").is_between(start, end, closed="both"))
        .select("person_id", "first_day", *(sum_.cum_sum().alias(n) for n, sum_ in sums.items()))
        .filter(last)
        .with_columns(pl.col(n) - pl.col(n).shift(1, fill_value=0) for n in sums)
    )


def lost_days(ds: Dataset, inactivity_days: int) -> pl.DataFrame:
    """person_id, lost_day, sorted by lost_day: :func:`kundenwert.metrics.lost_days` without
    the cut at today (cached on ``ds`` per window; cut it with :func:`between`)."""
    key = (_LOST, inactivity_days)
    found = _cached(ds, key)
    if found is None:
        window = timedelta(days=inactivity_days)
        lost = pl.col("day") + window
        # the sale columns are the same whichever day refunds are dated on
        known = [ds.cache.get((_PERSON_DAYS, flag, "day")) for flag in (False, True)]
        days = next((frame for frame in known if frame is not None), None)
        found = (
            (days if days is not None else person_days(ds))
            .filter(
                (pl.col("orders") > 0)
                & (pl.col("next_sale").is_null() | (pl.col("next_sale") > lost))
            )
            .select("person_id", lost.alias("lost_day"))
        )
        ds.cache[key] = found
    return found


def between(frame: pl.DataFrame, column: str, start: date, end: date) -> pl.DataFrame:
    """The rows of ``frame`` (sorted by ``column``) with ``start ≤ column ≤ end``: a slice."""
    values = frame[column]
    first = int(values.search_sorted(start, side="left"))
    last = int(values.search_sorted(end, side="right"))
    return frame.slice(first, max(last - first, 0))


def of_persons(frame: pl.DataFrame, persons: pl.Series | None) -> pl.DataFrame:
    """The rows of these persons (all rows without a restriction); the order is kept."""
    if persons is None:
        return frame
    return frame.filter(pl.col("person_id").is_in(persons.cast(pl.Int64).implode()))


def carry_over(source: Dataset, target: Dataset, persons: pl.Series) -> None:
    """Give ``target`` (``source`` narrowed to ``persons``) the precomputed frames ``source``
    already has, narrowed the same way: every column is per person, so a filter gives what a
    recomputation on the narrowed dataset would."""
    for key, frame in source.cache.items():
        if isinstance(key, tuple) and key[0] in (_PERSON_DAYS, _LOST):
            target.cache.setdefault(key, of_persons(frame, persons))
