"""The filter of the analytics pages (facets and saved segments in the URL) and the Segmente
page, with AppTest on the small business of tests/test_app.py (Anna 1.158,00 € in Berlin with
Online-Kurs, Kurs and Beratung; Ben 92,11 € with an E-Book; Carla's order is pending)."""

# ruff: noqa: F811  (pytest fixtures imported from test_app are parameters here)
from __future__ import annotations

from kundenwert.db import get_engine
from kundenwert.saved_segments import create_segment, get_segment, list_segments
from kundenwert.segments import SegmentDefinition, make_condition
from tests.test_app import (  # noqa: F401  (fixtures, the autouse one included, must be visible)
    NBSP,
    demo_data,
    navigation_mode,
    open_app,
    small_business,
    table,
    texts,
)

OVERVIEW = "pages/uebersicht.py"
SEGMENTS = "pages/segmente.py"


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_shared_link_with_a_product_reopens_the_filtered_figures(small_business):
    at = open_app(OVERVIEW, range="all_time", product="E-Book")
    values = tiles(at)
    assert values["Kunden"] == "1"
    assert values["Umsatz (brutto)"] == f"92,11{NBSP}€"  # Ben alone
    assert "zählen 1 von 3 Personen" in texts(at)
    assert at.query_params["product"] == "E-Book" and at.query_params["range"] == "all_time"
    chosen = at.sidebar.multiselect(key="facet_product:de")
    assert chosen.value == ["E-Book"]


def test_choosing_a_city_puts_it_in_the_url_and_filters_the_list(small_business):
    at = open_app("pages/kunden.py")
    assert sorted(table(at, "email")["email"]) == [
        "anna@beispiel.de",
        "ben@beispiel.com",
        "carla@beispiel.org",
    ]
    at.sidebar.multiselect(key="facet_city:de").set_value(["Berlin"]).run()
    assert not at.exception
    assert at.query_params["city"] == "Berlin"
    assert list(table(at, "email")["email"]) == ["anna@beispiel.de"]
    at.sidebar.button(key="facet_reset").click().run()
    assert "city" not in at.query_params
    assert len(table(at, "email")) == 3


def test_a_saved_segment_in_the_url_filters_every_figure(small_business):
    rich = SegmentDefinition(conditions=[make_condition("value", "gt", 100000)])
    create_segment(get_engine(), "Große Kunden", rich)
    at = open_app(OVERVIEW, range="all_time", segment="Große Kunden")
    assert tiles(at)["Kunden"] == "1"
    assert tiles(at)["Umsatz (brutto)"] == f"1.158{NBSP}€"  # Anna alone
    at.switch_page("pages/kundenmatrix.py").run()
    assert not at.exception
    assert at.query_params["segment"] == "Große Kunden"  # kept across pages
    assert list(table(at, "email")["email"]) == ["anna@beispiel.de"]


def test_a_value_that_cannot_be_read_is_reported_and_ignored(small_business):
    at = open_app(OVERVIEW, range="all_time", min="zehn")
    assert "„zehn“ ist nicht lesbar" in texts(at)
    assert tiles(at)["Kunden"] == "2"


def test_the_segment_page_previews_and_saves(small_business):
    at = open_app(SEGMENTS)
    at.session_state["segment_rows"] = [
        {"field": "product", "op": "contains", "value": "kurs", "to": ""}
    ]
    at.run()
    assert not at.exception
    assert tiles(at)["Personen"] == "1"
    assert tiles(at)["Kundenwert (brutto)"] == f"1.158{NBSP}€"  # whole euros on a tile
    at.text_input[0].set_value("Kursteilnehmer").run()
    at.button(key="segment_save").click().run()
    assert not at.exception
    saved = get_segment(get_engine(), "kursteilnehmer")
    assert saved.definition.conditions[0].value == "kurs"
    assert "Segment „Kursteilnehmer“ gespeichert." in texts(at)


def test_a_duplicate_name_on_the_segment_page_says_so_and_saves_nothing(small_business):
    create_segment(get_engine(), "Alle", SegmentDefinition())
    at = open_app(SEGMENTS)
    at.session_state["segment_rows"] = [
        {"field": "value", "op": "between", "value": "10", "to": "100"}
    ]
    at.run()
    at.text_input[0].set_value("alle").run()
    at.button(key="segment_save").click().run()
    assert "gibt es schon" in texts(at)
    assert [s.name for s in list_segments(get_engine())] == ["Alle"]


def test_a_bad_condition_on_the_segment_page_names_its_row(small_business):
    at = open_app(SEGMENTS)
    at.session_state["segment_rows"] = [
        {"field": "orders", "op": "gt", "value": "1", "to": ""},
        {"field": "first_order", "op": "gt", "value": "gestern", "to": ""},
    ]
    at.run()
    assert not at.exception
    assert "Zeile 2: Feld „first_order“: „gestern“ ist kein Datum" in texts(at)
    assert not at.button or "segment_save" not in [b.key for b in at.button]


def test_filtered_pages_render_on_demo_data(demo_data):
    for page in ("pages/rfm.py", "pages/kundenreise.py", "pages/kundenmatrix.py", SEGMENTS):
        at = open_app(page, country="DE", band="top20", range="all_time")
        assert not at.exception, page


def test_a_condition_on_predicted_value_uses_the_dashboards_fit(demo_data):
    """The preview counts the persons whose predicted value (the model the Kunden columns
    show) passes the condition."""
    from kundenwert.clv import clv_by_person
    from kundenwert.customers import load_dataset
    from kundenwert.metrics import german_today

    predicted = clv_by_person(load_dataset(demo_data), german_today())
    expected = predicted.filter(predicted["clv_cents"] > 10_000).height
    at = open_app(SEGMENTS)
    at.session_state["segment_rows"] = [{"field": "clv", "op": "gt", "value": "100", "to": ""}]
    at.run()
    assert not at.exception, at.exception
    assert tiles(at)["Personen"] == f"{expected:,}".replace(",", ".") and expected > 0
