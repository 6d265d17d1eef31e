"""Reading CSV/Excel exports and the formats Kundenwert recognises in them.

Three jobs, each small:

* :func:`read_table` turns the bytes of an upload into a frame of strings, whatever Excel or a
  tool did to them: UTF-8 with or without BOM, UTF-16 ("Unicode text"), else Windows-1252;
  ``;``, ``,``, tab or ``|`` as delimiter; an optional ``sep=;`` first line; ``.xlsx``/``.xls``
  sheets whose date cells arrive as real dates.
* :func:`detect_format` recognises a known tool's export (:mod:`kundenwert.import_tools`) by
  its header and :func:`map_columns` finds the file column for every canonical field.
* ``parse_*`` functions turn one cell into a canonical value or raise :class:`CellError` with a
  message key, so that the importer can say which row and column is wrong and why.

Header names are compared normalised (lower case, umlauts transliterated, everything but
letters and digits dropped), so ``Bestell-ID``, ``BESTELL ID`` and ``bestell_id`` are the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fastexcel
import polars as pl
from babel import Locale
from babel.core import get_global
from babel.numbers import list_currencies

from kundenwert.import_spec import (
    FIELDS,
    ORDER_FIELDS,
    ORDER_KINDS,
    ORDER_STATUSES,
    REQUIRED_CUSTOMER_FIELDS,
    REQUIRED_ORDER_FIELDS,
    STAND_INS,
    ImportFormat,
    header_names,
    normalise_header,
    normalise_value,
    value_table,
)
from kundenwert.import_tools import TOOL_FORMATS

__all__ = [
    "FIELDS",
    "FORMATS",
    "GENERIC",
    "KNOWN_FORMATS",
    "LOCAL_ZONE",
    "ORDER_FIELDS",
    "ORDER_KINDS",
    "ORDER_STATUSES",
    "REQUIRED_CUSTOMER_FIELDS",
    "REQUIRED_ORDER_FIELDS",
    "STAND_INS",
    "CellError",
    "FileError",
    "ImportFormat",
    "Table",
    "amount_sign",
    "decimal_comma",
    "decode",
    "detect_format",
    "get_format",
    "map_columns",
    "normalise_header",
    "normalise_value",
    "parse_amount",
    "parse_country",
    "parse_currency",
    "parse_date",
    "parse_date_time",
    "parse_decimal",
    "parse_email",
    "parse_kind",
    "parse_postcode",
    "parse_quantity",
    "parse_status",
    "parse_text",
    "parse_zone",
    "read",
    "read_table",
    "slash_date_order",
    "split_full_name",
]

LOCAL_ZONE = ZoneInfo("Europe/Berlin")
# A date without a time is taken as noon local time: the calendar day then stays the same in
# UTC and in Berlin, so a day-based figure never moves an order to the previous day.
DATE_ONLY_TIME = time(12, 0)


class CellError(ValueError):
    """One cell cannot be read; ``key`` names the message, ``params`` fill it in."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, Any] = params


