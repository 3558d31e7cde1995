"""Agencies: who may file for a secured party, and the agents it appoints or revokes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.registry.log import append, lock_state
from scf.registry.model import Operation
from scf.registry.tables import AgencyRow


def _live_agency(principal_org_id: str, agent_org_id: str) -> tuple[Any, ...]:
    """Select the unrevoked agency of the agent for the principal."""
    return (
        AgencyRow.principal_org_id == principal_org_id,
        AgencyRow.agent_org_id == agent_org_id,
        AgencyRow.revoked_at.is_(None),
    )


def may_file_for(uow: UnitOfWork, secured_party_org_id: str) -> str | None:
    """Return the agent org when acting as agent; refuse anyone else."""
    actor = uow.actor
    if actor.is_system or actor.org_id == secured_party_org_id:
        return None
    if actor.org_id is not None:
        agency = uow.session.scalar(
            select(AgencyRow.id).where(*_live_agency(secured_party_org_id, actor.org_id))
        )
        if agency is not None:
            return actor.org_id
    raise PermissionDenied(
        "only the secured party or an agent it appointed may file, amend, extend or cancel",
        code="not_secured_party",
    )


def filer_record(uow: UnitOfWork, agent: str | None) -> dict[str, Any]:
    """Describe the acting filer for a log record (`agent` from `may_file_for`)."""
    return {
        "user_id": uow.actor.user_id,
        "org_id": uow.actor.org_id,
        "as_agent": agent is not None,
    }


def grant_agency(uow: UnitOfWork, agent_org_id: str) -> AgencyRow:
    """The acting secured party appoints another organization to file on its behalf."""
    principal = uow.actor.org_id
    if principal is None:
        raise PermissionDenied("only an organization can appoint an agent")
    if agent_org_id == principal:
        raise InvalidInput("an organization cannot be its own agent", field="agent_org_id")
    org_or_invalid(uow, agent_org_id, "agent_org_id")
    live = uow.session.scalar(select(AgencyRow).where(*_live_agency(principal, agent_org_id)))
    if live is not None:
        raise Conflict("this agent is already appointed", code="agency_exists")
    state = lock_state(uow)
    row = AgencyRow(
        id=new_id("agy"),
        principal_org_id=principal,
        agent_org_id=agent_org_id,
        granted_at=state.at,
    )
    uow.session.add(row)
    uow.flush()
    # who may file for whom is part of what the log proves: a filing by an agent is only
    # as good as the agency behind it
    record = {"agency": row.id, "principal_org_id": principal, "agent_org_id": agent_org_id}
    append(uow, state, Operation.AGENCY_GRANTED, None, record)
    uow.audit("registry.agency_granted", "registry_agency", row.id, after=agency_dict(row))
    uow.commit()
    return row


def revoke_agency(uow: UnitOfWork, agency_id: str) -> AgencyRow:
    row = uow.session.get(AgencyRow, agency_id)
    if row is None or (not uow.actor.is_system and row.principal_org_id != uow.actor.org_id):
        raise NotFound(f"agency {agency_id} not found")
    if row.revoked_at is None:
        before = agency_dict(row)
        state = lock_state(uow)
        row.revoked_at = state.at
        uow.flush()
        append(uow, state, Operation.AGENCY_REVOKED, None, {"agency": row.id})
        uow.audit(
            "registry.agency_revoked",
            "registry_agency",
            row.id,
            before=before,
            after=agency_dict(row),
        )
    uow.commit()
    return row


def list_agencies(uow: UnitOfWork) -> list[AgencyRow]:
    org = uow.actor.org_id
    return list(
        uow.session.scalars(
            select(AgencyRow)
            .where(or_(AgencyRow.principal_org_id == org, AgencyRow.agent_org_id == org))
            .order_by(AgencyRow.granted_at)
        )
    )


def agency_dict(row: AgencyRow) -> dict[str, Any]:
    """Describe an agency as the API returns it."""
    return {name: getattr(row, name) for name in _AGENCY_FIELDS}


_AGENCY_FIELDS = ("id", "principal_org_id", "agent_org_id", "granted_at", "revoked_at")


def org_or_invalid(uow: UnitOfWork, org_id: str, field_name: str) -> Any:
    """Find an organization, or refuse the field that named an unknown one."""
    try:
        return parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput(
            f"no organization {org_id!r} on the platform", field=field_name
        ) from None
