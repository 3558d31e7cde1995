"""Who may read what: consents an enterprise grants institutions, the read check built on them,
the log of reads made under them, and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from scf.core.audit import AuditEntry
from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties.common import commit_change, find_organization, parse_enum, require_role
from scf.parties.model import FINANCIAL_ROLES, ConsentScope, Role
from scf.parties.oversight import department_grant, district_read_basis
from scf.parties.tables import ConsentRow, DataAccessRow


def grant_consent(
    uow: UnitOfWork, grantee_org_id: str, scopes: Sequence[str], expires_at: datetime
) -> ConsentRow:
    """The acting enterprise lets an institution read its data within scopes until expiry."""
    actor = uow.actor
    require_role(actor, Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE)
    if actor.org_id is None:
        raise PermissionDenied("consent is granted by an organization")
    grantee = find_organization(uow, grantee_org_id)
    if not set(grantee.roles) & FINANCIAL_ROLES:
        raise InvalidInput("consent is granted to a financial institution", field="grantee_org_id")
    parsed = sorted({parse_enum(s, ConsentScope, "scopes").value for s in scopes})
    if not parsed:
        raise InvalidInput("name at least one scope", field="scopes")
    now = uow.now()
    if expires_at.tzinfo is None:
        raise InvalidInput("give a timezone, e.g. 2027-01-01T00:00:00Z", field="expires_at")
    if expires_at <= now:
        raise InvalidInput("expiry must be in the future", field="expires_at")
    if expires_at > now + timedelta(days=3 * 366):
        raise InvalidInput("a consent lasts at most three years", field="expires_at")
    row = ConsentRow(
        id=new_id("cns"),
        grantor_org_id=actor.org_id,
        grantee_org_id=grantee_org_id,
        scopes=parsed,
        granted_at=now,
        expires_at=expires_at,
    )
    uow.session.add(row)
    commit_change(uow, "consent.granted", "consent", row)
    return row


def revoke_consent(uow: UnitOfWork, consent_id: str) -> ConsentRow:
    row = uow.session.get(ConsentRow, consent_id)
    if row is None or (not uow.actor.is_system and row.grantor_org_id != uow.actor.org_id):
        raise NotFound(f"consent {consent_id} not found")
    if row.revoked_at is not None:
        raise Conflict("the consent is already revoked", code="already_revoked")
    before = row.snapshot()
    row.revoked_at = uow.now()
    commit_change(uow, "consent.revoked", "consent", row, before=before)
    return row


def list_consents(uow: UnitOfWork) -> list[ConsentRow]:
    """Consents the actor granted or received; all of them for the regulator."""
    stmt = select(ConsentRow).order_by(ConsentRow.granted_at.desc())
    if not (uow.actor.is_regulator or uow.actor.is_system):
        stmt = stmt.where(
            or_(
                ConsentRow.grantor_org_id == uow.actor.org_id,
                ConsentRow.grantee_org_id == uow.actor.org_id,
            )
        )
    return list(uow.session.scalars(stmt))


def live_consent(uow: UnitOfWork, grantor: str, grantee: str, scope: str) -> ConsentRow | None:
    now = uow.now()
    rows = uow.session.scalars(
        select(ConsentRow).where(
            ConsentRow.grantor_org_id == grantor,
            ConsentRow.grantee_org_id == grantee,
            ConsentRow.revoked_at.is_(None),
            ConsentRow.expires_at > now,
        )
    )
    return next((r for r in rows if scope in r.scopes), None)


_ORG_ID_MAX = 40  # DataAccessRow.subject_org_id


def authorize_read(
    uow: UnitOfWork, subject_org_ids: str | Iterable[str], scope: str, resource: str
) -> str:
    """Allow a read of records that belong to the subjects, logging every read of another's data.

    Own records and records the actor is party to need nothing; an institution needs a live
    consent of one of the subjects; the regulator and the operator read everything, logged; a
    district regulator reads what concerns an organization of its district, a government
    department what a live grant of the operator covers (scope and district), logged alike;
    an industry association reads no record (it sees aggregates of its members only).
    Anyone else is told the record does not exist (404), so ids cannot be probed.
    Returns the basis: own, consent, regulator, operator, district, department or system.
    """
    actor = uow.actor
    subjects = [subject_org_ids] if isinstance(subject_org_ids, str) else list(subject_org_ids)
    if actor.is_system:
        return "system"
    if any(len(s) > _ORG_ID_MAX for s in subjects):
        # No organization has such an id; the read log could not even hold it.
        raise NotFound(f"{resource[:_ORG_ID_MAX]} not found")
    if actor.org_id in subjects:
        return "own"
    basis: str | None = None
    consent_id: str | None = None
    if actor.is_regulator:
        basis = "regulator"
    elif actor.is_operator:
        basis = "operator"
    elif actor.has(Role.DISTRICT_REGULATOR):
        basis = district_read_basis(uow, subjects)
    elif actor.has(Role.GOVERNMENT_DEPARTMENT):
        grant = department_grant(uow, subjects, scope)
        if grant is not None:
            basis, consent_id = "department", grant.id
    elif actor.has(Role.INDUSTRY_ASSOCIATION):
        basis = None
    elif actor.org_id is not None:
        for subject in subjects:
            consent = live_consent(uow, subject, actor.org_id, scope)
            if consent is not None:
                basis, consent_id = "consent", consent.id
                break
    if basis is None:
        raise NotFound(f"{resource} not found")
    for subject in subjects:
        uow.session.add(
            DataAccessRow(
                at=uow.now(),
                reader_org_id=actor.org_id,
                reader_user_id=actor.user_id,
                subject_org_id=subject,
                basis=basis,
                consent_id=consent_id,
                scope=str(scope),
                resource=resource[:200],
            )
        )
    uow.flush()
    return basis


def access_log(
    uow: UnitOfWork, subject_org_id: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[DataAccessRow], int]:
    """Reads of an organization's data: the organization sees its own, the regulator all."""
    actor = uow.actor
    stmt = select(DataAccessRow)
    if not (actor.is_regulator or actor.is_system):
        subject_org_id = actor.org_id
    if subject_org_id:
        stmt = stmt.where(DataAccessRow.subject_org_id == subject_org_id)
    total = uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = uow.session.scalars(stmt.order_by(DataAccessRow.id.desc()).limit(limit).offset(offset))
    return list(rows), total


# ---------------------------------------------------------------- the audit trail


def query_audit(
    uow: UnitOfWork,
    *,
    org_id: str | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Query the audit trail: the regulator sees all, an organization its own entries."""
    actor = uow.actor
    stmt = select(AuditEntry)
    if not (actor.is_regulator or actor.is_system):
        stmt = stmt.where(AuditEntry.org_id == actor.org_id)
    if org_id:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    if aggregate_type:
        stmt = stmt.where(AuditEntry.aggregate_type == aggregate_type)
    if aggregate_id:
        stmt = stmt.where(AuditEntry.aggregate_id == aggregate_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    total = uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = uow.session.scalars(stmt.order_by(AuditEntry.id).limit(limit).offset(offset))
    return list(rows), total
