"""Customer value (Kundenwert): per order, per person and per source.

Definitions (DESIGN.md, money rules):
- An order *counts* when its status is paid, partially_refunded, refunded or chargeback and no
  exclusion applies. Cancelled, pending and failed orders count zero.
- Exclusions, each listed with its reason for review: the same external payment id seen in
  several sources (counted once, preferring the shop/invoice over the payment provider; a
  provider order matches on each of its ids, e.g. Stripe's charge and PaymentIntent), a source
  marked "does not count towards totals", a test-order rule of the owner, no exchange rate.
- The amount of an order on the chosen basis: gross (paid, VAT included), net (gross − VAT) or
  payout (gross − VAT − fees). Refunds are recorded gross; on the net/payout basis a refund is
  scaled by basis/gross of its order. A refunded or charged-back order is refunded in full.
  An order with a negative total (a credit note not tied to its invoice) counts as a refund.
- Value = amount − refunds, converted into the base currency with the rate of the order date.
- The per-source values of a person add up to the person's total by construction: the total is
  the sum of the per-order values, and every order belongs to exactly one source.
"""

from __future__ import annotations

import polars as pl

from kundenwert.frames import Frames
from kundenwert.models import COUNTED_STATUSES
from kundenwert.money import conversion_factors, convert
from kundenwert.preferences import TestOrderRules
from kundenwert.settings import MoneyBasis

INVOICING_KINDS = frozenset({"sevdesk", "lexoffice"})
PAYMENT_PROVIDER_KINDS = frozenset({"stripe", "paypal"})
FULLY_REFUNDED = ("refunded", "chargeback")


def _test_order_flag(rules: TestOrderRules) -> pl.Expr:
    flag = pl.lit(False)
    emails = [e.strip().lower() for e in rules.emails if e.strip()]
    domains = [d.strip().lower().lstrip("@") for d in rules.domains if d.strip()]
    if emails:
        flag = flag | pl.col("email").is_in(emails)
    if domains:
        flag = flag | pl.col("email").str.split("@").list.last().is_in(domains)
    if rules.zero_amount:
        flag = flag | (pl.col("gross_cents") == 0)
    if rules.sandbox:
        flag = flag | pl.col("is_sandbox")
    return flag.fill_null(False)


def _duplicate_payment_flag() -> pl.Expr:
    """True for every order but one among those sharing an external payment id."""
    preference = pl.struct(
        pl.col("source_kind").is_in(list(PAYMENT_PROVIDER_KINDS)).alias("provider"),
        pl.col("order_id"),
    )
    rank = preference.rank("ordinal").over(pl.col("payment_id"))
    return pl.col("payment_id").is_not_null() & (rank > 1)


def payment_id_keys() -> pl.Expr:
    """The ids an order's payment is known by, as a list.

    A payment provider's order may know one payment by several ids, space-separated (Stripe:
    the charge id ``ch_…`` and the PaymentIntent id ``pi_…``, either of which a shop may have
    stored); it matches on each of them. Other sources' payment ids are taken whole.
    """
    provider = pl.col("source_kind").is_in(list(PAYMENT_PROVIDER_KINDS)).fill_null(False)
    return (
        pl.when(provider)
        .then(pl.col("payment_id").str.split(" "))
        .otherwise(pl.concat_list(pl.col("payment_id")))
    )


def _duplicate_payments(candidates: pl.DataFrame) -> pl.DataFrame:
    """order_id of every order flagged by :func:`_duplicate_payment_flag` for any of its
    :func:`payment_id_keys`."""
    return (
        candidates.select("order_id", "source_kind", payment_id_keys().alias("payment_id"))
        .explode("payment_id")
        .filter(pl.col("payment_id").is_not_null() & (pl.col("payment_id") != ""))
        .filter(_duplicate_payment_flag())
        .select("order_id", pl.lit("duplicate_payment").alias("_dup"))
        .unique("order_id")
    )


def _basis_cents(basis: MoneyBasis) -> pl.Expr:
    if basis is MoneyBasis.NET:
        return pl.col("net_cents")
    if basis is MoneyBasis.PAYOUT:
        return pl.col("gross_cents") - pl.col("tax_cents") - pl.col("fee_cents").fill_null(0)
    return pl.col("gross_cents")


