"""Lexware Office (until 2025: lexoffice) Public API: contacts, invoices and credit notes.

Sources, read for this module:

* [D] The Lexware API documentation (developers.lexware.io/docs; read as a public text copy of
  the whole page). Sections used:
  [D-INTRO] gateway ``https://api.lexware.io`` since 26 May 2025, the old ``api.lexoffice.io``
  kept "until December 2025"; ``Authorization: Bearer {accessToken}``; keys are made at
  app.lexware.de/addons/public-api. [D-RATE] "A client can make up to 2 requests per second"
  (token bucket, all endpoints together), else 429; "enforcing the mentioned limits without any
  buffer will commonly result in rate limited requests"; no ``Retry-After`` is documented.
  [D-PAGING] ``page`` (0-based) and ``size`` (default 25, at most 250 for contacts and
  voucherlist); envelope ``content``, ``first``, ``last``, ``totalPages``, ``totalElements``,
  ``numberOfElements``, ``size``, ``number``, ``sort``; a paged query reaches at most 10,000
  entries ("Maximum search window size exceeded"); contacts cannot be sorted.
  [D-VOUCHERLIST] ``voucherType`` and ``voucherStatus`` are required (comma lists or ``any``;
  ``overdue`` cannot be combined and is reported for open/sepadebit vouchers past due);
  ``updatedDateFrom`` is a ``yyyy-MM-dd`` day "in CET/CEST"; ``sort`` by ``voucherDate``,
  ``voucherNumber``, ``createdDate`` or ``updatedDate`` with ``ASC``/``DESC`` (the sample
  without ``sort`` answers voucherDate descending); entries ``id``, ``voucherType``,
  ``voucherStatus``, ``voucherNumber``, ``voucherDate``, ``createdDate``, ``updatedDate``
  ("last changed (or status changed)"),
  ``dueDate``, ``contactId`` (null for the collective contact), ``contactName``, ``totalAmount``,
  ``openAmount``, ``currency`` ("only possible value is EUR"), ``archived``.
  [D-INVOICES] ``GET /v1/invoices/{id}``: ``voucherStatus`` draft/open/paid/voided,
  ``voucherDate``, ``address`` (``contactId`` only if the recipient is a contact, otherwise a
  "one-time address" with ``name``, ``city``, ``zip``, ``countryCode``), ``lineItems``
  (``type`` service/material/custom/text, ``quantity`` up to 4 decimals, ``lineItemAmount``
  "net or gross" by ``taxConditions.taxType``, ``unitPrice.taxRatePercentage``),
  ``totalPrice`` (``currency``, ``totalNetAmount``, ``totalGrossAmount``, ``totalTaxAmount``),
  ``relatedVouchers`` (``id``, ``voucherNumber``, ``voucherType``), closing invoices, deeplink
  ``{appbaseurl}/permalink/invoices/view/{id}``.
  [D-CREDIT] ``GET /v1/credit-notes/{id}``: "with a credit note the partial or full amount of an
  invoice can be refunded"; a credit note related to an invoice is ``paidoff`` on finalization
  and reduces (or settles) the invoice's open amount; "there can only be one credit note related
  to an invoice"; an unrelated one stays ``open`` until the user assigns a payment; statuses
  draft/open/paidoff/voided.
  [D-CONTACTS] ``GET /v1/contacts?customer=true``: ``person`` (``firstName``, ``lastName``),
  ``company`` (``name``, ``contactPersons`` with ``primary`` and ``emailAddress``),
  ``addresses.billing``/``shipping`` lists, ``emailAddresses`` lists ``business``, ``office``,
  ``private``, ``other``; no creation or change dates; deeplink
  ``{appbaseurl}/permalink/contacts/view/{id}``.
  [D-ERRORS] 401 ``{"message": "Unauthorized"}``, 402 "contract issue", 403 "insufficient
  scope", 404, 406, 429, 500, 503, 504 (gateway timeout after 30 s); the regular error body
  ``{"timestamp", "status", "error", "path", "traceId", "message", "details"}`` and the legacy
  ``{"IssueList": [{"i18nKey", "source", "type", "additionalData", "args"}]}`` (contacts, files,
  vouchers). [D-FAQ] dates ``yyyy-MM-ddTHH:mm:ss.SSSXXX``; country codes ISO 3166 alpha-2 plus
  regions such as ``ES_CN``; the web app is app.lexware.de.
* [R] The ``lexoffice`` Rust crate (docs.rs), generated from the earlier lexoffice documentation:
  the same voucherlist, invoice and credit note field names and enums.
* [C] Chift's Lexware Office setup guide (docs.chift.eu): the key's permissions as the Lexware
  app names them ("Kontakte abrufen", "Rechnungen abrufen", …), used in the 403 hint.

Quirks and the decisions they forced:

* The voucherlist has no items, tax or address, so every listed invoice costs one
  ``GET /invoices/{id}``; at 2 requests per second a first sync of 1,000 invoices takes about ten
  minutes. We stay a little below the limit (1.8 per second, see [D-RATE]); 429 and 5xx are
  retried by :mod:`connectors.http` with backoff (a ``Retry-After`` is honoured if one comes).
* Incremental sync lists ``voucherType=invoice,creditnote`` by ``sort=updatedDate,ASC`` and
  ``updatedDateFrom``. That filter has whole days (CET/CEST), so the cursor is a day plus the
  vouchers of that day already stored (``{"updatedDateFrom": …, "seen": {id: updatedDate}}``);
  the next run re-lists that day but fetches details only of vouchers whose ``updatedDate``
  changed. Every page re-anchors at the day of its newest entry and starts at page 0 again, so
  the 10,000-entry window is out of reach (but for 10,000 changes on one day) and a voucher
  changed during the sync (it moves to the end) cannot shift an unread one onto a page already
  read; only within one day of more than a page of vouchers does paging go on by number.
* Drafts are not asked for: they are editable, have no number yet and can be deleted. Status:
  paid → paid; open, overdue, transferred, sepadebit → pending (not paid yet, counts zero);
  voided → cancelled; an unknown status → pending. An invoice set back from open to draft keeps
  what was stored last (pending).
* Credit notes become refunds of the invoice named in their ``relatedVouchers`` (amount
  ``totalGrossAmount``, on the credit note's date), and an invoice is always written together
  with all its credit notes, whichever of them changed; a paid invoice with refunds is
  partially_refunded or refunded. A voided credit note is written as a refund of 0, because a
  stored refund is never deleted. A credit note without a related invoice is skipped: the API
  ties it to no sale (its amount is not subtracted from anyone's value).
* Contacts have no dates, so every run re-reads all customers (``customer=true``, 250 per
  request; beyond the 10,000-entry window the list stops). An invoice's ``address.contactId``
  that is not among them (beyond the window, role changed, deleted) is fetched by id, and if
  that answers 404 the invoice address stands in under the same id.
  One-time addresses (no ``contactId``) have no e-mail: their contact id is ``address:`` plus
  the normalised name, zip and country, so repeat buyers under one address stay one contact.
* Money arrives as JSON numbers (``29.85``); they are parsed straight into ``Decimal`` and
  rounded half up to cents. Only EUR is documented, but the currency is read from
  ``totalPrice``. Line items: ``lineItemAmount`` is gross for ``taxType`` gross and net otherwise
  (then gross = net × (100 + rate) / 100, rounded per line, so items may differ from the total by
  a cent; a total discount is only in the total). Text items are skipped; a fractional quantity
  (hours) counts as one item with its whole amount. Closing invoices count their whole
  ``totalGrossAmount``; down payment invoices are not read.
* ``voucherDate`` is a calendar day sent as local midnight (``2023-02-22T00:00:00.000+01:00``);
  converted to UTC it would fall on the previous day (and New Year's invoices into the previous
  year), so the German calendar day is stored as midnight UTC. Same for credit note dates.
* Names may come HTML-escaped ([D-FAQ] search strings) and are unescaped. There is no external
  payment id, so ``payment_id`` stays empty; links point into the web app.
"""

