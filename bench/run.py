"""Benchmark: the product next to pandas and DuckDB on the same generated shop data.

    .venv/bin/python -m bench.run --orders 1000000 [--repeat 5] [--results bench/RESULTS.md]

1. Generates ``--orders`` orders (:mod:`bench.generate`) and imports them into a fresh SQLite
   file through the product's ingest (:mod:`bench.load`): import throughput. ``--csv-orders``
   more go through the file import (``python -m kundenwert import``) into another file.
2. Computes the figures (:mod:`bench.figures`) with all three and stops if any differ.
3. Times every step ``--repeat`` times, each implementation in a process of its own so that
   its peak memory (``ru_maxrss``) is its own. Wall and CPU seconds are both reported: on a
   shared machine the CPU seconds are the steadier measure of the work done.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import with_duckdb, with_pandas
from bench.figures import Figures, Params, matrix_totals, product_figures
from bench.generate import generate
from bench.load import load as ingest_shop
from bench.load import write_csv
from kundenwert.customers import build_dataset, customer_matrix, customer_page
from kundenwert.db import get_engine
from kundenwert.frames import cpu_count, load_frames
from kundenwert.segments import build_context

STEPS = (
    ("cold", "cold start: database → frames and per-person values"),
    ("overview", "Übersicht: KPIs of a year and 24 months of new/returning/lost"),
    ("filter", "filter change: country + product + another range"),
    ("rfm", "RFM page: scores and segments of every person"),
    ("matrix", "Kundenmatrix: persons × sources"),
    ("list", "customer list: sort by value, page 1 and page 100"),
    ("clv", "CLV fit (BG/NBD + Gamma-Gamma) and predictions"),
)
IMPLEMENTATIONS = ("product", "pandas", "duckdb")


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]
    peak: int = 0  # bytes resident at most during the step (0: unknown)


def timed(action: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    wall, cpu, result = [], [], None
    reset_peak_memory()
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return Timing(wall, cpu, peak_memory()), result


def _product_steps(url: str, p: Params) -> dict[str, Callable[[], Any]]:
    from bench.figures import product_filtered, product_kpis, product_months, product_segments
    from kundenwert.clv import predict

    ds = build_dataset(load_frames(url))
    ctx = build_context(ds, p.today)  # the app caches it per data version, as the dataset
    return {
        "cold": lambda: build_dataset(load_frames(url)),
        "overview": lambda: (product_kpis(ds, p), product_months(ds, p)),
        "filter": lambda: product_filtered(ds, p, ctx),
        "rfm": lambda: product_segments(ds, p),
        "matrix": lambda: matrix_totals(customer_matrix(ds)),
        "list": lambda: (
            customer_page(ds.customers, sort_by="value"),
            customer_page(ds.customers, sort_by="value", page=100),
        ),
        "clv": lambda: predict(ds, p.end),
    }


def _pandas_steps(path: str, p: Params) -> dict[str, Callable[[], Any]]:
    t = with_pandas.load(path)

    def page(number: int) -> Any:
        ordered = t.persons.reset_index().sort_values(
            ["value", "person_id"], ascending=[False, True]
        )
        return ordered.iloc[(number - 1) * 50 : number * 50]

    return {
        "cold": lambda: with_pandas.load(path),
        "overview": lambda: (
            with_pandas.kpis(t.orders, p.start, p.end, p),
            with_pandas.months(t, p),
        ),
        "filter": lambda: with_pandas.filtered_kpis(t, p),
        "rfm": lambda: with_pandas.segments(t, p),
        "matrix": lambda: with_pandas.matrix(t),
        "list": lambda: (page(1), page(100)),
    }


def _duckdb_steps(url: str, p: Params) -> dict[str, Callable[[], Any]]:
    con = with_duckdb.load(url)
    page = (
        "SELECT person_id, SUM(value) AS value FROM ov WHERE counted GROUP BY person_id "
        "ORDER BY value DESC, person_id LIMIT 50 OFFSET ?"
    )
    return {
        "cold": lambda: with_duckdb.load(url),
        "overview": lambda: (with_duckdb.kpis(con, p.start, p.end, p), with_duckdb.months(con, p)),
        "filter": lambda: with_duckdb.filtered_kpis(con, p),
        "rfm": lambda: with_duckdb.segments(con, p),
        "matrix": lambda: with_duckdb.matrix(con),
        "list": lambda: (
            con.execute(page, [0]).fetchall(),
            con.execute(page, [99 * 50]).fetchall(),
        ),
    }


def measure(implementation: str, url: str, repeat: int) -> tuple[dict[str, Timing], int]:
    """Times every step of one implementation; returns the timings and peak RSS in bytes."""
    p = Params()
    path = url.removeprefix("sqlite:///")
    steps = {
        "product": lambda: _product_steps(url, p),
        "pandas": lambda: _pandas_steps(path, p),
        "duckdb": lambda: _duckdb_steps(url, p),
    }[implementation]()
    timings = {name: timed(action, repeat)[0] for name, action in steps.items()}
    return timings, max(t.peak for t in timings.values())


def reset_peak_memory() -> None:
    """Start a new VmHWM from the current resident size (Linux ≥ 4.0), so that the peak of
    each step is its own; elsewhere the peaks only grow."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory() -> int:
    """Peak resident memory of this process in bytes.

    Linux's VmHWM, not ``ru_maxrss``: the latter survives exec, so a freshly spawned worker
    would report its parent's peak when that was higher.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def compute_figures(
    url: str, implementations: tuple[str, ...] = IMPLEMENTATIONS
) -> dict[str, Figures]:
    """The figures of every implementation (the correctness check of the benchmark)."""
    p = Params()
    compute = {
        "product": lambda: product_figures(build_dataset(load_frames(url)), p),
        "pandas": lambda: with_pandas.figures(with_pandas.load(url.removeprefix("sqlite:///")), p),
        "duckdb": lambda: with_duckdb.figures(with_duckdb.load(url), p),
    }
    return {name: compute[name]() for name in ("product", *implementations) if name in compute}


def disagreements(figures: dict[str, Figures]) -> list[str]:
    product = figures["product"]
    return [
        f"{name}: {problem}"
        for name in figures
        if name != "product"
        for problem in product.differences(figures[name])
    ]


def fresh_database(path: Path) -> str:
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    get_engine(url)  # creates and migrates
    return url


def import_orders(path: Path, orders: int, persons: int | None) -> tuple[str, dict[str, float]]:
    shop = generate(orders, persons)
    url = fresh_database(path)
    wall, cpu = ingest_shop(get_engine(url), shop)
    return url, {
        "orders": orders,
        "persons": shop.contacts["person"].n_unique(),
        "wall": wall,
        "cpu": cpu,
    }


def import_csv(path: Path, orders: int) -> dict[str, float]:
    """The file import end to end (read, check, parse, ingest) of ``orders`` orders."""
    from kundenwert.importer import import_file

    shop = generate(orders)
    csv = path.with_suffix(".csv")
    rows = write_csv(shop, csv)
    url = fresh_database(path)
    data = csv.read_bytes()
    started, started_cpu = time.perf_counter(), time.process_time()
    report = import_file(get_engine(url), data, csv.name, "Shop")
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {"orders": report.orders_added, "rows": rows, "wall": wall, "cpu": cpu}


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}"


def _spread(values: list[float]) -> str:
    return f"{min(values):.3f}–{max(values):.3f}"


def results_table(results: dict[str, tuple[dict[str, Timing], int]]) -> str:
    implementations = list(results)
    head = "| step | " + " | ".join(
        f"{impl} wall s (min–max) | {impl} CPU s" for impl in implementations
    )
    lines = [head + " |", "|---" * (1 + 2 * len(implementations)) + "|"]
    for step, label in STEPS:
        cells = []
        for impl in implementations:
            timing = results[impl][0].get(step)
            if timing is None:
                cells += ["—", "—"]
            else:
                cells += [f"{_median(timing.wall)} ({_spread(timing.wall)})", _median(timing.cpu)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for label, peak in (
        ("peak memory during the cold start (VmHWM)", lambda i: results[i][0]["cold"].peak),
        ("peak memory of all steps (VmHWM)", lambda i: results[i][1]),
    ):
        cells = [f"{peak(i) / 2**20:,.0f} MiB | —" for i in implementations]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PHYS_PAGES") * resource.getpagesize() / 2**30
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("polars", "pandas", "duckdb", "connectorx", "SQLAlchemy")
    )
    return (
        f"{model or platform.processor()}, {cpu_count()} cores usable, {memory:.0f} GiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"{packages}; SQLite {sqlite3.sqlite_version}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=None, help="default: orders / 5")
    parser.add_argument("--db", type=Path, default=Path("/tmp/kundenwert-bench.db"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv-orders", type=int, default=100_000)
    parser.add_argument("--results", type=Path, help="write the results as Markdown here")
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="measure the import (ingest and CSV file) and stop: no figures, no steps",
    )
    parser.add_argument(
        "--implementations",
        default=",".join(IMPLEMENTATIONS),
        help="comma-separated, from: product, pandas, duckdb (the product is always checked)",
    )
    args = parser.parse_args(argv)

    url, imported = import_orders(args.db, args.orders, args.persons)
    print(
        f"import: {imported['orders']:,} orders in {imported['wall']:.1f} s wall "
        f"({imported['orders'] / imported['wall']:,.0f} orders/s), {imported['cpu']:.1f} s CPU",
        flush=True,
    )
    csv = (
        import_csv(args.db.with_name(args.db.stem + "-csv.db"), args.csv_orders)
        if args.csv_orders
        else None
    )
    if csv:
        print(
            f"csv import: {csv['orders']:,} orders in {csv['wall']:.1f} s wall "
            f"({csv['orders'] / csv['wall']:,.0f} orders/s), {csv['cpu']:.1f} s CPU",
            flush=True,
        )
    if args.import_only:
        return 0

    chosen = tuple(name for name in IMPLEMENTATIONS if name in args.implementations.split(","))
    problems = disagreements(compute_figures(url, chosen))
    if problems:
        print("the implementations disagree:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    print("figures agree: " + " = ".join(("product", *(c for c in chosen if c != "product"))))

    context = multiprocessing.get_context("spawn")
    results = {}
    for implementation in chosen:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            results[implementation] = pool.submit(
                measure, implementation, url, args.repeat
            ).result()
        print(f"measured {implementation}", flush=True)
    table = results_table(results)
    print(table)
    if args.results:
        args.results.write_text(report(args, imported, csv, table), encoding="utf-8")
    return 0


def _rate(orders: float, seconds: float) -> str:
    return f"{orders / seconds:,.0f}" if seconds > 0 else "—"


def report(
    args: argparse.Namespace,
    imported: dict[str, float],
    csv: dict[str, float] | None,
    table: str,
) -> str:
    n = imported["orders"]
    lines = [
        "# Benchmark results",
        "",
        f"Run on {date.today().isoformat()} with `python -m bench.run --orders {args.orders} "
        f"--repeat {args.repeat} --csv-orders {args.csv_orders}`.",
        "",
        f"Machine: {machine()}.",
        "",
        f"Data: {n:,} orders of {imported['persons']:,.0f} persons (bench/generate.py).",
        "",
        "## Import",
        "",
        f"- ingest (the path of every connector): {_rate(n, imported['wall'])} orders/s wall, "
        f"{_rate(n, imported['cpu'])} orders per CPU second",
    ]
    if csv:
        lines.append(
            f"- CSV file import end to end ({csv['orders']:,} orders): "
            f"{_rate(csv['orders'], csv['wall'])} orders/s wall, "
            f"{_rate(csv['orders'], csv['cpu'])} per CPU second"
        )
    lines += ["", "## Steps", "", f"Median over {args.repeat} runs.", "", table, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
