"""A fake PayPal account: OAuth client credentials and Transaction Search as documented.

Shapes follow PayPal's OpenAPI description ``reporting_transactions_v1.json`` and the
Transaction Search guide (see :mod:`connectors.paypal`): ``POST /v1/oauth2/token`` with Basic
Auth and a form body, ``GET /v1/reporting/transactions`` with ``start_date``/``end_date`` at most
31 days apart, ``page``/``page_size`` (at most 500), ``fields``, ``transaction_id``; answers
``{transaction_details, account_number, start_date, end_date, last_refreshed_datetime, page,
total_items, total_pages, links}``; errors ``{"error", "error_description"}`` from the token
endpoint and ``{"name", "message", "debug_id", "details"}`` from the API. Transactions newer
than ``refreshed`` are not served yet (the documented delay of up to three hours).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

ACCOUNT_NUMBER = "XZXSPECPDZHZU"


def when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def paypal_time(moment: datetime) -> str:
    """The guide's sample format, ``2014-07-11T04:03:52+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def money(value: str, currency: str = "EUR") -> dict[str, str]:
    return {"currency_code": currency, "value": value}


def api_error(status: int, name: str, message: str, **extra: Any) -> FakeResponse:
    body = {"name": name, "message": message, "debug_id": "90957fca61718", **extra}
    return FakeResponse.json(body, status)


