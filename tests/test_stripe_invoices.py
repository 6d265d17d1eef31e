"""Stripe invoices and PaymentIntents: one order per invoice, never twice with its charge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors._stripe_invoices as inv
import connectors.stripe as st
from connectors.base import Batch, ConnectorConfig, get_spec
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.factories import contact, dataset, order, put, value_of
from tests.fakes.stripe import FakeStripe, Line, address
from tests.sync_support import contacts_of, fast_http, orders_of, snapshot, uninterrupted


@pytest.fixture
def account() -> Iterator[FakeStripe]:
    with FakeStripe() as account:
        yield account


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "PER_PAGE", 3)


def read(account: FakeStripe, cursor: str | None = None) -> list[Batch]:
    config = ConnectorConfig(
        base_url=account.url,
        credentials={"secret_key": SecretStr(account.secret_key)},
        http=fast_http(),
    )
    with closing(get_spec("stripe").create(config)) as source:
        return list(source.batches(cursor))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def watched(batches: list[Batch]) -> list[str]:
    cursors = [b.cursor for b in batches if b.cursor is not None]
    return list(json.loads(cursors[-1])["watch"])


@dataclass
class Billing:
    """Who is who in :func:`billing_account` (API objects)."""

    mia: dict[str, Any]
    urs: dict[str, Any]
    subscription: dict[str, Any]
    trial: dict[str, Any]
    invoices: dict[str, dict[str, Any]]
    one_off: dict[str, Any]


def billing_account(account: FakeStripe) -> Billing:
    """A membership business on Stripe Billing: subscriptions with VAT, a trial, a CHF customer,
    invoices in every status, and one charge without an invoice."""
    mia = account.add_customer(
        "Mia Schäfer",
        "mia@example.de",
        created="2025-01-01T08:00:00",
        where=address("München", "80331", "DE"),
    )
    urs = account.add_customer(
        "Urs Küng", "urs@example.ch", created="2025-01-02T08:00:00", where=address("Bern", "3011")
    )
    subscription = account.add_subscription(mia, created="2025-01-03T09:00:00")
    trial = account.add_subscription(urs, created="2025-01-04T09:00:00", trial_days=14)
    lines = [Line("Mitgliedschaft Premium", 4900), Line("Coaching-Stunde", 2500, quantity=2)]
    invoices = {
        "subscription": account.add_invoice(
            mia,
            lines,
            created="2025-01-03T09:00:00",
            subscription=subscription,
            billing_reason="subscription_create",
            fee=250,
        ),
        "trial": account.add_invoice(
            urs,
            [Line("Testzeitraum für Mitgliedschaft Premium", 0)],
            created="2025-01-04T09:00:00",
            subscription=trial,
            billing_reason="subscription_create",
        ),
        "chf": account.add_invoice(
            urs,
            [Line("Workshop Zürich", 32400, vat_percent=8)],
            created="2025-01-05T10:00:00",
            currency="chf",
            tax_behavior="inclusive",
            fee=980,
        ),
        "refunded": account.add_invoice(
            mia, [Line("Intensivkurs", 20000)], created="2025-01-06T10:00:00", fee=400
        ),
        "disputed": account.add_invoice(
            mia, [Line("Jahresmitgliedschaft", 10000)], created="2025-01-07T10:00:00"
        ),
        "open": account.add_invoice(
            mia, [Line("Beratung", 15000)], created="2025-01-08T10:00:00", status="open"
        ),
        "void": account.add_invoice(
            mia, [Line("Storniert", 5000)], created="2025-01-09T10:00:00", status="void"
        ),
        "uncollectible": account.add_invoice(
            urs,
            [Line("Abgeschrieben", 7000)],
            created="2025-01-10T10:00:00",
            status="uncollectible",
        ),
        "draft": account.add_invoice(
            mia, [Line("Entwurf", 3000)], created="2025-01-11T10:00:00", status="draft"
        ),
    }
    account.refund(
        account.invoice_charge(invoices["refunded"]), 5950, at="2025-01-20T10:00:00"
    )  # a quarter of 238,00
    account.dispute(
        account.invoice_charge(invoices["disputed"]), at="2025-01-21T10:00:00", status="lost"
    )
    one_off = account.add_charge(
        9900, created="2025-01-12T10:00:00", customer=mia, description="E-Book-Paket"
    )
    return Billing(mia, urs, subscription, trial, invoices, one_off)


@pytest.fixture
def billing(account: FakeStripe, small_pages: None) -> Billing:
    return billing_account(account)


# --- the canonical records, field by field -------------------------------------------------------


def test_a_subscription_invoice_with_vat_and_two_lines(
    account: FakeStripe, billing: Billing
) -> None:
    invoice = billing.invoices["subscription"]
    charge = account.invoice_charge(invoice)
    assert orders_of(read(account))[invoice["id"]] == OrderRecord(
        source_order_id=invoice["id"],
        source_contact_id=billing.mia["id"],
        ordered_at=utc("2025-01-03T09:00:00"),
        gross_cents=11781,  # 49,00 + 2 × 25,00 + 19 % VAT
        tax_cents=1881,
        currency="EUR",
        fee_cents=250,
        status="paid",
        kind="subscription",
        payment_id=f"{charge['id']} {charge['payment_intent']}",
        is_sandbox=True,
        url=f"https://dashboard.stripe.com/test/invoices/{invoice['id']}",
        items=[
            ItemRecord("Mitgliedschaft Premium", 5831, 1, "prod_Kurs"),
            ItemRecord("Coaching-Stunde", 5950, 2, "prod_Kurs"),
        ],
        refunds=[],
    )


def test_the_invoice_charge_is_not_an_order_of_its_own(
    account: FakeStripe, billing: Billing
) -> None:
    orders = orders_of(read(account))
    paid = ("subscription", "chf", "refunded", "disputed")
    for name in paid:
        assert account.invoice_charge(billing.invoices[name])["id"] not in orders, name
    charges = set(account.objects["charges"])
    assert charges & set(orders) == {billing.one_off["id"]}


def test_a_trial_start_of_zero_is_a_trial(account: FakeStripe, billing: Billing) -> None:
    invoice = billing.invoices["trial"]
    assert orders_of(read(account))[invoice["id"]] == OrderRecord(
        source_order_id=invoice["id"],
        source_contact_id=billing.urs["id"],
        ordered_at=utc("2025-01-04T09:00:00"),
        gross_cents=0,
        tax_cents=0,
        currency="EUR",
        fee_cents=None,
        status="paid",
        kind="trial",
        payment_id=None,
        is_sandbox=True,
        url=f"https://dashboard.stripe.com/test/invoices/{invoice['id']}",
        items=[ItemRecord("Testzeitraum für Mitgliedschaft Premium", 0, 1, "prod_Kurs")],
        refunds=[],
    )
    asked = [r.path for r in account.server.requests if r.path.startswith("/v1/subscriptions/")]
    assert asked == [f"/v1/subscriptions/{billing.trial['id']}"]  # only for the 0,00 invoice


def test_a_zero_invoice_outside_a_trial_stays_a_subscription() -> None:
    invoice = {"created": 100, "total": 0, "billing_reason": "subscription_create"}
    invoice["parent"] = {"subscription_details": {"subscription": "sub_1"}}
    coupon = {"trial_start": None, "trial_end": None}
    assert inv.invoice_kind(invoice, coupon) == "subscription"
    assert inv.invoice_kind(invoice, {"trial_start": 100, "trial_end": 200}) == "trial"
    assert inv.invoice_kind({**invoice, "parent": None, "billing_reason": "manual"}, None) == (
        "one_time"
    )


def test_a_one_off_charge_without_invoice(account: FakeStripe, billing: Billing) -> None:
    charge = billing.one_off
    assert orders_of(read(account))[charge["id"]] == OrderRecord(
        source_order_id=charge["id"],
        source_contact_id=billing.mia["id"],
        ordered_at=utc("2025-01-12T10:00:00"),
        gross_cents=9900,
        currency="EUR",
        fee_cents=9900 * 15 // 1000 + 25,
        status="paid",
        kind="one_time",
        payment_id=f"{charge['id']} {charge['payment_intent']}",
        is_sandbox=True,
        url=f"https://dashboard.stripe.com/test/payments/{charge['id']}",
        items=[ItemRecord("E-Book-Paket", 9900)],
    )


def test_a_partially_refunded_invoice_payment(account: FakeStripe, billing: Billing) -> None:
    invoice = billing.invoices["refunded"]
    refund = next(iter(account.objects["refunds"].values()))
    got = orders_of(read(account))[invoice["id"]]
    assert (got.gross_cents, got.tax_cents, got.status) == (23800, 3800, "partially_refunded")
    assert got.refunds == [RefundRecord(refund["id"], utc("2025-01-20T10:00:00"), 5950)]


def test_a_lost_dispute_on_an_invoice_payment_is_a_chargeback(
    account: FakeStripe, billing: Billing
) -> None:
    invoice = billing.invoices["disputed"]
    dispute = next(iter(account.objects["disputes"].values()))
    got = orders_of(read(account))[invoice["id"]]
    assert got.status == "chargeback"
    assert got.refunds == [
        RefundRecord(dispute["id"], utc("2025-01-21T10:00:00"), 11900, reason="chargeback")
    ]


def test_a_swiss_franc_invoice_with_vat_included(account: FakeStripe, billing: Billing) -> None:
    got = orders_of(read(account))[billing.invoices["chf"]["id"]]
    # CHF 324.00 including 8 % VAT: 324 × 8 / 108 = 24.00
    assert (got.currency, got.gross_cents, got.tax_cents, got.fee_cents) == (
        "CHF",
        32400,
        2400,
        980,
    )
    assert got.items == [ItemRecord("Workshop Zürich", 32400, 1, "prod_Kurs")]
    assert got.kind == "one_time"


def test_invoice_statuses_and_what_is_watched(account: FakeStripe, billing: Billing) -> None:
    batches = read(account)
    orders = orders_of(batches)
    status = {
        name: orders[i["id"]].status for name, i in billing.invoices.items() if i["id"] in orders
    }
    assert status == {
        "subscription": "paid",
        "trial": "paid",
        "chf": "paid",
        "refunded": "partially_refunded",
        "disputed": "chargeback",
        "open": "pending",
        "void": "cancelled",
        "uncollectible": "failed",
    }  # the draft is no order: it may still be deleted
    assert set(watched(batches)) == {
        billing.invoices[name]["id"] for name in ("open", "uncollectible", "draft")
    }


def test_many_lines_are_paged(account: FakeStripe) -> None:
    buyer = account.add_customer("Ina Groß", "ina@example.de", created="2025-01-01T00:00:00")
    lines = [Line(f"Modul {n}", 1000, vat_percent=7) for n in range(1, 13)]
    invoice = account.add_invoice(buyer, lines, created="2025-02-01T00:00:00")
    got = orders_of(read(account))[invoice["id"]]
    assert [item.product_name for item in got.items] == [f"Modul {n}" for n in range(1, 13)]
    assert (got.gross_cents, got.tax_cents) == (12 * 1070, 12 * 70)
    assert [r.path for r in account.server.requests if r.path.endswith("/lines")] == [
        f"/v1/invoices/{invoice['id']}/lines"
    ]


def test_invoices_of_api_versions_before_basil() -> None:
    legacy = {
        "charge": "ch_1",
        "payment_intent": "pi_1",
        "subscription": "sub_1",
        "tax": 190,
        "total_tax_amounts": [{"amount": 190, "inclusive": False}],
    }
    assert inv.invoice_payment_refs(legacy) == (["pi_1"], ["ch_1"])
    assert (inv.subscription_id(legacy), inv.invoice_tax(legacy)) == ("sub_1", 190)
    line = {"amount": 1000, "tax_amounts": [{"amount": 190, "inclusive": False}]}
    line["price"] = {"product": "prod_1"}
    assert inv.line_items([line], st.minor_to_cents, "eur") == [
        ItemRecord("prod_1", 1190, 1, "prod_1")
    ]


# --- incremental reads ---------------------------------------------------------------------------


def test_an_open_invoice_paid_later_becomes_one_paid_order(
    account: FakeStripe, billing: Billing
) -> None:
    first = read(account)
    account.set_invoice_status(billing.invoices["open"], "paid", at="2025-03-01T10:00:00")
    account.set_invoice_status(billing.invoices["draft"], "paid", at="2025-03-01T11:00:00")
    account.server.requests.clear()
    again = read(account, first[-1].cursor)
    orders = orders_of(again)
    for name in ("open", "draft"):
        invoice = billing.invoices[name]
        charge = account.invoice_charge(invoice)
        assert orders[invoice["id"]].status == "paid", name
        assert orders[invoice["id"]].payment_id == f"{charge['id']} {charge['payment_intent']}"
        assert charge["id"] not in orders, name
    assert set(watched(again)) == {billing.invoices["uncollectible"]["id"]}


def test_a_refund_of_an_old_invoice_payment_updates_the_invoice(
    account: FakeStripe, billing: Billing
) -> None:
    first = read(account)
    invoice = billing.invoices["subscription"]
    account.refund(account.invoice_charge(invoice), 11781, at="2025-04-01T10:00:00")
    orders = orders_of(read(account, first[-1].cursor))  # a new process: nothing in memory
    assert orders[invoice["id"]].status == "refunded"
    assert orders[invoice["id"]].kind == "subscription"
    assert account.invoice_charge(invoice)["id"] not in orders


def test_a_read_resumed_from_any_cursor_ends_with_the_same_records(
    account: FakeStripe, billing: Billing
) -> None:
    batches = read(account)
    complete = (orders_of(batches), contacts_of(batches))
    for stop in range(len(batches)):
        if batches[stop].cursor is None:
            continue
        done = batches[: stop + 1] + read(account, batches[stop].cursor)
        orders, contacts = orders_of(done), contacts_of(done)
        assert set(orders) == set(complete[0]), stop  # never a charge of an invoice
        assert (orders, contacts) == complete, stop


def test_an_invoice_without_a_readable_customer_keeps_its_own_data(account: FakeStripe) -> None:
    buyer = account.add_customer(
        "Eva Ähnlich", "Eva@Example.de", created="2025-01-01T00:00:00", where=address()
    )
    invoice = account.add_invoice(buyer, [Line("Kurs", 1000)], created="2025-01-02T00:00:00")
    account.delete_customer(buyer)
    batches = read(account)
    assert orders_of(batches)[invoice["id"]].source_contact_id == buyer["id"]
    assert contacts_of(batches)[buyer["id"]] == ContactRecord(
        buyer["id"],
        email="Eva@Example.de",
        first_name="Eva",
        last_name="Ähnlich",
        country="DE",
        city="Berlin",
        postcode="10115",
    )


# --- into the database: counted once -------------------------------------------------------------


def connect(engine: Engine, account: FakeStripe) -> None:
    add_source(
        engine,
        "stripe",
        "Stripe",
        base_url=account.url,
        credentials={"secret_key": account.secret_key},
    )


def test_a_shop_order_with_the_payment_intent_id_and_the_stripe_invoice_count_once(
    engine: Engine, sqlite_url: str, account: FakeStripe, billing: Billing
) -> None:
    connect(engine, account)
    assert sync_source(engine, "Stripe", http=fast_http()).status == "ok"
    before = value_of(dataset(sqlite_url), "mia@example.de")
    invoice = billing.invoices["subscription"]
    intent = account.invoice_charge(invoice)["payment_intent"]
    shop = [order("1001", "7", 11781, day="2025-01-03", payment_id=intent)]  # WooCommerce UPE
    put(engine, "Shop", [contact("7", "mia@example.de")], shop, kind="woocommerce")
    ds = dataset(sqlite_url)
    assert value_of(ds, "mia@example.de") == before  # the same payment, counted once
    excluded = ds.orders.filter(ds.orders["excluded_reason"] == "duplicate_payment")
    assert excluded["source_order_id"].to_list() == [invoice["id"]]  # the shop order counts


def test_a_full_sync_counts_each_payment_once_and_a_rerun_changes_nothing(
    engine: Engine, sqlite_url: str, account: FakeStripe, billing: Billing
) -> None:
    connect(engine, account)
    run = sync_source(engine, "Stripe", http=fast_http())
    assert (run.status, run.orders_added) == ("ok", 9)  # 8 finalised invoices, 1 charge
    # 117,81 + 0 + 238,00 − 59,50 + 99,00 (the CHF invoice has no exchange rate: not counted)
    assert value_of(dataset(sqlite_url), "mia@example.de") == 11781 + 23800 - 5950 + 9900
    before = snapshot(engine)
    again = sync_source(engine, "Stripe", http=fast_http())
    assert (again.orders_added, again.orders_updated) == (0, 0)
    assert snapshot(engine) == before


def test_a_sync_interrupted_in_the_charges_resumes_to_the_same_database(
    engine: Engine, tmp_path: Path, account: FakeStripe, billing: Billing
) -> None:
    connect(engine, account)
    seen: list[str] = []

    def interrupt(fraction: float, message: str) -> None:
        seen.append(message)
        if "Zahlungen: 3" in message:  # the first page of charges, after all invoices
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_source(engine, "Stripe", progress=interrupt, http=fast_http())
    assert sync_source(engine, "Stripe", http=fast_http()).status == "ok"
    assert snapshot(engine) == uninterrupted(
        tmp_path, "Stripe", fast_http(), lambda e: connect(e, account)
    )


def test_a_draft_paid_while_the_invoices_are_read_is_not_counted_twice(
    account: FakeStripe, billing: Billing
) -> None:
    config = ConnectorConfig(
        base_url=account.url,
        credentials={"secret_key": SecretStr(account.secret_key)},
        http=fast_http(),
    )
    draft = billing.invoices["draft"]
    batches = []
    with closing(get_spec("stripe").create(config)) as source:
        for batch in source.batches(None):
            batches.append(batch)
            state = json.loads(batch.cursor or "{}")
            invoices_read = state["invoices"]["since"] is not None
            if batch.note.startswith("Rechnungen") and invoices_read and draft["status"] == "draft":
                # between the invoice list and the charge list, the draft is paid
                account.set_invoice_status(draft, "paid", at="2025-03-01T10:00:00")
    assert account.invoice_charge(draft)["id"] not in orders_of(batches)
    assert orders_of(read(account, batches[-1].cursor))[draft["id"]].status == "paid"


def test_the_invoice_list_includes_the_payments(account: FakeStripe, billing: Billing) -> None:
    read(account)
    lists = [r for r in account.server.requests if r.path == "/v1/invoices"]
    assert len(lists) == 3  # nine invoices, three per page
    assert all(r.query["expand[]"] == ["data.payments"] for r in lists)
    assert all(r.param("limit") == "3" for r in lists)


def test_a_restricted_key_without_invoice_access_is_a_clear_403(
    engine: Engine, account: FakeStripe, billing: Billing
) -> None:
    account.forbidden.add("invoices")
    connect(engine, account)
    run = sync_source(engine, "Stripe", http=fast_http())
    assert run.status == "failed"
    assert run.error is not None and run.error.startswith("Stripe verweigert den Zugriff (403")
    assert run.error.endswith("Balance transactions, Invoices und Subscriptions")
    assert account.secret_key not in run.error
    assert [r.path for r in account.server.requests].count("/v1/invoices") == 1  # not retried


def test_a_pending_refund_of_an_invoice_that_fails_later_is_set_to_zero(
    account: FakeStripe, billing: Billing
) -> None:
    invoice = billing.invoices["subscription"]
    refund = account.refund(
        account.invoice_charge(invoice), 11781, at="2025-02-01T10:00:00", status="pending"
    )
    first = read(account)
    assert orders_of(first)[invoice["id"]].status == "refunded"
    assert invoice["id"] in watched(first)
    account.set_refund_status(refund, "failed")
    got = orders_of(read(account, first[-1].cursor))[invoice["id"]]
    assert got.status == "paid" and got.refunds[0].amount_cents == 0


def test_the_newest_charge_read_again_next_time_is_still_its_invoice(
    account: FakeStripe,
) -> None:
    buyer = account.add_customer("Ole Öz", "ole@example.de", created="2025-01-01T00:00:00")
    invoice = account.add_invoice(buyer, [Line("Kurs", 5000)], created="2025-02-01T00:00:00")
    account.add_invoice(
        buyer, [Line("Beratung", 900)], created="2025-02-05T00:00:00", status="open"
    )
    charge = account.invoice_charge(invoice)  # the newest charge, not of the newest invoice
    first = read(account)
    account.server.requests.clear()
    again = read(account, first[-1].cursor)  # created[gte] of the newest charge: read again
    assert charge["id"] not in orders_of(first) | orders_of(again)
    asked = [r for r in account.server.requests if r.path == "/v1/invoice_payments"]
    assert [r.param("payment[payment_intent]") for r in asked] == [charge["payment_intent"]]
