"""Customer lists as files: CSV for Excel, plain CSV and Excel workbooks (.xlsx).

The owner picks the columns (:data:`EXPORT_COLUMNS`, plus ``value:<source label>`` for the
value from one source). :func:`export_frame` turns the customer table into a typed frame with
the headers in the owner's language: money as exact ``Decimal`` amounts in the base currency,
dates as the German calendar day, text as text. The writers then only decide the dialect:

- :func:`to_csv_excel`: what German Excel opens with a double click — UTF-8 with BOM,
  ``;`` and ``1234,56`` and ``31.12.2025`` in German; ``,``, ``1234.56`` and ISO dates in
  English (an English Excel splits on commas).
- :func:`to_csv_plain`: for scripts and other tools — UTF-8, ``,``, ``1234.56``, ISO dates.
- :func:`to_xlsx`: numbers as numbers with a currency format, dates as date cells, a bold and
  frozen header row, columns wide enough to read.

Every text cell and header goes through :func:`neutralise` in all three formats, so a name
such as ``=HYPERLINK(…)`` typed into a shop's checkout is shown, never run, by a spreadsheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal

import polars as pl
import xlsxwriter
from babel.numbers import get_currency_symbol

from kundenwert import i18n

ColumnKind = Literal["text", "money", "date", "int"]

VALUE_PREFIX = "value:"

# key → (German header, English header, kind). ``{basis}`` is filled with the value basis.
EXPORT_COLUMNS: dict[str, tuple[str, str, ColumnKind]] = {
    "person_id": ("Nr.", "No.", "int"),
    "name": ("Name", "Name", "text"),
    "email": ("E-Mail", "E-mail", "text"),
    "company": ("Firma", "Company", "text"),
    "country": ("Land", "Country", "text"),
    "city": ("Ort", "City", "text"),
    "postcode": ("PLZ", "Postcode", "text"),
    "sources": ("Quellen", "Sources", "text"),
    "contacts": ("Kontakte", "Contacts", "int"),
    "orders": ("Bestellungen", "Orders", "int"),
    "first_order": ("Erste Bestellung", "First order", "date"),
    "last_order": ("Letzte Bestellung", "Last order", "date"),
    "value": ("Kundenwert ({basis})", "Customer value ({basis})", "money"),
    "refunds": ("Erstattungen ({basis})", "Refunds ({basis})", "money"),
    "chargebacks": ("Rückbuchungen ({basis})", "Chargebacks ({basis})", "money"),
    "rfm_segment": ("RFM-Segment", "RFM segment", "text"),
}
_VALUE_FROM = {"de": "Wert aus {label} ({basis})", "en": "Value from {label} ({basis})"}

# The columns of the Kunden page's download, in its order.
CUSTOMER_LIST_COLUMNS: tuple[str, ...] = (
    "person_id",
    "name",
    "email",
    "company",
    "country",
    "city",
    "postcode",
    "sources",
    "orders",
    "first_order",
    "last_order",
    "value",
    "refunds",
    "chargebacks",
)
DEFAULT_COLUMNS: tuple[str, ...] = (
    "person_id",
    "email",
    "name",
    "company",
    "country",
    "city",
    "postcode",
    "orders",
    "first_order",
    "last_order",
    "value",
)

# OWASP "CSV Injection" (owasp.org/www-community/attacks/CSV_Injection): a cell that starts
# with = + - @, a tab or a carriage return can be read as a formula; prefixing it with a
# single quote makes every spreadsheet treat it as text. We apply this to text cells only:
# a negative amount stays a number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


class ExportError(ValueError):
    """A column or option the owner can correct (the message says which)."""


def neutralise(text: str) -> str:
    """``=SUM(A1)`` → ``'=SUM(A1)``; anything not starting like a formula stays as it is."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _neutralise_expr(column: str) -> pl.Expr:
    value = pl.col(column)
    return (
        pl.when(value.str.contains(_FORMULA_PATTERN))
        .then(pl.lit("'") + value)
        .otherwise(value)
        .alias(column)
    )


