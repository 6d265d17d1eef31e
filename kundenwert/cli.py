"""Command line: ``python -m kundenwert …`` — the same core as the dashboard.

Errors go to stderr with a non-zero exit code and change nothing; ``--format json`` prints
one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from kundenwert import i18n
from kundenwert.customers import Dataset, build_dataset, search_customers, sort_customers
from kundenwert.db import get_engine
from kundenwert.db_errors import DATABASE_ERRORS, database_error_message
from kundenwert.frames import load_frames
from kundenwert.preferences import load_rfm_grid, load_test_rules
from kundenwert.settings import MoneyBasis, get_settings


class CliError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


def _amount(cents: int | None) -> float:
    # JSON has no decimal type: cents / 100 printed with the shortest round-trip repr is
    # exactly the two-decimal amount (e.g. 1234.56), so the float only carries the digits.
    return float(Decimal(cents or 0) / 100)


def _iso(value: Any) -> str | None:
    """ISO 8601 with its zone: frames hold naive UTC."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())


def _cmd_demo(args: argparse.Namespace) -> int:
    from kundenwert.demo import DemoError, fill_demo

    engine = get_engine()
    try:
        summary = fill_demo(
            engine, seed=args.seed, persons=args.persons, progress=_progress(args.quiet)
        )
    except DemoError as error:
        if args.if_empty:
            print(f"Datenbank enthält bereits Daten, keine Demo-Daten angelegt ({error}).")
            return 0
        raise CliError(str(error)) from error
    print(
        f"Demo-Daten angelegt / demo data created: {summary.persons} Personen, "
        f"{summary.contacts} Kontakte, {summary.orders} Bestellungen, {summary.refunds} "
        f"Erstattungen, {summary.sources} Quellen, {summary.countries} Länder, "
        f"{summary.products} Produkte, {summary.exchange_rates} Wechselkurse"
    )
    return 0


def _progress(quiet: bool) -> Any:
    if quiet:
        return None

    def report(fraction: float, message: str) -> None:
        print(f"\r{fraction:6.1%}  {message:<60}", end="", file=sys.stderr, flush=True)
        if fraction >= 1:
            print(file=sys.stderr)

    return report


def _cmd_import(args: argparse.Namespace) -> int:
    from kundenwert.importer import ImportFileError, import_file

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"Datei nicht gefunden / file not found: {path}")
    try:
        report = import_file(
            get_engine(),
            path.read_bytes(),
            path.name,
            args.source,
            format_name=args.format,
            kind=args.kind,
        )
    except ImportFileError as error:
        raise CliError(error.message(get_settings().language.value)) from error
    print(report)
    return 0


def _cmd_rates(args: argparse.Namespace) -> int:
    from kundenwert.rates import RatesFileError, import_ecb_file

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"Datei nicht gefunden / file not found: {path}")
    try:
        added = import_ecb_file(get_engine(), path.read_bytes(), path.name)
    except RatesFileError as error:
        raise CliError(str(error)) from error
    print(f"{added} neue Kurse gespeichert / new rates stored")
    return 0


def customer_records(args: argparse.Namespace) -> tuple[pl.DataFrame, dict[int, dict[str, int]]]:
    settings = get_settings()
    engine = get_engine()
    basis = MoneyBasis(args.basis or settings.money_basis)
    ds = build_dataset(
        load_frames(settings.resolved_database_url),
        basis,
        settings.base_currency,
        load_test_rules(engine),
    )
    customers = filter_customers(ds, args)
    sort = args.sort
    customers = sort_customers(customers, sort.lstrip("-"), sort.startswith("-"))
    if args.limit:
        customers = customers.head(args.limit)
    by_source: dict[int, dict[str, int]] = {}
    wanted = ds.by_source.filter(pl.col("person_id").is_in(customers["person_id"].implode()))
    for person_id, label, value in wanted.select("person_id", "source_label", "value").iter_rows():
        by_source.setdefault(person_id, {})[label] = value
    return customers, by_source


