"""Data quality: the records the owner should look at, one check per question.

Every check takes a :class:`~kundenwert.customers.Dataset` and returns the records behind its
number as a Polars frame (person, source and order or contact ids, the source label and the
field in question), newest first. :func:`quality_summary` gives the number of each check:

- ``no_email``: orders whose contact has no e-mail address, so they could not be matched to
  anybody else (anonymous contacts such as ``order:…`` or ``address:…`` from connectors and
  imports). Number: orders.
- ``duplicate_invoice_numbers``: the same invoice number in two or more invoicing programs
  (sevDesk, lexoffice): probably one invoice written twice. Number: invoice numbers.
- ``shared_payments``: one external payment id seen in two or more sources (a shop order and
  the payment provider's charge). Counted once; the others are excluded as
  ``duplicate_payment``. Number: payments.
- ``foreign_currency``: orders not in the base currency, with the ECB rate used and its day
  (no rate: the order does not count). Number: orders.
- ``test_orders``: orders a test-order rule of the owner excludes. Number: orders.
- ``no_country``: contacts without a country. Number: contacts.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from kundenwert.customers import Dataset
from kundenwert.values import INVOICING_KINDS, payment_id_keys

ORDER_COLUMNS = (
    "order_id",
    "person_id",
    "name",
    "email",
    "source_id",
    "source_label",
    "source_order_id",
    "ordered_at",
    "status",
    "currency",
    "gross_cents",
    "counted",
    "excluded_reason",
)


def _orders(ds: Dataset) -> pl.DataFrame:
    """Every order with its contact's e-mail and source contact id and the person's name."""
    contacts = ds.frames.contacts.select(
        pl.col("id").alias("contact_id"),
        "source_contact_id",
        pl.col("email").alias("contact_email"),
    )
    names = ds.customers.select("person_id", "name", "email")
    return ds.orders.join(contacts, on="contact_id", how="left").join(
        names, on="person_id", how="left"
    )


def _newest_first(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(["ordered_at", "order_id"], descending=[True, True], nulls_last=True)


def orders_without_email(ds: Dataset) -> pl.DataFrame:
    """Orders whose contact has no e-mail: ``source_contact_id`` is the field in question."""
    missing = pl.col("contact_email").is_null() | (pl.col("contact_email").str.strip_chars() == "")
    return _newest_first(
        _orders(ds).filter(missing).select(*ORDER_COLUMNS, "contact_id", "source_contact_id")
    )


def duplicate_invoice_numbers(ds: Dataset) -> pl.DataFrame:
    """Invoices whose number (``source_order_id``) occurs in more than one invoicing source."""
    invoices = _orders(ds).filter(pl.col("source_kind").is_in(list(INVOICING_KINDS)))
    shared = pl.col("source_id").n_unique().over("source_order_id") > 1
    return (
        invoices.filter(shared)
        .select(*ORDER_COLUMNS)
        .sort(["source_order_id", "source_label", "order_id"])
    )


def shared_payments(ds: Dataset) -> pl.DataFrame:
    """Orders sharing an external payment id with an order of another source; ``counted``
    says which one counts, ``excluded_reason`` is ``duplicate_payment`` for the others."""
    with_payment = _orders(ds).filter(pl.col("payment_id").is_not_null())
    # one row per id a payment is known by (Stripe: charge and PaymentIntent id)
    keys = with_payment.with_columns(payment_id_keys().alias("_key")).explode("_key")
    shared = pl.col("source_id").n_unique().over("_key") > 1
    return (
        keys.filter(shared)
        .unique("order_id", keep="first", maintain_order=True)
        .select(*ORDER_COLUMNS, pl.col("_key").alias("payment_id"))
        .sort(["payment_id", "counted", "order_id"], descending=[False, True, False])
    )


def foreign_currency_orders(ds: Dataset) -> pl.DataFrame:
    """Orders in another currency than the base currency, with the rate used and its day
    (``rate`` is null when no ECB rate was known: such an order does not count)."""
    foreign = pl.col("currency") != ds.base_currency
    return _newest_first(
        _orders(ds).filter(foreign).select(*ORDER_COLUMNS, "rate", "rate_day", "amount")
    )


def excluded_test_orders(ds: Dataset) -> pl.DataFrame:
    """Orders left out by a test-order rule (own addresses or domains, zero amount, sandbox)."""
    return _newest_first(
        _orders(ds)
        .filter(pl.col("excluded_reason") == "test_order")
        .select(*ORDER_COLUMNS, "contact_email")
    )


def contacts_without_country(ds: Dataset) -> pl.DataFrame:
    """Contacts with an empty country, with their source and person."""
    labels = ds.frames.sources.select(pl.col("id").alias("source_id"), pl.col("label"))
    names = ds.customers.select("person_id", "name")
    missing = pl.col("country").is_null() | (pl.col("country").str.strip_chars() == "")
    return (
        ds.frames.contacts.filter(missing)
        .join(labels, on="source_id", how="left")
        .join(names, on="person_id", how="left")
        .select(
            pl.col("id").alias("contact_id"),
            "person_id",
            "name",
            "email",
            "source_id",
            pl.col("label").alias("source_label"),
            "source_contact_id",
            "country",
            "city",
            "postcode",
        )
        .sort("contact_id")
    )


# check key → (records, column whose distinct values are the number; None: the rows)
CHECKS: dict[str, tuple[Callable[[Dataset], pl.DataFrame], str | None]] = {
    "no_email": (orders_without_email, None),
    "duplicate_invoice_numbers": (duplicate_invoice_numbers, "source_order_id"),
    "shared_payments": (shared_payments, "payment_id"),
    "foreign_currency": (foreign_currency_orders, None),
    "test_orders": (excluded_test_orders, None),
    "no_country": (contacts_without_country, None),
}


def check_records(ds: Dataset, check: str) -> pl.DataFrame:
    """The records behind the number of ``check`` (a key of :data:`CHECKS`)."""
    return CHECKS[check][0](ds)


def check_count(records: pl.DataFrame, check: str) -> int:
    """The number a check shows for its records (orders, contacts, invoice numbers, payments)."""
    column = CHECKS[check][1]
    return records[column].n_unique() if column else records.height


def quality_summary(ds: Dataset) -> list[tuple[str, int]]:
    """``(check key, number)`` for every check, in the order of :data:`CHECKS`."""
    return [(key, check_count(check_records(ds, key), key)) for key in CHECKS]
