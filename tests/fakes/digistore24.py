"""A fake Digistore24 account speaking the documented API (see connectors/digistore24.py).

``/api/call/<function>`` with the key in the ``X-DS-API-KEY`` header; every answer is the JSON
envelope ``{api_version, current_time, timezone, utc_offset, result, data}`` and errors carry
``message`` and Digistore24's ``code`` (2 wrong key, 3 bad parameter, 4 not found), with the
HTTP status of the code (401, 400, 404) or, with ``errors_on_200``, on a 200 as the PHP connector
also handles. Times are local to Europe/Berlin (``2014-02-25 22:51:09``), money is decimal strings.

``listTransactions`` honours ``from``/``to`` (``start``, ``now``, ``-3d``/``-24h``, local times,
ISO 8601 with offset; both bounds inclusive), ``search[role|transaction_type|purchase_id]``
(an unknown type answers 400), ``sort_by=date``, ``sort_order``, ``page_no``, ``page_size``
(1–1000, else 400) and answers ``page_count`` and a per-currency ``summary``. Items come in the
documented shape (``shape="openapi"``: id, purchase_id, signed amount, currency,
transaction_type(_msg), created_at, buyer) or with the fields a live account adds (``"full"``:
buyer_id, transaction_amount, vat_amount, earned_amount, affiliate_amount, main product,
billing_type, pay_method, vat_country, upsell_no; ``amount`` stays the order total).
``getPurchase`` takes one id or a comma-separated list (404 if any is unknown).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

ZONE = ZoneInfo("Europe/Berlin")
API = "/api/call/"
TYPES = {"payment": "Zahlung", "refund": "Rückgabe", "chargeback": "Rückbelastung"}
ALLOWED_TYPES = {*TYPES, "refund_request"}
BILLING = {"single_payment": "Einmalzahlung", "subscription": "Abonnement", "installment": "Raten"}


def local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")


def utc(text: str) -> datetime:
    """``2025-01-05T10:00:00`` (UTC) for building test data."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass
class Buyer:
    id: int | None
    email: str
    first_name: str
    last_name: str
    created: datetime
    company: str = ""
    street: str = "Hauptstraße 1"
    zipcode: str = "10115"
    city: str = "Berlin"
    country: str = "DE"

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": local(self.created),
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "salutation": "",
            "title": "",
            "company": self.company,
            "street": self.street,
            "street2": "",
            "zipcode": self.zipcode,
            "city": self.city,
            "state": "",
            "country": self.country,
            "phone_no": "",
        }


@dataclass
class Purchase:
    id: str
    buyer: Buyer
    created: datetime
    items: list[tuple[int, str, int]]  # product id, name, quantity
    amount: Decimal  # the first (or only) payment
    currency: str = "EUR"
    billing_type: str = "single_payment"
    number_of_installments: int = 1
    vat_rate: Decimal = Decimal("19.00")
    other_amounts: Decimal = Decimal("0.00")
    role: str = "vendor"
    transactions: list[dict[str, Any]] = field(default_factory=list)

    def vat(self, gross: Decimal) -> Decimal:
        return (gross * self.vat_rate / (100 + self.vat_rate)).quantize(Decimal("0.01"))


