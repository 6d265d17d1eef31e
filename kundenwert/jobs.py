"""Syncs that run in the background of the dashboard process.

A first sync of a busy shop can take many minutes. Run inside a page request it would die with
the browser tab (Streamlit stops a script when its session goes away) and block the page. So
the dashboard hands a sync to a thread of its own process and the page only looks at how far it
got: a reload, another page or a second browser tab show the same running job.

The registry is per process and in memory on purpose: the sync engine itself stores every run
(:class:`~kundenwert.models.SyncRun`) and takes a lock per source against other processes
(cron), so nothing here needs to survive a restart. A job knows its progress, its notes and,
when done, the outcome per source.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from kundenwert.models import SyncRun
from kundenwert.sync import SyncError, sync_source

Outcome = SyncRun | SyncError
_ids = itertools.count(1)


@dataclass
class SyncJob:
    """One background sync of one or more sources, one after the other."""

    id: int
    database: str  # the engine's URL without password: jobs of one database only
    labels: tuple[str, ...]
    full: bool
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    fraction: float = 0.0  # over all its sources
    note: str = ""  # the engine's last note, e.g. "Shop: Bestellungen 200 von 1234"
    current: str | None = None  # the source being synced now
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def failed(self) -> list[str]:
        """Labels whose sync did not start or ended with an error."""
        return [
            label
            for label, outcome in self.outcomes.items()
            if isinstance(outcome, SyncError) or outcome.error
        ]

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (tests, the CLI); True when it is."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


_lock = threading.Lock()
_jobs: list[SyncJob] = []
KEEP_FINISHED = 20  # finished jobs remembered for the page; older ones are dropped


def _database(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _run(job: SyncJob, engine: Engine, sync: Callable[..., SyncRun]) -> None:
    count = len(job.labels)
    for position, label in enumerate(job.labels):
        job.current = label

        def report(fraction: float, note: str, position: int = position) -> None:
            job.fraction = (position + min(max(fraction, 0.0), 1.0)) / count
            job.note = note

        try:
            job.outcomes[label] = sync(engine, label, job.full, report)
        except SyncError as error:
            job.outcomes[label] = error
        except Exception as error:  # never let a thread die silently: say what happened
            job.outcomes[label] = SyncError(f"{label}: {type(error).__name__}: {error}")
    job.current = None
    job.fraction = 1.0
    job.finished_at = datetime.now(UTC)


def start(
    engine: Engine,
    labels: Sequence[str],
    full: bool = False,
    *,
    sync: Callable[..., SyncRun] = sync_source,
) -> SyncJob:
    """Start syncing ``labels`` in a background thread, or return the job already running.

    A source that is already in a running job of this database is not started twice: when
    every wanted source is busy, that running job is returned; otherwise a new job takes the
    sources that are free. (The engine's per-source lock would refuse a second run anyway;
    this keeps the page from showing a failure for a double click.)
    """
    database = _database(engine)
    with _lock:
        busy = {
            label: job
            for job in _jobs
            if job.running and job.database == database
            for label in job.labels
        }
        free = tuple(label for label in labels if label not in busy)
        if not free:
            return busy[labels[0]]
        job = SyncJob(id=next(_ids), database=database, labels=free, full=full)
        thread = threading.Thread(
            target=_run, args=(job, engine, sync), name=f"kundenwert-sync-{job.id}", daemon=True
        )
        job._thread = thread
        finished = [old for old in _jobs if not old.running]
        for old in finished[: max(len(finished) - KEEP_FINISHED, 0)]:
            _jobs.remove(old)
        _jobs.append(job)
    thread.start()
    return job


def jobs(engine: Engine) -> list[SyncJob]:
    """The jobs of this database started in this process, newest first."""
    database = _database(engine)
    with _lock:
        return [job for job in reversed(_jobs) if job.database == database]


def running(engine: Engine) -> list[SyncJob]:
    return [job for job in jobs(engine) if job.running]