def _header(key: str, lang: str, basis_text: str | None) -> str:
    language = i18n.normalise_language(lang)
    if key.startswith(VALUE_PREFIX):
        template = _VALUE_FROM[language].replace("{label}", key[len(VALUE_PREFIX) :])
    else:
        german, english, _ = EXPORT_COLUMNS[key]
        template = german if language == "de" else english
    if basis_text is None:
        return template.replace(" ({basis})", "")
    return template.replace("{basis}", basis_text)


def column_header(key: str, lang: str | None = "de", basis_text: str | None = None) -> str:
    """The header a column gets in the file, in ``lang``: the column chooser shows the same."""
    return _header(key, i18n.normalise_language(lang), basis_text)


def export_frame(
    customers: pl.DataFrame,
    columns: Sequence[str],
    lang: str | None = "de",
    *,
    by_source: pl.DataFrame | None = None,
    basis_text: str | None = None,
) -> pl.DataFrame:
    """The chosen columns of ``customers`` (a :attr:`Dataset.customers`-shaped frame), in the
    chosen order, with headers in ``lang``.

    Money columns (integer cents) become ``Decimal(38, 2)`` amounts; date columns (naive UTC)
    become the German calendar day; ``value:<label>`` needs ``by_source``
    (:attr:`Dataset.by_source`) and is 0 for persons without value from that source.
    Raises :class:`ExportError` for an unknown or unavailable column, or a column chosen twice.
    """
    language = i18n.normalise_language(lang)
    keys = [c.strip() for c in columns if c.strip()]
    if not keys:
        raise ExportError("Keine Spalten gewählt / no columns chosen")
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise ExportError(f"Spalte doppelt gewählt / column chosen twice: {', '.join(twice)}")
    frame = customers
    labels: set[str] = set()
    if by_source is not None:
        labels = set(by_source["source_label"].unique().to_list())
    for key in keys:
        if key.startswith(VALUE_PREFIX):
            label = key[len(VALUE_PREFIX) :]
            if by_source is None or label not in labels:
                known = ", ".join(sorted(labels)) or "–"
                raise ExportError(
                    f"Keine Quelle „{label}“ mit Umsatz / no source {label!r} with value "
                    f"(bekannt / known: {known})"
                )
        elif key not in EXPORT_COLUMNS:
            raise ExportError(
                f"Unbekannte Spalte / unknown column „{key}“; möglich / possible: "
                f"{', '.join(EXPORT_COLUMNS)}, {VALUE_PREFIX}<Quelle>"
            )
        elif key not in frame.columns:
            raise ExportError(f"Spalte „{key}“ ist hier nicht verfügbar / not available here")
    selected: list[pl.Expr] = []
    for key in keys:
        header = _header(key, language, basis_text)
        if key.startswith(VALUE_PREFIX):
            assert by_source is not None
            per_person = (
                by_source.filter(pl.col("source_label") == key[len(VALUE_PREFIX) :])
                .group_by("person_id")
                .agg(pl.col("value").sum().alias(key))
            )
            frame = frame.join(per_person, on="person_id", how="left").with_columns(
                pl.col(key).fill_null(0)
            )
            kind: ColumnKind = "money"
        else:
            kind = EXPORT_COLUMNS[key][2]
        if kind == "money":
            # integer cents → exact text → Decimal: no binary float ever touches the amount
            selected.append(i18n.amount_expr(key, "en").cast(pl.Decimal(38, 2)).alias(header))
        elif kind == "date":
            selected.append(i18n.local_time(pl.col(key)).dt.date().alias(header))
        elif kind == "int":
            selected.append(pl.col(key).cast(pl.Int64).alias(header))
        else:
            selected.append(pl.col(key).cast(pl.String).alias(header))
    return frame.select(selected)


def _text_frame(frame: pl.DataFrame, decimal_mark: str, date_format: str) -> pl.DataFrame:
    """Every cell as text for a CSV file: neutralised text, amounts with ``decimal_mark``."""
    cells: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            cells.append(pl.col(name).cast(pl.String).str.replace(".", decimal_mark, literal=True))
        elif dtype == pl.Date:
            cells.append(pl.col(name).dt.strftime(date_format))
        elif dtype == pl.String:
            cells.append(_neutralise_expr(name))
        else:
            cells.append(pl.col(name).cast(pl.String))
    return frame.select(cells).rename({name: neutralise(name) for name in frame.columns})


