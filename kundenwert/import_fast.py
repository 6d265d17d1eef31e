"""Whole-column parsing of the common, plain cells of an export with Polars expressions.

Parsing 100,000 rows cell by cell in Python (:mod:`kundenwert.import_formats`) took most of an
import's time. The functions here read a whole column at once, but only the cells whose form
is so plain that the cell parser would certainly return the same value: ``12,50`` or ``-9.90``
with the column's decimal mark, ``31.12.2025 14:30`` and ``2025-12-31 14:30:00`` in German time,
ASCII e-mail addresses, text without extra spaces. Every other cell comes back as ``None`` and
goes through the cell parser, so that what it accepts, how it rounds and every error message
with row and column stay exactly as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import polars as pl

# Python's str.split() also splits at \x1c-\x1f, which are no Unicode white space.
_PLAIN_TEXT = r"^[^\s\x1c-\x1f]+(?: [^\s\x1c-\x1f]+)*$"
_PLAIN_EMAIL = r"^[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+$"  # printable ASCII, one @, no space
_MAX_DIGITS = 15  # whole-euro digits read here; longer numbers (no overflow) by the cell parser
_ZONE = "Europe/Berlin"
# Years whose German clock changes Polars' time-zone table knows as Python's zoneinfo does
# (it lacks the summer time of far-future years); others go to the cell parser.
_YEARS = ("1971", "2037")
# 31.12.2025, 31.12.2025 14:30, 31.12.2025 14:30:15 (also with T); seconds below 60, as
# Polars reads 60 as a leap second.
_DE_DATE = (
    r"^(?<d>\d{1,2})\.(?<m>\d{1,2})\.(?<y>\d{4})"
    r"(?:[ T](?<H>\d{1,2}):(?<M>[0-5]\d)(?::(?<S>[0-5]\d))?)?$"
)
_ISO_DATE = r"^(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})(?:[ T](?<H>\d{2}):(?<M>[0-5]\d):(?<S>[0-5]\d))?$"


Cells = pl.Series | Sequence[str | None]


def _series(values: Cells) -> pl.Series:
    if isinstance(values, pl.Series):
        return values
    return pl.Series(values, dtype=pl.String)


def plain_text(values: Cells) -> list[str | None]:
    """Cells that :func:`~kundenwert.import_formats.parse_text` returns unchanged."""
    s = _series(values)
    return pl.select(pl.when(s.str.contains(_PLAIN_TEXT)).then(s)).to_series().to_list()


def plain_email(values: Cells) -> list[str | None]:
    """ASCII addresses without ``mailto:``, lower-cased as the cell parser does."""
    s = _series(values)
    lowered = s.str.to_lowercase()
    plain = s.str.contains(_PLAIN_EMAIL) & ~lowered.str.starts_with("mailto:")
    return pl.select(pl.when(plain).then(lowered)).to_series().to_list()


def plain_amount_cents(values: Cells, comma_decimal: bool) -> list[int | None]:
    """Integer cents of ``12``, ``12,5``, ``-12,50`` (decimal mark of the column, no grouping,
    at most two decimals)."""
    mark = "," if comma_decimal else r"\."
    pattern = (
        rf"^(?<sign>-?)(?<whole>[0-9]{{1,{_MAX_DIGITS}}})(?:{mark}(?<fraction>[0-9]{{1,2}}))?$"
    )
    parts = _series(values).str.extract_groups(pattern).struct.unnest()
    whole = parts["whole"].cast(pl.Int64)
    fraction = parts["fraction"].fill_null("0").str.pad_end(2, "0").cast(pl.Int64)
    cents = whole * 100 + fraction
    return (
        pl.select(pl.when(parts["sign"] == "-").then(-cents).otherwise(cents)).to_series().to_list()
    )


def plain_dates(values: Cells) -> list[datetime | None]:
    """UTC datetimes of German (``31.12.2025 14:30``) and ISO (``2025-12-31 14:30:00``) dates
    in German time; a date alone is noon German time, as the cell parser takes it. Times that
    do not exist in German time (the hour skipped in March) are left to the cell parser."""
    s = _series(values)
    found = [s.str.extract_groups(pattern).struct.unnest() for pattern in (_DE_DATE, _ISO_DATE)]
    parts = {
        name: found[0][name].fill_null(found[1][name]) for name in ("y", "m", "d", "H", "M", "S")
    }
    date_only = parts["H"].is_null()
    known_year = parts["y"].is_between(*_YEARS)
    text = pl.select(
        pl.when(known_year).then(
            pl.format(
                "{}-{}-{} {}:{}:{}",
                parts["y"],
                parts["m"].str.zfill(2),
                parts["d"].str.zfill(2),
                pl.when(date_only).then(pl.lit("12")).otherwise(parts["H"].str.zfill(2)),
                pl.when(date_only).then(pl.lit("00")).otherwise(parts["M"]),
                parts["S"].fill_null("00"),
            )
        )
    ).to_series()
    local = text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    utc = (
        local.dt.replace_time_zone(_ZONE, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )
    return [None if moment is None else moment.replace(tzinfo=UTC) for moment in utc.to_list()]
