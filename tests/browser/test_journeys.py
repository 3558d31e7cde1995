"""One journey per role in Debian's chromium, with screenshots; axe-core checks every page
(the `page` fixture of conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scf.web.sample import SAMPLE_PASSWORD
from tests.browser.conftest import Site, shot

pytestmark = pytest.mark.browser

UNLABELLED = """() => Array.from(document.querySelectorAll(
  'input:not([type=hidden]), select, textarea')).filter(el => {
    if (el.getAttribute('aria-label')) return false;
    if (el.id && document.querySelector('label[for="' + el.id + '"]')) return false;
    return !el.closest('label');
  }).map(el => el.name || el.outerHTML.slice(0, 60))"""


def login(page: Any, site: Site, user: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#username", user)
    page.fill("#password", SAMPLE_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()


def accessible(page: Any, main_action: str) -> None:
    """Every input has a label, and Tab reaches the page's main action."""
    assert page.evaluate(UNLABELLED) == []
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            main_action
        ):
            return
    raise AssertionError(f"Tab never reached #{main_action}")


def test_sme_applies_for_financing(page: Any, site: Site) -> None:
    login(page, site, "sme2")
    assert page.url.endswith("/sme")
    accessible(page, "apply-submit")
    page.select_option("#scenario", "receivables_factoring")
    page.select_option("#asset", f"receivable_id:{site.sample.receivables['sme2']}")
    page.fill("#amount", "50000.00")
    page.click("#apply-submit")
    page.wait_for_url("**/sme?ok=saved")
    # red-listed on a key chain: both funders' offers at once, side by side
    accept = page.locator("button[id^=accept-]")
    assert accept.count() == 2
    shot(page, "sme", docs=True)
    accept.first.click()
    page.wait_for_url("**/sme?ok=saved")
    assert "已接受报价" in page.locator("article.application").first.inner_text()


def test_core_confirms_payables_and_runs_early_payment(page: Any, site: Site) -> None:
    login(page, site, "core")
    accessible(page, "confirm-submit")
    page.check(f"#rcv-{site.sample.receivables['pending']}")
    page.click("#confirm-submit")
    page.wait_for_url("**/core?ok=saved")
    assert page.locator(f"#rcv-{site.sample.receivables['pending']}").count() == 0
    page.fill("#cash", "500000.00")
    page.fill("#hurdle_rate", "6")
    page.click("#program-submit")
    page.wait_for_url("**/core?ok=saved")
    assert "进行中" in page.locator("#programs tbody tr").first.inner_text()
    page.locator("#programs form[action$='/clearing'] button").first.click()
    page.wait_for_url("**/core?ok=saved")
    assert "已出清" in page.locator("#programs tbody tr").first.inner_text()
    page.goto(f"{site.url}/core?certificate={site.sample.certificate_id}")
    assert page.locator("#lineage li").count() >= 3
    shot(page, "core", docs=True)


def test_institution_accepts_an_application(page: Any, site: Site) -> None:
    login(page, site, "bank")
    assert page.locator(".application").count() >= 2
    app = page.locator(f"#app-{site.sample.application_id}")
    assert "应收账款保理" in app.inner_text() and app.locator(".my-offer").count() == 1
    shot(page, "fi", docs=True)
    page.locator(".application:not(.financing-app) button.primary").first.click()
    page.wait_for_url("**/fi?ok=saved")
    assert page.locator("#portfolio tbody tr:not(.financing-row)").count() == 2


def test_logistics_files_a_delivery(page: Any, site: Site) -> None:
    login(page, site, "logistics")
    assert page.url.endswith("/services")
    accessible(page, "delivery-submit")
    s = site.sample
    page.fill("#number", "SF-2025-0001")
    page.fill("#order_number", s.order_number)
    page.fill("#seller_uscc", s.usccs["sme1"])
    page.fill("#buyer_uscc", s.usccs["core"])
    page.fill("#dquantity", "20")
    page.click("#delivery-submit")
    page.wait_for_url("**/services?ok=saved")
    assert page.locator("[role=alert]").count() == 0
    shot(page, "logistics", docs=True)


def test_warehouse_confirms_goods(page: Any, site: Site) -> None:
    login(page, site, "warehouse")
    accessible(page, "goods-submit")
    with page.expect_navigation():
        page.goto(f"{site.url}/services")
    page.fill("#holder_uscc", "not-a-uscc")
    for field, value in [
        ("commodity", "铜"),
        ("grade", "A"),
        ("location", "盐田3号库"),
        ("quantity", "100"),
        ("unit", "吨"),
        ("lot", "L-1"),
    ]:
        page.fill(f"#{field}", value)
    page.click("#goods-submit")
    assert "持有人统一社会信用代码" in page.locator("[role=alert]").inner_text()
    shot(page, "warehouse")


