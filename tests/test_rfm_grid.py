"""The owner's RFM grid: stored in the settings, validated, used by ``rfm`` and ``export``."""

import json

import polars as pl
import pytest
from sqlmodel import Session

from kundenwert import cli
from kundenwert.customers import load_dataset
from kundenwert.db import get_engine
from kundenwert.models import Setting
from kundenwert.preferences import (
    RFM_GRID_KEY,
    load_rfm_grid,
    reset_rfm_grid,
    save_rfm_grid,
    write_setting,
)
from kundenwert.rfm import (
    DEFAULT_GRID,
    SCORES,
    SEGMENTS,
    RfmGridError,
    grid_from_table,
    grid_to_table,
    regroup,
    score,
)
from tests.factories import contact, order, put


@pytest.fixture
def db(tmp_path, monkeypatch):
    """Anna bought once long ago, Ben three times recently (as of 2025-06-01)."""
    monkeypatch.setenv("KUNDENWERT_DATA_DIR", str(tmp_path))
    from kundenwert.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    put(
        engine,
        "Shop",
        [contact("a", "anna@x.de", first_name="Anna"), contact("b", "ben@y.de")],
        [
            order("1", "a", 1000, "2024-01-01"),
            order("2", "b", 5000, "2025-05-01"),
            order("3", "b", 5000, "2025-05-20"),
            order("4", "b", 5000, "2025-06-01"),
        ],
    )
    yield engine
    get_settings.cache_clear()
    get_engine.cache_clear()


def everything_is(segment: str) -> dict[tuple[int, int], str]:
    return {cell: segment for cell in DEFAULT_GRID}


def test_every_cell_of_the_default_grid_maps_to_exactly_one_known_segment():
    cells = [(r, fm) for r in SCORES for fm in SCORES]
    assert sorted(DEFAULT_GRID) == sorted(cells)
    assert all(DEFAULT_GRID[cell] in SEGMENTS for cell in cells)


def test_grid_table_round_trip_keeps_every_cell():
    grid = dict(DEFAULT_GRID)
    grid[(5, 1)] = "Champions"
    table = grid_to_table(grid)
    assert list(table) == ["5", "4", "3", "2", "1"]
    assert table["5"][0] == "Champions"
    assert grid_from_table(json.loads(json.dumps(table))) == grid


@pytest.mark.parametrize(
    "table",
    [
        {"5": ["Champions"] * 4},  # a row too short
        {str(r): ["Champions"] * 5 for r in (5, 4, 3, 2)},  # R 1 missing
        {**{str(r): ["Champions"] * 5 for r in SCORES}, "6": ["Lost"] * 5},  # outside
        {**{str(r): ["Champions"] * 5 for r in SCORES}, "3": ["Champions"] * 4 + ["Stars"]},
        {**{str(r): ["Champions"] * 5 for r in SCORES}, "2": ["Champions"] * 4 + [None]},
        ["Champions"] * 25,
    ],
)
def test_a_grid_that_does_not_map_every_cell_to_one_segment_is_rejected(table):
    with pytest.raises(RfmGridError):
        grid_from_table(table)


def test_without_a_saved_grid_the_default_applies(db):
    assert load_rfm_grid(db) == DEFAULT_GRID


def test_a_saved_grid_is_read_back_and_reset_removes_it(db):
    save_rfm_grid(db, everything_is("Lost"))
    assert load_rfm_grid(db) == everything_is("Lost")
    reset_rfm_grid(db)
    assert load_rfm_grid(db) == DEFAULT_GRID
    with Session(db) as session:
        assert session.get(Setting, RFM_GRID_KEY) is None


def test_an_invalid_grid_is_not_saved_and_the_old_one_stays(db):
    save_rfm_grid(db, everything_is("Lost"))
    broken = everything_is("Lost")
    del broken[(3, 3)]
    with pytest.raises(RfmGridError, match=r"\(3, 3\)"):
        save_rfm_grid(db, broken)
    with pytest.raises(RfmGridError):
        save_rfm_grid(db, {**everything_is("Lost"), (1, 1): "Superstars"})
    assert load_rfm_grid(db) == everything_is("Lost")


def test_a_stored_grid_that_no_longer_validates_falls_back_to_the_default(db):
    from kundenwert.db import session_scope

    with session_scope(db) as session:
        write_setting(session, RFM_GRID_KEY, {"5": ["Renamed"] * 5})
    assert load_rfm_grid(db) == DEFAULT_GRID


def test_regroup_gives_the_same_segments_as_scoring_on_that_grid(db):
    from datetime import date

    ds = load_dataset(get_engine().url.render_as_string(hide_password=False))
    grid = dict(DEFAULT_GRID)
    grid[(3, 3)] = "At Risk"  # Ben: R 3, F 3, M 3
    grid[(1, 1)] = "Champions"  # Anna: R 1, F 1, M 1
    as_of = date(2025, 6, 1)
    regrouped = regroup(score(ds, as_of), grid)
    direct = score(ds, as_of, grid=grid)
    assert regrouped.persons.equals(direct.persons)
    assert regrouped.segments.equals(direct.segments)
    assert set(regrouped.persons["segment"]) == {"At Risk", "Champions"}


def test_cli_rfm_uses_the_saved_grid(db, capsys):
    save_rfm_grid(db, everything_is("Hibernating"))
    assert cli.main(["rfm", "--as-of", "2025-06-01", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {p["segment"] for p in doc["persons"]} == {"Hibernating"}
    hibernating = next(s for s in doc["segments"] if s["segment"] == "Hibernating")
    assert hibernating["persons"] == 2


def test_export_by_rfm_segment_uses_the_saved_grid(db, tmp_path, capsys):
    target = tmp_path / "winterschlaf.csv"
    argv = ["export", "--rfm-segment", "Im Winterschlaf", "--output", str(target)]
    assert cli.main(argv) == 0
    default_rows = pl.read_csv(target, separator=";").height
    save_rfm_grid(db, everything_is("Hibernating"))
    assert cli.main([*argv, "--columns", "email,rfm_segment"]) == 0
    rows = pl.read_csv(target, separator=";")
    assert rows.height == 2 > default_rows
    assert set(rows["RFM-Segment"]) == {"Im Winterschlaf"}
