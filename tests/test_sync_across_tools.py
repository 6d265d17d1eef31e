"""Acceptance: one person buying via Digistore24, WooCommerce and sevDesk is one customer.

The three fake APIs run as real HTTP servers; the sources are added the way the owner adds them
(:func:`kundenwert.sources.add_source` with credentials) and synced with
:func:`kundenwert.sync.sync_all`. The same buyer writes her e-mail differently in each tool and
must end up as one person with the right value per source; a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from connectors.http import HttpOptions
from kundenwert.customers import INVOICES_COLUMN, TOTAL_COLUMN, customer_matrix, load_dataset
from kundenwert.frames import load_frames
from kundenwert.models import SyncRun
from kundenwert.sources import add_source
from kundenwert.sync import SyncError, sync_all
from tests.factories import put_rates
from tests.fakes.digistore24 import FakeDigistore24
from tests.fakes.sevdesk import FakeSevDesk
from tests.fakes.woocommerce import FakeWooCommerce, address

ANNA = "anna.schmidt@gmx.de"  # as every tool's spelling normalises
BERND = "bernd.becker@example.de"
LABELS = ("Digistore24", "Shop", "sevDesk")

# Expected values in EUR cents (gross basis, the default).
COURSE = 20000 - 5000  # Digistore24: 200.00 course, 50.00 of it refunded
WORKSHOP = 11500  # WooCommerce: 108.10 CHF at 0.9400 CHF per EUR
CONSULTING = 23800  # sevDesk: paid invoice, 2 × 119.00
BERND_ORDER = 5950  # WooCommerce only: 50.00 + 9.50 VAT


@dataclass
class Tools:
    digistore24: FakeDigistore24
    shop: FakeWooCommerce
    sevdesk: FakeSevDesk


@pytest.fixture
def tools() -> Iterator[Tools]:
    with FakeDigistore24() as digistore24, FakeWooCommerce() as shop, FakeSevDesk() as sevdesk:
        yield Tools(digistore24, shop, sevdesk)


def fill(tools: Tools) -> None:
    """Anna in all three tools, her e-mail spelt three ways; Bernd only in the shop."""
    ds = tools.digistore24
    buyer = ds.add_buyer("Anna", "Schmidt", "Anna.Schmidt@GMX.de", created="2024-12-20T08:00:00")
    course = ds.add_purchase(
        buyer,
        created="2025-01-05T10:00:00",
        amount="200.00",
        items=[(20, "Online-Kurs „Grundlagen“", 1)],
    )
    ds.pay(course, at="2025-01-05T10:00:00")
    ds.refund(course, "50.00", at="2025-01-20T09:00:00")

    shop = tools.shop
    billing = address(
        "Anna", "Schmidt", " anna.schmidt@gmx.de ", city="Zürich", postcode="8001", country="CH"
    )
    shop.add_order(  # a guest order in Swiss francs
        billing=billing,
        created="2025-02-03T10:00:00",
        currency="CHF",
        items=[("Workshop Zürich", 1, "100.00", "8.10")],
    )
    bernd = shop.add_customer("Bernd", "Becker", BERND, created="2024-11-01T09:00:00")
    shop.add_order(customer=bernd, created="2025-02-10T10:00:00", items=[("Kurs", 1, "50", "9.5")])

    sevdesk = tools.sevdesk
    contact = sevdesk.add_contact("Anna", "Schmidt", created="2025-02-20T09:00:00+01:00")
    sevdesk.add_email(contact, "ANNA.SCHMIDT@gmx.de")
    sevdesk.add_address(contact, city="München", zip_code="80331", country="DE")
    sevdesk.add_invoice(contact, date="2025-03-01", items=[("Beratung", "2", "119", 19)])


def connect(engine: Engine, tools: Tools) -> None:
    add_source(
        engine,
        "digistore24",
        "Digistore24",
        base_url=tools.digistore24.url,
        credentials={"api_key": tools.digistore24.api_key},
    )
    add_source(
        engine,
        "woocommerce",
        "Shop",
        base_url=tools.shop.url,
        credentials={
            "consumer_key": tools.shop.consumer_key,
            "consumer_secret": tools.shop.consumer_secret,
        },
    )
    add_source(
        engine,
        "sevdesk",
        "sevDesk",
        base_url=tools.sevdesk.url,
        credentials={"api_token": tools.sevdesk.token},
    )


def synced(engine: Engine, fast: HttpOptions) -> dict[str, SyncRun]:
    outcomes = sync_all(engine, http=fast)
    assert set(outcomes) == set(LABELS)
    runs: dict[str, SyncRun] = {}
    for label, outcome in outcomes.items():
        assert not isinstance(outcome, SyncError), f"{label}: {outcome}"
        assert (outcome.status, outcome.error) == ("ok", None), label
        runs[label] = outcome
    return runs


def stored(url: str) -> dict[str, pl.DataFrame]:
    """Every frame the values are computed from, without the time of the last import."""
    frames = load_frames(url)
    return {
        "sources": frames.sources.drop("last_import_at").sort("id"),
        "persons": frames.persons.sort("id"),
        "contacts": frames.contacts.sort("id"),
        "orders": frames.orders.sort("id"),
        "items": frames.items.sort("id"),
        "refunds": frames.refunds.sort("id"),
        "rates": frames.rates.sort("currency", "day"),
    }


def check_one_person_across_tools(
    engine: Engine, url: str, tools: Tools, fast: HttpOptions
) -> None:
    fill(tools)
    put_rates(engine, {("CHF", "2025-02-03"): "0.9400"})
    connect(engine, tools)

    first = synced(engine, fast)
    assert {label: run.orders_added for label, run in first.items()} == {
        "Digistore24": 1,
        "Shop": 2,
        "sevDesk": 1,
    }

    ds = load_dataset(url)
    anna = ds.customers.filter(pl.col("email") == ANNA)
    assert anna.height == 1, "Anna must be exactly one person"
    assert anna["contacts"][0] == 3
    assert anna["name"][0] == "Anna Schmidt"
    assert anna["sources"][0] == "Digistore24, Shop, sevDesk"
    assert anna["value"][0] == COURSE + WORKSHOP + CONSULTING
    assert ds.customers.filter(pl.col("email").str.contains("schmidt")).height == 1

    orders = ds.orders.filter(pl.col("person_id") == anna["person_id"][0])
    statuses = dict(zip(orders["source_label"], orders["status"], strict=True))
    assert statuses == {"Digistore24": "partially_refunded", "Shop": "paid", "sevDesk": "paid"}
    chf = orders.filter(pl.col("source_label") == "Shop")
    assert (chf["currency"][0], chf["gross_cents"][0], chf["value"][0]) == ("CHF", 10810, WORKSHOP)

    matrix = customer_matrix(ds)
    assert matrix.columns == [
        "person_id",
        "name",
        "email",
        *LABELS,
        INVOICES_COLUMN,
        TOTAL_COLUMN,
    ]
    row = matrix.filter(pl.col("email") == ANNA)
    assert row.height == 1
    assert row.select(*LABELS, INVOICES_COLUMN, TOTAL_COLUMN).row(0, named=True) == {
        "Digistore24": COURSE,
        "Shop": WORKSHOP,
        "sevDesk": CONSULTING,
        INVOICES_COLUMN: CONSULTING,
        TOTAL_COLUMN: COURSE + WORKSHOP + CONSULTING,
    }
    assert row[TOTAL_COLUMN][0] == sum(row[label][0] for label in LABELS)

    bernd = matrix.filter(pl.col("email") == BERND)
    assert bernd.height == 1 and bernd["person_id"][0] != row["person_id"][0]
    assert bernd.select(*LABELS, INVOICES_COLUMN, TOTAL_COLUMN).row(0, named=True) == {
        "Digistore24": 0,
        "Shop": BERND_ORDER,
        "sevDesk": 0,
        INVOICES_COLUMN: 0,
        TOTAL_COLUMN: BERND_ORDER,
    }
    assert ds.customers.filter(pl.col("email") == BERND)["contacts"][0] == 1
    assert matrix.height == 2 and ds.customers.height == 2

    before = stored(url)
    again = synced(engine, fast)
    for label, run in again.items():
        counts = (run.contacts_added, run.contacts_updated, run.orders_added, run.orders_updated)
        assert counts == (0, 0, 0, 0), label
        assert run.refunds_added == 0, label
    after = stored(url)
    assert list(after) == list(before)
    for name, frame in before.items():
        assert_frame_equal(after[name], frame)  # `name` tells which frame differs
    assert_frame_equal(customer_matrix(load_dataset(url)), matrix)


def test_one_person_across_three_tools_with_the_right_value_per_source(
    engine: Engine, sqlite_url: str, tools: Tools, fast: HttpOptions
) -> None:
    check_one_person_across_tools(engine, sqlite_url, tools, fast)


@pytest.mark.postgres
def test_one_person_across_three_tools_on_postgresql(
    pg_engine: Engine, pg_url: str, tools: Tools, fast: HttpOptions
) -> None:
    check_one_person_across_tools(pg_engine, pg_url, tools, fast)
