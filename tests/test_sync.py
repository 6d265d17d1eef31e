"""The sync engine: WooCommerce over real HTTP into the database, with failures on the way."""

from __future__ import annotations

import base64
import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine
from sqlmodel import Session, select

import connectors.woocommerce as wc
from connectors.http import HttpOptions
from kundenwert import cli, db
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.models import Source
from kundenwert.records import ContactRecord
from kundenwert.sources import add_source, list_sources
from kundenwert.sync import (
    SyncBusyError,
    SyncError,
    lock_path,
    source_lock,
    sync_all,
    sync_source,
)
from tests.databases import stored_text
from tests.fakes.woocommerce import FakeWooCommerce, SampleShop, sample_shop
from tests.sync_support import kill_sync_when, runs, snapshot, uninterrupted

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shop() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as shop:
        yield shop


@pytest.fixture
def sample(shop: FakeWooCommerce, monkeypatch: pytest.MonkeyPatch) -> SampleShop:
    monkeypatch.setattr(wc, "PER_PAGE", 3)  # five pages of orders
    return sample_shop(shop)


def connect(engine: Engine, shop: FakeWooCommerce, label: str = "Shop", secret: str = "") -> None:
    add_source(
        engine,
        "woocommerce",
        label,
        base_url=shop.url,
        credentials={
            "consumer_key": shop.consumer_key,
            "consumer_secret": secret or shop.consumer_secret,
        },
    )


# --- happy path ----------------------------------------------------------------------------------


def test_a_full_sync_writes_the_shop(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop)
    run = sync_source(engine, "Shop", http=fast)
    assert (run.status, run.error, run.full_sync) == ("ok", None, False)
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (12, 0, 2)
    assert run.contacts_added == 8  # 3 registered, 4 guests by e-mail, 1 without e-mail
    data = snapshot(engine)
    assert len(data["orders"]) == 12 and data["cursor"] == ["2025-02-03T13:59:59"]
    partial = next(o for o in data["orders"] if o[0] == str(sample.orders["juergen_partial"]["id"]))
    assert partial[1:] == (
        str(sample.juergen["id"]),
        "2025-01-08 08:15:00+00:00",
        "EUR",
        10000,
        8403,
        1597,
        "partially_refunded",
        None,
        f"{shop.url}/wp-admin/post.php?post={sample.orders['juergen_partial']['id']}&action=edit",
        None,  # no fee
        "one_time",
        False,  # not a sandbox order
    )
    soeren = next(c for c in data["contacts"] if c[0] == "guest:soeren.krueger@example.com")
    assert soeren[1:6] == ("soeren.krueger@example.com", "Sören", "Krüger", None, "CH")


