"""Synthetic shop data for the benchmark: persons, contacts in several sources, orders.

Everything is drawn with NumPy in whole columns (10,000,000 orders take seconds, not minutes)
and shaped like a solo online business in DE/AT/CH: a few heavy repeat buyers and many
one-time buyers (lognormal purchase rates), 70 % German customers, 40 products with a long
tail, some refunds and cancellations, and a quarter of the persons known in a second tool
under the same e-mail address (so the product's identity merge has work to do).

All amounts are EUR: currency conversion is tested elsewhere, and leaving it out lets the
pandas and DuckDB versions in :mod:`bench.reference` stay short without changing the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

# label, kind, share of persons whose first tool it is
SOURCES = (
    ("Digistore24", "digistore24", 0.5),
    ("Shop", "woocommerce", 0.3),
    ("sevDesk", "sevdesk", 0.2),
)
COUNTRIES = (("DE", 0.70, 19), ("AT", 0.18, 20), ("CH", 0.12, 0))  # code, share, VAT %
FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hannes", "Ida", "Jonas")
LAST_NAMES = ("Müller", "Schmidt", "Weber", "Fischer", "Wagner", "Huber", "Bauer", "Keller")
CITIES = {"DE": ("Berlin", "München", "Köln"), "AT": ("Wien", "Graz"), "CH": ("Zürich", "Bern")}
PRODUCTS = 40
STATUSES = (("paid", 0.92), ("refunded", 0.03), ("partially_refunded", 0.02))
STATUSES += (("cancelled", 0.02), ("pending", 0.01))
KINDS = (("one_time", 0.80), ("subscription", 0.15), ("installment", 0.05))
START = datetime(2023, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
SECOND_SOURCE_SHARE = 0.25


@dataclass(frozen=True)
class Shop:
    """One generated data set: contacts, orders, items and refunds as Polars frames.

    ``contacts``: source (label), source_contact_id, email, first_name, last_name, country,
    city, person (the true person index, for checks). ``orders``: source, source_order_id,
    source_contact_id, ordered_at (aware UTC), gross_cents, tax_cents, status, kind.
    ``items``: source_order_id, source (label), product_name, amount_cents. ``refunds``:
    source_order_id, source, amount_cents, refunded_at.
    """

    contacts: pl.DataFrame
    orders: pl.DataFrame
    items: pl.DataFrame
    refunds: pl.DataFrame


def product_names() -> list[str]:
    return [f"Produkt {n:02d}" for n in range(PRODUCTS)]


def _pick(
    rng: np.random.Generator, choices: tuple[tuple[object, float], ...], n: int
) -> np.ndarray:
    labels = np.array([c[0] for c in choices])
    weights = np.array([c[1] for c in choices], dtype=float)
    return labels[rng.choice(len(labels), size=n, p=weights / weights.sum())]


def _persons(rng: np.random.Generator, persons: int) -> pl.DataFrame:
    country_idx = rng.choice(len(COUNTRIES), size=persons, p=[c[1] for c in COUNTRIES])
    home = rng.choice(len(SOURCES), size=persons, p=[s[2] for s in SOURCES])
    second = np.where(
        rng.random(persons) < SECOND_SOURCE_SHARE,
        (home + rng.integers(1, len(SOURCES), size=persons)) % len(SOURCES),
        -1,
    )
    span = (END - START).total_seconds()
    return pl.DataFrame(
        {
            "person": np.arange(persons),
            "country_idx": country_idx,
            "home": home,
            "second": second,
            # acquisition: a person's first purchase, spread over the three years
            "acquired": rng.random(persons) * span * 0.95,
            # purchase rate: most buy once, a few buy very often
            "weight": rng.lognormal(0.0, 1.2, size=persons),
        }
    )


def _contacts(people: pl.DataFrame) -> pl.DataFrame:
    labels = [s[0] for s in SOURCES]
    pairs = pl.concat(
        [
            people.select("person", "country_idx", pl.col("home").alias("src")),
            people.filter(pl.col("second") >= 0).select(
                "person", "country_idx", pl.col("second").alias("src")
            ),
        ]
    ).sort("person", "src")
    codes = [c[0] for c in COUNTRIES]
    first = np.array(FIRST_NAMES)[pairs["person"].to_numpy() % len(FIRST_NAMES)]
    last = np.array(LAST_NAMES)[(pairs["person"].to_numpy() // 7) % len(LAST_NAMES)]
    city_table = pl.DataFrame(
        {
            "country_idx": [i for i, c in enumerate(codes) for _ in CITIES[c]],
            "city_no": [k for c in codes for k in range(len(CITIES[c]))],
            "city": [city for c in codes for city in CITIES[c]],
        }
    ).with_columns(pl.col("country_idx").cast(pl.Int64), pl.col("city_no").cast(pl.Int64))
    city_counts = {i: len(CITIES[c]) for i, c in enumerate(codes)}
    return (
        pairs.with_columns(
            pl.col("src").replace_strict(dict(enumerate(labels))).alias("source"),
            pl.format("c{}", pl.col("person")).alias("source_contact_id"),
            pl.format("kunde{}@example.de", pl.col("person")).alias("email"),
            pl.Series("first_name", first),
            pl.Series("last_name", last),
            pl.col("country_idx").replace_strict(dict(enumerate(codes))).alias("country"),
            (pl.col("person") % pl.col("country_idx").replace_strict(city_counts)).alias("city_no"),
        )
        .with_columns(pl.col("country_idx").cast(pl.Int64), pl.col("city_no").cast(pl.Int64))
        .join(city_table, on=["country_idx", "city_no"], how="left")
        .select(
            "source",
            "source_contact_id",
            "email",
            "first_name",
            "last_name",
            "country",
            "city",
            "person",
        )
    )


def generate(orders: int, persons: int | None = None, seed: int = 7) -> Shop:
    """``orders`` orders of ``persons`` persons (default: one person per five orders)."""
    rng = np.random.default_rng(seed)
    persons = persons or max(1, orders // 5)
    people = _persons(rng, persons)
    contacts = _contacts(people)

    weight = people["weight"].to_numpy()
    buyer = rng.choice(persons, size=orders, p=weight / weight.sum())
    # every buyer's first order is at acquisition; the others spread over the time after it
    acquired = people["acquired"].to_numpy()[buyer]
    span = (END - START).total_seconds()
    first_of_buyer = np.zeros(orders, dtype=bool)
    _, first_index = np.unique(buyer, return_index=True)
    first_of_buyer[first_index] = True
    offset = np.where(first_of_buyer, 0.0, rng.random(orders) * (span - acquired))
    seconds = (acquired + offset).astype(np.int64)
    home = people["home"].to_numpy()[buyer]
    second = people["second"].to_numpy()[buyer]
    src = np.where((second >= 0) & (rng.random(orders) < 0.3), second, home)

    product = np.minimum(rng.zipf(1.4, size=orders) - 1, PRODUCTS - 1)
    prices = np.round(np.geomspace(990, 199_700, PRODUCTS) / 10).astype(np.int64) * 10
    gross = prices[product]
    vat = np.array([c[2] for c in COUNTRIES])[people["country_idx"].to_numpy()[buyer]]
    tax = gross - (gross * 100 + (100 + vat) // 2) // (100 + vat)
    status = _pick(rng, STATUSES, orders)
    labels = np.array([s[0] for s in SOURCES])
    names = np.array(product_names())
    frame = pl.DataFrame(
        {
            "source": labels[src],
            "source_order_id": np.char.add("o", np.arange(orders).astype(str)),
            "source_contact_id": np.char.add("c", buyer.astype(str)),
            "ordered_at": (START.timestamp() + seconds) * 1_000_000,
            "gross_cents": gross,
            "tax_cents": tax,
            "status": status,
            "kind": _pick(rng, KINDS, orders),
            "product_name": names[product],
        }
    ).with_columns(pl.col("ordered_at").cast(pl.Datetime("us", "UTC")))
    partial = frame.filter(pl.col("status") == "partially_refunded")
    share = rng.integers(20, 80, size=partial.height)
    refunds = partial.select(
        "source_order_id",
        "source",
        (pl.col("gross_cents") * pl.Series(share) // 100).alias("amount_cents"),
        (pl.col("ordered_at") + pl.duration(days=14)).alias("refunded_at"),
    )
    items = frame.select(
        "source_order_id", "source", "product_name", pl.col("gross_cents").alias("amount_cents")
    )
    return Shop(contacts=contacts, orders=frame.drop("product_name"), items=items, refunds=refunds)
