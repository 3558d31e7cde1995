"""Dynamic discounting: the buyer's programmes of early payment, suppliers' bids, clearing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.i18n import N_
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing.applications import S, move, new_application
from scf.financing.checks import passed
from scf.financing.common import acting_org, add_audited, watches_all
from scf.financing.context import scenario_context
from scf.financing.idempotency import idempotent
from scf.financing.offers import accept, price_offer
from scf.financing.repayment import disburse
from scf.financing.scenario import Scenario, get_scenario
from scf.financing.tables import DiscountBidRow, DiscountProgramRow
from scf.financing.workflow import register_financing
from scf.parties import service as parties
from scf.trade import service as trade


def bid_dict(b: DiscountBidRow) -> dict[str, Any]:
    priced = M.Bid(b.id, b.amount_minor, Decimal(b.rate), b.days)
    return {
        "id": b.id,
        "supplier_org_id": b.supplier_org_id,
        "receivable_id": b.receivable_id,
        "amount": Money(b.amount_minor, b.currency).as_json(),
        "rate": str(b.rate),
        "days": b.days,
        "discount": Money(b.discount_minor, b.currency).as_json(),
        "net": Money(b.amount_minor - b.discount_minor, b.currency).as_json(),
        "apr_equivalent": str(priced.apr_equivalent()) if priced.cash_minor() > 0 else None,
        "status": b.status,
        "application_id": b.application_id,
    }


def program_dict(uow: UnitOfWork, p: DiscountProgramRow) -> dict[str, Any]:
    bids = list(
        uow.session.scalars(select(DiscountBidRow).where(DiscountBidRow.program_id == p.id))
    )
    a = uow.actor
    if not (watches_all(a) or a.org_id == p.buyer_org_id):
        bids = [b for b in bids if b.supplier_org_id == a.org_id]
    return {
        "id": p.id,
        "buyer_org_id": p.buyer_org_id,
        "cash": Money(p.cash_minor, p.currency).as_json(),
        "hurdle_rate": str(p.hurdle_rate),
        "pay_on": p.pay_on.isoformat(),
        "pay_requested_on": None if p.pay_requested_on is None else p.pay_requested_on.isoformat(),
        "pay_provisional": p.pay_provisional,
        "status": p.status,
        "result": p.result,
        "bids": [bid_dict(b) for b in bids],
    }


def open_program(
    uow: UnitOfWork, cash: Money, hurdle_rate: Decimal, pay_on: date
) -> DiscountProgramRow:
    """The core enterprise offers its own cash for early payment above a hurdle rate."""
    buyer = acting_org(uow, ["core_enterprise"], "a programme is opened by a core enterprise")
    parties.require_not_blacklisted(uow, buyer)
    if not cash.is_positive():
        raise InvalidInput("above zero", field="cash")
    rolled = uow.calendar.roll(pay_on)
    pay_on = rolled.date
    if pay_on < uow.today():
        raise InvalidInput("in the past", field="pay_on")
    row = DiscountProgramRow(
        id=new_id("ddp"),
        buyer_org_id=buyer,
        currency=cash.currency,
        cash_minor=cash.minor,
        hurdle_rate=hurdle_rate,
        pay_on=pay_on,
        pay_requested_on=rolled.requested,
        pay_provisional=rolled.provisional,
        status="open",
        created_at=uow.now(),
    )
    add_audited(
        uow,
        row,
        "financing.discount.opened",
        ("discount_program", row.id),
        lambda p: program_dict(uow, p),
    )
    uow.commit()
    return row


def _program(uow: UnitOfWork, program_id: str) -> DiscountProgramRow:
    row = uow.session.get(DiscountProgramRow, program_id)
    if row is None:
        raise NotFound(f"programme {program_id} not found")
    return row


def _open_for_bids(prog: DiscountProgramRow, today: date) -> None:
    """Refuse a bid, an amendment or a withdrawal once the programme no longer takes bids:
    cleared, or its early payment day has come."""
    if prog.status != "open":
        raise Conflict(f"programme {prog.id} is {prog.status}", code="program_closed")
    if prog.pay_on <= today:
        raise Conflict(
            f"programme {prog.id} pays on {prog.pay_on.isoformat()}: bids are closed",
            code="program_closed",
        )


def _priced(
    uow: UnitOfWork, prog: DiscountProgramRow, supplier: str, receivable_id: str, rate: Decimal
) -> M.Bid:
    """The bid the supplier would place: the receivable checked, its days early counted."""
    if not Decimal(0) < rate < Decimal(1):
        raise InvalidInput(N_("between 0 and 100 percent"), field="rate")
    sc = get_scenario("dynamic_discounting")
    view = sc.assess(
        scenario_context(uow, supplier),
        {"receivable_id": receivable_id, "buyer_org_id": prog.buyer_org_id},
    )
    due = uow.calendar.adjust(view.due_on)
    days = (due - prog.pay_on).days
    if days <= 0:
        raise InvalidInput(
            N_("the receivable falls due before the early payment date"), field="receivable_id"
        )
    b = M.Bid(receivable_id, view.value.minor, rate, days)
    if b.cash_minor() <= 0:
        raise InvalidInput(N_("the discount leaves no cash to pay early"), field="rate")
    return b


def bid_terms(b: M.Bid, currency: str) -> dict[str, Any]:
    """What a bid means in money: face, discount, net paid early and the APR-equivalent."""
    return {
        "face": Money(b.amount_minor, currency).as_json(),
        "rate": str(b.rate),
        "days": b.days,
        "discount": Money(b.discount_minor(), currency).as_json(),
        "net": Money(b.cash_minor(), currency).as_json(),
        "apr_equivalent": str(b.apr_equivalent()),
    }


def _supplier(uow: UnitOfWork) -> str:
    parties.require_role(uow.actor, "supplier", "distributor")
    supplier = uow.actor.org_id
    assert supplier is not None
    return supplier


def preview_bid(
    uow: UnitOfWork, program_id: str, receivable_id: str, rate: Decimal
) -> dict[str, Any]:
    """The amounts a bid would give, checked as the bid itself is, without placing it."""
    supplier = _supplier(uow)
    prog = _program(uow, program_id)
    _open_for_bids(prog, uow.today())
    return bid_terms(_priced(uow, prog, supplier, receivable_id, rate), prog.currency)


def bid(uow: UnitOfWork, program_id: str, receivable_id: str, rate: Decimal) -> DiscountBidRow:
    """A supplier bids an annualized discount to be paid a confirmed receivable early.

    A receivable withdrawn from the programme may be bid again (the same row comes back)."""
    supplier = _supplier(uow)
    prog = _program(uow, program_id)
    _open_for_bids(prog, uow.today())
    parties.require_not_blacklisted(uow, supplier)
    b = _priced(uow, prog, supplier, receivable_id, rate)
    row = uow.session.scalar(
        select(DiscountBidRow).where(
            DiscountBidRow.program_id == prog.id, DiscountBidRow.receivable_id == receivable_id
        )
    )
    if row is not None and row.status != "withdrawn":
        raise Conflict(
            f"receivable {receivable_id} is already bid in programme {prog.id}: amend that bid",
            code="already_bid",
        )
    if row is not None:
        before = bid_dict(row)
        _reprice(uow, row, b, "open")
        uow.audit(
            "financing.discount.bid",
            "discount_program",
            prog.id,
            before=before,
            after=bid_dict(row),
        )
        uow.commit()
        return row
    row = DiscountBidRow(
        id=new_id("ddb"),
        program_id=prog.id,
        supplier_org_id=supplier,
        receivable_id=receivable_id,
        currency=prog.currency,
        amount_minor=b.amount_minor,
        rate=rate,
        days=b.days,
        discount_minor=b.discount_minor(),
        status="open",
        created_at=uow.now(),
    )
    add_audited(
        uow, row, "financing.discount.bid", ("discount_program", prog.id), bid_dict, supplier
    )
    uow.commit()
    return row


def _reprice(uow: UnitOfWork, row: DiscountBidRow, b: M.Bid, status: str) -> None:
    row.amount_minor = b.amount_minor
    row.rate = b.rate
    row.days = b.days
    row.discount_minor = b.discount_minor()
    row.status = status
    row.created_at = uow.now()
    uow.flush()


def _own_open_bid(
    uow: UnitOfWork, bid_id: str, program_id: str | None
) -> tuple[DiscountBidRow, DiscountProgramRow]:
    supplier = _supplier(uow)
    row = uow.session.get(DiscountBidRow, bid_id)
    if (
        row is None
        or row.supplier_org_id != supplier
        or (program_id is not None and row.program_id != program_id)
    ):
        raise NotFound(f"bid {bid_id} not found")
    prog = _program(uow, row.program_id)
    _open_for_bids(prog, uow.today())
    if row.status != "open":
        raise Conflict(f"bid {bid_id} is {row.status}", code="bid_closed")
    return row, prog


def amend_bid(
    uow: UnitOfWork, bid_id: str, rate: Decimal, *, program_id: str | None = None
) -> DiscountBidRow:
    """The supplier changes the discount of its open bid while the programme takes bids."""
    row, prog = _own_open_bid(uow, bid_id, program_id)
    b = _priced(uow, prog, row.supplier_org_id, row.receivable_id, rate)
    before = bid_dict(row)
    _reprice(uow, row, b, "open")
    uow.audit(
        "financing.discount.bid_amended",
        "discount_program",
        prog.id,
        before=before,
        after=bid_dict(row),
    )
    uow.commit()
    return row


def withdraw_bid(uow: UnitOfWork, bid_id: str, *, program_id: str | None = None) -> DiscountBidRow:
    """The supplier takes its open bid back while the programme takes bids."""
    row, prog = _own_open_bid(uow, bid_id, program_id)
    before = bid_dict(row)
    row.status = "withdrawn"
    uow.flush()
    uow.audit(
        "financing.discount.bid_withdrawn",
        "discount_program",
        prog.id,
        before=before,
        after=bid_dict(row),
    )
    uow.commit()
    return row


def supplier_programs(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The open programmes of the supplier's buyers, each with the supplier's own bids and
    the receivables it could still bid (confirmed and unused, owed by the programme's buyer,
    falling due after the early payment day), earliest payment first."""
    supplier = _supplier(uow)
    today = uow.today()
    rcvs, _ = trade.list_receivables(uow, limit=1000)
    owed: dict[str, list[Any]] = {}
    for r in rcvs:
        if r.seller_org_id == supplier and r.unused_confirmed.is_positive():
            owed.setdefault(r.debtor_org_id, []).append(r)
    if not owed:
        return []
    progs = uow.session.scalars(
        select(DiscountProgramRow)
        .where(
            DiscountProgramRow.status == "open",
            DiscountProgramRow.pay_on > today,
            DiscountProgramRow.buyer_org_id.in_(sorted(owed)),
        )
        .order_by(DiscountProgramRow.pay_on, DiscountProgramRow.id)
    )
    out = []
    for p in progs:
        d = program_dict(uow, p)
        taken = {b["receivable_id"] for b in d["bids"] if b["status"] != "withdrawn"}
        d["eligible"] = [
            {"id": r.id, "amount": r.unused_confirmed.as_json(), "due_on": r.due_date.isoformat()}
            for r in sorted(owed[p.buyer_org_id], key=lambda r: (r.due_date, r.id))
            if r.id not in taken and uow.calendar.adjust(r.due_date) > p.pay_on
        ]
        d["bids"] = [{**b, "due_on": _due(uow, b["receivable_id"])} for b in d["bids"]]
        out.append(d)
    return out


