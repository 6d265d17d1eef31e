"""Inputs the owner types or imports: costs per month and channel, visitors per month, survey
answers (DESIGN.md "Canonical data model"). They feed CAC, conversion, NPS and CSAT
(:mod:`kundenwert.business`).

Files are read with the importer's helpers (:mod:`kundenwert.import_formats`): UTF-8 or Excel's
Windows-1252 CSV, any delimiter, German numbers (``1.234,56``) and dates (``31.12.2025``), and
.xlsx. An import is all-or-nothing: every problem is listed with its row and column, and the
database changes only when there is none. Rows are upserted by their natural key (month +
channel + kind, month, e-mail + day), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from kundenwert import i18n
from kundenwert import import_formats as fmts
from kundenwert.db import session_scope
from kundenwert.import_errors import ImportFileError
from kundenwert.import_spec import header_names, normalise_header, normalise_value
from kundenwert.models import Contact, MarketingCost, MonthlyVisitors, SurveyAnswer

INPUT_KINDS = ("costs", "visitors", "survey")
COST_KINDS = ("marketing", "sales")
_COST_KIND_VALUES = {
    "marketing": "marketing",
    "werbung": "marketing",
    "ads": "marketing",
    "sales": "sales",
    "vertrieb": "sales",
    "verkauf": "sales",
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "month": header_names("month | monat | zeitraum | period | datum | date"),
    "channel": header_names("channel | kanal | marketingkanal | quelle | source"),
    "kind": header_names("kind | art | kostenart | typ | type"),
    "amount": header_names("amount | betrag | kosten | costs | cost | summe | ausgaben"),
    "currency": header_names("currency | währung | waehrung"),
    "visitors": header_names("visitors | besucher | sitzungen | sessions | users | nutzer"),
    "email": header_names("email | e-mail | e-mail-adresse | mail"),
    "date": header_names("date | datum | answered_at | beantwortet am | zeitstempel | timestamp"),
    "nps": header_names("nps | weiterempfehlung | empfehlung | recommend"),
    "csat": header_names("csat | zufriedenheit | satisfaction"),
}
FIELDS = {
    "costs": ("month", "channel", "kind", "amount", "currency"),
    "visitors": ("month", "visitors"),
    "survey": ("email", "date", "nps", "csat"),
}
REQUIRED = {
    "costs": ("month", "channel", "amount"),
    "visitors": ("month", "visitors"),
    "survey": ("email", "date"),
}
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{1,2})[-/.](\d{4})$")
_MAX_LISTED = 25


@dataclass(frozen=True)
class InputProblem:
    """One reason a file is rejected: ``row`` as Excel numbers it (header = 1), the column as
    the file names it, and the reason in German and English."""

    row: int | None
    column: str | None
    reason_de: str
    reason_en: str

    def message(self, lang: str = "de") -> str:
        german = i18n.normalise_language(lang) == "de"
        reason = self.reason_de if german else self.reason_en
        if self.row is None:
            return reason
        word, col_word = ("Zeile", "Spalte") if german else ("Row", "column")
        where = f"{word} {self.row}" + (f", {col_word} '{self.column}'" if self.column else "")
        return f"{where}: {reason}"


class InputsFileError(Exception):
    """A file that was not imported, with every problem found; nothing was stored."""

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.message("en"))

    def message(self, lang: str = "de") -> str:
        lines = [p.message(lang) for p in self.problems[:_MAX_LISTED]]
        more = len(self.problems) - _MAX_LISTED
        if more > 0:
            lines.append(i18n.t("inputs.error.more", lang, count=more))
        return "\n".join(lines)


@dataclass
class InputsReport:
    """What an import stored: rows read, added, changed; survey e-mails without a customer."""

    kind: str
    rows: int
    added: int = 0
    updated: int = 0
    unmatched_emails: list[str] = field(default_factory=list)

    def message(self, lang: str = "de") -> str:
        text = i18n.t("inputs.report", lang, rows=self.rows, added=self.added, updated=self.updated)
        if self.unmatched_emails:
            text += " " + i18n.t("inputs.report_unmatched", lang, count=len(self.unmatched_emails))
        return text


def _problem(row: int | None, column: str | None, key: str, **params: Any) -> InputProblem:
    return InputProblem(row, column, i18n.t(key, "de", **params), i18n.t(key, "en", **params))


def _cell_problem(row: int, column: str, error: fmts.CellError) -> InputProblem:
    """The importer's own wording for a cell it could not read."""
    wrapped = ImportFileError(error.key, **error.params)
    return InputProblem(row, column, wrapped.message("de"), wrapped.message("en"))


