"""WooCommerce REST API v3 (``/wp-json/wc/v3``): customers, orders incl. guest orders, refunds.

Sources, read for this module (WooCommerce's own documentation and code):

* [D-INTRO] woocommerce/woocommerce-rest-api-docs ``source/includes/wp-api-v3/_introduction.md``:
  money as decimal strings, dates ``YYYY-MM-DDTHH:MM:SS``; errors ``{"code", "message",
  "data": {"status"}}``, 401 for wrong keys; ``?per_page``/``?page`` paging with the totals in
  the ``X-WP-Total`` and ``X-WP-TotalPages`` headers.
* [D-AUTH] same repository, ``wp-api-v3/_authentication.md``: over HTTPS, HTTP Basic Auth with
  the consumer key as user and the consumer secret as password; over plain HTTP only OAuth 1.0a.
* [D-ORDERS] ``wp-api-v3/_orders.md``: order properties (``status`` pending, processing, on-hold,
  completed, cancelled, refunded, failed, trash; ``currency``; ``date_created_gmt``,
  ``date_modified_gmt``; ``total``, ``total_tax``; ``customer_id`` "0 for guests"; ``billing``;
  ``line_items`` with ``product_id``, ``name``, ``quantity``, ``total``, ``total_tax``;
  ``refunds`` as ``[{"id", "refund", "total": "-10.00"}]``; ``transaction_id``); ``status=any``.
* [D-REFUNDS] ``wp-api-v3/_order-refunds.md``: ``GET /orders/<id>/refunds`` with ``id``,
  ``date_created_gmt`` and ``amount`` (positive string).
* [D-CUSTOMERS] ``wp-api-v3/_customers.md``: ``id``, ``date_created_gmt``, ``email``, names,
  ``billing``; list parameters ``include``, ``orderby=id``, ``role`` (default ``customer``).
* [C-CRUD] woocommerce/woocommerce ``plugins/woocommerce/includes/rest-api/Controllers/Version3/
  class-wc-rest-crud-controller.php``: ``per_page`` at most 100; ``modified_after`` filters on
  ``post_modified(_gmt)`` with WP_Date_Query's ``after``, i.e. *strictly* later; ``dates_are_gmt``;
  ``orderby=modified`` exists (ties broken by ID); ``X-WP-Total``/``X-WP-TotalPages`` set in
  ``get_items``. Added in WooCommerce 5.8 by woocommerce/woocommerce PR #30585 (documented in
  woocommerce-rest-api-docs PR #209); older shops answer 400 ``rest_invalid_param``.
* [C-ORDERS] ``Controllers/Version2/class-wc-rest-orders-v2-controller.php``: embedded refunds
  are built as ``{"id", "reason", "total": "-" + amount}`` (newer key ``reason``; the docs'
  example shows ``refund``). Both are accepted.
* [C-AUTH] ``includes/class-wc-rest-authentication.php``: a wrong secret gives 401
  ``woocommerce_rest_authentication_error`` ("Consumer secret is invalid."); an unknown key
  leaves the request anonymous and the endpoint's permission check answers 401
  ``woocommerce_rest_cannot_view`` ("Sorry, you cannot list resources.").

Quirks and the decisions they forced:

* Incremental sync reads ``orders?orderby=modified&order=asc&modified_after=…&dates_are_gmt=
  true``. Page numbers are not stable while the shop works (an order changed during the sync
  moves to the end and everything behind it moves up one place, so one order would be skipped
  for ever), so every page re-anchors: the next request asks for ``modified_after`` = newest
  ``date_modified_gmt`` of the page minus one second, page 1. The second of overlap is needed
  because ``modified_after`` is exclusive and dates have whole seconds; what is read twice is
  upserted unchanged. Only when a whole page shares one second does paging go on by page number.
  The cursor stored with a page is that anchor: every order modified up to it is committed.
* A first (or ``--full``) sync also reads every registered customer (``/customers``, role
  ``customer``). Incremental syncs fetch only the customers their orders refer to, in one
  request per page (``include=…&role=all``): there is no ``modified_after`` for customers.
* Guests (``customer_id`` 0) have no customer record: their contact id is ``guest:`` plus the
  normalised billing e-mail, so repeat guest orders share one contact; an order without any
  e-mail gets a contact of its own (``order:<id>``). A deleted user keeps his customer id and
  the order's billing data.
* Embedded refunds carry no date: for an order with refunds, ``/orders/<id>/refunds`` is read
  (one request per refunded order) for ``date_created_gmt``. If that endpoint is missing (404)
  the order's ``date_modified_gmt`` stands in. A ``refunded`` order without refund objects is
  refunded in full on its modification date.
* Status: processing/completed → paid (partially_refunded/refunded by the refunded sum),
  on-hold/pending/checkout-draft → pending, cancelled and trash → cancelled, failed → failed,
  refunded → refunded; a status a plugin added counts as paid if ``date_paid_gmt`` is set.
* Money: ``total`` (gross incl. tax and shipping) and ``total_tax`` are decimal strings in the
  order's currency → exact cents. A line item's ``total`` excludes tax whatever
  ``prices_include_tax`` says, so the item amount is ``total + total_tax``. Product names come
  HTML-escaped (``&ndash;``) and are unescaped.
* ``transaction_id`` is the payment id (the Stripe/PayPal charge id), so the same payment seen
  in the payment provider's account counts once.
* No documented rate limit (the shop is self-hosted); 5 requests per second spare shared
  hosting. Basic Auth needs HTTPS on a real shop: an http:// base URL only suits test servers.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from connectors.base import Batch, ConnectorConfig, ConnectorSpec, register
from connectors.http import (
    Hints,
    HttpClient,
    HttpOptions,
    InvalidResponseError,
    NotFoundError,
    RequestRejectedError,
    normalise_base_url,
)
from kundenwert.identity import normalise_email
from kundenwert.models import OrderStatus
from kundenwert.money import to_cents
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

TOOL = "WooCommerce"
API_PATH = "/wp-json/wc/v3"
PER_PAGE = 100  # the API's maximum [C-CRUD]
RATE_LIMIT = 5.0  # requests per second (our choice; the API has none)
OVERLAP = timedelta(seconds=1)  # modified_after is exclusive, dates have whole seconds
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
HINTS = Hints(
    auth="Consumer Key und Consumer Secret in Datenquellen prüfen "
    "(WooCommerce → Einstellungen → Erweitert → REST-API, Berechtigung „Lesen“)",
    forbidden="der Schlüssel braucht die Berechtigung „Lesen“",
    not_found="Shop-Adresse in Datenquellen prüfen (ohne /wp-json; "
    "Permalinks dürfen nicht „Einfach“ sein)",
)
STATUSES = {
    "completed": OrderStatus.PAID,
    "processing": OrderStatus.PAID,
    "on-hold": OrderStatus.PENDING,
    "pending": OrderStatus.PENDING,
    "checkout-draft": OrderStatus.PENDING,
    "cancelled": OrderStatus.CANCELLED,
    "trash": OrderStatus.CANCELLED,
    "failed": OrderStatus.FAILED,
    "refunded": OrderStatus.REFUNDED,
}


@dataclass(frozen=True)
class WooCommerceCredentials:
    consumer_key: SecretStr
    consumer_secret: SecretStr


def parse_gmt(value: str | None) -> datetime | None:
    """A ``*_gmt`` field (``2017-03-22T19:28:02``, no zone) as an aware UTC datetime."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DATE_FORMAT)


