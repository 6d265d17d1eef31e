"""Writing canonical records: upsert by (source, source id), nothing doubled, changes applied."""

from sqlmodel import Session, func, select

from kundenwert.models import Contact, Order, OrderItem, Person, Refund
from tests.factories import contact, dataset, new_db, order, put, refund, value_of


def counts(engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Person, Contact, Order, OrderItem, Refund)
        )


def test_rerun_adds_and_changes_nothing(tmp_path):
    engine, _ = new_db(tmp_path)
    records = ([contact("1", "a@x.de")], [order("o1", "1", 1000, refunds=[refund("r", 100)])])
    first = put(engine, "Shop", *records)
    before = counts(engine)
    again = put(engine, "Shop", *records)
    assert (first.orders_added, again.orders_added, again.orders_updated) == (1, 0, 0)
    assert not again.changed and counts(engine) == before == (1, 1, 1, 1, 1)


def test_order_refunded_later_is_updated_not_doubled(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "Shop", [contact("1", "a@x.de")], [order("o1", "1", 1000)])
    later = put(
        engine,
        "Shop",
        [contact("1", "a@x.de")],
        [order("o1", "1", 1000, status="refunded", refunds=[refund("r1", 1000)])],
    )
    assert (later.orders_added, later.orders_updated, later.refunds_added) == (0, 1, 1)
    assert value_of(dataset(url), "a@x.de") == 0


def test_same_source_id_in_two_accounts_are_two_orders(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "DS 1", [contact("1", "a@x.de")], [order("1001", "1", 1000)], "digistore24")
    put(engine, "DS 2", [contact("1", "a@x.de")], [order("1001", "1", 2000)], "digistore24")
    assert value_of(dataset(url), "a@x.de") == 3000


def test_a_failed_batch_leaves_the_database_unchanged(tmp_path):
    import pytest

    engine, _ = new_db(tmp_path)
    put(engine, "Shop", [contact("1", "a@x.de")], [order("o1", "1", 1000)])
    before = counts(engine)
    with pytest.raises(ValueError, match="unknown contacts"):
        put(engine, "Shop", [contact("2", "b@x.de")], [order("o2", "missing", 500)])
    assert counts(engine) == before