def parse_month(raw: str, excel: bool = False) -> date:
    """The first day of the month in ``2025-03``, ``03.2025``, ``3/2025`` or a full date."""
    text = raw.strip()
    match = _MONTH.match(text)
    if match:
        year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
        if 1 <= int(month) <= 12:
            return date(int(year), int(month), 1)
        raise fmts.CellError("bad_date", value=raw)
    moment = fmts.parse_date(text, excel=excel)
    day = moment.astimezone(fmts.LOCAL_ZONE).date()
    return day.replace(day=1)


def _whole_number(raw: str) -> int:
    """A count such as ``1.234`` (German grouping), ``1,234`` or ``1234``."""
    digits = re.sub(r"[\s.,’']", "", raw.strip())
    if not digits.isdigit():
        raise ValueError(raw)
    return int(digits)


def _score(raw: str, low: int, high: int) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(text)
    return int(text)


@dataclass
class _Reader:
    """Walks the rows of a table and collects problems instead of stopping at the first."""

    table: fmts.Table
    mapping: dict[str, str]
    problems: list[InputProblem] = field(default_factory=list)

    def cell(self, index: int, name: str) -> str:
        column = self.mapping.get(name)
        if column is None:
            return ""
        value = self.table.frame[column][index]
        return "" if value is None else str(value).strip()

    def read(self, index: int, name: str, parse: Callable[[str], Any], key: str = "") -> Any:
        """``parse`` of the cell; a problem (and None) when it cannot be read or is empty."""
        raw, line, column = self.cell(index, name), self.table.lines[index], self.mapping.get(name)
        if not raw and name in ("month", "channel", "amount", "visitors", "email", "date"):
            self.problems.append(_problem(line, column, "inputs.error.empty"))
            return None
        try:
            return parse(raw)
        except fmts.CellError as error:
            self.problems.append(_cell_problem(line, column or name, error))
        except ValueError:
            self.problems.append(_problem(line, column, key or "inputs.error.bad_value", value=raw))
        return None


def _mapping(table: fmts.Table, kind: str) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for column in table.frame.columns:
        by_norm.setdefault(normalise_header(column), column)
    mapping: dict[str, str] = {}
    for name in FIELDS[kind]:
        for alias in COLUMNS[name]:
            found = by_norm.get(normalise_header(alias))
            if found is not None and found not in mapping.values():
                mapping[name] = found
                break
    missing = [name for name in REQUIRED[kind] if name not in mapping]
    if kind == "survey" and "nps" not in mapping and "csat" not in mapping:
        missing.append("nps/csat")
    if missing:
        found = ", ".join(table.frame.columns)
        raise InputsFileError(
            [_problem(None, None, "inputs.error.columns", missing=", ".join(missing), found=found)]
        )
    return mapping


def _read_table(data: bytes, filename: str) -> fmts.Table:
    try:
        table = fmts.read(data, filename)
    except fmts.FileError as error:
        wrapped = ImportFileError(error.key, row=error.row, **error.params)
        raise InputsFileError(
            [InputProblem(error.row, None, wrapped.message("de"), wrapped.message("en"))]
        ) from error
    if table.frame.height == 0:
        raise InputsFileError([_problem(None, None, "inputs.error.no_rows")])
    return table


def _cost_kind(raw: str) -> str:
    if not raw:
        return "marketing"
    kind = _COST_KIND_VALUES.get(normalise_value(raw))
    if kind is None:
        raise ValueError(raw)
    return kind


def _parse_costs(reader: _Reader) -> list[dict[str, Any]]:
    table = reader.table
    comma = fmts.decimal_comma(table.frame[reader.mapping["amount"]].to_list(), default=True)
    rows = []
    for i in range(table.frame.height):
        row = {
            "month": reader.read(i, "month", lambda s: parse_month(s, table.excel)),
            "channel": reader.read(i, "channel", str),
            "kind": reader.read(i, "kind", _cost_kind, "inputs.error.bad_cost_kind"),
            "amount_cents": reader.read(
                i, "amount", lambda s: fmts.parse_amount(s, comma, table.excel)
            ),
            "currency": reader.read(i, "currency", lambda s: fmts.parse_currency(s or "EUR")),
        }
        if row["amount_cents"] is not None and row["amount_cents"] < 0:
            line, column = table.lines[i], reader.mapping["amount"]
            reader.problems.append(_problem(line, column, "inputs.error.negative"))
        rows.append({"line": table.lines[i], **row})
    return rows