def cents(value: Any) -> int:
    return to_cents(Decimal(str(value)))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class WooCommerceClient:
    """The REST API of one shop; every request goes through :class:`HttpClient`."""

    def __init__(
        self,
        shop_url: str,
        credentials: WooCommerceCredentials,
        options: HttpOptions | None = None,
    ):
        self.shop_url = normalise_base_url(shop_url)
        hints = HINTS
        if urlsplit(self.shop_url).scheme == "http" and not _loopback(self.shop_url):
            # [D-AUTH]: over plain HTTP WooCommerce wants OAuth 1.0a, so Basic Auth fails
            hints = replace(
                HINTS, auth=HINTS.auth + "; die Shop-Adresse muss mit https:// beginnen"
            )
        key = credentials.consumer_key.get_secret_value()
        secret = credentials.consumer_secret.get_secret_value()
        self.http = HttpClient(
            TOOL,
            self.shop_url + API_PATH,
            auth=httpx.BasicAuth(key, secret),
            options=options,
            rate_limit=RATE_LIMIT,
            hints=hints,
            secrets=(key, secret),
        )

    def __repr__(self) -> str:
        return f"WooCommerceClient({self.shop_url!r})"

    def close(self) -> None:
        self.http.close()

    def _list(self, path: str, params: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int, int]:
        """(items, X-WP-Total, X-WP-TotalPages) of one page; missing headers count as 0."""
        body, response = self.http.get_json(path, params)
        if not isinstance(body, list):
            raise InvalidResponseError(f"{TOOL}: {path} liefert keine Liste: {HINTS.not_found}")
        headers = response.headers
        total = int(headers.get("X-WP-Total") or 0)
        return body, total, int(headers.get("X-WP-TotalPages") or 0)

    def pages(
        self, path: str, params: Mapping[str, Any]
    ) -> Iterator[tuple[list[dict[str, Any]], int, int]]:
        """(items, page, total pages) following ``page`` up to ``X-WP-TotalPages``."""
        page, previous = 1, None
        while True:
            items, _total, total_pages = self._list(
                path, {**params, "per_page": PER_PAGE, "page": page}
            )
            previous = _same_page_guard(path, page, items, previous)
            yield items, page, total_pages
            if len(items) < PER_PAGE or (total_pages and page >= total_pages):
                return
            page += 1

    def order_pages(
        self, modified_after: datetime | None
    ) -> Iterator[tuple[list[dict[str, Any]], datetime, int]]:
        """(orders, anchor, total) by date modified, oldest first, re-anchoring every page.

        ``anchor`` is safe as a cursor once the page is stored: every order modified up to it
        has been yielded. ``total`` is X-WP-Total of the first request (for progress).
        """
        anchor, page, total, previous = modified_after, 1, None, None
        while True:
            params: dict[str, Any] = {
                "per_page": PER_PAGE,
                "page": page,
                "orderby": "modified",
                "order": "asc",
                "status": "any",
                "dates_are_gmt": "true",
            }
            if anchor is not None:
                params["modified_after"] = format_gmt(anchor)
            try:
                orders, count, total_pages = self._list("orders", params)
            except RequestRejectedError as error:
                if error.code != "rest_invalid_param":
                    raise
                raise RequestRejectedError(
                    f"{error.message}: die Synchronisierung braucht WooCommerce 5.8 oder neuer",
                    status=error.status,
                    code=error.code,
                ) from None
            total = count if total is None else total
            if not orders:
                return
            previous = _same_page_guard("orders", page, orders, previous if page > 1 else None)
            newest = max(_modified(order) for order in orders) - OVERLAP
            next_anchor = newest if anchor is None else max(anchor, newest)
            yield orders, next_anchor, total
            if len(orders) < PER_PAGE or (total_pages and page >= total_pages):
                return
            if anchor is None or next_anchor > anchor:
                anchor, page = next_anchor, 1
            else:  # a whole page within one second: go on by page number
                page += 1

    def customers(self, ids: list[int]) -> list[dict[str, Any]]:
        params = {"include": ",".join(map(str, ids)), "role": "all", "per_page": PER_PAGE}
        return self._list("customers", params)[0]

    def refunds(self, order_id: int) -> list[dict[str, Any]]:
        return self._list(f"orders/{order_id}/refunds", {"per_page": PER_PAGE})[0]


