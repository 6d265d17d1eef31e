"""The Kennzahlen page with AppTest: tiles, charts and channels on demo data; missing inputs
named; entering costs, visitors and the margin, also on an empty database."""

# ruff: noqa: F811  (pytest fixtures imported from test_app are parameters here)
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from streamlit.testing.v1 import AppTest

from kundenwert.db import get_engine
from kundenwert.inputs import load_inputs
from kundenwert.metrics import german_today
from kundenwert.preferences import load_margin_percent
from tests.test_app import (  # noqa: F401  (fixtures, the autouse one included, must be visible)
    database_url,
    demo_data,
    navigation_mode,
    open_app,
    small_business,
    texts,
)

PAGE = "pages/kennzahlen.py"


def last_month() -> tuple[str, str]:
    end = german_today().replace(day=1) - timedelta(days=1)
    return end.replace(day=1).isoformat(), end.isoformat()


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_every_figure_on_demo_data_for_last_month(demo_data: str) -> None:
    start, end = last_month()
    at = open_app(PAGE, **{"from": start, "to": end})
    assert [t.value for t in at.title] == ["Kennzahlen"]
    values = tiles(at)
    for label in ("CAC", "Marketingkosten", "Besucher", "Konversionsrate", "MRR", "ARR", "NPS"):
        assert values[label] not in ("", "–"), label
    assert values["Aktive Kunden"] != "0"
    assert len(at.get("plotly_chart")) == 5  # CAC, conversion, active, MRR movements, NPS
    channels = at.dataframe[0].value
    assert "Digistore24" in set(channels["channel"])
    assert "E-Mail-Adressen zu keinem" in texts(at)  # demo survey has three strangers


def test_missing_costs_are_named_instead_of_a_wrong_figure(demo_data: str) -> None:
    today = german_today()
    at = open_app(PAGE, **{"from": today.replace(day=1).isoformat(), "to": today.isoformat()})
    assert tiles(at)["CAC"] == "–"  # the demo leaves the current month without costs
    month = today.strftime("%Y-%m")
    assert any(f"Kosten fehlen für {month}" in w.value for w in at.warning)
    cac = next(m for m in at.metric if m.label == "CAC")
    assert f"Kosten fehlen für {month}" in cac.help


def test_empty_database_offers_the_inputs(data_dir: Path) -> None:
    at = open_app(PAGE)
    assert not at.metric
    assert "Noch keine Bestellungen" in texts(at)
    at.text_input(key="cost_channel").input("Google Ads")
    at.number_input(key="cost_amount").set_value(123.45)
    at.date_input(key="cost_month").set_value(date(2025, 3, 17))
    at.button(key="cost_save").click().run()
    assert not at.exception, at.exception
    engine = get_engine(database_url(data_dir))
    costs = load_inputs(engine).costs
    assert costs.select("month", "channel", "amount_cents").rows() == [
        (date(2025, 3, 1), "Google Ads", 12345)
    ]
    assert "Gespeichert." in texts(at)

    at.number_input(key="visitors").set_value(4200)
    at.date_input(key="visitors_month").set_value(date(2025, 3, 2))
    at.button(key="visitors_save").click().run()
    at.number_input(key="margin_percent").set_value(35.0)
    at.button(key="margin_save").click().run()
    assert not at.exception, at.exception
    assert load_inputs(engine).visitors.rows() == [(date(2025, 3, 1), 4200)]
    assert load_margin_percent(engine) == Decimal("35.0")


def test_a_cost_without_channel_is_refused_with_a_message(data_dir: Path) -> None:
    at = open_app(PAGE)
    at.number_input(key="cost_amount").set_value(10.0)
    at.button(key="cost_save").click().run()
    assert any("Kanal fehlt" in e.value for e in at.error)
    assert load_inputs(get_engine(database_url(data_dir))).costs.is_empty()


def test_small_business_without_inputs_shows_mrr_and_missing_list(small_business: str) -> None:
    at = open_app(PAGE, **{"from": "2025-03-01", "to": "2025-03-31"})
    values = tiles(at)
    assert values["MRR"] == "0,00\u00a0€"
    assert values["CAC"] == "–" and values["NPS"] == "–"
    warning = at.warning[0].value
    assert "Kosten fehlen für 2025-03" in warning
    assert "Keine Umfrageantworten im Zeitraum" in warning


def test_the_page_in_english(small_business: str) -> None:
    at = open_app(PAGE, **{"from": "2025-03-01", "to": "2025-03-31"})
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Business KPIs"]
    values = tiles(at)
    assert values["Conversion rate"] == "–"
    assert "Costs missing for 2025-03" in at.warning[0].value
    assert "Enter costs" in texts(at)


def test_a_survey_answer_typed_on_the_page_is_stored_and_counted(data_dir: Path) -> None:
    at = open_app(PAGE)
    at.text_input(key="survey_email").input("Neu@Beispiel.de")
    at.date_input(key="survey_day").set_value(date(2025, 3, 17))
    at.selectbox(key="survey_nps").set_value(9)
    at.button(key="survey_save").click().run()
    assert not at.exception, at.exception
    surveys = load_inputs(get_engine(database_url(data_dir))).surveys
    assert surveys.select("email", "answered_on", "nps", "csat").rows() == [
        ("neu@beispiel.de", date(2025, 3, 17), 9, None)
    ]
    assert any("Zu neu@beispiel.de gibt es noch keinen Kunden" in i.value for i in at.info)


def test_a_survey_answer_without_score_or_with_a_bad_address_is_refused(data_dir: Path) -> None:
    at = open_app(PAGE)
    at.text_input(key="survey_email").input("anna@beispiel.de")
    at.button(key="survey_save").click().run()
    assert any("weder NPS noch CSAT angegeben" in e.value for e in at.error)
    at.text_input(key="survey_email").input("keine-adresse")
    at.selectbox(key="survey_csat").set_value(4)
    at.button(key="survey_save").click().run()
    assert any("'keine-adresse' ist keine E-Mail-Adresse" in e.value for e in at.error)
    assert load_inputs(get_engine(database_url(data_dir))).surveys.is_empty()
