"""Write canonical records into the database: upsert by (source, source id), merge by e-mail.

One call is one transaction in the caller's session: the caller commits only when everything
was written, so a failure leaves the database as it was. Re-running with the same records adds
and changes nothing; an order that changed at the source (refunded later) is updated.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from kundenwert.gdpr import anonymise_incoming
from kundenwert.identity import normalise_email
from kundenwert.models import (
    Contact,
    MergeLog,
    Order,
    OrderItem,
    Person,
    Refund,
    Source,
    utcnow,
)
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

_CONTACT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "country",
    "city",
    "postcode",
    "created_at",
    "url",
)
_ORDER_FIELDS = (
    "ordered_at",
    "currency",
    "gross_cents",
    "net_cents",
    "tax_cents",
    "fee_cents",
    "status",
    "kind",
    "payment_id",
    "is_sandbox",
    "url",
)
_CHUNK = 500


@dataclass
class IngestResult:
    contacts_added: int = 0
    contacts_updated: int = 0
    orders_added: int = 0
    orders_updated: int = 0
    refunds_added: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.contacts_added,
                self.contacts_updated,
                self.orders_added,
                self.orders_updated,
            )
        )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused while a large batch is turned into rows.

    The records and rows of 100,000 orders are hundreds of thousands of live objects, and the
    collector walked all of them again and again while they were made: a third of a CSV
    import's time, for no garbage (they are freed by reference counting). Afterwards the
    collector runs as before; if it was paused already, it stays so.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; naive input is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _contact_values(record: ContactRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _CONTACT_FIELDS}
    values["email"] = normalise_email(record.email)
    if record.country:
        values["country"] = record.country.strip().upper()
    if record.created_at is not None:
        values["created_at"] = as_utc(record.created_at)
    return values


def _order_values(record: OrderRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _ORDER_FIELDS if name != "net_cents"}
    values["net_cents"] = record.net_cents
    values["ordered_at"] = as_utc(record.ordered_at)
    values["currency"] = record.currency.strip().upper()
    return values


def _same(current: object, new: object) -> bool:
    if isinstance(current, datetime) and isinstance(new, datetime):
        return as_utc(current) == as_utc(new)
    return current == new


def _apply(row: object, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if not _same(getattr(row, name), value):
            setattr(row, name, value)
            changed = True
    return changed


def _persons_by_email(session: Session, emails: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    if not emails or _count(session, Contact) == 0:
        return found  # the first import: nobody to look up
    ordered = sorted(emails)
    for chunk in _chunks(ordered):
        rows = session.exec(
            select(Contact.email, Contact.person_id).where(col(Contact.email).in_(chunk))
        )
        for email, person_id in rows:
            if email is not None:
                found.setdefault(email, person_id)
    return found


def _upsert_contacts(
    session: Session,
    source: Source,
    contacts: Sequence[ContactRecord],
    result: IngestResult,
) -> dict[str, int]:
    """Returns source contact id → contact id for every contact of the batch.

    A new contact joins the person that already has its normalised e-mail (in any source);
    new contacts sharing an e-mail in one batch get one new person together.
    """
    assert source.id is not None
    existing: dict[str, Contact] = {}
    stored = _stored_keys(session, Contact, source.id, [c.source_contact_id for c in contacts])
    for chunk in _chunks(stored):
        stmt = select(Contact).where(
            Contact.source_id == source.id, col(Contact.source_contact_id).in_(chunk)
        )
        existing.update({c.source_contact_id: c for c in session.exec(stmt)})

    fresh_values: dict[str, dict[str, Any]] = {}
    for record in contacts:
        values = _contact_values(record)
        current = existing.get(record.source_contact_id)
        if current is None:
            fresh_values[record.source_contact_id] = values
        elif _apply(current, values):
            result.contacts_updated += 1

    emails = {str(v["email"]) for v in fresh_values.values() if v["email"]}
    known = _persons_by_email(session, emails)
    # one new person per new e-mail (or per contact without e-mail)
    keys = {
        scid: str(values["email"]) if values["email"] else f"\0{scid}"
        for scid, values in fresh_values.items()
    }
    new_keys = list(dict.fromkeys(k for k in keys.values() if k not in known))
    person_ids = {**known, **dict(zip(new_keys, _new_persons(session, len(new_keys)), strict=True))}
    rows = [
        {
            "source_id": source.id,
            "source_contact_id": scid,
            "person_id": person_ids[keys[scid]],
            **values,
        }
        for scid, values in fresh_values.items()
    ]
    added = _insert_returning_keys(session, source.id, Contact, rows, "source_contact_id")
    result.contacts_added += len(fresh_values)
    joined: dict[int, list[str]] = {}
    for scid, key in keys.items():
        if key in known:
            joined.setdefault(known[key], []).append(scid)
    # one log entry per person joined, written in bulk (a first sync of a second tool joins
    # thousands: one ORM object each took a third of the batch's time)
    now = utcnow()
    log = [
        (
            now,
            "merge",
            "same_email",
            person_id,
            ",".join(str(added[scid]) for scid in moved),
            fresh_values[moved[0]]["email"],
        )
        for person_id, moved in joined.items()
    ]
    _bulk_insert_tuples(session, MergeLog, _MERGE_LOG_COLUMNS, log)
    ids = {key: contact.id for key, contact in existing.items() if contact.id is not None}
    return {**ids, **added}


_MERGE_LOG_COLUMNS = ("at", "action", "reason", "person_id", "contact_ids", "note")
# Rows per INSERT statement of the bulk writes below (SQLite allows 32,766 bound values).
_INSERT_ROWS = 2_000


def _table(model: type) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _new_persons(session: Session, count: int) -> list[int]:
    """Ids of ``count`` new, empty persons (which id goes to which contact does not matter)."""
    now = datetime.now(UTC)
    ids: list[int] = []
    for start in range(0, count, _INSERT_ROWS):
        rows = [{"created_at": now}] * min(_INSERT_ROWS, count - start)
        stmt = insert(_table(Person)).returning(_table(Person).c.id)
        ids += [int(i) for i in session.connection().execute(stmt, rows).scalars()]
    return ids


def _bulk_insert(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with the driver's executemany."""
    if rows:
        names = list(rows[0])
        values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        _bulk_insert_tuples(session, model, names, list(map(values, rows)))