def test_the_same_person_across_sources_is_merged_by_email(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    with db.session_scope(engine) as session:
        invoices = get_or_create_source(session, "sevDesk", "sevdesk")
        ingest(session, invoices, [ContactRecord("K-1", email="Zoe.Weiss@example.at")], [])
    connect(engine, shop)
    sync_source(engine, "Shop", http=fast)
    assert sorted(["K-1", str(sample.zoe["id"])]) in snapshot(engine)["persons"]


def test_a_rerun_adds_and_changes_nothing(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop)
    sync_source(engine, "Shop", http=fast)
    before = snapshot(engine)
    again = sync_source(engine, "Shop", http=fast)
    full = sync_source(engine, "Shop", full=True, http=fast)
    for run in (again, full):
        assert run.status == "ok"
        assert (run.orders_added, run.orders_updated, run.refunds_added) == (0, 0, 0)
        assert (run.contacts_added, run.contacts_updated) == (0, 0)
    assert snapshot(engine) == before


def test_incremental_sync_fetches_only_changes(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop)
    sync_source(engine, "Shop", http=fast)
    shop.refund(sample.orders["zoe_course"]["id"], "19.00", at="2025-03-01T10:00:00")
    shop.add_order(
        billing={**sample.juergen["billing"], "email": "neu@example.de"},
        created="2025-03-02T10:00:00",
        items=[("Kurs", 1, "10.00", "0.00")],
    )
    shop.server.requests.clear()
    run = sync_source(engine, "Shop", http=fast)
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (1, 1, 1)
    assert run.contacts_added == 1
    orders = [r for r in shop.server.requests if r.path.endswith("/orders")]
    assert orders[0].param("modified_after") == "2025-02-03T13:59:59"
    assert not [r for r in shop.server.requests if r.param("role") == "customer"]
    order = next(
        o for o in snapshot(engine)["orders"] if o[0] == str(sample.orders["zoe_course"]["id"])
    )
    assert order[7] == "partially_refunded"


# --- failures ------------------------------------------------------------------------------------


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine,
    shop: FakeWooCommerce,
    sample: SampleShop,
    fast: HttpOptions,
    delays: list[float],
) -> None:
    connect(engine, shop)
    shop.server.fail(429, path="/orders", headers={"Retry-After": "12"})
    shop.server.fail(500, path="/orders", skip=1)
    shop.server.drop(path="/customers")
    run = sync_source(engine, "Shop", http=fast)
    assert run.status == "ok" and run.orders_added == 12
    assert 12.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop, secret="cs_wrong")
    empty = snapshot(engine)
    run = sync_source(engine, "Shop", http=fast)
    assert run.status == "failed"
    assert run.error == (
        "WooCommerce lehnt den Zugang ab (401 – Consumer secret is invalid.): Consumer Key und "
        "Consumer Secret in Datenquellen prüfen (WooCommerce → Einstellungen → Erweitert → "
        "REST-API, Berechtigung „Lesen“)"
    )
    assert snapshot(engine) == empty
    assert [(r.status, r.error) for r in runs(engine)] == [("failed", run.error)]
    assert list_sources(engine)[0].last_status == "failed"


def test_a_sync_failing_halfway_keeps_its_batches_and_the_next_run_continues(
    engine: Engine,
    sqlite_url: str,
    tmp_path: Path,
    shop: FakeWooCommerce,
    sample: SampleShop,
    fast: HttpOptions,
) -> None:
    connect(engine, shop)
    calls = []

    def break_after_two_batches(fraction: float, message: str) -> None:
        calls.append(message)
        if len(calls) == 4:  # start + customers page + two order pages committed
            shop.server.drop(times=1000)

    failed = sync_source(engine, "Shop", progress=break_after_two_batches, http=fast)
    assert failed.status == "failed"
    assert failed.error is not None and "WooCommerce ist nicht erreichbar" in failed.error
    half = snapshot(engine)
    assert 0 < len(half["orders"]) < 12 and half["cursor"] != [None]
    shop.server.faults.clear()
    shop.server.requests.clear()
    resumed = sync_source(engine, "Shop", http=fast)
    assert resumed.status == "ok"
    first = next(r for r in shop.server.requests if r.path.endswith("/orders"))
    assert first.param("modified_after") == half["cursor"][0]
    assert snapshot(engine) == uninterrupted(tmp_path, "Shop", fast, lambda e: connect(e, shop))


def test_a_sync_interrupted_by_the_owner_resumes_to_the_same_database(
    engine: Engine, tmp_path: Path, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop)
    seen = []

    def interrupt(fraction: float, message: str) -> None:
        seen.append(message)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_source(engine, "Shop", progress=interrupt, http=fast)
    assert [(r.status, r.error) for r in runs(engine)] == [("failed", "abgebrochen")]
    assert sync_source(engine, "Shop", http=fast).status == "ok"
    assert snapshot(engine) == uninterrupted(tmp_path, "Shop", fast, lambda e: connect(e, shop))


