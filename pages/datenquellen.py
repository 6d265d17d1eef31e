"""Datenquellen: the connected sources, and the CSV/Excel import with a preview first."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from kundenwert import i18n
from kundenwert.customers import source_overview
from kundenwert.import_formats import FORMATS
from kundenwert.importer import (
    FIELD_LABELS_DE,
    ImportFileError,
    ImportPreview,
    import_file,
    preview,
)

ROUND_KEY = "import_round"  # a new uploader after each import, so the file is not sent twice
NEW_SOURCE = "__new__"
AUTO_FORMAT = "__auto__"  # not None: a select box shows None as "nothing chosen"
MONEY_FIELDS = ("amount_cents", "tax_cents", "refunded_cents")


@st.cache_resource(max_entries=4, show_spinner=False)
def load_preview(data: bytes, filename: str, format_name: str | None) -> ImportPreview:
    # cache_resource, not cache_data: the preview holds exceptions, which do not pickle.
    return preview(data, filename, format_name)


def field_label(name: str) -> str:
    if ui.lang() == "de":
        return f"{FIELD_LABELS_DE.get(name, name)} ({name})"
    return name


def error_detail(error: ImportFileError) -> str:
    """The message without its "Zeile 3, Spalte 'x': " prefix (the table has those columns)."""
    message = error.message(ui.lang())
    return message.split(": ", 1)[1] if error.row is not None and ": " in message else message


def suggested_source(overview: pl.DataFrame, result: ImportPreview) -> int:
    """Index in [new, *labels]: the one existing source of the detected tool, else "new"."""
    fmt = FORMATS.get(result.format_name)
    if fmt is None:
        return 0
    same_tool = overview.with_row_index("position").filter(pl.col("kind") == fmt.kind)
    return int(same_tool["position"][0]) + 1 if same_tool.height == 1 else 0


def column_label(column: str) -> str:
    """Preview columns are canonical field names, amounts with a ``_cents`` suffix."""
    names = {"row": ui.tr("col.row"), "date": ui.tr("col.date")}
    return names.get(column) or field_label(column.removesuffix("_cents"))


def render_sources(overview: pl.DataFrame) -> None:
    if overview.height == 0:
        st.info(ui.tr("sources.none"))
        return
    lang = ui.lang()
    st.dataframe(
        pl.DataFrame(
            {
                "label": overview["label"],
                "kind": [i18n.label("tool", k, lang) for k in overview["kind"]],
                "counts_towards_totals": overview["counts_towards_totals"],
                "contacts": overview["contacts"],
                "orders": overview["orders"],
                "counted_orders": overview["counted_orders"],
                "value": ui.money_list(overview["value"].to_list()),
                "last_import_at": overview["last_import_at"],
            }
        ),
        hide_index=True,
        placeholder="",
        key="sources_table",
        width="stretch",
        column_config={
            "label": ui.tr("col.source"),
            "kind": ui.tr("col.tool"),
            "counts_towards_totals": st.column_config.CheckboxColumn(
                ui.tr("col.counts_towards_totals")
            ),
            "contacts": ui.tr("col.contacts"),
            "orders": ui.tr("col.orders"),
            "counted_orders": ui.tr("col.counted_orders"),
            "value": ui.money_column(ui.tr("col.value", basis=ui.basis_label())),
            "last_import_at": ui.datetime_column(ui.tr("col.last_import")),
        },
    )


def render_preview(result: ImportPreview) -> None:
    st.subheader(ui.tr("sources.preview"))
    st.markdown(
        ui.tr(
            "sources.detected",
            format=result.format_label,
            mode=ui.tr(f"sources.mode_{result.mode}"),
            rows=ui.number(result.row_count),
        )
    )
    mapping, unmapped = st.columns([2, 1])
    with mapping:
        st.markdown(f"**{ui.tr('sources.mapping')}**")
        st.dataframe(
            pl.DataFrame(
                {
                    "canonical": [field_label(f) for f in result.mapping],
                    "file_column": list(result.mapping.values()),
                },
                schema={"canonical": pl.String, "file_column": pl.String},
            ),
            hide_index=True,
            placeholder="",
            key="mapping_table",
            column_config={
                "canonical": ui.tr("col.canonical"),
                "file_column": ui.tr("col.file_column"),
            },
        )
    with unmapped:
        if result.unmapped:
            st.caption(ui.tr("sources.unmapped", columns=", ".join(result.unmapped)))
    if result.errors:
        st.error(
            ui.tr("sources.problems", count=len(result.errors))
            + "\n\n"
            + result.errors[0].message(ui.lang())
        )
        st.dataframe(
            pl.DataFrame(
                {
                    "row": [e.row for e in result.errors],
                    "column": [e.column for e in result.errors],
                    "problem": [error_detail(e) for e in result.errors],
                },
                schema={"row": pl.Int64, "column": pl.String, "problem": pl.String},
            ),
            hide_index=True,
            placeholder="",
            key="problems_table",
            width="stretch",
            column_config={
                "row": ui.tr("col.row"),
                "column": ui.tr("col.column"),
                "problem": ui.tr("col.problem"),
            },
        )
    else:
        st.success(ui.tr("sources.no_problems"))
    if result.rows.height:
        st.markdown(f"**{ui.tr('sources.first_rows')}**")
        rows = result.rows
        st.dataframe(
            rows.with_columns(
                pl.Series(
                    column,
                    [
                        ui.money(cents, code)
                        for cents, code in zip(rows[column], rows["currency"], strict=True)
                    ],
                )
                for column in MONEY_FIELDS
            ).with_columns(
                pl.Series("status", [i18n.label("status", s, ui.lang()) for s in rows["status"]]),
                pl.Series("kind", [i18n.label("kind", k, ui.lang()) for k in rows["kind"]]),
            ),
            hide_index=True,
            placeholder="",
            key="preview_rows",
            column_config={
                **{column: column_label(column) for column in rows.columns},
                "date": ui.datetime_column(column_label("date")),
                **{column: ui.money_column(column_label(column)) for column in MONEY_FIELDS},
            },
        )


ui.inside_frame()
st.title(ui.tr("nav.sources"))
ds = ui.load_dataset()
st.caption(ui.tr("sources.caption", basis=ui.basis_label(), currency=ui.currency()))
overview = source_overview(ds)
render_sources(overview)

st.header(ui.tr("sources.import"), anchor=False)
st.caption(ui.tr("sources.import_caption"))
round_number = st.session_state.setdefault(ROUND_KEY, 0)
file_col, format_col = st.columns([2, 1])
uploaded = file_col.file_uploader(
    ui.tr("sources.file"), type=["csv", "xlsx", "xls", "txt"], key=f"import_file_{round_number}"
)
format_choice = ui.choice(
    format_col.selectbox,
    ui.tr("sources.format"),
    options=[AUTO_FORMAT, *FORMATS],
    state="import_format",
    default=AUTO_FORMAT,
    format_func=lambda name: (
        ui.tr("sources.format_auto") if name == AUTO_FORMAT else FORMATS[name].label
    ),
)
format_name = None if format_choice == AUTO_FORMAT else format_choice
if uploaded is None:
    st.stop()

data = uploaded.getvalue()
with st.spinner(ui.tr("app.loading")):
    result = load_preview(data, uploaded.name, format_name)
render_preview(result)

st.subheader(ui.tr("sources.target"), anchor=False)
labels = overview["label"].to_list()
label_col, new_col = st.columns(2)
choice = label_col.selectbox(
    ui.tr("sources.label"),
    options=[NEW_SOURCE, *labels],
    index=suggested_source(overview, result),
    format_func=ui.labels(
        [NEW_SOURCE, *labels],
        lambda value: ui.tr("sources.new_label") if value == NEW_SOURCE else value,
    ),
    key=f"import_label_{round_number}_{uploaded.file_id}_{ui.lang()}",
    help=ui.tr("sources.label_help"),
)
label = choice
if choice == NEW_SOURCE:
    label = new_col.text_input(
        ui.tr("sources.new_label_input"),
        key=f"import_new_label_{round_number}",
        placeholder=ui.tr("sources.new_label_placeholder"),
    ).strip()
    if label in labels:
        st.info(ui.tr("sources.label_exists", label=label))
if not label:
    st.info(ui.tr("sources.need_label"))
if st.button(
    ui.tr("sources.import_button"),
    type="primary",
    disabled=not (result.ok and label),
    key="import_button",
    icon=":material/upload:",
):
    try:
        with st.spinner(ui.tr("app.loading")):
            report = import_file(ui.engine(), data, uploaded.name, label, format_name)
    except ImportFileError as error:
        st.error(error.message(ui.lang()))
    else:
        summary = ui.tr(
            "report.summary",
            rows=ui.number(report.rows_read),
            contacts_added=ui.number(report.contacts_added),
            contacts_updated=ui.number(report.contacts_updated),
            orders_added=ui.number(report.orders_added),
            orders_updated=ui.number(report.orders_updated),
            refunds_added=ui.number(report.refunds_added),
        )
        ui.flash(ui.tr("sources.imported", label=report.source_label, summary=summary))
        st.session_state[ROUND_KEY] = round_number + 1
        st.rerun()
