"""The Prognose page and the predicted-value columns of Kunden, Kundenmatrix and Kunde."""

# ruff: noqa: F811  (pytest fixtures imported from test_app are parameters here)
from __future__ import annotations

from pathlib import Path

from tests.test_app import (  # noqa: F401  (fixtures, the autouse one included, must be visible)
    database_url,
    demo_data,
    navigation_mode,
    open_app,
    person_id,
    small_business,
    texts,
)

PROGNOSE = "pages/prognose.py"
PREDICTED = ("p_alive", "expected_purchases", "clv")


def test_prognose_on_demo_data_shows_parameters_check_and_forecast(demo_data: str) -> None:
    at = open_app(PROGNOSE)
    assert [t.value for t in at.title] == ["Prognose"]
    params = next(d.value for d in at.dataframe if "meaning" in d.value.columns)
    assert params["name"].tolist() == ["r", "α", "a", "b", "LL", "p", "q", "γ"]
    assert len(at.get("plotly_chart")) == 3  # distribution, holdout check, revenue
    forecast = next(d.value for d in at.dataframe if "forecast" in d.value.columns)
    assert len(forecast) == 4 and forecast["actual"].iloc[0]  # this month: actual so far
    assert "Kunden im Modell" in [m.label for m in at.metric]


def test_prognose_holdout_follows_the_chosen_calibration_end(demo_data: str) -> None:
    at = open_app(PROGNOSE)
    chosen = at.date_input(key="forecast_calibration_end")
    chosen.set_value(chosen.value.replace(day=1)).run()
    assert not at.exception
    assert "Im Testzeitraum vorhergesagt" in texts(at)


def test_prognose_on_thin_data_says_why_not(small_business: str) -> None:
    at = open_app(PROGNOSE)
    assert any("reichen die Daten noch nicht" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 1  # the revenue forecast (recurring and new only)


def test_prognose_on_an_empty_database_shows_how_to_start(data_dir: Path) -> None:
    at = open_app(PROGNOSE)
    assert [s.value for s in at.subheader] == ["Noch keine Daten"]


def test_customer_list_has_the_prediction_columns(demo_data: str) -> None:
    at = open_app("pages/kunden.py")
    frame = at.dataframe[0].value
    columns = list(frame.columns)
    assert columns[columns.index("value") + 1 : columns.index("value") + 4] == list(PREDICTED)
    assert frame["p_alive"].str.endswith("%").all()
    assert frame["clv"].str.contains("€").all()


def test_thin_data_columns_say_not_computable_instead_of_zero(small_business: str) -> None:
    at = open_app("pages/kunden.py")
    frame = at.dataframe[0].value
    for column in PREDICTED:
        assert set(frame[column]) == {"nicht berechenbar"}


def test_matrix_and_customer_report_show_the_prediction(demo_data: str) -> None:
    at = open_app("pages/kundenmatrix.py")
    frame = next(d.value for d in at.dataframe if "clv" in d.value.columns)
    assert frame["clv"].str.contains("€").all()
    any_person = int(frame["person_id"].iloc[0])
    at = open_app("pages/kunde.py", person=str(any_person))
    tiles = {m.label: m.value for m in at.metric}
    assert "€" in tiles["Potenzieller Kundenwert"]
    assert tiles["Wahrscheinlich aktiv"].endswith("%")


def test_customer_list_sorts_by_predicted_value(demo_data: str) -> None:
    from kundenwert.clv import clv_by_person
    from kundenwert.customers import load_dataset
    from kundenwert.metrics import german_today

    at = open_app("pages/kunden.py")
    [sort_box] = [s for s in at.selectbox if s.label == "Sortieren nach"]
    sort_box.set_value("predicted_value").run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value["person_id"].head(10).to_list()
    predicted = clv_by_person(load_dataset(demo_data), german_today())
    top = predicted.sort(["clv_cents", "person_id"], descending=[True, False])
    assert shown == top["person_id"].head(10).to_list()
