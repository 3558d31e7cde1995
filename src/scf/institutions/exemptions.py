"""Due-diligence exemption (尽职免责): the officer who decided a financing that defaulted files
for exemption; the platform assembles what was checked and decided at the time (the automatic
checks, the evidence seen, the approvals under their authority, the consents, the alerts);
the unit's reviewer decides with reasons. The regulator sees every decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork, jsonable
from scf.financing import service as financing
from scf.institutions import model as M
from scf.institutions.authority import authority_dict, decision_dict, decision_for
from scf.institutions.common import acting_institution, officer, watches_all
from scf.institutions.tables import AuthorityRow, DecisionRow, ExemptionRow, NplAlertRow
from scf.parties import service as parties
from scf.risk import service as risk

REASONS_MAX = 4000


def exemption_dict(row: ExemptionRow, *, with_record: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "application_id": row.application_id,
        "org_id": row.org_id,
        "unit_id": row.unit_id,
        "decision_id": row.decision_id,
        "officer": row.officer_username,
        "reasons": row.reasons,
        "status": row.status,
        "reviewer": row.reviewer_username,
        "review_reasons": row.review_reasons,
        "filed_at": row.filed_at,
        "decided_at": row.decided_at,
    }
    if with_record:
        out["record"] = dict(row.record)
    return out


def _reasons(text: str, field: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("say why", field=field)
    if len(text) > REASONS_MAX:
        raise InvalidInput(f"at most {REASONS_MAX} characters", field=field)
    return text


def _at_the_time(uow: UnitOfWork, rec: dict[str, Any], dec: DecisionRow) -> dict[str, Any]:
    """What the institution had before it when it decided."""
    when: datetime = dec.decided_at or dec.created_at
    borrower = rec["borrower_org_id"]
    consents = [
        {
            "id": c.id,
            "scopes": list(c.scopes),
            "granted_at": c.granted_at,
            "expires_at": c.expires_at,
            "revoked_at": c.revoked_at,
        }
        for c in parties.list_consents(uow)
        if c.grantor_org_id == borrower and c.grantee_org_id == dec.org_id and c.granted_at <= when
    ]
    alerts, _ = risk.list_alerts(uow, org_id=borrower, limit=1000)
    seen = [
        {
            "id": a.id,
            "kind": a.kind,
            "severity": a.severity,
            "summary": a.summary,
            "raised_at": a.raised_at,
        }
        for a in alerts
        if a.raised_at <= when
    ]
    npl = uow.session.scalars(
        select(NplAlertRow).where(NplAlertRow.unit_id == dec.unit_id, NplAlertRow.raised_at <= when)
    )
    seen += [
        {
            "id": a.id,
            "kind": f"npl_{a.state}",
            "severity": "high",
            "summary": "",
            "raised_at": a.raised_at,
        }
        for a in npl
        if a.resolved_at is None or a.resolved_at > when
    ]
    auth = uow.session.get(AuthorityRow, dec.authority_id)
    record: dict[str, Any] = jsonable(
        {
            "financing": {
                "id": rec["id"],
                "scenario": rec["scenario"],
                "amount": rec["amount"],
                "outstanding": rec["outstanding"],
                "rate": rec["rate"],
                "status": rec["status"],
                "submitted_at": rec["submitted_at"],
                "disbursed_at": rec["disbursed_at"],
                "overdue_at": rec["overdue_at"],
                "defaulted_at": rec["defaulted_at"],
            },
            "automatic_checks": rec["checks"],
            "evidence": rec["evidence"],
            "decision": decision_dict(dec),
            "authority": authority_dict(auth) if auth else None,
            "consents": consents,
            "alerts": seen,
            "assembled_at": uow.now(),
        }
    )
    return record


def file_exemption(uow: UnitOfWork, application_id: str, reasons: str) -> ExemptionRow:
    """The officer who approved a defaulted financing files for exemption; refused for a
    financing that has not defaulted or that the filer did not decide, nothing stored."""
    org = acting_institution(uow)
    rec = financing.application_record(uow, application_id)
    dec = decision_for(uow, application_id, org)
    if rec is None or (rec["funder_org_id"] != org and dec is None):
        raise NotFound(f"financing {application_id} not found")
    if rec["defaulted_at"] is None or rec["funder_org_id"] != org:
        raise InvalidInput(
            f"financing {application_id} has not defaulted ({rec['status']})",
            field="application_id",
            code="not_defaulted",
        )
    if dec is None or not any(a["user_id"] == uow.actor.user_id for a in dec.approvals):
        raise InvalidInput(
            f"{uow.actor.username} did not decide financing {application_id}",
            field="application_id",
            code="not_the_decider",
        )
    text = _reasons(reasons, "reasons")
    assert uow.actor.user_id is not None
    taken = uow.session.scalar(
        select(ExemptionRow.id).where(
            ExemptionRow.application_id == application_id,
            ExemptionRow.officer_user_id == uow.actor.user_id,
        )
    )
    if taken is not None:
        raise Conflict(f"you filed exemption {taken} already", code="already_filed")
    row = ExemptionRow(
        id=new_id("exm"),
        application_id=application_id,
        org_id=org,
        unit_id=dec.unit_id,
        decision_id=dec.id,
        officer_user_id=uow.actor.user_id,
        officer_username=uow.actor.username,
        reasons=text,
        record=_at_the_time(uow, rec, dec),
        status=M.ExemptionStatus.FILED.value,
        filed_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("institutions.exemption.filed", "exemption", row.id, after=exemption_dict(row))
    uow.commit()
    return row


def decide_exemption(uow: UnitOfWork, exemption_id: str, grant: bool, reasons: str) -> ExemptionRow:
    """The unit's reviewer grants or refuses an exemption, with the reasons stored."""
    org = acting_institution(uow)
    row = uow.session.get(ExemptionRow, exemption_id)
    if row is None or row.org_id != org:
        raise NotFound(f"exemption {exemption_id} not found")
    if officer(uow, row.unit_id, uow.actor.user_id, M.OfficerRole.REVIEWER.value) is None:
        raise PermissionDenied("only a reviewer of the unit decides", code="not_a_reviewer")
    if row.officer_user_id == uow.actor.user_id:
        raise PermissionDenied("no one reviews their own filing", code="own_filing")
    if row.status != M.ExemptionStatus.FILED.value:
        raise Conflict(f"exemption {row.id} is {row.status} already", code="already_decided")
    text = _reasons(reasons, "reasons")
    before = exemption_dict(row, with_record=False)
    row.status = (M.ExemptionStatus.GRANTED if grant else M.ExemptionStatus.REFUSED).value
    row.reviewer_username = uow.actor.username
    row.review_reasons = text
    row.decided_at = uow.now()
    uow.flush()
    uow.audit(
        f"institutions.exemption.{row.status}",
        "exemption",
        row.id,
        before=before,
        after=exemption_dict(row, with_record=False),
    )
    uow.commit()
    return row


def list_exemptions(uow: UnitOfWork, status: str | None = None) -> list[ExemptionRow]:
    """The institution's filings; every institution's for the regulator and the operator."""
    stmt = select(ExemptionRow).order_by(ExemptionRow.filed_at.desc(), ExemptionRow.id)
    if not watches_all(uow):
        stmt = stmt.where(ExemptionRow.org_id == acting_institution(uow))
    if status:
        try:
            stmt = stmt.where(ExemptionRow.status == M.ExemptionStatus(status).value)
        except ValueError:
            raise InvalidInput(f"unknown status {status}", field="status") from None
    return list(uow.session.scalars(stmt))


def get_exemption(uow: UnitOfWork, exemption_id: str) -> ExemptionRow:
    row = uow.session.get(ExemptionRow, exemption_id)
    if row is None or not (watches_all(uow) or row.org_id == uow.actor.org_id):
        raise NotFound(f"exemption {exemption_id} not found")
    return row
