"""A fake Shopify shop speaking the GraphQL Admin API as documented (see connectors/shopify.py).

``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``; a wrong token gets
401 ``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong
password)"}``, another path 404 ``{"errors": "Not Found"}``. The queries ``orders``,
``customers`` (``first``, ``after``, ``query: "updated_at:>='…'"``, sorted by ``updatedAt`` then
id) and ``order(id) { lineItems }`` are answered with ``nodes`` and ``pageInfo {hasNextPage,
endCursor}``; cursors encode the sort value, as Shopify's do. Every answer carries
``extensions.cost``; :attr:`FakeShopify.throttled` answers the next queries 200 with a
THROTTLED error, a page whose requested cost exceeds 1000 gets ``MAX_COST_EXCEEDED``. Orders
and customers are kept as the API returns them (global ids, ``MoneyBag`` with decimal strings,
ISO dates with ``Z``). Faults (429, 500, drops, slow answers) come from
:class:`tests.fakes.server.FakeServer`.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

VERSION = "2026-01"
PATH = f"/admin/api/{VERSION}/graphql.json"
UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
FILTER = re.compile(r"updated_at:(>=|>)'?([^' ]+)'?")


def bag(amount: str | Decimal, currency: str = "EUR") -> dict[str, Any]:
    text = f"{Decimal(amount):.2f}"
    return {
        "shopMoney": {"amount": text, "currencyCode": currency},
        "presentmentMoney": {"amount": text, "currencyCode": currency},
    }


def address(
    first: str, last: str, *, company: str | None = None, city: str | None = "Berlin",
    zip: str | None = "10115", country: str | None = "DE",
) -> dict[str, Any]:  # fmt: skip
    return {
        "firstName": first,
        "lastName": last,
        "company": company,
        "city": city,
        "zip": zip,
        "countryCodeV2": country,
    }


def _cursor(item: dict[str, Any]) -> str:
    key = [item["updatedAt"], int(item["id"].rsplit("/", 1)[-1])]
    return base64.b64encode(json.dumps(key).encode()).decode()


def _key(item: dict[str, Any]) -> tuple[str, int]:
    return item["updatedAt"], int(item["id"].rsplit("/", 1)[-1])


class FakeShopify(FakeApi):
    def __init__(self, access_token: str = "shpat_fake0token0123456789abcdef"):
        self.access_token = access_token
        self.customers: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.server = FakeServer(self.handle)
        self.queries: list[dict[str, Any]] = []  # decoded request bodies
        self.available = 1990.0  # currentlyAvailable reported after a query
        self.maximum, self.restore = 2000.0, 100.0
        self.throttled = 0  # the next n queries are answered THROTTLED
        self._ids = 1000

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    # -- data --

    def add_customer(
        self, first: str, last: str, email: str | None, *, created: str, **where: Any
    ) -> dict[str, Any]:
        customer = {
            "id": f"gid://shopify/Customer/{self._id()}",
            "firstName": first,
            "lastName": last,
            "createdAt": created,
            "updatedAt": created,
            "defaultEmailAddress": {"emailAddress": email} if email else None,
            "defaultAddress": {
                k: v for k, v in address(first, last, **where).items() if "Name" not in k
            },
        }
        self.customers[customer["id"]] = customer
        return customer

    def add_order(
        self,
        *,
        created: str,
        items: list[tuple[str, int, str, str]],  # (name, quantity, total, tax)
        customer: dict[str, Any] | None = None,
        email: str | None = None,
        billing: dict[str, Any] | None = None,
        status: str = "PAID",
        currency: str = "EUR",
        shipping: str = "0.00",
        authorization: str | None = None,
        taxes_included: bool = True,
        test: bool = False,
        updated: str | None = None,
    ) -> dict[str, Any]:
        number = self._id()
        tax = sum((Decimal(i[3]) for i in items), Decimal(0))
        lines = sum((Decimal(i[2]) for i in items), Decimal(0))
        total = lines + Decimal(shipping) + (Decimal(0) if taxes_included else tax)
        if customer is not None:
            email = email or (customer.get("defaultEmailAddress") or {}).get("emailAddress")
        order = {
            "id": f"gid://shopify/Order/{number}",
            "name": f"#{number}",
            "createdAt": created,
            "updatedAt": updated or created,
            "cancelledAt": None,
            "test": test,
            "email": email,
            "taxesIncluded": taxes_included,
            "displayFinancialStatus": status,
            "currencyCode": currency,
            "totalPriceSet": bag(total, currency),
            "totalTaxSet": bag(tax, currency),
            "customer": customer,
            "billingAddress": billing,
            "lineItems": [
                {
                    "name": name,
                    "quantity": quantity,
                    "product": {"id": f"gid://shopify/Product/{90 + n}"},
                    "discountedTotalSet": bag(line_total, currency),
                    "taxLines": [{"priceSet": bag(line_tax, currency)}],
                }
                for n, (name, quantity, line_total, line_tax) in enumerate(items, start=1)
            ],
            "refunds": [],
            "transactions": [
                {
                    "kind": "SALE",
                    "status": "SUCCESS",
                    "gateway": "shopify_payments",
                    "authorizationCode": authorization,
                    "test": test,
                }
            ]
            if authorization
            else [],
            "disputes": [],
        }
        self.orders[order["id"]] = order
        return order

    def refund(self, order: dict[str, Any], amount: str, *, at: str) -> dict[str, Any]:
        currency = order["currencyCode"]
        refund = {
            "id": f"gid://shopify/Refund/{self._id()}",
            "createdAt": at,
            "totalRefundedSet": bag(amount, currency),
        }
        order["refunds"].append(refund)
        refunded = sum(
            Decimal(r["totalRefundedSet"]["shopMoney"]["amount"]) for r in order["refunds"]
        )
        total = Decimal(order["totalPriceSet"]["shopMoney"]["amount"])
        order["displayFinancialStatus"] = "REFUNDED" if refunded >= total else "PARTIALLY_REFUNDED"
        order["updatedAt"] = at
        return refund

    # -- the API --

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.method != "POST" or request.path != PATH:
            return FakeResponse.json({"errors": "Not Found"}, 404)
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return FakeResponse.json({"errors": UNAUTHORIZED}, 401)
        body = json.loads(request.body)
        self.queries.append(body)
        document, variables = body["query"], body.get("variables") or {}
        requested = self._requested(document, variables)
        if requested > 1000:
            return FakeResponse.json(
                {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the single "
                            "query max cost limit (1000).",
                            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested},
                        }
                    ]
                }
            )
        if self.throttled:
            self.throttled -= 1
            return FakeResponse.json(
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {"cost": self._cost(requested, None, 50.0)},
                }
            )
        if "order(id:" in document:
            data = {"order": self._order_lines(variables)}
        elif "orders(" in document:
            data = {"orders": self._page(self.orders, variables, lines=variables.get("lines"))}
        elif "customers(" in document:
            data = {"customers": self._page(self.customers, variables)}
        else:
            return FakeResponse.json(
                {"errors": [{"message": "Unknown query", "extensions": {"code": "undefinedField"}}]}
            )
        actual = max(1, requested // 4)
        return FakeResponse.json(
            {"data": data, "extensions": {"cost": self._cost(requested, actual, self.available)}}
        )

    def _cost(self, requested: int, actual: int | None, available: float) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": available,
                "restoreRate": self.restore,
            },
        }

    @staticmethod
    def _requested(document: str, variables: dict[str, Any]) -> int:
        """The documented rule, roughly: a connection costs 2 + first × its node's cost."""
        first = int(variables.get("first") or 0)
        if "order(id:" in document:
            return 3 + 100 * 6
        if "orders(" in document:
            return 2 + first * (10 + 2 + int(variables.get("lines") or 0) * 6 + 30 + 5 + 2)
        return 2 + first * 4

    def _page(
        self, store: dict[str, dict[str, Any]], variables: dict[str, Any], lines: Any = None
    ) -> dict[str, Any]:
        items = sorted(store.values(), key=_key)
        match = FILTER.search(variables.get("query") or "")
        if match:
            op, bound = match.groups()
            later = [i for i in items if i["updatedAt"] > bound]
            items = [i for i in items if i["updatedAt"] >= bound] if op == ">=" else later
        if variables.get("after"):
            after = tuple(json.loads(base64.b64decode(variables["after"])))
            items = [i for i in items if _key(i) > after]
        first = int(variables["first"])
        page = items[:first]
        nodes = [self._node(i, lines) for i in page]
        return {
            "pageInfo": {
                "hasNextPage": len(items) > first,
                "endCursor": _cursor(page[-1]) if page else None,
            },
            "nodes": nodes,
        }

    @staticmethod
    def _node(item: dict[str, Any], lines: Any) -> dict[str, Any]:
        node = json.loads(json.dumps(item))
        if lines is not None:
            all_lines = node["lineItems"]
            node["lineItems"] = {
                "pageInfo": {
                    "hasNextPage": len(all_lines) > int(lines),
                    "endCursor": str(int(lines)) if all_lines else None,
                },
                "nodes": all_lines[: int(lines)],
            }
        return node

    def _order_lines(self, variables: dict[str, Any]) -> dict[str, Any] | None:
        order = self.orders.get(variables["id"])
        if order is None:
            return None
        start = int(variables.get("after") or 0)
        rest = order["lineItems"][start : start + 100]
        more = len(order["lineItems"]) > start + 100
        return {
            "lineItems": {
                "pageInfo": {"hasNextPage": more, "endCursor": str(start + len(rest))},
                "nodes": rest,
            }
        }


