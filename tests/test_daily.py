"""Per person and day precomputations: the figures built on them, their cache and restriction."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kundenwert import daily
from kundenwert.customers import Dataset
from kundenwert.lifecycle import cohorts, lifecycle
from kundenwert.metrics import german_day, kpis
from kundenwert.segments import restrict
from tests.factories import order, refund
from tests.test_metrics import LATER, MARCH, person, shop

D = date.fromisoformat
SPRING = (D("2025-03-01"), D("2025-05-31"))


def test_one_row_per_person_and_day_with_neighbouring_sale_days(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-03-03"),
        order("2", "a", 500, "2025-03-03", kind="subscription"),
        order("3", "a", -200, "2025-03-10"),  # a credit note: money, but no sale
        order("4", "a", 700, "2025-03-20", kind="trial"),
    ]
    ds = shop(tmp_path, orders)
    rows = daily.person_days(ds).select(
        "day", "orders", "recurring", "trials", "amount", "deducted", "prev_sale", "next_sale"
    )
    assert rows.rows() == [
        (D("2025-03-03"), 2, 1, 0, 1500, 0, None, D("2025-03-20")),
        (D("2025-03-10"), 0, 0, 0, 0, 200, D("2025-03-03"), D("2025-03-20")),
        (D("2025-03-20"), 1, 0, 1, 700, 0, D("2025-03-03"), None),
    ]
    assert daily.person_days(ds)["first_day"].unique().to_list() == [D("2025-03-03")]


def test_neighbouring_sale_days_stay_within_a_person(tmp_path):
    orders = [order("1", "a", 1000, "2025-03-03"), order("2", "b", 1000, "2025-03-05")]
    rows = daily.person_days_by_person(shop(tmp_path, orders))
    assert rows["prev_sale"].to_list() == [None, None]
    assert rows["next_sale"].to_list() == [None, None]


def test_the_precomputation_is_made_once_per_dataset(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2025-03-03")])
    kpis(ds, *MARCH)
    first = daily.person_days(ds)
    lifecycle(ds, *SPRING)
    assert daily.person_days(ds) is first


def test_a_replaced_dataset_starts_without_precomputations(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2025-03-03"), order("2", "b", 500, "2025-03-04")])
    assert kpis(ds, *MARCH).revenue == 1500
    fewer = dataclasses.replace(ds, orders=ds.orders.filter(pl.col("order_id") == 1))
    assert kpis(fewer, *MARCH).revenue == 1000


def test_restricting_narrows_what_was_already_computed(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-02-03"),
        order("2", "a", 800, "2025-03-03"),
        order("3", "b", 500, "2025-03-04", status="refunded"),
        order("4", "c", 300, "2025-03-05"),
    ]
    ds = shop(tmp_path, orders)
    kpis(ds, *MARCH, today=LATER)  # fills the cache of the whole dataset
    kpis(ds, *MARCH, refunds_on_refund_date=True, today=LATER)
    wanted = pl.Series([person(ds, "a"), person(ds, "b")])
    narrowed = restrict(ds, wanted)
    fresh = dataclasses.replace(narrowed)  # the same persons, computed from scratch
    for on_refund_date in (False, True):
        assert kpis(narrowed, *MARCH, refunds_on_refund_date=on_refund_date, today=LATER) == kpis(
            fresh, *MARCH, refunds_on_refund_date=on_refund_date, today=LATER
        )
    assert daily.person_days(narrowed)["person_id"].unique().sort().to_list() == sorted(wanted)
    k = kpis(narrowed, *MARCH, today=LATER)
    assert (k.customers, k.returning_customers, k.revenue, k.refunded_customers) == (2, 1, 800, 1)


def test_a_refund_alone_in_a_period_is_revenue_but_makes_no_customer(tmp_path):
    partly = order(
        "1",
        "a",
        10000,
        "2025-03-03",
        status="partially_refunded",
        refunds=[refund("r1", 2500, "2025-04-02")],
    )
    frame = lifecycle(shop(tmp_path, [partly]), *SPRING, refunds_on_refund_date=True)
    assert frame["revenue"].to_list() == [10000, -2500, 0]
    assert frame["revenue_new"].to_list() == [10000, 0, 0]
    assert frame["revenue_returning"].to_list() == [0, 0, 0]
    assert frame["returning_customers"].to_list() == [0, 0, 0]


def test_a_refund_before_a_later_order_in_the_period_counts_for_that_customer(tmp_path):
    partly = order(
        "1",
        "a",
        10000,
        "2025-03-03",
        status="partially_refunded",
        refunds=[refund("r1", 2500, "2025-04-02")],
    )
    again = order("2", "a", 4000, "2025-04-20")
    frame = lifecycle(shop(tmp_path, [partly, again]), *SPRING, refunds_on_refund_date=True)
    assert frame["returning_customers"].to_list() == [0, 1, 0]
    assert frame["revenue_returning"].to_list() == [0, 1500, 0]


def test_a_credit_note_before_the_first_order_of_the_period_is_new_revenue(tmp_path):
    orders = [order("1", "a", -300, "2025-03-02"), order("2", "a", 1000, "2025-03-20")]
    frame = lifecycle(shop(tmp_path, orders), *SPRING)
    assert frame["new_customers"].to_list() == [1, 0, 0]
    assert frame["revenue_new"].to_list() == [700, 0, 0]


def test_two_orders_in_a_month_make_one_active_cohort_member(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-03-03"),
        order("2", "a", 1000, "2025-04-03"),
        order("3", "a", 1000, "2025-04-23"),
    ]
    frame = cohorts(shop(tmp_path, orders), D("2025-03-01"), D("2025-04-30"))
    assert frame["value"].to_list() == [1, 1]
    revenue = cohorts(shop(tmp_path / "r", orders), D("2025-03-01"), D("2025-04-30"), "revenue")
    assert revenue["value"].to_list() == [1000, 2000]


def test_ranges_are_slices_of_the_sorted_frame():
    frame = pl.DataFrame({"day": [D("2025-03-01"), D("2025-03-03"), D("2025-03-03")]})
    assert daily.between(frame, "day", D("2025-03-02"), D("2025-03-03")).height == 2
    assert daily.between(frame, "day", D("2025-03-04"), D("2025-03-02")).height == 0


KINDS = ["one_time", "subscription", "installment", "trial", "invoice"]
STATUSES = ["paid", "paid", "refunded", "partially_refunded", "chargeback", "cancelled"]
random_order = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),
    st.integers(min_value=-3_000, max_value=20_000),  # below zero: a credit note
    st.integers(min_value=0, max_value=120),  # day of 2025
    st.sampled_from(KINDS),
    st.sampled_from(STATUSES),
    st.one_of(st.none(), st.tuples(st.integers(0, 20_000), st.integers(0, 120))),  # refund
)


def _random_shop(tmp_path: Path, drawn: list[tuple]) -> Dataset:
    first = D("2025-01-01")
    orders = [
        order(
            f"o{n}",
            cid,
            gross,
            (first + timedelta(days=day)).isoformat(),
            kind=kind,
            status=status,
            refunds=[refund(f"r{n}", back[0], (first + timedelta(days=back[1])).isoformat())]
            if back
            else [],
        )
        for n, (cid, gross, day, kind, status, back) in enumerate(drawn)
    ]
    return shop(tmp_path, orders)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(random_order, min_size=1, max_size=14), st.booleans())
def test_every_month_of_the_lifecycle_equals_the_kpis_of_that_month(
    tmp_path_factory, drawn, on_refund_date
):
    ds = _random_shop(tmp_path_factory.mktemp("db"), drawn)
    frame = lifecycle(
        ds, D("2025-01-10"), D("2025-04-30"), "month", 30, refunds_on_refund_date=on_refund_date
    )
    ends = [*(day - timedelta(days=1) for day in frame["period"][1:]), D("2025-04-30")]
    for row, end in zip(frame.iter_rows(named=True), ends, strict=True):
        k = kpis(ds, row["period"], end, 30, refunds_on_refund_date=on_refund_date, today=LATER)
        assert row["new_customers"] == k.new_customers
        assert row["returning_customers"] == k.returning_customers
        assert row["lost_customers"] == k.lost_customers
        assert row["revenue"] == k.revenue
        assert k.customers == k.new_customers + k.returning_customers


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(random_order, min_size=1, max_size=14))
def test_kpis_count_what_the_orders_say(tmp_path_factory, drawn):
    ds = _random_shop(tmp_path_factory.mktemp("db"), drawn)
    start, end = D("2025-02-01"), D("2025-03-15")
    sales = ds.orders.filter(pl.col("counted") & (pl.col("gross_cents") >= 0)).with_columns(
        german_day("ordered_at").alias("day")
    )
    counted = ds.orders.filter(pl.col("counted")).with_columns(
        german_day("ordered_at").alias("day")
    )
    in_range = sales.filter(pl.col("day").is_between(start, end))
    buyers = set(in_range["person_id"])
    before = set(sales.filter(pl.col("day") < start)["person_id"])
    lines = counted.filter(pl.col("day").is_between(start, end))
    k = kpis(ds, start, end)
    assert k.customers == len(buyers)
    assert k.returning_customers == len(buyers & before)
    assert k.orders == in_range.height
    assert k.revenue == int(lines["value"].sum())
    recurring = in_range.filter(pl.col("kind").is_in(["subscription", "installment"]))
    assert k.purchase_types["recurring"] == recurring["person_id"].n_unique()