from __future__ import annotations

import html
import json
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

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
from kundenwert.models import OrderKind, OrderStatus
from kundenwert.money import to_cents
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

TOOL = "Lexware Office"
DEFAULT_BASE_URL = "https://api.lexware.io"  # [D-INTRO]
APP_URL = "https://app.lexware.de"  # {appbaseurl} of the deeplinks
API_VERSION = "/v1"
PAGE_SIZE = 250  # the maximum of contacts and voucherlist [D-PAGING]
SEARCH_WINDOW = 10_000  # entries one paged query can reach [D-PAGING]
RATE_LIMIT = 1.8  # requests per second: the documented 2, less a buffer for jitter [D-RATE]
BATCH_VOUCHERS = 10  # listed vouchers per batch (about 6 s of detail requests)
SEEN_MAX = 500  # vouchers of the cursor day kept in the cursor; more: the day is re-read
VOUCHER_TYPES = "invoice,creditnote"
LISTED_STATUSES = "open,paid,paidoff,voided,transferred,sepadebit"  # all but draft
SORT = "updatedDate,ASC"
STATUSES = {
    "paid": OrderStatus.PAID,
    "open": OrderStatus.PENDING,
    "overdue": OrderStatus.PENDING,
    "transferred": OrderStatus.PENDING,
    "sepadebit": OrderStatus.PENDING,
    "voided": OrderStatus.CANCELLED,
}
# legal forms that make a one-time address name a company, compared lower-case
LEGAL_FORMS = frozenset(
    {"gmbh", "mbh", "ag", "ug", "kg", "ohg", "gbr", "e.k.", "eg", "se", "kgaa", "partg", "e.v."}
    | {"ltd", "ltd.", "llc", "inc", "inc.", "sarl", "s.a.r.l."}
)
HINTS = Hints(
    auth="API-Schlüssel in Datenquellen prüfen (gelöscht oder abgelaufen? Einen neuen gibt es "
    "unter app.lexware.de/addons/public-api)",
    forbidden="der API-Schlüssel braucht die Rechte „Kontakte abrufen“, „Rechnungen abrufen“, "
    "„Gutschriften abrufen“ und „Belegliste filtern und abrufen“",
    not_found="Basis-URL in Datenquellen prüfen (leer lassen für https://api.lexware.io)",
)


