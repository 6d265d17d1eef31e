"""The benchmark figures in pandas, written the way a data analyst usually would.

``pd.read_sql`` over a ``sqlite3`` connection, ``merge``/``groupby``/``isin``, German days via
``tz_convert``. It implements the definitions of DESIGN.md for the data the generator makes:
EUR only, no payment-id duplicates, no chargebacks or credit notes, every source counted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from bench.figures import COUNTED, FULLY_REFUNDED, INVOICING_KINDS, Figures, Params
from kundenwert.rfm import DEFAULT_GRID, SEGMENTS


@dataclass
class Tables:
    """Per-order values (one row per order with person, German day, value) and persons."""

    orders: pd.DataFrame
    persons: pd.DataFrame  # person_id, country, first_day, value
    items: pd.DataFrame  # order_id, product_name
    sources: pd.DataFrame  # id, label, kind


def load(path: str) -> Tables:
    """Database → per-order values and per-person aggregates (the pandas cold start)."""
    with sqlite3.connect(path) as con:
        orders = pd.read_sql(
            "SELECT id AS order_id, source_id, contact_id, ordered_at, gross_cents, status, kind "
            "FROM orders",
            con,
            parse_dates=["ordered_at"],
        )
        contacts = pd.read_sql("SELECT id, person_id, country FROM contact ORDER BY id", con)
        refunds = pd.read_sql("SELECT order_id, amount_cents, reason FROM refund", con)
        items = pd.read_sql("SELECT order_id, product_name FROM order_item", con)
        sources = pd.read_sql("SELECT id, label, kind FROM source", con)
    orders = orders.merge(
        contacts[["id", "person_id"]].rename(columns={"id": "contact_id"}), on="contact_id"
    )
    refund_sum = refunds[refunds.reason != "chargeback"].groupby("order_id").amount_cents.sum()
    orders["refund_sum"] = orders.order_id.map(refund_sum).fillna(0).astype("int64")
    orders["counted"] = orders.status.isin(COUNTED)
    refunded = np.where(
        orders.status.isin(FULLY_REFUNDED),
        orders.gross_cents,
        np.minimum(orders.refund_sum, orders.gross_cents),
    )
    orders["refunded"] = np.where(orders.counted, refunded, 0)
    orders["value"] = np.where(orders.counted, orders.gross_cents - refunded, 0)
    orders["day"] = (
        orders.ordered_at.dt.tz_localize("UTC")
        .dt.tz_convert("Europe/Berlin")
        .dt.tz_localize(None)
        .dt.normalize()
    )
    orders["sale"] = orders.counted & (orders.gross_cents >= 0)
    # a person's attributes come from their newest contact that has the field
    country = contacts.dropna(subset=["country"]).groupby("person_id").country.last()
    sales = orders[orders.sale]
    persons = pd.DataFrame(
        {
            "country": country,
            "first_day": sales.groupby("person_id").day.min(),
            "value": orders[orders.counted].groupby("person_id").value.sum(),
        }
    ).rename_axis("person_id")
    return Tables(orders=orders, persons=persons, items=items, sources=sources)


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def lost_days(orders: pd.DataFrame, p: Params) -> pd.DataFrame:
    """person_id, lost_day: the day each gap after an order day reached the window."""
    days = orders.loc[orders.sale, ["person_id", "day"]].drop_duplicates()
    days = days.sort_values(["person_id", "day"])
    following = days.groupby("person_id").day.shift(-1)
    lost = days.day + pd.Timedelta(days=p.inactivity_days)
    days = days.assign(lost_day=lost)
    keep = (following.isna() | (following > lost)) & (lost <= _ts(p.today))
    return days.loc[keep, ["person_id", "lost_day"]]


def kpis(orders: pd.DataFrame, start: date, end: date, p: Params) -> dict[str, int]:
    lo, hi = _ts(start), _ts(end)
    sales = orders[orders.sale]
    in_range = sales[(sales.day >= lo) & (sales.day <= hi)]
    first = sales.groupby("person_id").day.min()
    earlier = set(sales.loc[sales.day < lo, "person_id"])
    buyers = in_range.person_id.drop_duplicates()
    lost = lost_days(orders, p)
    counted = orders[orders.counted & (orders.day >= lo) & (orders.day <= hi)]
    return {
        "customers": int(buyers.size),
        "new_customers": int(((first >= lo) & (first <= hi)).sum()),
        "returning_customers": int(buyers.isin(earlier).sum()),
        "lost_customers": int(
            lost.loc[(lost.lost_day >= lo) & (lost.lost_day <= hi), "person_id"].nunique()
        ),
        "revenue": int(counted.value.sum()),
        "orders": len(in_range),
        "refunds": int(counted.refunded.sum()),
    }


def filtered_kpis(t: Tables, p: Params) -> dict[str, int]:
    """KPIs of the filter range for persons of one country who bought one product."""
    buyers = t.orders.loc[t.orders.sale, ["order_id", "person_id"]].merge(
        t.items[t.items.product_name == p.product], on="order_id"
    )
    people = t.persons[t.persons.country.str.upper() == p.country].index
    wanted = set(buyers.person_id) & set(people)
    subset = t.orders[t.orders.person_id.isin(wanted)]
    return kpis(subset, p.filter_start, p.filter_end, p)


def _quintile(values: pd.Series) -> pd.Series:
    worse = values.rank(method="min").astype("int64") - 1
    return worse * 5 // len(values) + 1


def segments(t: Tables, p: Params) -> dict[str, int]:
    scored = t.orders[t.orders.counted & (t.orders.day <= _ts(p.end))]
    sales = scored[scored.sale]
    stats = pd.DataFrame(
        {
            "last_day": sales.groupby("person_id").day.max(),
            "frequency": sales.groupby("person_id").day.nunique(),
            "monetary": scored.groupby("person_id").value.sum(),
        }
    ).dropna(subset=["last_day"])
    recency = (_ts(p.end) - stats.last_day).dt.days
    r = _quintile(-recency)
    fm = (_quintile(stats.frequency) + _quintile(stats.monetary) + 1) // 2
    segment = pd.Series([DEFAULT_GRID[(a, b)] for a, b in zip(r, fm, strict=True)])
    counts = segment.value_counts()
    return {s: int(counts.get(s, 0)) for s in SEGMENTS}


def matrix(t: Tables) -> dict[str, int]:
    counted = t.orders[t.orders.counted].merge(
        t.sources.rename(columns={"id": "source_id", "kind": "source_kind"}), on="source_id"
    )
    wide = counted.pivot_table(
        index="person_id", columns="label", values="value", aggfunc="sum", fill_value=0
    )
    totals = {label: int(wide[label].sum()) if label in wide else 0 for label in t.sources.label}
    invoices = counted[counted.source_kind.isin(INVOICING_KINDS)]
    totals["from_invoices"] = int(invoices.value.sum())
    totals["total"] = int(counted.value.sum())
    totals["persons"] = len(wide)
    return totals


def months(t: Tables, p: Params) -> list[tuple[date, int, int, int, int]]:
    lo, hi = _ts(p.months_start), _ts(p.months_end)

    def period(days: pd.Series) -> pd.Series:
        return days.dt.to_period("M").dt.to_timestamp().clip(lower=lo)

    orders = t.orders
    in_range = orders[orders.sale & (orders.day >= lo) & (orders.day <= hi)]
    visits = in_range.assign(period=period(in_range.day))[["person_id", "period"]]
    visits = visits.drop_duplicates().merge(
        t.persons[["first_day"]], left_on="person_id", right_index=True
    )
    visits["new"] = visits.first_day >= visits.period
    new = visits[visits.new].groupby("period").size()
    returning = visits[~visits.new].groupby("period").size()
    lost = lost_days(orders, p)
    lost = lost[(lost.lost_day >= lo) & (lost.lost_day <= hi)]
    lost = lost.assign(period=period(lost.lost_day)).groupby("period").person_id.nunique()
    counted = orders[orders.counted & (orders.day >= lo) & (orders.day <= hi)]
    revenue = counted.assign(period=period(counted.day)).groupby("period").value.sum()
    grid = sorted({max(m, lo) for m in pd.date_range(lo.replace(day=1), hi, freq="MS")})
    return [
        (
            month.date(),
            int(new.get(month, 0)),
            int(returning.get(month, 0)),
            int(lost.get(month, 0)),
            int(revenue.get(month, 0)),
        )
        for month in grid
    ]


def figures(t: Tables, p: Params) -> Figures:
    return Figures(
        kpis=kpis(t.orders, p.start, p.end, p),
        filtered=filtered_kpis(t, p),
        segments=segments(t, p),
        matrix=matrix(t),
        months=months(t, p),
    )
