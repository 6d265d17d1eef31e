"""The owner's journey in a real browser, behind the login.

A Streamlit server of its own (this module) on demo data with a password set through the CLI,
as an owner would: every page URL shows only the login form; after logging in the owner sees
the overview, opens a customer report, merges two persons and undoes it. A screenshot of each
step lands in ``test-artifacts/screenshots/`` (git-ignored) for a person to look at.

Server start, Chromium and the waits come from tests/test_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Browser, Page, expect

from kundenwert.customers import load_dataset
from kundenwert.db import get_engine
from kundenwert.identity import merge_history
from tests.browser_support import (
    ROOT,
    RUN_TIMEOUT_MS,
    RunningApp,
    _app_environment,
    main_area,
    nav_link,
    open_page,
    run_kundenwert,
    serve_app,
    wait_for_run,
)

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Test-Passwort-42"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# The default page (Übersicht) lives at "/": Streamlit does not know it under its url_path.
PAGE_PATHS = sorted(p.stem for p in (ROOT / "pages").glob("*.py") if p.stem != "uebersicht")


@pytest.fixture(scope="module")
def protected_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """``streamlit run app.py`` on demo data whose owner has set a password."""
    data_dir = tmp_path_factory.mktemp("journey-data")
    env = _app_environment(data_dir)
    run_kundenwert(env, "demo", "--persons", "200", "--seed", "2", "--quiet")
    run_kundenwert(env, "set-password", "--password-stdin", "--quiet", stdin=PASSWORD + "\n")
    with serve_app(data_dir, env) as app:
        yield app


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    context.set_default_timeout(RUN_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def expect_login_form_only(page: Page) -> None:
    main = main_area(page)
    expect(main.get_by_role("heading", name="Anmelden").first).to_be_visible()
    expect(main.get_by_label("Passwort")).to_be_visible()
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    expect(main.locator('[data-testid="stMetric"]')).to_have_count(0)


def log_in(page: Page, password: str = PASSWORD) -> None:
    field = main_area(page).get_by_label("Passwort")
    field.fill(password)
    field.press("Enter")
    wait_for_run(page)


def test_every_page_url_shows_only_the_login_form(protected_app: RunningApp, visitor: Page) -> None:
    assert len(PAGE_PATHS) >= 9
    for path in ["", *PAGE_PATHS]:
        visitor.goto(f"{protected_app.url}/{path}")
        wait_for_run(visitor)
        expect_login_form_only(visitor)
        # the address stays valid (no "page not found"), so the login leads right to it
        expect(visitor.get_by_role("dialog")).to_have_count(0)
    assert screenshot(visitor, "00-login").stat().st_size > 10_000


def test_a_wrong_password_keeps_the_door_shut(protected_app: RunningApp, visitor: Page) -> None:
    visitor.goto(protected_app.url)
    wait_for_run(visitor)
    log_in(visitor, "falsch-falsch-falsch")
    expect(main_area(visitor).get_by_text("Das Passwort stimmt nicht").first).to_be_visible()
    expect_login_form_only(visitor)


def test_logging_in_on_a_deep_link_opens_that_page(
    protected_app: RunningApp, visitor: Page
) -> None:
    visitor.goto(f"{protected_app.url}/kunden")
    wait_for_run(visitor)
    log_in(visitor)
    expect(main_area(visitor).get_by_role("heading", name="Kunden").first).to_be_visible()
    expect(nav_link(visitor, "Kunden")).to_have_attribute("aria-current", "page")


def filter_by_country(page: Page, country: str) -> None:
    """Open the sidebar's filter and choose one country in its facet."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    if not sidebar.get_by_text("Land", exact=True).is_visible():
        sidebar.get_by_text("Filter", exact=True).first.click()
    facet = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Land").first
    facet.locator("input").focus()  # a react-aria combo box: the list opens from the keyboard
    page.keyboard.press("ArrowDown")
    facet.locator("input").press_sequentially(country[:3])
    option = page.get_by_role("option").filter(has_text=country)
    expect(option).to_have_count(1)
    expect(option).to_have_attribute("data-focused", "true")
    page.keyboard.press("Enter")  # the only option left is the focused one
    page.keyboard.press("Escape")
    wait_for_run(page)


