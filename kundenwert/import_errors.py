"""The importer's messages: what is wrong with a file, in German and English, by key.

:class:`ImportFileError` carries the row (as Excel numbers it, header = row 1), the column and a
message key; :data:`FIELD_LABELS_DE` names the canonical fields in the German UI.
"""

from __future__ import annotations

from typing import Any

from kundenwert.import_formats import FileError

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
    "time": "Uhrzeit",
    "time_zone": "Zeitzone",
    "fee": "Gebühr",
    "fee_tax": "Steuer auf Gebühr",
    "fee_currency": "Währung der Gebühr",
    "settled_amount": "Betrag in Auszahlungswährung",
    "cancelled_at": "Storniert am",
    "row_type": "Typ",
    "direction": "Auswirkung auf Guthaben",
    "refund_of": "Zugehörige Zahlung",
    "disputed": "Strittiger Betrag",
    "dispute_status": "Status der Rückbuchung",
    "dispute_date": "Datum der Rückbuchung",
    "mode": "Modus",
    "unit_price": "Einzelpreis",
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
    "bad_time": (
        "'{value}' ist keine Uhrzeit (erwartet 14:30 oder 14:30:15)",
        "'{value}' is not a time of day (expected 14:30 or 14:30:15)",
    ),
    "bad_time_zone": (
        "'{value}' ist keine bekannte Zeitzone (z. B. MEZ, CEST, PST, Europe/Berlin, +01:00)",
        "'{value}' is not a known time zone (e.g. CET, CEST, PST, Europe/Berlin, +01:00)",
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


def from_file_error(error: FileError) -> ImportFileError:
    return ImportFileError(error.key, row=error.row, **error.params)
