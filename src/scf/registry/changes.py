"""Changes to a registration: amendment, extension, cancellation, objection, litigation.

Each change is filed by the secured party or its agent (an objection by a grantor), takes
the log lock, writes the registration's new state and appends one leaf recording the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from scf.core.bounds import TEXT_MAX, check_text
from scf.core.errors import Conflict, ErrorCollector, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.registry.agency import filer_record, may_file_for
from scf.registry.conflicts import live_conflict_rows
from scf.registry.filing import check_amount, collateral_record, collateral_row
from scf.registry.goods import Draw, goods_draws
from scf.registry.log import LogState, append, lock_state
from scf.registry.model import (
    OBJECTION_DAYS,
    CollateralKey,
    CollateralRef,
    Operation,
    Status,
    add_months,
    check_period,
    keys_into,
    status_at,
)
from scf.registry.tables import CollateralRow, GrantorRow, ObjectionRow, RegistrationRow
from scf.registry.views import (
    FilingResult,
    RegistrationInfo,
    info_many,
    objection_dict,
    registration_by_number,
)


def _require_active(uow: UnitOfWork, reg: RegistrationRow, doing: str) -> None:
    status = status_at(reg.cancelled_at is not None, reg.expires_at, uow.now())
    if status != Status.ACTIVE:
        raise Conflict(
            f"registration {reg.number} is {status.value}; it cannot be {doing}",
            code=f"registration_{status.value}",
        )


def _grantor_ids(uow: UnitOfWork, registration_id: str) -> list[str]:
    return list(
        uow.session.scalars(
            select(GrantorRow.org_id).where(GrantorRow.registration_id == registration_id)
        )
    )


def _reason(reason: str, missing: str, limit: int) -> str:
    """The stripped reason; refuse it when empty (saying `missing`) or over `limit`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(missing, field="reason")
    return check_text(reason, "reason", max_length=limit)


def _log_change(
    uow: UnitOfWork,
    state: LogState,
    op: Operation,
    reg: RegistrationRow,
    record: dict[str, Any],
    action: str,
    **audit: Any,
) -> int:
    """Append the change's leaf and audit it (`audit`: before, after, org_id); return its seq."""
    entry = append(uow, state, op, reg.id, record)
    uow.flush()
    uow.audit(action, "registration", reg.id, **audit)
    return entry.seq


# ---------------------------------------------------------------- amendment


@dataclass
class AmendmentInput:
    add_collateral: list[CollateralRef] = field(default_factory=list)
    add_collateral_descriptions: list[str] | None = None
    remove_collateral: list[CollateralRef] = field(default_factory=list)
    amount: Money | None = None
    clear_amount: bool = False
    description: str | None = None


def amend(uow: UnitOfWork, number: str, data: AmendmentInput) -> FilingResult:
    """Amend collateral, amount or description; only the secured party or its agent."""
    reg = registration_by_number(uow, number)
    agent = may_file_for(uow, reg.secured_party_org_id)
    _require_active(uow, reg, "amended")
    add_keys, remove_keys = _amendment_keys(data)
    to_remove = _collateral_to_remove(uow, reg, add_keys, remove_keys)
    grantor_ids = _grantor_ids(uow, reg.id)
    state = lock_state(uow)
    prior = live_conflict_rows(uow, add_keys, exclude_id=reg.id)
    draws = goods_draws(
        uow,
        data.add_collateral,
        add_keys,
        grantor_ids,
        "add_collateral",
        refuse_other_quantities=False,
    )
    before = info_many(uow, [reg])[0].as_dict()
    seq = state.size + 1
    for c in to_remove:
        c.removed_seq = seq
    added = _add_collateral(uow, reg, seq, add_keys, data.add_collateral_descriptions, draws)
    changes = _change_terms(reg, data)
    if add_keys:
        changes["add_collateral"] = added
    if remove_keys:
        changes["remove_collateral"] = [
            {"kind": k.kind, "identifier": k.identifier} for k in remove_keys
        ]
    reg.updated_at = state.at
    reg.last_seq = seq
    record = {
        "registration": reg.number,
        "changes": changes,
        "filer": filer_record(uow, agent),
        "prior_conflicts": [p.number for p in prior],
    }
    entry = append(uow, state, Operation.AMENDMENT, reg.id, record)
    uow.flush()
    info = info_many(uow, [reg])[0]
    uow.audit(
        "registry.amended",
        "registration",
        reg.id,
        before=before,
        after=info.as_dict(),
        org_id=reg.secured_party_org_id,
    )
    uow.commit()
    return FilingResult(info, info_many(uow, prior), entry.seq)


