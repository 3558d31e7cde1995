"""The set-based paths of the trade room agree with the per-item ones, on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.platform import Platform
from scf.trade import service as trade
from scf.trade.tables import (
    FingerprintMarkRow,
    FingerprintRow,
    InvoiceRow,
    ShipmentRow,
    TradeOrderRow,
)
from tests.factories import add_org
from tests.integration.test_trade_service import Trade, count


def test_bulk_matcher_agrees_with_the_per_invoice_matcher(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    t.ship("delivery", qty="60")
    t.ship("receipt", qty="60", days_ago=18)
    ids = [t.invoice(qty="60")]
    t.ship("delivery", qty="40", days_ago=12)
    t.ship("receipt", qty="40", days_ago=11)
    ids.append(t.invoice(qty="40", issue_date=t.today - timedelta(days=9)))
    ids.append(t.invoice(qty="40", issue_date=t.today - timedelta(days=1)))  # over-billed
    ids.append(t.invoice(qty="10", price="12.00"))  # price outside tolerance
    ids.append(t.invoice(order_number=None))  # no order
    t.order("PO-2")
    ids.append(t.invoice(order_number="PO-2", lines=[]))  # no lines, no shipments
    w = Trade(platform)
    w.order()
    w.ship("delivery", days_ago=5)
    w.ship("receipt", days_ago=8)  # received before delivered
    ids.append(w.invoice())
    with platform.uow(Actor.system()) as uow:
        one_by_one = {i: trade.match_invoice(uow, i) for i in ids}
        for chunk in (2, 1000):
            assert trade.match_invoices(uow, ids, chunk=chunk) == one_by_one
    statuses = [one_by_one[i].status for i in ids]
    assert statuses.count("exceptions") >= 3 and "matched" in statuses and "no_order" in statuses


def test_batch_intake_writes_one_audit_entry_naming_every_invoice(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    with platform.uow(t.as_seller) as uow:
        ids = trade.record_invoices(uow, [t.invoice_input() for _ in range(3)])
    with platform.uow(Actor.system()) as uow:
        entries = list(
            uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "invoice.batch_filed")
            )
        )
    (entry,) = [e for e in entries if {i["id"] for i in entry_invoices(e)} == set(ids)]
    assert all(i["receivable_id"] and i["face_minor"] > 0 for i in entry_invoices(entry))


def entry_invoices(e: AuditEntry) -> list[dict[str, object]]:
    assert e.after is not None
    return list(e.after["invoices"])


def test_fingerprint_check_answers_from_one_lookup(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    inv = t.invoice()
    with platform.uow(Actor.system()) as uow:
        fp = trade.get_invoice(uow, inv)["fingerprint"]
        st = trade.check_fingerprint(uow, fp)
        assert st.known and st.on_platform and st.submitted and not st.financed
        assert not trade.check_fingerprint(uow, "0" * 64).known


def test_consume_receivable_refuses_more_than_unused(platform: Platform) -> None:
    t = Trade(platform)
    rid = t.full()
    with platform.uow(Actor.system()) as uow:
        total = trade.receivable_info(uow, rid).unused_confirmed
        too_much = Money(total.minor + 1, total.currency)
        args = dict(creditor_org_id=t.seller, debtor_org_id=t.buyer, purpose="x", reference="r")
        assert trade.consume_receivable(uow, amount=too_much, **args) is None
        assert trade.consume_receivable(uow, amount=total, receivable_id=rid, **args) == rid
        assert trade.receivable_info(uow, rid).unused_confirmed.minor == 0
        assert trade.consume_receivable(uow, amount=Money(1, "CNY"), **args) is None


def _fingerprint_the_slow_way(uow: Any, fp: str) -> trade.FingerprintStatus:
    """What `check_fingerprint` must answer, read row by row from the tables."""
    head = uow.session.get(FingerprintRow, fp)
    on_platform = (
        uow.session.scalar(select(InvoiceRow.id).where(InvoiceRow.fingerprint == fp)) is not None
    )
    if head is None:
        return trade.FingerprintStatus(fp, known=on_platform, on_platform=on_platform)
    marks = list(
        uow.session.execute(
            select(FingerprintMarkRow.state, FingerprintMarkRow.org_id).where(
                FingerprintMarkRow.fingerprint == fp
            )
        )
    )
    states = {m.state for m in marks}
    return trade.FingerprintStatus(
        fp,
        True,
        "submitted" in states or on_platform,
        "registered" in states,
        "financed" in states,
        len({m.org_id for m in marks if m.state != "submitted"}),
        on_platform,
    )


def test_one_statement_fingerprint_check_agrees_with_the_marks(platform: Platform) -> None:
    t = Trade(platform)
    t.order()
    with platform.uow(Actor.system()) as uow:
        on_platform = trade.get_invoice(uow, t.invoice())["fingerprint"]
    offered = "ab" * 32  # known only from institutions' marks
    never = "cd" * 32
    bank_a, bank_b = add_org(platform, "bank"), add_org(platform, "factoring_company")
    steps = [
        (on_platform, bank_a, "submitted"),
        (on_platform, bank_b, "registered"),
        (on_platform, bank_a, "registered"),
        (offered, bank_a, "submitted"),
        (on_platform, bank_b, "financed"),
        (offered, bank_b, "registered"),
        (offered, bank_b, "financed"),
    ]
    seen = []
    for fp, org, state in [(None, None, None), *steps]:
        if fp is not None and org is not None and state is not None:
            with platform.uow(Actor.system()) as uow:
                trade.mark_fingerprint(uow, fp, state, by_org_id=org)
                uow.commit()
        with platform.uow(Actor.system()) as uow:
            for each in (on_platform, offered, never):
                got = trade.check_fingerprint(uow, each)
                assert got == _fingerprint_the_slow_way(uow, each)
                seen.append(got)
    assert any(s.financed and s.institutions == 2 and s.on_platform for s in seen)
    assert any(s.known and not s.on_platform and s.registered for s in seen)
    assert not any(s.known for s in seen if s.fingerprint == never)


def test_batch_orders_and_shipments_report_every_bad_row_and_write_nothing(
    platform: Platform,
) -> None:
    t = Trade(platform)
    t.order()  # PO-1 with line 1
    with platform.uow(t.as_buyer) as uow:
        trade.record_orders(
            uow,
            [trade.OrderInput("C-1", t.s_uscc, t.b_uscc, t.today, "CNY", [], kind="contract")],
        )

    def order(num: str, contract: str | None = None) -> trade.OrderInput:
        return trade.OrderInput(
            num,
            t.s_uscc,
            t.b_uscc,
            t.today,
            "CNY",
            [trade.LineInput("bolt", "1", "2.00", 1)],
            contract_number=contract,
        )

    with platform.uow(t.as_buyer) as uow, pytest.raises(InvalidInput) as refused:
        trade.record_orders(
            uow,
            [order("PO-1"), order("PO-2", "C-1"), order("PO-2"), order("PO-3", "C-9")],
        )
    assert [(e.line, e.field) for e in refused.value.errors] == [
        (1, "number"),
        (3, "number"),
        (4, "contract_number"),
    ]
    with platform.uow(t.as_buyer) as uow:
        (po2,) = trade.record_orders(uow, [order("PO-2", "C-1")])
        row = uow.session.get(TradeOrderRow, po2)
        assert row is not None and row.number == "PO-2" and row.contract_id is not None

    def receipt(num: str, line_no: int = 1) -> trade.ShipmentInput:
        return trade.ShipmentInput(
            "receipt",
            f"R-{num}-{line_no}",
            num,
            t.s_uscc,
            t.b_uscc,
            t.today,
            [trade.ShipmentLineInput(line_no, "5")],
        )

    before = count(platform, ShipmentRow)
    with platform.uow(t.as_buyer) as uow, pytest.raises(InvalidInput) as refused:
        trade.record_shipments(
            uow, [receipt("PO-1"), receipt("PO-404"), receipt("PO-2", 7), receipt("PO-2")]
        )
    assert [(e.line, e.field) for e in refused.value.errors] == [
        (2, "order_number"),
        (3, "lines[1].order_line_no"),
    ]
    assert "order PO-2 has no line 7" in refused.value.errors[1].reason
    assert count(platform, ShipmentRow) == before
    with platform.uow(t.as_buyer) as uow:
        assert len(trade.record_shipments(uow, [receipt("PO-1"), receipt("PO-2")])) == 2


def test_bulk_matcher_agrees_on_repeated_items_and_many_shipments(platform: Platform) -> None:
    t = Trade(platform)
    with platform.uow(t.as_buyer) as uow:
        trade.record_orders(
            uow,
            [
                trade.OrderInput(
                    "PO-R",
                    t.s_uscc,
                    t.b_uscc,
                    t.today - timedelta(days=30),
                    "CNY",
                    [
                        trade.LineInput("Bolt", "10", "1.00", 1),
                        trade.LineInput("bolt ", "20", "1.10", 2),
                        trade.LineInput("Nut", "5", "0.50", 3),
                    ],
                )
            ],
        )
    for days_ago in (40, 35, 20):  # two deliveries predate the order
        with platform.uow(t.as_seller) as uow:
            trade.record_shipments(
                uow,
                [
                    trade.ShipmentInput(
                        "delivery",
                        f"D-{days_ago}",
                        "PO-R",
                        t.s_uscc,
                        t.b_uscc,
                        t.today - timedelta(days=days_ago),
                        [trade.ShipmentLineInput(1, "4"), trade.ShipmentLineInput(2, "9")],
                    )
                ],
            )
    t.ship("receipt", qty="8", num="PO-R", days_ago=45)  # received before shipped
    ids = [
        t.invoice(
            qty="10",
            price="1.00",
            order_number="PO-R",
            lines=[trade.LineInput("BOLT", "10", "1.00")],
        ),
        t.invoice(
            qty="10",
            price="1.00",
            order_number="PO-R",
            lines=[trade.LineInput("x", "10", "1.00", 2)],
        ),
        t.invoice(
            qty="4", price="0.50", order_number="PO-R", lines=[trade.LineInput("nut", "4", "0.50")]
        ),
    ]
    with platform.uow(Actor.system()) as uow:
        one_by_one = {i: trade.match_invoice(uow, i) for i in ids}
        for chunk in (1, 1000):
            assert trade.match_invoices(uow, ids, chunk=chunk) == one_by_one
    codes = [r.code for m in one_by_one.values() for r in m.issues]
    assert codes.count("DATE_INCONSISTENT") >= 3 and "AMOUNT_MISMATCH" in codes
