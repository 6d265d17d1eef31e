"""Small builders for tests: a fresh database and canonical records with few keystrokes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine

from kundenwert.customers import Dataset, build_dataset
from kundenwert.db import get_engine, session_scope
from kundenwert.frames import load_frames
from kundenwert.ingest import IngestResult, get_or_create_source, ingest
from kundenwert.models import ExchangeRate
from kundenwert.preferences import TestOrderRules
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.settings import MoneyBasis
from tests.databases import fresh_database_url


def new_db(tmp_path: Path) -> tuple[Engine, str]:
    """A fresh, migrated database and its URL: a SQLite file in ``tmp_path``, or in the
    PostgreSQL pass a PostgreSQL database of its own (tests/databases.py)."""
    url = fresh_database_url(tmp_path, "test.db")
    return get_engine(url), url


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def contact(cid: str, email: str | None = None, **fields: str) -> ContactRecord:
    return ContactRecord(source_contact_id=cid, email=email, **fields)  # type: ignore[arg-type]


def order(
    oid: str,
    cid: str,
    gross: int,
    day: str = "2025-03-03",
    *,
    tax: int = 0,
    fee: int | None = None,
    currency: str = "EUR",
    status: str = "paid",
    kind: str = "one_time",
    payment_id: str | None = None,
    refunds: list[RefundRecord] | None = None,
    product: str | None = "Kurs",
) -> OrderRecord:
    return OrderRecord(
        source_order_id=oid,
        source_contact_id=cid,
        ordered_at=at(day),
        gross_cents=gross,
        tax_cents=tax,
        fee_cents=fee,
        currency=currency,
        status=status,
        kind=kind,
        payment_id=payment_id,
        refunds=refunds or [],
        items=[ItemRecord(product_name=product, amount_cents=gross)] if product else [],
    )


def refund(rid: str, cents: int, day: str = "2025-03-10", reason: str = "refund") -> RefundRecord:
    return RefundRecord(
        source_refund_id=rid, refunded_at=at(day), amount_cents=cents, reason=reason
    )


def put(
    engine: Engine,
    label: str,
    contacts: list[ContactRecord],
    orders: list[OrderRecord],
    kind: str = "csv",
) -> IngestResult:
    with session_scope(engine) as session:
        source = get_or_create_source(session, label, kind)
        return ingest(session, source, contacts, orders)


def put_rates(engine: Engine, rates: dict[tuple[str, str], str]) -> None:
    with session_scope(engine) as session:
        for (currency, day), rate in rates.items():
            session.add(ExchangeRate(currency=currency, day=date.fromisoformat(day), rate=rate))


def dataset(
    url: str, basis: MoneyBasis = MoneyBasis.GROSS, rules: TestOrderRules | None = None
) -> Dataset:
    return build_dataset(load_frames(url), basis, "EUR", rules)


def value_of(ds: Dataset, email: str) -> int:
    row = ds.customers.filter(ds.customers["email"] == email)
    assert row.height == 1, f"expected one person with {email}, found {row.height}"
    return int(row["value"][0])
