"""API keys are stored encrypted: key from KUNDENWERT_SECRET_KEY or a 0600 key file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from kundenwert import secrets, settings
from kundenwert.models import Source
from kundenwert.sources import add_source, connector_config, update_source


def test_without_a_setting_a_key_file_with_mode_0600_is_made(data_dir: Path) -> None:
    token = secrets.encrypt("ck_live_123")
    key_file = data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "ck_live_123" not in token
    assert secrets.decrypt(token).get_secret_value() == "ck_live_123"


def test_the_key_file_is_made_once_and_reused(data_dir: Path) -> None:
    first = secrets.encrypt("a")
    key = (data_dir / "secret.key").read_bytes()
    secrets.encrypt("b")
    assert (data_dir / "secret.key").read_bytes() == key
    assert secrets.decrypt(first).get_secret_value() == "a"


def test_the_setting_is_used_when_set_and_no_file_is_made(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUNDENWERT_SECRET_KEY", "ein langer geheimer Satz")
    settings.get_settings.cache_clear()
    token = secrets.encrypt("cs_secret")
    assert not (data_dir / "secret.key").exists()
    assert secrets.decrypt(token).get_secret_value() == "cs_secret"


def test_keys_stored_before_the_setting_was_set_stay_readable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = secrets.encrypt("cs_old")
    monkeypatch.setenv("KUNDENWERT_SECRET_KEY", "neu gesetzt")
    settings.get_settings.cache_clear()
    assert secrets.decrypt(old).get_secret_value() == "cs_old"


def test_a_changed_key_gives_a_message_not_a_traceback(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUNDENWERT_SECRET_KEY", "erster")
    settings.get_settings.cache_clear()
    token = secrets.encrypt("cs")
    monkeypatch.setenv("KUNDENWERT_SECRET_KEY", "zweiter")
    settings.get_settings.cache_clear()
    with pytest.raises(secrets.SecretsError, match="neu eingeben"):
        secrets.decrypt(token)


def test_decrypted_values_do_not_print(data_dir: Path) -> None:
    value = secrets.decrypt(secrets.encrypt("cs_visible?"))
    assert "cs_visible" not in repr(value) and "cs_visible" not in str(value)


def test_sources_keep_credentials_encrypted(engine: Engine, data_dir: Path) -> None:
    add_source(
        engine,
        "woocommerce",
        "Shop",
        base_url="https://shop.example",
        credentials={"consumer_key": "ck_abc", "consumer_secret": "cs_def"},
    )
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
    assert "ck_abc" not in source.settings_json and "cs_def" not in source.settings_json
    assert set(json.loads(source.settings_json)) == {"credentials"}
    config = connector_config(source)
    assert {k: v.get_secret_value() for k, v in config.credentials.items()} == {
        "consumer_key": "ck_abc",
        "consumer_secret": "cs_def",
    }
    update_source(engine, "Shop", credentials={"consumer_key": "ck_2", "consumer_secret": "cs_2"})
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
    assert connector_config(source).credentials["consumer_secret"].get_secret_value() == "cs_2"
