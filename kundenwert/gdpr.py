"""GDPR: what is stored about a person (Art. 15) and erasing them (Art. 17).

**Export** collects every row that belongs to a person: their contacts in every source, the
orders with items and refunds, the merge log entries that mention them, and rows of any other
table keyed by their e-mail address (survey answers, for example) — as JSON or as a CSV that
Excel opens (``;``, UTF-8 with BOM; one line per field: section, record, field, value).

**Erasure** removes what identifies the person and keeps what the books need: name, e-mail,
company, city, postcode, links into the source tools, the source's customer id (an import may use
the e-mail address as id) and free-text notes become NULL (the customer id a salted placeholder),
while the orders with their amounts, dates, invoice numbers and items and the refunds stay, because
§ 147 AO and § 257 HGB require invoices and booking records to be kept for ten years (Art. 17 (3)
b GDPR). The country stays too: the VAT records need it. Contacts keep their person and their
orders, so every value per person and per source is exactly what it was.

The erasure is logged in :class:`~kundenwert.models.GdprErasure` without personal data: when, the
person id, counts, and salted hashes of the erased ``(source, source contact id)`` pairs and
e-mail addresses. :func:`anonymise_incoming` (called by :func:`kundenwert.ingest.ingest`) checks
every incoming record against these markers, so the next sync or import does not bring the person
back: their records arrive without any personal field, under the placeholder id.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, Table, inspect
from sqlalchemy import update as sql_update
from sqlmodel import Session, col, or_, select

from kundenwert.db import session_scope
from kundenwert.identity import normalise_email
from kundenwert.models import (
    Contact,
    GdprErasure,
    MergeLog,
    Order,
    OrderItem,
    Refund,
    Setting,
    Source,
)
from kundenwert.records import ContactRecord, OrderRecord

ERASED_PREFIX = "erased:"
SALT_KEY = "gdpr.marker_salt"
# Contact fields that identify a person; country and created_at stay (VAT records, no identity).
PERSONAL_CONTACT_FIELDS = ("email", "first_name", "last_name", "company", "city", "postcode", "url")
# Free-text or identifying columns of other tables keyed by e-mail (survey answers and the like).
_FREE_TEXT_COLUMNS = frozenset(
    {"name", "first_name", "last_name", "company", "city", "postcode", "url", "address"}
    | {"comment", "note", "notes", "text", "answer_text", "remark", "feedback"}
)
_OWN_TABLES = frozenset(
    {"contact", "orders", "order_item", "refund", "merge_log", "gdpr_erasure", "alembic_version"}
)


class GdprError(ValueError):
    """A person reference that cannot be resolved; the message says what to check."""


@dataclass(frozen=True)
class ErasureReport:
    person_id: int
    contacts_erased: int
    orders_kept: int
    refunds_kept: int
    notes_cleared: int
    other_rows_anonymised: int


# --- finding the person ---------------------------------------------------------------------


def resolve_person(engine: Engine, reference: str) -> int:
    """A person id from ``reference``: a person number or an e-mail address of one of their
    contacts (case and surrounding blanks do not matter)."""
    text = reference.strip()
    with Session(engine) as session:
        if text.isdigit():
            found = session.exec(
                select(Contact.person_id).where(Contact.person_id == int(text))
            ).first()
            if found is None:
                raise GdprError(f"Keine Person mit der Nummer {text} gefunden")
            return int(found)
        email = normalise_email(text)
        persons = set(session.exec(select(Contact.person_id).where(Contact.email == email)))
    if not persons:
        raise GdprError(f"Keine Person mit der E-Mail-Adresse „{text}“ gefunden")
    if len(persons) > 1:
        numbers = ", ".join(str(p) for p in sorted(persons))
        raise GdprError(
            f"Die E-Mail-Adresse gehört zu mehreren Personen ({numbers}); Personennummer angeben"
        )
    return persons.pop()


# --- Art. 15: export ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(model: Any, skip: Sequence[str] = ()) -> dict[str, Any]:
    return {k: _plain(v) for k, v in model.model_dump().items() if k not in skip}


def _other_tables(session: Session) -> list[Table]:
    """Tables other than the canonical ones that hold an ``email`` column."""
    connection = session.connection()
    inspector = inspect(connection)
    found = []
    for name in inspector.get_table_names():
        if name in _OWN_TABLES:
            continue
        if any(c["name"] == "email" for c in inspector.get_columns(name)):
            found.append(Table(name, MetaData(), autoload_with=connection))
    return found


def _by_email(session: Session, emails: set[str]) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    if not emails:
        return result
    for table in _other_tables(session):
        query = table.select().where(table.c.email.in_(sorted(emails)))
        rows = [
            {k: _plain(v) for k, v in r._mapping.items()}
            for r in session.connection().execute(query)
        ]
        if rows:
            result[table.name] = rows
    return result


def _orders(session: Session, contacts: dict[int, Contact], labels: dict[int, str]) -> list[Any]:
    orders = session.exec(
        select(Order)
        .where(col(Order.contact_id).in_(list(contacts)))
        .order_by(col(Order.ordered_at))
    ).all()
    ids = [o.id for o in orders]
    items: dict[int, list[dict[str, Any]]] = {}
    for item in session.exec(select(OrderItem).where(col(OrderItem.order_id).in_(ids))):
        items.setdefault(item.order_id, []).append(_row(item, ("id", "order_id")))
    refunds: dict[int, list[dict[str, Any]]] = {}
    for refund in session.exec(select(Refund).where(col(Refund.order_id).in_(ids))):
        refunds.setdefault(refund.order_id, []).append(_row(refund, ("id", "order_id")))
    result = []
    for order in orders:
        assert order.id is not None
        row = _row(order, ("source_id", "contact_id"))
        row["source"] = labels[order.source_id]
        row["source_contact_id"] = contacts[order.contact_id].source_contact_id
        row["items"] = items.get(order.id, [])
        row["refunds"] = refunds.get(order.id, [])
        result.append(row)
    return result


def export_person(engine: Engine, person_id: int) -> dict[str, Any]:
    """Everything stored about one person (Art. 15 GDPR). Amounts are integer cents in the
    currency named beside them, times are UTC."""
    with Session(engine) as session:
        contacts = {
            c.id: c
            for c in session.exec(select(Contact).where(Contact.person_id == person_id))
            if c.id is not None
        }
        if not contacts:
            raise GdprError(f"Keine Person mit der Nummer {person_id} gefunden")
        sources = {s.id: s for s in session.exec(select(Source)) if s.id is not None}
        labels = {i: s.label for i, s in sources.items()}
        merges = session.exec(
            select(MergeLog)
            .where(or_(MergeLog.person_id == person_id, MergeLog.other_person_id == person_id))
            .order_by(col(MergeLog.at))
        ).all()
        emails = {c.email for c in contacts.values() if c.email}
        return {
            "person_id": person_id,
            "exported_at": _plain(datetime.now(UTC)),
            "contacts": [
                {"source": labels[c.source_id], "tool": sources[c.source_id].kind}
                | _row(c, ("id", "source_id", "person_id"))
                for c in contacts.values()
            ],
            "orders": _orders(session, contacts, labels),
            "merge_log": [_row(m) for m in merges],
            "other": _by_email(session, emails),
        }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _csv_lines(section: str, record: str, row: dict[str, Any]) -> list[list[str]]:
    lines = []
    for field, value in row.items():
        if isinstance(value, list):
            for number, child in enumerate(value, start=1):
                lines += _csv_lines(f"{section}.{field}", f"{record}.{number}", child)
        else:
            lines.append([section, record, field, "" if value is None else str(value)])
    return lines


def export_csv(data: dict[str, Any]) -> bytes:
    """One line per stored value: section, record number, field, value (Excel-ready CSV)."""
    lines = [["section", "record", "field", "value"]]
    lines.append(["person", "1", "person_id", str(data["person_id"])])
    lines.append(["person", "1", "exported_at", data["exported_at"]])
    for section in ("contacts", "orders", "merge_log"):
        for number, row in enumerate(data[section], start=1):
            lines += _csv_lines(section, str(number), row)
    for table, rows in data["other"].items():
        for number, row in enumerate(rows, start=1):
            lines += _csv_lines(table, str(number), row)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(lines)
    return buffer.getvalue().encode("utf-8-sig")


# --- Art. 17: erasure -----------------------------------------------------------------------


def _salt(session: Session, create: bool) -> str | None:
    row = session.get(Setting, SALT_KEY)
    if row is not None:
        return str(json.loads(row.value_json))
    if not create:
        return None
    salt = secrets.token_hex(32)
    session.add(Setting(key=SALT_KEY, value_json=json.dumps(salt)))
    session.flush()
    return salt


def contact_marker(salt: str, source_id: int, source_contact_id: str) -> str:
    """Salted hash of one (source, source contact id) pair."""
    text = f"{salt}\0contact\0{source_id}\0{source_contact_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def email_marker(salt: str, email: str) -> str:
    """Salted hash of one normalised e-mail address."""
    return hashlib.sha256(f"{salt}\0email\0{email}".encode()).hexdigest()


def placeholder_email(salt: str, email: str) -> str:
    """What stands in for an erased address where an e-mail is required (survey answers)."""
    return f"{ERASED_PREFIX}{email_marker(salt, email)[:24]}@invalid"


def _markers(session: Session) -> tuple[str | None, set[str]]:
    rows = session.exec(select(GdprErasure.markers)).all()
    salt = _salt(session, create=False) if rows else None
    return salt, {m for row in rows for m in row.split(",") if m}


def anonymise_answers(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Survey rows (``email`` key) of erased persons get their placeholder address, so that
    importing the survey file again does not bring the address back."""
    salt, known = _markers(session)
    if salt is None:
        return rows
    result = []
    for row in rows:
        email = normalise_email(row.get("email"))
        if email and email_marker(salt, email) in known:
            row = {**row, "email": placeholder_email(salt, email)}
        result.append(row)
    return result


