"""Supervisors below the city regulator (seed III.12): whose records each may read.

A district regulator reads the organizations registered in its own district (its
organization's district); an industry association reads nothing record by record, only
aggregates over its members; a government department reads what the operator granted it
(scopes, optionally within districts, until expiry). The operator keeps the memberships and
the grants; `authorize_read` consults them and logs every read as it logs the regulator's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties.common import commit_change, find_organization, parse_enum, require_role
from scf.parties.model import (
    NON_TRADING_ROLES,
    OVERSIGHT_ROLES,
    ConsentScope,
    District,
    Role,
)
from scf.parties.tables import AssociationMemberRow, OrganizationRow, ReadGrantRow


@dataclass(frozen=True)
class Oversight:
    """What a supervisor sees: the whole city, one district, members' aggregates or grants."""

    level: str  # city, district, association, department
    district: str | None = None


def oversight_of(uow: UnitOfWork) -> Oversight:
    """The acting supervisor's level; refuse anyone who supervises nothing (403)."""
    actor = uow.actor
    if actor.is_system or actor.is_regulator:
        return Oversight("city")
    if actor.org_id is not None and actor.has(*OVERSIGHT_ROLES):
        org = find_organization(uow, actor.org_id)
        if actor.has(Role.DISTRICT_REGULATOR):
            return Oversight("district", org.district)
        if actor.has(Role.INDUSTRY_ASSOCIATION):
            return Oversight("association")
        return Oversight("department")
    raise PermissionDenied("this is for supervisors", code="role_not_allowed")


def supervised_district(uow: UnitOfWork, district: str | None) -> str | None:
    """The district a regulator asks about: the city regulator any (None: the whole city), a
    district regulator its own only; another district is refused with the reason."""
    level = oversight_of(uow)
    wanted = parse_enum(district, District, "district").value if district else None
    if level.level == "city":
        return wanted
    if level.level != "district":
        raise PermissionDenied("this is for financial regulators", code="role_not_allowed")
    if wanted is not None and wanted != level.district:
        raise PermissionDenied(
            f"a district regulator sees its own district ({level.district}) only",
            code="district_out_of_scope",
        )
    return level.district


def district_read_basis(uow: UnitOfWork, subjects: Sequence[str]) -> str | None:
    """`district` when the acting district regulator's district holds one of the subjects."""
    actor = uow.actor
    if actor.org_id is None or not actor.has(Role.DISTRICT_REGULATOR):
        return None
    own = find_organization(uow, actor.org_id).district
    rows = uow.session.scalars(
        select(OrganizationRow.district).where(OrganizationRow.id.in_(subjects))
    )
    return "district" if own in set(rows) else None


def organizations_in_district(uow: UnitOfWork, district: str | None) -> list[OrganizationRow]:
    """The organizations registered in a district, or in the city (None), for the regulators
    who may see it (`supervised_district`)."""
    stmt = select(OrganizationRow).order_by(OrganizationRow.name, OrganizationRow.id)
    if district is not None:
        stmt = stmt.where(OrganizationRow.district == district)
    return list(uow.session.scalars(stmt))


# ---------------------------------------------------------------- industry associations


