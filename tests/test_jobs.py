"""Background syncs of the dashboard (kundenwert.jobs): one job per source at a time, progress
over all its sources, every outcome kept, and a real sync against the fake shop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from kundenwert import jobs
from kundenwert.models import Order, SyncRun
from kundenwert.sources import add_source
from kundenwert.sync import Progress, SyncError
from tests.fakes.woocommerce import FakeWooCommerce, sample_shop


def blocking_sync(gate: threading.Event, seen: list[str]) -> Callable[..., SyncRun]:
    """A stand-in for sync_source that reports half-way and waits for ``gate``."""

    def sync(_engine: Engine, label: str, full: bool, progress: Progress) -> SyncRun:
        seen.append(label)
        progress(0.5, f"{label}: halb")
        assert gate.wait(10)
        if label == "kaputt":
            raise SyncError("kaputt: gibt es nicht")
        if label == "abbruch":
            raise RuntimeError("unerwartet")
        return SyncRun(source_id=1, status="ok", full_sync=full)

    return sync


def test_a_second_start_of_a_running_source_returns_the_running_job(engine: Engine) -> None:
    gate, seen = threading.Event(), []
    sync = blocking_sync(gate, seen)
    first = jobs.start(engine, ["Shop"], sync=sync)
    again = jobs.start(engine, ["Shop"], sync=sync)
    assert again is first
    assert [job.id for job in jobs.running(engine)] == [first.id]
    gate.set()
    assert first.wait(10)
    assert seen == ["Shop"]  # synced once
    assert jobs.running(engine) == []
    assert first.failed == [] and first.outcomes["Shop"].status == "ok"


def test_progress_spans_all_sources_and_failures_are_kept_per_source(engine: Engine) -> None:
    gate, seen = threading.Event(), []
    job = jobs.start(engine, ["A", "kaputt", "abbruch"], sync=blocking_sync(gate, seen))
    for _ in range(100):
        if job.note:
            break
        threading.Event().wait(0.01)
    assert job.note == "A: halb" and job.fraction == pytest.approx(0.5 / 3)
    assert job.running
    gate.set()
    assert job.wait(10)
    assert seen == ["A", "kaputt", "abbruch"]  # one failure never stops the others
    assert job.fraction == 1.0 and job.current is None
    assert job.failed == ["kaputt", "abbruch"]
    assert str(job.outcomes["abbruch"]) == "abbruch: RuntimeError: unerwartet"


def test_a_busy_source_is_left_out_of_a_new_job(engine: Engine) -> None:
    gate, seen = threading.Event(), []
    sync = blocking_sync(gate, seen)
    shop = jobs.start(engine, ["Shop"], sync=sync)
    everything = jobs.start(engine, ["Rechnungen", "Shop"], sync=sync)
    assert everything is not shop and everything.labels == ("Rechnungen",)
    gate.set()
    assert shop.wait(10) and everything.wait(10)
    assert sorted(seen) == ["Rechnungen", "Shop"]


def test_finished_jobs_are_forgotten_after_a_while(engine: Engine) -> None:
    gate = threading.Event()
    gate.set()
    sync = blocking_sync(gate, [])
    for number in range(jobs.KEEP_FINISHED + 5):
        assert jobs.start(engine, [f"S{number}"], sync=sync).wait(10)
    assert len(jobs.jobs(engine)) <= jobs.KEEP_FINISHED + 1


@pytest.fixture
def shop() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as shop:
        sample_shop(shop)
        yield shop


def test_a_background_sync_writes_the_shop_like_a_foreground_one(
    engine: Engine, shop: FakeWooCommerce
) -> None:
    add_source(
        engine,
        "woocommerce",
        "Shop",
        base_url=shop.url,
        credentials={"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret},
    )
    job = jobs.start(engine, ["Shop"])
    assert job.wait(60)
    outcome = job.outcomes["Shop"]
    assert not isinstance(outcome, SyncError) and outcome.error is None
    assert outcome.orders_added == 12
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 12
