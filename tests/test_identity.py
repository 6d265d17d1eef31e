"""One person per customer: automatic e-mail merge, manual merge, split and undo."""

import pytest
from sqlmodel import Session, select

from kundenwert.frames import load_frames
from kundenwert.identity import (
    IdentityError,
    merge_history,
    merge_persons,
    normalise_email,
    probable_duplicates,
    split_contacts,
    undo,
)
from kundenwert.models import Contact
from tests.factories import contact, dataset, new_db, order, put, value_of


def person_of(engine, label_contact_id: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(Contact.person_id).where(Contact.source_contact_id == label_contact_id)
        ).first()


def test_normalise_email_trims_and_lowercases():
    assert normalise_email("  Anna.Schmidt@GMX.de ") == "anna.schmidt@gmx.de"
    assert normalise_email("   ") is None


def test_differently_written_emails_across_tools_and_accounts_are_one_person(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "DS 1", [contact("b1", "Anna@GMX.de")], [order("1", "b1", 1000)], "digistore24")
    put(engine, "DS 2", [contact("b9", " anna@gmx.de ")], [order("1", "b9", 2000)], "digistore24")
    put(engine, "sevDesk", [contact("k5", "ANNA@gmx.DE")], [order("R-1", "k5", 3000)], "sevdesk")
    ds = dataset(url)
    assert ds.customers.height == 1
    assert value_of(ds, "anna@gmx.de") == 6000
    assert ds.customers["contacts"][0] == 3


def test_automatic_merges_are_logged_with_their_reason(tmp_path):
    engine, _ = new_db(tmp_path)
    put(engine, "A", [contact("1", "a@x.de")], [])
    put(engine, "B", [contact("2", "A@x.de")], [])
    history = merge_history(engine, person_of(engine, "1"))
    assert [(h.action, h.reason) for h in history] == [("merge", "same_email")]


def test_manual_merge_and_undo(tmp_path):
    engine, url = new_db(tmp_path)
    put(
        engine,
        "Shop",
        [contact("1", "a@x.de"), contact("2", "a.privat@y.de")],
        [order("o1", "1", 1000), order("o2", "2", 500)],
    )
    a, b = person_of(engine, "1"), person_of(engine, "2")
    log_id = merge_persons(engine, a, b, note="gleiche Person")
    ds = dataset(url)
    assert ds.customers["value"].to_list() == [1500]
    assert undo(engine, log_id) == b
    ds = dataset(url)
    assert sorted(ds.customers["value"].to_list()) == [500, 1000]
    assert [h.reason for h in merge_history(engine, a)] == ["undo", "manual"]


def test_split_moves_a_contact_to_a_new_person(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "A", [contact("1", "shared@x.de")], [order("o1", "1", 1000)])
    put(engine, "B", [contact("2", "shared@x.de")], [order("o2", "2", 700)])
    with Session(engine) as session:
        moved = session.exec(select(Contact).where(Contact.source_contact_id == "2")).one()
    new_person = split_contacts(engine, [moved.id], note="Familienadresse")
    assert person_of(engine, "2") == new_person != person_of(engine, "1")
    assert sorted(dataset(url).customers["value"].to_list()) == [700, 1000]


def test_split_keeps_at_least_one_contact(tmp_path):
    engine, _ = new_db(tmp_path)
    put(engine, "A", [contact("1", "a@x.de")], [])
    with Session(engine) as session:
        only = session.exec(select(Contact)).one()
    with pytest.raises(IdentityError):
        split_contacts(engine, [only.id])


def test_reimport_after_split_does_not_merge_again(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "A", [contact("1", "shared@x.de")], [])
    put(engine, "B", [contact("2", "shared@x.de")], [])
    with Session(engine) as session:
        moved = session.exec(select(Contact).where(Contact.source_contact_id == "2")).one()
    split_contacts(engine, [moved.id])
    put(engine, "B", [contact("2", "shared@x.de")], [])
    assert dataset(url).customers.height == 2


def test_probable_duplicates_by_name_and_postcode_and_by_email_typo(tmp_path):
    engine, url = new_db(tmp_path)
    put(
        engine,
        "A",
        [
            contact(
                "1", "max.muster@gmail.com", first_name="Max", last_name="Muster", postcode="10115"
            ),
            contact("2", "mm@firma.de", first_name="max", last_name="Muster ", postcode="10115"),
            contact("3", "erika.beispiel@gmial.com"),
            contact("4", "erika.beispiel@gmail.com"),
            contact("5", "ganz.anders@web.de"),
        ],
        [],
    )
    pairs = probable_duplicates(load_frames(url).contacts)
    reasons = {(r["reason"], r["person_a"], r["person_b"]) for r in pairs.iter_rows(named=True)}
    p = {cid: person_of(engine, cid) for cid in "12345"}
    assert ("same_name_postcode", *sorted((p["1"], p["2"]))) in reasons
    assert ("similar_email", *sorted((p["3"], p["4"]))) in reasons
    assert all(p["5"] not in (a, b) for _, a, b in reasons)
