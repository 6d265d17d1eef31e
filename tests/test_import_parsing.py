"""CSV and Excel import: reading files and single cells (amounts, dates, statuses, countries)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kundenwert.import_formats import (
    GENERIC,
    CellError,
    FileError,
    decimal_comma,
    decode,
    parse_amount,
    parse_country,
    parse_currency,
    parse_date,
    parse_email,
    parse_kind,
    parse_quantity,
    parse_status,
    read,
    read_table,
    split_full_name,
)

# --- Amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "comma", "cents"),
    [
        ("1.234,56", True, 123456),
        ("1,234.56", False, 123456),
        ("1234.56", False, 123456),
        ("1234,56", True, 123456),
        ("€ 12,00", True, 1200),
        ("12,00 €", True, 1200),
        ("EUR 12.00", False, 1200),
        ("-5,00", True, -500),
        ("5,00-", True, -500),
        ("1.234.567,8", True, 123456780),
        ("1'234.50", False, 123450),  # Swiss
        ("1 234,50", True, 123450),
        ("12,5", True, 1250),
        ("12,500", True, 1250),  # more decimals, but only zeros
        ("1.234", True, 123400),  # German thousands
        ("1,234", False, 123400),  # English thousands
        ("12.50", True, 1250),  # can only be a decimal point
        ("7", True, 700),
        # Both marks: the last one is the decimal mark, whatever the column says.
        ("1.234,56", False, 123456),
    ],
)
def test_amounts_become_exact_cents(raw: str, comma: bool, cents: int) -> None:
    assert parse_amount(raw, comma) == cents


@pytest.mark.parametrize("raw", ["12,3x", "abc", "1,2,3", "1.23.4,5", "--5", "€", ",50"])
def test_text_that_is_no_amount_is_rejected(raw: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_amount(raw, comma_decimal=True)
    assert caught.value.key == "bad_amount"


def test_more_than_two_real_decimals_are_rejected() -> None:
    with pytest.raises(CellError) as caught:
        parse_amount("12,345", comma_decimal=True)
    assert caught.value.key == "too_many_decimals"


def test_excel_float_noise_is_rounded_but_a_third_decimal_is_not() -> None:
    assert parse_amount("19.990000000000002", comma_decimal=False, excel=True) == 1999
    with pytest.raises(CellError):
        parse_amount("19.995", comma_decimal=False, excel=True)


def test_a_columns_decimal_mark_is_read_from_its_clear_values() -> None:
    assert decimal_comma(["1.234", "12,50", None], default=False) is True
    assert decimal_comma(["1,234", "12.50"], default=True) is False
    assert decimal_comma(["1.234", "7"], default=True) is True


# --- Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("31.12.2025 14:30", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),  # CET = UTC+1
        ("30.06.2025 14:30", datetime(2025, 6, 30, 12, 30, tzinfo=UTC)),  # CEST = UTC+2
        ("31.12.2025 14:30:15", datetime(2025, 12, 31, 13, 30, 15, tzinfo=UTC)),
        ("08.10.2024, 12:34 Uhr", datetime(2024, 10, 8, 10, 34, tzinfo=UTC)),
        ("1.2.2025", datetime(2025, 2, 1, 11, 0, tzinfo=UTC)),  # date only: noon Berlin
        ("31.12.25", datetime(2025, 12, 31, 11, 0, tzinfo=UTC)),
        ("2025-12-31", datetime(2025, 12, 31, 11, 0, tzinfo=UTC)),
        ("2025-12-31T14:30:00Z", datetime(2025, 12, 31, 14, 30, tzinfo=UTC)),
        ("2025-12-31T14:30:00+01:00", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("2025-12-31 14:30:00", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
    ],
)
def test_dates_become_utc(raw: str, expected: datetime) -> None:
    assert parse_date(raw) == expected


def test_excel_dates_and_serial_numbers() -> None:
    assert parse_date("2025-12-24 00:00:00", excel=True).date().isoformat() == "2025-12-24"
    assert parse_date("45657", excel=True) == datetime(2024, 12, 31, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["12/31/2025", "01/02/2025", "31/12/2025"])
def test_slash_dates_are_refused_as_ambiguous(raw: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(raw)
    assert caught.value.key == "ambiguous_date"


@pytest.mark.parametrize("raw", ["31.02.2025", "gestern", "2025-13-01", "45657"])
def test_impossible_dates_are_rejected(raw: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(raw)
    assert caught.value.key == "bad_date"


# --- Values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("bezahlt", "paid"),
        ("Paid", "paid"),
        ("completed", "paid"),
        ("Abgeschlossen", "paid"),
        ("", "paid"),
        ("erstattet", "refunded"),
        ("teilweise erstattet", "partially_refunded"),
        ("partially_refunded", "partially_refunded"),
        ("Rückbuchung", "chargeback"),
        ("storniert", "cancelled"),
        ("canceled", "cancelled"),
        ("offen", "pending"),
        ("ausstehend", "pending"),
        ("fehlgeschlagen", "failed"),
    ],
)
def test_statuses_in_german_and_english(raw: str, status: str) -> None:
    assert parse_status(raw, GENERIC) == status


def test_unknown_status_is_an_error() -> None:
    with pytest.raises(CellError):
        parse_status("vielleicht", GENERIC)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("einmalig", "one_time"),
        ("one_time", "one_time"),
        ("", "one_time"),
        ("Abo", "subscription"),
        ("subscription", "subscription"),
        ("Ratenzahlung", "installment"),
        ("3 Raten à 99 €", "installment"),
        ("Test", "trial"),
        ("Rechnung", "invoice"),
    ],
)
def test_kinds_in_german_and_english(raw: str, kind: str) -> None:
    assert parse_kind(raw, GENERIC) == kind


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(CellError):
        parse_kind("Gutschein", GENERIC)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Österreich", "AT"),
        ("Austria", "AT"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Vereinigtes Königreich", "GB"),
        ("UK", "GB"),
        ("Deutschland (DE)", "DE"),
    ],
)
def test_countries_become_iso_codes(raw: str, code: str) -> None:
    assert parse_country(raw) == code


def test_unknown_country_is_an_error() -> None:
    with pytest.raises(CellError):
        parse_country("Atlantis")


def test_currencies() -> None:
    assert [parse_currency(c) for c in ("EUR", "chf", "€", "Euro")] == ["EUR", "CHF", "EUR", "EUR"]
    with pytest.raises(CellError):
        parse_currency("Taler")


def test_emails_are_normalised_and_checked() -> None:
    assert parse_email(" Anna.Mueller@Example.DE ") == "anna.mueller@example.de"
    with pytest.raises(CellError):
        parse_email("anna at example.de")


def test_quantities_are_whole_and_positive() -> None:
    assert parse_quantity("2") == 2
    assert parse_quantity("3,0") == 3
    with pytest.raises(CellError):
        parse_quantity("1,5")


def test_full_names_are_split() -> None:
    assert split_full_name("Anna Maria Schmidt") == ("Anna Maria", "Schmidt")
    assert split_full_name("Schmidt, Anna") == ("Anna", "Schmidt")
    assert split_full_name("Cher") == (None, "Cher")


# --- Reading files ------------------------------------------------------------------------------


def test_windows_1252_is_decoded_when_the_bytes_are_no_utf8() -> None:
    assert decode("Jörg;Größe;„Kurs“;€".encode("cp1252")) == "Jörg;Größe;„Kurs“;€"


def test_utf16_excel_unicode_text_is_decoded() -> None:
    assert decode("Währung\tBetrag".encode("utf-16")) == "Währung\tBetrag"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_the_delimiter_is_detected(delimiter: str) -> None:
    text = (
        delimiter.join(["order_id", "date", "amount"]) + "\n1" + delimiter + "x" + delimiter + "2"
    )
    assert read_table(text.encode(), "x.csv").columns == ["order_id", "date", "amount"]


def test_semicolon_file_with_decimal_commas_is_not_split_at_the_commas() -> None:
    frame = read_table(b"order_id;amount\n1;1.234,56\n2;9,99\n", "x.csv")
    assert frame["amount"].to_list() == ["1.234,56", "9,99"]


def test_excel_sep_hint_line_is_honoured_and_counted() -> None:
    table = read(b"sep=;\r\norder_id;amount\r\n1;5,00\r\n", "x.csv")
    assert table.frame.columns == ["order_id", "amount"]
    assert table.lines == [3]


def test_row_numbers_count_blank_lines_like_excel() -> None:
    table = read(b"order_id;amount\n1;5\n\n2;6\n", "x.csv")
    assert table.lines == [2, 4]


def test_a_row_with_more_cells_than_the_header_is_rejected() -> None:
    with pytest.raises(FileError) as caught:
        read(b"order_id;amount\n1;5;oops\n", "x.csv")
    assert (caught.value.key, caught.value.row) == ("too_many_cells", 2)


def test_a_broken_excel_file_is_a_clear_error() -> None:
    with pytest.raises(FileError) as caught:
        read(b"PK\x03\x04 not really a workbook", "x.xlsx")
    assert caught.value.key == "unreadable_excel"
