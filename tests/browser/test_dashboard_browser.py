"""A planner's round in headless Chromium: sign in, read the change-by-plant matrix, open a
change and its old/new BOM, approve the held trial ECO, replay the refused oil change with its
unit corrected — and see both reach the ERP. Each step saves a screenshot."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, Dashboard

pytestmark = pytest.mark.integration
SLOW = 60_000  # ms: the worker posts to real Tryton databases on a busy 2-core machine


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, dashboard: Dashboard) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.goto(f"{dashboard.url}/")
    expect(opened).to_have_url(re.compile(r"/ui/login\?next="))
    opened.fill("#name", dashboard.user)
    opened.fill("#secret", dashboard.secret)
    opened.click("button[type=submit]")
    expect(opened.locator("#change-matrix")).to_be_visible()
    yield opened
    context.close()


def cell(page: Page, change: str, plant: str) -> object:
    return page.locator(f'tr[data-change="{change}"] td[data-plant="{plant}"] .state')


def test_matrix_change_page_and_bom_comparison(page: Page, dashboard: Dashboard) -> None:
    for plant in ("US01", "DE01"):
        expect(cell(page, "REL-0007", plant)).to_have_text("succeeded")
        expect(cell(page, "ECO-0012", plant)).to_have_text("succeeded")
        expect(cell(page, "ECO-0013", plant)).to_have_text("waiting_review")
        expect(cell(page, "ECO-0014", plant)).to_have_text("dead")
    expect(page.locator(".tile").first).to_be_visible()
    page.screenshot(path=dashboard.shots / "1-matrix.png", full_page=True)

    page.select_option("select[name=state]", "attention")
    expect(page.locator("tr[data-change]")).to_have_count(2)  # the held and the refused
    page.screenshot(path=dashboard.shots / "2-matrix-attention.png", full_page=True)

    page.click('a[href$="/changes/ECO-0012"]')
    expect(page.locator("h1")).to_contain_text("hardened idler gear")
    pump = page.locator('#plant-US01 table.bom-compare[data-item="PMP-40"]')
    expect(pump).to_be_visible(timeout=SLOW)  # loaded by htmx after the page
    expect(pump.locator("caption")).to_contain_text("rev A → rev B")
    screws = pump.locator("tr.changed", has_text="SCR-M5X16")
    expect(screws.locator("td.old").nth(1)).to_have_text("6 EA")
    expect(screws.locator("td.new").nth(1)).to_have_text("8 EA")
    expect(pump.locator("caption")).to_contain_text("0 added, 0 removed, 1 changed")
    plan = page.locator("#plant-US01 .plan-slot")
    expect(plan).to_contain_text("ERP already matches this change", timeout=SLOW)
    expect(page.locator("#audit")).to_contain_text("job.succeeded")
    page.screenshot(path=dashboard.shots / "3-change-bom.png", full_page=True)


def test_approve_a_review_then_the_change_is_posted(page: Page, dashboard: Dashboard) -> None:
    page.click("nav >> text=Reviews")
    task = page.locator("#reviews tr[data-task]", has_text="US01").filter(has_text="ECO-0013")
    expect(task).to_contain_text("OIL-68 quantity 0.05 → 0.10")
    task.get_by_role("textbox").fill("Bench trial BT-77 accepted")
    page.screenshot(path=dashboard.shots / "4-review-queue.png", full_page=True)
    task.locator("button", has_text="Approve").click()
    expect(page.locator(".notice")).to_contain_text("approved")

    page.goto(f"{dashboard.url}/changes/ECO-0013")
    _until_state(page, "US01", "succeeded")
    expect(page.locator('#plants tr[data-plant="DE01"] .state')).to_have_text("waiting_review")
    page.screenshot(path=dashboard.shots / "5-approved-and-posted.png", full_page=True)


def test_replay_a_dead_letter_with_its_unit_corrected(page: Page, dashboard: Dashboard) -> None:
    page.click("nav >> text=Dead letters")
    letter = page.locator("#dead-letters tr[data-letter]", has_text="ECO-0014").first
    expect(letter).to_contain_text("PLMSYNC-VALIDATION")
    expect(letter.locator(".remedy")).to_contain_text("What to do")
    page.screenshot(path=dashboard.shots / "6-dead-letters.png", full_page=True)

    raw = (dashboard.workspace / "packages" / "gp40_oil_typo.json").read_text(encoding="utf-8")
    letter.locator("summary").click()
    letter.locator("textarea[name=payload]").fill(raw.replace('"LTR"', '"L"'))
    letter.locator("button", has_text="Replay edited").click()
    expect(page.locator(".notice")).to_contain_text("replayed")
    expect(page.locator("#dead-letters tr[data-letter]")).to_have_count(0)

    page.goto(f"{dashboard.url}/changes/ECO-0014")
    _until_state(page, "US01", "succeeded")
    _until_state(page, "DE01", "succeeded")
    page.screenshot(path=dashboard.shots / "7-replayed-and-posted.png", full_page=True)


def _until_state(page: Page, plant: str, state: str) -> None:
    """Reload the change page until the plant shows `state` (the worker runs in the server)."""
    shown = page.locator(f'#plants tr[data-plant="{plant}"] .state')
    for _ in range(60):
        if shown.inner_text() == state:
            return
        page.wait_for_timeout(1000)
        page.reload()
    expect(shown).to_have_text(state)
