"""The benchmark figures in DuckDB SQL.

DuckDB cannot read the SQLite file without its ``sqlite`` extension, which it downloads on
first use; the benchmark stays offline, so the tables reach DuckDB as Arrow tables read by
ConnectorX (the product's reader) and are copied into DuckDB tables. The per-order values
(``ov``) and per-person aggregates (``people``) are materialised once: that is DuckDB's cold
start. Every figure is then one SQL query. Definitions as in :mod:`bench.with_pandas`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from bench.figures import COUNTED, FULLY_REFUNDED, INVOICING_KINDS, Figures, Params
from kundenwert.frames import connectorx_uri
from kundenwert.rfm import DEFAULT_GRID, SEGMENTS

_TABLES = {
    "orders": "SELECT id, source_id, contact_id, ordered_at, gross_cents, status, kind FROM orders",
    "contact": "SELECT id, person_id, country FROM contact",
    "refund": "SELECT order_id, amount_cents, reason FROM refund",
    "order_item": "SELECT order_id, product_name FROM order_item",
    "source": "SELECT id, label, kind FROM source",
}


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # fixed constants, no user input


def load(url: str) -> duckdb.DuckDBPyConnection:
    """Database → DuckDB tables, per-order values ``ov`` and per-person ``people``."""
    uri = connectorx_uri(url)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name, query in _TABLES.items():
        con.register(f"{name}_arrow", pl.read_database_uri(query, uri, engine="connectorx"))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")
    con.execute("CREATE TABLE grid (r INTEGER, fm INTEGER, segment VARCHAR)")
    con.executemany(
        "INSERT INTO grid VALUES (?, ?, ?)", [[r, fm, s] for (r, fm), s in DEFAULT_GRID.items()]
    )
    con.execute(
        f"""
        CREATE TABLE ov AS
        WITH r AS (
            SELECT order_id, SUM(amount_cents) AS refund_sum FROM refund
            WHERE reason <> 'chargeback' GROUP BY order_id
        ), o AS (
            SELECT o.id AS order_id, c.person_id, o.source_id, o.gross_cents, o.kind,
                CAST(timezone('Europe/Berlin', timezone('UTC', o.ordered_at)) AS DATE) AS day,
                o.status IN ({_sql_list(COUNTED)}) AS counted,
                CASE WHEN o.status IN ({_sql_list(FULLY_REFUNDED)}) THEN o.gross_cents
                     ELSE LEAST(COALESCE(r.refund_sum, 0), o.gross_cents) END AS refund_gross
            FROM orders o JOIN contact c ON c.id = o.contact_id
            LEFT JOIN r ON r.order_id = o.id
        )
        SELECT order_id, person_id, source_id, gross_cents, kind, day, counted,
            counted AND gross_cents >= 0 AS sale,
            CASE WHEN counted THEN refund_gross ELSE 0 END AS refunded,
            CASE WHEN counted THEN gross_cents - refund_gross ELSE 0 END AS value
        FROM o
        """
    )
    con.execute(
        """
        CREATE TABLE people AS
        WITH firsts AS (SELECT person_id, MIN(day) AS first_day FROM ov WHERE sale GROUP BY 1)
        SELECT c.person_id, arg_max(c.country, c.id) FILTER (WHERE c.country IS NOT NULL)
                AS country,
            ANY_VALUE(f.first_day) AS first_day
        FROM contact c LEFT JOIN firsts f ON f.person_id = c.person_id GROUP BY c.person_id
        """
    )
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> tuple[Any, ...]:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return row


_KPIS = """
WITH o AS (SELECT * FROM ov WHERE {where}),
sales AS (SELECT * FROM o WHERE sale),
days AS (SELECT DISTINCT person_id, day FROM sales),
gaps AS (
    SELECT person_id, day + CAST(? AS INTEGER) AS lost_day,
        LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day
    FROM days
),
lost AS (
    SELECT person_id, lost_day FROM gaps
    WHERE (next_day IS NULL OR next_day > lost_day) AND lost_day <= ?
),
firsts AS (SELECT person_id, MIN(day) AS first_day FROM sales GROUP BY person_id),
buyers AS (SELECT DISTINCT person_id FROM sales WHERE day BETWEEN ? AND ?)
SELECT
    (SELECT COUNT(*) FROM buyers),
    (SELECT COUNT(*) FROM firsts WHERE first_day BETWEEN ? AND ?),
    (SELECT COUNT(*) FROM buyers b WHERE EXISTS (
        SELECT 1 FROM sales s WHERE s.person_id = b.person_id AND s.day < ?)),
    (SELECT COUNT(DISTINCT person_id) FROM lost WHERE lost_day BETWEEN ? AND ?),
    (SELECT COALESCE(SUM(value), 0) FROM o WHERE counted AND day BETWEEN ? AND ?),
    (SELECT COUNT(*) FROM sales WHERE day BETWEEN ? AND ?),
    (SELECT COALESCE(SUM(refunded), 0) FROM o WHERE counted AND day BETWEEN ? AND ?)