def test_regulator_dashboard_alerts_and_graph(page: Any, site: Site) -> None:
    login(page, site, "regulator")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-chart]'))"
        ".every(el => el.dataset.ready === '1')"
    )
    assert page.locator("canvas").count() >= 4
    shot(page, "regulator-dashboard", docs=True)
    # the period picker: a quarter; every tile and chart follows it, each tile opens its list
    page.check("input[name=period][value=quarter]")
    page.fill("#period-quarter", "2025-Q1")
    page.click("#period-submit")
    page.wait_for_url("**/regulator?period=quarter*")
    assert "2025-01-01" in page.locator("#period-form").inner_text()
    assert "period=2025-Q1" in page.locator("#report-pdf").get_attribute("href")
    page.click("#tile-cert-overdue")
    page.wait_for_url("**/regulator/certificates?*state=overdue*")
    assert page.locator("#certificates tbody tr").count() == 1
    page.go_back()
    page.wait_for_function("() => document.querySelector('#chart-district').dataset.ready === '1'")
    drill = page.evaluate(
        "() => JSON.parse(document.querySelector('#chart-district').dataset.rows)[0].drill"
    )
    page.goto(site.url + drill)
    assert page.locator("#financings tbody tr").count() == 1
    assert "district=" in page.url and "quarter=2025-Q1" in page.url
    page.goto(f"{site.url}/regulator/alerts")
    # the alerts lead with their groups; each alert's forms open on demand, by keyboard too
    assert page.locator("#alert-groups tbody tr").count() >= 1
    assert page.locator("#alerts input:visible").count() == 0
    first = page.locator("summary[id^=handle-]").first.get_attribute("id")
    accessible(page, first)
    page.keyboard.press("Enter")
    alert_id = first.removeprefix("handle-")
    assert page.locator(f"#resolution-{alert_id}").is_visible()
    page.locator(f"#resolution-{alert_id}").fill("已兑付 paid late")
    page.locator(f"form[action$='/{alert_id}/resolve'] button").click()
    page.wait_for_url("**/regulator/alerts?ok=saved")
    assert "已兑付 paid late" in page.content()
    shot(page, "regulator-alerts", docs=True)
    page.goto(f"{site.url}/regulator/enterprises/{site.sample.orgs['sme1']}")
    page.wait_for_function("() => document.querySelector('#chart-graph').dataset.ready === '1'")
    shot(page, "regulator-enterprise-graph", docs=True)
    page.goto(f"{site.url}/regulator/lists")
    shot(page, "regulator-lists", docs=True)
    assert not [e for e in page.errors if "Content Security Policy" in e], page.errors


