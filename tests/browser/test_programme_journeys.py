"""Journeys of multi-level supervision and the incentive programmes in Debian's chromium: a
district regulator sees its district only, a park operator keeps its members, and an award
goes from application to payment (axe-core checks every page)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, shot
from tests.browser.test_journeys import accessible, login

pytestmark = pytest.mark.browser


def test_district_regulator_sees_only_its_district(page: Any, site: Site) -> None:
    login(page, site, "longhua-regulator")
    assert page.url.endswith("/district")
    text = page.locator("main").inner_text()
    assert "龙华数字金融产业园" in text and "宝安制造业供应链金融服务中心" not in text
    enterprises = page.locator("#district-enterprises").inner_text()
    assert "龙华精密结构件有限公司" in enterprises and "宝安动力电池材料有限公司" not in enterprises
    assert "龙华精密结构件有限公司" in page.locator("#district-financings").inner_text()
    assert page.locator("#district-figures th").count() == 3  # the figure, Longhua, the city
    shot(page, "district-regulator", docs=True)
    # the city regulator's console stays closed to it
    page.goto(f"{site.url}/regulator")
    assert "/regulator" not in page.url or page.locator("#tile-volume").count() == 0


def test_park_operator_adds_a_member_once(page: Any, site: Site) -> None:
    login(page, site, "park-longhua")
    assert page.url.endswith("/park")
    accessible(page, "member-submit-1")
    rows = page.locator("#park-members-1 tbody tr").count()
    page.fill("#uscc-1", site.sample.usccs["core"])
    page.fill("#joined-1", "2025-03-10")
    page.click("#member-submit-1")
    page.wait_for_url("**/park?ok=saved")
    members = page.locator("#park-members-1")
    assert members.locator("tbody tr").count() == rows + 1
    assert "坪山新能源汽车股份有限公司" in members.inner_text()
    # the same member again is refused with the reason, nothing added
    page.fill("#uscc-1", site.sample.usccs["core"])
    page.fill("#joined-1", "2025-03-11")
    page.click("#member-submit-1")
    page.wait_for_load_state()
    assert page.locator("[role=alert]").count() >= 1
    page.goto(f"{site.url}/park")
    assert page.locator("#park-members-1 tbody tr").count() == rows + 1
    shot(page, "park-operator", docs=True)


def test_an_award_from_application_to_payment(page: Any, site: Site) -> None:
    login(page, site, "sme2")
    page.goto(f"{site.url}/programmes")
    row = page.locator("#programmes tr", has_text="龙华区重点产业链中小企业供应链融资贴息")
    row.locator("button").click()
    page.wait_for_url("**/programmes?ok=saved*")
    assert "已申报" in page.locator("#my-applications").inner_text()
    page.context.clear_cookies()
    login(page, site, "operator")
    page.goto(f"{site.url}/awards")
    accessible(page, "approve-1")
    page.click("#approve-1")
    page.wait_for_url("**/awards?ok=saved")
    assert "已批准" in page.locator("#application-1").inner_text()
    page.fill("#reference-1", "LH-2025-001")
    page.click("#pay-1")
    page.wait_for_url("**/awards?ok=saved")
    assert "已拨付" in page.locator("#application-1").inner_text()
    budget = page.locator("#budgets tr", has_text="龙华区重点产业链中小企业供应链融资贴息")
    cells = budget.locator("td")
    zero = page.locator("#budgets tr", has_text="金融科技创新奖励").locator("td").nth(4)
    # paid against the budget: what was awarded, where a programme without awards paid nothing
    assert cells.nth(4).inner_text() == cells.nth(3).inner_text() != zero.inner_text()
    shot(page, "award-review", docs=True)
