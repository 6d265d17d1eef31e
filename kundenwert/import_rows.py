"""Parsing the rows of an export into canonical values.

Plain cells (``12,50``, ``31.12.2025``, ``anna@example.de``) are read a whole column at a time
(:mod:`kundenwert.import_fast`); every other cell is parsed by the ``parse_*`` function of its
field (:mod:`kundenwert.import_formats`), each distinct value once. A cell that cannot be read
becomes an :class:`~kundenwert.import_errors.ImportFileError` with its row and column, and
parsing goes on, so that the preview can list every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import polars as pl

from kundenwert import import_fast as fast
from kundenwert import import_formats as fmts
from kundenwert.import_columns import Columns
from kundenwert.import_errors import ImportFileError
from kundenwert.import_formats import CellError, ImportFormat
from kundenwert.import_spec import ROW_CHARGEBACK, ROW_REFUND, ROW_SALE, ROW_SUBSCRIPTION
from kundenwert.settings import get_settings


@dataclass(slots=True)  # slots: a file's 100,000 rows are set attribute by attribute
class Row:
    """One data row, parsed into canonical values."""

    line: int
    order_id: str | None = None
    transaction_id: str | None = None
    installment_id: str | None = None
    ordered_at: datetime | None = None
    email: str | None = None
    customer_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    country: str | None = None
    city: str | None = None
    postcode: str | None = None
    customer_since: datetime | None = None
    product: str | None = None
    product_id: str | None = None
    quantity: int = 1
    amount_cents: int = 0
    tax_cents: int = 0
    currency: str = "EUR"
    status: str = "paid"
    kind: str = "one_time"
    refunded_cents: int = 0
    refunded_at: datetime | None = None
    payment_id: str | None = None
    # Payment-provider exports: the provider's fee (positive), a lost dispute, a test-mode
    # payment, and what kind of row this is (a sale, or a refund of the payment ``refund_of``).
    fee_cents: int | None = None
    fee_tax_cents: int = 0
    fee_currency: str | None = None
    settled_cents: int | None = None
    item_cents: int | None = None
    disputed_cents: int = 0
    dispute_status: str | None = None
    disputed_at: datetime | None = None
    sandbox: bool = False
    row_kind: str = ROW_SALE
    refund_of: str | None = None

    @property
    def is_refund(self) -> bool:
        return self.row_kind in (ROW_REFUND, ROW_CHARGEBACK)

    @property
    def order_key(self) -> str:
        if self.transaction_id:
            return self.transaction_id
        if self.installment_id and self.order_id:
            return f"{self.order_id}-{self.installment_id}"
        return self.order_id or ""

    @property
    def contact_key(self) -> str:
        return self.customer_id or self.email or ""


@dataclass
class ParsedFile:
    """A file read and parsed row by row, with every problem found; records come next."""

    fmt: ImportFormat
    mode: str
    mapping: dict[str, str]
    unmapped: list[str]
    rows: list[Row]
    errors: list[ImportFileError]
    # Rows dropped before parsing because they are no sale, and refund rows whose payment is not
    # in the file (looked up among the orders stored before when importing).
    dropped: int = 0
    orphan_refunds: list[Row] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.dropped + len(self.orphan_refunds)


def required_fields(mode: str, fmt: ImportFormat = fmts.GENERIC) -> tuple[str, ...]:
    """Fields a file needs a column for; formats with anonymous buyers need no e-mail."""
    fields = fmts.REQUIRED_ORDER_FIELDS if mode == "orders" else fmts.REQUIRED_CUSTOMER_FIELDS
    if fmt.anonymous_buyers and mode == "orders":
        return tuple(f for f in fields if f != "email")
    return fields


# Fields a refund row (PayPal: a row of its own, naming the payment it refunds) is read for;
# its e-mail and name are the owner's, not the buyer's.
_REFUND_ROW_FIELDS = frozenset(
    {"order_id", "transaction_id", "date", "time", "time_zone", "amount", "currency", "refund_of"}
)


def parse_rows(
    table: fmts.Table,
    fmt: ImportFormat,
    columns: Columns,
    mode: str,
    errors: list[ImportFileError],
    kinds: Sequence[str],
) -> list[Row]:
    base_currency = get_settings().base_currency
    rows = [
        Row(line=line, currency=base_currency, row_kind=kind)
        for line, kind in zip(table.lines, kinds, strict=True)
    ]
    default_comma = table.delimiter == ";"
    required = _required_per_row(columns, mode, fmt)
    zone = fmts.parse_zone(fmt.zone) if fmt.zone else None

    def report(row: Row, column: str | None, error: CellError) -> None:
        errors.append(ImportFileError(error.key, row=row.line, column=column, **error.params))

    refund_rows = [row.is_refund for row in rows]

    def each(
        name: str,
        parse: Callable[[str], object],
        attribute: str | None = None,
        fast: Callable[[pl.Series], Sequence[object]] | None = None,
    ) -> None:
        """Parse the column of ``name`` into ``attribute``: the cells ``fast`` reads as a whole
        column (:mod:`kundenwert.import_fast`), the others one by one, each distinct value once."""
        column = columns.column(name)
        if column is None:
            return
        values = columns.values(name)
        quick = fast(columns.series(name)) if fast is not None else [None] * len(values)
        target = attribute or name
        skip_refunds = name not in _REFUND_ROW_FIELDS
        is_required = name in required
        parsed: dict[str, object] = {}
        for row, raw, value, refund in zip(rows, values, quick, refund_rows, strict=True):
            if refund and skip_refunds:
                continue
            if value is not None:
                setattr(row, target, value)
                continue
            if raw is None or not raw.strip():
                if is_required:
                    errors.append(ImportFileError("empty_required", row=row.line, column=column))
                continue
            result = parsed.get(raw, _UNPARSED)
            if result is _UNPARSED:
                try:
                    result = parse(raw)
                except CellError as error:
                    result = error
                parsed[raw] = result
            if isinstance(result, CellError):
                report(row, column, result)
            else:
                setattr(row, target, result)

    def amount_parser(name: str, comma: bool | None = None) -> Callable[[str], int]:
        if comma is None:
            comma = fmts.decimal_comma(columns.values(name), default_comma)

        def parse(raw: str) -> int:
            if name == "tax" and raw.strip().endswith("%"):
                raise CellError("tax_is_rate", value=raw)
            return fmts.parse_amount(raw, comma, excel=table.excel)

        return parse

    def amount(name: str, attribute: str) -> None:
        comma = fmts.decimal_comma(columns.values(name), default_comma)
        each(
            name,
            amount_parser(name, comma),
            attribute,
            lambda values: fast.plain_amount_cents(values, comma),
        )

    for name in ("order_id", "transaction_id", "installment_id", "customer_id", "product_id"):
        each(name, fmts.parse_text, fast=fast.plain_text)
    each("payment_id", fmts.parse_text, fast=fast.plain_text)
    each("refund_of", fmts.parse_text, fast=fast.plain_text)
    each("email", fmts.parse_email, fast=fast.plain_email)

    def date_parser(name: str) -> Callable[[str], datetime]:
        order = fmts.slash_date_order(columns.values(name))
        return lambda raw: fmts.parse_date(raw, excel=table.excel, slash_order=order, zone=zone)

    # Excel's date cells (midnight = a date alone, serial numbers) and other zones: cell by cell.
    fast_dates = fast.plain_dates if zone is None and not table.excel else None
    if columns.has("time"):
        _date_times(rows, columns, table, zone, required, errors)
    else:
        each("date", date_parser("date"), "ordered_at", fast_dates)
    each("customer_since", date_parser("customer_since"), fast=fast_dates)
    each("first_name", fmts.parse_text, fast=fast.plain_text)
    each("last_name", fmts.parse_text, fast=fast.plain_text)
    each("company", fmts.parse_text, fast=fast.plain_text)
    each("country", fmts.parse_country)
    each("city", fmts.parse_text, fast=fast.plain_text)
    each("postcode", fmts.parse_postcode)
    if columns.has("full_name"):
        for row, raw in zip(rows, columns.values("full_name"), strict=True):
            if raw and not (row.first_name or row.last_name) and not row.is_refund:
                row.first_name, row.last_name = fmts.split_full_name(raw)
    if columns.has("customer_id") or fmt.anonymous_buyers:
        # Either identifies the buyer; a row needs one of them. A file that identifies buyers
        # by customer number alone (retail exports) has guest sales without one, and payment
        # exports have payments that name nobody: each such order gets an anonymous contact of
        # its own rather than rejecting the file.
        column = columns.column("email") or columns.column("customer_id")
        anonymous_allowed = mode == "orders" and (not columns.has("email") or fmt.anonymous_buyers)
        for row in rows:
            if row.contact_key or row.is_refund:
                continue
            if anonymous_allowed and row.order_id:
                row.customer_id = f"order:{row.order_id}"
            else:
                errors.append(ImportFileError("empty_required", row=row.line, column=column))
    if mode == "customers":
        return rows
    each("product", fmts.parse_text)
    allow_zero = "amount" in fmt.order_level  # items beside the order's total
    each("quantity", lambda raw: fmts.parse_quantity(raw, allow_zero=allow_zero))
    amount("amount", "amount_cents")
    if not columns.has("amount") and columns.has("unit_price"):
        _unit_prices(rows, columns, table, default_comma, errors)
    elif columns.has("unit_price"):
        _item_prices(rows, columns, table, default_comma, errors)
    amount("tax", "tax_cents")
    if not columns.has("tax") and columns.has("net"):
        net_parse = amount_parser("net")
        column = columns.column("net")
        for row, raw in zip(rows, columns.values("net"), strict=True):
            if raw and raw.strip():
                try:
                    row.tax_cents = row.amount_cents - net_parse(raw)
                except CellError as error:
                    report(row, column, error)
    each("currency", fmts.parse_currency)
    each("kind", lambda raw: fmts.parse_kind(raw, fmt))
    for row in rows:
        if row.row_kind == ROW_SUBSCRIPTION and not columns.has("kind"):
            row.kind = "subscription"
    _parse_status(rows, columns, fmt, errors)
    for row, raw in zip(rows, columns.values("cancelled_at"), strict=True):
        if raw and raw.strip() and not row.is_refund:
            row.status = "cancelled"  # Shopify: a cancelled order, whatever its payment says
    if fmt.refund_kinds:
        for row, raw in zip(rows, columns.values("kind"), strict=True):
            if raw and fmts.normalise_value(raw) in fmt.refund_kinds:
                row.status = "refunded"
    amount("refunded", "refunded_cents")
    each("refund_date", date_parser("refund_date"), "refunded_at")
    _parse_payment_details(rows, columns, each, amount_parser, date_parser)
    return rows


def _parse_payment_details(
    rows: list[Row],
    columns: Columns,
    each: Callable[..., None],
    amount_parser: Callable[[str], Callable[[str], int]],
    date_parser: Callable[[str], Callable[[str], datetime]],
) -> None:
    """What payment providers add: the fee (and tax on it) in the payout currency, disputes,
    and test-mode payments."""
    each("fee", amount_parser("fee"), "fee_cents")
    each("fee_tax", amount_parser("fee_tax"), "fee_tax_cents")
    each("fee_currency", fmts.parse_currency)
    each("settled_amount", amount_parser("settled_amount"), "settled_cents")
    each("disputed", amount_parser("disputed"), "disputed_cents")
    each("dispute_status", fmts.normalise_value)
    each("dispute_date", date_parser("dispute_date"), "disputed_at")
    each("mode", lambda raw: fmts.normalise_value(raw) in _TEST_MODES, "sandbox")
    for row in rows:
        if row.fee_cents is None:
            continue
        fee = abs(row.fee_cents) + abs(row.fee_tax_cents)
        settled = abs(row.settled_cents or 0)
        if row.fee_currency and row.fee_currency != row.currency and settled:
            # Stripe's fee is in the balance currency: scaled to the payment's currency by
            # amount / settled amount, rounded half up, in integers.
            fee = (fee * abs(row.amount_cents) * 2 + settled) // (settled * 2)
        row.fee_cents = fee


_TEST_MODES = frozenset({"test", "testmodus", "sandbox"})


def _date_times(
    rows: list[Row],
    columns: Columns,
    table: fmts.Table,
    zone: tzinfo | None,
    required: set[str],
    errors: list[ImportFileError],
) -> None:
    """Date, time and time zone in three columns (PayPal): a time without a zone column is in
    the format's zone, else German time."""
    date_column, time_column = columns.column("date"), columns.column("time")

    def report(row: Row, column: str | None, error: CellError) -> None:
        errors.append(ImportFileError(error.key, row=row.line, column=column, **error.params))

    zone_column = columns.column("time_zone")
    order = fmts.slash_date_order(columns.values("date"))
    for row, day, clock, zone_raw in zip(
        rows,
        columns.values("date"),
        columns.values("time"),
        columns.values("time_zone"),
        strict=True,
    ):
        if not day or not day.strip():
            if "date" in required:
                errors.append(ImportFileError("empty_required", row=row.line, column=date_column))
            continue
        row_zone = zone
        try:
            if zone_raw and zone_raw.strip():
                row_zone = fmts.parse_zone(zone_raw)
        except CellError as error:
            report(row, zone_column, error)
            continue
        try:
            row.ordered_at = fmts.parse_date_time(
                day, clock, row_zone, excel=table.excel, slash_order=order
            )
        except CellError as error:
            report(row, time_column if error.key == "bad_time" else date_column, error)


