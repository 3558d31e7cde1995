"""Intellectual property for credit on weak property rights: the owner records a patent,
software copyright or trademark by its registration number, an appraiser values it with a
haircut, a financing pledges it (the registry keeps one live pledge per number) and closing
releases it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.bounds import check_text
from scf.core.clock import ensure_utc
from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import Money, check_settlement_currency
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.scenarios.model import IP_VALUATION_DAYS, IpStatus, ip_haircut, ip_number
from scf.scenarios.tables import IpAssetRow

OWNERS = ("supplier", "distributor")
WATCHERS = ("regulator", "operator")


def ip_dict(row: IpAssetRow) -> dict[str, Any]:
    appraised = (
        Money(row.appraised_minor, row.currency)
        if row.appraised_minor is not None and row.currency
        else None
    )
    return {
        "id": row.id,
        "owner_org_id": row.owner_org_id,
        "kind": row.kind,
        "registration_no": row.registration_no,
        "title": row.title,
        "expires_on": row.expires_on.isoformat(),
        "status": row.status,
        "appraiser_org_id": row.appraiser_org_id,
        "appraised": appraised.as_json() if appraised else None,
        "haircut": str(row.haircut) if row.haircut is not None else None,
        "lending_value": lending_value(row).as_json() if appraised else None,
        "report_no": row.report_no,
        "valued_at": ensure_utc(row.valued_at).isoformat() if row.valued_at else None,
        "application_id": row.application_id,
    }


def lending_value(row: IpAssetRow) -> Money:
    """The appraised value less the haircut, rounded once."""
    assert row.appraised_minor is not None and row.currency and row.haircut is not None
    return Money(row.appraised_minor, row.currency).scale(1 - Decimal(row.haircut))


def record_ip(
    uow: UnitOfWork, *, kind: str, registration_no: str, title: str, expires_on: date
) -> IpAssetRow:
    """The owner records a right it holds, by the office's registration number."""
    parties.require_role(uow.actor, *OWNERS)
    owner = uow.actor.org_id
    if owner is None:
        raise InvalidInput("an enterprise records its own rights", field="owner")
    number = ip_number(kind, registration_no)
    name = check_text(title.strip(), "title", max_length=200, multiline=False)
    if not name:
        raise InvalidInput("name the right", field="title")
    if expires_on <= uow.today():
        raise InvalidInput("the right has expired", field="expires_on")
    taken = uow.session.scalar(
        select(IpAssetRow.id).where(IpAssetRow.kind == kind, IpAssetRow.registration_no == number)
    )
    if taken is not None:
        raise Conflict(
            f"{kind} {number} is already recorded ({taken})",
            code="duplicate_ip",
            details={"ip_id": taken},
        )
    row = IpAssetRow(
        id=new_id("ipr"),
        owner_org_id=owner,
        kind=kind,
        registration_no=number,
        title=name,
        expires_on=expires_on,
        status=IpStatus.RECORDED.value,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("scenarios.ip.recorded", "ip_asset", row.id, after=ip_dict(row))
    uow.commit()
    return row


def value_ip(
    uow: UnitOfWork, ip_id: str, *, value: Money, haircut: object, report_no: str
) -> IpAssetRow:
    """An appraiser values a recorded right (again, when an earlier valuation is old)."""
    parties.require_role(uow.actor, "appraiser")
    row = uow.session.get(IpAssetRow, ip_id)
    if row is None:
        raise NotFound(f"no intellectual property {ip_id}")
    if row.owner_org_id == uow.actor.org_id:
        raise PermissionDenied("an owner does not value its own rights")
    if row.status not in (IpStatus.RECORDED, IpStatus.VALUED, IpStatus.RELEASED):
        raise Conflict(f"{row.registration_no} is {row.status}", code="ip_pledged")
    check_settlement_currency(value.currency, "value.currency")
    if not value.is_positive():
        raise InvalidInput("above zero", field="value.amount")
    cut = ip_haircut(haircut)
    report = check_text(report_no.strip(), "report_no", max_length=64, multiline=False)
    if not report:
        raise InvalidInput("the valuation report's number", field="report_no")
    before = ip_dict(row)
    row.status = IpStatus.VALUED.value
    row.appraiser_org_id = uow.actor.org_id
    row.currency, row.appraised_minor, row.haircut = value.currency, value.minor, cut
    row.report_no, row.valued_at = report, uow.now()
    uow.flush()
    uow.audit("scenarios.ip.valued", "ip_asset", row.id, before=before, after=ip_dict(row))
    uow.commit()
    return row


def list_ip(uow: UnitOfWork) -> list[IpAssetRow]:
    """Rights the caller owns (all for watchers and appraisers), newest first."""
    q = select(IpAssetRow).order_by(IpAssetRow.created_at.desc(), IpAssetRow.id.desc()).limit(500)
    actor = uow.actor
    if not (actor.is_system or actor.has(*WATCHERS, "appraiser")):
        q = q.where(IpAssetRow.owner_org_id == actor.org_id)
    return list(uow.session.scalars(q))


def ip_for_financing(uow: UnitOfWork, ip_id: str, owner_org_id: str) -> IpAssetRow:
    """The owner's valued right, not pledged, on a recent valuation; else refuse."""
    field = "asset.ip_id"
    row = uow.session.get(IpAssetRow, ip_id)
    if row is None or row.owner_org_id != owner_org_id:
        raise InvalidInput(f"no intellectual property {ip_id} of the applicant", field=field)
    if row.status == IpStatus.PLEDGED:
        raise InvalidInput(
            f"{row.kind} {row.registration_no} is pledged already "
            f"(application {row.application_id})",
            field=field,
            code="ip_pledged",
        )
    if row.status not in (IpStatus.VALUED, IpStatus.RELEASED) or row.valued_at is None:
        raise InvalidInput(
            f"no appraiser has valued {row.registration_no}", field=field, code="ip_not_valued"
        )
    if ensure_utc(row.valued_at) < uow.now() - timedelta(days=IP_VALUATION_DAYS):
        raise InvalidInput(
            f"the valuation of {row.registration_no} is over {IP_VALUATION_DAYS} days old",
            field=field,
            code="stale_valuation",
        )
    return row


def pledge_ip_in(uow: UnitOfWork, ip_id: str, application_id: str) -> None:
    """Mark the right pledged for the application; no commit."""
    row = uow.session.get(IpAssetRow, ip_id, with_for_update=True)
    if row is None or row.status not in (IpStatus.VALUED, IpStatus.RELEASED):
        raise Conflict(f"intellectual property {ip_id} cannot be pledged now", code="ip_pledged")
    before = ip_dict(row)
    row.status, row.application_id = IpStatus.PLEDGED.value, application_id
    uow.flush()
    uow.audit("scenarios.ip.pledged", "ip_asset", row.id, before=before, after=ip_dict(row))


def release_ip_in(uow: UnitOfWork, ip_id: str, reason: str) -> None:
    """The financing closed: the right is free again; no commit."""
    row = uow.session.get(IpAssetRow, ip_id, with_for_update=True)
    if row is None or row.status != IpStatus.PLEDGED:
        return
    before = ip_dict(row)
    row.status = IpStatus.RELEASED.value
    uow.flush()
    uow.audit(
        "scenarios.ip.released",
        "ip_asset",
        row.id,
        before=before,
        after={**ip_dict(row), "reason": reason},
    )
