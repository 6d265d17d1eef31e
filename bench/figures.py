"""The figures all three implementations compute, and the product's way of computing them.

A :class:`Figures` holds what the Übersicht, RFM and Kundenmatrix pages show for one set of
:class:`Params`: the KPIs of a range (also under a country + product filter), the number of
persons per RFM segment, the matrix column totals and the monthly new/returning/lost counts.
The pandas and DuckDB versions (:mod:`bench.with_pandas`, :mod:`bench.with_duckdb`) return the
same dataclass, so checking them against the product is one ``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from kundenwert.customers import INVOICES_COLUMN, TOTAL_COLUMN, Dataset, customer_matrix
from kundenwert.lifecycle import lifecycle
from kundenwert.metrics import kpis
from kundenwert.rfm import SEGMENTS
from kundenwert.rfm import score as rfm_score
from kundenwert.segments import (
    Facets,
    FilterContext,
    SegmentDefinition,
    build_context,
    persons_of,
)

KPI_NAMES = (
    "customers",
    "new_customers",
    "returning_customers",
    "lost_customers",
    "revenue",
    "orders",
    "refunds",
)
COUNTED = ("paid", "partially_refunded", "refunded", "chargeback")
FULLY_REFUNDED = ("refunded", "chargeback")
INVOICING_KINDS = ("sevdesk", "lexoffice")


@dataclass(frozen=True)
class Params:
    """What a person looks at: a range, a filter and the day things are judged on."""

    start: date = date(2025, 1, 1)
    end: date = date(2025, 12, 31)
    today: date = date(2026, 1, 1)
    inactivity_days: int = 365
    # the filter change: another range, one country, one product
    filter_start: date = date(2025, 4, 1)
    filter_end: date = date(2025, 9, 30)
    country: str = "AT"
    product: str = "Produkt 01"
    # the lifecycle chart: months of two years
    months_start: date = date(2024, 1, 1)
    months_end: date = date(2025, 12, 31)


@dataclass
class Figures:
    """kpis/filtered: name → value (KPI_NAMES); segments: RFM segment → persons (all
    segments, zeros included); matrix: column → total cents, plus ``persons``; months: one
    (first day, new, returning, lost, revenue) per month."""

    kpis: dict[str, int] = field(default_factory=dict)
    filtered: dict[str, int] = field(default_factory=dict)
    segments: dict[str, int] = field(default_factory=dict)
    matrix: dict[str, int] = field(default_factory=dict)
    months: list[tuple[date, int, int, int, int]] = field(default_factory=list)

    def differences(self, other: Figures) -> list[str]:
        """Human-readable list of every figure that differs (empty when they agree)."""
        found = []
        for name in ("kpis", "filtered", "segments", "matrix"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key in sorted(set(mine) | set(theirs)):
                if mine.get(key) != theirs.get(key):
                    found.append(f"{name}[{key}]: {mine.get(key)} != {theirs.get(key)}")
        for a, b in zip(self.months, other.months, strict=False):
            if a != b:
                found.append(f"months: {a} != {b}")
        if len(self.months) != len(other.months):
            found.append(f"months: {len(self.months)} != {len(other.months)} rows")
        return found


def product_kpis(ds: Dataset, p: Params) -> dict[str, int]:
    result = kpis(ds, p.start, p.end, p.inactivity_days, today=p.today)
    return {name: int(getattr(result, name)) for name in KPI_NAMES}


def product_filtered(ds: Dataset, p: Params, ctx: FilterContext | None = None) -> dict[str, int]:
    """KPIs of the filter range for persons of one country who bought one product.

    ``ctx`` is the filter context the app keeps per data version (built here without one).
    """
    ctx = ctx or build_context(ds, p.today)
    facets = Facets(countries=[p.country], products=[p.product])
    persons = persons_of(ctx, [SegmentDefinition(facets=facets)])
    result = kpis(
        ds, p.filter_start, p.filter_end, p.inactivity_days, persons=persons, today=p.today
    )
    return {name: int(getattr(result, name)) for name in KPI_NAMES}


def product_segments(ds: Dataset, p: Params) -> dict[str, int]:
    segments = rfm_score(ds, p.end).segments
    counts = dict(zip(segments["segment"], segments["persons"], strict=True))
    return {s: int(counts.get(s, 0)) for s in SEGMENTS}


def matrix_totals(matrix: pl.DataFrame) -> dict[str, int]:
    skip = ("person_id", "name", "email")
    totals = {c: int(matrix[c].sum()) for c in matrix.columns if c not in skip}
    return {**totals, "persons": matrix.height}


def product_matrix(ds: Dataset) -> dict[str, int]:
    return matrix_totals(customer_matrix(ds))


def product_months(ds: Dataset, p: Params) -> list[tuple[date, int, int, int, int]]:
    frame = lifecycle(ds, p.months_start, p.months_end, "month", p.inactivity_days, today=p.today)
    return [
        (row[0], int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in frame.select(
            "period", "new_customers", "returning_customers", "lost_customers", "revenue"
        ).iter_rows()
    ]


def product_figures(ds: Dataset, p: Params) -> Figures:
    return Figures(
        kpis=product_kpis(ds, p),
        filtered=product_filtered(ds, p),
        segments=product_segments(ds, p),
        matrix=product_matrix(ds),
        months=product_months(ds, p),
    )


MATRIX_EXTRA = (INVOICES_COLUMN, TOTAL_COLUMN)