def _same_page_guard(
    path: str, page: int, items: list[dict[str, Any]], previous: list[Any] | None
) -> list[Any]:
    """Page n+1 must not repeat page n: a server ignoring ``page`` would page for ever."""
    ids = [item.get("id") for item in items]
    if previous is not None and ids and ids == previous:
        raise InvalidResponseError(
            f"{TOOL}: {path} liefert auf Seite {page} dieselben Einträge wie auf Seite "
            f"{page - 1}: {HINTS.not_found}"
        )
    return ids


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _modified(order: Mapping[str, Any]) -> datetime:
    moment = parse_gmt(order.get("date_modified_gmt")) or parse_gmt(order.get("date_created_gmt"))
    if moment is None:
        raise InvalidResponseError(f"{TOOL}: Bestellung {order.get('id')} ohne Datum")
    return moment


def contact_id(order: Mapping[str, Any]) -> str:
    customer = int(order.get("customer_id") or 0)
    if customer > 0:
        return str(customer)
    email = normalise_email((order.get("billing") or {}).get("email"))
    return f"guest:{email}" if email else f"order:{order['id']}"


def contact_from_customer(customer: Mapping[str, Any], shop_url: str) -> ContactRecord:
    billing = customer.get("billing") or {}
    return ContactRecord(
        source_contact_id=str(customer["id"]),
        email=_text(customer.get("email")) or _text(billing.get("email")),
        first_name=_text(customer.get("first_name")) or _text(billing.get("first_name")),
        last_name=_text(customer.get("last_name")) or _text(billing.get("last_name")),
        company=_text(billing.get("company")),
        country=_text(billing.get("country")),
        city=_text(billing.get("city")),
        postcode=_text(billing.get("postcode")),
        created_at=parse_gmt(customer.get("date_created_gmt")),
        url=f"{shop_url}/wp-admin/user-edit.php?user_id={customer['id']}",
    )


