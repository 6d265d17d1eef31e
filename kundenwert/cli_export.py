"""``python -m kundenwert export``: a customer list as CSV for Excel, plain CSV or .xlsx.

The list is the ``customers`` list with the same filters, optionally narrowed to one RFM
segment (scored as of today, German day). The file is written whole or not at all: it is
built in memory, written to a temporary file beside the target and renamed over it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from kundenwert import i18n
from kundenwert.cli import CliError, filter_customers
from kundenwert.customers import build_dataset, sort_customers
from kundenwert.db import get_engine
from kundenwert.export import (
    DEFAULT_COLUMNS,
    ExportError,
    export_frame,
    to_csv_excel,
    to_csv_plain,
    to_xlsx,
)
from kundenwert.frames import load_frames
from kundenwert.preferences import load_rfm_grid, load_test_rules
from kundenwert.settings import MoneyBasis, get_settings


def _rfm_segments(ds: Any, wanted: str | None, needed: bool, lang: str) -> pl.DataFrame | None:
    """person_id → rfm_segment (label in ``lang``), only the wanted segment when given."""
    if wanted is None and not needed:
        return None
    from kundenwert.metrics import german_today
    from kundenwert.rfm import SEGMENT_LABELS_DE, SEGMENTS, score

    key = None
    if wanted is not None:
        names = {s.casefold(): s for s in SEGMENTS}
        names.update({label.casefold(): s for s, label in SEGMENT_LABELS_DE.items()})
        key = names.get(wanted.strip().casefold())
        if key is None:
            known = ", ".join(f"{SEGMENT_LABELS_DE[s]} ({s})" for s in SEGMENTS)
            raise CliError(f"Unbekanntes RFM-Segment „{wanted}“; bekannt: {known}")
    today = german_today()
    persons = score(ds, today, grid=load_rfm_grid(get_engine())).persons
    if key is not None:
        persons = persons.filter(pl.col("segment") == key)
    labels = SEGMENT_LABELS_DE if lang == "de" else {s: s for s in SEGMENTS}
    return persons.select(
        "person_id", pl.col("segment").replace_strict(labels).alias("rfm_segment")
    )


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a failure never leaves a partial file."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".kundenwert-", suffix=".tmp")
    except OSError as error:
        raise CliError(f"Kann nicht nach {path} schreiben: {error.strerror}") from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CliError(f"Kann nicht nach {path} schreiben: {error.strerror}") from error


def _cmd_export(args: argparse.Namespace) -> int:
    path = Path(args.output)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CliError(f"--output {path}: Dateiendung .csv oder .xlsx angeben")
    if args.plain and suffix != ".csv":
        raise CliError("--plain gilt nur für .csv-Dateien")
    if path.is_dir():
        raise CliError(f"--output {path} ist ein Ordner")
    settings = get_settings()
    lang = i18n.normalise_language(args.lang or settings.language.value)
    columns = (
        [c for c in args.columns.split(",") if c.strip()] if args.columns else list(DEFAULT_COLUMNS)
    )
    basis = MoneyBasis(args.basis or settings.money_basis)
    ds = build_dataset(
        load_frames(settings.resolved_database_url),
        basis,
        settings.base_currency,
        load_test_rules(get_engine()),
    )
    customers = filter_customers(ds, args)  # --rfm-segment and --segment included
    segments = _rfm_segments(ds, None, "rfm_segment" in columns, lang)
    if segments is not None:
        # unscored persons stay, with a blank segment
        customers = customers.join(segments, on="person_id", how="left")
    sort = args.sort
    try:
        customers = sort_customers(customers, sort.lstrip("-"), sort.startswith("-"))
        frame = export_frame(
            customers,
            columns,
            lang,
            by_source=ds.by_source,
            basis_text=i18n.t(f"basis.{basis.value}", lang),
        )
    except ExportError as error:
        raise CliError(str(error)) from error
    if suffix == ".xlsx":
        data = to_xlsx(frame, lang, settings.base_currency)
    elif args.plain:
        data = to_csv_plain(frame)
    else:
        data = to_csv_excel(frame, lang)
    _write_whole(path, data)
    print(f"{frame.height} Kunden exportiert nach {path}")
    return 0


def add_export_command(sub: Any) -> None:
    export = sub.add_parser(
        "export", help="a customer list (filters, RFM segment) as CSV for Excel, CSV or .xlsx"
    )
    export.add_argument("--output", required=True, help="file: .csv (Excel-CSV) or .xlsx")
    export.add_argument(
        "--columns",
        default=None,
        help="comma-separated, e.g. person_id,email,name,value,value:Digistore24",
    )
    export.add_argument("--plain", action="store_true", help="plain CSV: ',' and 1234.56")
    export.add_argument("--lang", choices=i18n.LANGUAGES, default=None, help="headers/dialect")
    export.add_argument("--basis", choices=[b.value for b in MoneyBasis], default=None)
    export.add_argument("--sort", default="-value", help="column, '-' for descending: -value")
    # the filters, --rfm-segment and --segment included: kundenwert.cli_segments
    export.add_argument("--search", default=None, help="part of name, company or e-mail")
    export.set_defaults(handler=_cmd_export)
