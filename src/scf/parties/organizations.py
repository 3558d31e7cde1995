"""Organizations: onboarding with USCC validation, roles and licences, changes, lookups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from scf.core.errors import Conflict, InvalidInput
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties.access import authorize_read
from scf.parties.common import commit_change, find_organization, parse_enum, require_role
from scf.parties.model import (
    FINANCIAL_ROLES,
    ConsentScope,
    District,
    Role,
    SizeClass,
    validate_uscc,
)
from scf.parties.tables import OrganizationRow


@dataclass
class OrganizationInput:
    uscc: str
    name: str
    district: str
    roles: Sequence[str]
    size_class: str
    founded_on: date
    registered_capital: Money
    chain_tags: Sequence[str] = ()
    address: str = ""
    phone: str = ""
    bank_account: str = ""
    licence_no: str | None = None
    licence_authority: str | None = None
    licence_scope: str | None = None
    licence_expires_on: date | None = None


def register_organization(uow: UnitOfWork, data: OrganizationInput) -> OrganizationRow:
    """Onboard an enterprise or institution (operator only)."""
    require_role(uow.actor, Role.OPERATOR)
    uscc = validate_uscc(data.uscc)
    district = parse_enum(data.district, District, "district")
    roles = sorted({parse_enum(r, Role, "roles").value for r in data.roles})
    if not roles:
        raise InvalidInput("an organization needs at least one role", field="roles")
    size = parse_enum(data.size_class, SizeClass, "size_class")
    name = data.name.strip()
    if not name:
        raise InvalidInput("a name is required", field="name")
    if data.registered_capital.is_negative():
        raise InvalidInput("registered capital cannot be negative", field="registered_capital")
    if data.founded_on > uow.today():
        raise InvalidInput("founding date is in the future", field="founded_on")
    if set(roles) & FINANCIAL_ROLES and not data.licence_no:
        raise InvalidInput(
            "financial institutions must give their licence number", field="licence_no"
        )
    tags = sorted({t.strip() for t in data.chain_tags if t.strip()})
    s = uow.session
    if s.scalar(select(OrganizationRow.id).where(OrganizationRow.uscc == uscc)):
        raise Conflict(
            f"an organization with USCC {uscc} is already registered", code="duplicate_uscc"
        )
    row = OrganizationRow(
        id=new_id("org"),
        uscc=uscc,
        name=name,
        district=district.value,
        roles=roles,
        chain_tags=tags,
        size_class=size.value,
        founded_on=data.founded_on,
        registered_capital_minor=data.registered_capital.minor,
        registered_capital_currency=data.registered_capital.currency,
        address=data.address.strip(),
        phone=data.phone.strip(),
        bank_account=data.bank_account.strip(),
        licence_no=data.licence_no,
        licence_authority=data.licence_authority,
        licence_scope=data.licence_scope,
        licence_expires_on=data.licence_expires_on,
        created_at=uow.now(),
    )
    s.add(row)
    commit_change(uow, "organization.registered", "organization", row, org_id=row.id)
    return row


UPDATABLE = {
    "name",
    "district",
    "chain_tags",
    "size_class",
    "address",
    "phone",
    "bank_account",
    "roles",
    "licence_no",
    "licence_authority",
    "licence_scope",
    "licence_expires_on",
}


def update_organization(
    uow: UnitOfWork, org_id: str, expected_version: int, changes: dict[str, Any]
) -> OrganizationRow:
    """Change an organization's details, refusing if someone changed it meanwhile."""
    require_role(uow.actor, Role.OPERATOR)
    row = find_organization(uow, org_id)
    if row.version != expected_version:
        raise Conflict(
            f"organization {org_id} is at version {row.version}, not {expected_version}; "
            "reload it and try again",
            code="stale_version",
        )
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise InvalidInput(f"cannot change {sorted(unknown)}", field=sorted(unknown)[0])
    before = row.snapshot()
    for key, value in changes.items():
        if key == "district":
            value = parse_enum(value, District, "district").value
        elif key == "size_class":
            value = parse_enum(value, SizeClass, "size_class").value
        elif key == "roles":
            value = sorted({parse_enum(r, Role, "roles").value for r in value})
        elif key == "chain_tags":
            value = sorted({t.strip() for t in value if t.strip()})
        setattr(row, key, value)
    commit_change(uow, "organization.updated", "organization", row, before=before, org_id=row.id)
    return row


def get_organization(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    """Return an organization the actor may see: itself, any for platform roles, or by consent."""
    row = find_organization(uow, org_id)
    authorize_read(uow, org_id, ConsentScope.PROFILE, f"organization/{org_id}")
    return row


def find_by_uscc(uow: UnitOfWork, uscc: str) -> OrganizationRow | None:
    return uow.session.scalar(select(OrganizationRow).where(OrganizationRow.uscc == uscc))


def organizations_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, OrganizationRow]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = uow.session.scalars(select(OrganizationRow).where(OrganizationRow.id.in_(wanted)))
    return {r.id: r for r in rows}


def list_organizations(
    uow: UnitOfWork,
    *,
    role: str | None = None,
    district: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[OrganizationRow], int]:
    """List organizations: all of them for the operator and regulator, else one's own."""
    stmt = select(OrganizationRow)
    actor = uow.actor
    if not (actor.is_system or actor.is_operator or actor.is_regulator):
        stmt = stmt.where(OrganizationRow.id == actor.org_id)
    if district:
        stmt = stmt.where(
            OrganizationRow.district == parse_enum(district, District, "district").value
        )
    if q:
        stmt = stmt.where(or_(OrganizationRow.name.contains(q), OrganizationRow.uscc == q.upper()))
    rows = list(uow.session.scalars(stmt.order_by(OrganizationRow.id)))
    if role:
        role = parse_enum(role, Role, "role").value
        rows = [r for r in rows if role in r.roles]
    return rows[offset : offset + limit], len(rows)


def roles_of(uow: UnitOfWork, org_id: str) -> frozenset[str]:
    return frozenset(find_organization(uow, org_id).roles)


def is_sme(org: OrganizationRow) -> bool:
    return org.size_class in {"micro", "small", "medium"}