@dataclass
class FakePayPal(FakeApi):
    client_id: str = "AU67ewLFkviOMY6i9-e-xtDS2gCxhQXHL42yZLfbUu0wT1RQojFo"
    client_secret: str = "EFcyj1eMzPZnNh3YMqQUEPMz4Kz1R8qyOBfQ1hVv5jA0H4PX3hv2"
    refreshed: datetime | None = None  # None: an hour ago
    search_enabled: bool = True
    max_results: int = 10_000
    expires_in: int = 32400
    details: list[dict[str, Any]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer(self.handle)

    # -- data --

    def add(
        self,
        txn_id: str,
        at: str,
        value: str,
        currency: str = "EUR",
        *,
        code: str = "T0006",
        status: str = "S",
        fee: str | None = None,
        payer: dict[str, Any] | None = None,
        reference: str | None = None,
        items: list[dict[str, Any]] | None = None,
        shipping: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        moment = when(at)
        info: dict[str, Any] = {
            "paypal_account_id": (payer or {}).get("account_id", "6STWC2LSUYYYE"),
            "transaction_id": txn_id,
            "transaction_event_code": code,
            "transaction_initiation_date": paypal_time(moment),
            "transaction_updated_date": paypal_time(moment),
            "transaction_amount": money(value, currency),
            "transaction_status": status,
            "protection_eligibility": "01",
        }
        if fee is not None:
            info["fee_amount"] = money(fee, currency)
        if reference is not None:
            info["paypal_reference_id"] = reference
            info["paypal_reference_id_type"] = "TXN"
        detail: dict[str, Any] = {
            "transaction_info": info,
            "payer_info": payer or {},
            "shipping_info": shipping or {},
            "cart_info": {"item_details": items} if items else {},
            "store_info": {},
            "auction_info": {},
            "incentive_info": {},
        }
        self.details.append(detail)
        return detail

    def refund(
        self, sale: dict[str, Any], txn_id: str, at: str, value: str, code: str = "T1107"
    ) -> dict[str, Any]:
        info = sale["transaction_info"]
        currency = info["transaction_amount"]["currency_code"]
        return self.add(
            txn_id,
            at,
            f"-{value}",
            currency,
            code=code,
            payer=sale["payer_info"],
            reference=info["transaction_id"],
        )

    def set_status(self, detail: dict[str, Any], status: str) -> None:
        detail["transaction_info"]["transaction_status"] = status

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # -- HTTP --

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/v1/oauth2/token" and request.method == "POST":
            return self._token(request)
        if request.path == "/v1/reporting/transactions" and request.method == "GET":
            return self._search(request)
        return api_error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")

    def _token(self, request: FakeRequest) -> FakeResponse:
        if request.basic_auth != (self.client_id, self.client_secret):
            body = {"error": "invalid_client", "error_description": "Client Authentication failed"}
            return FakeResponse.json(body, 401)
        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            body = {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}
            return FakeResponse.json(body, 400)
        token = "A21AA" + secrets.token_hex(20)
        self.tokens.add(token)
        return FakeResponse.json(
            {
                "scope": "https://uri.paypal.com/services/reporting/search/read",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": self.expires_in,
                "nonce": "2020-04-03T15:35:36ZaYZlGvEkV4yVSz8g6bAKFoGSEzuy3CQcz3ljhibkOHg",
            }
        )

    def _search(self, request: FakeRequest) -> FakeResponse:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            body = {
                "error": "invalid_token",
                "error_description": "Access Token not found in cache",
            }
            return FakeResponse.json(body, 401)
        if not self.search_enabled:
            return api_error(
                403, "NOT_AUTHORIZED", "Authorization failed due to insufficient permissions."
            )
        try:
            start = datetime.fromisoformat(request.param("start_date") or "")
            end = datetime.fromisoformat(request.param("end_date") or "")
            page = int(request.param("page", "1") or 1)
            size = int(request.param("page_size", "100") or 100)
        except ValueError:
            return self._invalid("start_date", "INVALID_DATE_FORMAT")
        if not 1 <= size <= 500:
            return self._invalid("page_size", "INVALID_PARAMETER_VALUE")
        if end < start or end - start > timedelta(days=31):
            return self._invalid("end_date", "INVALID_DATE_RANGE")
        refreshed = self.refreshed or datetime.now(UTC) - timedelta(hours=1)
        fields = (request.param("fields") or "transaction_info").split(",")
        wanted = request.param("transaction_id")
        found = []
        for detail in sorted(
            self.details, key=lambda d: d["transaction_info"]["transaction_initiation_date"]
        ):
            info = detail["transaction_info"]
            moment = datetime.fromisoformat(info["transaction_initiation_date"])
            if not start <= moment <= end or moment > refreshed:
                continue
            if wanted and info["transaction_id"] != wanted:
                continue
            found.append(
                detail if "all" in fields else {k: v for k, v in detail.items() if k in fields}
            )
        if len(found) > self.max_results:
            return api_error(
                400,
                "RESULTSET_TOO_LARGE",
                "Result set size is greater than the maximum limit. Change the filter criteria "
                "and try again.",
            )
        pages = max(1, -(-len(found) // size))
        query = urlencode({k: v[-1] for k, v in request.query.items()})
        return FakeResponse.json(
            {
                "transaction_details": found[(page - 1) * size : page * size],
                "account_number": ACCOUNT_NUMBER,
                "start_date": paypal_time(start),
                "end_date": paypal_time(end),
                "last_refreshed_datetime": paypal_time(refreshed),
                "page": page,
                "total_items": len(found),
                "total_pages": pages,
                "links": [
                    {"href": f"{self.url}{request.path}?{query}", "rel": "self", "method": "GET"}
                ],
            }
        )

    @staticmethod
    def _invalid(name: str, issue: str) -> FakeResponse:
        return api_error(
            400,
            "INVALID_REQUEST",
            "Request is not well-formed, syntactically incorrect, or violates schema.",
            details=[{"field": name, "location": "query", "issue": issue}],
        )


def payer(
    account_id: str | None,
    email: str | None,
    given: str | None,
    surname: str | None,
    country: str | None = None,
    address: dict[str, str] | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {"address_status": "Y", "payer_status": "Y"}
    if account_id:
        info["account_id"] = account_id
    if email:
        info["email_address"] = email
    if given or surname:
        info["payer_name"] = {
            "given_name": given,
            "surname": surname,
            "alternate_full_name": f"{given} {surname}",
        }
    if country:
        info["country_code"] = country
    if address:
        info["address"] = address
    return info


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@dataclass
class SampleAccount:
    sales: dict[str, dict[str, Any]]
    refunds: dict[str, dict[str, Any]]


def sample_account(account: FakePayPal) -> SampleAccount:
    """A German coach's PayPal account, January to March 2025, in three 31-day windows."""
    juergen = payer(
        "JUERGENM2DE77",
        "Juergen@Example.de",
        "Jürgen",
        "Müller-Lüdenscheidt",
        "DE",
        {"line1": "Domkloster 4", "city": "Köln", "postal_code": "50667", "country_code": "DE"},
    )
    zoe_guest = payer(None, "zoe.oe@example.com", "Zoë", "Öztürk", "AT")
    soeren = payer("SOERENK3CH88Z", "soeren@example.ch", "Sören", "Krüger", "CH")
    yuki = payer("YUKITAN4JP99A", "yuki@example.jp", "Yuki", "Tanaka", "JP")
    anders = payer("ANDERS5DK22BB", "anders@example.dk", "Ånders", "Ørsted", "DK")
    ida = payer("IDAODE6NO33CC", "ida@example.no", "Ida", "Ödegaard")  # no country
    coach_items = [
        {
            "item_code": "KURS-1",
            "item_name": "Online-Kurs – Grundlagen",
            "item_quantity": "1",
            "item_unit_price": money("99.00"),
            "item_amount": money("99.00"),
            "total_item_amount": money("99.00"),
        },
        {
            "item_code": "WB-2",
            "item_name": "Arbeitsbuch",
            "item_quantity": "2",
            "item_unit_price": money("10.00"),
            "item_amount": money("20.00"),
            "total_item_amount": money("20.00"),
        },
    ]
    add = account.add
    sales = {
        "course": add(
            "1JU05013RG0028451",
            "2025-01-05T10:00:00",
            "119.00",
            fee="-3.19",
            payer=juergen,
            items=coach_items,
        ),
        "twice_refunded": add(
            "2JU05013RG0028452", "2025-01-10T09:00:00", "100.00", fee="-2.74", payer=juergen
        ),
        "guest": add(
            "3ZO05013RG0028453",
            "2025-01-12T18:30:00",
            "50.00",
            code="T0007",
            fee="-1.60",
            payer=zoe_guest,
        ),
        "chf": add(
            "4SO05013RG0028454",
            "2025-01-20T12:00:00",
            "225.30",
            "CHF",
            fee="-7.80",
            payer=soeren,
            shipping={
                "name": "Sören Krüger",
                "address": {
                    "line1": "Bahnhofstr. 1",
                    "city": "Zürich",
                    "postal_code": "8001",
                    "country_code": "CH",
                },
            },
        ),
        "yen": add(
            "5YU05013RG0028455", "2025-02-03T08:00:00", "5000", "JPY", fee="-200", payer=yuki
        ),
        "chargeback": add(
            "6AN05013RG0028456", "2025-02-05T16:00:00", "300.00", "USD", fee="-9.00", payer=anders
        ),
        "subscription": add(
            "7ID05013RG0028457", "2025-02-08T07:00:00", "49.00", code="T0002", payer=ida
        ),
        "pending": add(
            "8JU05013RG0028458", "2025-02-15T11:00:00", "80.00", status="P", payer=juergen
        ),
        "denied": add(
            "9ZO05013RG0028459", "2025-03-01T13:00:00", "20.00", status="D", payer=zoe_guest
        ),
        "anonymous": add(
            "0NO05013RG0028450", "2025-03-03T15:00:00", "15.00", fee="-0.64", payer={}
        ),
    }
    refunds = {
        "guest_full": account.refund(
            sales["guest"], "3RF05013RG0028461", "2025-01-14T09:00:00", "50.00"
        ),
        "first_part": account.refund(
            sales["twice_refunded"], "2RF05013RG0028462", "2025-02-20T10:00:00", "30.00"
        ),
        "chargeback": account.refund(
            sales["chargeback"], "6CB05013RG0028463", "2025-03-10T10:00:00", "300.00", code="T1106"
        ),
        "rest": account.refund(
            sales["twice_refunded"], "2RF05013RG0028464", "2025-03-20T10:00:00", "70.00"
        ),
    }
    # no sales: a withdrawal, a currency conversion pair, a purchase the owner paid, a refund
    # the owner received, a dispute hold
    add("WD000000000000001", "2025-01-31T20:00:00", "-300.00", code="T0400")
    add("CC000000000000001", "2025-01-21T12:00:01", "-225.30", "CHF", code="T0200")
    add("CC000000000000002", "2025-01-21T12:00:01", "238.10", code="T0200")
    add("PU000000000000001", "2025-02-10T10:00:00", "-29.00", payer=anders)
    add("RR000000000000001", "2025-02-12T10:00:00", "12.00", code="T1107", reference="X" * 17)
    add(
        "HO000000000000001",
        "2025-02-06T10:00:00",
        "-300.00",
        "USD",
        code="T1110",
        reference=sales["chargeback"]["transaction_info"]["transaction_id"],
    )
    return SampleAccount(sales=sales, refunds=refunds)
