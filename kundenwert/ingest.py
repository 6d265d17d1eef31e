"""Write canonical records into the database: upsert by (source, source id), merge by e-mail.

One call is one transaction in the caller's session: the caller commits only when everything
was written, so a failure leaves the database as it was. Re-running with the same records adds
and changes nothing; an order that changed at the source (refunded later) is updated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from kundenwert.identity import normalise_email
from kundenwert.models import (
    Contact,
    MergeLog,
    Order,
    OrderItem,
    Person,
    Refund,
    Source,
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
    for chunk in _chunks([c.source_contact_id for c in contacts]):
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
    # one new person per new e-mail (or per contact without e-mail), created in one flush
    new_persons: dict[str, Person] = {}
    for source_contact_id, values in fresh_values.items():
        key = str(values["email"]) if values["email"] else f"\0{source_contact_id}"
        if key not in known and key not in new_persons:
            new_persons[key] = Person()
    session.add_all(new_persons.values())
    session.flush()

    joined: dict[int, list[Contact]] = {}
    for source_contact_id, values in fresh_values.items():
        key = str(values["email"]) if values["email"] else f"\0{source_contact_id}"
        person_id = known.get(key) or new_persons[key].id
        assert person_id is not None
        contact = Contact(
            source_id=source.id, source_contact_id=source_contact_id, person_id=person_id, **values
        )
        session.add(contact)
        existing[source_contact_id] = contact
        if key in known:
            joined.setdefault(person_id, []).append(contact)
    result.contacts_added += len(fresh_values)
    session.flush()
    for person_id, moved in joined.items():
        session.add(
            MergeLog(
                action="merge",
                reason="same_email",
                person_id=person_id,
                contact_ids=",".join(str(c.id) for c in moved),
                note=moved[0].email,
            )
        )
    return {key: contact.id for key, contact in existing.items() if contact.id is not None}


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
    result = IngestResult()
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
    order_ids = [o.source_order_id for o in orders]
    for chunk in _chunks(order_ids):
        order_stmt = select(Order).where(
            Order.source_id == source.id, col(Order.source_order_id).in_(chunk)
        )
        existing.update({o.source_order_id: o for o in session.exec(order_stmt)})

    items, refunds = _children(session, list(existing.values()))
    created: list[tuple[Order, OrderRecord]] = []
    for record in orders:
        values = _order_values(record)
        values["contact_id"] = contact_ids[record.source_contact_id]
        row = existing.get(record.source_order_id)
        if row is None:
            assert source.id is not None
            row = Order(source_id=source.id, source_order_id=record.source_order_id, **values)
            session.add(row)
            existing[record.source_order_id] = row
            created.append((row, record))
            continue
        changed = _apply(row, values)
        assert row.id is not None
        changed = _replace_items(session, row, items.get(row.id, []), record) or changed
        changed = (
            _sync_refunds(session, row, refunds.get(row.id, {}), record.refunds, result) or changed
        )
        result.orders_updated += int(changed)
    result.orders_added += len(created)
    session.flush()
    for row, record in created:
        _add_items(session, row, record)
        _sync_refunds(session, row, {}, record.refunds, result)
    source.last_import_at = datetime.now(UTC)
    session.add(source)
    session.flush()
    return result


def get_or_create_source(session: Session, label: str, kind: str) -> Source:
    source = session.exec(select(Source).where(Source.label == label)).first()
    if source is None:
        source = Source(label=label, kind=kind)
        session.add(source)
        session.flush()
    return source