class FakeDigistore24(FakeApi):
    def __init__(self, api_key: str = "1234-FakeKeyAbCdEfGhIjKlMnOpQrStUvWxYz"):
        self.api_key = api_key
        self.shape = "full"
        self.errors_on_200 = False
        self.buyers: dict[int, Buyer] = {}
        self.purchases: dict[str, Purchase] = {}
        self.unknown_purchases: set[str] = set()  # getPurchase answers 404 for these
        self.server = FakeServer(self.handle)
        self._ids = 313100

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    # -- data --

    def add_buyer(
        self, first_name: str, last_name: str, email: str, *, created: str, **where: Any
    ) -> Buyer:
        buyer = Buyer(self._id(), email, first_name, last_name, utc(created), **where)
        self.buyers[buyer.id or 0] = buyer
        return buyer

    def add_guest(self, first_name: str, last_name: str, email: str, **where: Any) -> Buyer:
        """A buyer whose account is gone: purchases keep the data, but no buyer id."""
        return Buyer(None, email, first_name, last_name, utc("2020-01-01T00:00:00"), **where)

    def add_purchase(
        self,
        buyer: Buyer,
        *,
        created: str,
        amount: str,
        items: list[tuple[int, str, int]] | None = None,
        **terms: Any,
    ) -> Purchase:
        purchase_id = f"P{self._id():07d}"[-8:]
        purchase = Purchase(
            purchase_id,
            buyer,
            utc(created),
            items or [(20, "Online-Kurs", 1)],
            Decimal(amount),
            **{
                k: Decimal(v) if k in ("vat_rate", "other_amounts") else v for k, v in terms.items()
            },
        )
        self.purchases[purchase_id] = purchase
        return purchase

    def pay(
        self,
        purchase: Purchase,
        *,
        at: str,
        amount: str | None = None,
        earned: str | None = None,
        affiliate: str = "0.00",
        pay_method: str = "paypal",
    ) -> dict[str, Any]:
        gross = Decimal(amount) if amount is not None else purchase.amount
        vat = purchase.vat(gross)
        fee = (gross * Decimal("0.079") + 1).quantize(Decimal("0.01")) if gross else Decimal(0)
        vendor = Decimal(earned) if earned is not None else gross - vat - fee - Decimal(affiliate)
        return self._book(
            purchase, "payment", at, gross, vat, vendor, Decimal(affiliate), pay_method
        )

    def refund(self, purchase: Purchase, amount: str, *, at: str) -> dict[str, Any]:
        return self._reverse(purchase, "refund", amount, at)

    def chargeback(self, purchase: Purchase, amount: str, *, at: str) -> dict[str, Any]:
        return self._reverse(purchase, "chargeback", amount, at)

    def _reverse(self, purchase: Purchase, kind: str, amount: str, at: str) -> dict[str, Any]:
        gross = Decimal(amount)
        vat = purchase.vat(gross)
        share = (gross - vat) * Decimal("0.8")
        return self._book(purchase, kind, at, -gross, -vat, -share, Decimal(0), "paypal")

    def _book(
        self,
        purchase: Purchase,
        kind: str,
        at: str,
        gross: Decimal,
        vat: Decimal,
        earned: Decimal,
        affiliate: Decimal,
        pay_method: str,
    ) -> dict[str, Any]:
        txn = {
            "id": self._id(),
            "kind": kind,
            "at": utc(at),
            "gross": gross,
            "vat": vat,
            "earned": earned,
            "affiliate": affiliate,
            "pay_method": pay_method,
            "upsell_no": "0",
        }
        purchase.transactions.append(txn)
        return txn

    # -- rendering --

    def _envelope(self, data: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        offset = now.astimezone(ZONE).strftime("%z")
        return {
            "api_version": "1.2",
            "current_time": local(now),
            "timezone": "Europe/Berlin",
            "utc_offset": f"{offset[:3]}:{offset[3:]}",
            "result": "success",
            "data": data,
        }

    def error(self, status: int, code: int, message: str) -> FakeResponse:
        body = {**self._envelope(None), "result": "error", "code": code, "message": message}
        del body["data"]
        return FakeResponse.json(body, 200 if self.errors_on_200 else status)

    def _item(self, purchase: Purchase, txn: dict[str, Any]) -> dict[str, Any]:
        buyer = purchase.buyer
        item: dict[str, Any] = {
            "id": txn["id"],
            "purchase_id": purchase.id,
            "amount": _money(txn["gross"]),
            "currency": purchase.currency,
            "transaction_type": txn["kind"],
            "transaction_type_msg": TYPES[txn["kind"]],
            "created_at": local(txn["at"]),
            "buyer": {
                "id": buyer.id,
                "email": buyer.email,
                "first_name": buyer.first_name,
                "last_name": buyer.last_name,
            },
        }
        if self.shape == "openapi":
            return item
        product_id, product_name, _quantity = purchase.items[0]
        return {
            **item,
            "amount": _money(purchase.amount if txn["kind"] != "payment" else txn["gross"]),
            "transaction_amount": _money(txn["gross"]),
            "vat_amount": _money(txn["vat"]),
            "earned_amount": _money(txn["earned"]),
            "merchant_amount": _money(txn["earned"]),
            "affiliate_amount": _money(txn["affiliate"]),
            "buyer_id": "" if buyer.id is None else str(buyer.id),
            "transaction_pay_date": local(txn["at"])[:10],
            "main_product_id": str(product_id),
            "main_product_name": product_name,
            "billing_type": purchase.billing_type,
            "pay_method": txn["pay_method"],
            "vat_country": buyer.country,
            "upsell_no": txn["upsell_no"],
        }

    def _purchase(self, purchase: Purchase) -> dict[str, Any]:
        return {
            "other_amounts": _money(purchase.other_amounts),
            "other_vat_amounts": _money(purchase.vat(purchase.other_amounts)),
            "id": purchase.id,
            "amount": _money(purchase.amount),
            "currency": purchase.currency,
            "number_of_installments": purchase.number_of_installments,
            "vat_country": purchase.buyer.country,
            "vat_amount": _money(purchase.vat(purchase.amount)),
            "vat_rate": _money(purchase.vat_rate),
            "created_at": local(purchase.created),
            "billing_type": purchase.billing_type,
            "billing_type_msg": BILLING[purchase.billing_type],
            "billing_status": "completed",
            "has_custom_forms": "N",
            "has_etickets": "N",
            "transaction_list": [
                {
                    "id": t["id"],
                    "amount": _money(t["gross"]),
                    "currency": purchase.currency,
                    "purchase_id": purchase.id,
                    "pay_method": t["pay_method"],
                    "created_at": local(t["at"]),
                    "type": t["kind"],
                    "type_msg": TYPES[t["kind"]],
                }
                for t in purchase.transactions
            ],
            "buyer": purchase.buyer.record(),
            "items": [
                {"product_name": name, "product_id": product_id, "quantity": quantity}
                for product_id, name, quantity in purchase.items
            ],
        }

    # -- HTTP --

    def handle(self, request: FakeRequest) -> FakeResponse:
        if not request.path.startswith(API):
            return FakeResponse(404, b"<html>Not found</html>", {"Content-Type": "text/html"})
        if request.headers.get("x-ds-api-key") != self.api_key:
            return self.error(401, 2, "The API key is invalid.")
        function = request.path[len(API) :].split("/")[0]
        if function == "listTransactions":
            return self._list_transactions(request)
        if function == "getPurchase":
            return self._get_purchase(request)
        return self.error(404, 9, f"Invalid API function called: {function}()")

    def _when(self, text: str | None, default: datetime) -> datetime:
        value = (text or "").strip()
        if not value:
            return default
        if value == "now":
            return datetime.now(UTC)
        if value == "start":
            return datetime(2000, 1, 1, tzinfo=UTC)
        match = re.fullmatch(r"-(\d+)([dh])", value)
        if match:
            unit = "days" if match[2] == "d" else "hours"
            return datetime.now(UTC) - timedelta(**{unit: int(match[1])})
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=ZONE) if moment.tzinfo is None else moment

    def _list_transactions(self, request: FakeRequest) -> FakeResponse:
        try:
            page_no = int(request.param("page_no", "1") or "1")
            page_size = int(request.param("page_size", "500") or "500")
            start = self._when(request.param("from"), datetime.now(UTC) - timedelta(hours=24))
            end = self._when(request.param("to"), datetime.now(UTC))
        except ValueError:
            return self.error(400, 3, "Invalid parameters for function call listTransactions()")
        if page_no < 1 or not 1 <= page_size <= 1000:
            return self.error(400, 3, "Invalid parameters for function call listTransactions()")
        types = set((request.param("search[transaction_type]") or ",".join(TYPES)).split(","))
        if not types <= ALLOWED_TYPES:
            return self.error(400, 3, "Invalid transaction type")
        roles = set((request.param("search[role]") or "vendor,affiliate,other").split(","))
        wanted = {p for p in (request.param("search[purchase_id]") or "").split(",") if p}
        rows = [
            (txn["at"], txn["id"], purchase, txn)
            for purchase in self.purchases.values()
            if purchase.role in roles and (not wanted or purchase.id in wanted)
            for txn in purchase.transactions
            if txn["kind"] in types and start <= txn["at"] <= end
        ]
        rows.sort(key=lambda row: (row[0], row[1]), reverse=request.param("sort_order") == "desc")
        chunk = rows[(page_no - 1) * page_size : page_no * page_size]
        amounts: dict[str, dict[str, Any]] = {}
        for _at, _id, purchase, txn in rows:
            total = amounts.setdefault(
                purchase.currency,
                {"count": 0, "total_amount": 0, "vat_amount": 0, "earned_amount": 0},
            )
            total["count"] += 1
            for name, key in (("total_amount", "gross"), ("vat_amount", "vat")):
                total[name] = float(Decimal(str(total[name])) + txn[key])
            total["earned_amount"] = float(Decimal(str(total["earned_amount"])) + txn["earned"])
        data = {
            "from": local(start),
            "to": local(end),
            "page_size": page_size,
            "page_no": page_no,
            "page_count": math.ceil(len(rows) / page_size),
            "summary": {"amounts": amounts, "count": len(rows)},
            "transaction_list": [self._item(purchase, txn) for _a, _i, purchase, txn in chunk],
        }
        return FakeResponse.json(self._envelope(data))

    def _get_purchase(self, request: FakeRequest) -> FakeResponse:
        ids = [i for i in (request.param("purchase_id") or "").split(",") if i]
        missing = [i for i in ids if i not in self.purchases or i in self.unknown_purchases]
        if not ids or missing:
            return self.error(404, 4, f"Die Bestellung {','.join(missing or ids)} gibt es nicht.")
        if len(ids) == 1:
            return FakeResponse.json(self._envelope(self._purchase(self.purchases[ids[0]])))
        return FakeResponse.json(
            self._envelope({i: self._purchase(self.purchases[i]) for i in ids})
        )