def _scaled(amount: pl.Expr, numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """round(amount × numerator / denominator) in integers, half away from zero."""
    product = amount * numerator
    quotient = (product.abs() * 2 + denominator.abs()) // (denominator.abs() * 2)
    sign = product.sign() * denominator.sign()
    return pl.when(denominator == 0).then(0).otherwise(quotient * sign)


def order_values(
    frames: Frames,
    basis: MoneyBasis = MoneyBasis.GROSS,
    base_currency: str = "EUR",
    rules: TestOrderRules | None = None,
) -> pl.DataFrame:
    """One row per order with its person, source, conversion, counted flag and value.

    Columns: order_id, source_order_id, source_id, source_label, source_kind, from_invoicing,
    contact_id, person_id, ordered_at, status, kind, currency, gross_cents, payment_id, url,
    rate, rate_day, counted,
    excluded_reason, amount, refunded, charged_back, value (amounts in base-currency cents on
    the basis; zero for orders that do not count).
    """
    rules = rules or TestOrderRules()
    refund_sums = frames.refunds.group_by("order_id").agg(
        pl.col("amount_cents").filter(pl.col("reason") != "chargeback").sum().alias("_refund"),
        pl.col("amount_cents").filter(pl.col("reason") == "chargeback").sum().alias("_chargeback"),
    )
    sources = frames.sources.select(
        pl.col("id").alias("source_id"),
        pl.col("label").alias("source_label"),
        pl.col("kind").alias("source_kind"),
        pl.col("counts_towards_totals"),
    )
    contacts = frames.contacts.select(pl.col("id").alias("contact_id"), "person_id", "email")
    orders = (
        frames.orders.rename({"id": "order_id"})
        .join(sources, on="source_id", how="left")
        .join(contacts, on="contact_id", how="left")
        .join(refund_sums, left_on="order_id", right_on="order_id", how="left")
        .with_columns(pl.col("_refund").fill_null(0), pl.col("_chargeback").fill_null(0))
    )
    orders = pl.concat(
        [orders, conversion_factors(orders, frames.rates, base_currency)],
        how="horizontal",
    )
    status_counts = pl.col("status").is_in([s.value for s in COUNTED_STATUSES])
    excluded = (
        pl.when(~status_counts)
        .then(None)
        .when(~pl.col("counts_towards_totals"))
        .then(pl.lit("source_not_counted"))
        .when(_test_order_flag(rules))
        .then(pl.lit("test_order"))
        .when(pl.col("factor").is_null())
        .then(pl.lit("no_rate"))
    )
    orders = orders.with_columns(excluded.alias("excluded_reason"))
    dup = _duplicate_payments(orders.filter(status_counts & pl.col("excluded_reason").is_null()))
    orders = orders.join(dup, on="order_id", how="left").with_columns(
        pl.coalesce("excluded_reason", "_dup").alias("excluded_reason")
    )
    counted = status_counts & pl.col("excluded_reason").is_null()
    full = pl.col("status").is_in(FULLY_REFUNDED)
    gross = pl.col("gross_cents")
    chargeback_gross = (
        pl.when(pl.col("status") == "chargeback")
        .then(gross)
        .otherwise(pl.min_horizontal(pl.col("_chargeback"), gross))
    )
    refund_gross = (
        pl.when(pl.col("status") == "chargeback")
        .then(0)
        .when(full)
        .then(gross)
        .otherwise(pl.min_horizontal(pl.col("_refund"), gross - chargeback_gross))
    )
    basis_cents = _basis_cents(basis)
    factor = pl.col("factor")
    result = orders.with_columns(
        counted.alias("counted"),
        convert(basis_cents, factor).alias("_amount"),
        convert(_scaled(refund_gross, basis_cents, gross), factor).alias("_refunded"),
        convert(_scaled(chargeback_gross, basis_cents, gross), factor).alias("_charged_back"),
    )
    # A credit note (negative total, e.g. a cancellation invoice in an export) is a refund that
    # could not be tied to its original order: it counts as refunded, never as a sale.
    credit = gross < 0
    result = result.with_columns(
        pl.when(credit).then(0).otherwise(pl.col("_amount")).alias("_amount"),
        pl.when(credit).then(-pl.col("_amount")).otherwise(pl.col("_refunded")).alias("_refunded"),
        pl.when(credit).then(0).otherwise(pl.col("_charged_back")).alias("_charged_back"),
    ).with_columns(
        pl.when(pl.col("counted")).then(pl.col(c)).otherwise(0).alias(c.lstrip("_"))
        for c in ("_amount", "_refunded", "_charged_back")
    )
    return result.select(
        "order_id",
        "source_order_id",
        "source_id",
        "source_label",
        "source_kind",
        pl.col("source_kind").is_in(list(INVOICING_KINDS)).alias("from_invoicing"),
        "contact_id",
        "person_id",
        "ordered_at",
        "status",
        "kind",
        "currency",
        "gross_cents",
        "payment_id",
        "url",
        "rate",
        "rate_day",
        "counted",
        "excluded_reason",
        "amount",
        "refunded",
        "charged_back",
        (pl.col("amount") - pl.col("refunded") - pl.col("charged_back")).alias("value"),
    )


def person_attributes(frames: Frames) -> pl.DataFrame:
    """Name, e-mail and address of each person, from their most recently created contact that
    has the field; plus the list of source labels the person is known in."""
    labels = frames.sources.select(pl.col("id").alias("source_id"), pl.col("label"))
    fields = [
        "email",
        "first_name",
        "last_name",
        "company",
        "country",
        "city",
        "postcode",
    ]
    contacts = frames.contacts.join(labels, on="source_id", how="left").sort("id", descending=True)
    # one "known there" flag per source, joined in label order: a sorted list per person took
    # ten times as long at 200,000 persons
    known = sorted(set(frames.sources["label"].drop_nulls().to_list()))
    flags = {label: f"_in{i}" for i, label in enumerate(known)}
    attributes = contacts.group_by("person_id").agg(
        *(pl.col(f).drop_nulls().first().alias(f) for f in fields),
        *((pl.col("label") == label).any().alias(flag) for label, flag in flags.items()),
        pl.col("id").count().alias("contacts"),
    )
    in_sources = [pl.when(pl.col(flag)).then(pl.lit(label)) for label, flag in flags.items()]
    sources = pl.concat_str(in_sources, separator=", ", ignore_nulls=True) if known else pl.lit("")
    attributes = attributes.select("person_id", *fields, sources.alias("sources"), "contacts")
    name = pl.concat_str(
        [pl.col("first_name"), pl.col("last_name")], separator=" ", ignore_nulls=True
    )
    # a person emptied by a manual merge keeps its row (for undo) but is nobody's customer
    return (
        frames.persons.select(pl.col("id").alias("person_id"))
        .join(attributes, on="person_id", how="inner")
        .with_columns(
            pl.when(name.str.len_chars() > 0).then(name).otherwise(pl.col("company")).alias("name"),
        )
    )


def customer_values(frames: Frames, values: pl.DataFrame) -> pl.DataFrame:
    """One row per person: attributes, counted orders, first/last order, value, refunds.

    Persons without a counted order appear with value 0, so every person is listed.
    """
    counted = values.filter(pl.col("counted"))
    sale = pl.col("gross_cents") >= 0  # credit notes are not orders
    stats = counted.group_by("person_id").agg(
        sale.sum().alias("orders"),
        pl.col("ordered_at").filter(sale).min().alias("first_order"),
        pl.col("ordered_at").filter(sale).max().alias("last_order"),
        pl.col("value").sum().alias("value"),
        pl.col("refunded").sum().alias("refunds"),
        pl.col("charged_back").sum().alias("chargebacks"),
    )
    return (
        person_attributes(frames)
        .join(stats, on="person_id", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in ("orders", "value", "refunds", "chargebacks"))
        .with_columns(
            pl.col(c).cast(pl.Int64) for c in ("orders", "value", "refunds", "chargebacks")
        )
    )


def value_by_source(values: pl.DataFrame) -> pl.DataFrame:
    """Long frame: person_id, source_id, source_label, from_invoicing, value (counted only)."""
    return (
        values.filter(pl.col("counted"))
        .group_by("person_id", "source_id", "source_label", "from_invoicing")
        .agg(pl.col("value").sum())
        .sort("person_id", "source_id")
    )