def _bulk_insert_tuples(
    session: Session, model: type, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples of the columns ``names``) with the driver's executemany.

    At 100,000 orders one ORM object per row takes a minute and even Core's per-row parameter
    handling takes seconds; here the column types convert the values (datetimes as SQLAlchemy
    stores them) and the driver gets plain tuples.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    table = _table(model)
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # names are our own column names
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    for start in range(0, len(rows), _INSERT_ROWS * 10):
        # column by column: the conversions run only where a type has one (datetimes)
        columns = list(zip(*rows[start : start + _INSERT_ROWS * 10], strict=True))
        for i, process in enumerate(processors):
            if process is not None:
                columns[i] = tuple(map(process, columns[i]))
        connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _stored_keys(session: Session, model: type, source_id: int, keys: Sequence[str]) -> list[str]:
    """Those of ``keys`` the source already has: a cheap key-only query first, so that full
    ORM objects are loaded only for rows that may change (none on a first import)."""
    table = _table(model)
    key = table.c["source_contact_id" if model is Contact else "source_order_id"]
    found: list[str] = []
    unique = sorted(set(keys))
    stored = _count(session, model, source_id) if unique else 0
    if not stored:
        return found  # a new source: nothing to look up
    if stored <= 4 * len(unique):
        # a batch about as large as what the source has: one query for all its keys is
        # cheaper than compiling and running IN lists of thousands of keys
        query = sa_select(key).where(table.c.source_id == source_id)
        every = {str(k) for k in session.connection().execute(query).scalars().all()}
        return [k for k in unique if k in every]
    for start in range(0, len(unique), _INSERT_ROWS):
        chunk = unique[start : start + _INSERT_ROWS]
        query = sa_select(key).where(table.c.source_id == source_id, key.in_(chunk))
        found += [str(k) for k in session.connection().execute(query).scalars()]
    return found


def _count(session: Session, model: type, source_id: int | None = None) -> int:
    """Rows of ``model`` (of one source)."""
    table = _table(model)
    query = sa_select(func.count()).select_from(table)
    if source_id is not None:
        query = query.where(table.c.source_id == source_id)
    return int(session.connection().execute(query).scalar() or 0)


def _max_id(session: Session, model: type) -> int:
    table = _table(model)
    return int(session.connection().execute(sa_select(func.max(table.c.id))).scalar() or 0)