class FileError(ValueError):
    """The file as a whole cannot be read (empty, not a table, broken Excel)."""

    def __init__(self, key: str, row: int | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.row = row
        self.params: dict[str, Any] = params


# --- Formats --------------------------------------------------------------------------------------

# Header names are compared normalised, so "order_id", "Order ID" and "order-id" are one name.
_GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": header_names(
        "order_id | order number | order no | bestellnummer | bestell-id | bestellnr"
        " | bestellung | auftragsnummer | auftragsnr | invoice | invoice no | invoice number"
        " | rechnungsnummer | rechnungsnr | belegnummer"
    ),
    "date": header_names(
        "date | order_date | ordered_at | created_at | created | invoice date | datum"
        " | bestelldatum | kaufdatum | auftragsdatum | transaktionsdatum | rechnungsdatum"
        " | belegdatum | zahlungsdatum"
    ),
    "email": header_names(
        "email | e-mail-adresse | email address | customer_email | buyer_email"
        " | kunden-e-mail | käufer e-mail | mail"
    ),
    "customer_id": header_names(
        "customer_id | customer number | kundennummer | kunden-id | kundennr"
    ),
    "first_name": header_names("first_name | given name | vorname"),
    "last_name": header_names("last_name | surname | family name | nachname"),
    "full_name": header_names("name | full name | customer name | kundenname | kunde | käufer"),
    "company": header_names("company | company name | firma | firmenname | unternehmen"),
    "country": header_names("country | country code | land | ländercode | staat"),
    "city": header_names("city | town | ort | stadt | wohnort"),
    "postcode": header_names("postcode | postal code | zip | zip code | plz | postleitzahl"),
    "customer_since": header_names(
        "customer_since | kunde seit | registriert am | registered at | signup date"
    ),
    "product": header_names(
        "product | product name | item | description | produkt | produktname | artikel"
        " | artikelname | bezeichnung | beschreibung"
    ),
    "product_id": header_names(
        "product_id | sku | stock code | produkt-id | artikelnummer | artikelnr"
    ),
    "quantity": header_names("quantity | qty | menge | anzahl | stückzahl"),
    "amount": header_names(
        "amount | gross | gross amount | total | betrag | bruttobetrag | brutto | gesamtbetrag"
        " | gesamtbruttobetrag | summe | umsatz"
    ),
    "unit_price": header_names(
        "unit_price | price | unitprice | einzelpreis | stückpreis | preis | preis pro stück"
    ),
    "net": header_names("net | net amount | netto | nettobetrag"),
    "currency": header_names("currency | währung | curr"),
    "tax": header_names(
        "tax | vat | tax amount | vat amount | mwst | mwst-betrag | mehrwertsteuer | ust"
        " | umsatzsteuer | steuer | steuerbetrag"
    ),
    "status": header_names(
        "status | payment status | order status | zahlungsstatus | bestellstatus"
        " | transaktionsstatus"
    ),
    "kind": header_names(
        "kind | order kind | payment plan | art | zahlungsplan | abrechnungstyp | bestellart"
        " | vertragsart"
    ),
    "refunded": header_names(
        "refunded | refunded amount | refund | refund amount | erstattet | erstattung"
        " | erstattungsbetrag | rückerstattung | rückerstattet"
    ),
    "refund_date": header_names("refund_date | refunded_at | erstattungsdatum | erstattet am"),
    # The payment provider's id of the payment (PayPal, Stripe …), to recognise the same
    # payment seen in a shop export and in the provider's own data.
    "payment_id": header_names(
        "payment_id | payment reference | transaction_id | zahlungs-id | zahlungsreferenz"
        " | transaktions-id | transaktionscode | paypal transaktionscode"
    ),
}

GENERIC = ImportFormat(
    name="generic",
    label="CSV/Excel (Kundenwert-Format)",
    kind="csv",
    aliases=_GENERIC_ALIASES,
    source="docs/import-format.md",
)

KNOWN_FORMATS: tuple[ImportFormat, ...] = TOOL_FORMATS
FORMATS: dict[str, ImportFormat] = {fmt.name: fmt for fmt in (GENERIC, *KNOWN_FORMATS)}
FORMAT_NAME_ALIASES = {
    "csv": "generic",
    "excel": "generic",
    "ablefy": "elopage",
    "ds24": "digistore24",
    "woo": "woocommerce",
}


def get_format(name: str) -> ImportFormat | None:
    key = name.strip().lower()
    return FORMATS.get(FORMAT_NAME_ALIASES.get(key, key))


def detect_format(columns: Sequence[str]) -> ImportFormat:
    """The known tool whose signature the header contains, else the generic format."""
    present = {normalise_header(c) for c in columns}
    for fmt in KNOWN_FORMATS:
        if any(signature <= present for signature in fmt.signatures):
            return fmt
    return GENERIC