@dataclass(frozen=True)
class LexofficeCredentials:
    api_key: SecretStr


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer {accessToken}`` [D-INTRO]; the key never shows in a repr."""

    def __init__(self, token: str):
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class _LexwareHttp(HttpClient):
    """Also reads the legacy ``IssueList`` error body into the owner's message [D-ERRORS]."""

    def _detail(self, response: httpx.Response) -> tuple[str | None, str]:
        code, detail = super()._detail(response)
        if detail:
            return code, detail
        try:
            issues = response.json().get("IssueList")
            issue = issues[0] if isinstance(issues, list) and issues else {}
        except (ValueError, AttributeError):
            return code, ""
        if not isinstance(issue, dict):
            return code, ""
        key, source = issue.get("i18nKey"), issue.get("source")
        if not isinstance(key, str):
            return code, ""
        text = f"{key} ({source})" if isinstance(source, str) and source else key
        return key, f" – {self.redact(text)}"


# --- dates ---------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """``2023-02-21T00:00:00.000+01:00`` (or ``…Z``) as a datetime; empty → ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


def _last_sunday(year: int, month: int) -> datetime:
    last = date(year, month, 31)  # March and October
    return datetime.combine(last - timedelta(days=(last.weekday() + 1) % 7), time(1), UTC)


