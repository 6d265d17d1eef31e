"""Canonical records: what connectors and importers hand to :func:`kundenwert.ingest.ingest`.

Nothing downstream knows a tool's field names; every tool maps its data into these shapes.
Amounts are integer cents in the record's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class ContactRecord:
    source_contact_id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    city: str | None = None
    postcode: str | None = None
    created_at: datetime | None = None
    url: str | None = None


@dataclass(slots=True)
class ItemRecord:
    product_name: str
    amount_cents: int  # gross line total
    quantity: int = 1
    product_id: str | None = None


@dataclass(slots=True)
class RefundRecord:
    source_refund_id: str
    refunded_at: datetime
    amount_cents: int  # gross, in the order's currency
    reason: str = "refund"  # refund | chargeback


@dataclass(slots=True)
class OrderRecord:
    source_order_id: str
    source_contact_id: str  # refers to a ContactRecord of the same source
    ordered_at: datetime  # aware or naive UTC
    gross_cents: int
    tax_cents: int = 0
    currency: str = "EUR"
    fee_cents: int | None = None
    status: str = "paid"
    kind: str = "one_time"
    payment_id: str | None = None
    is_sandbox: bool = False
    url: str | None = None
    items: list[ItemRecord] = field(default_factory=list)
    refunds: list[RefundRecord] = field(default_factory=list)

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.tax_cents