def count_in_option(page: Page, country: str) -> int:
    """The persons the facet shows behind a chosen country, e.g. "Österreich (12)"."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    chosen = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text=country).first
    found = re.search(re.escape(country) + r" \(([\d.]+)\)", chosen.inner_text())
    assert found, chosen.inner_text()
    return int(found.group(1).replace(".", ""))


def top_two(database_url: str) -> tuple[dict[str, object], dict[str, object]]:
    customers = (
        load_dataset(database_url)
        .customers.filter(pl.col("email").is_not_null())
        .sort("value", descending=True)
    )
    first, second = customers.head(2).to_dicts()
    return first, second


def open_customer(page: Page, email: str) -> None:
    """The Kunde page: search a person, pick the match, see the report."""
    open_page(page, "Kunde")
    main = main_area(page)
    search = main.get_by_label("Kunde suchen (Name, E-Mail oder Nr.)")
    search.fill(email)
    search.press("Enter")
    wait_for_run(page)
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Treffer").click()
    page.get_by_role("option").first.click()
    wait_for_run(page)


def confirm(page: Page) -> None:
    main_area(page).get_by_role("button", name="Ja, ausführen").click()
    wait_for_run(page)


def test_owner_journey_overview_customer_merge_and_undo(
    protected_app: RunningApp, visitor: Page
) -> None:
    shots = []
    visitor.goto(protected_app.url)
    wait_for_run(visitor)
    log_in(visitor)
    main = main_area(visitor)
    expect(main.get_by_role("heading", name="Übersicht").first).to_be_visible()
    expect(main.locator('[data-testid="stMetric"]').first).to_be_visible()
    shots.append(screenshot(visitor, "01-uebersicht"))

    filter_by_country(visitor, "Österreich")
    expect(visitor).to_have_url(re.compile(r"[?&]country=AT(&|$)"))
    austrians = count_in_option(visitor, "Österreich")
    note = f"Gefiltert: alle Zahlen dieser Seite zählen {austrians} von"
    expect(main.get_by_text(note)).to_be_visible()
    shots.append(screenshot(visitor, "01b-uebersicht-oesterreich"))
    visitor.locator('[data-testid="stSidebar"]').get_by_role(
        "button", name="Filter zurücksetzen"
    ).click()
    wait_for_run(visitor)

    anna, bert = top_two(protected_app.database_url)
    open_customer(visitor, str(anna["email"]))
    heading = f"Nr. {anna['person_id']}"
    expect(main.get_by_role("heading").filter(has_text=heading).first).to_be_visible()
    shots.append(screenshot(visitor, "02-kunde"))

    main.get_by_role("tab", name="Mit anderer Person zusammenführen").click()
    search = main.get_by_label("Andere Person suchen (Nr., E-Mail oder Name)")
    search.fill(str(bert["email"]))
    search.press("Enter")
    wait_for_run(visitor)
    main.get_by_role("button", name="Zusammenführen …").click()
    wait_for_run(visitor)
    confirm(visitor)
    merged = f"Zusammengeführt: Nr. {bert['person_id']} gehört jetzt zu Nr. {anna['person_id']}."
    expect(main.get_by_text(merged)).to_be_visible()
    engine = get_engine(protected_app.database_url)
    history = merge_history(engine, int(anna["person_id"]))
    assert history[0].action == "merge" and history[0].undone_at is None
    shots.append(screenshot(visitor, "03-zusammengefuehrt"))

    undo_tab = main.get_by_role("tab", name="Rückgängig machen")
    undo_tab.click()
    main.get_by_role("button", name="Rückgängig machen …").click()
    wait_for_run(visitor)
    expect(undo_tab).to_have_attribute("aria-selected", "true")  # the tab stays open
    confirm(visitor)
    expect(main.get_by_text(f"Eintrag #{history[0].id} rückgängig gemacht").first).to_be_visible()
    entries = {e.id: e for e in merge_history(engine, int(anna["person_id"]))}
    assert entries[history[0].id].undone_at is not None
    shots.append(screenshot(visitor, "04-rueckgaengig"))

    open_page(visitor, "Dubletten")
    expect(main.get_by_role("heading", name="Dubletten").first).to_be_visible()
    shots.append(screenshot(visitor, "05-dubletten"))

    for shot in shots:
        assert shot.stat().st_size > 10_000, shot
