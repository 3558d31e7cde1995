"""Retention: each kind of record kept as long as its period says, then purged, unless a legal
hold keeps it; every period change, hold and purge is audited.

The periods start at the rules' defaults (`model.RETENTION`); the operator may lengthen or
shorten them but never below the law's minimum. The purge (`scf governance purge`, and the
server once a day) deletes what ended before its kind's cutoff; it never touches the tables
of `model.NEVER_PURGED` (the registry's append-only log, the audit trail).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scf.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.governance.model import RETENTION, RecordKind, check_period, cutoff
from scf.governance.tables import LegalHoldRow, RetentionPeriodRow
from scf.parties import service as parties


def _kind(value: str) -> RecordKind:
    try:
        return RecordKind(value)
    except ValueError:
        known = ", ".join(k.value for k in RecordKind)
        raise InvalidInput(f"no such kind of record; one of {known}", field="kind") from None


def _require(uow: UnitOfWork, *roles: str) -> None:
    if not (uow.actor.is_system or uow.actor.has(*roles)):
        raise PermissionDenied(f"only the {' or the '.join(roles)} may do this")


def retention_periods(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every kind of record with its period in force, the law's minimum and its basis."""
    set_ = {r.kind: r for r in uow.session.scalars(select(RetentionPeriodRow))}
    out = []
    for kind, rule in RETENTION.items():
        row = set_.get(kind.value)
        out.append(
            {
                "kind": kind.value,
                "table": rule.table,
                "data_class": rule.data_class.value,
                "days": row.days if row else rule.default_days,
                "default_days": rule.default_days,
                "minimum_days": rule.minimum_days,
                "legal_basis": rule.legal_basis,
                "action": rule.action.value,
            }
        )
    return out


def set_retention(uow: UnitOfWork, kind: str, days: int) -> dict[str, Any]:
    """The operator sets a kind's retention period; one below the law's minimum is refused."""
    _require(uow, "operator")
    k = _kind(kind)
    check_period(k, days)
    row = uow.session.get(RetentionPeriodRow, k.value)
    before = row.snapshot() if row else {"kind": k.value, "days": RETENTION[k].default_days}
    if row is None:
        row = RetentionPeriodRow(kind=k.value, days=days, set_by=uow.actor.user_id or "system")
        uow.session.add(row)
    row.days = days
    row.set_by = uow.actor.user_id or "system"
    row.set_at = uow.now()
    uow.flush()
    uow.audit("retention.set", "retention", k.value, before=before, after=row.snapshot())
    uow.commit()
    return next(p for p in retention_periods(uow) if p["kind"] == k.value)


def place_hold(uow: UnitOfWork, org_id: str, reason: str, authority: str) -> LegalHoldRow:
    """The regulator or the operator holds an organization's records past their retention."""
    _require(uow, "regulator", "operator")
    parties.find_organization(uow, org_id)
    if not reason.strip():
        raise InvalidInput("say why the records are held", field="reason")
    if not authority.strip():
        raise InvalidInput("name the authority that asked for the hold", field="authority")
    row = LegalHoldRow(
        id=new_id("hld"),
        org_id=org_id,
        reason=reason.strip(),
        authority=authority.strip(),
        placed_by=uow.actor.user_id or "system",
        placed_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("legal_hold.placed", "legal_hold", row.id, after=row.snapshot())
    uow.commit()
    return row


def lift_hold(uow: UnitOfWork, hold_id: str, reason: str) -> LegalHoldRow:
    """Lift a legal hold, with the reason; the records then age as any others."""
    _require(uow, "regulator", "operator")
    row = uow.session.get(LegalHoldRow, hold_id)
    if row is None:
        raise NotFound("no such legal hold")
    if row.lifted_at is not None:
        raise RuleViolation("the hold was already lifted", code="already_lifted")
    if not reason.strip():
        raise InvalidInput("say why the hold is lifted", field="reason")
    before = row.snapshot()
    row.lifted_at = uow.now()
    row.lifted_reason = reason.strip()
    uow.flush()
    uow.audit("legal_hold.lifted", "legal_hold", row.id, before=before, after=row.snapshot())
    uow.commit()
    return row


def legal_holds(uow: UnitOfWork, live_only: bool = False) -> list[LegalHoldRow]:
    """The legal holds, newest first."""
    _require(uow, "regulator", "operator")
    stmt = select(LegalHoldRow).order_by(LegalHoldRow.placed_at.desc(), LegalHoldRow.id)
    if live_only:
        stmt = stmt.where(LegalHoldRow.lifted_at.is_(None))
    return list(uow.session.scalars(stmt))


def held_orgs(uow: UnitOfWork) -> set[str]:
    """The organizations whose records a live hold keeps."""
    stmt = select(LegalHoldRow.org_id).where(LegalHoldRow.lifted_at.is_(None))
    return set(uow.session.scalars(stmt))


def purge(uow: UnitOfWork, org_id: str | None = None) -> dict[str, int]:
    """Delete every record past its kind's retention (only `org_id`'s when given), keeping
    those a legal hold covers; how many of each kind. A purge aimed at a held organization is
    refused. Audited per kind, committed once."""
    _require(uow, "operator")
    held = held_orgs(uow)
    if org_id is not None:
        parties.find_organization(uow, org_id)
        if org_id in held:
            raise RuleViolation(
                "a legal hold applies to this organization's records: lift it first",
                code="legal_hold",
            )
    now = uow.now()
    done: dict[str, int] = {}
    for period in retention_periods(uow):
        kind = period["kind"]
        before = cutoff(now, int(period["days"]))
        n = parties.purge_expired(uow, kind, before, held, org_id)
        done[kind] = n
        if n:
            uow.audit(
                "retention.purged",
                "retention",
                kind,
                after={
                    "table": period["table"],
                    "count": n,
                    "ended_before": before.isoformat(),
                    "days": period["days"],
                    "legal_basis": period["legal_basis"],
                    "held_orgs": sorted(held),
                    "org_id": org_id,
                },
            )
    uow.commit()
    return done
