"""Database engine, schema migrations (Alembic) and sessions.

SQLite (one file under ``data/``) by default; any SQLAlchemy URL via ``KUNDENWERT_DATABASE_URL``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from kundenwert.settings import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


# The columnar reader (ConnectorX) links its own copy of SQLite. Two copies in one process do
# not see each other's file locks, and in WAL mode the reader even kept serving an old snapshot
# after a commit. Hence the rollback journal, and one lock that keeps writes and columnar reads
# of this process apart (Streamlit runs every browser session in its own thread).
DATABASE_LOCK = threading.RLock()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=DELETE")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database)."""
    command.upgrade(alembic_config(engine), "head")


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The migrated engine for ``url`` (default: the configured database)."""
    engine = make_engine(url or get_settings().resolved_database_url)
    migrate(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on any error."""
    with DATABASE_LOCK, Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def has_tables(engine: Engine) -> bool:
    return inspect(engine).has_table("orders")
