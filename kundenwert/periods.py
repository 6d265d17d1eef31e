"""Date ranges the analytics pages offer: presets, their days, and their form in a URL.

Every range is ``[start, end]`` in German calendar days (Europe/Berlin), both inclusive, like
the metrics (:mod:`kundenwert.metrics`). Presets are relative to *today in Germany*; the ones
named "this …" run up to and including today (the month, quarter or year so far), so their
previous period (:func:`kundenwert.metrics.previous_period`) is the same number of days just
before, not the whole previous month.

A range is kept in the URL query string, so a bookmark opens the same view:
``?range=last_30_days`` for a preset, ``?from=2025-01-01&to=2025-03-31`` for a custom range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from kundenwert.customers import Dataset
from kundenwert.lifecycle import Freq
from kundenwert.metrics import counted_sales

PRESETS: tuple[str, ...] = (
    "last_30_days",
    "this_month",
    "last_month",
    "this_quarter",
    "this_year",
    "last_12_months",
    "all_time",
    "custom",
)
DEFAULT_PRESET = "last_12_months"
RANGE_PARAM = "range"
FROM_PARAM = "from"
TO_PARAM = "to"


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _one_year_before(day: date) -> date:
    """The same day one year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def preset_range(preset: str, today: date, first_day: date | None = None) -> tuple[date, date]:
    """The days of a preset, relative to ``today`` (a German calendar day).

    - ``last_30_days``: the 30 days ending today.
    - ``this_month`` / ``this_quarter`` / ``this_year``: from the first day up to today.
    - ``last_month``: the whole previous calendar month.
    - ``last_12_months``: one year up to today (from the day after the same day a year ago).
    - ``all_time``: from ``first_day`` (the first order day; today without data) to today.

    ``custom`` has no days of its own: use :func:`range_from_query`.
    """
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this_quarter":
        return _quarter_start(today), today
    if preset == "this_year":
        return date(today.year, 1, 1), today
    if preset == "last_12_months":
        return _one_year_before(today) + timedelta(days=1), today
    if preset == "all_time":
        start = first_day if first_day is not None and first_day <= today else today
        return start, today
    raise ValueError(f"unknown date range preset {preset!r}")


@dataclass(frozen=True)
class RangeChoice:
    """A chosen range: a preset, or ``custom`` with its own first and last day."""

    preset: str
    start: date | None = None
    end: date | None = None

    def days(self, today: date, first_day: date | None = None) -> tuple[date, date]:
        if self.preset == "custom" and self.start is not None and self.end is not None:
            return self.start, self.end
        preset = self.preset if self.preset != "custom" else DEFAULT_PRESET
        return preset_range(preset, today, first_day)

    def query(self) -> dict[str, str]:
        """The query parameters of this choice (see the module docstring)."""
        if self.preset == "custom" and self.start is not None and self.end is not None:
            return {FROM_PARAM: self.start.isoformat(), TO_PARAM: self.end.isoformat()}
        return {RANGE_PARAM: self.preset}


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def range_from_query(query: Mapping[str, str]) -> RangeChoice | None:
    """The choice a URL's query parameters hold, or None when they hold none (or a broken one).

    ``from`` and ``to`` (ISO days) win over ``range``; a reversed pair is swapped.
    """
    start, end = _parse_day(query.get(FROM_PARAM)), _parse_day(query.get(TO_PARAM))
    if start is not None and end is not None:
        if start > end:
            start, end = end, start
        return RangeChoice("custom", start, end)
    preset = query.get(RANGE_PARAM)
    if preset in PRESETS and preset != "custom":
        return RangeChoice(preset)
    return None


def default_freq(start: date, end: date) -> Freq:
    """Day for up to about two months, week up to about half a year, else month."""
    days = (end - start).days + 1
    if days <= 62:
        return "day"
    if days <= 183:
        return "week"
    return "month"


def order_days(ds: Dataset) -> tuple[date, date] | None:
    """The German days of the first and the last counted sale, or None without any."""
    days = counted_sales(ds)["day"]
    if days.is_empty():
        return None
    first, last = days.min(), days.max()
    assert isinstance(first, date) and isinstance(last, date)
    return first, last
