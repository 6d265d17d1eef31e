"""The command line: customers as JSON/CSV, errors on stderr with a non-zero exit code."""

import json

import pytest

from kundenwert import cli
from kundenwert.db import get_engine
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
        "Digistore24",
        [contact("1", "anna@x.de", first_name="Anna")],
        [order("d1", "1", 9700), order("d2", "1", 1000, status="chargeback")],
        "digistore24",
    )
    put(engine, "sevDesk", [contact("k1", "Anna@X.de")], [order("R1", "k1", 50050)], "sevdesk")
    put(engine, "Shop", [contact("b", "ben@y.de")], [order("w1", "b", 1999)], "woocommerce")
    yield engine
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_customers_json_has_values_per_source(db, capsys):
    assert cli.main(["customers", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["email"] for r in rows] == ["anna@x.de", "ben@y.de"]
    anna = rows[0]
    assert anna["value"] == 597.50
    assert anna["value_by_source"] == {"Digistore24": 97.0, "sevDesk": 500.50}
    assert anna["orders"] == 3 and anna["chargebacks"] == 10.0
    assert anna["first_order"].startswith("2025-03-03")
    assert {"person_id", "name", "country", "city", "last_order", "refunds"} <= anna.keys()


def test_customers_sorted_ascending_and_as_csv(db, capsys):
    assert cli.main(["customers", "--sort", "value", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("person_id,email,name")
    assert "ben@y.de" in lines[1] and "anna@x.de" in lines[2]


def test_unknown_sort_column_is_an_error_on_stderr(db, capsys):
    assert cli.main(["customers", "--sort", "shoe_size"]) != 0
    captured = capsys.readouterr()
    assert "shoe_size" in captured.err and captured.out == ""


def test_import_of_missing_file_fails_cleanly(db, capsys):
    assert cli.main(["import", "/nonexistent.csv", "--source", "X"]) == 1
    assert "nicht gefunden" in capsys.readouterr().err


def test_output_piped_into_head_ends_quietly(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    env = {**os.environ, "KUNDENWERT_DATA_DIR": str(tmp_path)}
    env.pop("KUNDENWERT_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "kundenwert", "demo", "--persons", "400", "--quiet"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    # far more than a pipe buffer, so the writer hits the closed pipe
    result = subprocess.run(
        f"{sys.executable} -m kundenwert customers --format json | head -c 5",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout == "[\n  {"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
