"""Who is who: every contact belongs to one person.

Contacts with the same normalised e-mail (trimmed, lower-cased) are merged automatically, across
sources and across accounts of the same tool. The owner can merge persons by hand and undo any
merge (split); both go into the merge log with reason and time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from rapidfuzz.distance import Levenshtein
from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from kundenwert.db import session_scope
from kundenwert.models import Contact, MergeLog, Person


def normalise_email(email: str | None) -> str | None:
    """Trim and lower-case; empty becomes ``None``."""
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


class IdentityError(ValueError):
    """A merge or split the owner asked for cannot be done (message says why)."""


def _contacts_of(session: Session, person_id: int) -> list[Contact]:
    return list(session.exec(select(Contact).where(Contact.person_id == person_id)))


def merge_persons(engine: Engine, target_id: int, other_id: int, note: str | None = None) -> int:
    """Move every contact of ``other_id`` to ``target_id``; returns the merge-log id."""
    if target_id == other_id:
        raise IdentityError("a person cannot be merged with itself")
    with session_scope(engine) as session:
        if session.get(Person, target_id) is None or session.get(Person, other_id) is None:
            raise IdentityError(f"unknown person: {target_id} or {other_id}")
        moved = _contacts_of(session, other_id)
        if not moved:
            raise IdentityError(f"person {other_id} has no contacts to merge")
        for contact in moved:
            contact.person_id = target_id
            session.add(contact)
        entry = MergeLog(
            action="merge",
            reason="manual",
            person_id=target_id,
            other_person_id=other_id,
            contact_ids=",".join(str(c.id) for c in moved),
            note=note,
        )
        session.add(entry)
        session.flush()
        assert entry.id is not None
        return entry.id


def split_contacts(engine: Engine, contact_ids: list[int], note: str | None = None) -> int:
    """Take contacts out of their person into a new person; returns the new person id."""
    with session_scope(engine) as session:
        contacts = [session.get(Contact, cid) for cid in contact_ids]
        if not contacts or any(c is None for c in contacts):
            raise IdentityError(f"unknown contact among {contact_ids}")
        owners = {c.person_id for c in contacts if c is not None}
        if len(owners) != 1:
            raise IdentityError("the contacts to split off must belong to one person")
        (old_person,) = owners
        if len(_contacts_of(session, old_person)) == len(contacts):
            raise IdentityError("a person needs at least one contact left after a split")
        person = Person()
        session.add(person)
        session.flush()
        assert person.id is not None
        for contact in contacts:
            assert contact is not None
            contact.person_id = person.id
            session.add(contact)
        session.add(
            MergeLog(
                action="split",
                reason="manual",
                person_id=person.id,
                other_person_id=old_person,
                contact_ids=",".join(str(c) for c in contact_ids),
                note=note,
            )
        )
        return person.id


def undo(engine: Engine, log_id: int) -> int:
    """Undo a merge-log entry: the contacts it moved go back where they came from.

    A merge whose source person no longer exists (automatic e-mail merges) moves its contacts
    to a new person. Returns the id of the person the contacts now belong to.
    """
    with session_scope(engine) as session:
        entry = session.get(MergeLog, log_id)
        if entry is None:
            raise IdentityError(f"unknown merge-log entry {log_id}")
        if entry.undone_at is not None:
            raise IdentityError(f"merge-log entry {log_id} was already undone")
        ids = [int(i) for i in entry.contact_ids.split(",") if i]
        contacts = [c for c in (session.get(Contact, i) for i in ids) if c is not None]
        if any(c.person_id != entry.person_id for c in contacts):
            raise IdentityError("the contacts have moved since; undo the later change first")
        if len(_contacts_of(session, entry.person_id)) == len(contacts):
            raise IdentityError("a person needs at least one contact left after a split")
        target = entry.other_person_id
        if target is None or session.get(Person, target) is None:
            person = Person()
            session.add(person)
            session.flush()
            assert person.id is not None
            target = person.id
        for contact in contacts:
            contact.person_id = target
            session.add(contact)
        entry.undone_at = datetime.now(UTC)
        session.add(entry)
        session.add(
            MergeLog(
                action="split" if entry.action == "merge" else "merge",
                reason="undo",
                person_id=target,
                other_person_id=entry.person_id,
                contact_ids=entry.contact_ids,
                note=f"undo of #{log_id}",
            )
        )
        return target


def merge_history(engine: Engine, person_id: int) -> list[MergeLog]:
    """Every merge-log entry that involves the person, newest first."""
    with Session(engine) as session:
        stmt = (
            select(MergeLog)
            .where(
                or_(
                    col(MergeLog.person_id) == person_id,
                    col(MergeLog.other_person_id) == person_id,
                )
            )
            .order_by(col(MergeLog.at).desc(), col(MergeLog.id).desc())
        )
        return list(session.exec(stmt))


def probable_duplicates(contacts: pl.DataFrame, window: int = 4) -> pl.DataFrame:
    """Pairs of different persons that are probably one customer, for the owner to confirm.

    Two signals: the same first name, last name and postcode (case-insensitive); or e-mail
    addresses that differ by a typo-like edit (Levenshtein distance 1, or 2 for addresses of
    12 characters or more, e.g. gmial.com).
    Typo candidates are found with a sorted-neighbourhood scan over the e-mails and over the
    reversed e-mails (typos near the start or the end), so the work grows with n, not n².
    Columns: person_a, person_b, reason (same_name_postcode | similar_email), detail.
    """
    people = contacts.select("person_id", "email", "first_name", "last_name", "postcode")
    key = pl.concat_str(
        [
            pl.col("first_name").str.strip_chars().str.to_lowercase(),
            pl.col("last_name").str.strip_chars().str.to_lowercase(),
            pl.col("postcode").str.replace_all(r"\s", ""),
        ],
        separator="|",
    )
    named = people.with_columns(key.alias("key")).filter(pl.col("key").is_not_null())
    by_name = (
        named.group_by("key")
        .agg(pl.col("person_id").unique().sort())
        .filter(pl.col("person_id").list.len() > 1)
        .select(
            pl.col("person_id").list.first().alias("person_a"),
            pl.col("person_id").list.get(1).alias("person_b"),
            pl.lit("same_name_postcode").alias("reason"),
            pl.col("key").str.replace_all(r"\|", " ").alias("detail"),
        )
    )
    emails = people.filter(pl.col("email").is_not_null()).unique(["person_id", "email"])
    pairs: list[tuple[int, int, str]] = []
    for reverse in (False, True):
        keyed = emails.with_columns(
            (pl.col("email").str.reverse() if reverse else pl.col("email")).alias("k")
        ).sort("k")
        ids = keyed["person_id"].to_list()
        values = keyed["email"].to_list()
        for i, email in enumerate(values):
            for j in range(i + 1, min(i + 1 + window, len(values))):
                if ids[i] == ids[j] or values[j] == email:
                    continue
                allowed = 2 if min(len(email), len(values[j])) >= 12 else 1
                if Levenshtein.distance(email, values[j], score_cutoff=allowed) <= allowed:
                    a, b = sorted((ids[i], ids[j]))
                    pairs.append((a, b, f"{email} ~ {values[j]}"))
    by_email = pl.DataFrame(
        pairs,
        schema={"person_a": pl.Int64, "person_b": pl.Int64, "detail": pl.String},
        orient="row",
    ).with_columns(pl.lit("similar_email").alias("reason"))
    return (
        pl.concat([by_name, by_email.select(by_name.columns)])
        .unique(["person_a", "person_b"], keep="first", maintain_order=True)
        .sort("person_a", "person_b")
    )
