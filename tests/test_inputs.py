"""Importing and entering costs, visitors and survey answers: German CSV, all-or-nothing with
row and column, idempotent re-import; the import-inputs command and the kpis JSON."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from kundenwert import cli
from kundenwert.db import get_engine
from kundenwert.inputs import (
    InputsFileError,
    import_inputs,
    load_inputs,
    parse_month,
    save_cost,
    save_visitors,
)
from kundenwert.preferences import load_margin_percent, save_margin_percent
from tests.factories import contact, new_db, order, put

D = date.fromisoformat
GERMAN_COSTS = (
    "Monat;Kanal;Art;Betrag;Währung\n"
    "03.2025;Facebook;Marketing;1.234,56;EUR\n"
    "2025-03;Messe;Vertrieb;500,00;\n"
    "01.04.2025;Facebook;Werbung;99,90;EUR\n"
).encode("cp1252")


def test_german_excel_csv_of_costs(tmp_path):
    engine, _ = new_db(tmp_path)
    report = import_inputs(engine, GERMAN_COSTS, "kosten.csv", "costs")
    assert (report.rows, report.added, report.updated) == (3, 3, 0)
    costs = load_inputs(engine).costs
    assert costs.select("month", "channel", "kind", "amount_cents", "currency").rows() == [
        (D("2025-03-01"), "Facebook", "marketing", 123456, "EUR"),
        (D("2025-03-01"), "Messe", "sales", 50000, "EUR"),
        (D("2025-04-01"), "Facebook", "marketing", 9990, "EUR"),
    ]


def test_reimport_is_idempotent_and_updates_by_natural_key(tmp_path):
    engine, _ = new_db(tmp_path)
    import_inputs(engine, GERMAN_COSTS, "kosten.csv", "costs")
    again = import_inputs(engine, GERMAN_COSTS, "kosten.csv", "costs")
    assert (again.added, again.updated) == (0, 3)
    changed = b"Monat;Kanal;Art;Betrag\n03.2025;facebook;Marketing;10,00\n"
    import_inputs(engine, changed, "kosten.csv", "costs")
    costs = load_inputs(engine).costs
    assert costs.height == 3
    march = costs.filter(costs["channel"] == "Facebook").sort("month")["amount_cents"].to_list()
    assert march == [1000, 9990]


def test_a_bad_file_is_rejected_whole_with_rows_and_columns(tmp_path):
    engine, _ = new_db(tmp_path)
    bad = (
        b"Monat;Kanal;Art;Betrag\n"
        b"03.2025;Facebook;Marketing;100,00\n"  # fine, but must not be stored
        b"13.2025;Google;Marketing;50,00\n"
        b"04.2025;Google;Druck;abc\n"
        b"04.2025;;Marketing;-5,00\n"
    )
    with pytest.raises(InputsFileError) as caught:
        import_inputs(engine, bad, "kosten.csv", "costs")
    text = caught.value.message("de")
    assert "Zeile 3, Spalte 'Monat'" in text
    assert "Zeile 4, Spalte 'Art': 'Druck' ist keine Kostenart" in text
    assert "Zeile 4, Spalte 'Betrag': 'abc' ist kein Geldbetrag" in text
    assert "Zeile 5, Spalte 'Kanal': Pflichtfeld ist leer" in text
    assert "Zeile 5, Spalte 'Betrag': Betrag/Anzahl darf nicht negativ sein" in text
    assert "Row 3, column 'Monat'" in caught.value.message("en")
    assert load_inputs(engine).costs.is_empty()


def test_missing_columns_and_duplicate_rows(tmp_path):
    engine, _ = new_db(tmp_path)
    with pytest.raises(InputsFileError) as caught:
        import_inputs(engine, b"Monat;Betrag\n03.2025;1,00\n", "k.csv", "costs")
    assert "Pflichtspalten fehlen: channel" in caught.value.message("de")
    twice = b"Monat;Besucher\n03.2025;1.200\n2025-03;1300\n"
    with pytest.raises(InputsFileError) as caught:
        import_inputs(engine, twice, "b.csv", "visitors")
    assert "Zeile 3: dieselbe Angabe steht schon in Zeile 2" in caught.value.message("de")
    assert load_inputs(engine).visitors.is_empty()


def test_visitors_with_german_thousands(tmp_path):
    engine, _ = new_db(tmp_path)
    import_inputs(engine, b"Monat,Besucher\n2025-03,1.234\n2025-04,987\n", "b.csv", "visitors")
    assert load_inputs(engine).visitors.rows() == [(D("2025-03-01"), 1234), (D("2025-04-01"), 987)]


def test_survey_answers_match_persons_by_normalised_email(tmp_path):
    engine, _ = new_db(tmp_path)
    put(engine, "Shop", [contact("a", "anna@x.de")], [order("1", "a", 1000)])
    data = (
        b"E-Mail;Datum;NPS;Zufriedenheit\n Anna@X.de ;05.03.2025;10;5\nfremd@y.de;06.03.2025;;2\n"
    )
    report = import_inputs(engine, data, "umfrage.csv", "survey")
    assert report.unmatched_emails == ["fremd@y.de"]
    assert "1 E-Mail-Adressen gehören zu keinem Kunden" in report.message("de")
    assert load_inputs(engine).surveys.rows() == [
        ("anna@x.de", D("2025-03-05"), 10, 5),
        ("fremd@y.de", D("2025-03-06"), None, 2),
    ]
    assert import_inputs(engine, data, "umfrage.csv", "survey").updated == 2


def test_survey_scores_out_of_range_are_rejected(tmp_path):
    engine, _ = new_db(tmp_path)
    data = (
        b"email;date;nps;csat\na@x.de;2025-03-05;11;\nb@x.de;2025-03-05;;0\nc@x.de;2025-03-05;;\n"
    )
    with pytest.raises(InputsFileError) as caught:
        import_inputs(engine, data, "s.csv", "survey")
    text = caught.value.message("en")
    assert "Row 2, column 'nps': '11' is not an NPS score (0 to 10)" in text
    assert "Row 3, column 'csat': '0' is not a CSAT score (1 to 5)" in text
    assert "Row 4: neither NPS nor CSAT given" in text
    assert load_inputs(engine).surveys.is_empty()


def test_entry_on_the_page_replaces_the_month(tmp_path):
    engine, _ = new_db(tmp_path)
    save_cost(engine, D("2025-03-17"), " Google ", "marketing", 5000)
    save_cost(engine, D("2025-03-02"), "google", "marketing", 7000)
    save_visitors(engine, D("2025-03-31"), 800)
    inputs = load_inputs(engine)
    assert inputs.costs.select("month", "channel", "amount_cents").rows() == [
        (D("2025-03-01"), "Google", 7000)
    ]
    assert inputs.visitors.rows() == [(D("2025-03-01"), 800)]
    with pytest.raises(InputsFileError):
        save_cost(engine, D("2025-03-01"), "  ", "marketing", 1)


def test_margin_setting(tmp_path):
    engine, _ = new_db(tmp_path)
    assert load_margin_percent(engine) is None
    save_margin_percent(engine, Decimal("42.5"))
    assert load_margin_percent(engine) == Decimal("42.5")
    with pytest.raises(ValueError):
        save_margin_percent(engine, Decimal(120))
    assert load_margin_percent(engine) == Decimal("42.5")


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2025-03", "2025-03-01"),
        ("3.2025", "2025-03-01"),
        ("03/2025", "2025-03-01"),
        ("15.03.2025", "2025-03-01"),
        ("2025-12-31", "2025-12-01"),
    ],
)
def test_month_formats(text, month):
    assert parse_month(text) == D(month)


# --- command line ---------------------------------------------------------------------------------


@pytest.fixture
def db(data_dir):
    engine = get_engine()
    put(engine, "Shop", [contact("a", "anna@x.de")], [order("1", "a", 5000, "2025-03-03")])
    return engine


def test_import_inputs_command(db, tmp_path, capsys):
    path = tmp_path / "kosten.csv"
    path.write_bytes(GERMAN_COSTS)
    assert cli.main(["import-inputs", str(path), "--kind", "costs"]) == 0
    assert "3 Zeilen gelesen: 3 neu, 0 aktualisiert." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Monat;Kanal;Betrag\nxx;A;1\n")
    assert cli.main(["import-inputs", str(bad), "--kind", "costs"]) == 1
    err = capsys.readouterr().err
    assert "Nichts importiert" in err and "Zeile 2, Spalte 'Monat'" in err
    assert load_inputs(db).costs.height == 3


def test_kpis_json_has_business_figures_and_says_what_is_missing(db, tmp_path, capsys):
    path = tmp_path / "kosten.csv"
    path.write_bytes(b"Monat;Kanal;Betrag\n03.2025;Ads;30,00\n")
    assert cli.main(["import-inputs", str(path), "--kind", "costs"]) == 0
    capsys.readouterr()
    args = ["kpis", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "json"]
    assert cli.main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cac"] == 30.0
    assert doc["conversion_rate"] is None and doc["nps"] is None
    assert doc["mrr"] == 0.0 and doc["active_customers"] == 1
    missing = {m["figure"]: m["message"] for m in doc["missing"]}
    assert missing["conversion_rate"] == "Besucherzahlen fehlen für 2025-03"
    assert doc["previous"]["cac"] is None
    previous = {m["figure"]: m["message"] for m in doc["previous"]["missing"]}
    assert previous["cac"] == "Kosten fehlen für 2025-01 – 2025-02"


def test_kpis_table_lists_missing_inputs(db, capsys):
    assert cli.main(["kpis", "--from", "2025-03-01", "--to", "2025-03-31"]) == 0
    out = capsys.readouterr().out
    assert "Kosten fehlen für 2025-03" in out
    assert "mrr" in out
