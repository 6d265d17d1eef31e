"""Kundenreise: how persons move between sources, from the source of their first purchase on.

Definitions (one for every figure here):

- A *purchase* is a counted sale (:func:`kundenwert.values.order_values`, counted, gross ≥ 0;
  credit notes are refunds, not purchases). Its day is the German calendar day.
- A person belongs to the range ``[start, end]`` (German days, both inclusive) when their
  *first* purchase lies in it; all their purchases are followed, also those after ``end``.
- A person's purchases in date order (ties by order id) form *steps*: consecutive purchases in
  the same source are one step, a purchase in another source starts the next one. So
  Digistore24, Digistore24, sevDesk, Digistore24 is three steps. Steps after ``steps`` are left
  out.
- The *value* of a step is the sum of the person's order values (after refunds, in base cents
  on the dataset's basis) of the purchases in that step.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from kundenwert.customers import Dataset
from kundenwert.metrics import german_day

MIN_STEPS = 2
MAX_STEPS = 4

FLOW_SCHEMA: dict[str, type[pl.DataType]] = {
    "step_from": pl.Int64,
    "source_from": pl.String,
    "step_to": pl.Int64,
    "source_to": pl.String,
    "persons": pl.Int64,
    "value": pl.Int64,
}


def person_steps(ds: Dataset, start: date, end: date, steps: int | None = None) -> pl.DataFrame:
    """One row per step of every person whose first purchase lies in the range.

    Columns: person_id, step (1, 2, …), source, orders, value (cents). ``steps`` keeps only
    the first that many steps of each person (all when None).
    """
    sales = (
        ds.orders.filter(pl.col("counted") & (pl.col("gross_cents") >= 0))
        .select(
            "person_id",
            "order_id",
            "ordered_at",
            german_day("ordered_at").alias("day"),
            pl.col("source_label").alias("source"),
            "value",
        )
        .sort("person_id", "ordered_at", "order_id")
    )
    first_day = pl.col("day").min().over("person_id")
    in_range = sales.filter(first_day.is_between(start, end))
    # a new step wherever the source differs from the person's previous purchase
    changed = pl.col("source") != pl.col("source").shift(1).over("person_id")
    numbered = in_range.with_columns(
        (changed.fill_null(True).cast(pl.Int64).cum_sum().over("person_id")).alias("step")
    )
    if steps is not None:
        numbered = numbered.filter(pl.col("step") <= steps)
    return (
        numbered.group_by("person_id", "step", "source")
        .agg(pl.len().cast(pl.Int64).alias("orders"), pl.col("value").sum().cast(pl.Int64))
        .sort("person_id", "step")
    )


def journey(ds: Dataset, start: date, end: date, steps: int = 3) -> pl.DataFrame:
    """The flows between consecutive steps, for a Sankey diagram.

    One row per (step_from, source_from, step_to, source_to) with ``step_to = step_from + 1``:
    persons (how many made that move) and value (what they added in the target step, cents).
    Persons who never leave their first source have no flow (see :func:`journey_summary`).
    Sorted by step, then by persons (most first), then by source.
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    walked = person_steps(ds, start, end, steps).select("person_id", "step", "source", "value")
    targets = walked.filter(pl.col("step") > 1).rename({"step": "step_to", "source": "source_to"})
    origins = walked.select(
        "person_id",
        pl.col("step").alias("step_from"),
        pl.col("source").alias("source_from"),
        (pl.col("step") + 1).alias("step_to"),
    )
    flows = (
        origins.join(targets, on=["person_id", "step_to"], how="inner")
        .group_by("step_from", "source_from", "step_to", "source_to")
        .agg(pl.col("person_id").n_unique().alias("persons"), pl.col("value").sum())
        .sort(
            ["step_from", "persons", "source_from", "source_to"],
            descending=[False, True, False, False],
        )
    )
    return flows.select(pl.col(c).cast(t) for c, t in FLOW_SCHEMA.items())


def journey_summary(ds: Dataset, start: date, end: date) -> pl.DataFrame:
    """Per source of the first purchase: who stays there and who moves on.

    Columns: source, persons (first purchase there, in the range), stayed (every purchase in
    that one source), moved (at least one later purchase in another source), value (cents, all
    their purchases), value_later (cents, in the steps after the first). Most persons first.
    """
    walked = person_steps(ds, start, end)
    per_person = walked.group_by("person_id").agg(
        pl.col("source").filter(pl.col("step") == 1).first().alias("source"),
        pl.col("step").max().alias("steps"),
        pl.col("value").sum().alias("value"),
        pl.col("value").filter(pl.col("step") > 1).sum().alias("value_later"),
    )
    return (
        per_person.group_by("source")
        .agg(
            pl.len().cast(pl.Int64).alias("persons"),
            (pl.col("steps") == 1).sum().cast(pl.Int64).alias("stayed"),
            (pl.col("steps") > 1).sum().cast(pl.Int64).alias("moved"),
            pl.col("value").sum().cast(pl.Int64),
            pl.col("value_later").sum().cast(pl.Int64),
        )
        .sort(["persons", "source"], descending=[True, False])
    )