def filter_customers(ds: Dataset, args: argparse.Namespace) -> pl.DataFrame:
    """The persons matching --search and the shared filters (:mod:`kundenwert.cli_segments`)."""
    from kundenwert.cli_segments import filter_persons

    customers = search_customers(ds.customers, args.search)
    persons = filter_persons(ds, args)
    if persons is not None:
        customers = customers.filter(pl.col("person_id").is_in(persons.implode()))
    return customers


def _cmd_customers(args: argparse.Namespace) -> int:
    settings = get_settings()
    customers, by_source = customer_records(args)
    basis = MoneyBasis(args.basis or settings.money_basis).value
    rows = [
        {
            "person_id": row["person_id"],
            "email": row["email"],
            "name": row["name"],
            "company": row["company"],
            "country": row["country"],
            "city": row["city"],
            "postcode": row["postcode"],
            "first_order": _iso(row["first_order"]),
            "last_order": _iso(row["last_order"]),
            "orders": row["orders"],
            "value": _amount(row["value"]),
            "value_by_source": {
                label: _amount(cents)
                for label, cents in by_source.get(row["person_id"], {}).items()
            },
            "refunds": _amount(row["refunds"]),
            "chargebacks": _amount(row["chargebacks"]),
            "currency": settings.base_currency,
            "basis": basis,
        }
        for row in customers.iter_rows(named=True)
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif args.format == "csv":
        _write_csv(rows)
    else:
        print(_table(rows))
    return 0


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if k != "value_by_source"}
    flat.update({f"value:{label}": v for label, v in row["value_by_source"].items()})
    return flat


def _write_csv(rows: list[dict[str, Any]]) -> None:
    flat = [_flat(r) for r in rows]
    fields: list[str] = []
    for row in flat:
        fields.extend(k for k in row if k not in fields)
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)


def _table(rows: list[dict[str, Any]]) -> str:
    columns = ("person_id", "name", "email", "country", "orders", "value", "last_order")
    out = io.StringIO()
    widths = {c: max([len(c)] + [len(str(r[c] or "")) for r in rows]) for c in columns}
    out.write("  ".join(c.ljust(widths[c]) for c in columns) + "\n")
    for row in rows:
        cells = []
        for c in columns:
            value = row[c]
            text = f"{value:.2f}" if c == "value" else str(value or "")
            cells.append(
                text.rjust(widths[c]) if c in ("orders", "value") else text.ljust(widths[c])
            )
        out.write("  ".join(cells) + "\n")
    out.write(f"{len(rows)} Kunden, Werte in {get_settings().base_currency}\n")
    return out.getvalue()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kundenwert", description="Kundenwert: what every customer is worth."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="fill an empty database with realistic demo data")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--persons", type=int, default=5000)
    demo.add_argument("--if-empty", action="store_true", help="do nothing if data exists")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=_cmd_demo)

    imp = sub.add_parser("import", help="import a CSV/Excel export (generic or a known tool's)")
    imp.add_argument("file")
    imp.add_argument("--source", required=True, help="label of the source account")
    imp.add_argument("--format", default=None, help="format name; detected from the header")
    imp.add_argument("--kind", default=None, help="tool kind of a new source, e.g. copecart")
    imp.set_defaults(handler=_cmd_import)

    rates = sub.add_parser("rates", help="import ECB reference rates (eurofxref-hist.csv/.zip)")
    rates.add_argument("file")
    rates.set_defaults(handler=_cmd_rates)

    cust = sub.add_parser("customers", help="the customer list with value total and per source")
    cust.add_argument("--sort", default="-value", help="column, '-' for descending: -value")
    cust.add_argument("--format", choices=("table", "csv", "json"), default="table")
    cust.add_argument("--basis", choices=[b.value for b in MoneyBasis], default=None)
    cust.add_argument("--search", default=None, help="part of name, company or e-mail")
    cust.add_argument("--limit", type=int, default=None)
    cust.set_defaults(handler=_cmd_customers)

    _add_sync_commands(sub)
    _add_rfm_command(sub)
    _add_kpi_commands(sub)
    from kundenwert.cli_export import add_export_command

    add_export_command(sub)
    from kundenwert.cli_clv import add_clv_commands

    add_clv_commands(sub)
    from kundenwert.cli_segments import add_segments_commands  # filters on the commands above

    add_segments_commands(sub)
    from kundenwert.cli_business import add_business_commands

    add_business_commands(sub)
    from kundenwert.cli_gdpr import add_gdpr_commands

    add_gdpr_commands(sub)
    from kundenwert.cli_auth import add_auth_commands

    add_auth_commands(sub)
    return parser


