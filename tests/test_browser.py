"""What a person sees in a real browser: `streamlit run app.py` driven by headless Chromium.

The server, the browser and the helpers are in ``tests/browser_support.py``. Each test opens
a fresh browser page and waits for Streamlit's script run to finish (the
``data-test-script-state`` of the app root) instead of sleeping.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser_support import (
    RunningApp,
    _tail,
    grid_rows,
    main_area,
    nav_link,
    open_page,
    wait_for_run,
)

pytestmark = pytest.mark.browser


def test_app_opens_on_the_overview(page: Page) -> None:
    expect(page.get_by_role("heading", name="Übersicht").first).to_be_visible()
    for title in ("Übersicht", "Kunden", "Kundenmatrix", "RFM", "Datenquellen"):
        expect(nav_link(page, title)).to_be_visible()
    expect(nav_link(page, "Übersicht")).to_have_attribute("aria-current", "page")
    expect(main_area(page).locator('[data-testid="stMetric"]').first).to_be_visible()


def test_customer_list_shows_customers(page: Page) -> None:
    open_page(page, "Kunden")
    table = main_area(page).locator('[data-testid="stDataFrame"]').first
    expect(table).to_be_visible()
    assert grid_rows(table) > 1


def test_search_narrows_the_customer_list(page: Page, running_app: RunningApp) -> None:
    from kundenwert.customers import load_dataset, search_customers

    customers = load_dataset(running_app.database_url).customers.sort("value", descending=True)
    email = customers["email"].drop_nulls()[0]
    expected = search_customers(customers, email).height
    open_page(page, "Kunden")
    table = main_area(page).locator('[data-testid="stDataFrame"]').first
    before = grid_rows(table)

    search = main_area(page).locator('[data-testid="stTextInput"] input').first
    search.fill(email)
    search.press("Enter")
    expect(table.locator('[role="grid"]')).to_have_attribute("aria-rowcount", str(expected + 1))
    wait_for_run(page)
    assert 1 <= grid_rows(table) < before


def test_data_sources_page_lists_the_sources(page: Page, running_app: RunningApp) -> None:
    from kundenwert.frames import load_frames

    labels = load_frames(running_app.database_url).sources["label"].to_list()
    assert len(labels) >= 2, "the demo data should come from several sources"
    open_page(page, "Datenquellen")
    for label in labels:
        expect(main_area(page).get_by_text(label, exact=True).first).to_be_attached()


def test_customer_list_downloads_as_csv(page: Page, running_app: RunningApp) -> None:
    open_page(page, "Kunden")
    download_buttons = main_area(page).locator('[data-testid="stDownloadButton"]')
    button = download_buttons.get_by_role("button", name=re.compile("csv", re.IGNORECASE))
    try:
        with page.expect_download(timeout=30_000) as download_info:
            button.first.click()
    except PlaywrightTimeoutError:
        pytest.fail(f"no download after the click; server log:\n{_tail(running_app.log)}")
    download = download_info.value
    assert download.suggested_filename.lower().endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text[:200] else ","))
    assert len(rows) > 1
    assert any("mail" in column.lower() for column in rows[0]), rows[0]


def test_every_page_renders_without_error(page: Page) -> None:
    links = page.locator('[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]')
    # The visible label; the link's text also holds the icon's ligature name.
    labels = links.locator('[data-testid="stMarkdownContainer"]')
    titles = [label.inner_text().strip() for label in labels.all()]
    assert {"Übersicht", "Kunden", "Kundenmatrix", "RFM", "Datenquellen"} <= set(titles)
    for title in titles:
        open_page(page, title)


def test_language_switch_in_the_sidebar_turns_the_app_english(page: Page) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("English", exact=True).click()
    expect(nav_link(page, "Customers")).to_be_visible()
    wait_for_run(page)
    expect(main_area(page).get_by_role("heading", name="Overview").first).to_be_visible()
    expect(nav_link(page, "Kunden")).to_have_count(0)
