"""A fake sevDesk account speaking the API v1 as documented (see connectors/sevdesk.py).

Objects are kept as the JSON the documented response models describe (``Model_ContactResponse``,
``Model_CommunicationWayResponse``, ``Model_ContactAddressResponse``, ``Model_InvoiceResponse``,
``Model_InvoicePosResponse``, ``Model_creditNoteResponse``): ids, status codes and amounts as
strings (``"119"``, ``"49.4"``), references as ``{"id", "objectName"}``, dates as
``2025-01-05T00:00:00+01:00``. Credit notes also carry the ``bookingCategory`` and
``refSrcInvoice`` attributes of the credit note attribute table.

Every list answers ``{"objects": [...]}`` (plus ``"total": "<n>"`` with ``countAll=true``),
honours ``limit`` (1–1000, else 400) and ``offset``, and sorts by id. Filters: ``depth``,
``updateAfter``/``updateBefore``/``createAfter``/``createBefore`` (Unix seconds, strict),
``startDate``/``endDate``, ``status``, ``invoiceType``, ``showAll`` (without it, recurring
invoices and reminders are left out), ``contact[id]``, ``origin[id]``, ``invoice[id]``, ``type``,
``main``, ``category[id]``; ``embed=contact`` (invoices, credit notes) and ``embed=country``
(addresses). Errors use the documented ``validationError`` body ``{"error": {"message",
"exceptionUUID"}}``: 401 without the right ``Authorization`` header, 400 for an unknown single
object ("… was not found") and a bad limit, 404 for an unknown path. Faults come from
:class:`tests.fakes.server.FakeServer`; its responses carry a ``Date`` header.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

API = "/api/v1"
TOKEN = "b7794de0085f5cd00560f160f290af38"  # the documentation's example token
COUNTRIES = {  # StaticCountry id → (code, German name, English name)
    "1": ("de", "Deutschland", "Germany"),
    "2": ("at", "Österreich", "Austria"),
    "3": ("ch", "Schweiz", "Switzerland"),
    "4": ("dk", "Dänemark", "Denmark"),
    "5": ("us", "USA", "United States"),
}
COUNTRY_IDS = {code.upper(): id_ for id_, (code, _de, _en) in COUNTRIES.items()}
HIDDEN_BY_DEFAULT = {"WKR", "MA"}


def error(status: int, message: str) -> FakeResponse:
    return FakeResponse.json(
        {"error": {"message": message, "exceptionUUID": str(uuid.uuid4())}}, status
    )


def ref(object_name: str, id_: Any) -> dict[str, Any]:
    return {"id": str(id_), "objectName": object_name}


def money(value: Decimal) -> str:
    """sevDesk's number strings: ``"119"``, ``"49.4"``, ``"-119"``."""
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def stamp(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp())


def static_country(id_: str) -> dict[str, Any]:
    code, name, name_en = COUNTRIES[id_]
    return {
        "id": id_,
        "objectName": "StaticCountry",
        "code": code,
        "name": name,
        "nameEn": name_en,
        "translationCode": f"COUNTRY_{code.upper()}",
    }


