"""Shopify GraphQL Admin API: customers and orders with line items, refunds and chargebacks.

Sources, read for this module (Shopify's own documentation and client library):

* [D-LEGACY] shopify.dev/docs/api/admin-rest/usage/rate-limits: "The REST Admin API is a legacy
  API as of October 1, 2024. All apps and integrations should be built with the GraphQL Admin
  API." Hence GraphQL, and its cost-based rate limit, which the issue asks for.
* [D-ADMIN] shopify.dev/docs/api/admin-graphql (start page): every request needs the
  ``X-Shopify-Access-Token`` header; custom apps made in the Shopify admin get their token
  there; queries are ``POST https://{shop}.myshopify.com/admin/api/{version}/graphql.json``
  with ``{"query", "variables"}``. Shopify/shopify-app-js ``packages/api-clients/
  admin-api-client/src/graphql/client.ts`` builds the same URL and ``constants.ts`` names the
  header ``ACCESS_TOKEN_HEADER = 'X-Shopify-Access-Token'`` and retries 429/500/503;
  ``graphql-client/src/graphql-client/http-fetch.ts`` honours ``Retry-After``.
* [D-VERSION] shopify.dev/docs/api/usage/versioning: a version per quarter, each supported for at
  least 12 months; a request for a version no longer served is answered by the oldest supported
  one. We pin :data:`API_VERSION`.
* [D-LIMITS] shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits: limits per app and
  shop by calculated query cost, a leaky bucket (Standard 100 points/s restore, Advanced 200,
  Plus 1000); every response carries ``extensions.cost {requestedQueryCost, actualQueryCost,
  throttleStatus {maximumAvailable, currentlyAvailable, restoreRate}}``; a query is only run
  when the bucket holds its *requested* cost, a single query may cost at most 1000
  (``MAX_COST_EXCEEDED``). A throttled query is answered **200** with ``{"errors": [{"message":
  "Throttled", "extensions": {"code": "THROTTLED", ...}}], "extensions": {"cost": {...,
  "actualQueryCost": null}}}`` (example on community.shopify.com/t/throttled/254776).
* [D-PAGES] shopify.dev/docs/api/usage/pagination-graphql: connections take ``first`` (at most
  250) and ``after``; ``pageInfo {hasNextPage, endCursor}``; ``nodes`` or ``edges {node}``.
* [D-ORDERS] shopify.dev/docs/api/admin-graphql/latest/queries/orders: the ``query`` filter
  ``updated_at:>…`` (search syntax, also ``>=``), ``sortKey`` from ``OrderSortKeys``
  (``UPDATED_AT``). Only the last 60 days of orders are readable without the
  ``read_all_orders`` scope (objects/Order).
* [D-ORDER] objects/Order, OrderTransaction, OrderDisputeSummary and the enums
  ``OrderDisplayFinancialStatus`` (AUTHORIZED, EXPIRED, PAID, PARTIALLY_PAID,
  PARTIALLY_REFUNDED, PENDING, REFUNDED, VOIDED), ``OrderTransactionKind`` (SALE, CAPTURE,
  AUTHORIZATION, …), ``DisputeStatus`` (… LOST, WON, …): ``id`` is a global id
  ``gid://shopify/Order/…``, money is ``MoneyBag {shopMoney, presentmentMoney}`` of ``MoneyV2
  {amount (decimal string), currencyCode}``, ``test`` marks test orders.
* [D-CUSTOMER] changelog "Adding defaultEmailAddress field to Customer" (2025-04):
  ``Customer.email`` is deprecated for ``defaultEmailAddress {emailAddress}``.
* [D-CODES] shopify.dev/docs/api/usage/response-codes: 401 for a missing or wrong token
  (body ``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong
  password)"}``), 402 a frozen shop, 403 missing scope, 404 unknown shop, 423 a locked shop.

Decisions:

* Money in the **shop currency** (``shopMoney``, the only one queried): what the merchant books
  and is paid out in (``presentmentMoney`` is accepted if a response carries only that).
  Gross = ``totalPriceSet``, tax = ``totalTaxSet``; an item's amount is ``discountedTotalSet``
  (line discounts applied) plus its ``taxLines`` unless the order's prices include tax.
* Status: ``cancelledAt`` → cancelled; PAID → paid; PARTIALLY_REFUNDED/REFUNDED as named;
  PENDING, AUTHORIZED, PARTIALLY_PAID → pending; VOIDED → cancelled; EXPIRED → failed; a lost
  chargeback → chargeback. Refunds come from ``Order.refunds`` with their ``createdAt``.
* Chargebacks: ``Order.disputes`` only says id, ``initiatedAs`` and ``status`` (the amounts are
  in ``ShopifyPaymentsDispute``, which needs a Shopify Payments permission). A LOST chargeback
  becomes a refund of reason ``chargeback`` over what was not yet refunded, dated at the order's
  ``updatedAt``: an approximation, said here rather than hidden.
* Payment id: ``authorizationCode`` of the first successful SALE/CAPTURE transaction (the
  gateway's id, e.g. a PayPal transaction); the documentation leaves its form per gateway open.
* Contacts: an order's ``customer`` (its own data only); guests ``guest:<e-mail>``, without
  e-mail ``order:<gid>``, from the billing address. Customers without orders come from the
  ``customers`` list.
* Sync: two passes, customers then orders, each ``sortKey: UPDATED_AT`` with ``updated_at:>=
  since`` and ``after`` paging. Cursors encode the sort value, so changes during a pass move an
  order behind us, never past us. The cursor stored with each page holds ``since``, the page's
  ``endCursor`` and the newest ``updatedAt`` seen; a pass that ends sets ``since`` to that
  newest time (``>=`` re-reads the last second, harmless).
* Throttling: the client keeps the last ``throttleStatus`` and, before a query, waits until the
  bucket (refilled at ``restoreRate`` since then) holds that query's last requested cost; a
  THROTTLED answer is waited out the same way and retried. The page sizes are estimated from
  the documented cost rules (connections 2 + ``first`` × the node's cost, objects 1, scalars 0);
  should a page still exceed 1000, ``MAX_COST_EXCEEDED`` halves the page size for the rest of the
  pass. 429 and 5xx are retried by :class:`HttpClient`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from connectors.base import Batch, ConnectorConfig, ConnectorSpec, register
from connectors.http import (
    ApiError,
    Hints,
    HttpClient,
    HttpOptions,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitError,
    RequestRejectedError,
    normalise_base_url,
)
from kundenwert.identity import normalise_email
from kundenwert.models import OrderStatus
from kundenwert.money import to_cents
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

logger = logging.getLogger("kundenwert.connectors")

TOOL = "Shopify"
API_VERSION = "2026-01"  # [D-VERSION]
ORDERS_PER_PAGE = 8  # about 900 points requested with the fields below; at most 1000 [D-LIMITS]
CUSTOMERS_PER_PAGE = 100
LINE_ITEMS = 10  # per order in the list query; an order with more is completed on its own
THROTTLED_ATTEMPTS = 10
HINTS = Hints(
    auth="Admin-API-Zugriffstoken (shpat_…) in Datenquellen prüfen (Shopify-Admin → "
    "Einstellungen → Apps → App-Entwicklung → App → API-Anmeldeinformationen)",
    forbidden="die App braucht die Zugriffe read_orders, read_all_orders und read_customers",
    not_found="Shop-Adresse in Datenquellen prüfen (https://<shop>.myshopify.com)",
)
STATUSES = {
    "PAID": OrderStatus.PAID,
    "PARTIALLY_REFUNDED": OrderStatus.PARTIALLY_REFUNDED,
    "REFUNDED": OrderStatus.REFUNDED,
    "PENDING": OrderStatus.PENDING,
    "AUTHORIZED": OrderStatus.PENDING,
    "PARTIALLY_PAID": OrderStatus.PENDING,
    "VOIDED": OrderStatus.CANCELLED,
    "EXPIRED": OrderStatus.FAILED,
}

_MONEY = "shopMoney { amount currencyCode }"
_CUSTOMER = (
    "id firstName lastName createdAt updatedAt defaultEmailAddress { emailAddress } "
    "defaultAddress { company city zip countryCodeV2 }"
)
_LINE = (
    f"name quantity product {{ id }} discountedTotalSet {{ {_MONEY} }} "
    f"taxLines {{ priceSet {{ {_MONEY} }} }}"
)
ORDERS_QUERY = f"""
query Orders($first: Int!, $after: String, $query: String, $lines: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id name createdAt updatedAt cancelledAt test email taxesIncluded
      displayFinancialStatus currencyCode
      totalPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      customer {{ {_CUSTOMER} }}
      billingAddress {{ firstName lastName company city zip countryCodeV2 }}
      lineItems(first: $lines) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {_LINE} }} }}
      refunds(first: 10) {{ id createdAt totalRefundedSet {{ {_MONEY} }} }}
      transactions(first: 5) {{ kind status gateway authorizationCode test }}
      disputes {{ id initiatedAs status }}
    }}
  }}
}}"""
LINE_ITEMS_QUERY = f"""
query LineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ {_LINE} }}
    }}
  }}
}}"""
CUSTOMERS_QUERY = f"""
query Customers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {_CUSTOMER} }}
  }}
}}"""


@dataclass(frozen=True)
class ShopifyCredentials:
    access_token: SecretStr


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def nodes(connection: Any) -> list[dict[str, Any]]:
    """A connection's items, from ``nodes`` or ``edges {node}`` [D-PAGES]; a list as is."""
    if isinstance(connection, list):
        return connection
    if not isinstance(connection, dict):
        return []
    if isinstance(connection.get("nodes"), list):
        return list(connection["nodes"])
    return [edge["node"] for edge in connection.get("edges") or [] if edge.get("node")]


