"""CSV and Excel import of orders and customers, for every tool without a connector.

The whole file is read and checked before anything is written: one bad cell rejects the file
with its row (as Excel numbers it, header = row 1), its column and the reason, and the database
stays as it was. A good file is written in one transaction through :func:`kundenwert.ingest.
ingest`, keyed by (source, order id), so importing the same file again adds nothing.

Rows become orders like this (the generic format is documented in ``docs/import-format.md``):

* rows with the same order id are the items of one order; its gross is the sum of their
  amounts, and e-mail, date, currency, status and kind must agree between them;
* in a tool export with one row per payment (CopeCart, ablefy) the transaction id is the key,
  and a refund or chargeback row is attached to the payment of the same order it refunds;
* ``refunded`` is the refunded gross amount: it becomes a refund with an id derived from the
  order id and turns a paid order into refunded or partially refunded; an order that is
  refunded or charged back without an amount is refunded in full;
* one contact per customer: the tool's customer id where the file has one, else the
  normalised e-mail address.

A file with e-mail addresses but neither order ids nor amounts is a customer list and imports
contacts only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine

from kundenwert import import_formats as fmts
from kundenwert.db import session_scope
from kundenwert.import_formats import CellError, FileError, ImportFormat, detect_format, map_columns
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.settings import get_settings

__all__ = [
    "ImportFileError",
    "ImportPreview",
    "ImportReport",
    "detect_format",
    "import_customers",
    "import_file",
    "map_columns",
    "preview",
    "read_table",
]

read_table = fmts.read_table
PREVIEW_ROWS = 20
MAX_ERRORS = 50

# --- Messages (German and English, by key) --------------------------------------------------------

FIELD_LABELS_DE = {
    "order_id": "Bestellnummer",
    "transaction_id": "Transaktions-ID",
    "installment_id": "Rate",
    "date": "Datum",
    "email": "E-Mail",
    "customer_id": "Kundennummer",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "full_name": "Name",
    "company": "Firma",
    "country": "Land",
    "city": "Ort",
    "postcode": "PLZ",
    "customer_since": "Kunde seit",
    "product": "Produkt",
    "product_id": "Produkt-ID",
    "quantity": "Menge",
    "amount": "Betrag",
    "net": "Netto",
    "currency": "Währung",
    "tax": "Steuer",
    "status": "Status",
    "status_detail": "Status",
    "kind": "Art",
    "refunded": "Erstattet",
    "refund_date": "Erstattungsdatum",
    "payment_id": "Zahlungs-ID",
}

_MESSAGES: dict[str, tuple[str, str]] = {
    "empty_file": ("Die Datei ist leer.", "The file is empty."),
    "no_rows": (
        "Die Datei enthält nur die Kopfzeile, keine Daten.",
        "The file has a header but no data rows.",
    ),
    "unreadable_excel": (
        "Die Excel-Datei lässt sich nicht lesen ({detail}).",
        "The Excel file cannot be read ({detail}).",
    ),
    "bad_csv": ("Die CSV-Datei ist beschädigt ({detail}).", "The CSV file is broken ({detail})."),
    "too_many_cells": (
        "{found} Felder statt {expected} wie in der Kopfzeile (Trennzeichen im Wert ohne"
        " Anführungszeichen?)",
        "{found} fields instead of {expected} as in the header (a delimiter inside an unquoted"
        " value?)",
    ),
    "unknown_format": (
        "Unbekanntes Format '{value}'. Bekannt: {known}.",
        "Unknown format '{value}'. Known: {known}.",
    ),
    "missing_columns": (
        "Pflichtspalten fehlen: {missing_de}. Gefundene Spalten: {found}.",
        "Required columns are missing: {missing}. Columns found: {found}.",
    ),
    "empty_required": ("Pflichtfeld ist leer", "required value is empty"),
    "bad_amount": ("'{value}' ist kein Geldbetrag", "'{value}' is not an amount"),
    "too_many_decimals": (
        "'{value}' hat mehr als zwei Nachkommastellen",
        "'{value}' has more than two decimals",
    ),
    "tax_is_rate": (
        "'{value}' ist ein Steuersatz; erwartet wird der Steuerbetrag",
        "'{value}' is a tax rate; the tax amount is expected",
    ),
    "bad_date": (
        "'{value}' ist kein Datum (erwartet 31.12.2025 oder 2025-12-31)",
        "'{value}' is not a date (expected 31.12.2025 or 2025-12-31)",
    ),
    "ambiguous_date": (
        "'{value}' ist mehrdeutig: die Spalte zeigt nicht, ob der Tag oder der Monat vorne"
        " steht; bitte 31.12.2025 oder 2025-12-31 verwenden",
        "'{value}' is ambiguous: the column does not show whether the day or the month comes"
        " first; please use 31.12.2025 or 2025-12-31",
    ),
    "bad_status": (
        "'{value}' ist kein bekannter Status (bezahlt, erstattet, teilweise erstattet,"
        " Rückbuchung, storniert, offen, fehlgeschlagen)",
        "'{value}' is not a known status (paid, refunded, partially_refunded, chargeback,"
        " cancelled, pending, failed)",
    ),
    "bad_kind": (
        "'{value}' ist keine bekannte Art (einmalig, Abo, Ratenzahlung, Test, Rechnung)",
        "'{value}' is not a known kind (one_time, subscription, installment, trial, invoice)",
    ),
    "bad_country": ("'{value}' ist kein bekanntes Land", "'{value}' is not a known country"),
    "bad_currency": (
        "'{value}' ist kein Währungscode (z. B. EUR, CHF)",
        "'{value}' is not a currency code (e.g. EUR, CHF)",
    ),
    "bad_email": ("'{value}' ist keine E-Mail-Adresse", "'{value}' is not an e-mail address"),
    "bad_quantity": (
        "'{value}' ist keine ganze Menge (außer 0)",
        "'{value}' is not a whole quantity other than 0",
    ),
    "negative_amount": (
        "negativer Betrag '{value}' mit Erstattung: eine Gutschrift kann nicht selbst erstattet"
        " werden",
        "negative amount '{value}' with a refund: a credit note cannot itself be refunded",
    ),
    "tax_exceeds": (
        "Steuer {tax} ist höher als der Betrag {amount}",
        "tax {tax} is higher than the amount {amount}",
    ),
    "refund_exceeds": (
        "Erstattung {refunded} ist höher als der Betrag {amount} der Bestellung",
        "refund {refunded} is higher than the order amount {amount}",
    ),
    "partial_refund_without_amount": (
        "teilweise erstattet, aber kein erstatteter Betrag angegeben",
        "partially refunded, but no refunded amount given",
    ),
    "conflict": (
        "'{value}' widerspricht '{other}' aus Zeile {other_row} derselben Bestellung {order}",
        "'{value}' contradicts '{other}' in row {other_row} of the same order {order}",
    ),
}


class ImportFileError(Exception):
    """A file that cannot be imported, and why: the row and column as the owner sees them."""

    def __init__(
        self,
        key: str,
        row: int | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        self.key = key
        self.row = row
        self.column = column
        self.params = params
        self.reason = self._detail("en")
        super().__init__(self.message("en"))

    def _detail(self, lang: str) -> str:
        german, english = _MESSAGES[self.key]
        template = german if lang == "de" else english
        return template.format(**self.params)

    def message(self, lang: str = "de") -> str:
        """The whole message in German (``"de"``) or English, with row and column."""
        detail = self._detail(lang)
        if self.row is None:
            return detail
        if lang == "de":
            where = f"Zeile {self.row}" + (f", Spalte '{self.column}'" if self.column else "")
        else:
            where = f"Row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {detail}"


def _from_file_error(error: FileError) -> ImportFileError:
    return ImportFileError(error.key, row=error.row, **error.params)


# --- Results ------------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What an import would do, before anything is written (for the Datenquellen page)."""

    format_name: str
    format_label: str
    mode: str  # "orders" or "customers"
    mapping: dict[str, str]  # canonical field → file column
    unmapped: list[str]  # file columns nothing reads
    rows: pl.DataFrame  # the first parsed rows, canonical fields
    row_count: int
    errors: list[ImportFileError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    format_name: str
    source_label: str
    source_kind: str
    mode: str
    rows_read: int
    orders_added: int = 0
    orders_updated: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    refunds_added: int = 0

    def __str__(self) -> str:
        return (
            f"{self.source_label} ({self.format_name}): {self.rows_read} Zeilen/rows, "
            f"Bestellungen/orders +{self.orders_added} ~{self.orders_updated}, "
            f"Kontakte/contacts +{self.contacts_added} ~{self.contacts_updated}"
        )


# --- Parsing rows -------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row, parsed into canonical values."""

    line: int
    order_id: str | None = None
    transaction_id: str | None = None
    installment_id: str | None = None
    ordered_at: datetime | None = None
    email: str | None = None
    customer_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    country: str | None = None
    city: str | None = None
    postcode: str | None = None
    customer_since: datetime | None = None
    product: str | None = None
    product_id: str | None = None
    quantity: int = 1
    amount_cents: int = 0
    tax_cents: int = 0
    currency: str = "EUR"
    status: str = "paid"
    kind: str = "one_time"
    refunded_cents: int = 0
    refunded_at: datetime | None = None
    payment_id: str | None = None

    @property
    def order_key(self) -> str:
        if self.transaction_id:
            return self.transaction_id
        if self.installment_id and self.order_id:
            return f"{self.order_id}-{self.installment_id}"
        return self.order_id or ""

    @property
    def contact_key(self) -> str:
        return self.customer_id or self.email or ""


@dataclass
class _Parsed:
    fmt: ImportFormat
    mode: str
    mapping: dict[str, str]
    unmapped: list[str]
    rows: list[Row]
    errors: list[ImportFileError]


def _resolve_format(columns: Sequence[str], format_name: str | None) -> ImportFormat:
    if not format_name:
        return detect_format(columns)
    fmt = fmts.get_format(format_name)
    if fmt is None:
        known = ", ".join(fmts.FORMATS)
        raise ImportFileError("unknown_format", value=format_name, known=known)
    return fmt


def _required(mode: str) -> tuple[str, ...]:
    return fmts.REQUIRED_ORDER_FIELDS if mode == "orders" else fmts.REQUIRED_CUSTOMER_FIELDS


def _missing_columns_error(missing: Sequence[str], columns: Sequence[str]) -> ImportFileError:
    return ImportFileError(
        "missing_columns",
        missing=", ".join(missing),
        missing_de=", ".join(f"{FIELD_LABELS_DE[m]} ({m})" for m in missing),
        found=", ".join(columns) or "-",
    )


def _mode(mapping: dict[str, str], customers_only: bool) -> str:
    """A file with e-mail addresses but neither order ids nor amounts is a customer list."""
    if customers_only:
        return "customers"
    has_order_fields = any(f in mapping for f in fmts.ORDER_FIELDS)
    return "orders" if has_order_fields or "email" not in mapping else "customers"


def _parse(
    data: bytes, filename: str, format_name: str | None, customers_only: bool = False
) -> _Parsed:
    try:
        table = fmts.read(data, filename)
    except FileError as error:
        raise _from_file_error(error) from error
    frame = table.frame
    fmt = _resolve_format(frame.columns, format_name)
    mapping = map_columns(frame, fmt)
    mode = _mode(mapping, customers_only)
    unmapped = [c for c in frame.columns if c not in mapping.values()]
    missing = [
        f for f in _required(mode) if f not in mapping and fmts.STAND_INS.get(f) not in mapping
    ]
    if missing:
        raise _missing_columns_error(missing, frame.columns)
    if frame.height == 0:
        raise ImportFileError("no_rows")
    errors: list[ImportFileError] = []
    rows = _parse_rows(table, fmt, mapping, mode, errors)
    return _Parsed(fmt, mode, mapping, unmapped, rows, errors)


def _column_values(frame: pl.DataFrame, mapping: dict[str, str], name: str) -> list[str | None]:
    column = mapping.get(name)
    if column is None:
        return [None] * frame.height
    return frame[column].to_list()


def _parse_rows(
    table: fmts.Table,
    fmt: ImportFormat,
    mapping: dict[str, str],
    mode: str,
    errors: list[ImportFileError],
) -> list[Row]:
    frame = table.frame
    base_currency = get_settings().base_currency
    rows = [Row(line=line, currency=base_currency) for line in table.lines]
    default_comma = table.delimiter == ";"
    required = _required_per_row(mapping, mode)

    def each(name: str, parse: Callable[[str], object], attribute: str | None = None) -> None:
        column = mapping.get(name)
        if column is None:
            return
        for row, raw in zip(rows, _column_values(frame, mapping, name), strict=True):
            if raw is None or not raw.strip():
                if name in required:
                    errors.append(ImportFileError("empty_required", row=row.line, column=column))
                continue
            try:
                setattr(row, attribute or name, parse(raw))
            except CellError as error:
                errors.append(
                    ImportFileError(error.key, row=row.line, column=column, **error.params)
                )

    def amount_parser(name: str) -> Callable[[str], int]:
        comma = fmts.decimal_comma(_column_values(frame, mapping, name), default_comma)

        def parse(raw: str) -> int:
            if name == "tax" and raw.strip().endswith("%"):
                raise CellError("tax_is_rate", value=raw)
            return fmts.parse_amount(raw, comma, excel=table.excel)

        return parse

    for name in ("order_id", "transaction_id", "installment_id", "customer_id", "product_id"):
        each(name, fmts.parse_text)
    each("payment_id", fmts.parse_text)
    each("email", fmts.parse_email)

    def date_parser(name: str) -> Callable[[str], datetime]:
        order = fmts.slash_date_order(_column_values(frame, mapping, name))
        return lambda raw: fmts.parse_date(raw, excel=table.excel, slash_order=order)

    each("date", date_parser("date"), "ordered_at")
    each("customer_since", date_parser("customer_since"))
    each("first_name", fmts.parse_text)
    each("last_name", fmts.parse_text)
    each("company", fmts.parse_text)
    each("country", fmts.parse_country)
    each("city", fmts.parse_text)
    each("postcode", fmts.parse_text)
    if "full_name" in mapping:
        for row, raw in zip(rows, _column_values(frame, mapping, "full_name"), strict=True):
            if raw and not (row.first_name or row.last_name):
                row.first_name, row.last_name = fmts.split_full_name(raw)
    if "customer_id" in mapping:
        # Either identifies the buyer; a row needs one of them. A file that identifies buyers
        # by customer number alone (retail exports) has guest sales without one: each such
        # order gets an anonymous contact of its own rather than rejecting the file.
        column = mapping.get("email") or mapping["customer_id"]
        anonymous_allowed = "email" not in mapping and mode == "orders"
        for row in rows:
            if not row.contact_key and anonymous_allowed and row.order_id:
                row.customer_id = f"order:{row.order_id}"
            elif not row.contact_key:
                errors.append(ImportFileError("empty_required", row=row.line, column=column))
    if mode == "customers":
        return rows
    each("product", fmts.parse_text)
    each("quantity", fmts.parse_quantity)
    each("amount", amount_parser("amount"), "amount_cents")
    if "amount" not in mapping and "unit_price" in mapping:
        _unit_prices(rows, frame, mapping, table, default_comma, errors)
    each("tax", amount_parser("tax"), "tax_cents")
    if "tax" not in mapping and "net" in mapping:
        net_parse = amount_parser("net")
        column = mapping["net"]
        for row, raw in zip(rows, _column_values(frame, mapping, "net"), strict=True):
            if raw and raw.strip():
                try:
                    row.tax_cents = row.amount_cents - net_parse(raw)
                except CellError as error:
                    errors.append(
                        ImportFileError(error.key, row=row.line, column=column, **error.params)
                    )
    each("currency", fmts.parse_currency)
    each("kind", lambda raw: fmts.parse_kind(raw, fmt))
    _parse_status(rows, frame, mapping, fmt, errors)
    if fmt.refund_kinds:
        for row, raw in zip(rows, _column_values(frame, mapping, "kind"), strict=True):
            if raw and fmts.normalise_value(raw) in fmt.refund_kinds:
                row.status = "refunded"
    each("refunded", amount_parser("refunded"), "refunded_cents")
    each("refund_date", date_parser("refund_date"), "refunded_at")
    return rows


def _required_per_row(mapping: dict[str, str], mode: str) -> set[str]:
    """Fields that must not be empty in any row. With a customer id column, e-mail or customer
    id will do (checked after parsing); without an amount column, the unit price is needed."""
    required = set(_required(mode))
    if "customer_id" in mapping:
        required.discard("email")
    if "amount" in required and "amount" not in mapping:
        required.discard("amount")
        required.add("unit_price")
    return required


def _unit_prices(
    rows: list[Row],
    frame: pl.DataFrame,
    mapping: dict[str, str],
    table: fmts.Table,
    default_comma: bool,
    errors: list[ImportFileError],
) -> None:
    """amount = unit price × quantity, where a file gives no line total."""
    values = _column_values(frame, mapping, "unit_price")
    comma = fmts.decimal_comma(values, default_comma)
    column = mapping["unit_price"]
    for row, raw in zip(rows, values, strict=True):
        if not raw or not raw.strip():
            errors.append(ImportFileError("empty_required", row=row.line, column=column))
            continue
        try:
            price = fmts.parse_decimal(raw, comma, excel=table.excel)
        except CellError as error:
            errors.append(ImportFileError(error.key, row=row.line, column=column, **error.params))
            continue
        row.amount_cents = fmts.line_total_cents(price, row.quantity)


def _parse_status(
    rows: list[Row],
    frame: pl.DataFrame,
    mapping: dict[str, str],
    fmt: ImportFormat,
    errors: list[ImportFileError],
) -> None:
    """The status column; a second status column (ablefy: TYP says what the row is, STATUS how
    it went) is read where the first says nothing useful or says "paid" for a payment that
    failed or is still open."""
    main = _column_values(frame, mapping, "status")
    detail = _column_values(frame, mapping, "status_detail")
    for row, raw, raw_detail in zip(rows, main, detail, strict=True):
        status: str | None = None
        problem: tuple[str, CellError] | None = None
        for name, value in (("status", raw), ("status_detail", raw_detail)):
            if not value or not value.strip():
                continue
            try:
                parsed = fmts.parse_status(value, fmt)
            except CellError as cell_error:
                problem = problem or (name, cell_error)
                continue
            if status is None or (status == "paid" and parsed in _NOT_YET_PAID):
                status = parsed
        if status is not None:
            row.status = status
        elif problem is not None:
            name, error = problem
            errors.append(
                ImportFileError(error.key, row=row.line, column=mapping[name], **error.params)
            )


_NOT_YET_PAID = frozenset({"failed", "pending", "cancelled"})


# --- Building records -----------------------------------------------------------------------------


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def _first(values: Sequence[str | None]) -> str | None:
    return next((v for v in values if v), None)


def _contacts(rows: Sequence[Row]) -> list[ContactRecord]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if row.contact_key:
            grouped.setdefault(row.contact_key, []).append(row)
    contacts = []
    for key, group in grouped.items():
        since = [r.customer_since for r in group if r.customer_since is not None]
        contacts.append(
            ContactRecord(
                source_contact_id=key,
                email=_first([r.email for r in group]),
                first_name=_first([r.first_name for r in group]),
                last_name=_first([r.last_name for r in group]),
                company=_first([r.company for r in group]),
                country=_first([r.country for r in group]),
                city=_first([r.city for r in group]),
                postcode=_first([r.postcode for r in group]),
                created_at=min(since) if since else None,
            )
        )
    return contacts


_AGREE = (
    ("email", "email"),
    ("ordered_at", "date"),
    ("currency", "currency"),
    ("status", "status"),
    ("kind", "kind"),
)


def _check_agreement(
    group: Sequence[Row], mapping: dict[str, str], errors: list[ImportFileError]
) -> None:
    """Rows of one order must agree on e-mail, date, currency, status and kind."""
    head = group[0]
    for row in group[1:]:
        for attribute, name in _AGREE:
            column = mapping.get(name)
            mine, theirs = getattr(row, attribute), getattr(head, attribute)
            if column is None or mine == theirs:
                continue
            errors.append(
                ImportFileError(
                    "conflict",
                    row=row.line,
                    column=column,
                    value=_show(mine),
                    other=_show(theirs),
                    other_row=head.line,
                    order=head.order_id,
                )
            )
            return


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(fmts.LOCAL_ZONE).strftime("%d.%m.%Y %H:%M")
    return str(value)


def _amount_column(mapping: dict[str, str]) -> str | None:
    return mapping.get("amount") or mapping.get("unit_price")


def _refund_column(mapping: dict[str, str]) -> str | None:
    return mapping.get("refunded") or mapping.get("status") or _amount_column(mapping)


def _build_order(
    key: str, group: Sequence[Row], mapping: dict[str, str], errors: list[ImportFileError]
) -> OrderRecord | None:
    head = group[0]
    gross = sum(r.amount_cents for r in group)
    tax = sum(r.tax_cents for r in group)
    refunded = sum(abs(r.refunded_cents) for r in group)
    status = head.status
    if status in {"refunded", "chargeback"} and gross < 0:
        gross, tax = -gross, -tax
    # Any other order with a negative total is a credit note or cancellation invoice (e.g. the
    # "C…" invoices of retail exports): stored as it is, it counts as a refund of the customer.
    credit = gross < 0
    if credit and refunded:
        errors.append(
            ImportFileError(
                "negative_amount",
                row=head.line,
                column=_amount_column(mapping),
                value=_money(gross),
            )
        )
        return None
    tax_sign_ok = tax == 0 or (tax < 0) == credit
    if abs(tax) > abs(gross) or not tax_sign_ok:
        errors.append(
            ImportFileError(
                "tax_exceeds",
                row=head.line,
                column=mapping.get("tax") or mapping.get("net"),
                tax=_money(tax),
                amount=_money(gross),
            )
        )
        return None
    if refunded > gross and not credit:
        errors.append(
            ImportFileError(
                "refund_exceeds",
                row=head.line,
                column=_refund_column(mapping),
                refunded=_money(refunded),
                amount=_money(gross),
            )
        )
        return None
    if status == "partially_refunded" and not refunded:
        errors.append(
            ImportFileError(
                "partial_refund_without_amount", row=head.line, column=mapping.get("status")
            )
        )
        return None
    if status in {"refunded", "chargeback"} and not refunded:
        refunded = gross
    if status == "paid" and refunded:
        status = "refunded" if refunded == gross else "partially_refunded"
    assert head.ordered_at is not None
    refunds = []
    if refunded:
        refunds.append(
            RefundRecord(
                source_refund_id=f"{key}-refund",
                refunded_at=head.refunded_at or head.ordered_at,
                amount_cents=refunded,
                reason="chargeback" if status == "chargeback" else "refund",
            )
        )
    items = [
        ItemRecord(
            product_name=r.product,
            amount_cents=r.amount_cents,
            quantity=r.quantity,
            product_id=r.product_id,
        )
        for r in group
        if r.product
    ]
    return OrderRecord(
        source_order_id=key,
        source_contact_id=head.contact_key,
        ordered_at=head.ordered_at,
        gross_cents=gross,
        tax_cents=tax,
        currency=head.currency,
        status=status,
        kind=head.kind,
        payment_id=_first([r.payment_id for r in group]),
        items=items,
        refunds=refunds,
    )


_REFUND_STATUSES = frozenset({"refunded", "partially_refunded", "chargeback"})


def _refund_groups(groups: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """Transaction exports: the refund and chargeback rows that follow a payment of the same
    order (removed from ``groups``). A refunded row without an earlier payment in the file is
    the payment itself, refunded later, and stays an order."""
    paid: dict[str, list[datetime]] = {}
    for group in groups.values():
        head = group[0]
        if head.status == "paid" and head.order_id and head.ordered_at is not None:
            paid.setdefault(head.order_id, []).append(head.ordered_at)
    refunds: dict[str, list[Row]] = {}
    for key, group in list(groups.items()):
        head = group[0]
        if head.status not in _REFUND_STATUSES or head.ordered_at is None:
            continue
        if any(at <= head.ordered_at for at in paid.get(head.order_id or "", [])):
            refunds[key] = groups.pop(key)
    return refunds


def _attach_refunds(
    orders: list[OrderRecord],
    order_ids: dict[str, str | None],
    refund_groups: dict[str, list[Row]],
    mapping: dict[str, str],
    errors: list[ImportFileError],
) -> None:
    """Each refund row refunds the payments of its order, the latest one first (a refund of a
    whole instalment plan spreads over its payments). ``order_ids``: order key → order id."""
    by_order: dict[str, list[OrderRecord]] = {}
    for order in orders:
        order_id = order_ids.get(order.source_order_id)
        if order_id:
            by_order.setdefault(order_id, []).append(order)
    for key, group in refund_groups.items():
        head = group[0]
        assert head.ordered_at is not None and head.order_id is not None
        total = abs(sum(r.amount_cents for r in group))
        left = total
        reason = "chargeback" if head.status == "chargeback" else "refund"
        targets = sorted(
            (o for o in by_order.get(head.order_id, []) if o.ordered_at <= head.ordered_at),
            key=lambda o: o.ordered_at,
            reverse=True,
        )
        for target in targets:
            open_cents = target.gross_cents - sum(r.amount_cents for r in target.refunds)
            amount = min(left, open_cents)
            if amount <= 0:
                continue
            refund_id = key if left == total else f"{key}-{target.source_order_id}"
            target.refunds.append(RefundRecord(refund_id, head.ordered_at, amount, reason))
            if reason == "chargeback":
                target.status = "chargeback"
            else:
                target.status = "refunded" if amount == open_cents else "partially_refunded"
            left -= amount
            if not left:
                break
        if left:
            errors.append(
                ImportFileError(
                    "refund_exceeds",
                    row=head.line,
                    column=_amount_column(mapping),
                    refunded=_money(total),
                    amount=_money(sum(t.gross_cents for t in targets)),
                )
            )


def _build(parsed: _Parsed) -> tuple[list[ContactRecord], list[OrderRecord]]:
    contacts = _contacts(parsed.rows)
    if parsed.mode == "customers":
        return contacts, []
    groups: dict[str, list[Row]] = {}
    for row in parsed.rows:
        if row.order_key and row.ordered_at is not None and row.contact_key:
            groups.setdefault(row.order_key, []).append(row)
    refund_groups: dict[str, list[Row]] = {}
    if parsed.fmt.transaction_rows:
        groups = {key: _one_transaction(group, parsed) for key, group in groups.items()}
        refund_groups = _refund_groups(groups)
    orders: list[OrderRecord] = []
    for key, group in groups.items():
        _check_agreement(group, parsed.mapping, parsed.errors)
        order = _build_order(key, group, parsed.mapping, parsed.errors)
        if order is not None:
            orders.append(order)
    if refund_groups:
        order_ids = {key: group[0].order_id for key, group in groups.items()}
        _attach_refunds(orders, order_ids, refund_groups, parsed.mapping, parsed.errors)
    return contacts, orders


def _one_transaction(group: list[Row], parsed: _Parsed) -> list[Row]:
    """A transaction listed twice (overlapping exports pasted together) counts once; two
    different rows with the same transaction id are an error."""
    head = group[0]
    for row in group[1:]:
        if (row.amount_cents, row.status, row.ordered_at) == (
            head.amount_cents,
            head.status,
            head.ordered_at,
        ):
            continue
        parsed.errors.append(
            ImportFileError(
                "conflict",
                row=row.line,
                column=_amount_column(parsed.mapping),
                value=f"{_money(row.amount_cents)} {row.status} {_show(row.ordered_at)}",
                other=f"{_money(head.amount_cents)} {head.status} {_show(head.ordered_at)}",
                other_row=head.line,
                order=head.order_key,
            )
        )
    return [head]


def _preview_frame(rows: Sequence[Row]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {
        "row": pl.Int64(),
        "order_id": pl.String(),
        "transaction_id": pl.String(),
        "date": pl.Datetime("us", "UTC"),
        "email": pl.String(),
        "first_name": pl.String(),
        "last_name": pl.String(),
        "company": pl.String(),
        "country": pl.String(),
        "city": pl.String(),
        "postcode": pl.String(),
        "product": pl.String(),
        "quantity": pl.Int64(),
        "amount_cents": pl.Int64(),
        "currency": pl.String(),
        "tax_cents": pl.Int64(),
        "status": pl.String(),
        "kind": pl.String(),
        "refunded_cents": pl.Int64(),
        "payment_id": pl.String(),
    }
    records = [
        {
            "row": r.line,
            "order_id": r.order_id,
            "transaction_id": r.transaction_id or r.installment_id,
            "date": r.ordered_at,
            "email": r.email,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "company": r.company,
            "country": r.country,
            "city": r.city,
            "postcode": r.postcode,
            "product": r.product,
            "quantity": r.quantity,
            "amount_cents": r.amount_cents,
            "currency": r.currency,
            "tax_cents": r.tax_cents,
            "status": r.status,
            "kind": r.kind,
            "refunded_cents": r.refunded_cents,
            "payment_id": r.payment_id,
        }
        for r in rows
    ]
    return pl.DataFrame(records, schema=schema)


# --- Public API -----------------------------------------------------------------------------------


def preview(data: bytes, filename: str, format_name: str | None = None) -> ImportPreview:
    """Detected format, column mapping, the first parsed rows and every problem found.

    Never raises for a bad file: what is wrong is in ``errors`` (the first is what
    :func:`import_file` would raise).
    """
    empty = _preview_frame([])
    try:
        parsed = _parse(data, filename, format_name)
    except ImportFileError as error:
        fmt, mapping, unmapped = fmts.GENERIC, {}, []
        try:
            frame = fmts.read_table(data, filename)
            fmt = _resolve_format(frame.columns, format_name)
            mapping = map_columns(frame, fmt)
            unmapped = [c for c in frame.columns if c not in mapping.values()]
        except (FileError, ImportFileError):
            pass
        mode = _mode(mapping, customers_only=False)
        return ImportPreview(fmt.name, fmt.label, mode, mapping, unmapped, empty, 0, [error])
    _build(parsed)
    errors = sorted(parsed.errors, key=lambda e: e.row or 0)[:MAX_ERRORS]
    return ImportPreview(
        format_name=parsed.fmt.name,
        format_label=parsed.fmt.label,
        mode=parsed.mode,
        mapping=parsed.mapping,
        unmapped=parsed.unmapped,
        rows=_preview_frame(parsed.rows[:PREVIEW_ROWS]),
        row_count=len(parsed.rows),
        errors=errors,
    )


def import_file(
    engine: Engine,
    data: bytes,
    filename: str,
    source_label: str,
    format_name: str | None = None,
    kind: str | None = None,
) -> ImportReport:
    """Check the whole file, then write it in one transaction into the source ``source_label``
    (created with ``kind``, else the format's tool kind). Raises :class:`ImportFileError` for
    the first problem found and writes nothing then.
    """
    return _import(engine, _parse(data, filename, format_name), source_label, kind)


def _import(engine: Engine, parsed: _Parsed, source_label: str, kind: str | None) -> ImportReport:
    contacts, orders = _build(parsed)
    if parsed.errors:
        raise min(parsed.errors, key=lambda e: e.row or 0)
    report = ImportReport(
        format_name=parsed.fmt.name,
        source_label=source_label,
        source_kind=kind or parsed.fmt.kind,
        mode=parsed.mode,
        rows_read=len(parsed.rows),
    )
    with session_scope(engine) as session:
        source = get_or_create_source(session, source_label, report.source_kind)
        report.source_kind = source.kind
        result = ingest(session, source, contacts, orders)
    report.orders_added = result.orders_added
    report.orders_updated = result.orders_updated
    report.contacts_added = result.contacts_added
    report.contacts_updated = result.contacts_updated
    report.refunds_added = result.refunds_added
    return report


def import_customers(
    engine: Engine,
    data: bytes,
    filename: str,
    source_label: str,
    kind: str | None = None,
) -> ImportReport:
    """A customer list (e-mail, names, address, optional customer id): contacts only, even
    when the file also has order columns."""
    parsed = _parse(data, filename, "generic", customers_only=True)
    return _import(engine, parsed, source_label, kind)
