"""Digistore24 API (``/api/call/<function>``): payments, refunds and chargebacks with their buyers.

Sources, read for this module:

* [D-OPENAPI] Digistore24's own OpenAPI description (``digistore24.com/api/docs/openapi.yaml``,
  copy of 2025-10-15 in GoSuccess-GmbH/digistore24-api ``openapi.yaml``): server
  ``https://www.digistore24.com/api/call``; ``securitySchemes.ApiKeyAuth`` = header
  ``X-DS-API-KEY``. ``POST /listTransactions``: ``from``/``to`` (default ``-24h``/``now``;
  ``"2014-02-28 23:11:24"``, ISO 8601 with offset, ``"start"`` = the account's first day),
  ``search[role|purchase_id|transaction_type|…]`` (types payment, refund, chargeback,
  refund_request), ``sort_by`` date|earning|amount, ``sort_order`` asc|desc, ``page_no`` from 1,
  ``page_size`` 1–1000; answer ``{api_version, current_time, result, data: {from, to, page_size,
  page_no, page_count, summary: {amounts: {<currency>: {count, total_amount, vat_amount,
  earned_amount}}, count}, transaction_list: [{id, purchase_id, amount, currency,
  transaction_type, transaction_type_msg, created_at, buyer: {id, email, first_name,
  last_name}}]}}``. ``GET /getPurchase``: ``purchase_id`` one id or a comma-separated list; one
  purchase, or an object keyed by purchase id; fields ``amount``, ``currency``,
  ``number_of_installments`` (0 = subscription), ``vat_amount``, ``vat_rate``, ``other_amounts``,
  ``other_vat_amounts``, ``billing_type`` single_payment|subscription|installment,
  ``transaction_list`` (``id``, ``pay_method``, ``type``), ``buyer`` (``id``, ``created_at``,
  ``email``, names, ``company``, ``zipcode``, ``city``, ``country``), ``items`` (``product_id``,
  ``product_name``, ``quantity``). Errors: 401 "Invalid or missing API key", 403 "Insufficient
  access rights", 404 "does not exist".
* [D-REF] The API reference (dev.digistore24.com, articles listTransactions, getPurchase,
  listInvoices): listTransactions "returns a list of transactions (payments, returns,
  chargebacks)… where you get a commission for", narrowed by ``search[role]``; ``from`` filters
  the *creation date of the transaction*. The getPurchase example shows local times
  (``2014-02-25 22:51:09``), a refund as ``"type": "refund", "amount": "-10.00"`` and the buyer's
  address; listInvoices shows ``pay_method`` ``test`` = "Test-Zahlung".
* [D-PHP] Digistore24's PHP connector ``ds24_api.php`` (copy in common-repository/affiliate-power
  ``apis/ds24_api.php``): POST to ``<base>/api/call/<function>``, header ``X-DS-API-KEY``, a
  ``language`` parameter for the messages; a non-200 HTTP status is an error; the JSON envelope has
  ``api_version`` and ``result``; ``"error"`` carries ``message`` and ``code`` (DS_ERR_BAD_API_KEY
  2, DS_ERR_NOT_FOUND 4, DS_ERR_PERMISSION_DENIED 8).
* [C-APPKIT] digistore24/ds24-appkit ``lib/digistore`` (Digistore24's own app kit): the key goes
  in the header "NOT as a form parameter"; a live error came back as "HTTP 404 … code 4" in the
  account's language, i.e. the HTTP status follows the error code.
* [C-HEPTA] HEPTACOM/digistore24-api-client ``openapi.yaml``: envelopes also carry ``timezone``
  and ``utc_offset``.
* [C-IPN] digistore24/ds24-skills ``ds24-ipn/scripts/vectors.json`` (a captured live payment):
  amount_brutto 49.00 = amount_vat 3.67 + amount_provider 3.94 (the Digistore24 fee) +
  amount_affiliate 0.00 + amount_vendor 41.39 (the payout).
* [C-OBS] victorroquee/affiliview-v2 ``.planning/DIGISTORE-API-RESEARCH.md`` (981 live
  transactions, API 1.2): items also carry ``buyer_id``, ``transaction_amount`` (signed; for a
  partial refund the refunded part, while ``amount`` stays the order total), signed
  ``vat_amount``, ``earned_amount`` (the vendor's share after VAT, Digistore24 margin, affiliate
  and partner), ``affiliate_amount``, ``main_product_id``/``main_product_name``, ``billing_type``,
  ``vat_country``, ``upsell_no`` (upsells are further payments of the same purchase); money as
  strings; ``search[transaction_type]`` other than payment/refund/chargeback answers 400; no
  documented rate limit.

Decisions:

* One payment transaction is one order (id = transaction id), so every rebill of a subscription
  or instalment plan counts on its own date; ``billing_type`` (else ``number_of_installments``)
  gives the kind, a zero payment of a recurring plan is a trial. ``search[role]=vendor``: sales
  the owner earns on as affiliate or partner are somebody else's customers.
* Refunds and chargebacks name only their purchase. For a purchase with a reversal on the page,
  or one whose getPurchase ``transaction_list`` shows one, the whole history is read once per
  run (``search[purchase_id]``, up to the run's ``to``); each reversal goes to the latest payment
  at or before it that is not yet fully reversed (the rest to earlier ones), and the payments are
  written with their refunds, so a payment is never first written unrefunded and then refunded
  in the same run. A reversal older than every payment is logged and skipped. Status:
  chargeback if any, else refunded / partially_refunded by the reversed sum.
* Money: ``transaction_amount`` when present, else ``amount`` (absolute values). VAT from the item,
  else from the purchase (``vat_amount`` for its first amount, ``other_vat_amounts`` for later
  ones, else ``vat_rate``). Fee = gross − VAT − ``earned_amount`` (payout basis = what the vendor
  gets), unknown when the item has no earnings field. Items: the transaction's own product, else
  the purchase's items (amounts split by quantity when the API gives none per item).
  ``pay_method`` ``test`` (the item's, else getPurchase's) marks a sandbox order.
* Buyers: one ``getPurchase`` per page (ids in chunks) gives the buyer's address, gaps filled
  from the transaction's buyer fields; a purchase the API cannot show (404) keeps those alone.
  Contact id = buyer id, else ``email:<normalised e-mail>``, else ``purchase:<id>``.
* Times without offset are local to the envelope's ``timezone`` (else ``utc_offset``, else
  Europe/Berlin: the documentation does not say). ``from``/``to`` are sent as ISO 8601 in UTC.
* Incremental: pages are read oldest first with ``to`` fixed at the start of the run, so page
  numbers stay stable. The cursor after a page is its newest ``created_at`` minus ``OVERLAP``
  (whether ``from`` is inclusive is undocumented; rows of one second may straddle pages), so
  the cursor depends on the data only and a resumed run ends where an uninterrupted one does.
  Re-read rows are upserted unchanged; ten minutes cost at most a page and cover rows that
  appear late. Methods as documented: POST listTransactions, GET getPurchase, parameters in the
  query string.
* Errors: 401/403, or ``result: "error"`` with code 2/8 on a 200, read "Digistore24 lehnt den
  API-Schlüssel ab …"; no documented rate limit, so 2 requests per second.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import SecretStr

from connectors.base import Batch, ConnectorConfig, ConnectorSpec, register
from connectors.http import (
    ApiError,
    AuthenticationError,
    Hints,
    HttpClient,
    HttpOptions,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RequestRejectedError,
    api_error_detail,
    normalise_base_url,
)
from kundenwert.identity import normalise_email
from kundenwert.models import OrderKind, OrderStatus, RefundReason
from kundenwert.money import to_cents
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

logger = logging.getLogger("kundenwert.connectors")

TOOL = "Digistore24"
DEFAULT_BASE_URL = "https://www.digistore24.com"
API_PATH = "/api/call"
PAGE_SIZE = 1000  # the documented maximum of listTransactions [D-OPENAPI]
PURCHASE_CHUNK = 50  # purchase ids per getPurchase / history request (our choice)
RATE_LIMIT = 2.0  # requests per second (our choice; none is documented)
OVERLAP = timedelta(minutes=10)
LANGUAGE = "de"  # messages and *_msg fields in German [D-PHP]
DEFAULT_ZONE = ZoneInfo("Europe/Berlin")
SEARCH = {"search[role]": "vendor", "search[transaction_type]": "payment,refund,chargeback"}
PAYMENT = "payment"
REVERSALS = {"refund": RefundReason.REFUND, "chargeback": RefundReason.CHARGEBACK}
KINDS = {
    "single_payment": OrderKind.ONE_TIME,
    "subscription": OrderKind.SUBSCRIPTION,
    "installment": OrderKind.INSTALLMENT,
}
KEY_CODES = {2: AuthenticationError, 8: PermissionDeniedError}  # DS_ERR_* [D-PHP]
HINTS = Hints(
    auth="bitte in Datenquellen prüfen (Digistore24 → Einstellungen → Kontozugang → "
    "API-Schlüssel, Berechtigung „Lesezugriff“ oder „Vollzugriff“)",
    forbidden="bitte in Datenquellen prüfen: der Schlüssel braucht Lese- oder Vollzugriff "
    "(ein Entwicklerschlüssel reicht nicht)",
    not_found=f"bitte die Basis-URL in Datenquellen prüfen (Standard: {DEFAULT_BASE_URL})",
)
CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class Digistore24Credentials:
    api_key: SecretStr


@dataclass
class Page:
    items: list[dict[str, Any]]
    zone: tzinfo  # of the envelope's times
    total: int | None  # summary.count: for progress


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    return str(value).strip() or None


def money(value: Any) -> int | None:
    """A decimal amount (``"10.00"``, ``-10``, ``29.9``, ``"29,90"``) as cents; None if empty."""
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"-?\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    try:
        return to_cents(Decimal(text))
    except InvalidOperation:
        raise InvalidResponseError(f"{TOOL}: Betrag „{text}“ ist keine Zahl") from None


def response_zone(body: Mapping[str, Any]) -> tzinfo:
    """The zone of the envelope's times: ``timezone``, else ``utc_offset``, else Berlin."""
    name = _text(body.get("timezone"))
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = _text(body.get("utc_offset"))
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", offset or "")
    if match:
        minutes = int(match[2]) * 60 + int(match[3] or 0)
        return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))
    return DEFAULT_ZONE