class FakeSevDesk(FakeApi):
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.contacts: dict[str, dict[str, Any]] = {}
        self.ways: dict[str, dict[str, Any]] = {}
        self.addresses: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.positions: dict[str, dict[str, Any]] = {}
        self.credit_notes: dict[str, dict[str, Any]] = {}
        self.ignore_offset = False  # True: a proxy that serves the first page for every offset
        self.embedding = True  # False: ``embed`` is ignored, references stay references
        self.missing: set[str] = set()  # list paths answered with 404, e.g. {"InvoicePos"}
        self.server = FakeServer(self.handle)
        self._ids = 100

    @property
    def url(self) -> str:
        """The base URL of the API, as the owner enters it (``…/api/v1``)."""
        return self.server.url + API

    def _id(self) -> str:
        self._ids += 1
        return str(self._ids)

    # -- data --

    def add_contact(
        self,
        first_name: str | None,
        last_name: str | None,
        *,
        company: str | None = None,
        created: str,
        category: str = "3",
        customer_number: str = "",
    ) -> dict[str, Any]:
        contact_id = self._id()
        contact = {
            "id": contact_id,
            "objectName": "Contact",
            "create": created,
            "update": created,
            "name": company,
            "status": "1000",
            "customerNumber": customer_number or f"KD-{contact_id}",
            "parent": None,
            "surename": first_name,
            "familyname": last_name,
            "titel": None,
            "category": ref("Category", category),
            "description": None,
            "academicTitle": None,
            "gender": None,
            "sevClient": ref("SevClient", 4711),
            "name2": None,
            "birthday": None,
            "vatNumber": None,
            "bankAccount": None,
            "bankNumber": None,
            "defaultCashbackTime": None,
            "defaultCashbackPercent": "0",
            "defaultTimeToPay": None,
            "taxNumber": None,
            "taxOffice": None,
            "exemptVat": "0",
            "defaultDiscountAmount": "0",
            "defaultDiscountPercentage": "0",
            "buyerReference": None,
            "governmentAgency": "0",
        }
        self.contacts[contact_id] = contact
        return contact

    def add_email(
        self, contact: dict[str, Any], value: str, *, main: bool = True, at: str | None = None
    ) -> dict[str, Any]:
        way_id = self._id()
        moment = at or contact["create"]
        way = {
            "id": way_id,
            "objectName": "CommunicationWay",
            "create": moment,
            "update": moment,
            "contact": ref("Contact", contact["id"]),
            "type": "EMAIL",
            "value": value,
            "key": ref("CommunicationWayKey", 2),
            "main": "1" if main else "0",
            "sevClient": ref("SevClient", 4711),
        }
        self.ways[way_id] = way
        return way

    def add_address(
        self,
        contact: dict[str, Any],
        *,
        city: str,
        zip_code: str,
        country: str,
        street: str = "Hauptstraße 1",
        at: str | None = None,
    ) -> dict[str, Any]:
        address_id = self._id()
        moment = at or contact["create"]
        address = {
            "id": int(address_id),
            "objectName": "ContactAddress",
            "create": moment,
            "update": moment,
            "contact": {"id": int(contact["id"]), "objectName": "Contact"},
            "street": street,
            "zip": zip_code,
            "city": city,
            "country": {"id": int(COUNTRY_IDS[country]), "objectName": "StaticCountry"},
            "category": {"id": 47, "objectName": "Category"},
            "name": None,
            "sevClient": {"id": 4711, "objectName": "SevClient"},
            "name2": None,
            "name3": None,
            "name4": None,
        }
        self.addresses[address_id] = address
        return address

    def add_invoice(
        self,
        contact: dict[str, Any] | None,
        *,
        date: str,
        items: list[tuple[str, str, str, int]],  # (name, quantity, gross unit price, tax rate)
        status: str = "1000",
        invoice_type: str = "RE",
        currency: str = "EUR",
        rate: str | None = None,  # euros per unit of a foreign currency
        updated: str | None = None,
        paid: str | None = None,
    ) -> dict[str, Any]:
        invoice_id = self._id()
        factor = Decimal(rate) if rate else Decimal(1)
        gross = net = Decimal(0)
        for number, (name, quantity, price, tax_rate) in enumerate(items):
            line_gross = Decimal(quantity) * Decimal(price)
            line_net = (line_gross / (1 + Decimal(tax_rate) / 100)).quantize(Decimal("0.01"))
            gross, net = gross + line_gross, net + line_net
            self._add_position(invoice_id, number, name, quantity, price, tax_rate, factor)
        moment = updated or f"{date}T09:00:00+01:00"
        invoice = {
            "id": invoice_id,
            "objectName": "Invoice",
            "invoiceNumber": f"{invoice_type}-{invoice_id}" if status != "100" else None,
            "contact": ref("Contact", contact["id"]) if contact else None,
            "create": moment,
            "update": moment,
            "sevClient": ref("SevClient", 4711),
            "invoiceDate": f"{date}T00:00:00+01:00",
            "header": f"Rechnung Nr. {invoice_type}-{invoice_id}",
            "headText": "Vielen Dank für Ihren Auftrag.",
            "footText": "Bitte überweisen Sie den Betrag innerhalb von 14 Tagen.",
            "timeToPay": "14",
            "discountTime": "0",
            "discount": "0",
            "addressCountry": ref("StaticCountry", 1),
            "payDate": f"{date}T00:00:00+01:00" if status == "1000" else None,
            "createUser": ref("SevUser", 1),
            "deliveryDate": f"{date}T00:00:00+01:00",
            "status": status,
            "smallSettlement": "0",
            "contactPerson": ref("SevUser", 1),
            "taxRate": "0",
            "taxRule": {"id": "1", "objectName": "TaxRule"},
            "taxText": "Umsatzsteuer 19%",
            "dunningLevel": "0",
            "taxType": None,
            "paymentMethod": None,
            "costCentre": None,
            "sendDate": f"{date}T00:00:00+01:00" if status != "100" else None,
            "origin": None,
            "invoiceType": invoice_type,
            "accountIntervall": "P0Y1M0DT0H0M0S" if invoice_type == "WKR" else None,
            "accountNextInvoice": None,
            "reminderTotal": "0",
            "reminderDebit": "0",
            "reminderDeadline": None,
            "reminderCharge": "0",
            "taxSet": None,
            "address": "Kunde\nHauptstraße 1\n10115 Berlin",
            "currency": currency,
            "customerInternalNote": None,
            "showNet": "0",
            "enshrined": None,
            "sendType": "VM" if status != "100" else None,
            "deliveryDateUntil": None,
            "datevConnectOnline": None,
            "sendPaymentReceivedNotificationDate": "0",
        }
        self._set_sums(invoice, gross, net, factor, rate is not None)
        invoice["paidAmount"] = float(
            Decimal(paid) if paid is not None else gross if status == "1000" else Decimal(0)
        )
        self.invoices[invoice_id] = invoice
        return invoice

    def _set_sums(
        self, document: dict[str, Any], gross: Decimal, net: Decimal, factor: Decimal, foreign: bool
    ) -> None:
        tax = gross - net
        for suffix, value in (("Net", net), ("Tax", tax), ("Gross", gross)):
            document[f"sum{suffix}"] = money(value * factor)
            document[f"sum{suffix}ForeignCurrency"] = money(value) if foreign else "0"
            if document["objectName"] == "Invoice":
                document[f"sum{suffix}Accounting"] = money(value * factor)
        document["sumDiscounts"] = "0"
        document["sumDiscountsForeignCurrency"] = "0"

    def _add_position(
        self,
        invoice_id: str,
        number: int,
        name: str,
        quantity: str,
        price: str,
        tax_rate: int,
        factor: Decimal,
    ) -> None:
        position_id = self._id()
        gross_price = Decimal(price)
        net_price = (gross_price / (1 + Decimal(tax_rate) / 100)).quantize(Decimal("0.01"))
        line = Decimal(quantity) * gross_price
        line_net = Decimal(quantity) * net_price
        self.positions[position_id] = {
            "id": position_id,
            "objectName": "InvoicePos",
            "create": "2025-01-01T00:00:00+01:00",
            "update": "2025-01-01T00:00:00+01:00",
            "invoice": ref("Invoice", invoice_id),
            "part": ref("Part", 900 + number) if number == 0 else None,
            "quantity": quantity,
            "price": money(gross_price),
            "name": name,
            "unity": ref("Unity", 1),
            "sevClient": ref("SevClient", 4711),
            "positionNumber": str(number),
            "text": None,
            "discount": "0",
            "taxRate": str(tax_rate),
            "sumDiscount": "0",
            "sumNetAccounting": money(line_net * factor),
            "sumTaxAccounting": money((line - line_net) * factor),
            "sumGrossAccounting": money(line * factor),
            "priceNet": money(net_price),
            "priceGross": money(gross_price),
            "priceTax": money(gross_price - net_price),
        }

    def cancel(
        self, invoice: dict[str, Any], *, at: str, status_after: str | None = None
    ) -> dict[str, Any]:
        """``POST /Invoice/{id}/cancelInvoice``: a paid SR with negated sums and ``origin``."""
        cancellation = copy.deepcopy(invoice)
        cancellation_id = self._id()
        moment = f"{at}T10:00:00+01:00"
        cancellation.update(
            id=cancellation_id,
            invoiceNumber=f"SR-{cancellation_id}",
            invoiceType="SR",
            status="1000",
            origin=ref("Invoice", invoice["id"]),
            invoiceDate=f"{at}T00:00:00+01:00",
            create=moment,
            update=moment,
            header=f"Stornorechnung zu {invoice['invoiceNumber']}",
        )
        for key, value in invoice.items():
            if key.startswith("sum") and value not in (None, "0"):
                cancellation[key] = money(-Decimal(value))
        cancellation["paidAmount"] = float(Decimal(cancellation["sumGross"]))
        self.invoices[cancellation_id] = cancellation
        self.modify(invoice, moment, **({"status": status_after} if status_after else {}))
        return cancellation

    def credit_note(
        self,
        invoice: dict[str, Any] | None,
        gross: str,
        *,
        at: str,
        contact: dict[str, Any] | None = None,
        status: str = "1000",
        category: str = "UNDERACHIEVEMENT",
        touch_invoice: bool = True,
    ) -> dict[str, Any]:
        """A credit note; ``touch_invoice=False``: the invoice's ``update`` stays as it was."""
        note_id = self._id()
        moment = f"{at}T11:00:00+01:00"
        contact_ref = (
            invoice["contact"] if invoice else ref("Contact", contact["id"] if contact else 0)
        )
        note = {
            "id": note_id,
            "objectName": "CreditNote",
            "create": moment,
            "update": moment,
            "creditNoteNumber": f"GU-{note_id}",
            "contact": contact_ref,
            "creditNoteDate": f"{at}T00:00:00+01:00",
            "status": status,
            "header": f"Gutschrift GU-{note_id}",
            "headText": None,
            "footText": None,
            "addressCountry": ref("StaticCountry", 1),
            "createUser": ref("SevUser", 1),
            "sevClient": ref("SevClient", 4711),
            "deliveryDate": f"{at}T00:00:00+01:00",
            "smallSettlement": "0",
            "contactPerson": ref("SevUser", 1),
            "taxRate": "0",
            "taxRule": {"id": "1", "objectName": "TaxRule"},
            "taxSet": None,
            "taxText": "Umsatzsteuer 19%",
            "taxType": None,
            "sendDate": f"{at}T00:00:00+01:00",
            "address": "Kunde\nHauptstraße 1\n10115 Berlin",
            "currency": invoice["currency"] if invoice else "EUR",
            "customerInternalNote": None,
            "showNet": "0",
            "sendType": "VM",
            "bookingCategory": category,
            "refSrcInvoice": ref("Invoice", invoice["id"]) if invoice else None,
        }
        amount = Decimal(gross)
        factor = Decimal(1)
        foreign = bool(invoice and invoice["sumGrossForeignCurrency"] != "0")
        if invoice and foreign:
            factor = Decimal(invoice["sumGross"]) / Decimal(invoice["sumGrossForeignCurrency"])
        self._set_sums(
            note, amount, (amount / Decimal("1.19")).quantize(Decimal("0.01")), factor, foreign
        )
        self.credit_notes[note_id] = note
        if invoice is not None and touch_invoice:
            self.modify(invoice, moment)
        return note

    def modify(self, item: dict[str, Any], at: str, **changes: Any) -> None:
        item.update(changes)
        item["update"] = at

    # -- HTTP --

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.headers.get("authorization") != self.token:
            return error(401, "Authentication required")
        path = request.path.removeprefix(API).strip("/")
        lists: dict[str, Callable[[FakeRequest], list[dict[str, Any]]]] = {
            "Contact": self._contacts,
            "CommunicationWay": lambda r: self._filtered(self.ways, r),
            "ContactAddress": self._addresses,
            "Invoice": self._invoices,
            "InvoicePos": lambda r: self._filtered(self.positions, r),
            "CreditNote": lambda r: self._filtered(self.credit_notes, r),
            "StaticCountry": lambda r: [static_country(i) for i in COUNTRIES],
        }
        if path in lists and path not in self.missing:
            return self._page(request, lists[path](request))
        name, _, item_id = path.partition("/")
        single = {
            "Contact": self.contacts,
            "Invoice": self.invoices,
            "CreditNote": self.credit_notes,
        }
        if name in single and item_id.isdigit():
            item = single[name].get(item_id)
            if item is None:
                return error(400, f"{name} was not found")
            return FakeResponse.json({"objects": [self._embedded(item, request)]})
        return error(404, f"Route /api/v1/{path} not found")

    def _page(self, request: FakeRequest, items: list[dict[str, Any]]) -> FakeResponse:
        try:
            limit = int(request.param("limit", "100") or "100")
            offset = int(request.param("offset", "0") or "0")
        except ValueError:
            return error(400, "Invalid value for limit or offset")
        if not 1 <= limit <= 1000 or offset < 0:
            return error(400, "The limit must be between 1 and 1000")
        items = sorted(items, key=lambda item: int(item["id"]))
        chunk = items[:limit] if self.ignore_offset else items[offset : offset + limit]
        body: dict[str, Any] = {"objects": [self._embedded(item, request) for item in chunk]}
        if (request.param("countAll") or "").lower() == "true":
            body = {"total": str(len(items)), **body}
        return FakeResponse.json(body)

    def _embedded(self, item: dict[str, Any], request: FakeRequest) -> dict[str, Any]:
        embed = set((request.param("embed") or "").split(",")) if self.embedding else set()
        item = copy.deepcopy(item)
        contact = item.get("contact")
        if "contact" in embed and isinstance(contact, dict):
            item["contact"] = copy.deepcopy(self.contacts.get(str(contact["id"]), contact))
        country = item.get("country")
        if "country" in embed and isinstance(country, dict):
            item["country"] = static_country(str(country["id"]))
        return item

    def _filtered(
        self, table: dict[str, dict[str, Any]], request: FakeRequest
    ) -> list[dict[str, Any]]:
        items = list(table.values())
        for name, key in (
            ("updateAfter", "update"),
            ("updateBefore", "update"),
            ("createAfter", "create"),
            ("createBefore", "create"),
        ):
            value = request.param(name)
            if value:
                bound, after = int(value), name.endswith("After")
                items = [
                    i for i in items if (stamp(i[key]) > bound if after else stamp(i[key]) < bound)
                ]
        date_key = "creditNoteDate" if table is self.credit_notes else "invoiceDate"
        for name, later in (("startDate", True), ("endDate", False)):
            value = request.param(name)
            if value:
                bound = int(value)
                items = [
                    i
                    for i in items
                    if (stamp(i[date_key]) >= bound if later else stamp(i[date_key]) <= bound)
                ]
        for name in ("status", "invoiceType", "type", "main"):
            value = request.param(name)
            if value:
                items = [i for i in items if str(i.get(name)) == value]
        for name in ("contact", "origin", "invoice", "category", "part"):
            value = request.param(f"{name}[id]")
            if value:
                items = [
                    i
                    for i in items
                    if isinstance(i.get(name), dict) and str(i[name]["id"]) == value
                ]
        return items

    def _contacts(self, request: FakeRequest) -> list[dict[str, Any]]:
        contacts = self._filtered(self.contacts, request)
        if (request.param("depth") or "0") != "1":
            contacts = [c for c in contacts if c.get("name")]  # organisations only
        return contacts

    def _addresses(self, request: FakeRequest) -> list[dict[str, Any]]:
        return self._filtered(self.addresses, request)

    def _invoices(self, request: FakeRequest) -> list[dict[str, Any]]:
        invoices = self._filtered(self.invoices, request)
        if request.param("invoiceType") or (request.param("showAll") or "") == "true":
            return invoices
        hidden = set(HIDDEN_BY_DEFAULT)
        if request.param("showWkr") == "all":
            hidden.discard("WKR")
        if request.param("showMa") == "all":
            hidden.discard("MA")
        return [i for i in invoices if i["invoiceType"] not in hidden]


