"""The Stripe connector against a fake account speaking the documented API v1 over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors.stripe as st
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import AuthenticationError, InvalidResponseError
from kundenwert.identity import normalise_email
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.fakes.stripe import FakeStripe, SampleAccount, load_docs_examples, sample_account, ts
from tests.sync_support import (
    contacts_of,
    fast_http,
    kill_sync_when,
    orders_of,
    runs,
    snapshot,
    uninterrupted,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS_CHARGE = "ch_1MoS30LgUG5tbmjcjfsQqpHI"


@pytest.fixture
def account() -> Iterator[FakeStripe]:
    with FakeStripe() as account:
        yield account


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "PER_PAGE", 3)


@pytest.fixture
def sample(account: FakeStripe, small_pages: None) -> SampleAccount:
    return sample_account(account)


def connector(account: FakeStripe, key: str | None = None) -> st.StripeConnector:
    credentials = {"secret_key": SecretStr(key or account.secret_key)}
    config = ConnectorConfig(base_url=account.url, credentials=credentials, http=fast_http())
    created = get_spec("stripe").create(config)
    assert isinstance(created, st.StripeConnector)
    return created


def read(account: FakeStripe, cursor: str | None = None) -> list[Batch]:
    with closing(connector(account)) as source:
        return list(source.batches(cursor))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cursor_of(batches: list[Batch]) -> dict[str, Any]:
    cursors = [b.cursor for b in batches if b.cursor is not None]
    return dict(json.loads(cursors[-1]))


# --- money and the documentation's own examples --------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "cents"),
    [
        (1099, "eur", 1099),  # two decimals: minor units are cents
        (500, "jpy", 50000),  # zero-decimal: ¥500
        (5120, "kwd", 512),  # three decimals, last digit 0: 5.120 KWD
        (5125, "KWD", 513),  # half away from zero
        (500, "isk", 500),  # ISK stays two-decimal in the API
    ],
)
def test_minor_units_become_cents_of_the_major_unit(amount: int, currency: str, cents: int) -> None:
    assert st.minor_to_cents(amount, currency) == cents


def test_the_documented_charge_refund_and_customer(account: FakeStripe) -> None:
    load_docs_examples(account)
    batches = read(account)
    assert orders_of(batches)[DOCS_CHARGE] == OrderRecord(
        source_order_id=DOCS_CHARGE,
        source_contact_id=f"charge:{DOCS_CHARGE}",
        ordered_at=utc("2009-02-13T23:31:30"),
        gross_cents=100,
        currency="USD",
        fee_cents=0,
        status="pending",  # authorised, not captured
        payment_id=DOCS_CHARGE,
        is_sandbox=True,
        url=f"https://dashboard.stripe.com/test/payments/{DOCS_CHARGE}",
        items=[ItemRecord("My First Test Charge (created for API docs)", 100)],
        refunds=[RefundRecord("re_1MoqxHLgUG5tbmjcYO7PFWn6", utc("2009-02-13T23:31:30"), 100)],
    )
    contacts = contacts_of(batches)
    assert contacts[f"charge:{DOCS_CHARGE}"] == ContactRecord(
        f"charge:{DOCS_CHARGE}", first_name="Jenny", last_name="Rosen"
    )
    assert contacts["cus_NZbFQAsc0ptasX"] == ContactRecord(
        "cus_NZbFQAsc0ptasX",
        created_at=utc("2009-02-13T23:31:30"),
        url="https://dashboard.stripe.com/test/customers/cus_NZbFQAsc0ptasX",
    )
    assert cursor_of(batches)["watch"] == [DOCS_CHARGE]  # may still be captured or released


# --- a German coach's account over several pages -------------------------------------------------


def test_every_charge_arrives_across_pages_with_the_documented_parameters(
    account: FakeStripe, sample: SampleAccount
) -> None:
    assert set(orders_of(read(account))) == {c["id"] for c in sample.charges.values()}
    lists = [r for r in account.server.requests if r.path == "/v1/charges"]
    assert len(lists) == 5  # fourteen charges, three per page
    for request in lists:
        assert request.param("limit") == "3"
        assert request.query["expand[]"] == ["data.customer", "data.balance_transaction"]
    assert [r.param("starting_after") for r in lists][1:] == [
        sample.charges[name]["id"]
        for name in ("no_email", "lena_retry", "zoe_refunded", "ida_ebook")
    ]
    for request in account.server.requests:
        assert request.headers["authorization"] == f"Bearer {account.secret_key}"
        assert request.headers["stripe-version"] == st.API_VERSION


def test_customers_with_umlauts_and_companies(account: FakeStripe, sample: SampleAccount) -> None:
    contacts = contacts_of(read(account))
    assert contacts[sample.juergen["id"]] == ContactRecord(
        source_contact_id=sample.juergen["id"],
        email="juergen@example.de",
        first_name="Jürgen",
        last_name="Müller-Lüdenscheidt",
        company="Müller & Söhne GmbH",
        country="DE",
        city="Köln",
        postcode="50667",
        created_at=utc("2024-12-01T09:00:00"),
        url=f"https://dashboard.stripe.com/test/customers/{sample.juergen['id']}",
    )
    anders = contacts[sample.anders["id"]]  # no charges: read from /v1/customers
    assert (anders.first_name, anders.last_name, anders.city) == ("Ånders", "Ørsted", "København")


def test_missing_countries_stay_empty(account: FakeStripe, sample: SampleAccount) -> None:
    ida = contacts_of(read(account))[sample.ida["id"]]
    assert (ida.country, ida.city, ida.postcode, ida.last_name) == (None, None, None, "Ödegaard")


def test_guest_buyers_are_one_contact_per_email(account: FakeStripe, sample: SampleAccount) -> None:
    batches = read(account)
    orders, contacts = orders_of(batches), contacts_of(batches)
    first = orders[sample.charges["soeren_chf"]["id"]]  # billing_details.email
    again = orders[sample.charges["soeren_again"]["id"]]  # receipt_email only
    assert first.source_contact_id == again.source_contact_id == "guest:soeren.krueger@example.com"
    soeren = contacts["guest:soeren.krueger@example.com"]
    assert normalise_email(soeren.email) == "soeren.krueger@example.com"
    assert (soeren.first_name, soeren.last_name, soeren.city, soeren.country) == (
        "Sören",
        "Krüger",
        "Zürich",
        "CH",
    )
    no_email = sample.charges["no_email"]["id"]
    assert orders[no_email].source_contact_id == f"charge:{no_email}"
    assert contacts[f"charge:{no_email}"].last_name == "Laden"


def test_a_paid_charge_field_by_field(account: FakeStripe, sample: SampleAccount) -> None:
    charge = sample.charges["zoe_course"]
    assert orders_of(read(account))[charge["id"]] == OrderRecord(
        source_order_id=charge["id"],
        source_contact_id=sample.zoe["id"],
        ordered_at=utc("2025-01-05T10:00:00"),
        gross_cents=11900,
        tax_cents=0,
        currency="EUR",
        fee_cents=203,
        status="paid",
        kind="one_time",
        # the charge id WooCommerce stores as transaction_id, then the PaymentIntent id
        payment_id=f"{charge['id']} {charge['payment_intent']}",
        is_sandbox=True,
        url=f"https://dashboard.stripe.com/test/payments/{charge['id']}",
        items=[ItemRecord("Online-Kurs – Grundlagen", 11900)],
        refunds=[],
    )


def test_non_euro_amounts_and_fees_settled_in_euro(
    account: FakeStripe, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    chf = orders[sample.charges["soeren_chf"]["id"]]
    # fee 4.21 EUR on 234.12 EUR settled for 225.30 CHF: 4.21 × 22530 / 23412 = 4.05 CHF
    assert (chf.currency, chf.gross_cents, chf.fee_cents) == ("CHF", 22530, 405)
    yen = orders[sample.charges["yen"]["id"]]
    # ¥5000 (zero-decimal) in hundredths; fee 1.16 EUR on 30.50 EUR: ¥190
    assert (yen.currency, yen.gross_cents, yen.fee_cents) == ("JPY", 500000, 19000)
    assert orders[sample.charges["chargeback"]["id"]].currency == "USD"


def test_refunds_partial_and_full(account: FakeStripe, sample: SampleAccount) -> None:
    orders = orders_of(read(account))
    partial = orders[sample.charges["juergen_partial"]["id"]]
    assert (partial.gross_cents, partial.status) == (10000, "partially_refunded")
    assert partial.refunds == [
        RefundRecord(sample.refunds["partial"]["id"], utc("2025-02-01T09:30:00"), 3000)
    ]
    full = orders[sample.charges["zoe_refunded"]["id"]]
    assert full.status == "refunded" and [r.amount_cents for r in full.refunds] == [5000]


def test_a_lost_dispute_is_a_chargeback_and_an_open_one_is_watched(
    account: FakeStripe, sample: SampleAccount
) -> None:
    batches = read(account)
    orders = orders_of(batches)
    lost = orders[sample.charges["chargeback"]["id"]]
    assert lost.status == "chargeback"
    assert lost.refunds == [
        RefundRecord(
            sample.disputes["lost"]["id"], utc("2025-02-05T08:00:00"), 30000, reason="chargeback"
        )
    ]
    still_open = orders[sample.charges["open_dispute"]["id"]]
    assert (still_open.status, still_open.refunds) == ("paid", [])
    assert set(cursor_of(batches)["watch"]) == {
        sample.charges[name]["id"] for name in ("sepa_pending", "authorised", "open_dispute")
    }


def test_statuses_map_to_ours(account: FakeStripe, sample: SampleAccount) -> None:
    orders = orders_of(read(account))
    status = {name: orders[c["id"]].status for name, c in sample.charges.items()}
    assert (
        status["declined"] == "failed"
        and orders[sample.charges["declined"]["id"]].fee_cents is None
    )
    assert status["lena_retry"] == "paid"  # the second attempt of the same buyer
    assert status["sepa_pending"] == "pending" and status["authorised"] == "pending"
    assert status["ida_ebook"] == "paid" and status["no_email"] == "paid"


# --- the cursor ----------------------------------------------------------------------------------


def test_a_read_resumed_from_any_cursor_ends_with_the_same_records(
    account: FakeStripe, sample: SampleAccount
) -> None:
    batches = read(account)
    complete = (orders_of(batches), contacts_of(batches), batches[-1].cursor)
    for stop in range(len(batches)):
        if batches[stop].cursor is None:
            continue
        rest = read(account, batches[stop].cursor)
        done = batches[: stop + 1] + rest
        assert (orders_of(done), contacts_of(done), rest[-1].cursor) == complete, stop


def test_incremental_read_asks_for_changes_only(account: FakeStripe, sample: SampleAccount) -> None:
    cursor = read(account)[-1].cursor
    charges = sample.charges
    account.refund(charges["zoe_course"], 1900, at="2025-03-01T10:00:00")
    account.settle(charges["sepa_pending"])
    account.capture(charges["authorised"])
    account.objects["disputes"][sample.disputes["open"]["id"]]["status"] = "lost"
    new = account.add_charge(
        4900, created="2025-03-02T10:00:00", details=account_billing("neu@example.de")
    )
    account.server.requests.clear()
    batches = read(account, cursor)
    orders = orders_of(batches)
    # the changes, plus what the newest second of each list and the watched charges bring again
    assert set(orders) == {new["id"]} | {
        charges[name]["id"]
        for name in ("zoe_course", "sepa_pending", "authorised", "open_dispute", "zoe_refunded")
    }
    assert orders[charges["zoe_course"]["id"]].status == "partially_refunded"
    assert orders[charges["sepa_pending"]["id"]].status == "paid"
    assert orders[charges["authorised"]["id"]].status == "paid"
    assert orders[charges["open_dispute"]["id"]].status == "chargeback"
    lists = {
        r.path: r
        for r in reversed(account.server.requests)
        if r.path.count("/") == 2 and r.param("charge") is None
    }
    assert lists["/v1/charges"].param("created[gte]") == str(ts("2025-01-26T09:00:00"))
    assert lists["/v1/customers"].param("created[gte]") == str(ts("2025-01-02T07:00:00"))
    assert lists["/v1/refunds"].param("created[gte]") == str(ts("2025-02-03T14:00:00"))
    assert lists["/v1/disputes"].param("created[gte]") == str(ts("2025-02-06T08:00:00"))
    assert cursor_of(batches)["watch"] == []


def account_billing(email: str) -> dict[str, Any]:
    return {"address": None, "email": email, "name": "Neu Kundin", "phone": None}


def test_a_refund_that_fails_later_is_set_to_zero(account: FakeStripe, small_pages: None) -> None:
    buyer = account.add_customer("Eva Ähnlich", "eva@example.de", created="2025-01-01T00:00:00")
    charge = account.add_charge(2000, created="2025-01-02T00:00:00", customer=buyer)
    refund = account.refund(charge, 2000, at="2025-01-03T00:00:00", status="pending")
    first = read(account)
    assert orders_of(first)[charge["id"]].status == "refunded"
    assert cursor_of(first)["watch"] == [charge["id"]]  # a pending refund may still fail
    account.set_refund_status(refund, "failed")
    order = orders_of(read(account, first[-1].cursor))[charge["id"]]
    assert order.status == "paid" and order.refunds[0].amount_cents == 0


def test_a_customer_deleted_while_paging_restarts_the_customer_list(
    account: FakeStripe, sample: SampleAccount
) -> None:
    with closing(connector(account)) as source:
        batches = source.batches(None)
        first_page = next(b for b in batches if b.contacts)
    tail = json.loads(first_page.cursor or "")["customers"]["tail"]
    assert tail == sample.juergen["id"]  # newest first: Ida, Ånders, Jürgen
    account.delete_customer(sample.juergen)
    contacts = contacts_of(read(account, first_page.cursor))
    assert sample.zoe["id"] in contacts
    # his charges keep his id, with the billing details they carry
    assert contacts[sample.juergen["id"]].email == "juergen@example.de"


def test_ids_that_were_not_expanded_are_read_once(
    account: FakeStripe, sample: SampleAccount
) -> None:
    expanded = read(account)
    account.ignore_expand = True
    account.server.requests.clear()
    plain = read(account)
    assert contacts_of(plain) == contacts_of(expanded)
    fees = {o.source_order_id: o.fee_cents for o in orders_of(plain).values()}
    assert set(fees.values()) == {None}  # the fee needs the balance transaction
    assert {k: replace(o, fee_cents=None) for k, o in orders_of(expanded).items()} == orders_of(
        plain
    )
    assert not [r for r in account.server.requests if r.path.startswith("/v1/customers/")]
    # a customer not in this run's customer list is read once, by id
    account.add_charge(990, created="2025-03-01T08:00:00", customer=sample.zoe)
    account.add_charge(990, created="2025-03-01T09:00:00", customer=sample.zoe)
    account.server.requests.clear()
    later = contacts_of(read(account, plain[-1].cursor))
    assert later[sample.zoe["id"]] == contacts_of(expanded)[sample.zoe["id"]]
    single = [r.path for r in account.server.requests if r.path.startswith("/v1/customers/")]
    # Zoë for the new charges, Jürgen for his watched ones: each once
    assert sorted(single) == sorted(
        f"/v1/customers/{c['id']}" for c in (sample.zoe, sample.juergen)
    )


def test_a_base_url_with_v1_works_too(account: FakeStripe, sample: SampleAccount) -> None:
    config = ConnectorConfig(
        base_url=account.url + "/v1",
        credentials={"secret_key": SecretStr(account.secret_key)},
        http=fast_http(),
    )
    with closing(get_spec("stripe").create(config)) as source:
        assert len(orders_of(list(source.batches(None)))) == 14


# --- errors --------------------------------------------------------------------------------------


def test_a_wrong_key_is_a_clear_401_and_not_retried(account: FakeStripe) -> None:
    wrong = "sk_test_51Wrong0key0for0this0account9876"
    with closing(connector(account, key=wrong)) as source, pytest.raises(AuthenticationError) as e:
        list(source.batches(None))
    assert str(e.value) == (
        "Stripe lehnt den Zugang ab (401 – Invalid API Key provided: sk_test_"
        + "*" * (len(wrong) - 12)
        + "9876): Secret Key (sk_live_…) oder eingeschränkten Schlüssel (rk_live_…) in "
        "Datenquellen prüfen (Stripe-Dashboard → Entwickler → API-Schlüssel)"
    )
    assert wrong not in str(e.value)
    assert len(account.server.requests) == 1


def test_a_publishable_key_is_refused_before_asking(account: FakeStripe) -> None:
    with (
        closing(connector(account, key="pk_test_51Kundenwert")) as source,
        pytest.raises(AuthenticationError, match="veröffentlichbare Schlüssel"),
    ):
        list(source.batches(None))
    assert account.server.requests == []


def test_a_server_ignoring_starting_after_is_an_error_not_an_endless_loop(
    account: FakeStripe, sample: SampleAccount
) -> None:
    account.ignore_starting_after = True
    with (
        closing(connector(account)) as source,
        pytest.raises(InvalidResponseError, match="dieselbe"),
    ):
        list(source.batches(None))


def test_no_key_in_repr(account: FakeStripe) -> None:
    with closing(connector(account)) as source:
        text = repr(source) + repr(source.client) + repr(source.client.http)
    assert account.secret_key not in text


# --- the sync engine, over real HTTP into the database -------------------------------------------


def connect(engine: Engine, account: FakeStripe, key: str = "") -> None:
    add_source(
        engine,
        "stripe",
        "Stripe",
        base_url=account.url,
        credentials={"secret_key": key or account.secret_key},
    )


def test_a_full_sync_writes_the_account_and_a_rerun_changes_nothing(
    engine: Engine, account: FakeStripe, sample: SampleAccount
) -> None:
    connect(engine, account)
    run = sync_source(engine, "Stripe", http=fast_http())
    assert (run.status, run.error) == ("ok", None)
    assert (run.orders_added, run.refunds_added) == (14, 3)  # two refunds, one chargeback
    assert run.contacts_added == 9  # 4 customers, 4 guests by e-mail, 1 guest without one
    before = snapshot(engine)
    again = sync_source(engine, "Stripe", http=fast_http())
    assert (again.orders_added, again.orders_updated, again.refunds_added) == (0, 0, 0)
    assert (again.contacts_added, again.contacts_updated) == (0, 0)
    assert snapshot(engine) == before


def test_incremental_sync_fetches_only_changes(
    engine: Engine, account: FakeStripe, sample: SampleAccount
) -> None:
    connect(engine, account)
    sync_source(engine, "Stripe", http=fast_http())
    account.refund(sample.charges["zoe_course"], 1900, at="2025-03-01T10:00:00")
    account.add_charge(4900, created="2025-03-02T10:00:00", details=account_billing("neu@x.de"))
    account.server.requests.clear()
    run = sync_source(engine, "Stripe", http=fast_http())
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (1, 1, 1)
    assert run.contacts_added == 1
    charge_lists = [r for r in account.server.requests if r.path == "/v1/charges"]
    assert len(charge_lists) == 1  # the new charge and the one of the same second as last time


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine, account: FakeStripe, sample: SampleAccount
) -> None:
    connect(engine, account)
    limited = {"error": {"message": "Too many requests.", "type": "invalid_request_error"}}
    account.server.fail(429, path="/v1/charges", headers={"Retry-After": "12"}, body=limited)
    account.server.fail(500, path="/v1/charges", skip=1)
    account.server.drop(path="/v1/customers")
    delays: list[float] = []
    run = sync_source(engine, "Stripe", http=fast_http(delays))
    assert run.status == "ok" and run.orders_added == 14
    assert 12.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, account: FakeStripe, sample: SampleAccount
) -> None:
    connect(engine, account, key="sk_live_revoked0key0000000000001234")
    empty = snapshot(engine)
    run = sync_source(engine, "Stripe", http=fast_http())
    assert run.status == "failed"
    assert run.error is not None and run.error.startswith(
        "Stripe lehnt den Zugang ab (401 – Invalid API Key provided: sk_live_"
    )
    assert run.error.endswith(
        "in Datenquellen prüfen (Stripe-Dashboard → Entwickler → API-Schlüssel)"
    )
    assert snapshot(engine) == empty
    assert [r.status for r in runs(engine)] == ["failed"]


def test_a_sync_interrupted_by_the_owner_resumes_to_the_same_database(
    engine: Engine, tmp_path: Path, account: FakeStripe, sample: SampleAccount
) -> None:
    connect(engine, account)
    seen: list[str] = []

    def interrupt(fraction: float, message: str) -> None:
        seen.append(message)
        if len(seen) == 6:  # in the middle of the charges
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_source(engine, "Stripe", progress=interrupt, http=fast_http())
    half = snapshot(engine)
    assert 0 < len(half["orders"]) < 14
    assert sync_source(engine, "Stripe", http=fast_http()).status == "ok"
    assert snapshot(engine) == uninterrupted(
        tmp_path, "Stripe", fast_http(), lambda e: connect(e, account)
    )


def test_a_killed_sync_process_resumes_to_the_same_database(
    engine: Engine, sqlite_url: str, data_dir: Path, tmp_path: Path, account: FakeStripe
) -> None:
    buyer = account.add_customer("Eva Ähnlich", "eva@example.de", created="2024-01-01T00:00:00")
    for n in range(250):  # three pages of a hundred
        day = f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00"
        account.add_charge(999 + n, created=day, customer=buyer)
    connect(engine, account)
    account.server.slow(60, path="/v1/charges", skip=2)  # the third page hangs
    kill_sync_when(
        sqlite_url,
        data_dir,
        lambda: len([r for r in account.server.requests if r.path == "/v1/charges"]) >= 3,
    )
    half = snapshot(engine)
    assert len(half["orders"]) == 200
    account.server.faults.clear()
    account.server.requests.clear()
    resumed = sync_source(engine, "Stripe", http=fast_http())
    assert resumed.status == "ok"
    assert [r.status for r in runs(engine)] == ["failed", "ok"]
    resumed_from = next(r for r in account.server.requests if r.path == "/v1/charges")
    assert resumed_from.param("starting_after") is not None  # went on, did not start over
    assert snapshot(engine) == uninterrupted(
        tmp_path, "Stripe", fast_http(), lambda e: connect(e, account)
    )
