"""Benchmark the customer views on a large synthetic database.

    python scripts/benchmark.py --persons 200000 --orders 1000000 [--db /tmp/bench.db]

Fills a fresh SQLite file (bulk inserts, not the demo generator), then times the steps a page
view runs: columnar load, per-order values, customer table, one page sorted by value, by name,
a search, the matrix and one customer's report. Prints seconds per step.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from kundenwert.customers import build_dataset, customer_detail, customer_matrix, customer_page
from kundenwert.db import get_engine
from kundenwert.frames import load_frames
from kundenwert.models import Contact, Order, OrderItem, Person, Source

SOURCES = [("Digistore24", "digistore24"), ("Shop", "woocommerce"), ("sevDesk", "sevdesk")]


def fill(url: str, persons: int, orders: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    engine = get_engine(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {
                    "label": label,
                    "kind": kind,
                    "counts_towards_totals": True,
                    "settings_json": "{}",
                    "created_at": now,
                }
                for label, kind in SOURCES
            ],
        )
        conn.execute(insert(Person), [{"id": i + 1, "created_at": now} for i in range(persons)])
        conn.execute(
            insert(Contact),
            [
                {
                    "id": i + 1,
                    "source_id": i % 3 + 1,
                    "source_contact_id": str(i),
                    "person_id": i + 1,
                    "email": f"kunde{i}@example.de",
                    "first_name": "Kunde",
                    "last_name": f"Nr{i}",
                    "country": rng.choice(["DE", "AT", "CH"]),
                    "city": "Berlin",
                }
                for i in range(persons)
            ],
        )
        batch = 100_000
        for start in range(0, orders, batch):
            rows = []
            for n in range(start, min(orders, start + batch)):
                contact = rng.randrange(persons) + 1
                gross = rng.randrange(900, 300_000)
                rows.append(
                    {
                        "id": n + 1,
                        "source_id": (contact - 1) % 3 + 1,
                        "source_order_id": str(n),
                        "contact_id": contact,
                        "currency": "EUR",
                        "gross_cents": gross,
                        "net_cents": gross * 100 // 119,
                        "tax_cents": gross - gross * 100 // 119,
                        "status": "paid" if n % 20 else "refunded",
                        "kind": "one_time",
                        "is_sandbox": False,
                        "ordered_at": now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)),
                    }
                )
            conn.execute(insert(Order), rows)
            conn.execute(
                insert(OrderItem),
                [
                    {
                        "order_id": r["id"],
                        "product_name": f"Produkt {r['id'] % 50}",
                        "quantity": 1,
                        "amount_cents": r["gross_cents"],
                    }
                    for r in rows
                ],
            )


def timed(label: str, action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    print(f"{label:<38} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/kundenwert-bench.db")
    args = parser.parse_args()
    path = Path(args.db)
    url = f"sqlite:///{path}"
    if not path.exists():
        timed(
            f"fill {args.persons} persons, {args.orders} orders",
            lambda: fill(url, args.persons, args.orders),
        )
    frames = timed("load frames (ConnectorX)", lambda: load_frames(url))
    ds = timed("order values + customer table", lambda: build_dataset(frames))
    timed("page 1 sorted by value", lambda: customer_page(ds.customers))
    timed(
        "page 100 sorted by value ascending",
        lambda: customer_page(ds.customers, page=100, descending=False),
    )
    timed("page 1 sorted by name", lambda: customer_page(ds.customers, sort_by="name"))
    timed("search 'nr1234'", lambda: customer_page(ds.customers, search="nr1234"))
    timed("matrix persons × sources", lambda: customer_matrix(ds))
    person = int(ds.customers["person_id"][0])
    timed("one customer's report", lambda: customer_detail(ds, person))


if __name__ == "__main__":
    main()
