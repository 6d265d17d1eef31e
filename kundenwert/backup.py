"""Backup and restore of the whole database.

**SQLite** is backed up with SQLite's online backup API (``sqlite3.Connection.backup``): a
consistent copy of the file even while the dashboard or a sync writes, checked with
``PRAGMA integrity_check`` before it replaces the target file. **PostgreSQL** (or SQLite with
``portable=True``) is written as a portable dump that needs no ``pg_dump`` of a matching version:
gzip-compressed JSON lines, a header (format, schema revisions, rows per table) and then one line
per row, read in one ``REPEATABLE READ`` transaction so all tables show the same moment.

Either kind restores into either database. :func:`restore` first checks the whole file and loads
it into a scratch SQLite database at the backup's schema revision, upgrades that to the current
schema, and only then replaces the target's rows in one transaction: a bad file, an old schema or
a failure half-way changes nothing. A database that holds data is only overwritten with
``force=True``.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, func, select, text
from sqlmodel import SQLModel

from kundenwert import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from kundenwert.db import DATABASE_LOCK, alembic_config, make_engine, migrate

FORMAT = "kundenwert-backup"
VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
_VERSION_TABLE = "alembic_version"
_CHUNK = 1000


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    kind: str  # "sqlite" (file copy) | "jsonl" (portable dump)
    revisions: list[str]
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# --- helpers ----------------------------------------------------------------------------------


def _tables(engine: Engine) -> list[Table]:
    """The database's tables in foreign-key order (parents first), without Alembic's own."""
    meta = MetaData()
    meta.reflect(engine)
    known = SQLModel.metadata.tables
    return [
        known.get(t.name, t)  # the model's types (aware UTC datetimes) where there is a model
        for t in meta.sorted_tables
        if t.name != _VERSION_TABLE
    ]


def _revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(
            r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))
        )


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    return {s.revision for s in script.walk_revisions()}


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for t in _tables(engine)
        }


def is_empty(engine: Engine) -> bool:
    return not any(_row_counts(engine).values())


def _temporary_beside(path: Path) -> Path:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(dir=directory, prefix=".kundenwert-", suffix=".tmp")
    except OSError as error:
        raise BackupError(f"Kann nicht nach {path} schreiben: {error.strerror}") from error
    os.close(handle)
    return Path(name)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return {"$dt": moment.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "$dt" in value:
        moment = datetime.fromisoformat(value["$dt"])
        # SQLite's DateTime keeps the wall time only: store UTC, as the models do
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    if "$dec" in value:
        return Decimal(value["$dec"])
    if "$b64" in value:
        return base64.b64decode(value["$b64"])
    raise ValueError(f"unknown value {value!r}")


# --- backup -----------------------------------------------------------------------------------


def backup(engine: Engine, path: Path, portable: bool = False) -> BackupReport:
    """Write a consistent backup of ``engine``'s database to ``path`` (replaced whole or not at
    all): a SQLite file copy, or the portable JSON-lines dump for PostgreSQL / ``portable``."""
    if path.is_dir():
        raise BackupError(f"{path} ist ein Ordner; einen Dateinamen angeben")
    temporary = _temporary_beside(path)
    try:
        if engine.dialect.name == "sqlite" and not portable:
            report = _backup_sqlite(engine, temporary)
        else:
            report = _backup_dump(engine, temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise BackupError(f"Kann nicht nach {path} schreiben: {error.strerror or error}") from error
    finally:
        temporary.unlink(missing_ok=True)
    report.path = path
    return report


def _backup_sqlite(engine: Engine, target: Path) -> BackupReport:
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy)  # type: ignore[union-attr]
        finally:
            copy.close()
    finally:
        raw.close()
    return _check_sqlite_file(target)


def _backup_dump(engine: Engine, target: Path) -> BackupReport:
    tables = _tables(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            revisions = sorted(
                r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))
            )
            counts = {
                t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
                for t in tables
            }
            header = {
                "format": FORMAT,
                "version": VERSION,
                "dialect": engine.dialect.name,
                "created_at": datetime.now(UTC).isoformat(),
                "revisions": revisions,
                "tables": counts,
            }
            with gzip.open(target, "wt", encoding="utf-8") as file:
                file.write(json.dumps(header) + "\n")
                for table in tables:
                    for row in connection.execute(select(table)).mappings():
                        line = {"t": table.name, "r": {k: _encode(v) for k, v in row.items()}}
                        file.write(json.dumps(line, ensure_ascii=False) + "\n")
    return BackupReport(target, "jsonl", revisions, counts)


# --- checking a backup --------------------------------------------------------------------------


def _check_revisions(revisions: list[str]) -> None:
    if not revisions:
        raise BackupError("Die Sicherung enthält keinen Schemastand; keine Kundenwert-Sicherung?")
    unknown = sorted(set(revisions) - _known_revisions())
    if unknown:
        raise BackupError(
            "Die Sicherung stammt von einer neueren Kundenwert-Version (Schema "
            f"{', '.join(unknown)}); bitte Kundenwert aktualisieren"
        )


def _check_sqlite_file(path: Path) -> BackupReport:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            status = [r[0] for r in connection.execute("PRAGMA integrity_check")]
            if status != ["ok"]:
                raise BackupError(f"Die Sicherung ist beschädigt ({'; '.join(status[:3])})")
            names = _table_names(connection)
            if _VERSION_TABLE not in names or "orders" not in names:
                raise BackupError(
                    "Die Datei ist eine SQLite-Datenbank, aber keine Kundenwert-Sicherung"
                )
            revisions = sorted(
                r[0] for r in connection.execute("SELECT version_num FROM alembic_version")
            )
            rows = {
                n: int(connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0])
                for n in sorted(names - {_VERSION_TABLE})
            }
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"Die Sicherung ist beschädigt oder unlesbar ({error})") from error
    _check_revisions(revisions)
    return BackupReport(path, "sqlite", revisions, rows)


def _table_names(connection: sqlite3.Connection) -> set[str]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return {r[0] for r in connection.execute(query)}


def _dump_lines(file: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(file, start=1):
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise BackupError(
                f"Die Sicherung ist beschädigt (Zeile {number}: {error.msg})"
            ) from error


def _load_dump(path: Path, stage: Engine) -> BackupReport:
    """Check the dump and load it into ``stage`` (migrated to the dump's revisions)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            lines = _dump_lines(file)
            _, header = next(lines, (0, {}))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise BackupError("Die Datei ist keine Kundenwert-Sicherung")
            if header.get("version") != VERSION:
                raise BackupError(f"Unbekannte Version {header.get('version')} der Sicherung")
            revisions = list(header.get("revisions") or [])
            _check_revisions(revisions)
            config = alembic_config(stage)
            for revision in revisions:
                command.upgrade(config, revision)
            tables = {t.name: _reflected(stage, t.name) for t in _tables(stage)}
            seen = _load_rows(stage, tables, lines)
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as error:
        raise BackupError(f"Die Sicherung ist beschädigt oder unvollständig ({error})") from error
    expected = {k: v for k, v in dict(header.get("tables") or {}).items() if v}
    if {k: v for k, v in seen.items() if v} != expected:
        raise BackupError(
            "Die Sicherung ist unvollständig: es fehlen Zeilen (abgeschnittene Datei?)"
        )
    return BackupReport(path, "jsonl", revisions, dict(header["tables"]))


def _reflected(engine: Engine, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=engine)


def _load_rows(
    stage: Engine, tables: dict[str, Table], lines: Iterator[tuple[int, dict[str, Any]]]
) -> dict[str, int]:
    seen: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    current: Table | None = None
    with stage.begin() as connection:
        for number, line in lines:
            table = tables.get(str(line.get("t")))
            row = line.get("r")
            if table is None or not isinstance(row, dict) or set(row) - set(table.c.keys()):
                raise BackupError(
                    f"Die Sicherung ist beschädigt (Zeile {number}: unbekannte Tabelle)"
                )
            if table is not current and batch:
                connection.execute(current.insert(), batch)  # type: ignore[union-attr]
                batch = []
            current = table
            try:
                batch.append({k: _decode(v) for k, v in row.items()})
            except ValueError as error:
                raise BackupError(f"Die Sicherung ist beschädigt (Zeile {number})") from error
            seen[table.name] = seen.get(table.name, 0) + 1
            if len(batch) >= _CHUNK:
                connection.execute(table.insert(), batch)
                batch = []
        if batch and current is not None:
            connection.execute(current.insert(), batch)
    return seen


# --- restore ----------------------------------------------------------------------------------


def verify(path: Path) -> BackupReport:
    """Check a backup file completely without touching any database."""
    with tempfile.TemporaryDirectory(prefix="kundenwert-restore-") as scratch:
        stage, report = _stage(path, Path(scratch))
        stage.dispose()
    return report


def _stage(path: Path, scratch: Path) -> tuple[Engine, BackupReport]:
    """A scratch SQLite database holding the backup at the current schema."""
    try:
        with path.open("rb") as file:
            start = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"Die Sicherung {path} ist nicht lesbar: {error.strerror}") from error
    target = scratch / "stage.db"
    if start == SQLITE_MAGIC:
        shutil.copyfile(path, target)
        report = _check_sqlite_file(target)
        stage = make_engine(f"sqlite:///{target}")
    elif start.startswith(GZIP_MAGIC):
        stage = make_engine(f"sqlite:///{target}")
        report = _load_dump(path, stage)
    else:
        raise BackupError(f"{path} ist keine Kundenwert-Sicherung (weder SQLite noch .jsonl.gz)")
    report.path = path
    try:
        migrate(stage)
    except Exception as error:
        stage.dispose()
        raise BackupError(
            f"Die Sicherung lässt sich nicht auf den neuen Stand bringen ({error})"
        ) from error
    return stage, report