# --- Connected accounts and sync ----------------------------------------------------------------


def _credential(value: str, option: str) -> str:
    """``-`` reads the value without echo (keeps it out of shell history and ``ps``)."""
    if value != "-":
        return value
    import getpass

    return getpass.getpass(f"{option}: ")


def _cmd_sources_add(args: argparse.Namespace) -> int:
    from connectors.base import UnknownConnectorError, get_spec
    from kundenwert.sources import SourceError, add_source

    try:
        spec = get_spec(args.kind)
    except UnknownConnectorError as error:
        raise CliError(str(error)) from error
    given = {
        option: value
        for option, value in (("key", args.key), ("secret", args.secret), ("token", args.token))
        if value is not None
    }
    unexpected = [f"--{option}" for option in given if option not in spec.credential_fields]
    if unexpected:
        raise CliError(f"{spec.title} braucht kein {', '.join(unexpected)}")
    missing = [f"--{option}" for option in spec.credential_fields if option not in given]
    if missing:
        raise CliError(f"{spec.title} braucht {', '.join(missing)}")
    credentials = {
        spec.credential_fields[option]: _credential(value, f"--{option}")
        for option, value in given.items()
    }
    try:
        add_source(
            get_engine(), spec.kind, args.label, base_url=args.base_url, credentials=credentials
        )
    except SourceError as error:
        raise CliError(str(error)) from error
    print(
        f"Datenquelle „{args.label.strip()}“ ({spec.title}) angelegt, Zugangsdaten verschlüsselt "
        f'gespeichert. Abrufen: python -m kundenwert sync --source "{args.label.strip()}"'
    )
    return 0


