"""Cover policies of insurers and guarantee companies, and the claims opened under them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.bounds import check_term
from scf.core.errors import InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing.common import INSURERS, acting_org, add_audited, watches_all
from scf.financing.inbox import notify
from scf.financing.tables import ClaimRow, CoverPolicyRow, FinancingApplicationRow
from scf.parties import service as parties


def policy_dict(row: CoverPolicyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "insurer_org_id": row.insurer_org_id,
        "insured_org_id": row.insured_org_id,
        "debtor_org_id": row.debtor_org_id,
        "kind": row.kind,
        "cover_ratio": str(row.cover_ratio),
        "premium_rate": str(row.premium_rate),
        "limit": Money(row.limit_minor, row.currency).as_json(),
        "used": Money(row.used_minor, row.currency).as_json(),
        "expires_on": row.expires_on.isoformat(),
    }


def write_cover(
    uow: UnitOfWork,
    *,
    insured_org_id: str,
    debtor_org_id: str,
    kind: str,
    cover_ratio: Decimal,
    premium_rate: Decimal,
    limit: Money,
    expires_on: date,
) -> CoverPolicyRow:
    """An insurer or guarantee company covers a seller's receivables on one debtor."""
    insurer = acting_org(uow, INSURERS, "cover is written by an insurer or guarantee company")
    parties.require_not_blacklisted(uow, insurer)
    for f, org in (("insured_org_id", insured_org_id), ("debtor_org_id", debtor_org_id)):
        try:
            parties.find_organization(uow, org)
        except NotFound:
            raise InvalidInput(f"no organization {org}", field=f) from None
    if kind not in ("insurance", "guarantee"):
        raise InvalidInput("insurance or guarantee", field="kind")
    if not Decimal(0) < cover_ratio <= Decimal(1):
        raise InvalidInput("a share above 0 and at most 1", field="cover_ratio")
    if not limit.is_positive():
        raise InvalidInput("a limit above zero", field="limit")
    if expires_on <= uow.today():
        raise InvalidInput("must be in the future", field="expires_on")
    check_term(expires_on, uow.today(), "expires_on")
    row = CoverPolicyRow(
        id=new_id("pol"),
        insurer_org_id=insurer,
        insured_org_id=insured_org_id,
        debtor_org_id=debtor_org_id,
        kind=kind,
        cover_ratio=cover_ratio,
        premium_rate=premium_rate,
        currency=limit.currency,
        limit_minor=limit.minor,
        used_minor=0,
        expires_on=expires_on,
        created_at=uow.now(),
    )
    add_audited(uow, row, "financing.cover.written", ("cover_policy", row.id), policy_dict)
    notify(uow, insured_org_id, "cover_written", f"Cover policy {row.id}", f"{kind} written")
    uow.commit()
    return row


def list_policies(uow: UnitOfWork) -> list[CoverPolicyRow]:
    stmt = select(CoverPolicyRow)
    a = uow.actor
    if not watches_all(a):
        stmt = stmt.where(
            (CoverPolicyRow.insurer_org_id == a.org_id)
            | (CoverPolicyRow.insured_org_id == a.org_id)
        )
    return list(uow.session.scalars(stmt.order_by(CoverPolicyRow.created_at)))


def policy_for(
    uow: UnitOfWork, policy_id: object, applicant: str, debtor: str | None, amount: Money, due: date
) -> CoverPolicyRow:
    """Return the policy an application names, refused unless it covers this financing."""
    if not isinstance(policy_id, str) or not policy_id:
        raise InvalidInput("this scenario needs a cover policy", field="asset.policy_id")
    row = uow.session.get(CoverPolicyRow, policy_id)
    if row is None or row.insured_org_id != applicant:
        raise InvalidInput(f"no policy {policy_id} covers the applicant", field="asset.policy_id")
    if row.debtor_org_id != debtor:
        raise InvalidInput("the policy covers another debtor", field="asset.policy_id")
    if row.expires_on < due:
        raise InvalidInput(
            f"the policy expires on {row.expires_on.isoformat()}, before the due date",
            field="asset.policy_id",
        )
    if row.currency != amount.currency or row.limit_minor - row.used_minor < amount.minor:
        free = Money(row.limit_minor - row.used_minor, row.currency)
        raise InvalidInput(
            f"the policy has {free} of cover left; {amount} asked",
            field="asset.policy_id",
            code="cover_exhausted",
        )
    parties.require_not_blacklisted(uow, row.insurer_org_id)
    return row


def claim_dict(c: ClaimRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "application_id": c.application_id,
        "policy_id": c.policy_id,
        "insurer_org_id": c.insurer_org_id,
        "claimant_org_id": c.claimant_org_id,
        "amount": Money(c.amount_minor, c.currency).as_json(),
        "paid": Money(c.paid_minor, c.currency).as_json(),
        "status": c.status,
        "opened_at": c.opened_at.isoformat(),
    }


def open_claim(uow: UnitOfWork, app: FinancingApplicationRow) -> ClaimRow:
    """Claim the covered share of a defaulted financing's outstanding from its insurer."""
    pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
    assert pol is not None
    claim = ClaimRow(
        id=new_id("clm"),
        application_id=app.id,
        policy_id=pol.id,
        insurer_org_id=pol.insurer_org_id,
        claimant_org_id=app.funder_org_id or "",
        currency=app.currency,
        amount_minor=app.outstanding.scale(Decimal(pol.cover_ratio)).minor,
        paid_minor=0,
        status="open",
        opened_at=uow.now(),
    )
    add_audited(uow, claim, "financing.claim.opened", ("claim", claim.id), claim_dict)
    notify(
        uow,
        pol.insurer_org_id,
        "claim",
        f"Claim {claim.id} under policy {pol.id}",
        f"{Money(claim.amount_minor, claim.currency)} claimed for financing {app.id}",
        app.id,
    )
    return claim


def list_claims(uow: UnitOfWork) -> list[ClaimRow]:
    a = uow.actor
    stmt = select(ClaimRow).order_by(ClaimRow.opened_at)
    if not watches_all(a):
        stmt = stmt.where(
            (ClaimRow.insurer_org_id == a.org_id) | (ClaimRow.claimant_org_id == a.org_id)
        )
    return list(uow.session.scalars(stmt))