def _amendment_keys(data: AmendmentInput) -> tuple[list[CollateralKey], list[CollateralKey]]:
    """Refuse every field error of an amendment at once; return the keys to add and remove."""
    errs = ErrorCollector()
    check_amount(data.amount, errs)
    for name, text in [("description", data.description or "")] + [
        (f"add_collateral_descriptions[{i}]", d)
        for i, d in enumerate(data.add_collateral_descriptions or [])
    ]:
        try:
            check_text(text, name, max_length=TEXT_MAX)
        except InvalidInput as exc:
            errs.errors.extend(exc.errors)
    add_keys = keys_into(data.add_collateral, "add_collateral", errs)
    remove_keys = keys_into(data.remove_collateral, "remove_collateral", errs)
    if not (
        add_keys or remove_keys or data.amount or data.clear_amount or data.description is not None
    ):
        errs.add("body", "the amendment changes nothing")
    errs.raise_if_any("the amendment was refused")
    return add_keys, remove_keys


def _collateral_to_remove(
    uow: UnitOfWork,
    reg: RegistrationRow,
    add_keys: list[CollateralKey],
    remove_keys: list[CollateralKey],
) -> list[CollateralRow]:
    """The live collateral rows to remove; refuse removing what is not there, adding what is,
    and leaving none."""
    current = list(
        uow.session.scalars(
            select(CollateralRow).where(
                CollateralRow.registration_id == reg.id, CollateralRow.removed_seq.is_(None)
            )
        )
    )
    to_remove = []
    for i, k in enumerate(remove_keys):
        match = [c for c in current if (c.kind, c.key, c.lo, c.hi) == (k.kind, k.key, k.lo, k.hi)]
        if not match:
            raise InvalidInput(
                f"{k.identifier} is not collateral of {reg.number}", field=f"remove_collateral[{i}]"
            )
        to_remove.extend(match)
    existing = {(c.kind, c.key, c.lo, c.hi) for c in current if c not in to_remove}
    for i, k in enumerate(add_keys):
        if (k.kind, k.key, k.lo, k.hi) in existing:
            raise InvalidInput(
                f"{k.identifier} is already collateral", field=f"add_collateral[{i}]"
            )
    if len(existing) + len(add_keys) == 0:
        raise InvalidInput(
            "a registration needs at least one collateral; cancel it instead",
            field="remove_collateral",
        )
    return to_remove


def _add_collateral(
    uow: UnitOfWork,
    reg: RegistrationRow,
    seq: int,
    keys: list[CollateralKey],
    descriptions: list[str] | None,
    draws: list[Draw],
) -> list[dict[str, Any]]:
    """Add the collateral rows; return their log records."""
    records = []
    for k, desc, (goods_id, qty) in zip(keys, descriptions or [""] * len(keys), draws, strict=True):
        row = collateral_row(reg.id, seq, k, desc.strip(), goods_id, qty)
        uow.session.add(CollateralRow(**row))
        records.append(collateral_record(k, desc.strip(), goods_id, qty))
    return records


def _change_terms(reg: RegistrationRow, data: AmendmentInput) -> dict[str, Any]:
    """Set the amended amount and description; return them as the record's changes."""
    changes: dict[str, Any] = {}
    if data.amount is not None:
        reg.amount_minor, reg.currency = data.amount.minor, data.amount.currency
        changes["amount"] = data.amount.as_json()
    elif data.clear_amount:
        reg.amount_minor, reg.currency = None, None
        changes["amount"] = None
    if data.description is not None:
        reg.description = data.description.strip()
        changes["description"] = reg.description
    return changes


# ---------------------------------------------------------------- extension and cancellation


def extend(uow: UnitOfWork, number: str, months: int) -> FilingResult:
    """Extend a live registration before it expires; the whole period stays within 30 years."""
    reg = registration_by_number(uow, number)
    agent = may_file_for(uow, reg.secured_party_org_id)
    _require_active(uow, reg, "extended")
    check_period(months, "months")
    new_expiry = add_months(reg.expires_at, months)
    if new_expiry > add_months(reg.starts_at, 360):
        raise InvalidInput(
            "the whole period would exceed 30 years from the registration", field="months"
        )
    state = lock_state(uow)
    before = {"expires_at": reg.expires_at}
    reg.expires_at = new_expiry
    reg.updated_at = state.at
    reg.last_seq = state.size + 1
    record = {
        "registration": reg.number,
        "months": months,
        "expires_at": new_expiry.isoformat(),
        "filer": filer_record(uow, agent),
    }
    seq = _log_change(
        uow,
        state,
        Operation.EXTENSION,
        reg,
        record,
        "registry.extended",
        before=before,
        after={"expires_at": new_expiry},
        org_id=reg.secured_party_org_id,
    )
    uow.commit()
    return FilingResult(info_many(uow, [reg])[0], [], seq)