def german_day(moment: datetime) -> date:
    """The calendar day in Germany: CET, CEST from the last Sunday of March to the last Sunday
    of October (switching at 01:00 UTC), as ``updatedDateFrom`` counts days [D-VOUCHERLIST]."""
    if moment.tzinfo is None:
        return moment.date()
    utc = moment.astimezone(UTC)
    summer = _last_sunday(utc.year, 3) <= utc < _last_sunday(utc.year, 10)
    return (utc + timedelta(hours=2 if summer else 1)).date()


def calendar_day(value: Any) -> datetime | None:
    """A voucher date as its German calendar day at midnight UTC (see module docstring)."""
    moment = parse_time(value)
    return None if moment is None else datetime.combine(german_day(moment), time(), UTC)


# --- the cursor ----------------------------------------------------------------------------------


@dataclass
class VoucherCursor:
    """``updatedDateFrom`` of the next run and the vouchers of that day stored so far."""

    day: date | None = None
    seen: dict[str, str] = field(default_factory=dict)  # id → updatedDate as listed

    @classmethod
    def parse(cls, text: str | None) -> VoucherCursor:
        """Tolerant: an unreadable cursor means "everything" (re-reading is harmless)."""
        if not text:
            return cls()
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = text
        if isinstance(data, str):
            data = {"updatedDateFrom": data}
        if not isinstance(data, dict):
            return cls()
        try:
            day = date.fromisoformat(str(data.get("updatedDateFrom")))
        except ValueError:
            return cls()
        seen = data.get("seen")
        return cls(day, {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else {})

    def unchanged(self, voucher_id: str, updated: str) -> bool:
        return self.seen.get(voucher_id) == updated

    def mark(self, voucher_id: str, updated: str, day: date) -> None:
        if self.day is None or day > self.day:
            self.day, self.seen = day, {}
        if day == self.day:
            self.seen[voucher_id] = updated

    def dump(self) -> str | None:
        if self.day is None:
            return None
        data: dict[str, Any] = {"updatedDateFrom": self.day.isoformat()}
        if len(self.seen) <= SEEN_MAX:
            data["seen"] = self.seen
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


# --- the client ----------------------------------------------------------------------------------


def api_root(url: str) -> str:
    """``https://api.lexware.io/v1/`` → ``https://api.lexware.io`` (the version is ours to add)."""
    root = normalise_base_url(url)
    return root[: -len(API_VERSION)] if root.lower().endswith(API_VERSION) else root


def _content(body: Any, path: str) -> list[dict[str, Any]]:
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, list) or not all(isinstance(item, dict) for item in content):
        raise InvalidResponseError(f"{TOOL}: {path} liefert keine Seite mit content")
    return content


def _is_last(body: Mapping[str, Any], page: int, count: int) -> bool:
    last = body.get("last")
    if isinstance(last, bool):
        return last or count == 0
    pages = body.get("totalPages")
    if isinstance(pages, int):
        return page + 1 >= pages
    return count < PAGE_SIZE


def _same_page_guard(path: str, page: int, items: list[dict[str, Any]], previous: Any) -> Any:
    """Page n+1 must not repeat page n: a server ignoring ``page`` would page for ever."""
    ids = [(item.get("id"), item.get("updatedDate")) for item in items]
    if previous is not None and ids and ids == previous:
        raise InvalidResponseError(
            f"{TOOL}: {path} liefert auf Seite {page + 1} dieselben Einträge wie auf Seite "
            f"{page}: {HINTS.not_found}"
        )
    return ids


def entry_moment(entry: Mapping[str, Any]) -> datetime:
    moment = parse_time(entry.get("updatedDate")) or parse_time(entry.get("createdDate"))
    if moment is None:
        raise InvalidResponseError(f"{TOOL}: Beleg {entry.get('id')} ohne updatedDate")
    return moment


