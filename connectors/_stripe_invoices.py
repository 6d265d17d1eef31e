"""Stripe invoices as canonical orders: lines, VAT, kind and status (see connectors/stripe.py).

Pure mapping, no HTTP: :mod:`connectors.stripe` fetches the invoice, the charges that paid it
(with their refunds and disputes) and, for a zero-amount subscription invoice, the
subscription, and hands them in. The field names and the API versions they belong to are cited
in the docstring of :mod:`connectors.stripe` ([D-INVOICE], [D-LINES], [D-BASIL]).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kundenwert.models import OrderKind, OrderStatus
from kundenwert.records import ItemRecord, RefundRecord

# draft invoices can still be deleted, so they become orders only once finalised
UNFINISHED = frozenset({"draft"})
# may still be paid (uncollectible can be paid later) or, for a draft, finalised
WATCHED = frozenset({"draft", "open", "uncollectible"})
INVOICE_STATUS = {
    "open": OrderStatus.PENDING,
    "void": OrderStatus.CANCELLED,
    "uncollectible": OrderStatus.FAILED,
}


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def subscription_id(invoice: Mapping[str, Any]) -> str | None:
    """``parent.subscription_details.subscription`` since 2025-03-31.basil, before it the
    top-level ``subscription`` [D-BASIL]."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(invoice.get("subscription"))


def is_subscription_invoice(invoice: Mapping[str, Any]) -> bool:
    reason = str(invoice.get("billing_reason") or "")
    return subscription_id(invoice) is not None or reason.startswith("subscription")


def invoice_payment_refs(invoice: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(PaymentIntent ids, charge ids) that paid or are to pay the invoice.

    Since 2025-03-31.basil the included ``payments`` list of InvoicePayments (``payment.type``
    ``payment_intent`` or ``charge``, cancelled ones skipped); before it ``payment_intent`` and
    ``charge`` on the invoice itself [D-BASIL]. Order kept, duplicates dropped.
    """
    intents: dict[str, None] = {}
    charges: dict[str, None] = {}
    payments = invoice.get("payments")
    for payment in (payments or {}).get("data") or [] if isinstance(payments, dict) else []:
        if payment.get("status") == "canceled":
            continue
        details = payment.get("payment") or {}
        if pi := _id(details.get("payment_intent")):
            intents[pi] = None
        if ch := _id(details.get("charge")):
            charges[ch] = None
    if pi := _id(invoice.get("payment_intent")):
        intents[pi] = None
    if ch := _id(invoice.get("charge")):
        charges[ch] = None
    return list(intents), list(charges)


def invoice_tax(invoice: Mapping[str, Any]) -> int:
    """VAT in minor units: ``total_taxes`` (basil) or ``tax``/``total_tax_amounts`` (before)."""
    if isinstance(invoice.get("total_taxes"), list):
        return sum(int(tax["amount"]) for tax in invoice["total_taxes"])
    if invoice.get("tax") is not None:
        return int(invoice["tax"])
    return sum(int(tax["amount"]) for tax in invoice.get("total_tax_amounts") or [])


def _exclusive_tax(line: Mapping[str, Any]) -> int:
    """Tax added on top of the line's amount: ``taxes[].tax_behavior`` (basil) or
    ``tax_amounts[].inclusive`` (before) [D-LINES]."""
    taxes = line.get("taxes") if isinstance(line.get("taxes"), list) else line.get("tax_amounts")
    return sum(
        int(tax["amount"])
        for tax in taxes or []
        if tax.get("tax_behavior") == "exclusive" or tax.get("inclusive") is False
    )


def _product_id(line: Mapping[str, Any]) -> str | None:
    pricing = (line.get("pricing") or {}).get("price_details") or {}
    return _id(pricing.get("product")) or _id((line.get("price") or {}).get("product"))


def line_items(
    lines: Sequence[Mapping[str, Any]], to_cents: Any, currency: str
) -> list[ItemRecord]:
    """Each line gross: its amount less its discounts plus its exclusive taxes."""
    items = []
    for line in lines:
        discounts = sum(int(d["amount"]) for d in line.get("discount_amounts") or [])
        gross = int(line["amount"]) - discounts + _exclusive_tax(line)
        product = _product_id(line)
        name = (line.get("description") or "").strip() or product or "Rechnungsposition"
        quantity = line.get("quantity")
        items.append(
            ItemRecord(
                product_name=name,
                amount_cents=to_cents(gross, currency),
                quantity=int(quantity) if quantity is not None else 1,
                product_id=product,
            )
        )
    return items


def invoice_kind(invoice: Mapping[str, Any], subscription: Mapping[str, Any] | None) -> OrderKind:
    """subscription for a subscription's invoice; trial for one of 0,00 written while the
    subscription's trial ran (``trial_start`` ≤ ``created`` < ``trial_end``), so a 100 %
    coupon stays a subscription; one_time for any other invoice."""
    if not is_subscription_invoice(invoice):
        return OrderKind.ONE_TIME
    if int(invoice.get("total") or 0) == 0 and subscription is not None:
        start, end = subscription.get("trial_start"), subscription.get("trial_end")
        created = int(invoice["created"])
        if start is not None and end is not None and int(start) <= created < int(end):
            return OrderKind.TRIAL
    return OrderKind.SUBSCRIPTION


def paid_status(
    gross_minor: int, refunded_minor: int, refunds: Sequence[RefundRecord]
) -> OrderStatus:
    if any(r.reason == "chargeback" for r in refunds):
        return OrderStatus.CHARGEBACK
    if refunded_minor and refunded_minor >= gross_minor:
        return OrderStatus.REFUNDED
    if refunded_minor:
        return OrderStatus.PARTIALLY_REFUNDED
    return OrderStatus.PAID


def invoice_status(
    invoice: Mapping[str, Any], charges: Sequence[Mapping[str, Any]], refunds: list[RefundRecord]
) -> OrderStatus:
    state = str(invoice.get("status"))
    if state != "paid":
        return INVOICE_STATUS.get(state, OrderStatus.PENDING)
    refunded = sum(int(c.get("amount_refunded") or 0) for c in charges)
    return paid_status(int(invoice.get("total") or 0), refunded, refunds)


def invoice_date(invoice: Mapping[str, Any]) -> int:
    """Paid: when it was paid; else when it took effect (finalised); else when created."""
    transitions = invoice.get("status_transitions") or {}
    for value in (
        transitions.get("paid_at") if invoice.get("status") == "paid" else None,
        invoice.get("effective_at"),
        transitions.get("finalized_at"),
    ):
        if value is not None:
            return int(value)
    return int(invoice["created"])
