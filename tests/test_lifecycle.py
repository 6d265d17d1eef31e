"""New, returning, lost and revenue per period; cohorts."""

from __future__ import annotations

from datetime import date

import pytest

from kundenwert.lifecycle import cohorts, lifecycle
from kundenwert.metrics import kpis
from tests.factories import order, refund
from tests.test_metrics import LATER, shop

D = date.fromisoformat


def test_weeks_start_on_monday_and_are_clipped_to_the_range(tmp_path):
    ds = shop(tmp_path, [])
    frame = lifecycle(ds, D("2025-03-05"), D("2025-03-20"), "week")  # Wednesday … Thursday
    assert frame["period"].to_list() == [D("2025-03-05"), D("2025-03-10"), D("2025-03-17")]
    assert frame["new_customers"].to_list() == [0, 0, 0]


def test_months_are_calendar_months_with_zeros(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2025-03-03")])
    frame = lifecycle(ds, D("2025-01-15"), D("2025-04-10"), "month")
    assert frame["period"].to_list() == [
        D("2025-01-15"),
        D("2025-02-01"),
        D("2025-03-01"),
        D("2025-04-01"),
    ]
    assert frame["revenue"].to_list() == [0, 0, 1000, 0]
    assert frame["new_customers"].to_list() == [0, 0, 1, 0]


def test_days(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2025-03-02")])
    frame = lifecycle(ds, D("2025-03-01"), D("2025-03-03"), "day")
    assert frame["period"].to_list() == [D("2025-03-01"), D("2025-03-02"), D("2025-03-03")]
    assert frame["new_customers"].to_list() == [0, 1, 0]


def test_new_in_one_week_returning_in_the_next(tmp_path):
    orders = [order("1", "a", 1000, "2025-03-04"), order("2", "a", 3000, "2025-03-11")]
    frame = lifecycle(shop(tmp_path, orders), D("2025-03-03"), D("2025-03-16"), "week")
    assert frame["new_customers"].to_list() == [1, 0]
    assert frame["returning_customers"].to_list() == [0, 1]
    assert frame["revenue_new"].to_list() == [1000, 0]
    assert frame["revenue_returning"].to_list() == [0, 3000]


def test_lost_in_the_period_of_last_order_plus_window(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 1000, "2024-03-01")])
    frame = lifecycle(ds, D("2025-01-01"), D("2025-04-30"), "month", 365, today=LATER)
    assert frame["lost_customers"].to_list() == [0, 0, 1, 0]


@pytest.mark.parametrize("freq", ["day", "week", "month"])
@pytest.mark.parametrize("on_refund_date", [False, True])
def test_sums_over_periods_equal_the_range_figures(tmp_path, freq, on_refund_date):
    orders = [
        order("1", "a", 1000, "2024-12-30"),
        order("2", "a", 2000, "2025-01-20"),
        order(
            "3",
            "b",
            5000,
            "2025-02-03",
            status="partially_refunded",
            refunds=[refund("r", 700, "2025-03-05")],
        ),
        order("4", "b", 4000, "2025-03-17", kind="subscription"),
        order("5", "c", 999, "2025-03-31", status="refunded"),
        order("6", "d", 1500, "2025-04-01"),
        order("7", "e", -300, "2025-02-11"),
    ]
    ds = shop(tmp_path, orders)
    start, end = D("2025-01-01"), D("2025-03-31")
    frame = lifecycle(ds, start, end, freq, refunds_on_refund_date=on_refund_date)
    k = kpis(ds, start, end, refunds_on_refund_date=on_refund_date)
    assert frame["new_customers"].sum() == k.new_customers == 2
    assert frame["revenue"].sum() == k.revenue


def test_start_after_end_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        lifecycle(shop(tmp_path, []), D("2025-03-02"), D("2025-03-01"), "day")


def test_cohorts_count_active_persons_per_month_since_first_order(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-01-05"),
        order("2", "a", 2000, "2025-03-05"),
        order("3", "b", 3000, "2025-01-20"),
        order("4", "c", 4000, "2025-02-10"),
        order("5", "c", 500, "2025-02-20"),
    ]
    ds = shop(tmp_path, orders)
    frame = cohorts(ds, D("2025-01-01"), D("2025-03-31"))
    rows = [
        (r["cohort"], r["months_since"], r["cohort_size"], r["value"])
        for r in frame.iter_rows(named=True)
    ]
    assert rows == [
        (D("2025-01-01"), 0, 2, 2),
        (D("2025-01-01"), 1, 2, 0),
        (D("2025-01-01"), 2, 2, 1),
        (D("2025-02-01"), 0, 1, 1),
        (D("2025-02-01"), 1, 1, 0),
    ]  # no first order in March: no March cohort
    revenue = cohorts(ds, D("2025-01-01"), D("2025-03-31"), "revenue")
    assert revenue["value"].to_list() == [4000, 0, 2000, 4500, 0]
