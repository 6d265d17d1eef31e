"""Date-range presets of the analytics pages, and their form in the URL."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from kundenwert.periods import (
    PRESETS,
    RangeChoice,
    default_freq,
    order_days,
    preset_range,
    range_from_query,
)

TODAY = date(2025, 5, 14)  # a Wednesday in the second quarter


def test_last_30_days_ends_today_and_has_30_days() -> None:
    assert preset_range("last_30_days", TODAY) == (date(2025, 4, 15), TODAY)


def test_this_month_runs_from_the_first_up_to_today() -> None:
    assert preset_range("this_month", TODAY) == (date(2025, 5, 1), TODAY)


def test_last_month_is_the_whole_previous_month() -> None:
    assert preset_range("last_month", TODAY) == (date(2025, 4, 1), date(2025, 4, 30))


def test_last_month_in_january_is_december_of_the_year_before() -> None:
    assert preset_range("last_month", date(2025, 1, 1)) == (date(2024, 12, 1), date(2024, 12, 31))


def test_last_month_after_a_leap_february() -> None:
    assert preset_range("last_month", date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2025, 1, 1), date(2025, 1, 1)),
        (date(2025, 3, 31), date(2025, 1, 1)),
        (date(2025, 4, 1), date(2025, 4, 1)),
        (date(2025, 6, 30), date(2025, 4, 1)),
        (date(2025, 9, 15), date(2025, 7, 1)),
        (date(2025, 12, 31), date(2025, 10, 1)),
    ],
)
def test_this_quarter_starts_on_the_quarters_first_day(today: date, start: date) -> None:
    assert preset_range("this_quarter", today) == (start, today)


def test_this_year_starts_on_new_years_day() -> None:
    assert preset_range("this_year", TODAY) == (date(2025, 1, 1), TODAY)


def test_last_12_months_is_one_year_up_to_today() -> None:
    assert preset_range("last_12_months", TODAY) == (date(2024, 5, 15), TODAY)


def test_last_12_months_from_a_leap_day() -> None:
    assert preset_range("last_12_months", date(2024, 2, 29)) == (
        date(2023, 3, 1),
        date(2024, 2, 29),
    )


def test_all_time_starts_at_the_first_order_day() -> None:
    assert preset_range("all_time", TODAY, date(2019, 7, 3)) == (date(2019, 7, 3), TODAY)
    assert preset_range("all_time", TODAY) == (TODAY, TODAY)


def test_every_preset_but_custom_has_days_and_custom_has_none() -> None:
    for preset in PRESETS[:-1]:
        start, end = preset_range(preset, TODAY, date(2020, 1, 1))
        assert start <= end <= TODAY
    with pytest.raises(ValueError, match="custom"):
        preset_range("custom", TODAY)


def test_a_preset_round_trips_through_the_query_string() -> None:
    choice = RangeChoice("this_quarter")
    assert choice.query() == {"range": "this_quarter"}
    assert range_from_query(choice.query()) == choice


def test_a_custom_range_is_two_iso_days_in_the_query_string() -> None:
    choice = RangeChoice("custom", date(2025, 1, 1), date(2025, 3, 31))
    assert choice.query() == {"from": "2025-01-01", "to": "2025-03-31"}
    assert range_from_query(choice.query()) == choice
    assert choice.days(TODAY) == (date(2025, 1, 1), date(2025, 3, 31))


def test_a_reversed_custom_range_is_swapped() -> None:
    choice = range_from_query({"from": "2025-03-31", "to": "2025-01-01"})
    assert choice == RangeChoice("custom", date(2025, 1, 1), date(2025, 3, 31))


@pytest.mark.parametrize(
    "query",
    [{}, {"range": "yesterday"}, {"range": "custom"}, {"from": "2025-13-01", "to": "2025-01-01"}],
)
def test_a_missing_or_broken_query_holds_no_choice(query: dict[str, str]) -> None:
    assert range_from_query(query) is None


def test_default_period_length_follows_the_range_length() -> None:
    assert default_freq(date(2025, 1, 1), date(2025, 1, 31)) == "day"
    assert default_freq(date(2025, 1, 1), date(2025, 3, 31)) == "week"
    assert default_freq(date(2024, 1, 1), date(2024, 12, 31)) == "month"


def test_order_days_are_german_calendar_days(engine: Engine, sqlite_url: str) -> None:
    from tests.factories import contact, dataset, order, put

    late = order("o1", "1", 1000, "2025-01-31")
    late = replace(late, ordered_at=datetime(2025, 1, 31, 23, 30, tzinfo=UTC))
    put(
        engine,
        "Shop",
        [contact("1", "a@beispiel.de")],
        # 23:30 UTC on 31 January is 00:30 on 1 February in Berlin
        [late, order("o2", "1", 1000, "2025-03-03")],
    )
    ds = dataset(sqlite_url)
    assert order_days(ds) == (date(2025, 2, 1), date(2025, 3, 3))
