"""RFM: recency, frequency and monetary scores per person, and the segment each person is in.

Definitions (DESIGN.md, "RFM"):

- Scored orders: counted orders (:func:`kundenwert.values.order_values`) whose German calendar
  day is on or before ``as_of`` (and on or after ``since`` when given; by default all history).
  ``ordered_at`` is naive UTC; its day is
  ``replace_time_zone("UTC").convert_time_zone("Europe/Berlin").date()``.
- A person is scored when they have at least one scored order that is a sale. Credit notes
  (negative totals, see ``values.py``) are refunds: they are no order day, but their value
  counts in M.
- R = ``recency_days`` = days from the German day of the last sale to ``as_of`` (0 = that day).
  F = ``frequency`` = number of distinct German days with a sale. M = ``monetary`` = the
  person's value over the scored orders in base-currency cents on the dataset's basis, refunds
  and chargebacks deducted (refunds are dated on their order's day, the default refund timing,
  so a later refund of a scored order is deducted). M can be zero or negative; it is ranked
  like any other value.
- Score rule (quintiles of the rank, ties never split): among the n scored persons,
  ``score = 1 + ⌊5 × w / n⌋`` where ``w`` is the number of persons with a strictly *worse*
  value (lower F or M; more days since the last order for R, so R is reversed: recent = 5).
  Equal values have the same ``w``, so a tie always shares a score; a tied group takes the
  score of the first (worst) position it occupies. With distinct values every score gets n/5
  persons; when everybody is tied everybody scores 1 and no bin is ever required to be filled.
- FM = round-half-up of (F + M) / 2 = ``(F + M + 1) // 2``.
- Segment = the grid cell (R, FM). :data:`DEFAULT_GRID` is the table of DESIGN.md; a grid
  must map each of the 25 cells to exactly one known segment (:func:`validate_grid`).
- ``score(..., persons=…)`` restricts the *output* to those persons; scores are always ranked
  over all persons, so a person's segment does not change with a filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from kundenwert.customers import Dataset
from kundenwert.metrics import german_day

SCORES = (1, 2, 3, 4, 5)
DIMENSIONS = ("recency_days", "frequency", "monetary")

# Ordered from best to worst, the order in which summaries list them.
SEGMENTS: tuple[str, ...] = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)

# German UI labels of the segment keys. They live here until the message catalogue
# (kundenwert/i18n.py) takes them over.
SEGMENT_LABELS_DE: dict[str, str] = {
    "Champions": "Champions",
    "Loyal Customers": "Treue Kunden",
    "Potential Loyalist": "Potenzielle Stammkunden",
    "New Customers": "Neukunden",
    "Promising": "Vielversprechend",
    "Need Attention": "Brauchen Aufmerksamkeit",
    "About to Sleep": "Drohen einzuschlafen",
    "At Risk": "Gefährdet",
    "Can't Lose Them": "Nicht verlieren",
    "Hibernating": "Im Winterschlaf",
    "Lost": "Verloren",
}

_TABLE = {  # R → segments for FM = 1..5, exactly as DESIGN.md shows the grid
    5: ("New Customers", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal Customers", "Champions"),
    3: ("About to Sleep", "Need Attention", "Need Attention", "Loyal Customers", "Loyal Customers"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Lost", "Lost", "Hibernating", "At Risk", "Can't Lose Them"),
}
DEFAULT_GRID: dict[tuple[int, int], str] = {
    (r, fm): segment for r, row in _TABLE.items() for fm, segment in zip(SCORES, row, strict=True)
}

Grid = Mapping[tuple[int, int], str]


class RfmGridError(ValueError):
    """An RFM grid that does not map every one of the 25 cells to exactly one known segment."""


def validate_grid(grid: Grid) -> None:
    """Raise :class:`RfmGridError` unless every (R, FM) cell 1..5 × 1..5 has one known segment.

    A mapping holds one value per key, so "exactly one" means: no cell missing, no cell outside
    the grid, and each value a single known segment name (not a list of them).
    """
    cells = {(r, fm) for r in SCORES for fm in SCORES}
    problems: list[str] = []
    missing = sorted(cells - set(grid))
    if missing:
        problems.append("missing cells (R, FM): " + ", ".join(map(str, missing)))
    outside = [key for key in grid if key not in cells]
    if outside:
        problems.append("cells outside the 5 × 5 grid: " + ", ".join(map(repr, outside)))
    unknown = sorted(
        f"{key} → {segment!r}"
        for key, segment in grid.items()
        if key in cells and not (isinstance(segment, str) and segment in SEGMENTS)
    )
    if unknown:
        problems.append("cells without exactly one known segment: " + ", ".join(unknown))
    if problems:
        raise RfmGridError("invalid RFM grid: " + "; ".join(problems))


def grid_to_table(grid: Grid) -> dict[str, list[str]]:
    """The grid as stored in the settings: ``{"5": [segment for FM 1..5], …, "1": […]}``.

    JSON keys are text, so R is a string; the list position is FM − 1.
    """
    validate_grid(grid)
    return {str(r): [grid[(r, fm)] for fm in SCORES] for r in reversed(SCORES)}


def grid_from_table(table: object) -> dict[tuple[int, int], str]:
    """The grid of :func:`grid_to_table`'s shape, validated (:class:`RfmGridError` otherwise)."""
    if not isinstance(table, dict):
        raise RfmGridError("invalid RFM grid: expected one row of 5 segments per R score")
    grid: dict[tuple[int, int], str] = {}
    for r_text, row in table.items():
        if not (str(r_text).isdigit() and isinstance(row, list) and len(row) == len(SCORES)):
            raise RfmGridError(f"invalid RFM grid: row R {r_text!r} needs 5 segments")
        for fm, segment in zip(SCORES, row, strict=True):
            grid[(int(r_text), fm)] = segment
    validate_grid(grid)
    return grid


