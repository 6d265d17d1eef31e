"""CSV and Excel import of orders and customers, for every tool without a connector.

The whole file is read and checked before anything is written: one bad cell rejects the file
with its row (as Excel numbers it, header = row 1), its column and the reason, and the database
stays as it was. A good file is written in one transaction through :func:`kundenwert.ingest.
ingest`, keyed by (source, order id), so importing the same file again adds nothing.

Rows become orders like this (the generic format is documented in ``docs/import-format.md``):

* rows with the same order id are the items of one order; its gross is the sum of their
  amounts, and e-mail, date, currency, status and kind must agree between them;
* in a tool export with one row per payment (CopeCart, ablefy) the transaction id is the key,
  and a refund or chargeback row is attached to the payment of the same order it refunds;
* ``refunded`` is the refunded gross amount: it becomes a refund with an id derived from the
  order id and turns a paid order into refunded or partially refunded; an order that is
  refunded or charged back without an amount is refunded in full;
* one contact per customer: the tool's customer id where the file has one, else the
  normalised e-mail address;
* in a payment provider's activity export (PayPal) only sales are orders: rows that are no sale
  are skipped and counted, and a refund row refunds the payment it names, also one imported
  from an earlier export into the same source;
* a shop export that writes an order's own columns on its first row only (Shopify) has them
  filled down to the order's other rows; its total counts once.

A file with e-mail addresses but neither order ids nor amounts is a customer list and imports
contacts only.

The work is split: :mod:`kundenwert.import_formats` reads files and cells,
:mod:`kundenwert.import_columns` picks columns and rows, :mod:`kundenwert.import_rows` parses
rows, :mod:`kundenwert.import_build` builds records, :mod:`kundenwert.import_errors` words the
problems; this module ties them together.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Engine

from kundenwert import import_formats as fmts
from kundenwert.db import session_scope
from kundenwert.import_build import attach_refund_rows, build_records, stored_orders
from kundenwert.import_columns import (
    Columns,
    fallback_columns,
    fill_order_level,
    row_kinds,
    without_rows,
)
from kundenwert.import_errors import FIELD_LABELS_DE, ImportFileError, from_file_error
from kundenwert.import_formats import FileError, ImportFormat, detect_format, map_columns
from kundenwert.import_rows import ParsedFile, Row, parse_rows, required_fields
from kundenwert.import_spec import ROW_CHARGEBACK, ROW_REFUND, ROW_SALE, ROW_SKIP
from kundenwert.ingest import get_or_create_source, ingest, paused_gc

__all__ = [
    "FIELD_LABELS_DE",
    "ImportFileError",
    "ImportPreview",
    "ImportReport",
    "detect_format",
    "import_customers",
    "import_file",
    "map_columns",
    "preview",
    "read_table",
]

read_table = fmts.read_table
PREVIEW_ROWS = 20
MAX_ERRORS = 50

# --- Results ------------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What an import would do, before anything is written (for the Datenquellen page)."""

    format_name: str
    format_label: str
    mode: str  # "orders" or "customers"
    mapping: dict[str, str]  # canonical field → file column
    unmapped: list[str]  # file columns nothing reads
    rows: pl.DataFrame  # the first parsed rows, canonical fields
    row_count: int
    errors: list[ImportFileError] = field(default_factory=list)
    # Rows that are no sale (PayPal: bank transfers, conversions, the owner's own payments) and
    # refunds whose payment is not in the file: read, but not imported.
    rows_skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    format_name: str
    source_label: str
    source_kind: str
    mode: str
    rows_read: int
    orders_added: int = 0
    orders_updated: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    refunds_added: int = 0
    rows_skipped: int = 0

    def __str__(self) -> str:
        skipped = f" ({self.rows_skipped} übersprungen/skipped)" if self.rows_skipped else ""
        return (
            f"{self.source_label} ({self.format_name}): {self.rows_read} Zeilen/rows{skipped}, "
            f"Bestellungen/orders +{self.orders_added} ~{self.orders_updated}, "
            f"Kontakte/contacts +{self.contacts_added} ~{self.contacts_updated}"
        )


# --- Parsing rows -------------------------------------------------------------------------------


