"""Which database the tests run on: SQLite files (default) or a real PostgreSQL server.

``KUNDENWERT_TEST_DATABASE=postgres`` (the second pytest pass of ``scripts/test.sh``) makes every
test database a fresh PostgreSQL database on the throwaway server of
``KUNDENWERT_TEST_POSTGRES_URL``: the ``engine``/``sqlite_url`` fixtures, ``factories.new_db``
and the app's own database (``KUNDENWERT_DATABASE_URL`` set by the autouse ``isolated_settings``
fixture). So the suite that proves the features on SQLite proves them on PostgreSQL too.

Each database starts as a copy of one migrated template (``CREATE DATABASE … TEMPLATE``; the
migrations themselves are tested in test_postgres.py). When the test ends its connections are
closed and every table is emptied (``TRUNCATE … RESTART IDENTITY``), and the next test gets the
database from that pool: copying 8 MB per test cost ~0.3 s on a busy disk, emptying it ~20 ms.
A database whose schema the test changed is dropped instead. Tests that are about SQLite by
nature are marked ``sqlite_only`` and skipped in that pass only.
"""

from __future__ import annotations

import itertools
import os
import secrets
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import Pool

from kundenwert import db, settings

TEST_DATABASE_VARIABLE = "KUNDENWERT_TEST_DATABASE"
POSTGRES_URL_VARIABLE = "KUNDENWERT_TEST_POSTGRES_URL"
DATABASE_CHOICES = ("sqlite", "postgres")


def chosen_database() -> str:
    """The database the test run uses: ``sqlite`` (default) or ``postgres``."""
    choice = os.environ.get(TEST_DATABASE_VARIABLE, "sqlite").strip().lower() or "sqlite"
    if choice not in DATABASE_CHOICES:
        raise ValueError(
            f"{TEST_DATABASE_VARIABLE}={choice!r}: use one of {', '.join(DATABASE_CHOICES)}"
        )
    return choice


def on_postgres() -> bool:
    return chosen_database() == "postgres"


def fresh_database_url(directory: Path, filename: str = "test.db") -> str:
    """URL of an empty database for one test, under a name never handed out before.

    SQLite: a file ``directory/filename`` (created and migrated on first use). PostgreSQL: a
    database of its own, already migrated, cleaned up when the test ends (see
    :func:`drop_test_databases`).
    """
    if on_postgres():
        return POSTGRES.create()
    return f"sqlite:///{directory / filename}"


def app_database_url() -> str:
    """URL of the database the app, the CLI and the pages use in this test (its settings)."""
    return settings.get_settings().resolved_database_url


def stored_text(url: str) -> str:
    """Everything the database stores, as text, to prove a secret is not in it: the SQLite
    file's bytes, or every row of every table of a PostgreSQL database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "").read_bytes().decode("latin-1")
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        rows = [
            str(row[0])
            for (table,) in tables
            for row in conn.execute(
                sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(table))
            ).fetchall()
        ]
    return "\n".join(rows)


def drop_test_databases() -> None:
    """End of a test: its PostgreSQL databases are emptied for the next test or dropped
    (no-op on SQLite)."""
    POSTGRES.drop_created()


class _PostgresDatabases:
    """Fresh databases on the throwaway server: copies of one migrated template, emptied and
    renamed for reuse after each test."""

    def __init__(self) -> None:
        self._prefix = f"kw_{os.getpid()}_{secrets.token_hex(2)}"
        self._numbers = itertools.count(1)
        self._template: str | None = None
        self._created: list[str] = []
        self._free: list[str] = []  # emptied databases, ready for the next test
        self._head: list[tuple[str]] = []  # alembic_version of the template
        # Every DB-API connection opened, held until the test ends and then closed: engines are
        # never disposed (get_engine's cache even drops them mid-test when a property test makes
        # many databases), and a psycopg connection garbage-collected while open warns
        # (warnings are errors here).
        self._connections: list[psycopg.Connection] = []
        self._listening = False

    @property
    def server_url(self) -> str:
        url = os.environ.get(POSTGRES_URL_VARIABLE)
        if not url:
            raise RuntimeError(
                f"{TEST_DATABASE_VARIABLE}=postgres needs {POSTGRES_URL_VARIABLE}: run "
                "`bash scripts/test.sh`, which starts a throwaway PostgreSQL server."
            )
        return url

    def _url(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.server_url, autocommit=True)

    def _remember(self, dbapi_connection: object, _record: object) -> None:
        if isinstance(dbapi_connection, psycopg.Connection):
            self._connections.append(dbapi_connection)

    def _template_name(self) -> str:
        if self._template is None:
            if not self._listening:
                event.listen(Pool, "connect", self._remember)
                self._listening = True
            name = f"{self._prefix}_template"
            with self._admin() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            engine = db.make_engine(self._url(name))
            try:
                db.migrate(engine)
            finally:
                engine.dispose()  # a template must have no open connections
            with psycopg.connect(self._url(name)) as conn:
                self._head = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            self._template = name
        return self._template

    def create(self) -> str:
        template = self._template_name()
        name = f"{self._prefix}_{next(self._numbers)}"
        # A reused database gets a new name, so no URL is ever seen twice: caches in this
        # process (Streamlit's, the sync jobs') key on the URL, as they do on a SQLite path.
        statement = (
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(self._free.pop()), sql.Identifier(name)
            )
            if self._free
            else sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        with self._admin() as conn:
            conn.execute(statement)
        self._created.append(name)
        return self._url(name)

    def _close_connections_to(self, names: set[str]) -> None:
        for conn in self._connections:
            if not conn.closed and conn.info.dbname in names:
                conn.close()
        self._connections = [conn for conn in self._connections if not conn.closed]

    def _drop(self, names: list[str]) -> None:
        if not names:
            return
        self._close_connections_to(set(names))
        with self._admin() as conn:
            for name in names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    def _empty(self, name: str) -> bool:
        """Empty every table of ``name`` for the next test; False if it is not reusable."""
        try:
            # Sessions the test left behind (a killed CLI process); autovacuum workers are
            # the server's own and must not be signalled by a normal role.
            with self._admin() as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                    (name,),
                )
            with psycopg.connect(self._url(name), autocommit=True) as conn:
                conn.execute("SET lock_timeout = '5s'")
                if conn.execute("SELECT version_num FROM alembic_version").fetchall() != self._head:
                    return False
                tables = [
                    sql.Identifier(table)
                    for (table,) in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    ).fetchall()
                ]
                conn.execute(
                    sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                        sql.SQL(", ").join(tables)
                    )
                )
        except psycopg.Error:
            return False
        return True

    def drop_created(self) -> None:
        """End of a test: its databases are emptied for reuse (or dropped if changed)."""
        names, self._created = self._created, []
        self._close_connections_to(set(names))
        spoiled = []
        for name in names:
            (self._free if self._empty(name) else spoiled).append(name)
        self._drop(spoiled)

    def drop_all(self) -> None:
        """End of the session: the test databases and the template."""
        template, self._template = self._template, None
        names, self._created, self._free = self._created + self._free, [], []
        self._drop(names + ([template] if template else []))


POSTGRES = _PostgresDatabases()
