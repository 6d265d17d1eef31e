"""``python -m kundenwert clv``: model parameters and per-person predictions as JSON or CSV;
thin data is an error on stderr with nothing on stdout."""

import csv
import io
import json
from datetime import date

import pytest

from kundenwert import cli
from kundenwert.clv import (
    BgNbdParams,
    GammaGammaParams,
    clv,
    expected_purchases,
    fit,
    predict_persons,
    purchases,
)
from kundenwert.db import get_engine
from tests.databases import app_database_url
from tests.factories import contact, dataset, order, put

END = "2025-06-30"
# The person fields the issue documents, in order (spelled out: a test must not import them).
DOCUMENTED_PERSON_FIELDS = [
    "person_id",
    "email",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "prob_alive",
    "expected_purchases",
    "expected_avg_spend",
    "clv",
]


def _reset_caches():
    from kundenwert.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """Eight buyers; i buys (i mod 4) more times after a first 50-€ purchase; two orders of
    person 1 on one day are one purchase; an order after the calibration end is ignored."""
    monkeypatch.setenv("KUNDENWERT_DATA_DIR", str(tmp_path))
    _reset_caches()
    engine = get_engine()
    contacts = [contact(f"c{i}", f"k{i}@example.de") for i in range(8)]
    orders = []
    for i in range(8):
        orders.append(order(f"o{i}a", f"c{i}", 5000, "2025-01-06"))
        for j in range(i % 4):
            orders.append(order(f"o{i}b{j}", f"c{i}", 3000 + 500 * i, f"2025-0{2 + j}-1{i % 3}"))
    orders.append(order("o1same", "c1", 1000, "2025-02-11"))
    orders.append(order("later", "c0", 99_900, "2025-08-01"))
    put(engine, "Shop", contacts, orders)
    yield app_database_url()
    _reset_caches()


def run_json(capsys, *options):
    assert cli.main(["clv", "--calibration-end", END, *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_shape(shop, capsys):
    doc = run_json(capsys)
    assert doc["time_unit"] == "week" and doc["calibration_end"] == END
    assert set(doc["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert {"p", "q", "gamma"} <= set(doc["gamma_gamma"])
    assert (doc["currency"], doc["basis"]) == ("EUR", "gross")
    assert len(doc["persons"]) == 8
    assert list(doc["persons"][0]) == DOCUMENTED_PERSON_FIELDS


def test_json_values_are_those_of_the_core(shop, capsys):
    doc = run_json(capsys, "--months", "6", "--horizon", "10", "--discount-rate", "0.02")
    fitted = fit(purchases(dataset(shop)), date(2025, 6, 30), "week")
    assert doc["bgnbd"]["r"] == pytest.approx(fitted.bgnbd.r)
    assert doc["bgnbd"]["log_likelihood"] == pytest.approx(fitted.log_likelihood)
    assert doc["gamma_gamma"]["gamma"] == pytest.approx(fitted.gamma_gamma.v / 100)
    expected = predict_persons(fitted, 10, months=6, monthly_discount=0.02)
    for person in doc["persons"]:
        row = expected.filter(expected["person_id"] == person["person_id"]).row(0, named=True)
        assert person["frequency"] == row["frequency"]
        assert person["T"] == pytest.approx(row["T"], abs=1e-6)
        assert person["monetary_value"] == pytest.approx(row["monetary"] / 100, abs=0.005)
        assert person["prob_alive"] == pytest.approx(row["p_alive"], abs=1e-6)
        assert person["expected_purchases"] == pytest.approx(row["expected_purchases"], abs=1e-6)
        assert person["clv"] == row["clv_cents"] / 100


def test_same_day_orders_merge_and_later_orders_are_ignored(shop, capsys):
    persons = {p["email"]: p for p in run_json(capsys)["persons"]}
    one = persons["k1@example.de"]
    assert one["frequency"] == 1 and one["monetary_value"] == 45.0  # 35,00 + 10,00 same day
    assert persons["k0@example.de"]["frequency"] == 0  # the August order is after the end


def test_one_time_buyers_get_the_population_mean_spend(shop, capsys):
    doc = run_json(capsys)
    gg = doc["gamma_gamma"]
    mean = gg["p"] * gg["gamma"] / (gg["q"] - 1)
    one_time = [p for p in doc["persons"] if p["frequency"] == 0]
    assert one_time and all(
        p["expected_avg_spend"] == pytest.approx(mean, abs=0.01) for p in one_time
    )
    assert all(p["clv"] > 0 for p in one_time)


def test_day_unit_and_default_horizon_of_one_year(shop, capsys):
    doc = run_json(capsys, "--time-unit", "day")
    assert doc["time_unit"] == "day" and doc["horizon"] == pytest.approx(364.98)
    first = next(p for p in doc["persons"] if p["email"] == "k3@example.de")
    assert first["T"] == (date(2025, 6, 30) - date(2025, 1, 6)).days


def test_csv_has_one_row_per_person(shop, capsys):
    assert cli.main(["clv", "--calibration-end", END, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 8
    assert list(rows[0]) == DOCUMENTED_PERSON_FIELDS
    assert {r["email"] for r in rows} == {f"k{i}@example.de" for i in range(8)}


def test_thin_data_is_a_clear_error_with_nothing_on_stdout(shop, capsys):
    assert cli.main(["clv", "--calibration-end", "2025-01-31"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Prognose nicht möglich" in err and "there are 0" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--discount-rate", "1.5"], "--discount-rate"),
        (["--months", "-1"], "--months"),
        (["--horizon", "-3"], "--horizon"),
        (["--calibration-end", "31.02.2025"], "kein Datum"),
    ],
)
def test_bad_options_are_rejected(shop, capsys, options, message):
    assert cli.main(["clv", *options]) == 1
    out, err = capsys.readouterr()
    assert out == "" and message in err


def test_discounting_follows_the_lifetimes_convention_by_hand():
    """Two months, 1 % a month: Σ spend × (E[X(t_k)] − E[X(t_{k−1})]) / 1.01^k, t_k = k × 4.345
    weeks — the monthly steps of lifetimes' ``_customer_lifetime_value``."""
    bg = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    gg = GammaGammaParams(p=6.25, q=3.74, v=15.44)
    spend = (15.44 + 35.0 * 2) * 6.25 / (6.25 * 2 + 3.74 - 1)  # E[M | x = 2, m = 35]
    month1 = expected_purchases(bg, 30.415 / 7, [2], [30.43], [38.86])[0]
    month2 = expected_purchases(bg, 2 * 30.415 / 7, [2], [30.43], [38.86])[0]
    by_hand = spend * month1 / 1.01 + spend * (month2 - month1) / 1.01**2
    assert spend == pytest.approx(85.44 * 6.25 / 15.24)  # 35,04
    result = clv(bg, gg, [2], [30.43], [38.86], [35.0], months=2, monthly_discount=0.01)
    assert result[0] == pytest.approx(by_hand, rel=1e-12)
    undiscounted = clv(bg, gg, [2], [30.43], [38.86], [35.0], months=2, monthly_discount=0.0)
    assert undiscounted[0] == pytest.approx(spend * month2, rel=1e-12)
