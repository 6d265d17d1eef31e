"""Datenquellen (accounts) and Datenqualität with AppTest: connect, test, sync, edit, remove.

WooCommerce stands in for every tool: a fake shop (tests/fakes/woocommerce.py) answers over
real HTTP on 127.0.0.1, so the page runs the same code as against a real shop.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from kundenwert import jobs
from kundenwert.db import get_engine
from kundenwert.sources import add_source, connector_config, list_sources
from tests.factories import contact, order, put
from tests.fakes.woocommerce import FakeWooCommerce, sample_shop
from tests.test_app import (  # noqa: F401  (the autouse fixture must be visible here)
    database_url,
    navigation_mode,
    open_app,
    table,
    texts,
)

PAGE = "pages/datenquellen.py"


@pytest.fixture
def shop() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as shop:
        sample_shop(shop)
        yield shop


def connect(data_dir: Path, shop: FakeWooCommerce, label: str = "Shop", secret: str = "") -> str:
    url = database_url(data_dir)
    add_source(
        get_engine(url),
        "woocommerce",
        label,
        base_url=shop.url,
        credentials={
            "consumer_key": shop.consumer_key,
            "consumer_secret": secret or shop.consumer_secret,
        },
    )
    return url


def rendered(at: AppTest) -> str:
    """Every element the page sent to the browser, as its protobuf text."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def database_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("kundenwert.db*")))


@pytest.mark.sqlite_only(reason="reads the SQLite file's bytes")
def test_connecting_an_account_stores_the_key_encrypted(
    data_dir: Path, shop: FakeWooCommerce
) -> None:
    at = open_app(PAGE)
    at.selectbox(key="connect_tool").set_value("woocommerce").run()
    at.text_input(key="connect_label:woocommerce").input("Shop DE")
    at.text_input(key="connect_url:woocommerce").input(shop.url)
    at.text_input(key="connect_key:woocommerce:consumer_key").input(shop.consumer_key)
    at.text_input(key="connect_key:woocommerce:consumer_secret").input(shop.consumer_secret)
    next(b for b in at.button if b.label == "Verbinden").click().run()
    assert not at.exception, at.exception
    assert "„Shop DE“ verbunden" in texts(at)

    [info] = list_sources(get_engine(database_url(data_dir)))
    assert (info.label, info.kind, info.has_credentials) == ("Shop DE", "woocommerce", True)
    stored = database_bytes(data_dir)
    assert b"Shop DE" in stored  # the file is the right one
    assert "Shop DE" in rendered(at)  # the walk reaches the account card
    for secret in (shop.consumer_key, shop.consumer_secret):
        assert secret.encode() not in stored
        assert secret not in rendered(at)
    assert "gespeichert (••••_456)" in texts(at)  # the last four characters only


def test_a_missing_key_is_rejected_with_a_message(data_dir: Path) -> None:
    at = open_app(PAGE)
    at.selectbox(key="connect_tool").set_value("woocommerce").run()
    at.text_input(key="connect_label:woocommerce").input("Shop")
    at.text_input(key="connect_url:woocommerce").input("https://shop.example.de")
    at.text_input(key="connect_key:woocommerce:consumer_key").input("ck_only_the_key_0001")
    next(b for b in at.button if b.label == "Verbinden").click().run()
    assert not at.exception
    assert any("Consumer Secret" in e.value for e in at.error)
    assert list_sources(get_engine(database_url(data_dir))) == []


def test_editing_without_a_new_key_keeps_the_stored_one(
    data_dir: Path, shop: FakeWooCommerce
) -> None:
    url = connect(data_dir, shop)
    at = open_app(PAGE)
    at.text_input(key="edit_label:Shop").input("Shop Österreich")
    next(b for b in at.button if b.label == "Speichern").click().run()
    assert not at.exception, at.exception
    assert "„Shop Österreich“ gespeichert." in texts(at)

    [info] = list_sources(get_engine(url))
    assert info.label == "Shop Österreich"
    with_keys = connector_config(_source(url, "Shop Österreich"))
    assert with_keys.credentials["consumer_secret"].get_secret_value() == shop.consumer_secret


