"""Journeys in Chinese: a supplier bids in its buyer's dynamic-discounting programme (the
amounts shown before it bids), amends its earlier bid, and the core enterprise clears the
programme; a supplier discounts a commercial acceptance bill it holds. Each step has its
screenshot under docs/screenshots; axe-core checks every page (conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, shot
from tests.browser.test_journeys import accessible, login

pytestmark = pytest.mark.browser


def test_supplier_bids_and_the_core_enterprise_clears(page: Any, site: Site) -> None:
    login(page, site, "sme1")
    page.click("nav a[href='/sme/discounting']")
    page.wait_for_url("**/sme/discounting")
    program = page.locator("article.program").first
    assert "坪山新能源汽车股份有限公司" in program.locator("h3").inner_text()
    form = program.locator("form.bid-form")
    form.locator("input[name=rate]").fill("８.５％")
    form.locator("button[name=preview]").click()
    page.wait_for_url("**/sme/discounting?*preview=1*")
    program = page.locator("article.program").first
    terms = program.locator("div.bid-terms")
    assert "折扣金额" in terms.inner_text() and "年化" in terms.inner_text()
    assert program.locator("form.bid-form input[name=rate]").input_value() == "8.5"
    accessible(page, program.locator("button.primary").get_attribute("id"))
    shot(page, "sme-discounting-preview", docs=True)
    program.locator("button.primary").click()
    page.wait_for_url("**/sme/discounting?ok=saved")
    bids = page.locator("article.program").first.locator("table.bids tbody tr")
    assert bids.count() == 2 and "8.50%" in bids.all_inner_texts()[0] + bids.all_inner_texts()[1]
    # the earlier bid, at 9%, goes up to 10%
    earlier = page.locator("article.program").first.locator("tr", has_text="9.00%")
    earlier.locator("input[name=rate]").fill("10")
    earlier.locator("button[id^=amend-submit-]").click()
    page.wait_for_url("**/sme/discounting?ok=saved")
    texts = " ".join(page.locator("article.program").first.locator("table.bids").all_inner_texts())
    assert "10.00%" in texts and "9.00%" not in texts
    shot(page, "sme-discounting-bids", docs=True)

    login(page, site, "core")
    page.click("nav a[href='/core/discounting']")
    page.wait_for_url("**/core/discounting")
    program = page.locator("section.program", has=page.locator("button[id^=clear-]")).first
    assert program.locator("table.bids tbody tr").count() == 2
    assert "宝安动力电池材料有限公司" in program.inner_text() and "将中标" in program.inner_text()
    shot(page, "core-discounting-bids", docs=True)
    program_id = (program.get_attribute("id") or "").removeprefix("program-")
    program.locator("button[id^=clear-]").click()
    page.wait_for_url("**/core/discounting?ok=saved")
    cleared = page.locator(f"#program-{program_id}")
    assert "已出清" in cleared.locator("h2").inner_text()
    assert "已中标" in cleared.inner_text() and cleared.locator("button[id^=clear-]").count() == 0
    shot(page, "core-discounting-cleared", docs=True)


def test_supplier_discounts_a_bill(page: Any, site: Site) -> None:
    login(page, site, "sme1")
    page.goto(f"{site.url}/sme/discounting")
    bills = page.locator("#bills")
    assert "530058400001" in bills.inner_text()
    accessible(page, "bill-submit")
    # more than the bill's face: the page says why beside the field and keeps the input
    page.fill("#face", "300,000")
    page.fill("#bill-amount", "１５万")
    page.click("#bill-submit")
    page.wait_for_load_state()
    assert page.locator("#face").input_value() == "300,000"
    assert page.locator("#face").get_attribute("aria-invalid") == "true"
    assert page.locator("#bill-amount").input_value() == "１５万"
    shot(page, "sme-bill-refused", docs=True)
    page.fill("#face", "")
    page.click("#bill-submit")
    page.wait_for_url("**/sme/discounting?ok=saved")
    row = page.locator("#bill-apps tbody tr").first
    text = row.inner_text()
    assert "150,000.00" in text and ("已发送" in text or "已报价" in text), text
    shot(page, "sme-bill-discounting", docs=True)
