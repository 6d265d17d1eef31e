"""sevDesk API v1 (``https://my.sevdesk.de/api/v1``): invoices, cancellations, credit notes,
contacts.

Source: sevDesk's OpenAPI specification, ``https://api.sevdesk.de/openapi.yaml`` (version 2.0.0,
read from the unmodified copy in j-mastr/sevdesk-api ``external/openapi.yaml``). Sections:

* [D-INTRO] ``info.description``: token authentication, the token (32 hex characters) is the
  whole value of the ``Authorization`` header (no scheme); send a meaningful ``User-Agent``;
  ``limit`` (1–1000, "keep limit values reasonable (between 10-100)"), ``offset``, ``countAll=
  true`` adds ``"total": "157"`` (a string) to the envelope ``{"total", "objects": [...]}``;
  ``embed=<nested resource>[,…]`` replaces a reference ``{"id", "objectName"}`` by the object;
  status codes 400, 401 ("missing or wrong API token"), 403, 404, 500. No rate limit is
  published (nor a 429); errors have the schema ``validationError``:
  ``{"error": {"message", "exceptionUUID"}}``. A single object also comes as ``objects: [..]``;
  a missing one is "400 Bad request. Invoice was not found".
* [D-INVOICE] tag ``Invoice``: ``invoiceType`` RE invoice, WKR recurring, SR cancellation
  ("cancels another already created normal invoice"), MA reminder, TR partial, AR advance, ER
  final; ``status`` 50 deactivated recurring, 100 draft, 200 open/due, 750 partially paid
  (since 13 June 2024; earlier ones stay 200), 1000 paid. Filters ``updateAfter={timestamp}``
  ("updated last after"), ``invoiceType``, ``showAll=true`` ("all invoices of all types"),
  ``origin[id]``. ``POST /Invoice/{id}/cancelInvoice``: the SR "will be automatically paid and
  the source invoices status will change to 'cancelled'" (no code is documented for that).
* [D-INVOICE-MODEL] ``Model_InvoiceResponse``: strings ``id``, ``invoiceNumber``, ``status``,
  ``invoiceType``, ``currency``, ``sumNet``/``sumTax``/``sumGross`` and ``sum*ForeignCurrency``
  ("in the foreign currency"), ``invoiceDate``/``create``/``update`` as
  ``2024-04-08T00:00:00+02:00``, ``contact`` and ``origin`` as ``{"id", "objectName"}``,
  ``paidAmount`` a number. ``Model_InvoicePosResponse`` / ``GET /InvoicePos?invoice[id]=…&
  invoice[objectName]=Invoice``: ``name``, ``quantity``, ``priceGross``, ``sumGrossAccounting``.
* [D-CREDITNOTE] tag ``CreditNote`` and ``Model_creditNoteResponse``: status 100 draft, 200
  open, 1000 paid; ``creditNoteDate``, sums as strings; booking categories PROVISION,
  ROYALTY_(UN)ASSIGNED, ACCOUNTING_TYPE and UNDERACHIEVEMENT ("underachievement of an
  invoice", the invoice in ``refSrcInvoice``). The list filters have no ``updateAfter``.
* [D-CONTACT] tag ``Contact``, ``Model_ContactResponse``: ``depth=1`` returns persons too (else
  only organisations); ``updateAfter``; ``name`` (organisation), ``surename`` (first name),
  ``familyname``, ``category`` (2 supplier, 3 customer, 4 partner, 28 prospect), ``create``.
* [D-COMMWAY] ``GET /CommunicationWay`` (filters ``contact[id]``, ``type`` EMAIL/PHONE/WEB/
  MOBILE, ``main``), ``Model_CommunicationWayResponse``: ``contact``, ``type``, ``value``,
  ``main`` ("0"/"1"), ``update``. [D-ADDRESS] ``GET /ContactAddress``,
  ``Model_ContactAddressResponse``: ``contact``, ``street``, ``zip``, ``city``, ``country``
  (``StaticCountry``, "for all countries, send a GET to /StaticCountry"), ``update``.

Left open by the documentation, and what this module does about it:

* ``StaticCountry``'s fields are not specified; public clients read ``code`` (``"de"``). The
  code is taken from ``embed=country`` (upper-cased); without it, ``/StaticCountry`` is read
  once. No code (or no address) means no country.
* Foreign currencies: the ``*ForeignCurrency`` sums are in ``currency`` when they are not zero
  (a EUR document has ``"0"`` there); otherwise the plain sums are. A position's amount is its
  ``sumGrossForeignCurrency`` on such a document, else ``sumGross`` (sent in practice, not
  documented) or ``sumGrossAccounting`` (both in the account's currency); failing those,
  ``priceGross`` × ``quantity``.
* The credit note response schema lists neither ``refSrcInvoice`` nor ``bookingCategory``:
  both are read when present (``refSrcInvoice`` as a reference, a bare id, or ``origin`` with
  objectName Invoice). A cancellation refers to its invoice by ``origin``.
* No sort order of lists and no sort by ``update`` is documented, so a cursor cannot advance
  page by page: it is stored with the last batch of a run only (a run killed halfway re-reads
  from the old cursor, which is harmless). It holds one anchor per list: the newest ``update``
  seen, but never later than the server's ``Date`` at the start of that list minus
  :data:`CLOCK_MARGIN`, so nothing changed while a list was being read is skipped next time.
* Communication ways, addresses, countries, positions and credit notes answering 404 count as
  empty (logged), so invoices still arrive from a server that lacks one of them.
* Timestamps for filters are Unix seconds (the format every example of a "timestamp"
  parameter uses). ``updateAfter`` may be inclusive or not: re-reading is harmless.

Mapping:

* Invoices of type RE, AR, TR and ER become orders of kind ``invoice``; WKR (templates), MA
  (reminders) and drafts (100, 50) are not sales. 1000 → paid; 200 and 750 → pending (an
  unpaid rest is not revenue, and a partially paid invoice from before June 2024 says 200).
* Cancellation invoices (SR) and credit notes of category UNDERACHIEVEMENT (not drafts) are
  refunds of the invoice they refer to, dated on their own date and for their gross amount
  (an SR's sums are negative). A paid invoice (1000) becomes partially_refunded or refunded; an
  invoice reversed in full becomes refunded if money came in (1000, 750 or ``paidAmount`` > 0),
  else cancelled, without refunds; a part-reversed unpaid invoice stays pending with its
  refunds. A reversal without a known invoice is left out: it cannot lower a particular order.
  Either way a fully reversed invoice is worth nothing, whichever status sevDesk gives it after
  ``cancelInvoice``. Every SR and every credit note is read on every run (there is no update
  filter for credit notes, and an order's status needs all of its reversals); an invoice whose
  reversal changed is read again with ``GET /Invoice/{id}``. sevDesk has no chargebacks.
* ``invoiceDate`` is a calendar day sent as local midnight: the day is kept (noon Berlin time,
  as for imported dates) rather than moved to the previous day by the conversion to UTC.
* Contacts: every contact but suppliers (``depth=1``, changed ones by ``updateAfter``), plus the
  contact embedded in each invoice. The e-mail is the contact's EMAIL communication way (the
  main one first); the address is the contact's first address (the one sevDesk itself takes
  for ``takeDefaultAddress``). Communication ways and addresses have no documented update
  filter: both lists are read in full every run, and a contact whose e-mail or address changed
  is read again with ``GET /Contact/{id}`` (one that was only deleted is noticed when the
  contact itself changes, or on a full sync). sevDesk has no guest buyers: every invoice beyond a
  draft has a contact. A contact sevDesk no longer knows (deleted after invoicing) stays a bare
  id, so the invoice keeps its customer.
* Positions: per changed invoice, or (first sync, or more than :data:`POSITION_SCAN_FROM`
  changed invoices) by reading all ``/InvoicePos`` once. Fractional quantities (hours) become
  one item; heading lines without quantity and amount are left out.
* Links back into the web app (``/#/fi/detail/type/<type>/id/<id>``, ``/#/crm/detail/id/<id>``)
  are not part of the API documentation; they are the addresses public integrations use.
* Rate: 5 requests per second (our choice; nothing is published). No payment id: an invoice
  carries none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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

logger = logging.getLogger("kundenwert.connectors")

TOOL = "sevDesk"
DEFAULT_BASE_URL = "https://my.sevdesk.de/api/v1"
PAGE_SIZE = 100  # the documentation's advice: 10–100 [D-INTRO]
RATE_LIMIT = 5.0  # requests per second (our choice; sevDesk publishes none)
CLOCK_MARGIN = timedelta(minutes=5)
OVERLAP = timedelta(seconds=1)  # only without a Date header
POSITION_SCAN_FROM = 50
LOCAL_ZONE = ZoneInfo("Europe/Berlin")
DATE_ONLY_TIME = time(12, 0)  # as kundenwert.import_formats: the day stays the day
SALE_TYPES = frozenset({"RE", "AR", "TR", "ER"})
CANCELLATION = "SR"
NOT_ISSUED = frozenset({"50", "100"})
PAID, PARTIALLY_PAID = "1000", "750"
SUPPLIER = "2"
UNDERACHIEVEMENT = "UNDERACHIEVEMENT"
LISTS = ("contacts", "emails", "addresses", "invoices", "cancellations", "credit_notes")
HINTS = Hints(
    auth="API-Token in Datenquellen prüfen (sevDesk → Einstellungen → Benutzer → API-Token)",
    forbidden="der sevDesk-Benutzer des API-Tokens braucht Zugriff auf Rechnungen und Kontakte",
    not_found="Basis-URL in Datenquellen prüfen (https://my.sevdesk.de/api/v1)",
)


@dataclass(frozen=True)
class SevDeskCredentials:
    api_token: SecretStr


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _ref(value: Any) -> str | None:
    """The id of a reference ``{"id", "objectName"}``, an embedded object, or a bare id."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip() or None


