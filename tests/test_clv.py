"""Predictive CLV: BG/NBD and Gamma-Gamma reproduce the published CDNOW fits; the inputs follow
DESIGN.md (same-day orders merge, monetary = mean of repeat purchases, 30.415-day months)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from kundenwert.clv import (
    BgNbdParams,
    GammaGammaParams,
    NotEnoughDataError,
    clv,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    predict,
    probability_alive,
    purchases,
    rfm_summary,
)
from tests.factories import contact, dataset, new_db, order, put

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)
# Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", CDNOW sample, in weeks.
PUBLISHED_BGNBD = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


def cdnow_transactions() -> pl.DataFrame:
    """person_id, day, value (cents) from the whitespace-separated CDNOW sample file."""
    lines = pl.read_csv(CDNOW, has_header=False, new_columns=["line"], separator="\t")
    fields = lines.select(
        pl.col("line")
        .str.extract_groups(r"^\s*\d+\s+(\d+)\s+(\d{8})\s+\d+\s+(\d+)\.(\d{2})\s*$")
        .struct.unnest()
    )
    return fields.select(
        pl.col("1").cast(pl.Int64).alias("person_id"),
        pl.col("2").str.to_date("%Y%m%d").alias("day"),
        (pl.col("3").cast(pl.Int64) * 100 + pl.col("4").cast(pl.Int64)).alias("value"),
    )


@pytest.fixture(scope="module")
def cdnow_summary() -> pl.DataFrame:
    return rfm_summary(cdnow_transactions(), CALIBRATION_END, "week")


def row(summary: pl.DataFrame, person_id: int) -> dict:
    return summary.filter(pl.col("person_id") == person_id).row(0, named=True)


# --- CDNOW: the published fits --------------------------------------------------------------


def test_cdnow_sample_is_complete():
    transactions = cdnow_transactions()
    assert transactions.height == 6919
    assert transactions.null_count().sum_horizontal().item() == 0
    assert transactions["person_id"].n_unique() == 2357


def test_cdnow_summary_matches_the_published_data(cdnow_summary):
    assert cdnow_summary.height == 2357
    assert cdnow_summary.filter(pl.col("frequency") > 0).height == 946
    first = row(cdnow_summary, 1)
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(30.43, abs=0.005)
    assert first["T"] == pytest.approx(38.86, abs=0.005)


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_summary):
    fitted = fit_bgnbd(cdnow_summary)
    assert fitted.r == pytest.approx(PUBLISHED_BGNBD.r, abs=0.005)
    assert fitted.alpha == pytest.approx(PUBLISHED_BGNBD.alpha, abs=0.005)
    assert fitted.a == pytest.approx(PUBLISHED_BGNBD.a, abs=0.005)
    assert fitted.b == pytest.approx(PUBLISHED_BGNBD.b, abs=0.005)


def test_gamma_gamma_reproduces_fader_hardie_lee_2005(cdnow_summary):
    fitted = fit_gamma_gamma(cdnow_summary)
    assert fitted.p == pytest.approx(6.25, abs=0.02)
    assert fitted.q == pytest.approx(3.74, abs=0.02)
    assert fitted.v / 100 == pytest.approx(15.44, abs=0.02)  # fitted in cents, published in $


def test_conditional_expectation_matches_the_paper():
    # The paper's example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks.
    expected = expected_purchases(PUBLISHED_BGNBD, 39, [2], [30.43], [38.86])
    assert expected[0] == pytest.approx(1.226, abs=0.001)


# --- the summary ----------------------------------------------------------------------------


def test_same_day_orders_merge_into_one_purchase():
    transactions = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1],
            "day": [date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 15), date(2025, 1, 15)],
            "value": [1000, 500, 2000, 1000],
        }
    )
    summary = row(rfm_summary(transactions, date(2025, 1, 29), "week"), 1)
    assert summary == {
        "person_id": 1,
        "frequency": 1,
        "recency": 2.0,
        "T": 4.0,
        "monetary": 3000.0,
    }


def test_monetary_is_the_mean_of_repeat_purchases_only():
    transactions = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 2],
            "day": [date(2025, 1, 1), date(2025, 1, 8), date(2025, 1, 22), date(2025, 1, 1)],
            "value": [99_900, 1000, 3000, 5000],
        }
    )
    summary = rfm_summary(transactions, date(2025, 1, 22), "day")
    assert row(summary, 1)["monetary"] == 2000.0
    assert row(summary, 2)["monetary"] == 0.0
    assert row(summary, 2)["frequency"] == 0


def test_purchases_after_the_calibration_end_are_ignored():
    transactions = pl.DataFrame(
        {"person_id": [1, 1], "day": [date(2025, 1, 1), date(2025, 2, 1)], "value": [100, 100]}
    )
    summary = row(rfm_summary(transactions, date(2025, 1, 31), "day"), 1)
    assert (summary["frequency"], summary["recency"], summary["T"]) == (0, 0.0, 30.0)


def test_unknown_time_unit_is_rejected():
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(pl.DataFrame({"person_id": [], "day": [], "value": []}), date.today(), "year")  # type: ignore[arg-type]


# --- predictions ----------------------------------------------------------------------------


def test_one_time_buyers_are_alive_and_nothing_is_expected_in_zero_time():
    assert probability_alive(PUBLISHED_BGNBD, [0], [0.0], [10.0])[0] == 1.0
    assert expected_purchases(PUBLISHED_BGNBD, 0, [3], [5.0], [10.0])[0] == 0.0


def test_expected_purchases_stay_finite_for_very_frequent_buyers():
    # The textbook form of eq. (10) overflows here (0 × inf); the Euler-transformed one does not.
    expected = expected_purchases(PUBLISHED_BGNBD, 52.14, [1000, 1000], [0.9, 9.0], [1.0, 10.0])
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)


def test_expected_spend_without_repeat_purchases_is_the_population_mean():
    params = GammaGammaParams(p=6.25, q=3.74, v=15.44)
    assert expected_spend(params, [0], [0.0])[0] == pytest.approx(6.25 * 15.44 / 2.74)


def test_clv_discounts_each_30_415_day_month():
    spend = GammaGammaParams(p=6.25, q=3.74, v=15.44)
    x, t_x, big_t, m = [2], [30.43], [38.86], [35.0]
    month = 30.415 / 7
    cumulative = [expected_purchases(PUBLISHED_BGNBD, k * month, x, t_x, big_t)[0] for k in (1, 2)]
    per_purchase = expected_spend(spend, x, m)[0]
    manual = per_purchase * (cumulative[0] / 1.01 + (cumulative[1] - cumulative[0]) / 1.01**2)
    result = clv(PUBLISHED_BGNBD, spend, x, t_x, big_t, m, months=2, monthly_discount=0.01)
    assert result[0] == pytest.approx(manual)


def test_clv_does_not_depend_on_the_time_unit():
    spend = GammaGammaParams(p=6.25, q=3.74, v=15.44)
    in_days = replace(PUBLISHED_BGNBD, alpha=PUBLISHED_BGNBD.alpha * 7)
    weeks = clv(PUBLISHED_BGNBD, spend, [2], [30.0], [38.0], [35.0], time_unit="week")
    days = clv(in_days, spend, [2], [210.0], [266.0], [35.0], time_unit="day")
    assert days[0] == pytest.approx(weeks[0])


def test_predict_on_a_dataset(tmp_path):
    engine, url = new_db(tmp_path)
    contacts = [contact(f"c{i}", f"k{i}@example.de") for i in range(8)]
    orders = []
    for i in range(8):
        orders.append(order(f"o{i}a", f"c{i}", 5000, "2025-01-06"))
        for j in range(i % 4):
            orders.append(order(f"o{i}b{j}", f"c{i}", 3000 + 500 * i, f"2025-0{2 + j}-1{i % 3}"))
    # A second order on the same (German) day is the same purchase.
    orders.append(order("o1same", "c1", 1000, "2025-02-11"))
    put(engine, "Shop", contacts, orders)
    result = predict(dataset(url), date(2025, 6, 30), "week", months=12)
    assert result.columns == [
        "person_id",
        "frequency",
        "recency",
        "T",
        "monetary",
        "p_alive",
        "expected_purchases",
        "expected_spend_cents",
        "clv_cents",
    ]
    assert result.height == 8
    assert sorted(result["frequency"].to_list()) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert result["clv_cents"].dtype == pl.Int64
    assert (result["clv_cents"] >= 0).all()
    assert np.all((result["p_alive"].to_numpy() > 0) & (result["p_alive"].to_numpy() <= 1))


def test_a_tiny_business_gets_a_clear_error_instead_of_numbers(tmp_path):
    engine, url = new_db(tmp_path)
    contacts = [contact(f"c{i}", f"k{i}@example.de") for i in range(3)]
    orders = [order(f"o{i}", f"c{i}", 5000, f"2025-01-0{i + 1}") for i in range(3)]
    put(engine, "Shop", contacts, orders)
    with pytest.raises(NotEnoughDataError, match="there are 0"):
        predict(dataset(url), date(2025, 3, 31))


def test_german_day_merges_orders_across_utc_midnight(tmp_path):
    engine, url = new_db(tmp_path)
    late = order("late", "c1", 1000, "2025-03-02")
    late.ordered_at = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)  # 00:30 on 3 March in Berlin
    orders = [order("first", "c1", 1000, "2025-02-01"), late, order("noon", "c1", 500)]
    put(engine, "Shop", [contact("c1", "k@example.de")], orders)
    summary = rfm_summary(purchases(dataset(url)), date(2025, 3, 31), "day")
    assert summary.row(0, named=True)["frequency"] == 1
    assert summary.row(0, named=True)["monetary"] == 1500.0
