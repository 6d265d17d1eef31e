"""What ingest does to be fast must not change what it writes (kundenwert/ingest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from kundenwert import ingest as ingest_module
from kundenwert.db import session_scope
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.models import Order
from kundenwert.records import ContactRecord, OrderRecord
from tests.factories import contact, new_db, order


def _write(engine: Engine, contacts: list[ContactRecord], orders: list[OrderRecord]):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return ingest(
            session, get_or_create_source(session, "Shop", "woocommerce"), contacts, orders
        )


def _gross(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return dict(session.exec(select(Order.source_order_id, Order.gross_cents)).all())


@pytest.mark.parametrize("stored", [3, 40])  # all keys of the source read at once / IN lists
def test_a_batch_beside_stored_orders_updates_the_known_and_adds_the_new(
    tmp_path: Path, stored: int
) -> None:
    engine, _url = new_db(tmp_path)
    _write(
        engine, [contact("c", "k@example.de")], [order(f"o{n}", "c", 100) for n in range(stored)]
    )
    result = _write(
        engine, [], [order("o1", "c", 250), order("o2", "c", 100), order("new", "c", 7)]
    )
    assert (result.orders_added, result.orders_updated) == (1, 1)
    gross = _gross(engine)
    assert len(gross) == stored + 1
    assert (gross["o1"], gross["o2"], gross["new"]) == (250, 100, 7)


def test_a_new_contact_of_a_second_source_joins_the_person_of_its_email(tmp_path: Path) -> None:
    engine, _url = new_db(tmp_path)
    _write(engine, [contact("a", "k@example.de")], [])
    with session_scope(engine) as session:
        other = get_or_create_source(session, "Rechnungen", "lexoffice")
        ingest(session, other, [contact("x", "K@Example.de")], [])
    with session_scope(engine) as session:
        persons = session.exec(text("SELECT COUNT(DISTINCT person_id) FROM contact")).one()
    assert persons[0] == 1


def _cache_size(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or 0)


def test_sqlite_page_cache_is_as_before_after_a_batch_and_after_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, url = new_db(tmp_path)
    if not url.startswith("sqlite"):
        return  # PostgreSQL has no page-cache pragma; the batch is written as it is
    before = _cache_size(engine)
    _write(engine, [contact("c", "k@example.de")], [order("o1", "c", 100)])
    assert _cache_size(engine) == before

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "_insert_orders", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _write(engine, [], [order("o2", "c", 100)])
    assert _cache_size(engine) == before
    assert set(_gross(engine)) == {"o1"}
