"""The shared CLI filters and saved segments: the shop of tests/test_segments.py.

Anna (DE, Berlin, Kurs + Buch, 120,00 €), Ben (DE, München, Buch, 30,00 €), Carla (AT, Wien,
sevDesk, 500,00 €), Dora (CH, pending only), Emil (DE, sevDesk Kurs, 10,00 €).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kundenwert import cli
from kundenwert.db import get_engine
from kundenwert.saved_segments import (
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    rename_segment,
    update_segment,
)
from kundenwert.segments import Facets, SegmentDefinition, SegmentError, make_condition
from tests.test_segments import fill


@pytest.fixture
def shop() -> None:
    fill(get_engine())


def emails(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return sorted(row["email"] for row in json.loads(capsys.readouterr().out))


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert cli.main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_customers_filters_combine(shop, capsys):
    assert cli.main(["customers", "--country", "DE", "--product", "Kurs", "--format", "json"]) == 0
    assert emails(capsys) == ["anna@x.de", "emil@x.de"]
    argv = ["customers", "--country", "de,at", "--min-value", "30", "--max-value", "499,99"]
    assert cli.main([*argv, "--format", "json"]) == 0
    assert emails(capsys) == ["anna@x.de", "ben@x.de"]
    argv = ["customers", "--source", "sevDesk", "--customer-since-from", "2025-01-01"]
    assert cli.main([*argv, "--format", "json"]) == 0
    assert emails(capsys) == ["emil@x.de"]


def test_kpis_count_only_the_filtered_persons(shop, capsys):
    everybody = run_json(capsys, "kpis", "--from", "2025-01-01", "--to", "2025-03-31")
    germans = run_json(
        capsys, "kpis", "--from", "2025-01-01", "--to", "2025-03-31", "--country", "DE"
    )
    assert isinstance(everybody, dict) and isinstance(germans, dict)
    assert (everybody["customers"], everybody["revenue"]) == (3, 160.0)
    assert (germans["customers"], germans["revenue"]) == (3, 160.0)
    austria = run_json(
        capsys, "kpis", "--from", "2024-01-01", "--to", "2025-12-31", "--country", "AT"
    )
    assert isinstance(austria, dict)
    assert (austria["customers"], austria["revenue"], austria["orders"]) == (1, 500.0, 1)


def test_lifecycle_counts_only_the_filtered_persons(shop, capsys):
    argv = ["lifecycle", "--from", "2025-01-01", "--to", "2025-03-31", "--product", "Buch"]
    rows = run_json(capsys, *argv)
    assert isinstance(rows, list)
    assert [r["new_customers"] for r in rows] == [1, 1, 0]  # Anna in January, Ben in February
    assert sum(r["revenue"] for r in rows) == 150.0  # Anna's Kurs counts: she is in the filter


def test_rfm_lists_only_the_filtered_persons(shop, capsys):
    doc = run_json(capsys, "rfm", "--as-of", "2025-03-20", "--city", "Wien")
    assert isinstance(doc, dict)
    assert [p["email"] for p in doc["persons"]] == ["carla@x.de"]


def test_export_by_saved_segment(shop, tmp_path, capsys):
    definition = SegmentDefinition(
        match="any",
        conditions=[
            make_condition("value", "gt", 40000),
            make_condition("city", "is", ["München"]),
        ],
    )
    create_segment(get_engine(), "Wichtig", definition)
    target = tmp_path / "wichtig.csv"
    argv = ["export", "--segment", "wichtig", "--output", str(target), "--plain"]
    assert cli.main([*argv, "--columns", "email"]) == 0
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(r["E-Mail"] for r in rows) == ["ben@x.de", "carla@x.de"]
    assert capsys.readouterr().out.startswith("2 Kunden exportiert")
    # a segment and a filter together: both must match
    assert (
        cli.main(["customers", "--segment", "Wichtig", "--country", "AT", "--format", "json"]) == 0
    )
    assert emails(capsys) == ["carla@x.de"]


def test_an_unknown_segment_lists_the_known_ones(shop, tmp_path, capsys):
    create_segment(get_engine(), "Stammkunden", SegmentDefinition(facets=Facets(countries=["DE"])))
    target = tmp_path / "out.csv"
    assert cli.main(["export", "--segment", "VIP", "--output", str(target)]) == 1
    err = capsys.readouterr().err
    assert "Kein gespeichertes Segment „VIP“" in err and "„Stammkunden“" in err
    assert not target.exists()


def test_segments_save_list_show_delete(shop, capsys):
    assert cli.main(["segments", "save", "Deutsche", "--country", "DE", "--min-value", "20"]) == 0
    capsys.readouterr()
    assert [s["name"] for s in run_json(capsys, "segments", "list")] == ["Deutsche"]  # type: ignore[union-attr]
    assert cli.main(["segments", "show", "deutsche"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["definition"]["facets"]["countries"] == ["DE"]
    assert shown["definition"]["facets"]["min_value"] == 2000
    assert cli.main(["segments", "save", "Deutsche", "--country", "AT"]) == 1
    assert "gibt es schon" in capsys.readouterr().err
    assert cli.main(["customers", "--segment", "Deutsche", "--format", "json"]) == 0
    assert emails(capsys) == ["anna@x.de", "ben@x.de"]
    assert cli.main(["segments", "delete", "Deutsche"]) == 0
    assert list_segments(get_engine()) == []


def test_a_bad_filter_value_is_an_error_that_names_the_option(shop, capsys):
    assert cli.main(["kpis", "--from", "2025-01-01", "--to", "2025-03-31", "--min-value", "x"]) == 1
    assert "--min-value" in capsys.readouterr().err
    argv = ["customers", "--customer-since-from", "gestern"]
    assert cli.main(argv) == 1
    assert "--customer-since-from" in capsys.readouterr().err
    assert cli.main(["customers", "--rfm-segment", "Superstars"]) == 1
    assert "Unbekanntes RFM-Segment" in capsys.readouterr().err


# --- saved segments: create, rename, edit, delete --------------------------------------------


def test_saved_segment_crud(tmp_path: Path):
    engine = get_engine()
    first = SegmentDefinition(facets=Facets(countries=["DE"]))
    create_segment(engine, "  Top   Kunden ", first)
    assert [s.name for s in list_segments(engine)] == ["Top Kunden"]
    assert get_segment(engine, "top kunden").definition == first
    second = SegmentDefinition(conditions=[make_condition("orders", "gt", 1)])
    update_segment(engine, "Top Kunden", second)
    assert get_segment(engine, "Top Kunden").definition == second
    rename_segment(engine, "Top Kunden", "Beste Kunden")
    assert [s.name for s in list_segments(engine)] == ["Beste Kunden"]
    assert get_segment(engine, "Beste Kunden").definition == second
    delete_segment(engine, "beste kunden")
    assert list_segments(engine) == []


def test_a_duplicate_name_is_rejected_and_changes_nothing():
    engine = get_engine()
    create_segment(engine, "Stammkunden", SegmentDefinition(facets=Facets(countries=["DE"])))
    create_segment(engine, "Neue", SegmentDefinition(facets=Facets(countries=["AT"])))
    with pytest.raises(SegmentError, match="gibt es schon") as caught:
        create_segment(engine, "stammkunden", SegmentDefinition())
    assert "already exists" in caught.value.message("en")
    with pytest.raises(SegmentError, match="gibt es schon"):
        rename_segment(engine, "Neue", "STAMMKUNDEN")
    with pytest.raises(SegmentError, match="Namen"):
        create_segment(engine, "   ", SegmentDefinition())
    saved = {s.name: s.definition.facets.countries for s in list_segments(engine)}
    assert saved == {"Neue": ["AT"], "Stammkunden": ["DE"]}


def test_an_unknown_name_lists_the_saved_ones():
    engine = get_engine()
    create_segment(engine, "B-Kunden", SegmentDefinition())
    create_segment(engine, "A-Kunden", SegmentDefinition())
    with pytest.raises(SegmentError, match="„A-Kunden“, „B-Kunden“"):
        delete_segment(engine, "C-Kunden")
