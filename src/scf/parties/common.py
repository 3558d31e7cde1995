"""What every use case of the parties room needs: role checks, enum parsing, the lookup of an
organization."""

from __future__ import annotations

from typing import Any

from scf.core.actor import Actor
from scf.core.errors import InvalidInput, NotFound, PermissionDenied
from scf.core.uow import UnitOfWork
from scf.parties.tables import OrganizationRow


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse unless the actor holds one of the roles (the system actor may do anything)."""
    if actor.is_system or actor.has(*roles):
        return
    raise PermissionDenied(
        f"this needs one of the roles {', '.join(sorted(roles))}", code="role_not_allowed"
    )


def require_own_org(actor: Actor, org_id: str) -> None:
    """Refuse unless the actor acts for this organization; others are told it does not exist."""
    if actor.is_system or actor.org_id == org_id:
        return
    raise NotFound(f"organization {org_id} not found")


def parse_enum(value: str, enum: type[Any], field: str) -> Any:
    """The enum member named by `value`, or a refusal that lists the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(
            f"unknown {field} {value!r}; use one of: {allowed}", field=field
        ) from None


def commit_change(
    uow: UnitOfWork,
    action: str,
    aggregate_type: str,
    row: Any,
    *,
    before: dict[str, Any] | None = None,
    org_id: str | None = None,
) -> None:
    """Write the row, audit the change with its snapshot as written, and commit."""
    uow.flush()
    uow.audit(action, aggregate_type, row.id, before=before, after=row.snapshot(), org_id=org_id)
    uow.commit()


def commit_new(
    uow: UnitOfWork,
    row: Any,
    action: str,
    aggregate_type: str,
    aggregate_id: str,
    *,
    after: dict[str, Any],
    org_id: str,
) -> None:
    """Add a new row, audit what it records about its aggregate, and commit."""
    uow.session.add(row)
    uow.flush()
    uow.audit(action, aggregate_type, aggregate_id, after=after, org_id=org_id)
    uow.commit()


def find_organization(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    """Return an organization for another room's rules, without access checks."""
    row = uow.session.get(OrganizationRow, org_id)
    if row is None:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    return row