def _required_per_row(columns: Columns, mode: str, fmt: ImportFormat) -> set[str]:
    """Fields that must not be empty in any row. With a customer id column, e-mail or customer
    id will do (checked after parsing); without an amount column, the unit price is needed."""
    required = set(required_fields(mode, fmt))
    if columns.has("customer_id"):
        required.discard("email")
    if "amount" in required and not columns.has("amount"):
        required.discard("amount")
        required.add("unit_price")
    return required


def _prices(
    rows: list[Row],
    columns: Columns,
    table: fmts.Table,
    default_comma: bool,
    errors: list[ImportFileError],
    required: bool,
) -> list[int | None]:
    """Unit price × quantity of every row, in cents (None where the cell is empty)."""
    values = columns.values("unit_price")
    comma = fmts.decimal_comma(values, default_comma)
    column = columns.column("unit_price")
    totals: list[int | None] = []
    for row, raw in zip(rows, values, strict=True):
        totals.append(None)
        if not raw or not raw.strip():
            if required:
                errors.append(ImportFileError("empty_required", row=row.line, column=column))
            continue
        try:
            price = fmts.parse_decimal(raw, comma, excel=table.excel)
        except CellError as error:
            errors.append(ImportFileError(error.key, row=row.line, column=column, **error.params))
            continue
        totals[-1] = fmts.line_total_cents(price, row.quantity)
    return totals


