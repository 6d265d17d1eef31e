"""Streamlit helpers of the RFM page and of the grid editor in Einstellungen.

- Which persons the page lists: a clicked cell of the R × FM chart or a segment (a row of the
  segment table or the select box); the latest choice wins (:func:`focus`).
- The owner's grid (:func:`kundenwert.preferences.load_rfm_grid`), cached per data version;
  the ``setting`` table is part of that version, so a saved grid shows on the next run.
- The grid editor: a 5 × 5 table with a segment select box per cell, saved only when every
  cell has exactly one known segment.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import polars as pl
import streamlit as st

import ui
from kundenwert.customers import Dataset
from kundenwert.preferences import load_rfm_grid, reset_rfm_grid, save_rfm_grid
from kundenwert.rfm import (
    DEFAULT_GRID,
    SCORES,
    SEGMENTS,
    Grid,
    RfmResult,
    grid_from_table,
    grid_to_table,
    movement,
    regroup,
)

_SEEN = "_rfm_seen:"
FOCUS_KEY = "rfm_focus"
EDITOR_ROUND_KEY = "rfm_grid_round"
FM_COLUMNS = tuple(f"fm{fm}" for fm in SCORES)


class Focus(NamedTuple):
    """What the person list below the chart shows: one cell (r, fm) or one segment."""

    segment: str | None = None
    r: int | None = None
    fm: int | None = None

    @property
    def is_cell(self) -> bool:
        return self.r is not None and self.fm is not None


# --- which persons --------------------------------------------------------------------------


def _selection(event: Any) -> Any:
    """The ``selection`` part of a chart or table event, whether an object or a plain dict
    (AppTest hands back what a test put into the session state)."""
    if event is None:
        return None
    if isinstance(event, dict):
        return event.get("selection")
    return getattr(event, "selection", None)


def _get(mapping: Any, name: str) -> Any:
    if mapping is None:
        return None
    if isinstance(mapping, dict):
        return mapping.get(name)
    return getattr(mapping, name, None)


def selected_cell(event: Any) -> tuple[int, int] | None:
    """(R, FM) of the cell clicked in the chart of :func:`grid_figure`, or None.

    The clickable layer carries ``customdata = [r, fm]``; its category axes ("1".."5") are a
    fallback, so a point without custom data still maps to its cell.
    """
    for point in _get(_selection(event), "points") or []:
        custom = point.get("customdata")
        try:
            if isinstance(custom, list | tuple) and len(custom) >= 2:
                r, fm = int(custom[0]), int(custom[1])
            else:
                r, fm = int(point["y"]), int(point["x"])
        except (KeyError, TypeError, ValueError):
            continue
        if r in SCORES and fm in SCORES:
            return r, fm
    return None


def selected_rows(event: Any) -> list[int]:
    rows = _get(_selection(event), "rows") or []
    return [int(row) for row in rows]


def changed(name: str, value: object) -> bool:
    """True when ``value`` differs from the one seen on the previous run (and remember it)."""
    key = _SEEN + name
    before = st.session_state.get(key)
    st.session_state[key] = value
    return value is not None and value != before


def focus(default: Focus) -> Focus:
    """The remembered focus, or ``default`` on the first run."""
    stored = st.session_state.get(FOCUS_KEY)
    return stored if isinstance(stored, Focus) else default


def set_focus(value: Focus) -> None:
    st.session_state[FOCUS_KEY] = value


def members(result: RfmResult, chosen: Focus) -> pl.DataFrame:
    """The scored persons of the chosen cell or segment, highest value first."""
    persons = result.persons
    if chosen.is_cell:
        wanted = (pl.col("r") == chosen.r) & (pl.col("fm") == chosen.fm)
    else:
        wanted = pl.col("segment") == chosen.segment
    return persons.filter(wanted).sort("monetary", "person_id", descending=[True, False])


# --- the owner's grid -----------------------------------------------------------------------


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _grid_table(url: str, version: str) -> dict[str, list[str]]:
    from kundenwert.db import get_engine

    return grid_to_table(load_rfm_grid(get_engine(url)))


def load_grid() -> dict[tuple[int, int], str]:
    """The grid saved in Einstellungen (DESIGN.md's default until the owner changes it)."""
    return grid_from_table(_grid_table(ui.database_url(), ui.version()))


def on_grid(result: RfmResult, grid: Grid) -> RfmResult:
    """``result`` (scored on the default grid by :func:`ui.load_rfm`) on the owner's grid."""
    return result if dict(grid) == DEFAULT_GRID else regroup(result, grid)


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _movement(
    url: str,
    version: str,
    basis_value: str,
    base_currency: str,
    before: date,
    after: date,
    grid: tuple[tuple[tuple[int, int], str], ...],
    _ds: Dataset,
) -> pl.DataFrame:
    return movement(_ds, before, after, grid=dict(grid))


def load_movement(before: date, after: date, grid: Grid) -> pl.DataFrame:
    """:func:`kundenwert.rfm.movement` between two days on ``grid`` (cached per data version)."""
    with st.spinner(ui.tr("app.loading")):
        return _movement(
            ui.database_url(),
            ui.version(),
            ui.basis().value,
            ui.currency(),
            before,
            after,
            tuple(sorted(grid.items())),
            ui.load_dataset(),
        )


# --- grid editor (Einstellungen) ------------------------------------------------------------


def editor_frame(grid: Grid) -> pl.DataFrame:
    """R 5 on top, one column per FM score, segment labels in the chosen language."""
    return pl.DataFrame(
        {
            "r": list(reversed(SCORES)),
            **{
                f"fm{fm}": [ui.tr(f"segment.{grid[(r, fm)]}") for r in reversed(SCORES)]
                for fm in SCORES
            },
        }
    )


def grid_from_editor(edited: Any, lang_labels: dict[str, str]) -> tuple[dict, list[str]]:
    """The grid a person entered, and the cells (``"R 3 · FM 2"``) without a known segment.

    ``lang_labels`` maps each shown label to its segment key. The grid is complete only when
    the list of problems is empty.
    """
    frame = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    grid: dict[tuple[int, int], str] = {}
    problems: list[str] = []
    for row in frame.iter_rows(named=True):
        r = int(row["r"])
        for fm in SCORES:
            segment = lang_labels.get(str(row.get(f"fm{fm}") or "").strip())
            if segment is None:
                problems.append(ui.tr("rfm_grid.cell", r=r, fm=fm))
            else:
                grid[(r, fm)] = segment
    missing = [(r, fm) for r in SCORES for fm in SCORES if (r, fm) not in grid]
    for r, fm in missing:
        cell = ui.tr("rfm_grid.cell", r=r, fm=fm)
        if cell not in problems:
            problems.append(cell)
    return grid, problems


def _reset() -> None:
    reset_rfm_grid(ui.engine())
    st.session_state[EDITOR_ROUND_KEY] = st.session_state.get(EDITOR_ROUND_KEY, 0) + 1
    ui.flash(ui.tr("rfm_grid.reset_done"))


def render_grid_editor() -> None:
    """Einstellungen: the R × FM grid as a table with one segment select box per cell."""
    st.header(ui.tr("rfm_grid.title"), anchor=False)
    st.caption(ui.tr("rfm_grid.caption"))
    grid = load_rfm_grid(ui.engine())
    labels = {ui.tr(f"segment.{s}"): s for s in SEGMENTS}
    round_number = st.session_state.get(EDITOR_ROUND_KEY, 0)
    with st.form(f"rfm_grid_form:{round_number}"):
        edited = st.data_editor(
            editor_frame(grid),
            key=f"rfm_grid_editor:{ui.lang()}:{round_number}",
            hide_index=True,
            num_rows="fixed",
            width="stretch",
            column_config={
                "r": st.column_config.NumberColumn(ui.tr("rfm_grid.r"), disabled=True, width=90),
                **{
                    f"fm{fm}": st.column_config.SelectboxColumn(
                        ui.tr("rfm_grid.fm", fm=fm), options=list(labels), required=True
                    )
                    for fm in SCORES
                },
            },
        )
        save = st.form_submit_button(ui.tr("rfm_grid.save"), type="primary")
    if save:
        new_grid, problems = grid_from_editor(edited, labels)
        if problems:
            st.error(ui.tr("rfm_grid.incomplete", cells=", ".join(problems)))
        else:
            save_rfm_grid(ui.engine(), new_grid)
            st.session_state[EDITOR_ROUND_KEY] = round_number + 1
            ui.flash(ui.tr("rfm_grid.saved"))
            st.rerun()
    unused = [ui.tr(f"segment.{s}") for s in SEGMENTS if s not in set(grid.values())]
    if unused:
        st.caption(ui.tr("rfm_grid.unused", segments=", ".join(unused)))
    st.button(
        ui.tr("rfm_grid.reset"),
        key="rfm_grid_reset",
        on_click=_reset,
        disabled=dict(grid) == DEFAULT_GRID,
        icon=":material/restart_alt:",
    )
