"""The analytics pages with AppTest: Übersicht (KPI tiles, charts, cohorts) and RFM, and the
date range they share through the URL.

The small business (tests/test_app.py) has counted orders on 3 and 5 March 2025 (Anna 119,00 €
and 49,00 € − 10,00 € refund, Ben 92,11 €) and 1 April 2025 (Anna's 1.000,00 € invoice);
Carla's order is pending and does not count.
"""

# ruff: noqa: F811  (pytest fixtures imported from test_app are parameters here)
from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from kundenwert.db import get_engine
from tests.factories import contact, order, put
from tests.test_app import (  # noqa: F401  (fixtures, the autouse one included, must be visible)
    NBSP,
    database_url,
    demo_data,
    navigation_mode,
    open_app,
    person_id,
    small_business,
    texts,
)

OVERVIEW = "pages/uebersicht.py"
RFM = "pages/rfm.py"
JOURNEY = "pages/kundenreise.py"


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


# --- Übersicht ---------------------------------------------------------------------------------


def test_overview_shows_every_tile_for_all_time(small_business: str) -> None:
    at = open_app(OVERVIEW, range="all_time")
    values = tiles(at)
    assert values["Kunden"] == "2"
    assert values["Neukunden"] == "2"
    assert values["Bestellungen"] == "4"
    assert values["Umsatz (brutto)"] == f"1.250{NBSP}€"  # whole euros from 1.000 € on
    revenue = next(m for m in at.metric if m.label == "Umsatz (brutto)")
    assert f"Genau: 1.250,11{NBSP}€" in revenue.help
    assert values["Erstattet (brutto)"] == f"10,00{NBSP}€"
    assert values["Erstattete Kunden"] == "1"
    assert values["Top 20 %: Kunden"] == "1"
    for label in ("Ø Bestellwert", "Ø Kundenwert", "Einmalkauf", "Verloren", "Abo/Raten"):
        assert label in values
    assert at.query_params["range"] == "all_time"
    assert charts(at) == 3  # lifecycle, revenue, cohorts


def test_tile_help_states_the_definition_and_the_window(small_business: str) -> None:
    at = open_app(OVERVIEW, **{"from": "2025-03-01", "to": "2025-03-31"})
    customers = next(m for m in at.metric if m.label == "Kunden")
    assert "mindestens einer gezählten Bestellung" in customers.help
    assert "01.03.2025 – 31.03.2025" in customers.help
    assert "Vorperiode 29.01.2025 – 28.02.2025" in customers.help


def test_a_custom_range_from_the_url_is_honoured(small_business: str) -> None:
    at = open_app(OVERVIEW, **{"from": "2025-03-01", "to": "2025-03-31"})
    values = tiles(at)
    assert values["Kunden"] == "2"
    assert values["Bestellungen"] == "3"
    assert values["Umsatz (brutto)"] == f"250,11{NBSP}€"  # 119,00 + 92,11 + 49,00 − 10,00
    assert at.selectbox(key="range_preset:de").value == "custom"
    assert [d.value.isoformat() for d in at.main.date_input] == ["2025-03-01", "2025-03-31"]
    assert at.query_params["from"] == "2025-03-01"


