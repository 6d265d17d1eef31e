"""The Digistore24 connector against a fake account speaking the documented API over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors.digistore24 as ds
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import (
    AuthenticationError,
    HttpOptions,
    InvalidResponseError,
    PermissionDeniedError,
    RequestRejectedError,
)
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.fakes.digistore24 import FakeDigistore24, SampleAccount, sample_account, utc
from tests.fakes.server import FakeRequest, FakeResponse, FakeServer
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
DOCS = ROOT / "tests" / "data" / "digistore24"
BACKOFFICE = "/vendor/reports/transactions/order/"


@pytest.fixture
def account() -> Iterator[FakeDigistore24]:
    with FakeDigistore24() as account:
        yield account


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ds, "PAGE_SIZE", 3)


@pytest.fixture
def sample(account: FakeDigistore24, small_pages: None) -> SampleAccount:
    return sample_account(account)


def connector(url: str, key: str, http: HttpOptions | None = None) -> ds.Digistore24Connector:
    config = ConnectorConfig(
        base_url=url,
        credentials={"api_key": SecretStr(key)},
        http=http or fast_http(),
    )
    created = get_spec("digistore24").create(config)
    assert isinstance(created, ds.Digistore24Connector)
    return created


def read(account: FakeDigistore24, cursor: str | None = None) -> list[Batch]:
    with closing(connector(account.url, account.api_key)) as source:
        return list(source.batches(cursor))


def order_id(txn: dict[str, Any]) -> str:
    return str(txn["id"])


def main_requests(account: FakeDigistore24) -> list[FakeRequest]:
    return [
        r
        for r in account.server.requests
        if r.path.endswith("/listTransactions") and not r.param("search[purchase_id]")
    ]


# --- the documentation's own examples ------------------------------------------------------------


def docs_app(enveloped: bool) -> Callable[[FakeRequest], FakeResponse]:
    """The documented answers, in the envelope or, as the OpenAPI examples show them, without."""

    def app(request: FakeRequest) -> FakeResponse:
        name = request.path.rsplit("/", 1)[-1]
        body = json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
        return FakeResponse.json(body if enveloped else body["data"])

    return app


@pytest.mark.parametrize("enveloped", [True, False])
def test_the_documented_purchase_L4F5DWT5_is_a_refunded_payment(enveloped: bool) -> None:
    app = docs_app(enveloped)
    with FakeServer(app) as server, closing(connector(server.url, "123-abc")) as source:
        base = server.url
        batches = list(source.batches(None))
    assert orders_of(batches) == {
        "313113": OrderRecord(
            source_order_id="313113",
            source_contact_id="54321",
            ordered_at=utc("2014-02-25T21:51:43"),  # 22:51:43 in Berlin (CET)
            gross_cents=1000,
            tax_cents=160,  # the purchase's vat_amount: the item has none
            currency="EUR",
            fee_cents=None,  # no earned_amount in the documented item
            status="refunded",
            kind="one_time",
            is_sandbox=False,
            url=f"{base}{BACKOFFICE}L4F5DWT5",
            items=[ItemRecord("Ihr Weg in die Selbstständigkeit", 1000, 1, "20")],
            refunds=[RefundRecord("313115", utc("2014-02-25T21:52:02"), 1000, "refund")],
        )
    }
    assert contacts_of(batches) == {
        "54321": ContactRecord(
            source_contact_id="54321",
            email="claus@mail.com",
            first_name="Claus",
            last_name="Meyers",
            company="Sample Ltd.",
            country="DE",
            city="Test city",
            postcode="12345",
            created_at=utc("2016-08-26T11:33:23"),
        )
    }
    assert batches[-1].cursor == "2014-02-25T21:42:02"  # newest transaction minus OVERLAP


# --- a German account over several pages ---------------------------------------------------------


def test_every_payment_arrives_across_pages_and_nothing_else(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    payments = {k: v for k, v in sample.payments.items() if v["kind"] == "payment"}
    assert set(orders) == {order_id(t) for k, t in payments.items() if k != "affiliate"}
    first, *_ = main_requests(account)
    assert first.method == "POST" and first.headers["x-ds-api-key"] == account.api_key
    assert {k: first.param(k) for k in ("from", "sort_by", "sort_order", "page_size")} == {
        "from": "start",
        "sort_by": "date",
        "sort_order": "asc",
        "page_size": "3",
    }
    assert first.param("search[role]") == "vendor" and first.param("language") == "de"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", first.param("to") or "")
    assert first.param("search[transaction_type]") == "payment,refund,chargeback"
    assert len(main_requests(account)) == 8  # 22 rows, three per page


def test_buyers_with_umlauts_and_their_addresses(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    contacts = contacts_of(read(account))
    juergen = contacts[str(sample.buyers["juergen"].id)]
    assert juergen == ContactRecord(
        source_contact_id=str(sample.buyers["juergen"].id),
        email="juergen@example.de",
        first_name="Jürgen",
        last_name="Müller-Lüdenscheidt",
        company="Müller & Söhne GmbH",
        country="DE",
        city="Köln",
        postcode="50667",
        created_at=utc("2024-12-01T09:00:00"),
    )
    soeren = contacts[str(sample.buyers["soeren"].id)]
    assert (soeren.email, soeren.first_name, soeren.city, soeren.country) == (
        "Soeren.Krueger@Example.COM",  # stored normalised by the ingest
        "Sören",
        "Zürich",
        "CH",
    )


def test_a_buyer_without_account_is_one_contact_by_email(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    batches = read(account)
    order = orders_of(batches)[order_id(sample.payments["guest"])]
    assert order.source_contact_id == "email:guelay.uenal@example.de"
    guest = contacts_of(batches)["email:guelay.uenal@example.de"]
    assert (guest.first_name, guest.last_name, guest.city) == ("Gülay", "Ünal", "Hamburg")


def test_missing_countries_stay_empty(account: FakeDigistore24, sample: SampleAccount) -> None:
    ida = contacts_of(read(account))[str(sample.buyers["ida"].id)]
    assert (ida.last_name, ida.country, ida.city, ida.postcode) == ("Ödegaard", None, None, None)


def test_money_is_exact_cents_with_vat_and_fees(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    course = orders[order_id(sample.payments["course"])]
    # 120.00 gross, 20.00 AT VAT, Digistore24 7.9 % + 1.00 = 10.48, affiliate 40.00
    assert (course.gross_cents, course.tax_cents, course.fee_cents) == (12000, 2000, 5048)
    assert course.items == [ItemRecord("Online-Kurs „Grundlagen“", 12000, 1, "20")]
    chf = orders[order_id(sample.payments["chf"])]
    assert (chf.currency, chf.gross_cents, chf.tax_cents) == ("CHF", 21540, 1614)
    assert chf.items == [ItemRecord("Workshop Zürich", 21540, 2, "31")]  # quantity: getPurchase
    usd = orders[order_id(sample.payments["usd"])]
    assert (usd.currency, usd.gross_cents, usd.tax_cents, usd.status) == ("USD", 30000, 0, "paid")
    assert usd.items == [ItemRecord("Consulting (US)", 30000, 3, "90")]


def test_refunds_partial_full_and_a_chargeback(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    partial = orders[order_id(sample.payments["partial"])]
    assert (partial.status, partial.gross_cents) == ("partially_refunded", 10000)
    assert partial.refunds == [
        RefundRecord(order_id(sample.payments["refund_partial"]), utc("2025-02-01T09:30:00"), 3000)
    ]
    full = orders[order_id(sample.payments["refunded"])]
    assert full.status == "refunded" and [r.amount_cents for r in full.refunds] == [5000]
    # the chargeback names only the purchase: it reverses the latest payment before it
    abo = {k: orders[order_id(sample.payments[k])] for k in ("abo_1", "abo_2", "abo_3")}
    assert [o.status for o in abo.values()] == ["paid", "paid", "chargeback"]
    assert abo["abo_3"].refunds == [
        RefundRecord(
            order_id(sample.payments["chargeback"]), utc("2025-03-20T16:00:00"), 2900, "chargeback"
        )
    ]


def test_subscriptions_instalments_trials_and_test_payments(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    kind = {
        k: orders[order_id(t)].kind for k, t in sample.payments.items() if order_id(t) in orders
    }
    assert kind["course"] == "one_time"
    assert kind["abo_1"] == kind["abo_2"] == kind["trial_2"] == "subscription"
    assert kind["raten_1"] == kind["raten_3"] == "installment"
    assert kind["trial"] == "trial"
    sandbox = {k for k, t in sample.payments.items() if order_id(t) in orders}
    assert {k for k in sandbox if orders[order_id(sample.payments[k])].is_sandbox} == {"test"}
    ordered = orders[order_id(sample.payments["abo_2"])]
    assert ordered.ordered_at == utc("2025-02-10T07:00:00")
    assert ordered.url and ordered.url.endswith(BACKOFFICE + sample.purchases["abo"].id)


def test_the_documented_item_shape_is_enough(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    """Only the OpenAPI fields: signed amounts, no VAT or earnings, product from getPurchase."""
    account.shape = "openapi"
    orders = orders_of(read(account))
    partial = orders[order_id(sample.payments["partial"])]
    assert (partial.status, partial.tax_cents, partial.fee_cents) == (
        "partially_refunded",
        1597,
        None,
    )
    assert partial.items == [ItemRecord("Coaching", 10000, 1, "50")]
    chf = orders[order_id(sample.payments["chf"])]
    assert chf.items == [ItemRecord("Workshop Zürich", 21540, 2, "31")]
    assert orders[order_id(sample.payments["raten_2"])].kind == "installment"
    assert orders[order_id(sample.payments["test"])].is_sandbox  # pay_method from getPurchase


def test_a_purchase_the_api_cannot_show_falls_back_to_the_transaction(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    account.unknown_purchases.add(sample.purchases["ebook"].id)
    ebook = order_id(sample.payments["ebook"])
    batch = next(b for b in read(account) if ebook in orders_of([b]))
    ida = contacts_of([batch])[str(sample.buyers["ida"].id)]
    assert (ida.email, ida.first_name, ida.city, ida.created_at) == (
        "ida@example.org",
        "Ida",
        None,
        None,  # only getPurchase knows when the buyer was created
    )
    assert orders_of([batch])[ebook].items == [ItemRecord("E-Book", 1990, 1, "40")]


def test_every_cursor_covers_what_was_read_before_it(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    batches = read(account)
    read_so_far: set[str] = set()
    created = {order_id(t): t["at"] for t in sample.payments.values()}
    for batch in batches:
        read_so_far |= {o.source_order_id for o in batch.orders}
        for refund in (r for o in batch.orders for r in o.refunds):
            read_so_far.add(refund.source_refund_id)
        assert batch.cursor is not None
        cursor = datetime.fromisoformat(batch.cursor).replace(tzinfo=UTC)
        wanted = {i for i, at in created.items() if at <= cursor}
        assert wanted - {order_id(sample.payments["affiliate"])} <= read_so_far
    assert batches[-1].cursor == "2025-03-20T15:50:00" and batches[-1].done == 1.0


def test_incremental_read_asks_for_changes_only(
    account: FakeDigistore24, sample: SampleAccount
) -> None:
    cursor = read(account)[-1].cursor
    refund = account.refund(sample.purchases["course"], "24.00", at="2025-04-01T10:00:00")
    new = account.pay(sample.purchases["abo"], at="2025-04-10T07:00:00")
    account.server.requests.clear()
    batches = read(account, cursor)
    assert main_requests(account)[0].param("from") == "2025-03-20T15:50:00+00:00"
    orders = orders_of(batches)
    course = orders[order_id(sample.payments["course"])]
    assert course.status == "partially_refunded"
    assert course.refunds == [RefundRecord(order_id(refund), utc("2025-04-01T10:00:00"), 2400)]
    # the chargeback in the overlap re-reads the abo's history; the new rebill is plain paid
    assert set(orders) == {
        order_id(sample.payments[k]) for k in ("course", "abo_1", "abo_2", "abo_3")
    } | {order_id(new)}
    assert orders[order_id(new)].status == "paid"


# --- allocation rules ----------------------------------------------------------------------------


def txn(kind: str, at: str, cents: int, txn_id: str) -> ds.Txn:
    return ds.Txn(txn_id, "P1", kind, utc(at), cents, None, None, "EUR", {})


def test_a_refund_larger_than_the_latest_payment_spills_to_earlier_ones() -> None:
    history = [
        txn("payment", "2025-01-01T00:00:00", 2900, "1"),
        txn("payment", "2025-02-01T00:00:00", 2900, "2"),
        txn("refund", "2025-02-05T00:00:00", 4000, "3"),
        txn("payment", "2025-03-01T00:00:00", 2900, "4"),
        txn("refund", "2025-03-02T00:00:00", 3000, "5"),
        txn("chargeback", "2024-12-01T00:00:00", 100, "6"),  # before any payment: skipped
        txn("refund", "2025-03-05T00:00:00", 5000, "7"),
    ]
    refunds = ds.allocate(history)
    assert refunds["2"] == [RefundRecord("3", utc("2025-02-05T00:00:00"), 2900)]
    assert refunds["1"] == [
        RefundRecord("3-2", utc("2025-02-05T00:00:00"), 1100),
        RefundRecord("5-2", utc("2025-03-02T00:00:00"), 100),
        RefundRecord("7", utc("2025-03-05T00:00:00"), 1700),
    ]
    assert refunds["4"] == [
        RefundRecord("5", utc("2025-03-02T00:00:00"), 2900),
        RefundRecord("7-2", utc("2025-03-05T00:00:00"), 3300),  # more than was paid: the latest
    ]


def test_local_times_follow_the_envelope_zone() -> None:
    moment = ds.parse_time("2025-07-01 12:00:00", ds.response_zone({"timezone": "Europe/Berlin"}))
    assert moment == utc("2025-07-01T10:00:00")  # summer time
    zone = ds.response_zone({"timezone": "Mars/Olympus", "utc_offset": "-05:00"})
    assert ds.parse_time("2025-07-01 12:00:00", zone) == utc("2025-07-01T17:00:00")
    assert ds.parse_time("2025-07-01T12:00:00+00:00", zone) == utc("2025-07-01T12:00:00")
    assert ds.response_zone({}) == ds.DEFAULT_ZONE
    assert ds.money("29,90") == 2990 and ds.money(-10.0) == -1000 and ds.money("") is None


# --- errors --------------------------------------------------------------------------------------


def test_a_wrong_key_is_a_clear_401_and_not_retried(account: FakeDigistore24) -> None:
    with (
        closing(connector(account.url, "999-wrong")) as source,
        pytest.raises(AuthenticationError) as failure,
    ):
        list(source.batches(None))
    assert str(failure.value) == (
        "Digistore24 lehnt den API-Schlüssel ab (401 – The API key is invalid.): bitte in "
        "Datenquellen prüfen (Digistore24 → Einstellungen → Kontozugang → API-Schlüssel, "
        "Berechtigung „Lesezugriff“ oder „Vollzugriff“)"
    )
    assert len(account.server.requests) == 1


def test_a_wrong_key_reported_in_a_200_envelope_is_the_same_error(
    account: FakeDigistore24,
) -> None:
    account.errors_on_200 = True
    with (
        closing(connector(account.url, "999-wrong")) as source,
        pytest.raises(AuthenticationError, match=r"ab \(Code 2 – The API key is invalid"),
    ):
        list(source.batches(None))


def test_a_developer_key_is_told_it_needs_read_access(account: FakeDigistore24) -> None:
    body = {"result": "error", "code": 8, "message": "Zugriff verweigert"}
    account.server.fail(403, body=body)
    with (
        closing(connector(account.url, account.api_key)) as source,
        pytest.raises(PermissionDeniedError) as failure,
    ):
        list(source.batches(None))
    assert str(failure.value).startswith(
        "Digistore24 lehnt den API-Schlüssel ab (403 – Zugriff verweigert): bitte in Datenquellen "
        "prüfen: der Schlüssel braucht Lese- oder Vollzugriff"
    )


def test_other_api_errors_name_the_function(account: FakeDigistore24) -> None:
    account.errors_on_200 = True
    account.server.fail(200, body={"result": "error", "code": 3, "message": "Ungültige Parameter"})
    with (
        closing(connector(account.url, account.api_key)) as source,
        pytest.raises(RequestRejectedError, match=r"listTransactions ab \(Code 3 – Ungültige"),
    ):
        list(source.batches(None))


def test_no_key_in_repr_or_messages(account: FakeDigistore24) -> None:
    key = account.api_key
    account.server.fail(400, body={"result": "error", "code": 3, "message": f"bad key {key}"})
    with closing(connector(account.url, key)) as source:
        assert key not in repr(source) + repr(source.client) + repr(source.client.http)
        with pytest.raises(RequestRejectedError) as failure:
            list(source.batches(None))
    assert key not in str(failure.value) and "***" in str(failure.value)


def test_a_server_ignoring_page_numbers_is_an_error_not_an_endless_loop(small_pages: None) -> None:
    page = {"result": "success", "data": {"transaction_list": [{"id": 1}, {"id": 2}, {"id": 3}]}}
    with FakeServer(lambda _r: FakeResponse.json(page)) as server:
        credentials = ds.Digistore24Credentials(SecretStr("k"))
        client = ds.Digistore24Client(server.url, credentials, HttpOptions(rate_limit=0))
        with closing(client), pytest.raises(InvalidResponseError, match="dieselben Einträge"):
            list(client.transaction_pages("start", "now"))


# --- through the sync engine into the database ---------------------------------------------------


def connect(engine: Engine, account: FakeDigistore24, key: str = "") -> None:
    add_source(
        engine,
        "digistore24",
        "DS24",
        base_url=account.url,
        credentials={"api_key": key or account.api_key},
    )


def test_a_full_sync_writes_the_account_and_a_rerun_changes_nothing(
    engine: Engine, account: FakeDigistore24, sample: SampleAccount, fast: HttpOptions
) -> None:
    connect(engine, account)
    run = sync_source(engine, "DS24", http=fast)
    assert (run.status, run.error) == ("ok", None)
    assert (run.orders_added, run.refunds_added, run.contacts_added) == (19, 3, 7)
    data = snapshot(engine)
    soeren = next(c for c in data["contacts"] if c[0] == str(sample.buyers["soeren"].id))
    assert soeren[1:6] == ("soeren.krueger@example.com", "Sören", "Krüger", None, "CH")
    before = snapshot(engine)
    for full in (False, True):
        again = sync_source(engine, "DS24", full=full, http=fast)
        assert (again.orders_added, again.orders_updated, again.refunds_added) == (0, 0, 0)
        assert (again.contacts_added, again.contacts_updated) == (0, 0)
    assert snapshot(engine) == before


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine,
    account: FakeDigistore24,
    sample: SampleAccount,
    fast: HttpOptions,
    delays: list[float],
) -> None:
    connect(engine, account)
    account.server.fail(429, path="/listTransactions", headers={"Retry-After": "12"})
    account.server.fail(500, path="/listTransactions", skip=1, body={"result": "error"})
    account.server.drop(path="/getPurchase")
    run = sync_source(engine, "DS24", http=fast)
    assert run.status == "ok" and run.orders_added == 19
    assert 12.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, account: FakeDigistore24, sample: SampleAccount, fast: HttpOptions
) -> None:
    connect(engine, account, key="999-wrong")
    empty = snapshot(engine)
    run = sync_source(engine, "DS24", http=fast)
    assert run.status == "failed"
    assert run.error is not None
    assert run.error.startswith("Digistore24 lehnt den API-Schlüssel ab (401 – The API key is")
    assert snapshot(engine) == empty


def test_incremental_sync_counts_only_what_changed(
    engine: Engine, account: FakeDigistore24, sample: SampleAccount, fast: HttpOptions
) -> None:
    connect(engine, account)
    sync_source(engine, "DS24", http=fast)
    account.refund(sample.purchases["usd"], "100.00", at="2025-04-01T10:00:00")
    account.pay(sample.purchases["raten"], at="2025-04-15T09:00:00")
    run = sync_source(engine, "DS24", http=fast)
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (1, 1, 1)
    usd = next(o for o in snapshot(engine)["orders"] if o[3] == "USD")
    assert usd[7] == "partially_refunded"


def test_a_sync_failing_halfway_resumes_to_the_same_database(
    engine: Engine,
    tmp_path: Path,
    account: FakeDigistore24,
    sample: SampleAccount,
    fast: HttpOptions,
) -> None:
    connect(engine, account)
    calls: list[str] = []

    def break_after_three_batches(fraction: float, message: str) -> None:
        calls.append(message)
        if len(calls) == 4:
            account.server.drop(times=1000)

    failed = sync_source(engine, "DS24", progress=break_after_three_batches, http=fast)
    assert failed.status == "failed" and "Digistore24 ist nicht erreichbar" in (failed.error or "")
    half = snapshot(engine)
    assert 0 < len(half["orders"]) < 19 and half["cursor"] != [None]
    account.server.faults.clear()
    account.server.requests.clear()
    assert sync_source(engine, "DS24", http=fast).status == "ok"
    assert main_requests(account)[0].param("from") == f"{half['cursor'][0]}+00:00"
    assert snapshot(engine) == uninterrupted(tmp_path, "DS24", fast, lambda e: connect(e, account))


def test_a_killed_sync_process_resumes_to_the_same_database(
    engine: Engine,
    sqlite_url: str,
    data_dir: Path,
    tmp_path: Path,
    account: FakeDigistore24,
    fast: HttpOptions,
) -> None:
    eva = account.add_buyer("Eva", "Ähnlich", "eva@example.de", created="2024-01-01T00:00:00")
    start = utc("2020-01-01T00:00:00")
    for n in range(21):  # 2 100 payments, all in the past: pages of 1 000, 1 000 and 100
        abo = account.add_purchase(
            eva, created="2020-01-01T00:00:00", amount="9.99", billing_type="subscription"
        )
        for month in range(100):
            at = start + timedelta(days=10 * month, minutes=n)
            account.pay(abo, at=at.strftime("%Y-%m-%dT%H:%M:%S"))
    connect(engine, account)
    account.server.slow(60, path="/listTransactions", skip=2)  # the third page hangs
    kill_sync_when(sqlite_url, data_dir, lambda: len(main_requests(account)) >= 3)
    half = snapshot(engine)
    assert len(half["orders"]) == 2000
    account.server.faults.clear()
    assert sync_source(engine, "DS24", http=fast).status == "ok"
    assert [r.status for r in runs(engine)] == ["failed", "ok"]
    assert snapshot(engine) == uninterrupted(tmp_path, "DS24", fast, lambda e: connect(e, account))
