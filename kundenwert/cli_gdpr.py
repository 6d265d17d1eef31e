"""``python -m kundenwert gdpr …``, ``backup`` and ``restore``.

``gdpr export`` writes everything stored about one person (Art. 15 GDPR) as JSON or CSV;
``gdpr erase`` removes what identifies them and keeps the booking records (Art. 17 GDPR, see
:mod:`kundenwert.gdpr`); it asks for ``--yes`` because it cannot be undone. ``backup`` and
``restore`` are described in :mod:`kundenwert.backup`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kundenwert import gdpr
from kundenwert.backup import BackupError, BackupReport, backup, restore
from kundenwert.cli import CliError
from kundenwert.cli_export import _write_whole
from kundenwert.db import get_engine


def _person(reference: str) -> int:
    try:
        return gdpr.resolve_person(get_engine(), reference)
    except gdpr.GdprError as error:
        raise CliError(str(error)) from error


def _cmd_gdpr_export(args: argparse.Namespace) -> int:
    path = Path(args.output)
    if path.is_dir():
        raise CliError(f"--output {path} ist ein Ordner")
    person = _person(args.person)
    data = gdpr.export_person(get_engine(), person)
    payload = gdpr.export_json(data) if args.format == "json" else gdpr.export_csv(data)
    _write_whole(path, payload)
    print(
        f"Auskunft zu Person {person} ({len(data['contacts'])} Kontakte, "
        f"{len(data['orders'])} Bestellungen) gespeichert in {path}"
    )
    return 0


def _cmd_gdpr_erase(args: argparse.Namespace) -> int:
    person = _person(args.person)
    if not args.yes:
        raise CliError(
            f"Löschen von Person {person} kann nicht rückgängig gemacht werden; "
            "zur Bestätigung --yes angeben"
        )
    report = gdpr.erase_person(get_engine(), person)
    print(
        f"Person {person} gelöscht: {report.contacts_erased} Kontakte anonymisiert, "
        f"{report.orders_kept} Bestellungen und {report.refunds_kept} Erstattungen "
        "bleiben für die Aufbewahrungspflicht (10 Jahre, § 147 AO) ohne Personenbezug erhalten"
    )
    return 0


def _report(report: BackupReport, output: str, text: str) -> int:
    """The outcome of a backup or restore: ``text`` for people, or a JSON summary."""
    if output == "json":
        summary = {
            "file": str(report.path),
            "kind": report.kind,
            "revisions": report.revisions,
            "rows": report.rows,
        }
        json.dump(summary, sys.stdout, indent=2)
        print()
    else:
        print(text)
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    try:
        report = backup(get_engine(), Path(args.file), portable=args.portable)
    except BackupError as error:
        raise CliError(str(error)) from error
    kind = "SQLite-Kopie" if report.kind == "sqlite" else "JSON-Lines-Sicherung (gzip)"
    return _report(
        report, args.format, f"{kind} mit {report.total_rows} Zeilen gespeichert in {report.path}"
    )


def _cmd_restore(args: argparse.Namespace) -> int:
    try:
        report = restore(get_engine(), Path(args.file), force=args.force)
    except BackupError as error:
        raise CliError(str(error)) from error
    return _report(
        report, args.format, f"{report.total_rows} Zeilen aus {report.path} wiederhergestellt"
    )


def add_gdpr_commands(sub: Any) -> None:
    gdpr_cmd = sub.add_parser("gdpr", help="GDPR: export (Art. 15) or erase (Art. 17) a person")
    actions = gdpr_cmd.add_subparsers(dest="gdpr_command", required=True)
    export = actions.add_parser("export", help="everything stored about a person, JSON or CSV")
    export.add_argument("person", help="person number or e-mail address")
    export.add_argument("--output", required=True, help="file to write")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.set_defaults(handler=_cmd_gdpr_export)
    erase = actions.add_parser("erase", help="erase a person's personal data, keep bookings")
    erase.add_argument("person", help="person number or e-mail address")
    erase.add_argument("--yes", action="store_true", help="confirm: cannot be undone")
    erase.set_defaults(handler=_cmd_gdpr_erase)

    save = sub.add_parser("backup", help="a consistent backup of the whole database")
    save.add_argument("file")
    save.add_argument("--portable", action="store_true", help="JSON lines (gzip) also for SQLite")
    save.add_argument("--format", choices=("text", "json"), default="text")
    save.set_defaults(handler=_cmd_backup)

    load = sub.add_parser("restore", help="restore a backup (checked first; all or nothing)")
    load.add_argument("file")
    load.add_argument("--force", action="store_true", help="overwrite a database with data")
    load.add_argument("--format", choices=("text", "json"), default="text")
    load.set_defaults(handler=_cmd_restore)