def _parse_visitors(reader: _Reader) -> list[dict[str, Any]]:
    table = reader.table
    return [
        {
            "line": table.lines[i],
            "month": reader.read(i, "month", lambda s: parse_month(s, table.excel)),
            "visitors": reader.read(i, "visitors", _whole_number, "inputs.error.bad_count"),
        }
        for i in range(table.frame.height)
    ]


def _answer_day(raw: str, excel: bool) -> date:
    return fmts.parse_date(raw, excel=excel).astimezone(fmts.LOCAL_ZONE).date()


def _parse_survey(reader: _Reader) -> list[dict[str, Any]]:
    table = reader.table
    rows = []
    for i in range(table.frame.height):
        row = {
            "line": table.lines[i],
            "email": reader.read(i, "email", fmts.parse_email),
            "answered_on": reader.read(i, "date", lambda s: _answer_day(s, table.excel)),
            "nps": reader.read(i, "nps", lambda s: _score(s, 0, 10), "inputs.error.bad_nps"),
            "csat": reader.read(i, "csat", lambda s: _score(s, 1, 5), "inputs.error.bad_csat"),
        }
        if not reader.cell(i, "nps") and not reader.cell(i, "csat"):
            reader.problems.append(_problem(table.lines[i], None, "inputs.error.no_score"))
        rows.append(row)
    return rows


_KEYS = {
    "costs": lambda r: (r["month"], (r["channel"] or "").casefold(), r["kind"]),
    "visitors": lambda r: (r["month"],),
    "survey": lambda r: (r["email"], r["answered_on"]),
}


def _duplicates(kind: str, rows: list[dict[str, Any]], problems: list[InputProblem]) -> None:
    """Two rows with the same natural key would silently overwrite each other: reject."""
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = _KEYS[kind](row)
        if any(part is None for part in key):
            continue
        if key in seen:
            problems.append(_problem(row["line"], None, "inputs.error.duplicate", other=seen[key]))
        seen.setdefault(key, row["line"])


def parse_inputs(data: bytes, filename: str, kind: str) -> list[dict[str, Any]]:
    """The rows of an input file as canonical values, or :class:`InputsFileError` listing every
    problem (nothing is stored here)."""
    if kind not in INPUT_KINDS:
        raise InputsFileError([_problem(None, None, "inputs.error.kind", kind=kind)])
    table = _read_table(data, filename)
    reader = _Reader(table, _mapping(table, kind))
    parse = {"costs": _parse_costs, "visitors": _parse_visitors, "survey": _parse_survey}[kind]
    rows = parse(reader)
    _duplicates(kind, rows, reader.problems)
    if reader.problems:
        raise InputsFileError(sorted(reader.problems, key=lambda p: p.row or 0))
    return rows


# --- storing ----------------------------------------------------------------------------------


def _upsert_cost(session: Session, row: dict[str, Any]) -> bool:
    """Store one cost row; True when it was new. The channel matches regardless of case."""
    existing = session.exec(
        select(MarketingCost).where(
            MarketingCost.month == row["month"], MarketingCost.kind == row["kind"]
        )
    ).all()
    match = next((c for c in existing if c.channel.casefold() == row["channel"].casefold()), None)
    target = match or MarketingCost(
        month=row["month"], channel=row["channel"], kind=row["kind"], amount_cents=0
    )
    target.amount_cents = row["amount_cents"]
    target.currency = row["currency"]
    session.add(target)
    return match is None


def _upsert_visitors(session: Session, row: dict[str, Any]) -> bool:
    existing = session.get(MonthlyVisitors, row["month"])
    target = existing or MonthlyVisitors(month=row["month"], visitors=0)
    target.visitors = row["visitors"]
    session.add(target)
    return existing is None


