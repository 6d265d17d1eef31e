"""Load the tables into Polars frames — the one place where metrics get their data.

Columnar reading with ConnectorX (never through ORM objects): on 1,000,000 orders this is the
difference between well under a second and many seconds. ADBC's SQLite driver was rejected: it
infers column types from the first rows and fails when a column starts with NULLs.
Datetimes come back as naive UTC, booleans as Boolean, whatever the database.

ConnectorX reads SQLite one row at a time on one core (about 1 µs per order row), so a large
table is read in slices of its id range on all cores at once (``partition_on``): on two cores
1,000,000 orders load in 0.9 s instead of 1.6 s (bench/RESULTS.md). Slices keep the id order of
a single query.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import polars as pl
from sqlalchemy.engine import make_url

from kundenwert.db import DATABASE_LOCK

_DT = pl.Datetime("us")
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "source": {
        "id": pl.Int64(),
        "kind": pl.String(),
        "label": pl.String(),
        "counts_towards_totals": pl.Boolean(),
        "base_url": pl.String(),
        "last_import_at": _DT,
        "last_status": pl.String(),
    },
    "person": {"id": pl.Int64(), "created_at": _DT},
    "contact": {
        "id": pl.Int64(),
        "source_id": pl.Int64(),
        "source_contact_id": pl.String(),
        "person_id": pl.Int64(),
        "email": pl.String(),
        "first_name": pl.String(),
        "last_name": pl.String(),
        "company": pl.String(),
        "country": pl.String(),
        "city": pl.String(),
        "postcode": pl.String(),
        "created_at": _DT,
        "url": pl.String(),
    },
    "orders": {
        "id": pl.Int64(),
        "source_id": pl.Int64(),
        "source_order_id": pl.String(),
        "contact_id": pl.Int64(),
        "ordered_at": _DT,
        "currency": pl.String(),
        "gross_cents": pl.Int64(),
        "net_cents": pl.Int64(),
        "tax_cents": pl.Int64(),
        "fee_cents": pl.Int64(),
        "status": pl.String(),
        "kind": pl.String(),
        "payment_id": pl.String(),
        "is_sandbox": pl.Boolean(),
        "url": pl.String(),
    },
    "order_item": {
        "id": pl.Int64(),
        "order_id": pl.Int64(),
        "product_id": pl.String(),
        "product_name": pl.String(),
        "quantity": pl.Int64(),
        "amount_cents": pl.Int64(),
    },
    "refund": {
        "id": pl.Int64(),
        "order_id": pl.Int64(),
        "source_refund_id": pl.String(),
        "refunded_at": _DT,
        "amount_cents": pl.Int64(),
        "reason": pl.String(),
    },
    "exchange_rate": {"currency": pl.String(), "day": pl.Date(), "rate": pl.String()},
}


@dataclass(frozen=True)
class Frames:
    sources: pl.DataFrame
    persons: pl.DataFrame
    contacts: pl.DataFrame
    orders: pl.DataFrame
    items: pl.DataFrame
    refunds: pl.DataFrame
    rates: pl.DataFrame


def connectorx_uri(url: str) -> str:
    """SQLAlchemy URL → the URI ConnectorX understands (driver suffix dropped)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite://{parsed.database}" if parsed.database else "sqlite://:memory:"
    if backend == "postgresql":
        return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database for columnar loading: {backend}")


