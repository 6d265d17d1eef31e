"""Write a generated :class:`bench.generate.Shop` into a fresh database the way the product does.

Records go through :func:`kundenwert.ingest.ingest` (the path every connector and the file
import use: upsert by source id, merge by e-mail), one transaction per batch, so the import
throughput measured here is the product's own. :func:`write_csv` writes the same orders as a
file in the generic import format, for timing the file import end to end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from bench.generate import SOURCES, Shop
from kundenwert.db import session_scope
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

BATCH = 50_000


def contact_records(frame: pl.DataFrame) -> list[ContactRecord]:
    return [
        ContactRecord(
            source_contact_id=row[0],
            email=row[1],
            first_name=row[2],
            last_name=row[3],
            country=row[4],
            city=row[5],
        )
        for row in frame.select(
            "source_contact_id", "email", "first_name", "last_name", "country", "city"
        ).iter_rows()
    ]


def order_records(
    orders: pl.DataFrame, items: pl.DataFrame, refunds: pl.DataFrame
) -> list[OrderRecord]:
    """Orders with their (one) item and refunds; frames of one source."""
    joined = orders.join(
        items.select("source_order_id", "product_name"), on="source_order_id", how="left"
    ).join(
        refunds.select("source_order_id", "amount_cents", "refunded_at").rename(
            {"amount_cents": "refund_cents"}
        ),
        on="source_order_id",
        how="left",
    )
    records = []
    for oid, cid, at, gross, tax, status, kind, product, refund, refunded_at in joined.select(
        "source_order_id",
        "source_contact_id",
        "ordered_at",
        "gross_cents",
        "tax_cents",
        "status",
        "kind",
        "product_name",
        "refund_cents",
        "refunded_at",
    ).iter_rows():
        records.append(
            OrderRecord(
                source_order_id=oid,
                source_contact_id=cid,
                ordered_at=at,
                gross_cents=gross,
                tax_cents=tax,
                status=status,
                kind=kind,
                items=[ItemRecord(product_name=product, amount_cents=gross)],
                refunds=[RefundRecord(f"r{oid}", refunded_at, refund)] if refund else [],
            )
        )
    return records


def _batches(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def load(engine: Engine, shop: Shop, batch: int = BATCH) -> tuple[float, float]:
    """Ingest every source's contacts and orders; returns the wall and CPU seconds spent in the
    product (building records from the frames is not counted: a connector gets them from an
    API)."""
    spent, spent_cpu = 0.0, 0.0
    for label, kind, _share in SOURCES:
        contacts = contact_records(shop.contacts.filter(pl.col("source") == label))
        orders = shop.orders.filter(pl.col("source") == label)
        items = shop.items.filter(pl.col("source") == label)
        refunds = shop.refunds.filter(pl.col("source") == label)
        for n, part in enumerate(_batches(orders, batch)):
            keys = part.select("source_order_id")
            records = order_records(
                part,
                items.join(keys, on="source_order_id"),
                refunds.join(keys, on="source_order_id"),
            )
            started, started_cpu = time.perf_counter(), time.process_time()
            with session_scope(engine) as session:
                source = get_or_create_source(session, label, kind)
                ingest(session, source, contacts if n == 0 else [], records)
            spent += time.perf_counter() - started
            spent_cpu += time.process_time() - started_cpu
    return spent, spent_cpu


def _euros(column: str) -> pl.Expr:
    """Cents as an exact decimal text (12345 → "123.45"); floats would print 100.10000000000001."""
    cents = pl.col(column)
    return pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))


def write_csv(shop: Shop, path: Path) -> int:
    """Every order as one generic-format CSV file (as if one tool had sold everything);
    returns the number of orders. Partly refunded orders are left out: the file would need
    their refunded amount, which the throughput measurement does not depend on."""
    people = shop.contacts.unique("source_contact_id", keep="first")
    table = (
        shop.orders.join(shop.items.select("source_order_id", "product_name"), on="source_order_id")
        .join(people.drop("source"), on="source_contact_id")
        .select(
            pl.col("source_order_id").alias("order_id"),
            pl.col("ordered_at").dt.strftime("%Y-%m-%d %H:%M:%S").alias("date"),
            "email",
            "first_name",
            "last_name",
            "country",
            "city",
            pl.col("product_name").alias("product"),
            _euros("gross_cents").alias("amount"),
            _euros("tax_cents").alias("tax"),
            "status",
            "kind",
            pl.col("source_contact_id").alias("customer_id"),
        )
        .filter(~pl.col("status").is_in(["partially_refunded"]))
    )
    table.write_csv(path)
    return table.height
