"""Demo data: deterministic, refuses real databases, exercises what the dashboard must handle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from kundenwert.db import get_engine, session_scope
from kundenwert.demo import DemoError, DemoSummary, fill_demo, generate, tax_in_gross
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.models import Contact, Order, Setting, Source
from kundenwert.rates import rate_on
from kundenwert.records import ContactRecord, OrderRecord
from tests.databases import fresh_database_url

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoSummary]]:
    """One demo database (300 people) shared by the read-only tests of this module."""
    path = tmp_path_factory.mktemp("demo") / "t.db"
    engine = get_engine(f"sqlite:///{path}")
    summary = fill_demo(engine, seed=7, persons=300, today=TODAY)
    yield engine, summary
    engine.dispose()


def test_same_seed_gives_same_data() -> None:
    first, second = generate(seed=3, persons=200, today=TODAY), generate(3, 200, TODAY)
    assert [len(s.orders) for s in first.sources] == [len(s.orders) for s in second.sources]
    assert first.sources[0].orders[:5] == second.sources[0].orders[:5]
    assert first == second


def test_other_seed_gives_other_data() -> None:
    first, other = generate(seed=3, persons=200, today=TODAY), generate(4, 200, TODAY)
    assert first.sources[0].orders[:5] != other.sources[0].orders[:5]


def test_orders_lie_in_the_three_years_before_today() -> None:
    data = generate(seed=3, persons=200, today=TODAY)
    days = [o.ordered_at.date() for s in data.sources for o in s.orders]
    assert min(days) >= date(2023, 11, 23)
    assert max(days) < TODAY


def test_refuses_a_database_with_orders(tmp_path: Path) -> None:
    engine = get_engine(fresh_database_url(tmp_path, "t.db"))
    with session_scope(engine) as session:
        source = get_or_create_source(session, "Mein Shop", "woocommerce")
        order = OrderRecord(
            "1", "c1", ordered_at=datetime(2026, 1, 5, tzinfo=UTC), gross_cents=1000
        )
        ingest(session, source, [ContactRecord("c1", email="a@example.com")], [order])
    with pytest.raises(DemoError):
        fill_demo(engine, persons=200, today=TODAY)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Source)).one() == 1


def test_refuses_when_a_demo_account_name_is_taken(tmp_path: Path) -> None:
    engine = get_engine(fresh_database_url(tmp_path, "t.db"))
    with session_scope(engine) as session:
        get_or_create_source(session, "Stripe", "stripe")
    with pytest.raises(DemoError, match="Stripe"):
        fill_demo(engine, persons=200, today=TODAY)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Contact)).one() == 0


def test_summary_counts(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, summary = demo_db
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == summary.orders
    assert summary.sources == 5
    assert summary.countries >= 25
    assert summary.products >= 40
    assert summary.refunds > 0


def test_all_five_sources_with_their_kinds(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo_db
    with Session(engine) as session:
        sources = {s.label: s.kind for s in session.exec(select(Source))}
    assert sources == {
        "Digistore24": "digistore24",
        "Digistore24 (2. Konto)": "digistore24",
        "WooCommerce Shop": "woocommerce",
        "Stripe": "stripe",
        "sevDesk": "sevdesk",
    }


def test_marked_as_demo_data(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo_db
    with Session(engine) as session:
        setting = session.get(Setting, "demo_data")
    assert setting is not None and setting.value_json == "true"


def test_people_overlap_between_tools(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, summary = demo_db
    with Session(engine) as session:
        per_person = (
            select(Contact.person_id)
            .group_by(col(Contact.person_id))
            .having(func.count(func.distinct(Contact.source_id)) >= 2)
            .subquery()
        )
        in_several = session.exec(select(func.count()).select_from(per_person)).one()
    assert summary.persons < summary.contacts
    assert in_several >= summary.persons // 5


def test_same_address_written_differently_is_merged(demo_db: tuple[Engine, DemoSummary]) -> None:
    data = generate(seed=7, persons=300, today=TODAY)
    raw = [c.email for s in data.sources for c in s.contacts if c.email]
    assert any(e != e.strip().lower() for e in raw)  # "  Anna.Schmidt@GMX.de "
    engine, _ = demo_db
    with Session(engine) as session:
        stored = session.exec(select(Contact.email)).all()
    assert all(e == e.strip().lower() for e in stored if e)


def test_typos_and_second_addresses_stay_separate(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo_db
    with Session(engine) as session:
        rows = session.exec(
            select(Contact.first_name, Contact.last_name, Contact.postcode, Contact.person_id)
        ).all()
    persons_per_key: dict[tuple[object, ...], set[int]] = {}
    for first, last, postcode, person_id in rows:
        persons_per_key.setdefault((first, last, postcode), set()).add(person_id)
    assert any(len(persons) >= 2 for persons in persons_per_key.values())


def test_foreign_orders_have_a_rate_on_or_before_their_day(
    demo_db: tuple[Engine, DemoSummary],
) -> None:
    engine, _ = demo_db
    with Session(engine) as session:
        foreign = session.exec(select(Order).where(Order.currency != "EUR")).all()
        assert {o.currency for o in foreign} == {"USD", "CHF"}
        for order in foreign:
            found = rate_on(session, order.currency, order.ordered_at.date())
            assert found is not None and found[0] <= order.ordered_at.date()


def test_shop_payments_also_seen_by_stripe(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo_db
    with Session(engine) as session:
        shop = session.exec(select(Source.id).where(Source.kind == "woocommerce")).one()
        stripe = session.exec(select(Source.id).where(Source.kind == "stripe")).one()
        ids = {
            source_id: set(
                session.exec(
                    select(Order.payment_id).where(
                        Order.source_id == source_id, col(Order.payment_id).is_not(None)
                    )
                ).all()
            )
            for source_id in (shop, stripe)
        }
    assert len(ids[shop] & ids[stripe]) >= 10


def test_status_mix_includes_every_status(demo_db: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo_db
    with Session(engine) as session:
        statuses = set(session.exec(select(Order.status).distinct()).all())
    assert statuses >= {"paid", "refunded", "cancelled", "failed"}


def test_net_is_gross_divided_by_vat_rate_rounded() -> None:
    assert tax_in_gross(11900, 190) == 1900
    assert tax_in_gross(999, 190) == 160  # 999 / 1.19 = 839.496… → 839 net
    assert tax_in_gross(10810, 81) == 810
    assert tax_in_gross(5000, 0) == 0
