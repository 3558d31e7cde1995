"""Whole deals in Chinese, each step through the pages with a screenshot in docs/screenshots:
a factoring from the invoice upload to the repayment, and the full life of a certificate from
the invoice upload to its settlement. The deals run on a server of their own, whose clock the
journey moves to the maturity."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scf.certificates import service as certificates
from scf.core.money import Money
from scf.financing import service as financing
from scf.platform import Platform
from scf.web.sample import Sample
from tests.browser.conftest import Site, serve, shot
from tests.browser.test_journeys import login

pytestmark = pytest.mark.browser

HEAD = (
    "kind,number,invoice_code,seller_uscc,buyer_uscc,issue_date,due_date,currency,"
    "amount_without_tax,tax,total,order_number,credited_number\n"
)


def _pledge_product(platform: Platform, sample: Sample) -> None:
    """The bank's warehouse-receipt pledge product (the funder's product pages are not built)."""
    with platform.uow(sample.actors["bank"]) as uow:
        financing.create_product(
            uow,
            scenario="warehouse_pledge",
            name="仓单质押融资",
            base_rate=Decimal("0.045"),
            max_amount=Money.of("5000000.00", "CNY"),
            rate_groups=[],
        )


@pytest.fixture(scope="module")
def deals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serve(tmp_path_factory.mktemp("deals"), seed=_pledge_product) as s:
        yield s


def _csv(tmp: Path, name: str, rows: list[str]) -> str:
    path = tmp / name
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _invoice(s: Site, seller: str, number: int, total: str, issued: str, due: str) -> str:
    net = (Money.of(total, "CNY").amount / 113 * 100).quantize(Money.of("0.01", "CNY").amount)
    tax = Money.of(total, "CNY").amount - net
    u = s.sample.usccs
    return (
        f"invoice,{number:020d},,{u[seller]},{u['core']},{issued},{due},CNY,{net},{tax},{total},,"
    )


def _option(page: Any, select: str, *texts: str) -> str:
    """The value of the first option of `select` whose text holds every one of `texts`."""
    value = page.evaluate(
        """([sel, texts]) => {
             const o = Array.from(document.querySelectorAll(sel + ' option'))
               .find(o => texts.every(t => o.textContent.includes(t)));
             return o ? o.value : null; }""",
        [select, list(texts)],
    )
    assert value, f"no option of {select} with {texts}"
    return str(value)


def _upload_and_confirm(
    page: Any, s: Site, tmp: Path, seller: str, row: str, amount: str, step: str
) -> None:
    """The supplier uploads its invoice; the core enterprise confirms the payable."""
    login(page, s, seller)
    page.goto(f"{s.url}/sme/invoices")
    page.set_input_files("#file", _csv(tmp, f"{step}.csv", [row]))
    page.select_option("#kind", "invoices")
    page.click("#upload-submit")
    page.wait_for_selector("#imported")
    shot(page, f"{step}-1-upload", docs=True)
    login(page, s, "core")
    page.locator("tr", has_text=amount).locator("input[name='receivable_ids[]']").first.check()
    page.click("#confirm-submit")
    page.wait_for_url("**/core?ok=saved")
    shot(page, f"{step}-2-confirmed", docs=True)


def test_a_factoring_from_application_to_repayment(page: Any, deals: Site, tmp_path: Path) -> None:
    s = deals
    today = s.clock.today() if s.clock else None
    assert today is not None
    row = _invoice(
        s,
        "distributor",
        24441000000000000101,
        "150000.00",
        today.isoformat(),
        (today + timedelta(days=60)).isoformat(),
    )
    # a distributor outside the key chains: no automatic offer, the bank prices it by hand
    _upload_and_confirm(page, s, tmp_path, "distributor", row, "150,000.00", "factoring")
    login(page, s, "distributor")
    page.select_option("#scenario", "receivables_factoring")
    page.select_option("#asset", _option(page, "#asset", "150,000.00"))
    for box in page.locator("input[name='funder_org_ids[]']").all():
        if box.get_attribute("value") != s.sample.orgs["bank"]:
            box.uncheck()
    page.fill("#amount", "120,000")
    page.click("#apply-submit")
    page.wait_for_url("**/sme?ok=saved")
    shot(page, "factoring-3-applied", docs=True)
    # the bank types its own price
    login(page, s, "bank")
    article = page.locator("article.financing-app", has_text="120,000.00")
    article.locator("input[name=rate]").fill("4.2")
    article.locator("button[value=typed]").click()
    page.wait_for_url("**/fi?ok=saved")
    shot(page, "factoring-4-priced", docs=True)
    login(page, s, "distributor")
    offer = page.locator("article.application", has_text="120,000.00")
    assert "4.20%" in offer.inner_text()
    offer.locator("button[id^=accept-]").click()
    page.wait_for_url("**/sme?ok=saved")
    shot(page, "factoring-5-accepted", docs=True)
    # registration, disbursement, repayment
    login(page, s, "bank")
    fin = page.locator("#financings tr.financing-row", has_text="120,000.00")
    fin.locator("button[id^=register-]").click()
    page.wait_for_url("**/fi?ok=saved")
    assert (
        page.locator("#financings tr.financing-row", has_text="120,000.00").locator("code").count()
        >= 1
    )
    shot(page, "factoring-6-registered", docs=True)
    page.locator("#financings tr.financing-row", has_text="120,000.00").locator(
        "button[id^=disburse-]"
    ).click()
    page.wait_for_url("**/fi?ok=saved")
    assert (
        "已放款" in page.locator("#financings tr.financing-row", has_text="120,000.00").inner_text()
    )
    shot(page, "factoring-7-disbursed", docs=True)
    page.locator("#financings tr.financing-row", has_text="120,000.00").locator(
        "button[id^=repay-submit-]"
    ).click()
    page.wait_for_url("**/fi?ok=saved")
    assert (
        "已结清" in page.locator("#financings tr.financing-row", has_text="120,000.00").inner_text()
    )
    shot(page, "factoring-8-repaid", docs=True)


def test_a_warehouse_pledge_with_a_margin_call(page: Any, deals: Site) -> None:
    s = deals
    login(page, s, "warehouse")
    for field, value in [
        ("holder_uscc", s.sample.usccs["sme1"]),
        ("commodity", "黄金"),
        ("grade", "Au99.99"),
        ("location", "罗湖金库3号"),
        ("quantity", "10000"),
        ("unit", "克"),
        ("lot", "SGE-2025-0042"),
        ("receipt_no", "WR-2025-0101"),
    ]:
        page.fill(f"#{field}", value)
    page.click("#goods-submit")
    page.wait_for_url("**/services?ok=saved*")
    shot(page, "pledge-1-goods", docs=True)
    login(page, s, "operator")
    page.fill("#commodity", "黄金")
    page.fill("#price-unit", "克")
    page.fill("#price", "450.00")
    page.fill("#price-source", "上海黄金交易所")
    page.click("#price-submit")
    page.wait_for_url("**/operator?ok=saved")
    shot(page, "pledge-2-price", docs=True)
    login(page, s, "sme1")
    page.select_option("#scenario", "warehouse_pledge")
    page.select_option("#asset", _option(page, "#asset", "WR-2025-0101"))
    page.fill("#quantity", "10000")
    for box in page.locator("input[name='funder_org_ids[]']").all():
        if box.get_attribute("value") != s.sample.orgs["bank"]:
            box.uncheck()
    page.fill("#amount", "250万")
    page.click("#apply-submit")
    page.wait_for_url("**/sme?ok=saved")
    shot(page, "pledge-3-applied", docs=True)
    login(page, s, "bank")
    by_hand = page.locator("article.financing-app", has_text="2,500,000.00").locator(
        "button[value=product]"
    )
    if by_hand.count():  # the product's price, unless the green channel offered it already
        by_hand.click()
        page.wait_for_url("**/fi?ok=saved")
    login(page, s, "sme1")
    page.locator("article.application", has_text="2,500,000.00").locator(
        "button[id^=accept-]"
    ).click()
    page.wait_for_url("**/sme?ok=saved")
    shot(page, "pledge-4-accepted", docs=True)
    login(page, s, "bank")
    row = "#financings tr.financing-row"
    page.locator(row, has_text="2,500,000.00").locator("button[id^=register-]").click()
    page.wait_for_url("**/fi?ok=saved")
    page.locator(row, has_text="2,500,000.00").locator("button[id^=disburse-]").click()
    page.wait_for_url("**/fi?ok=saved")
    shot(page, "pledge-5-disbursed", docs=True)
    # gold falls to 330.00 a gram: the loan passes the threshold and a margin call opens
    login(page, s, "operator")
    page.fill("#commodity", "黄金")
    page.fill("#price-unit", "克")
    page.fill("#price", "330.00")
    page.click("#price-submit")
    page.wait_for_url("**/operator?ok=saved")
    page.click("#mtm-submit")
    page.wait_for_url("**/operator?ok=saved")
    assert "待补足" in page.locator("#margin-calls").inner_text()
    shot(page, "pledge-6-margin-call", docs=True)
    login(page, s, "bank")
    calls = page.locator("#margin-calls").inner_text()
    assert "宝安动力电池材料有限公司" in calls and "25,000.00" in calls and "待补足" in calls
    shot(page, "pledge-7-funder", docs=True)


def test_the_life_of_a_certificate_from_invoice_to_settlement(
    page: Any, deals: Site, tmp_path: Path
) -> None:
    s = deals
    assert s.clock is not None
    today = s.clock.today()
    maturity = today + timedelta(days=33)
    # a refused file first: each bad row by its line
    login(page, s, "sme1")
    page.goto(f"{s.url}/sme/invoices")
    bad = _invoice(s, "sme1", 24441000000000000201, "300000.00", "2025-02-31", "")
    page.set_input_files("#file", _csv(tmp_path, "bad.csv", [bad]))
    page.click("#upload-submit")
    page.wait_for_selector("#refusals")
    assert (
        "第" in page.locator("#refusals").inner_text()
        or "2" in page.locator("#refusals").inner_text()
    )
    shot(page, "certificate-0-refused", docs=True)
    row = _invoice(
        s, "sme1", 24441000000000000202, "300000.00", today.isoformat(), maturity.isoformat()
    )
    _upload_and_confirm(page, s, tmp_path, "sme1", row, "300,000.00", "certificate")
    # the core enterprise issues a certificate on its line against the confirmed payable
    page.select_option("#receivable_id", _option(page, "#receivable_id", "300,000.00"))
    page.fill("#face", "300000")
    page.fill("#maturity_on", maturity.isoformat())
    page.click("#issue-submit")
    page.wait_for_url("**/core?ok=saved")
    assert page.locator("#certificates tr[id^=cert-]", has_text=maturity.isoformat()).count() == 1
    shot(page, "certificate-3-issued", docs=True)
    # the supplier splits it, pays its own supplier with one part and discounts the other
    login(page, s, "sme1")
    page.goto(f"{s.url}/sme/pieces")
    page.select_option("#split-piece", _option(page, "#split-piece", maturity.isoformat()))
    page.fill("#split-amount", "100,000")
    page.click("#split-submit")
    page.wait_for_url("**/sme/pieces?ok=saved")
    shot(page, "certificate-4-split", docs=True)
    page.select_option(
        "#transfer-piece", _option(page, "#transfer-piece", maturity.isoformat(), "100,000.00")
    )
    page.select_option("#receivable_id", _option(page, "#receivable_id", "龙华精密结构件有限公司"))
    page.click("#transfer-submit")
    page.wait_for_url("**/sme/pieces?ok=saved")
    shot(page, "certificate-5-transferred", docs=True)
    page.select_option(
        "#offer-piece", _option(page, "#offer-piece", maturity.isoformat(), "200,000.00")
    )
    page.select_option("#funder_org_id", s.sample.orgs["bank"])
    page.fill("#rate", "4.5")
    page.click("#offer-submit")
    page.wait_for_url("**/sme/pieces?ok=saved")
    offered = page.locator("#offers-list tr[id^=offer-]", has_text="200,000.00")
    assert "4.50%" in offered.inner_text()
    shot(page, "certificate-6-offered", docs=True)
    login(page, s, "bank")
    page.locator(".application:not(.financing-app)", has_text="200,000.00").locator(
        "button.primary"
    ).click()
    page.wait_for_url("**/fi?ok=saved")
    shot(page, "certificate-7-financed", docs=True)
    # at maturity the core enterprise pays every holder and reconciles its bank's statement
    s.clock.advance(timedelta(days=34))
    login(page, s, "core")
    page.locator("#certificates tr[id^=cert-]", has_text=maturity.isoformat()).locator(
        "button[id^=settle-]"
    ).click()
    page.wait_for_url("**/core?ok=saved")
    link = page.locator("#certificates tr[id^=cert-]", has_text=maturity.isoformat()).locator(
        "a[id^=pain001-]"
    )
    shot(page, "certificate-8-instructed", docs=True)
    xml = page.request.get(s.url + str(link.get_attribute("href"))).body()
    pays = re.findall(
        rb"<EndToEndId>([^<]+)</EndToEndId>.*?<InstdAmt Ccy=\"CNY\">([0-9.]+)</InstdAmt>", xml, re.S
    )
    assert len(pays) == 2  # the supplier's own supplier and the bank now hold it all
    statement = tmp_path / "camt053.xml"
    statement.write_bytes(
        certificates.build_camt053(
            [(e.decode(), Money.of(a.decode(), "CNY")) for e, a in pays], s.clock.today()
        )
    )
    page.set_input_files("#statement", str(statement))
    page.click("#statement-submit")
    page.wait_for_url("**/core?ok=reconciled*")
    assert (
        "已兑付"  # settled
        in page.locator("#certificates tr[id^=cert-]", has_text=maturity.isoformat()).inner_text()
    )
    shot(page, "certificate-9-settled", docs=True)