def _id_key(value: Any) -> tuple[int, str]:
    text = str(value)
    return (int(text), text) if text.isdigit() else (1 << 62, text)


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true")


def decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidResponseError(f"{TOOL}: Betrag „{value}“ ist keine Zahl") from None


def cents(value: Any) -> int:
    amount = decimal(value)
    return to_cents(amount) if amount is not None else 0


def parse_moment(value: Any) -> datetime | None:
    """``2024-04-08T00:00:00+02:00`` (or Unix seconds, or ``dd.mm.yyyy``) as aware UTC."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    if len(text) == 10 and text[2] == "." and text[5] == ".":
        text = f"{text[6:]}-{text[3:5]}-{text[:2]}"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=LOCAL_ZONE).astimezone(UTC) if moment.tzinfo is None else moment


def parse_day(value: Any) -> datetime | None:
    """A document date: its calendar day (in its own offset) at noon Berlin time, in UTC."""
    if value is None or isinstance(value, bool) or not str(value).strip():
        return None
    text = str(value).strip()
    if text.isdigit():
        day: date = datetime.fromtimestamp(int(text), LOCAL_ZONE).date()
    elif len(text) == 10 and text[2] == ".":
        day = date(int(text[6:]), int(text[3:5]), int(text[:2]))
    else:
        day = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    return datetime.combine(day, DATE_ONLY_TIME, LOCAL_ZONE).astimezone(UTC)


def document_sums(document: Mapping[str, Any]) -> tuple[int, int]:
    """(gross, tax) in cents of the document's ``currency`` (see the module docstring)."""
    foreign = cents(document.get("sumGrossForeignCurrency"))
    if foreign:
        return foreign, cents(document.get("sumTaxForeignCurrency"))
    return cents(document.get("sumGross")), cents(document.get("sumTax"))