class LexofficeClient:
    """The Public API of one Lexware Office account; every request goes through HttpClient."""

    def __init__(
        self, base_url: str, credentials: LexofficeCredentials, options: HttpOptions | None = None
    ):
        self.base_url = api_root(base_url)
        key = credentials.api_key.get_secret_value()
        self.http = _LexwareHttp(
            TOOL,
            self.base_url + API_VERSION,
            auth=BearerAuth(key),
            options=options,
            rate_limit=RATE_LIMIT,
            hints=HINTS,
            secrets=(key,),
        )

    def __repr__(self) -> str:
        return f"LexofficeClient({self.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` below ``/v1``, numbers with decimals parsed as ``Decimal``."""
        try:
            response = self.http.request("GET", path, params=params)
        except RequestRejectedError as error:
            if error.status != 402:
                raise
            raise RequestRejectedError(
                f"{error.message}: der Lexware-Office-Vertrag erlaubt diesen Zugriff nicht "
                "(die Public API braucht einen Tarif mit API-Zugang)",
                status=402,
                code=error.code,
            ) from None
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise InvalidResponseError(
                f"{TOOL} antwortet auf {path} nicht mit JSON: {HINTS.not_found}",
                status=response.status_code,
            ) from None

    def pages(
        self, path: str, params: Mapping[str, Any]
    ) -> Iterator[tuple[list[dict[str, Any]], int, int]]:
        """(content, page number from 1, total pages) up to the page marked ``last``, or up to
        the end of the search window, which the API would answer with an error."""
        page, previous = 0, None
        while True:
            body = self.get(path, {**params, "page": page, "size": PAGE_SIZE})
            items = _content(body, path)
            previous = _same_page_guard(path, page, items, previous)
            yield items, page + 1, int(body.get("totalPages") or page + 1)
            if _is_last(body, page, len(items)) or (page + 2) * PAGE_SIZE > SEARCH_WINDOW:
                return
            page += 1

    def customers(self) -> Iterator[tuple[list[dict[str, Any]], int, int]]:
        return self.pages("contacts", {"customer": "true"})

    def voucher_pages(self, since: date | None) -> Iterator[tuple[list[dict[str, Any]], int]]:
        """(entries, totalElements of the first answer), oldest change first, re-anchoring.

        Each page is requested from the day of the newest entry of the page before, page 0,
        unless that day did not advance (a page full of one day): then the next page number.
        """
        anchor, page, total, previous = since, 0, None, None
        while True:
            params: dict[str, Any] = {
                "voucherType": VOUCHER_TYPES,
                "voucherStatus": LISTED_STATUSES,
                "sort": SORT,
                "page": page,
                "size": PAGE_SIZE,
            }
            if anchor is not None:
                params["updatedDateFrom"] = anchor.isoformat()
            body = self.get("voucherlist", params)
            entries = _content(body, "voucherlist")
            if total is None:
                total = int(body.get("totalElements") or len(entries))
            if not entries:
                return
            previous = _same_page_guard("voucherlist", page, entries, previous if page else None)
            yield entries, total
            if _is_last(body, page, len(entries)):
                return
            newest = max(german_day(entry_moment(entry)) for entry in entries)
            if anchor is None or newest > anchor:
                anchor, page = newest, 0
            else:
                page += 1

    def detail(self, kind: str, voucher_id: str) -> dict[str, Any] | None:
        """``invoices/{id}``, ``credit-notes/{id}`` or ``contacts/{id}``; gone (404) → None."""
        try:
            body = self.get(f"{kind}/{voucher_id}")
        except NotFoundError:
            return None
        if not isinstance(body, dict):
            raise InvalidResponseError(f"{TOOL}: {kind}/{voucher_id} liefert kein Objekt")
        return body


# --- mapping -------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(html.unescape(value).split())
    return cleaned or None


def cents(value: Any) -> int:
    return to_cents(Decimal(str(value)))