def contact_from_billing(order: Mapping[str, Any]) -> ContactRecord:
    billing = order.get("billing") or {}
    return ContactRecord(
        source_contact_id=contact_id(order),
        email=_text(billing.get("email")),
        first_name=_text(billing.get("first_name")),
        last_name=_text(billing.get("last_name")),
        company=_text(billing.get("company")),
        country=_text(billing.get("country")),
        city=_text(billing.get("city")),
        postcode=_text(billing.get("postcode")),
    )


def order_record(
    order: Mapping[str, Any], refund_dates: Mapping[int, datetime], shop_url: str
) -> OrderRecord:
    """One API order as a canonical order; ``refund_dates`` maps refund id → date."""
    gross = cents(order["total"])
    modified = _modified(order)
    refunds = [
        RefundRecord(
            source_refund_id=str(refund["id"]),
            refunded_at=refund_dates.get(int(refund["id"]), modified),
            amount_cents=abs(cents(refund["total"])),
        )
        for refund in order.get("refunds") or []
    ]
    status = STATUSES.get(order["status"])
    if status is None:  # a plugin's own status
        status = OrderStatus.PAID if order.get("date_paid_gmt") else OrderStatus.PENDING
    if status is OrderStatus.REFUNDED and not refunds and gross:
        refunds.append(RefundRecord(f"{order['id']}-refunded", modified, gross))
    refunded = sum(r.amount_cents for r in refunds)
    if status is OrderStatus.PAID and refunded:
        status = OrderStatus.REFUNDED if refunded >= gross else OrderStatus.PARTIALLY_REFUNDED
    created = parse_gmt(order.get("date_created_gmt"))
    if created is None:
        raise InvalidResponseError(f"{TOOL}: Bestellung {order['id']} ohne date_created_gmt")
    return OrderRecord(
        source_order_id=str(order["id"]),
        source_contact_id=contact_id(order),
        ordered_at=created,
        gross_cents=gross,
        tax_cents=cents(order.get("total_tax") or "0"),
        currency=str(order["currency"]),
        status=status.value,
        payment_id=_text(order.get("transaction_id")),
        url=f"{shop_url}/wp-admin/post.php?post={order['id']}&action=edit",
        items=[
            ItemRecord(
                product_name=html.unescape(str(item.get("name") or "")),
                amount_cents=cents(item["total"]) + cents(item.get("total_tax") or "0"),
                quantity=int(item.get("quantity") or 1),
                product_id=str(item["product_id"]) if item.get("product_id") else None,
            )
            for item in order.get("line_items") or []
        ],
        refunds=refunds,
    )


