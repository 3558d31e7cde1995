"""Certificates on the database: issue, split, transfer, finance, settle, default, reach."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from scf.certificates import service as certs
from scf.certificates.tables import CertificateRow, PieceRow
from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.clock import FixedClock
from scf.core.errors import Conflict, DomainError, InvalidInput, NotFound, RuleViolation
from scf.core.money import Money
from scf.platform import Platform
from scf.trade import service as trade
from tests.factories import add_org
from tests.integration.certificates_helpers import Chain, camt053

CNY = "CNY"


def m(x: str) -> Money:
    return Money.of(x, CNY)


def snapshot(platform: Platform) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    with platform.uow(Actor.system()) as uow:
        s = uow.session
        pieces = tuple(
            s.execute(
                select(PieceRow.id, PieceRow.status, PieceRow.holder_org_id).order_by(PieceRow.id)
            ).all()
        )
        certs_ = tuple(s.execute(select(CertificateRow.id, CertificateRow.status)).all())
        lines = tuple((ln.id, ln.used_minor) for ln in certs.list_lines(uow))
        audit = s.scalar(select(func.count()).select_from(AuditEntry))
        return pieces, certs_, lines, audit


def refused(platform: Platform, fn: Any, code: str | None = None) -> DomainError:
    before = snapshot(platform)
    with pytest.raises(DomainError) as e:
        fn()
    assert snapshot(platform) == before, "a refused command changed something"
    if code is not None:
        assert e.value.code == code, e.value.message
    return e.value


@pytest.fixture
def chain(platform: Platform) -> Chain:
    return Chain.build(platform)


def test_issue_consumes_receivables_and_line_and_registers(
    platform: Platform, chain: Chain
) -> None:
    cid = chain.issue("600000.00", date(2025, 8, 30))  # a Saturday
    with platform.uow(chain.actors[chain.core]) as uow:
        cert = certs.get_certificate(uow, cid)
        assert cert.maturity_on == date(2025, 9, 1)  # rolled to Monday, inside six months
        assert cert.registration_id
        (root,) = certs.pieces_of(uow, cert)
        assert (root.holder_org_id, root.face, root.tier) == (chain.tiers[0], m("600000.00"), 1)
        line = certs.get_line(uow, chain.line_id)
        assert line.used == m("600000.00")
        info = trade.receivable_info(uow, chain.receivables[chain.tiers[0]])
        assert info.unused_confirmed == m("400000.00")
        from scf.registry import service as registry

        (reg,) = registry.conflicts(uow, [registry.CollateralRef("certificate_piece", root.id)])
        assert reg.secured_party_org_id == chain.tiers[0]
    # another tenant cannot see it
    with platform.uow(chain.actors[chain.tiers[3]]) as uow, pytest.raises(NotFound):
        certs.get_certificate(uow, cid)


def test_issue_refusals_change_nothing(platform: Platform, chain: Chain) -> None:
    core = chain.actors[chain.core]

    def issue(face: str = "100.00", maturity: date = date(2025, 8, 1), **kw: Any) -> Any:
        def run() -> Any:
            with platform.uow(core) as uow:
                args = {
                    "line_id": chain.line_id,
                    "supplier_org_id": chain.tiers[0],
                    "receivable_ids": [chain.receivables[chain.tiers[0]]],
                }
                args.update(kw)
                return certs.issue_certificate(uow, face=m(face), maturity_on=maturity, **args)

        return run

    refused(platform, issue("1000000.01"), "receivable_exhausted")
    e = refused(platform, issue(maturity=date(2025, 9, 4)), "maturity_past_limit")
    assert e.errors[0].field == "maturity_on"
    refused(
        platform,
        issue(supplier_org_id=chain.tiers[1], receivable_ids=[chain.receivables[chain.tiers[1]]]),
        "no_trade_background",
    )
    refused(platform, issue(line_id="cln_nope"), "line_not_found")
    with pytest.raises(InvalidInput) as err:
        m("10.001")
    assert err.value.code == "too_many_decimals"
    small = Chain.build(platform, line="100.00")
    with platform.uow(small.actors[small.core]) as uow:
        before = certs.get_line(uow, small.line_id).used
    with pytest.raises(RuleViolation) as rv, platform.uow(small.actors[small.core]) as uow:
        certs.issue_certificate(
            uow,
            line_id=small.line_id,
            supplier_org_id=small.tiers[0],
            receivable_ids=[small.receivables[small.tiers[0]]],
            face=m("100.01"),
            maturity_on=date(2025, 8, 1),
        )
    assert rv.value.code == "line_exhausted"
    with platform.uow(small.actors[small.core]) as uow:
        assert certs.get_line(uow, small.line_id).used == before


def test_split_transfer_through_four_tiers_with_lineage(platform: Platform, chain: Chain) -> None:
    cid = chain.issue("600000.00")
    t1, t2, t3, t4 = chain.tiers
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        a, b = certs.split_piece(uow, root, [m("400000.00"), m("200000.00")])
        a_id, b_id = a.id, b.id
    refused(
        platform, lambda: _split(platform, chain, t1, root, ["1", "599999.99"]), "piece_not_live"
    )
    refused(platform, lambda: _split(platform, chain, t1, a_id, ["1.00", "2.00"]), "split_mismatch")
    # transfer an amount: split off automatically, the receivable t2 holds on t1 is consumed
    with platform.uow(chain.actors[t1]) as uow:
        p2 = certs.transfer_piece(uow, a_id, t2, amount=m("250000.00"))
        p2_id = p2.id
        assert p2.tier == 2 and p2.receivable_id == chain.receivables[t2]
    assert sorted(f for _, f in chain.live(t1)) == [m("150000.00"), m("200000.00")]
    # no trade background: t1 owes t3 nothing
    e = refused(platform, lambda: _transfer(platform, chain, t1, b_id, t3), "no_trade_background")
    assert "trade background" in e.message
    with platform.uow(chain.actors[t2]) as uow:
        p3 = certs.transfer_piece(uow, p2_id, t3, amount=m("100000.00"))
    with platform.uow(chain.actors[t3]) as uow:
        p4 = certs.transfer_piece(uow, p3.id, t4)  # the whole piece
        assert p4.tier == 4
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, chain.receivables[t2]).used == m("250000.00")
        assert trade.receivable_info(uow, chain.receivables[t4]).used == m("100000.00")
    # a spent piece cannot move
    refused(platform, lambda: _transfer(platform, chain, t2, p2_id, t3), "piece_not_live")
    with platform.uow(Actor(None, None, frozenset({"regulator"}))) as uow:
        tree = certs.lineage(uow, cid)
        assert tree["deepest_tier"] == 4
        hops = _walk(tree["tree"])
        assert [h["tier"] for h in hops if h["origin"] == "transfer"] == [2, 3, 4]
        assert all(h["trade_background"] for h in hops if h["origin"] == "transfer")
        live = sum(Decimal(h["face"]["amount"]) for h in hops if h["status"] == "live")
        assert live == Decimal("600000.00")
        reach = certs.reach_figures(uow)
        assert reach["max_tier"] == 4 and reach["smes_reached"] == 4
        assert [t["tier"] for t in reach["tiers"]] == [1, 2, 3, 4]


def test_financing_prices_passes_ownership_and_registers(platform: Platform, chain: Chain) -> None:
    chain.issue("600000.00", date(2025, 8, 29))
    t1 = chain.tiers[0]
    ((root, _),) = chain.live(t1)
    outsider = add_org(platform, "bank", whitelist=False)
    e = refused(platform, lambda: _offer(platform, chain, root, outsider), "not_whitelisted")
    assert "white list" in e.message
    with platform.uow(chain.actors[t1]) as uow:
        offer = certs.offer_financing(
            uow, root, chain.bank, Decimal("0.036"), amount=m("100000.00"), fee=m("50.00")
        )
        oid = offer.id
        p = offer.pricing
        assert p is not None
        # 2025-03-03 to 2025-08-29 is 179 days: 100,000 x 3.6% x 179/360 = 1,790.00
        assert p["days"] == 179 and p["discount"]["amount"] == "1790.00"
        assert p["price"]["amount"] == "98210.00"
        assert p["platform_fee"]["amount"] == "50.00" and p["proceeds"]["amount"] == "98110.00"
    with platform.uow(chain.actors[chain.bank]) as uow:
        done = certs.accept_financing(uow, oid)
        assert done.status == "financed" and done.registration_id
        funder_piece = done.funder_piece_id
    with platform.uow(chain.actors[chain.bank]) as uow:
        (held,) = certs.list_pieces(uow)
        assert held.id == funder_piece and held.face == m("100000.00")
        assert held.origin == "finance"
    assert sorted(f for _, f in chain.live(t1)) == [m("500000.00")]
    with platform.uow(chain.actors[chain.bank]) as uow, pytest.raises(Conflict):
        certs.accept_financing(uow, oid)


def test_exposure_cap_is_enforced(platform: Platform, chain: Chain) -> None:
    chain.issue("600000.00")
    other = add_org(platform, "bank")
    regulator = Actor(None, None, frozenset({"regulator"}))
    with platform.uow(regulator) as uow:
        certs.set_exposure_cap(uow, other, chain.core, m("50000.00"))
    ((root, _),) = chain.live(chain.tiers[0])

    def finance() -> None:
        with platform.uow(Actor.system()) as uow:
            certs.finance_piece_in(uow, root, other, Decimal("0.03"), amount=m("50000.01"))
            uow.commit()

    refused(platform, finance, "exposure_cap_exceeded")
    with platform.uow(regulator) as uow:
        rows = certs.institution_exposures(uow)
        mine = next(r for r in rows if r["funder_org_id"] == chain.bank)
        assert mine["exposure"]["amount"] == "5000000.00"
    # a second line that would pass the default cap of 500 million is refused
    with (
        platform.uow(Actor(None, chain.bank, frozenset({"bank"}))) as uow,
        pytest.raises(RuleViolation) as e,
    ):
        certs.grant_line(uow, chain.core, m("495000000.01"), date(2026, 1, 1))
    assert e.value.code == "exposure_cap_exceeded"


def _issued_to_two_holders(platform: Platform, chain: Chain) -> tuple[str, str, str]:
    """A certificate of 600,000 maturing 29 Aug 2025: 400,000 with tier 1, 200,000 tier 2."""
    cid = chain.issue("600000.00", date(2025, 8, 29))
    t1, t2 = chain.tiers[:2]
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        certs.transfer_piece(uow, root, t2, amount=m("200000.00"))
    return cid, t1, t2


def test_settlement_pays_every_holder_once_then_nothing_moves(
    platform: Platform, chain: Chain, clock: FixedClock
) -> None:
    cid, t1, t2 = _issued_to_two_holders(platform, chain)
    with platform.uow(chain.actors[chain.core]) as uow:
        refused(platform, lambda: _settle(platform, chain, cid), "not_matured")
    clock.set(datetime(2025, 8, 29, 2, 0, tzinfo=UTC))
    ((left, _),) = chain.live(t1)
    refused(platform, lambda: _transfer(platform, chain, t1, left, t2), "piece_matured")
    refused(platform, lambda: _offer(platform, chain, left, chain.bank, t1), "piece_matured")
    out = _settle(platform, chain, cid)
    assert sorted(p.amount for p in out.payments) == [m("200000.00"), m("400000.00")]
    doc = etree.fromstring(out.xml)
    assert doc.findtext(".//{*}CtrlSum") == "600000.00"
    refused(platform, lambda: _settle(platform, chain, cid), "already_instructed")
    stmt = camt053([(p.end_to_end_id, p.amount) for p in out.payments], date(2025, 8, 29))
    with platform.uow(chain.actors[chain.core]) as uow:
        rep = certs.reconcile_statement(uow, stmt)
        assert len(rep["matched"]) == 2 and not rep["unmatched"]
    with platform.uow(chain.actors[chain.core]) as uow:
        rep = certs.reconcile_statement(uow, stmt)
        assert len(rep["duplicates"]) == 2 and not rep["matched"]
        cert = certs.get_certificate(uow, cid)
        assert cert.status == "settled" and cert.paid == cert.face
        assert certs.get_line(uow, chain.line_id).used == m("0.00")
    with platform.uow(Actor(None, None, frozenset({"operator"}))) as uow:
        assert certs.run_maturity(uow) == []


def test_unpaid_becomes_overdue_then_default_with_alerts(
    platform: Platform, chain: Chain, clock: FixedClock
) -> None:
    cid = chain.issue("600000.00", date(2025, 8, 29))
    t1 = chain.tiers[0]
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        certs.transfer_piece(uow, root, chain.tiers[1], amount=m("1.00"))
    op = Actor(None, None, frozenset({"operator"}))
    clock.set(datetime(2025, 9, 1, 2, 0, tzinfo=UTC))
    with platform.uow(op) as uow:
        (alert,) = certs.run_maturity(uow)
        assert alert.kind == "overdue" and alert.unpaid_minor == 60000000
    with platform.uow(op) as uow:
        assert certs.run_maturity(uow) == []  # nothing new until grace ends
    clock.set(datetime(2025, 9, 6, 2, 0, tzinfo=UTC))  # 5 working days after 29 Aug is 5 Sep
    with platform.uow(op) as uow:
        (alert,) = certs.run_maturity(uow)
        assert alert.kind == "defaulted"
        rep = certs.exposure_report(uow, cid)
        assert rep["status"] == "defaulted" and rep["unpaid"]["amount"] == "600000.00"
        assert {h["org_id"]: h["amount"]["amount"] for h in rep["holders"]} == {
            t1: "599999.00",
            chain.tiers[1]: "1.00",
        }
    with platform.uow(chain.actors[t1]) as uow:
        assert [a.kind for a in certs.list_alerts(uow)] == ["overdue", "defaulted"]


def test_settlement_pays_registered_accounts_by_cnaps_code(
    platform: Platform, chain: Chain, clock: FixedClock
) -> None:
    cid, _t1, t2 = _issued_to_two_holders(platform, chain)
    with platform.uow(chain.actors[t2]) as uow, pytest.raises(InvalidInput) as e:
        certs.register_settlement_account(
            uow,
            currency="CNY",
            account_number="12ab",
            account_name="二级供应商",
            bank_name="",
            cnaps_code="1025840",
        )
    assert {x.field for x in e.value.errors} == {"account_number", "cnaps_code", "bank_name"}
    with platform.uow(chain.actors[t2]) as uow:
        certs.register_settlement_account(
            uow,
            currency="CNY",
            account_number="4000 0234 1920 0123 456",
            account_name="二级供应商",
            bank_name="中国工商银行深圳南山支行",
            cnaps_code="102584000011",
        )
        assert [a.cnaps_code for a in certs.settlement_accounts(uow)] == ["102584000011"]
    clock.set(datetime(2025, 8, 29, 2, 0, tzinfo=UTC))
    out = _settle(platform, chain, cid)
    doc = etree.fromstring(out.xml)
    txs = {tx.findtext("{*}Amt/{*}InstdAmt"): tx for tx in doc.iter("{*}CdtTrfTxInf")}
    real = txs["200000.00"]
    assert real.findtext("{*}CdtrAcct/{*}Id/{*}Othr/{*}Id") == "4000023419200123456"
    member = real.find("{*}CdtrAgt/{*}FinInstnId/{*}ClrSysMmbId")
    assert member is not None
    assert member.findtext("{*}ClrSysId/{*}Cd") == "CNAPS"
    assert member.findtext("{*}MmbId") == "102584000011"
    virtual = txs["400000.00"]
    assert virtual.findtext("{*}CdtrAcct/{*}Id/{*}Othr/{*}SchmeNm/{*}Prtry") == "SCFVA"
    assert virtual.findtext("{*}CdtrAgt/{*}FinInstnId/{*}BICFI")


def _split(platform: Platform, chain: Chain, who: str, pid: str, parts: list[str]) -> Any:
    with platform.uow(chain.actors[who]) as uow:
        return certs.split_piece(uow, pid, [m(p) for p in parts])


def _transfer(platform: Platform, chain: Chain, who: str, pid: str, to: str) -> Any:
    with platform.uow(chain.actors[who]) as uow:
        return certs.transfer_piece(uow, pid, to)


def _offer(platform: Platform, chain: Chain, pid: str, funder: str, who: str = "") -> Any:
    with platform.uow(chain.actors[who or chain.tiers[0]]) as uow:
        return certs.offer_financing(uow, pid, funder, Decimal("0.03"))


def _settle(platform: Platform, chain: Chain, cid: str) -> Any:
    with platform.uow(chain.actors[chain.core]) as uow:
        return certs.instruct_settlement(uow, cid)


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for c in node["children"]:
        out.extend(_walk(c))
    return out