def _due(uow: UnitOfWork, receivable_id: str) -> str:
    return trade.receivable_info(uow, receivable_id).due_date.isoformat()


def clearing_preview(uow: UnitOfWork, program_id: str) -> list[str]:
    """The open bids that clearing the programme now would pick (the buyer's own)."""
    prog = _program(uow, program_id)
    if prog.buyer_org_id != uow.actor.org_id and not watches_all(uow.actor):
        raise NotFound(f"programme {program_id} not found")
    return M.clear_bids(
        prog.cash_minor, Decimal(prog.hurdle_rate), [_bid_of(b) for b in _open_bids(uow, prog)]
    )


def _open_bids(uow: UnitOfWork, prog: DiscountProgramRow) -> list[DiscountBidRow]:
    return list(
        uow.session.scalars(
            select(DiscountBidRow)
            .where(DiscountBidRow.program_id == prog.id, DiscountBidRow.status == "open")
            .order_by(DiscountBidRow.id)
        )
    )


def _bid_of(b: DiscountBidRow) -> M.Bid:
    return M.Bid(b.id, b.amount_minor, Decimal(b.rate), b.days)


def list_programs(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The caller's own programmes as the buyer (every programme for watchers), newest first."""
    stmt = select(DiscountProgramRow).order_by(DiscountProgramRow.created_at.desc())
    a = uow.actor
    if not watches_all(a):
        stmt = stmt.where(DiscountProgramRow.buyer_org_id == a.org_id)
    return [program_dict(uow, p) for p in uow.session.scalars(stmt)]


def get_program(uow: UnitOfWork, program_id: str) -> dict[str, Any]:
    return program_dict(uow, _program(uow, program_id))


def clear_program(uow: UnitOfWork, program_id: str, key: str | None) -> dict[str, Any]:
    """Pick the bids that earn the buyer the most within its cash; each winner becomes an
    accepted dynamic-discounting financing the buyer then pays."""
    parties.require_role(uow.actor, "core_enterprise")

    def run() -> dict[str, Any]:
        prog = _program(uow, program_id)
        if prog.buyer_org_id != uow.actor.org_id:
            raise NotFound(f"programme {program_id} not found")
        if prog.status != "open":
            raise Conflict(f"programme {prog.id} is {prog.status}", code="program_closed")
        bids = _open_bids(uow, prog)  # withdrawn bids take no part
        winners = set(
            M.clear_bids(prog.cash_minor, Decimal(prog.hurdle_rate), [_bid_of(b) for b in bids])
        )
        sc = get_scenario("dynamic_discounting")
        spent = 0
        earned = 0
        for b in bids:
            if b.id not in winners:
                b.status = "lost"
                continue
            b.status = "won"
            spent += b.amount_minor - b.discount_minor
            earned += b.discount_minor
            b.application_id = _won_bid_financing(uow, prog, b, sc)
        prog.status = "cleared"
        prog.cleared_at = uow.now()
        prog.result = {
            "winners": sorted(winners),
            "cash_used": Money(spent, prog.currency).as_json(),
            "discount_earned": Money(earned, prog.currency).as_json(),
        }
        uow.flush()
        uow.audit("financing.discount.cleared", "discount_program", prog.id, after=prog.result)
        return program_dict(uow, prog)

    return idempotent(uow, key, f"clear:{program_id}", {}, run)


def _won_bid_financing(
    uow: UnitOfWork, prog: DiscountProgramRow, b: DiscountBidRow, sc: Scenario
) -> str:
    supplier = parties.find_organization(uow, b.supplier_org_id)
    app = new_application(
        uow,
        scenario=sc.code,
        applicant=supplier,
        debtor_org_id=prog.buyer_org_id,
        amount=Money(b.amount_minor, b.currency),
        due_on=prog.pay_on + timedelta(days=b.days),
        due_provisional=uow.calendar.roll(prog.pay_on + timedelta(days=b.days)).provisional,
        asset={"receivable_id": b.receivable_id, "program_id": prog.id, "bid_id": b.id},
        collateral=[],
        evidence={"bid": bid_dict(b)},
        checks=[passed("clearing", f"bid {b.id} won programme {prog.id}").record()],
        funder_org_ids=[prog.buyer_org_id],
        channel=M.Channel.GREEN,
        priority=0,
        chain_tags=list(supplier.chain_tags),
        tier=1,
        red_listed=parties.is_red_listed(uow, supplier.id),
        submitted_at=b.created_at,
    )
    move(uow, app, S.SENT, "send")
    offer = price_offer(
        uow, app, sc, prog.buyer_org_id, None, automatic=True, rate_override=Decimal(b.rate)
    )
    # Price exactly as bid: the discount over the days between early payment and due.
    offer.interest_minor = b.discount_minor
    offer.proceeds_minor = b.amount_minor - b.discount_minor
    # The supplier accepted when it bid; the buyer, clearing, is the acting party throughout.
    accept(uow, app, offer)
    register_financing(uow, app)
    return app.id


def pay_early(uow: UnitOfWork, app_id: str, key: str | None) -> dict[str, Any]:
    """The buyer pays a won bid early: the disbursement settles the receivable."""
    parties.require_role(uow.actor, "core_enterprise")
    return disburse(uow, app_id, key)
