"""Business KPIs on hand-made data: CAC, conversion, MRR and its movements, churn, NPS, CSAT,
CLV formula, channels, and what a figure says when its input is missing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from kundenwert.business import Missing, business_kpis, month_runs, subscription_spans
from kundenwert.inputs import COST_SCHEMA, SURVEY_SCHEMA, VISITOR_SCHEMA, Inputs
from tests.factories import contact, dataset, new_db, order, put, put_rates

D = date.fromisoformat
MARCH = (D("2025-03-01"), D("2025-03-31"))
LATER = D("2026-12-31")


def inputs(
    costs: list[tuple[str, str, str, int, str]] = (),  # type: ignore[assignment]
    visitors: list[tuple[str, int]] = (),  # type: ignore[assignment]
    answers: list[tuple[str, str, int | None, int | None]] = (),  # type: ignore[assignment]
) -> Inputs:
    return Inputs(
        pl.DataFrame(
            [(D(m), ch, k, a, c) for m, ch, k, a, c in costs], schema=COST_SCHEMA, orient="row"
        ),
        pl.DataFrame([(D(m), v) for m, v in visitors], schema=VISITOR_SCHEMA, orient="row"),
        pl.DataFrame(
            [(e, D(d), n, c) for e, d, n, c in answers], schema=SURVEY_SCHEMA, orient="row"
        ),
    )


def shop(tmp_path, orders, label="Shop", rates=None):
    engine, url = new_db(tmp_path)
    if rates:
        put_rates(engine, rates)
    cids = sorted({o.source_contact_id for o in orders})
    put(engine, label, [contact(c, f"{c}@x.de") for c in cids], orders)
    return dataset(url)


def sub(oid: str, cid: str, day: str, net: int, product: str = "Club"):
    """A subscription payment with 19 % VAT on top of ``net``."""
    tax = net * 19 // 100
    return order(oid, cid, net + tax, day, tax=tax, kind="subscription", product=product)


def kpis(ds, data=None, start=MARCH[0], end=MARCH[1], **kw):
    return business_kpis(ds, data or inputs(), start, end, today=LATER, **kw)


# --- CAC and conversion -------------------------------------------------------------------------


def test_cac_is_marketing_plus_sales_costs_per_new_customer(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03"), order("2", "b", 5000, "2025-03-09")])
    data = inputs(
        costs=[
            ("2025-03-01", "Google", "marketing", 30000, "EUR"),
            ("2025-03-01", "Messe", "sales", 10001, "EUR"),
        ]
    )
    period = kpis(ds, data).current
    assert (period.marketing_costs, period.sales_costs, period.new_customers) == (30000, 10001, 2)
    assert period.cac == 20001  # 400,01 € / 2, rounded half up to whole cents


def test_a_partial_month_counts_its_share_of_days(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    data = inputs(costs=[("2025-03-01", "Google", "marketing", 31000, "EUR")])
    period = kpis(ds, data, D("2025-03-01"), D("2025-03-10")).current
    assert period.cac == 10000  # 10 of 31 days of 310,00 €


def test_cac_says_which_months_lack_costs(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    data = inputs(costs=[("2025-02-01", "Google", "marketing", 100, "EUR")])
    period = kpis(ds, data, D("2025-02-01"), D("2025-04-30")).current
    assert period.cac == Missing("costs", ("2025-03", "2025-04"))
    assert period.cac.message("de") == "Kosten fehlen für 2025-03 – 2025-04"
    assert ("cac", Missing("costs", ("2025-03", "2025-04"))) in period.missing()


def test_zero_costs_entered_are_not_missing(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    data = inputs(costs=[("2025-03-01", "Google", "marketing", 0, "EUR")])
    assert kpis(ds, data).current.cac == 0


def test_cac_without_new_customers_is_missing_not_infinite(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-01-03"), order("2", "a", 5000, "2025-03-03")])
    data = inputs(costs=[("2025-03-01", "Google", "marketing", 500, "EUR")])
    assert kpis(ds, data).current.cac == Missing("new_customers")


def test_costs_in_another_currency_use_the_rate_of_the_month(tmp_path):
    ds = shop(
        tmp_path, [order("1", "a", 5000, "2025-03-03")], rates={("USD", "2025-02-28"): "1.25"}
    )
    data = inputs(costs=[("2025-03-01", "Ads", "marketing", 12500, "USD")])
    assert kpis(ds, data).current.cac == 10000


def test_conversion_is_new_customers_per_visitor(tmp_path):
    orders = [order(str(i), f"p{i}", 1000, "2025-03-05") for i in range(3)]
    ds = shop(tmp_path, orders)
    period = kpis(ds, inputs(visitors=[("2025-03-01", 600)])).current
    assert period.visitors == 600
    assert period.conversion_rate == pytest.approx(3 / 600)
    assert kpis(ds).current.conversion_rate == Missing("visitors", ("2025-03",))


# --- MRR ----------------------------------------------------------------------------------------


def test_mrr_is_net_of_tax_and_normalised_to_a_month(tmp_path):
    orders = [
        sub("m1", "a", "2025-02-10", 1000),
        sub("m2", "a", "2025-03-10", 1000),  # monthly: 10,00 €
        sub("y1", "b", "2024-06-01", 12000, "Jahresabo"),
        sub("y2", "b", "2025-06-01", 12000, "Jahresabo"),  # yearly: 120,00 € / 12
    ]
    ds = shop(tmp_path, orders)
    period = kpis(ds).current
    assert period.mrr == 1000 + 1000
    assert period.arr == 12 * 2000


def test_mrr_movements_new_expansion_contraction_churned(tmp_path):
    orders = [
        # new in March
        sub("n1", "new", "2025-03-05", 1000),
        # expansion: 20 € → 30 € a month
        sub("e1", "up", "2025-01-15", 2000),
        sub("e2", "up", "2025-02-15", 2000),
        sub("e3", "up", "2025-03-15", 3000),
        # contraction: 50 € → 40 €
        sub("c1", "down", "2025-01-20", 5000),
        sub("c2", "down", "2025-02-20", 5000),
        sub("c3", "down", "2025-03-20", 4000),
        # churned: last payment 1 February, paid until 1 March
        sub("x1", "gone", "2025-01-01", 700),
        sub("x2", "gone", "2025-02-01", 700),
    ]
    ds = shop(tmp_path, orders)
    moves = kpis(ds).current.mrr_movements
    assert moves["mrr_start"] == 2000 + 5000 + 700
    assert (moves["new"], moves["expansion"], moves["contraction"], moves["churned"]) == (
        1000,
        1000,
        1000,
        700,
    )
    assert moves["mrr_end"] == 1000 + 3000 + 4000
    total = moves["mrr_start"] + moves["new"] + moves["expansion"]
    assert moves["mrr_end"] == total - moves["contraction"] - moves["churned"]


def test_subscriptions_are_derived_per_person_source_and_product(tmp_path):
    orders = [
        sub("q1", "a", "2025-01-10", 3000, "Quartal"),
        sub("q2", "a", "2025-04-10", 3000, "Quartal"),
        sub("m1", "a", "2025-04-10", 900, "Monat"),
    ]
    spans = subscription_spans(shop(tmp_path, orders)).sort("day", "interval")
    assert spans["interval"].to_list() == [3, 1, 3]
    assert spans.filter(pl.col("interval") == 3)["monthly"].to_list() == [1000, 1000]
    assert spans["until"].to_list()[-1] == D("2025-07-10")


def test_a_late_renewal_within_the_grace_keeps_the_subscription(tmp_path):
    orders = [sub("1", "a", "2025-01-31", 1000), sub("2", "a", "2025-03-05", 1000)]
    moves = kpis(shop(tmp_path, orders)).current.mrr_movements
    assert (moves["churned"], moves["new"], moves["mrr_end"]) == (0, 0, 1000)


# --- churn and active -----------------------------------------------------------------------------


def test_subscriber_churn_over_the_last_30_days(tmp_path):
    orders = [
        sub("a1", "stays", "2025-02-25", 1000),
        sub("a2", "stays", "2025-03-25", 1000),
        sub("b1", "leaves", "2025-02-05", 1000),  # paid until 5 March
    ]
    assert kpis(shop(tmp_path, orders)).current.subscriber_churn_30d == pytest.approx(0.5)


def test_subscriber_churn_without_subscribers_is_missing(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    assert kpis(ds).current.subscriber_churn_30d == Missing("subscribers")


def test_customer_churn_12m_and_lifetime(tmp_path):
    orders = [
        order("1", "a", 1000, "2024-01-15"),  # lost on 2025-01-14 (365 days later)
        order("2", "b", 1000, "2024-03-20"),
        order("3", "b", 1000, "2025-03-10"),  # active all year
    ]
    period = kpis(shop(tmp_path, orders)).current
    # active at the 12 month ends Apr 2024 … Mar 2025: b always; a until 2024-12-31 (9 ends)
    assert period.customer_churn_12m == pytest.approx(1 / ((12 + 9) / 12))
    assert period.avg_lifetime_years == pytest.approx(21 / 12)
    assert period.active_customers == 1


def test_repurchase_rate_counts_buying_on_two_days(tmp_path):
    orders = [
        order("1", "a", 1000, "2025-01-15"),
        order("2", "a", 1000, "2025-03-10"),
        order("3", "b", 1000, "2025-03-10"),
        order("4", "b", 1000, "2025-03-10"),  # same day: one purchase
    ]
    assert kpis(shop(tmp_path, orders)).current.repurchase_rate == pytest.approx(0.5)


# --- surveys ------------------------------------------------------------------------------------


def test_nps_and_csat(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    answers = [
        ("a@x.de", "2025-03-02", 10, 5),
        ("b@x.de", "2025-03-03", 9, 4),
        ("c@x.de", "2025-03-04", 8, 3),
        ("d@x.de", "2025-03-05", 3, None),
        ("e@x.de", "2025-03-06", None, 2),
        ("f@x.de", "2025-02-06", 0, 1),  # before the range
    ]
    result = kpis(ds, inputs(answers=answers))
    survey = result.current.survey
    assert (survey.promoters, survey.passives, survey.detractors) == (2, 1, 1)
    assert survey.nps == pytest.approx(25.0)  # (2 − 1) / 4
    assert survey.csat == pytest.approx(2 / 4)
    assert result.previous.survey.nps == pytest.approx(-100.0)
    assert result.survey_matched == 1
    assert result.survey_unmatched == ["b@x.de", "c@x.de", "d@x.de", "e@x.de", "f@x.de"]


def test_without_answers_nps_is_missing(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    period = kpis(ds).current
    assert period.survey.nps == Missing("survey")
    assert {name for name, _ in period.missing()} >= {"nps", "csat", "cac", "conversion_rate"}


# --- CLV formula and channels -------------------------------------------------------------------


def test_clv_formula(tmp_path):
    orders = [
        order("1", "a", 10000, "2024-01-15"),  # lost on 2025-01-14
        order("2", "b", 10000, "2024-03-20"),  # lost on 2025-03-20
        order("3", "c", 10000, "2025-03-10"),  # new in March
    ]
    ds = shop(tmp_path, orders)
    data = inputs(costs=[("2025-03-01", "Ads", "marketing", 2000, "EUR")])
    period = kpis(ds, data, margin_percent=Decimal(50)).current
    # active at the 12 month ends: a 9, b 11, c 1 → average 1,75; lost 2 → churn 2 / 1,75
    assert period.customer_churn_12m == pytest.approx(2 / 1.75)
    # 12 months up to 31 March: c's 100 € order alone → 50 € margin × 1 order × 0,875 years
    assert period.clv_formula == 4375 - 2000


def test_clv_formula_says_what_it_lacks(tmp_path):
    orders = [order("1", "a", 10000, "2024-01-15"), order("2", "c", 10000, "2025-03-10")]
    ds = shop(tmp_path, orders)
    data = inputs(costs=[("2025-03-01", "Ads", "marketing", 2000, "EUR")])
    assert kpis(ds, data).current.clv_formula == Missing("margin")
    no_costs = kpis(ds, margin_percent=Decimal(50)).current.clv_formula
    assert no_costs == Missing("costs", ("2025-03",))


def test_channels_by_source_of_first_order(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "Digistore24", [contact("a", "a@x.de")], [order("1", "a", 5000, "2025-03-03")])
    put(
        engine,
        "Shop",
        [contact("b", "b@x.de"), contact("a2", "a@x.de")],
        [order("2", "b", 3000, "2025-03-04"), order("3", "a2", 1000, "2025-03-20")],
    )
    data = inputs(costs=[("2025-03-01", "digistore24", "marketing", 4000, "EUR")])
    channels = kpis(dataset(url), data).channels
    rows = {r["channel"]: r for r in channels.iter_rows(named=True)}
    assert rows["Digistore24"]["customers"] == 1
    assert rows["Digistore24"]["revenue"] == 6000  # a's later shop order counts to her channel
    assert (rows["Digistore24"]["costs"], rows["Digistore24"]["cac"]) == (4000, 4000)
    assert rows["Shop"]["customers"] == 1 and rows["Shop"]["cac"] is None
    assert rows["Digistore24"]["value_90d"] == 6000


def test_trend_has_one_row_per_month_with_nulls_for_missing_inputs(tmp_path):
    ds = shop(tmp_path, [order("1", "a", 5000, "2025-03-03")])
    data = inputs(costs=[("2025-03-01", "Ads", "marketing", 2000, "EUR")])
    trend = kpis(ds, data, D("2025-02-15"), D("2025-04-10")).trend
    assert trend["month"].to_list() == [D("2025-02-01"), D("2025-03-01"), D("2025-04-01")]
    assert trend["cac"].to_list() == [None, 2000, None]
    assert trend["new_customers"].to_list() == [0, 1, 0]


def test_month_runs():
    assert month_runs(["2025-01", "2025-02", "2025-03", "2025-06", "2025-12", "2026-01"]) == (
        "2025-01 – 2025-03, 2025-06, 2025-12 – 2026-01"
    )
