"""Shared pieces of the certificates room: roles, settings, who may see what, registry filings."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Table

from scf.certificates.config import CertificateSettings, get_certificate_settings
from scf.core.actor import Actor
from scf.core.errors import InvalidInput, NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties

ENTERPRISE = ("supplier", "distributor", "core_enterprise")
FUNDERS = ("bank", "factoring_company", "local_financial_org")


def table(mapped: Any) -> Table:
    """The Core table of a mapped class, typed for insert()/update()."""
    return cast(Table, mapped.__table__)


def settings_of(uow: UnitOfWork) -> CertificateSettings:
    """The room's settings: the platform may carry its own, else the environment's."""
    own = getattr(uow.settings, "certificates", None)
    return own if isinstance(own, CertificateSettings) else get_certificate_settings()


def _registry() -> Any:
    from scf.registry import service as registry

    return registry


def register_assignment(
    uow: UnitOfWork,
    *,
    grantor: str,
    secured_party: str,
    piece_id: str,
    amount: Money,
    months: int,
    description: str,
) -> str:
    """File the assignment of a piece in the registry, as the platform (filed automatically,
    so the secured party need not be the one acting), inside the caller's unit of work."""
    registry = _registry()
    with uow.acting_as(Actor.system()):
        reg = registry.register_in(
            uow,
            kind="assignment",
            grantor_org_ids=[grantor],
            secured_party_org_id=secured_party,
            collateral=[registry.CollateralRef("certificate_piece", piece_id)],
            amount=amount,
            period_months=months,
            description=description,
        )
    return str(reg.id)


def months_until(start: date, end: date) -> int:
    """Whole months from `start` to `end`, a part month counting as one (at least one)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day > start.day:
        months += 1
    return max(1, months)


def is_watcher(uow: UnitOfWork) -> bool:
    """Whether the actor sees every organization's certificates (platform, regulator, operator)."""
    a = uow.actor
    return a.is_system or a.is_regulator or a.is_operator


def acting_holder(uow: UnitOfWork) -> str | None:
    """The organization whose pieces the actor may act on; None for the platform (any)."""
    return None if uow.actor.is_system else uow.actor.org_id


def org_field(uow: UnitOfWork, org_id: str, field: str) -> Any:
    """The organization named in an input field; refuses one that does not exist."""
    try:
        return parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput(f"organization {org_id} does not exist", field=field) from None