def cancel_in(uow: UnitOfWork, registration_id: str, *, reason: str) -> RegistrationInfo:
    """Cancel a registration inside the caller's unit of work (joins; does not commit)."""
    reg = uow.session.get(RegistrationRow, registration_id)
    if reg is None:
        raise NotFound(f"registration {registration_id} not found", code="registration_not_found")
    return _cancel(uow, reg, reason)


def _cancel(uow: UnitOfWork, reg: RegistrationRow, reason: str) -> RegistrationInfo:
    agent = may_file_for(uow, reg.secured_party_org_id)
    if reg.cancelled_at is not None:
        raise Conflict(
            f"registration {reg.number} is already cancelled", code="registration_cancelled"
        )
    reason = _reason(reason, "say why the registration is cancelled", 2000)
    state = lock_state(uow)
    now = state.at
    reg.cancelled_at = now
    reg.cancel_reason = reason
    reg.updated_at = now
    reg.last_seq = state.size + 1
    record = {"registration": reg.number, "reason": reason, "filer": filer_record(uow, agent)}
    _log_change(
        uow,
        state,
        Operation.CANCELLATION,
        reg,
        record,
        "registry.cancelled",
        before={"status": "active"},
        after={"status": "cancelled", "reason": reason},
        org_id=reg.secured_party_org_id,
    )
    return info_many(uow, [reg])[0]


def cancel(uow: UnitOfWork, number: str, reason: str) -> RegistrationInfo:
    """Cancel a registration (secured party or its agent); it stays in history."""
    info = _cancel(uow, registration_by_number(uow, number), reason)
    uow.commit()
    return info


# ---------------------------------------------------------------- objections


def object_to(uow: UnitOfWork, number: str, reason: str) -> dict[str, Any]:
    """A grantor objects to a registration; the objection lapses after 30 days."""
    reg = registration_by_number(uow, number)
    if uow.actor.org_id not in set(_grantor_ids(uow, reg.id)):
        raise PermissionDenied(
            "only a grantor of the registration may object to it", code="not_grantor"
        )
    reason = _reason(reason, "say why you object", 4000)
    if reg.cancelled_at is not None:
        raise Conflict(f"registration {reg.number} is cancelled", code="registration_cancelled")
    state = lock_state(uow)
    now = state.at
    row = ObjectionRow(
        id=new_id("obj"),
        registration_id=reg.id,
        objector_org_id=uow.actor.org_id or "",
        reason=reason,
        filed_at=now,
        lapses_at=now + timedelta(days=OBJECTION_DAYS),
        seq=state.size + 1,
    )
    uow.session.add(row)
    record = {
        "registration": reg.number,
        "objection": row.id,
        "reason": reason,
        "lapses_at": row.lapses_at.isoformat(),
        "objector_org_id": row.objector_org_id,
    }
    _log_change(uow, state, Operation.OBJECTION, reg, record, "registry.objected", after=record)
    uow.commit()
    return objection_dict(row, now)


def mark_litigated(uow: UnitOfWork, objection_id: str, case_reference: str) -> dict[str, Any]:
    """The objector records that a suit or arbitration was filed, so the objection stays."""
    row = uow.session.get(ObjectionRow, objection_id)
    if row is None or (row.objector_org_id != uow.actor.org_id and not uow.actor.is_system):
        raise NotFound(f"objection {objection_id} not found")
    case_reference = (case_reference or "").strip()
    if not case_reference:
        raise InvalidInput("give the court or arbitration case reference", field="case_reference")
    now = uow.now()
    if row.litigated_at is not None:
        raise Conflict("the objection is already marked as litigated", code="already_litigated")
    if row.lapses_at <= now:
        raise Conflict("the objection has lapsed (30 days passed)", code="objection_lapsed")
    reg = uow.session.get(RegistrationRow, row.registration_id)
    assert reg is not None
    state = lock_state(uow)
    row.litigated_at = state.at
    row.case_reference = case_reference[:120]
    record = {"registration": reg.number, "objection": row.id, "case_reference": row.case_reference}
    _log_change(
        uow,
        state,
        Operation.OBJECTION_LITIGATED,
        reg,
        record,
        "registry.objection_litigated",
        after=record,
    )
    uow.commit()
    return objection_dict(row, now)
