"""Helpers shared by the tests that run connectors, on their own and through the sync engine.

``orders_of`` and ``contacts_of`` index what a connector read. ``snapshot`` reads everything a
sync writes, ``runs`` the sync history, ``uninterrupted`` syncs a fresh database in one go for
comparison, and ``kill_sync_when`` kills a ``kundenwert sync`` process at a chosen moment.
``fast_http`` gives HTTP options that never sleep; the ``delays`` and ``fast`` fixtures (made
visible to every test by ``tests/conftest.py``) do the same and record the waits asked for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from connectors.base import Batch
from connectors.http import HttpOptions, RetryPolicy
from kundenwert import db
from kundenwert.models import Contact, Order, OrderItem, Refund, Source, SyncRun
from kundenwert.records import ContactRecord, OrderRecord
from kundenwert.sync import sync_source
from tests.databases import fresh_database_url

ROOT = Path(__file__).resolve().parents[1]


def fast_http(delays: list[float] | None = None) -> HttpOptions:
    """HTTP options without waiting: retries sleep into ``delays`` (or nowhere), no rate limit."""
    sleep = delays.append if delays is not None else (lambda _s: None)
    return HttpOptions(timeout=5, retry=RetryPolicy(sleep=sleep), rate_limit=0)


@pytest.fixture
def delays() -> list[float]:
    """The waits the HTTP client of the ``fast`` fixture asked for, in seconds."""
    return []


@pytest.fixture
def fast(delays: list[float]) -> HttpOptions:
    """``fast_http`` recording into the ``delays`` fixture."""
    return fast_http(delays)


def orders_of(batches: list[Batch]) -> dict[str, OrderRecord]:
    """The orders a connector read, by their id in the source."""
    return {o.source_order_id: o for b in batches for o in b.orders}


def contacts_of(batches: list[Batch]) -> dict[str, ContactRecord]:
    """The contacts a connector read, by their id in the source."""
    return {c.source_contact_id: c for b in batches for c in b.contacts}


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything a sync writes, without row ids and clock times, to compare two databases.

    The tuples keep their positions for tests that look inside them: a contact is
    ``(source id, email, first name, last name, company, country, city, postcode, created, url)``
    and an order is ``(source id, contact, ordered, currency, gross, net, tax, status, payment id,
    url, fee, kind, sandbox)``.
    """
    with Session(engine) as session:
        contacts = session.exec(select(Contact)).all()
        by_id = {c.id: c.source_contact_id for c in contacts}
        persons: dict[int, list[str]] = {}
        for c in contacts:
            persons.setdefault(c.person_id, []).append(c.source_contact_id)
        orders = session.exec(select(Order)).all()
        order_key = {o.id: o.source_order_id for o in orders}
        return {
            "contacts": sorted(
                (
                    *(c.source_contact_id, c.email, c.first_name, c.last_name, c.company),
                    *(c.country, c.city, c.postcode, str(c.created_at), c.url),
                )
                for c in contacts
            ),
            "persons": sorted(sorted(ids) for ids in persons.values()),
            "orders": sorted(
                (
                    *(o.source_order_id, by_id[o.contact_id], str(o.ordered_at), o.currency),
                    *(o.gross_cents, o.net_cents, o.tax_cents, o.status, o.payment_id, o.url),
                    *(o.fee_cents, o.kind, o.is_sandbox),
                )
                for o in orders
            ),
            "items": sorted(
                (
                    order_key[i.order_id],
                    i.product_id or "",
                    i.product_name,
                    i.quantity,
                    i.amount_cents,
                )
                for i in session.exec(select(OrderItem))
            ),
            "refunds": sorted(
                (
                    *(order_key[r.order_id], r.source_refund_id, str(r.refunded_at)),
                    *(r.amount_cents, r.reason),
                )
                for r in session.exec(select(Refund))
            ),
            "cursor": session.exec(select(Source.sync_cursor)).all(),
        }


def runs(engine: Engine) -> list[SyncRun]:
    """The sync history, oldest run first."""
    with Session(engine) as session:
        return list(session.exec(select(SyncRun).order_by(SyncRun.id)))  # type: ignore[arg-type]


def uninterrupted(
    tmp_path: Path, label: str, http: HttpOptions, connect: Callable[[Engine], object]
) -> dict[str, Any]:
    """The snapshot of a fresh database that ``connect`` set up and ``label`` synced in one go."""
    other = db.make_engine(fresh_database_url(tmp_path, "uninterrupted.db"))
    db.migrate(other)
    connect(other)
    assert sync_source(other, label, http=http).status == "ok"
    data = snapshot(other)
    other.dispose()
    return data


def kill_sync_when(sqlite_url: str, data_dir: Path, ready: Callable[[], bool]) -> None:
    """Run ``kundenwert sync`` in a process of its own and SIGKILL it as soon as ``ready()``.

    The process must still be running when ``ready()`` first holds, within a minute.
    """
    env = {
        **os.environ,
        "KUNDENWERT_DATABASE_URL": sqlite_url,
        "KUNDENWERT_DATA_DIR": str(data_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kundenwert", "sync", "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