def money(bag: Any) -> tuple[int, str | None]:
    """(cents, currency) of a ``MoneyBag``, shop money first; a bare ``MoneyV2`` works too."""
    if not isinstance(bag, dict):
        return 0, None
    value = bag.get("shopMoney") or bag.get("presentmentMoney") or bag
    if not isinstance(value, dict) or value.get("amount") is None:
        return 0, None
    return to_cents(Decimal(str(value["amount"]))), value.get("currencyCode")


@dataclass
class Bucket:
    """The last ``throttleStatus`` the API reported, refilled over time [D-LIMITS]."""

    clock: Callable[[], float] = time.monotonic
    available: float | None = None
    maximum: float = 0.0
    rate: float = 0.0
    at: float = 0.0
    costs: dict[str, float] = field(default_factory=dict)  # query name → last requested cost

    def update(self, cost: Mapping[str, Any], name: str) -> None:
        status = cost.get("throttleStatus") or {}
        if cost.get("requestedQueryCost") is not None:
            self.costs[name] = float(cost["requestedQueryCost"])
        if status.get("currentlyAvailable") is not None:
            self.available = float(status["currentlyAvailable"])
            self.maximum = float(status.get("maximumAvailable") or self.available)
            self.rate = float(status.get("restoreRate") or 0)
            self.at = self.clock()

    def wait_for(self, name: str) -> float:
        """Seconds until the bucket holds the query's last requested cost (0: go)."""
        needed = self.costs.get(name)
        if needed is None or self.available is None or self.rate <= 0:
            return 0.0
        now = self.available + (self.clock() - self.at) * self.rate
        needed = min(needed, self.maximum or needed)
        return max(0.0, (needed - min(now, self.maximum or now)) / self.rate)


