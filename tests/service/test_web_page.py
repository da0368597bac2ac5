"""The service's web page in a real headless Chromium (Debian's, driven by Playwright): upload the
worked example, watch the job, read the report; paste a bad scenario, read the field to fix;
cancel a running job and read why it ended, in the job and in the list of jobs.

``make test`` installs Debian's ``chromium`` when it is missing (``make browser``); Playwright
never downloads a browser of its own here. Without chromium (or Playwright) the test is skipped,
saying what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from .conftest import EXAMPLE, TOKENS, Server

pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[test]' installs it"
)
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
SLOW_GA = (
    'kind = "pump_placement"\nname = "slow GA"\ndemand_factors = [2.0]\n'
    "[network]\ngenerator = { nodes = 150, seed = 6 }\n"
    "[options.ga]\npopulation = 1000\ngenerations = 10000\n"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(
            f"the web page's test needs a browser and {CHROMIUM} is missing: install Debian's "
            "chromium package (make browser, run by make test, does it)"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, service: Server) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(service.url + "/")
    page.fill("#token", TOKENS["alice"])
    yield page
    context.close()


def test_upload_the_worked_example_and_read_the_report(page: Page, optimum: float) -> None:
    page.set_input_files("#file", str(EXAMPLE))
    expect(page.locator("#scenario")).to_have_value(EXAMPLE.read_text())
    page.click("#submit")
    expect(page.locator("#headline")).to_have_text(f"optimal: total cost {optimum:,.0f} $/day")
    expect(page.locator("#state")).to_have_text("done")
    report = page.frame_locator("#report")
    expect(report.locator("#headline")).to_contain_text(f"{optimum:,.0f} $/day")
    plants = report.locator('table[data-table="plants"] tbody tr')
    expect(plants).to_have_count(3)
    expect(plants.nth(0).locator("td").nth(0)).to_have_text("P1")
    expect(report.locator('table[data-table="zones"] tbody tr')).to_have_count(6)
    # the list of reports has it too
    expect(page.locator("#reports tbody tr").first).to_contain_text("two sources")


def test_paste_a_bad_scenario_and_read_the_field(page: Page) -> None:
    bad = EXAMPLE.read_text().replace('{ id = "Z3", demand = 15 }', '{ id = "Z3", demand = -15 }')
    page.fill("#scenario", bad)
    page.click("#submit")
    expect(page.locator("#errors li")).to_have_text(
        ["request body, zones[2].demand: a number ≥ 0 (got -15)"]
    )
    expect(page.locator("#result")).to_be_hidden()


def test_cancel_a_running_job_and_read_why_it_ended(page: Page) -> None:
    page.fill("#scenario", SLOW_GA)
    page.fill("#algorithm", "ga")
    page.fill("#time_limit", "30")
    page.uncheck("#figures")
    page.click("#submit")
    expect(page.locator("#state")).to_have_text("running", timeout=60_000)
    page.click("#cancel")
    expect(page.locator("#state")).to_have_text("cancelled")
    expect(page.locator("#reason")).to_have_text("cancelled by its owner")
    expect(page.locator("#cancel")).to_be_hidden()
    row = page.locator("#reports tbody tr").first
    expect(row).to_contain_text("slow GA")
    expect(row).to_contain_text("cancelled by its owner")
    expect(page.locator("#result")).to_be_hidden()
