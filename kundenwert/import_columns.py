"""Which cells of an export the importer reads: columns by field, and rows that are sales.

Three things a tool's export needs before its cells can be parsed one by one:

* :class:`Columns` gives the values of a canonical field, taking a format's fallback columns
  row by row where the mapped column is empty (Stripe: no charge id → the PaymentIntent id);
* :func:`fill_order_level` copies an order's own values down to its further rows, where a
  shop writes them on the first row only (Shopify);
* :func:`row_kinds` tells sales from refunds and from rows that are no sale at all, in a
  payment provider's activity export (PayPal lists bank transfers, currency conversions, holds
  and the owner's own purchases next to the payments received).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import polars as pl

from kundenwert import import_formats as fmts
from kundenwert.import_spec import (
    ROW_CHARGEBACK,
    ROW_REFUND,
    ROW_SALE,
    ROW_SKIP,
    ROW_SUBSCRIPTION,
    ImportFormat,
    normalise_header,
    normalise_value,
)


def fallback_columns(
    columns: Sequence[str], mapping: dict[str, str], fmt: ImportFormat
) -> dict[str, list[str]]:
    """Field → the file's columns that stand in for it, in the format's order of preference."""
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(normalise_header(column), column)
    found: dict[str, list[str]] = {}
    for name, headers in fmt.fallbacks.items():
        present = [by_norm[h] for h in map(normalise_header, headers) if h in by_norm]
        present = [c for c in dict.fromkeys(present) if c != mapping.get(name)]
        if present:
            found[name] = present
    return found


@dataclass
class Columns:
    """The values of a file by canonical field: its mapped column, then the fallbacks."""

    frame: pl.DataFrame
    mapping: dict[str, str]
    fallbacks: dict[str, list[str]] = field(default_factory=dict)
    _values: dict[str, list[str | None]] = field(default_factory=dict, repr=False, compare=False)

    def column(self, name: str) -> str | None:
        """The column a problem with this field is reported in."""
        return self.mapping.get(name) or next(iter(self.fallbacks.get(name, ())), None)

    def has(self, name: str) -> bool:
        return self.column(name) is not None

    def fields(self) -> set[str]:
        return set(self.mapping) | set(self.fallbacks)

    def values(self, name: str) -> list[str | None]:
        """The cells of ``name`` (read once per field: do not change the list)."""
        if name not in self._values:
            self._values[name] = self._read(name)
        return self._values[name]

    def series(self, name: str) -> pl.Series:
        """The cells of ``name`` as a Polars string series (for whole-column parsing)."""
        columns = [c for c in (self.mapping.get(name), *self.fallbacks.get(name, ())) if c]
        if len(columns) == 1:
            return self.frame[columns[0]]
        return pl.Series(name, self.values(name), dtype=pl.String)

    def _read(self, name: str) -> list[str | None]:
        columns = [c for c in (self.mapping.get(name), *self.fallbacks.get(name, ())) if c]
        if not columns:
            return [None] * self.frame.height
        values: list[str | None] = self.frame[columns[0]].to_list()
        for column in columns[1:]:
            values = [
                value if value and value.strip() else other
                for value, other in zip(values, self.frame[column].to_list(), strict=True)
            ]
        return values


def fill_order_level(table: fmts.Table, columns: Columns, fmt: ImportFormat) -> fmts.Table:
    """The order's own columns filled down to all rows of the order (same order id)."""
    order_column = columns.mapping.get("order_id")
    if not fmt.order_level or order_column is None:
        return table
    names = {
        column
        for name in fmt.order_level
        for column in (columns.mapping.get(name), *columns.fallbacks.get(name, ()))
        if column and column != order_column
    }
    if not names:
        return table
    frame = table.frame.with_columns(
        pl.col(name).forward_fill().over(order_column) for name in sorted(names)
    )
    return fmts.Table(frame=frame, lines=table.lines, excel=table.excel, delimiter=table.delimiter)


def classifies_rows(fmt: ImportFormat) -> bool:
    return bool(fmt.row_types or fmt.skip_type_words or fmt.incoming or fmt.outgoing)


def row_kinds(columns: Columns, fmt: ImportFormat) -> list[str]:
    """ROW_SALE / ROW_SUBSCRIPTION / ROW_REFUND / ROW_CHARGEBACK / ROW_SKIP for every row.

    A row is a sale when money came in and its type is not one that moves money without a sale
    (a bank transfer, a conversion, a hold); a refund or chargeback when money went out with a
    refund type and the row names the payment it refunds. Everything else is skipped: the
    owner's own purchases, fees, and rows that moved no money (PayPal's "Memo").
    """
    if not classifies_rows(fmt):
        return [ROW_SALE] * columns.frame.height
    directions = fmt.incoming | fmt.outgoing
    kinds = []
    for row_type, direction, amount, refund_of in zip(
        columns.values("row_type"),
        columns.values("direction"),
        columns.values("amount"),
        columns.values("refund_of"),
        strict=True,
    ):
        kinds.append(
            _row_kind(
                normalise_value(row_type or ""),
                normalise_value(direction or ""),
                amount or "",
                bool(refund_of and refund_of.strip()),
                fmt,
                directions,
            )
        )
    return kinds


def _row_kind(
    row_type: str,
    direction: str,
    amount: str,
    names_payment: bool,
    fmt: ImportFormat,
    directions: Collection[str],
) -> str:
    if direction and directions and direction not in directions:
        return ROW_SKIP  # no money moved (Memo)
    kind = fmt.row_types.get(row_type)
    if kind is None and any(word in row_type for word in fmt.skip_type_words):
        kind = ROW_SKIP
    if kind == ROW_SKIP:
        return ROW_SKIP
    money_in = direction in fmt.incoming if direction else not _negative(amount)
    if kind in (ROW_REFUND, ROW_CHARGEBACK):
        # A refund the owner received as a buyer, or one that names no payment, is no refund
        # of a sale in this file.
        return kind if not money_in and names_payment else ROW_SKIP
    if not money_in:
        return ROW_SKIP  # a payment the owner made
    return ROW_SUBSCRIPTION if kind == ROW_SUBSCRIPTION else ROW_SALE


def _negative(amount: str) -> bool:
    text = amount.strip()
    return bool(text) and fmts.amount_sign(text) < 0


def without_rows(table: fmts.Table, keep: Sequence[bool]) -> fmts.Table:
    """The table without the rows whose ``keep`` is False (their line numbers go with them)."""
    frame = table.frame.filter(pl.Series(keep, dtype=pl.Boolean))
    lines = [line for line, kept in zip(table.lines, keep, strict=True) if kept]
    return fmts.Table(frame=frame, lines=lines, excel=table.excel, delimiter=table.delimiter)
