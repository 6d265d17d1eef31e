"""``python -m kundenwert rfm``: scores, cut-offs and segments as JSON; errors on stderr."""

import json

import pytest

from kundenwert import cli
from kundenwert.db import get_engine
from kundenwert.rfm import SEGMENTS
from tests.factories import contact, order, put


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KUNDENWERT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KUNDENWERT_DATABASE_URL", raising=False)
    from kundenwert.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    put(
        engine,
        "Shop",
        [contact("a", "anna@x.de", first_name="Anna"), contact("b", "ben@y.de")],
        [
            order("1", "a", 1000, "2025-01-01"),
            order("2", "b", 5050, "2025-03-01"),
            order("3", "b", 99999, "2025-06-01"),  # after --as-of
        ],
    )
    yield engine
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_rfm_json_has_cutoffs_segments_and_persons(db, capsys):
    assert cli.main(["rfm", "--as-of", "2025-03-01", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_of"] == "2025-03-01" and doc["since"] is None
    assert doc["currency"] == "EUR" and doc["basis"] == "gross"
    assert set(doc["cutoffs"]) == {"recency_days", "frequency", "monetary"}
    assert doc["cutoffs"]["monetary"][2] == {"score": 3, "min": 50.5, "max": 50.5, "persons": 1}
    assert [s["segment"] for s in doc["segments"]] == list(SEGMENTS)
    need = next(s for s in doc["segments"] if s["segment"] == "Need Attention")
    assert need == {
        "segment": "Need Attention",
        "label_de": "Brauchen Aufmerksamkeit",
        "persons": 1,
        "share": 0.5,
        "revenue": 50.5,
        "orders": 1,
        "aov": 50.5,
        "avg_recency_days": 0.0,
    }
    anna, ben = doc["persons"]
    assert anna["email"] == "anna@x.de" and anna["segment"] == "Lost"
    assert ben == {
        "person_id": ben["person_id"],
        "email": "ben@y.de",
        "name": None,
        "recency_days": 0,
        "frequency": 1,
        "orders": 1,
        "monetary": 50.5,
        "r": 3,
        "f": 1,
        "m": 3,
        "fm": 2,
        "segment": "Need Attention",
    }


def test_rfm_since_and_table(db, capsys):
    assert cli.main(["rfm", "--as-of", "01.03.2025", "--since", "2025-02-01"]) == 0
    out = capsys.readouterr().out
    assert "ben@y.de" in out and "anna@x.de" not in out
    assert "1 Personen bewertet" in out


def test_rfm_bad_date_is_an_error_on_stderr(db, capsys):
    assert cli.main(["rfm", "--as-of", "31.02.2025", "--format", "json"]) != 0
    captured = capsys.readouterr()
    assert "--as-of" in captured.err and captured.out == ""


def test_rfm_since_after_as_of_is_an_error(db, capsys):
    assert cli.main(["rfm", "--as-of", "2025-03-01", "--since", "2025-04-01"]) != 0
    captured = capsys.readouterr()
    assert "--since" in captured.err and captured.out == ""
