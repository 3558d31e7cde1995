"""Registration views: the value objects, and reading registrations with their parts.

Shared by every use case of the room: a registration's view is built from its row (an ORM
row or a Core row with the same column names), its grantors, its live collateral and, where
asked, its objections with their status as of the read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from scf.core.errors import NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.registry.model import CollateralRef, status_at, units_to_decimal
from scf.registry.tables import (
    CollateralRow,
    EntryRow,
    GrantorRow,
    ObjectionRow,
    RegistrationRow,
)


@dataclass(frozen=True)
class RegistrationInfo:
    id: str
    number: str
    seq: int
    kind: str
    status: str
    grantor_org_ids: tuple[str, ...]
    secured_party_org_id: str
    collateral: tuple[CollateralRef, ...]
    amount: Money | None
    starts_at: datetime
    expires_at: datetime
    registered_at: datetime
    grantors: tuple[dict[str, str], ...] = ()
    secured_party: dict[str, str] = field(default_factory=dict)
    description: str = ""
    cancelled_at: datetime | None = None
    last_seq: int = 0
    # objections with their status as of the read (active, lapsed or litigated); filled by
    # conflict checks, priority reports and searches
    objections: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "seq": self.seq,
            "kind": self.kind,
            "status": self.status,
            "grantors": [dict(g) for g in self.grantors],
            "secured_party": dict(self.secured_party),
            "collateral": [
                {
                    "kind": c.kind,
                    "identifier": c.identifier,
                    "quantity": str(c.quantity) if c.quantity is not None else None,
                }
                for c in self.collateral
            ],
            "amount": self.amount.as_json() if self.amount is not None else None,
            "description": self.description,
            "starts_at": self.starts_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "registered_at": self.registered_at.isoformat(),
            "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
            "last_seq": self.last_seq,
            "objections": [dict(o) for o in self.objections],
        }


@dataclass(frozen=True)
class FilingResult:
    """A landed registration and the live registrations on its collateral that rank ahead."""

    registration: RegistrationInfo
    prior_conflicts: list[RegistrationInfo]
    entry_seq: int


# The registration's own columns, under their own names, for Core reads of views.
REG_COLUMNS = tuple(
    RegistrationRow.__table__.c[name]
    for name in (
        "id",
        "number",
        "seq",
        "kind",
        "secured_party_org_id",
        "secured_party_uscc",
        "secured_party_name",
        "amount_minor",
        "currency",
        "description",
        "starts_at",
        "expires_at",
        "registered_at",
        "cancelled_at",
        "last_seq",
    )
)

# Statements built once: building a select costs more than running it on an indexed table.
_IDS: Any = bindparam("ids", expanding=True)
_GRANTORS_OF = (
    select(GrantorRow.registration_id, GrantorRow.org_id, GrantorRow.uscc, GrantorRow.name)
    .where(GrantorRow.registration_id.in_(_IDS))
    .order_by(GrantorRow.position)
)
_COLLATERAL_OF = (
    select(
        CollateralRow.registration_id,
        CollateralRow.kind,
        CollateralRow.identifier,
        CollateralRow.quantity_units,
    )
    .where(CollateralRow.registration_id.in_(_IDS), CollateralRow.removed_seq.is_(None))
    .order_by(CollateralRow.id)
)
_OBJECTIONS_OF = (
    select(*ObjectionRow.__table__.c)
    .where(ObjectionRow.registration_id.in_(_IDS))
    .order_by(ObjectionRow.seq)
)


def info_many(
    uow: UnitOfWork, regs: Sequence[Any], *, with_objections: bool = False
) -> list[RegistrationInfo]:
    """Registration views from rows (ORM rows or Core rows with the same column names)."""
    if not regs:
        return []
    ids = [r.id for r in regs]
    now = uow.now()
    conn = uow.session.connection()
    objections: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if with_objections:
        read_objections(conn, ids, now, objections)
    grantors: dict[str, list[Any]] = {i: [] for i in ids}
    for g in conn.execute(_GRANTORS_OF, {"ids": ids}):
        grantors[g.registration_id].append((g.org_id, g.uscc, g.name))
    coll: dict[str, list[Any]] = {i: [] for i in ids}
    for c in conn.execute(_COLLATERAL_OF, {"ids": ids}):
        coll[c.registration_id].append((c.kind, c.identifier, c.quantity_units))
    return [info_of(r, grantors[r.id], coll[r.id], objections[r.id], now) for r in regs]


def read_objections(
    conn: Connection, ids: list[str], now: datetime, into: dict[str, list[dict[str, Any]]]
) -> None:
    """Add the objections of the registrations `ids` to `into`, with their status at `now`."""
    for o in conn.execute(_OBJECTIONS_OF, {"ids": ids}):
        into[o.registration_id].append(objection_dict(o, now))


def info_of(
    r: Any,
    grantors: Sequence[Sequence[Any]],
    collateral: Sequence[Sequence[Any]],
    objections: Sequence[dict[str, Any]],
    now: datetime,
) -> RegistrationInfo:
    """One registration view: grantors as (org id, USCC, name) in position order, live
    collateral as (kind, identifier, quantity units) in insertion order."""
    amount = (
        Money(r.amount_minor, r.currency) if r.amount_minor is not None and r.currency else None
    )
    return RegistrationInfo(
        id=r.id,
        number=r.number,
        seq=r.seq,
        kind=r.kind,
        status=status_at(r.cancelled_at is not None, r.expires_at, now).value,
        grantor_org_ids=tuple(g[0] for g in grantors),
        secured_party_org_id=r.secured_party_org_id,
        collateral=tuple(
            CollateralRef(kind, ident, units_to_decimal(qty) if qty else None)
            for kind, ident, qty in collateral
        ),
        amount=amount,
        starts_at=r.starts_at,
        expires_at=r.expires_at,
        registered_at=r.registered_at,
        grantors=tuple({"uscc": g[1], "name": g[2]} for g in grantors),
        secured_party={"uscc": r.secured_party_uscc, "name": r.secured_party_name},
        description=r.description,
        cancelled_at=r.cancelled_at,
        last_seq=r.last_seq,
        objections=tuple(objections),
    )


def registration_by_number(uow: UnitOfWork, number: str) -> RegistrationRow:
    row = uow.session.scalar(
        select(RegistrationRow).where(RegistrationRow.number == number.strip())
    )
    if row is None:
        raise NotFound(f"registration {number} not found", code="registration_not_found")
    return row


def get_registration(uow: UnitOfWork, number: str) -> dict[str, Any]:
    """A registration with its full history and objections (public, like the PBOC registry)."""
    row = registration_by_number(uow, number)
    info = info_many(uow, [row])[0]
    return {
        **info.as_dict(),
        "history": history(uow, [row.id])[row.id],
        "objections": _objections(uow, row.id),
    }


def registration_number(uow: UnitOfWork, registration_id: str) -> str | None:
    """The public number of a registration known by its id (None when there is none)."""
    row = uow.session.get(RegistrationRow, registration_id)
    return row.number if row is not None else None


def history(uow: UnitOfWork, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    for e in uow.session.scalars(
        select(EntryRow).where(EntryRow.registration_id.in_(ids)).order_by(EntryRow.seq)
    ):
        rec = json.loads(bytes(e.data))
        out[e.registration_id or ""].append(
            {
                "seq": e.seq,
                "leaf_index": e.seq - 1,
                "op": e.op,
                "at": e.at.isoformat(),
                "record": rec,
            }
        )
    return out


def _objections(uow: UnitOfWork, registration_id: str) -> list[dict[str, Any]]:
    now = uow.now()
    rows = uow.session.scalars(
        select(ObjectionRow)
        .where(ObjectionRow.registration_id == registration_id)
        .order_by(ObjectionRow.seq)
    )
    return [objection_dict(o, now) for o in rows]


def objection_dict(o: Any, now: datetime) -> dict[str, Any]:
    if o.litigated_at is not None:
        status = "litigated"
    elif o.lapses_at <= now:
        status = "lapsed"
    else:
        status = "active"
    return {
        "id": o.id,
        "seq": o.seq,
        "objector_org_id": o.objector_org_id,
        "reason": o.reason,
        "filed_at": o.filed_at.isoformat(),
        "lapses_at": o.lapses_at.isoformat(),
        "litigated_at": o.litigated_at.isoformat() if o.litigated_at else None,
        "case_reference": o.case_reference,
        "status": status,
    }
