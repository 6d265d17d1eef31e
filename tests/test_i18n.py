"""The message catalogue and the German/English formats of the dashboard."""

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from kundenwert import i18n
from kundenwert.customers import SORTABLE
from kundenwert.i18n import (
    MESSAGES,
    amount_expr,
    country_name,
    format_amount_plain,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_percent,
    format_rate,
    label,
    t,
)
from kundenwert.models import OrderKind, OrderStatus, RefundReason
from kundenwert.settings import MoneyBasis

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"


def test_german_money_has_grouping_comma_and_a_no_break_space_before_the_euro_sign():
    assert format_money(123456, "EUR", "de") == f"1.234,56{NBSP}€"


def test_english_money_puts_the_symbol_first():
    assert format_money(123456, "EUR", "en") == "€1,234.56"


def test_negative_and_small_amounts_keep_their_cents():
    assert format_money(-5, "EUR", "de") == f"-0,05{NBSP}€"
    assert format_money(100, "USD", "en") == "US$1.00"


def test_money_is_formatted_from_exact_cents():
    # 0.1 + 0.2 in floats would print 0,30000000000000004
    assert format_money(10 + 20, "EUR", "de") == f"0,30{NBSP}€"
    assert i18n.cents_to_amount(30) == Decimal("0.30")


def test_german_date_is_day_month_year():
    assert format_date(date(2025, 12, 31), "de") == "31.12.2025"


def test_english_date_is_iso():
    assert format_date(date(2025, 12, 31), "en") == "2025-12-31"


def test_datetime_is_shown_as_day_and_time_in_german_time():
    # stored as UTC: 14:05 UTC in winter is 15:05 in Berlin, 22:30 UTC in summer is 00:30
    assert format_datetime(datetime(2025, 12, 31, 14, 5), "de") == "31.12.2025 15:05"
    assert format_datetime(datetime(2025, 6, 30, 22, 30), "de") == "01.07.2025 00:30"
    assert format_date(datetime(2025, 12, 31, 23, 30), "de") == "01.01.2026"
    assert format_date(None, "de") == ""


def test_local_time_converts_a_utc_column_to_german_time():
    from kundenwert.i18n import local_time

    column = pl.Series([datetime(2025, 1, 15, 23, 30), datetime(2025, 7, 15, 23, 30)])
    assert local_time(column).to_list() == [
        datetime(2025, 1, 16, 0, 30),
        datetime(2025, 7, 16, 1, 30),
    ]


def test_numbers_and_percentages_follow_the_language():
    assert format_number(5000, "de") == "5.000"
    assert format_number(5000, "en") == "5,000"
    assert format_percent(0.1234, "de") == f"12,3{NBSP}%"
    assert format_percent(0.1234, "en") == "12.3%"


def test_exchange_rates_keep_every_published_digit():
    assert format_rate("1.0856", "de") == "1,0856"
    assert format_rate("157.2", "en") == "157.2"


def test_csv_amounts_have_no_symbol_and_no_grouping():
    assert format_amount_plain(123456, "de") == "1234,56"
    assert format_amount_plain(-5, "en") == "-0.05"
    frame = pl.DataFrame({"value": [123456, -5, 0]})
    assert frame.select(amount_expr("value", "de"))["value"].to_list() == [
        "1234,56",
        "-0,05",
        "0,00",
    ]


def test_country_names_are_translated():
    assert country_name("AT", "de") == "Österreich"
    assert country_name("AT", "en") == "Austria"
    assert country_name("XX", "de") == "XX"


def test_placeholders_are_filled():
    assert t("customers.range", "de", start="1", end="50", total="5.000") == (
        "1–50 von 5.000 Kunden"
    )


def test_unknown_language_falls_back_to_german():
    assert t("nav.customers", "fr") == "Kunden"
    assert t("nav.customers", "en-GB") == "Customers"


def test_unknown_codes_show_as_they_are():
    assert label("status", "paid", "de") == "bezahlt"
    assert label("status", "weird", "de") == "weird"


def test_every_key_has_a_german_and_an_english_text():
    for key, texts in MESSAGES.items():
        assert set(texts) == {"de", "en"}, key
        assert texts["de"].strip() and texts["en"].strip(), key


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_both_languages_use_the_same_placeholders():
    for key, texts in MESSAGES.items():
        assert _placeholders(texts["de"]) == _placeholders(texts["en"]), key


@pytest.mark.parametrize(
    ("group", "codes"),
    [
        ("status", [s.value for s in OrderStatus]),
        ("kind", [k.value for k in OrderKind]),
        ("refund_reason", [r.value for r in RefundReason]),
        ("basis", [b.value for b in MoneyBasis]),
        ("basis_long", [b.value for b in MoneyBasis]),
        ("excluded", ["source_not_counted", "test_order", "no_rate", "duplicate_payment"]),
        ("merge_reason", ["same_email", "manual", "undo"]),
        ("merge_action", ["merge", "split"]),
        ("duplicate_reason", ["same_name_postcode", "similar_email"]),
        ("event", ["contact", "order", "refund", "chargeback"]),
        ("sort", list(SORTABLE)),
        ("tool", ["digistore24", "copecart", "elopage", "stripe", "paypal", "sevdesk"]),
    ],
)
def test_every_code_of_the_data_model_has_a_label(group, codes):
    for code in codes:
        assert f"{group}.{code}" in MESSAGES, f"{group}.{code}"


def test_every_key_the_ui_uses_is_in_the_catalogue():
    sources = [ROOT / "app.py", ROOT / "ui.py", *sorted((ROOT / "pages").glob("*.py"))]
    used = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\b(?:tr|t)\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
    assert used, "no message keys found in the UI files"
    assert sorted(used - MESSAGES.keys()) == []


def test_whole_money_rounds_half_away_from_zero_for_tiles():
    from kundenwert.i18n import format_money_whole

    assert format_money_whole(26513050, "EUR", "de") == f"265.131{NBSP}€"
    assert format_money_whole(-150, "EUR", "de") == f"-2{NBSP}€"
    assert format_money_whole(26513045, "EUR", "en") == "€265,130"


def test_compact_money_for_tiles():
    from kundenwert.i18n import format_money_compact

    assert format_money_compact(145201234, "EUR", "de") == f"1,45{NBSP}Mio.{NBSP}€"
    assert format_money_compact(145201234, "EUR", "en") == "€1.45M"
