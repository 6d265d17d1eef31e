"""KPI figures of a range: every definition of DESIGN.md "Metric definitions" on tiny data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from kundenwert.customers import Dataset
from kundenwert.metrics import kpis, pct_change, previous_period
from kundenwert.records import OrderRecord
from tests.factories import contact, dataset, new_db, order, put, refund

D = date.fromisoformat
MARCH = (D("2025-03-01"), D("2025-03-31"))
LATER = D("2026-12-31")  # "today" for tests of lost customers


def shop(
    tmp_path: Path, orders: list[OrderRecord], extra_contacts: tuple[str, ...] = ()
) -> Dataset:
    """One shop; contact ``x`` has the e-mail ``x@x.de``."""
    engine, url = new_db(tmp_path)
    cids = sorted({o.source_contact_id for o in orders} | set(extra_contacts))
    put(engine, "Shop", [contact(c, f"{c}@x.de") for c in cids], orders)
    return dataset(url)


def person(ds: Dataset, cid: str) -> int:
    return int(ds.customers.filter(pl.col("email") == f"{cid}@x.de")["person_id"][0])


def test_buying_twice_in_the_range_is_new_not_returning(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2025-03-03"), order("2", "a", 500, "2025-03-20")])
    k = kpis(ds, *MARCH)
    assert (k.customers, k.new_customers, k.returning_customers, k.orders) == (1, 1, 0, 2)


def test_returning_needs_an_order_before_the_range(tmp_path):
    ds = shop(tmp_path, [order("1", "b", 1000, "2025-02-15"), order("2", "b", 500, "2025-03-05")])
    march = kpis(ds, *MARCH)
    assert (march.customers, march.new_customers, march.returning_customers) == (1, 0, 1)
    since_february = kpis(ds, D("2025-02-15"), D("2025-03-31"))
    assert (since_february.new_customers, since_february.returning_customers) == (1, 0)


@pytest.mark.parametrize(
    ("start", "end", "lost"),
    [
        ("2025-03-01", "2025-03-31", 1),  # L + 365 days = 2025-03-01, the range's first day
        ("2025-02-01", "2025-03-01", 1),  # … and its last day
        ("2025-03-02", "2025-03-31", 0),  # one day after
        ("2025-02-01", "2025-02-28", 0),  # one day before
    ],
)
def test_lost_when_last_order_plus_window_is_in_the_range(tmp_path, start, end, lost):
    ds = shop(tmp_path, [order("1", "c", 1000, "2024-03-01")])
    assert kpis(ds, D(start), D(end), 365, today=LATER).lost_customers == lost


def test_an_order_within_the_window_prevents_lost_but_a_later_one_does_not(tmp_path):
    orders = [
        order("1", "c", 1000, "2024-03-01"),
        order("2", "c", 1000, "2025-03-01"),  # on L + 365: still active
        order("3", "d", 1000, "2024-03-01"),
        order("4", "d", 1000, "2025-03-02"),  # came back a day too late: lost on 2025-03-01
    ]
    ds = shop(tmp_path, orders)
    k = kpis(ds, D("2025-03-01"), D("2025-03-01"), 365, today=LATER)
    assert k.lost_customers == 1


def test_nobody_is_lost_after_today(tmp_path):
    ds = shop(tmp_path, [order("1", "c", 1000, "2024-03-01")])
    assert kpis(ds, *MARCH, today=D("2025-02-28")).lost_customers == 0
    assert kpis(ds, *MARCH, today=D("2025-03-01")).lost_customers == 1


def test_inactivity_window_is_a_parameter(tmp_path):
    ds = shop(tmp_path, [order("1", "c", 1000, "2025-01-30")])
    assert kpis(ds, *MARCH, inactivity_days=30, today=LATER).lost_customers == 1
    assert kpis(ds, *MARCH, inactivity_days=60, today=LATER).lost_customers == 1  # 31 March
    assert kpis(ds, *MARCH, inactivity_days=61, today=LATER).lost_customers == 0


def test_a_range_includes_both_days_in_german_time(tmp_path):
    late_winter = order("1", "a", 1000)
    late_winter.ordered_at = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)  # 1 Feb 00:30 in Berlin
    late_summer = order("2", "b", 2000)
    late_summer.ordered_at = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)  # 1 Jul 00:30 in Berlin
    last_day = order("3", "c", 4000, "2025-02-28")
    ds = shop(tmp_path, [late_winter, late_summer, last_day])
    assert kpis(ds, D("2025-01-01"), D("2025-01-31")).customers == 0
    february = kpis(ds, D("2025-02-01"), D("2025-02-28"))
    assert (february.customers, february.revenue) == (2, 5000)
    assert kpis(ds, D("2025-07-01"), D("2025-07-01")).revenue == 2000


def test_previous_period_has_equal_length_right_before():
    assert previous_period(D("2025-03-10"), D("2025-03-19")) == (D("2025-02-28"), D("2025-03-09"))
    assert previous_period(D("2025-03-01"), D("2025-03-31")) == (D("2025-01-29"), D("2025-02-28"))
    assert previous_period(D("2025-03-05"), D("2025-03-05")) == (D("2025-03-04"), D("2025-03-04"))


def test_previous_period_figures(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-02-28"),  # previous period of 10-19 March
        order("2", "b", 3000, "2025-03-09"),  # previous period
        order("3", "b", 5000, "2025-03-10"),  # range
        order("4", "c", 7000, "2025-02-27"),  # before both
    ]
    k = kpis(shop(tmp_path, orders), D("2025-03-10"), D("2025-03-19"))
    assert (k.previous.start, k.previous.end) == (D("2025-02-28"), D("2025-03-09"))
    assert (k.previous.customers, k.previous.revenue, k.previous.new_customers) == (2, 4000, 2)
    assert (k.customers, k.revenue, k.returning_customers) == (1, 5000, 1)
    assert k.change("revenue") == 0.25


def test_cancelled_pending_and_failed_orders_make_no_customer(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-03-03", status="cancelled"),
        order("2", "b", 1000, "2025-03-03", status="pending"),
        order("3", "c", 1000, "2025-03-03", status="failed"),
    ]
    k = kpis(shop(tmp_path, orders), *MARCH)
    assert (k.customers, k.new_customers, k.orders, k.revenue) == (0, 0, 0, 0)


def test_a_later_paid_order_is_the_first_when_the_earlier_was_cancelled(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-02-03", status="cancelled"),
        order("2", "a", 1000, "2025-03-03"),
    ]
    k = kpis(shop(tmp_path, orders), *MARCH)
    assert (k.new_customers, k.returning_customers) == (1, 0)


def test_refunds_reduce_revenue_and_count_refunded_customers(tmp_path):
    partly = order(
        "1", "a", 10000, "2025-03-03", status="partially_refunded", refunds=[refund("r1", 2500)]
    )
    ds = shop(tmp_path, [partly, order("2", "b", 5000, "2025-03-04")])
    k = kpis(ds, *MARCH)
    assert (k.revenue, k.refunds, k.refunded_customers) == (12500, 2500, 1)
    assert k.refund_rate == pytest.approx(2500 / 15000)
    assert (k.orders, k.customers) == (2, 2)


def test_refunds_on_the_refund_date(tmp_path):
    partly = order(
        "1",
        "a",
        10000,
        "2025-03-03",
        status="partially_refunded",
        refunds=[refund("r1", 2500, "2025-04-02")],
    )
    ds = shop(tmp_path, [partly])
    march = kpis(ds, *MARCH, refunds_on_refund_date=True)
    assert (march.revenue, march.refunds, march.refunded_customers) == (10000, 0, 0)
    april = kpis(ds, D("2025-04-01"), D("2025-04-30"), refunds_on_refund_date=True)
    assert (april.revenue, april.refunds, april.refunded_customers) == (-2500, 2500, 1)
    assert (april.customers, april.orders) == (0, 0)
    assert kpis(ds, *MARCH).revenue == 7500  # default: on the order's date


def test_refund_date_split_adds_up_to_the_order_deduction(tmp_path):
    refunds = [refund("r1", 1000, "2025-03-10"), refund("r2", 1000, "2025-04-10")]
    o = order("1", "a", 3000, "2025-03-03", status="refunded", refunds=refunds)  # fully: 3000
    ds = shop(tmp_path, [o])
    march = kpis(ds, *MARCH, refunds_on_refund_date=True)
    april = kpis(ds, D("2025-04-01"), D("2025-04-30"), refunds_on_refund_date=True)
    assert (march.refunds, april.refunds) == (1500, 1500)
    assert march.revenue + april.revenue == 0


def test_credit_note_is_a_refund_not_an_order(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-02-03"), order("2", "a", -2000, "2025-03-05")])
    k = kpis(ds, *MARCH)
    assert (k.customers, k.orders, k.revenue, k.refunds) == (0, 0, -2000, 2000)


def test_top_20_percent_of_seven_customers_are_two(tmp_path):
    orders = [order(str(i), f"p{i}", i * 100, "2025-03-03") for i in range(1, 8)]
    k = kpis(shop(tmp_path, orders), *MARCH)
    assert (k.customers, k.top20_customers) == (7, 2)
    assert k.top20_revenue_share == pytest.approx((700 + 600) / 2800)


def test_average_order_value_and_per_customer_figures(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-03-03"),
        order("2", "a", 2000, "2025-03-04"),
        order("3", "b", 4000, "2025-03-05"),
    ]
    k = kpis(shop(tmp_path, orders), *MARCH)
    assert k.aov == 2333  # 7000 / 3 = 2333.33
    assert k.revenue_per_customer == 3500
    assert k.orders_per_customer == 1.5
    assert k.acquired_per_day == pytest.approx(2 / 31)


def test_aov_rounds_half_up(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1001, "2025-03-03"), order("2", "a", 2000, "2025-03-04")])
    assert kpis(ds, *MARCH).aov == 1501  # 1500.5


def test_purchase_types(tmp_path):
    orders = [
        order("1", "trial", 0, "2025-03-03", kind="trial"),
        order("2", "once", 1000, "2025-03-03"),
        order("3", "once", 1000, "2025-03-04", kind="invoice"),
        order("4", "sub", 0, "2025-03-03", kind="trial"),
        order("5", "sub", 2900, "2025-03-10", kind="subscription"),
        order("6", "rate", 5000, "2025-03-03", kind="installment"),
        order("7", "earlier_sub", 2900, "2025-02-03", kind="subscription"),
        order("8", "earlier_sub", 1000, "2025-03-03"),  # one-time in the range
    ]
    k = kpis(shop(tmp_path, orders), *MARCH)
    assert k.purchase_types == {"trial_only": 1, "one_time": 2, "recurring": 2}
    assert sum(k.purchase_types.values()) == k.customers


def test_empty_range_gives_zeros(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2025-03-03")])
    k = kpis(ds, D("2030-01-01"), D("2030-01-31"), today=LATER)
    assert (k.customers, k.revenue, k.orders, k.aov, k.revenue_per_customer) == (0, 0, 0, 0, 0)
    assert (k.orders_per_customer, k.top20_revenue_share, k.refund_rate) == (0.0, 0.0, 0.0)
    assert (k.top20_customers, k.refunds, k.lost_customers) == (0, 0, 0)
    assert k.purchase_types == {"trial_only": 0, "one_time": 0, "recurring": 0}
    assert k.change("revenue") is None


def test_no_data_at_all_gives_zeros(tmp_path):
    k = kpis(shop(tmp_path, []), *MARCH)
    assert (k.customers, k.revenue, k.avg_ltv, k.aov) == (0, 0, 0, 0)


def test_average_ltv_is_all_time_value_over_all_persons(tmp_path):
    orders = [
        order("1", "a", 1000, "2020-01-01"),
        order("2", "a", 2000, "2025-03-03"),
        order("3", "b", 500, "2025-03-03", status="cancelled"),
    ]
    k = kpis(shop(tmp_path, orders, extra_contacts=("c",)), *MARCH)
    assert k.avg_ltv == 1000  # 3000 / 3 persons
    assert k.previous.avg_ltv == 1000


def test_restricted_to_a_set_of_persons(tmp_path):
    orders = [order("1", "a", 1000, "2025-03-03"), order("2", "b", 4000, "2025-03-04")]
    ds = shop(tmp_path, orders)
    k = kpis(ds, *MARCH, persons=pl.Series([person(ds, "b")]))
    assert (k.customers, k.revenue, k.avg_ltv) == (1, 4000, 4000)


def test_start_after_end_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="nach dem Ende"):
        kpis(shop(tmp_path, []), D("2025-03-02"), D("2025-03-01"))


@pytest.mark.parametrize(
    ("current", "previous", "change"),
    [(150, 100, 0.5), (50, 100, -0.5), (100, 0, None), (0, 0, None), (-50, -100, 0.5)],
)
def test_pct_change(current, previous, change):
    assert pct_change(current, previous) == change
