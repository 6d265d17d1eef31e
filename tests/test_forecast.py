"""Revenue forecast: running plans projected by their payment gaps, the model's repeat
purchases, new customers, and the actual revenue beside the forecast."""

from datetime import date

import polars as pl

from kundenwert.forecast import month_start, revenue_forecast, running_plans
from tests.factories import contact, dataset, new_db, order, put


def small_shop(tmp_path):
    """Anna pays 29 € a month (running); Ben's subscription stopped in January; Carla bought
    once in March (a new customer) and again in May."""
    engine, url = new_db(tmp_path)
    contacts = [contact("a", "anna@x.de"), contact("b", "ben@x.de"), contact("c", "carla@x.de")]
    orders = [
        order(f"a{m}", "a", 2900, f"2025-0{m}-15", kind="subscription", product="Club")
        for m in (1, 2, 3, 4)
    ]
    orders += [
        order("b1", "b", 1900, "2024-12-10", kind="subscription", product="Abo"),
        order("b2", "b", 1900, "2025-01-10", kind="subscription", product="Abo"),
        order("c1", "c", 10000, "2025-03-03"),
        order("c2", "c", 4000, "2025-05-05"),
    ]
    put(engine, "Shop", contacts, orders)
    return dataset(url)


def test_only_plans_paid_within_one_and_a_half_intervals_are_running(tmp_path):
    plans = running_plans(small_shop(tmp_path), date(2025, 4, 30))
    assert plans["product"].to_list() == ["Club"]
    plan = plans.row(0, named=True)
    assert plan["interval_days"] == 31.0  # median of 31, 28, 31 days
    assert (plan["last_payment"], plan["amount"], plan["payments"]) == (date(2025, 4, 15), 2900, 4)


def test_forecast_adds_recurring_and_new_customers_and_shows_the_actual(tmp_path):
    result = revenue_forecast(small_shop(tmp_path), date(2025, 5, 1), today=date(2025, 5, 20))
    months = result.months
    assert result.as_of == date(2025, 4, 30)
    assert months["month"].to_list() == [date(2025, m, 1) for m in (5, 6, 7, 8)]
    assert months["recurring"].to_list() == [2900] * 4  # 16.05., 16.06., 17.07., 17.08.
    assert months["new"].to_list() == [3333] * 4  # Carla's 100 € over Feb–Apr
    # three buyers cannot carry the repeat-purchase model: missing, with the reason, not zero
    assert months["repeat"].null_count() == 4 and "there are" in (result.model_error or "")
    assert months["forecast"].to_list() == [2900 + 3333] * 4
    assert months["actual"].to_list() == [4000, None, None, None]
    assert months["complete"].to_list() == [False] * 4


def test_a_past_start_month_has_the_complete_actual_revenue(tmp_path):
    result = revenue_forecast(small_shop(tmp_path), date(2025, 2, 1), today=date(2025, 6, 1))
    months = result.months
    assert months["actual"].to_list() == [2900, 2900 + 10000, 2900, 4000]
    assert months["complete"].to_list() == [True] * 4
    # on 31 January both subscriptions were running (Ben had paid on 10 January)
    assert result.plans.height == 2


def test_the_model_part_appears_with_enough_repeat_buyers(tmp_path):
    engine, url = new_db(tmp_path)
    contacts = [contact(f"c{i}", f"k{i}@x.de") for i in range(10)]
    orders = []
    for i in range(10):
        orders.append(order(f"o{i}", f"c{i}", 5000, "2025-01-06"))
        for j in range(i % 4):
            orders.append(order(f"o{i}-{j}", f"c{i}", 3000 + 100 * i, f"2025-0{2 + j}-1{i % 3}"))
    put(engine, "Shop", contacts, orders)
    result = revenue_forecast(dataset(url), date(2025, 7, 1), today=date(2025, 7, 1))
    repeat = result.months["repeat"]
    assert result.model_error is None
    assert repeat.null_count() == 0 and (repeat > 0).all()
    assert result.months["forecast"].to_list() == (
        result.months.select(pl.col("recurring") + pl.col("repeat") + pl.col("new"))
        .to_series()
        .to_list()
    )


def test_month_start_moves_across_years():
    assert month_start(date(2025, 11, 20), 3) == date(2026, 2, 1)
    assert month_start(date(2025, 1, 31), -1) == date(2024, 12, 1)