@dataclass
class SampleAccount:
    """Who is who in :func:`sample_account`."""

    buyers: dict[str, Buyer]
    purchases: dict[str, Purchase]
    payments: dict[str, dict[str, Any]]


def sample_account(account: FakeDigistore24) -> SampleAccount:
    """A German course seller: umlauts, a buyer without account, refunds, a chargeback, CHF and
    USD, a missing country, a subscription with a trial, instalments, a test payment, an
    affiliate sale that is not the owner's, and three payments in one second."""
    a = account
    buyers = {
        "zoe": a.add_buyer(
            "Zoë",
            "Weiß",
            "zoe.weiss@example.at",
            created="2024-11-02T08:00:00",
            city="Wien",
            zipcode="1010",
            country="AT",
        ),
        "juergen": a.add_buyer(
            "Jürgen",
            "Müller-Lüdenscheidt",
            "juergen@example.de",
            created="2024-12-01T09:00:00",
            company="Müller & Söhne GmbH",
            city="Köln",
            zipcode="50667",
        ),
        "soeren": a.add_buyer(
            "Sören",
            "Krüger",
            " Soeren.Krueger@Example.COM ",
            created="2024-12-24T18:00:00",
            city="Zürich",
            zipcode="8001",
            country="CH",
        ),
        "anders": a.add_buyer(
            "Ånders",
            "Ørsted",
            "anders@example.com",
            created="2025-01-02T00:00:00",
            city="New York",
            zipcode="10001",
            country="US",
        ),
        "ida": a.add_buyer(
            "Ida",
            "Ödegaard",
            "ida@example.org",
            created="2025-01-03T00:00:00",
            street="",
            city="",
            zipcode="",
            country="",
        ),
        "guest": a.add_guest("Gülay", "Ünal", "Guelay.Uenal@example.de", city="Hamburg"),
        "lena": a.add_buyer("Lena", "Groß", "lena@example.de", created="2025-01-04T00:00:00"),
    }
    b = buyers
    p = {
        "course": a.add_purchase(
            b["zoe"],
            created="2025-01-05T10:00:00",
            amount="120.00",
            vat_rate="20.00",
            items=[(20, "Online-Kurs „Grundlagen“", 1)],
        ),
        "chf": a.add_purchase(
            b["soeren"],
            created="2025-01-06T11:30:00",
            amount="215.40",
            currency="CHF",
            vat_rate="8.10",
            items=[(31, "Workshop Zürich", 2)],
        ),
        "ebook": a.add_purchase(
            b["ida"], created="2025-01-07T12:00:00", amount="19.90", items=[(40, "E-Book", 1)]
        ),
        "partial": a.add_purchase(
            b["juergen"],
            created="2025-01-08T08:15:00",
            amount="100.00",
            items=[(50, "Coaching", 1)],
        ),
        "abo": a.add_purchase(
            b["juergen"],
            created="2025-01-10T07:00:00",
            amount="29.00",
            billing_type="subscription",
            number_of_installments=0,
            other_amounts="29.00",
            items=[(60, "Mitgliedschaft", 1)],
        ),
        "refunded": a.add_purchase(
            b["zoe"],
            created="2025-01-12T10:00:00",
            amount="50.00",
            vat_rate="20.00",
            items=[(70, "Masterclass", 1)],
        ),
        "raten": a.add_purchase(
            b["soeren"],
            created="2025-01-15T09:00:00",
            amount="100.00",
            billing_type="installment",
            number_of_installments=3,
            other_amounts="100.00",
            vat_rate="8.10",
            items=[(80, "Jahresprogramm", 1)],
        ),
        "trial": a.add_purchase(
            b["lena"],
            created="2025-01-20T12:00:00",
            amount="0.00",
            billing_type="subscription",
            number_of_installments=0,
            other_amounts="29.00",
            items=[(60, "Mitgliedschaft", 1)],
        ),
        "usd": a.add_purchase(
            b["anders"],
            created="2025-01-21T15:45:00",
            amount="300.00",
            currency="USD",
            vat_rate="0.00",
            items=[(90, "Consulting (US)", 3)],
        ),
        "tie_1": a.add_purchase(b["lena"], created="2025-01-22T12:00:00", amount="10.00"),
        "tie_2": a.add_purchase(b["ida"], created="2025-01-22T12:00:00", amount="10.00"),
        "tie_3": a.add_purchase(b["zoe"], created="2025-01-22T12:00:00", amount="10.00"),
        "guest": a.add_purchase(
            b["guest"],
            created="2025-01-23T09:00:00",
            amount="25.00",
            items=[(95, "Gutschein", 1)],
        ),
        "test": a.add_purchase(b["lena"], created="2025-01-25T09:00:00", amount="49.00"),
        "affiliate": a.add_purchase(
            b["lena"], created="2025-01-26T09:00:00", amount="99.00", role="affiliate"
        ),
    }
    pay = {
        "course": a.pay(p["course"], at="2025-01-05T10:00:00", affiliate="40.00"),
        "chf": a.pay(p["chf"], at="2025-01-06T11:30:00"),
        "ebook": a.pay(p["ebook"], at="2025-01-07T12:00:00"),
        "partial": a.pay(p["partial"], at="2025-01-08T08:15:00"),
        "abo_1": a.pay(p["abo"], at="2025-01-10T07:00:00"),
        "refunded": a.pay(p["refunded"], at="2025-01-12T10:00:00"),
        "raten_1": a.pay(p["raten"], at="2025-01-15T09:00:00"),
        "trial": a.pay(p["trial"], at="2025-01-20T12:00:00"),
        "usd": a.pay(p["usd"], at="2025-01-21T15:45:00"),
        "tie_1": a.pay(p["tie_1"], at="2025-01-22T12:00:00"),
        "tie_2": a.pay(p["tie_2"], at="2025-01-22T12:00:00"),
        "tie_3": a.pay(p["tie_3"], at="2025-01-22T12:00:00"),
        "guest": a.pay(p["guest"], at="2025-01-23T09:00:00"),
        "test": a.pay(p["test"], at="2025-01-25T09:00:00", pay_method="test"),
        "affiliate": a.pay(p["affiliate"], at="2025-01-26T09:00:00"),
        "refund_partial": a.refund(p["partial"], "30.00", at="2025-02-01T09:30:00"),
        "refund_full": a.refund(p["refunded"], "50.00", at="2025-02-03T14:00:00"),
        "trial_2": a.pay(p["trial"], at="2025-02-03T12:00:00", amount="29.00"),
        "abo_2": a.pay(p["abo"], at="2025-02-10T07:00:00"),
        "raten_2": a.pay(p["raten"], at="2025-02-15T09:00:00"),
        "abo_3": a.pay(p["abo"], at="2025-03-10T07:00:00"),
        "raten_3": a.pay(p["raten"], at="2025-03-15T09:00:00"),
        "chargeback": a.chargeback(p["abo"], "29.00", at="2025-03-20T16:00:00"),
    }
    return SampleAccount(buyers, p, pay)
