"""The benchmark at a tiny size: its three implementations must compute the same figures.

Timing is not tested (it depends on the machine); correctness of the comparison is: a benchmark
whose pandas or DuckDB side computes something else than the product measures nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.figures import Figures
from bench.run import compute_figures, disagreements, import_orders, main, measure


@pytest.fixture(scope="module")
def bench_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    url, imported = import_orders(path, 3_000, None)
    assert imported["orders"] == 3_000
    return url


@pytest.fixture(scope="module")
def figures(bench_url: str) -> dict[str, Figures]:
    return compute_figures(bench_url)


def test_the_three_implementations_agree(figures: dict[str, Figures]) -> None:
    assert disagreements(figures) == []


def test_the_figures_compared_are_not_trivial(figures: dict[str, Figures]) -> None:
    product = figures["product"]
    assert all(product.kpis[name] > 0 for name in product.kpis)
    assert 0 < product.filtered["customers"] < product.kpis["customers"]
    assert sum(1 for persons in product.segments.values() if persons) >= 5
    assert product.matrix["total"] == sum(
        product.matrix[label] for label in ("Digistore24", "Shop", "sevDesk")
    )
    assert len(product.months) == 24
    assert sum(month[3] for month in product.months) > 0  # somebody became lost


def test_a_wrong_figure_is_reported(figures: dict[str, Figures]) -> None:
    pandas = figures["pandas"]
    broken = replace(pandas, kpis={**pandas.kpis, "revenue": pandas.kpis["revenue"] + 1})
    problems = disagreements({**figures, "pandas": broken})
    assert len(problems) == 1
    assert problems[0].startswith("pandas: kpis[revenue]")


def test_every_step_is_timed_for_the_product(bench_url: str) -> None:
    timings, peak = measure("product", bench_url, repeat=1)
    assert set(timings) == {"cold", "overview", "filter", "rfm", "matrix", "list", "clv"}
    assert all(len(t.wall) == 1 and t.wall[0] >= 0 for t in timings.values())
    assert peak > 0


def test_the_command_writes_results(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    code = main(
        [
            "--orders=2000",
            "--repeat=1",
            "--csv-orders=300",
            f"--db={tmp_path / 'run.db'}",
            f"--results={results}",
        ]
    )
    assert code == 0
    text = results.read_text(encoding="utf-8")
    assert "orders/s" in text
    assert "| cold start: database → frames and per-person values |" in text
