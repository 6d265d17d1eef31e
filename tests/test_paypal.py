"""The PayPal connector against a fake account speaking the documented REST API over HTTP."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors.paypal as pp
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import (
    AuthenticationError,
    PermissionDeniedError,
)
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.fakes.paypal import FakePayPal, SampleAccount, basic, sample_account, when
from tests.sync_support import contacts_of, fast_http, orders_of, runs, snapshot, uninterrupted

DATA = Path(__file__).parent / "data" / "paypal"
NOW = when("2025-04-01T00:00:00")
REFRESHED = when("2025-03-31T21:00:00")
SEARCH = "/v1/reporting/transactions"
TOKEN = "/v1/oauth2/token"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pp, "utcnow", lambda: NOW)


@pytest.fixture
def account() -> Iterator[FakePayPal]:
    with FakePayPal(refreshed=REFRESHED) as account:
        yield account


@pytest.fixture
def sample(account: FakePayPal, monkeypatch: pytest.MonkeyPatch) -> SampleAccount:
    monkeypatch.setattr(pp, "PAGE_SIZE", 3)
    return sample_account(account)


def connector(account: FakePayPal, secret: str | None = None, url: str = "") -> pp.PayPalConnector:
    credentials = {
        "client_id": SecretStr(account.client_id),
        "client_secret": SecretStr(secret or account.client_secret),
    }
    config = ConnectorConfig(base_url=url or account.url, credentials=credentials, http=fast_http())
    created = get_spec("paypal").create(config)
    assert isinstance(created, pp.PayPalConnector)
    return created


def read(account: FakePayPal, cursor: str | None = None) -> list[Batch]:
    with closing(connector(account)) as source:
        return list(source.batches(cursor))


def txn(detail: dict[str, Any]) -> str:
    return str(detail["transaction_info"]["transaction_id"])


def searches(account: FakePayPal) -> list[Any]:
    return [r for r in account.server.requests if r.path == SEARCH]


# --- the documentation's own example -------------------------------------------------------------


def test_the_documented_sample_maps_field_by_field() -> None:
    detail = json.loads((DATA / "search_by_transaction_id.json").read_text())[
        "transaction_details"
    ][0]
    assert pp.order_record(detail, [], sandbox=True) == OrderRecord(
        source_order_id="5TY05013RG002845M",
        source_contact_id="6STWC2LSUYYYE",
        ordered_at=when("2014-07-11T04:03:52"),
        gross_cents=46500,
        currency="USD",
        fee_cents=1379,
        status="paid",
        payment_id="5TY05013RG002845M",
        is_sandbox=True,
        items=[
            ItemRecord("Item1 - radio", 12000, 2, "ItemCode-1"),
            ItemRecord("Item2 - Headset", 36000, 3, "ItemCode-2"),
            ItemRecord("3", -5000, 1, None),
        ],
    )
    assert pp.contact_record(detail) == ContactRecord(
        "6STWC2LSUYYYE",
        email="consumer@example.com",
        first_name="test",
        last_name="consumer",
        country="US",
        city="Bangalore",  # the payer has no address: the shipping address's
        postcode="560103",
    )


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2014-07-11T04:03:52+0000", "2014-07-11T04:03:52"),  # the guide's format
        ("2022-05-02T07:24:52Z", "2022-05-02T07:24:52"),  # the reference's format
        ("2022-05-02T09:24:52.5+02:00", "2022-05-02T07:24:52.5"),
    ],
)
def test_both_documented_date_formats(text: str, moment: str) -> None:
    assert pp.parse_time(text) == when(moment)


# --- a German coach's account over several windows and pages ------------------------------------


def test_windows_of_31_days_and_pages_with_the_documented_parameters(
    account: FakePayPal, sample: SampleAccount
) -> None:
    read(account)
    requests = searches(account)
    windows = sorted({(r.param("start_date"), r.param("end_date")) for r in requests})
    assert windows[0][0] == "2022-04-04T00:00:00Z"  # three years back, less a margin
    assert windows[-1][1] == "2025-04-01T00:00:00Z"
    for (start, end), (following, _) in itertools.pairwise(windows):
        assert following == end  # no gap between windows
        span = datetime.fromisoformat(end) - datetime.fromisoformat(start)
        assert span <= timedelta(days=31)
    for request in requests:
        assert request.param("fields") == "all" and request.param("page_size") == "3"
        assert request.headers["authorization"].startswith("Bearer A21AA")
    january = [r for r in requests if r.param("start_date") == "2024-12-21T00:00:00Z"]
    assert [r.param("page") for r in january] == ["1", "2"]  # 5 records, 3 per page
    tokens = [r for r in account.server.requests if r.path == TOKEN]
    assert len(tokens) == 1  # kept for the whole run
    assert tokens[0].method == "POST"
    assert tokens[0].headers["authorization"] == basic(account.client_id, account.client_secret)
    assert tokens[0].headers["content-type"] == "application/x-www-form-urlencoded"


def test_every_sale_and_nothing_else(account: FakePayPal, sample: SampleAccount) -> None:
    orders = orders_of(read(account))
    assert set(orders) == {txn(s) for s in sample.sales.values()}


def test_a_paid_sale_field_by_field(account: FakePayPal, sample: SampleAccount) -> None:
    course = txn(sample.sales["course"])
    assert orders_of(read(account))[course] == OrderRecord(
        source_order_id=course,
        source_contact_id="JUERGENM2DE77",
        ordered_at=when("2025-01-05T10:00:00"),
        gross_cents=11900,
        currency="EUR",
        fee_cents=319,
        status="paid",
        kind="one_time",
        payment_id=course,  # the id shops store as their transaction id
        items=[
            ItemRecord("Online-Kurs – Grundlagen", 9900, 1, "KURS-1"),
            ItemRecord("Arbeitsbuch", 2000, 2, "WB-2"),
        ],
    )


def test_payers_with_umlauts_guests_and_missing_countries(
    account: FakePayPal, sample: SampleAccount
) -> None:
    batches = read(account)
    contacts, orders = contacts_of(batches), orders_of(batches)
    assert contacts["JUERGENM2DE77"] == ContactRecord(
        "JUERGENM2DE77",
        email="Juergen@Example.de",
        first_name="Jürgen",
        last_name="Müller-Lüdenscheidt",
        country="DE",
        city="Köln",
        postcode="50667",
    )
    guest = "email:zoe.oe@example.com"  # paid without a PayPal account
    assert orders[txn(sample.sales["guest"])].source_contact_id == guest
    assert orders[txn(sample.sales["denied"])].source_contact_id == guest
    assert (contacts[guest].first_name, contacts[guest].last_name) == ("Zoë", "Öztürk")
    ida = contacts["IDAODE6NO33CC"]
    assert (ida.last_name, ida.country, ida.city) == ("Ödegaard", None, None)
    anonymous = txn(sample.sales["anonymous"])
    assert orders[anonymous].source_contact_id == f"txn:{anonymous}"
    assert contacts[f"txn:{anonymous}"] == ContactRecord(f"txn:{anonymous}")
    soeren = contacts["SOERENK3CH88Z"]
    assert (soeren.first_name, soeren.city, soeren.country) == ("Sören", "Zürich", "CH")


def test_non_euro_currencies_in_cents_of_the_major_unit(
    account: FakePayPal, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    chf = orders[txn(sample.sales["chf"])]
    assert (chf.currency, chf.gross_cents, chf.fee_cents) == ("CHF", 22530, 780)
    yen = orders[txn(sample.sales["yen"])]
    assert (yen.currency, yen.gross_cents, yen.fee_cents) == ("JPY", 500000, 20000)


def test_refunds_full_partial_and_across_windows(
    account: FakePayPal, sample: SampleAccount
) -> None:
    batches = read(account)
    orders = orders_of(batches)
    guest = orders[txn(sample.sales["guest"])]
    assert guest.status == "refunded"
    assert guest.refunds == [RefundRecord("3RF05013RG0028461", when("2025-01-14T09:00:00"), 5000)]
    twice = txn(sample.sales["twice_refunded"])
    first = [o for b in batches for o in b.orders if o.source_order_id == twice]
    # written with its sale, again with the first part (February), again with the rest (March)
    assert [o.status for o in first] == ["paid", "partially_refunded", "refunded"]
    assert first[-1].refunds == [
        RefundRecord("2RF05013RG0028462", when("2025-02-20T10:00:00"), 3000),
        RefundRecord("2RF05013RG0028464", when("2025-03-20T10:00:00"), 7000),
    ]


def test_a_reversal_by_paypal_is_a_chargeback(account: FakePayPal, sample: SampleAccount) -> None:
    order = orders_of(read(account))[txn(sample.sales["chargeback"])]
    assert (order.status, order.currency, order.gross_cents) == ("chargeback", "USD", 30000)
    assert order.refunds == [
        RefundRecord("6CB05013RG0028463", when("2025-03-10T10:00:00"), 30000, "chargeback")
    ]


def test_statuses_kinds_and_fees(account: FakePayPal, sample: SampleAccount) -> None:
    orders = orders_of(read(account))
    denied = orders[txn(sample.sales["denied"])]
    assert (denied.status, denied.fee_cents) == ("failed", None)
    assert orders[txn(sample.sales["pending"])].status == "pending"
    subscription = orders[txn(sample.sales["subscription"])]
    assert (subscription.kind, subscription.fee_cents) == ("subscription", 0)  # no fee field


def test_a_refund_of_a_sale_before_the_cursor_is_looked_up_by_id(
    account: FakePayPal, sample: SampleAccount
) -> None:
    cursor = read(account)[-1].cursor
    account.refund(sample.sales["course"], "1RF05013RG0028465", "2025-03-31T22:00:00", "19.00")
    account.refreshed = when("2025-04-01T02:00:00")
    account.server.requests.clear()
    orders = orders_of(read(account, cursor))
    course = orders[txn(sample.sales["course"])]
    assert course.status == "partially_refunded" and course.refunds[0].amount_cents == 1900
    course_id = txn(sample.sales["course"])
    lookups = [r for r in searches(account) if r.param("transaction_id") == course_id]
    assert len(lookups) == 3  # three windows back from the refund to January
    assert lookups[0].param("end_date") == "2025-03-31T22:00:00Z"  # back from the refund


# --- the cursor ----------------------------------------------------------------------------------


def test_the_cursor_stops_at_the_last_refresh(account: FakePayPal, sample: SampleAccount) -> None:
    state = json.loads(read(account)[-1].cursor or "")
    assert state["until"] == "2025-03-31T21:00:00Z"  # not "now": later rows may still appear
    assert state["watch"] == {txn(sample.sales["pending"]): "2025-02-15T11:00:00Z"}
    assert set(state["refunds"]) == {
        txn(sample.sales[name]) for name in ("guest", "twice_refunded", "chargeback")
    }


def test_incremental_read_asks_for_the_new_window_and_pending_sales(
    account: FakePayPal, sample: SampleAccount
) -> None:
    cursor = read(account)[-1].cursor
    account.set_status(sample.sales["pending"], "S")
    new = account.add("NEW05013RG0028466", "2025-03-31T23:00:00", "29.00", payer={})
    account.refreshed = when("2025-04-01T03:00:00")
    account.server.requests.clear()
    batches = read(account, cursor)
    orders = orders_of(batches)
    assert set(orders) == {txn(new), txn(sample.sales["pending"])}
    assert orders[txn(sample.sales["pending"])].status == "paid"
    windows = {(r.param("start_date"), r.param("end_date")) for r in searches(account)}
    assert ("2025-03-31T21:00:00Z", "2025-04-01T00:00:00Z") in windows
    assert len(windows) == 2  # the new window and the pending sale's
    assert json.loads(batches[-1].cursor or "")["watch"] == {}


def test_a_read_resumed_from_any_cursor_ends_with_the_same_records(
    account: FakePayPal, sample: SampleAccount
) -> None:
    batches = read(account)
    complete = (orders_of(batches), contacts_of(batches), batches[-1].cursor)
    for stop in range(len(batches)):
        if batches[stop].cursor is None:
            continue
        rest = read(account, batches[stop].cursor)
        done = batches[: stop + 1] + rest
        assert (orders_of(done), contacts_of(done), rest[-1].cursor) == complete, stop


def test_a_window_too_large_for_one_search_is_halved(
    account: FakePayPal, sample: SampleAccount
) -> None:
    account.max_results = 4
    assert set(orders_of(read(account))) == {txn(s) for s in sample.sales.values()}
    spans = {
        datetime.fromisoformat(r.param("end_date") or "")
        - datetime.fromisoformat(r.param("start_date") or "")
        for r in searches(account)
        if not r.param("transaction_id")
    }
    assert min(spans) < timedelta(days=16)


# --- authentication and errors -------------------------------------------------------------------


def test_an_expired_token_is_renewed_once(account: FakePayPal, sample: SampleAccount) -> None:
    with closing(connector(account)) as source:
        batches = source.batches(None)
        next(batches)
        account.expire_tokens()
        rest = list(batches)
        assert rest and source.client.auth.fetched == 2
    assert len([r for r in account.server.requests if r.path == TOKEN]) == 2


def test_a_token_near_its_expiry_is_renewed_before_use(
    account: FakePayPal, sample: SampleAccount
) -> None:
    account.expires_in = 30  # shorter than the safety margin: a new token every request
    read(account)
    assert len([r for r in account.server.requests if r.path == TOKEN]) == len(searches(account))


def test_wrong_credentials_are_a_clear_401_and_not_retried(account: FakePayPal) -> None:
    with (
        closing(connector(account, secret="wrong-secret")) as source,
        pytest.raises(AuthenticationError) as error,
    ):
        list(source.batches(None))
    assert str(error.value) == (
        "PayPal lehnt den Zugang ab (401 – Client Authentication failed): Client-ID und Secret "
        "der REST-App in Datenquellen prüfen (PayPal Developer → Apps & Credentials, Live bzw. "
        "Sandbox passend zur Basis-URL)"
    )
    assert [r.path for r in account.server.requests] == [TOKEN]


def test_missing_transaction_search_permission_is_a_clear_403(account: FakePayPal) -> None:
    account.search_enabled = False
    with closing(connector(account)) as source, pytest.raises(PermissionDeniedError) as error:
        list(source.batches(None))
    assert "Transaction Search" in str(error.value)
    assert "Authorization failed due to insufficient permissions." in str(error.value)


def test_token_errors_are_retried_like_any_other(
    account: FakePayPal, sample: SampleAccount
) -> None:
    account.server.fail(503, path=TOKEN, body={"name": "SERVICE_UNAVAILABLE"})
    account.server.drop(path=TOKEN)
    assert len(orders_of(read(account))) == 10


def test_a_sandbox_base_url_marks_sandbox_orders() -> None:
    client = pp.PayPalClient(
        "https://api-m.sandbox.paypal.com/v1/",
        pp.PayPalCredentials(SecretStr("id"), SecretStr("secret-value")),
    )
    with closing(client):
        assert client.sandbox and client.base_url == "https://api-m.sandbox.paypal.com"
        assert "secret-value" not in repr(client) + repr(client.http) + repr(client.auth)


# --- the sync engine, over real HTTP into the database -------------------------------------------


def connect(engine: Engine, account: FakePayPal, secret: str = "") -> None:
    add_source(
        engine,
        "paypal",
        "PayPal",
        base_url=account.url,
        credentials={
            "client_id": account.client_id,
            "client_secret": secret or account.client_secret,
        },
    )


def test_a_full_sync_writes_the_account_and_a_rerun_changes_nothing(
    engine: Engine, account: FakePayPal, sample: SampleAccount
) -> None:
    connect(engine, account)
    run = sync_source(engine, "PayPal", http=fast_http())
    assert (run.status, run.error) == ("ok", None)
    assert (run.orders_added, run.refunds_added) == (10, 4)
    assert run.contacts_added == 7  # five payers with an account, one guest, one anonymous
    before = snapshot(engine)
    again = sync_source(engine, "PayPal", http=fast_http())
    assert (again.orders_added, again.orders_updated, again.refunds_added) == (0, 0, 0)
    assert snapshot(engine)["orders"] == before["orders"]


def test_incremental_sync_fetches_only_changes(
    engine: Engine, account: FakePayPal, sample: SampleAccount
) -> None:
    connect(engine, account)
    sync_source(engine, "PayPal", http=fast_http())
    account.refund(sample.sales["chf"], "4RF05013RG0028467", "2025-03-31T22:30:00", "25.30")
    account.add("NEW05013RG0028468", "2025-03-31T23:00:00", "29.00", payer={})
    account.refreshed = when("2025-04-01T03:00:00")
    account.server.requests.clear()
    run = sync_source(engine, "PayPal", http=fast_http())
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (1, 1, 1)
    assert len([r for r in searches(account) if not r.param("transaction_id")]) == 1


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine, account: FakePayPal, sample: SampleAccount
) -> None:
    connect(engine, account)
    limited = {
        "name": "RATE_LIMIT_REACHED",
        "message": "Too many requests. Blocked due to rate limiting.",
    }
    account.server.fail(429, path=SEARCH, headers={"Retry-After": "12"}, body=limited, skip=3)
    account.server.fail(500, path=SEARCH, skip=40, body={"name": "INTERNAL_SERVER_ERROR"})
    account.server.drop(path=SEARCH, skip=38)
    delays: list[float] = []
    run = sync_source(engine, "PayPal", http=fast_http(delays))
    assert run.status == "ok" and run.orders_added == 10
    assert 12.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, account: FakePayPal, sample: SampleAccount
) -> None:
    connect(engine, account, secret="revoked-secret")
    empty = snapshot(engine)
    run = sync_source(engine, "PayPal", http=fast_http())
    assert run.status == "failed"
    assert run.error is not None
    assert run.error.startswith("PayPal lehnt den Zugang ab (401 – Client Authentication failed)")
    assert "revoked-secret" not in run.error
    assert snapshot(engine) == empty
    assert [r.status for r in runs(engine)] == ["failed"]


def test_a_sync_interrupted_halfway_resumes_to_the_same_database(
    engine: Engine, tmp_path: Path, account: FakePayPal, sample: SampleAccount
) -> None:
    connect(engine, account)
    seen: list[str] = []

    def interrupt(_fraction: float, message: str) -> None:
        seen.append(message)
        if "2025-02" in message:  # in the middle of February's pages
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_source(engine, "PayPal", progress=interrupt, http=fast_http())
    half = snapshot(engine)
    assert 0 < len(half["orders"]) < 10
    assert sync_source(engine, "PayPal", http=fast_http()).status == "ok"
    assert [r.status for r in runs(engine)] == ["failed", "ok"]
    assert snapshot(engine) == uninterrupted(
        tmp_path, "PayPal", fast_http(), lambda e: connect(e, account)
    )


def test_the_connector_is_registered() -> None:
    spec = get_spec("paypal")
    assert (spec.title, spec.default_base_url) == ("PayPal", "https://api-m.paypal.com")
    assert dict(spec.credential_fields) == {"key": "client_id", "secret": "client_secret"}
