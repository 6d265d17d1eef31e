"""The customer report's GDPR card: downloads of the Art. 15 export, erasure after typing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from kundenwert import gdpr
from kundenwert.db import get_engine
from kundenwert.models import Contact
from tests.factories import contact, order, put
from tests.test_app import database_url, fresh, navigation_mode, open_app  # noqa: F401


@pytest.fixture
def anna(data_dir: Path) -> tuple[str, int]:
    url = database_url(data_dir)
    engine = get_engine(url)
    put(
        engine,
        "Shop",
        [contact("c1", "anna@beispiel.de", first_name="Anna", last_name="Muster")],
        [order("o1", "c1", 11900)],
    )
    return url, gdpr.resolve_person(engine, "anna@beispiel.de")


def test_the_export_is_offered_as_json_and_csv(anna: tuple[str, int]) -> None:
    _, person = anna
    at = open_app("pages/kunde.py", person=str(person))
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Auskunft als JSON" in labels and "Auskunft als CSV (Excel)" in labels


def test_erasure_needs_the_typed_number_and_a_yes(anna: tuple[str, int]) -> None:
    url, person = anna
    at = open_app("pages/kunde.py", person=str(person))
    assert at.button(key="gdpr_erase_ask").disabled
    at.text_input(key=fresh("gdpr_confirm")).input("123456").run()
    assert at.button(key="gdpr_erase_ask").disabled  # a wrong number does not unlock it
    at.text_input(key=fresh("gdpr_confirm")).input(str(person)).run()
    at.button(key="gdpr_erase_ask").click().run()
    at.button(key="gdpr_erase:yes").click().run()
    assert not at.exception
    assert any(f"Person {person} gelöscht" in s.value for s in at.success)
    with Session(get_engine(url)) as session:
        names = session.exec(select(Contact.first_name, Contact.email)).all()
    assert names == [(None, None)]
    assert "Anna" not in at.header[0].value  # the page shows the erased state at once


def test_a_full_disk_during_the_erasure_is_a_message_and_changes_nothing(
    anna: tuple[str, int],
) -> None:
    url, person = anna
    at = open_app("pages/kunde.py", person=str(person))
    at.text_input(key=fresh("gdpr_confirm")).input(str(person)).run()
    at.button(key="gdpr_erase_ask").click().run()

    def disk_full(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", disk_full)
    try:
        at.button(key="gdpr_erase:yes").click().run()
    finally:
        event.remove(engine, "before_cursor_execute", disk_full)
    assert not at.exception
    assert any("Speicherplatz ist voll" in e.value for e in at.error)
    assert gdpr.resolve_person(engine, "anna@beispiel.de") == person  # nothing was erased