def map_columns(df: pl.DataFrame | Sequence[str], fmt: ImportFormat) -> dict[str, str]:
    """Canonical field → file column. A tool's own names win, the generic names fill gaps."""
    columns = list(df.columns) if isinstance(df, pl.DataFrame) else list(df)
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(normalise_header(column), column)
    mapping: dict[str, str] = {}
    # Columns a format says are never read count as used from the start.
    used = {by_norm[n] for n in map(normalise_header, fmt.ignored) if n in by_norm}
    passes = [fmt.aliases] if fmt is GENERIC else [fmt.aliases, GENERIC.aliases]
    for aliases in passes:
        for field_name in FIELDS:
            if field_name in mapping:
                continue
            for alias in aliases.get(field_name, ()):
                found = by_norm.get(normalise_header(alias))
                if found is not None and found not in used:
                    mapping[field_name] = found
                    used.add(found)
                    break
    return mapping


# --- Reading files --------------------------------------------------------------------------------


@dataclass
class Table:
    """A file as strings: ``lines[i]`` is the row number (header = 1) of ``frame`` row ``i``."""

    frame: pl.DataFrame
    lines: list[int]
    excel: bool = False
    delimiter: str | None = None


_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (";", ",", "\t", "|")


def read_table(data: bytes, filename: str) -> pl.DataFrame:
    """The file as a frame with every column a string (empty cells are null)."""
    return read(data, filename).frame