def _association(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    org = find_organization(uow, org_id)
    if Role.INDUSTRY_ASSOCIATION not in org.roles:
        raise InvalidInput("this organization is not an industry association", field="association")
    return org


def add_association_member(
    uow: UnitOfWork, association_org_id: str, member_org_id: str, joined_on: date
) -> AssociationMemberRow:
    """The operator records that an organization joined an association on a date."""
    require_role(uow.actor, Role.OPERATOR)
    _association(uow, association_org_id)
    try:
        member = find_organization(uow, member_org_id)
    except NotFound:
        raise InvalidInput("no organization has this id", field="member_org_id") from None
    if set(member.roles) & NON_TRADING_ROLES:
        raise InvalidInput("supervisors are not members", field="member_org_id")
    if joined_on > uow.today():
        raise InvalidInput("the joining date is in the future", field="joined_on")
    live = uow.session.scalar(
        select(AssociationMemberRow.id).where(
            AssociationMemberRow.association_org_id == association_org_id,
            AssociationMemberRow.member_org_id == member_org_id,
            AssociationMemberRow.left_on.is_(None),
        )
    )
    if live is not None:
        raise Conflict("the organization is already a member", code="already_member")
    row = AssociationMemberRow(
        id=new_id("asm"),
        association_org_id=association_org_id,
        member_org_id=member_org_id,
        joined_on=joined_on,
        left_on=None,
        created_at=uow.now(),
    )
    uow.session.add(row)
    commit_change(uow, "association.member_joined", "association_member", row)
    return row


def end_association_membership(
    uow: UnitOfWork, membership_id: str, left_on: date
) -> AssociationMemberRow:
    """The operator records that a member left on a date."""
    require_role(uow.actor, Role.OPERATOR)
    row = uow.session.get(AssociationMemberRow, membership_id)
    if row is None:
        raise NotFound(f"membership {membership_id} not found")
    if row.left_on is not None:
        raise Conflict("the member has already left", code="not_a_member")
    if left_on < row.joined_on:
        raise InvalidInput("the member cannot leave before it joined", field="left_on")
    if left_on > uow.today():
        raise InvalidInput("the leaving date is in the future", field="left_on")
    before = row.snapshot()
    row.left_on = left_on
    commit_change(uow, "association.member_left", "association_member", row, before=before)
    return row


def association_members(
    uow: UnitOfWork, association_org_id: str, on: date | None = None
) -> list[AssociationMemberRow]:
    """Memberships of an association (live on a date if given): the operator and the
    regulator see any association's, an association its own."""
    actor = uow.actor
    if not (actor.is_system or actor.is_operator or actor.is_regulator):
        if actor.org_id != association_org_id:
            raise NotFound(f"organization {association_org_id} not found")
    _association(uow, association_org_id)
    rows = uow.session.scalars(
        select(AssociationMemberRow)
        .where(AssociationMemberRow.association_org_id == association_org_id)
        .order_by(AssociationMemberRow.joined_on, AssociationMemberRow.id)
    )
    return [
        r
        for r in rows
        if on is None or (r.joined_on <= on and (r.left_on is None or r.left_on > on))
    ]


# ---------------------------------------------------------------- government departments


def grant_read(
    uow: UnitOfWork,
    department_org_id: str,
    scopes: Sequence[str],
    districts: Sequence[str],
    expires_at: datetime,
    purpose: str,
) -> ReadGrantRow:
    """The operator lets a government department read records within scopes and districts."""
    require_role(uow.actor, Role.OPERATOR)
    try:
        dept = find_organization(uow, department_org_id)
    except NotFound:
        raise InvalidInput("no organization has this id", field="department_org_id") from None
    if Role.GOVERNMENT_DEPARTMENT not in dept.roles:
        raise InvalidInput(
            "read scopes are granted to government departments", field="department_org_id"
        )
    parsed = sorted({parse_enum(s, ConsentScope, "scopes").value for s in scopes})
    if not parsed:
        raise InvalidInput("name at least one scope", field="scopes")
    where = sorted({parse_enum(d, District, "districts").value for d in districts})
    if not purpose.strip():
        raise InvalidInput("say what the department reads for", field="purpose")
    now = uow.now()
    if expires_at.tzinfo is None:
        raise InvalidInput("give a timezone, e.g. 2027-01-01T00:00:00Z", field="expires_at")
    if expires_at <= now:
        raise InvalidInput("expiry must be in the future", field="expires_at")
    if expires_at > now + timedelta(days=3 * 366):
        raise InvalidInput("a grant lasts at most three years", field="expires_at")
    row = ReadGrantRow(
        id=new_id("rgr"),
        department_org_id=department_org_id,
        scopes=parsed,
        districts=where,
        purpose=purpose.strip()[:500],
        granted_by=uow.actor.user_id,
        granted_at=now,
        expires_at=expires_at,
        revoked_at=None,
    )
    uow.session.add(row)
    commit_change(uow, "read_grant.granted", "read_grant", row)
    return row


def revoke_read_grant(uow: UnitOfWork, grant_id: str) -> ReadGrantRow:
    require_role(uow.actor, Role.OPERATOR)
    row = uow.session.get(ReadGrantRow, grant_id)
    if row is None:
        raise NotFound(f"read grant {grant_id} not found")
    if row.revoked_at is not None:
        raise Conflict("the grant is already revoked", code="already_revoked")
    before = row.snapshot()
    row.revoked_at = uow.now()
    commit_change(uow, "read_grant.revoked", "read_grant", row, before=before)
    return row


def read_grants(uow: UnitOfWork) -> list[ReadGrantRow]:
    """Grants: all for the operator and the regulator, a department its own."""
    actor = uow.actor
    stmt = select(ReadGrantRow).order_by(ReadGrantRow.granted_at.desc(), ReadGrantRow.id)
    if not (actor.is_system or actor.is_operator or actor.is_regulator):
        stmt = stmt.where(ReadGrantRow.department_org_id == actor.org_id)
    return list(uow.session.scalars(stmt))


def department_grant(uow: UnitOfWork, subjects: Sequence[str], scope: str) -> ReadGrantRow | None:
    """The acting department's live grant covering the scope and a subject's district."""
    actor = uow.actor
    if actor.org_id is None or not actor.has(Role.GOVERNMENT_DEPARTMENT):
        return None
    now = uow.now()
    grants = uow.session.scalars(
        select(ReadGrantRow).where(
            ReadGrantRow.department_org_id == actor.org_id,
            ReadGrantRow.revoked_at.is_(None),
            ReadGrantRow.expires_at > now,
        )
    )
    districts = set(
        uow.session.scalars(
            select(OrganizationRow.district).where(OrganizationRow.id.in_(subjects))
        )
    )
    for g in grants:
        if str(scope) in g.scopes and (not g.districts or districts & set(g.districts)):
            return g
    return None
