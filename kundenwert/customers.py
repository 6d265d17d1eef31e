"""The customer views the pages and the CLI show: list, matrix and one customer's report.

Everything is computed from one :class:`Dataset`, built once per data change, so paging,
sorting and searching 200,000 persons are Polars operations on a ready frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from kundenwert.frames import Frames, load_frames
from kundenwert.preferences import TestOrderRules
from kundenwert.settings import MoneyBasis
from kundenwert.values import customer_values, order_values, value_by_source

INVOICES_COLUMN = "from_invoices"
TOTAL_COLUMN = "total"
SORTABLE = (
    "value",
    "name",
    "email",
    "company",
    "country",
    "city",
    "postcode",
    "orders",
    "first_order",
    "last_order",
    "refunds",
    "person_id",
)


@dataclass(frozen=True)
class Dataset:
    """Frames plus the derived per-order values and per-person table for one basis."""

    frames: Frames
    basis: MoneyBasis
    base_currency: str
    orders: pl.DataFrame  # kundenwert.values.order_values
    customers: pl.DataFrame  # kundenwert.values.customer_values
    by_source: pl.DataFrame  # kundenwert.values.value_by_source
    # frames derived from the ones above, computed on first use (kundenwert.daily); not an
    # init field, so dataclasses.replace starts a new dataset with an empty cache
    cache: dict[object, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


def build_dataset(
    frames: Frames,
    basis: MoneyBasis = MoneyBasis.GROSS,
    base_currency: str = "EUR",
    rules: TestOrderRules | None = None,
) -> Dataset:
    values = order_values(frames, basis, base_currency, rules)
    return Dataset(
        frames=frames,
        basis=basis,
        base_currency=base_currency,
        orders=values,
        customers=customer_values(frames, values),
        by_source=value_by_source(values),
    )


def load_dataset(
    url: str,
    basis: MoneyBasis = MoneyBasis.GROSS,
    base_currency: str = "EUR",
    rules: TestOrderRules | None = None,
) -> Dataset:
    return build_dataset(load_frames(url), basis, base_currency, rules)


def search_customers(customers: pl.DataFrame, text: str | None) -> pl.DataFrame:
    """Persons whose name, company or e-mail contains ``text`` (case-insensitive)."""
    if not text or not text.strip():
        return customers
    needle = text.strip().lower()
    haystack = pl.concat_str(
        [pl.col("name"), pl.col("email"), pl.col("company")],
        separator=" ",
        ignore_nulls=True,
    ).str.to_lowercase()
    return customers.filter(haystack.str.contains(needle, literal=True))


def sort_customers(customers: pl.DataFrame, by: str, descending: bool) -> pl.DataFrame:
    """Sorted on ``by`` (ties broken by person id); empty values always last."""
    if by not in customers.columns:
        raise ValueError(f"cannot sort by {by!r}")
    return customers.sort([by, "person_id"], descending=[descending, False], nulls_last=True)


def customer_page(
    customers: pl.DataFrame,
    *,
    search: str | None = None,
    sort_by: str = "value",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> tuple[pl.DataFrame, int]:
    """One page of the customer list and the number of persons matching the search."""
    matching = search_customers(customers, search)
    total = matching.height
    if sort_by in ("value", "orders", "refunds", "person_id"):
        # top-k is much cheaper than a full sort for the first pages of a large list
        wanted = page * page_size
        ordered = (
            matching.top_k(wanted, by=[sort_by, "person_id"], reverse=[False, True])
            if descending
            else matching.bottom_k(wanted, by=[sort_by, "person_id"])
        )
        ordered = sort_customers(ordered, sort_by, descending)
    else:
        ordered = sort_customers(matching, sort_by, descending)
    return ordered.slice((page - 1) * page_size, page_size), total


def customer_matrix(ds: Dataset) -> pl.DataFrame:
    """Persons × sources: one value column per source label, the invoicing subtotal, the total.

    Only persons with at least one counted order appear. Column order: person_id, name,
    email, one column per source (by source id), ``from_invoices``, ``total``.
    """
    labels = ds.frames.sources.sort("id")["label"].to_list()
    if ds.by_source.height == 0:
        return pl.DataFrame(
            schema={
                "person_id": pl.Int64,
                "name": pl.String,
                "email": pl.String,
                **{label: pl.Int64 for label in labels},
                INVOICES_COLUMN: pl.Int64,
                TOTAL_COLUMN: pl.Int64,
            }
        )
    wide = ds.by_source.pivot(
        on="source_label", index="person_id", values="value", aggregate_function="sum"
    )
    for label in labels:
        if label not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(label))
    invoices = (
        ds.by_source.filter(pl.col("from_invoicing"))
        .group_by("person_id")
        .agg(pl.col("value").sum().alias(INVOICES_COLUMN))
    )
    people = ds.customers.select("person_id", "name", "email")
    return (
        people.join(wide, on="person_id", how="inner")
        .join(invoices, on="person_id", how="left")
        .with_columns(pl.col(label).fill_null(0) for label in [*labels, INVOICES_COLUMN])
        .with_columns(pl.sum_horizontal(labels).alias(TOTAL_COLUMN))
        .select("person_id", "name", "email", *labels, INVOICES_COLUMN, TOTAL_COLUMN)
    )


def source_totals(matrix: pl.DataFrame) -> pl.DataFrame:
    """Sum of value per source column of a matrix (for the value-by-source plot)."""
    columns = [c for c in matrix.columns if c not in ("person_id", "name", "email", TOTAL_COLUMN)]
    columns = [c for c in columns if c != INVOICES_COLUMN]
    return pl.DataFrame(
        {"source_label": columns, "value": [int(matrix[c].sum()) for c in columns]},
        schema={"source_label": pl.String, "value": pl.Int64},
    )


def source_overview(ds: Dataset) -> pl.DataFrame:
    """Per source: kind, label, contacts, orders, counted orders, value, last import."""
    contacts = ds.frames.contacts.group_by("source_id").agg(pl.len().alias("contacts"))
    orders = ds.orders.group_by("source_id").agg(
        pl.len().alias("orders"),
        pl.col("counted").sum().alias("counted_orders"),
        pl.col("value").sum().alias("value"),
    )
    return (
        ds.frames.sources.rename({"id": "source_id"})
        .join(contacts, on="source_id", how="left")
        .join(orders, on="source_id", how="left")
        .with_columns(
            pl.col(c).fill_null(0).cast(pl.Int64)
            for c in ("contacts", "orders", "counted_orders", "value")
        )
        .select(
            "source_id",
            "label",
            "kind",
            "counts_towards_totals",
            "contacts",
            "orders",
            "counted_orders",
            "value",
            "last_import_at",
        )
        .sort("source_id")
    )


def excluded_orders(ds: Dataset) -> pl.DataFrame:
    """Orders left out of every total by a rule, with the reason, for the owner to review."""
    return ds.orders.filter(pl.col("excluded_reason").is_not_null()).join(
        ds.customers.select("person_id", "name", "email"), on="person_id", how="left"
    )


@dataclass(frozen=True)
class CustomerDetail:
    """Everything the customer report shows about one person (amounts in base cents)."""

    person_id: int
    attributes: dict[str, Any]  # one row of Dataset.customers
    contacts: pl.DataFrame  # personal data as every source knows it
    value_by_source: pl.DataFrame  # source_label, from_invoicing, value
    orders: pl.DataFrame  # every order, counted or not, newest first, with products
    products: pl.DataFrame  # product_name, orders, quantity, last_bought
    refunds: pl.DataFrame  # refunded_at, amount_cents (order currency), currency, reason, …
    timeline: pl.DataFrame  # at, event, detail, source_label — newest first

    @property
    def value(self) -> int:
        return int(self.attributes.get("value") or 0)

    @property
    def average_order(self) -> int:
        """Value / counted orders, in base cents (0 without orders)."""
        orders = int(self.attributes.get("orders") or 0)
        # integer half-up rounding: no binary floats on money
        return (2 * self.value + orders) // (2 * orders) if orders else 0


def customer_detail(ds: Dataset, person_id: int) -> CustomerDetail | None:
    rows = ds.customers.filter(pl.col("person_id") == person_id)
    if rows.height == 0:
        return None
    labels = ds.frames.sources.select(
        pl.col("id").alias("source_id"), pl.col("label").alias("source_label"), "kind"
    )
    contacts = (
        ds.frames.contacts.filter(pl.col("person_id") == person_id)
        .join(labels, on="source_id", how="left")
        .sort("id")
    )
    orders = ds.orders.filter(pl.col("person_id") == person_id)
    items = ds.frames.items.join(orders.select("order_id", "ordered_at"), on="order_id")
    products_per_order = items.group_by("order_id").agg(
        pl.col("product_name").unique(maintain_order=True).str.join(", ").alias("products")
    )
    orders = orders.join(products_per_order, on="order_id", how="left").sort(
        "ordered_at", descending=True
    )
    products = (
        items.join(orders.select("order_id", "counted"), on="order_id")
        .filter(pl.col("counted"))
        .group_by("product_name")
        .agg(
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("quantity").sum().alias("quantity"),
            pl.col("ordered_at").max().alias("last_bought"),
        )
        .sort(["orders", "product_name"], descending=[True, False])
    )
    refunds = ds.frames.refunds.join(
        orders.select("order_id", "source_label", "currency", "source_order_id"), on="order_id"
    ).sort("refunded_at", descending=True)
    timeline = pl.concat(
        [
            contacts.filter(pl.col("created_at").is_not_null()).select(
                pl.col("created_at").alias("at"),
                pl.lit("contact").alias("event"),
                pl.col("email").fill_null("").alias("detail"),
                "source_label",
            ),
            orders.select(
                pl.col("ordered_at").alias("at"),
                pl.lit("order").alias("event"),
                pl.col("products").fill_null("").alias("detail"),
                "source_label",
            ),
            refunds.select(
                pl.col("refunded_at").alias("at"),
                pl.col("reason").alias("event"),
                pl.lit("").alias("detail"),
                "source_label",
            ),
        ]
    ).sort("at", descending=True)
    return CustomerDetail(
        person_id=person_id,
        attributes=rows.row(0, named=True),
        contacts=contacts,
        value_by_source=ds.by_source.filter(pl.col("person_id") == person_id).select(
            "source_label", "from_invoicing", "value"
        ),
        orders=orders,
        products=products,
        refunds=refunds,
        timeline=timeline,
    )
