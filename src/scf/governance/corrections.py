"""Correction requests (PIPL art. 46): an organization asks the operator to correct a field of
its record; the operator accepts (the record is changed, audited as any change) or rejects
it with a note. Each step is audited."""

from __future__ import annotations

from sqlalchemy import select

from scf.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.governance.model import CORRECTABLE, CorrectionStatus
from scf.governance.tables import CorrectionRequestRow
from scf.parties import service as parties


def request_correction(
    uow: UnitOfWork, field: str, requested_value: str, reason: str
) -> CorrectionRequestRow:
    """The actor's organization asks for one field of its record to be corrected."""
    org_id = uow.actor.org_id
    if org_id is None or uow.actor.is_system:
        raise PermissionDenied("an organization asks for its own record to be corrected")
    if field not in CORRECTABLE:
        raise InvalidInput(
            f"one of {', '.join(sorted(CORRECTABLE))}", field="field", code="not_correctable"
        )
    value = requested_value.strip()
    if not value or len(value) > 300:
        raise InvalidInput("give the correct value (1 to 300 characters)", field="value")
    if not reason.strip():
        raise InvalidInput("say what is wrong", field="reason")
    org = parties.find_organization(uow, org_id)
    current = str(getattr(org, field) or "")
    if current == value:
        raise InvalidInput("the record already holds this value", field="value")
    row = CorrectionRequestRow(
        id=new_id("cor"),
        org_id=org_id,
        field=field,
        current_value=current[:300],
        requested_value=value,
        reason=reason.strip()[:500],
        status=CorrectionStatus.OPEN.value,
        requested_by=uow.actor.user_id or "",
        requested_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("correction.requested", "correction", row.id, after=row.snapshot(), org_id=org_id)
    uow.commit()
    return row


def corrections(uow: UnitOfWork) -> list[CorrectionRequestRow]:
    """Correction requests, newest first: all for the operator, one's own for others."""
    stmt = select(CorrectionRequestRow).order_by(
        CorrectionRequestRow.requested_at.desc(), CorrectionRequestRow.id
    )
    if not (uow.actor.is_operator or uow.actor.is_system):
        stmt = stmt.where(CorrectionRequestRow.org_id == uow.actor.org_id)
    return list(uow.session.scalars(stmt))


def decide_correction(
    uow: UnitOfWork, request_id: str, accept: bool, note: str
) -> CorrectionRequestRow:
    """The operator accepts a request (the record is corrected) or rejects it, with a note."""
    if not (uow.actor.is_operator or uow.actor.is_system):
        raise PermissionDenied("only the operator decides correction requests")
    row = uow.session.get(CorrectionRequestRow, request_id)
    if row is None:
        raise NotFound("no such correction request")
    if row.status != CorrectionStatus.OPEN.value:
        raise RuleViolation("the request was already decided", code="already_decided")
    if not accept and not note.strip():
        raise InvalidInput("say why the request is rejected", field="note")
    before = row.snapshot()
    row.status = (CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED).value
    row.decided_by = uow.actor.user_id or "system"
    row.decided_at = uow.now()
    row.decision_note = note.strip()[:500] or None
    uow.flush()
    uow.audit(
        "correction.decided",
        "correction",
        row.id,
        before=before,
        after=row.snapshot(),
        org_id=row.org_id,
    )
    if accept:
        org = parties.find_organization(uow, row.org_id)
        # commits the correction, the record's change and both audit entries at once
        parties.update_organization(uow, row.org_id, org.version, {row.field: row.requested_value})
    else:
        uow.commit()
    return row
