"""Failures on the way: an import that breaks off, broken uploads, a read-only or full database,
several writers at once. Each leaves the database as it was (or fully done) and says why."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, event, text

from kundenwert import cli, db
from kundenwert.db_errors import database_error_message
from kundenwert.importer import ImportFileError, import_file
from kundenwert.sources import add_source
from tests.factories import contact, order, put
from tests.fakes.woocommerce import FakeWooCommerce, sample_shop
from tests.sync_support import snapshot

ROOT = Path(__file__).resolve().parents[1]


def orders_csv(prefix: str, count: int) -> bytes:
    lines = ["Bestellnummer;Datum;E-Mail;Vorname;Produkt;Betrag"]
    lines += [
        f"{prefix}-{n};0{1 + n % 9}.03.2025;k{n}@{prefix.lower()}.example;Kim;Kurs {n};{n},50"
        for n in range(1, count + 1)
    ]
    return "\n".join(lines).encode()


@pytest.fixture
def filled(engine: Engine) -> Engine:
    put(engine, "Alt", [contact("a1", "k1@a.example", first_name="Alt")], [order("x", "a1", 100)])
    return engine


# --- an import interrupted at any point ---------------------------------------------------------


class WriterBreaks(Exception):
    pass


def break_after(engine: Engine, rows: int, error: BaseException) -> None:
    """The database writer raises ``error`` at the statement that would write row ``rows + 1``
    (bulk INSERTs count every row; the statements before it have run in the transaction)."""
    written = 0

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
        nonlocal written
        if not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        many = isinstance(parameters, list) and parameters and isinstance(parameters[0], tuple)
        written += len(parameters) if many else 1
        if written > rows:
            event.remove(engine, "before_cursor_execute", count)
            raise error


@pytest.mark.parametrize("rows", [0, 1, 5, 13, 25])
def test_an_import_broken_off_after_any_row_changes_nothing(filled: Engine, rows: int):
    before = snapshot(filled)
    break_after(filled, rows, WriterBreaks())
    with pytest.raises(WriterBreaks):
        import_file(filled, orders_csv("A", 12), "a.csv", "Alt")
    assert snapshot(filled) == before
    report = import_file(filled, orders_csv("A", 12), "a.csv", "Alt")
    assert report.orders_added == 12  # and the next attempt does all of it


def test_ctrl_c_during_an_import_changes_nothing(filled: Engine):
    before = snapshot(filled)
    break_after(filled, 10, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        import_file(filled, orders_csv("A", 12), "a.csv", "Alt")
    assert snapshot(filled) == before


# --- broken uploads ------------------------------------------------------------------------------


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame({"Bestellnummer": ["1"], "Datum": ["01.02.2025"]}).write_excel(buffer)
    return buffer.getvalue()


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "kein Excel")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (os.urandom(64).replace(b"PK", b"pk"), "kunden.xlsx", "unreadable_excel"),
        (_xlsx()[:300], "kunden.xlsx", "unreadable_excel"),  # truncated zip
        (_zip_without_workbook(), "kunden.xlsx", "unreadable_excel"),
        (b"\x00\x00\x00\x00", "a.csv", "missing_columns"),
        (b"   \n\n", "a.csv", "empty_file"),
    ],
    ids=["random-bytes", "truncated-zip", "zip-not-excel", "nul-bytes", "blank"],
)
def test_a_broken_upload_is_rejected_with_a_message(
    filled: Engine, data: bytes, name: str, key: str
):
    before = snapshot(filled)
    with pytest.raises(ImportFileError) as caught:
        import_file(filled, data, name, "Neu")
    assert caught.value.key == key
    assert caught.value.message("de") and caught.value.message("en")
    assert snapshot(filled) == before


def test_utf16_without_bom_is_read_as_utf16(filled: Engine):
    data = orders_csv("A", 2).decode().replace("Kim", "Jürgen").encode("utf-16-le")
    assert import_file(filled, data, "a.csv", "Neu").orders_added == 2


def test_cli_rejects_random_bytes_named_xlsx_without_a_traceback(
    engine: Engine, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", sqlite_url)
    path = tmp_path / "kunden.xlsx"
    path.write_bytes(b"\x01\x02 not a workbook")
    assert cli.main(["import", str(path), "--source", "X"]) == 1
    err = capsys.readouterr().err
    assert "Excel-Datei lässt sich nicht lesen" in err and "Traceback" not in err


# --- a read-only or full database ---------------------------------------------------------------


@pytest.fixture
def cli_engine(
    sqlite_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The CLI's engine, a separate one on the test database that tests can break."""
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", sqlite_url)
    broken = db.make_engine(sqlite_url)
    monkeypatch.setattr(cli, "get_engine", lambda *_a: broken)
    yield broken
    broken.dispose()