def test_editing_with_a_new_key_replaces_it(data_dir: Path, shop: FakeWooCommerce) -> None:
    url = connect(data_dir, shop, secret="cs_wrong_secret_000")
    at = open_app(PAGE)
    at.text_input(key="edit_key:Shop:consumer_key").input(shop.consumer_key)
    at.text_input(key="edit_key:Shop:consumer_secret").input(shop.consumer_secret)
    next(b for b in at.button if b.label == "Speichern").click().run()
    assert not at.exception
    config = connector_config(_source(url, "Shop"))
    assert config.credentials["consumer_secret"].get_secret_value() == shop.consumer_secret
    assert shop.consumer_secret not in rendered(at)


def _source(url: str, label: str) -> Any:
    from sqlmodel import Session, select

    from kundenwert.models import Source

    with Session(get_engine(url)) as session:
        return session.exec(select(Source).where(Source.label == label)).one()


def test_removing_asks_first_and_says_what_goes(data_dir: Path) -> None:
    url = database_url(data_dir)
    put(
        get_engine(url),
        "Webinar",
        [contact("a", "anna@beispiel.de"), contact("b", "ben@beispiel.de")],
        [order("1", "a", 1000)],
    )
    at = open_app(PAGE)
    at.button(key="remove_ask:Webinar").click().run()
    assert not at.exception
    assert any("2 Kontakte und 1 Bestellungen" in w.value for w in at.warning)
    assert [s.label for s in list_sources(get_engine(url))] == ["Webinar"]  # nothing gone yet

    at.button(key="remove:Webinar:yes").click().run()
    assert not at.exception
    assert "„Webinar“ entfernt" in texts(at)
    assert list_sources(get_engine(url)) == []


def test_cancel_keeps_the_source(data_dir: Path) -> None:
    url = database_url(data_dir)
    put(get_engine(url), "Webinar", [contact("a", "anna@beispiel.de")], [order("1", "a", 1000)])
    at = open_app(PAGE)
    at.button(key="remove_ask:Webinar").click().run()
    at.button(key="remove:Webinar:no").click().run()
    assert not at.exception
    assert [s.label for s in list_sources(get_engine(url))] == ["Webinar"]


def finish_syncs(at: AppTest, data_dir: Path) -> list[str]:
    """Wait for the background syncs the page started, then let the page report them.

    A sync may end before the click's own run is over, and then that run reports it: the
    messages of both runs are returned."""
    messages = [m.value for m in (*at.success, *at.error)]
    for job in jobs.running(get_engine(database_url(data_dir))):
        assert job.wait(timeout=60), "sync did not finish"
    at.run()
    assert not at.exception, at.exception
    return messages + [m.value for m in (*at.success, *at.error)]


def test_test_connection_and_sync_against_the_fake_shop(
    data_dir: Path, shop: FakeWooCommerce
) -> None:
    connect(data_dir, shop)
    at = open_app(PAGE)
    assert "Noch nie synchronisiert." in texts(at)
    at.button(key="test:Shop").click().run()
    assert not at.exception, at.exception
    assert any("Verbindung zu WooCommerce klappt" in s.value for s in at.success)
    assert table(at, "counted_orders")["orders"].tolist() == [0]  # the test writes nothing

    shop.server.slow(seconds=1.0)  # the first request waits: the page shows the running sync
    at.button(key="sync:Shop").click().run()
    assert not at.exception, at.exception
    assert "Läuft im Hintergrund weiter" in texts(at)  # the page is not blocked by the sync
    messages = finish_syncs(at, data_dir)
    assert any("„Shop“ synchronisiert: 8 Kontakte neu" in m for m in messages)
    assert "12 Bestellungen neu" in texts(at)
    assert table(at, "counted_orders")["orders"].tolist() == [12]
    assert "Letzte Synchronisierung: erfolgreich" in texts(at)


def test_sync_all_syncs_every_account(data_dir: Path, shop: FakeWooCommerce) -> None:
    connect(data_dir, shop)
    at = open_app(PAGE)
    at.button(key="sync_all").click().run()
    assert not at.exception, at.exception
    messages = finish_syncs(at, data_dir)
    assert any("1 von 1 Konten synchronisiert." in m for m in messages)
    assert table(at, "counted_orders")["orders"].tolist() == [12]


