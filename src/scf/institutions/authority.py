"""Decision authority: per unit and product, amount bands (tenor, officer grade, exceptions to
the automatic checks) and a second approver above a threshold, enforced when the institution
makes an offer in the financing room; each decision records who approved under which
authority."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from scf.certificates import service as certificates
from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.institutions import model as M
from scf.institutions.common import (
    acting_institution,
    find_unit,
    officer,
    own_unit,
    unit_of_product,
    watches_all,
)
from scf.institutions.tables import AuthorityRow, DecisionRow, UnitRow

OPEN_FOR_OFFERS = ("sent", "offered")
# The product whose unit governs an institution's purchases of payable-certificate pieces.
CERTIFICATE_SCENARIO = "reverse_factoring"
# The green channel decides on the institution's behalf with the authority of its most
# junior officer: within a band open to grade 1, its tenor, and below the second threshold.
GREEN_CHANNEL_GRADE = 1


def authority_dict(row: AuthorityRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_id": row.unit_id,
        "product_id": row.product_id,
        "revision": row.revision,
        "bands": list(row.bands),
        "second_approval_above": Money(row.second_above_minor, row.currency).as_json(),
        "set_by": row.set_by,
        "set_at": row.set_at,
    }


def decision_dict(row: DecisionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "application_id": row.application_id,
        "org_id": row.org_id,
        "unit_id": row.unit_id,
        "product_id": row.product_id,
        "authority_id": row.authority_id,
        "status": row.status,
        "amount": Money(row.amount_minor, row.currency).as_json(),
        "tenor_days": row.tenor_days,
        "flagged": list(row.flagged),
        "approvals": list(row.approvals),
        "offer_id": row.offer_id,
        "created_at": row.created_at,
        "decided_at": row.decided_at,
    }


def current_authority(uow: UnitOfWork, unit_id: str, product_id: str) -> AuthorityRow | None:
    return uow.session.scalar(
        select(AuthorityRow)
        .where(AuthorityRow.unit_id == unit_id, AuthorityRow.product_id == product_id)
        .order_by(AuthorityRow.revision.desc())
    )


def bands_of(row: AuthorityRow) -> list[M.Band]:
    return [M.Band.of(b) for b in row.bands]


def set_authority(
    uow: UnitOfWork, unit_id: str, product_id: str, bands: Sequence[M.Band], second_above: Money
) -> AuthorityRow:
    """A new revision of the unit's authority over one of its products; bands that overlap or
    leave a gap are refused, naming the band."""
    unit = own_unit(uow, unit_id)
    link = unit_of_product(uow, product_id)
    if link is None or link.unit_id != unit.id:
        raise InvalidInput(f"{product_id} is no product of unit {unit.name}", field="product_id")
    if second_above.is_negative():
        raise InvalidInput("must not be negative", field="second_approval_above")
    ordered = M.check_bands(bands, second_above.currency)
    last = uow.session.scalar(
        select(func.max(AuthorityRow.revision)).where(
            AuthorityRow.unit_id == unit.id, AuthorityRow.product_id == product_id
        )
    )
    row = AuthorityRow(
        id=new_id("aut"),
        unit_id=unit.id,
        product_id=product_id,
        revision=(last or 0) + 1,
        currency=second_above.currency,
        bands=[b.as_dict() for b in ordered],
        second_above_minor=second_above.minor,
        set_by=uow.actor.username,
        set_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("institutions.authority.set", "unit", unit.id, after=authority_dict(row))
    uow.commit()
    return row


def authorities_of(uow: UnitOfWork, unit_id: str) -> list[AuthorityRow]:
    """Every revision of the unit's authority, newest first per product."""
    find_unit(uow, unit_id)
    return list(
        uow.session.scalars(
            select(AuthorityRow)
            .where(AuthorityRow.unit_id == unit_id)
            .order_by(AuthorityRow.product_id, AuthorityRow.revision.desc())
        )
    )


def decision_for(uow: UnitOfWork, application_id: str, org_id: str | None) -> DecisionRow | None:
    return uow.session.scalar(
        select(DecisionRow).where(
            DecisionRow.application_id == application_id, DecisionRow.org_id == org_id
        )
    )


