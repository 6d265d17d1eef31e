"""The WooCommerce connector against a fake shop speaking the documented REST API v3 over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

import connectors.woocommerce as wc
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import (
    AuthenticationError,
    InvalidResponseError,
    RequestRejectedError,
)
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from tests.fakes.woocommerce import FakeWooCommerce, SampleShop, load_docs_examples, sample_shop
from tests.sync_support import contacts_of, fast_http, orders_of


@pytest.fixture
def shop() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as shop:
        yield shop


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wc, "PER_PAGE", 3)


def connector(shop: FakeWooCommerce, secret: str | None = None) -> wc.WooCommerceConnector:
    credentials = {
        "consumer_key": SecretStr(shop.consumer_key),
        "consumer_secret": SecretStr(secret or shop.consumer_secret),
    }
    config = ConnectorConfig(base_url=shop.url, credentials=credentials, http=fast_http())
    created = get_spec("woocommerce").create(config)
    assert isinstance(created, wc.WooCommerceConnector)
    return created


def read(shop: FakeWooCommerce, cursor: str | None = None) -> list[Batch]:
    with closing(connector(shop)) as source:
        return list(source.batches(cursor))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the documentation's own examples ------------------------------------------------------------


def test_the_documented_guest_order_727(shop: FakeWooCommerce) -> None:
    load_docs_examples(shop)
    order = orders_of(read(shop))["727"]
    assert order == OrderRecord(
        source_order_id="727",
        source_contact_id="guest:john.doe@example.com",
        ordered_at=utc("2017-03-22T19:28:02"),
        gross_cents=2935,
        tax_cents=135,
        currency="USD",
        status="paid",
        payment_id=None,
        url=f"{shop.url}/wp-admin/post.php?post=727&action=edit",
        items=[
            ItemRecord("Woo Single #1", 645, quantity=2, product_id="93"),
            ItemRecord("Ship Your Idea – Color: Black, Size: M Test", 1290, 1, "22"),
        ],
        refunds=[],
    )


def test_the_documented_order_723_is_partially_refunded_with_refund_dates(
    shop: FakeWooCommerce,
) -> None:
    load_docs_examples(shop)
    order = orders_of(read(shop))["723"]
    assert order.source_contact_id == "26"
    assert (order.gross_cents, order.tax_cents, order.status) == (3900, 0, "partially_refunded")
    assert order.ordered_at == utc("2017-03-21T19:16:00")
    assert order.refunds == [
        RefundRecord("726", utc("2017-03-21T20:07:11"), 1000),
        RefundRecord("724", utc("2017-03-21T19:55:37"), 900),
    ]


def test_the_documented_customers_become_contacts(shop: FakeWooCommerce) -> None:
    load_docs_examples(shop)
    contacts = contacts_of(read(shop))
    assert contacts["26"] == ContactRecord(
        source_contact_id="26",
        email="joao.silva@example.com",
        first_name="João",
        last_name="Silva",
        company=None,
        country="BR",
        city="Rio de Janeiro",
        postcode="12345-000",
        created_at=utc("2017-03-21T19:11:14"),
        url=f"{shop.url}/wp-admin/user-edit.php?user_id=26",
    )
    assert contacts["25"].email == "john.doe@example.com"  # registered, no order yet
    assert contacts["guest:john.doe@example.com"].first_name == "John"


# --- a German shop over several pages ------------------------------------------------------------


@pytest.fixture
def sample(shop: FakeWooCommerce, small_pages: None) -> SampleShop:
    return sample_shop(shop)


def test_every_order_arrives_across_pages_even_with_equal_timestamps(
    shop: FakeWooCommerce, sample: SampleShop
) -> None:
    batches = read(shop)
    assert set(orders_of(batches)) == {str(o["id"]) for o in sample.orders.values()}
    order_requests = [r for r in shop.server.requests if r.path.endswith("/orders")]
    assert len(order_requests) > 4  # three orders per page
    for request in order_requests:
        assert request.param("orderby") == "modified" and request.param("order") == "asc"
        assert request.param("status") == "any" and request.param("dates_are_gmt") == "true"
        assert request.param("per_page") == "3"


def test_registered_customers_with_umlauts(shop: FakeWooCommerce, sample: SampleShop) -> None:
    contacts = contacts_of(read(shop))
    juergen = contacts[str(sample.juergen["id"])]
    assert (juergen.first_name, juergen.last_name) == ("Jürgen", "Müller-Lüdenscheidt")
    assert (juergen.company, juergen.city, juergen.postcode, juergen.country) == (
        "Müller & Söhne GmbH",
        "Köln",
        "50667",
        "DE",
    )
    assert juergen.created_at == utc("2024-12-01T09:00:00")
    anders = contacts[str(sample.anders["id"])]  # no orders: read from /customers
    assert (anders.first_name, anders.last_name, anders.city) == ("Ånders", "Ørsted", "København")


def test_guest_buyers_are_one_contact_per_email(shop: FakeWooCommerce, sample: SampleShop) -> None:
    batches = read(shop)
    orders = orders_of(batches)
    first = orders[str(sample.orders["soeren_chf"]["id"])]
    again = orders[str(sample.orders["soeren_again"]["id"])]
    assert first.source_contact_id == again.source_contact_id == "guest:soeren.krueger@example.com"
    soeren = contacts_of(batches)["guest:soeren.krueger@example.com"]
    assert (soeren.first_name, soeren.last_name, soeren.city, soeren.country) == (
        "Sören",
        "Krüger",
        "Zürich",
        "CH",
    )
    no_email = orders[str(sample.orders["no_email"]["id"])]
    assert no_email.source_contact_id == f"order:{sample.orders['no_email']['id']}"


def test_non_euro_amounts_are_exact_cents(shop: FakeWooCommerce, sample: SampleShop) -> None:
    orders = orders_of(read(shop))
    chf = orders[str(sample.orders["soeren_chf"]["id"])]
    assert (chf.currency, chf.gross_cents, chf.tax_cents) == (
        "CHF",
        22530,
        1540,
    )  # 200.00 + 15.40 tax + 9.90 shipping
    assert chf.items == [ItemRecord("Workshop „Zürich“", 21540, 2, "91")]
    usd = orders[str(sample.orders["juergen_usd"]["id"])]
    assert (usd.currency, usd.gross_cents, usd.status) == ("USD", 30000, "paid")


def test_missing_countries_stay_empty(shop: FakeWooCommerce, sample: SampleShop) -> None:
    contact = contacts_of(read(shop))["guest:ida@example.org"]
    assert (contact.country, contact.city, contact.postcode) == (None, None, None)
    assert contact.last_name == "Ödegaard"


def test_refunds_partial_and_full(shop: FakeWooCommerce, sample: SampleShop) -> None:
    orders = orders_of(read(shop))
    partial = orders[str(sample.orders["juergen_partial"]["id"])]
    assert (partial.gross_cents, partial.status) == (10000, "partially_refunded")
    [refund] = partial.refunds
    assert (refund.amount_cents, refund.refunded_at) == (3000, utc("2025-02-01T09:30:00"))
    full = orders[str(sample.orders["zoe_refunded"]["id"])]
    assert full.status == "refunded" and full.payment_id == "ch_3QxZoe2"
    assert [r.amount_cents for r in full.refunds] == [5000]


def test_statuses_map_to_ours(shop: FakeWooCommerce, sample: SampleShop) -> None:
    orders = orders_of(read(shop))
    status = {name: orders[str(o["id"])].status for name, o in sample.orders.items()}
    assert status["zoe_course"] == "paid"
    assert status["no_country"] == "paid"  # processing
    assert status["on_hold"] == "pending" and status["pending"] == "pending"
    assert status["cancelled"] == "cancelled" and status["failed"] == "failed"


def test_order_details(shop: FakeWooCommerce, sample: SampleShop) -> None:
    order = orders_of(read(shop))[str(sample.orders["zoe_course"]["id"])]
    assert order.source_contact_id == str(sample.zoe["id"])
    assert order.ordered_at == utc("2025-01-05T10:00:00")  # GMT, not the shop's local time
    assert (order.gross_cents, order.tax_cents, order.payment_id) == (11900, 1900, "ch_3QxZoe")
    assert order.items == [ItemRecord("Online-Kurs – Grundlagen", 11900, 1, "91")]


def test_every_cursor_covers_what_was_read_before_it(
    shop: FakeWooCommerce, sample: SampleShop
) -> None:
    batches = read(shop)
    modified = {str(o["id"]): utc(o["date_modified_gmt"]) for o in shop.orders.values()}
    read_so_far: set[str] = set()
    for batch in batches:
        read_so_far |= {o.source_order_id for o in batch.orders}
        if batch.cursor is None:
            continue
        cursor = utc(batch.cursor)
        assert {i for i, m in modified.items() if m <= cursor} <= read_so_far


def test_incremental_read_asks_for_changes_only(shop: FakeWooCommerce, sample: SampleShop) -> None:
    cursor = read(shop)[-1].cursor
    assert cursor == "2025-02-03T13:59:59"  # newest change minus the second of overlap
    changed = sample.orders["zoe_course"]
    shop.refund(changed["id"], "19.00", at="2025-03-01T10:00:00")
    new = shop.add_order(
        customer=sample.juergen, created="2025-03-02T10:00:00", items=[("Kurs", 1, "10.00", "0")]
    )
    shop.server.requests.clear()
    batches = read(shop, cursor)
    ids = set(orders_of(batches))
    # the changed and the new order, plus what changed in the overlap second
    assert ids == {str(changed["id"]), str(new["id"]), str(sample.orders["zoe_refunded"]["id"])}
    assert not any(
        r.path.endswith("/customers") and r.param("include") is None for r in shop.server.requests
    )
    first = next(r for r in shop.server.requests if r.path.endswith("/orders"))
    assert first.param("modified_after") == cursor
    assert orders_of(batches)[str(changed["id"])].status == "partially_refunded"


def test_refund_dates_fall_back_without_the_refunds_endpoint(
    shop: FakeWooCommerce, sample: SampleShop
) -> None:
    shop.refunds_endpoint = False
    order = orders_of(read(shop))[str(sample.orders["juergen_partial"]["id"])]
    assert order.refunds[0].refunded_at == utc(
        sample.orders["juergen_partial"]["date_modified_gmt"]
    )


def test_a_status_added_by_a_plugin_counts_as_paid_once_paid(shop: FakeWooCommerce) -> None:
    buyer = shop.add_customer("Ali", "Yılmaz", "ali@example.de", created="2025-01-01T00:00:00")
    order = shop.add_order(
        customer=buyer, created="2025-01-02T00:00:00", items=[("X", 1, "5", "0")]
    )
    order["status"] = "shipped"
    assert orders_of(read(shop))[str(order["id"])].status == "paid"
    order["date_paid_gmt"] = None
    assert orders_of(read(shop))[str(order["id"])].status == "pending"


def test_250_orders_in_pages_of_a_hundred(shop: FakeWooCommerce) -> None:
    buyer = shop.add_customer("Eva", "Ähnlich", "eva@example.de", created="2024-01-01T00:00:00")
    for n in range(250):
        day = f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00"
        shop.add_order(customer=buyer, created=day, items=[("Abo", 1, "9.99", "1.90")])
    batches = read(shop)
    assert len(orders_of(batches)) == 250
    assert len([r for r in shop.server.requests if r.path.endswith("/orders")]) == 3
    assert batches[-1].done == 1.0 and batches[-1].note == "Bestellungen 250 von 250"


def test_wrong_secret_is_a_clear_401(shop: FakeWooCommerce) -> None:
    with (
        closing(connector(shop, secret="cs_wrong")) as source,
        pytest.raises(AuthenticationError) as failure,
    ):
        list(source.batches(None))
    assert str(failure.value).startswith(
        "WooCommerce lehnt den Zugang ab (401 – Consumer secret is invalid.): "
        "Consumer Key und Consumer Secret in Datenquellen prüfen"
    )
    assert failure.value.code == "woocommerce_rest_authentication_error"
    assert len(shop.server.requests) == 1  # not retried


def test_an_unknown_key_is_a_clear_401(shop: FakeWooCommerce) -> None:
    with closing(connector(shop)) as source:
        shop.consumer_key = "ck_other"
        with pytest.raises(AuthenticationError, match="Sorry, you cannot list resources"):
            list(source.batches(None))


def test_a_shop_older_than_5_8_is_told_so(shop: FakeWooCommerce) -> None:
    shop.server.fail(
        400,
        path="/orders",
        body={
            "code": "rest_invalid_param",
            "message": "Invalid parameter(s): orderby",
            "data": {"status": 400},
        },
    )
    with (
        closing(connector(shop)) as source,
        pytest.raises(RequestRejectedError, match=r"WooCommerce 5\.8 oder neuer"),
    ):
        list(source.batches("2025-01-01T00:00:00"))


def test_no_credentials_in_repr_or_config(shop: FakeWooCommerce) -> None:
    with closing(connector(shop)) as source:
        text = repr(source) + repr(source.client) + repr(source.client.http)
    assert shop.consumer_secret not in text and shop.consumer_key not in text
    config = ConnectorConfig(shop.url, {"consumer_secret": SecretStr(shop.consumer_secret)})
    assert shop.consumer_secret not in repr(config)


def test_a_plain_http_shop_is_told_to_use_https() -> None:
    credentials = wc.WooCommerceCredentials(SecretStr("ck"), SecretStr("cs"))
    remote = wc.WooCommerceClient("http://mein-shop.de", credentials)
    local = wc.WooCommerceClient("http://127.0.0.1:8080", credentials)
    try:
        assert remote.http.hints.auth.endswith("die Shop-Adresse muss mit https:// beginnen")
        assert local.http.hints == wc.HINTS
    finally:
        remote.close()
        local.close()


def test_a_server_ignoring_page_numbers_is_an_error_not_an_endless_loop(
    shop: FakeWooCommerce, small_pages: None
) -> None:
    buyer = shop.add_customer("Eva", "Ähnlich", "eva@example.de", created="2024-01-01T00:00:00")
    for _ in range(7):  # all in one second: paging must go on by page number
        shop.add_order(customer=buyer, created="2025-01-01T00:00:00", items=[("A", 1, "1", "0")])
    shop.broken_paging = True
    with (
        closing(connector(shop)) as source,
        pytest.raises(InvalidResponseError, match="dieselben Einträge"),
    ):
        list(source.batches("2024-12-31T00:00:00"))