def test_a_killed_sync_process_resumes_to_the_same_database(
    engine: Engine,
    sqlite_url: str,
    data_dir: Path,
    tmp_path: Path,
    shop: FakeWooCommerce,
    fast: HttpOptions,
) -> None:
    buyer = shop.add_customer("Eva", "Ähnlich", "eva@example.de", created="2024-01-01T00:00:00")
    for n in range(250):  # three pages of a hundred
        day = f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00"
        shop.add_order(customer=buyer, created=day, items=[("Abo", 1, "9.99", "1.90")])
    connect(engine, shop)
    shop.server.slow(60, path="/orders", skip=2)  # the third page hangs
    kill_sync_when(
        sqlite_url,
        data_dir,
        lambda: len([r for r in shop.server.requests if r.path.endswith("/orders")]) >= 3,
    )
    half = snapshot(engine)
    assert len(half["orders"]) == 199  # two pages, the overlap second re-read later
    shop.server.faults.clear()
    resumed = sync_source(engine, "Shop", http=fast)
    assert resumed.status == "ok"
    assert [r.status for r in runs(engine)] == ["failed", "ok"]  # the killed run is closed
    assert runs(engine)[0].error == "abgebrochen (Prozess beendet)"
    assert snapshot(engine) == uninterrupted(tmp_path, "Shop", fast, lambda e: connect(e, shop))


def test_one_failing_account_never_blocks_the_others(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop, "Alter Shop", secret="cs_wrong")
    connect(engine, shop, "Shop")
    with db.session_scope(engine) as session:
        get_or_create_source(session, "CSV", "csv")  # imported by file: not synced
        get_or_create_source(session, "Shop-Export", "woocommerce")  # a file import, too
    outcomes = sync_all(engine, http=fast)
    assert list(outcomes) == ["Alter Shop", "Shop"]
    assert [getattr(o, "status", None) for o in outcomes.values()] == ["failed", "ok"]


def test_two_syncs_of_one_source_never_run_at_once(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop)
    shop.server.slow(0.5, path="/customers")
    first: list[Any] = []
    thread = threading.Thread(target=lambda: first.append(sync_source(engine, "Shop", http=fast)))
    thread.start()
    while not shop.server.requests:
        time.sleep(0.01)
    with pytest.raises(SyncBusyError, match="läuft bereits"):
        sync_source(engine, "Shop", http=fast)
    thread.join()
    assert first[0].status == "ok"
    assert len(runs(engine)) == 1


