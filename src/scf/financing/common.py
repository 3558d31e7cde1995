"""Small pieces the room's modules share: who plays which part, and the audited insert."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from scf.core.actor import Actor
from scf.core.db import Base
from scf.core.errors import PermissionDenied
from scf.core.uow import UnitOfWork
from scf.parties import service as parties

FUNDERS = ("bank", "factoring_company", "local_financial_org")
ENTERPRISE = ("core_enterprise", "supplier", "distributor")
INSURERS = ("insurer", "guarantee_company")

R = TypeVar("R", bound=Base)


def acting_org(uow: UnitOfWork, roles: Iterable[str], refusal: str) -> str:
    """Refuse unless the actor holds one of the roles for an organization; return that one."""
    parties.require_role(uow.actor, *roles)
    org = uow.actor.org_id
    if org is None:
        raise PermissionDenied(refusal)
    return org


def watches_all(actor: Actor) -> bool:
    """Tell whether the actor sees every record of the room: the platform and its watchers."""
    return actor.is_system or actor.is_regulator or actor.is_operator


def add_audited(
    uow: UnitOfWork,
    row: R,
    action: str,
    aggregate: tuple[str, str],
    after: Callable[[R], dict[str, Any]],
    org_id: str | None = None,
) -> R:
    """Add a new record, flush it, and audit it on `aggregate` (type, id) as `after` shows it."""
    uow.session.add(row)
    uow.flush()
    uow.audit(action, aggregate[0], aggregate[1], after=after(row), org_id=org_id)
    return row
