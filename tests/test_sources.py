"""Sources: editing, masked keys, the connection test, and the data version they change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from connectors.http import HttpOptions, RetryPolicy
from kundenwert.frames import data_version
from kundenwert.sources import (
    SourceError,
    add_source,
    list_sources,
    masked_credentials,
    masked_key,
    update_source,
)
from kundenwert.sync import SyncError, check_connection, sync_source
from tests.factories import contact, order, put
from tests.fakes.woocommerce import FakeWooCommerce, sample_shop


@pytest.fixture
def shop() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as shop:
        sample_shop(shop)
        yield shop


def fast() -> HttpOptions:
    return HttpOptions(timeout=5, retry=RetryPolicy(sleep=lambda _s: None), rate_limit=0)


def connect(engine: Engine, shop: FakeWooCommerce, secret: str = "") -> None:
    add_source(
        engine,
        "woocommerce",
        "Shop",
        base_url=shop.url,
        credentials={
            "consumer_key": shop.consumer_key,
            "consumer_secret": secret or shop.consumer_secret,
        },
    )


def test_masked_key_shows_the_last_four_characters_of_long_keys_only() -> None:
    assert masked_key("sk_live_1234567890abcd") == "••••abcd"
    assert masked_key("short") == "••••"


def test_masked_credentials_per_name(engine: Engine, shop: FakeWooCommerce) -> None:
    connect(engine, shop)
    assert masked_credentials(engine, "Shop") == {
        "consumer_key": "••••_123",
        "consumer_secret": "••••_456",
    }


def test_rename_and_counts_towards_totals(engine: Engine) -> None:
    put(engine, "Webinar", [contact("a", "anna@beispiel.de")], [order("1", "a", 100)])
    update_source(engine, "Webinar", new_label="Webinar 2025", counts_towards_totals=False)
    [info] = list_sources(engine)
    assert (info.label, info.counts_towards_totals) == ("Webinar 2025", False)


def test_rename_to_a_taken_label_is_refused(engine: Engine) -> None:
    put(engine, "A", [contact("a", "anna@beispiel.de")], [])
    put(engine, "B", [contact("b", "ben@beispiel.de")], [])
    with pytest.raises(SourceError, match="gibt es schon"):
        update_source(engine, "A", new_label="B")


def test_check_connection_reads_the_first_page_and_writes_nothing(
    engine: Engine, shop: FakeWooCommerce
) -> None:
    connect(engine, shop)
    result = check_connection(engine, "Shop", http=fast())
    assert result.ok and result.title == "WooCommerce" and result.error is None
    assert result.contacts + result.orders > 0
    assert list_sources(engine)[0].orders == 0


def test_check_connection_with_a_wrong_secret_says_why_without_the_secret(
    engine: Engine, shop: FakeWooCommerce
) -> None:
    connect(engine, shop, secret="cs_wrong_secret_999")
    result = check_connection(engine, "Shop", http=fast())
    assert not result.ok
    assert result.error is not None and "401" in result.error
    assert "cs_wrong_secret_999" not in result.error


def test_check_connection_of_an_import_only_source_is_refused(engine: Engine) -> None:
    put(engine, "Webinar", [contact("a", "anna@beispiel.de")], [])
    with pytest.raises(SyncError):
        check_connection(engine, "Webinar")


def test_data_version_changes_with_a_toggle_a_rename_and_a_sync(
    engine: Engine, sqlite_url: str, shop: FakeWooCommerce
) -> None:
    connect(engine, shop)
    versions = [data_version(sqlite_url)]
    update_source(engine, "Shop", counts_towards_totals=False)
    versions.append(data_version(sqlite_url))
    update_source(engine, "Shop", new_label="Shop DE")
    versions.append(data_version(sqlite_url))
    sync_source(engine, "Shop DE", http=fast())
    versions.append(data_version(sqlite_url))
    sync_source(engine, "Shop DE", http=fast())  # nothing new: only the run is new
    versions.append(data_version(sqlite_url))
    assert len(set(versions)) == 5
