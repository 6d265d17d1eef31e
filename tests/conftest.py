"""Shared fixtures: an isolated environment for every test, SQLite and PostgreSQL engines.

Every test runs with ``KUNDENWERT_DATA_DIR`` in its own temporary directory, without the
developer's ``.env`` or ``KUNDENWERT_*`` variables, and with the settings and engine caches
cleared, so a test can set an environment variable and see it applied.

PostgreSQL tests need the throwaway server that ``scripts/test.sh`` starts; it hands the URL
over in ``KUNDENWERT_TEST_POSTGRES_URL``. Without it those tests fail (they never skip), so a CI
run cannot pass by silently testing less.

With ``KUNDENWERT_TEST_DATABASE=postgres`` (the second pass of ``scripts/test.sh``) every test
database is a fresh PostgreSQL database instead of a SQLite file (see tests/databases.py);
tests marked ``sqlite_only`` are skipped in that pass only.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from kundenwert import db, settings
from tests import databases
from tests.browser_support import browser, page, running_app  # noqa: F401  (browser fixtures)
from tests.sync_support import delays, fast  # noqa: F401  (fixtures for the sync tests)

POSTGRES_URL_VARIABLE = databases.POSTGRES_URL_VARIABLE
# Variables that configure the test run itself, not Kundenwert.
_TEST_VARIABLES = {POSTGRES_URL_VARIABLE, databases.TEST_DATABASE_VARIABLE, "KUNDENWERT_CHROMIUM"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about SQLite by nature; skipped in the PostgreSQL pass "
        "(KUNDENWERT_TEST_DATABASE=postgres)",
    )
    try:
        on_postgres = databases.on_postgres()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    if on_postgres and not os.environ.get(POSTGRES_URL_VARIABLE):
        raise pytest.UsageError(
            f"{databases.TEST_DATABASE_VARIABLE}=postgres needs {POSTGRES_URL_VARIABLE}: run "
            "`bash scripts/test.sh`, which starts a throwaway PostgreSQL server."
        )
    try:
        from streamlit import config as streamlit_config
    except ImportError:  # pragma: no cover - streamlit is a runtime dependency
        return
    # .streamlit/config.toml redacts exceptions for visitors; AppTest failures should say why.
    streamlit_config.set_option("client.showErrorDetails", "full")


def pytest_unconfigure(config: pytest.Config) -> None:
    if databases.on_postgres():
        databases.POSTGRES.drop_all()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests using a PostgreSQL fixture are marked ``postgres`` (``-m "not postgres"``); in
    the PostgreSQL pass, tests marked ``sqlite_only`` are skipped with their reason."""
    on_postgres = databases.on_postgres()
    for item in items:
        if {"pg_url", "pg_engine"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        marker = item.get_closest_marker("sqlite_only")
        if on_postgres and marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


def _clear_caches() -> None:
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """KUNDENWERT_DATA_DIR = a fresh directory; no .env, no inherited KUNDENWERT_* variables."""
    for name in list(os.environ):
        if name.startswith("KUNDENWERT_") and name not in _TEST_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setitem(settings.Settings.model_config, "env_file", None)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("KUNDENWERT_DATA_DIR", str(data_dir))
    if databases.on_postgres():
        monkeypatch.setenv("KUNDENWERT_DATABASE_URL", databases.fresh_database_url(tmp_path))
    _clear_caches()
    yield data_dir
    _clear_caches()
    databases.drop_test_databases()


TEST_PASSWORD = "richtig-langes-Test-Passwort"


@pytest.fixture(autouse=True)
def owner_logged_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest session starts logged in as the owner, the way a login leaves it: the
    test database gets a password (``auth.set_password``) and the session the state of a
    successful login (``auth.logged_in_state``). Tests of the login itself ask for the
    ``logged_out`` fixture and start at the login form."""
    if "logged_out" in request.fixturenames:
        return
    from streamlit.testing.v1 import AppTest

    from kundenwert import auth

    create = AppTest.__init__

    def create_logged_in(self: AppTest, *args: object, **kwargs: object) -> None:
        create(self, *args, **kwargs)  # type: ignore[arg-type]
        engine = db.get_engine(settings.get_settings().resolved_database_url)
        if not auth.has_password(engine):
            auth.set_password(engine, TEST_PASSWORD)
        for key, value in auth.logged_in_state(engine).items():
            self.session_state[key] = value

    monkeypatch.setattr(AppTest, "__init__", create_logged_in)


@pytest.fixture
def logged_out() -> None:
    """Marker fixture: AppTest sessions start logged out (see :func:`owner_logged_in`)."""


@pytest.fixture
def data_dir(isolated_settings: Path) -> Path:
    """The test's KUNDENWERT_DATA_DIR (not created yet)."""
    return isolated_settings


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh test database: a SQLite file, or in the PostgreSQL pass a PostgreSQL
    database of its own (the name stays for the many tests that use it)."""
    return databases.fresh_database_url(tmp_path, "kundenwert-test.db")


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A fresh, migrated database of its own (SQLite file, or PostgreSQL in that pass)."""
    engine = db.make_engine(sqlite_url)
    db.migrate(engine)
    yield engine
    engine.dispose()


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is not set. PostgreSQL tests run against a real server: "
            "run them with `bash scripts/test.sh`, which starts a throwaway one "
            "(or deselect them with -m 'not postgres').",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def pg_database_url(pg_server_url: str) -> Iterator[str]:
    """A database of its own for this test session, dropped at the end."""
    name = f"kundenwert_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def pg_url(pg_database_url: str) -> str:
    """URL of an empty PostgreSQL database (schema ``public`` recreated for every test)."""
    with psycopg.connect(pg_database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return pg_database_url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A migrated engine on the empty PostgreSQL database of :func:`pg_url`."""
    engine = db.make_engine(pg_url)
    db.migrate(engine)
    yield engine
    engine.dispose()