def country_code(value: Any) -> str | None:
    """ISO 3166 alpha-2; a region code such as ``ES_CN`` (Canary Islands) → ``ES`` [D-FAQ]."""
    text = _text(value)
    return text.split("_")[0].upper()[:2] if text else None


def split_name(name: str | None) -> tuple[str | None, str | None, str | None]:
    """(first, last, company) from one name line: a legal form makes it a company,
    ``Last, First`` (the voucherlist's style) and ``First Last`` are people."""
    if not name:
        return None, None, None
    if any(word.strip(",()").casefold() in LEGAL_FORMS for word in name.split()):
        return None, None, name
    if "," in name:
        last, _, first = name.partition(",")
        return _text(first), _text(last), None
    first, _, last = name.rpartition(" ")
    return (first or None), last, None


def address_contact_id(address: Mapping[str, Any], voucher_id: str) -> str:
    name = _text(address.get("name"))
    if not name:
        return f"invoice:{voucher_id}"
    zip_code = _text(address.get("zip")) or ""
    return f"address:{name.casefold()}|{zip_code}|{country_code(address.get('countryCode')) or ''}"


def contact_from_address(
    address: Mapping[str, Any], source_contact_id: str, url: str | None = None
) -> ContactRecord:
    first, last, company = split_name(_text(address.get("name")))
    return ContactRecord(
        source_contact_id=source_contact_id,
        first_name=first,
        last_name=last,
        company=company,
        country=country_code(address.get("countryCode")),
        city=_text(address.get("city")),
        postcode=_text(address.get("zip")),
        url=url,
    )


def contact_record(contact: Mapping[str, Any], app_url: str) -> ContactRecord:
    person = contact.get("person") or {}
    company = contact.get("company") or {}
    people = [p for p in company.get("contactPersons") or [] if isinstance(p, dict)]
    primary = next((p for p in people if p.get("primary")), people[0] if people else {})
    lists = contact.get("emailAddresses") or {}
    kinds = ("business", "private", "office", "other")
    emails = [email for kind in kinds for email in lists.get(kind) or []]
    email = next((e for e in map(_text, emails) if e), None) or _text(primary.get("emailAddress"))
    addresses = contact.get("addresses") or {}
    places = (addresses.get("billing") or []) + (addresses.get("shipping") or [])
    place = places[0] if places and isinstance(places[0], dict) else {}
    return ContactRecord(
        source_contact_id=str(contact["id"]),
        email=email,
        first_name=_text(person.get("firstName")) or _text(primary.get("firstName")),
        last_name=_text(person.get("lastName")) or _text(primary.get("lastName")),
        company=_text(company.get("name")),
        country=country_code(place.get("countryCode")),
        city=_text(place.get("city")),
        postcode=_text(place.get("zip")),
        url=f"{app_url}/permalink/contacts/view/{contact['id']}",
    )


def related(voucher: Mapping[str, Any], voucher_type: str) -> list[str]:
    """Ids of ``relatedVouchers`` of one type (``creditnote``, ``credit-note`` and ``creditNote``
    alike: the documentation shows no example of the value)."""
    wanted = voucher_type.replace("-", "").lower()
    return [
        str(link["id"])
        for link in voucher.get("relatedVouchers") or []
        if isinstance(link, dict)
        and link.get("id")
        and str(link.get("voucherType") or "").replace("-", "").lower() == wanted
    ]


def item_record(item: Mapping[str, Any], tax_type: str) -> ItemRecord | None:
    if item.get("type") == "text":
        return None
    price = item.get("unitPrice") or {}
    rate = Decimal(str(price.get("taxRatePercentage") or 0))
    quantity = Decimal(str(item.get("quantity") or 1))
    amount = item.get("lineItemAmount")
    if amount is None:  # not documented as optional, but cheap to survive
        unit = price.get("grossAmount" if tax_type == "gross" else "netAmount") or 0
        discount = Decimal(str(item.get("discountPercentage") or 0))
        amount = quantity * Decimal(str(unit)) * (100 - discount) / 100
    gross = Decimal(str(amount))
    if tax_type != "gross":
        gross = gross * (100 + rate) / 100
    return ItemRecord(
        product_name=_text(item.get("name")) or "",
        amount_cents=to_cents(gross),
        quantity=int(quantity) if quantity == quantity.to_integral_value() else 1,
        product_id=_text(item.get("id")),
    )


