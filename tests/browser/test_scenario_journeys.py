"""The cross-border payout journey in Debian's chromium, in Chinese: a bank offers the
scenario, the operator loads a USD/CNY rate, a seller records a payout, the marketplace
confirms it, the seller applies for an advance against it; everyone sees the catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from scf.web.sample import SAMPLE_PASSWORD
from tests.browser.conftest import Site, shot
from tests.browser.test_journeys import accessible, login

pytestmark = pytest.mark.browser


def bank_offers_the_scenario(page: Any, site: Site) -> None:
    api = page.request
    r = api.post(
        f"{site.url}/api/v1/auth/login", data={"username": "bank", "password": SAMPLE_PASSWORD}
    )
    assert r.ok, r.text()
    token = r.json()["token"]
    r = api.post(
        f"{site.url}/api/v1/financing/products",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "scenario": "cross_border_payout",
            "name": "跨境电商回款贷",
            "base_rate": "0.035",
            "max_amount": {"amount": "5000000.00", "currency": "CNY"},
        },
    )
    assert r.status == 201, r.text()


def test_cross_border_payout_journey(page: Any, site: Site) -> None:
    bank_offers_the_scenario(page, site)
    # the operator loads a rate with its source (the time defaults to now, Beijing time)
    login(page, site, "operator")
    page.goto(f"{site.url}/scenarios/fx-rates")
    accessible(page, "fx-submit")
    page.fill("#rate", "7.10000000")
    page.fill("#source", "中国外汇交易中心人民币汇率中间价")
    page.click("#fx-submit")
    page.wait_for_url("**/scenarios/fx-rates?ok=saved")
    assert "7.10000000" in page.locator("#fx-rates").inner_text()
    shot(page, "scenarios-fx-rates")
    page.context.clear_cookies()
    # the seller records a payout; a bad sales line is refused naming the field
    login(page, site, "sme2")
    page.goto(f"{site.url}/scenarios/payouts")
    accessible(page, "payout-submit")
    page.fill("#marketplace_uscc", site.sample.usccs["marketplace"])
    page.fill("#reference", "TM-2025-0001")
    page.select_option("#currency", "USD")
    page.fill("#payout_amount", "50,000.00")
    page.fill("#due_on", "2025-05-09")
    page.fill("#sales_history", "2024-12 41000.00\n2025-01 39000.00\n2025-02")
    page.click("#payout-submit")
    assert "销售记录" in page.locator("[role=alert]").inner_text()
    page.fill("#sales_history", "2024-12 41000.00\n2025-01 39000.00\n2025-02 45000.00")
    page.click("#payout-submit")
    page.wait_for_url("**/scenarios/payouts?ok=saved")
    assert "已登记待平台确认" in page.locator("#payouts").inner_text()
    page.context.clear_cookies()
    # the marketplace confirms it
    login(page, site, "marketplace")
    page.goto(f"{site.url}/scenarios/payouts")
    page.locator("button[id^=confirm-]").first.click()
    page.wait_for_url("**/scenarios/payouts?ok=saved")
    assert "平台已确认" in page.locator("#payouts").inner_text()
    page.context.clear_cookies()
    # the seller applies: 80% of 355,000.00 CNY at most
    login(page, site, "sme2")
    page.goto(f"{site.url}/scenarios/payouts")
    page.select_option("#advance_currency", "CNY")
    page.fill("#amount", "300000.00")
    page.click("#advance-submit")
    assert "金额" in page.locator("[role=alert]").inner_text()
    page.fill("#amount", "280000.00")
    page.click("#advance-submit")
    page.wait_for_url("**/scenarios/payouts?ok=saved")
    shot(page, "scenarios-payouts", docs=True)
    page.goto(f"{site.url}/sme")
    assert "跨境电商平台回款融资" in " ".join(page.locator("article.application").all_inner_texts())
    # the catalogue: the scenario enabled this year
    page.goto(f"{site.url}/scenarios")
    row = page.locator("#scenario-cross_border_payout")
    assert "2025" in row.inner_text()
    shot(page, "scenarios-catalogue", docs=True)


def test_patent_valued_and_pledged_journey(page: Any, site: Site) -> None:
    from scf.parties.model import make_uscc

    api = page.request
    r = api.post(
        f"{site.url}/api/v1/auth/login", data={"username": "bank", "password": SAMPLE_PASSWORD}
    )
    token = r.json()["token"]
    r = api.post(
        f"{site.url}/api/v1/financing/products",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "scenario": "ip_pledge",
            "name": "科技知识产权贷",
            "base_rate": "0.04",
            "max_amount": {"amount": "5000000.00", "currency": "CNY"},
        },
    )
    assert r.status == 201, r.text()
    # the operator onboards an appraiser and its first user
    login(page, site, "operator")
    page.fill("#uscc", make_uscc("91440300MA5APPR01"))
    page.fill("#name", "深圳南山知识产权评估有限公司")
    page.select_option("#role", "appraiser")
    page.select_option("#district", "nanshan")
    page.fill("#founded_on", "2016-03-01")
    page.fill("#registered_capital", "5000000.00")
    page.click("#onboard-submit")
    page.wait_for_url("**/operator?ok=saved*")
    page.fill("#new_username", "appraiser1")
    page.fill("#new_password", SAMPLE_PASSWORD)
    page.click("#user-submit")
    page.wait_for_url("**/operator?ok=saved")
    page.context.clear_cookies()
    # the owner records a patent (a malformed number refused naming the field)
    login(page, site, "sme2")
    page.goto(f"{site.url}/scenarios/ip")
    accessible(page, "ip-submit")
    page.select_option("#kind", "patent")
    page.fill("#registration_no", "CN-123")
    page.fill("#title", "一种精密结构件的冲压方法")
    page.fill("#expires_on", "2034-06-30")
    page.click("#ip-submit")
    assert "登记号" in page.locator("[role=alert]").inner_text()
    page.fill("#registration_no", "ZL2022 10987654.3")
    page.click("#ip-submit")
    page.wait_for_url("**/scenarios/ip?ok=saved")
    assert "已登记待评估" in page.locator("#rights").inner_text()
    page.context.clear_cookies()
    # the appraiser values it with a 40% haircut
    login(page, site, "appraiser1")
    assert page.url.endswith("/scenarios/ip")
    page.fill("#value-1", "500000.00")
    page.fill("#haircut-1", "40")
    page.fill("#report-1", "NSPG-2025-007")
    page.click("#value-submit-1")
    page.wait_for_url("**/scenarios/ip?ok=saved")
    assert "300,000.00" in page.locator("#rights").inner_text()
    shot(page, "scenarios-ip-appraiser")
    page.context.clear_cookies()
    # the owner borrows on it
    login(page, site, "sme2")
    page.goto(f"{site.url}/scenarios/ip")
    page.fill("#amount", "10000.00")
    page.click("#ip-apply-submit")
    page.wait_for_url("**/scenarios/ip?ok=saved")
    shot(page, "scenarios-ip", docs=True)
    page.goto(f"{site.url}/sme")
    assert "知识产权质押融资" in " ".join(page.locator("article.application").all_inner_texts())
