"""The dashboard with Streamlit's AppTest: every page renders and shows what it should.

Two databases: a small one written record by record (known persons and values, so the tests
can assert exact German amounts), and the demo data for a smoke test of every page.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from kundenwert.customers import load_dataset
from kundenwert.db import get_engine
from kundenwert.identity import merge_history, merge_persons
from tests.databases import app_database_url
from tests.factories import contact, order, put, put_rates, refund

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30
PAGES = {
    "pages/uebersicht.py": "Übersicht",
    "pages/kunden.py": "Kunden",
    "pages/kundenmatrix.py": "Kundenmatrix",
    "pages/rfm.py": "RFM",
    "pages/kennzahlen.py": "Kennzahlen",
    "pages/kundenreise.py": "Kundenreise",
    "pages/kunde.py": "Kunde",
    "pages/dubletten.py": "Dubletten",
    "pages/datenquellen.py": "Datenquellen",
    "pages/datenqualitaet.py": "Datenqualität",
    "pages/einstellungen.py": "Einstellungen",
}
KUNDEN = "pages/kunden.py"
NBSP = "\u00a0"
GENERIC_CSV = (
    b"order_id;date;email;first_name;last_name;product;amount;currency\n"
    b"W-1;01.07.2025;dora@beispiel.de;Dora;Neu;Workshop;49,00;EUR\n"
    b"W-2;02.07.2025;emil@beispiel.de;Emil;Neu;Workshop;99,00;EUR\n"
)
BAD_CSV = (
    b"order_id;date;email;amount\n"
    b"B-1;01.07.2025;eins@beispiel.de;10,00\n"
    b"B-2;02.07.2025;zwei@beispiel.de;12,3x\n"
)


@pytest.fixture(autouse=True)
def navigation_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every AppTest run the way a server runs once some session has opened app.py.

    Streamlit treats a folder called ``pages/`` as its legacy multipage mode until
    ``st.navigation`` has run, and AppTest detects that mode again before every run. The
    dashboard leaves it with a rerun (``ui._leave_pages_directory_mode``), which would drop the
    button click of that run. Tests that use ``legacy_pages_mode`` keep the detection, to test
    exactly that rerun.
    """
    if "legacy_pages_mode" in request.fixturenames:
        return
    from streamlit.runtime.pages_manager import PagesManager

    detect = PagesManager.__init__

    def navigation_only(self: PagesManager, *args: object, **kwargs: object) -> None:
        detect(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_only)


@pytest.fixture
def legacy_pages_mode() -> None:
    """Marker fixture: keep Streamlit's detection of the legacy pages/ mode (see above)."""


def database_url(data_dir: Path) -> str:
    """The app's database in this test (SQLite under ``data_dir``, or PostgreSQL in that pass)."""
    return app_database_url()


@pytest.fixture
def small_business(data_dir: Path) -> str:
    """Anna buys in Digistore24 and is invoiced in sevDesk; Ben pays in USD; Carla's order is
    still pending. Values (gross): Anna 119,00 + 49,00 − 10,00 + 1.000,00 = 1.158,00 €;
    Ben 100 USD at 1.0856 = 92,11 €; Carla 0,00 €."""
    url = database_url(data_dir)
    engine = get_engine(url)
    put_rates(engine, {("USD", "2025-03-03"): "1.0856"})
    put(
        engine,
        "Digistore24",
        [
            contact("c1", "anna@beispiel.de", first_name="Anna", last_name="Muster", city="Berlin"),
            contact("c2", "ben@beispiel.com", first_name="Ben", last_name="Beispiel"),
        ],
        [
            order("d1", "c1", 11900, "2025-03-03", tax=1900, product="Online-Kurs"),
            order("d2", "c2", 10000, "2025-03-03", currency="USD", product="E-Book"),
            order("d3", "c1", 4900, "2025-03-05", refunds=[refund("r1", 1000)], product="Kurs"),
        ],
        "digistore24",
    )
    put(
        engine,
        "sevDesk",
        [contact("s1", "anna@beispiel.de", first_name="Anna", last_name="Muster")],
        [order("RE-1", "s1", 100000, "2025-04-01", kind="invoice", product="Beratung")],
        "sevdesk",
    )
    put(
        engine,
        "CopeCart",
        [contact("k1", "carla@beispiel.org", first_name="Carla", last_name="Test")],
        [order("cc1", "k1", 5000, "2025-05-01", status="pending")],
        "copecart",
    )
    return url