def read(data: bytes, filename: str) -> Table:
    if not data.strip():
        raise FileError("empty_file")
    name = filename.lower()
    if data.startswith(_XLSX_MAGIC) or data.startswith(_XLS_MAGIC):
        return _read_excel(data)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        # the message template needs a detail: without it the error itself failed (KeyError)
        raise FileError("unreadable_excel", detail="no XLSX/XLS signature")
    return _read_csv(decode(data))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (little-endian also without BOM), else
    Windows-1252 (Excel's 'CSV')."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:400]
    if len(head) >= 4 and head[1::2].count(0) >= 0.9 * len(head[1::2]) and not head[::2].count(0):
        # UTF-16 without BOM (some export tools): every other byte of Latin text is zero
        return data.decode("utf-16-le", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # Five bytes are undefined in Windows-1252; Latin-1 reads every byte.
        return data.decode("latin-1")


def _records(text: str, delimiter: str) -> Iterable[tuple[int, list[str]]]:
    """(first line number, cells) of every record, blank ones included."""
    if _unquoted(text):
        # Without quotes every line is one record and a cell is what lies between delimiters:
        # str.split gives what the csv module gives, several times faster.
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            yield number, line.split(delimiter) if line else []
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    try:
        for cells in reader:
            yield previous_end + 1, cells
            previous_end = reader.line_num
    except csv.Error as error:
        raise FileError("bad_csv", row=previous_end + 1, detail=str(error)) from error


def _unquoted(text: str) -> bool:
    """No quotes, carriage returns or NULs, and no line longer than the csv module's field
    limit: nothing whose reading (or refusal) needs the csv module."""
    if '"' in text or "\r" in text or "\x00" in text:
        return False
    return max(map(len, text.split("\n"))) < csv.field_size_limit()


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns, consistently below it."""
    lines = [line for line in text.splitlines() if line.strip()][:30]
    sample = "\n".join(lines)
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        widths = [len(cells) for _, cells in _records(sample, delimiter) if cells]
        if not widths or widths[0] < 2:
            continue
        consistent = sum(1 for w in widths[1:] if w == widths[0])
        score = (consistent, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _unique_headers(cells: Sequence[str]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.strip().lstrip("\ufeff") or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        headers.append(name)
    return headers


def _read_csv(text: str) -> Table:
    delimiter: str | None = None
    offset = 0
    first_line = text.split("\n", 1)[0].strip().strip('"')
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        # Excel's hint line ("sep=;") names the delimiter and is not part of the table.
        delimiter = first_line[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        offset = 1
    delimiter = delimiter or sniff_delimiter(text)
    rectangular = _rectangular(text, delimiter, offset)
    if rectangular is not None:
        return rectangular
    records = ((line + offset, cells) for line, cells in _records(text, delimiter))
    return _table(records, excel=False, delimiter=delimiter)


def _rectangular(text: str, delimiter: str, offset: int) -> Table | None:
    """The table of a plain file, split in Polars at once: no quotes, the header on the first
    line (two or more names, the last one not empty), and every further line neither blank
    nor with another number of cells. Anything else (title lines, blank lines, ragged rows)
    returns None and is read record by record (:func:`_table`), which gives the same table."""
    if not _unquoted(text):
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) < 2:
        return None
    header_cells = lines[0].split(delimiter)
    width = len(header_cells)
    named = sum(1 for cell in header_cells if cell.strip())
    if named < 2 or not header_cells[-1].strip():
        return None
    body = lines[1:]
    if any(line.count(delimiter) != width - 1 for line in body):
        return None
    if not all(line.replace(delimiter, "").strip() for line in body):
        return None
    headers = _unique_headers(header_cells)
    cells = pl.Series(body, dtype=pl.String).str.split_exact(delimiter, width - 1)
    frame = cells.struct.unnest()
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    frame = frame.select(_trimmed(h) for h in headers)
    numbers = list(range(offset + 2, offset + 2 + len(body)))
    return Table(frame=frame, lines=numbers, excel=False, delimiter=delimiter)


def _read_excel(data: bytes) -> Table:
    """The first sheet, every cell as text (date cells as ``2025-12-31 14:30:00``)."""
    try:
        workbook = fastexcel.read_excel(data)
        # No header row and no skipped rows: frame row i is sheet row i + 1, as Excel shows it.
        sheet = workbook.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
        frame: pl.DataFrame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own, untyped errors
        raise FileError("unreadable_excel", detail=str(error)) from error
    records = ((i + 1, [cell or "" for cell in row]) for i, row in enumerate(frame.rows()))
    return _table(records, excel=True, delimiter=None)


def _table(records: Iterable[tuple[int, list[str]]], excel: bool, delimiter: str | None) -> Table:
    """Header = the first row with two or more values, so that title lines above it are
    skipped (a one-column file: its first row). Blank rows are skipped but keep their number."""
    filled = [(line, cells) for line, cells in records if "".join(cells).strip()]
    if not filled:
        raise FileError("empty_file")
    start = next(
        (i for i, (_, cells) in enumerate(filled) if sum(1 for c in cells if c.strip()) >= 2), 0
    )
    header_cells = filled[start][1]
    while header_cells and not header_cells[-1].strip():
        header_cells = header_cells[:-1]
    headers = _unique_headers(header_cells)
    width = len(headers)
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, cells in filled[start + 1 :]:
        if len(cells) != width:
            if len(cells) > width:
                if "".join(cells[width:]).strip():
                    raise FileError("too_many_cells", row=line, found=len(cells), expected=width)
                cells = cells[:width]
            else:
                cells = cells + [""] * (width - len(cells))
        rows.append(cells)
        lines.append(line)
    # column by column, trimmed and empty cells made null in Polars (see _trimmed)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    frame = pl.DataFrame(
        {
            h: pl.Series(h, values, dtype=pl.String)
            for h, values in zip(headers, columns, strict=True)
        }
    ).select(_trimmed(h) for h in headers)
    return Table(frame=frame, lines=lines, excel=excel, delimiter=delimiter)


# Every character Python's str.strip() removes (Unicode white space and the separators
# \x1c-\x1f), so that trimming a whole column in Polars equals ``cell.strip()``.
_PY_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def _trimmed(name: str) -> pl.Expr:
    trimmed = pl.col(name).str.strip_chars(_PY_WHITESPACE)
    return pl.when(trimmed != "").then(trimmed).alias(name)


# --- Cell values ----------------------------------------------------------------------------------

_CURRENCY_SYMBOLS = {"€": "EUR", "euro": "EUR", "$": "USD", "£": "GBP", "fr.": "CHF", "sfr.": "CHF"}
_CURRENCY_EDGE = re.compile(r"^(?:[A-Z]{3}|€|\$|£)\s*|\s*(?:[A-Z]{3}|€|\$|£)$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _strip_currency(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _CURRENCY_EDGE.sub("", text.strip())
    return text


def _amount_core(raw: str) -> tuple[bool, str]:
    """(negative, digits with separators) of an amount cell, currency and spaces removed."""
    text = _strip_currency(raw.strip())
    text = _SPACES.sub("", text).replace("’", "")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith(("-", "+", "−")):
        negative, text = text[0] != "+", text[1:]
    elif text.endswith("-"):
        negative, text = True, text[:-1]
    return negative, _strip_currency(text)


def amount_sign(raw: str) -> int:
    """-1, 0 or 1: the sign of an amount cell (``"-6,19"``, ``"(5.00)"``, ``"12,00 €"``)."""
    negative, core = _amount_core(raw)
    if not any(c in "123456789" for c in core):
        return 0
    return -1 if negative else 1


_COMMA_DECIMAL = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$|^\d+,\d{1,2}$")
_POINT_DECIMAL = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$|^\d+\.\d{1,2}$")


def decimal_comma(values: Iterable[str | None], default: bool) -> bool:
    """Whether a column writes ``12,50`` (German) or ``12.50``: what its clear values say."""
    comma = point = 0
    # each distinct value once: a column of 100,000 amounts has a few hundred of them
    for value, count in Counter(v for v in values if v).items():
        _, core = _amount_core(value)
        if _COMMA_DECIMAL.match(core):
            comma += count
        elif _POINT_DECIMAL.match(core):
            point += count
    if comma == point:
        return default
    return comma > point


def _is_grouped(text: str, separator: str) -> bool:
    parts = text.split(separator)
    return (
        1 <= len(parts[0]) <= 3
        and all(p.isdigit() for p in parts)
        and all(len(p) == 3 for p in parts[1:])
    )


def parse_decimal(raw: str, comma_decimal: bool, excel: bool = False) -> Decimal:
    """The exact number in ``"1.234,56"``, ``"1,234.56"``, ``"€ 12,00"``, ``"-5,00"`` ….

    With both separators the last one is the decimal mark. With one, the column's convention
    decides, unless the value can only be read one way.
    """
    negative, core = _amount_core(raw)
    if not core or not re.fullmatch(r"[0-9.,]+", core) or not any(c.isdigit() for c in core):
        raise CellError("bad_amount", value=raw)
    decimal_mark, group_mark = (",", ".") if comma_decimal else (".", ",")
    if "," in core and "." in core:
        decimal_mark = "," if core.rfind(",") > core.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        whole, _, fraction = core.rpartition(decimal_mark)
        if fraction == "" or decimal_mark in whole or not _is_grouped(whole, group_mark):
            raise CellError("bad_amount", value=raw)
        number = f"{whole.replace(group_mark, '')}.{fraction}"
    elif group_mark in core:
        if _is_grouped(core, group_mark) and not (core.count(group_mark) == 1 and excel):
            number = core.replace(group_mark, "")
        elif core.count(group_mark) == 1:
            number = core.replace(group_mark, ".")
        else:
            raise CellError("bad_amount", value=raw)
    else:
        if core.count(decimal_mark) > 1:
            raise CellError("bad_amount", value=raw)
        number = core.replace(decimal_mark, ".")
    if number.startswith(".") or number.endswith("."):
        raise CellError("bad_amount", value=raw)
    try:
        value = Decimal(number)
    except InvalidOperation as error:
        raise CellError("bad_amount", value=raw) from error
    return -value if negative else value


def parse_amount(raw: str, comma_decimal: bool, excel: bool = False) -> int:
    """Integer cents, exactly. More than two decimals are an error unless they are zeros (or,
    in Excel cells, binary floating-point noise like 19.990000000000002)."""
    cents = parse_decimal(raw, comma_decimal, excel) * 100
    if cents != cents.to_integral_value():
        rounded = cents.quantize(Decimal(1))
        if not (excel and abs(cents - rounded) < Decimal("0.0001")):
            raise CellError("too_many_decimals", value=raw)
        cents = rounded
    return int(cents)


def line_total_cents(unit_price: Decimal, quantity: int) -> int:
    """Unit price × quantity in cents, rounded half up (unit prices may have more decimals)."""
    return int((unit_price * quantity * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_DE_DATE = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})"
    r"(?:[\s,T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:\s*Uhr)?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T\s].*)?$")
_SLASH_DATE = re.compile(r"^\d{1,4}/\d{1,2}/\d{1,4}")
_SLASH_PARTS = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[\s,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)


def slash_date_order(values: Iterable[str | None]) -> str | None:
    """Whether a column's slash dates are day-first ("dmy") or month-first ("mdy").

    A single ``01/02/2025`` cannot be read safely, but a whole column can: one value with a
    first part above 12 proves day-first (31/12/2025), one with a second part above 12 proves
    month-first (12/31/2025, as in US exports). ``None`` when the column proves neither, or
    proves both (then every slash date stays an "ambiguous date" error).
    """
    day_first = month_first = False
    for value in {v for v in values if v and "/" in v}:
        match = _SLASH_PARTS.match((value or "").strip())
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            day_first |= first > 12
            month_first |= second > 12
    if day_first == month_first:
        return None
    return "dmy" if day_first else "mdy"


def _parse_slash(text: str, order: str, zone: tzinfo) -> datetime | None:
    match = _SLASH_PARTS.match(text)
    if match is None:
        return None
    first, second, year, hour, minute, second_of_minute, meridiem = match.groups()
    day, month = (first, second) if order == "dmy" else (second, first)
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    day_value = date(full_year, int(month), int(day))
    if hour is None:
        return _date_only(day_value)
    hours = int(hour)
    if meridiem:
        if not 1 <= hours <= 12:
            raise ValueError("12-hour clock out of range")
        hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
    clock = time(hours, int(minute), int(second_of_minute or 0))
    return _local_to_utc(datetime.combine(day_value, clock), zone)


_EXCEL_EPOCH = datetime(1899, 12, 30)


def _local_to_utc(moment: datetime, zone: tzinfo = LOCAL_ZONE) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _date_only(day: date) -> datetime:
    return _local_to_utc(datetime.combine(day, DATE_ONLY_TIME))


def parse_date(
    raw: str, excel: bool = False, slash_order: str | None = None, zone: tzinfo | None = None
) -> datetime:
    """UTC datetime of ``31.12.2025``, ``31.12.2025 14:30``, ``31.12.25``, ISO 8601, or an Excel
    date. Times without a zone are in ``zone`` (default Berlin time); a date alone is noon
    Berlin time. Slash dates (``12/31/2025``, ``31/12/2025``) only with the order their column
    proves (:func:`slash_date_order`): ``01/02/2025`` alone cannot be read safely.
    """
    zone = zone or LOCAL_ZONE
    text = raw.strip()
    match = _DE_DATE.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = match.groups()
            full_year = int(year) + 2000 if len(year) == 2 else int(year)
            day_value = date(full_year, int(month), int(day))
            if hour is None:
                return _date_only(day_value)
            clock = time(int(hour), int(minute), int(second or 0))
            return _local_to_utc(datetime.combine(day_value, clock), zone)
        if _ISO_DATE.match(text):
            if len(text) == 10:
                return _date_only(date.fromisoformat(text))
            # Shopify writes "2024-05-01 09:58:12 +0200": a space before the offset.
            text = _SPACED_OFFSET.sub(r"\1", text)
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
            if excel and moment.tzinfo is None and moment.time() == time(0, 0):
                # Excel date cells without a time arrive as midnight.
                return _date_only(moment.date())
            return _local_to_utc(moment, zone)
        if excel and re.fullmatch(r"\d{5}(\.\d+)?", text):
            serial = Decimal(text)
            if 20000 <= serial <= 80000:
                moment = _EXCEL_EPOCH + timedelta(days=float(serial))
                moment = moment.replace(microsecond=0)
                if moment.time() == time(0, 0):
                    return _date_only(moment.date())
                return _local_to_utc(moment, zone)
        if slash_order is not None:
            moment_or_none = _parse_slash(text, slash_order, zone)
            if moment_or_none is not None:
                return moment_or_none
    except ValueError as error:
        raise CellError("bad_date", value=raw) from error
    if _SLASH_DATE.match(text):
        raise CellError("ambiguous_date", value=raw)
    raise CellError("bad_date", value=raw)


_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}:?\d{2}|Z)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
# Time-zone abbreviations PayPal and others write next to a local time. Ambiguous ones (IST,
# BST in some lists, CST in Asia) are read as in Europe and North America, where Kundenwert's
# users and their payment providers are.
_ZONE_HOURS = {
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "wet": 0,
    "west": 1,
    "bst": 1,
    "cet": 1,
    "mez": 1,
    "cest": 2,
    "mesz": 2,
    "eet": 2,
    "oez": 2,
    "eest": 3,
    "oesz": 3,
    "msk": 3,
    "hst": -10,
    "akst": -9,
    "akdt": -8,
    "pst": -8,
    "pdt": -7,
    "mst": -7,
    "mdt": -6,
    "cst": -6,
    "cdt": -5,
    "est": -5,
    "edt": -4,
    "awst": 8,
    "hkt": 8,
    "sgt": 8,
    "jst": 9,
    "kst": 9,
    "aest": 10,
    "aedt": 11,
    "nzst": 12,
    "nzdt": 13,
}


def parse_zone(raw: str) -> tzinfo:
    """The zone of ``"CEST"``, ``"PDT"``, ``"Europe/Berlin"``, ``"UTC+01:00"``, ``"+0200"``."""
    text = raw.strip()
    hours = _ZONE_HOURS.get(text.lower())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    offset = _OFFSET.match(text.upper())
    if offset:
        sign, hh, mm = offset.groups()
        delta = timedelta(hours=int(hh), minutes=int(mm or 0))
        if delta <= timedelta(hours=14):
            return timezone(-delta if sign == "-" else delta)
    if "/" in text:
        try:
            return ZoneInfo(text)
        except (ValueError, ZoneInfoNotFoundError):
            pass
    raise CellError("bad_time_zone", value=raw)


def parse_date_time(
    date_raw: str,
    time_raw: str | None,
    zone: tzinfo | None,
    excel: bool = False,
    slash_order: str | None = None,
) -> datetime:
    """UTC datetime of a date and a time given in separate cells (PayPal: ``15.09.2025``,
    ``14:32:15``) in ``zone`` (default Berlin time). Without a time, the date alone."""
    day_moment = parse_date(date_raw, excel=excel, slash_order=slash_order)
    if not time_raw or not time_raw.strip():
        return day_moment
    clock = _CLOCK.match(time_raw.strip())
    if clock is None:
        raise CellError("bad_time", value=time_raw)
    hour, minute, second, meridiem = clock.groups()
    hours = int(hour)
    if meridiem:
        hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
    try:
        moment_time = time(hours, int(minute), int(second or 0))
    except ValueError as error:
        raise CellError("bad_time", value=time_raw) from error
    day_value = day_moment.astimezone(LOCAL_ZONE).date()
    return _local_to_utc(datetime.combine(day_value, moment_time), zone or LOCAL_ZONE)


_GENERIC_STATUS = value_table(
    paid="paid | bezahlt | completed | complete | abgeschlossen | succeeded | success"
    " | successful | erfolgreich | settled",
    refunded="refunded | erstattet | rückerstattet | zurückerstattet",
    partially_refunded="partially refunded | teilweise erstattet | teilweise rückerstattet"
    " | teilerstattet",
    chargeback="chargeback | charged back | rückbuchung | rücklastschrift",
    cancelled="cancelled | canceled | storniert | void | voided",
    pending="pending | offen | ausstehend | processing | in bearbeitung | wartet auf zahlung"
    " | zahlung ausstehend | unbezahlt | nicht bezahlt",
    failed="failed | fehlgeschlagen | declined | abgelehnt | abgelaufen | expired",
)
_GENERIC_KIND = value_table(
    one_time="one time | onetime | single | einmalig | einmalzahlung | einzelkauf",
    subscription="subscription | abo | abonnement",
    installment="installment | installments | instalment | ratenzahlung | raten | teilzahlung",
    trial="trial | test | testphase | testzeitraum",
    invoice="invoice | rechnung",
)
# Tool exports write plans as free text ("3 Raten à 99 €", "Monatliches Abo"): key words.
_KIND_WORDS = (
    ("rate", "installment"),
    ("instal", "installment"),
    ("abo", "subscription"),
    ("subscri", "subscription"),
    ("einmal", "one_time"),
    ("one time", "one_time"),
    ("single", "one_time"),
    ("trial", "trial"),
    ("test", "trial"),
)


def parse_status(raw: str, fmt: ImportFormat) -> str:
    key = normalise_value(raw)
    if not key:
        return "paid"
    for table in (fmt.status_values, _GENERIC_STATUS):
        if key in table:
            return table[key]
    if key.replace(" ", "_") in ORDER_STATUSES:
        return key.replace(" ", "_")
    raise CellError("bad_status", value=raw)


def parse_kind(raw: str, fmt: ImportFormat) -> str:
    key = normalise_value(raw)
    if not key:
        return "one_time"
    for table in (fmt.kind_values, _GENERIC_KIND):
        if key in table:
            return table[key]
    if key.replace(" ", "_") in ORDER_KINDS:
        return key.replace(" ", "_")
    for word, kind in _KIND_WORDS:
        if word in key:
            return kind
    raise CellError("bad_kind", value=raw)


@lru_cache(maxsize=1)
def _countryheader_names() -> dict[str, str]:
    """Lower-case name or code → ISO 3166-1 alpha-2, from the CLDR data babel ships."""
    names: dict[str, str] = {}
    aliases: Mapping[str, list[str]] = get_global("territory_aliases")
    for locale in ("en", "de", "fr", "it"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in {"EU", "EZ", "UN", "ZZ", "QO"}:
                names.setdefault(name.lower(), code)
                names.setdefault(code.lower(), code)
    for alias, targets in aliases.items():
        if alias.isalpha() and len(targets) == 1 and targets[0].lower() in names:
            names.setdefault(alias.lower(), targets[0])
    return names


def parse_country(raw: str) -> str:
    """ISO alpha-2 of ``"Deutschland"``, ``"Germany"``, ``"DE"``, ``"DEU"``, ``"Österreich"``."""
    text = raw.strip()
    names = _countryheader_names()
    code = names.get(text.lower())
    if code is None:
        inner = re.search(r"\(([A-Za-z]{2,3})\)", text)
        code = names.get(inner.group(1).lower()) if inner else None
    if code is None:
        raise CellError("bad_country", value=raw)
    return code


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_currency(raw: str) -> str:
    text = raw.strip()
    code = _CURRENCY_SYMBOLS.get(text.lower(), text.upper())
    if code not in _currencies():
        raise CellError("bad_currency", value=raw)
    return code


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(raw: str) -> str:
    text = raw.strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text):
        raise CellError("bad_email", value=raw)
    return text


def parse_quantity(raw: str, allow_zero: bool = False) -> int:
    """A whole quantity. Negative quantities are returned goods on a credit note; zero is no
    line at all, except where a shop lists an item refunded in full with quantity 0 next to
    the order's total (``allow_zero``)."""
    text = raw.strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise CellError("bad_quantity", value=raw) from error
    if value != value.to_integral_value() or (value == 0 and not allow_zero):
        raise CellError("bad_quantity", value=raw)
    return int(value)


def parse_text(raw: str) -> str:
    return " ".join(raw.split())


def parse_postcode(raw: str) -> str:
    """``"'01067"`` → ``"01067"``: Excel users (and Shopify) protect leading zeros with ``'``."""
    return parse_text(raw).removeprefix("'").strip()


def split_full_name(full_name: str) -> tuple[str | None, str | None]:
    """``"Anna Maria Schmidt"`` → (``"Anna Maria"``, ``"Schmidt"``); ``"Schmidt, Anna"`` too."""
    text = " ".join(full_name.split())
    if not text:
        return None, None
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip() or None, last.strip() or None
    first, _, last = text.rpartition(" ")
    if not first:
        return None, last
    return first, last
