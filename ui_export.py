"""A download bar for a list of persons: the owner picks the columns, then the format.

Kunden, Kundenmatrix and RFM offer the list they show (filtered, one RFM cell or segment) as
Excel-CSV, plain CSV and .xlsx (:mod:`kundenwert.export` writes all three and neutralises
formulas). The file is built only when a button is clicked: ``rows`` are the persons
(``Dataset.customers``-shaped, in the order shown), or a callable that returns them when the
list is expensive to build. Download callbacks run
outside the script run, so everything they need is bound as arguments now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import polars as pl
import streamlit as st

import ui
from kundenwert import export

FORMATS = ("csv_excel", "csv_plain", "xlsx")
MIME = {
    "csv_excel": "text/csv",
    "csv_plain": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ICONS = {
    "csv_excel": ":material/download:",
    "csv_plain": ":material/data_object:",
    "xlsx": ":material/table_view:",
}


def offered_columns(frame_columns: Sequence[str], by_source: pl.DataFrame | None) -> list[str]:
    """The export columns the list has, then ``value:<source>`` for every source with value."""
    keys = [key for key in export.EXPORT_COLUMNS if key in frame_columns]
    if by_source is not None and by_source.height:
        labels = sorted(by_source["source_label"].drop_nulls().unique().to_list())
        keys += [f"{export.VALUE_PREFIX}{label}" for label in labels]
    return keys


SUFFIXES = {"csv_excel": ".csv", "csv_plain": "-utf8.csv", "xlsx": ".xlsx"}


def file_name(stem: str, fmt: str) -> str:
    """``kunden.csv`` for Excel, ``kunden-utf8.csv`` for programs, ``kunden.xlsx``."""
    return stem + SUFFIXES[fmt]


def build_file(
    rows: pl.DataFrame | Callable[[], pl.DataFrame],
    columns: Sequence[str],
    fmt: str,
    language: str,
    basis_text: str,
    currency: str,
    by_source: pl.DataFrame | None,
) -> bytes:
    """The file of one format: the chosen columns of ``rows()`` with headers in ``language``."""
    persons = rows() if callable(rows) else rows
    frame = export.export_frame(
        persons, columns, language, by_source=by_source, basis_text=basis_text
    )
    if fmt == "xlsx":
        return export.to_xlsx(frame, language, currency)
    if fmt == "csv_plain":
        return export.to_csv_plain(frame)
    return export.to_csv_excel(frame, language)


def render_export(
    key: str,
    rows: pl.DataFrame | Callable[[], pl.DataFrame],
    *,
    count: int,
    stem: str,
    offered: Sequence[str],
    default: Sequence[str],
    by_source: pl.DataFrame | None = None,
) -> None:
    """Column chooser and one download button per format for the ``count`` persons shown."""
    language, basis_text = ui.lang(), ui.basis_label()
    titles = {c: export.column_header(c, language, basis_text) for c in offered}
    with st.container(border=True):
        columns = st.multiselect(
            ui.tr("export.columns"),
            options=list(offered),
            default=[c for c in default if c in titles],
            format_func=titles.__getitem__,
            key=f"{key}_columns:{language}",
            help=ui.tr("export.columns_help"),
        )
        buttons = st.container(horizontal=True, vertical_alignment="center")
        for fmt in FORMATS:
            buttons.download_button(
                ui.tr(f"export.{fmt}"),
                data=partial(
                    build_file,
                    rows,
                    list(columns),
                    fmt,
                    language,
                    basis_text,
                    ui.currency(),
                    by_source,
                ),
                file_name=file_name(stem, fmt),
                mime=MIME[fmt],
                help=ui.tr(f"export.{fmt}_help", count=ui.number(count)),
                icon=ICONS[fmt],
                key=f"{key}_{fmt}",
                disabled=not columns or count == 0,
            )
        if not columns:
            buttons.caption(ui.tr("export.no_columns"))
        else:
            buttons.caption(ui.tr("export.count", count=ui.number(count)))