def refund_record(note: Mapping[str, Any]) -> RefundRecord | None:
    """A finalized credit note as a refund; a voided one as a refund of 0; a draft: None."""
    status = note.get("voucherStatus")
    if status == "draft":
        return None
    when = calendar_day(note.get("voucherDate")) or calendar_day(note.get("createdDate"))
    if when is None:
        raise InvalidResponseError(f"{TOOL}: Gutschrift {note.get('id')} ohne voucherDate")
    total = (note.get("totalPrice") or {}).get("totalGrossAmount") or 0
    return RefundRecord(
        source_refund_id=str(note["id"]),
        refunded_at=when,
        amount_cents=0 if status == "voided" else abs(cents(total)),
    )


def order_record(
    invoice: Mapping[str, Any], contact_id: str, refunds: list[RefundRecord], app_url: str
) -> OrderRecord:
    total = invoice.get("totalPrice") or {}
    gross = cents(total["totalGrossAmount"])
    status = STATUSES.get(str(invoice.get("voucherStatus")), OrderStatus.PENDING)
    refunded = sum(refund.amount_cents for refund in refunds)
    if status is OrderStatus.PAID and refunded:
        status = OrderStatus.REFUNDED if refunded >= gross else OrderStatus.PARTIALLY_REFUNDED
    ordered = calendar_day(invoice.get("voucherDate")) or calendar_day(invoice.get("createdDate"))
    if ordered is None:
        raise InvalidResponseError(f"{TOOL}: Rechnung {invoice.get('id')} ohne voucherDate")
    tax_type = str((invoice.get("taxConditions") or {}).get("taxType") or "net")
    items = [item_record(item, tax_type) for item in invoice.get("lineItems") or []]
    return OrderRecord(
        source_order_id=str(invoice["id"]),
        source_contact_id=contact_id,
        ordered_at=ordered,
        gross_cents=gross,
        tax_cents=cents(total.get("totalTaxAmount") or 0),
        currency=str(total.get("currency") or "EUR"),
        status=status.value,
        kind=OrderKind.INVOICE.value,
        url=f"{app_url}/permalink/invoices/view/{invoice['id']}",
        items=[item for item in items if item is not None],
        refunds=refunds,
    )


# --- the connector -------------------------------------------------------------------------------


@dataclass
class _Batch:
    """What one batch collects: the newest record per id, and details fetched for it."""

    contacts: dict[str, ContactRecord] = field(default_factory=dict)
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    details: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)

    def add_contact(self, record: ContactRecord) -> None:
        self.contacts.pop(record.source_contact_id, None)
        self.contacts[record.source_contact_id] = record

    def add_order(self, record: OrderRecord) -> None:
        self.orders.pop(record.source_order_id, None)
        self.orders[record.source_order_id] = record