class WooCommerceConnector:
    """Turns the shop's pages into batches for :mod:`kundenwert.sync` (see module docstring)."""

    def __init__(self, client: WooCommerceClient):
        self.client = client
        self._customers: dict[int, ContactRecord] = {}
        self._missing: set[int] = set()  # customer ids the API no longer knows

    def __repr__(self) -> str:
        return f"WooCommerceConnector({self.client.shop_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        anchor = parse_gmt(cursor) if cursor else None
        if anchor is None:
            params = {"orderby": "id", "order": "asc"}
            for customers, page, pages in self.client.pages("customers", params):
                yield Batch(
                    contacts=[self._remember(c) for c in customers],
                    note=f"Kunden, Seite {page} von {pages or page}",
                )
        seen: set[int] = set()
        for orders, safe, total in self.client.order_pages(anchor):
            contacts = self._contacts(orders)
            records = [self._order(order) for order in orders]
            seen.update(int(order["id"]) for order in orders)
            yield Batch(
                contacts=contacts,
                orders=records,
                cursor=format_gmt(safe),
                done=min(1.0, len(seen) / total) if total else None,
                note=f"Bestellungen {len(seen)} von {max(total, len(seen))}",
            )

    def _remember(self, customer: Mapping[str, Any]) -> ContactRecord:
        try:
            record = contact_from_customer(customer, self.client.shop_url)
            customer_id = int(customer["id"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidResponseError(f"{TOOL}: unerwartetes Kundenformat ({error})") from None
        self._customers[customer_id] = record
        return record

    def _contacts(self, orders: list[dict[str, Any]]) -> list[ContactRecord]:
        """The contact of every order of a page, one per contact id (the newest data wins)."""
        try:
            return self._order_contacts(orders)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidResponseError(
                f"{TOOL}: Kundendaten einer Bestellung haben ein unerwartetes Format ({error!r})"
            ) from None

    def _order_contacts(self, orders: list[dict[str, Any]]) -> list[ContactRecord]:
        wanted = {int(o.get("customer_id") or 0) for o in orders} - {0}
        wanted -= self._customers.keys() | self._missing
        if wanted:
            for customer in self.client.customers(sorted(wanted)):
                self._remember(customer)
            self._missing |= wanted - self._customers.keys()
        contacts: dict[str, ContactRecord] = {}
        for order in orders:
            known = self._customers.get(int(order.get("customer_id") or 0))
            record = known or contact_from_billing(order)
            contacts.pop(record.source_contact_id, None)
            contacts[record.source_contact_id] = record
        return list(contacts.values())

    def _order(self, order: Mapping[str, Any]) -> OrderRecord:
        dates: dict[int, datetime] = {}
        try:
            if order.get("refunds"):
                try:
                    for refund in self.client.refunds(int(order["id"])):
                        moment = parse_gmt(refund.get("date_created_gmt"))
                        if moment is not None:
                            dates[int(refund["id"])] = moment
                except NotFoundError:
                    pass  # no refunds endpoint: the order's modification date stands in
            return order_record(order, dates, self.client.shop_url)
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as error:
            raise InvalidResponseError(
                f"{TOOL}: Bestellung {order.get('id')} hat ein unerwartetes Format ({error})"
            ) from None


def create(config: ConnectorConfig) -> WooCommerceConnector:
    credentials = WooCommerceCredentials(
        consumer_key=config.credentials["consumer_key"],
        consumer_secret=config.credentials["consumer_secret"],
    )
    return WooCommerceConnector(WooCommerceClient(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="woocommerce",
        title=TOOL,
        credential_fields={"key": "consumer_key", "secret": "consumer_secret"},
        credential_labels={"consumer_key": "Consumer Key", "consumer_secret": "Consumer Secret"},
        create=create,
    )
)