@dataclass
class SampleShop:
    juergen: dict[str, Any]
    zoe: dict[str, Any]
    anders: dict[str, Any]
    orders: dict[str, dict[str, Any]]


def sample_shop(shop: FakeShopify) -> SampleShop:
    """A German shop: umlauts, guests, refunds, a chargeback, CHF, a test and a cancelled order."""
    juergen = shop.add_customer(
        "Jürgen", "Müller-Lüdenscheidt", "Juergen@Example.de", created="2024-12-01T09:00:00Z",
        company="Müller & Söhne GmbH", city="Köln", zip="50667",
    )  # fmt: skip
    zoe = shop.add_customer("Zoë", "Weiß", "zoe@example.at", created="2024-12-02T09:00:00Z",
                            city="Wien", zip="1010", country="AT")  # fmt: skip
    anders = shop.add_customer("Ånders", "Ørsted", "anders@example.dk",
                               created="2024-12-03T09:00:00Z", city="København", zip="1050",
                               country="DK")  # fmt: skip
    soeren = address("Sören", "Krüger", city="Zürich", zip="8001", country="CH")
    o: dict[str, dict[str, Any]] = {}
    o["juergen_paid"] = shop.add_order(
        customer=juergen, created="2025-01-05T10:00:00Z",
        items=[("Online-Kurs – Grundlagen", 1, "119.00", "19.00")], authorization="ch_3QxJuergen",
    )  # fmt: skip
    o["juergen_partial"] = shop.add_order(
        customer=juergen, created="2025-01-06T10:00:00Z", items=[("Coaching", 1, "100.00", "15.97")]
    )
    shop.refund(o["juergen_partial"], "30.00", at="2025-02-01T09:30:00Z")
    o["zoe_refunded"] = shop.add_order(
        customer=zoe, created="2025-01-07T10:00:00Z", items=[("E-Book", 1, "50.00", "8.33")]
    )
    shop.refund(o["zoe_refunded"], "50.00", at="2025-01-20T08:00:00Z")
    o["soeren_chf"] = shop.add_order(
        email="soeren.krueger@example.com", billing=soeren, created="2025-01-08T10:00:00Z",
        items=[("Workshop „Zürich“", 2, "200.00", "15.40")], currency="CHF", shipping="9.90",
        taxes_included=False,
    )  # fmt: skip
    o["soeren_again"] = shop.add_order(
        email="Soeren.Krueger@Example.com ", billing=soeren, created="2025-01-09T10:00:00Z",
        items=[("Nachtreffen", 1, "20.00", "0")], currency="CHF",
    )  # fmt: skip
    o["no_email"] = shop.add_order(
        billing=address("Paula", "Papier"), created="2025-01-10T10:00:00Z",
        items=[("Telefonbestellung", 1, "30.00", "4.79")],
    )  # fmt: skip
    o["no_country"] = shop.add_order(
        email="ida@example.org", billing=address("Ida", "Ödegaard", city=None, zip=None,
                                                 country=None),
        created="2025-01-11T10:00:00Z", items=[("Kurs", 1, "10.00", "1.60")],
    )  # fmt: skip
    o["cancelled"] = shop.add_order(
        customer=zoe, created="2025-01-12T10:00:00Z", items=[("Kurs", 1, "10.00", "1.60")],
        status="VOIDED",
    )  # fmt: skip
    o["cancelled"]["cancelledAt"] = "2025-01-12T11:00:00Z"
    o["pending"] = shop.add_order(
        customer=zoe, created="2025-01-13T10:00:00Z", items=[("Kurs", 1, "10.00", "1.60")],
        status="PENDING",
    )  # fmt: skip
    o["expired"] = shop.add_order(
        customer=zoe, created="2025-01-14T10:00:00Z", items=[("Kurs", 1, "10.00", "1.60")],
        status="EXPIRED",
    )  # fmt: skip
    o["chargeback"] = shop.add_order(
        customer=juergen, created="2025-01-15T10:00:00Z", updated="2025-02-03T14:00:00Z",
        items=[("Jahresabo", 1, "240.00", "38.32")],
    )  # fmt: skip
    o["chargeback"]["disputes"] = [
        {
            "id": "gid://shopify/ShopifyPaymentsDispute/77",
            "initiatedAs": "CHARGEBACK",
            "status": "LOST",
        }
    ]
    o["test"] = shop.add_order(
        customer=zoe, created="2025-01-16T10:00:00Z", items=[("Testkauf", 1, "1.00", "0.16")],
        test=True, authorization="ch_test_1",
    )  # fmt: skip
    return SampleShop(juergen, zoe, anders, o)