def _upsert_answer(session: Session, row: dict[str, Any]) -> bool:
    existing = session.exec(
        select(SurveyAnswer).where(
            SurveyAnswer.email == row["email"], SurveyAnswer.answered_on == row["answered_on"]
        )
    ).first()
    target = existing or SurveyAnswer(email=row["email"], answered_on=row["answered_on"])
    target.nps, target.csat = row["nps"], row["csat"]
    session.add(target)
    return existing is None


_UPSERT = {"costs": _upsert_cost, "visitors": _upsert_visitors, "survey": _upsert_answer}


def store_rows(engine: Engine, kind: str, rows: list[dict[str, Any]]) -> InputsReport:
    """Upsert parsed rows in one transaction (all or nothing)."""
    report = InputsReport(kind=kind, rows=len(rows))
    with session_scope(engine) as session:
        if kind == "survey":  # persons erased under GDPR Art. 17 stay erased
            from kundenwert.gdpr import anonymise_answers

            rows = anonymise_answers(session, rows)
        for row in rows:
            if _UPSERT[kind](session, row):
                report.added += 1
            else:
                report.updated += 1
        if kind == "survey":
            report.unmatched_emails = unmatched_emails(session, [r["email"] for r in rows])
    return report


def import_inputs(engine: Engine, data: bytes, filename: str, kind: str) -> InputsReport:
    """Parse and store an input file; :class:`InputsFileError` when any row is wrong."""
    return store_rows(engine, kind, parse_inputs(data, filename, kind))


def unmatched_emails(session: Session, emails: Sequence[str]) -> list[str]:
    """The e-mails (normalised) no contact has, sorted."""
    wanted = sorted({e.strip().lower() for e in emails})
    known: set[str] = set()
    for start in range(0, len(wanted), 500):  # keep the IN list within database limits
        chunk = wanted[start : start + 500]
        known.update(
            e for e in session.exec(select(Contact.email).where(col(Contact.email).in_(chunk))) if e
        )
    return [e for e in wanted if e not in known]


def save_cost(
    engine: Engine, month: date, channel: str, kind: str, amount_cents: int, currency: str = "EUR"
) -> None:
    """Enter (or replace) one month's costs of a channel, as typed on the page."""
    channel = channel.strip()
    if not channel:
        raise InputsFileError([_problem(None, None, "inputs.error.channel")])
    if kind not in COST_KINDS or amount_cents < 0:
        raise InputsFileError([_problem(None, None, "inputs.error.negative")])
    row = {
        "month": month.replace(day=1),
        "channel": channel,
        "kind": kind,
        "amount_cents": amount_cents,
        "currency": currency,
    }
    store_rows(engine, "costs", [row])


def save_visitors(engine: Engine, month: date, visitors: int) -> None:
    if visitors < 0:
        raise InputsFileError([_problem(None, None, "inputs.error.negative")])
    store_rows(engine, "visitors", [{"month": month.replace(day=1), "visitors": visitors}])


def save_answer(
    engine: Engine, email: str, answered_on: date, nps: int | None, csat: int | None
) -> InputsReport:
    """Enter (or replace) one survey answer, as typed on the page; the report names the e-mail
    when no customer has it (the answer is kept and counted as unmatched)."""
    try:
        address = fmts.parse_email(email)
    except fmts.CellError:
        raise InputsFileError(
            [_problem(None, None, "inputs.error.bad_email", value=email)]
        ) from None
    if nps is None and csat is None:
        raise InputsFileError([_problem(None, None, "inputs.error.no_score")])
    if nps is not None and not 0 <= nps <= 10:
        raise InputsFileError([_problem(None, "nps", "inputs.error.bad_nps", value=nps)])
    if csat is not None and not 1 <= csat <= 5:
        raise InputsFileError([_problem(None, "csat", "inputs.error.bad_csat", value=csat)])
    row = {"email": address, "answered_on": answered_on, "nps": nps, "csat": csat}
    return store_rows(engine, "survey", [row])


# --- loading ----------------------------------------------------------------------------------

COST_SCHEMA = {
    "month": pl.Date(),
    "channel": pl.String(),
    "kind": pl.String(),
    "amount_cents": pl.Int64(),
    "currency": pl.String(),
}
VISITOR_SCHEMA = {"month": pl.Date(), "visitors": pl.Int64()}
SURVEY_SCHEMA = {
    "email": pl.String(),
    "answered_on": pl.Date(),
    "nps": pl.Int64(),
    "csat": pl.Int64(),
}