def _approval(
    uow: UnitOfWork,
    unit: UnitRow,
    auth: AuthorityRow,
    amount: Money,
    tenor: int,
    flagged: list[str],
) -> dict[str, Any]:
    """The acting officer's approval, or a refusal saying which limit it breaks."""
    off = officer(uow, unit.id, uow.actor.user_id, M.OfficerRole.OFFICER.value)
    if off is None:
        raise PermissionDenied(
            f"{uow.actor.username} is no officer of unit {unit.name}", code="not_an_officer"
        )
    if amount.currency != auth.currency:
        raise PermissionDenied(
            f"the unit's authority is in {auth.currency}", code="above_authority"
        )
    bands = bands_of(auth)
    reason = M.approval_refusal(bands, amount, tenor, off.grade, flagged)
    if reason is not None:
        raise PermissionDenied(reason, code="above_authority")
    band = M.band_for(bands, amount)
    assert band is not None
    return {
        "user_id": off.user_id,
        "username": off.username,
        "grade": off.grade,
        "authority_id": auth.id,
        "authority_revision": auth.revision,
        "band": band.as_dict(),
        "at": uow.now().isoformat(),
    }


def _second(uow: UnitOfWork, unit: UnitRow, dec: DecisionRow) -> dict[str, Any]:
    """The second approval (four eyes): any other officer of the unit."""
    off = officer(uow, unit.id, uow.actor.user_id, M.OfficerRole.OFFICER.value)
    if off is None:
        raise PermissionDenied(
            f"{uow.actor.username} is no officer of unit {unit.name}", code="not_an_officer"
        )
    if any(a["user_id"] == off.user_id for a in dec.approvals):
        raise Conflict("a second officer must approve, not you again", code="same_approver")
    return {
        "user_id": off.user_id,
        "username": off.username,
        "grade": off.grade,
        "second": True,
        "at": uow.now().isoformat(),
    }