def read_only(engine: Engine) -> None:
    """Every connection refuses to write, as SQLite does for a file without write permission
    (the tests run as root, which chmod cannot stop)."""

    @event.listens_for(engine, "connect")
    def _(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA query_only=ON")


def disk_full(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.sqlite_only(reason="read-only and full are simulated with SQLite pragmas and errors")
@pytest.mark.parametrize(
    ("breaks", "message"),
    [(read_only, "schreibgeschützt"), (disk_full, "Speicherplatz ist voll")],
    ids=["read-only", "disk-full"],
)
def test_cli_import_into_a_broken_database_says_why(
    filled: Engine, cli_engine: Engine, tmp_path: Path, capsys, breaks: Any, message: str
):
    breaks(cli_engine)
    before = snapshot(filled)
    path = tmp_path / "a.csv"
    path.write_bytes(orders_csv("A", 3))
    assert cli.main(["import", str(path), "--source", "Neu"]) == 3
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "INSERT" not in err
    assert snapshot(filled) == before


@pytest.mark.sqlite_only(reason="read-only is simulated with a SQLite pragma")
def test_cli_gdpr_erase_on_a_read_only_database_says_why(
    filled: Engine, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys
):
    from kundenwert import cli_gdpr

    read_only(cli_engine)
    monkeypatch.setattr(cli_gdpr, "get_engine", lambda *_a: cli_engine)
    before = snapshot(filled)
    assert cli.main(["gdpr", "erase", "k1@a.example", "--yes"]) == 3
    assert "schreibgeschützt" in capsys.readouterr().err
    assert snapshot(filled) == before


@pytest.mark.parametrize(
    ("driver_message", "expected"),
    [
        ("attempt to write a readonly database", "schreibgeschützt"),
        ("unable to open database file", "lässt sich nicht öffnen"),
        ("database is locked", "gesperrt"),
        ("database or disk is full", "Speicherplatz"),
        ("something odd (INSERT INTO contact VALUES ('anna@example.de'))", "OperationalError"),
    ],
)
def test_database_errors_become_messages_without_sql_or_data(driver_message: str, expected: str):
    message = database_error_message(sqlite3.OperationalError(driver_message))
    assert expected in message and "anna@" not in message and "INSERT" not in message


def test_an_unopenable_database_directory_is_a_message(tmp_path: Path, monkeypatch, capsys):
    blocker = tmp_path / "no-dir"
    blocker.write_text("a file where the data directory should be")
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", f"sqlite:///{blocker}/sub/k.db")
    code = cli.main(["customers"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and err.startswith("Fehler")


# --- several writers at once --------------------------------------------------------------------


@pytest.mark.sqlite_only(reason="SQLite journal mode and busy timeout")
def test_the_rollback_journal_and_busy_timeout_are_kept(engine: Engine):
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000


@pytest.mark.sqlite_only(reason="SQLite's file lock")
def test_a_writer_waits_for_another_process_lock_instead_of_failing(
    engine: Engine, sqlite_url: str, tmp_path: Path
):
    """Another process (here: a raw connection, outside this process's lock) holds the write
    lock for a moment; the import waits (busy timeout) and then succeeds."""
    other = sqlite3.connect(
        tmp_path / "kundenwert-test.db", isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.8, lambda: other.execute("COMMIT"))
    released.start()
    started = time.monotonic()
    try:
        report = import_file(engine, orders_csv("A", 5), "a.csv", "A")
    finally:
        released.join()
        other.close()
    assert report.orders_added == 5 and time.monotonic() - started >= 0.5


def test_two_imports_and_a_sync_in_separate_processes_all_succeed(
    engine: Engine, sqlite_url: str, tmp_path: Path, data_dir: Path
):
    with FakeWooCommerce() as shop:
        sample_shop(shop)
        add_source(
            engine,
            "woocommerce",
            "Shop",
            base_url=shop.url,
            credentials={
                "consumer_key": shop.consumer_key,
                "consumer_secret": shop.consumer_secret,
            },
        )
        env = {**os.environ, "KUNDENWERT_DATABASE_URL": sqlite_url}
        env["KUNDENWERT_DATA_DIR"] = str(data_dir)
        commands = [["sync", "--quiet"]]
        for prefix in ("A", "B"):
            path = tmp_path / f"{prefix}.csv"
            path.write_bytes(orders_csv(prefix, 40))
            commands.append(["import", str(path), "--source", prefix])
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "kundenwert", *args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for args in commands
        ]
        outcomes = []
        for process in processes:
            _, err = process.communicate(timeout=120)
            outcomes.append((process.returncode, err.decode(errors="replace")))
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    data = snapshot(engine)
    assert len(data["orders"]) == 12 + 40 + 40
    if engine.dialect.name == "sqlite":  # PostgreSQL has no file to check
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
