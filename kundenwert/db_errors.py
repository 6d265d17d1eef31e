"""Database failures a person can act on: a full disk, a read-only file, a lock, no server.

The CLI and the dashboard show :func:`database_error_message` instead of a traceback. The
message never quotes the failing SQL statement or its parameters (they may hold customer data)
nor the database URL (it may hold a password); the texts are in the message catalogue
(``db_error.*``).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

from kundenwert import i18n

_HINTS = (
    (("database or disk is full", "disk full", "no space left"), "db_error.disk_full"),
    (("readonly database", "read-only", "read only"), "db_error.read_only"),
    (("unable to open database file",), "db_error.cannot_open"),
    (("database is locked",), "db_error.locked"),
    (
        ("connection refused", "could not connect", "connection failed", "timeout expired"),
        "db_error.unreachable",
    ),
)

DATABASE_ERRORS: tuple[type[BaseException], ...] = (DBAPIError, sqlite3.DatabaseError)


def database_error_key(error: BaseException) -> str:
    """The catalogue key of the message for ``error`` (``db_error.other`` if unknown)."""
    original = error.orig if isinstance(error, DBAPIError) else error
    detail = str(original).casefold()
    for needles, key in _HINTS:
        if any(needle in detail for needle in needles):
            return key
    return "db_error.other"


def database_error_message(error: BaseException, lang: str = "de") -> str:
    """A message for the owner; the generic one names only the driver's error class."""
    original = error.orig if isinstance(error, DBAPIError) else error
    return i18n.t(database_error_key(error), lang, error=type(original).__name__)