def _csv(frame: pl.DataFrame, separator: str, bom: bool) -> bytes:
    buffer = io.BytesIO()
    if bom:
        buffer.write("\ufeff".encode())
    frame.write_csv(buffer, separator=separator, quote_style="necessary")
    return buffer.getvalue()


def to_csv_excel(frame: pl.DataFrame, lang: str | None = "de") -> bytes:
    """CSV that Excel opens as it is: UTF-8 with BOM (so umlauts survive); German: ``;``,
    ``1234,56``, ``31.12.2025``; English: ``,``, ``1234.56``, ``2025-12-31``."""
    german = i18n.normalise_language(lang) == "de"
    text = _text_frame(frame, "," if german else ".", "%d.%m.%Y" if german else "%Y-%m-%d")
    return _csv(text, ";" if german else ",", bom=True)


def to_csv_plain(frame: pl.DataFrame) -> bytes:
    """CSV for programs: UTF-8 without BOM, ``,``, ``1234.56``, ISO dates."""
    return _csv(_text_frame(frame, ".", "%Y-%m-%d"), ",", bom=False)


def _money_format(lang: str, currency: str) -> str:
    # Excel number formats always use ',' for grouping and '.' for decimals; Excel shows them
    # in the reader's locale. The symbol is quoted so it is never read as a format code.
    symbol = get_currency_symbol(currency, locale=i18n.locale_of(lang))
    if lang == "de":
        return f'#,##0.00 "{symbol}";-#,##0.00 "{symbol}"'
    return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'


def _width(frame: pl.DataFrame, name: str) -> int:
    """Characters of the longest cell (header included), between 8 and 50; +4 for the symbol
    and grouping marks an amount gains in its number format."""
    dtype = frame.schema[name]
    longest: int = frame.select(pl.col(name).cast(pl.String).str.len_chars().max()).item() or 0
    if isinstance(dtype, pl.Decimal):
        longest += 4
    return max(8, min(50, max(len(name), longest) + 2))


def to_xlsx(frame: pl.DataFrame, lang: str | None = "de", currency: str = "EUR") -> bytes:
    """An Excel workbook with one sheet: amounts as numbers in a currency format, dates as
    date cells, text as text (never as a formula), a bold frozen header row."""
    language = i18n.normalise_language(lang)
    buffer = io.BytesIO()
    # strings_to_*: False so that no text is ever turned into a formula, number or link
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("Kunden" if language == "de" else "Customers")
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": _money_format(language, currency)})
    day = workbook.add_format({"num_format": "dd.mm.yyyy" if language == "de" else "yyyy-mm-dd"})
    integer = workbook.add_format({"num_format": "0"})
    kinds: list[str] = []
    for col, (name, dtype) in enumerate(frame.schema.items()):
        sheet.write_string(0, col, neutralise(name), bold)
        sheet.set_column(col, col, _width(frame, name))
        if isinstance(dtype, pl.Decimal):
            kinds.append("money")
        elif dtype == pl.Date:
            kinds.append("date")
        elif dtype.is_integer():
            kinds.append("int")
        else:
            kinds.append("text")
    sheet.freeze_panes(1, 0)
    if frame.width:
        sheet.autofilter(0, 0, frame.height, frame.width - 1)
    for row, values in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(values):
            if value is None:
                continue
            kind = kinds[col]
            if kind == "money":
                # xlsx stores every number as a binary double; the exact Decimal is rounded
                # once here, and 2 decimals survive a double exactly enough for display.
                sheet.write_number(row, col, float(value), money)
            elif kind == "date":
                sheet.write_datetime(row, col, value, day)
            elif kind == "int":
                sheet.write_number(row, col, value, integer)
            else:
                sheet.write_string(row, col, neutralise(str(value)))
    workbook.close()
    return buffer.getvalue()


__all__ = [
    "CUSTOMER_LIST_COLUMNS",
    "DEFAULT_COLUMNS",
    "EXPORT_COLUMNS",
    "VALUE_PREFIX",
    "ExportError",
    "column_header",
    "export_frame",
    "neutralise",
    "to_csv_excel",
    "to_csv_plain",
    "to_xlsx",
]