def test_a_range_without_orders_shows_the_empty_state(small_business: str) -> None:
    at = open_app(OVERVIEW, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert not at.metric
    assert "keine gezählten Bestellungen" in texts(at)
    assert "vom 03.03.2025 bis zum 01.04.2025" in texts(at)
    at.button(key="range_show_all").click().run()
    assert not at.exception
    assert at.query_params["range"] == "all_time"
    assert tiles(at)["Kunden"] == "2"


def test_choosing_a_preset_puts_it_in_the_url(small_business: str) -> None:
    at = open_app(OVERVIEW, range="all_time")
    at.selectbox(key="range_preset:de").set_value("last_month").run()
    assert not at.exception
    assert at.query_params["range"] == "last_month"
    at.selectbox(key="range_preset:de").set_value("custom").run()
    assert not at.exception
    assert len(at.main.date_input) == 2  # the sidebar filter has its own
    assert "from" in at.query_params and "range" not in at.query_params


def test_the_range_survives_a_switch_to_the_rfm_page(small_business: str) -> None:
    at = open_app(OVERVIEW, range="this_year")
    at.switch_page(RFM).run()
    assert not at.exception
    assert at.selectbox(key="range_preset:de").value == "this_year"
    assert at.query_params["range"] == "this_year"


def test_overview_on_demo_data_switches_period_and_cohort_measure(demo_data: str) -> None:
    at = open_app(OVERVIEW, range="all_time")
    assert "€" in tiles(at)["Umsatz (brutto)"]
    assert charts(at) == 3
    freq = next(b for b in at.button_group if b.key.startswith("overview_freq:"))
    assert freq.value == "month"  # the default for a range of more than half a year
    freq.set_value("week").run()
    assert not at.exception
    at.button_group(key="overview_measure__de").set_value("revenue").run()
    assert not at.exception
    assert charts(at) == 3


def test_overview_in_english(small_business: str) -> None:
    at = open_app(OVERVIEW, range="all_time")
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert tiles(at)["Revenue (gross)"] == "€1,250"


# --- RFM ---------------------------------------------------------------------------------------


def test_rfm_shows_the_grid_the_segments_and_the_cutoffs(demo_data: str) -> None:
    at = open_app(RFM, range="all_time")
    assert charts(at) == 2  # the R × FM grid and the Sankey of segment moves
    frames = [f.value for f in at.dataframe]
    summary = next(f for f in frames if "avg_recency_days" in f.columns)
    assert summary["segment"].tolist()[0] == "Champions"
    assert "Treue Kunden" in summary["segment"].tolist()
    assert all(v.endswith("€") for v in summary["revenue"])
    cutoffs = next(f for f in frames if "score" in f.columns)
    assert cutoffs["score"].tolist() == [5, 4, 3, 2, 1]
    persons = next(f for f in frames if "fm" in f.columns)
    assert len(persons) > 0


def test_rfm_segment_choice_lists_its_persons_and_opens_a_customer(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    box = at.selectbox(key="rfm_segment__de")
    for segment in box.options:
        at.selectbox(key="rfm_segment__de").set_value(segment).run()
        assert not at.exception
    segment = at.selectbox(key="rfm_segment__de").value
    persons = next(f.value for f in at.dataframe if "fm" in f.value.columns)
    first = int(persons["person_id"].iloc[0])
    at.session_state[f"rfm_persons:{segment}"] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Kunde"]
    assert at.query_params["person"] == str(first)
    assert first in {
        person_id(small_business, "anna@beispiel.de"),
        person_id(small_business, "ben@beispiel.com"),
    }


def test_rfm_range_only_and_an_early_as_of_day(small_business: str) -> None:
    at = open_app(RFM, range="all_time")
    assert "2 Personen bewertet" in texts(at)
    at.button_group(key="rfm_history__de").set_value("range").run()
    assert not at.exception
    as_of = at.date_input[0]
    as_of.set_value(as_of.value.replace(year=2025, month=3, day=4)).run()
    assert not at.exception
    assert "2 Personen bewertet, Stichtag 04.03.2025" in texts(at)


def test_rfm_before_the_first_order_says_nobody_is_scored(small_business: str) -> None:
    at = open_app(RFM, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert "niemand hat Punkte" in texts(at)


# --- Kundenreise -------------------------------------------------------------------------------


def journey_flows(at: AppTest) -> Any:  # a pandas frame
    return next(f.value for f in at.dataframe if "source_to" in f.value.columns)


def test_journey_shows_anna_moving_from_digistore24_to_sevdesk(small_business: str) -> None:
    at = open_app(JOURNEY, range="all_time")
    assert at.title[0].value == "Kundenreise"
    assert charts(at) == 1
    flows = journey_flows(at)
    assert flows.to_dict("records") == [
        {
            "step_from": 1,
            "source_from": "Digistore24",
            "step_to": 2,
            "source_to": "sevDesk",
            "persons": 1,
            "value": f"1.000,00{NBSP}€",
        }
    ]
    assert tiles(at) == {
        "Neue Personen im Zeitraum": "2",
        "Zogen weiter": "1",
        "Blieben in einer Quelle": "1",
    }


def test_journey_on_demo_data_with_every_step_count(demo_data: str) -> None:
    at = open_app(JOURNEY, range="all_time")
    assert at.title[0].value == "Kundenreise"
    for steps in (2, 4, 3):
        at.button_group(key="journey_steps__de").set_value(steps).run()
        assert not at.exception
        flows = journey_flows(at)
        assert len(flows) > 0
        assert flows["step_to"].max() <= steps
        assert charts(at) == 1


def test_journey_without_new_persons_in_the_range_shows_the_empty_state(
    small_business: str,
) -> None:
    at = open_app(JOURNEY, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert not at.dataframe and not charts(at)
    assert "keine gezählten Bestellungen" in texts(at)
    at.button(key="range_show_all").click().run()
    assert not at.exception
    assert len(journey_flows(at)) == 1


def test_journey_when_nobody_moves_on_says_so(data_dir: Path) -> None:
    engine = get_engine(database_url(data_dir))
    put(engine, "Digistore24", [contact("d", "dora@beispiel.de")], [order("d1", "d", 4900)])
    at = open_app(JOURNEY, range="all_time")
    assert "kauften nur in ihrer ersten Quelle" in texts(at)
    assert not charts(at)
    assert tiles(at)["Blieben in einer Quelle"] == "1"


def test_journey_in_english(small_business: str) -> None:
    at = open_app(JOURNEY, range="all_time")
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Customer journey"
    assert journey_flows(at)["value"].tolist() == ["€1,000.00"]