class ShopifyClient:
    """The GraphQL Admin API of one shop; every request goes through :class:`HttpClient`."""

    def __init__(
        self,
        shop_url: str,
        credentials: ShopifyCredentials,
        options: HttpOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        text = shop_url.strip()
        if text and "://" not in text:
            text = "https://" + text  # "mein-shop.myshopify.com" as copied from the admin
        self.shop_url = normalise_base_url(text).split("/admin")[0]
        options = options or HttpOptions()
        self.sleep = options.retry.sleep
        self.bucket = Bucket(clock=clock)
        token = credentials.access_token.get_secret_value().strip()
        self.http = HttpClient(
            TOOL,
            f"{self.shop_url}/admin/api/{API_VERSION}",
            headers={"X-Shopify-Access-Token": token, "Content-Type": "application/json"},
            options=options,
            hints=HINTS,
            secrets=(token,),
        )

    def __repr__(self) -> str:
        return f"ShopifyClient({self.shop_url!r})"

    def close(self) -> None:
        self.http.close()

    def query(self, name: str, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` of one query, waiting for the cost bucket and retrying THROTTLED."""
        for _attempt in range(THROTTLED_ATTEMPTS):
            wait = self.bucket.wait_for(name)
            if wait > 0:
                logger.info("%s: waiting %.1f s for query cost (%s)", TOOL, wait, name)
                self.sleep(wait)
            response = self.http.request(
                "POST", "graphql.json", json={"query": document, "variables": dict(variables)}
            )
            try:
                body = response.json()
            except ValueError:
                raise InvalidResponseError(
                    f"{TOOL} antwortet nicht mit JSON: {HINTS.not_found}"
                ) from None
            if not isinstance(body, dict):
                raise InvalidResponseError(f"{TOOL}: unerwartete Antwort: {HINTS.not_found}")
            cost = (body.get("extensions") or {}).get("cost")
            if isinstance(cost, dict):
                self.bucket.update(cost, name)
            errors = body.get("errors")
            if isinstance(errors, list) and errors:
                codes = [_code(e) for e in errors]
                if "THROTTLED" in codes:
                    if self.bucket.wait_for(name) <= 0:
                        self.sleep(1.0)  # no usable cost data: a second, then try again
                    continue
                raise _graphql_error(errors, codes)
            data = body.get("data")
            if not isinstance(data, dict):
                raise InvalidResponseError(f"{TOOL}: Antwort ohne data: {HINTS.not_found}")
            return data
        raise RateLimitError(
            f"{TOOL} drosselt die Abfragen (THROTTLED), auch nach {THROTTLED_ATTEMPTS} "
            "Versuchen: Synchronisierung später erneut starten",
            code="THROTTLED",
        )

    def pages(
        self, name: str, since: datetime | None, after: str | None
    ) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """(items, endCursor) of ``orders`` or ``customers`` by ``updatedAt``, oldest first."""
        per_page = ORDERS_PER_PAGE if name == "orders" else CUSTOMERS_PER_PAGE
        document = ORDERS_QUERY if name == "orders" else CUSTOMERS_QUERY
        previous = None
        while True:
            variables: dict[str, Any] = {"first": per_page, "after": after}
            if since is not None:
                variables["query"] = f"updated_at:>='{format_time(since)}'"
            if name == "orders":
                variables["lines"] = LINE_ITEMS
            try:
                data = self.query(name, document, variables)
            except RequestRejectedError as error:
                if error.code != "MAX_COST_EXCEEDED" or per_page <= 1:
                    raise
                per_page //= 2
                continue
            connection = data.get(name)
            if not isinstance(connection, dict):
                raise InvalidResponseError(f"{TOOL}: {name} fehlt in der Antwort")
            info = connection.get("pageInfo") or {}
            items = nodes(connection)
            end = info.get("endCursor")
            if end is not None and end == previous:
                raise InvalidResponseError(
                    f"{TOOL}: {name} liefert nach {after} dieselbe Seite noch einmal"
                )
            previous = end
            yield items, end
            if not info.get("hasNextPage") or not items or not end:
                return
            after = end

    def more_line_items(self, order_id: str, after: str | None) -> list[dict[str, Any]]:
        """The line items of one order after ``after`` (orders with more than the list shows)."""
        items: list[dict[str, Any]] = []
        while True:
            data = self.query("lineItems", LINE_ITEMS_QUERY, {"id": order_id, "after": after})
            connection = (data.get("order") or {}).get("lineItems") or {}
            items += nodes(connection)
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return items
            after = info["endCursor"]


def _code(error: Any) -> str | None:
    if not isinstance(error, dict):
        return None
    code = (error.get("extensions") or {}).get("code")
    if isinstance(code, str):
        return code
    return "THROTTLED" if error.get("message") == "Throttled" else None


def _graphql_error(errors: list[Any], codes: list[str | None]) -> ApiError:
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "unbekannter Fehler")
    code = next((c for c in codes if c), None)
    if code == "ACCESS_DENIED":
        return PermissionDeniedError(
            f"{TOOL} verweigert den Zugriff ({message}): {HINTS.forbidden}", code=code
        )
    return RequestRejectedError(f"{TOOL} lehnt die Abfrage ab ({message})", code=code)


# --- mapping -------------------------------------------------------------------------------------


def legacy_id(gid: str) -> str:
    """``gid://shopify/Order/450789469`` → ``450789469`` (for links into the admin)."""
    return gid.rsplit("/", 1)[-1]


def contact_from_customer(customer: Mapping[str, Any], shop_url: str) -> ContactRecord:
    address = customer.get("defaultAddress") or {}
    email = (customer.get("defaultEmailAddress") or {}).get("emailAddress") or customer.get("email")
    return ContactRecord(
        source_contact_id=str(customer["id"]),
        email=_text(email),
        first_name=_text(customer.get("firstName")),
        last_name=_text(customer.get("lastName")),
        company=_text(address.get("company")),
        country=_text(address.get("countryCodeV2") or address.get("countryCode")),
        city=_text(address.get("city")),
        postcode=_text(address.get("zip")),
        created_at=parse_time(customer.get("createdAt")),
        url=f"{shop_url}/admin/customers/{legacy_id(str(customer['id']))}",
    )


def contact_id(order: Mapping[str, Any]) -> str:
    customer = order.get("customer")
    if isinstance(customer, dict) and customer.get("id"):
        return str(customer["id"])
    email = normalise_email(order.get("email"))
    return f"guest:{email}" if email else f"order:{order['id']}"


def contact_from_order(order: Mapping[str, Any], shop_url: str) -> ContactRecord:
    customer = order.get("customer")
    if isinstance(customer, dict) and customer.get("id"):
        return contact_from_customer(customer, shop_url)
    billing = order.get("billingAddress") or {}
    return ContactRecord(
        source_contact_id=contact_id(order),
        email=_text(order.get("email")),
        first_name=_text(billing.get("firstName")),
        last_name=_text(billing.get("lastName")),
        company=_text(billing.get("company")),
        country=_text(billing.get("countryCodeV2") or billing.get("countryCode")),
        city=_text(billing.get("city")),
        postcode=_text(billing.get("zip")),
    )


def item_record(line: Mapping[str, Any], taxes_included: bool) -> ItemRecord:
    amount, _ = money(line.get("discountedTotalSet") or line.get("originalTotalSet"))
    if not taxes_included:
        amount += sum(money(tax.get("priceSet"))[0] for tax in line.get("taxLines") or [])
    product = line.get("product") or {}
    return ItemRecord(
        product_name=str(line.get("name") or ""),
        amount_cents=amount,
        quantity=int(line.get("quantity") or 1),
        product_id=str(product["id"]) if product.get("id") else None,
    )


def payment_id(order: Mapping[str, Any]) -> str | None:
    transactions = [t for t in nodes(order.get("transactions")) if t.get("status") == "SUCCESS"]
    for kinds in (("SALE", "CAPTURE"), ("AUTHORIZATION",)):
        for transaction in transactions:
            if transaction.get("kind") in kinds and _text(transaction.get("authorizationCode")):
                return _text(transaction["authorizationCode"])
    return None


def order_record(order: Mapping[str, Any], shop_url: str) -> OrderRecord:
    gross, currency = money(order.get("totalPriceSet"))
    tax, _ = money(order.get("totalTaxSet"))
    updated = parse_time(order.get("updatedAt"))
    created = parse_time(order.get("createdAt"))
    if created is None or updated is None:
        raise InvalidResponseError(f"{TOOL}: Bestellung {order.get('id')} ohne Datum")
    refunds = [
        RefundRecord(
            source_refund_id=str(refund["id"]),
            refunded_at=parse_time(refund.get("createdAt")) or updated,
            amount_cents=money(refund.get("totalRefundedSet"))[0],
        )
        for refund in nodes(order.get("refunds"))
    ]
    refunded = sum(r.amount_cents for r in refunds)
    lost = [
        d
        for d in nodes(order.get("disputes"))
        if d.get("status") == "LOST" and d.get("initiatedAs", "CHARGEBACK") == "CHARGEBACK"
    ]
    status = STATUSES.get(str(order.get("displayFinancialStatus")), OrderStatus.PENDING)
    if order.get("cancelledAt"):
        status = OrderStatus.CANCELLED
    elif lost:
        status = OrderStatus.CHARGEBACK
        refunds += [
            RefundRecord(str(d["id"]), updated, max(0, gross - refunded), reason="chargeback")
            for d in lost[:1]
        ]
    taxes_included = bool(order.get("taxesIncluded"))
    return OrderRecord(
        source_order_id=str(order["id"]),
        source_contact_id=contact_id(order),
        ordered_at=created,
        gross_cents=gross,
        tax_cents=tax,
        currency=str(currency or order.get("currencyCode") or ""),
        status=status.value,
        payment_id=payment_id(order),
        is_sandbox=bool(order.get("test")),
        url=f"{shop_url}/admin/orders/{legacy_id(str(order['id']))}",
        items=[item_record(line, taxes_included) for line in nodes(order.get("lineItems"))],
        refunds=refunds,
    )


# --- the sync ------------------------------------------------------------------------------------

STREAMS = ("customers", "orders")


@dataclass
class Pass:
    since: str | None = None  # updated_at >= this for the next pass
    after: str | None = None  # endCursor of the last page stored in a pass under way
    top: str | None = None  # newest updatedAt seen in the pass under way


def load_cursor(cursor: str | None) -> dict[str, Pass]:
    state = {name: Pass() for name in STREAMS}
    if not cursor:
        return state
    try:
        data = json.loads(cursor)
        if data.get("v") != 1:
            raise ValueError("unknown cursor version")
        for name in STREAMS:
            state[name] = Pass(**{k: data[name].get(k) for k in ("since", "after", "top")})
    except (ValueError, KeyError, TypeError, AttributeError):
        logger.warning("%s: cursor not understood, reading everything again", TOOL)
        return {name: Pass() for name in STREAMS}
    return state


def dump_cursor(state: Mapping[str, Pass]) -> str:
    data: dict[str, Any] = {"v": 1}
    for name, current in state.items():
        data[name] = {"since": current.since, "after": current.after, "top": current.top}
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


class ShopifyConnector:
    """Turns the shop's pages into batches for :mod:`kundenwert.sync` (see module docstring)."""

    def __init__(self, client: ShopifyClient):
        self.client = client

    def __repr__(self) -> str:
        return f"ShopifyConnector({self.client.shop_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        state = load_cursor(cursor)
        for name in STREAMS:
            current = state[name]
            since = parse_time(current.since)
            read = 0
            for items, end in self.client.pages(name, since, current.after):
                contacts, orders = self._records(name, items)
                read += len(items)
                newest = max((str(i.get("updatedAt") or "") for i in items), default="")
                if newest and (current.top is None or _later(newest, current.top)):
                    current.top = newest
                current.after = end
                label = "Bestellungen" if name == "orders" else "Kunden"
                yield Batch(contacts, orders, cursor=dump_cursor(state), note=f"{label}: {read}")
            current.since = current.top or current.since
            current.after = current.top = None
            yield Batch(cursor=dump_cursor(state))

    def _records(
        self, name: str, items: list[dict[str, Any]]
    ) -> tuple[list[ContactRecord], list[OrderRecord]]:
        shop = self.client.shop_url
        contacts: dict[str, ContactRecord] = {}
        orders: list[OrderRecord] = []
        try:
            for item in items:
                if name == "customers":
                    contact = contact_from_customer(item, shop)
                else:
                    self._complete_line_items(item)
                    contact = contact_from_order(item, shop)
                    orders.append(order_record(item, shop))
                contacts.pop(contact.source_contact_id, None)
                contacts[contact.source_contact_id] = contact
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
            raise InvalidResponseError(
                f"{TOOL}: unerwartetes Format in {name} ({error!r})"
            ) from None
        return list(contacts.values()), orders

    def _complete_line_items(self, order: dict[str, Any]) -> None:
        connection = order.get("lineItems")
        info = connection.get("pageInfo") if isinstance(connection, dict) else None
        if info and info.get("hasNextPage") and info.get("endCursor"):
            rest = self.client.more_line_items(str(order["id"]), info["endCursor"])
            order["lineItems"] = {"nodes": nodes(connection) + rest}


def _later(a: str, b: str) -> bool:
    first, second = parse_time(a), parse_time(b)
    return first is not None and (second is None or first > second)


def create(config: ConnectorConfig) -> ShopifyConnector:
    credentials = ShopifyCredentials(access_token=config.credentials["access_token"])
    return ShopifyConnector(ShopifyClient(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="shopify",
        title=TOOL,
        credential_fields={"token": "access_token"},
        credential_labels={"access_token": "Admin-API-Zugriffstoken (shpat_…)"},
        create=create,
    )
)