DOCS_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "sevdesk"


def load_docs_examples(account: FakeSevDesk) -> None:
    """Serve the documentation's example objects unchanged (see tests/data/sevdesk/README.md)."""
    tables = {
        "contacts.json": account.contacts,
        "communication_ways.json": account.ways,
        "contact_addresses.json": account.addresses,
        "invoices.json": account.invoices,
        "invoice_positions.json": account.positions,
        "credit_notes.json": account.credit_notes,
    }
    for name, table in tables.items():
        envelope = json.loads((DOCS_EXAMPLES / name).read_text(encoding="utf-8"))
        for item in envelope["objects"]:
            table[str(item["id"])] = item


@dataclass
class SampleAccount:
    """Who is who in :func:`sample_account` (API objects)."""

    contacts: dict[str, dict[str, Any]]
    invoices: dict[str, dict[str, Any]]
    reversals: dict[str, dict[str, Any]]


def sample_account(account: FakeSevDesk) -> SampleAccount:
    """A small German business: umlauts, organisations, foreign currencies, cancellations,
    credit notes, drafts and templates that are no sales, a supplier, gaps in the data."""
    add = account.add_contact
    contacts = {
        "zoe": add("Zoë", "Weiß", created="2024-11-02T08:00:00+01:00"),
        "juergen": add("Jürgen", "Müller-Lüdenscheidt", created="2024-12-01T09:00:00+01:00"),
        "firma": add(
            None, None, company="Müller & Söhne GmbH", created="2024-12-02T09:00:00+01:00"
        ),
        "soeren": add("Sören", "Krüger", created="2024-12-03T09:00:00+01:00"),
        "ida": add("Ida", "Ödegaard", created="2024-12-04T09:00:00+01:00"),
        "eva": add("Eva", "Ähnlich", created="2024-12-05T09:00:00+01:00"),
        "kasse": add("Kasse", "Laden", created="2024-12-06T09:00:00+01:00"),
        "anders": add("Ånders", "Ørsted", created="2024-12-24T18:00:00+01:00", category="28"),
        "telekom": add(
            None, None, company="Telekom AG", created="2024-10-01T09:00:00+02:00", category="2"
        ),
    }
    account.add_email(contacts["zoe"], "zoe.privat@example.at", main=False)
    account.add_email(contacts["zoe"], "Zoe.Weiss@example.at", main=True)
    account.add_email(contacts["juergen"], "juergen@example.de")
    account.add_email(contacts["firma"], "buchhaltung@mueller-soehne.de")
    account.add_email(contacts["soeren"], " Soeren.Krueger@Example.COM ")
    account.add_email(contacts["ida"], "ida@example.org")
    account.add_email(contacts["eva"], "eva@example.com")
    account.add_email(contacts["anders"], "anders@example.dk")
    account.add_email(contacts["telekom"], "rechnung@telekom.de")
    account.add_address(contacts["zoe"], city="Wien", zip_code="1010", country="AT")
    account.add_address(contacts["zoe"], city="Graz", zip_code="8010", country="AT")
    account.add_address(contacts["juergen"], city="Köln", zip_code="50667", country="DE")
    account.add_address(contacts["firma"], city="München", zip_code="80331", country="DE")
    account.add_address(contacts["soeren"], city="Zürich", zip_code="8001", country="CH")
    account.add_address(contacts["eva"], city="Boston", zip_code="02108", country="US")
    account.add_address(contacts["anders"], city="København", zip_code="1050", country="DK")
    inv = account.add_invoice
    invoices = {
        "zoe_course": inv(
            contacts["zoe"],
            date="2025-01-05",
            items=[("Online-Kurs – Grundlagen", "1", "119", 19), ("Workbook", "2", "0", 19)],
        ),
        "soeren_chf": inv(
            contacts["soeren"],
            date="2025-01-06",
            currency="CHF",
            rate="1.05",
            items=[("Workshop „Zürich“", "2", "107.70", 8)],
        ),
        "ida_hours": inv(
            contacts["ida"], date="2025-01-07", items=[("Beratung (Stunden)", "1.5", "119", 19)]
        ),
        "juergen_partial": inv(
            contacts["juergen"], date="2025-01-08", items=[("Coaching", "1", "100", 19)]
        ),
        "firma_advance": inv(
            contacts["firma"],
            date="2025-01-09",
            invoice_type="AR",
            items=[("Abschlag Projekt", "1", "595", 19)],
        ),
        "zoe_refunded": inv(
            contacts["zoe"], date="2025-01-12", items=[("Mitgliedschaft", "1", "50", 19)]
        ),
        "open": inv(
            contacts["juergen"], date="2025-01-20", status="200", items=[("Kurs", "1", "59.50", 19)]
        ),
        "partly_paid": inv(
            contacts["firma"],
            date="2025-01-21",
            status="750",
            paid="100",
            items=[("Kurs", "2", "119", 19)],
        ),
        "open_cancelled": inv(
            contacts["juergen"], date="2025-01-22", status="200", items=[("Kurs", "1", "59.50", 19)]
        ),
        "eva_usd": inv(
            contacts["eva"],
            date="2025-01-22",
            currency="USD",
            rate="0.9",
            items=[("Consulting (US)", "3", "100", 0)],
        ),
        "kasse": inv(contacts["kasse"], date="2025-01-23", items=[("Gutschein", "1", "25", 0)]),
        "draft": inv(
            contacts["ida"], date="2025-01-24", status="100", items=[("Entwurf", "1", "10", 19)]
        ),
        "no_contact_draft": inv(None, date="2025-01-24", status="100", items=[("X", "1", "5", 19)]),
        "recurring": inv(
            contacts["zoe"],
            date="2025-01-25",
            status="200",
            invoice_type="WKR",
            items=[("Abo monatlich", "1", "19", 19)],
        ),
        "reminder": inv(
            contacts["juergen"],
            date="2025-02-05",
            status="200",
            invoice_type="MA",
            items=[("Mahngebühr", "1", "5", 0)],
        ),
    }
    reversals = {
        "partial_note": account.credit_note(invoices["juergen_partial"], "30", at="2025-02-01"),
        "zoe_storno": account.cancel(invoices["zoe_refunded"], at="2025-02-03"),
        "open_storno": account.cancel(
            invoices["open_cancelled"], at="2025-02-04", status_after="cancelled"
        ),
        "draft_note": account.credit_note(
            invoices["zoe_course"], "10", at="2025-02-05", status="100"
        ),
        "provision": account.credit_note(
            None, "50", at="2025-02-06", contact=contacts["telekom"], category="PROVISION"
        ),
    }
    return SampleAccount(contacts=contacts, invoices=invoices, reversals=reversals)
