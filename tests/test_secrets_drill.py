"""Secrets drill: a sync full of errors, then everything the owner or a log could ever see is
searched for every key, secret and token in play. None may appear.

Five fake tools run as real HTTP servers: a shop that works, the same shop with a wrong secret
(401), Digistore24 rate-limiting until the retries give up (429), Stripe failing (500), sevDesk
dropping every connection, and PayPal working (it hands out an OAuth access token, a secret too).
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import kundenwert.sources as sources_module
from kundenwert import cli, db, secrets
from kundenwert.models import SyncRun
from kundenwert.sources import add_source
from tests.databases import stored_text
from tests.fakes.digistore24 import FakeDigistore24
from tests.fakes.paypal import FakePayPal
from tests.fakes.paypal import sample_account as paypal_sample
from tests.fakes.sevdesk import FakeSevDesk
from tests.fakes.stripe import FakeStripe
from tests.fakes.woocommerce import FakeWooCommerce, sample_shop
from tests.sync_support import fast_http

WRONG_SECRET = "cs_wrong0drill0secret0d41d8cd98f00b204e9800998ecf8427e"


@dataclass
class Tools:
    shop: FakeWooCommerce
    digistore24: FakeDigistore24
    stripe: FakeStripe
    sevdesk: FakeSevDesk
    paypal: FakePayPal

    def secrets(self) -> list[str]:
        """Every credential in play, the access tokens PayPal issued included."""
        return [
            self.shop.consumer_key,
            self.shop.consumer_secret,
            WRONG_SECRET,
            self.digistore24.api_key,
            self.stripe.secret_key,
            self.sevdesk.token,
            self.paypal.client_id,
            self.paypal.client_secret,
            *self.paypal.tokens,
        ]


@pytest.fixture
def tools() -> Iterator[Tools]:
    with (
        FakeWooCommerce() as shop,
        FakeDigistore24() as digistore24,
        FakeStripe() as stripe,
        FakeSevDesk() as sevdesk,
        FakePayPal() as paypal,
    ):
        yield Tools(shop, digistore24, stripe, sevdesk, paypal)


def connect(engine: Engine, tools: Tools) -> None:
    shop = {"consumer_key": tools.shop.consumer_key}
    add_source(
        engine,
        "woocommerce",
        "Shop",
        base_url=tools.shop.url,
        credentials=shop | {"consumer_secret": tools.shop.consumer_secret},
    )
    add_source(
        engine,
        "woocommerce",
        "Kaputt",
        base_url=tools.shop.url,
        credentials=shop | {"consumer_secret": WRONG_SECRET},
    )
    add_source(
        engine,
        "digistore24",
        "Digistore24",
        base_url=tools.digistore24.url,
        credentials={"api_key": tools.digistore24.api_key},
    )
    add_source(
        engine,
        "stripe",
        "Stripe",
        base_url=tools.stripe.url,
        credentials={"secret_key": tools.stripe.secret_key},
    )
    add_source(
        engine,
        "sevdesk",
        "sevDesk",
        base_url=tools.sevdesk.url,
        credentials={"api_token": tools.sevdesk.token},
    )
    add_source(
        engine,
        "paypal",
        "PayPal",
        base_url=tools.paypal.url,
        credentials={
            "client_id": tools.paypal.client_id,
            "client_secret": tools.paypal.client_secret,
        },
    )


def break_tools(tools: Tools) -> None:
    tools.digistore24.server.fail(429, times=50, headers={"Retry-After": "1"})
    tools.stripe.server.fail(500, times=50)
    tools.sevdesk.server.drop(times=50)


def test_no_secret_appears_in_output_logs_errors_exports_or_backups(
    tools: Tools,
    sqlite_url: str,
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
):
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    for name in ("httpx", "httpcore", "kundenwert", "connectors"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    monkeypatch.setenv("KUNDENWERT_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(sources_module, "HttpOptions", lambda: fast_http())
    engine = db.get_engine(sqlite_url)
    sample_shop(tools.shop)
    paypal_sample(tools.paypal)
    connect(engine, tools)
    break_tools(tools)

    seen: list[str] = []
    assert cli.main(["sync"]) == 1  # some accounts failed
    for command in (
        ["sources", "list"],
        ["sources", "list", "--format", "json"],
        ["customers", "--format", "json"],
        ["export", "--output", str(tmp_path / "kunden.csv")],
        ["gdpr", "export", "1", "--output", str(tmp_path / "auskunft.json")],
        ["backup", str(tmp_path / "sicherung.jsonl.gz"), "--portable"],
    ):
        assert cli.main(command) == 0, command
    out, err = capsys.readouterr()
    seen += [out, err, caplog.text]
    with Session(engine) as session:
        runs = session.exec(select(SyncRun)).all()
    seen += [run.error or "" for run in runs]
    seen.append((tmp_path / "kunden.csv").read_bytes().decode("utf-8-sig"))
    seen.append((tmp_path / "auskunft.json").read_text())
    with gzip.open(tmp_path / "sicherung.jsonl.gz", "rt") as backup:
        seen.append(backup.read())
    seen.append(stored_text(sqlite_url))

    # the drill only counts if every failure happened and the working accounts synced
    errors = {run.source_id: run.error for run in runs if run.status == "failed"}
    assert len(errors) == 4, errors
    texts = " ".join(str(e) for e in errors.values())
    for expected in ("401", "429", "500"):
        assert expected in texts
    assert sum(run.status == "ok" for run in runs) == 2
    assert tools.paypal.tokens, "PayPal issued no token: the drill missed the OAuth path"
    assert "HTTP Request" in caplog.text  # httpx's own DEBUG/INFO lines were captured

    everything = "\n".join(seen)
    leaked = [s for s in tools.secrets() if s and s in everything]
    assert leaked == []
    key = secrets.key_file().read_bytes().decode().strip()
    assert key not in everything
    json.loads((tmp_path / "auskunft.json").read_text())  # the export is whole
