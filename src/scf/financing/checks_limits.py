"""Checks on limits: the regulator's exposure caps per funder and the applicant's risk limit.

The two guards (`check_exposure_cap`, `check_risk_limit`) raise; the application's checks
run them, and acceptance runs them again, because other financings may have landed since.
"""

from __future__ import annotations

from sqlalchemy import select

from scf.certificates import service as certificates
from scf.core.errors import RuleViolation
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing.checks import CheckContext, Verdict, escalate, passed, skip
from scf.financing.context import platform_uow
from scf.financing.scenario import Scenario
from scf.financing.tables import FinancingApplicationRow
from scf.parties import service as parties
from scf.risk import service as risk


def _live_exposure(uow: UnitOfWork, funder: str, debtor: str, currency: str) -> Money:
    """What the funder has outstanding in this room on financings whose debtor is `debtor`
    (certificate pieces it bought are not here: the certificates room counts those)."""
    live = [s.value for s in M.LIVE]
    total = 0
    for app in uow.session.scalars(
        select(FinancingApplicationRow).where(
            FinancingApplicationRow.funder_org_id == funder,
            FinancingApplicationRow.debtor_org_id == debtor,
            FinancingApplicationRow.currency == currency,
            FinancingApplicationRow.status.in_(live),
            FinancingApplicationRow.scenario != "reverse_factoring",
        )
    ):
        total += app.outstanding_minor
    return Money(total, currency)


def check_exposure_cap(
    uow: UnitOfWork,
    sc: Scenario,
    funder: str,
    debtor: str | None,
    amount: Money,
    certificate_id: str | None = None,
) -> None:
    """Refuse when the funder's exposure to a core enterprise debtor would pass the cap the
    regulator set (or the default): committed credit lines, certificate pieces bought and
    this room's live financings on it, plus the amount asked. Run at application and again
    at acceptance, because other financings may have landed in between."""
    if debtor is None:
        return
    platform = platform_uow(uow)
    if "core_enterprise" not in parties.find_organization(uow, debtor).roles:
        return
    if certificate_id is not None:
        cert = certificates.get_certificate(platform, certificate_id)
        if certificates.get_line(platform, cert.line_id).funder_org_id == funder:
            return  # the piece sits inside the funder's own committed line already
    try:
        cap = certificates.cap_for(platform, funder, debtor, amount.currency)
    except RuleViolation:
        if certificate_id is not None:
            raise
        return  # no cap in this currency: only certificates are refused for lack of one
    current = certificates.exposure_of(platform, funder, debtor, amount.currency)
    current = current + _live_exposure(uow, funder, debtor, amount.currency)
    after = current + amount
    if after > cap:
        name = parties.find_organization(uow, funder).name
        raise RuleViolation(
            f"{name}'s exposure to {parties.find_organization(uow, debtor).name} would be "
            f"{after}, over its cap of {cap} (now {current}); {sc.title} cannot go to it",
            code="exposure_cap_exceeded",
            details={
                "funder_org_id": funder,
                "debtor_org_id": debtor,
                "current": current.as_json(),
                "addition": amount.as_json(),
                "cap": cap.as_json(),
            },
        )


def check_risk_limit(uow: UnitOfWork, applicant: str, amount: Money) -> None:
    """Refuse an acceptance the applicant's risk-limit headroom no longer covers."""
    limit = risk.limit_for(platform_uow(uow), applicant, commit=False)
    if limit is not None and limit.currency == amount.currency and amount > limit:
        raise RuleViolation(
            f"{amount} is over the applicant's risk-limit headroom of {limit}; the limit "
            "changed since the application was checked",
            code="over_risk_limit",
            details={"limit": limit.as_json(), "amount": amount.as_json()},
        )


def check_exposure_caps(ctx: CheckContext) -> Verdict:
    """Refuse when any chosen funder's exposure to a core enterprise debtor passes its cap."""
    for funder in ctx.funders:
        check_exposure_cap(
            ctx.uow,
            ctx.scenario,
            funder,
            ctx.view.debtor_org_id,
            ctx.amount,
            ctx.view.facts.get("certificate_id"),
        )
    if not ctx.funders:
        return skip("exposure_caps")
    return passed("exposure_caps", "every funder within its cap")


def check_applicant_limit(ctx: CheckContext) -> Verdict:
    """Escalate an amount over the applicant's risk limit where the applicant carries the risk."""
    uses_limit = ctx.scenario.uses_applicant_limit(ctx.asset)
    limit = risk.limit_for(ctx.platform, ctx.applicant_org_id, commit=False) if uses_limit else None
    amount = ctx.amount
    if limit is not None and limit.currency == amount.currency and amount > limit:
        return escalate(
            "risk_limit", f"limit {limit}", reason=f"{amount} is over the risk limit {limit}"
        )
    if limit:
        detail = f"limit {limit}"
    elif uses_limit:
        detail = "no grade-based line; the asset bounds the amount"
    else:
        detail = (
            "the debtor, acceptor, insurer or goods carry the credit risk; "
            "the applicant's unsecured limit does not apply"
        )
    return passed("risk_limit", detail)