@dataclass
class Page:
    items: list[dict[str, Any]]
    offset: int
    total: int | None
    server_time: datetime | None


@dataclass
class Watermark:
    """The cursor anchor of one list: newest ``update`` seen, capped by the server clock."""

    previous: int | None = None
    started: datetime | None = None
    newest: datetime | None = None

    def see_page(self, page: Page) -> None:
        if self.started is None:
            self.started = page.server_time

    def see(self, item: Mapping[str, Any]) -> bool:
        """Note ``item``'s ``update``; True when it changed after the previous anchor."""
        try:
            moment = parse_moment(item.get("update")) or parse_moment(item.get("create"))
        except ValueError:
            moment = None
        if moment is None:
            return True
        if self.newest is None or moment > self.newest:
            self.newest = moment
        return self.previous is None or moment.timestamp() > self.previous

    def anchor(self) -> int | None:
        if self.newest is None:
            return self.previous
        if self.started is None:
            value = self.newest - OVERLAP
        else:
            value = min(self.newest, self.started - CLOCK_MARGIN)
        stamp = int(value.timestamp())
        return stamp if self.previous is None else max(stamp, self.previous)


def load_cursor(cursor: str | None) -> dict[str, Watermark]:
    """One watermark per list; an unreadable cursor (or list) starts that list from scratch."""
    try:
        loaded = json.loads(cursor) if cursor else {}
    except ValueError:
        loaded = {}
    anchors = loaded if isinstance(loaded, dict) else {}
    return {
        name: Watermark(previous=anchors[name] if isinstance(anchors.get(name), int) else None)
        for name in LISTS
    }


