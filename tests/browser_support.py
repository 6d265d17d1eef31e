"""The machinery of the browser tests: one Streamlit server per test session on a free port,
on a small demo database of its own, and one headless Chromium (Debian's package; ``playwright
install`` is never needed, ``KUNDENWERT_CHROMIUM`` points elsewhere if necessary).

The fixtures are registered once, in ``tests/conftest.py``: a session fixture imported into
several test modules would be set up once per module, and a second ``sync_playwright()`` in
one thread fails ("Sync API inside the asyncio loop").
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("KUNDENWERT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 90
RUN_TIMEOUT_MS = 60_000
# A first script run loads and caches the whole dataset; give it time on a slow CI machine.
expect.set_options(timeout=30_000)
SCREENSHOTS = Path(os.environ.get("KUNDENWERT_SCREENSHOTS", "/tmp/kundenwert-screenshots"))


@dataclass(frozen=True)
class RunningApp:
    url: str
    database_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_environment(data_dir: Path) -> dict[str, str]:
    """The app's environment: nothing from the developer's KUNDENWERT_* settings or .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUNDENWERT_")}
    env.update(
        KUNDENWERT_DATA_DIR=str(data_dir),
        # Set explicitly so that a developer's .env cannot point the app elsewhere.
        KUNDENWERT_DATABASE_URL=f"sqlite:///{data_dir / 'kundenwert.db'}",
        KUNDENWERT_LANGUAGE="de",
        PYTHONUNBUFFERED="1",
    )
    return env


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_kundenwert(env: dict[str, str], *arguments: str, stdin: str | None = None) -> None:
    """``python -m kundenwert …`` for a test app's database; fails the test with its output."""
    done = subprocess.run(
        [sys.executable, "-m", "kundenwert", *arguments],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


def _wait_healthy(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"streamlit not healthy after {STARTUP_SECONDS}s:\n{_tail(log)}")
        time.sleep(0.2)


@contextmanager
def serve_app(data_dir: Path, env: dict[str, str]) -> Iterator[RunningApp]:
    """``streamlit run app.py`` on a free localhost port until the block ends."""
    if not (ROOT / "app.py").exists():
        pytest.fail("app.py is missing: the browser tests need the Streamlit app", pytrace=False)
    port = _free_port()
    log = data_dir / "streamlit.log"
    command = [
        *(sys.executable, "-m", "streamlit", "run", "app.py"),
        *("--server.port", str(port), "--server.address", "127.0.0.1"),
        *("--server.headless", "true", "--server.fileWatcherType", "none"),
        *("--browser.gatherUsageStats", "false"),
    ]
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(server, url, log)
        yield RunningApp(url=url, database_url=env["KUNDENWERT_DATABASE_URL"], log=log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app on 300 demo persons, no password (allowed: demo data on localhost)."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = _app_environment(data_dir)
    run_kundenwert(env, "demo", "--persons", "300", "--seed", "1", "--quiet")
    with serve_app(data_dir, env) as app:
        yield app


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `bash scripts/test.sh` as root (it installs "
            "Debian's chromium) or set KUNDENWERT_CHROMIUM",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(
    browser: Browser, running_app: RunningApp, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="de-DE", accept_downloads=True
    )
    context.set_default_timeout(RUN_TIMEOUT_MS)
    page = context.new_page()
    page.goto(running_app.url)
    wait_for_run(page)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
    context.close()


def wait_for_run(page: Page) -> None:
    """Until the browser is connected and the script run has finished, without errors."""
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.locator('[data-testid="stStatusWidgetRunningIcon"]')).to_have_count(0)
    # Elements of the previous run stay on screen, marked stale, until the new run replaces them.
    expect(page.locator('[data-testid="stElementContainer"][data-stale="true"]')).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def nav_link(page: Page, title: str) -> Locator:
    nav = page.locator('[data-testid="stSidebarNav"]')
    return nav.get_by_role("link", name=title, exact=True)


def open_page(page: Page, title: str) -> None:
    link = nav_link(page, title)
    href = link.get_attribute("href")
    link.click()
    expect(link).to_have_attribute("aria-current", "page")
    if href:  # the analytics pages add their date range as a query string
        expect(page).to_have_url(re.compile(re.escape(href) + r"(\?.*)?$"))
    wait_for_run(page)


def grid_rows(table: Locator) -> int:
    """Data rows a Streamlit dataframe holds (its accessible grid counts the header row too).

    The grid is drawn on a canvas; the hidden ARIA grid next to it carries the row count.
    """
    count = table.locator('[role="grid"]').get_attribute("aria-rowcount")
    assert count is not None
    return int(count) - 1


def main_area(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')
