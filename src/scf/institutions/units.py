"""Units: an institution's supply chain finance departments, branches and subsidiaries, their
officers and reviewers, the districts or chains they serve, and the products they own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.institutions import model as M
from scf.institutions.common import (
    INSTITUTIONS,
    find_unit,
    officers_of,
    own_unit,
    products_of,
    require_admin,
    unit_of_product,
    watches_all,
)
from scf.institutions.tables import OfficerRow, UnitProductRow, UnitRow
from scf.parties import service as parties
from scf.parties.model import District


def unit_dict(uow: UnitOfWork, row: UnitRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "org_id": row.org_id,
        "name": row.name,
        "kind": row.kind,
        "districts": list(row.districts),
        "chains": list(row.chains),
        "nationwide": row.nationwide,
        "officers": [officer_dict(o) for o in officers_of(uow, row.id)],
        "product_ids": products_of(uow, row.id),
        "created_at": row.created_at,
    }


def officer_dict(o: OfficerRow) -> dict[str, Any]:
    return {
        "id": o.id,
        "user_id": o.user_id,
        "username": o.username,
        "role": o.role,
        "grade": o.grade,
    }


def _check_reach(districts: Sequence[str], chains: Sequence[str], nationwide: bool) -> None:
    known = {d.value for d in District}
    for i, d in enumerate(districts):
        if d not in known:
            raise InvalidInput(f"unknown district {d}", field=f"districts[{i}]")
    for i, c in enumerate(chains):
        if not c.strip():
            raise InvalidInput("a chain needs a name", field=f"chains[{i}]")
    if not nationwide and not districts and not chains:
        raise InvalidInput(
            "name the districts or chains the unit serves, or serve nationwide from one point",
            field="districts",
        )


def create_unit(
    uow: UnitOfWork,
    *,
    name: str,
    kind: str,
    districts: Sequence[str] = (),
    chains: Sequence[str] = (),
    nationwide: bool = False,
) -> UnitRow:
    """The institution declares a supply chain finance unit and whom it serves."""
    org = require_admin(uow)
    if not name.strip():
        raise InvalidInput("a unit needs a name", field="name")
    try:
        unit_kind = M.UnitKind(kind)
    except ValueError:
        raise InvalidInput(f"unknown kind {kind}", field="kind") from None
    _check_reach(districts, chains, nationwide)
    row = UnitRow(
        id=new_id("unt"),
        org_id=org,
        name=name.strip(),
        kind=unit_kind.value,
        districts=sorted(set(districts)),
        chains=sorted({c.strip() for c in chains}),
        nationwide=nationwide,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("institutions.unit.created", "unit", row.id, after=unit_dict(uow, row))
    uow.commit()
    return row


def list_units(uow: UnitOfWork, org_id: str | None = None) -> list[UnitRow]:
    """The institution's own units; every institution's (or one's) for the platform's watchers."""
    stmt = select(UnitRow).order_by(UnitRow.created_at, UnitRow.id)
    if watches_all(uow):
        if org_id:
            stmt = stmt.where(UnitRow.org_id == org_id)
    else:
        parties.require_role(uow.actor, *INSTITUTIONS)
        stmt = stmt.where(UnitRow.org_id == uow.actor.org_id)
    return list(uow.session.scalars(stmt))


def get_unit(uow: UnitOfWork, unit_id: str) -> UnitRow:
    return find_unit(uow, unit_id)


def add_officer(uow: UnitOfWork, unit_id: str, username: str, role: str, grade: int) -> OfficerRow:
    """Name one of the institution's users to the unit: an officer of a grade, or a reviewer."""
    unit = own_unit(uow, unit_id)
    try:
        officer_role = M.OfficerRole(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role}", field="role") from None
    if not 1 <= grade <= M.MAX_GRADE:
        raise InvalidInput(f"from 1 to {M.MAX_GRADE}", field="grade")
    user = parties.org_user(uow, unit.org_id, username)
    if user is None:
        raise InvalidInput(f"{username} is no user of the institution", field="username")
    if any(
        o.user_id == user.id and o.role == officer_role.value for o in officers_of(uow, unit.id)
    ):
        raise Conflict(f"{username} is already a {role} of the unit", code="already_named")
    row = OfficerRow(
        id=new_id("off"),
        unit_id=unit.id,
        user_id=user.id,
        username=user.username,
        role=officer_role.value,
        grade=grade,
        added_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("institutions.officer.added", "unit", unit.id, after=officer_dict(row))
    uow.commit()
    return row


def assign_product(uow: UnitOfWork, unit_id: str, product_id: str) -> UnitProductRow:
    """A product of the institution belongs to this unit from now on."""
    unit = own_unit(uow, unit_id)
    product = next((p for p in financing.list_products(uow) if p.id == product_id), None)
    if product is None or product.funder_org_id != unit.org_id:
        raise InvalidInput(f"{product_id} is no active product of yours", field="product_id")
    row = unit_of_product(uow, product_id)
    before = None
    if row is None:
        row = UnitProductRow(product_id=product_id, unit_id=unit.id, org_id=unit.org_id)
        uow.session.add(row)
    else:
        before = {"unit_id": row.unit_id}
        row.unit_id = unit.id
    row.assigned_at = uow.now()
    uow.flush()
    uow.audit(
        "institutions.product.assigned",
        "unit",
        unit.id,
        before=before,
        after={"product_id": product_id, "unit_id": unit.id},
    )
    uow.commit()
    return row