def restore(engine: Engine, path: Path, force: bool = False) -> BackupReport:
    """Replace the database's content by the backup at ``path``, all or nothing.

    Refuses a database that holds data unless ``force``; checks the whole file first.
    """
    with tempfile.TemporaryDirectory(prefix="kundenwert-restore-") as scratch:
        stage, report = _stage(path, Path(scratch))
        try:
            if not force and not is_empty(engine):
                raise BackupError(
                    "Die Datenbank enthält schon Daten; zum Überschreiben --force angeben"
                )
            report.rows = _copy(stage, engine)
        finally:
            stage.dispose()
    return report


def _copy(stage: Engine, engine: Engine) -> dict[str, int]:
    target_tables = _tables(engine)
    stage_tables = {t.name: t for t in _tables(stage)}
    counts: dict[str, int] = {}
    with DATABASE_LOCK, engine.begin() as target, stage.connect() as source:
        for table in reversed(target_tables):
            target.execute(table.delete())
        for table in target_tables:
            origin = stage_tables.get(table.name)
            counts[table.name] = 0
            if origin is None:
                continue
            columns = [c for c in origin.columns if c.name in table.c]
            result = source.execute(select(*columns))
            while rows := [dict(r) for r in result.mappings().fetchmany(_CHUNK)]:
                target.execute(table.insert(), [_aware(r) for r in rows])
                counts[table.name] += len(rows)
        if engine.dialect.name == "postgresql":
            _reset_sequences(target, target_tables)
    return counts


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        for k, v in row.items()
    }


def _reset_sequences(connection: Any, tables: list[Table]) -> None:
    """Ids were inserted explicitly: move each serial counter past the highest id."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].name != "id":
            continue
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            ),
            {"table": table.name},
        )
