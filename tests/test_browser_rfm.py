"""The RFM page in a real browser: click a cell of the R × FM chart, see its persons, download
them and check the file holds exactly the persons the page counted.

Reuses the server (demo data, 300 persons) and the browser of tests/test_browser.py.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from kundenwert.customers import load_dataset
from kundenwert.rfm import score
from tests.browser_support import (  # noqa: F401  (fixtures must be visible in this module)
    SCREENSHOTS,
    RunningApp,
    _tail,
    grid_rows,
    main_area,
    open_page,
    wait_for_run,
)

pytestmark = pytest.mark.browser


def fullest_cell(database_url: str, as_of_text: str) -> tuple[int, int, list[str]]:
    """(R, FM) of the cell with the most persons as of the page's day, and their e-mails."""
    pattern = "%d.%m.%Y" if "." in as_of_text else "%Y-%m-%d"
    as_of = datetime.strptime(as_of_text, pattern).date()
    persons = score(load_dataset(database_url), as_of).persons
    sizes = persons.group_by("r", "fm").len().sort("len", "r", "fm", descending=True)
    r, fm = sizes.select("r", "fm").row(0)
    emails = persons.filter((pl.col("r") == r) & (pl.col("fm") == fm))["email"]
    return r, fm, sorted(emails.drop_nulls().to_list())


def click_cell(page: Page, r: int, fm: int) -> None:
    """Click the middle of cell (R, FM): FM 1..5 left to right, R 5 on top."""
    chart = main_area(page).locator('[data-testid="stPlotlyChart"]').first
    area = chart.locator(".nsewdrag").first
    expect(area).to_be_visible()
    box = area.bounding_box()
    assert box is not None
    x = box["x"] + (fm - 0.5) * box["width"] / 5
    y = box["y"] + (5 - r + 0.5) * box["height"] / 5
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=SCREENSHOTS / "rfm_grid_clicked.png")


def test_clicking_a_cell_lists_and_downloads_its_persons(
    page: Page, running_app: RunningApp
) -> None:
    open_page(page, "RFM")
    as_of_input = main_area(page).locator('[data-testid="stDateInput"]').filter(has_text="Stichtag")
    as_of = as_of_input.locator("input").first.input_value()
    r, fm, emails = fullest_cell(running_app.database_url, as_of)
    assert emails, "the demo data should fill at least one cell"

    click_cell(page, r, fm)
    heading = main_area(page).get_by_text(re.compile(rf"Zelle R {r} · FM {fm} \("))
    expect(heading).to_be_visible()
    wait_for_run(page)
    count = int(re.search(r": (\d+) Personen", heading.inner_text()).group(1))  # type: ignore[union-attr]
    assert count == len(emails)
    persons_table = main_area(page).locator('[data-testid="stDataFrame"]').nth(1)
    expect(persons_table.locator('[role="grid"]')).to_have_attribute(
        "aria-rowcount", str(count + 1)
    )

    button = main_area(page).get_by_role("button", name="Excel-CSV")
    try:
        with page.expect_download(timeout=30_000) as download_info:
            button.click()
    except PlaywrightTimeoutError:
        pytest.fail(f"no download after the click; server log:\n{_tail(running_app.log)}")
    download = download_info.value
    assert download.suggested_filename == f"rfm-zelle-R{r}-FM{fm}.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert "E-Mail" in rows[0]
    assert len(rows) - 1 == count
    column = rows[0].index("E-Mail")
    assert sorted(row[column] for row in rows[1:] if row[column]) == emails
