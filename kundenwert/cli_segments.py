"""Command line: the filters every customer command shares, and saved segments.

``customers``, ``kpis``, ``lifecycle``, ``rfm`` and ``export`` take the same filters
(:func:`add_filter_arguments`); :func:`filter_persons` turns them, and ``--segment NAME`` (a
saved segment), into one set of person ids with :mod:`kundenwert.segments`, so the command
line selects exactly the persons the dashboard would. ``segments list|show|save|delete``
manage the saved segments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from kundenwert.customers import Dataset
from kundenwert.segments import (
    Facets,
    SegmentDefinition,
    SegmentError,
    build_context,
    persons_of,
    restrict,
)

FILTERED_COMMANDS = ("customers", "kpis", "lifecycle", "rfm", "export")
_MANY = "repeat the option or separate with commas"


def _error(message: str) -> Exception:
    from kundenwert.cli import CliError  # cli imports this module while building its parser

    return CliError(message)


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The shared filters; lists may repeat an option (``--product A --product B``)."""
    group = parser.add_argument_group("filters (all must match; see also --segment)")
    group.add_argument("--country", action="append", help=f"ISO code, e.g. DE; {_MANY}")
    group.add_argument("--city", action="append", help=_MANY)
    group.add_argument("--product", action="append", help="product bought; repeat the option")
    group.add_argument("--source", action="append", help="with a counted order in this source")
    group.add_argument("--customer-since-from", default=None, help="first order on/after, day")
    group.add_argument("--customer-since-to", default=None, help="first order on/before, day")
    group.add_argument("--min-value", default=None, help="customer value at least, e.g. 99,50")
    group.add_argument("--max-value", default=None, help="customer value at most")
    group.add_argument("--rfm-segment", action="append", help="e.g. Champions or 'Gefährdet'")
    group.add_argument("--segment", default=None, help="a saved segment (segments list)")


def _split(values: list[str] | None) -> list[str]:
    return [p.strip() for v in values or [] for p in v.split(",") if p.strip()]


def _cents(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        return int(Decimal(text.strip().replace(",", ".")) * 100)
    except InvalidOperation:
        raise _error(f"{option}: „{text}“ ist kein Betrag (z. B. 100 oder 99,50)") from None


def _cli_day(text: str | None, option: str) -> date | None:
    from kundenwert.cli import optional_day  # cli imports this module

    return optional_day(text, option)


def facets_from_args(args: argparse.Namespace) -> Facets:
    """The facets the filter options ask for (none given: every person)."""
    return Facets(
        countries=_split(getattr(args, "country", None)),
        cities=_split(getattr(args, "city", None)),
        products=[p.strip() for p in getattr(args, "product", None) or [] if p.strip()],
        sources=[s.strip() for s in getattr(args, "source", None) or [] if s.strip()],
        rfm_segments=_split(getattr(args, "rfm_segment", None)),
        min_value=_cents(getattr(args, "min_value", None), "--min-value"),
        max_value=_cents(getattr(args, "max_value", None), "--max-value"),
        since_from=_cli_day(getattr(args, "customer_since_from", None), "--customer-since-from"),
        since_to=_cli_day(getattr(args, "customer_since_to", None), "--customer-since-to"),
    )


def filter_persons(
    ds: Dataset, args: argparse.Namespace, today: date | None = None
) -> pl.Series | None:
    """Person ids matching the filter options and ``--segment``; None without any filter.

    RFM segments are scored as of ``today`` (default: today in Germany) on the owner's grid.
    """
    from kundenwert.db import get_engine
    from kundenwert.preferences import load_rfm_grid
    from kundenwert.saved_segments import get_segment

    definitions = [SegmentDefinition(facets=facets_from_args(args))]
    try:
        if getattr(args, "segment", None):
            definitions.append(get_segment(get_engine(), args.segment).definition)
        if all(d.is_empty() for d in definitions):
            return None
        grid = load_rfm_grid(get_engine()) if any(d.needs_rfm() for d in definitions) else None
        return persons_of(build_context(ds, today, grid), definitions)
    except SegmentError as error:
        raise _error(str(error)) from error


def filtered_dataset(ds: Dataset, args: argparse.Namespace) -> Dataset:
    """``ds`` narrowed to the filtered persons, so every figure counts only them."""
    persons = filter_persons(ds, args)
    return ds if persons is None else restrict(ds, persons)


# --- segments list | show | save | delete ----------------------------------------------------


def _cmd_list(args: argparse.Namespace) -> int:
    from kundenwert.db import get_engine
    from kundenwert.saved_segments import list_segments

    segments = list_segments(get_engine())
    rows: list[dict[str, Any]] = [
        {
            "name": s.name,
            "updated_at": s.updated_at.isoformat(),
            "conditions": len(s.definition.conditions),
        }
        for s in segments
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif not rows:
        print("Keine gespeicherten Segmente. Anlegen: Seite „Segmente“ oder segments save NAME …")
    else:
        for row in rows:
            changed = row["updated_at"][:10]
            print(f"{row['name']}  ({row['conditions']} Bedingungen, geändert {changed})")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from kundenwert.db import get_engine
    from kundenwert.saved_segments import get_segment

    try:
        segment = get_segment(get_engine(), args.name)
    except SegmentError as error:
        raise _error(str(error)) from error
    document = {"name": segment.name, "definition": segment.definition.model_dump(mode="json")}
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _cmd_save(args: argparse.Namespace) -> int:
    from kundenwert.db import get_engine
    from kundenwert.saved_segments import create_segment, update_segment

    definition = SegmentDefinition(facets=facets_from_args(args))
    if definition.is_empty():
        raise _error("Keine Filter angegeben: z. B. --country DE --min-value 100")
    try:
        if args.replace:
            update_segment(get_engine(), args.name, definition)
        else:
            create_segment(get_engine(), args.name, definition)
    except SegmentError as error:
        raise _error(str(error)) from error
    print(f"Segment „{args.name.strip()}“ gespeichert")
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    from kundenwert.db import get_engine
    from kundenwert.saved_segments import delete_segment

    try:
        delete_segment(get_engine(), args.name)
    except SegmentError as error:
        raise _error(str(error)) from error
    print(f"Segment „{args.name.strip()}“ gelöscht")
    return 0


def add_segments_commands(sub: Any) -> None:
    """``segments …``, and the shared filters on every command that lists or counts persons."""
    for name in FILTERED_COMMANDS:
        if name in sub.choices:
            add_filter_arguments(sub.choices[name])
    segments = sub.add_parser("segments", help="saved segments: list, show, save, delete")
    actions = segments.add_subparsers(dest="segments_command", required=True)
    lst = actions.add_parser("list", help="every saved segment")
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(handler=_cmd_list)
    show = actions.add_parser("show", help="one segment's definition as JSON")
    show.add_argument("name")
    show.set_defaults(handler=_cmd_show)
    save = actions.add_parser("save", help="save the given filters as a segment")
    save.add_argument("name")
    save.add_argument("--replace", action="store_true", help="change an existing segment")
    add_filter_arguments(save)
    save.set_defaults(handler=_cmd_save)
    delete = actions.add_parser("delete", help="delete a saved segment")
    delete.add_argument("name")
    delete.set_defaults(handler=_cmd_delete)