def test_public_registry_search_and_language_switch(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/registry")
    page.click("a[lang=en]")
    page.fill("#grantor_name", "龙华精密结构件有限公司")
    page.click("#search-submit")
    assert page.locator("#results tbody tr").count() >= 1
    assert "Public registry search" in page.content()
    shot(page, "registry", docs=True)
    cert = page.request.get(
        page.locator("#cert-json").get_attribute("href")
        and site.url + page.locator("#cert-json").get_attribute("href")
    ).text()
    page.fill("#certificate", cert)
    page.click("#verify-submit")
    assert page.locator("#verdict.ok").count() == 1


def test_operator_onboards_an_organization_and_its_first_user(page: Any, site: Site) -> None:
    login(page, site, "operator")
    assert page.url.endswith("/operator")
    accessible(page, "onboard-submit")
    page.fill("#uscc", "91440300NOTAUSCC00")
    page.fill("#name", "光明新材料科技有限公司")
    page.select_option("#role", "supplier")
    page.select_option("#district", "guangming")
    page.fill("#founded_on", "2020-06-01")
    page.fill("#registered_capital", "3000000.00")
    page.click("#onboard-submit")
    assert "统一社会信用代码" in page.locator("[role=alert]").inner_text()
    page.fill("#uscc", "91440300MA5FXT6L2G")
    page.fill("#name", "光明新材料科技有限公司")
    page.select_option("#district", "guangming")
    page.fill("#founded_on", "2020-06-01")
    page.fill("#registered_capital", "3000000.00")
    page.click("#onboard-submit")
    page.wait_for_url("**/operator?ok=saved*")
    assert "光明新材料科技有限公司" in page.locator("#orgs tr.new").inner_text()
    page.fill("#new_username", "guangming.admin")
    page.fill("#new_password", SAMPLE_PASSWORD)
    page.click("#user-submit")
    page.wait_for_url("**/operator?ok=saved")
    shot(page, "operator", docs=True)
    page.locator("header form button").click()
    login(page, site, "guangming.admin")
    assert page.url.endswith("/sme") and page.locator(".who").inner_text() == "guangming.admin"


def test_insurer_sees_its_cover_policies(page: Any, site: Site) -> None:
    login(page, site, "insurer")
    assert page.url.endswith("/cover")
    row = page.locator("#policies tbody tr").first
    assert site.sample.policy_id in row.inner_text()
    assert "宝安动力电池材料有限公司" in row.inner_text()
    shot(page, "insurer", docs=True)


def test_distributor_confirms_its_payable(page: Any, site: Site) -> None:
    login(page, site, "distributor")
    assert page.url.endswith("/sme")
    accessible(page, "payables-submit")
    rid = site.sample.receivables["distributor"]
    page.check(f"#pay-{rid}")
    page.click("#payables-submit")
    page.wait_for_url("**/sme?ok=saved")
    assert page.locator(f"#pay-{rid}").count() == 0
    assert "坪山新能源汽车股份有限公司" in page.content()
    shot(page, "distributor", docs=True)


def test_every_list_filters_sorts_pages_totals_and_downloads(page: Any, site: Site) -> None:
    from decimal import Decimal

    login(page, site, "sme1")
    page.goto(f"{site.url}/sme")
    table = page.locator("main table").first
    tools = page.locator(".table-tools").first
    assert tools.locator("label").inner_text() == "筛选"
    amounts = [
        Decimal(a)
        for a in table.locator("tbody tr:not([hidden]) td:nth-child(2) [data-amount]").evaluate_all(
            "els => els.map(e => e.dataset.amount)"
        )
    ]
    assert len(amounts) >= 2
    total = table.locator("tfoot tr.totals td").nth(1).inner_text()
    assert total.replace(",", "").endswith(f"{sum(amounts):.2f}"), (total, amounts)
    # sorting by amount puts the rows in exact decimal order, both ways
    table.locator("thead th").nth(1).locator("button").click()
    shown = table.locator("tbody tr:not([hidden]) td:nth-child(2) [data-amount]").evaluate_all(
        "els => els.map(e => e.dataset.amount)"
    )
    assert [Decimal(x) for x in shown] == sorted(Decimal(x) for x in shown)
    assert table.locator("thead th").nth(1).get_attribute("aria-sort") == "ascending"
    table.locator("thead th").nth(1).locator("button").click()
    shown = table.locator("tbody tr:not([hidden]) td:nth-child(2) [data-amount]").evaluate_all(
        "els => els.map(e => e.dataset.amount)"
    )
    assert [Decimal(x) for x in shown] == sorted((Decimal(x) for x in shown), reverse=True)
    # the filter keeps the rows that mention what is typed, and the totals follow it
    first = table.locator("tbody tr:not([hidden])").first.locator("td").first.inner_text()
    tools.locator("input").fill(first)
    kept = table.locator("tbody tr:not([hidden])")
    assert 1 <= kept.count() < len(amounts) or kept.count() == len(amounts)
    assert all(first in kept.nth(i).inner_text() for i in range(kept.count()))
    # the CSV holds the kept rows with exact amounts
    with page.expect_download() as dl:
        tools.locator("button.csv").click()
    text = open(dl.value.path(), encoding="utf-8-sig").read().splitlines()
    assert len(text) == kept.count() + 1 and "金额" in text[0]
    assert all("." in line.split(",")[1] for line in text[1:])
    tools.locator("input").fill("")


def test_institution_declares_a_unit_and_the_regulator_assesses_institutions(
    page: Any, site: Site
) -> None:
    login(page, site, "bank")
    page.goto(f"{site.url}/units")
    accessible(page, "unit-name")
    page.fill("#unit-name", "供应链金融事业部")
    page.select_option("#unit-kind", "department")
    page.check("#unit-nationwide")
    page.locator("form[action='/units/create'] button[type=submit]").click()
    page.wait_for_url("**/units?ok=saved")
    unit = page.locator("article.unit").first
    assert "供应链金融事业部" in unit.inner_text() and "一点对全国" in unit.inner_text()
    unit.locator("input[name=username]").fill("bank")
    unit.locator("input[name=grade]").fill("2")
    unit.locator("form[action$='/officers'] button").click()
    page.wait_for_url("**/units?ok=saved")
    assert "审批人员" in page.locator("article.unit").first.inner_text()
    shot(page, "institution-units", docs=True)
    login(page, site, "regulator")
    page.goto(f"{site.url}/regulator/assessment")
    page.fill("#w_sme_volume", "0.7")
    page.fill("#w_npl_ratio", "0.2")
    page.locator("form[action='/regulator/assessment/indicators'] button").click()
    page.wait_for_load_state()
    assert "权重之和须为 1" in page.locator("p.error[role=alert]").inner_text()
    page.fill("#w_npl_ratio", "0.3")
    page.locator("form[action='/regulator/assessment/indicators'] button").click()
    page.wait_for_url("**/regulator/assessment?ok=saved")
    page.fill("#quarter", "2025-Q1")
    page.locator("form[action='/regulator/assessment/run'] button").click()
    page.wait_for_url("**/regulator/assessment?ok=saved&quarter=2025-Q1")
    rows = page.locator("#ranking-table tbody tr")
    assert rows.count() >= 2
    assert rows.first.locator("td").first.inner_text() == "1"
    shot(page, "regulator-assessment", docs=True)