@pytest.fixture
def demo_data(data_dir: Path) -> str:
    from kundenwert.demo import fill_demo

    url = database_url(data_dir)
    fill_demo(get_engine(url), persons=150, seed=3)
    return url


def person_id(url: str, email: str) -> int:
    customers = load_dataset(url).customers
    return int(customers.filter(pl.col("email") == email)["person_id"][0])


def open_app(page: str | None = None, **query: str) -> AppTest:
    """Run the app (the frame first, as a browser does), then switch to ``page``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    if page is not None:
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, column: str):
    """The first table on the page with ``column`` (plain tables carry no key in AppTest)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")


def fresh(name: str, actions_done: int = 0) -> str:
    """The key of a widget that is new after every confirmed action (ui.fresh_key)."""
    return f"{name}:de:{actions_done}"


def texts(at: AppTest) -> str:
    """Every markdown, caption, info, success, warning and error text, joined."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "success", "warning", "error")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


# --- every page --------------------------------------------------------------------------------


@pytest.mark.parametrize(("page", "title"), PAGES.items())
def test_every_page_renders_on_demo_data(demo_data: str, page: str, title: str) -> None:
    at = open_app(page)
    assert [t.value for t in at.title] == [title]


def test_demo_data_shows_a_notice(demo_data: str) -> None:
    at = open_app()
    assert any(i.value.startswith("Demo-Daten:") for i in at.info)


def test_a_deep_link_after_a_server_start_runs_inside_the_frame(
    small_business: str, legacy_pages_mode: None
) -> None:
    anna = person_id(small_business, "anna@beispiel.de")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["person"] = str(anna)
    at.switch_page("pages/kunde.py")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Kunde"]
    assert at.sidebar.radio(key="lang__widget").value == "de"  # the frame's sidebar is there
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Customer"]


def test_the_app_opens_on_the_overview_in_german(small_business: str) -> None:
    at = open_app()
    assert at.title[0].value == "Übersicht"
    assert not any(i.value.startswith("Demo-Daten") for i in at.info)


# --- Kunden ------------------------------------------------------------------------------------


def test_customer_list_counts_sorts_and_formats_values(small_business: str) -> None:
    at = open_app(KUNDEN)
    assert "1–3 von 3 Kunden" in texts(at)
    table = at.dataframe[0].value
    assert table["email"].tolist() == ["anna@beispiel.de", "ben@beispiel.com", "carla@beispiel.org"]
    assert table["value"].tolist() == [f"1.158,00{NBSP}€", f"92,11{NBSP}€", f"0,00{NBSP}€"]


def test_search_narrows_the_list(small_business: str) -> None:
    at = open_app(KUNDEN)
    at.text_input(key="customers_search__widget").input("ben@").run()
    assert not at.exception
    assert "1–1 von 1 Kunden" in texts(at)
    assert at.dataframe[0].value["email"].tolist() == ["ben@beispiel.com"]


def test_search_without_match_says_so(small_business: str) -> None:
    at = open_app(KUNDEN)
    at.text_input(key="customers_search__widget").input("niemand").run()
    assert not at.exception
    assert "Keine Kunden gefunden für „niemand“." in texts(at)


def test_sorting_by_name_ascending(small_business: str) -> None:
    at = open_app(KUNDEN)
    at.selectbox(key="customers_sort__de").set_value("name").run()
    at.button_group(key="customers_descending__de").set_value(False).run()
    assert not at.exception
    assert at.dataframe[0].value["name"].tolist() == ["Anna Muster", "Ben Beispiel", "Carla Test"]


def test_paging_shows_the_range_of_the_page(demo_data: str) -> None:
    total = load_dataset(demo_data).customers.height
    at = open_app(KUNDEN)
    at.selectbox(key="customers_page_size__widget").set_value(25).run()
    at.number_input(key="customers_page__widget").set_value(2).run()
    assert not at.exception
    assert f"26–50 von {total} Kunden" in texts(at)
    assert len(at.dataframe[0].value) == 25


def test_net_basis_changes_labels_and_values(small_business: str) -> None:
    at = open_app(KUNDEN)
    at.sidebar.radio(key="basis__de").set_value("net").run()
    assert not at.exception
    assert "netto" in texts(at)
    # Anna: 100,00 + 49,00 − 10,00 + 1.000,00 (the invoice has no VAT in the test data)
    assert at.dataframe[0].value["value"].tolist()[0] == f"1.139,00{NBSP}€"


def test_english_switch_translates_titles_and_formats(small_business: str) -> None:
    at = open_app(KUNDEN)
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Customers"
    assert "1–3 of 3 customers" in texts(at)
    assert at.dataframe[0].value["value"].tolist()[0] == "€1,158.00"


def test_language_and_sorting_survive_page_switches(small_business: str) -> None:
    at = open_app(KUNDEN)
    at.selectbox(key="customers_sort__de").set_value("name").run()
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert at.selectbox(key="customers_sort__en").value == "name"
    at.switch_page("pages/kundenmatrix.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Customer matrix"]
    at.switch_page("pages/kunden.py").run()
    assert not at.exception
    assert at.selectbox(key="customers_sort__en").value == "name"
    assert at.dataframe[0].value["name"].tolist()[0] == "Carla Test"


def test_selecting_a_row_opens_the_customer_and_keeps_language_and_search(
    small_business: str,
) -> None:
    at = open_app(KUNDEN)
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    at.text_input(key="customers_search__widget").input("beispiel.com").run()
    at.session_state["customers_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Customer"]  # still English after st.switch_page
    assert "ben@beispiel.com" in texts(at)
    assert at.query_params["person"] == str(person_id(small_business, "ben@beispiel.com"))
    at.switch_page("pages/kunden.py").run()
    assert at.text_input(key="customers_search__widget").value == "beispiel.com"
    assert "1–1 of 1 customers" in texts(at)


def test_csv_download_is_german_excel_csv(small_business: str) -> None:
    import ui

    customers = load_dataset(small_business).customers.sort("value", descending=True)
    data = ui.customers_csv(customers, "de", "brutto")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["Nr.", "Name", "E-Mail"]
    assert "Kundenwert (brutto)" in lines[0]
    anna = lines[1].split(";")
    assert "anna@beispiel.de" in anna
    assert "1158,00" in anna
    assert "03.03.2025" in anna
    assert len(lines) == 4


def test_csv_download_in_english_uses_commas_and_iso_dates(small_business: str) -> None:
    import ui

    customers = load_dataset(small_business).customers.sort("value", descending=True)
    lines = ui.customers_csv(customers, "en", "gross").decode("utf-8-sig").splitlines()
    assert lines[0].startswith("No.,Name,E-mail")
    assert "1158.00" in lines[1].split(",")
    assert "2025-03-03" in lines[1].split(",")


def test_matrix_csv_has_one_column_per_source(small_business: str) -> None:
    import ui
    from kundenwert.customers import build_dataset, customer_matrix

    matrix = customer_matrix(build_dataset(load_dataset(small_business).frames))
    money = [c for c in matrix.columns if c not in ("person_id", "name", "email")]
    titles = {c: c.upper() for c in matrix.columns}
    lines = ui.matrix_csv(matrix, "de", money, titles).decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[3:] == [
        "DIGISTORE24",
        "SEVDESK",
        "COPECART",
        "FROM_INVOICES",
        "TOTAL",
    ]
    assert "1158,00" in "\n".join(lines)


# --- Kundenmatrix ------------------------------------------------------------------------------


def test_matrix_has_a_column_per_source_and_the_sums(small_business: str) -> None:
    at = open_app("pages/kundenmatrix.py")
    table = at.dataframe[0].value
    for column in ("Digistore24", "sevDesk", "CopeCart", "from_invoices", "total"):
        assert column in table.columns
    anna = table[table["email"] == "anna@beispiel.de"].iloc[0]
    assert anna["Digistore24"] == f"158,00{NBSP}€"
    assert anna["sevDesk"] == f"1.000,00{NBSP}€"
    assert anna["from_invoices"] == f"1.000,00{NBSP}€"
    assert anna["total"] == f"1.158,00{NBSP}€"
    # Carla has no counted order, so she is not in the matrix
    assert "carla@beispiel.org" not in table["email"].tolist()


def test_matrix_sorts_by_a_source(small_business: str) -> None:
    at = open_app("pages/kundenmatrix.py")
    at.selectbox(key="matrix_sort__de").set_value("Digistore24").run()
    at.button_group(key="matrix_descending__de").set_value(False).run()
    assert not at.exception
    assert at.dataframe[0].value["email"].tolist() == ["ben@beispiel.com", "anna@beispiel.de"]


# --- Kunde -------------------------------------------------------------------------------------


def test_customer_report_of_a_known_person(small_business: str) -> None:
    anna = person_id(small_business, "anna@beispiel.de")
    at = open_app("pages/kunde.py", person=str(anna))
    assert "anna@beispiel.de" in texts(at)
    values = {m.label: m.value for m in at.metric}
    assert values["Kundenwert (brutto)"] == f"1.158,00{NBSP}€"
    assert values["Gezählte Bestellungen"] == "3"
    assert values["Erste Bestellung"] == "03.03.2025"
    assert values["Erstattungen (brutto)"] == f"10,00{NBSP}€"
    contacts = table(at, "source_contact_id")
    assert sorted(contacts["source_label"]) == ["Digistore24", "sevDesk"]
    orders = table(at, "source_order_id")
    assert set(orders["source_order_id"]) == {"d1", "d3", "RE-1"}


def test_customer_report_shows_the_exchange_rate_used(small_business: str) -> None:
    ben = person_id(small_business, "ben@beispiel.com")
    at = open_app("pages/kunde.py", person=str(ben))
    orders = table(at, "source_order_id")
    row = orders.iloc[0]
    assert row["original"] == f"100,00{NBSP}$"
    assert row["rate"] == "1,0856 USD"
    assert row["value"] == f"92,11{NBSP}€"


def test_pending_order_is_listed_with_the_reason_it_does_not_count(small_business: str) -> None:
    carla = person_id(small_business, "carla@beispiel.org")
    at = open_app("pages/kunde.py", person=str(carla))
    orders = table(at, "source_order_id")
    assert orders["excluded"].tolist() == ["Status zählt nicht (offen)"]


def test_customer_page_without_a_person_offers_a_search(small_business: str) -> None:
    at = open_app("pages/kunde.py")
    at.text_input(key="customer_search").input("carla").run()
    assert not at.exception
    assert len(at.selectbox(key=fresh("customer_pick")).options) == 1


def test_unknown_person_is_reported(small_business: str) -> None:
    at = open_app("pages/kunde.py", person="999")
    assert any("999" in w.value for w in at.warning)


def test_merge_split_and_undo_from_the_customer_report(small_business: str) -> None:
    engine = get_engine(small_business)
    anna = person_id(small_business, "anna@beispiel.de")
    at = open_app("pages/kunde.py", person=str(anna))

    at.text_input(key=fresh("merge_search")).input("ben@beispiel.com").run()
    at.button(key="merge_ask").click().run()
    assert any("Ben Beispiel" in w.value for w in at.warning)  # the confirmation question
    at.button(key="merge:yes").click().run()
    assert not at.exception
    assert any("Zusammengeführt" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["Kundenwert (brutto)"] == f"1.250,11{NBSP}€"
    merge = merge_history(engine, anna)[0]
    assert (merge.action, merge.reason) == ("merge", "manual")

    at.selectbox(key=fresh("undo_pick", 1)).set_value(merge.id)
    at.button(key="undo_ask").click().run()
    at.button(key="undo:yes").click().run()
    assert not at.exception
    assert any("rückgängig gemacht" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["Kundenwert (brutto)"] == f"1.158,00{NBSP}€"

    sevdesk = table(at, "source_contact_id")
    assert len(sevdesk) == 2
    split = at.multiselect(key=fresh("split_pick", 2))
    split.select(split.options[-1]).run()
    at.button(key="split_ask").click().run()
    at.button(key="split:yes").click().run()
    assert not at.exception
    assert any("Abgetrennt" in s.value for s in at.success)
    assert len(table(at, "source_contact_id")) == 1


def test_a_merged_away_person_points_to_the_person_it_went_to(small_business: str) -> None:
    anna = person_id(small_business, "anna@beispiel.de")
    ben = person_id(small_business, "ben@beispiel.com")
    merge_persons(get_engine(small_business), anna, ben)
    at = open_app("pages/kunde.py", person=str(ben))
    assert any(f"mit Nr. {anna} zusammengeführt" in i.value for i in at.info)


def test_cancelling_a_merge_changes_nothing(small_business: str) -> None:
    anna = person_id(small_business, "anna@beispiel.de")
    at = open_app("pages/kunde.py", person=str(anna))
    at.text_input(key=fresh("merge_search")).input("carla").run()
    at.button(key="merge_ask").click().run()
    at.button(key="merge:no").click().run()
    assert not at.exception
    assert not at.success
    assert merge_history(get_engine(small_business), anna)[0].reason == "same_email"


# --- Dubletten ---------------------------------------------------------------------------------


def test_duplicates_page_lists_pairs_with_a_similar_email(data_dir: Path) -> None:
    engine = get_engine(database_url(data_dir))
    put(
        engine,
        "Shop",
        [
            contact("1", "maria.schmidt@gmail.com", first_name="Maria", last_name="Schmidt"),
            contact("2", "maria.schmidt@gmial.com", first_name="Maria", last_name="Schmidt"),
        ],
        [order("o1", "1", 1000), order("o2", "2", 2000)],
    )
    at = open_app("pages/dubletten.py")
    assert "1 mögliche Dubletten" in texts(at)
    pairs = table(at, "person_b")
    assert pairs["reason"].tolist() == ["ähnliche E-Mail-Adresse (Tippfehler?)"]


# --- Datenquellen ------------------------------------------------------------------------------


def test_sources_page_lists_every_source(small_business: str) -> None:
    at = open_app("pages/datenquellen.py")
    sources = table(at, "counted_orders")
    assert sources["label"].tolist() == ["Digistore24", "sevDesk", "CopeCart"]
    assert sources["kind"].tolist() == ["Digistore24", "sevDesk", "CopeCart"]


def test_import_shows_a_preview_then_imports(small_business: str) -> None:
    at = open_app("pages/datenquellen.py")
    at.file_uploader[0].upload("webinar.csv", GENERIC_CSV, "text/csv").run()
    assert not at.exception
    assert "2 Zeilen" in texts(at)
    assert at.button(key="import_button").disabled  # a new source needs a name first
    at.text_input(key="import_new_label_0").input("Webinar-Liste").run()
    assert len(table(at, "amount_cents")) == 2
    assert load_dataset(small_business).frames.orders.height == 5  # nothing written yet

    at.button(key="import_button").click().run()
    assert not at.exception
    assert any("Webinar-Liste" in s.value for s in at.success)
    assert "Webinar-Liste" in table(at, "counted_orders")["label"].tolist()
    assert load_dataset(small_business).frames.orders.height == 7


def test_a_bad_file_shows_row_and_column_and_cannot_be_imported(small_business: str) -> None:
    at = open_app("pages/datenquellen.py")
    at.file_uploader[0].upload("kaputt.csv", BAD_CSV, "text/csv").run()
    assert not at.exception
    assert any("Zeile 3" in e.value for e in at.error)
    problems = table(at, "problem")
    assert problems["row"].tolist() == [3]
    assert at.button(key="import_button").disabled


# --- Einstellungen -----------------------------------------------------------------------------


def test_test_order_rules_exclude_orders_and_list_them(small_business: str) -> None:
    at = open_app("pages/einstellungen.py")
    assert any("Keine Bestellung ist ausgeschlossen." in s.value for s in at.success)
    at.text_area(key="rules_emails").input("ben@beispiel.com")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any("Regeln gespeichert" in s.value for s in at.success)
    excluded = table(at, "excluded_reason")
    assert excluded["excluded_reason"].tolist() == ["Testbestellung (Regel)"]


# --- empty database ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["pages/kunden.py", "pages/kundenmatrix.py", "pages/kunde.py", "pages/dubletten.py"]
)
def test_empty_database_shows_how_to_start(data_dir: Path, page: str) -> None:
    at = open_app(page)
    assert [s.value for s in at.subheader] == ["Noch keine Daten"]
    assert "python -m kundenwert demo" in texts(at)


def test_empty_database_settings_page_renders(data_dir: Path) -> None:
    at = open_app("pages/einstellungen.py")
    assert any("Keine Bestellung ist ausgeschlossen." in s.value for s in at.success)
    assert any("Noch keine Wechselkurse" in i.value for i in at.info)


def test_empty_database_sources_page_offers_the_import(data_dir: Path) -> None:
    at = open_app("pages/datenquellen.py")
    assert any("Noch keine Datenquellen" in i.value for i in at.info)
    assert len(at.file_uploader) == 1
    at.file_uploader[0].upload("webinar.csv", GENERIC_CSV, "text/csv").run()
    at.text_input(key="import_new_label_0").input("Webinar").run()
    at.button(key="import_button").click().run()
    assert not at.exception
    assert load_dataset(database_url(data_dir)).customers.height == 2