def test_a_rejected_key_shows_the_reason_never_the_key(
    data_dir: Path, shop: FakeWooCommerce
) -> None:
    wrong = "cs_wrong_secret_999"
    connect(data_dir, shop, secret=wrong)
    at = open_app(PAGE)
    at.button(key="test:Shop").click().run()
    assert not at.exception, at.exception
    [message] = [e.value for e in at.error]
    assert message.startswith("Verbindung zu WooCommerce fehlgeschlagen:") and "401" in message

    at.button(key="sync:Shop").click().run()
    assert not at.exception
    messages = finish_syncs(at, data_dir)
    assert any("Synchronisierung von „Shop“ fehlgeschlagen" in m for m in messages)
    assert "Letzte Synchronisierung: fehlgeschlagen" in texts(at)
    page = rendered(at)
    assert wrong not in page and shop.consumer_key not in page


def test_counts_towards_totals_toggle(data_dir: Path) -> None:
    url = database_url(data_dir)
    put(get_engine(url), "Webinar", [contact("a", "anna@beispiel.de")], [order("1", "a", 1000)])
    at = open_app(PAGE)
    at.toggle(key="counts:Webinar").set_value(False).run()
    assert not at.exception
    assert "„Webinar“ zählt nicht mehr zu den Summen." in texts(at)
    sources = table(at, "counted_orders")
    assert sources["counts_towards_totals"].tolist() == [False]
    assert sources["counted_orders"].tolist() == [0]


def test_english_labels_on_the_accounts(data_dir: Path, shop: FakeWooCommerce) -> None:
    connect(data_dir, shop)
    at = open_app(PAGE)
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert not at.exception
    assert "Never synced yet." in texts(at)
    assert "stored (••••_456)" in texts(at)
    assert [b.label for b in at.button if b.key == "test:Shop"] == ["Test connection"]


# --- Datenqualität ----------------------------------------------------------------------------


def test_quality_page_shows_a_number_per_check_and_the_records(data_dir: Path) -> None:
    url = database_url(data_dir)
    engine = get_engine(url)
    anna = [contact("a", "anna@beispiel.de", country="DE")]
    put(engine, "sevDesk", anna, [order("RE-1", "a", 100, payment_id="p1")], "sevdesk")
    put(engine, "lexoffice", anna, [order("RE-1", "a", 100, payment_id="p1")], "lexoffice")
    put(engine, "Shop", [contact("order:7")], [order("7", "order:7", 500)], "woocommerce")
    at = open_app("pages/datenqualitaet.py")
    assert [t.value for t in at.title] == ["Datenqualität"]
    numbers = {m.label: m.value for m in at.metric}
    assert numbers == {
        "Ohne E-Mail": "1",
        "Doppelte Rechnungsnummern": "1",
        "Zahlungen in zwei Quellen": "1",
        "Fremdwährung": "0",
        "Testbestellungen": "0",
        "Ohne Land": "1",
    }
    invoices = at.dataframe(key="quality_duplicate_invoice_numbers").value
    assert invoices["source_label"].tolist() == ["lexoffice", "sevDesk"]
    assert at.dataframe(key="quality_no_email").value["source_contact_id"].tolist() == ["order:7"]


def test_quality_page_on_an_empty_database(data_dir: Path) -> None:
    at = open_app("pages/datenqualitaet.py")
    assert [s.value for s in at.subheader] == ["Noch keine Daten"]


def test_an_export_of_a_synced_tool_is_not_suggested_into_the_api_account(
    data_dir: Path, shop: FakeWooCommerce
) -> None:
    connect(data_dir, shop)
    export = (Path(__file__).parent / "data" / "import" / "woocommerce_orders.csv").read_bytes()
    at = open_app(PAGE)
    at.file_uploader[0].upload("woocommerce_orders.csv", export, "text/csv").run()
    assert not at.exception, at.exception
    [target] = [s for s in at.selectbox if s.label == "Quelle (Konto)"]
    assert target.value == "__new__"  # a new source is suggested, not the API account
    assert any("bereits über die Schnittstelle verbunden (Shop)" in w.value for w in at.warning)

    target.set_value("Shop").run()
    assert any("„Shop“ wird über die Schnittstelle synchronisiert" in w.value for w in at.warning)