def _anonymise_other_tables(session: Session, emails: set[str], salt: str) -> int:
    """Rows of other tables keyed by the person's e-mail keep their figures (NPS stays what it
    was) but lose the address and any free text. A required e-mail column gets a placeholder
    per address (from its salted hash), so unique keys such as (e-mail, day) stay unique."""
    changed = 0
    for table in _other_tables(session):
        blank = {
            c.name: None
            for c in table.columns
            if c.nullable and (c.name == "email" or c.name in _FREE_TEXT_COLUMNS)
        }
        for email in sorted(emails):
            values: dict[str, Any] = dict(blank)
            if "email" not in values:
                values["email"] = placeholder_email(salt, email)
            query = sql_update(table).where(table.c.email == email).values(**values)
            changed += session.connection().execute(query).rowcount or 0
    return changed


def erase_person(engine: Engine, person_id: int) -> ErasureReport:
    """Erase what identifies ``person_id`` (Art. 17 GDPR), keep the booking records; logged.

    One transaction: a failure on the way leaves everything as it was.
    """
    with session_scope(engine) as session:
        contacts = session.exec(select(Contact).where(Contact.person_id == person_id)).all()
        if not contacts:
            raise GdprError(f"Keine Person mit der Nummer {person_id} gefunden")
        salt = _salt(session, create=True)
        assert salt is not None
        emails = {c.email for c in contacts if c.email}
        markers = [email_marker(salt, e) for e in sorted(emails)]
        for contact in contacts:
            if not contact.source_contact_id.startswith(ERASED_PREFIX):
                token = contact_marker(salt, contact.source_id, contact.source_contact_id)
                markers.append(token)
                contact.source_contact_id = ERASED_PREFIX + token
            for name in PERSONAL_CONTACT_FIELDS:
                setattr(contact, name, None)
            session.add(contact)
        ids = [c.id for c in contacts]
        orders = session.exec(select(Order).where(col(Order.contact_id).in_(ids))).all()
        for order in orders:
            order.url = None
            session.add(order)
        refunds = session.exec(
            select(Refund.id).where(col(Refund.order_id).in_([o.id for o in orders]))
        ).all()
        notes = session.exec(
            select(MergeLog).where(
                or_(MergeLog.person_id == person_id, MergeLog.other_person_id == person_id),
                col(MergeLog.note).is_not(None),
            )
        ).all()
        for entry in notes:
            entry.note = None
            session.add(entry)
        session.flush()
        report = ErasureReport(
            person_id=person_id,
            contacts_erased=len(contacts),
            orders_kept=len(orders),
            refunds_kept=len(refunds),
            notes_cleared=len(notes),
            other_rows_anonymised=_anonymise_other_tables(session, emails, salt),
        )
        session.add(
            GdprErasure(
                person_id=person_id,
                contacts_erased=report.contacts_erased,
                orders_kept=report.orders_kept,
                refunds_kept=report.refunds_kept,
                notes_cleared=report.notes_cleared,
                other_rows_anonymised=report.other_rows_anonymised,
                markers=",".join(markers),
            )
        )
    return report