def _resolve_format(columns: Sequence[str], format_name: str | None) -> ImportFormat:
    if not format_name:
        return detect_format(columns)
    fmt = fmts.get_format(format_name)
    if fmt is None:
        known = ", ".join(fmts.FORMATS)
        raise ImportFileError("unknown_format", value=format_name, known=known)
    return fmt


def _missing_columns_error(missing: Sequence[str], columns: Sequence[str]) -> ImportFileError:
    return ImportFileError(
        "missing_columns",
        missing=", ".join(missing),
        missing_de=", ".join(f"{FIELD_LABELS_DE[m]} ({m})" for m in missing),
        found=", ".join(columns) or "-",
    )


def _mode(mapping: Collection[str], customers_only: bool) -> str:
    """A file with e-mail addresses but neither order ids nor amounts is a customer list."""
    if customers_only:
        return "customers"
    has_order_fields = any(f in mapping for f in fmts.ORDER_FIELDS)
    return "orders" if has_order_fields or "email" not in mapping else "customers"


def _parse(
    data: bytes, filename: str, format_name: str | None, customers_only: bool = False
) -> ParsedFile:
    try:
        table = fmts.read(data, filename)
    except FileError as error:
        raise from_file_error(error) from error
    frame = table.frame
    fmt = _resolve_format(frame.columns, format_name)
    mapping = map_columns(frame, fmt)
    columns = Columns(frame, mapping, fallback_columns(frame.columns, mapping, fmt))
    available = columns.fields()
    mode = _mode(available, customers_only)
    read = set(mapping.values()) | {c for cs in columns.fallbacks.values() for c in cs}
    unmapped = [c for c in frame.columns if c not in read]
    missing = [
        f
        for f in required_fields(mode, fmt)
        if f not in available and fmts.STAND_INS.get(f) not in available
    ]
    if missing:
        raise _missing_columns_error(missing, frame.columns)
    if frame.height == 0:
        raise ImportFileError("no_rows")
    kinds = row_kinds(columns, fmt) if mode == "orders" else [ROW_SALE] * frame.height
    keep = [kind != ROW_SKIP for kind in kinds]
    if not all(keep):
        table = without_rows(table, keep)
    table = fill_order_level(table, Columns(table.frame, mapping, columns.fallbacks), fmt)
    columns = Columns(table.frame, mapping, columns.fallbacks)
    errors: list[ImportFileError] = []
    kept_kinds = [kind for kind in kinds if kind != ROW_SKIP]
    rows = parse_rows(table, fmt, columns, mode, errors, kept_kinds)
    dropped = keep.count(False)
    return ParsedFile(fmt, mode, mapping, unmapped, rows, errors, dropped=dropped)


_REFUND_ROW_STATUS = {ROW_REFUND: "refunded", ROW_CHARGEBACK: "chargeback"}