@dataclass(frozen=True)
class RfmResult:
    """Scores per person, the value range of each score, and the per-segment summary.

    - ``persons``: person_id, email, name, recency_days, frequency, orders, monetary (cents),
      r, f, m, fm, segment — sorted by person_id.
    - ``cutoffs``: dimension (recency_days / frequency / monetary), score 1..5, min, max
      (the smallest and largest value that has this score; null when nobody has it), persons.
    - ``segments``: one row per known segment in :data:`SEGMENTS` order: segment, persons,
      share (of the listed persons, float), revenue (sum of monetary, cents), orders (sales),
      aov (revenue / orders in whole cents, half away from zero; null without orders),
      avg_recency_days (float; null without persons).
    """

    as_of: date
    since: date | None
    persons: pl.DataFrame
    cutoffs: pl.DataFrame
    segments: pl.DataFrame


def _quintile(better: pl.Expr) -> pl.Expr:
    """1 + ⌊5 × (persons with a strictly lower ``better``) / n⌋ — ties share a score."""
    worse = better.rank("min").cast(pl.Int64) - 1
    return (worse * 5 // pl.len().cast(pl.Int64) + 1).cast(pl.Int64)


def _grid_frame(grid: Grid) -> pl.DataFrame:
    keys = sorted(grid)
    return pl.DataFrame(
        {
            "r": [r for r, _ in keys],
            "fm": [fm for _, fm in keys],
            "segment": [grid[k] for k in keys],
        },
        schema={"r": pl.Int64, "fm": pl.Int64, "segment": pl.String},
    )


def _person_stats(ds: Dataset, as_of: date, since: date | None) -> pl.DataFrame:
    day = german_day("ordered_at")
    window = pl.col("counted") & (day <= as_of) & pl.col("person_id").is_not_null()
    if since is not None:
        window = window & (day >= since)
    sale = pl.col("gross_cents") >= 0
    return (
        ds.orders.filter(window)
        .with_columns(day.alias("day"))
        .group_by("person_id")
        .agg(
            pl.col("day").filter(sale).max().alias("last_day"),
            pl.col("day").filter(sale).n_unique().cast(pl.Int64).alias("frequency"),
            sale.sum().cast(pl.Int64).alias("orders"),
            pl.col("value").sum().cast(pl.Int64).alias("monetary"),
        )
        .filter(pl.col("orders") > 0)
        .with_columns(
            (pl.lit(as_of) - pl.col("last_day"))
            .dt.total_days()
            .cast(pl.Int64)
            .alias("recency_days")
        )
    )


def _cutoffs(scored: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for dimension, score in zip(DIMENSIONS, ("r", "f", "m"), strict=True):
        ranges = scored.group_by(score).agg(
            pl.col(dimension).min().cast(pl.Int64).alias("min"),
            pl.col(dimension).max().cast(pl.Int64).alias("max"),
            pl.len().cast(pl.Int64).alias("persons"),
        )
        parts.append(
            pl.DataFrame({"score": list(SCORES)}, schema={"score": pl.Int64})
            .join(ranges.rename({score: "score"}), on="score", how="left")
            .with_columns(pl.lit(dimension).alias("dimension"), pl.col("persons").fill_null(0))
            .select("dimension", "score", "min", "max", "persons")
        )
    return pl.concat(parts)


def _segment_summary(persons: pl.DataFrame) -> pl.DataFrame:
    total = persons.height
    stats = persons.group_by("segment").agg(
        pl.len().cast(pl.Int64).alias("persons"),
        pl.col("monetary").sum().cast(pl.Int64).alias("revenue"),
        pl.col("orders").sum().cast(pl.Int64).alias("orders"),
        pl.col("recency_days").mean().alias("avg_recency_days"),
    )
    revenue, orders = pl.col("revenue"), pl.col("orders")
    # integer cents, half away from zero: no binary floats on money
    aov = (revenue.abs() * 2 + orders) // (orders * 2) * revenue.sign()
    return (
        pl.DataFrame({"segment": list(SEGMENTS)}, schema={"segment": pl.String})
        .join(stats, on="segment", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in ("persons", "revenue", "orders"))
        .with_columns(
            (pl.col("persons") / total if total else pl.lit(0.0)).alias("share"),
            pl.when(orders > 0).then(aov).otherwise(None).cast(pl.Int64).alias("aov"),
        )
        .select("segment", "persons", "share", "revenue", "orders", "aov", "avg_recency_days")
    )


def score(
    ds: Dataset,
    as_of: date,
    *,
    since: date | None = None,
    grid: Grid = DEFAULT_GRID,
    persons: pl.Series | None = None,
) -> RfmResult:
    """RFM scores and segments of every person with a scored sale up to ``as_of``.

    See the module docstring for the definitions. ``since`` restricts the scored orders to
    ``[since, as_of]`` (German calendar days, both inclusive); ``persons`` restricts the result
    (persons, segments summary) but not the ranking, so scores do not depend on the filter.
    """
    validate_grid(grid)
    if since is not None and since > as_of:
        raise ValueError(f"since ({since}) is after as_of ({as_of})")
    stats = _person_stats(ds, as_of, since)
    scored = (
        stats.with_columns(
            _quintile(-pl.col("recency_days")).alias("r"),
            _quintile(pl.col("frequency")).alias("f"),
            _quintile(pl.col("monetary")).alias("m"),
        )
        .with_columns(((pl.col("f") + pl.col("m") + 1) // 2).alias("fm"))
        .join(_grid_frame(grid), on=["r", "fm"], how="left")
    )
    cutoffs = _cutoffs(scored)
    if persons is not None:
        scored = scored.filter(pl.col("person_id").is_in(persons.cast(pl.Int64).implode()))
    people = ds.customers.select("person_id", "email", "name")
    listed = (
        scored.join(people, on="person_id", how="left")
        .select(
            "person_id",
            "email",
            "name",
            "recency_days",
            "frequency",
            "orders",
            "monetary",
            "r",
            "f",
            "m",
            "fm",
            "segment",
        )
        .sort("person_id")
    )
    return RfmResult(
        as_of=as_of,
        since=since,
        persons=listed,
        cutoffs=cutoffs,
        segments=_segment_summary(listed),
    )


def regroup(result: RfmResult, grid: Grid) -> RfmResult:
    """``result`` with every person's segment taken from ``grid`` instead.

    Scores never depend on the grid, so a cached result can be shown on the owner's grid
    without scoring again; the cut-offs stay, the segment summary is rebuilt.
    """
    validate_grid(grid)
    persons = (
        result.persons.drop("segment")
        .join(_grid_frame(grid), on=["r", "fm"], how="left")
        .select(result.persons.columns)
    )
    return RfmResult(
        as_of=result.as_of,
        since=result.since,
        persons=persons,
        cutoffs=result.cutoffs,
        segments=_segment_summary(persons),
    )


def cell_summary(persons: pl.DataFrame, grid: Grid = DEFAULT_GRID) -> pl.DataFrame:
    """The 25 cells of the R × FM grid: r, fm, segment, persons, revenue (sum of monetary,
    cents); empty cells included with zeros. ``persons`` is :attr:`RfmResult.persons`."""
    counts = persons.group_by("r", "fm").agg(
        pl.len().cast(pl.Int64).alias("persons"),
        pl.col("monetary").sum().cast(pl.Int64).alias("revenue"),
    )
    return (
        _grid_frame(grid)
        .join(counts, on=["r", "fm"], how="left")
        .with_columns(pl.col("persons").fill_null(0), pl.col("revenue").fill_null(0))
        .sort("r", "fm", descending=[True, False])
    )


def movement(
    ds: Dataset,
    from_date: date,
    to_date: date,
    *,
    grid: Grid = DEFAULT_GRID,
) -> pl.DataFrame:
    """Each person's segment as of ``from_date`` and as of ``to_date`` (all history up to each).

    Columns: person_id, segment_before, segment_after; a side is null when the person was not
    scored on that day (no sale yet). Persons scored on neither day are left out.
    """
    before = score(ds, from_date, grid=grid).persons.select(
        "person_id", pl.col("segment").alias("segment_before")
    )
    after = score(ds, to_date, grid=grid).persons.select(
        "person_id", pl.col("segment").alias("segment_after")
    )
    return (
        before.join(after, on="person_id", how="full", coalesce=True)
        .select("person_id", "segment_before", "segment_after")
        .sort("person_id")
    )


NOT_SCORED = "(not scored)"


def movement_counts(moves: pl.DataFrame) -> pl.DataFrame:
    """Long form: segment_before, segment_after, persons (null sides shown as NOT_SCORED)."""
    return (
        moves.with_columns(
            pl.col(c).fill_null(NOT_SCORED) for c in ("segment_before", "segment_after")
        )
        .group_by("segment_before", "segment_after")
        .agg(pl.len().cast(pl.Int64).alias("persons"))
        .sort("segment_before", "segment_after")
    )


def movement_crosstab(moves: pl.DataFrame) -> pl.DataFrame:
    """Persons per (segment before) × (segment after): one row per segment before, one count
    column per segment after, both in :data:`SEGMENTS` order, plus NOT_SCORED; zeros included.
    """
    labels = [*SEGMENTS, NOT_SCORED]
    counts = movement_counts(moves)
    grid = (
        pl.DataFrame({"segment_before": labels})
        .join(pl.DataFrame({"segment_after": labels}), how="cross")
        .join(counts, on=["segment_before", "segment_after"], how="left")
        .with_columns(pl.col("persons").fill_null(0))
    )
    wide = grid.pivot(on="segment_after", index="segment_before", values="persons")
    return wide.select("segment_before", *labels)


def moved(moves: pl.DataFrame, before: str | None, after: str | None) -> pl.Series:
    """Person ids that moved from segment ``before`` to ``after`` (None = not scored)."""
    condition = [
        pl.col(column).is_null() if segment is None else pl.col(column) == segment
        for column, segment in (("segment_before", before), ("segment_after", after))
    ]
    return moves.filter(*condition)["person_id"]
