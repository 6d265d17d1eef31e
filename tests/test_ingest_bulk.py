"""New rows are written by bulk statements: the same rows, ids and merges as one by one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from kundenwert import ingest as ingest_module
from kundenwert.db import session_scope
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.models import Contact, MergeLog, Order, OrderItem, Refund
from kundenwert.records import RefundRecord
from tests.factories import contact, new_db, order


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three rows per statement, so a handful of records spans several batches."""
    monkeypatch.setattr(ingest_module, "_INSERT_ROWS", 3)


def _write(engine, label, contacts, orders):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return ingest(
            session, get_or_create_source(session, label, "woocommerce"), contacts, orders
        )


def test_batches_write_every_order_with_its_item_and_contact(tmp_path, tiny_batches) -> None:  # type: ignore[no-untyped-def]
    engine, _url = new_db(tmp_path)
    contacts = [contact(f"c{n}", f"k{n}@example.de") for n in range(5)]
    orders = [order(f"o{n}", f"c{n % 5}", 100 * (n + 1)) for n in range(40)]
    result = _write(engine, "Shop", contacts, orders)
    assert (result.orders_added, result.contacts_added) == (40, 5)
    with session_scope(engine) as session:
        rows = session.exec(
            select(Order.source_order_id, Order.gross_cents, Contact.email).join(
                Contact, Contact.id == Order.contact_id
            )
        ).all()
        items = session.exec(select(OrderItem.order_id, OrderItem.amount_cents)).all()
    assert sorted(rows) == sorted(
        (f"o{n}", 100 * (n + 1), f"k{n % 5}@example.de") for n in range(40)
    )
    gross = {oid: g for oid, g, _ in rows}
    ids = {o.source_order_id: o.id for o in _orders(engine)}
    assert sorted(items) == sorted((ids[oid], gross[oid]) for oid in gross)


def _orders(engine):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return session.exec(select(Order)).all()


def test_stored_datetimes_read_back_as_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, _url = new_db(tmp_path)
    record = order("o1", "c1", 500)
    record.ordered_at = datetime(2025, 3, 3, 23, 30, 15, 123456, tzinfo=UTC)
    _write(engine, "Shop", [contact("c1", "a@example.de")], [record])
    (stored,) = _orders(engine)
    assert stored.ordered_at.replace(tzinfo=UTC) == record.ordered_at


def test_a_repeated_order_id_in_one_batch_is_one_order_with_the_last_values(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, _url = new_db(tmp_path)
    first, last = order("o1", "c1", 500), order("o1", "c1", 700, status="refunded")
    result = _write(engine, "Shop", [contact("c1", "a@example.de")], [first, last])
    (stored,) = _orders(engine)
    assert (stored.gross_cents, stored.status, result.orders_added) == (700, "refunded", 1)


def test_refunds_of_new_orders_are_written_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, _url = new_db(tmp_path)
    refund = RefundRecord("r1", datetime(2025, 3, 10, tzinfo=UTC), 200)
    record = order("o1", "c1", 500, status="partially_refunded", refunds=[refund, refund])
    result = _write(engine, "Shop", [contact("c1", "a@example.de")], [record])
    with session_scope(engine) as session:
        refunds = session.exec(select(Refund.source_refund_id, Refund.amount_cents)).all()
    assert (refunds, result.refunds_added) == ([("r1", 200)], 1)


def test_a_new_contact_with_a_known_email_joins_that_person_and_is_logged(
    tmp_path, tiny_batches
) -> None:  # type: ignore[no-untyped-def]
    engine, _url = new_db(tmp_path)
    _write(engine, "Shop", [contact("s1", "anna@example.de")], [order("o1", "s1", 100)])
    _write(
        engine,
        "Digistore24",
        [contact(f"d{n}", "anna@example.de" if n == 2 else f"x{n}@example.de") for n in range(5)],
        [],
    )
    with session_scope(engine) as session:
        people = dict(session.exec(select(Contact.source_contact_id, Contact.person_id)).all())
        log = session.exec(select(MergeLog)).all()
        d2 = session.exec(select(Contact.id).where(Contact.source_contact_id == "d2")).one()
    assert people["d2"] == people["s1"]
    assert len(set(people.values())) == 5  # anna + four new persons
    assert [(m.person_id, m.contact_ids, m.note) for m in log] == [
        (people["s1"], str(d2), "anna@example.de")
    ]


def test_rerunning_a_bulk_import_adds_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, _url = new_db(tmp_path)
    contacts = [contact(f"c{n}", f"k{n}@example.de") for n in range(3)]
    orders = [order(f"o{n}", f"c{n % 3}", 100) for n in range(9)]
    _write(engine, "Shop", contacts, orders)
    again = _write(engine, "Shop", contacts, orders)
    assert (again.orders_added, again.contacts_added, again.changed) == (0, 0, False)
    assert len(_orders(engine)) == 9
