"""Due dates and early-payment dates rolled again when a year's official schedule arrives."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select

from scf.core.calendar import ChinaCalendar, Reroll, year_bounds
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing.tables import DiscountBidRow, DiscountProgramRow, FinancingApplicationRow

# Until it is overdue or closed, a financing's due date follows the receivable's due date on
# the working-day calendar (the following working day), so a new schedule moves it.
MOVABLE = frozenset(
    {
        M.Status.SUBMITTED,
        M.Status.ESCALATED,
        M.Status.SENT,
        M.Status.OFFERED,
        M.Status.ACCEPTED,
        M.Status.REGISTERED,
        M.Status.DISBURSED,
    }
)


def _candidates(col: Any, requested: Any, flag: Any, year: int) -> Any:
    first, last = year_bounds(year)
    return and_(
        requested.is_not(None),
        or_(
            flag.is_(True),
            and_(requested >= first, requested <= last),
            and_(col >= first, col <= last),
        ),
    )


def _kept_because(status: str, movable: bool, before: date, after: date, today: date) -> str | None:
    if not movable:
        return f"the financing is {status}"
    if before <= today:
        return "the date has passed"
    if after <= today:
        return "the new date is not after today"
    return None


def reroll_due_dates(uow: UnitOfWork, calendar: ChinaCalendar, year: int) -> list[Reroll]:
    """Roll again every stored due date the new schedule of `year` may move; no commit.

    Financing due dates move while the financing is open (not overdue, defaulted or closed)
    and both dates are ahead; an early-payment date moves while its programme is open and
    has no bid (the bids are priced on it). Dates kept are reported with the reason.
    """
    today = uow.today()
    out: list[Reroll] = []
    apps = uow.session.scalars(
        select(FinancingApplicationRow)
        .where(
            _candidates(
                FinancingApplicationRow.due_on,
                FinancingApplicationRow.due_requested_on,
                FinancingApplicationRow.due_provisional,
                year,
            )
        )
        .order_by(FinancingApplicationRow.id)
        .with_for_update()
    ).all()
    for app in apps:
        assert app.due_requested_on is not None
        rolled = calendar.roll(app.due_requested_on)
        if rolled.date == app.due_on:
            app.due_provisional = rolled.provisional
            continue
        movable = M.Status(app.status) in MOVABLE
        reason = _kept_because(app.status, movable, app.due_on, rolled.date, today)
        out.append(
            Reroll(
                "financing",
                "application",
                app.id,
                "due_on",
                app.due_requested_on,
                app.due_on,
                rolled.date,
                rolled.provisional,
                app.applicant_org_id,
                reason,
            )
        )
        before = {"due_on": app.due_on.isoformat(), "due_provisional": app.due_provisional}
        app.due_provisional = rolled.provisional  # a kept date is final too: the year is official
        if reason is None:
            app.due_on = rolled.date
            _audit(uow, "financing.due_date.rerolled", "application", app.id, before, rolled)
    out += _reroll_programs(uow, calendar, year, today)
    uow.flush()
    return out


def _reroll_programs(
    uow: UnitOfWork, calendar: ChinaCalendar, year: int, today: date
) -> list[Reroll]:
    out: list[Reroll] = []
    programs = uow.session.scalars(
        select(DiscountProgramRow)
        .where(
            _candidates(
                DiscountProgramRow.pay_on,
                DiscountProgramRow.pay_requested_on,
                DiscountProgramRow.pay_provisional,
                year,
            )
        )
        .order_by(DiscountProgramRow.id)
        .with_for_update()
    ).all()
    for prog in programs:
        assert prog.pay_requested_on is not None
        rolled = calendar.roll(prog.pay_requested_on)
        if rolled.date == prog.pay_on:
            prog.pay_provisional = rolled.provisional
            continue
        has_bids = uow.session.scalar(
            select(DiscountBidRow.id).where(DiscountBidRow.program_id == prog.id).limit(1)
        )
        reason = _kept_because(
            prog.status, prog.status == "open", prog.pay_on, rolled.date, today
        ) or ("bids are priced on the date" if has_bids else None)
        out.append(
            Reroll(
                "financing",
                "discount_program",
                prog.id,
                "pay_on",
                prog.pay_requested_on,
                prog.pay_on,
                rolled.date,
                rolled.provisional,
                prog.buyer_org_id,
                reason,
            )
        )
        before = {"pay_on": prog.pay_on.isoformat(), "pay_provisional": prog.pay_provisional}
        prog.pay_provisional = rolled.provisional
        if reason is None:
            prog.pay_on = rolled.date
            _audit(uow, "financing.pay_date.rerolled", "discount_program", prog.id, before, rolled)
    return out


def _audit(
    uow: UnitOfWork, action: str, kind: str, ident: str, before: dict[str, Any], rolled: Any
) -> None:
    uow.flush()
    uow.audit(
        action,
        kind,
        ident,
        before=before,
        after={
            "date": rolled.date.isoformat(),
            "requested": rolled.requested.isoformat(),
            "provisional": rolled.provisional,
        },
    )
