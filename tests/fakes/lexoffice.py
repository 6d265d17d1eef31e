"""A fake Lexware Office account speaking the Public API as documented (connectors/lexoffice.py).

Contacts, invoices and credit notes are kept as the JSON the API returns (property names, JSON
numbers for money, ``yyyy-MM-ddTHH:mm:ss.SSSXXX`` dates with the German offset, ``relatedVouchers``
on both sides of a credit note). Served under ``/v1``:

* ``GET /contacts`` (``customer``/``vendor`` filters, ``page``/``size`` up to 250, sorted by name)
  and ``GET /contacts/{id}``; errors in the legacy ``IssueList`` format;
* ``GET /voucherlist`` with the required ``voucherType`` and ``voucherStatus`` (lists or ``any``;
  ``overdue`` alone only, and shown for open/sepadebit vouchers past due), ``updatedDateFrom``/
  ``updatedDateTo`` and the other date filters (whole German days), ``sort`` (default
  ``voucherDate,DESC``), ``page``/``size`` (at most 250) and the 10,000-entry search window;
* ``GET /invoices/{id}`` and ``GET /credit-notes/{id}``; errors in the regular format.

Authentication is ``Authorization: Bearer <key>``; anything else gets 401
``{"message": "Unauthorized"}``. The 404 body of the contacts endpoint is not documented: the fake
sends the legacy envelope with the key ``not_found``. How Lexware stamps ``updatedDate`` of an
invoice when a credit note is related to it is not documented either: the fake stamps both.
Faults come from :class:`tests.fakes.server.FakeServer`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

API = "/v1"
MAX_SIZE = 250
WINDOW = 10_000
ORGANIZATION = "aa93e8a8-2aa3-470b-b914-caad8a255dd8"
SORTABLE = {"voucherDate", "voucherNumber", "createdDate", "updatedDate"}
STATUSES = {
    "draft",
    "open",
    "paid",
    "paidoff",
    "voided",
    "transferred",
    "sepadebit",
    "overdue",
    "accepted",
    "rejected",
    "unchecked",
}
DOCS_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "lexoffice"


def offset(local: datetime) -> str:
    """+01:00 or +02:00: summer time from the last Sunday of March 02:00 to that of October."""

    def last_sunday(month: int) -> datetime:
        day = date(local.year, month, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        return datetime(day.year, day.month, day.day, 2)

    return "+02:00" if last_sunday(3) <= local < last_sunday(10) else "+01:00"


def stamp(local: str) -> str:
    """``2025-01-05T10:00:00`` (German wall clock) → ``2025-01-05T10:00:00.000+01:00``."""
    moment = datetime.fromisoformat(local if "T" in local else f"{local}T00:00:00")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000") + offset(moment)


def num(value: Decimal) -> int | float:
    """A JSON number as the documentation prints them: ``5``, ``13.4``, ``29.85``."""
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def regular_error(status: int, error: str, path: str, message: str) -> FakeResponse:
    return FakeResponse.json(
        {
            "timestamp": "2025-03-01T12:00:00.000+01:00",
            "status": status,
            "error": error,
            "path": path,
            "traceId": "90d78d0777be",
            "message": message,
        },
        status,
    )


def legacy_error(status: int, key: str, source: str | None = None) -> FakeResponse:
    issue = {"i18nKey": key, "source": source, "type": key, "additionalData": None, "args": None}
    return FakeResponse.json({"IssueList": [issue]}, status)


def unauthorized() -> FakeResponse:
    return FakeResponse.json({"message": "Unauthorized"}, 401)


def address(
    name: str, *, city: str = "Berlin", zip_code: str = "10115", country: str = "DE"
) -> dict[str, Any]:
    """A one-time address of a voucher (no contactId)."""
    return {
        "name": name,
        "street": "Hauptstraße 1",
        "city": city,
        "zip": zip_code,
        "countryCode": country,
    }


class FakeLexoffice(FakeApi):
    def __init__(self, api_key: str = "lx-fake-api-key-123"):
        self.api_key = api_key
        self.contacts: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.credit_notes: dict[str, dict[str, Any]] = {}
        self.open_amounts: dict[str, Decimal] = {}
        # the voucherlist's status where the invoice itself documents only draft/open/paid/voided
        self.list_status: dict[str, str] = {}
        self.today = "2025-03-01"  # for the transient status overdue
        self.broken_paging = False  # True: a proxy that ignores ?page
        self.server = FakeServer(self.handle)
        self._ids = 0
        self._numbers = {"invoice": 1000, "creditnote": 0}

    def _id(self) -> str:
        self._ids += 1
        return f"{self._ids:08x}-7c2e-4f1a-9b3d-{self._ids:012x}"

    # -- data --

    def add_contact(
        self,
        first_name: str | None,
        last_name: str | None,
        *,
        email: str | None = None,
        email_kind: str = "private",
        company: str | None = None,
        city: str | None = "Berlin",
        zip_code: str = "10115",
        country: str = "DE",
        roles: tuple[str, ...] = ("customer",),
    ) -> dict[str, Any]:
        contact_id = self._id()
        number = 10000 + self._ids
        contact: dict[str, Any] = {
            "id": contact_id,
            "organizationId": ORGANIZATION,
            "version": 0,
            "roles": {role: {"number": number} for role in roles},
            "archived": False,
        }
        if company:
            person = {"salutation": "", "firstName": first_name, "lastName": last_name}
            contact["company"] = {
                "name": company,
                "allowTaxFreeInvoices": False,
                "contactPersons": [
                    {**person, "primary": True, "emailAddress": email, "phoneNumber": None}
                ],
            }
        else:
            contact["person"] = {"salutation": "", "firstName": first_name, "lastName": last_name}
        if city:
            place = {"street": "Hauptstraße 1", "zip": zip_code, "city": city}
            contact["addresses"] = {"billing": [{**place, "countryCode": country}]}
        if email and not company:
            contact["emailAddresses"] = {email_kind: [email]}
        contact["note"] = ""
        self.contacts[contact_id] = contact
        return contact

    def _recipient(
        self, contact: dict[str, Any] | None, one_time: dict[str, Any] | None
    ) -> dict[str, Any]:
        if one_time is not None:
            return dict(one_time)
        assert contact is not None, "a voucher needs a contact or a one-time address"
        person = contact.get("person") or {}
        name = (contact.get("company") or {}).get("name") or (
            f"{person.get('firstName')} {person.get('lastName')}"
        )
        billing = ((contact.get("addresses") or {}).get("billing") or [{}])[0]
        return {"contactId": contact["id"], "name": name, **billing}

    @staticmethod
    def _lines(
        items: list[tuple[str, str | int | float, str, int]], tax_type: str
    ) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
        """Line items, totalPrice and taxAmounts as Lexware computes them: tax per rate."""
        lines, by_rate = [], {}
        for name, quantity_text, unit_text, rate in items:
            quantity, unit = Decimal(str(quantity_text)), Decimal(unit_text)
            factor = 1 + Decimal(rate) / 100
            amount = money(quantity * unit)
            if tax_type == "gross":
                net_unit, gross_unit = money(unit / factor, "0.0001"), unit
            else:
                net_unit, gross_unit = unit, money(unit * factor, "0.0001")
            lines.append(
                {
                    "id": None,
                    "type": "custom",
                    "name": name,
                    "quantity": num(quantity),
                    "unitName": "Stück",
                    "unitPrice": {
                        "currency": "EUR",
                        "netAmount": num(net_unit),
                        "grossAmount": num(gross_unit),
                        "taxRatePercentage": rate,
                    },
                    "discountPercentage": 0,
                    "lineItemAmount": num(amount),
                }
            )
            by_rate[rate] = by_rate.get(rate, Decimal(0)) + amount
        taxes = []
        for rate, amount in sorted(by_rate.items()):
            if tax_type == "gross":
                net = money(amount / (1 + Decimal(rate) / 100))
                tax = amount - net
            else:
                net, tax = amount, money(amount * rate / 100)
            taxes.append({"taxRatePercentage": rate, "taxAmount": tax, "netAmount": net})
        net_total = sum((t["netAmount"] for t in taxes), Decimal(0))
        tax_total = sum((t["taxAmount"] for t in taxes), Decimal(0))
        total = {
            "currency": "EUR",
            "totalNetAmount": num(net_total),
            "totalGrossAmount": num(net_total + tax_total),
            "totalTaxAmount": num(tax_total),
        }
        for t in taxes:
            t["taxAmount"], t["netAmount"] = num(t["taxAmount"]), num(t["netAmount"])
        return lines, total, taxes

    def add_invoice(
        self,
        *,
        contact: dict[str, Any] | None = None,
        one_time: dict[str, Any] | None = None,
        items: list[tuple[str, str | int | float, str, int]],
        day: str,
        status: str = "paid",
        tax_type: str = "net",
        updated: str | None = None,
        due_days: int = 14,
    ) -> dict[str, Any]:
        """An invoice as GET /invoices/{id} returns it; ``day`` is its voucher date."""
        lines, total, taxes = self._lines(items, tax_type)
        self._numbers["invoice"] += 1
        created = stamp(f"{day}T10:00:00")
        invoice_id = self._id()
        if status in ("transferred", "sepadebit"):
            self.list_status[invoice_id], status = status, "open"
        invoice = {
            "id": invoice_id,
            "organizationId": ORGANIZATION,
            "createdDate": created,
            "updatedDate": stamp(updated) if updated else created,
            "version": 1,
            "language": "de",
            "archived": False,
            "voucherStatus": status,
            "voucherNumber": f"RE{self._numbers['invoice']}",
            "voucherDate": stamp(day),
            "dueDate": stamp(str(date.fromisoformat(day) + timedelta(days=due_days))),
            "address": self._recipient(contact, one_time),
            "xRechnung": None,
            "electronicDocumentProfile": "NONE",
            "lineItems": lines,
            "totalPrice": total,
            "taxAmounts": taxes,
            "taxConditions": {"taxType": tax_type, "taxTypeNote": None},
            "paymentConditions": {"paymentTermLabel": "Zahlbar sofort", "paymentTermDuration": 0},
            "shippingConditions": {"shippingDate": stamp(day), "shippingType": "service"},
            "closingInvoice": False,
            "claimedGrossAmount": None,
            "downPaymentDeductions": None,
            "recurringTemplateId": None,
            "relatedVouchers": [],
            "title": "Rechnung",
            "introduction": "Ihre bestellten Positionen stellen wir Ihnen hiermit in Rechnung",
            "remark": "Vielen Dank für Ihren Einkauf",
        }
        gross = Decimal(str(total["totalGrossAmount"]))
        self.open_amounts[invoice_id] = gross if status == "open" else Decimal(0)
        self.invoices[invoice_id] = invoice
        return invoice

    def add_credit_note(
        self,
        *,
        items: list[tuple[str, str | int | float, str, int]],
        day: str,
        invoice: dict[str, Any] | None = None,
        contact: dict[str, Any] | None = None,
        status: str | None = None,
        tax_type: str = "net",
        at: str | None = None,
    ) -> dict[str, Any]:
        """A credit note; pursued from ``invoice`` it is paidoff at once and settles (part of)
        the invoice's open amount; on its own it stays open [D-CREDIT]."""
        lines, total, taxes = self._lines(items, tax_type)
        self._numbers["creditnote"] += 1
        created = stamp(at or f"{day}T11:00:00")
        note_id = self._id()
        recipient = dict(invoice["address"]) if invoice else self._recipient(contact, None)
        note = {
            "id": note_id,
            "organizationId": ORGANIZATION,
            "createdDate": created,
            "updatedDate": created,
            "version": 1,
            "language": "de",
            "archived": False,
            "voucherStatus": status or ("paidoff" if invoice else "open"),
            "voucherNumber": f"GS{self._numbers['creditnote']:04d}",
            "voucherDate": stamp(day),
            "address": recipient,
            "electronicDocumentProfile": "NONE",
            "lineItems": lines,
            "totalPrice": total,
            "taxAmounts": taxes,
            "taxConditions": {"taxType": tax_type},
            "relatedVouchers": [],
            "title": "Rechnungskorrektur",
            "introduction": "Rechnungskorrektur",
            "remark": "Folgende Lieferungen/Leistungen schreiben wir Ihnen gut.",
        }
        self.credit_notes[note_id] = note
        gross = Decimal(str(total["totalGrossAmount"]))
        self.open_amounts[note_id] = gross if note["voucherStatus"] == "open" else Decimal(0)
        if invoice is not None:
            link = {"id": note_id, "voucherNumber": note["voucherNumber"]}
            invoice["relatedVouchers"].append({**link, "voucherType": "creditnote"})
            back = {"id": invoice["id"], "voucherNumber": invoice["voucherNumber"]}
            note["relatedVouchers"].append({**back, "voucherType": "invoice"})
            remaining = max(Decimal(0), self.open_amounts[invoice["id"]] - gross)
            self.open_amounts[invoice["id"]] = remaining
            settled = invoice["voucherStatus"] == "open" and not remaining
            changes = {"voucherStatus": "paid"} if settled else {}
            self.modify(invoice, at or f"{day}T11:00:00", **changes)
        return note

    def modify(self, voucher: dict[str, Any], at: str, **changes: Any) -> None:
        voucher.update(changes)
        voucher["updatedDate"] = stamp(at)
        voucher["version"] = int(voucher.get("version") or 0) + 1
        if "voucherStatus" in changes:
            self.list_status.pop(voucher["id"], None)
        if changes.get("voucherStatus") in ("paid", "paidoff", "voided"):
            self.open_amounts[voucher["id"]] = Decimal(0)

    # -- HTTP --

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return unauthorized()
        path = request.path.rstrip("/")
        if path == f"{API}/contacts":
            return self._list_contacts(request)
        if path == f"{API}/voucherlist":
            return self._voucherlist(request)
        match = re.fullmatch(rf"{API}/(contacts|invoices|credit-notes)/([\w-]+)", path)
        if match:
            kind, key = match.groups()
            store = {"contacts": self.contacts, "invoices": self.invoices}.get(
                kind, self.credit_notes
            )
            if key in store:
                return FakeResponse.json(store[key])
            if kind == "contacts":
                return legacy_error(404, "not_found", "id")
            return regular_error(404, "Not Found", path, "Resource not found.")
        return regular_error(404, "Not Found", path, "No static resource found.")

    def _paging(self, request: FakeRequest) -> tuple[int, int] | None:
        try:
            page = int(request.param("page", "0") or "0")
            size = int(request.param("size", "25") or "25")
        except ValueError:
            return None
        if page < 0 or not 1 <= size <= MAX_SIZE:
            return None
        return page, size

    def _page(
        self, items: list[dict[str, Any]], page: int, size: int, sort: list[dict[str, Any]]
    ) -> FakeResponse:
        total = min(len(items), WINDOW)
        chunk = items[:size] if self.broken_paging else items[page * size : (page + 1) * size]
        pages = math.ceil(total / size)
        return FakeResponse.json(
            {
                "content": chunk,
                "first": page == 0,
                "last": page >= pages - 1,
                "totalPages": pages,
                "totalElements": total,
                "numberOfElements": len(chunk),
                "size": size,
                "number": page,
                "sort": sort,
            }
        )

    def _list_contacts(self, request: FakeRequest) -> FakeResponse:
        paging = self._paging(request)
        if paging is None:
            return legacy_error(400, "bad_request_error", f"size must be between 1 and {MAX_SIZE}")
        if paging[0] * paging[1] >= WINDOW:
            return legacy_error(400, "bad_request_error", "Maximum search window size exceeded")
        contacts = list(self.contacts.values())
        for role in ("customer", "vendor"):
            wanted = request.param(role)
            if wanted is not None:
                flag = wanted.lower() == "true"
                contacts = [c for c in contacts if (role in c["roles"]) == flag]

        def name(contact: dict[str, Any]) -> str:
            person = contact.get("person") or {}
            company = (contact.get("company") or {}).get("name")
            return (company or f"{person.get('lastName')} {person.get('firstName')}").casefold()

        contacts.sort(key=lambda c: (name(c), c["id"]))
        sort = [
            {
                "direction": "ASC",
                "property": "name",
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": True,
            }
        ]
        return self._page(contacts, *paging, sort)

    def entry(self, voucher: dict[str, Any]) -> dict[str, Any]:
        """A voucher's voucherlist entry."""
        is_invoice = voucher["id"] in self.invoices
        status = self.listed_status(voucher)
        if is_invoice and status in ("open", "sepadebit") and self._overdue(voucher):
            status = "overdue"
        recipient = voucher.get("address") or {}
        contact = self.contacts.get(recipient.get("contactId") or "")
        name = recipient.get("name")
        if contact and contact.get("person"):
            name = f"{contact['person']['lastName']}, {contact['person']['firstName']}"
        return {
            "id": voucher["id"],
            "voucherType": "invoice" if is_invoice else "creditnote",
            "voucherStatus": status,
            "voucherNumber": voucher["voucherNumber"],
            "voucherDate": voucher["voucherDate"],
            "createdDate": voucher["createdDate"],
            "updatedDate": voucher["updatedDate"],
            "dueDate": voucher.get("dueDate"),
            "contactId": recipient.get("contactId"),
            "contactName": name,
            "totalAmount": voucher["totalPrice"]["totalGrossAmount"],
            "openAmount": num(self.open_amounts.get(voucher["id"], Decimal(0))),
            "currency": voucher["totalPrice"]["currency"],
            "archived": voucher["archived"],
        }

    def listed_status(self, voucher: dict[str, Any]) -> str:
        return self.list_status.get(voucher["id"], voucher["voucherStatus"])

    def _overdue(self, voucher: dict[str, Any]) -> bool:
        due = voucher.get("dueDate")
        return bool(due) and due[:10] < self.today

    def _voucherlist(self, request: FakeRequest) -> FakeResponse:
        path = request.path
        types = request.param("voucherType")
        statuses = request.param("voucherStatus")
        if not types or not statuses:
            missing = "voucherType" if not types else "voucherStatus"
            return regular_error(
                400, "Bad Request", path, f"Required parameter '{missing}' is not present."
            )
        wanted_status = set(statuses.split(","))
        if not wanted_status <= STATUSES | {"any"} or (
            "overdue" in wanted_status and len(wanted_status) > 1
        ):
            return regular_error(400, "Bad Request", path, "Invalid voucherStatus.")
        paging = self._paging(request)
        if paging is None:
            return regular_error(400, "Bad Request", path, "Invalid paging parameters.")
        page, size = paging
        if page * size >= WINDOW:  # the documented 10,000 entries (the status is a guess)
            return regular_error(400, "Bad Request", path, "Maximum search window size exceeded")
        wanted_type = set(types.split(","))
        vouchers = [
            v
            for v in [*self.invoices.values(), *self.credit_notes.values()]
            if "any" in wanted_type or self.entry(v)["voucherType"] in wanted_type
        ]
        if "overdue" in wanted_status:
            vouchers = [
                v
                for v in vouchers
                if self.listed_status(v) in ("open", "sepadebit") and self._overdue(v)
            ]
        elif "any" not in wanted_status:
            vouchers = [v for v in vouchers if self.listed_status(v) in wanted_status]
        for name, key, later in (
            ("voucherDateFrom", "voucherDate", True),
            ("voucherDateTo", "voucherDate", False),
            ("createdDateFrom", "createdDate", True),
            ("createdDateTo", "createdDate", False),
            ("updatedDateFrom", "updatedDate", True),
            ("updatedDateTo", "updatedDate", False),
        ):
            value = request.param(name)
            if value:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    return regular_error(400, "Bad Request", path, f"Invalid {name}.")
                # whole German days: the stamps carry the German offset, so the date part is it
                vouchers = [
                    v for v in vouchers if (v[key][:10] >= value if later else v[key][:10] <= value)
                ]
        sort_text = request.param("sort") or "voucherDate,DESC"
        prop, _, direction = sort_text.partition(",")
        direction = (direction or "ASC").upper()
        if prop not in SORTABLE or direction not in ("ASC", "DESC"):
            return regular_error(400, "Bad Request", path, f"Invalid sort: {sort_text}")

        def when(voucher: dict[str, Any]) -> Any:
            value = voucher[prop]
            return datetime.fromisoformat(value) if prop != "voucherNumber" else value

        vouchers.sort(key=lambda v: (when(v), v["id"]), reverse=direction == "DESC")
        sort = [
            {
                "property": prop.lower(),
                "direction": direction,
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": direction == "ASC",
            }
        ]
        return self._page([self.entry(v) for v in vouchers], page, size, sort)