"""
KPI_KEYS = (
    "customers",
    "new_customers",
    "returning_customers",
    "lost_customers",
    "revenue",
    "orders",
    "refunds",
)


def kpis(
    con: duckdb.DuckDBPyConnection, start: date, end: date, p: Params, where: str = "TRUE"
) -> dict[str, int]:
    params: list[Any] = [p.inactivity_days, p.today, start, end, start, end, start]
    params += [start, end] * 4
    row = _one(con, _KPIS.format(where=where), params)
    return {key: int(value) for key, value in zip(KPI_KEYS, row, strict=True)}


def filtered_kpis(con: duckdb.DuckDBPyConnection, p: Params) -> dict[str, int]:
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE chosen AS
        SELECT DISTINCT ov.person_id FROM ov
        JOIN order_item i ON i.order_id = ov.order_id
        JOIN people ON people.person_id = ov.person_id
        WHERE ov.sale AND i.product_name = ? AND upper(people.country) = ?
        """,
        [p.product, p.country],
    )
    where = "person_id IN (SELECT person_id FROM chosen)"
    return kpis(con, p.filter_start, p.filter_end, p, where)


def segments(con: duckdb.DuckDBPyConnection, p: Params) -> dict[str, int]:
    rows = con.execute(
        """
        WITH stats AS (
            SELECT person_id, MAX(day) FILTER (WHERE sale) AS last_day,
                COUNT(DISTINCT day) FILTER (WHERE sale) AS frequency, SUM(value) AS monetary
            FROM ov WHERE counted AND day <= ? GROUP BY person_id
            HAVING COUNT(*) FILTER (WHERE sale) > 0
        ), scored AS (
            SELECT
                (RANK() OVER (ORDER BY date_diff('day', last_day, ?) DESC) - 1) * 5
                    // COUNT(*) OVER () + 1 AS r,
                (RANK() OVER (ORDER BY frequency) - 1) * 5 // COUNT(*) OVER () + 1 AS f,
                (RANK() OVER (ORDER BY monetary) - 1) * 5 // COUNT(*) OVER () + 1 AS m
            FROM stats
        )
        SELECT g.segment, COUNT(*) FROM scored s
        JOIN grid g ON g.r = s.r AND g.fm = (s.f + s.m + 1) // 2
        GROUP BY g.segment
        """,
        [p.end, p.end],
    ).fetchall()
    counts = dict(rows)
    return {s: int(counts.get(s, 0)) for s in SEGMENTS}


def matrix(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        "SELECT s.label, COALESCE(SUM(ov.value), 0) FROM source s "
        "LEFT JOIN ov ON ov.source_id = s.id AND ov.counted GROUP BY s.label"
    ).fetchall()
    totals = {label: int(value) for label, value in rows}
    invoices, total, persons = _one(
        con,
        f"""
        SELECT COALESCE(SUM(value) FILTER (WHERE s.kind IN ({_sql_list(INVOICING_KINDS)})), 0),
            COALESCE(SUM(value), 0), COUNT(DISTINCT person_id)
        FROM ov JOIN source s ON s.id = ov.source_id WHERE counted
        """,
        [],
    )
    return {**totals, "from_invoices": int(invoices), "total": int(total), "persons": persons}


_MONTHS = """
WITH o AS (SELECT *, greatest(date_trunc('month', day), CAST(? AS DATE)) AS period FROM ov
           WHERE day BETWEEN ? AND ?),
visits AS (
    SELECT DISTINCT o.person_id, o.period, p.first_day >= o.period AS new
    FROM o JOIN people p ON p.person_id = o.person_id WHERE o.sale
),
days AS (SELECT DISTINCT person_id, day FROM ov WHERE sale),
gaps AS (
    SELECT person_id, day + CAST(? AS INTEGER) AS lost_day,
        LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day
    FROM days
),
lost AS (
    SELECT greatest(date_trunc('month', lost_day), CAST(? AS DATE)) AS period,
        COUNT(DISTINCT person_id) AS lost
    FROM gaps WHERE (next_day IS NULL OR next_day > lost_day) AND lost_day <= ?
        AND lost_day BETWEEN ? AND ?
    GROUP BY 1
),
months AS (
    SELECT DISTINCT greatest(CAST(m AS DATE), CAST(? AS DATE)) AS period
    FROM range(date_trunc('month', CAST(? AS DATE)), CAST(? AS DATE) + INTERVAL 1 DAY,
        INTERVAL 1 MONTH) t(m)
)
SELECT m.period,
    (SELECT COUNT(*) FROM visits v WHERE v.period = m.period AND v.new),
    (SELECT COUNT(*) FROM visits v WHERE v.period = m.period AND NOT v.new),
    COALESCE((SELECT lost FROM lost l WHERE l.period = m.period), 0),
    (SELECT COALESCE(SUM(value), 0) FROM o WHERE o.period = m.period AND o.counted)
FROM months m ORDER BY m.period
"""


def months(con: duckdb.DuckDBPyConnection, p: Params) -> list[tuple[date, int, int, int, int]]:
    lo, hi = p.months_start, p.months_end
    params = [lo, lo, hi, p.inactivity_days, lo, p.today, lo, hi, lo, lo, hi]
    rows = con.execute(_MONTHS, params).fetchall()
    return [(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def figures(con: duckdb.DuckDBPyConnection, p: Params) -> Figures:
    return Figures(
        kpis=kpis(con, p.start, p.end, p),
        filtered=filtered_kpis(con, p),
        segments=segments(con, p),
        matrix=matrix(con),
        months=months(con, p),
    )