def _insert_returning_keys(
    session: Session,
    source_id: int,
    model: type,
    rows: Sequence[dict[str, Any]] | Sequence[tuple[Any, ...]],
    key: str,
    names: Sequence[str] = (),
) -> dict[str, int]:
    """Bulk-insert ``rows`` of one source (dicts, or tuples of the columns ``names``); returns
    their ``key`` → new id.

    Ids come from one query for the rows above the highest id before the insert: ids only
    grow (SQLite's rowid, PostgreSQL's sequence), and (source, key) is unique, so every row
    found with one of our keys is one we wrote.
    """
    if not rows:
        return {}
    before = _max_id(session, model)
    if names:
        tuples = cast(Sequence[tuple[Any, ...]], rows)
        _bulk_insert_tuples(session, model, names, tuples)
        position = list(names).index(key)
        wanted = {str(row[position]) for row in tuples}
    else:
        dicts = cast(list[dict[str, Any]], rows)
        _bulk_insert(session, model, dicts)
        wanted = {str(row[key]) for row in dicts}
    table = _table(model)
    query = sa_select(table.c[key], table.c.id).where(
        table.c.source_id == source_id, table.c.id > before
    )
    found = session.connection().execute(query).all()  # fetchall: not row by row
    return {str(k): int(i) for k, i in found if str(k) in wanted}


def _children(
    session: Session, orders: Sequence[Order]
) -> tuple[dict[int, list[OrderItem]], dict[int, dict[str, Refund]]]:
    """Items and refunds of existing orders, fetched in bulk rather than order by order."""
    items: dict[int, list[OrderItem]] = {}
    refunds: dict[int, dict[str, Refund]] = {}
    ids = [o.id for o in orders if o.id is not None]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for item in session.exec(select(OrderItem).where(col(OrderItem.order_id).in_(chunk))):
            items.setdefault(item.order_id, []).append(item)
        for refund in session.exec(select(Refund).where(col(Refund.order_id).in_(chunk))):
            refunds.setdefault(refund.order_id, {})[refund.source_refund_id] = refund
    return items, refunds


def _sync_refunds(
    session: Session,
    order: Order,
    current: dict[str, Refund],
    refunds: Sequence[RefundRecord],
    result: IngestResult,
) -> bool:
    """Add new refunds and update changed ones; refunds never disappear at the source."""
    assert order.id is not None
    changed = False
    for record in refunds:
        values: dict[str, Any] = {
            "refunded_at": as_utc(record.refunded_at),
            "amount_cents": record.amount_cents,
            "reason": record.reason,
        }
        row = current.get(record.source_refund_id)
        if row is None:
            session.add(
                Refund(order_id=order.id, source_refund_id=record.source_refund_id, **values)
            )
            result.refunds_added += 1
            changed = True
        elif _apply(row, values):
            changed = True
    return changed


def _item_key(item: OrderItem | ItemRecord) -> tuple[str, str, int, int]:
    return (item.product_id or "", item.product_name, item.quantity, item.amount_cents)


def _replace_items(
    session: Session, order: Order, current: list[OrderItem], record: OrderRecord
) -> bool:
    if sorted(map(_item_key, current)) == sorted(map(_item_key, record.items)):
        return False
    for item in current:
        session.delete(item)
    _add_items(session, order, record)
    return True


def _add_items(session: Session, order: Order, record: OrderRecord) -> None:
    assert order.id is not None
    session.add_all(
        OrderItem(
            order_id=order.id,
            product_id=item.product_id,
            product_name=item.product_name,
            quantity=item.quantity,
            amount_cents=item.amount_cents,
        )
        for item in record.items
    )


def ingest(
    session: Session,
    source: Source,
    contacts: Sequence[ContactRecord],
    orders: Sequence[OrderRecord],
) -> IngestResult:
    """Upsert contacts and orders of one source; the caller commits or rolls back."""
    with paused_gc(), _page_cache(session):
        return _ingest(session, source, contacts, orders)


# SQLite's page cache while a batch is written (KiB, as PRAGMA cache_size takes a negative
# number): the default 2 MiB holds too little of the indexes of a large table, so pages are
# read and written again and again. Memory only; durability is SQLite's as configured.
_CACHE_KIB = 64 * 1024


@contextmanager
def _page_cache(session: Session) -> Iterator[None]:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    connection.exec_driver_sql(f"PRAGMA cache_size=-{_CACHE_KIB}")
    # restored on the driver's connection: after a failure SQLAlchemy's one refuses any
    # statement until rolled back, and the failure is what the caller must see
    raw = connection.connection.dbapi_connection
    try:
        yield
    finally:
        if raw is not None:
            with suppress(sqlite3.Error):
                raw.cursor().execute(f"PRAGMA cache_size={before}")


