"""The canonical data model (DESIGN.md): every connector and importer writes these shapes.

Money is stored as integer cents in the order's own currency. Conversion into the base currency
happens once, when frames are built (:mod:`kundenwert.money`), with the ECB rate of the order
date, so rates imported later apply to old orders too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class OrderStatus(StrEnum):
    PAID = "paid"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    CHARGEBACK = "chargeback"
    CANCELLED = "cancelled"
    PENDING = "pending"
    FAILED = "failed"


# Orders with these statuses count towards customer value (minus their refunds).
COUNTED_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
        OrderStatus.CHARGEBACK,
    }
)


class OrderKind(StrEnum):
    ONE_TIME = "one_time"
    SUBSCRIPTION = "subscription"
    INSTALLMENT = "installment"
    TRIAL = "trial"
    INVOICE = "invoice"


class RefundReason(StrEnum):
    REFUND = "refund"
    CHARGEBACK = "chargeback"


class Source(SQLModel, table=True):
    """One connected account of a tool; several accounts of one tool are normal."""

    __tablename__ = "source"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # digistore24, woocommerce, sevdesk, csv, …
    label: str = Field(unique=True)
    counts_towards_totals: bool = True
    base_url: str | None = None
    settings_json: str = "{}"
    sync_cursor: str | None = None
    last_import_at: datetime | None = None
    last_status: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    """The merged customer; every contact belongs to exactly one person."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    """A customer record as one source knows it."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("source_id", "source_contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    source_contact_id: str
    person_id: int = Field(foreign_key="person.id", index=True)
    email: str | None = Field(default=None, index=True)  # normalised: trimmed, lower-case
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    city: str | None = None
    postcode: str | None = None
    created_at: datetime | None = None
    url: str | None = None  # link back into the source tool


class Order(SQLModel, table=True):
    """One sale, invoice or payment. Amounts are integer cents in ``currency``."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("source_id", "source_order_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    source_order_id: str
    contact_id: int = Field(foreign_key="contact.id", index=True)
    ordered_at: datetime = Field(index=True)  # UTC
    currency: str = "EUR"
    gross_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    net_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    tax_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee_cents: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = OrderStatus.PAID.value
    kind: str = OrderKind.ONE_TIME.value
    payment_id: str | None = Field(default=None, index=True)
    is_sandbox: bool = False
    url: str | None = None


class OrderItem(SQLModel, table=True):
    __tablename__ = "order_item"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    product_id: str | None = None
    product_name: str
    quantity: int = 1
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))  # gross, line total


class Refund(SQLModel, table=True):
    __tablename__ = "refund"
    __table_args__ = (UniqueConstraint("order_id", "source_refund_id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    source_refund_id: str
    refunded_at: datetime
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))  # gross, order currency
    reason: str = RefundReason.REFUND.value


class MergeLog(SQLModel, table=True):
    """Why contacts were put together or taken apart; manual entries can be undone."""

    __tablename__ = "merge_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    action: str  # merge | split
    reason: str  # same_email | manual | undo
    person_id: int = Field(index=True)  # the person the contacts ended up with
    other_person_id: int | None = None  # the person they came from
    contact_ids: str  # comma-separated contact ids that moved
    note: str | None = None
    undone_at: datetime | None = None


class ExchangeRate(SQLModel, table=True):
    """ECB reference rate: 1 EUR = ``rate`` units of ``currency`` on ``day``."""

    __tablename__ = "exchange_rate"

    currency: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    rate: str  # decimal as text, exactly as published


class Setting(SQLModel, table=True):
    """Owner-editable settings stored as JSON text."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value_json: str


class SyncStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class SyncRun(SQLModel, table=True):
    """One sync of one source account: when, what it added or changed, and why it failed.

    ``error`` is the message shown to the owner; it never contains credentials. A run still
    ``running`` when the next one of its source starts was killed and is marked failed then.
    """

    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = SyncStatus.RUNNING.value
    full_sync: bool = False
    contacts_added: int = 0
    contacts_updated: int = 0
    orders_added: int = 0
    orders_updated: int = 0
    refunds_added: int = 0
    error: str | None = None


class GdprErasure(SQLModel, table=True):
    """One erasure under GDPR Art. 17, logged without personal data.

    ``markers`` are salted SHA-256 hashes (comma-separated) of the erased ``(source id, source
    contact id)`` pairs and of the erased e-mail addresses: enough for the next sync or import to
    recognise the person and keep them anonymised, useless for finding out who they were without
    the salt (a ``setting`` row). Counts say what was anonymised and what was kept.
    """

    __tablename__ = "gdpr_erasure"

    id: int | None = Field(default=None, primary_key=True)
    erased_at: datetime = Field(default_factory=utcnow)
    person_id: int = Field(index=True)
    contacts_erased: int = 0
    orders_kept: int = 0
    refunds_kept: int = 0
    notes_cleared: int = 0
    other_rows_anonymised: int = 0
    markers: str = ""


class MarketingCost(SQLModel, table=True):
    """What the owner spent on one channel in one month, for CAC (Issue 5).

    ``month`` is the month's first day; ``kind`` is ``marketing`` or ``sales``. The natural key
    (month, channel, kind) makes a re-import replace the amount instead of adding it twice.
    """

    __tablename__ = "marketing_cost"
    __table_args__ = (UniqueConstraint("month", "channel", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(index=True)
    channel: str
    kind: str = "marketing"
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = "EUR"


class MonthlyVisitors(SQLModel, table=True):
    """Website visitors of one month (its first day), for the conversion rate."""

    __tablename__ = "monthly_visitors"

    month: date = Field(primary_key=True)
    visitors: int = Field(sa_column=Column(BigInteger, nullable=False))


class SurveyAnswer(SQLModel, table=True):
    """One survey answer keyed by normalised e-mail and day: NPS 0–10 and/or CSAT 1–5."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("email", "answered_on"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True)
    answered_on: date = Field(index=True)
    nps: int | None = None
    csat: int | None = None


class Segment(SQLModel, table=True):
    """A saved segment: its name (unique regardless of case) and definition as JSON
    (:class:`kundenwert.segments.SegmentDefinition`)."""

    __tablename__ = "segment"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    definition_json: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
