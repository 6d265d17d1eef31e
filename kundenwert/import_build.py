"""Building canonical records from parsed rows: orders with items and refunds, contacts.

Rows with the same order key are one order; in exports with one row per payment, refund rows
are attached to the payment they refund (by order id, or by the payment they name); a refund of
a payment from an earlier export is attached to the order stored then (:func:`stored_orders`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from kundenwert import import_formats as fmts
from kundenwert.import_columns import classifies_rows
from kundenwert.import_errors import ImportFileError
from kundenwert.import_formats import ImportFormat
from kundenwert.import_rows import NOT_YET_PAID, ParsedFile, Row
from kundenwert.import_spec import ROW_CHARGEBACK
from kundenwert.models import Contact, Order, OrderItem, Refund, Source
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def first_value(values: Sequence[str | None]) -> str | None:
    for value in values:
        if value:
            return value
    return None


_CONTACT_ATTRIBUTES = ("email", "first_name", "last_name", "company", "country", "city", "postcode")


def _contacts(rows: Sequence[Row]) -> list[ContactRecord]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        key = row.contact_key
        if key:
            grouped.setdefault(key, []).append(row)
    contacts = []
    for key, group in grouped.items():
        since = [r.customer_since for r in group if r.customer_since is not None]
        # each attribute from the first row that has it (most customers' rows all have them)
        values = dict.fromkeys(_CONTACT_ATTRIBUTES)
        missing = list(_CONTACT_ATTRIBUTES)
        for row in group:
            for name in missing:
                values[name] = getattr(row, name)
            missing = [name for name in missing if not values[name]]
            if not missing:
                break
        contacts.append(
            ContactRecord(
                source_contact_id=key,
                **{name: value or None for name, value in values.items()},
                created_at=min(since) if since else None,
            )
        )
    return contacts


_AGREE = (
    ("email", "email"),
    ("ordered_at", "date"),
    ("currency", "currency"),
    ("status", "status"),
    ("kind", "kind"),
)


def _check_agreement(
    group: Sequence[Row], mapping: dict[str, str], errors: list[ImportFileError]
) -> None:
    """Rows of one order must agree on e-mail, date, currency, status and kind."""
    head = group[0]
    for row in group[1:]:
        for attribute, name in _AGREE:
            column = mapping.get(name)
            mine, theirs = getattr(row, attribute), getattr(head, attribute)
            if column is None or mine == theirs:
                continue
            errors.append(
                ImportFileError(
                    "conflict",
                    row=row.line,
                    column=column,
                    value=_show(mine),
                    other=_show(theirs),
                    other_row=head.line,
                    order=head.order_id,
                )
            )
            return


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(fmts.LOCAL_ZONE).strftime("%d.%m.%Y %H:%M")
    return str(value)


def _amount_column(mapping: dict[str, str]) -> str | None:
    return mapping.get("amount") or mapping.get("unit_price")


def _refund_column(mapping: dict[str, str]) -> str | None:
    return mapping.get("refunded") or mapping.get("status") or _amount_column(mapping)


def _build_order(
    key: str,
    group: Sequence[Row],
    fmt: ImportFormat,
    mapping: dict[str, str],
    errors: list[ImportFileError],
) -> OrderRecord | None:
    head = group[0]
    once = fmt.order_level  # fields given once per order, repeated on its rows
    if len(group) == 1:  # most orders: no sums to take
        gross, tax, refunded = head.amount_cents, head.tax_cents, abs(head.refunded_cents)
    else:
        gross = head.amount_cents if "amount" in once else sum(r.amount_cents for r in group)
        tax = head.tax_cents if "tax" in once else sum(r.tax_cents for r in group)
        if "refunded" in once:
            refunded = abs(head.refunded_cents)
        else:
            refunded = sum(abs(r.refunded_cents) for r in group)
    status = head.status
    if status in {"refunded", "chargeback"} and gross < 0:
        gross, tax = -gross, -tax
    # Any other order with a negative total is a credit note or cancellation invoice (e.g. the
    # "C…" invoices of retail exports): stored as it is, it counts as a refund of the customer.
    credit = gross < 0
    if credit and refunded:
        errors.append(
            ImportFileError(
                "negative_amount",
                row=head.line,
                column=_amount_column(mapping),
                value=_money(gross),
            )
        )
        return None
    tax_sign_ok = tax == 0 or (tax < 0) == credit
    if abs(tax) > abs(gross) or not tax_sign_ok:
        errors.append(
            ImportFileError(
                "tax_exceeds",
                row=head.line,
                column=mapping.get("tax") or mapping.get("net"),
                tax=_money(tax),
                amount=_money(gross),
            )
        )
        return None
    if refunded > gross and not credit:
        errors.append(
            ImportFileError(
                "refund_exceeds",
                row=head.line,
                column=_refund_column(mapping),
                refunded=_money(refunded),
                amount=_money(gross),
            )
        )
        return None
    if status == "partially_refunded" and not refunded:
        errors.append(
            ImportFileError(
                "partial_refund_without_amount", row=head.line, column=mapping.get("status")
            )
        )
        return None
    if status in {"refunded", "chargeback"} and not refunded:
        refunded = gross
    if status == "paid" and refunded:
        status = "refunded" if refunded == gross else "partially_refunded"
    assert head.ordered_at is not None
    refunds = []
    if refunded:
        refunds.append(
            RefundRecord(
                source_refund_id=f"{key}-refund",
                refunded_at=head.refunded_at or head.ordered_at,
                amount_cents=refunded,
                reason="chargeback" if status == "chargeback" else "refund",
            )
        )
    if head.dispute_status in fmt.lost_disputes and status not in NOT_YET_PAID:
        # A lost dispute (Stripe): the disputed amount was taken back, like the connector
        # records it.
        refunds.append(
            RefundRecord(
                source_refund_id=f"{key}-dispute",
                refunded_at=head.disputed_at or head.ordered_at,
                amount_cents=min(abs(head.disputed_cents) or gross, gross),
                reason="chargeback",
            )
        )
        status = "chargeback"
    item_total = "amount" in once
    items = [
        ItemRecord(
            product_name=r.product,
            amount_cents=(r.item_cents or 0) if item_total else r.amount_cents,
            quantity=r.quantity,
            product_id=r.product_id,
        )
        for r in group
        if r.product
    ]
    if len(group) == 1:
        fee, payment_id, sandbox = head.fee_cents, head.payment_id or None, head.sandbox
    else:
        fees = [r.fee_cents for r in group if r.fee_cents is not None]
        fee = sum(fees) if fees else None
        payment_id = first_value([r.payment_id for r in group])
        sandbox = any(r.sandbox for r in group)
    return OrderRecord(
        source_order_id=key,
        source_contact_id=head.contact_key,
        ordered_at=head.ordered_at,
        gross_cents=gross,
        tax_cents=tax,
        currency=head.currency,
        fee_cents=fee,
        status=status,
        kind=head.kind,
        payment_id=payment_id,
        is_sandbox=sandbox,
        items=items,
        refunds=refunds,
    )


_REFUND_STATUSES = frozenset({"refunded", "partially_refunded", "chargeback"})


def _refund_groups(groups: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """Transaction exports: the refund and chargeback rows that follow a payment of the same
    order (removed from ``groups``). A refunded row without an earlier payment in the file is
    the payment itself, refunded later, and stays an order."""
    paid: dict[str, list[datetime]] = {}
    for group in groups.values():
        head = group[0]
        if head.status == "paid" and head.order_id and head.ordered_at is not None:
            paid.setdefault(head.order_id, []).append(head.ordered_at)
    refunds: dict[str, list[Row]] = {}
    for key, group in list(groups.items()):
        head = group[0]
        if head.status not in _REFUND_STATUSES or head.ordered_at is None:
            continue
        if any(at <= head.ordered_at for at in paid.get(head.order_id or "", [])):
            refunds[key] = groups.pop(key)
    return refunds


def _attach_refunds(
    orders: list[OrderRecord],
    order_ids: dict[str, str | None],
    refund_groups: dict[str, list[Row]],
    mapping: dict[str, str],
    errors: list[ImportFileError],
) -> None:
    """Each refund row refunds the payments of its order, the latest one first (a refund of a
    whole instalment plan spreads over its payments). ``order_ids``: order key → order id."""
    by_order: dict[str, list[OrderRecord]] = {}
    for order in orders:
        order_id = order_ids.get(order.source_order_id)
        if order_id:
            by_order.setdefault(order_id, []).append(order)
    for key, group in refund_groups.items():
        head = group[0]
        assert head.ordered_at is not None and head.order_id is not None
        total = abs(sum(r.amount_cents for r in group))
        left = total
        reason = "chargeback" if head.status == "chargeback" else "refund"
        targets = sorted(
            (o for o in by_order.get(head.order_id, []) if o.ordered_at <= head.ordered_at),
            key=lambda o: o.ordered_at,
            reverse=True,
        )
        for target in targets:
            open_cents = target.gross_cents - sum(r.amount_cents for r in target.refunds)
            amount = min(left, open_cents)
            if amount <= 0:
                continue
            refund_id = key if left == total else f"{key}-{target.source_order_id}"
            target.refunds.append(RefundRecord(refund_id, head.ordered_at, amount, reason))
            if reason == "chargeback":
                target.status = "chargeback"
            else:
                target.status = "refunded" if amount == open_cents else "partially_refunded"
            left -= amount
            if not left:
                break
        if left:
            errors.append(
                ImportFileError(
                    "refund_exceeds",
                    row=head.line,
                    column=_amount_column(mapping),
                    refunded=_money(total),
                    amount=_money(sum(t.gross_cents for t in targets)),
                )
            )


def build_records(parsed: ParsedFile) -> tuple[list[ContactRecord], list[OrderRecord]]:
    contacts = _contacts(parsed.rows)
    if parsed.mode == "customers":
        return contacts, []
    groups: dict[str, list[Row]] = {}
    refund_rows: list[Row] = []
    for row in parsed.rows:
        if row.is_refund:
            refund_rows.append(row)
        elif row.order_key and row.ordered_at is not None and row.contact_key:
            groups.setdefault(row.order_key, []).append(row)
    refund_groups: dict[str, list[Row]] = {}
    if parsed.fmt.transaction_rows:
        groups = {key: _one_transaction(group, parsed) for key, group in groups.items()}
        refund_groups = _refund_groups(groups)
    if classifies_rows(parsed.fmt):
        _refunds_from_rows(groups, refund_rows)
    orders: list[OrderRecord] = []
    for key, group in groups.items():
        _check_agreement(group, parsed.mapping, parsed.errors)
        order = _build_order(key, group, parsed.fmt, parsed.mapping, parsed.errors)
        if order is not None:
            orders.append(order)
    if refund_groups:
        order_ids = {key: group[0].order_id for key, group in groups.items()}
        _attach_refunds(orders, order_ids, refund_groups, parsed.mapping, parsed.errors)
    if refund_rows:
        parsed.orphan_refunds = attach_refund_rows(orders, refund_rows, parsed)
    return contacts, orders


def _refunds_from_rows(groups: dict[str, list[Row]], refund_rows: Sequence[Row]) -> None:
    """Exports that list refunds as rows of their own (PayPal) also mark the refunded payment
    (Refunded, Partially Refunded, Reversed). Where the file has the refund rows, they say how
    much was refunded and when, so the payment is taken as paid and the rows do the rest;
    without them a refunded or reversed payment is refunded in full on its own date. A partial
    refund without its row cannot be told and the payment counts as paid."""
    named = {row.refund_of for row in refund_rows}
    for key, group in groups.items():
        status = group[0].status
        if status in _REFUND_STATUSES and (key in named or status == "partially_refunded"):
            for row in group:
                row.status = "paid"


def attach_refund_rows(
    orders: Sequence[OrderRecord], rows: Sequence[Row], parsed: ParsedFile
) -> list[Row]:
    """Refund and chargeback rows that name the payment they refund (PayPal's "Zugehöriger
    Transaktionscode"): each becomes a refund of that order, with its own date and id. Returns
    the rows whose payment is not among ``orders``."""
    by_key = {order.source_order_id: order for order in orders}
    seen: set[str] = set()
    orphans: list[Row] = []
    for row in sorted(rows, key=lambda r: r.ordered_at or datetime.min.replace(tzinfo=UTC)):
        if row.ordered_at is None or not row.refund_of or row.order_key in seen:
            continue  # an unreadable row (reported), or the same refund pasted twice
        seen.add(row.order_key)
        target = by_key.get(row.refund_of)
        if target is None:
            orphans.append(row)
            continue
        if any(r.source_refund_id == row.order_key for r in target.refunds):
            continue  # stored by an earlier import of the same refund
        amount = abs(row.amount_cents)
        open_cents = target.gross_cents - sum(r.amount_cents for r in target.refunds)
        if amount > open_cents:
            parsed.errors.append(
                ImportFileError(
                    "refund_exceeds",
                    row=row.line,
                    column=_amount_column(parsed.mapping),
                    refunded=_money(amount),
                    amount=_money(open_cents),
                )
            )
            continue
        chargeback = row.row_kind == ROW_CHARGEBACK
        reason = "chargeback" if chargeback else "refund"
        target.refunds.append(RefundRecord(row.order_key, row.ordered_at, amount, reason))
        if chargeback:
            target.status = "chargeback"
        elif target.status in _COUNTED_PAID:
            target.status = "refunded" if amount == open_cents else "partially_refunded"
    return orphans


def stored_orders(session: Session, source: Source, keys: Sequence[str]) -> list[OrderRecord]:
    """Orders of ``source`` imported before, as records (items and refunds included), so that a
    refund in a later export can be added to them (PayPal, exported month by month)."""
    found = list(
        session.exec(
            select(Order).where(Order.source_id == source.id, col(Order.source_order_id).in_(keys))
        )
    )
    ids = [order.id for order in found if order.id is not None]
    items: dict[int, list[ItemRecord]] = {}
    for item in session.exec(select(OrderItem).where(col(OrderItem.order_id).in_(ids))):
        items.setdefault(item.order_id, []).append(
            ItemRecord(item.product_name, item.amount_cents, item.quantity, item.product_id)
        )
    refunds: dict[int, list[RefundRecord]] = {}
    for refund in session.exec(select(Refund).where(col(Refund.order_id).in_(ids))):
        refunds.setdefault(refund.order_id, []).append(
            RefundRecord(
                refund.source_refund_id, refund.refunded_at, refund.amount_cents, refund.reason
            )
        )
    contact_ids = sorted({order.contact_id for order in found})
    contacts: dict[int | None, str] = {}
    for contact in session.exec(select(Contact).where(col(Contact.id).in_(contact_ids))):
        contacts[contact.id] = contact.source_contact_id
    return [
        OrderRecord(
            source_order_id=order.source_order_id,
            source_contact_id=contacts[order.contact_id],
            ordered_at=order.ordered_at,
            gross_cents=order.gross_cents,
            tax_cents=order.tax_cents,
            currency=order.currency,
            fee_cents=order.fee_cents,
            status=order.status,
            kind=order.kind,
            payment_id=order.payment_id,
            is_sandbox=order.is_sandbox,
            url=order.url,
            items=items.get(order.id or 0, []),
            refunds=refunds.get(order.id or 0, []),
        )
        for order in found
    ]


_COUNTED_PAID = frozenset({"paid", "partially_refunded", "refunded"})


def _one_transaction(group: list[Row], parsed: ParsedFile) -> list[Row]:
    """A transaction listed twice (overlapping exports pasted together) counts once; two
    different rows with the same transaction id are an error."""
    head = group[0]
    for row in group[1:]:
        if (row.amount_cents, row.status, row.ordered_at) == (
            head.amount_cents,
            head.status,
            head.ordered_at,
        ):
            continue
        parsed.errors.append(
            ImportFileError(
                "conflict",
                row=row.line,
                column=_amount_column(parsed.mapping),
                value=f"{_money(row.amount_cents)} {row.status} {_show(row.ordered_at)}",
                other=f"{_money(head.amount_cents)} {head.status} {_show(head.ordered_at)}",
                other_row=head.line,
                order=head.order_key,
            )
        )
    return [head]
