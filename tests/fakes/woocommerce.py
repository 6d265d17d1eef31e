"""A fake WooCommerce shop speaking the REST API v3 as documented (see connectors/woocommerce.py).

Orders, customers and refunds are kept as the JSON the API returns (property names, decimal
strings, ``*_gmt`` dates without zone, local dates one hour ahead, embedded refunds with a
negative ``total``). ``GET /wp-json/wc/v3/orders`` honours ``page``, ``per_page`` (1–100, else
400 ``rest_invalid_param``), ``status``, ``after``/``before``/``modified_after``/
``modified_before`` (strictly after/before, local or GMT by ``dates_are_gmt``), ``orderby``
(date, id, modified; ties by id) and ``order``, and answers with ``X-WP-Total``,
``X-WP-TotalPages`` and a ``Link`` header. Auth is HTTP Basic (or ``consumer_key``/
``consumer_secret`` query parameters) with WooCommerce's 401 bodies. Faults come from
:class:`tests.fakes.server.FakeServer`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

API = "/wp-json/wc/v3"
LOCAL_OFFSET = timedelta(hours=1)  # the shop's timezone; the connector must use *_gmt
ORDERBY = {"date", "id", "include", "title", "slug", "modified"}


def error(status: int, code: str, message: str, **data: Any) -> FakeResponse:
    return FakeResponse.json(
        {"code": code, "message": message, "data": {"status": status, **data}}, status
    )


def _local(gmt: str) -> str:
    return (datetime.fromisoformat(gmt) + LOCAL_OFFSET).strftime("%Y-%m-%dT%H:%M:%S")


def _beyond(value: str, bound: datetime, later: bool) -> bool:
    moment = datetime.fromisoformat(value)
    return moment > bound if later else moment < bound


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def address(
    first_name: str,
    last_name: str,
    email: str | None = None,
    *,
    company: str = "",
    city: str = "Berlin",
    postcode: str = "10115",
    country: str = "DE",
) -> dict[str, str]:
    billing = {
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "address_1": "Hauptstraße 1",
        "address_2": "",
        "city": city,
        "state": "",
        "postcode": postcode,
        "country": country,
        "email": email or "",  # admin-created orders may have none
        "phone": "",
    }
    return billing


class FakeWooCommerce(FakeApi):
    def __init__(
        self, consumer_key: str = "ck_fake_key_123", consumer_secret: str = "cs_fake_secret_456"
    ):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.orders: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.refund_objects: dict[int, list[dict[str, Any]]] = {}
        self.refunds_endpoint = True  # False: /orders/<id>/refunds is missing (404)
        self.broken_paging = False  # True: a caching proxy that ignores ?page, no X-WP headers
        self.server = FakeServer(self.handle)
        self._ids = 1000

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    # -- data --

    def add_customer(
        self,
        first_name: str,
        last_name: str,
        email: str,
        *,
        created: str,
        role: str = "customer",
        **where: str,
    ) -> dict[str, Any]:
        customer_id = self._id()
        billing = address(first_name, last_name, email, **where)
        customer = {
            "id": customer_id,
            "date_created": _local(created),
            "date_created_gmt": created,
            "date_modified": _local(created),
            "date_modified_gmt": created,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "role": role,
            "username": email.split("@")[0],
            "billing": billing,
            "shipping": {k: v for k, v in billing.items() if k not in ("email", "phone")},
            "is_paying_customer": False,
            "avatar_url": "https://secure.gravatar.com/avatar/0?s=96",
            "meta_data": [],
        }
        self.customers[customer_id] = customer
        return customer

    def add_order(
        self,
        *,
        created: str,
        items: list[tuple[str, int, str, str]],  # (name, quantity, total, total_tax)
        customer: dict[str, Any] | None = None,
        billing: dict[str, str] | None = None,
        status: str = "completed",
        currency: str = "EUR",
        shipping: str = "0.00",
        transaction_id: str = "",
        modified: str | None = None,
        prices_include_tax: bool = False,
    ) -> dict[str, Any]:
        order_id = self._id()
        modified = modified or created
        line_items = []
        for number, (name, quantity, total, tax) in enumerate(items, start=1):
            line_items.append(
                {
                    "id": order_id * 10 + number,
                    "name": name,
                    "product_id": 90 + number,
                    "variation_id": 0,
                    "quantity": quantity,
                    "tax_class": "",
                    "subtotal": total,
                    "subtotal_tax": tax,
                    "total": total,
                    "total_tax": tax,
                    "taxes": [],
                    "meta_data": [],
                    "sku": "",
                    "price": float(Decimal(total) / quantity),
                }
            )
        tax_total = sum((Decimal(i[3]) for i in items), Decimal(0))
        grand = sum((Decimal(i[2]) for i in items), Decimal(0)) + tax_total + Decimal(shipping)
        if billing is None:
            assert customer is not None, "a guest order needs billing data"
            billing = dict(customer["billing"])
        paid = created if status in ("processing", "completed", "refunded") else None
        order = {
            "id": order_id,
            "parent_id": 0,
            "number": str(order_id),
            "order_key": f"wc_order_{order_id:x}",
            "created_via": "checkout",
            "version": "9.4.0",
            "status": status,
            "currency": currency,
            "date_created": _local(created),
            "date_created_gmt": created,
            "date_modified": _local(modified),
            "date_modified_gmt": modified,
            "discount_total": "0.00",
            "discount_tax": "0.00",
            "shipping_total": shipping,
            "shipping_tax": "0.00",
            "cart_tax": _money(tax_total),
            "total": _money(grand),
            "total_tax": _money(tax_total),
            "prices_include_tax": prices_include_tax,
            "customer_id": customer["id"] if customer else 0,
            "customer_ip_address": "127.0.0.1",
            "customer_user_agent": "",
            "customer_note": "",
            "billing": billing,
            "shipping": {k: v for k, v in billing.items() if k not in ("email", "phone")},
            "payment_method": "stripe" if transaction_id else "bacs",
            "payment_method_title": "Kreditkarte" if transaction_id else "Überweisung",
            "transaction_id": transaction_id,
            "date_paid": _local(paid) if paid else None,
            "date_paid_gmt": paid,
            "date_completed": _local(paid) if status == "completed" and paid else None,
            "date_completed_gmt": paid if status == "completed" else None,
            "cart_hash": "",
            "meta_data": [],
            "line_items": line_items,
            "tax_lines": [],
            "shipping_lines": [],
            "fee_lines": [],
            "coupon_lines": [],
            "refunds": [],
            "_links": {
                "self": [{"href": f"{API}/orders/{order_id}"}],
                "collection": [{"href": f"{API}/orders"}],
            },
        }
        self.orders[order_id] = order
        self.refund_objects[order_id] = []
        return order

    def refund(self, order_id: int, amount: str, *, at: str, reason: str = "") -> dict[str, Any]:
        """A refund as WooCommerce books it; a full refund turns the order ``refunded``."""
        order = self.orders[order_id]
        refund_id = self._id()
        refund = {
            "id": refund_id,
            "date_created": _local(at),
            "date_created_gmt": at,
            "amount": amount,
            "reason": reason,
            "refunded_by": 1,
            "refunded_payment": False,
            "meta_data": [],
            "line_items": [],
        }
        self.refund_objects[order_id].insert(0, refund)
        order["refunds"].insert(0, {"id": refund_id, "reason": reason, "total": f"-{amount}"})
        refunded = sum(Decimal(r["amount"]) for r in self.refund_objects[order_id])
        if refunded >= Decimal(order["total"]):
            order["status"] = "refunded"
        self.modify(order_id, at)
        return refund

    def modify(self, order_id: int, at: str, **changes: Any) -> None:
        order = self.orders[order_id]
        order.update(changes)
        order["date_modified_gmt"] = at
        order["date_modified"] = _local(at)

    # -- HTTP --

    def handle(self, request: FakeRequest) -> FakeResponse:
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        path = request.path.rstrip("/")
        if path == f"{API}/orders":
            return self._list_orders(request)
        match = re.fullmatch(rf"{API}/orders/(\d+)/refunds", path)
        if match and self.refunds_endpoint:
            order_id = int(match.group(1))
            if order_id not in self.orders:
                return error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            return self._page(request, list(self.refund_objects[order_id]))
        if path == f"{API}/customers":
            return self._list_customers(request)
        return error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _authenticate(self, request: FakeRequest) -> FakeResponse | None:
        key, secret = request.basic_auth or (
            request.param("consumer_key") or "",
            request.param("consumer_secret") or "",
        )
        if key != self.consumer_key:
            # unknown key: the request stays anonymous and the permission check answers
            return error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if secret != self.consumer_secret:
            return error(
                401, "woocommerce_rest_authentication_error", "Consumer secret is invalid."
            )
        return None

    def _page(self, request: FakeRequest, items: list[dict[str, Any]]) -> FakeResponse:
        try:
            per_page = int(request.param("per_page", "10") or "10")
            page = int(request.param("page", "1") or "1")
        except ValueError:
            return error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        if not 1 <= per_page <= 100 or page < 1:
            return error(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): per_page",
                params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
            )
        if self.broken_paging:
            return FakeResponse.json(items[:per_page])
        total = len(items)
        pages = math.ceil(total / per_page)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = {k: v[-1] for k, v in request.query.items()}
        if page > 1:
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": page - 1})}>; rel="prev"'
            )
        if pages > page:
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": page + 1})}>; rel="next"'
            )
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return FakeResponse.json(chunk, headers=headers)

    def _list_orders(self, request: FakeRequest) -> FakeResponse:
        orderby = request.param("orderby", "date") or "date"
        if orderby not in ORDERBY:
            return error(400, "rest_invalid_param", "Invalid parameter(s): orderby")
        gmt = (request.param("dates_are_gmt") or "").lower() in ("1", "true")
        statuses = set((request.param("status") or "any").split(","))
        orders = [
            o
            for o in self.orders.values()
            if ("any" in statuses and o["status"] != "trash") or o["status"] in statuses
        ]
        suffix = "_gmt" if gmt else ""
        for name, field, later in (
            ("after", "date_created", True),
            ("before", "date_created", False),
            ("modified_after", "date_modified", True),
            ("modified_before", "date_modified", False),
        ):
            value = request.param(name)
            if value:
                bound = datetime.fromisoformat(value).replace(tzinfo=None)
                # WP_Date_Query compares strictly: "after" excludes the bound itself
                orders = [o for o in orders if _beyond(o[field + suffix], bound, later)]
        sort_field = {"date": "date_created_gmt", "modified": "date_modified_gmt"}.get(orderby)
        descending = (request.param("order") or "desc") == "desc"
        orders.sort(
            key=lambda o: (o[sort_field], o["id"]) if sort_field else (o["id"],),
            reverse=descending,
        )
        return self._page(request, orders)

    def _list_customers(self, request: FakeRequest) -> FakeResponse:
        role = request.param("role", "customer")
        customers = [c for c in self.customers.values() if role == "all" or c["role"] == role]
        include = request.param("include")
        if include:
            wanted = {int(i) for i in include.split(",") if i}
            customers = [c for c in customers if c["id"] in wanted]
        orderby = request.param("orderby", "name")
        keys = {
            "id": lambda c: (c["id"],),
            "registered_date": lambda c: (c["date_created_gmt"], c["id"]),
            "name": lambda c: (c["username"], c["id"]),
            "include": lambda c: (c["id"],),
        }
        if orderby not in keys:
            return error(400, "rest_invalid_param", "Invalid parameter(s): orderby")
        customers.sort(key=keys[orderby], reverse=(request.param("order") or "asc") == "desc")
        return self._page(request, customers)


DOCS_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "woocommerce"


def load_docs_examples(shop: FakeWooCommerce) -> None:
    """Serve the documentation's list examples unchanged: orders 727/723, customers 26/25."""
    for order in json.loads((DOCS_EXAMPLES / "orders.json").read_text(encoding="utf-8")):
        shop.orders[order["id"]] = order
        shop.refund_objects[order["id"]] = []
    shop.refund_objects[723] = json.loads(
        (DOCS_EXAMPLES / "refunds_723.json").read_text(encoding="utf-8")
    )
    for customer in json.loads((DOCS_EXAMPLES / "customers.json").read_text(encoding="utf-8")):
        shop.customers[customer["id"]] = customer