def load_docs_examples(account: FakeLexoffice) -> dict[str, dict[str, Any]]:
    """The documentation's samples, unchanged: contacts page, company contact, invoice, credit
    note (both drafts there). Returns them by file name; the caller finalizes what it needs."""
    samples = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in DOCS_EXAMPLES.glob("*.json")
    }
    for contact in [*samples["contacts_page"]["content"], samples["contact_company"]]:
        account.contacts[contact["id"]] = contact
    return samples


@dataclass
class SampleBusiness:
    """Who is who in :func:`sample_business` (API objects)."""

    contacts: dict[str, dict[str, Any]]
    invoices: dict[str, dict[str, Any]]
    credit_notes: dict[str, dict[str, Any]]


def sample_business(account: FakeLexoffice) -> SampleBusiness:
    """A small German business: umlauts, one-time addresses, refunds, every status, gaps.

    Eleven listed invoices and four credit notes; several vouchers change on the same day, so a
    page boundary falls inside a day when pages hold three vouchers.
    """
    c = {
        "juergen": account.add_contact(
            "Jürgen",
            "Müller-Lüdenscheidt",
            email="juergen@example.de",
            email_kind="business",
            city="Köln",
            zip_code="50667",
        ),
        "firma": account.add_contact(
            "Änne",
            "Schäfer",
            email="aenne@mueller-soehne.de",
            company="Müller & Söhne GmbH",
            city="München",
            zip_code="80331",
        ),
        "zoe": account.add_contact(
            "Zoë", "Weiß", email="zoe.weiss@example.at", city="Wien", zip_code="1010", country="AT"
        ),
        "anders": account.add_contact(
            "Ånders",
            "Ørsted",
            email="anders@example.dk",
            city="København",
            zip_code="1050",
            country="DK",
        ),
        "ida": account.add_contact(
            "Ida", "Ödegaard", email="ida@example.org", email_kind="other", city=None
        ),
        "lutz": account.add_contact(
            "Lutz",
            "Lieferant",
            email="lutz@example.de",
            roles=("vendor",),
            city="Hamburg",
            zip_code="20095",
        ),
    }
    gone = account.add_contact(
        "Gerd", "Gelöscht", email="gerd@example.de", city="Bonn", zip_code="53111"
    )
    del account.contacts[gone["id"]]  # deleted after invoicing: its id answers 404
    soeren = address("Sören Krüger", city="Zürich", zip_code="8001", country="CH")
    i = {
        "zoe_course": account.add_invoice(
            contact=c["zoe"],
            day="2025-01-05",
            items=[("Online-Kurs „Grundlagen“", 1, "100.00", 19)],
        ),
        "soeren_workshop": account.add_invoice(
            one_time=soeren,
            day="2025-01-06",
            tax_type="thirdPartyCountryService",
            items=[("Workshop Zürich", 2, "100.00", 0)],
        ),
        "juergen_partial": account.add_invoice(
            contact=c["juergen"],
            day="2025-01-08",
            tax_type="gross",
            items=[("Coaching", 1, "100.00", 19)],
        ),
        "soeren_again": account.add_invoice(
            one_time=address(" Sören  Krüger ", city="Zürich", zip_code="8001", country="CH"),
            day="2025-01-10",
            tax_type="thirdPartyCountryService",
            items=[("E-Book", 1, "19.90", 0)],
        ),
        "zoe_refunded": account.add_invoice(
            contact=c["zoe"],
            day="2025-01-12",
            status="open",
            items=[("Mitgliedschaft", 1, "42.02", 19)],
        ),
        "firma_open": account.add_invoice(
            contact=c["firma"],
            day="2025-01-20",
            status="open",
            due_days=60,
            items=[("Beratung (Stunden)", "1.5", "80.00", 19), ("Reisekosten", 1, "20.00", 19)],
        ),
        "firma_overdue": account.add_invoice(
            contact=c["firma"],
            day="2025-01-02",
            status="open",
            updated="2025-01-20T10:00:00",
            items=[("Workshop", 1, "500.00", 19)],
        ),
        "ida_sepa": account.add_invoice(
            contact=c["ida"],
            day="2025-01-21",
            status="sepadebit",
            due_days=60,
            items=[("Kurs", 1, "50.00", 7)],
        ),
        "voided": account.add_invoice(
            contact=c["juergen"],
            day="2025-01-22",
            status="voided",
            items=[("Kurs", 1, "50.00", 19)],
        ),
        "draft": account.add_invoice(
            contact=c["zoe"], day="2025-01-25", status="draft", items=[("Entwurf", 1, "10.00", 19)]
        ),
        "vendor_contact": account.add_invoice(
            contact=c["lutz"], day="2025-01-26", items=[("Gutachten", 1, "300.00", 19)]
        ),
        "deleted_contact": account.add_invoice(
            contact=gone, day="2025-01-27", items=[("Seminar", 1, "80.00", 19)]
        ),
    }
    n = {
        "juergen_partial": account.add_credit_note(
            invoice=i["juergen_partial"],
            day="2025-02-01",
            tax_type="gross",
            items=[("Kulanz", 1, "30.00", 19)],
            at="2025-02-01T09:30:00",
        ),
        "zoe_refunded": account.add_credit_note(
            invoice=i["zoe_refunded"],
            day="2025-02-03",
            items=[("Widerruf", 1, "42.02", 19)],
            at="2025-02-03T14:00:00",
        ),
        "zoe_voided": account.add_credit_note(
            invoice=i["zoe_course"],
            day="2025-02-03",
            items=[("Irrtum", 1, "10.00", 19)],
            at="2025-02-03T15:00:00",
        ),
        "standalone": account.add_credit_note(
            contact=c["juergen"],
            day="2025-02-03",
            items=[("Gutschrift", 1, "5.00", 19)],
            at="2025-02-03T16:00:00",
        ),
    }
    account.modify(n["zoe_voided"], "2025-02-03T17:00:00", voucherStatus="voided")
    return SampleBusiness(contacts={**c, "gone": gone}, invoices=i, credit_notes=n)