class LexofficeConnector:
    """Turns the account's pages into batches for :mod:`kundenwert.sync` (see module docstring)."""

    def __init__(self, client: LexofficeClient, app_url: str = APP_URL):
        self.client = client
        self.app_url = app_url.rstrip("/")
        self._known: set[str] = set()  # contact ids stored by this run (or fetched for it)

    def __repr__(self) -> str:
        return f"LexofficeConnector({self.client.base_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        state = VoucherCursor.parse(cursor)
        for contacts, page, pages in self.client.customers():
            records = [self._customer(contact) for contact in contacts]
            yield Batch(contacts=records, note=f"Kontakte, Seite {page} von {max(page, pages)}")
        done: set[str] = set()
        for entries, total in self.client.voucher_pages(state.day):
            for start in range(0, len(entries), BATCH_VOUCHERS):
                work = _Batch()
                for entry in entries[start : start + BATCH_VOUCHERS]:
                    self._entry(entry, state, work)
                    done.add(str(entry.get("id")))
                yield Batch(
                    contacts=list(work.contacts.values()),
                    orders=list(work.orders.values()),
                    cursor=state.dump(),
                    done=min(1.0, len(done) / total) if total else None,
                    note=f"Belege {len(done)} von {max(total, len(done))}",
                )

    def _customer(self, contact: Mapping[str, Any]) -> ContactRecord:
        try:
            record = contact_record(contact, self.app_url)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidResponseError(f"{TOOL}: unerwartetes Kontaktformat ({error})") from None
        self._known.add(record.source_contact_id)
        return record

    def _entry(self, entry: Mapping[str, Any], state: VoucherCursor, work: _Batch) -> None:
        """One voucherlist entry: write its invoice (with every credit note) unless unchanged."""
        voucher_id, updated = str(entry.get("id")), str(entry.get("updatedDate"))
        day = german_day(entry_moment(entry))
        if not state.unchanged(voucher_id, updated):
            kind = entry.get("voucherType")
            if kind == "invoice":
                self._invoice(voucher_id, [], work)
            elif kind == "creditnote":
                note = self._detail("credit-notes", voucher_id, work)
                invoices = related(note, "invoice") if note else []
                if note and invoices:  # else a credit note without invoice: see docstring
                    self._invoice(invoices[0], [voucher_id], work)
        state.mark(voucher_id, updated, day)

    def _detail(self, kind: str, voucher_id: str, work: _Batch) -> dict[str, Any] | None:
        key = (kind, voucher_id)
        if key not in work.details:
            work.details[key] = self.client.detail(kind, voucher_id)
        return work.details[key]

    def _invoice(self, invoice_id: str, notes: list[str], work: _Batch) -> None:
        invoice = self._detail("invoices", invoice_id, work)
        if invoice is None or invoice.get("voucherStatus") == "draft":
            return  # gone, or back in draft: what was stored stays
        try:
            refunds = []
            for note_id in dict.fromkeys(related(invoice, "creditnote") + notes):
                note = self._detail("credit-notes", note_id, work)
                refund = refund_record(note) if note else None
                if refund is not None:
                    refunds.append(refund)
            contact_id = self._contact_of(invoice, work)
            work.add_order(order_record(invoice, contact_id, refunds, self.app_url))
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as error:
            raise InvalidResponseError(
                f"{TOOL}: Rechnung {invoice_id} hat ein unerwartetes Format ({error})"
            ) from None

    def _contact_of(self, invoice: Mapping[str, Any], work: _Batch) -> str:
        address = invoice.get("address") or {}
        contact_id = _text(address.get("contactId"))
        if contact_id is None:
            record = contact_from_address(address, address_contact_id(address, invoice["id"]))
            work.add_contact(record)
            return record.source_contact_id
        if contact_id not in self._known:
            contact = self._detail("contacts", contact_id, work)
            if contact is not None:
                work.add_contact(contact_record(contact, self.app_url))
            else:  # deleted: the invoice's address stands in
                url = f"{self.app_url}/permalink/contacts/view/{contact_id}"
                work.add_contact(contact_from_address(address, contact_id, url))
            self._known.add(contact_id)
        return contact_id


def create(config: ConnectorConfig) -> LexofficeConnector:
    credentials = LexofficeCredentials(api_key=config.credentials["api_key"])
    return LexofficeConnector(LexofficeClient(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="lexoffice",
        title=TOOL,
        credential_fields={"token": "api_key"},
        credential_labels={"api_key": "API-Schlüssel"},
        create=create,
        default_base_url=DEFAULT_BASE_URL,
    )
)
