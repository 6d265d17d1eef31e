"""RFM page with AppTest: a clicked cell or segment row lists its persons, the movement table,
the grid editor in Einstellungen, and the column chooser of the downloads.

AppTest cannot click into a Plotly chart; a test puts the selection event the browser would
send (``points`` with the cell's ``customdata``) into the session state, as Streamlit does.
tests/test_browser_rfm.py clicks the real chart.
"""

# ruff: noqa: F811  (pytest fixtures imported from test_app are parameters here)
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

import ui_export
import ui_rfm
from kundenwert.customers import load_dataset
from kundenwert.db import get_engine
from kundenwert.models import Setting
from kundenwert.preferences import RFM_GRID_KEY, load_rfm_grid, save_rfm_grid
from kundenwert.rfm import DEFAULT_GRID, SEGMENTS, score
from tests.factories import contact, order, put
from tests.test_app import (  # noqa: F401  (fixtures, the autouse one included, must be visible)
    NBSP,
    database_url,
    demo_data,
    navigation_mode,
    open_app,
    person_id,
    small_business,
    texts,
)

RFM = "pages/rfm.py"
SETTINGS = "pages/einstellungen.py"
KUNDEN = "pages/kunden.py"


def click_cell(at: AppTest, r: int, fm: int) -> None:
    point = {"curve_number": 1, "point_number": 0, "point_index": 0, "x": str(fm), "y": str(r)}
    at.session_state["rfm_grid"] = {
        "selection": {
            "points": [{**point, "customdata": [r, fm]}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    assert not at.exception, at.exception


def click_segment_row(at: AppTest, segment: str) -> None:
    at.session_state["rfm_segments"] = {
        "selection": {"rows": [SEGMENTS.index(segment)], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception, at.exception


def listed(at: AppTest) -> list[int]:
    """Person numbers of the person list (the table with an ``fm`` column)."""
    for frame in at.dataframe:
        if "fm" in frame.value.columns:
            return [int(p) for p in frame.value["person_id"]]
    return []


def scores_on_the_page(url: str, at: AppTest) -> pl.DataFrame:
    as_of: date = at.date_input[0].value
    return score(load_dataset(url), as_of).persons


# --- which persons are listed -----------------------------------------------------------------


def test_selected_cell_reads_custom_data_or_the_axes():
    assert ui_rfm.selected_cell(None) is None
    assert ui_rfm.selected_cell({"selection": {"points": []}}) is None
    by_data = {"selection": {"points": [{"x": "2", "y": "4", "customdata": [3, 5]}]}}
    assert ui_rfm.selected_cell(by_data) == (3, 5)
    assert ui_rfm.selected_cell({"selection": {"points": [{"x": "2", "y": "4"}]}}) == (4, 2)
    assert ui_rfm.selected_cell({"selection": {"points": [{"x": "9", "y": "4"}]}}) is None


def test_clicking_a_cell_lists_its_persons_with_count_and_value(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    persons = scores_on_the_page(small_business, at)
    anna = person_id(small_business, "anna@beispiel.de")
    r, fm, segment = persons.filter(pl.col("person_id") == anna).select("r", "fm", "segment").row(0)
    in_cell = persons.filter((pl.col("r") == r) & (pl.col("fm") == fm))
    click_cell(at, r, fm)
    assert sorted(listed(at)) == sorted(in_cell["person_id"].to_list())
    assert anna in listed(at)
    label = at.session_state["rfm_focus"]
    assert (label.r, label.fm, label.segment) == (r, fm, segment)
    assert f"Zelle R {r} · FM {fm}" in texts(at)
    assert f"{in_cell.height} Personen, Wert 1.158,00{NBSP}€ (brutto)" in texts(at)
    assert f"{in_cell.height} Personen in der Datei" in texts(at)


def test_an_empty_cell_says_nobody_is_there(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    persons = scores_on_the_page(small_business, at)
    filled = set(persons.select("r", "fm").iter_rows())
    r, fm = next(cell for cell in DEFAULT_GRID if cell not in filled)
    click_cell(at, r, fm)
    assert listed(at) == []
    assert "Hier ist niemand" in texts(at)
    assert f"Zelle R {r} · FM {fm}" in texts(at)


def test_a_segment_row_after_a_cell_click_lists_the_segment(demo_data: str) -> None:
    at = open_app(RFM, range="all_time")
    persons = scores_on_the_page(demo_data, at)
    champions = persons.filter(pl.col("segment") == "Champions")
    r, fm = champions.select("r", "fm").row(0)
    click_cell(at, r, fm)
    in_cell = champions.filter((pl.col("r") == r) & (pl.col("fm") == fm))
    assert sorted(listed(at)) == sorted(in_cell["person_id"].to_list())
    lost = persons.filter(pl.col("segment") == "Lost")
    click_segment_row(at, "Lost")
    assert sorted(listed(at)) == sorted(lost["person_id"].to_list())
    assert f"Segment Verloren: {lost.height} Personen" in texts(at)
    # the select box follows the clicked row, and choosing in it wins again
    assert at.selectbox(key="rfm_segment__de").value == "Lost"
    at.selectbox(key="rfm_segment__de").set_value("Champions").run()
    assert sorted(listed(at)) == sorted(champions["person_id"].to_list())


def test_the_page_uses_the_grid_saved_in_the_settings(small_business: str) -> None:
    save_rfm_grid(get_engine(small_business), {cell: "Hibernating" for cell in DEFAULT_GRID})
    at = open_app(RFM, range="all_time")
    summary = next(f.value for f in at.dataframe if "avg_recency_days" in f.value.columns)
    hibernating = summary[summary["segment"] == "Im Winterschlaf"].iloc[0]
    assert hibernating["persons"] == 2
    assert at.selectbox(key="rfm_segment__de").options == ["Im Winterschlaf"]


def test_a_tiny_business_renders_and_every_filled_cell_can_be_clicked(data_dir: Path) -> None:
    engine = get_engine(database_url(data_dir))
    put(
        engine,
        "Shop",
        [contact(c, f"{c}@klein.de") for c in ("a", "b", "c")],
        [
            order("1", "a", 1000, "2025-01-10"),
            order("2", "b", 2000, "2025-02-10"),
            order("3", "c", 3000, "2025-03-10"),
        ],
    )
    at = open_app(RFM, range="all_time")
    assert "3 Personen bewertet" in texts(at)
    persons = scores_on_the_page(database_url(data_dir), at)
    for r, fm in set(persons.select("r", "fm").iter_rows()):
        click_cell(at, r, fm)
        expected = persons.filter((pl.col("r") == r) & (pl.col("fm") == fm))["person_id"]
        assert sorted(listed(at)) == sorted(expected.to_list())


def test_movement_lists_who_moved_between_two_days(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    at.date_input(key=f"rfm_move_from:{at.date_input[0].value}").set_value(date(2025, 3, 4))
    at.date_input(key=f"rfm_move_to:{at.date_input[0].value}").set_value(date(2025, 4, 30))
    at.run()
    assert not at.exception
    moves = next(f for f in at.dataframe if "segment_before" in f.value.columns)
    table = moves.value
    assert table["persons"].sum() >= 1
    at.session_state[moves.key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    first = table.iloc[0]
    heading = f"{first['persons']} Personen von {first['segment_before']} nach"
    assert heading in texts(at)


def test_movement_with_the_days_in_the_wrong_order_says_so(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    as_of = at.date_input[0].value
    at.date_input(key=f"rfm_move_from:{as_of}").set_value(date(2025, 4, 30))
    at.date_input(key=f"rfm_move_to:{as_of}").set_value(date(2025, 3, 4)).run()
    assert not at.exception
    assert "Der erste Tag muss vor dem zweiten liegen." in texts(at)


# --- grid editor in Einstellungen -------------------------------------------------------------


def editor_key() -> str:
    return "rfm_grid_editor:de:0"


def submit(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Raster speichern").click().run()
    assert not at.exception, at.exception


def test_editing_a_cell_saves_the_grid(small_business: str) -> None:
    at = open_app(SETTINGS)
    at.session_state[editor_key()] = {
        "edited_rows": {0: {"fm1": "Champions"}, 4: {"fm5": "Verloren"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    submit(at)
    grid = load_rfm_grid(get_engine(small_business))
    assert grid[(5, 1)] == "Champions"  # first row is R 5
    assert grid[(1, 5)] == "Lost"  # last row is R 1
    assert {cell: s for cell, s in grid.items() if cell not in {(5, 1), (1, 5)}} == {
        cell: s for cell, s in DEFAULT_GRID.items() if cell not in {(5, 1), (1, 5)}
    }
    assert "RFM-Raster gespeichert." in texts(at)
    assert "Neukunden" in texts(at)  # no cell left: listed as unused


def test_a_cell_without_segment_is_refused_and_nothing_is_saved(small_business: str) -> None:
    at = open_app(SETTINGS)
    at.session_state[editor_key()] = {
        "edited_rows": {2: {"fm3": None}, 0: {"fm1": "Champions"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    submit(at)
    assert "Nicht gespeichert" in texts(at)
    assert "R 3 · FM 3" in texts(at)
    with Session(get_engine(small_business)) as session:
        assert session.get(Setting, RFM_GRID_KEY) is None


def test_reset_to_default_removes_the_saved_grid(small_business: str) -> None:
    engine = get_engine(small_business)
    save_rfm_grid(engine, {cell: "Lost" for cell in DEFAULT_GRID})
    at = open_app(SETTINGS)
    reset = next(b for b in at.button if b.label == "Auf Standard zurücksetzen")
    assert not reset.disabled
    reset.click().run()
    assert not at.exception
    assert load_rfm_grid(engine) == DEFAULT_GRID
    assert "RFM-Raster auf den Standard zurückgesetzt." in texts(at)
    assert next(b for b in at.button if b.label == "Auf Standard zurücksetzen").disabled


# --- downloads with a column chooser ----------------------------------------------------------


def test_customer_list_offers_columns_with_german_labels(small_business: str) -> None:
    at = open_app(KUNDEN)
    chooser = at.multiselect(key="customers_export_columns:de")
    assert "E-Mail" in chooser.options
    assert "Kundenwert (brutto)" in chooser.options
    assert "Wert aus sevDesk (brutto)" in chooser.options
    assert chooser.value[:3] == ["person_id", "name", "email"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Excel-CSV", "CSV (UTF-8, Komma)", "Excel (.xlsx)"]
    chooser.set_value([]).run()
    assert not at.exception
    assert "Mindestens eine Spalte wählen." in texts(at)
    assert all(b.proto.disabled for b in at.get("download_button"))


def test_the_file_has_exactly_the_chosen_columns_in_each_format(small_business: str) -> None:
    ds = load_dataset(small_business)
    rows = ds.customers.sort("value", descending=True)
    columns = ["email", "value:sevDesk", "value"]
    args = ("de", "brutto", "EUR", ds.by_source)
    excel = ui_export.build_file(rows, columns, "csv_excel", *args).decode("utf-8-sig")
    lines = excel.splitlines()
    assert lines[0] == "E-Mail;Wert aus sevDesk (brutto);Kundenwert (brutto)"
    assert lines[1] == "anna@beispiel.de;1000,00;1158,00"
    assert len(lines) == 1 + rows.height
    plain = ui_export.build_file(rows, columns, "csv_plain", *args).decode("utf-8")
    assert plain.splitlines()[1] == "anna@beispiel.de,1000.00,1158.00"
    workbook = ui_export.build_file(lambda: rows, columns, "xlsx", *args)
    sheet = pl.read_excel(io.BytesIO(workbook))
    assert sheet.columns == lines[0].split(";")
    assert sheet.height == rows.height


def test_the_rfm_list_download_offers_the_segment_column(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    chooser = at.multiselect(key="rfm_export_columns:de")
    assert "RFM-Segment" in chooser.options
    assert "rfm_segment" in chooser.value


def test_matrix_download_defaults_to_a_column_per_source(small_business: str) -> None:
    at = open_app("pages/kundenmatrix.py")
    chooser = at.multiselect(key="matrix_export_columns:de")
    assert chooser.value == [
        "person_id",
        "name",
        "email",
        "value:Digistore24",
        "value:sevDesk",
        "value",
    ]
