"""What the institutions room's modules share: who is an institution, its units, the audit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scf.core.errors import NotFound, PermissionDenied
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.institutions.tables import OfficerRow, UnitProductRow, UnitRow
from scf.parties import service as parties

# Banks, factoring companies, local financial organisations, insurers and guarantee companies
# set up supply chain finance units (seed III.4).
INSTITUTIONS = (
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
)


def acting_institution(uow: UnitOfWork) -> str:
    """The institution the actor works for; refuses any other caller."""
    parties.require_role(uow.actor, *INSTITUTIONS)
    org = uow.actor.org_id
    if org is None:
        raise PermissionDenied("units belong to an institution", code="role_not_allowed")
    return org


def require_admin(uow: UnitOfWork) -> str:
    """The institution of an administrator: only they shape units, authority and targets."""
    org = acting_institution(uow)
    if not uow.actor.is_admin:
        raise PermissionDenied(
            "only the institution's administrator manages its units", code="admin_only"
        )
    return org


def watches_all(uow: UnitOfWork) -> bool:
    a = uow.actor
    return a.is_system or a.is_regulator or a.is_operator


def find_unit(uow: UnitOfWork, unit_id: str) -> UnitRow:
    """The unit, or not found to anyone but its institution and the platform's watchers."""
    row = uow.session.get(UnitRow, unit_id)
    if row is None or not (watches_all(uow) or row.org_id == uow.actor.org_id):
        raise NotFound(f"unit {unit_id} not found")
    return row


def own_unit(uow: UnitOfWork, unit_id: str) -> UnitRow:
    """One of the acting institution's own units (administrator)."""
    org = require_admin(uow)
    row = uow.session.get(UnitRow, unit_id)
    if row is None or row.org_id != org:
        raise NotFound(f"unit {unit_id} not found")
    return row


def officers_of(uow: UnitOfWork, unit_id: str, role: str | None = None) -> list[OfficerRow]:
    stmt = select(OfficerRow).where(OfficerRow.unit_id == unit_id)
    if role is not None:
        stmt = stmt.where(OfficerRow.role == role)
    return list(uow.session.scalars(stmt.order_by(OfficerRow.added_at, OfficerRow.id)))


def officer(uow: UnitOfWork, unit_id: str, user_id: str | None, role: str) -> OfficerRow | None:
    if user_id is None:
        return None
    return uow.session.scalar(
        select(OfficerRow).where(
            OfficerRow.unit_id == unit_id, OfficerRow.user_id == user_id, OfficerRow.role == role
        )
    )


def unit_of_product(uow: UnitOfWork, product_id: str) -> UnitProductRow | None:
    return uow.session.get(UnitProductRow, product_id)


def products_of(uow: UnitOfWork, unit_id: str) -> list[str]:
    return list(
        uow.session.scalars(
            select(UnitProductRow.product_id)
            .where(UnitProductRow.unit_id == unit_id)
            .order_by(UnitProductRow.assigned_at, UnitProductRow.product_id)
        )
    )


def money_json(minor: int, currency: str) -> dict[str, Any]:
    return Money(minor, currency).as_json()
