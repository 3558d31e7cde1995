"""Trade intake, confirmation, matching, authenticity and fingerprints on both backends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.errors import Conflict, InvalidInput
from scf.core.money import Money
from scf.parties import service as parties
from scf.platform import Platform
from scf.trade import csvio
from scf.trade import service as trade
from scf.trade.tables import InvoiceRow
from tests.factories import add_org, confirmed_receivable

DATA = Path(__file__).resolve().parents[1] / "data"
_n = iter(range(1, 10_000))


def actor(platform: Platform, org_id: str) -> Actor:
    with platform.uow(Actor.system()) as uow:
        org = parties.find_organization(uow, org_id)
        return Actor(None, org.id, frozenset(org.roles), org.name)


def uscc(platform: Platform, org_id: str) -> str:
    with platform.uow(Actor.system()) as uow:
        return parties.find_organization(uow, org_id).uscc


def number() -> str:
    return f"{24440000000000000000 + next(_n) * 104729:020d}"


class Trade:
    """A seller and a buyer with helpers to file documents as each."""

    def __init__(self, platform: Platform, **seller_kw: Any) -> None:
        self.p = platform
        self.seller = add_org(platform, "supplier", **seller_kw)
        self.buyer = add_org(platform, "core_enterprise", size_class="large")
        self.s_uscc, self.b_uscc = uscc(platform, self.seller), uscc(platform, self.buyer)
        self.as_seller, self.as_buyer = actor(platform, self.seller), actor(platform, self.buyer)
        self.today = date(2025, 3, 3)

    def order(self, num: str = "PO-1", qty: str = "100", price: str = "10.00") -> None:
        with self.p.uow(self.as_buyer) as uow:
            trade.record_orders(
                uow,
                [
                    trade.OrderInput(
                        number=num,
                        seller_uscc=self.s_uscc,
                        buyer_uscc=self.b_uscc,
                        issue_date=self.today - timedelta(days=30),
                        currency="CNY",
                        lines=[trade.LineInput("Steel coil 钢卷", qty, price, 1)],
                    )
                ],
            )

    def ship(self, kind: str, qty: str = "100", num: str = "PO-1", days_ago: int = 20) -> None:
        who = self.as_buyer if kind == "receipt" else self.as_seller
        with self.p.uow(who) as uow:
            trade.record_shipments(
                uow,
                [
                    trade.ShipmentInput(
                        kind=kind,
                        number=f"{kind}-{next(_n)}",
                        order_number=num,
                        seller_uscc=self.s_uscc,
                        buyer_uscc=self.b_uscc,
                        on_date=self.today - timedelta(days=days_ago),
                        lines=[trade.ShipmentLineInput(1, qty)],
                    )
                ],
            )

    def invoice_input(self, **over: Any) -> trade.InvoiceInput:
        qty = over.pop("qty", "100")
        price = over.pop("price", "10.00")
        net = Decimal(qty) * Decimal(price)
        base: dict[str, Any] = dict(
            number=number(),
            seller_uscc=self.s_uscc,
            buyer_uscc=self.b_uscc,
            issue_date=self.today - timedelta(days=10),
            due_date=self.today + timedelta(days=80),
            currency="CNY",
            amount_without_tax=str(net),
            tax=str(net * Decimal("0.13")),
            total=str(net * Decimal("1.13")),
            order_number="PO-1",
            lines=[trade.LineInput("Steel coil 钢卷", qty, price, 1)],
        )
        base.update(over)
        return trade.InvoiceInput(**base)

    def invoice(self, as_buyer: bool = False, **over: Any) -> str:
        with self.p.uow(self.as_buyer if as_buyer else self.as_seller) as uow:
            (inv_id,) = trade.record_invoices(uow, [self.invoice_input(**over)])
        return inv_id

    def receivable(self, invoice_id: str) -> trade.ReceivableInfo:
        with self.p.uow(Actor.system()) as uow:
            for r in trade.receivables_between(
                uow, self.seller, self.buyer, with_unused_confirmed=False
            ):
                if r.invoice_ids == (invoice_id,):
                    return r
        raise AssertionError("no receivable")

    def confirm(self, rid: str, amount: Money | None = None) -> trade.ReceivableInfo:
        with self.p.uow(self.as_buyer) as uow:
            return trade.confirm_receivable(uow, rid, amount)

    def assess(self, rid: str) -> list[str]:
        with self.p.uow(Actor.system()) as uow:
            return trade.assess_authenticity(uow, rid).codes

    def full(self) -> str:
        """A clean trade: order, delivery, receipt, invoice, confirmation."""
        self.order()
        self.ship("delivery")
        self.ship("receipt", days_ago=18)
        rid = self.receivable(self.invoice()).id
        self.confirm(rid)
        return rid


def count(platform: Platform, table: Any) -> int:
    with platform.uow(Actor.system()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_clean_trade_scores_100_and_uses_confirmed_amount(platform: Platform) -> None:
    t = Trade(platform)
    rid = t.full()
    with platform.uow(Actor.system()) as uow:
        a = trade.assess_authenticity(uow, rid)
    assert a.codes == [] and a.score == 100, a.summary
    with platform.uow(Actor.system()) as uow:
        info = trade.use_receivable(
            uow, rid, Money.of("500.00", "CNY"), purpose="certificate", reference="cert-1"
        )
        assert info.used == Money.of("500.00", "CNY") and info.status == "partially_used"
        with pytest.raises(Conflict) as err:
            trade.use_receivable(
                uow, rid, Money.of("99999.00", "CNY"), purpose="certificate", reference="x"
            )
        assert err.value.code == "receivable_exhausted" and "630.00" in err.value.message
        info = trade.release_receivable(uow, rid, Money.of("500.00", "CNY"), reference="cert-1")
        assert info.used.is_zero() and info.status == "confirmed"
        uow.commit()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"total": "1.00"}, "total"),
        ({"currency": "XYZ"}, "currency"),
        ({"qty": "-5"}, "lines[1].quantity"),
        ({"buyer_uscc": "SELLER"}, "buyer_uscc"),
        ({"seller_uscc": "91440300MA5FXXXX1X"}, "seller_uscc"),
        ({"number": "12345"}, "number"),
        ({"amount_without_tax": 1000.0}, "amount_without_tax"),
    ],
)
def test_bad_invoice_is_refused_and_nothing_written(
    platform: Platform, over: dict[str, Any], field: str
) -> None:
    t = Trade(platform)
    t.order()
    if over.get("buyer_uscc") == "SELLER":
        over["buyer_uscc"] = t.s_uscc
    before = count(platform, InvoiceRow)
    with platform.uow(t.as_seller) as uow, pytest.raises(InvalidInput) as err:
        trade.record_invoices(uow, [t.invoice_input(), t.invoice_input(**over)])
    assert field in [e.field for e in err.value.errors], err.value.errors
    assert all(e.line == 2 for e in err.value.errors if e.field == field)
    assert count(platform, InvoiceRow) == before


def test_csv_reports_every_bad_row_and_lands_whole(platform: Platform) -> None:
    t = Trade(platform)
    head = csvio.template_header("invoices")
    good = f"invoice,{number()},,{t.s_uscc},{t.b_uscc},2025-02-01,,CNY,100.00,13.00,113.00,,"
    bad1 = f"invoice,{number()},,{t.s_uscc},{t.b_uscc},2025-02-31,,CNY,100.00,13.00,113.00,,"
    bad2 = f"invoice,{number()},,{t.s_uscc},{t.b_uscc},2025-02-01,,CNY,100.00,13.00,999.00,,"
    with platform.uow(t.as_seller) as uow, pytest.raises(InvalidInput) as err:
        csvio.import_csv(uow, "invoices", head + "\n".join([good, bad1, good, bad2]) + "\n")
    assert {(e.line, e.field) for e in err.value.errors} >= {(3, "issue_date"), (5, "total")}
    assert count(platform, InvoiceRow) == 0
    with platform.uow(t.as_seller) as uow:
        assert len(csvio.import_csv(uow, "invoices", head + good + "\n")["ids"]) == 1


def test_every_example_file_imports(platform: Platform) -> None:
    buyer = add_org(platform, "core_enterprise", size_class="large")
    files = sorted(
        p
        for d in ("ubl-examples", "cii-examples", "peppol-bis3-testfiles")
        for p in (DATA / "einvoice" / d).glob("*.xml")
    )
    imported = 0
    for path in files:
        seller = add_org(platform, "supplier")
        with platform.uow(actor(platform, seller)) as uow:
            out = trade.import_files(
                uow, [(path.name, path.read_bytes())], seller_org_id=seller, buyer_org_id=buyer
            )
        (inv_id,) = out["invoice_ids"]
        with platform.uow(Actor.system()) as uow:
            inv = trade.get_invoice(uow, inv_id)
            row = uow.session.get(InvoiceRow, inv_id)
            assert row is not None and row.document is not None
            stored = row.document["validation"]
        assert stored["valid"] and stored["mode"] == "official"
        assert stored["artifacts"]["factur-x"] and stored["artifacts"]["ubl"]
        assert all(
            set(f) >= {"rule", "flag", "location", "message"} and f["flag"] == "warning"
            for f in stored["findings"]
        )
        rep = trade.read_file(path.read_bytes()).document
        assert rep is not None
        assert inv["number"] == rep.number and inv["total"]["currency"] == rep.currency
        assert Decimal(inv["total"]["amount"]) == abs(rep.tax_inclusive or 0)
        if rep.assigned_to_factor:
            assert inv["payee"] is not None
        imported += 1
    assert imported == len(files) >= 60


def test_pln_invoice_verdict_agrees_in_validate_and_import(platform: Platform) -> None:
    """Any ISO 4217 currency is a trade document's; validate and import say the same."""
    raw = DATA / "einvoice" / "peppol-bis3-testfiles" / "Invoice-Min_content_with_VAT.xml"
    pln = raw.read_bytes().replace(b"SEK", b"PLN")
    report = trade.read_file(pln)
    assert report.document is not None and report.document.currency == "PLN"
    assert report.failures == ()
    seller, buyer = add_org(platform, "supplier"), add_org(platform, "core_enterprise")
    with platform.uow(actor(platform, seller)) as uow:
        out = trade.import_files(uow, [("pln.xml", pln)], seller_org_id=seller, buyer_org_id=buyer)
    with platform.uow(Actor.system()) as uow:
        inv = trade.get_invoice(uow, out["invoice_ids"][0])
    assert inv["total"] == {"amount": "500.00", "currency": "PLN"}
    broken = pln.replace(b">500</cbc:TaxInclusiveAmount>", b">501</cbc:TaxInclusiveAmount>")
    assert trade.read_file(broken).failures
    with platform.uow(actor(platform, seller)) as uow, pytest.raises(InvalidInput) as err:
        trade.import_files(uow, [("bad.xml", broken)], seller_org_id=seller, buyer_org_id=buyer)
    assert "BR-CO-15" in str(err.value.errors)