def _normalise(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        current = frame.schema[name]
        if isinstance(dtype, pl.Datetime):
            if isinstance(current, pl.Datetime) and current.time_zone is not None:
                column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            elif current == pl.String():
                column = column.str.to_datetime(time_unit="us", strict=False)
        elif isinstance(dtype, pl.Date) and current == pl.String():
            column = column.str.to_date(strict=False)
        elif isinstance(dtype, pl.Boolean) and current != pl.Boolean():
            column = column.cast(pl.Int64) != 0
        columns.append(column.cast(dtype).alias(name))
    return frame.select(columns)


# Tables with an integer id that can grow large; only these are read in slices.
PARTITIONED = ("person", "contact", "orders", "order_item")
# Below this many rows the extra connections and range queries cost more than they save.
PARTITION_MIN_ROWS = 50_000
MAX_PARTITIONS = 8


def cpu_count() -> int:
    """Cores this process may run on (a container's limit, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class IdRange:
    """Smallest and largest id of a table and the rows between: what slicing it needs."""

    rows: int
    low: int
    high: int


def id_ranges(uri: str) -> dict[str, IdRange]:
    """Id range of every table in :data:`PARTITIONED`, in one query.

    ``rows`` is the width of the id range, an upper bound of the row count: MIN and MAX of a
    primary key are index look-ups, while COUNT(*) would scan every table once more.
    """
    parts = [
        f"(SELECT COALESCE(MIN(id), 0) FROM {t}) AS lo_{t}, "
        f"(SELECT COALESCE(MAX(id), -1) FROM {t}) AS hi_{t}"  # fixed identifiers, no user input
        for t in PARTITIONED
    ]
    row = pl.read_database_uri("SELECT " + ", ".join(parts), uri, engine="connectorx").row(0)
    spans = {}
    for i, table in enumerate(PARTITIONED):
        low, high = int(row[2 * i]), int(row[2 * i + 1])
        spans[table] = IdRange(rows=high - low + 1, low=low, high=high)
    return spans


def _partitions(span: IdRange | None) -> int:
    if span is None or span.rows < PARTITION_MIN_ROWS:
        return 1
    return max(1, min(cpu_count(), MAX_PARTITIONS))


def read_table(uri: str, table: str, span: IdRange | None = None) -> pl.DataFrame:
    """One table as a typed frame; ``span`` (from :func:`id_ranges`) lets a large table be
    read in id slices on several cores."""
    schema = SCHEMAS[table]
    query = f"SELECT {', '.join(schema)} FROM {table}"
    partitions = _partitions(span)
    if span is not None and partitions > 1:
        frame = pl.read_database_uri(
            query,
            uri,
            engine="connectorx",
            partition_on="id",
            partition_num=partitions,
            partition_range=(span.low, span.high),
        ).sort("id")  # slices arrive in the order they finish; keep the id order of one read
    else:
        frame = pl.read_database_uri(query, uri, engine="connectorx")
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return _normalise(frame, schema)


def load_frames(url: str) -> Frames:
    """Every table the metrics need, as typed Polars frames."""
    uri = connectorx_uri(url)
    with DATABASE_LOCK:
        return _load(uri)


def _load(uri: str) -> Frames:
    spans = id_ranges(uri)
    return Frames(
        sources=read_table(uri, "source"),
        persons=read_table(uri, "person", spans["person"]),
        contacts=read_table(uri, "contact", spans["contact"]),
        orders=read_table(uri, "orders", spans["orders"]),
        items=read_table(uri, "order_item", spans["order_item"]),
        refunds=read_table(uri, "refund"),
        rates=read_table(uri, "exchange_rate"),
    )


def data_version(url: str) -> str:
    """A cheap fingerprint that changes whenever data the frames depend on changes.

    Caches key on it: row counts and highest ids of every table, plus the settings and the
    merge log (a merge or split moves contacts between persons without adding rows).
    """
    uri = connectorx_uri(url)
    parts = [
        f"(SELECT COUNT(*) FROM {table}) AS n_{table}"  # fixed identifiers, no user input
        for table in ("source", "person", "contact", "orders", "order_item", "refund")
    ]
    parts += [
        "(SELECT COALESCE(MAX(id), 0) FROM merge_log) AS merges",
        "(SELECT COUNT(*) FROM merge_log WHERE undone_at IS NOT NULL) AS undone",
        # a GDPR erasure blanks names and e-mails without changing any count
        "(SELECT COUNT(*) FROM gdpr_erasure) AS erasures",
        "(SELECT COUNT(*) FROM exchange_rate) AS rates",
        "(SELECT COALESCE(MAX(id), 0) FROM orders) AS max_order",
        "(SELECT COALESCE(CAST(MAX(last_import_at) AS TEXT), '') FROM source) AS last_import",
        # auth.*: the login's hash and failure count (kundenwert.auth) change no figure
        "(SELECT COALESCE(STRING_AGG(value_json, ','), '') FROM setting "
        "WHERE key NOT LIKE 'auth.%') AS settings",
        # a sync may only update rows; a renamed or no longer counted source changes no count
        "(SELECT COALESCE(MAX(id), 0) FROM sync_run) AS syncs",
        "(SELECT COALESCE(STRING_AGG(CAST(id AS TEXT) || ':' || label || ':' || "
        "CAST(counts_towards_totals AS TEXT), ','), '') FROM source) AS source_settings",
    ]
    query = "SELECT " + ", ".join(parts)
    if uri.startswith("sqlite"):
        query = query.replace("STRING_AGG(", "GROUP_CONCAT(")
    row = pl.read_database_uri(query, uri, engine="connectorx").row(0)
    return "|".join(str(v) for v in row)
