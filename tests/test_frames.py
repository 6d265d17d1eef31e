"""Columnar loading: a table read in id slices on several cores equals the table read at once."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kundenwert import frames
from kundenwert.db import session_scope
from kundenwert.frames import connectorx_uri, id_ranges, load_frames, read_table
from kundenwert.ingest import get_or_create_source, ingest
from tests.factories import contact, new_db, order


def _fill(engine, orders: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        source = get_or_create_source(session, "Shop", "woocommerce")
        ingest(
            session,
            source,
            [contact(f"c{n}", f"kunde{n}@example.de", country="DE") for n in range(7)],
            [
                order(f"o{n}", f"c{n % 7}", 1_000 + n, f"2025-03-{n % 28 + 1:02d}")
                for n in range(orders)
            ],
        )


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table counts as large, and three cores are there to read it."""
    monkeypatch.setattr(frames, "PARTITION_MIN_ROWS", 1)
    monkeypatch.setattr(frames, "cpu_count", lambda: 3)


def test_id_ranges_give_the_span_of_every_large_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, url = new_db(tmp_path)
    _fill(engine, 10)
    spans = id_ranges(connectorx_uri(url))
    assert spans["orders"] == frames.IdRange(rows=10, low=1, high=10)
    assert spans["contact"].rows == 7
    assert spans["order_item"].rows == 10


def test_an_empty_table_has_an_empty_span(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _engine, url = new_db(tmp_path)
    spans = id_ranges(connectorx_uri(url))
    assert spans["orders"].rows == 0
    assert frames._partitions(spans["orders"]) == 1


def test_a_table_read_in_slices_equals_the_table_read_at_once(tmp_path, sliced) -> None:  # type: ignore[no-untyped-def]
    engine, url = new_db(tmp_path)
    _fill(engine, 50)
    uri = connectorx_uri(url)
    span = id_ranges(uri)["orders"]
    assert frames._partitions(span) == 3
    assert_frame_equal(read_table(uri, "orders", span), read_table(uri, "orders"))


def test_slices_keep_the_id_order_and_the_types(tmp_path, sliced) -> None:  # type: ignore[no-untyped-def]
    engine, url = new_db(tmp_path)
    _fill(engine, 40)
    loaded = load_frames(url)
    assert loaded.orders["id"].to_list() == list(range(1, 41))
    assert loaded.orders.schema == pl.Schema(frames.SCHEMAS["orders"])
    assert loaded.items.height == 40
    assert loaded.contacts["email"].to_list() == [f"kunde{n}@example.de" for n in range(7)]


def test_small_tables_are_read_in_one_query(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, url = new_db(tmp_path)
    _fill(engine, 5)
    assert frames._partitions(id_ranges(connectorx_uri(url))["orders"]) == 1


def test_postgresql_tables_read_in_slices_are_the_same(pg_engine, pg_url, sliced) -> None:  # type: ignore[no-untyped-def]
    _fill(pg_engine, 30)
    uri = connectorx_uri(pg_url)
    span = id_ranges(uri)["orders"]
    sliced_read = read_table(uri, "orders", span).sort("id")
    # PostgreSQL returns rows without ORDER BY in any order; the rows themselves must match.
    assert_frame_equal(sliced_read, read_table(uri, "orders").sort("id"))
    assert sliced_read["id"].to_list() == list(range(1, 31))