def _cmd_sources_list(args: argparse.Namespace) -> int:
    from kundenwert.sources import list_sources

    sources = list_sources(get_engine())
    rows: list[dict[str, Any]] = [
        {
            "label": s.label,
            "kind": s.kind,
            "base_url": s.base_url,
            "credentials_stored": s.has_credentials,
            "can_sync": s.can_sync,
            "contacts": s.contacts,
            "orders": s.orders,
            "last_import_at": _iso(s.last_import_at),
            "last_sync_at": _iso(s.last_sync_at),
            "last_status": s.last_status,
            "last_error": s.last_error,
        }
        for s in sources
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not rows:
        print("Keine Datenquellen. Anlegen: python -m kundenwert sources add --kind … --label …")
        return 0
    for row in rows:
        how = "Schnittstelle" if row["can_sync"] else "Datei-Import"
        print(f"{row['label']}  ({row['kind']}, {how})")
        if row["base_url"]:
            print(f"  Adresse:      {row['base_url']}")
        print(f"  Daten:        {row['orders']} Bestellungen, {row['contacts']} Kontakte")
        if row["last_sync_at"]:
            state = row["last_status"] or ""
            print(f"  Letzter Abruf: {row['last_sync_at'][:19]} {state}")
        if row["last_error"]:
            print(f"  Fehler:       {row['last_error']}")
    return 0


def _cmd_sources_remove(args: argparse.Namespace) -> int:
    from kundenwert.sources import SourceError, remove_source

    try:
        removed = remove_source(get_engine(), args.label)
    except SourceError as error:
        raise CliError(str(error)) from error
    print(
        f"Datenquelle „{args.label}“ entfernt: {removed['orders']} Bestellungen, "
        f"{removed['contacts']} Kontakte, {removed['persons']} Personen ohne weitere Kontakte"
    )
    return 0


def _sync_progress() -> Any:
    interactive = sys.stderr.isatty()

    def report(fraction: float, message: str) -> None:
        line = f"{fraction:6.1%}  {message}"
        if interactive:
            print(f"\r{line:<78}", end="\n" if fraction >= 1 else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return report


def _cmd_sync(args: argparse.Namespace) -> int:
    from kundenwert.models import SyncStatus
    from kundenwert.sync import SyncError, sync_all, sync_source

    engine = get_engine()
    progress = None if args.quiet else _sync_progress()
    if args.source:
        try:
            outcomes: dict[str, Any] = {
                args.source: sync_source(engine, args.source, args.full, progress)
            }
        except SyncError as error:
            raise CliError(str(error)) from error
    else:
        outcomes = dict(sync_all(engine, args.full, progress))
        if not outcomes:
            print("Keine Datenquelle mit Schnittstelle. Anlegen: python -m kundenwert sources add")
            return 0
    rows: list[dict[str, Any]] = []
    for label, run in outcomes.items():
        if isinstance(run, SyncError):
            rows.append({"label": label, "status": "failed", "error": str(run)})
            continue
        rows.append(
            {
                "label": label,
                "status": run.status,
                "full": run.full_sync,
                "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at),
                "orders_added": run.orders_added,
                "orders_updated": run.orders_updated,
                "contacts_added": run.contacts_added,
                "contacts_updated": run.contacts_updated,
                "refunds_added": run.refunds_added,
                "error": run.error,
            }
        )
    failed = [row for row in rows if row["status"] != SyncStatus.OK.value]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for row in rows:
            if row["status"] == SyncStatus.OK.value:
                print(
                    f"{row['label']}: ok – Bestellungen {row['orders_added']} neu, "
                    f"{row['orders_updated']} geändert; Kontakte {row['contacts_added']} neu, "
                    f"{row['contacts_updated']} geändert"
                )
    for row in failed:
        print(f"Fehler bei {row['label']}: {row['error']}", file=sys.stderr)
    return 1 if failed else 0


def _add_sync_commands(sub: Any) -> None:
    sources = sub.add_parser("sources", help="connected accounts: add, list, remove")
    actions = sources.add_subparsers(dest="sources_command", required=True)

    add = actions.add_parser("add", help="connect an account of a tool (credentials encrypted)")
    add.add_argument("--kind", required=True, help="tool, e.g. woocommerce")
    add.add_argument("--label", required=True, help="your name for the account")
    add.add_argument("--base-url", default=None, help="the account's address (a shop's URL)")
    add.add_argument("--key", default=None, help="API key / consumer key ('-' asks)")
    add.add_argument("--secret", default=None, help="API secret / consumer secret ('-' asks)")
    add.add_argument("--token", default=None, help="API token ('-' asks)")
    add.set_defaults(handler=_cmd_sources_add)

    lst = actions.add_parser("list", help="every source with its data and last sync")
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(handler=_cmd_sources_list)

    rem = actions.add_parser("remove", help="remove a source and everything read from it")
    rem.add_argument("label")
    rem.set_defaults(handler=_cmd_sources_remove)

    sync = sub.add_parser("sync", help="pull new data from the connected accounts")
    sync.add_argument("--source", default=None, help="only this source (label)")
    sync.add_argument("--full", action="store_true", help="read everything, not only changes")
    sync.add_argument("--format", choices=("table", "json"), default="table")
    sync.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sync.set_defaults(handler=_cmd_sync)


# --- KPIs and lifecycle -------------------------------------------------------------------------


def _day(text: str, option: str) -> date:
    """A day as YYYY-MM-DD or DD.MM.YYYY."""
    try:
        return i18n.parse_day(text)
    except ValueError:
        raise CliError(f"{option}: „{text}“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)") from None


def optional_day(text: str | None, option: str) -> date | None:
    """:func:`_day` for an option that may be left out (None stays None)."""
    return None if text is None else _day(text, option)


def _range(args: argparse.Namespace) -> tuple[date, date]:
    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if start > end:
        raise CliError(f"--from {start} liegt nach --to {end}")
    return start, end


def _kpi_dataset(args: argparse.Namespace) -> Dataset:
    """The dataset narrowed to the persons of the filter options (all without any)."""
    from kundenwert.cli_segments import filtered_dataset

    settings = get_settings()
    ds = build_dataset(
        load_frames(settings.resolved_database_url),
        MoneyBasis(args.basis or settings.money_basis),
        settings.base_currency,
        load_test_rules(get_engine()),
    )
    return filtered_dataset(ds, args)


_KPI_AMOUNTS = ("revenue", "aov", "revenue_per_customer", "avg_ltv", "refunds")


def _kpi_json(figures: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in figures.as_dict().items():
        if name in ("start", "end", "previous"):
            continue
        if name in _KPI_AMOUNTS:
            out[name] = _amount(value)
        elif isinstance(value, float):
            out[name] = round(value, 4)
        else:
            out[name] = value
    return out


def _cmd_kpis(args: argparse.Namespace) -> int:
    from kundenwert.metrics import kpis

    start, end = _range(args)
    ds = _kpi_dataset(args)
    settings = get_settings()
    result = kpis(ds, start, end, settings.inactivity_days)
    previous = result.previous
    from kundenwert.cli_business import business_json, print_business

    business, business_before = business_json(ds, start, end)
    document = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "currency": ds.base_currency,
        "basis": ds.basis.value,
        **_kpi_json(result),
        **business,
        "previous": {
            "from": previous.start.isoformat(),
            "to": previous.end.isoformat(),
            **_kpi_json(previous),
            **business_before,
        },
    }
    if args.format == "json":
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{start} – {end}  (davor {previous.start} – {previous.end}), {ds.base_currency}")
    for name, value in _kpi_json(result).items():
        before = document["previous"][name]
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
            before = ", ".join(f"{k} {v}" for k, v in before.items())
            print(f"{name:<22} {value}  (davor {before})")
            continue
        change = result.change(name)
        trend = f"{change:+.1%}" if change is not None else "–"
        print(f"{name:<22} {value!s:>12} {before!s:>12}  {trend}")
    print_business(business, business_before)
    return 0


def _cmd_lifecycle(args: argparse.Namespace) -> int:
    from kundenwert.lifecycle import lifecycle

    start, end = _range(args)
    ds = _kpi_dataset(args)
    frame = lifecycle(ds, start, end, args.freq, get_settings().inactivity_days)
    rows = [
        {
            "period": row["period"].isoformat(),
            "new_customers": row["new_customers"],
            "returning_customers": row["returning_customers"],
            "lost_customers": row["lost_customers"],
            "revenue": _amount(row["revenue"]),
        }
        for row in frame.iter_rows(named=True)
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if args.format == "csv":
        writer.writerow(rows[0].keys() if rows else ["period"])
        writer.writerows(r.values() for r in rows)
        return 0
    header = ("period", "new", "returning", "lost", "revenue")
    print("  ".join(f"{h:>10}" for h in header))
    for r in rows:
        print("  ".join(f"{v!s:>10}" for v in r.values()))
    print(f"Umsatz in {ds.base_currency} ({ds.basis.value})")
    return 0


def _add_kpi_commands(sub: Any) -> None:
    for name, help_text in (
        ("kpis", "all KPI figures of a date range with the previous period"),
        ("lifecycle", "new, returning and lost customers and revenue per day/week/month"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        command.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD, inclusive")
        command.add_argument("--basis", choices=[b.value for b in MoneyBasis], default=None)
        if name == "kpis":
            command.add_argument("--format", choices=("table", "json"), default="table")
            command.set_defaults(handler=_cmd_kpis)
        else:
            command.add_argument("--freq", choices=("day", "week", "month"), default="month")
            command.add_argument("--format", choices=("table", "csv", "json"), default="table")
            command.set_defaults(handler=_cmd_lifecycle)


# --- RFM ------------------------------------------------------------------------------------------


def _cmd_rfm(args: argparse.Namespace) -> int:
    from kundenwert.metrics import german_today
    from kundenwert.rfm import SEGMENT_LABELS_DE, score

    as_of = optional_day(args.as_of, "--as-of") or german_today()
    since = optional_day(args.since, "--since")
    if since is not None and since > as_of:
        raise CliError(f"--since {since} liegt nach --as-of {as_of}")
    settings = get_settings()
    ds = build_dataset(
        load_frames(settings.resolved_database_url),
        MoneyBasis(args.basis or settings.money_basis),
        settings.base_currency,
        load_test_rules(get_engine()),
    )
    from kundenwert.cli_segments import filter_persons

    wanted = filter_persons(ds, args, as_of)  # scores stay ranked over everybody
    result = score(ds, as_of, since=since, grid=load_rfm_grid(get_engine()), persons=wanted)
    cutoffs: dict[str, list[dict[str, Any]]] = {}
    for row in result.cutoffs.iter_rows(named=True):
        money = row["dimension"] == "monetary"
        low, high = row["min"], row["max"]
        cutoffs.setdefault(row["dimension"], []).append(
            {
                "score": row["score"],
                "min": _amount(low) if money and low is not None else low,
                "max": _amount(high) if money and high is not None else high,
                "persons": row["persons"],
            }
        )
    segments = [
        {
            "segment": row["segment"],
            "label_de": SEGMENT_LABELS_DE[row["segment"]],
            "persons": row["persons"],
            "share": round(row["share"], 4),
            "revenue": _amount(row["revenue"]),
            "orders": row["orders"],
            "aov": None if row["aov"] is None else _amount(row["aov"]),
            "avg_recency_days": None
            if row["avg_recency_days"] is None
            else round(row["avg_recency_days"], 1),
        }
        for row in result.segments.iter_rows(named=True)
    ]
    persons = [
        {
            "person_id": row["person_id"],
            "email": row["email"],
            "name": row["name"],
            "recency_days": row["recency_days"],
            "frequency": row["frequency"],
            "orders": row["orders"],
            "monetary": _amount(row["monetary"]),
            "r": row["r"],
            "f": row["f"],
            "m": row["m"],
            "fm": row["fm"],
            "segment": row["segment"],
        }
        for row in result.persons.iter_rows(named=True)
    ]
    document = {
        "as_of": as_of.isoformat(),
        "since": since.isoformat() if since else None,
        "currency": ds.base_currency,
        "basis": ds.basis.value,
        "cutoffs": cutoffs,
        "segments": segments,
        "persons": persons,
    }
    if args.format == "json":
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"RFM am {as_of}" + (f", Bestellungen ab {since}" if since else "") + ":")
    for dimension, rows in cutoffs.items():
        ranges = "  ".join(f"{r['score']}: {r['min']}–{r['max']}" for r in rows if r["persons"])
        print(f"  {dimension:<13} {ranges}")
    print(f"\n{'Segment':<26} {'Personen':>8} {'Anteil':>7} {'Umsatz':>12} {'Ø Bon':>10}")
    for s in segments:
        aov = "–" if s["aov"] is None else f"{s['aov']:.2f}"
        print(
            f"{s['label_de']:<26} {s['persons']:>8} {s['share']:>7.1%} "
            f"{s['revenue']:>12.2f} {aov:>10}"
        )
    print(f"\n{'person_id':>9}  {'R':>1} {'F':>1} {'M':>1}  {'Segment':<26} email")
    for p in persons:
        label = SEGMENT_LABELS_DE[p["segment"]]
        print(f"{p['person_id']:>9}  {p['r']} {p['f']} {p['m']}  {label:<26} {p['email'] or ''}")
    print(f"{len(persons)} Personen bewertet, Werte in {ds.base_currency} ({ds.basis.value})")
    return 0


def _add_rfm_command(sub: Any) -> None:
    rfm = sub.add_parser("rfm", help="RFM scores and segment per person, per-segment summary")
    rfm.add_argument("--as-of", default=None, help="YYYY-MM-DD, default today (German day)")
    rfm.add_argument("--since", default=None, help="only orders from this day (default: all)")
    rfm.add_argument("--basis", choices=[b.value for b in MoneyBasis], default=None)
    rfm.add_argument("--format", choices=("table", "json"), default="table")
    rfm.set_defaults(handler=_cmd_rfm)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 2
    except DATABASE_ERRORS as error:
        print(f"Fehler: {database_error_message(error)}", file=sys.stderr)
        return 3
    except BrokenPipeError:
        # the reader went away (`… | head`): stop quietly, as Unix tools do, and keep Python
        # from complaining again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # e.g. the data directory is a file or not writable
        print(f"Fehler: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 3
