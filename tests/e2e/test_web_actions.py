"""Each action a role has in the API has a page: trade files uploaded and refused by line and
rule, certificate pieces split, passed on and discounted, the access log, a funder's typed
price, registration, disbursement and repayment, and the core enterprise's settlement."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from scf.certificates import service as certificates
from scf.core.clock import FixedClock
from scf.core.money import Money
from scf.financing import service as financing
from scf.platform import Platform
from scf.trade import service as trade
from tests.e2e.test_web_pages import _csrf, _setup, login
from tests.factories import confirmed_receivable

DATA = Path(__file__).resolve().parents[1] / "data"
MIN_UBL = DATA / "einvoice" / "peppol-bis3-testfiles" / "Invoice-Min_content_with_VAT.xml"
HEAD = (
    "kind,number,invoice_code,seller_uscc,buyer_uscc,issue_date,due_date,currency,"
    "amount_without_tax,tax,total,order_number,credited_number\n"
)


def _post_file(
    client: TestClient, path: str, name: str, content: bytes, **data: str
) -> tuple[int, str]:
    r = client.post(
        path,
        data={"csrf": _csrf(client, path if path != "/core/statements" else "/core"), **data},
        files={"file": (name, content)},
    )
    return r.status_code, r.text


def _rows(html: str, table_id: str) -> list[str]:
    m = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert m, f"no table {table_id}"
    return re.findall(r"<tr>(.*?)</tr>", m.group(1).split("<tbody>", 1)[1], re.S)


def test_a_csv_of_invoices_is_refused_by_line_then_imported(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    login(client, "sme1")
    parties = f"{s.usccs['sme1']},{s.usccs['core']}"
    good = f"invoice,24449000000000000001,,{parties},2025-03-20,,CNY,100.00,13.00,113.00,,"
    bad_date = f"invoice,24449000000000000002,,{parties},2025-02-31,,CNY,100.00,13.00,113.00,,"
    bad_total = f"invoice,24449000000000000003,,{parties},2025-03-20,,CNY,100.00,13.00,999.00,,"
    csv = HEAD + "\n".join([good, bad_date, good.replace("0001", "0004"), bad_total]) + "\n"
    with platform.uow(s.actors["sme1"]) as uow:
        before = len(trade.list_receivables(uow, limit=500)[0])
    status, html = _post_file(
        client, "/sme/invoices", "invoices.csv", csv.encode(), kind="invoices", action="import"
    )
    assert status == 422 and 'id="refusals"' in html
    rows = _rows(html, "refusal-list")
    lines = [re.search(r'<td class="num">(\d+)</td>', r) for r in rows]
    assert [int(m.group(1)) for m in lines if m] == [3, 5]
    assert "开具日期" in rows[0] and "价税合计" in rows[1]  # each field by its label
    with platform.uow(s.actors["sme1"]) as uow:
        assert len(trade.list_receivables(uow, limit=500)[0]) == before  # nothing landed
    # the same file saved by a Chinese Excel (GB18030), now without the bad rows
    fixed = (HEAD + good + "\n" + good.replace("0001", "0004") + "\n").encode("gb18030")
    status, html = _post_file(
        client, "/sme/invoices", "发票.csv", fixed, kind="invoices", action="import"
    )
    assert status == 200 and 'id="imported"' in html and "2" in html
    with platform.uow(s.actors["sme1"]) as uow:
        assert len(trade.list_receivables(uow, limit=500)[0]) == before + 2
    # no file at all: the field says so, nothing else happens
    r = client.post(
        "/sme/invoices",
        data={"csrf": _csrf(client, "/sme/invoices"), "action": "import"},
        files={"file": ("empty.csv", b"")},
    )
    assert r.status_code == 422 and "请选择要上传的文件" in r.text


def test_an_e_invoice_is_checked_rule_by_rule_and_imported(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    login(client, "sme1")
    good = MIN_UBL.read_bytes().replace(b"SEK", b"CNY")
    broken = good.replace(b">500</cbc:TaxInclusiveAmount>", b">501</cbc:TaxInclusiveAmount>")
    status, html = _post_file(client, "/sme/invoices", "bad.xml", broken, action="check")
    assert status == 200 and 'id="findings"' in html and "<code>BR-CO-15</code>" in html
    assert "未通过 EN 16931 规则校验" in html and 'id="imported"' not in html
    # importing it is refused, and the page still lists every rule it breaks
    status, html = _post_file(
        client, "/sme/invoices", "bad.xml", broken, action="import", buyer_org_id=s.orgs["core"]
    )
    assert status == 422 and "BR-CO-15" in html and 'id="refusals"' in html
    status, html = _post_file(
        client, "/sme/invoices", "good.xml", good, action="import", buyer_org_id=s.orgs["core"]
    )
    assert status == 200 and 'id="imported"' in html, html[-3000:]
    html = client.get("/sme").text
    receivables = html.split('id="receivables"', 1)[1].split("</section>", 1)[0]
    row = next(
        r for r in receivables.split("<tr") if 'data-amount="500.00" data-currency="CNY"' in r
    )
    assert "坪山新能源汽车股份有限公司" in row  # the buyer chosen on the form


def test_receivables_and_payables_stand_apart_with_what_is_missing(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    _setup(platform, clock)
    login(client, "sme1")
    html = client.get("/sme").text
    receivables = html.split('id="receivables"', 1)[1].split("</section>", 1)[0]
    payables = html.split('id="payables"', 1)[1].split("</section>", 1)[0]
    assert "龙华精密结构件有限公司" in payables and "龙华精密结构件有限公司" not in receivables
    assert "坪山新能源汽车股份有限公司" in receivables
    assert "无采购订单" in receivables  # NO_ORDER, by its label
    assert "NO_ORDER" not in re.sub(r'data-code="[^"]*"', "", receivables)


def test_pieces_are_split_passed_on_against_a_payable_and_discounted(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    login(client, "sme1")
    with platform.uow(s.actors["sme1"]) as uow:
        (piece,) = [
            p for p in certificates.list_pieces(uow) if p.certificate_id == s.certificate_id
        ]
    face = piece.face
    html = client.get("/sme/pieces").text
    assert "坪山新能源汽车股份有限公司" in html and piece.id in html
    token = _csrf(client, "/sme/pieces")
    # more than the piece: refused beside the field, what was typed kept
    r = client.post(
        "/sme/pieces/split", data={"csrf": token, "piece_id": piece.id, "amount": "9,999,999"}
    )
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and "9,999,999" in r.text
    r = client.post(
        "/sme/pieces/split", data={"csrf": token, "piece_id": piece.id, "amount": "５万"}
    )
    assert r.status_code == 200 and r.url.path == "/sme/pieces"
    with platform.uow(s.actors["sme1"]) as uow:
        held = {
            p.face.amount_str()
            for p in certificates.list_pieces(uow)
            if p.certificate_id == s.certificate_id
        }
    assert "50000.00" in held and (face - Money.of("50000.00", "CNY")).amount_str() in held
    with platform.uow(s.actors["sme1"]) as uow:
        mine = [p for p in certificates.list_pieces(uow) if p.certificate_id == s.certificate_id]
        small = next(p for p in mine if p.face.amount_str() == "50000.00")
        payable = next(
            r
            for r in trade.list_receivables(uow, limit=500)[0]
            if r.debtor_org_id == s.orgs["sme1"] and r.unused_confirmed.is_positive()
        )
    # the payable to sme2 is the trade background: sme2 receives the amount
    r = client.post(
        "/sme/pieces/transfer",
        data={"csrf": token, "piece_id": small.id, "receivable_id": payable.id, "amount": "20000"},
    )
    assert r.status_code == 200, re.findall(r"role=.alert.>([^<]*)", r.text)
    with platform.uow(s.actors["sme2"]) as uow:
        assert any(p.face.amount_str() == "20000.00" for p in certificates.list_pieces(uow))
    with platform.uow(s.actors["sme1"]) as uow:
        rest = next(
            p
            for p in certificates.list_pieces(uow)
            if p.certificate_id == s.certificate_id and p.face.amount_str() == "30000.00"
        )
    r = client.post(
        "/sme/pieces/offer",
        data={"csrf": token, "piece_id": rest.id, "funder_org_id": s.orgs["bank"], "rate": "4.5"},
    )
    assert r.status_code == 200
    offers = r.text.split('id="offers-list"', 1)[1].split("</table>", 1)[0]
    row = next(x for x in offers.split("<tr") if "4.50%" in x)
    assert "¥30,000.00" in row and "待机构受让" in row
    # the price, the fees and the proceeds, each below the face
    price, fee, proceeds = re.findall(r'data-amount="([0-9.]+)"', row)[1:4]
    assert Decimal(proceeds) < Decimal(price) < Decimal(30000) and Decimal(fee) > 0
    fid = re.findall(r"/sme/pieces/offers/([^/]+)/withdraw", row)
    assert fid
    r = client.post(f"/sme/pieces/offers/{fid[-1]}/withdraw", data={"csrf": token})
    assert r.status_code == 200
    with platform.uow(s.actors["sme1"]) as uow:
        mine = [f for f in certificates.financing_records(uow) if f["id"] == fid[-1]]
    assert mine[0]["status"] == "withdrawn"


def test_the_access_log_names_who_read_the_data(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    login(client, "sme1")
    r = client.post(
        "/sme/consents",
        data={
            "csrf": _csrf(client, "/sme"),
            "grantee_org_id": s.orgs["bank"],
            "scopes[]": ["profile", "trade", "financing", "credit"],
        },
    )
    assert r.status_code == 200
    login(client, "bank")
    assert client.get("/fi").status_code == 200  # reads the applicants' risk views by consent
    login(client, "sme1")
    html = client.get("/sme/access").text
    log = html.split('id="access-log"', 1)[1].split("</table>", 1)[0]
    assert "深圳前海示范银行股份有限公司" in log and "依授权" in log


def test_a_funder_types_its_price_registers_disburses_and_books_the_repayment(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    # an enterprise outside the key chains: its application waits for the funders' prices
    seller = "distributor"
    rid = confirmed_receivable(platform, s.orgs[seller], s.orgs["core"], "80000.00", due_in_days=60)
    with platform.uow(s.actors[seller]) as uow:
        app = financing.submit_application(
            uow,
            financing.ApplicationInput(
                scenario="receivables_factoring",
                amount=Money.of("60000.00", "CNY"),
                asset={"receivable_id": rid},
                funder_org_ids=[s.orgs["bank"]],
            ),
        )
    assert app.status == "sent", (app.status, app.checks)
    login(client, "bank")
    html = client.get("/fi").text
    assert f'id="rate-{app.id}"' in html
    token = _csrf(client, "/fi")
    r = client.post(
        f"/fi/applications/{app.id}/offer",
        data={"csrf": token, "rate": "１２０", "pricing": "typed"},
    )
    assert r.status_code == 422 and f'id="rate-{app.id}"' in r.text
    r = client.post(
        f"/fi/applications/{app.id}/offer", data={"csrf": token, "rate": "4.2", "pricing": "typed"}
    )
    assert r.status_code == 200
    with platform.uow(s.actors[seller]) as uow:
        (offer,) = financing.offers_of(uow, financing.get_application(uow, app.id))
        assert Decimal(offer.rate) == Decimal("0.042")  # the rate typed, not the product's
        financing.accept_offer(uow, offer.id, "web-accept-1")
    r = client.post(f"/fi/applications/{app.id}/register", data={"csrf": token})
    assert r.status_code == 200 and f'id="disburse-{app.id}"' in r.text
    row = r.text.split(f'id="fin-{app.id}"', 1)[1].split("</tr>", 1)[0]
    assert "<code>" in row  # the registration number filed
    r = client.post(
        f"/fi/applications/{app.id}/disburse", data={"csrf": token, "idem": "web-disb-1"}
    )
    assert r.status_code == 200 and f'id="repay-{app.id}"' in r.text
    r = client.post(
        f"/fi/applications/{app.id}/repay",
        data={"csrf": token, "idem": "web-repay-1", "amount": "60,000.00"},
    )
    assert r.status_code == 200
    with platform.uow(s.actors["bank"]) as uow:
        assert financing.get_application(uow, app.id).status == "closed"


def test_the_core_enterprise_pays_the_holders_and_reconciles_the_statement(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)  # the short certificate matured five days ago
    login(client, "core")
    html = client.get("/core").text
    cid = s.short_certificate_id
    assert f'id="settle-{cid}"' in html
    r = client.post(f"/core/certificates/{cid}/settlement", data={"csrf": _csrf(client, "/core")})
    assert r.status_code == 200 and f'id="pain001-{cid}"' in r.text
    xml = client.get(f"/core/certificates/{cid}/pain001")
    assert xml.status_code == 200 and b"pain.001.001.09" in xml.content
    pays = re.findall(
        rb"<EndToEndId>([^<]+)</EndToEndId>.*?<InstdAmt Ccy=\"CNY\">([0-9.]+)</InstdAmt>",
        xml.content,
        re.S,
    )
    assert pays
    camt = certificates.build_camt053(
        [(e.decode(), Money.of(a.decode(), "CNY")) for e, a in pays], clock.today()
    )
    status, html = _post_file(client, "/core/statements", "camt053.xml", camt)
    assert status == 200, html[-2000:]
    with platform.uow(s.actors["core"]) as uow:
        assert certificates.get_certificate(uow, cid).status == "settled"


def test_the_operator_posts_prices_and_the_funder_sees_the_margin_call(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    from scf.registry import service as registry

    s = _setup(platform, clock)
    with platform.uow(s.actors["warehouse"]) as uow:
        registry.confirm_goods(
            uow,
            registry.GoodsInput(
                holder_org_id=s.orgs["sme1"],
                commodity="黄金",
                grade="Au99.99",
                location="罗湖金库3号",
                quantity="10000",
                unit="克",
                lot="SGE-2025-0042",
                receipt_nos=["WR-2025-0001"],
            ),
        )
    login(client, "operator")
    token = _csrf(client, "/operator")
    price = {"csrf": token, "commodity": "黄金", "unit": "克", "source": "上海黄金交易所"}
    r = client.post("/operator/prices", data={**price, "price": "abc"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    r = client.post("/operator/prices", data={**price, "price": "450.00"})
    assert r.status_code == 200
    assert "¥450.00" in r.text.split('id="price-list"', 1)[1].split("</table>", 1)[0]
    with platform.uow(s.actors["bank"]) as uow:
        financing.create_product(
            uow,
            scenario="warehouse_pledge",
            name="仓单质押融资",
            base_rate=Decimal("0.045"),
            max_amount=Money.of("5000000.00", "CNY"),
            rate_groups=[],
        )
    with platform.uow(s.actors["sme1"]) as uow:
        (goods,) = [g for g in registry.goods_held(uow) if g["commodity"] == "黄金"]
        app = financing.submit_application(
            uow,
            financing.ApplicationInput(
                scenario="warehouse_pledge",
                amount=Money.of("2500000.00", "CNY"),
                asset={"receipt": goods["receipts"][0], "quantity": "10000", "tenor_days": 90},
                funder_org_ids=[s.orgs["bank"]],
            ),
        )
    if app.status == "sent":
        with platform.uow(s.actors["bank"]) as uow:
            financing.make_offer(uow, app.id)
    with platform.uow(s.actors["sme1"]) as uow:
        (offer,) = financing.offers_of(uow, financing.get_application(uow, app.id))
        financing.accept_offer(uow, offer.id, "web-pledge-accept")
    with platform.uow(s.actors["bank"]) as uow:
        financing.register(uow, app.id)
    with platform.uow(s.actors["bank"]) as uow:
        financing.disburse(uow, app.id, "web-pledge-disburse")
    # gold falls: 10,000 g x 330.00 puts the loan past the threshold
    r = client.post("/operator/prices", data={**price, "price": "330.00"})
    assert r.status_code == 200
    r = client.post("/operator/mark-to-market", data={"csrf": token})
    assert r.status_code == 200
    calls = r.text.split('id="margin-calls"', 1)[1].split("</table>", 1)[0]
    assert "宝安动力电池材料有限公司" in calls and "待补足" in calls
    login(client, "bank")
    calls = client.get("/fi").text.split('id="margin-calls"', 1)[1].split("</table>", 1)[0]
    assert "¥25,000.00" in calls and "¥3,300,000.00" in calls and "待补足" in calls