@dataclass(frozen=True)
class Inputs:
    """The owner's inputs as frames (see the *_SCHEMA constants)."""

    costs: pl.DataFrame
    visitors: pl.DataFrame
    surveys: pl.DataFrame

    @classmethod
    def empty(cls) -> Inputs:
        return cls(
            pl.DataFrame(schema=COST_SCHEMA),
            pl.DataFrame(schema=VISITOR_SCHEMA),
            pl.DataFrame(schema=SURVEY_SCHEMA),
        )

    def fingerprint(self) -> str:
        """Changes whenever an input changes (a cache key next to the data version)."""
        parts = [self.costs.hash_rows().sum(), self.visitors.hash_rows().sum()]
        parts.append(self.surveys.hash_rows().sum())
        sizes = (self.costs.height, self.visitors.height, self.surveys.height)
        return f"{sizes}:{parts}"


def load_inputs(engine: Engine) -> Inputs:
    """Every input row. These tables hold a few hundred rows per year, so the ORM is enough
    here (the columnar reader in :mod:`kundenwert.frames` is for orders)."""
    with Session(engine) as session:
        costs = [
            (c.month, c.channel, c.kind, c.amount_cents, c.currency)
            for c in session.exec(select(MarketingCost))
        ]
        visitors = [(v.month, v.visitors) for v in session.exec(select(MonthlyVisitors))]
        answers = [
            (a.email, a.answered_on, a.nps, a.csat) for a in session.exec(select(SurveyAnswer))
        ]
    return Inputs(
        pl.DataFrame(costs, schema=COST_SCHEMA, orient="row").sort("month", "channel", "kind"),
        pl.DataFrame(visitors, schema=VISITOR_SCHEMA, orient="row").sort("month"),
        pl.DataFrame(answers, schema=SURVEY_SCHEMA, orient="row").sort("answered_on", "email"),
    )


# --- demo data ----------------------------------------------------------------------------------

_DEMO_CHANNELS = (
    ("Digistore24", "marketing", 90_000, 160_000),
    ("WooCommerce Shop", "marketing", 30_000, 70_000),
    ("sevDesk", "sales", 20_000, 45_000),
)
_DEMO_UNMATCHED = ("leserin@example.org", "newsletter-fan@example.net", "gast@example.com")


def add_demo_inputs(session: Session, start: date, today: date, seed: int) -> None:
    """Costs and visitors for every demo month, a few survey answers in every month (three from
    strangers) and a 60 % margin, so the Kennzahlen page shows every figure on demo data. The
    current month has no costs on purpose: the page then shows what is missing."""
    import random

    rng = random.Random(seed)
    months = month_range(start.replace(day=1), today.replace(day=1))
    for month in months[:-1]:
        for channel, kind, low, high in _DEMO_CHANNELS:
            amount = rng.randrange(low, high, 100)
            session.add(MarketingCost(month=month, channel=channel, kind=kind, amount_cents=amount))
    for month in months:
        session.add(MonthlyVisitors(month=month, visitors=rng.randrange(3_000, 9_000)))
    emails = sorted({e for e in session.exec(select(Contact.email)) if e})
    per_month = max(3, len(emails) // 60)
    answered = [(rng.choice(emails), month) for month in months for _ in range(per_month)]
    answered += [(email, rng.choice(months)) for email in _DEMO_UNMATCHED]
    seen: set[tuple[str, date]] = set()
    for email, month in answered:
        days = max((min(month.replace(day=28), today) - month).days, 1)
        day = month + timedelta(days=rng.randrange(days))
        nps = rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 3, 6, 10, 12, 10))[0]
        csat = rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 4, 9, 8))[0]
        if (email, day) in seen:
            continue
        seen.add((email, day))
        with_csat = rng.random() < 0.6
        answer = SurveyAnswer(
            email=email, answered_on=day, nps=nps, csat=csat if with_csat else None
        )
        session.add(answer)
    from kundenwert.preferences import MARGIN_KEY, write_setting

    write_setting(session, MARGIN_KEY, "60")


def month_range(first: date, last: date) -> list[date]:
    """First days of the months from ``first`` to ``last`` (both first days), inclusive."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months
