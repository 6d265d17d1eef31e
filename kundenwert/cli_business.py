"""``python -m kundenwert import-inputs``: costs, visitors or survey answers from CSV/Excel.

The business KPIs themselves are part of ``kpis`` (:func:`business_json`).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from kundenwert.db import get_engine
from kundenwert.settings import get_settings


def _cmd_import_inputs(args: argparse.Namespace) -> int:
    from kundenwert.cli import CliError
    from kundenwert.inputs import InputsFileError, import_inputs

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"Datei nicht gefunden / file not found: {path}")
    lang = get_settings().language.value
    try:
        report = import_inputs(get_engine(), path.read_bytes(), path.name, args.kind)
    except InputsFileError as error:
        raise CliError("Nichts importiert / nothing imported:\n" + error.message(lang)) from error
    print(report.message(lang))
    for email in report.unmatched_emails:
        print(f"  {email}")
    return 0


def add_business_commands(sub: Any) -> None:
    command = sub.add_parser(
        "import-inputs", help="import marketing/sales costs, visitors or survey answers"
    )
    command.add_argument("file")
    command.add_argument("--kind", required=True, choices=("costs", "visitors", "survey"))
    command.set_defaults(handler=_cmd_import_inputs)


def business_json(ds: Any, start: date, end: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The business figures of the range and of the previous period for ``kpis``."""
    from kundenwert.business import as_json, business_kpis
    from kundenwert.inputs import load_inputs
    from kundenwert.preferences import load_margin_percent

    settings = get_settings()
    engine = get_engine()
    result = business_kpis(
        ds,
        load_inputs(engine),
        start,
        end,
        inactivity_days=settings.inactivity_days,
        margin_percent=load_margin_percent(engine),
    )
    lang = settings.language.value
    return as_json(result.current, lang), as_json(result.previous, lang)


def print_business(now: dict[str, Any], before: dict[str, Any]) -> None:
    """The business figures as table lines after the customer figures; missing ones say why."""
    for name, value in now.items():
        if name == "missing":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
            print(f"{name:<22} {value}")
            continue
        shown = "–" if value is None else value
        earlier = "–" if before.get(name) is None else before[name]
        print(f"{name:<22} {shown!s:>12} {earlier!s:>12}")
    for item in now["missing"]:
        print(f"{item['figure']:<22} {item['message']}")
