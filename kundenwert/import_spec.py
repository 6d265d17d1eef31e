"""What an import format is: the canonical fields and the :class:`ImportFormat` description.

Kept apart from the tool formats (:mod:`kundenwert.import_tools`) and from the reading and
parsing code (:mod:`kundenwert.import_formats`), so that a format is plain data that names
header names and value tables, and the code that applies it can be read on its own.

Header names are compared normalised (lower case, umlauts transliterated, everything but
letters and digits dropped), so ``Bestell-ID``, ``BESTELL ID`` and ``bestell_id`` are the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

ORDER_STATUSES = (
    "paid",
    "refunded",
    "partially_refunded",
    "chargeback",
    "cancelled",
    "pending",
    "failed",
)
ORDER_KINDS = ("one_time", "subscription", "installment", "trial", "invoice")

# Canonical fields a file column can be mapped to (the generic format's English names, plus
# those only tool exports have).
FIELDS = (
    "order_id",
    "transaction_id",
    "installment_id",
    "date",
    "time",
    "time_zone",
    "email",
    "customer_id",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "country",
    "city",
    "postcode",
    "customer_since",
    "product",
    "product_id",
    "quantity",
    "amount",
    "unit_price",
    "net",
    "currency",
    "tax",
    "fee",
    "fee_tax",
    "fee_currency",
    "settled_amount",
    "status",
    "status_detail",
    "kind",
    "row_type",
    "direction",
    "refunded",
    "refund_date",
    "refund_of",
    "cancelled_at",
    "disputed",
    "dispute_status",
    "dispute_date",
    "payment_id",
    "mode",
)
ORDER_FIELDS = ("order_id", "amount", "unit_price")
REQUIRED_ORDER_FIELDS = ("order_id", "date", "email", "amount")
REQUIRED_CUSTOMER_FIELDS = ("email",)
# A required field another column can stand in for: the customer id identifies the buyer where
# a file has no e-mail addresses; unit price × quantity is the amount where no total is given.
STAND_INS = {"email": "customer_id", "amount": "unit_price"}

# What a row of a payment provider's activity export is, by its type column (PayPal "Typ").
ROW_SALE = "sale"
ROW_REFUND = "refund"
ROW_CHARGEBACK = "chargeback"
ROW_SKIP = "skip"
ROW_SUBSCRIPTION = "subscription"  # a sale of a subscription

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_header(name: str) -> str:
    """``"Käufer E-Mail"`` → ``"kaeuferemail"``: the form header names are compared in."""
    lowered = name.strip().lower().translate(_TRANSLITERATION)
    return re.sub(r"[^a-z0-9]", "", lowered)


def normalise_value(value: str) -> str:
    """Status and kind values: lower case, umlauts kept, separators made single spaces."""
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


@dataclass(frozen=True)
class ImportFormat:
    """How one kind of export names its columns and values.

    ``aliases`` maps a canonical field to header names, best first. A known tool's format is
    recognised when the header contains all names of one of its ``signatures``. Its own
    ``status_values``/``kind_values`` are looked up before the generic ones. With
    ``transaction_rows`` every row is one payment (instalments and renewals repeat the order
    id), so the order key is the transaction id and refund rows are attached to the payment
    they refund. ``source`` says where the header names come from.
    """

    name: str
    label: str
    kind: str
    aliases: Mapping[str, tuple[str, ...]]
    signatures: tuple[frozenset[str], ...] = ()
    status_values: Mapping[str, str] = field(default_factory=dict)
    kind_values: Mapping[str, str] = field(default_factory=dict)
    transaction_rows: bool = False
    # Values of the kind column that say the row is a refund (Digistore24's "Rückgabe").
    refund_kinds: frozenset[str] = frozenset()
    source: str = ""
    # Header names that are never mapped, not even by a generic name (PayPal's "Netto" is the
    # amount after fees, not after VAT).
    ignored: tuple[str, ...] = ()
    # Columns read row by row where the mapped column of a field is empty, or that give a field
    # without being its column (Stripe: the charge id is also the payment id).
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Zone of date-times without an offset (Stripe writes UTC); None: German local time.
    zone: str | None = None
    # Fields that belong to the order, not to one of its rows (Shopify writes them on the
    # order's first row only): filled down within the order and taken once, not summed.
    order_level: frozenset[str] = frozenset()
    # Row-type values (normalised) → ROW_REFUND / ROW_CHARGEBACK / ROW_SKIP / ROW_SUBSCRIPTION;
    # rows of other types are sales when money came in.
    row_types: Mapping[str, str] = field(default_factory=dict)
    # Parts of row-type values that mark rows moving no sales money (conversions, holds, bank
    # transfers); a type listed in ``row_types`` is taken from there first.
    skip_type_words: tuple[str, ...] = ()
    # Values of the direction column: money in, money out, or no money moved (PayPal's
    # "Auswirkung auf Guthaben": Haben, Soll, Memo).
    incoming: frozenset[str] = frozenset()
    outgoing: frozenset[str] = frozenset()
    # Rows that name no buyer (a guest payment, a shop's counter sale) get a contact of their
    # own instead of rejecting the file.
    anonymous_buyers: bool = False
    # Dispute states (normalised) in which the money is lost: the payment is charged back.
    lost_disputes: frozenset[str] = frozenset()


def header_names(text: str) -> tuple[str, ...]:
    """``"a | b"`` → ``("a", "b")``: header names, best first."""
    return tuple(name.strip() for name in text.split("|"))


def value_table(**names: str) -> dict[str, str]:
    """``paid="bezahlt | paid"`` → ``{"bezahlt": "paid", "paid": "paid"}``: a value table."""
    return {
        normalise_value(name): value for value, text in names.items() for name in header_names(text)
    }