def _preview_frame(rows: Sequence[Row]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {
        "row": pl.Int64(),
        "order_id": pl.String(),
        "transaction_id": pl.String(),
        "date": pl.Datetime("us", "UTC"),
        "email": pl.String(),
        "first_name": pl.String(),
        "last_name": pl.String(),
        "company": pl.String(),
        "country": pl.String(),
        "city": pl.String(),
        "postcode": pl.String(),
        "product": pl.String(),
        "quantity": pl.Int64(),
        "amount_cents": pl.Int64(),
        "currency": pl.String(),
        "tax_cents": pl.Int64(),
        "status": pl.String(),
        "kind": pl.String(),
        "refunded_cents": pl.Int64(),
        "fee_cents": pl.Int64(),
        "payment_id": pl.String(),
    }
    records = [
        {
            "row": r.line,
            "order_id": r.order_id,
            "transaction_id": r.transaction_id or r.installment_id,
            "date": r.ordered_at,
            "email": r.email,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "company": r.company,
            "country": r.country,
            "city": r.city,
            "postcode": r.postcode,
            "product": r.product,
            "quantity": r.quantity,
            "amount_cents": r.amount_cents,
            "currency": r.currency,
            "tax_cents": r.tax_cents,
            "status": _REFUND_ROW_STATUS.get(r.row_kind, r.status),
            "kind": r.kind,
            "refunded_cents": -abs(r.amount_cents) if r.is_refund else r.refunded_cents,
            "fee_cents": r.fee_cents,
            "payment_id": r.payment_id,
        }
        for r in rows
    ]
    return pl.DataFrame(records, schema=schema)


# --- Public API -----------------------------------------------------------------------------------


@paused_gc()
def preview(data: bytes, filename: str, format_name: str | None = None) -> ImportPreview:
    """Detected format, column mapping, the first parsed rows and every problem found.

    Never raises for a bad file: what is wrong is in ``errors`` (the first is what
    :func:`import_file` would raise).
    """
    empty = _preview_frame([])
    try:
        parsed = _parse(data, filename, format_name)
    except ImportFileError as error:
        fmt, mapping, unmapped = fmts.GENERIC, {}, []
        try:
            frame = fmts.read_table(data, filename)
            fmt = _resolve_format(frame.columns, format_name)
            mapping = map_columns(frame, fmt)
            unmapped = [c for c in frame.columns if c not in mapping.values()]
        except (FileError, ImportFileError):
            pass
        mode = _mode(mapping, customers_only=False)
        return ImportPreview(fmt.name, fmt.label, mode, mapping, unmapped, empty, 0, [error])
    build_records(parsed)
    errors = sorted(parsed.errors, key=lambda e: e.row or 0)[:MAX_ERRORS]
    return ImportPreview(
        format_name=parsed.fmt.name,
        format_label=parsed.fmt.label,
        mode=parsed.mode,
        mapping=parsed.mapping,
        unmapped=parsed.unmapped,
        rows=_preview_frame(parsed.rows[:PREVIEW_ROWS]),
        row_count=len(parsed.rows),
        errors=errors,
        rows_skipped=parsed.skipped,
    )


def import_file(
    engine: Engine,
    data: bytes,
    filename: str,
    source_label: str,
    format_name: str | None = None,
    kind: str | None = None,
) -> ImportReport:
    """Check the whole file, then write it in one transaction into the source ``source_label``
    (created with ``kind``, else the format's tool kind). Raises :class:`ImportFileError` for
    the first problem found and writes nothing then.
    """
    with paused_gc():
        return _import(engine, _parse(data, filename, format_name), source_label, kind)


def _import(
    engine: Engine, parsed: ParsedFile, source_label: str, kind: str | None
) -> ImportReport:
    contacts, orders = build_records(parsed)
    if parsed.errors:
        raise min(parsed.errors, key=lambda e: e.row or 0)
    report = ImportReport(
        format_name=parsed.fmt.name,
        source_label=source_label,
        source_kind=kind or parsed.fmt.kind,
        mode=parsed.mode,
        rows_read=len(parsed.rows) + parsed.dropped,
        rows_skipped=parsed.skipped,
    )
    with session_scope(engine) as session:
        source = get_or_create_source(session, source_label, report.source_kind)
        report.source_kind = source.kind
        if parsed.orphan_refunds:
            # Refunds of payments from an earlier export of the same account.
            keys = sorted({row.refund_of or "" for row in parsed.orphan_refunds})
            stored = stored_orders(session, source, keys)
            known = {order.source_order_id: len(order.refunds) for order in stored}
            parsed.orphan_refunds = attach_refund_rows(stored, parsed.orphan_refunds, parsed)
            if parsed.errors:
                raise min(parsed.errors, key=lambda e: e.row or 0)
            orders += [o for o in stored if len(o.refunds) > known[o.source_order_id]]
            report.rows_skipped = parsed.skipped
        result = ingest(session, source, contacts, orders)
    report.orders_added = result.orders_added
    report.orders_updated = result.orders_updated
    report.contacts_added = result.contacts_added
    report.contacts_updated = result.contacts_updated
    report.refunds_added = result.refunds_added
    return report


def import_customers(
    engine: Engine,
    data: bytes,
    filename: str,
    source_label: str,
    kind: str | None = None,
) -> ImportReport:
    """A customer list (e-mail, names, address, optional customer id): contacts only, even
    when the file also has order columns."""
    with paused_gc():
        parsed = _parse(data, filename, "generic", customers_only=True)
        return _import(engine, parsed, source_label, kind)
