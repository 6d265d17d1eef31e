"""Backup and restore: a consistent copy, checked before use, restored all or nothing."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from kundenwert import backup as bk
from kundenwert import cli, db, gdpr
from kundenwert.models import Contact, Order, SurveyAnswer, SyncRun
from tests.factories import contact, order, put, refund
from tests.sync_support import snapshot


def fill(engine: Engine) -> None:
    put(
        engine,
        "Shop",
        [contact("c1", "anna@example.de", first_name="Änna", city="Köln"), contact("c2", None)],
        [
            order("o1", "c1", 12345, tax=1971, fee=350, refunds=[refund("r1", 1000)]),
            order("o2", "c2", 990, "2025-06-30", currency="CHF", status="pending"),
        ],
    )
    put(engine, "Rechnungen", [contact("k1", "ANNA@example.de")], [order("i1", "k1", 500)])
    with Session(engine) as session:  # a date column and a table of another feature
        session.add(SurveyAnswer(email="anna@example.de", answered_on=date(2025, 4, 1), nps=9))
        session.commit()


def dump_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt") as file:
        return file.read().splitlines(keepends=True)


def surveys(engine: Engine) -> list[tuple[str, date, int | None]]:
    with Session(engine) as session:
        rows = session.exec(select(SurveyAnswer)).all()
    return [(r.email, r.answered_on, r.nps) for r in rows]


def fresh(tmp_path: Path, name: str) -> Engine:
    engine = db.make_engine(f"sqlite:///{tmp_path / name}")
    db.migrate(engine)
    return engine


@pytest.mark.sqlite_only(reason="SQLite's online backup API")
def test_sqlite_backup_is_a_checked_sqlite_file_and_restores_everything(
    engine: Engine, tmp_path: Path
):
    fill(engine)
    target = tmp_path / "sicherung.db"
    report = bk.backup(engine, target)
    assert report.kind == "sqlite" and report.rows["orders"] == 3
    assert target.read_bytes().startswith(bk.SQLITE_MAGIC)
    other = fresh(tmp_path, "other.db")
    restored = bk.restore(other, target)
    assert restored.rows["contact"] == 3
    assert snapshot(other) == snapshot(engine)
    assert surveys(other) == surveys(engine) != []


def test_portable_backup_round_trips_through_json_lines(engine: Engine, tmp_path: Path):
    fill(engine)
    gdpr.erase_person(engine, gdpr.resolve_person(engine, "anna@example.de"))
    target = tmp_path / "sicherung.jsonl.gz"
    assert bk.backup(engine, target, portable=True).kind == "jsonl"
    header = json.loads(dump_lines(target)[0])
    assert header["format"] == bk.FORMAT and header["tables"]["orders"] == 3
    other = fresh(tmp_path, "other.db")
    bk.restore(other, target)
    assert snapshot(other) == snapshot(engine)
    assert surveys(other) == surveys(engine) != []
    # the erasure markers came along: a re-sync still keeps the person anonymous
    put(other, "Shop", [contact("c1", "anna@example.de", first_name="Änna")], [])
    with Session(other) as session:
        assert session.exec(select(Contact).where(Contact.first_name == "Änna")).all() == []


def test_restore_keeps_ids_so_new_rows_do_not_collide(engine: Engine, tmp_path: Path):
    fill(engine)
    target = tmp_path / "b.jsonl.gz"
    bk.backup(engine, target, portable=True)
    other = fresh(tmp_path, "other.db")
    bk.restore(other, target)
    put(other, "Shop", [contact("c3", "neu@example.de")], [order("o3", "c3", 100)])
    with Session(other) as session:
        assert len(session.exec(select(Order)).all()) == 4


def test_restore_refuses_a_database_with_data_unless_forced(engine: Engine, tmp_path: Path):
    fill(engine)
    target = tmp_path / "b.db"
    bk.backup(engine, target)
    other = fresh(tmp_path, "other.db")
    put(other, "Anderes", [contact("x", "x@example.de")], [order("x1", "x", 1)])
    before = snapshot(other)
    with pytest.raises(bk.BackupError, match="--force"):
        bk.restore(other, target)
    assert snapshot(other) == before
    bk.restore(other, target, force=True)
    assert snapshot(other) == snapshot(engine)


@pytest.mark.parametrize(
    "content",
    [
        b"no backup at all",
        bk.SQLITE_MAGIC + b"\x00" * 200,  # a header and nothing behind it
        b"\x1f\x8b\x08garbage",  # gzip magic, broken stream
    ],
)
def test_a_broken_file_is_rejected_and_changes_nothing(
    engine: Engine, tmp_path: Path, content: bytes
):
    fill(engine)
    before = snapshot(engine)
    broken = tmp_path / "broken.bak"
    broken.write_bytes(content)
    with pytest.raises(bk.BackupError):
        bk.restore(engine, broken, force=True)
    assert snapshot(engine) == before


def test_a_truncated_dump_is_rejected(engine: Engine, tmp_path: Path):
    fill(engine)
    target = tmp_path / "b.jsonl.gz"
    bk.backup(engine, target, portable=True)
    lines = dump_lines(target)
    cut = tmp_path / "cut.jsonl.gz"
    with gzip.open(cut, "wt") as file:
        file.writelines(lines[:-2])
    other = fresh(tmp_path, "other.db")
    with pytest.raises(bk.BackupError, match="unvollständig"):
        bk.restore(other, cut)
    assert bk.is_empty(other)


def test_a_backup_from_a_newer_version_is_rejected(engine: Engine, tmp_path: Path):
    target = tmp_path / "b.jsonl.gz"
    bk.backup(engine, target, portable=True)
    lines = dump_lines(target)
    header = json.loads(lines[0]) | {"revisions": ["9999"]}
    with gzip.open(target, "wt") as file:
        file.writelines([json.dumps(header) + "\n", *lines[1:]])
    with pytest.raises(bk.BackupError, match="neueren"):
        bk.verify(target)


def test_a_failure_half_way_through_the_restore_changes_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    fill(engine)
    target = tmp_path / "b.db"
    bk.backup(engine, target)
    other = fresh(tmp_path, "other.db")
    put(other, "Anderes", [contact("x", "x@example.de")], [order("x1", "x", 1)])
    before = snapshot(other)
    real = bk._aware
    calls = iter(range(100))

    def failing(row: dict) -> dict:
        if next(calls) == 3:
            raise OSError("disk full")
        return real(row)

    monkeypatch.setattr(bk, "_aware", failing)
    with pytest.raises(OSError):
        bk.restore(other, target, force=True)
    assert snapshot(other) == before


@pytest.mark.sqlite_only(reason="SQLite's online backup API")
def test_the_backup_is_consistent_while_another_connection_writes(engine: Engine, tmp_path: Path):
    fill(engine)
    target = tmp_path / "b.db"
    bk.backup(engine, target)
    put(engine, "Shop", [contact("c9", "z@example.de")], [order("o9", "c9", 1)])
    copy = db.make_engine(f"sqlite:///{target}")
    with Session(copy) as session:
        assert len(session.exec(select(Order)).all()) == 3  # the moment of the backup
    copy.dispose()


@pytest.mark.sqlite_only(reason="the CLI's SQLite file copy")
def test_cli_backup_and_restore(
    engine: Engine, sqlite_url: str, tmp_path: Path, monkeypatch, capsys
):
    fill(engine)
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", sqlite_url)
    target = tmp_path / "b.db"
    assert cli.main(["backup", str(target)]) == 0
    assert "SQLite-Kopie" in capsys.readouterr().out
    assert cli.main(["restore", str(target)]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.main(["restore", str(target), "--force", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["orders"] == 3
    (tmp_path / "junk.db").write_bytes(b"junk")
    assert cli.main(["restore", str(tmp_path / "junk.db"), "--force"]) == 1
    err = capsys.readouterr().err
    assert "keine Kundenwert-Sicherung" in err and "Traceback" not in err


# --- PostgreSQL (run through scripts/test.sh) ---------------------------------------------------


def test_postgres_dump_restores_into_sqlite_and_back(pg_engine: Engine, tmp_path: Path):
    fill(pg_engine)
    with Session(pg_engine) as session:
        session.add(SyncRun(source_id=1, error="Digistore24 antwortet mit 401"))
        session.commit()
    target = tmp_path / "pg.jsonl.gz"
    assert bk.backup(pg_engine, target).kind == "jsonl"
    lite = fresh(tmp_path, "lite.db")
    bk.restore(lite, target)
    assert snapshot(lite) == snapshot(pg_engine)
    assert surveys(lite) == [("anna@example.de", date(2025, 4, 1), 9)]
    bk.restore(pg_engine, target, force=True)
    assert snapshot(pg_engine) == snapshot(lite)
    put(pg_engine, "Shop", [contact("c3", "neu@example.de")], [order("o3", "c3", 100)])


def test_sqlite_backup_restores_into_postgres(engine: Engine, pg_engine: Engine, tmp_path: Path):
    fill(engine)
    target = tmp_path / "b.db"
    bk.backup(engine, target)
    bk.restore(pg_engine, target)
    assert snapshot(pg_engine) == snapshot(engine)
    put(pg_engine, "Shop", [contact("c3", "neu@example.de")], [order("o3", "c3", 100)])
    with Session(pg_engine) as session:
        assert len(session.exec(select(Order)).all()) == 4