def test_unknown_party_in_file_is_refused(platform: Platform) -> None:
    seller = add_org(platform, "supplier")
    path = DATA / "einvoice" / "peppol-bis3-testfiles" / "Invoice-Min_content_with_VAT.xml"
    with platform.uow(actor(platform, seller)) as uow, pytest.raises(InvalidInput) as err:
        trade.import_files(uow, [(path.name, path.read_bytes())], seller_org_id=seller)
    assert "buyer" in err.value.message and "not on the platform" in err.value.message


def test_debtor_upload_confirms_and_partial_confirmation(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    by_debtor = t.receivable(t.invoice(as_buyer=True))
    assert by_debtor.confirmed == by_debtor.amount and by_debtor.status == "confirmed"
    rid = t.receivable(t.invoice()).id
    info = t.confirm(rid, Money.of("400.00", "CNY"))
    assert info.confirmed == Money.of("400.00", "CNY")
    with platform.uow(t.as_seller) as uow, pytest.raises(InvalidInput):
        trade.confirm_receivable(uow, rid)
    with platform.uow(t.as_buyer) as uow, pytest.raises(InvalidInput) as err:
        trade.confirm_receivables(uow, [(rid, None), (rid, Money.of("99999", "CNY"))])
    assert err.value.errors[0].line == 2


def test_duplicate_submitted_by_second_institution_is_caught(platform: Platform) -> None:
    t = Trade(platform)
    rid = t.full()
    bank_a = add_org(platform, "bank")
    bank_b = add_org(platform, "factoring_company")
    with platform.uow(Actor.system()) as uow:
        info = trade.receivable_info(uow, rid)
        inv = uow.session.get(InvoiceRow, info.invoice_ids[0])
        assert inv is not None
        digest_fp = trade.invoice_fingerprint(
            platform.settings.secret_key,
            t.s_uscc,
            t.b_uscc,
            inv.number,
            inv.issue_date,
            Money(inv.total_minor, "CNY"),
        )
    assert digest_fp == info.fingerprints[0]
    from scf.trade.model import invoice_digest

    digest = invoice_digest(
        t.s_uscc, t.b_uscc, inv.number, inv.issue_date, Money(inv.total_minor, "CNY")
    )
    with platform.uow(actor(platform, bank_a)) as uow:
        first = trade.submit_fingerprint(uow, digest)
    assert first.on_platform and first.institutions == 0
    with platform.uow(actor(platform, bank_a)) as uow:
        trade.mark_fingerprint(uow, digest_fp, "financed", by_org_id=bank_a)
        uow.commit()
    with platform.uow(actor(platform, bank_b)) as uow:
        second = trade.submit_fingerprint(uow, digest)
    assert second.financed and second.institutions >= 1
    assert "org" not in str(second.as_dict())
    assert "DUPLICATE_INVOICE" in t.assess(rid)


def test_camt_statement_records_and_matches_payment(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    inv_id = t.invoice(number="00000000000012345678".rjust(20, "0"))
    xml = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>S1</Id><Acct><Id><IBAN>CN00TEST</IBAN></Id></Acct>
<Ntry><NtryRef>E1</NtryRef><Amt Ccy="CNY">1130.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2025-03-01</Dt></BookgDt><ValDt><Dt>2025-03-01</Dt></ValDt>
<NtryDtls><TxDtls><RmtInf><Ustrd>Invoice 00000000000012345678</Ustrd></RmtInf></TxDtls></NtryDtls>
</Ntry></Stmt></BkToCstmrStmt></Document>"""
    with platform.uow(t.as_seller) as uow:
        out = trade.import_files(uow, [("stmt.xml", xml)])
    assert out["payments"][0]["invoice_id"] == inv_id
    assert t.receivable(inv_id).status == "settled"


# ---------------------------------------------------------------- each reason code


def test_reason_no_order_delivery_receipt(platform: Platform) -> None:
    t = Trade(platform)
    rid = t.receivable(t.invoice(order_number=None)).id
    t.confirm(rid)
    assert "NO_ORDER" in t.assess(rid)
    t.order("PO-2")
    rid2 = t.receivable(t.invoice(order_number="PO-2")).id
    t.confirm(rid2)
    codes = t.assess(rid2)
    assert "NO_ORDER" not in codes and {"NO_DELIVERY", "NO_RECEIPT"} <= set(codes)
    clean = Trade(platform).full()
    assert not {"NO_ORDER", "NO_DELIVERY", "NO_RECEIPT"} & set(t.assess(clean))


def test_reason_quantity_amount_date(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    t.ship("delivery", qty="50")
    t.ship("receipt", qty="50", days_ago=18)
    rid = t.receivable(t.invoice(qty="100")).id
    t.confirm(rid)
    assert "QUANTITY_MISMATCH" in t.assess(rid)
    u = Trade(platform)
    u.order()
    u.ship("delivery")
    u.ship("receipt", days_ago=18)
    rid = u.receivable(u.invoice(price="12.00")).id
    u.confirm(rid)
    codes = u.assess(rid)
    assert "AMOUNT_MISMATCH" in codes and "QUANTITY_MISMATCH" not in codes
    w = Trade(platform)
    w.order()
    w.ship("delivery", days_ago=5)
    w.ship("receipt", days_ago=8)
    rid = w.receivable(w.invoice()).id
    w.confirm(rid)
    assert "DATE_INCONSISTENT" in w.assess(rid)
    clean = Trade(platform).full()
    assert not {"QUANTITY_MISMATCH", "AMOUNT_MISMATCH", "DATE_INCONSISTENT"} & set(t.assess(clean))


def test_partial_deliveries_and_several_invoices(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    t.ship("delivery", qty="60")
    t.ship("receipt", qty="60", days_ago=18)
    first = t.receivable(t.invoice(qty="60")).id
    t.ship("delivery", qty="40", days_ago=12)
    t.ship("receipt", qty="40", days_ago=11)
    second = t.receivable(t.invoice(qty="40", issue_date=t.today - timedelta(days=9))).id
    third = t.receivable(t.invoice(qty="40", issue_date=t.today - timedelta(days=1))).id
    for r in (first, second, third):
        t.confirm(r)
    assert "QUANTITY_MISMATCH" not in t.assess(first)
    assert "QUANTITY_MISMATCH" not in t.assess(second)
    assert "QUANTITY_MISMATCH" in t.assess(third)


def test_reason_near_duplicate_and_credited(platform: Platform) -> None:
    t = Trade(platform)
    rid = t.full()
    assert "NEAR_DUPLICATE_INVOICE" not in t.assess(rid)
    twin = t.receivable(t.invoice(qty="100.5", issue_date=t.today - timedelta(days=8))).id
    assert "NEAR_DUPLICATE_INVOICE" in t.assess(twin)
    assert "INVOICE_CREDITED" not in t.assess(rid)
    with platform.uow(Actor.system()) as uow:
        inv = uow.session.get(InvoiceRow, trade.receivable_info(uow, rid).invoice_ids[0])
        assert inv is not None
        orig = inv.number
    t.invoice(
        kind="credit_note",
        credited_number=orig,
        qty="10",
        order_number=None,
        lines=[],
    )
    assert "INVOICE_CREDITED" in t.assess(rid)
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, rid).amount == Money.of("1017.00", "CNY")


def test_reason_not_confirmed_related_too_new_price(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    t.ship("delivery")
    t.ship("receipt", days_ago=18)
    rid = t.receivable(t.invoice()).id
    assert "DEBTOR_NOT_CONFIRMED" in t.assess(rid)
    t.confirm(rid)
    assert "DEBTOR_NOT_CONFIRMED" not in t.assess(rid)
    assert "RELATED_PARTIES" not in t.assess(rid)
    with platform.uow(Actor(None, None, frozenset({"operator"}), "op")) as uow:
        parties.add_shareholding(uow, t.seller, Decimal("0.6"), holder_org_id=t.buyer)
    assert "RELATED_PARTIES" in t.assess(rid)
    assert "SELLER_TOO_NEW" not in t.assess(rid)
    young = Trade(platform, founded_on=date(2024, 12, 1)).full()
    assert "SELLER_TOO_NEW" in t.assess(young)
    p = Trade(platform)
    p.order(qty="1000")
    p.ship("delivery", qty="1000")
    p.ship("receipt", qty="1000", days_ago=18)
    for _ in range(3):
        p.confirm(p.receivable(p.invoice(qty="10")).id)
    normal = p.receivable(p.invoice(qty="10", issue_date=p.today - timedelta(days=2))).id
    assert "PRICE_OUTLIER" not in p.assess(normal)
    odd = p.receivable(p.invoice(qty="10", price="25.00", issue_date=p.today)).id
    assert "PRICE_OUTLIER" in p.assess(odd)


def test_factory_confirmed_receivable(platform: Platform) -> None:
    s = add_org(platform, "supplier")
    c = add_org(platform, "core_enterprise", size_class="large")
    rid = confirmed_receivable(platform, s, c, amount="5000.00")
    with platform.uow(Actor.system()) as uow:
        info = trade.receivable_info(uow, rid)
        assert info.unused_confirmed == Money.of("5000.00", "CNY")
        summary = trade.trade_summary(uow, s)
    assert summary["invoices_issued"] == 1 and summary["confirmation_rate"] == "1"
