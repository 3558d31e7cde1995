"""Maturities rolled again when a year's official schedule replaces the one that decided them."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from scf.certificates.common import settings_of
from scf.certificates.model import add_months, maturity_reroll_refusal, roll_maturity
from scf.certificates.tables import CertificateRow
from scf.core.calendar import ChinaCalendar, Reroll, year_bounds
from scf.core.uow import UnitOfWork


def reroll_maturities(uow: UnitOfWork, calendar: ChinaCalendar, year: int) -> list[Reroll]:
    """Roll again every stored maturity the new schedule of `year` may move; flush, no commit.

    Candidates are the maturities still marked provisional and those asked for or falling in
    `year`. A maturity that moves is changed (and its mark recomputed) when the terms allow
    it; one they do not is kept and reported with the reason. Unchanged ones lose their mark
    when no provisional year decides them any more.
    """
    first, last = year_bounds(year)
    rows = uow.session.scalars(
        select(CertificateRow)
        .where(
            CertificateRow.maturity_requested_on.is_not(None),
            or_(
                CertificateRow.maturity_provisional.is_(True),
                and_(
                    CertificateRow.maturity_requested_on >= first,
                    CertificateRow.maturity_requested_on <= last,
                ),
                and_(CertificateRow.maturity_on >= first, CertificateRow.maturity_on <= last),
            ),
        )
        .order_by(CertificateRow.id)
        .with_for_update()
    ).all()
    tenor = settings_of(uow).max_tenor_months
    today = uow.today()
    out: list[Reroll] = []
    for cert in rows:
        requested = cert.maturity_requested_on
        assert requested is not None
        rolled = roll_maturity(requested, add_months(cert.issued_on, tenor), calendar)
        if rolled.date == cert.maturity_on:
            cert.maturity_provisional = rolled.provisional
            continue
        reason = maturity_reroll_refusal(
            cert.status, cert.maturity_on, rolled.date, today, cert.settlement_msg_id is not None
        )
        change = Reroll(
            "certificates",
            "certificate",
            cert.id,
            "maturity_on",
            requested,
            cert.maturity_on,
            rolled.date,
            rolled.provisional,
            cert.issuer_org_id,
            reason,
        )
        out.append(change)
        # A kept date is final too: the year it fell in is official now.
        provisional_before, cert.maturity_provisional = (
            cert.maturity_provisional,
            rolled.provisional,
        )
        if reason is None:
            before = {**cert.snapshot(), "maturity_provisional": provisional_before}
            cert.maturity_on = rolled.date
            uow.flush()
            uow.audit(
                "certificate.maturity.rerolled",
                "certificate",
                cert.id,
                before=before,
                after={**cert.snapshot(), "requested": requested.isoformat()},
            )
    uow.flush()
    return out
