"""Small pieces the room's modules share: who plays which part, and the audited insert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from scf.core.db import Base
from scf.core.uow import UnitOfWork

FUNDERS = ("bank", "factoring_company", "local_financial_org")
ENTERPRISE = ("core_enterprise", "supplier", "distributor")
INSURERS = ("insurer", "guarantee_company")

R = TypeVar("R", bound=Base)


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