def _new_decision(
    uow: UnitOfWork,
    unit: UnitRow,
    auth: AuthorityRow,
    application_id: str,
    amount: Money,
    tenor: int,
    flagged: list[str],
    approval: dict[str, Any],
    status: M.DecisionStatus,
) -> DecisionRow:
    now = uow.now()
    row = DecisionRow(
        id=new_id("dcs"),
        application_id=application_id,
        org_id=unit.org_id,
        unit_id=unit.id,
        product_id=auth.product_id,
        authority_id=auth.id,
        status=status.value,
        currency=amount.currency,
        amount_minor=amount.minor,
        tenor_days=tenor,
        flagged=flagged,
        approvals=[approval],
        created_at=now,
        decided_at=now if status is M.DecisionStatus.APPROVED else None,
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(f"institutions.decision.{status.value}", "decision", row.id, after=decision_dict(row))
    return row


def _governing(uow: UnitOfWork, product_id: str) -> tuple[UnitRow, AuthorityRow] | None:
    link = unit_of_product(uow, product_id)
    if link is None:
        return None
    unit = uow.session.get(UnitRow, link.unit_id)
    assert unit is not None
    auth = current_authority(uow, unit.id, product_id)
    if auth is None:
        raise PermissionDenied(
            f"unit {unit.name} has set no authority over product {product_id} yet",
            code="no_authority",
        )
    return unit, auth


def authorize_offer(
    uow: UnitOfWork,
    *,
    application_id: str,
    product_id: str,
    amount: Money,
    tenor_days: int,
    flagged: list[str],
) -> dict[str, Any] | None:
    """Called by the financing room before an institution's officer makes an offer: None
    when no unit governs the product; the approved decision when there is one; else the
    acting officer's own decision within authority. Above the unit's threshold a second
    officer must approve first (POST /institutions/approvals)."""
    governing = _governing(uow, product_id)
    if governing is None:
        return None
    unit, auth = governing
    dec = decision_for(uow, application_id, unit.org_id)
    if dec is not None and dec.status == M.DecisionStatus.APPROVED.value:
        return decision_dict(dec)
    approval = _approval(uow, unit, auth, amount, tenor_days, flagged)
    if dec is not None or amount.minor > auth.second_above_minor:
        raise Conflict(
            f"above {Money(auth.second_above_minor, auth.currency).amount_str()} two officers "
            "approve: file the approvals at /api/v1/institutions/approvals",
            code="second_approval_required",
        )
    dec = _new_decision(
        uow,
        unit,
        auth,
        application_id,
        amount,
        tenor_days,
        flagged,
        approval,
        M.DecisionStatus.APPROVED,
    )
    return decision_dict(dec)


def authorize_green(
    uow: UnitOfWork,
    *,
    application_id: str,
    product_id: str,
    amount: Money,
    tenor_days: int,
) -> tuple[dict[str, Any] | None, str | None]:
    """Called by the financing room before the green channel prices an institution's offer
    at once: (None, None) when no unit governs the product; (decision, None) when the amount
    and tenor lie within the unit's authority for its most junior grade and below the
    second-approval threshold (the decision records the automatic approval and the band);
    (None, reason) when the unit's officers must decide instead."""
    link = unit_of_product(uow, product_id)
    if link is None:
        return None, None
    unit = uow.session.get(UnitRow, link.unit_id)
    assert unit is not None
    auth = current_authority(uow, unit.id, product_id)
    if auth is None:
        return None, f"unit {unit.name} has set no authority over product {product_id} yet"
    bands = bands_of(auth)
    reason: str | None = None
    if amount.currency != auth.currency:
        reason = f"the unit's authority is in {auth.currency}"
    elif amount.minor > auth.second_above_minor:
        reason = (
            f"above {Money(auth.second_above_minor, auth.currency).amount_str()} "
            "two officers approve"
        )
    else:
        reason = M.approval_refusal(bands, amount, tenor_days, GREEN_CHANNEL_GRADE, [])
    if reason is not None:
        uow.audit(
            "institutions.decision.referred",
            "unit",
            unit.id,
            after={"application_id": application_id, "authority_id": auth.id, "reason": reason},
        )
        return None, reason
    band = M.band_for(bands, amount)
    assert band is not None
    approval = {
        "user_id": None,
        "username": "green_channel",
        "grade": GREEN_CHANNEL_GRADE,
        "automatic": True,
        "authority_id": auth.id,
        "authority_revision": auth.revision,
        "band": band.as_dict(),
        "at": uow.now().isoformat(),
    }
    dec = _new_decision(
        uow, unit, auth, application_id, amount, tenor_days, [], approval, M.DecisionStatus.APPROVED
    )
    return decision_dict(dec), None


def purchase_product(uow: UnitOfWork, funder_org_id: str, currency: str) -> str | None:
    """The institution's certificate-financing product in the currency, when it has one."""
    own = [
        p.id
        for p in financing.list_products(uow, CERTIFICATE_SCENARIO)
        if p.funder_org_id == funder_org_id and p.currency == currency
    ]
    return own[-1] if own else None


def authorize_purchase(
    uow: UnitOfWork, *, financing_id: str, amount: Money, tenor_days: int
) -> dict[str, Any] | None:
    """Called by the certificates room before an institution's officer buys a piece a holder
    offered: when the institution's certificate-financing (reverse factoring) product belongs
    to a unit, the same bands and refusals as an offer on an application (403 above_authority,
    409 second_approval_required: POST /institutions/purchase-approvals); None otherwise."""
    org = uow.actor.org_id
    prod = purchase_product(uow, org, amount.currency) if org else None
    if prod is None:
        return None
    return authorize_offer(
        uow,
        application_id=financing_id,
        product_id=prod,
        amount=amount,
        tenor_days=tenor_days,
        flagged=[],
    )


def approve_purchase(uow: UnitOfWork, financing_id: str) -> DecisionRow:
    """An officer approves buying a certificate piece a holder offered under the unit's
    authority; within one officer's authority (or as the second of two) the piece is bought
    at once."""
    org = acting_institution(uow)
    fin = certificates.get_financing(uow, financing_id)
    if fin.funder_org_id != org:
        raise NotFound(f"financing {financing_id} not found")
    if fin.status != "offered":
        raise Conflict(f"financing {financing_id} is {fin.status}", code="financing_decided")
    amount = Money(fin.amount_minor, fin.currency)
    prod = purchase_product(uow, org, fin.currency)
    governing = _governing(uow, prod) if prod else None
    if governing is None:
        raise InvalidInput(
            "no unit's authority governs certificate financing: accept the offer directly",
            field="certificate_financing_id",
            code="no_unit_authority",
        )
    unit, auth = governing
    tenor = certificates.tenor_of_financing(uow, fin)
    dec = _decide(uow, unit, auth, fin.id, amount, tenor, [])
    if dec.status == M.DecisionStatus.APPROVED.value:
        certificates.accept_financing(uow, fin.id, commit=False)
    uow.commit()
    return dec


def _decide(
    uow: UnitOfWork,
    unit: UnitRow,
    auth: AuthorityRow,
    subject_id: str,
    amount: Money,
    tenor: int,
    flagged: list[str],
) -> DecisionRow:
    """The first officer's decision, or the second officer's approval of an open one."""
    dec = decision_for(uow, subject_id, unit.org_id)
    if dec is not None and dec.status == M.DecisionStatus.APPROVED.value:
        raise Conflict(f"decision {dec.id} was already taken", code="already_decided")
    if dec is None:
        approval = _approval(uow, unit, auth, amount, tenor, flagged)
        two = amount.minor > auth.second_above_minor
        status = M.DecisionStatus.AWAITING_SECOND if two else M.DecisionStatus.APPROVED
        return _new_decision(uow, unit, auth, subject_id, amount, tenor, flagged, approval, status)
    approval = _second(uow, unit, dec)
    before = decision_dict(dec)
    dec.approvals = [*dec.approvals, approval]
    dec.status = M.DecisionStatus.APPROVED.value
    dec.decided_at = uow.now()
    uow.flush()
    uow.audit(
        "institutions.decision.approved",
        "decision",
        dec.id,
        before=before,
        after=decision_dict(dec),
    )
    return dec


def bind_offer(uow: UnitOfWork, decision_id: str, offer_id: str) -> None:
    """Record the offer the decision led to (called by the financing room)."""
    row = uow.session.get(DecisionRow, decision_id)
    if row is None:
        raise NotFound(f"decision {decision_id} not found")
    row.offer_id = offer_id
    uow.flush()
    uow.audit("institutions.decision.offered", "decision", row.id, after={"offer_id": offer_id})


def approve(uow: UnitOfWork, application_id: str) -> DecisionRow:
    """An officer approves an application sent to the institution under the unit's authority;
    within one officer's authority (or as the second of two) the offer is made at once."""
    org = acting_institution(uow)
    app = financing.get_application(uow, application_id)
    if org not in app.funder_org_ids:
        raise NotFound(f"application {application_id} not found")
    if app.status not in OPEN_FOR_OFFERS:
        raise Conflict(f"the application is {app.status}", code="not_open_for_offers")
    prod = financing.product_for(uow, org, app.scenario, app.currency)
    governing = _governing(uow, prod.id)
    if governing is None:
        raise InvalidInput(
            "no unit's authority governs the product: make the offer directly",
            field="application_id",
            code="no_unit_authority",
        )
    unit, auth = governing
    tenor = (app.due_on - uow.today()).days
    dec = _decide(uow, unit, auth, app.id, app.amount, tenor, financing.flagged_checks(app))
    if dec.status == M.DecisionStatus.APPROVED.value:
        financing.make_offer(uow, app.id, commit=False)
    uow.commit()
    return dec


def list_decisions(uow: UnitOfWork, unit_id: str | None = None) -> list[DecisionRow]:
    """The institution's decisions (a unit's when named); all for the platform's watchers."""
    stmt = select(DecisionRow).order_by(DecisionRow.created_at, DecisionRow.id)
    if not watches_all(uow):
        stmt = stmt.where(DecisionRow.org_id == acting_institution(uow))
    if unit_id:
        stmt = stmt.where(DecisionRow.unit_id == unit_id)
    return list(uow.session.scalars(stmt))
