"""The owner's login: one account, an Argon2 password hash, throttling and idle expiry.

Kundenwert has exactly one person who may look at the data, the owner, so there are no user
names: a password (``python -m kundenwert set-password``) or, optionally, the owner's e-mail
address confirmed by an OpenID Connect provider (``st.login`` in the dashboard).

Where it is stored, and why: in the database's ``setting`` table, next to the owner's other
settings. The hash then lives wherever the data lives (one backup, one place to delete, the
same on SQLite and PostgreSQL), and a failed attempt is counted in a transaction, so parallel
browser sessions and a reload cannot reset the count. A file under the data directory would be
a second thing to back up and would not follow a ``KUNDENWERT_DATABASE_URL`` to another host.
The ``auth.*`` keys are left out of :func:`kundenwert.frames.data_version`, so a failed login
does not throw away the cached datasets.

The password itself is never stored, logged or returned; only the Argon2id hash is kept
(argon2-cffi's defaults, RFC 9106's second recommended parameter set). A random *session
stamp* is stored with it: a dashboard session remembers the stamp it logged in with, and a new
password issues a new stamp, which logs every open session out.

This module never imports Streamlit; ``app.py`` keeps the value of :func:`new_session` in the
session state under :data:`SESSION_KEY`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine
from sqlmodel import Session

from kundenwert.db import session_scope
from kundenwert.models import Setting
from kundenwert.preferences import read_setting, write_setting

MIN_PASSWORD_LENGTH = 12
# Argon2 takes any length; a cap keeps a pasted novel from costing a hash of its size.
MAX_PASSWORD_LENGTH = 1024
# Failed attempts that cost nothing; from the next one on every failure locks the login.
FREE_FAILURES = 4
FIRST_LOCK_SECONDS = 30
# The lock-out doubles with every further failure, up to this. A cap, because somebody who can
# reach the login could otherwise lock the owner out for days.
MAX_LOCK_SECONDS = 15 * 60
LOCAL_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})

SESSION_KEY = "_owner_login"
PASSWORD_KEY = "auth.password"
THROTTLE_KEY = "auth.throttle"
SETTING_PREFIX = "auth."

_hasher = PasswordHasher()


class PasswordError(ValueError):
    """A new password that cannot be used; the message says what to change."""


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong password; the attempt was counted
    LOCKED = "locked"  # too many failures: no password is checked until ``locked_until``
    NO_PASSWORD = "no_password"  # nothing to log in to: ``set-password`` first


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    locked_until: datetime | None = None  # set with LOCKED, and with WRONG when it locked
    failures: int = 0  # failed attempts in a row, this one included
    session: dict[str, Any] | None = None  # with OK: the value to keep under SESSION_KEY

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


# --- the password ----------------------------------------------------------------------------


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used (German, for the CLI), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein."
    if not password.strip():
        return "Das Passwort darf nicht nur aus Leerzeichen bestehen."
    return None


def hash_password(password: str) -> str:
    """The Argon2id hash (salt and parameters included) of a usable password."""
    problem = password_problem(password)
    if problem:
        raise PasswordError(problem)
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a damaged hash counts as a mismatch, never as a match."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(engine: Engine, password: str, now: datetime | None = None) -> None:
    """Store the owner's new password: a new hash and a new session stamp (every open
    session logs out), and the failure count starts again at zero."""
    hashed = hash_password(password)
    record = {
        "hash": hashed,
        "stamp": secrets.token_urlsafe(16),
        "set_at": _now(now).isoformat(),
    }
    with session_scope(engine) as session:
        write_setting(session, PASSWORD_KEY, record)
        write_setting(session, THROTTLE_KEY, {"failures": 0, "locked_until": None})


def has_password(engine: Engine) -> bool:
    with Session(engine) as session:
        return _password_record(session) is not None


def _password_record(session: Session) -> dict[str, str] | None:
    record = read_setting(session, PASSWORD_KEY)
    if isinstance(record, dict) and record.get("hash") and record.get("stamp"):
        return record
    return None


# --- throttling ------------------------------------------------------------------------------


def lock_seconds(failures: int) -> int:
    """How long the login stays locked after ``failures`` failed attempts in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return min(FIRST_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES - 1), MAX_LOCK_SECONDS)