def _ingest(
    session: Session,
    source: Source,
    contacts: Sequence[ContactRecord],
    orders: Sequence[OrderRecord],
) -> IngestResult:
    result = IngestResult()
    # persons erased under GDPR Art. 17 stay erased: their records arrive anonymised
    contacts, orders = anonymise_incoming(session, source, contacts, orders)
    contact_ids = _upsert_contacts(session, source, contacts, result)
    missing = {o.source_contact_id for o in orders} - contact_ids.keys()
    if missing:
        for chunk in _chunks(sorted(missing)):
            stmt = select(Contact.source_contact_id, Contact.id).where(
                Contact.source_id == source.id,
                col(Contact.source_contact_id).in_(chunk),
            )
            contact_ids.update({k: v for k, v in session.exec(stmt) if v is not None})
    unknown = {o.source_contact_id for o in orders} - contact_ids.keys()
    if unknown:
        raise ValueError(f"orders refer to unknown contacts: {sorted(unknown)[:5]}")

    existing: dict[str, Order] = {}
    assert source.id is not None
    order_ids = _stored_keys(session, Order, source.id, [o.source_order_id for o in orders])
    for chunk in _chunks(order_ids):
        order_stmt = select(Order).where(
            Order.source_id == source.id, col(Order.source_order_id).in_(chunk)
        )
        existing.update({o.source_order_id: o for o in session.exec(order_stmt)})

    items, refunds = _children(session, list(existing.values()))
    # new orders are written in bulk below; a repeated id in one batch: the last record wins
    created: dict[str, OrderRecord] = {}
    for record in orders:
        row = existing.get(record.source_order_id)
        if row is None:
            created[record.source_order_id] = record
            continue
        values = _order_values(record)
        values["contact_id"] = contact_ids[record.source_contact_id]
        changed = _apply(row, values)
        assert row.id is not None
        changed = _replace_items(session, row, items.get(row.id, []), record) or changed
        changed = (
            _sync_refunds(session, row, refunds.get(row.id, {}), record.refunds, result) or changed
        )
        result.orders_updated += int(changed)
    result.orders_added += len(created)
    session.flush()
    _insert_orders(session, source, created, contact_ids, result)
    source.last_import_at = datetime.now(UTC)
    session.add(source)
    session.flush()
    return result


_NEW_ORDER_COLUMNS = ("source_id", "source_order_id", "contact_id", *_ORDER_FIELDS)
_ITEM_COLUMNS = ("order_id", "product_id", "product_name", "quantity", "amount_cents")


def _new_order_row(source_id: int, contact_id: int, record: OrderRecord) -> tuple[Any, ...]:
    """The values of :data:`_NEW_ORDER_COLUMNS`, as :func:`_order_values` makes them."""
    return (
        source_id,
        record.source_order_id,
        contact_id,
        as_utc(record.ordered_at),
        record.currency.strip().upper(),
        record.gross_cents,
        record.net_cents,
        record.tax_cents,
        record.fee_cents,
        record.status,
        record.kind,
        record.payment_id,
        record.is_sandbox,
        record.url,
    )


def _insert_orders(
    session: Session,
    source: Source,
    created: dict[str, OrderRecord],
    contact_ids: dict[str, int],
    result: IngestResult,
) -> None:
    """New orders, their items and refunds, as bulk inserts (tuples: no dict per row)."""
    assert source.id is not None
    source_id = source.id
    rows = [
        _new_order_row(source_id, contact_ids[record.source_contact_id], record)
        for record in created.values()
    ]
    order_ids = _insert_returning_keys(
        session, source_id, Order, rows, "source_order_id", _NEW_ORDER_COLUMNS
    )
    item_rows: list[tuple[Any, ...]] = []
    refund_rows: dict[tuple[int, str], dict[str, Any]] = {}
    for key, record in created.items():
        order_id = order_ids[key]
        item_rows += (
            (order_id, item.product_id, item.product_name, item.quantity, item.amount_cents)
            for item in record.items
        )
        for refund in record.refunds:
            # a refund listed twice in one record is one refund (its id is unique per order)
            refund_rows[(order_id, refund.source_refund_id)] = {
                "order_id": order_id,
                "source_refund_id": refund.source_refund_id,
                "refunded_at": as_utc(refund.refunded_at),
                "amount_cents": refund.amount_cents,
                "reason": refund.reason,
            }
    _bulk_insert_tuples(session, OrderItem, _ITEM_COLUMNS, item_rows)
    _bulk_insert(session, Refund, list(refund_rows.values()))
    result.refunds_added += len(refund_rows)


def get_or_create_source(session: Session, label: str, kind: str) -> Source:
    source = session.exec(select(Source).where(Source.label == label)).first()
    if source is None:
        source = Source(label=label, kind=kind)
        session.add(source)
        session.flush()
    return source
