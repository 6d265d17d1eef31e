"""The kpis and lifecycle commands: JSON shape, date formats, errors on stderr."""

from __future__ import annotations

import json

import pytest

from kundenwert import cli
from kundenwert.db import get_engine
from tests.factories import contact, order, put, refund

FIGURES = {
    "customers",
    "new_customers",
    "returning_customers",
    "lost_customers",
    "revenue",
    "orders",
    "aov",
    "revenue_per_customer",
    "orders_per_customer",
    "acquired_per_day",
    "avg_ltv",
    "top20_customers",
    "top20_revenue_share",
    "refunds",
    "refund_rate",
    "refunded_customers",
    "purchase_types",
    # business figures (kundenwert.business.as_json)
    "marketing_costs",
    "sales_costs",
    "cac",
    "visitors",
    "conversion_rate",
    "mrr",
    "arr",
    "mrr_movements",
    "subscriber_churn_30d",
    "customer_churn_12m",
    "active_customers",
    "nps",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "csat",
    "csat_answers",
    "repurchase_rate",
    "avg_lifetime_years",
    "clv_formula",
    "missing",
}


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KUNDENWERT_DATA_DIR", str(tmp_path))
    from kundenwert.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    partly = order(
        "o2", "a", 10000, "2025-03-10", status="partially_refunded", refunds=[refund("r", 2500)]
    )
    orders = [order("o1", "a", 1999, "2025-02-20"), partly, order("o3", "b", 5000, "2025-03-03")]
    put(engine, "Shop", [contact("a", "anna@x.de"), contact("b", "ben@y.de")], orders)
    yield engine
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_kpis_json_is_one_object_with_the_previous_period(db, capsys):
    assert cli.main(["kpis", "--from", "2025-03-01", "--to", "31.03.2025", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"from", "to", "currency", "basis", "previous"} | FIGURES == doc.keys()
    assert (doc["from"], doc["to"], doc["currency"], doc["basis"]) == (
        "2025-03-01",
        "2025-03-31",
        "EUR",
        "gross",
    )
    assert (doc["customers"], doc["new_customers"], doc["returning_customers"]) == (2, 1, 1)
    assert (doc["revenue"], doc["orders"], doc["aov"]) == (125.0, 2, 62.5)
    assert (doc["refunds"], doc["refunded_customers"]) == (25.0, 1)
    assert doc["refund_rate"] == pytest.approx(25 / 150, abs=1e-4)
    assert doc["purchase_types"] == {"trial_only": 0, "one_time": 2, "recurring": 0}
    previous = doc["previous"]
    assert (previous["from"], previous["to"]) == ("2025-01-29", "2025-02-28")
    assert previous.keys() >= FIGURES
    assert (previous["customers"], previous["revenue"]) == (1, 19.99)
    assert isinstance(doc["customers"], int) and isinstance(doc["top20_revenue_share"], float)


def test_kpis_table(db, capsys):
    assert cli.main(["kpis", "--from", "2025-03-01", "--to", "2025-03-31"]) == 0
    out = capsys.readouterr().out
    assert "revenue" in out and "125.0" in out


def test_lifecycle_json_per_week(db, capsys):
    argv = ["lifecycle", "--from", "2025-03-01", "--to", "2025-03-16", "--freq", "week"]
    assert cli.main([*argv, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "period": "2025-03-01",
            "new_customers": 0,
            "returning_customers": 0,
            "lost_customers": 0,
            "revenue": 0.0,
        },
        {
            "period": "2025-03-03",
            "new_customers": 1,
            "returning_customers": 0,
            "lost_customers": 0,
            "revenue": 50.0,
        },
        {
            "period": "2025-03-10",
            "new_customers": 0,
            "returning_customers": 1,
            "lost_customers": 0,
            "revenue": 75.0,
        },
    ]


def test_lifecycle_csv(db, capsys):
    argv = ["lifecycle", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "csv"]
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "period,new_customers,returning_customers,lost_customers,revenue",
        "2025-03-01,1,1,0,125.0",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kpis", "--from", "2025-02-30", "--to", "2025-03-31"], "kein Datum"),
        (["kpis", "--from", "gestern", "--to", "2025-03-31"], "kein Datum"),
        (["lifecycle", "--from", "2025-04-01", "--to", "2025-03-31"], "nach --to"),
    ],
)
def test_bad_dates_are_errors_on_stderr(db, capsys, argv, message):
    assert cli.main(argv) != 0
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
