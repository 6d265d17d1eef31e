"""PayPal REST API: sales, refunds and chargebacks from Transaction Search, with their payers.

Sources, read for this module (PayPal's own documentation and specification):

* [D-AUTH] developer.paypal.com/api/rest/authentication: ``POST /v1/oauth2/token`` with HTTP
  Basic Auth ``CLIENT_ID:CLIENT_SECRET``, ``Content-Type: application/x-www-form-urlencoded``,
  body ``grant_type=client_credentials``; the answer holds ``access_token`` and ``expires_in``
  (seconds), also ``scope``, ``token_type``, ``app_id``, ``nonce`` (paypal-rs ``AccessToken``).
  Every other request sends ``Authorization: Bearer <access_token>``. Sandbox
  ``https://api-m.sandbox.paypal.com``, live ``https://api-m.paypal.com``.
* [D-SPEC] paypal/paypal-rest-api-specifications ``openapi/reporting_transactions_v1.json``
  (Transaction Search 1.9): ``GET /v1/reporting/transactions``, scope
  ``https://uri.paypal.com/services/reporting/search/read``; ``start_date``/``end_date``
  required, RFC 3339 with seconds, "The maximum supported range is 31 days"; ``transaction_id``,
  ``fields`` (default ``transaction_info``; ``all``), ``balance_affecting_records_only`` (default
  ``Y``), ``page_size`` 1–500 (default 100), ``page`` from 1. Answer ``search_response``:
  ``transaction_details`` [{``transaction_info``, ``payer_info``, ``shipping_info``,
  ``cart_info``, …}], ``account_number``, ``start_date``, ``end_date``,
  ``last_refreshed_datetime``, ``page``, ``total_items``, ``total_pages``, ``links``.
  ``transaction_info``: ``transaction_id``, ``paypal_reference_id`` ("a related, pre-existing
  transaction") with ``paypal_reference_id_type`` ODR/TXN/SUB/PAP, ``transaction_event_code``,
  ``transaction_initiation_date``, ``transaction_amount``/``fee_amount``/``sales_tax_amount``
  as money ``{currency_code, value}`` (value a decimal string, whole numbers for JPY),
  ``transaction_status`` D denied / P pending / S success / V "fully reversed and funds were
  refunded", ``invoice_id``. ``payer_info``: ``account_id``, ``email_address``, ``payer_name``
  {``given_name``, ``surname``, ``alternate_full_name``, ``full_name``}, ``country_code``,
  ``address`` {``city``, ``postal_code``, ``country_code``}. ``cart_info.item_details``:
  ``item_code``, ``item_name``, ``item_quantity`` (a string), ``item_amount``,
  ``total_item_amount``. Errors ``{name, message, debug_id, details, links}``: 400
  INVALID_REQUEST, 401 AUTHENTICATION_FAILURE, 403 NOT_AUTHORIZED "Authorization failed due to
  insufficient permissions.", 500 INTERNAL_SERVER_ERROR, 503 SERVICE_UNAVAILABLE.
* [D-GUIDE] developer.paypal.com/docs/transaction-search: "It takes a maximum of three hours for
  executed transactions to appear"; "This call lists transaction for the previous three
  years"; page size at most 500, at most 10,000 records per request ("shorten the date range");
  the app needs the *Transaction Search* option, else "permission denied" (up to 9 hours for a
  new token). Its sample answer writes dates as ``2014-07-11T04:03:52+0000``, the API reference
  samples as ``2022-05-02T07:24:52Z``; both are read. The reference lists the error
  RESULTSET_TOO_LARGE.
* [D-TCODES] developer.paypal.com/docs/transaction-search/transaction-event-codes: T00nn
  account-to-account payments (T0002 subscription payment, T0006 PayPal Checkout APIs, T0007
  website payments standard, …; T0001 MassPay, T0008 postage, T0014–T0017 rebates, payouts,
  recoupments, store transfers are no sales), T02nn currency conversion, T04nn withdrawals, T11nn
  reversals (T1106 "Payment reversal, initiated by PayPal", T1107 "Payment refund, initiated by
  merchant", T1110/T1111 dispute holds), T12nn adjustments (T1201 "Chargeback", T1202
  "Chargeback reversal").
* [D-ERRORS] PayPal-node-SDK #87 and paypal/Checkout-Java-SDK #24: the token endpoint answers
  401 ``{"error": "invalid_client", "error_description": "Client Authentication failed"}``; an
  expired token 401 ``{"error": "invalid_token", "error_description": "Access Token not found in
  cache"}``. developer.paypal.com/api/rest/reference/rate-limiting: no published limit; 429
  RATE_LIMIT_REACHED when traffic looks abusive; cache tokens instead of asking per request.

Decisions:

* Credentials: Client-ID and Secret of a REST app with Transaction Search enabled. The token is
  fetched by :class:`ClientCredentials` (an ``httpx.Auth`` flow), kept until a minute before
  ``expires_in`` runs out, and fetched once more when a request with a kept token answers 401
  (expired or revoked early). A failed token request is the answer the caller sees, so
  :class:`HttpClient` retries its 429/5xx and turns its 401 into the owner's message.
* One order per sale: T00nn codes in :data:`SALE_CODES` with a positive amount (money received;
  a negative T00nn is money the owner paid). ``source_order_id`` and ``payment_id`` are the
  transaction id, the id shops store as their transaction id, so the same payment counts once.
  Gross = ``transaction_amount``, tax = ``sales_tax_amount``, fee = −``fee_amount`` (no fee
  field: no fee, as the field is only sent "when a transaction fee is applied"), T0002 is a
  subscription. Items from ``cart_info.item_details``. Status: S paid, P pending, D (and an
  undocumented F) failed, V refunded while none of its refunds is known yet.
* Refunds: T1107 with a negative amount is a refund, T1106 and T1201 are chargebacks, all of
  the sale in ``paypal_reference_id``. The sale is written again with every refund known for it
  (chargeback if any, refunded when they reach the gross, else partially refunded). A sale not
  read in the same window is looked up by ``transaction_id`` in 31-day windows going back from
  the refund (at most :data:`LOOKBACK_WINDOWS`); the refunds of a sale are kept in the cursor
  for :data:`KEEP_REFUNDS`, so a second partial refund months later still knows the first.
  T1202 (chargeback reversal), dispute holds, fees, conversions, transfers and withdrawals
  are skipped: they are no customer's purchase.
* Contacts from ``payer_info``: id = ``account_id`` (the payer id), else ``email:<e-mail>``,
  else ``txn:<transaction id>``; names from ``given_name``/``surname``, else the full or
  alternate full name split; city and postcode from the payer's, else the shipping address.
  A sale written again for a later refund carries its own (older) payer data.
* Sync: 31-day windows from the cursor (first run: three years back) to now, each read page by
  page (``page_size`` 500, ``fields=all``, balance-affecting records only, the default). A window
  PayPal refuses as too large (over 10,000 records) is halved. The cursor is written with the
  last page of a window: the window's end, capped at ``last_refreshed_datetime`` (newer
  transactions may still appear), so a killed run repeats at most one window. Windows overlap by
  their boundary second; records are upserted, refunds counted by id. Pending sales stay in
  the cursor and are read again by id each run until they settle (at most :data:`WATCH_FOR`).
* The documentation leaves open how results are ordered within a window; nothing here relies
  on an order. A base URL containing ``sandbox`` marks orders as sandbox orders. No published
  rate limit: :data:`RATE_LIMIT` requests per second.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from pydantic import SecretStr

from connectors.base import Batch, ConnectorConfig, ConnectorSpec, register
from connectors.http import (
    USER_AGENT,
    Hints,
    HttpClient,
    HttpOptions,
    InvalidResponseError,
    RequestRejectedError,
    normalise_base_url,
)
from kundenwert.identity import normalise_email
from kundenwert.import_formats import split_full_name
from kundenwert.models import OrderKind, OrderStatus, RefundReason
from kundenwert.money import to_cents
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

logger = logging.getLogger("kundenwert.connectors")

TOOL = "PayPal"
DEFAULT_BASE_URL = "https://api-m.paypal.com"
TOKEN_PATH = "/v1/oauth2/token"
SEARCH_PATH = "/v1/reporting/transactions"
PAGE_SIZE = 500  # the API's maximum [D-SPEC]
WINDOW = timedelta(days=31)  # the longest range one search may span [D-SPEC]
MIN_WINDOW = timedelta(hours=1)
HISTORY = timedelta(days=3 * 365 - 2)  # "the previous three years", with a margin [D-SPEC]
MAX_RESULTS = 10_000  # records per search [D-GUIDE]
LOOKBACK_WINDOWS = 12  # windows searched back from a refund for its sale
KEEP_REFUNDS = timedelta(days=400)  # refunds of a sale kept in the cursor after the last one
WATCH_FOR = timedelta(days=60)  # pending sales are read again for this long
TOKEN_MARGIN = 60.0  # seconds before expiry at which a kept token is renewed
RATE_LIMIT = 3.0  # requests per second; PayPal publishes no limit [D-ERRORS]
SALE_CODES = frozenset(
    {f"T00{n:02d}" for n in (0, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 18, 19, 21)}
)
SUBSCRIPTION_CODES = frozenset({"T0002"})
REFUND_CODES = frozenset({"T1107"})
CHARGEBACK_CODES = frozenset({"T1106", "T1201"})
STATUSES = {
    "S": OrderStatus.PAID,
    "P": OrderStatus.PENDING,
    "D": OrderStatus.FAILED,
    "F": OrderStatus.FAILED,
    "V": OrderStatus.REFUNDED,
}
HINTS = Hints(
    auth="Client-ID und Secret der REST-App in Datenquellen prüfen (PayPal Developer → "
    "Apps & Credentials, Live bzw. Sandbox passend zur Basis-URL)",
    forbidden="in der REST-App die Option „Transaction Search“ aktivieren (neue Rechte gelten "
    "erst nach bis zu 9 Stunden)",
    not_found="Basis-URL in Datenquellen prüfen (Standard: https://api-m.paypal.com, Sandbox: "
    "https://api-m.sandbox.paypal.com)",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PayPalCredentials:
    client_id: SecretStr
    client_secret: SecretStr


class ClientCredentials(httpx.Auth):
    """OAuth 2 client credentials: a Bearer token fetched, kept and renewed [D-AUTH]."""

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        secret: str,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.token_url = token_url
        self._basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0  # tokens fetched so far (for tests and logs)

    def __repr__(self) -> str:
        return f"ClientCredentials({self.token_url!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        kept = self._token is not None and self._clock() < self._expires - TOKEN_MARGIN
        if not kept:
            answer = yield self._token_request(request)
            if not self._store(answer):
                return  # the token endpoint's error is the answer
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401 and kept:  # expired or revoked early: once more
            self._token = None
            answer = yield self._token_request(request)
            if not self._store(answer):
                return
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            headers={
                "Authorization": self._basic,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            data={"grant_type": "client_credentials"},
            extensions={"timeout": request.extensions.get("timeout", {})},
        )

    def _store(self, response: httpx.Response) -> bool:
        if response.status_code != 200:
            return False
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError):
            raise InvalidResponseError(
                f"{TOOL}: {TOKEN_PATH} liefert kein Zugriffstoken: {HINTS.not_found}"
            ) from None
        self._token, self._expires = token, self._clock() + lifetime
        self.fetched += 1
        return True


# --- dates and money -----------------------------------------------------------------------------


def parse_time(text: Any) -> datetime:
    """RFC 3339 or PayPal's ``+0000`` offsets [D-GUIDE] → aware UTC."""
    moment = datetime.fromisoformat(str(text).strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money_cents(money: Any) -> int | None:
    """``{"currency_code", "value"}`` → cents of the major unit; None if absent."""
    if not isinstance(money, Mapping) or money.get("value") in (None, ""):
        return None
    try:
        return to_cents(Decimal(str(money["value"]).strip()))
    except InvalidOperation:
        raise ValueError(f"amount {money.get('value')!r}") from None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- the client ----------------------------------------------------------------------------------


@dataclass
class Page:
    details: list[dict[str, Any]]
    page: int
    total_pages: int
    total_items: int | None
    refreshed: datetime | None


class PayPalClient:
    """Transaction Search of one PayPal account; every request goes through :class:`HttpClient`."""

    def __init__(
        self, base_url: str, credentials: PayPalCredentials, options: HttpOptions | None = None
    ):
        self.base_url = normalise_base_url(base_url).removesuffix("/v1")
        self.sandbox = "sandbox" in self.base_url
        client_id = credentials.client_id.get_secret_value().strip()
        secret = credentials.client_secret.get_secret_value().strip()
        self.auth = ClientCredentials(self.base_url + TOKEN_PATH, client_id, secret)
        self.http = HttpClient(
            TOOL,
            self.base_url,
            auth=self.auth,
            headers={"Content-Type": "application/json"},
            options=options,
            rate_limit=RATE_LIMIT,
            hints=HINTS,
            secrets=(secret,),
        )

    def __repr__(self) -> str:
        return f"PayPalClient({self.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def search(self, params: Mapping[str, Any]) -> Page:
        body, _ = self.http.get_json(SEARCH_PATH, params)
        if not isinstance(body, dict):
            raise InvalidResponseError(f"{TOOL}: {SEARCH_PATH} hat ein unerwartetes Format")
        details = body.get("transaction_details") or []
        if not isinstance(details, list):
            raise InvalidResponseError(f"{TOOL}: transaction_details ist keine Liste")
        refreshed = body.get("last_refreshed_datetime")
        total = body.get("total_items")
        return Page(
            details=[d for d in details if isinstance(d, dict)],
            page=int(body.get("page") or params.get("page") or 1),
            total_pages=int(body.get("total_pages") or 1),
            total_items=int(total) if total is not None else None,
            refreshed=parse_time(refreshed) if refreshed else None,
        )

    def pages(self, start: datetime, end: datetime, **filters: str) -> Iterator[Page]:
        """Every page of one search, ``page`` = 1, 2, … up to ``total_pages`` [D-SPEC]."""
        number = 1
        while True:
            params = {
                "start_date": format_time(start),
                "end_date": format_time(end),
                "fields": "all",
                "page_size": PAGE_SIZE,
                "page": number,
                **filters,
            }
            page = self.search(params)
            if number == 1 and (page.total_items or 0) > MAX_RESULTS:
                raise TooManyResults()
            yield page
            if number >= page.total_pages or not page.details:
                return
            number += 1

    def find(self, transaction_id: str, start: datetime, end: datetime) -> dict[str, Any] | None:
        """The sale with this id in [start, end], if any."""
        for page in self.pages(start, end, transaction_id=transaction_id):
            for detail in page.details:
                info = detail.get("transaction_info") or {}
                if info.get("transaction_id") == transaction_id and is_sale(info):
                    return detail
        return None


class TooManyResults(Exception):
    """More records in a window than one search returns [D-GUIDE]."""


def _too_large(error: RequestRejectedError) -> bool:
    text = str(error)
    return error.status == 400 and ("RESULTSET_TOO_LARGE" in text or "maximum limit" in text)


# --- mapping -------------------------------------------------------------------------------------


def event_code(info: Mapping[str, Any]) -> str:
    return str(info.get("transaction_event_code") or "").upper()


def is_sale(info: Mapping[str, Any]) -> bool:
    amount = money_cents(info.get("transaction_amount"))
    return event_code(info) in SALE_CODES and amount is not None and amount > 0


def reversal_reason(info: Mapping[str, Any]) -> str | None:
    """``refund``/``chargeback`` for a reversal of one of the owner's sales, else None."""
    code = event_code(info)
    amount = money_cents(info.get("transaction_amount"))
    if amount is None or amount >= 0 or not info.get("paypal_reference_id"):
        return None
    if code in REFUND_CODES:
        return RefundReason.REFUND.value
    if code in CHARGEBACK_CODES:
        return RefundReason.CHARGEBACK.value
    return None


def contact_id(detail: Mapping[str, Any]) -> str:
    payer = detail.get("payer_info") or {}
    account = _text(payer.get("account_id"))
    if account:
        return account
    email = _text(payer.get("email_address"))
    if email:
        return f"email:{normalise_email(email)}"
    return f"txn:{(detail.get('transaction_info') or {}).get('transaction_id')}"


def contact_record(detail: Mapping[str, Any]) -> ContactRecord:
    payer = detail.get("payer_info") or {}
    name = payer.get("payer_name") or {}
    first, last = _text(name.get("given_name")), _text(name.get("surname"))
    if first is None and last is None:
        full = _text(name.get("full_name")) or _text(name.get("alternate_full_name")) or ""
        first, last = split_full_name(full)
    address = payer.get("address") or (detail.get("shipping_info") or {}).get("address") or {}
    country = _text(payer.get("country_code")) or _text(address.get("country_code"))
    return ContactRecord(
        source_contact_id=contact_id(detail),
        email=_text(payer.get("email_address")),
        first_name=first,
        last_name=last,
        country=country.upper() if country else None,
        city=_text(address.get("city")),
        postcode=_text(address.get("postal_code")),
    )


def items(detail: Mapping[str, Any]) -> list[ItemRecord]:
    records = []
    for item in (detail.get("cart_info") or {}).get("item_details") or []:
        name = _text(item.get("item_name")) or _text(item.get("item_description"))
        name = name or _text(item.get("item_code")) or "Artikel"
        try:
            quantity = int(Decimal(str(item.get("item_quantity") or 1)))
        except InvalidOperation:
            quantity = 1
        amount = money_cents(item.get("total_item_amount"))
        if amount is None:
            amount = money_cents(item.get("item_amount"))
        if amount is None:
            unit = money_cents(item.get("item_unit_price")) or 0
            amount = unit * quantity
        records.append(ItemRecord(name, amount, quantity, _text(item.get("item_code"))))
    return records


RefundRow = list[Any]  # [refund id, ISO time, cents, reason]


def order_record(detail: Mapping[str, Any], refunds: list[RefundRow], sandbox: bool) -> OrderRecord:
    """One sale with every refund known for it."""
    info = detail.get("transaction_info") or {}
    txn = str(info["transaction_id"])
    amount = info["transaction_amount"]
    gross = money_cents(amount) or 0
    currency = str(amount["currency_code"]).upper()
    fee_money = info.get("fee_amount")
    if fee_money is None:
        fee: int | None = 0  # only sent "when a transaction fee is applied" [D-SPEC]
    elif str(fee_money.get("currency_code", currency)).upper() == currency:
        fee = abs(money_cents(fee_money) or 0)
    else:
        fee = None
    records = [
        RefundRecord(str(rid), parse_time(at), int(cents), reason)
        for rid, at, cents, reason in sorted(refunds, key=lambda row: (row[1], row[0]))
    ]
    refunded = sum(r.amount_cents for r in records)
    base = STATUSES.get(str(info.get("transaction_status") or "").upper(), OrderStatus.PENDING)
    if any(r.reason == RefundReason.CHARGEBACK.value for r in records):
        status = OrderStatus.CHARGEBACK
    elif records and refunded >= gross:
        status = OrderStatus.REFUNDED
    elif records:
        status = OrderStatus.PARTIALLY_REFUNDED
    else:
        status = base
    code = event_code(info)
    return OrderRecord(
        source_order_id=txn,
        source_contact_id=contact_id(detail),
        ordered_at=parse_time(info["transaction_initiation_date"]),
        gross_cents=gross,
        tax_cents=money_cents(info.get("sales_tax_amount")) or 0,
        currency=currency,
        fee_cents=fee if status is not OrderStatus.FAILED else None,
        status=status.value,
        kind=(OrderKind.SUBSCRIPTION if code in SUBSCRIPTION_CODES else OrderKind.ONE_TIME).value,
        payment_id=txn,
        is_sandbox=sandbox,
        items=items(detail),
        refunds=records,
    )


# --- the sync ------------------------------------------------------------------------------------


@dataclass
class SyncState:
    """What the cursor holds (see module docstring)."""

    until: datetime | None = None  # end of the last committed window
    watch: dict[str, str] = field(default_factory=dict)  # pending sale id → its ISO time
    refunds: dict[str, list[RefundRow]] = field(default_factory=dict)  # sale id → its refunds

    def dump(self) -> str:
        data = {
            "v": 1,
            "until": format_time(self.until) if self.until else None,
            "watch": dict(sorted(self.watch.items())),
            "refunds": {k: sorted(v) for k, v in sorted(self.refunds.items())},
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, cursor: str | None) -> SyncState:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            if data.get("v") != 1:
                raise ValueError("unknown cursor version")
            return cls(
                until=parse_time(data["until"]) if data.get("until") else None,
                watch={str(k): str(v) for k, v in (data.get("watch") or {}).items()},
                refunds={
                    str(k): [[str(r[0]), str(r[1]), int(r[2]), str(r[3])] for r in v]
                    for k, v in (data.get("refunds") or {}).items()
                },
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            logger.warning("%s: cursor not understood, reading everything again", TOOL)
            return cls()

    def prune(self, now: datetime) -> None:
        for sale, rows in list(self.refunds.items()):
            if max(parse_time(row[1]) for row in rows) < now - KEEP_REFUNDS:
                del self.refunds[sale]


class PayPalConnector:
    """Turns the account's transaction history into batches for :mod:`kundenwert.sync`."""

    def __init__(self, client: PayPalClient, now: Callable[[], datetime] | None = None):
        self.client = client
        self.now = now or utcnow
        self._sales: dict[str, dict[str, Any] | None] = {}  # sales read or looked up this run

    def __repr__(self) -> str:
        return f"PayPalConnector({self.client.base_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        state = SyncState.load(cursor)
        now = self.now()
        earliest = now - HISTORY
        first = start = max(state.until, earliest) if state.until else earliest
        yield from self._recheck(state, now)
        span = WINDOW
        while start < now:
            end = min(start + span, now)
            try:
                refreshed = yield from self._window(state, start, end, (first, now))
            except TooManyResults:
                if span <= MIN_WINDOW:
                    raise InvalidResponseError(
                        f"{TOOL}: mehr als {MAX_RESULTS} Buchungen zwischen {format_time(start)} "
                        f"und {format_time(end)}; so viele liest eine Suche nicht"
                    ) from None
                span = (end - start) / 2
                continue
            if refreshed is not None and refreshed < end:
                return  # newer transactions may still appear: the next run goes on here
            start, span = end, WINDOW

    def _window(
        self, state: SyncState, start: datetime, end: datetime, run: tuple[datetime, datetime]
    ) -> Generator[Batch, None, datetime | None]:
        """One window page by page; the last batch carries the cursor. Returns the refresh time."""
        refreshed: datetime | None = None
        pages = self.client.pages(start, end)
        page: Page | None = next(self._guarded(pages), None)
        while page is not None:
            following = next(self._guarded(pages), None)
            refreshed = refreshed or page.refreshed
            contacts, orders = self._records(page.details, state)
            cursor = None
            if following is None:
                committed = min(end, refreshed) if refreshed else end
                state.until = max(committed, state.until or committed)
                state.prune(end)
                cursor = state.dump()
            first, now = run
            done = (end - first).total_seconds() / max((now - first).total_seconds(), 1.0)
            yield Batch(
                contacts,
                orders,
                cursor=cursor,
                done=min(max(done, 0.0), 1.0),
                note=f"Buchungen bis {end.date().isoformat()}: Seite {page.page} von "
                f"{max(page.total_pages, 1)}",
            )
            page = following
        return refreshed

    @staticmethod
    def _guarded(pages: Iterator[Page]) -> Iterator[Page]:
        """The next page, with PayPal's "result set too large" as :class:`TooManyResults`."""
        try:
            yield next(pages)
        except StopIteration:
            return
        except RequestRejectedError as error:
            if _too_large(error):
                raise TooManyResults() from None
            raise

    def _records(
        self, details: list[dict[str, Any]], state: SyncState
    ) -> tuple[list[ContactRecord], list[OrderRecord]]:
        contacts: dict[str, ContactRecord] = {}
        orders: dict[str, OrderRecord] = {}
        for detail in details:
            info = detail.get("transaction_info") or {}
            try:
                if is_sale(info):
                    self._sales[str(info["transaction_id"])] = detail
                    self._emit(detail, state, contacts, orders, fresh=True)
                    continue
                reason = reversal_reason(info)
                if reason is None:
                    continue
                sale_id = str(info["paypal_reference_id"])
                row = [
                    str(info["transaction_id"]),
                    format_time(parse_time(info["transaction_initiation_date"])),
                    abs(money_cents(info["transaction_amount"]) or 0),
                    reason,
                ]
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
                raise InvalidResponseError(
                    f"{TOOL}: Buchung {info.get('transaction_id')} hat ein unerwartetes Format "
                    f"({error!r})"
                ) from None
            sale = self._sale(sale_id, parse_time(row[1]))
            if sale is None:
                logger.warning(
                    "%s: %s %s refers to %s, which is no sale found: skipped",
                    TOOL,
                    reason,
                    row[0],
                    sale_id,
                )
                continue
            known = state.refunds.setdefault(sale_id, [])
            if all(existing[0] != row[0] for existing in known):
                known.append(row)
            self._emit(sale, state, contacts, orders)
        return list(contacts.values()), list(orders.values())

    def _emit(
        self,
        detail: Mapping[str, Any],
        state: SyncState,
        contacts: dict[str, ContactRecord],
        orders: dict[str, OrderRecord],
        fresh: bool = False,
    ) -> None:
        """The sale's order; its contact too, unless a newer one of the page is there."""
        info = detail.get("transaction_info") or {}
        sale_id = str(info["transaction_id"])
        order = order_record(detail, state.refunds.get(sale_id, []), self.client.sandbox)
        contact = contact_record(detail)
        if fresh or contact.source_contact_id not in contacts:
            contacts[contact.source_contact_id] = contact
        orders[sale_id] = order
        if order.status == OrderStatus.PENDING.value:
            state.watch[sale_id] = format_time(order.ordered_at)
        else:
            state.watch.pop(sale_id, None)

    def _sale(self, sale_id: str, before: datetime) -> dict[str, Any] | None:
        """The sale a refund refers to: read this run, else searched back window by window."""
        if sale_id not in self._sales:
            found = None
            earliest = self.now() - HISTORY
            end = before
            for _ in range(LOOKBACK_WINDOWS):
                start = max(end - WINDOW, earliest)
                found = self.client.find(sale_id, start, end)
                if found is not None or start <= earliest:
                    break
                end = start
            self._sales[sale_id] = found
        return self._sales[sale_id]

    def _recheck(self, state: SyncState, now: datetime) -> Iterator[Batch]:
        """Pending sales of earlier runs, read again by id."""
        if not state.watch:
            return
        contacts: dict[str, ContactRecord] = {}
        orders: dict[str, OrderRecord] = {}
        for sale_id, at in sorted(state.watch.items()):
            moment = parse_time(at)
            if moment < now - WATCH_FOR:
                state.watch.pop(sale_id)
                continue
            found = self.client.find(
                sale_id, moment - timedelta(days=1), moment + timedelta(days=1)
            )
            if found is None:
                continue
            self._sales[sale_id] = found
            self._emit(found, state, contacts, orders)
        yield Batch(
            list(contacts.values()),
            list(orders.values()),
            cursor=state.dump(),
            note=f"offene Zahlungen: {len(orders)} geprüft",
        )


def create(config: ConnectorConfig) -> PayPalConnector:
    credentials = PayPalCredentials(
        client_id=config.credentials["client_id"],
        client_secret=config.credentials["client_secret"],
    )
    return PayPalConnector(PayPalClient(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="paypal",
        title=TOOL,
        credential_fields={"key": "client_id", "secret": "client_secret"},
        credential_labels={"client_id": "Client-ID der REST-App", "client_secret": "Secret"},
        create=create,
        default_base_url=DEFAULT_BASE_URL,
    )
)
