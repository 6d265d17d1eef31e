"""PostgreSQL: the same schema, ingest and frames as on SQLite, against a real server.

The server is the throwaway one that ``scripts/test.sh`` starts; see ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

import polars as pl
import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, func, inspect
from sqlmodel import Session, col, select

from kundenwert import db
from kundenwert.frames import SCHEMAS, load_frames
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.models import Contact, ExchangeRate, MergeLog, Order, Person, Source
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

pytestmark = pytest.mark.postgres

CET = timezone(timedelta(hours=1))


def shop_records() -> tuple[list[ContactRecord], list[OrderRecord]]:
    contacts = [
        ContactRecord("c1", email="  Anna.Schmidt@Example.DE ", first_name="Anna", country="de"),
        ContactRecord("c2", email="ben@example.at", first_name="Ben", city="Wien"),
    ]
    orders = [
        OrderRecord(
            "o1",
            "c1",
            datetime(2024, 3, 1, 23, 30, tzinfo=UTC),
            gross_cents=11900,
            tax_cents=1900,
            fee_cents=350,
            payment_id="pi_1",
            items=[ItemRecord("Kurs", 11900, product_id="k1")],
        ),
        OrderRecord(
            "o2",
            "c2",
            datetime(2024, 3, 2, 9, 0, tzinfo=CET),
            gross_cents=5000,
            currency="usd",
            status="refunded",
            refunds=[RefundRecord("r1", datetime(2024, 3, 5, tzinfo=UTC), 5000)],
        ),
    ]
    return contacts, orders


def invoice_records() -> tuple[list[ContactRecord], list[OrderRecord]]:
    contacts = [ContactRecord("K-7", email="anna.schmidt@example.de", last_name="Schmidt")]
    orders = [
        OrderRecord("RE-1", "K-7", datetime(2024, 4, 1), gross_cents=23800, kind="invoice"),
    ]
    return contacts, orders


def ingest_all(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(ExchangeRate(currency="USD", day=date(2024, 3, 1), rate="1.0841"))
        for label, kind, (contacts, orders) in (
            ("Shop", "woocommerce", shop_records()),
            ("Rechnungen", "sevdesk", invoice_records()),
        ):
            ingest(session, get_or_create_source(session, label, kind), contacts, orders)


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_migrations_reach_head(pg_engine: Engine) -> None:
    head = ScriptDirectory.from_config(db.alembic_config(pg_engine)).get_current_head()
    with pg_engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
    assert set(SCHEMAS) <= set(inspect(pg_engine).get_table_names())


def test_migrating_twice_changes_nothing(pg_engine: Engine) -> None:
    db.migrate(pg_engine)
    assert db.has_tables(pg_engine)


def test_same_email_in_two_sources_is_one_person(pg_engine: Engine) -> None:
    ingest_all(pg_engine)
    with Session(pg_engine) as session:
        contacts = session.exec(select(Contact).order_by(col(Contact.id))).all()
        assert [c.email for c in contacts] == [
            "anna.schmidt@example.de",
            "ben@example.at",
            "anna.schmidt@example.de",
        ]
        assert contacts[0].person_id == contacts[2].person_id != contacts[1].person_id
        assert count(pg_engine, Person) == 2
        merge = session.exec(select(MergeLog)).one()
        assert (merge.reason, merge.person_id) == ("same_email", contacts[0].person_id)


def test_ingesting_again_adds_and_changes_nothing(pg_engine: Engine) -> None:
    ingest_all(pg_engine)
    contacts, orders = shop_records()
    with db.session_scope(pg_engine) as session:
        source = session.exec(select(Source).where(Source.label == "Shop")).one()
        result = ingest(session, source, contacts, orders)
    assert not result.changed
    assert (count(pg_engine, Order), count(pg_engine, Contact)) == (3, 3)


def test_failed_ingest_leaves_database_unchanged(pg_engine: Engine) -> None:
    orphan = OrderRecord("o9", "nobody", datetime(2024, 1, 1), gross_cents=100)
    with pytest.raises(ValueError, match="unknown contacts"), db.session_scope(pg_engine) as s:
        ingest(s, get_or_create_source(s, "Kaputt", "csv"), [], [orphan])
    assert count(pg_engine, Source) == 0


def test_frames_have_the_declared_types(pg_engine: Engine, pg_url: str) -> None:
    ingest_all(pg_engine)
    frames = load_frames(pg_url)
    for table, frame in (
        ("source", frames.sources),
        ("person", frames.persons),
        ("contact", frames.contacts),
        ("orders", frames.orders),
        ("order_item", frames.items),
        ("refund", frames.refunds),
        ("exchange_rate", frames.rates),
    ):
        assert frame.schema == pl.Schema(SCHEMAS[table]), table
    assert (frames.orders.height, frames.contacts.height, frames.persons.height) == (3, 3, 2)


def test_frames_hold_naive_utc_and_exact_cents(pg_engine: Engine, pg_url: str) -> None:
    ingest_all(pg_engine)
    orders = load_frames(pg_url).orders.sort("source_order_id")
    assert orders.select("source_order_id", "ordered_at", "gross_cents", "currency").rows() == [
        ("RE-1", datetime(2024, 4, 1), 23800, "EUR"),
        ("o1", datetime(2024, 3, 1, 23, 30), 11900, "EUR"),
        ("o2", datetime(2024, 3, 2, 8, 0), 5000, "USD"),
    ]
    assert orders["fee_cents"].to_list() == [None, 350, None]


def _comparable(frames: Sequence[pl.DataFrame]) -> list[pl.DataFrame]:
    """Drop what legitimately differs between two databases: insert timestamps."""
    return [f.drop(c for c in f.columns if c in {"created_at", "last_import_at"}) for f in frames]


def test_postgres_and_sqlite_give_the_same_frames(
    pg_engine: Engine, pg_url: str, engine: Engine, sqlite_url: str
) -> None:
    ingest_all(pg_engine)
    ingest_all(engine)
    on_pg, on_sqlite = load_frames(pg_url), load_frames(sqlite_url)
    names = ("sources", "persons", "contacts", "orders", "items", "refunds", "rates")
    pg_frames = _comparable([getattr(on_pg, n) for n in names])
    sqlite_frames = _comparable([getattr(on_sqlite, n) for n in names])
    for left, right in zip(pg_frames, sqlite_frames, strict=True):
        assert_frame_equal(left, right, check_row_order=False)


def test_customer_values_on_postgres(pg_engine: Engine, pg_url: str) -> None:
    from kundenwert.values import customer_values, order_values

    ingest_all(pg_engine)
    frames = load_frames(pg_url)
    customers = customer_values(frames, order_values(frames)).sort("person_id")
    # Anna: 119.00 € in the shop + 238.00 € invoiced; Ben: 50 USD, refunded in full.
    assert customers.select("email", "orders", "value").rows() == [
        ("anna.schmidt@example.de", 2, 35700),
        ("ben@example.at", 1, 0),
    ]


def test_data_version_changes_with_the_data(pg_engine: Engine, pg_url: str) -> None:
    from kundenwert.frames import data_version

    before = data_version(pg_url)
    ingest_all(pg_engine)
    assert data_version(pg_url) != before


def test_demo_business_gives_the_same_customer_values_as_on_sqlite(
    pg_engine: Engine, pg_url: str, engine: Engine, sqlite_url: str
) -> None:
    from kundenwert.customers import load_dataset
    from kundenwert.demo import fill_demo

    fill_demo(pg_engine, seed=7, persons=120, today=date(2026, 6, 30))
    fill_demo(engine, seed=7, persons=120, today=date(2026, 6, 30))
    columns = ["email", "orders", "value", "refunds", "chargebacks", "first_order"]
    on_pg = load_dataset(pg_url).customers.select(columns).sort("email")
    on_sqlite = load_dataset(sqlite_url).customers.select(columns).sort("email")
    assert on_pg.height > 100
    assert_frame_equal(on_pg, on_sqlite)


def test_manual_merge_and_undo_on_postgres(pg_engine: Engine, pg_url: str) -> None:
    from kundenwert.identity import merge_persons, undo
    from kundenwert.values import customer_values, order_values

    ingest_all(pg_engine)
    with Session(pg_engine) as session:
        anna, ben = sorted(session.exec(select(Person.id)).all())
    log_id = merge_persons(pg_engine, anna, ben, note="test")
    frames = load_frames(pg_url)
    assert customer_values(frames, order_values(frames)).height == 1
    assert undo(pg_engine, log_id) == ben
    frames = load_frames(pg_url)
    assert customer_values(frames, order_values(frames)).height == 2
