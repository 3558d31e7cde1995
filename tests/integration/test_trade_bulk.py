"""The set-based paths of the trade room agree with the per-item ones, on both backends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.money import Money
from scf.platform import Platform
from scf.trade import service as trade
from tests.integration.test_trade_service import Trade


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
