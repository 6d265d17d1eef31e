"""Saved segments: a name and a :class:`~kundenwert.segments.SegmentDefinition`, stored in
the ``segment`` table so the dashboard, the CLI and exports share them.

Names are unique regardless of case and surrounding spaces ("Top Kunden" and " top kunden"
are the same segment), because a person types them on the command line. Every change is one
transaction: a rejected name or definition changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import select

from kundenwert.db import session_scope
from kundenwert.models import Segment, utcnow
from kundenwert.segments import SegmentDefinition, SegmentError, parse_definition

MAX_NAME = 80


@dataclass(frozen=True)
class SavedSegment:
    name: str
    definition: SegmentDefinition
    created_at: datetime
    updated_at: datetime


def _clean(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise SegmentError("name_empty")
    if len(text) > MAX_NAME:
        raise SegmentError("name_long", limit=MAX_NAME)
    return text


def _saved(row: Segment) -> SavedSegment:
    return SavedSegment(
        name=row.name,
        definition=parse_definition(row.definition_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_segments(engine: Engine) -> list[SavedSegment]:
    """Every saved segment, by name (case-insensitive)."""
    with session_scope(engine) as session:
        rows = session.exec(select(Segment).order_by(func.lower(Segment.name))).all()
        return [_saved(row) for row in rows]


def _find(session: object, name: str) -> Segment | None:
    wanted = " ".join((name or "").split()).casefold()
    rows = session.exec(select(Segment)).all()  # type: ignore[attr-defined]
    return next((row for row in rows if row.name.casefold() == wanted), None)


def _unknown(session: object, name: str) -> SegmentError:
    """The error for a name nobody saved, listing the names that exist."""
    rows = session.exec(select(Segment).order_by(func.lower(Segment.name))).all()  # type: ignore[attr-defined]
    known = ", ".join(f"„{row.name}“" for row in rows) if rows else "–"
    return SegmentError("unknown", name=name, known=known)


def get_segment(engine: Engine, name: str) -> SavedSegment:
    """The saved segment called ``name``; the message lists the known ones otherwise."""
    with session_scope(engine) as session:
        row = _find(session, name)
        if row is None:
            raise _unknown(session, name)
        return _saved(row)


def create_segment(engine: Engine, name: str, definition: SegmentDefinition) -> SavedSegment:
    clean = _clean(name)
    with session_scope(engine) as session:
        if _find(session, clean) is not None:
            raise SegmentError("duplicate", name=clean)
        row = Segment(name=clean, definition_json=definition.model_dump_json())
        session.add(row)
        session.flush()
        return _saved(row)


def update_segment(
    engine: Engine, name: str, definition: SegmentDefinition, new_name: str | None = None
) -> SavedSegment:
    """Replace the definition of ``name`` (and rename it when ``new_name`` is given)."""
    with session_scope(engine) as session:
        row = _find(session, name)
        if row is None:
            raise _unknown(session, name)
        if new_name is not None:
            clean = _clean(new_name)
            other = _find(session, clean)
            if other is not None and other.id != row.id:
                raise SegmentError("duplicate", name=clean)
            row.name = clean
        row.definition_json = definition.model_dump_json()
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        return _saved(row)


def rename_segment(engine: Engine, name: str, new_name: str) -> SavedSegment:
    return update_segment(engine, name, get_segment(engine, name).definition, new_name)


def delete_segment(engine: Engine, name: str) -> None:
    with session_scope(engine) as session:
        row = _find(session, name)
        if row is None:
            raise _unknown(session, name)
        session.delete(row)