def _throttle(session: Session) -> tuple[int, datetime | None]:
    stored = read_setting(session, THROTTLE_KEY) or {}
    until = stored.get("locked_until")
    return int(stored.get("failures", 0)), datetime.fromisoformat(until) if until else None


def locked_until(engine: Engine, now: datetime | None = None) -> datetime | None:
    """The end of the current lock-out, or None when a password may be tried."""
    with Session(engine) as session:
        _, until = _throttle(session)
    return until if until is not None and until > _now(now) else None


def login(engine: Engine, password: str, now: datetime | None = None) -> LoginResult:
    """Check the owner's password, counting failures.

    While the login is locked no password is checked, not even the right one; otherwise the
    lock would only slow a guesser down by the time it takes to notice it. The count and the
    lock are stored, so reloading the page or opening another tab does not reset them.
    """
    moment = _now(now)
    with session_scope(engine) as session:
        # FOR UPDATE: parallel attempts on PostgreSQL count one after another
        session.get(Setting, THROTTLE_KEY, with_for_update=True)
        record = _password_record(session)
        if record is None:
            return LoginResult(Outcome.NO_PASSWORD)
        failures, until = _throttle(session)
        if until is not None and until > moment:
            return LoginResult(Outcome.LOCKED, locked_until=until, failures=failures)
        if verify_password(record["hash"], password):
            if failures or until:
                write_setting(session, THROTTLE_KEY, {"failures": 0, "locked_until": None})
            _rehash_if_needed(session, record, password)
            return LoginResult(Outcome.OK, session=new_session(record["stamp"], moment))
        failures += 1
        seconds = lock_seconds(failures)
        until = moment + timedelta(seconds=seconds) if seconds else None
        write_setting(
            session,
            THROTTLE_KEY,
            {"failures": failures, "locked_until": until.isoformat() if until else None},
        )
        return LoginResult(Outcome.WRONG, locked_until=until, failures=failures)


def _rehash_if_needed(session: Session, record: dict[str, str], password: str) -> None:
    """After a library update raised Argon2's parameters, store a stronger hash (same stamp)."""
    if _hasher.check_needs_rehash(record["hash"]):
        write_setting(session, PASSWORD_KEY, {**record, "hash": _hasher.hash(password)})


# --- the dashboard session --------------------------------------------------------------------


def new_session(stamp: str, now: datetime | None = None) -> dict[str, Any]:
    """What a logged-in dashboard session keeps: the stamp it logged in with, last activity."""
    return {"stamp": stamp, "seen": _now(now).isoformat()}


def session_active(
    engine: Engine,
    state: Mapping[str, Any] | None,
    idle_minutes: int,
    now: datetime | None = None,
) -> bool:
    """Whether a dashboard session is still logged in: its stamp is the stored one (no new
    password since) and its last activity lies less than ``idle_minutes`` back."""
    if not state or not isinstance(state.get("stamp"), str):
        return False
    with Session(engine) as session:
        record = _password_record(session)
    if record is None or not secrets.compare_digest(record["stamp"], state["stamp"]):
        return False
    try:
        seen = datetime.fromisoformat(str(state.get("seen")))
    except ValueError:
        return False
    return _now(now) - seen < timedelta(minutes=idle_minutes)


def touched(state: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The session after activity now (the idle timeout starts again)."""
    return {**state, "seen": _now(now).isoformat()}


def logged_in_state(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Session state of a session that has just logged in (tests and scripts seed an AppTest
    session with it). Only for a database that has a password."""
    with Session(engine) as session:
        record = _password_record(session)
    if record is None:
        raise PasswordError("Kein Passwort gesetzt: python -m kundenwert set-password")
    return {SESSION_KEY: new_session(record["stamp"], now)}


# --- without a password; with OpenID Connect -------------------------------------------------


def open_without_password(server_address: str | None, demo: bool) -> bool:
    """Without a password the dashboard only shows demo data, and only to this computer.

    Streamlit listens on every interface when no address is set, so "unset" is not local.
    """
    address = (server_address or "").strip().strip("[]").lower()
    return demo and address in LOCAL_ADDRESSES


def is_owner_email(email: object, owner_email: object) -> bool:
    """Whether the e-mail an OpenID Connect provider confirmed is the configured owner's."""
    if not isinstance(email, str) or not isinstance(owner_email, str):
        return False
    wanted = owner_email.strip().lower()
    return bool(wanted) and email.strip().lower() == wanted