def dump_cursor(marks: Mapping[str, Watermark]) -> str:
    return json.dumps({name: marks[name].anchor() for name in LISTS}, sort_keys=True)


class SevDeskClient:
    """One sevDesk account; every request goes through :class:`HttpClient`."""

    def __init__(
        self, base_url: str, credentials: SevDeskCredentials, options: HttpOptions | None = None
    ):
        self.base_url = normalise_base_url(base_url)
        parts = urlsplit(self.base_url)
        self.app_url = f"{parts.scheme}://{parts.netloc}"
        token = credentials.api_token.get_secret_value().strip()
        self.http = HttpClient(
            TOOL,
            self.base_url,
            headers={"Authorization": token},
            options=options,
            rate_limit=RATE_LIMIT,
            hints=HINTS,
            secrets=(token,),
        )

    def __repr__(self) -> str:
        return f"SevDeskClient({self.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: Mapping[str, Any]) -> Page:
        body, response = self.http.get_json(path, params)
        objects = body.get("objects") if isinstance(body, dict) else None
        if isinstance(objects, dict):  # a single object, as some clients expect it
            objects = [objects]
        if not isinstance(objects, list):
            raise InvalidResponseError(f"{TOOL}: {path} liefert keine Liste: {HINTS.not_found}")
        total = body.get("total")
        try:
            server_time = parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError):
            server_time = None
        return Page(
            items=[item for item in objects if isinstance(item, dict)],
            offset=int(params.get("offset") or 0),
            total=int(total) if str(total or "").strip().isdigit() else None,
            server_time=server_time,
        )

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        """Every page of a list: ``limit``/``offset``, ``countAll`` on the first request."""
        offset, previous, total = 0, None, None
        while True:
            query = {**params, "limit": PAGE_SIZE, "offset": offset}
            if offset == 0:
                query["countAll"] = "true"
            page = self.get(path, query)
            total = page.total = page.total if page.total is not None else total
            ids = [item.get("id") for item in page.items]
            if previous is not None and ids and ids == previous:
                raise InvalidResponseError(
                    f"{TOOL}: {path} liefert ab Eintrag {offset} dieselben Einträge noch einmal"
                )
            previous = ids
            yield page
            offset += len(page.items)
            if len(page.items) < PAGE_SIZE or (page.total is not None and offset >= page.total):
                return

    def optional_pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        """:meth:`pages` of a list the invoices can do without: none if the path is unknown."""
        try:
            yield from self.pages(path, params)
        except NotFoundError:
            logger.warning("%s: %s unbekannt (404), wird ausgelassen", TOOL, path)

    def one(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """A single object, or None if sevDesk no longer knows it (400 or 404 [D-INTRO])."""
        try:
            items = self.get(path, params or {}).items
        except NotFoundError:
            return None
        except RequestRejectedError as error:
            if error.status == 400:
                return None
            raise
        return items[0] if items else None


@dataclass
class Reversal:
    """A cancellation invoice or credit note, as a refund of the invoice it refers to."""

    refund: RefundRecord
    invoice_id: str
    changed: bool


@dataclass
class Lookups:
    emails: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    changed_contacts: set[str] = field(default_factory=set)
    reversals: dict[str, list[Reversal]] = field(default_factory=dict)


def is_contact(value: Any) -> bool:
    """An embedded contact, not a bare reference ``{"id", "objectName"}``."""
    return isinstance(value, Mapping) and bool(set(value) - {"id", "objectName"})


def reversal_target(document: Mapping[str, Any]) -> str | None:
    for key in ("refSrcInvoice", "origin"):
        value = document.get(key)
        if isinstance(value, Mapping) and value.get("objectName") not in (None, "Invoice"):
            continue
        if _ref(value):
            return _ref(value)
    return None


def item_record(position: Mapping[str, Any], foreign: bool) -> ItemRecord | None:
    """A position as an item; the amount as in the module docstring (gross, in the currency)."""
    raw = position.get("quantity")
    # the model types quantity as boolean (example: true); sevDesk sends numbers as strings
    quantity = Decimal(int(raw)) if isinstance(raw, bool) else decimal(raw) or Decimal(0)
    keys = ("sumGrossForeignCurrency",) if foreign else ("sumGross", "sumGrossAccounting")
    amount = next((cents(position.get(k)) for k in keys if cents(position.get(k))), 0)
    if not amount:
        amount = to_cents((decimal(position.get("priceGross")) or Decimal(0)) * quantity)
    if not quantity and not amount:
        return None  # a heading or text line
    whole = quantity > 0 and quantity == quantity.to_integral_value()
    return ItemRecord(
        product_name=_text(position.get("name")) or _text(position.get("text")) or "",
        amount_cents=amount,
        quantity=int(quantity) if whole else 1,
        product_id=_ref(position.get("part")),
    )


class SevDeskConnector:
    """Turns the account's lists into batches for :mod:`kundenwert.sync` (see module docstring)."""

    def __init__(self, client: SevDeskClient):
        self.client = client
        self._contacts: dict[str, ContactRecord | None] = {}
        self._positions: dict[str, list[dict[str, Any]]] | None = None

    def __repr__(self) -> str:
        return f"SevDeskConnector({self.client.base_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        marks = load_cursor(cursor)
        self._contacts, self._positions = {}, None
        lookups = Lookups()
        self._read_emails(lookups, marks["emails"])
        self._read_addresses(lookups, marks["addresses"])
        yield Batch(note="E-Mail-Adressen und Anschriften gelesen")
        self._read_reversals(lookups, marks)
        yield Batch(note="Stornorechnungen und Gutschriften gelesen")
        yield from self._contact_batches(lookups, marks["contacts"])
        yield from self._invoice_batches(lookups, marks)

    # -- lookups --

    def _read_emails(self, lookups: Lookups, mark: Watermark) -> None:
        best: dict[str, tuple[tuple[bool, tuple[int, str]], str]] = {}
        for page in self.client.optional_pages("CommunicationWay", {"type": "EMAIL"}):
            mark.see_page(page)
            for way in page.items:
                contact, value = _ref(way.get("contact")), _text(way.get("value"))
                changed = mark.see(way)
                if contact is None or value is None or "@" not in value:
                    continue
                if way.get("type", "EMAIL") != "EMAIL":  # should the filter be ignored
                    continue
                if changed:
                    lookups.changed_contacts.add(contact)
                rank = (not _flag(way.get("main")), _id_key(way.get("id")))
                if contact not in best or rank < best[contact][0]:
                    best[contact] = (rank, value)
        lookups.emails = {contact: value for contact, (_rank, value) in best.items()}

    def _read_addresses(self, lookups: Lookups, mark: Watermark) -> None:
        first: dict[str, dict[str, Any]] = {}
        for page in self.client.optional_pages("ContactAddress", {"embed": "country"}):
            mark.see_page(page)
            for address in page.items:
                contact = _ref(address.get("contact"))
                if contact is None:
                    continue
                if mark.see(address):
                    lookups.changed_contacts.add(contact)
                current = first.get(contact)
                if current is None or _id_key(address.get("id")) < _id_key(current.get("id")):
                    first[contact] = address
        lookups.addresses = first
        if any(not self._embedded_code(a.get("country")) for a in first.values()):
            lookups.countries = self._static_countries()

    @staticmethod
    def _embedded_code(country: Any) -> str | None:
        code = _text(country.get("code")) if isinstance(country, Mapping) else None
        return code.upper() if code and len(code) == 2 and code.isalpha() else None

    def _static_countries(self) -> dict[str, str]:
        return {
            str(country.get("id")): code
            for page in self.client.optional_pages("StaticCountry", {})
            for country in page.items
            if (code := self._embedded_code(country))
        }

    def _read_reversals(self, lookups: Lookups, marks: Mapping[str, Watermark]) -> None:
        mark = marks["cancellations"]
        for page in self.client.pages("Invoice", {"invoiceType": CANCELLATION}):
            mark.see_page(page)
            for invoice in page.items:
                if invoice.get("invoiceType", CANCELLATION) == CANCELLATION:
                    self._checked(self._add_reversal, invoice, "Invoice", mark, lookups)
        mark = marks["credit_notes"]
        for page in self.client.optional_pages("CreditNote", {}):
            mark.see_page(page)
            for note in page.items:
                if _text(note.get("bookingCategory")) in (None, UNDERACHIEVEMENT):
                    self._checked(self._add_reversal, note, "CreditNote", mark, lookups)
                else:
                    mark.see(note)  # a commission or royalty, no refund

    @staticmethod
    def _add_reversal(
        document: Mapping[str, Any], kind: str, mark: Watermark, lookups: Lookups
    ) -> None:
        changed = mark.see(document)
        invoice = reversal_target(document)
        day = document.get("invoiceDate" if kind == "Invoice" else "creditNoteDate")
        moment = parse_day(day) or parse_moment(document.get("create"))
        if invoice is None or moment is None or str(document.get("status")) in NOT_ISSUED:
            return
        refund = RefundRecord(f"{kind}/{document['id']}", moment, abs(document_sums(document)[0]))
        lookups.reversals.setdefault(invoice, []).append(Reversal(refund, invoice, changed))

    # -- contacts --

    def _contact_record(self, contact: Mapping[str, Any], lookups: Lookups) -> ContactRecord:
        contact_id = str(contact["id"])
        address = lookups.addresses.get(contact_id) or {}
        country = address.get("country")
        code = self._embedded_code(country) or lookups.countries.get(str(_ref(country)))
        record = ContactRecord(
            source_contact_id=contact_id,
            email=lookups.emails.get(contact_id),
            first_name=_text(contact.get("surename")),
            last_name=_text(contact.get("familyname")),
            company=_text(contact.get("name")),
            country=code,
            city=_text(address.get("city")),
            postcode=_text(address.get("zip")),
            created_at=parse_moment(contact.get("create")),
            url=f"{self.client.app_url}/#/crm/detail/id/{contact_id}",
        )
        self._contacts[contact_id] = record
        return record

    def _contact_batches(self, lookups: Lookups, mark: Watermark) -> Iterator[Batch]:
        params: dict[str, Any] = {"depth": 1}
        if mark.previous is not None:
            params["updateAfter"] = mark.previous
        seen: set[str] = set()
        for page in self.client.pages("Contact", params):
            mark.see_page(page)
            records = []
            for contact in page.items:
                mark.see(contact)
                seen.add(str(contact.get("id")))
                if _ref(contact.get("category")) != SUPPLIER:
                    records.append(self._checked(self._contact_record, contact, lookups))
            done = page.offset + len(page.items)
            yield Batch(contacts=records, note=f"Kontakte {done} von {page.total or done}")
        if mark.previous is None:
            return  # the list above was complete
        records = []
        for contact_id in sorted(lookups.changed_contacts - seen, key=_id_key):
            changed = self.client.one(f"Contact/{contact_id}")
            if changed is not None and _ref(changed.get("category")) != SUPPLIER:
                records.append(self._checked(self._contact_record, changed, lookups))
        if records:
            yield Batch(contacts=records, note=f"{len(records)} Kontakte mit neuer Anschrift")

    def _order_contact(self, invoice: Mapping[str, Any], lookups: Lookups) -> ContactRecord | None:
        embedded = invoice.get("contact")
        contact_id = _ref(embedded)
        if contact_id is None:
            return None
        if is_contact(embedded):
            assert isinstance(embedded, Mapping)
            return self._contact_record(embedded, lookups)
        if contact_id not in self._contacts:
            found = self.client.one(f"Contact/{contact_id}")
            record = self._contact_record(found, lookups) if found else None
            self._contacts[contact_id] = record or ContactRecord(contact_id)
        return self._contacts[contact_id]

    # -- invoices --

    def _invoice_batches(self, lookups: Lookups, marks: Mapping[str, Watermark]) -> Iterator[Batch]:
        mark = marks["invoices"]
        params: dict[str, Any] = {"showAll": "true", "embed": "contact"}
        if mark.previous is not None:
            params["updateAfter"] = mark.previous
        listed: set[str] = set()
        for page in self.client.pages("Invoice", params):
            mark.see_page(page)
            if page.offset == 0:
                scan = mark.previous is None or (page.total or 0) > POSITION_SCAN_FROM
                self._positions = {} if scan else None
                if scan:
                    self._scan_positions()
            for invoice in page.items:
                mark.see(invoice)
                listed.add(str(invoice.get("id")))
            batch = self._orders(page.items, lookups)
            done = page.offset + len(page.items)
            batch.done = min(0.99, done / page.total) if page.total else None
            batch.note = f"Rechnungen {done} von {page.total or done}"
            yield batch
        wanted = {r.invoice_id for rs in lookups.reversals.values() for r in rs if r.changed}
        originals = [
            self.client.one(f"Invoice/{invoice_id}", {"embed": "contact"})
            for invoice_id in sorted(wanted - listed, key=_id_key)
        ]
        batch = self._orders([invoice for invoice in originals if invoice], lookups)
        batch.cursor, batch.done, batch.note = dump_cursor(marks), 1.0, "Rechnungen fertig"
        yield batch

    def _orders(self, invoices: Iterable[dict[str, Any]], lookups: Lookups) -> Batch:
        sales = [
            invoice
            for invoice in invoices
            if invoice.get("invoiceType") in SALE_TYPES
            and str(invoice.get("status")) not in NOT_ISSUED
            and _ref(invoice.get("contact"))
        ]
        positions = self._positions_of([str(invoice["id"]) for invoice in sales])
        contacts: dict[str, ContactRecord] = {}
        orders = []
        for invoice in sales:
            contact = self._checked(self._order_contact, invoice, lookups)
            if contact is not None:
                contacts[contact.source_contact_id] = contact
            orders.append(self._checked(self._order, invoice, lookups, positions))
        return Batch(contacts=list(contacts.values()), orders=orders)

    def _order(
        self,
        invoice: Mapping[str, Any],
        lookups: Lookups,
        positions: Mapping[str, list[dict[str, Any]]],
    ) -> OrderRecord:
        invoice_id = str(invoice["id"])
        gross, tax = document_sums(invoice)
        foreign = bool(cents(invoice.get("sumGrossForeignCurrency")))
        status_code = str(invoice.get("status"))
        received = status_code in (PAID, PARTIALLY_PAID) or cents(invoice.get("paidAmount")) > 0
        refunds = sorted(
            (r.refund for r in lookups.reversals.get(invoice_id, [])),
            key=lambda r: (r.refunded_at, r.source_refund_id),
        )
        reversed_sum = sum(r.amount_cents for r in refunds)
        status = OrderStatus.PAID if status_code == PAID else OrderStatus.PENDING
        if reversed_sum and reversed_sum >= gross > 0:
            status = OrderStatus.REFUNDED if received else OrderStatus.CANCELLED
            refunds = refunds if received else []
        elif reversed_sum and status is OrderStatus.PAID:
            status = OrderStatus.PARTIALLY_REFUNDED
        ordered_at = parse_day(invoice.get("invoiceDate")) or parse_moment(invoice.get("create"))
        if ordered_at is None:
            raise ValueError("ohne invoiceDate")
        items = (item_record(p, foreign) for p in positions.get(invoice_id, []))
        return OrderRecord(
            source_order_id=invoice_id,
            source_contact_id=str(_ref(invoice.get("contact"))),
            ordered_at=ordered_at,
            gross_cents=gross,
            tax_cents=tax,
            currency=_text(invoice.get("currency")) or "EUR",
            status=status.value,
            kind=OrderKind.INVOICE.value,
            url=f"{self.client.app_url}/#/fi/detail/type/{invoice['invoiceType']}/id/{invoice_id}",
            items=[item for item in items if item is not None],
            refunds=refunds,
        )

    def _scan_positions(self) -> None:
        assert self._positions is not None
        for page in self.client.optional_pages("InvoicePos", {}):
            for position in page.items:
                invoice = _ref(position.get("invoice"))
                if invoice is not None:
                    self._positions.setdefault(invoice, []).append(position)

    def _positions_of(self, invoice_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        if self._positions is not None:
            return {i: self._positions.get(i, []) for i in invoice_ids}
        found: dict[str, list[dict[str, Any]]] = {}
        for invoice_id in invoice_ids:
            params = {"invoice[id]": invoice_id, "invoice[objectName]": "Invoice"}
            found[invoice_id] = [
                p
                for page in self.client.optional_pages("InvoicePos", params)
                for p in page.items
                if _ref(p.get("invoice")) in (None, invoice_id)
            ]
        return found

    @staticmethod
    def _checked(build: Any, document: Mapping[str, Any], *args: Any) -> Any:
        try:
            return build(document, *args)
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            raise InvalidResponseError(
                f"{TOOL}: {document.get('objectName') or 'Eintrag'} {document.get('id')} hat ein "
                f"unerwartetes Format ({error})"
            ) from None


def create(config: ConnectorConfig) -> SevDeskConnector:
    credentials = SevDeskCredentials(api_token=config.credentials["api_token"])
    return SevDeskConnector(SevDeskClient(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="sevdesk",
        title=TOOL,
        credential_fields={"token": "api_token"},
        credential_labels={"api_token": "API-Token"},
        create=create,
        default_base_url=DEFAULT_BASE_URL,
    )
)
