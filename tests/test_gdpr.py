"""GDPR: export what is stored about a person (Art. 15), erase them (Art. 17), stay erased."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from kundenwert import cli, gdpr
from kundenwert.identity import merge_persons
from kundenwert.importer import import_file
from kundenwert.inputs import import_inputs
from kundenwert.models import Contact, GdprErasure, MergeLog, Order, Refund, SurveyAnswer
from tests.factories import contact, dataset, new_db, order, put, refund

ANNA = "anna@example.de"


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Engine, str]:
    """Anna bought in the shop and in the invoicing tool; Ben only in the shop."""
    engine, url = new_db(tmp_path)
    anna = contact("c1", ANNA, first_name="Anna", last_name="Arndt", city="Köln", postcode="50667")
    put(
        engine,
        "Shop",
        [anna, contact("c2", "ben@example.de", first_name="Ben")],
        [
            order("o1", "c1", 10000, refunds=[refund("r1", 2500)]),
            order("o2", "c2", 5000),
        ],
    )
    put(
        engine,
        "Rechnungen",
        [contact("k9", "ANNA@example.de ", company="Arndt GmbH")],
        [order("inv-1", "k9", 20000, "2025-05-05", tax=3193)],
    )
    return engine, url


def anna(engine: Engine) -> int:
    return gdpr.resolve_person(engine, ANNA)


def values(url: str) -> pl.DataFrame:
    ds = dataset(url)
    return ds.by_source.select("person_id", "source_label", "value").sort(
        "person_id", "source_label"
    )


# --- finding the person -------------------------------------------------------------------------


def test_a_person_is_found_by_number_or_by_any_spelling_of_the_email(shop: tuple[Engine, str]):
    engine, _ = shop
    person = anna(engine)
    assert gdpr.resolve_person(engine, str(person)) == person
    assert gdpr.resolve_person(engine, "  Anna@Example.DE") == person


def test_an_unknown_reference_says_what_was_searched(shop: tuple[Engine, str]):
    engine, _ = shop
    with pytest.raises(gdpr.GdprError, match=r"nobody@example\.de"):
        gdpr.resolve_person(engine, "nobody@example.de")
    with pytest.raises(gdpr.GdprError, match="9999"):
        gdpr.resolve_person(engine, "9999")


# --- Art. 15 ------------------------------------------------------------------------------------


def test_the_export_holds_every_contact_order_item_refund_and_merge(shop: tuple[Engine, str]):
    engine, _ = shop
    data = gdpr.export_person(engine, anna(engine))
    assert sorted(c["source"] for c in data["contacts"]) == ["Rechnungen", "Shop"]
    assert {c["city"] for c in data["contacts"]} == {"Köln", None}
    orders = {o["source_order_id"]: o for o in data["orders"]}
    assert set(orders) == {"o1", "inv-1"}  # Ben's order is not in Anna's export
    assert orders["o1"]["items"][0]["amount_cents"] == 10000
    assert orders["o1"]["refunds"][0]["amount_cents"] == 2500
    assert orders["inv-1"]["tax_cents"] == 3193 and orders["inv-1"]["currency"] == "EUR"
    assert [m["reason"] for m in data["merge_log"]] == ["same_email"]
    json.loads(gdpr.export_json(data))  # valid JSON


def test_the_csv_export_opens_in_excel_with_one_line_per_value(shop: tuple[Engine, str]):
    engine, _ = shop
    raw = gdpr.export_csv(gdpr.export_person(engine, anna(engine)))
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["section", "record", "field", "value"]
    assert ["contacts", "1", "email", ANNA] in rows or ["contacts", "2", "email", ANNA] in rows
    assert any(r[0] == "orders.refunds" and r[2] == "amount_cents" and r[3] == "2500" for r in rows)


# --- Art. 17 ------------------------------------------------------------------------------------


def test_erasure_removes_personal_data_and_keeps_every_value(shop: tuple[Engine, str]):
    engine, url = shop
    person = anna(engine)
    before = values(url)
    report = gdpr.erase_person(engine, person)
    assert (report.contacts_erased, report.orders_kept, report.refunds_kept) == (2, 2, 1)
    assert values(url).equals(before)  # every value per person and source unchanged
    with Session(engine) as session:
        contacts = session.exec(select(Contact).where(Contact.person_id == person)).all()
        orders = session.exec(select(Order)).all()
        assert session.exec(select(Refund)).one().amount_cents == 2500
    for c in contacts:
        assert (c.email, c.first_name, c.last_name, c.company, c.city, c.postcode) == (None,) * 6
        assert c.source_contact_id.startswith(gdpr.ERASED_PREFIX)
    assert sorted(o.gross_cents for o in orders) == [5000, 10000, 20000]
    assert gdpr.resolve_person(engine, "ben@example.de")  # Ben is untouched


def test_the_erasure_log_holds_counts_and_hashes_but_no_personal_data(shop: tuple[Engine, str]):
    engine, _ = shop
    person = anna(engine)
    gdpr.erase_person(engine, person)
    [entry] = gdpr.erasures(engine)
    assert (entry.person_id, entry.contacts_erased, entry.orders_kept) == (person, 2, 2)
    logged = json.dumps(entry.model_dump(), default=str).casefold()
    for personal in ("anna", "arndt", "köln", "50667", "c1", "k9"):
        assert personal not in logged.replace(entry.markers, "")
    assert len(entry.markers.split(",")) == 3  # two contacts, one e-mail address


def test_merge_notes_with_the_email_are_cleared(shop: tuple[Engine, str]):
    engine, _ = shop
    person = anna(engine)
    with Session(engine) as session:
        assert session.exec(select(MergeLog.note)).all() == [ANNA]
    gdpr.erase_person(engine, person)
    with Session(engine) as session:
        assert session.exec(select(MergeLog.note)).all() == [None]


def test_manual_merge_notes_of_the_person_are_cleared_too(shop: tuple[Engine, str]):
    engine, _ = shop
    ben = gdpr.resolve_person(engine, "ben@example.de")
    merge_persons(engine, anna(engine), ben, note="Ben ist Annas Mann, Tel. 0221 123")
    gdpr.erase_person(engine, anna(engine))
    with Session(engine) as session:
        assert all(note is None for note in session.exec(select(MergeLog.note)))


def test_a_resync_does_not_bring_the_person_back(shop: tuple[Engine, str]):
    engine, url = shop
    person = anna(engine)
    gdpr.erase_person(engine, person)
    before = values(url)
    again = contact("c1", ANNA, first_name="Anna", last_name="Arndt", city="Köln")
    result = put(engine, "Shop", [again], [order("o1", "c1", 10000, refunds=[refund("r1", 2500)])])
    assert (result.contacts_added, result.orders_added) == (0, 0)
    with Session(engine) as session:
        assert session.exec(select(Contact).where(Contact.email == ANNA)).all() == []
        assert session.exec(select(Contact).where(Contact.first_name == "Anna")).all() == []
    assert values(url).equals(before)


def test_a_new_order_of_an_erased_person_is_kept_anonymously_with_them(shop: tuple[Engine, str]):
    engine, url = shop
    person = anna(engine)
    gdpr.erase_person(engine, person)
    put(engine, "Shop", [contact("c1", ANNA, first_name="Anna")], [order("o9", "c1", 700)])
    row = values(url).filter((pl.col("person_id") == person) & (pl.col("source_label") == "Shop"))
    assert row["value"].to_list() == [10000 - 2500 + 700]
    assert gdpr.export_person(engine, person)["contacts"][0]["email"] is None


def test_an_erased_email_arriving_from_a_new_account_stays_anonymous(shop: tuple[Engine, str]):
    engine, _ = shop
    gdpr.erase_person(engine, anna(engine))
    put(engine, "PayPal", [contact("P-1", ANNA, last_name="Arndt")], [order("pp1", "P-1", 900)])
    with Session(engine) as session:
        assert session.exec(select(Contact).where(Contact.last_name == "Arndt")).all() == []
        assert session.exec(select(Order).where(Order.source_order_id == "pp1")).one()


def test_a_reimported_csv_does_not_bring_the_person_back(tmp_path: Path):
    engine, _ = new_db(tmp_path)
    data = (
        b"Bestellnummer;Datum;E-Mail;Vorname;Nachname;Produkt;Betrag\n"
        b"A-1;03.03.2025;anna@example.de;Anna;Arndt;Kurs;100,00\n"
    )
    import_file(engine, data, "export.csv", "CSV")
    gdpr.erase_person(engine, anna(engine))
    report = import_file(engine, data, "export.csv", "CSV")
    assert (report.contacts_added, report.orders_added) == (0, 0)
    with Session(engine) as session:
        names = session.exec(select(Contact.first_name, Contact.email)).all()
    assert names == [(None, None)]


def test_a_failing_erasure_changes_nothing(shop: tuple[Engine, str], monkeypatch):
    engine, _ = shop
    person = anna(engine)
    before = gdpr.export_person(engine, person)

    def broken(*_args: object) -> int:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(gdpr, "_anonymise_other_tables", broken)
    with pytest.raises(RuntimeError):
        gdpr.erase_person(engine, person)
    after = gdpr.export_person(engine, person)
    assert after["contacts"] == before["contacts"] and after["orders"] == before["orders"]
    with Session(engine) as session:
        assert session.exec(select(GdprErasure)).all() == []


# --- command line -------------------------------------------------------------------------------


def test_cli_exports_json_and_csv_by_email(
    shop: tuple[Engine, str], tmp_path: Path, monkeypatch, capsys
):
    _, url = shop
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", url)
    target = tmp_path / "auskunft.json"
    assert cli.main(["gdpr", "export", ANNA, "--output", str(target)]) == 0
    assert len(json.loads(target.read_text())["orders"]) == 2
    assert (
        cli.main(["gdpr", "export", ANNA, "--output", str(tmp_path / "a.csv"), "--format", "csv"])
        == 0
    )
    assert b"Arndt" in (tmp_path / "a.csv").read_bytes()
    assert "2 Bestellungen" in capsys.readouterr().out


def test_cli_erase_needs_yes_and_then_erases(shop: tuple[Engine, str], monkeypatch, capsys):
    engine, url = shop
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", url)
    assert cli.main(["gdpr", "erase", ANNA]) == 1
    assert "--yes" in capsys.readouterr().err
    assert gdpr.resolve_person(engine, ANNA)  # still there
    assert cli.main(["gdpr", "erase", ANNA, "--yes"]) == 0
    assert "2 Bestellungen" in capsys.readouterr().out
    with pytest.raises(gdpr.GdprError):
        gdpr.resolve_person(engine, ANNA)


def test_cli_unknown_person_is_a_clear_error(shop: tuple[Engine, str], monkeypatch, capsys):
    _, url = shop
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", url)
    assert cli.main(["gdpr", "erase", "x@example.de", "--yes"]) == 1
    assert "x@example.de" in capsys.readouterr().err


def test_survey_answers_are_exported_and_kept_anonymously(shop: tuple[Engine, str]):
    engine, _ = shop
    with Session(engine) as session:
        session.add(SurveyAnswer(email=ANNA, answered_on=date(2025, 4, 1), nps=9))
        session.add(SurveyAnswer(email="ben@example.de", answered_on=date(2025, 4, 1), nps=3))
        session.commit()
    person = anna(engine)
    exported = gdpr.export_person(engine, person)["other"]["survey_answer"]
    assert [(a["email"], a["nps"]) for a in exported] == [(ANNA, 9)]
    assert gdpr.erase_person(engine, person).other_rows_anonymised == 1
    with Session(engine) as session:
        answers = session.exec(select(SurveyAnswer.email, SurveyAnswer.nps)).all()
    assert sorted(nps for _, nps in answers) == [3, 9]  # the NPS stays what it was
    assert ANNA not in {email for email, _ in answers}


def test_erasure_and_resync_on_postgres(pg_engine: Engine):
    put(pg_engine, "Shop", [contact("c1", ANNA, first_name="Anna")], [order("o1", "c1", 100)])
    person = anna(pg_engine)
    gdpr.erase_person(pg_engine, person)
    put(pg_engine, "Shop", [contact("c1", ANNA, first_name="Anna")], [order("o2", "c1", 50)])
    data = gdpr.export_person(pg_engine, person)
    assert [c["first_name"] for c in data["contacts"]] == [None]
    assert sorted(o["gross_cents"] for o in data["orders"]) == [50, 100]


def test_a_reimported_survey_does_not_bring_the_address_back(shop: tuple[Engine, str]):
    engine, _ = shop
    survey = f"E-Mail;Datum;NPS\n{ANNA};01.04.2025;9\nben@example.de;01.04.2025;3\n".encode()
    import_inputs(engine, survey, "umfrage.csv", "survey")
    gdpr.erase_person(engine, anna(engine))
    report = import_inputs(engine, survey, "umfrage.csv", "survey")
    assert (report.added, report.updated) == (0, 2)
    with Session(engine) as session:
        answers = session.exec(select(SurveyAnswer.email, SurveyAnswer.nps)).all()
    assert len(answers) == 2 and ANNA not in {email for email, _ in answers}