@dataclass
class SampleShop:
    """Who is who in :func:`sample_shop` (API ids)."""

    zoe: dict[str, Any]
    juergen: dict[str, Any]
    anders: dict[str, Any]
    orders: dict[str, dict[str, Any]]


def sample_shop(shop: FakeWooCommerce) -> SampleShop:
    """A small German shop: umlauts, guests, refunds, foreign currencies, gaps in the data.

    Twelve orders, three of them modified in the same second (a page boundary falls between
    them when pages hold three orders).
    """
    zoe = shop.add_customer(
        "Zoë",
        "Weiß",
        "zoe.weiss@example.at",
        created="2024-11-02T08:00:00",
        city="Wien",
        postcode="1010",
        country="AT",
    )
    juergen = shop.add_customer(
        "Jürgen",
        "Müller-Lüdenscheidt",
        "juergen@example.de",
        created="2024-12-01T09:00:00",
        company="Müller & Söhne GmbH",
        city="Köln",
        postcode="50667",
    )
    anders = shop.add_customer(
        "Ånders",
        "Ørsted",
        "anders@example.dk",
        created="2024-12-24T18:00:00",
        city="København",
        postcode="1050",
        country="DK",
    )
    soeren = address(
        "Sören",
        "Krüger",
        " Soeren.Krueger@Example.COM ",
        city="Zürich",
        postcode="8001",
        country="CH",
    )
    orders = {
        "zoe_course": shop.add_order(
            customer=zoe,
            created="2025-01-05T10:00:00",
            transaction_id="ch_3QxZoe",
            items=[("Online-Kurs &ndash; Grundlagen", 1, "100.00", "19.00")],
        ),
        "soeren_chf": shop.add_order(
            billing=soeren,
            created="2025-01-06T11:30:00",
            currency="CHF",
            items=[("Workshop „Zürich“", 2, "200.00", "15.40")],
            shipping="9.90",
        ),
        "no_country": shop.add_order(
            billing=address("Ida", "Ödegaard", "ida@example.org", city="", postcode="", country=""),
            created="2025-01-07T12:00:00",
            status="processing",
            items=[("E-Book", 1, "19.90", "0.00")],
        ),
        "juergen_partial": shop.add_order(
            customer=juergen,
            created="2025-01-08T08:15:00",
            items=[("Coaching", 1, "84.03", "15.97"), ("Workbook", 1, "0.00", "0.00")],
        ),
        "soeren_again": shop.add_order(
            billing=address(
                "Sören",
                "Krüger",
                "soeren.krueger@example.com",
                city="Zürich",
                postcode="8001",
                country="CH",
            ),
            created="2025-01-10T10:00:00",
            items=[("E-Book", 1, "19.90", "0.00")],
        ),
        "zoe_refunded": shop.add_order(
            customer=zoe,
            created="2025-01-12T10:00:00",
            transaction_id="ch_3QxZoe2",
            items=[("Mitgliedschaft", 1, "42.02", "7.98")],
        ),
        "on_hold": shop.add_order(
            billing=address("Lena", "Groß", "lena@example.de"),
            created="2025-01-20T12:00:00",
            status="on-hold",
            items=[("Kurs", 1, "50.00", "9.50")],
        ),
        "cancelled": shop.add_order(
            billing=address("Lena", "Groß", "lena@example.de"),
            created="2025-01-20T12:00:00",
            status="cancelled",
            items=[("Kurs", 1, "50.00", "9.50")],
        ),
        "failed": shop.add_order(
            billing=address("Lena", "Groß", "lena@example.de"),
            created="2025-01-20T12:00:00",
            status="failed",
            items=[("Kurs", 1, "50.00", "9.50")],
        ),
        "juergen_usd": shop.add_order(
            customer=juergen,
            created="2025-01-22T15:45:00",
            currency="USD",
            status="processing",
            items=[("Consulting (US)", 3, "300.00", "0.00")],
        ),
        "no_email": shop.add_order(
            billing=address("Kasse", "Laden", None, country=""),
            created="2025-01-23T09:00:00",
            items=[("Gutschein", 1, "25.00", "0.00")],
        ),
        "pending": shop.add_order(
            billing=address("Max", "Mustermann", "max@example.de"),
            created="2025-01-25T09:00:00",
            status="pending",
            items=[("Kurs", 1, "50.00", "9.50")],
        ),
    }
    shop.refund(orders["juergen_partial"]["id"], "30.00", at="2025-02-01T09:30:00", reason="Kulanz")
    shop.refund(orders["zoe_refunded"]["id"], "50.00", at="2025-02-03T14:00:00", reason="Widerruf")
    return SampleShop(zoe=zoe, juergen=juergen, anders=anders, orders=orders)