def parse_time(value: Any, zone: tzinfo) -> datetime | None:
    """``2014-02-25 22:51:09`` (local to ``zone``), ISO 8601 with offset, or a date → UTC."""
    text = _text(value)
    if text is None or text.startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidResponseError(f"{TOOL}: Zeitangabe „{text}“ nicht lesbar") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)  # fold=0: an ambiguous hour reads earlier
    return moment.astimezone(UTC)


def api_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(CURSOR_FORMAT) + "+00:00"


def _listing(value: Any) -> list[dict[str, Any]]:
    """A JSON list, or a PHP array that arrived as an object keyed by index."""
    values = value.values() if isinstance(value, dict) else value or []
    if not isinstance(values, Iterable) or isinstance(values, str):
        raise InvalidResponseError(f"{TOOL}: Liste erwartet, {type(value).__name__} erhalten")
    return [v for v in values if isinstance(v, dict)]


class Digistore24Client:
    """The API of one Digistore24 account; every request goes through :class:`HttpClient`."""

    def __init__(
        self, base_url: str, credentials: Digistore24Credentials, options: HttpOptions | None = None
    ):
        self.base_url = normalise_base_url(base_url)
        key = credentials.api_key.get_secret_value()
        self.http = HttpClient(
            TOOL,
            self.base_url + API_PATH,
            headers={"X-DS-API-KEY": key},
            options=options,
            rate_limit=RATE_LIMIT,
            hints=HINTS,
            secrets=(key,),
        )

    def __repr__(self) -> str:
        return f"Digistore24Client({self.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def call(
        self, function: str, params: Mapping[str, Any], method: str = "GET"
    ) -> tuple[dict[str, Any], tzinfo]:
        """``data`` of the envelope (or the body, if it has none) and the zone of its times."""
        try:
            response = self.http.request(method, function, params={**params, "language": LANGUAGE})
        except (AuthenticationError, PermissionDeniedError) as error:
            detail = _status_detail(error)
            raise self._key_rejected(type(error), error.status, detail, error.code) from None
        try:
            body = response.json()
        except ValueError:
            raise InvalidResponseError(
                f"{TOOL} antwortet auf {function} nicht mit JSON: {HINTS.not_found}"
            ) from None
        if not isinstance(body, dict):
            raise InvalidResponseError(f"{TOOL}: {function} liefert kein JSON-Objekt")
        if body.get("result") == "error":
            raise self._envelope_error(function, body, response)
        # the envelope [D-PHP]; the reference's examples also show ``data`` alone
        data = body.get("data") if "result" in body or "data" in body else body
        if data is None or data == []:  # an empty PHP array is a JSON list
            data = {}
        if not isinstance(data, dict):
            raise InvalidResponseError(f"{TOOL}: {function} liefert unerwartete Daten")
        return data, response_zone(body)

    def _key_rejected(
        self, kind: type[ApiError], status: int | None, detail: str, code: str | None
    ) -> ApiError:
        hint = HINTS.forbidden if kind is PermissionDeniedError else HINTS.auth
        return kind(
            f"{TOOL} lehnt den API-Schlüssel ab ({detail}): {hint}", status=status, code=code
        )

    def _envelope_error(
        self, function: str, body: Mapping[str, Any], response: httpx.Response
    ) -> ApiError:
        """``result: "error"`` on a 2xx answer: by Digistore24's own error code [D-PHP]."""
        _, text = api_error_detail(response)
        detail = f" – {self.http.redact(text)}" if text else ""
        code = _text(body.get("code"))
        kind = KEY_CODES.get(int(code) if code and code.isdigit() else -1)
        if kind is not None:
            return self._key_rejected(kind, response.status_code, f"Code {code}{detail}", code)
        if code == "4":
            return NotFoundError(f"{TOOL} findet nichts zu {function} (Code 4{detail})", code=code)
        return RequestRejectedError(
            f"{TOOL} lehnt {function} ab (Code {code or '?'}{detail})", code=code
        )

    def transaction_pages(
        self, start: str, end: str, search: Mapping[str, str] | None = None
    ) -> Iterator[Page]:
        """Pages of ``listTransactions``, oldest first, following ``page_no`` to ``page_count``."""
        number, previous = 1, None
        while True:
            params = {
                "from": start,
                "to": end,
                **SEARCH,
                **(search or {}),
                "sort_by": "date",
                "sort_order": "asc",
                "page_no": number,
                "page_size": PAGE_SIZE,
            }
            data, zone = self.call("listTransactions", params, method="POST")
            items = _listing(data.get("transaction_list"))
            ids = [item.get("id") for item in items]
            if previous is not None and ids and ids == previous:
                raise InvalidResponseError(
                    f"{TOOL}: listTransactions liefert auf Seite {number} dieselben Einträge wie "
                    f"auf Seite {number - 1}"
                )
            previous = ids
            summary = data.get("summary")
            summary = summary if isinstance(summary, dict) else {}
            total = _count(summary.get("count")) or _count(data.get("item_count"))
            yield Page(items, zone, total)
            page_count = _count(data.get("page_count"))
            size = _count(data.get("page_size")) or PAGE_SIZE
            if page_count is not None:
                if number >= page_count:
                    return
            elif len(items) < size:
                return
            number += 1

    def purchases(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """``getPurchase`` for many ids; ids the API does not know are left out."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), PURCHASE_CHUNK):
            chunk = ids[start : start + PURCHASE_CHUNK]
            try:
                data, zone = self.call("getPurchase", {"purchase_id": ",".join(chunk)})
            except NotFoundError:
                if len(chunk) > 1:  # one unknown id may fail the whole list: ask one by one
                    for purchase_id in chunk:
                        found.update(self.purchases([purchase_id]))
                continue
            if _text(data.get("id")) in chunk:  # one purchase
                data = {str(data["id"]): data}
            for key, purchase in data.items():  # or an object keyed by purchase id
                if key in chunk and isinstance(purchase, dict):
                    found[key] = {**purchase, "_zone": zone}
        return found


def _status_detail(error: ApiError) -> str:
    """``401 – <the API's message>`` out of :class:`HttpClient`'s sentence for 401/403."""
    for prefix, hint in (
        (f"{TOOL} lehnt den Zugang ab (", HINTS.auth),
        (f"{TOOL} verweigert den Zugriff (", HINTS.forbidden),
    ):
        suffix = f"): {hint}"
        if error.message.startswith(prefix) and error.message.endswith(suffix):
            return error.message[len(prefix) : -len(suffix)]
    return str(error.status)


def _count(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text and text.isdigit() else None


@dataclass
class Txn:
    """One item of ``listTransactions``, read once."""

    id: str
    purchase_id: str
    type: str
    at: datetime
    amount: int
    vat: int | None
    earned: int | None
    currency: str
    raw: dict[str, Any]


def read_txn(item: Mapping[str, Any], zone: tzinfo) -> Txn | None:
    """None for types other than payment, refund, chargeback (e.g. refund_request)."""
    kind = (_text(item.get("transaction_type")) or _text(item.get("type")) or "").lower()
    txn_id, purchase_id = _text(item.get("id")), _text(item.get("purchase_id"))
    if kind != PAYMENT and kind not in REVERSALS:
        return None
    if txn_id is None or purchase_id is None:
        raise InvalidResponseError(f"{TOOL}: Transaktion ohne id oder purchase_id")
    at = parse_time(item.get("created_at"), zone) or parse_time(
        item.get("transaction_pay_date"), zone
    )
    amount = _first_money(item, "transaction_amount", "amount")
    if at is None or amount is None:
        raise InvalidResponseError(f"{TOOL}: Transaktion {txn_id} ohne Datum oder Betrag")
    vat = _first_money(item, "transaction_vat_amount", "vat_amount")
    earned = _first_money(item, "earned_amount", "amount_vendor", "merchant_amount")
    currency = _text(item.get("currency")) or _text(item.get("transaction_currency")) or "EUR"
    return Txn(
        txn_id,
        purchase_id,
        kind,
        at,
        abs(amount),
        None if vat is None else abs(vat),
        None if earned is None else abs(earned),
        currency.upper(),
        dict(item),
    )


def _first_money(item: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        cents = money(item.get(name))
        if cents is not None:
            return cents
    return None


def in_time(txn: Txn) -> tuple[datetime, int, str]:
    """Oldest first; the API's ids grow, so they order transactions of the same second."""
    return txn.at, int(txn.id) if txn.id.isdigit() else 0, txn.id


def allocate(history: list[Txn]) -> dict[str, list[RefundRecord]]:
    """Refunds per payment id: each reversal to the latest payment before it with room left."""
    payments = sorted((t for t in history if t.type == PAYMENT), key=in_time)
    room = {p.id: p.amount for p in payments}
    refunds: dict[str, list[RefundRecord]] = {p.id: [] for p in payments}
    for txn in sorted((t for t in history if t.type in REVERSALS), key=in_time):
        candidates = [p for p in payments if p.at <= txn.at][::-1]
        if not candidates:
            logger.warning("%s: %s %s ohne frühere Zahlung übersprungen", TOOL, txn.type, txn.id)
            continue
        left, part = txn.amount, 0
        for payment in candidates:
            take = min(left, room[payment.id])
            if take <= 0:
                continue
            part += 1
            refunds[payment.id].append(_refund(txn, take, part))
            room[payment.id] -= take
            left -= take
            if not left:
                break
        if left or not part:  # more than was paid: the rest stays with the latest payment
            part += 1
            refunds[candidates[0].id].append(_refund(txn, left, part))
    return refunds


def _refund(txn: Txn, cents: int, part: int) -> RefundRecord:
    refund_id = txn.id if part == 1 else f"{txn.id}-{part}"
    return RefundRecord(refund_id, txn.at, cents, REVERSALS[txn.type].value)


def contact_id(txn: Txn, purchase: Mapping[str, Any] | None) -> str:
    buyer = _buyer(txn, purchase)
    if _text(buyer.get("id")):
        return str(buyer["id"])
    email = normalise_email(_text(buyer.get("email")))
    return f"email:{email}" if email else f"purchase:{txn.purchase_id}"


def _buyer(txn: Txn, purchase: Mapping[str, Any] | None) -> dict[str, Any]:
    """The purchase's buyer record, gaps filled from the transaction (nested or flat fields)."""
    raw = txn.raw
    nested = raw.get("buyer")
    flat = {
        "id": raw.get("buyer_id"),
        "email": raw.get("email") or raw.get("buyer_email"),
        "first_name": raw.get("first_name") or raw.get("buyer_first_name"),
        "last_name": raw.get("last_name") or raw.get("buyer_last_name"),
        "country": raw.get("address_country") or raw.get("vat_country"),
    }
    record = (purchase or {}).get("buyer")
    buyer: dict[str, Any] = {}
    for part in (flat, nested, record):
        if isinstance(part, dict):
            buyer.update({k: v for k, v in part.items() if _text(v)})
    buyer["_zone"] = (purchase or {}).get("_zone") or DEFAULT_ZONE
    return buyer


def contact_record(txn: Txn, purchase: Mapping[str, Any] | None) -> ContactRecord:
    buyer = _buyer(txn, purchase)
    country = (_text(buyer.get("country")) or "").upper()
    return ContactRecord(
        source_contact_id=contact_id(txn, purchase),
        email=_text(buyer.get("email")),
        first_name=_text(buyer.get("first_name")),
        last_name=_text(buyer.get("last_name")),
        company=_text(buyer.get("company")),
        country=country if re.fullmatch(r"[A-Z]{2}", country) else None,
        city=_text(buyer.get("city")),
        postcode=_text(buyer.get("zipcode")) or _text(buyer.get("postcode")),
        created_at=parse_time(buyer.get("created_at"), buyer["_zone"]),
    )


def _kind(txn: Txn, purchase: Mapping[str, Any]) -> OrderKind:
    billing = (
        _text(txn.raw.get("billing_type")) or _text(purchase.get("billing_type")) or ""
    ).lower()
    kind = KINDS.get(billing)
    if kind is None:
        installments = _count(txn.raw.get("number_of_installments")) or _count(
            purchase.get("number_of_installments")
        )
        kind = {None: OrderKind.ONE_TIME, 0: OrderKind.SUBSCRIPTION, 1: OrderKind.ONE_TIME}.get(
            installments, OrderKind.INSTALLMENT
        )
    if kind in (OrderKind.SUBSCRIPTION, OrderKind.INSTALLMENT) and txn.amount == 0:
        return OrderKind.TRIAL
    return kind


def _tax(txn: Txn, purchase: Mapping[str, Any]) -> int:
    if txn.vat is not None:
        return txn.vat
    for amount, vat in (("amount", "vat_amount"), ("other_amounts", "other_vat_amounts")):
        if money(purchase.get(amount)) == txn.amount and money(purchase.get(vat)) is not None:
            return abs(money(purchase.get(vat)) or 0)
    rate = _text(purchase.get("vat_rate"))
    if rate:
        share = Decimal(txn.amount) * Decimal(rate) / (100 + Decimal(rate))
        return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return 0


def _items(txn: Txn, purchase: Mapping[str, Any]) -> list[ItemRecord]:
    raw = txn.raw
    name = _text(raw.get("product_name")) or _text(raw.get("main_product_name"))
    lines = [i for i in _listing(purchase.get("items")) if _text(i.get("product_name"))]
    if name:
        product_id = _text(raw.get("product_id")) or _text(raw.get("main_product_id"))
        same = [i for i in lines if product_id and _text(i.get("product_id")) == product_id]
        quantity = _count(raw.get("quantity")) or (_count(same[0].get("quantity")) if same else 1)
        return [ItemRecord(name, txn.amount, quantity or 1, product_id)]
    if not lines:
        return []
    quantities = [_count(i.get("quantity")) or 1 for i in lines]
    given = [_first_money(i, "total_brutto_amount", "total_amount", "amount") for i in lines]
    if None in given or sum(a or 0 for a in given) != txn.amount:
        share, rest = divmod(txn.amount, sum(quantities))
        given = [share * q for q in quantities]
        given[0] = (given[0] or 0) + rest
    return [
        ItemRecord(str(i["product_name"]).strip(), a or 0, q, _text(i.get("product_id")))
        for i, a, q in zip(lines, given, quantities, strict=True)
    ]


def order_record(
    txn: Txn, refunds: list[RefundRecord], purchase: Mapping[str, Any] | None, base_url: str
) -> OrderRecord:
    """One payment transaction as a canonical order, with the reversals allotted to it."""
    details = purchase or {}
    tax = _tax(txn, details)
    fee = txn.amount - tax - txn.earned if txn.earned is not None else None
    reversed_cents = sum(r.amount_cents for r in refunds)
    status = OrderStatus.PAID
    if any(r.reason == RefundReason.CHARGEBACK.value for r in refunds):
        status = OrderStatus.CHARGEBACK
    elif reversed_cents and reversed_cents >= txn.amount:
        status = OrderStatus.REFUNDED
    elif reversed_cents:
        status = OrderStatus.PARTIALLY_REFUNDED
    pay_method = _text(txn.raw.get("pay_method")) or next(
        (
            _text(t.get("pay_method"))
            for t in _listing(details.get("transaction_list"))
            if _text(t.get("id")) == txn.id
        ),
        None,
    )
    return OrderRecord(
        source_order_id=txn.id,
        source_contact_id=contact_id(txn, purchase),
        ordered_at=txn.at,
        gross_cents=txn.amount,
        tax_cents=tax,
        currency=txn.currency,
        fee_cents=fee if fee is not None and fee >= 0 else None,
        status=status.value,
        kind=_kind(txn, details).value,
        payment_id=_text(txn.raw.get("payment_id")),
        is_sandbox=pay_method == "test",
        url=f"{base_url}/vendor/reports/transactions/order/{txn.purchase_id}",
        items=_items(txn, details),
        refunds=refunds,
    )


class Digistore24Connector:
    """Turns the account's transactions into batches for :mod:`kundenwert.sync`."""

    def __init__(self, client: Digistore24Client):
        self.client = client
        self._purchases: dict[str, dict[str, Any] | None] = {}
        self._histories: dict[str, list[Txn]] = {}
        self._allotted: dict[str, dict[str, list[RefundRecord]]] = {}

    def __repr__(self) -> str:
        return f"Digistore24Connector({self.client.base_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        end = datetime.now(UTC).replace(microsecond=0)  # fixed: page numbers stay stable
        safe = datetime.strptime(cursor, CURSOR_FORMAT).replace(tzinfo=UTC) if cursor else None
        start = api_time(safe) if safe else "start"
        seen = 0
        for page in self.client.transaction_pages(start, api_time(end)):
            txns = [t for t in (read_txn(i, page.zone) for i in page.items) if t is not None]
            contacts, orders = self._records(txns, end)
            if txns:
                newest = max(t.at for t in txns) - OVERLAP
                safe = newest if safe is None else max(safe, newest)
            seen += len(page.items)
            total = max(page.total or 0, seen)
            yield Batch(
                contacts=contacts,
                orders=orders,
                cursor=safe.strftime(CURSOR_FORMAT) if safe else None,
                done=seen / total if total else None,
                note=f"Transaktionen {seen} von {total}",
            )

    def _records(
        self, txns: list[Txn], end: datetime
    ) -> tuple[list[ContactRecord], list[OrderRecord]]:
        """Records in the order of the page, so the newest data wins as in any other paging."""
        self._load_purchases(sorted({t.purchase_id for t in txns}))
        self._load_histories(
            sorted(
                {
                    t.purchase_id
                    for t in txns
                    if t.type in REVERSALS or _has_reversals(self._purchases.get(t.purchase_id))
                }
            ),
            end,
        )
        contacts: dict[str, ContactRecord] = {}
        orders: dict[str, OrderRecord] = {}

        def emit(payment: Txn, refunds: list[RefundRecord]) -> None:
            purchase = self._purchases.get(payment.purchase_id)
            contact = contact_record(payment, purchase)
            contacts.pop(contact.source_contact_id, None)
            contacts[contact.source_contact_id] = contact
            orders[payment.id] = order_record(payment, refunds, purchase, self.client.base_url)

        for txn in txns:
            history = self._histories.get(txn.purchase_id, [])
            allotted = self._allotted.get(txn.purchase_id, {})
            payments = {t.id: t for t in history if t.type == PAYMENT}
            if txn.type in REVERSALS:  # the purchase's payments, now with their reversals
                for payment in payments.values():
                    emit(payment, allotted[payment.id])
            elif txn.id in payments:
                emit(payments[txn.id], allotted[txn.id])
            else:
                emit(txn, [])
        return list(contacts.values()), list(orders.values())

    def _load_purchases(self, ids: list[str]) -> None:
        wanted = [i for i in ids if i not in self._purchases]
        if wanted:
            found = self.client.purchases(wanted)
            self._purchases.update({i: found.get(i) for i in wanted})

    def _load_histories(self, ids: list[str], end: datetime) -> None:
        """Every payment and reversal of these purchases up to ``end``, once per run."""
        wanted = [i for i in ids if i not in self._histories]
        histories: dict[str, list[Txn]] = {i: [] for i in wanted}
        for start in range(0, len(wanted), PURCHASE_CHUNK):
            search = {"search[purchase_id]": ",".join(wanted[start : start + PURCHASE_CHUNK])}
            for page in self.client.transaction_pages("start", api_time(end), search):
                for item in page.items:
                    txn = read_txn(item, page.zone)
                    if txn is not None and txn.purchase_id in histories:
                        histories[txn.purchase_id].append(txn)
        for purchase_id, history in histories.items():
            self._histories[purchase_id] = sorted(history, key=in_time)
            self._allotted[purchase_id] = allocate(self._histories[purchase_id])


def _has_reversals(purchase: Mapping[str, Any] | None) -> bool:
    """getPurchase lists the purchase's refunds too: its payments need their history first."""
    kinds = (_text(t.get("type")) for t in _listing((purchase or {}).get("transaction_list")))
    return any(kind in REVERSALS for kind in kinds)


def create(config: ConnectorConfig) -> Digistore24Connector:
    credentials = Digistore24Credentials(api_key=config.credentials["api_key"])
    return Digistore24Connector(Digistore24Client(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="digistore24",
        title=TOOL,
        credential_fields={"key": "api_key"},
        credential_labels={"api_key": "API-Schlüssel"},
        create=create,
        default_base_url=DEFAULT_BASE_URL,
    )
)