def anonymise_incoming(
    session: Session,
    source: Source,
    contacts: Sequence[ContactRecord],
    orders: Sequence[OrderRecord],
) -> tuple[list[ContactRecord], list[OrderRecord]]:
    """Incoming records of an erased person, stripped of every personal field and renamed to
    the placeholder id their contact got at the erasure (or gets now, for a new account that
    sends an erased e-mail address). Records of everyone else pass unchanged."""
    salt, known = _markers(session)
    if salt is None or source.id is None:
        return list(contacts), list(orders)
    renamed: dict[str, str] = {}

    def placeholder(source_contact_id: str, email: str | None) -> str | None:
        if source_contact_id.startswith(ERASED_PREFIX):
            return source_contact_id
        assert source.id is not None and salt is not None
        token = contact_marker(salt, source.id, source_contact_id)
        address = normalise_email(email)
        if token in known or (address and email_marker(salt, address) in known):
            return ERASED_PREFIX + token
        return None

    kept: list[ContactRecord] = []
    for record in contacts:
        new_id = placeholder(record.source_contact_id, record.email)
        if new_id is None:
            kept.append(record)
            continue
        renamed[record.source_contact_id] = new_id
        kept.append(
            ContactRecord(
                source_contact_id=new_id, country=record.country, created_at=record.created_at
            )
        )
    result: list[OrderRecord] = []
    for order in orders:
        key = order.source_contact_id
        new_id = renamed.get(key) or placeholder(key, None)
        result.append(
            order if new_id is None else replace(order, source_contact_id=new_id, url=None)
        )
    return kept, result


def erasures(engine: Engine) -> list[GdprErasure]:
    """The erasure log, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(GdprErasure).order_by(col(GdprErasure.id))))
