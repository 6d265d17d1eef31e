"""The Shopify connector against a fake shop speaking the documented GraphQL Admin API over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors.shopify as sh
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import AuthenticationError
from kundenwert.records import ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.fakes.shopify import PATH, UNAUTHORIZED, FakeShopify, SampleShop, sample_shop
from tests.sync_support import contacts_of, fast_http, orders_of, snapshot, uninterrupted


@pytest.fixture
def shop() -> Iterator[FakeShopify]:
    with FakeShopify() as shop:
        yield shop


@pytest.fixture
def sample(shop: FakeShopify, monkeypatch: pytest.MonkeyPatch) -> SampleShop:
    monkeypatch.setattr(sh, "ORDERS_PER_PAGE", 3)
    monkeypatch.setattr(sh, "CUSTOMERS_PER_PAGE", 2)
    return sample_shop(shop)


def connector(shop: FakeShopify, token: str | None = None, **kw: Any) -> sh.ShopifyConnector:
    credentials = {"access_token": SecretStr(token or shop.access_token)}
    config = ConnectorConfig(base_url=shop.url, credentials=credentials, http=fast_http(**kw))
    created = get_spec("shopify").create(config)
    assert isinstance(created, sh.ShopifyConnector)
    return created


def read(shop: FakeShopify, cursor: str | None = None, **kw: Any) -> list[Batch]:
    with closing(connector(shop, **kw)) as source:
        return list(source.batches(cursor))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- requests and paging -------------------------------------------------------------------------


def test_requests_are_documented_graphql_posts(shop: FakeShopify, sample: SampleShop) -> None:
    read(shop)
    requests = shop.server.requests
    assert {(r.method, r.path) for r in requests} == {("POST", PATH)}
    assert all(r.headers["x-shopify-access-token"] == shop.access_token for r in requests)
    orders = [q for q in shop.queries if "orders(" in q["query"]]
    assert len(orders) == 4  # 12 orders, three per page
    assert all("sortKey: UPDATED_AT" in q["query"] for q in orders)
    assert orders[0]["variables"]["after"] is None and orders[1]["variables"]["after"]


def test_every_order_and_customer_arrives_across_pages(
    shop: FakeShopify, sample: SampleShop
) -> None:
    batches = read(shop)
    assert set(orders_of(batches)) == set(shop.orders)
    assert set(shop.customers) <= set(contacts_of(batches))


# --- mapping, field by field ---------------------------------------------------------------------


def test_a_paid_order_field_by_field(shop: FakeShopify, sample: SampleShop) -> None:
    order = sample.orders["juergen_paid"]
    number = order["id"].rsplit("/", 1)[-1]
    assert orders_of(read(shop))[order["id"]] == OrderRecord(
        source_order_id=order["id"],
        source_contact_id=sample.juergen["id"],
        ordered_at=utc("2025-01-05T10:00:00Z"),
        gross_cents=11900,
        tax_cents=1900,
        currency="EUR",
        status="paid",
        payment_id="ch_3QxJuergen",
        url=f"{shop.url}/admin/orders/{number}",
        items=[ItemRecord("Online-Kurs – Grundlagen", 11900, 1, "gid://shopify/Product/91")],
        refunds=[],
    )


def test_customers_with_umlauts(shop: FakeShopify, sample: SampleShop) -> None:
    contacts = contacts_of(read(shop))
    juergen = contacts[sample.juergen["id"]]
    assert (juergen.email, juergen.first_name, juergen.last_name) == (
        "Juergen@Example.de",
        "Jürgen",
        "Müller-Lüdenscheidt",
    )
    assert (juergen.company, juergen.city, juergen.postcode, juergen.country) == (
        "Müller & Söhne GmbH",
        "Köln",
        "50667",
        "DE",
    )
    assert juergen.created_at == utc("2024-12-01T09:00:00Z")
    anders = contacts[sample.anders["id"]]  # no orders: from the customers list
    assert (anders.first_name, anders.last_name, anders.city) == ("Ånders", "Ørsted", "København")


def test_guest_buyers_are_one_contact_per_email(shop: FakeShopify, sample: SampleShop) -> None:
    batches = read(shop)
    orders = orders_of(batches)
    first = orders[sample.orders["soeren_chf"]["id"]]
    again = orders[sample.orders["soeren_again"]["id"]]
    assert first.source_contact_id == again.source_contact_id == "guest:soeren.krueger@example.com"
    soeren = contacts_of(batches)["guest:soeren.krueger@example.com"]
    assert (soeren.first_name, soeren.last_name, soeren.city, soeren.country) == (
        "Sören",
        "Krüger",
        "Zürich",
        "CH",
    )
    no_email = sample.orders["no_email"]["id"]
    assert orders[no_email].source_contact_id == f"order:{no_email}"


def test_non_euro_amounts_with_tax_on_top(shop: FakeShopify, sample: SampleShop) -> None:
    chf = orders_of(read(shop))[sample.orders["soeren_chf"]["id"]]
    assert (chf.currency, chf.gross_cents, chf.tax_cents) == ("CHF", 22530, 1540)
    assert chf.items == [ItemRecord("Workshop „Zürich“", 21540, 2, "gid://shopify/Product/91")]


def test_missing_countries_stay_empty(shop: FakeShopify, sample: SampleShop) -> None:
    contact = contacts_of(read(shop))["guest:ida@example.org"]
    assert (contact.country, contact.city, contact.postcode) == (None, None, None)
    assert contact.last_name == "Ödegaard"


def test_refunds_partial_and_full_with_dates(shop: FakeShopify, sample: SampleShop) -> None:
    orders = orders_of(read(shop))
    partial = orders[sample.orders["juergen_partial"]["id"]]
    [refund] = partial.refunds
    assert (partial.status, refund.amount_cents, refund.refunded_at) == (
        "partially_refunded",
        3000,
        utc("2025-02-01T09:30:00Z"),
    )
    full = orders[sample.orders["zoe_refunded"]["id"]]
    assert full.status == "refunded" and [r.amount_cents for r in full.refunds] == [5000]


def test_a_lost_chargeback(shop: FakeShopify, sample: SampleShop) -> None:
    order = orders_of(read(shop))[sample.orders["chargeback"]["id"]]
    assert order.status == "chargeback"
    assert order.refunds == [
        RefundRecord(
            "gid://shopify/ShopifyPaymentsDispute/77",
            utc("2025-02-03T14:00:00Z"),
            24000,
            reason="chargeback",
        )
    ]


def test_statuses_and_test_orders(shop: FakeShopify, sample: SampleShop) -> None:
    orders = orders_of(read(shop))
    status = {name: orders[o["id"]].status for name, o in sample.orders.items()}
    assert (status["cancelled"], status["pending"], status["expired"]) == (
        "cancelled",
        "pending",
        "failed",
    )
    assert orders[sample.orders["test"]["id"]].is_sandbox
    assert not orders[sample.orders["juergen_paid"]["id"]].is_sandbox


def test_orders_with_more_line_items_are_completed(
    shop: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sh, "LINE_ITEMS", 2)
    items = [(f"Artikel {n}", 1, "1.00", "0") for n in range(5)]
    order = shop.add_order(email="a@b.de", created="2025-01-01T00:00:00Z", items=items)
    record = orders_of(read(shop))[order["id"]]
    assert [i.product_name for i in record.items] == [f"Artikel {n}" for n in range(5)]


# --- incremental sync and cursors ----------------------------------------------------------------


def test_incremental_read_asks_for_changes_only(shop: FakeShopify, sample: SampleShop) -> None:
    cursor = read(shop)[-1].cursor
    assert cursor is not None
    assert json.loads(cursor)["orders"]["since"] == "2025-02-03T14:00:00Z"
    changed = sample.orders["juergen_paid"]
    shop.refund(changed, "19.00", at="2025-03-01T10:00:00Z")
    new = shop.add_order(
        email="neu@x.de", created="2025-03-02T10:00:00Z", items=[("K", 1, "9", "0")]
    )
    shop.queries.clear()
    ids = set(orders_of(read(shop, cursor)))
    # the changed and the new order, plus the one of the last second read before (>=)
    assert ids == {changed["id"], new["id"], sample.orders["chargeback"]["id"]}
    first = next(q for q in shop.queries if "orders(" in q["query"])
    assert first["variables"]["query"] == "updated_at:>='2025-02-03T14:00:00Z'"


def test_every_cursor_resumes_to_the_same_records(shop: FakeShopify, sample: SampleShop) -> None:
    batches = read(shop)
    everything = orders_of(batches)
    for index, batch in enumerate(batches):
        if batch.cursor is None:
            continue
        rest = orders_of(batches[: index + 1]) | orders_of(read(shop, batch.cursor))
        assert rest == everything


# --- the cost-based rate limit -------------------------------------------------------------------


def test_a_throttled_answer_is_waited_out_and_retried(
    shop: FakeShopify, sample: SampleShop
) -> None:
    shop.throttled = 1
    delays: list[float] = []
    batches = read(shop, delays=delays)
    assert set(orders_of(batches)) == set(shop.orders)
    # requested 2 + 2 × 4 = 10 points, 50 available: no wait by the bucket, one second instead
    assert delays == [1.0]
    assert len(shop.server.requests) == 7  # 2 pages of customers, 4 of orders, 1 throttled


def test_the_client_waits_until_the_bucket_holds_the_requested_cost(
    shop: FakeShopify, sample: SampleShop
) -> None:
    shop.available = 100.0
    delays: list[float] = []
    read(shop, delays=delays)
    orders_cost = 2 + 3 * (10 + 2 + sh.LINE_ITEMS * 6 + 30 + 5 + 2)  # the fake's estimate
    waits = [d for d in delays if d > 1]
    assert waits and waits[0] == pytest.approx((orders_cost - 100) / 100, abs=0.2)


def test_a_page_too_expensive_is_halved(shop: FakeShopify, sample: SampleShop,
                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(sh, "ORDERS_PER_PAGE", 20)  # 20 × 109 > 1000, so is 10 × 109
    assert set(orders_of(read(shop))) == set(shop.orders)
    sizes = [q["variables"]["first"] for q in shop.queries if "orders(" in q["query"]]
    assert sizes[:3] == [20, 10, 5] and set(sizes[2:]) == {5}


def test_bucket_arithmetic() -> None:
    now = [0.0]
    bucket = sh.Bucket(clock=lambda: now[0])
    status = {"maximumAvailable": 2000.0, "currentlyAvailable": 100.0, "restoreRate": 100.0}
    bucket.update({"requestedQueryCost": 752, "throttleStatus": status}, "orders")
    assert bucket.wait_for("orders") == pytest.approx(6.52)
    now[0] = 3.0
    assert bucket.wait_for("orders") == pytest.approx(3.52)
    now[0] = 10.0
    assert bucket.wait_for("orders") == 0.0
    assert bucket.wait_for("customers") == 0.0  # cost not known yet


# --- errors --------------------------------------------------------------------------------------


def test_a_wrong_token_is_a_clear_401_and_not_retried(shop: FakeShopify) -> None:
    with (
        closing(connector(shop, token="shpat_wrong")) as source,
        pytest.raises(AuthenticationError) as failure,
    ):
        list(source.batches(None))
    assert str(failure.value).startswith("Shopify lehnt den Zugang ab (401")
    assert "Admin-API-Zugriffstoken (shpat_…) in Datenquellen prüfen" in str(failure.value)
    assert len(shop.server.requests) == 1


def test_access_denied_is_a_clear_message(shop: FakeShopify) -> None:
    denied = {
        "errors": [
            {
                "message": "Access denied for orders field.",
                "extensions": {"code": "ACCESS_DENIED"},
            }
        ]
    }
    shop.server.fail(200, body=denied)
    with closing(connector(shop)) as source, pytest.raises(Exception, match="read_all_orders"):
        list(source.batches(None))


def test_no_token_in_repr(shop: FakeShopify) -> None:
    with closing(connector(shop)) as source:
        text = repr(source) + repr(source.client) + repr(source.client.http)
    assert shop.access_token not in text


def test_a_shop_address_without_scheme_or_with_admin_path_works() -> None:
    credentials = sh.ShopifyCredentials(SecretStr("shpat_x"))
    for url in ("mein-shop.myshopify.com", "https://mein-shop.myshopify.com/admin"):
        client = sh.ShopifyClient(url, credentials)
        assert client.shop_url == "https://mein-shop.myshopify.com"
        client.close()


# --- the sync engine over real HTTP --------------------------------------------------------------


def connect(engine: Engine, shop: FakeShopify, token: str | None = None) -> None:
    add_source(
        engine,
        "shopify",
        "Shop",
        base_url=shop.url,
        credentials={"access_token": token or shop.access_token},
    )


def test_a_full_sync_writes_the_shop_and_a_rerun_changes_nothing(
    engine: Engine, shop: FakeShopify, sample: SampleShop
) -> None:
    connect(engine, shop)
    run = sync_source(engine, "Shop", http=fast_http())
    assert (run.status, run.error) == ("ok", None)
    assert (run.orders_added, run.refunds_added) == (12, 3)  # two refunds, one chargeback
    assert run.contacts_added == 6  # 3 customers, 2 guests by e-mail, 1 without one
    before = snapshot(engine)
    again = sync_source(engine, "Shop", http=fast_http())
    assert (again.orders_added, again.orders_updated, again.refunds_added) == (0, 0, 0)
    assert snapshot(engine) == before


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine, shop: FakeShopify, sample: SampleShop
) -> None:
    connect(engine, shop)
    shop.server.fail(429, headers={"Retry-After": "2.0"}, body={"errors": "Throttled"})
    shop.server.fail(500, skip=2)
    shop.server.drop(skip=4)
    delays: list[float] = []
    run = sync_source(engine, "Shop", http=fast_http(delays))
    assert run.status == "ok" and run.orders_added == 12
    assert 2.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, shop: FakeShopify, sample: SampleShop
) -> None:
    connect(engine, shop, token="shpat_revoked")
    empty = snapshot(engine)
    run = sync_source(engine, "Shop", http=fast_http())
    assert run.status == "failed" and run.error is not None
    assert run.error.startswith("Shopify lehnt den Zugang ab (401")
    assert "shpat_revoked" not in run.error
    assert snapshot(engine) == empty
    assert UNAUTHORIZED  # the documented body the fake sends


def test_a_sync_interrupted_halfway_resumes_to_the_same_database(
    engine: Engine, tmp_path: Path, shop: FakeShopify, sample: SampleShop
) -> None:
    connect(engine, shop)
    seen: list[str] = []

    def interrupt(_fraction: float, message: str) -> None:
        seen.append(message)
        if len(seen) == 5:  # in the middle of the orders
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_source(engine, "Shop", progress=interrupt, http=fast_http())
    half = snapshot(engine)
    assert 0 < len(half["orders"]) < 12
    shop.queries.clear()
    assert sync_source(engine, "Shop", http=fast_http()).status == "ok"
    resumed = next(q for q in shop.queries if "orders(" in q["query"])
    assert resumed["variables"]["after"] is not None  # went on, did not start over
    assert snapshot(engine) == uninterrupted(
        tmp_path, "Shop", fast_http(), lambda e: connect(e, shop)
    )
