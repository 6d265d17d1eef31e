"""The sync engine: pull new data from connected accounts into the database.

One run of one source (:func:`sync_source`):

1. takes the source's lock (one run per source at a time: a lock within this process and a
   ``flock`` on ``<data_dir>/locks/…`` against other processes, e.g. cron and the dashboard);
   a run still marked ``running`` from before was killed and is marked failed now;
2. records a :class:`~kundenwert.models.SyncRun` (``running``);
3. asks the source's connector for batches from the stored cursor (or from the start when
   ``full`` or there is no cursor yet) and writes each batch in one transaction together with
   the cursor the batch makes safe and the run's counters. A run that fails halfway keeps what
   it committed, and the next run continues from the last committed cursor; upserts by
   (source, source id) make the re-read part change nothing;
4. finishes the run ``ok`` or ``failed`` with a message for the owner (never a credential).

:func:`sync_all` runs every source that has a connector, one after the other; one failing
account never stops the others. Errors are returned in the runs, not raised, except when the
source does not exist or is already being synced.

The file lock only guards processes sharing ``data_dir``; several machines syncing one
PostgreSQL database would each need their own data directory and are not protected.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import col, select

from connectors.base import get_spec
from connectors.http import ApiError, HttpOptions, RetryPolicy
from kundenwert.db import session_scope
from kundenwert.ingest import IngestResult, ingest
from kundenwert.models import Source, SyncRun, SyncStatus
from kundenwert.secrets import SecretsError
from kundenwert.settings import get_settings
from kundenwert.sources import SourceError, can_sync, connector_config

Progress = Callable[[float, str], None]

_running: set[tuple[str, int]] = set()
_running_guard = threading.Lock()


class SyncError(Exception):
    """A sync could not even start; the message says why."""


class SyncBusyError(SyncError):
    """Another sync of the same source is running."""


def lock_path(engine: Engine, source_id: int, data_dir: Path | None = None) -> Path:
    """The lock file of one source of one database (the URL is hashed, without password)."""
    database = engine.url.render_as_string(hide_password=True)
    digest = hashlib.sha256(database.encode()).hexdigest()[:12]
    return (data_dir or get_settings().data_dir) / "locks" / f"sync-{digest}-{source_id}.lock"


@contextmanager
def source_lock(engine: Engine, source: Source, data_dir: Path | None = None) -> Iterator[None]:
    """Exclusive right to sync ``source`` in this process and every other one on this machine."""
    assert source.id is not None
    key = (engine.url.render_as_string(hide_password=True), source.id)
    busy = SyncBusyError(f"Für „{source.label}“ läuft bereits eine Synchronisierung")
    with _running_guard:
        if key in _running:
            raise busy
        _running.add(key)
    try:
        path = lock_path(engine, source.id, data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise busy from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        with _running_guard:
            _running.discard(key)


def _now() -> datetime:
    return datetime.now(UTC)


def _start(engine: Engine, source_id: int, full: bool) -> int:
    with session_scope(engine) as session:
        stale = session.exec(
            select(SyncRun).where(
                SyncRun.source_id == source_id, SyncRun.status == SyncStatus.RUNNING.value
            )
        )
        for run in stale:  # we hold the lock, so whoever left these was killed
            run.status = SyncStatus.FAILED.value
            run.error = run.error or "abgebrochen (Prozess beendet)"
            run.finished_at = run.finished_at or _now()
            session.add(run)
        run = SyncRun(source_id=source_id, full_sync=full)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def _count(run: SyncRun, result: IngestResult) -> None:
    run.contacts_added += result.contacts_added
    run.contacts_updated += result.contacts_updated
    run.orders_added += result.orders_added
    run.orders_updated += result.orders_updated
    run.refunds_added += result.refunds_added


def _finish(engine: Engine, run_id: int, error: str | None) -> SyncRun:
    with session_scope(engine) as session:
        run = session.get(SyncRun, run_id)
        assert run is not None
        run.status = (SyncStatus.FAILED if error else SyncStatus.OK).value
        run.error = error
        run.finished_at = _now()
        source = session.get(Source, run.source_id)
        if source is not None:
            source.last_status = run.status
            session.add(source)
        session.add(run)
    return run


def _message(error: BaseException, secrets: list[str]) -> str:
    if isinstance(error, ApiError | SecretsError | SourceError | SyncError):
        text = str(error)
    elif isinstance(error, KeyboardInterrupt):
        text = "abgebrochen"
    else:
        text = f"Unerwarteter Fehler ({type(error).__name__}): {error}"
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def sync_source(
    engine: Engine,
    source_label: str,
    full: bool = False,
    progress: Progress | None = None,
    *,
    http: HttpOptions | None = None,
) -> SyncRun:
    """Sync one source; returns its finished run (``status`` ok or failed, with ``error``).

    Raises :class:`SyncError` only when the source is unknown, cannot sync, or is busy.
    """
    with session_scope(engine) as session:
        source = session.exec(select(Source).where(Source.label == source_label)).first()
    if source is None or source.id is None:
        raise SyncError(f"Datenquelle „{source_label}“ gibt es nicht")
    if not can_sync(source):
        raise SyncError(
            f"„{source_label}“ ({source.kind}) wird per Datei importiert und hat keine "
            "Zugangsdaten; ein Konto mit Schnittstelle legt `sources add` an"
        )
    spec = get_spec(source.kind)
    report = progress or (lambda _fraction, _message: None)
    with source_lock(engine, source):
        run_id = _start(engine, source.id, full)
        secrets: list[str] = []
        try:
            config = connector_config(source, http)
            secrets = [value.get_secret_value() for value in config.credentials.values()]
            connector = spec.create(config)
            try:
                cursor = None if full else source.sync_cursor
                report(0.0, f"{source_label}: {spec.title} wird gelesen")
                for batch in connector.batches(cursor):
                    with session_scope(engine) as session:
                        current = session.get(Source, source.id)
                        run = session.get(SyncRun, run_id)
                        assert current is not None and run is not None
                        if batch.contacts or batch.orders:
                            _count(run, ingest(session, current, batch.contacts, batch.orders))
                        if batch.cursor is not None:
                            current.sync_cursor = batch.cursor
                        session.add_all([current, run])
                    done = batch.done if batch.done is not None else 0.0
                    report(min(done, 0.99), f"{source_label}: {batch.note}")
            finally:
                connector.close()
        except BaseException as error:
            finished = _finish(engine, run_id, _message(error, secrets))
            if not isinstance(error, Exception):
                raise
            return finished
        finished = _finish(engine, run_id, None)
    report(1.0, f"{source_label}: fertig")
    return finished


@dataclass(frozen=True)
class ConnectionCheck:
    """What :func:`check_connection` found: the first page read, or the reason it failed."""

    label: str
    title: str  # the tool, e.g. "WooCommerce"
    ok: bool
    contacts: int = 0  # records on the first page (nothing is written)
    orders: int = 0
    error: str | None = None  # for the owner; never contains a credential


def quick_http() -> HttpOptions:
    """A connection test should answer within seconds: one retry, a short timeout."""
    return HttpOptions(timeout=15.0, retry=RetryPolicy(attempts=2, backoff_max=2.0))


def check_connection(
    engine: Engine, source_label: str, *, http: HttpOptions | None = None
) -> ConnectionCheck:
    """Open the account with its stored credentials and read the first batch, writing nothing.

    The first batch is the cheapest request every connector already makes (one page of its
    first list), so no connector needs extra code for this. Raises :class:`SyncError` only
    when the source does not exist or has no connector/credentials; an API error comes back
    in ``error`` as the connector's message (e.g. "WooCommerce lehnt den Zugang ab (401) …").
    """
    with session_scope(engine) as session:
        source = session.exec(select(Source).where(Source.label == source_label)).first()
    if source is None:
        raise SyncError(f"Datenquelle „{source_label}“ gibt es nicht")
    if not can_sync(source):
        raise SyncError(f"„{source_label}“ hat keine Zugangsdaten und wird per Datei importiert")
    spec = get_spec(source.kind)
    secrets: list[str] = []
    try:
        config = connector_config(source, http or quick_http())
        secrets = [value.get_secret_value() for value in config.credentials.values()]
        connector = spec.create(config)
        try:
            batches = connector.batches(None)
            try:
                first = next(iter(batches), None)
            finally:
                close = getattr(batches, "close", None)
                if callable(close):
                    close()
        finally:
            connector.close()
    except Exception as error:
        return ConnectionCheck(source_label, spec.title, ok=False, error=_message(error, secrets))
    return ConnectionCheck(
        source_label,
        spec.title,
        ok=True,
        contacts=len(first.contacts) if first else 0,
        orders=len(first.orders) if first else 0,
    )


def syncable_sources(engine: Engine) -> list[str]:
    """Labels of the sources that have a connector and credentials, in label order."""
    with session_scope(engine) as session:
        sources = session.exec(select(Source).order_by(col(Source.label))).all()
    return [source.label for source in sources if can_sync(source)]


def sync_all(
    engine: Engine,
    full: bool = False,
    progress: Progress | None = None,
    *,
    http: HttpOptions | None = None,
) -> dict[str, SyncRun | SyncError]:
    """Sync every source with a connector; a failure of one never stops the others.

    Returns, by source label in label order, its run or the :class:`SyncError` that kept it
    from starting (e.g. already running elsewhere).
    """
    outcomes: dict[str, SyncRun | SyncError] = {}
    for label in syncable_sources(engine):
        try:
            outcomes[label] = sync_source(engine, label, full, progress, http=http)
        except SyncError as error:
            outcomes[label] = error
    return outcomes