def _unit_prices(
    rows: list[Row],
    columns: Columns,
    table: fmts.Table,
    default_comma: bool,
    errors: list[ImportFileError],
) -> None:
    """amount = unit price × quantity, where a file gives no line total."""
    for row, total in zip(
        rows, _prices(rows, columns, table, default_comma, errors, required=True), strict=True
    ):
        if total is not None:
            row.amount_cents = total


def _item_prices(
    rows: list[Row],
    columns: Columns,
    table: fmts.Table,
    default_comma: bool,
    errors: list[ImportFileError],
) -> None:
    """The line total of each item, where the amount is the order's total (Shopify)."""
    for row, total in zip(
        rows, _prices(rows, columns, table, default_comma, errors, required=False), strict=True
    ):
        row.item_cents = total


def _parse_status(
    rows: list[Row],
    columns: Columns,
    fmt: ImportFormat,
    errors: list[ImportFileError],
) -> None:
    """The status column; a second status column (ablefy: TYP says what the row is, STATUS how
    it went) is read where the first says nothing useful or says "paid" for a payment that
    failed or is still open."""
    main = columns.values("status")
    detail = columns.values("status_detail")
    known: dict[str, str | CellError] = {}  # a status column has a handful of values
    for row, raw, raw_detail in zip(rows, main, detail, strict=True):
        if row.is_refund:
            continue
        status: str | None = None
        problem: tuple[str, CellError] | None = None
        for name, value in (("status", raw), ("status_detail", raw_detail)):
            if not value or not value.strip():
                continue
            if value not in known:
                try:
                    known[value] = fmts.parse_status(value, fmt)
                except CellError as cell_error:
                    known[value] = cell_error
            parsed = known[value]
            if isinstance(parsed, CellError):
                problem = problem or (name, parsed)
                continue
            if status is None or (status == "paid" and parsed in NOT_YET_PAID):
                status = parsed
        if status is not None:
            row.status = status
        elif problem is not None:
            name, error = problem
            column = columns.column(name)
            errors.append(ImportFileError(error.key, row=row.line, column=column, **error.params))


_UNPARSED = object()
NOT_YET_PAID = frozenset({"failed", "pending", "cancelled"})
