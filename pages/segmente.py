"""Segmente: build a segment from conditions, preview how many persons and how much value it
holds, save it under a name, edit, rename or delete it. Saved segments are selectable in the
filter of every analytics page (:mod:`ui_filters`)."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

import ui
import ui_filters
from kundenwert.saved_segments import (
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    update_segment,
)
from kundenwert.segments import (
    CONDITION_FIELDS,
    OPERATORS,
    SegmentDefinition,
    SegmentError,
    condition_from_text,
    condition_texts,
    matching_persons,
    segment_value,
)

ROWS = "segment_rows"  # the builder's conditions as texts (field, op, value, to)
NAME = "segment_name"
MATCH = "segment_match"
EDITING = "segment_editing"
_ROUND = "segment_round"
COLUMNS = ("field", "op", "value", "to")


def field_label(field: str) -> str:
    return ui.tr(f"segments.field.{field}")


def op_label(op: str) -> str:
    return ui.tr(f"segments.op.{op}")


def load_into_builder() -> None:
    """on_change of the segment choice: its name, conditions and combination to edit."""
    name = st.session_state.get(f"{EDITING}:widget")
    st.session_state[EDITING] = name or ""
    st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
    if not name:
        st.session_state.update({ROWS: [], NAME: "", MATCH: "all"})
        return
    definition = get_segment(ui.engine(), name).definition
    st.session_state[ROWS] = [
        {
            "field": c.field,
            "op": c.op,
            **dict(zip(("value", "to"), condition_texts(c), strict=True)),
        }
        for c in definition.conditions
    ]
    st.session_state.update({NAME: name, MATCH: definition.match})


def rows_from_editor(frame: pl.DataFrame | Any) -> list[dict[str, str]]:
    """The edited table back as texts, labels mapped to codes; empty rows dropped."""
    fields = {field_label(f): f for f in CONDITION_FIELDS}
    ops = {op_label(o): o for o in OPERATORS}
    rows = []
    for row in pl.DataFrame(frame).iter_rows(named=True):
        if not any((row.get(c) or "").strip() for c in COLUMNS):
            continue
        rows.append(
            {
                "field": fields.get(row.get("field") or "", ""),
                "op": ops.get(row.get("op") or "", ""),
                "value": row.get("value") or "",
                "to": row.get("to") or "",
            }
        )
    return rows


def definition_of(rows: list[dict[str, str]], match: str, kept: SegmentDefinition) -> Any:
    """The definition of the builder, or the list of problems (row by row)."""
    conditions, problems = [], []
    for number, row in enumerate(rows, start=1):
        if not row["field"] or not row["op"]:
            problems.append(ui.tr("segments.incomplete", row=number))
            continue
        try:
            conditions.append(condition_from_text(row["field"], row["op"], row["value"], row["to"]))
        except SegmentError as error:
            problems.append(ui.tr("segments.row", row=number, message=error.message(ui.lang())))
    if problems:
        return problems
    return SegmentDefinition(facets=kept.facets, match=match, conditions=conditions)  # type: ignore[arg-type]


def render_builder(names: list[str]) -> tuple[list[dict[str, str]], str, str]:
    editing = st.session_state.get(EDITING, "")
    options = ["", *names]
    st.session_state[f"{EDITING}:widget"] = editing if editing in names else ""
    st.selectbox(
        ui.tr("segments.edit"),
        options=options,
        format_func=ui.labels(options, lambda o: o or ui.tr("segments.new")),
        key=f"{EDITING}:widget",
        on_change=load_into_builder,
    )
    name_col, match_col = st.columns([3, 2], vertical_alignment="bottom")
    name = name_col.text_input(ui.tr("segments.name"), value=st.session_state.get(NAME, ""))
    match = ui.choice(
        match_col.segmented_control,
        ui.tr("segments.match"),
        options=["all", "any"],
        state=MATCH,
        default="all",
        format_func=lambda m: ui.tr(f"segments.match.{m}"),
        required=True,
    )
    rows = st.session_state.get(ROWS, [])
    table = pl.DataFrame(
        {
            "field": [field_label(r["field"]) for r in rows],
            "op": [op_label(r["op"]) for r in rows],
            "value": [r["value"] for r in rows],
            "to": [r["to"] for r in rows],
        },
        schema={c: pl.String for c in COLUMNS},
    )
    st.markdown(f"**{ui.tr('segments.conditions')}**")
    edited = st.data_editor(
        table,
        key=f"segment_editor:{ui.lang()}:{st.session_state.get(_ROUND, 0)}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "field": st.column_config.SelectboxColumn(
                ui.tr("segments.col.field"), options=[field_label(f) for f in CONDITION_FIELDS]
            ),
            "op": st.column_config.SelectboxColumn(
                ui.tr("segments.col.op"), options=[op_label(o) for o in OPERATORS]
            ),
            "value": st.column_config.TextColumn(ui.tr("segments.col.value")),
            "to": st.column_config.TextColumn(ui.tr("segments.col.to")),
        },
    )
    st.caption(ui.tr("segments.conditions_help", currency=ui.currency()))
    return rows_from_editor(edited), str(match), name


def render_preview(definition: SegmentDefinition) -> None:
    ds = ui.load_dataset()
    ctx = ui_filters.filter_context()
    try:
        persons = matching_persons(ctx, definition)
    except SegmentError as error:
        st.error(error.message(ui.lang()))
        return
    count, value = segment_value(ds, persons)
    st.markdown(f"**{ui.tr('segments.preview')}**")
    persons_tile, value_tile, _ = st.columns([1, 1, 2])
    persons_tile.metric(ui.tr("segments.persons"), ui.number(count), border=True)
    value_tile.metric(
        ui.tr("segments.value", basis=ui.basis_label()), ui.money_tile(value), border=True
    )
    if not definition.conditions and definition.facets.is_empty():
        st.caption(ui.tr("segments.no_conditions"))


def save(name: str, definition: SegmentDefinition) -> None:
    editing = st.session_state.get(EDITING, "")
    try:
        if editing:
            saved = update_segment(ui.engine(), editing, definition, new_name=name)
        else:
            saved = create_segment(ui.engine(), name, definition)
    except SegmentError as error:
        st.error(error.message(ui.lang()))
        return
    st.session_state.update({EDITING: saved.name, NAME: saved.name})
    ui.flash(ui.tr("segments.saved", name=saved.name))
    st.rerun()


def remove(name: str) -> str:
    delete_segment(ui.engine(), name)
    st.session_state.update({EDITING: "", NAME: "", ROWS: [], MATCH: "all"})
    st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
    return ui.tr("segments.deleted", name=name)


def render_saved(names: list[str]) -> None:
    st.subheader(ui.tr("segments.saved_title"))
    segments = list_segments(ui.engine())
    if not segments:
        st.info(ui.tr("segments.none_saved"))
        return
    ds, ctx = ui.load_dataset(), ui_filters.filter_context()
    rows = []
    for segment in segments:
        try:
            count, value = segment_value(ds, matching_persons(ctx, segment.definition))
        except SegmentError:
            count, value = 0, 0
        rows.append((segment.name, count, ui.money(value), segment.updated_at.date()))
    st.dataframe(
        pl.DataFrame(rows, schema=["name", "persons", "value", "updated"], orient="row"),
        key="segments_saved",
        hide_index=True,
        width="stretch",
        column_config={
            "name": ui.tr("segments.name"),
            "persons": st.column_config.NumberColumn(ui.tr("segments.persons")),
            "value": ui.money_column(ui.tr("segments.value", basis=ui.basis_label())),
            "updated": ui.date_column(ui.tr("segments.col.updated")),
        },
    )


ui.inside_frame()
st.title(ui.tr("nav.segments"))
ui.require_data()
st.caption(ui.tr("segments.caption", basis=ui.basis_label()))
names = [s.name for s in list_segments(ui.engine())]
rows, match, name = render_builder(names)
editing = st.session_state.get(EDITING, "")
kept = get_segment(ui.engine(), editing).definition if editing in names else SegmentDefinition()
if not kept.facets.is_empty():
    st.caption(ui.tr("segments.facets_kept"))
definition = definition_of(rows, match, kept)
if isinstance(definition, list):
    for problem in definition:
        st.error(problem)
else:
    render_preview(definition)
    save_col, delete_col, _ = st.columns([1, 1, 4])
    if save_col.button(ui.tr("segments.save"), type="primary", key="segment_save"):
        save(name, definition)
    if editing in names:
        delete_col.button(
            ui.tr("segments.delete"), key="segment_delete", on_click=ui.ask, args=("segment_ask",)
        )
        ui.confirmation(
            "segment_ask",
            ui.tr("segments.delete_question", name=editing),
            lambda: remove(editing),
            ui.tr("segments.delete"),
        )
render_saved(names)
