"""Exports of customer lists: Excel-CSV, plain CSV and .xlsx; formulas never survive."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import polars as pl
import pytest

from kundenwert import cli
from kundenwert.db import get_engine
from kundenwert.export import (
    ExportError,
    export_frame,
    neutralise,
    to_csv_excel,
    to_csv_plain,
    to_xlsx,
)
from tests.factories import contact, order, put

DANGEROUS = ['=HYPERLINK("http://x","klick")', "+49 123", "-5", "@SUM(A1)"]


def customers(names: list[str] | None = None) -> pl.DataFrame:
    names = names or ["Anna Müller", "Ben"]
    n = len(names)
    return pl.DataFrame(
        {
            "person_id": list(range(1, n + 1)),
            "name": names,
            "email": [f"p{i}@x.de" for i in range(n)],
            "country": ["DE"] * n,
            # 23:30 UTC on 31 Dec is already 1 Jan in Germany
            "first_order": [datetime(2024, 12, 31, 23, 30)] * n,
            "value": [123456, -500, *([0] * (n - 2))][:n],
        }
    )


def frame(lang: str = "de", names: list[str] | None = None) -> pl.DataFrame:
    columns = ["person_id", "name", "email", "first_order", "value"]
    return export_frame(customers(names), columns, lang, basis_text="brutto")


def test_export_frame_types_money_as_decimal_and_dates_as_german_day():
    exported = frame()
    assert exported.columns == ["Nr.", "Name", "E-Mail", "Erste Bestellung", "Kundenwert (brutto)"]
    row = exported.row(0, named=True)
    assert row["Kundenwert (brutto)"] == Decimal("1234.56")
    assert row["Erste Bestellung"] == date(2025, 1, 1)


def test_columns_come_in_the_chosen_order_and_english_headers():
    exported = export_frame(customers(), ["value", "email"], "en")
    assert exported.columns == ["Customer value", "E-mail"]


def test_unknown_or_repeated_column_is_an_error():
    with pytest.raises(ExportError, match="shoe_size"):
        export_frame(customers(), ["email", "shoe_size"], "de")
    with pytest.raises(ExportError, match="email"):
        export_frame(customers(), ["email", "email"], "de")


def test_value_per_source_column():
    by_source = pl.DataFrame(
        {"person_id": [1, 1, 2], "source_label": ["Shop", "sevDesk", "sevDesk"], "value": [7, 3, 5]}
    )
    exported = export_frame(customers(), ["person_id", "value:Shop"], "de", by_source=by_source)
    assert exported.columns == ["Nr.", "Wert aus Shop"]
    assert exported["Wert aus Shop"].to_list() == [Decimal("0.07"), Decimal("0.00")]
    with pytest.raises(ExportError, match="Kasse"):
        export_frame(customers(), ["value:Kasse"], "de", by_source=by_source)


def test_excel_csv_has_bom_semicolons_and_decimal_commas():
    data = to_csv_excel(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Nr.;Name;E-Mail;Erste Bestellung;Kundenwert (brutto)"
    assert lines[1] == "1;Anna Müller;p0@x.de;01.01.2025;1234,56"
    assert lines[2].endswith(";-5,00")


def test_plain_csv_has_commas_decimal_points_and_iso_dates():
    data = to_csv_plain(frame())
    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8").splitlines()
    assert lines[1] == "1,Anna Müller,p0@x.de,2025-01-01,1234.56"


def test_xlsx_has_numbers_dates_and_a_bold_frozen_header():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame())))
    sheet = book.active
    assert [c.value for c in sheet[1]][:2] == ["Nr.", "Name"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet["E2"].value == pytest.approx(1234.56) and sheet["E2"].data_type == "n"
    assert "€" in sheet["E2"].number_format
    assert sheet["D2"].is_date and sheet["D2"].value.date() == date(2025, 1, 1)
    assert sheet["A2"].value == 1
    assert sheet.column_dimensions["B"].width >= len("Anna Müller")


def test_neutralise_follows_owasp():
    assert [neutralise(t) for t in DANGEROUS] == ["'" + t for t in DANGEROUS]
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx"
    assert neutralise("Anna") == "Anna" and neutralise("a=b") == "a=b"


@pytest.mark.parametrize("text", DANGEROUS)
def test_formulas_are_neutralised_in_every_format(text):
    exported = frame(names=[text, "Ben"])
    excel = to_csv_excel(exported).decode("utf-8-sig")
    plain = to_csv_plain(exported).decode()
    for data, separator in ((excel, ";"), (plain, ",")):
        rows = list(csv.reader(io.StringIO(data), delimiter=separator))
        assert rows[1][1] == "'" + text
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(exported))).active
    assert sheet["B2"].value == "'" + text and sheet["B2"].data_type == "s"


def test_negative_amounts_stay_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame()))).active
    assert sheet["E3"].value == -5 and sheet["E3"].data_type == "n"


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KUNDENWERT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KUNDENWERT_DATABASE_URL", raising=False)
    from kundenwert.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    put(
        engine,
        "Shop",
        [
            contact("a", "anna@x.de", first_name="=Anna", country="DE"),
            contact("b", "ben@y.at", first_name="Ben", country="AT"),
        ],
        [
            order("1", "a", 123456, "2025-01-01"),
            order("2", "b", 5050, "2025-03-01"),
            order("3", "b", 5050, "2025-06-01"),
        ],
    )
    yield engine
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_export_command_writes_excel_csv_of_a_filtered_list(db, tmp_path, capsys):
    target = tmp_path / "kunden.csv"
    argv = ["export", "--country", "de", "--output", str(target), "--columns", "email,name,value"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.strip() == f"1 Kunden exportiert nach {target}"
    lines = target.read_bytes().decode("utf-8-sig").splitlines()
    assert lines == ["E-Mail;Name;Kundenwert (brutto)", "anna@x.de;'=Anna;1234,56"]


def test_export_command_plain_csv_and_xlsx(db, tmp_path):
    plain = tmp_path / "k.csv"
    assert cli.main(["export", "--output", str(plain), "--plain", "--columns", "value"]) == 0
    assert plain.read_text().splitlines() == ["Kundenwert (brutto)", "1234.56", "101.00"]
    book = tmp_path / "k.xlsx"
    assert cli.main(["export", "--output", str(book), "--columns", "email,value:Shop"]) == 0
    sheet = openpyxl.load_workbook(book).active
    assert [c.value for c in sheet[1]] == ["E-Mail", "Wert aus Shop (brutto)"]
    assert sheet["B3"].value == 101


def test_export_command_by_rfm_segment(db, tmp_path, capsys):
    # as of today: Ben ordered more often and more recently than Anna
    target = tmp_path / "seg.csv"
    argv = ["export", "--rfm-segment", "verloren", "--output", str(target)]
    argv += ["--columns", "email,rfm_segment"]
    assert cli.main(argv) == 0
    lines = target.read_bytes().decode("utf-8-sig").splitlines()
    assert lines == ["E-Mail;RFM-Segment", "anna@x.de;Verloren"]
    assert capsys.readouterr().out.startswith("1 Kunden exportiert")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--columns", "email,shoe_size"], "shoe_size"),
        (["--rfm-segment", "Superstars"], "Superstars"),
        (["--segment", "VIP"], "Kein gespeichertes Segment „VIP“"),
        (["--min-value", "zehn"], "kein Betrag"),
    ],
)
def test_export_errors_leave_no_file(db, tmp_path, capsys, extra, message):
    target = tmp_path / "out.csv"
    assert cli.main(["export", "--output", str(target), *extra]) != 0
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert list(tmp_path.glob("out*")) == [] and list(tmp_path.glob(".kundenwert-*")) == []


def test_export_to_an_unwritable_place_fails_cleanly(db, tmp_path, capsys):
    target = tmp_path / "missing" / "out.xlsx"
    assert cli.main(["export", "--output", str(target)]) != 0
    assert "Kann nicht" in capsys.readouterr().err
    assert not target.exists()


def test_export_needs_csv_or_xlsx(db, tmp_path, capsys):
    assert cli.main(["export", "--output", str(tmp_path / "out.pdf")]) != 0
    assert ".csv oder .xlsx" in capsys.readouterr().err
