"""Data-quality checks: each returns the records behind its number (kundenwert.quality)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from kundenwert.preferences import TestOrderRules
from kundenwert.quality import (
    contacts_without_country,
    duplicate_invoice_numbers,
    excluded_test_orders,
    foreign_currency_orders,
    orders_without_email,
    quality_summary,
    shared_payments,
)
from tests.factories import contact, dataset, new_db, order, put, put_rates


def db(tmp_path: Path) -> tuple[Engine, str]:
    return new_db(tmp_path)


def test_orders_whose_contact_has_no_email_are_listed(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    put(
        engine,
        "Shop",
        [contact("c1", "anna@beispiel.de", country="DE"), contact("order:7", country="DE")],
        [order("1", "c1", 1000), order("7", "order:7", 2000)],
        "woocommerce",
    )
    records = orders_without_email(dataset(url))
    assert records["source_order_id"].to_list() == ["7"]
    assert records["source_contact_id"].to_list() == ["order:7"]
    assert records["source_label"].to_list() == ["Shop"]
    assert records["person_id"].null_count() == 0


def test_the_same_invoice_number_in_two_invoicing_programs(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    anna = [contact("a", "anna@beispiel.de")]
    put(engine, "sevDesk", anna, [order("RE-1", "a", 100), order("RE-2", "a", 200)], "sevdesk")
    put(engine, "lexoffice", anna, [order("RE-1", "a", 100)], "lexoffice")
    put(engine, "Shop", anna, [order("RE-2", "a", 200)], "woocommerce")  # not an invoice
    records = duplicate_invoice_numbers(dataset(url))
    assert records.select("source_order_id", "source_label").rows() == [
        ("RE-1", "lexoffice"),
        ("RE-1", "sevDesk"),
    ]


def test_a_payment_seen_in_two_sources_lists_both_and_which_counts(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    anna = [contact("a", "anna@beispiel.de")]
    put(engine, "Shop", anna, [order("1", "a", 5000, payment_id="ch_1")], "woocommerce")
    put(engine, "Stripe", anna, [order("ch_1", "a", 5000, payment_id="ch_1")], "stripe")
    put(engine, "Shop 2", anna, [order("9", "a", 100, payment_id="ch_only_once")], "woocommerce")
    records = shared_payments(dataset(url))
    assert records.select("source_label", "counted", "excluded_reason").rows() == [
        ("Shop", True, None),
        ("Stripe", False, "duplicate_payment"),
    ]
    assert records["payment_id"].unique().to_list() == ["ch_1"]


def test_a_shop_order_matching_a_stripe_payment_by_its_payment_intent_is_shared(
    tmp_path: Path,
) -> None:
    engine, url = db(tmp_path)
    anna = [contact("a", "anna@beispiel.de")]
    put(engine, "Shop", anna, [order("1", "a", 5000, payment_id="pi_1")], "woocommerce")
    put(engine, "Stripe", anna, [order("ch_1", "a", 5000, payment_id="ch_1 pi_1")], "stripe")
    records = shared_payments(dataset(url))
    assert records.select("source_label", "excluded_reason", "payment_id").rows() == [
        ("Shop", None, "pi_1"),
        ("Stripe", "duplicate_payment", "pi_1"),
    ]


def test_foreign_currency_orders_show_the_rate_and_its_day(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    put_rates(engine, {("USD", "2025-02-28"): "1.0400"})
    put(
        engine,
        "Shop",
        [contact("a", "anna@beispiel.de")],
        [
            order("1", "a", 10400, "2025-03-03", currency="USD"),  # Monday: Friday's rate
            order("2", "a", 5000, currency="EUR"),
            order("3", "a", 900, "2025-03-03", currency="CHF"),  # no rate known
        ],
    )
    records = foreign_currency_orders(dataset(url)).sort("source_order_id")
    assert records["source_order_id"].to_list() == ["1", "3"]
    assert records["rate"].to_list() == ["1.0400", None]
    assert str(records["rate_day"][0]) == "2025-02-28"
    assert records["amount"].to_list() == [10000, 0]
    assert records["excluded_reason"].to_list() == [None, "no_rate"]


def test_test_orders_excluded_by_a_rule(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    put(
        engine,
        "Shop",
        [contact("me", "ich@meinshop.de"), contact("a", "anna@beispiel.de")],
        [order("1", "me", 100), order("2", "a", 100)],
    )
    rules = TestOrderRules(domains=["meinshop.de"])
    records = excluded_test_orders(dataset(url, rules=rules))
    assert records["source_order_id"].to_list() == ["1"]
    assert records["contact_email"].to_list() == ["ich@meinshop.de"]
    assert excluded_test_orders(dataset(url)).height == 0  # no rule is on by default


def test_contacts_without_a_country(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    put(
        engine,
        "Shop",
        [contact("a", "anna@beispiel.de", country="DE"), contact("b", "ben@beispiel.de")],
        [],
    )
    records = contacts_without_country(dataset(url))
    assert records.select("source_contact_id", "email", "source_label").rows() == [
        ("b", "ben@beispiel.de", "Shop")
    ]


def test_summary_counts_invoice_numbers_and_payments_not_rows(tmp_path: Path) -> None:
    engine, url = db(tmp_path)
    anna = [contact("a", "anna@beispiel.de")]
    put(engine, "sevDesk", anna, [order("RE-1", "a", 100, payment_id="p1")], "sevdesk")
    put(engine, "lexoffice", anna, [order("RE-1", "a", 100, payment_id="p1")], "lexoffice")
    summary = dict(quality_summary(dataset(url)))
    assert summary == {
        "no_email": 0,
        "duplicate_invoice_numbers": 1,
        "shared_payments": 1,
        "foreign_currency": 0,
        "test_orders": 0,
        "no_country": 2,
    }


def test_every_check_is_empty_on_an_empty_database(tmp_path: Path) -> None:
    _engine, url = db(tmp_path)
    summary = quality_summary(dataset(url))
    assert [count for _key, count in summary] == [0] * 6
    assert all(isinstance(key, str) for key, _count in summary)
    assert isinstance(orders_without_email(dataset(url)), pl.DataFrame)