def test_another_process_holding_the_lock_makes_a_sync_wait_for_its_turn(
    engine: Engine, shop: FakeWooCommerce, fast: HttpOptions
) -> None:
    connect(engine, shop)
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
    assert source.id is not None
    path = lock_path(engine, source.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as other_process:  # flock conflicts across open files too
        fcntl.flock(other_process, fcntl.LOCK_EX)
        with pytest.raises(SyncBusyError):
            sync_source(engine, "Shop", http=fast)
    with source_lock(engine, source):
        pass  # free again


def test_the_history_records_every_run(
    engine: Engine, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(engine, shop)
    sync_source(engine, "Shop", http=fast)
    sync_source(engine, "Shop", full=True, http=fast)
    history = runs(engine)
    assert [(r.status, r.full_sync, r.orders_added) for r in history] == [
        ("ok", False, 12),
        ("ok", True, 0),
    ]
    for run in history:
        assert run.finished_at is not None and run.started_at <= run.finished_at


# --- secrets -------------------------------------------------------------------------------------


def test_credentials_never_appear_in_logs_errors_output_or_the_database_file(
    engine: Engine,
    sqlite_url: str,
    shop: FakeWooCommerce,
    sample: SampleShop,
    fast: HttpOptions,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = shop.consumer_secret
    basic = base64.b64encode(f"{shop.consumer_key}:{secret}".encode()).decode()
    connect(engine, shop, "Shop")
    connect(engine, shop, "Falsch", secret=secret + "X")
    shop.server.fail(500, path="/orders")
    outcomes = sync_all(engine, http=fast)
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", sqlite_url)
    assert cli.main(["sources", "list"]) == 0
    assert cli.main(["sources", "list", "--format", "json"]) == 0
    output = capsys.readouterr()
    texts = [caplog.text, output.out, output.err]
    texts += [str(getattr(o, "error", o)) for o in outcomes.values()]
    texts.append(stored_text(sqlite_url))
    for text in texts:
        assert secret not in text and basic not in text


# --- command line --------------------------------------------------------------------------------


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", sqlite_url)
    return sqlite_url


def test_cli_adds_lists_syncs_and_removes_a_source(
    cli_db: str, shop: FakeWooCommerce, capsys: pytest.CaptureFixture[str]
) -> None:
    sample_shop(shop)
    add = ["sources", "add", "--kind", "woocommerce", "--label", "Mein Shop"]
    add += ["--base-url", shop.url + "/", "--key", shop.consumer_key]
    add += ["--secret", shop.consumer_secret]
    assert cli.main(add) == 0
    assert "Mein Shop" in capsys.readouterr().out
    assert cli.main(["sync", "--source", "Mein Shop"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Mein Shop: ok – Bestellungen 12 neu, 0 geändert; Kontakte 8 neu")
    assert "Bestellungen 12 von 12" in err and "100.0%" in err
    assert cli.main(["sources", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Mein Shop  (woocommerce, Schnittstelle)" in listing and "12 Bestellungen" in listing
    assert shop.url in listing
    assert cli.main(["sources", "remove", "Mein Shop"]) == 0
    assert "12 Bestellungen, 8 Kontakte" in capsys.readouterr().out
    assert cli.main(["sources", "list", "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_cli_sync_exits_non_zero_when_an_account_fails(
    cli_db: str, shop: FakeWooCommerce, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = db.get_engine(cli_db)
    connect(engine, shop, "Shop")
    connect(engine, shop, "Kaputt", secret="wrong")
    assert cli.main(["sync", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert "Shop: ok" in out and "Kaputt" not in out
    assert "Fehler bei Kaputt: WooCommerce lehnt den Zugang ab (401" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "shopware", "--label", "X"], "keine Schnittstelle"),
        (["--kind", "woocommerce", "--label", "X", "--key", "k"], "braucht --secret"),
        (["--kind", "woocommerce", "--label", "X", "--key", "k", "--secret", "s"], "--base-url"),
        (["--kind", "woocommerce", "--label", "X", "--token", "t"], "braucht kein --token"),
    ],
)
def test_cli_rejects_incomplete_sources(
    cli_db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert cli.main(["sources", "add", *args]) == 1
    assert message in capsys.readouterr().err
    assert list_sources(db.get_engine(cli_db)) == []


def test_an_imported_source_cannot_be_synced(engine: Engine, fast: HttpOptions) -> None:
    with db.session_scope(engine) as session:
        get_or_create_source(session, "Shop-Export", "woocommerce")
    with pytest.raises(SyncError, match="per Datei importiert"):
        sync_source(engine, "Shop-Export", http=fast)
    assert runs(engine) == []


def test_the_schema_matches_the_migrations(engine: Engine) -> None:
    command.check(db.alembic_config(engine))  # raises if a model has no migration


def test_cli_sync_of_an_unknown_source_is_an_error(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sync", "--source", "Nirgends"]) == 1
    assert "„Nirgends“ gibt es nicht" in capsys.readouterr().err


# --- PostgreSQL ----------------------------------------------------------------------------------


def test_sync_into_postgresql_gives_the_same_data(
    pg_engine: Engine, tmp_path: Path, shop: FakeWooCommerce, sample: SampleShop, fast: HttpOptions
) -> None:
    connect(pg_engine, shop)
    assert sync_source(pg_engine, "Shop", http=fast).status == "ok"
    assert snapshot(pg_engine) == uninterrupted(tmp_path, "Shop", fast, lambda e: connect(e, shop))
