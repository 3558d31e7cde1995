"""The white, black and red lists kept by the regulator, and the checks other rooms make on them."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select

from scf.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties.common import commit_change, find_organization, parse_enum, require_role
from scf.parties.model import FINANCIAL_ROLES, FUNDER_ROLES, ListKind, Role
from scf.parties.tables import ListEntryRow, OrganizationRow


def add_list_entry(
    uow: UnitOfWork,
    kind: str,
    org_id: str,
    reason: str,
    listed_on: date | None = None,
    expires_on: date | None = None,
    authority: str = "",
) -> ListEntryRow:
    """Put an organization on the white, black or red list (regulator only)."""
    require_role(uow.actor, Role.REGULATOR)
    list_kind = parse_enum(kind, ListKind, "kind")
    org = find_organization(uow, org_id)
    if not reason.strip():
        raise InvalidInput("a listing needs a reason", field="reason")
    listed_on = listed_on or uow.today()
    if expires_on is not None and expires_on < listed_on:
        raise InvalidInput("expiry is before the listing date", field="expires_on")
    if list_kind is ListKind.WHITE:
        if not set(org.roles) & FINANCIAL_ROLES:
            raise InvalidInput("only financial institutions go on the white list", field="org_id")
        if not org.licence_no:
            raise RuleViolation("the institution has no licence on file", code="not_licensed")
    if any(e.kind == list_kind.value and e.is_live(listed_on) for e in _entries(uow, org_id)):
        raise Conflict(
            f"{org.name} is already on the {list_kind.value} list", code="already_listed"
        )
    row = ListEntryRow(
        id=new_id("lst"),
        kind=list_kind.value,
        org_id=org_id,
        reason=reason.strip(),
        listed_on=listed_on,
        expires_on=expires_on,
        authority=authority,
        listed_by=uow.actor.user_id,
        created_at=uow.now(),
    )
    uow.session.add(row)
    commit_change(uow, f"list.{list_kind.value}.added", "list_entry", row, org_id=org_id)
    return row


def lift_list_entry(uow: UnitOfWork, entry_id: str, reason: str) -> ListEntryRow:
    require_role(uow.actor, Role.REGULATOR)
    row = uow.session.get(ListEntryRow, entry_id)
    if row is None:
        raise NotFound(f"list entry {entry_id} not found")
    if row.lifted_at is not None:
        raise Conflict("the entry is already lifted", code="already_lifted")
    if not reason.strip():
        raise InvalidInput("lifting needs a reason", field="reason")
    before = row.snapshot()
    row.lifted_at = uow.now()
    row.lifted_reason = reason.strip()
    commit_change(
        uow, f"list.{row.kind}.lifted", "list_entry", row, before=before, org_id=row.org_id
    )
    return row


def _entries(uow: UnitOfWork, org_id: str) -> list[ListEntryRow]:
    return list(uow.session.scalars(select(ListEntryRow).where(ListEntryRow.org_id == org_id)))


def list_entries(
    uow: UnitOfWork, kind: str | None = None, live_only: bool = False
) -> list[ListEntryRow]:
    """The lists are public: anyone on the platform may see who is listed and why."""
    stmt = select(ListEntryRow).order_by(ListEntryRow.created_at)
    if kind:
        stmt = stmt.where(ListEntryRow.kind == parse_enum(kind, ListKind, "kind").value)
    rows = list(uow.session.scalars(stmt))
    if live_only:
        today = uow.today()
        rows = [r for r in rows if r.is_live(today)]
    return rows


def live_listing(uow: UnitOfWork, org_id: str, kind: ListKind) -> ListEntryRow | None:
    today = uow.today()
    return next(
        (e for e in _entries(uow, org_id) if e.kind == kind.value and e.is_live(today)), None
    )


def require_licensed_funder(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    """Refuse unless the organization is a licensed, white-listed funder (seed III.5)."""
    org = find_organization(uow, org_id)
    if not set(org.roles) & FUNDER_ROLES:
        raise RuleViolation(
            f"{org.name} is not a financial institution that funds", code="not_a_funder"
        )
    today = uow.today()
    if not org.licence_no or (
        org.licence_expires_on is not None and org.licence_expires_on < today
    ):
        raise RuleViolation(f"{org.name} holds no valid licence", code="not_licensed")
    if live_listing(uow, org_id, ListKind.WHITE) is None:
        raise RuleViolation(
            f"{org.name} is not on the regulator's white list", code="not_whitelisted"
        )
    require_not_blacklisted(uow, org_id)
    return org


def require_not_blacklisted(uow: UnitOfWork, org_id: str) -> None:
    """Refuse new business with a black-listed party, naming the listing (joint penalties)."""
    entry = live_listing(uow, org_id, ListKind.BLACK)
    if entry is not None:
        org = find_organization(uow, org_id)
        raise RuleViolation(
            f"{org.name} is on the black list since {entry.listed_on.isoformat()}: {entry.reason}",
            code="black_listed",
            details={
                "list_entry_id": entry.id,
                "listed_on": entry.listed_on.isoformat(),
                "reason": entry.reason,
            },
        )


def _table(mapped: Any) -> Table:
    """The Core table of a mapped class, typed for insert()/update()."""
    return cast(Table, mapped.__table__)


_O = _table(OrganizationRow).c
_L = _table(ListEntryRow).c
_COUNTERPARTY = (
    select(_O.name, _O.roles, _L.id, _L.reason, _L.listed_on, _L.expires_on, _L.lifted_at)
    .select_from(
        _table(OrganizationRow).outerjoin(
            _table(ListEntryRow),
            (_L.org_id == _O.id) & (_L.kind == ListKind.BLACK.value),
        )
    )
    .where(_O.id == bindparam("oid"))
)


def counterparty(uow: UnitOfWork, org_id: str) -> tuple[str, list[str], bool]:
    """Return (name, roles, black-listed now) of an organization in one statement.

    For hot paths that would call `find_organization` and `require_not_blacklisted`; the
    caller still calls the latter when the flag is set, for its refusal and details.
    """
    rows = uow.session.connection().execute(_COUNTERPARTY, {"oid": org_id}).all()
    if not rows:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    today = uow.today()
    black = any(
        r.id is not None
        and r.lifted_at is None
        and r.listed_on <= today
        and (r.expires_on is None or today <= r.expires_on)
        for r in rows
    )
    return rows[0].name, list(rows[0].roles), black


def counterparty_columns(org_id: Any, today: Any) -> tuple[Any, Any, Any]:
    """`counterparty` as three SQL expressions, for a hot path that reads the counterparty
    inside a statement it sends anyway (one round trip less): the name (NULL when there is
    no such organization), the roles, and whether a black-list entry is live on `today`
    (the same rule as `counterparty`). `org_id` and `today` are bound parameters or
    columns; the caller still calls `require_not_blacklisted` when the flag is set.
    """
    name = select(_O.name).where(_O.id == org_id).scalar_subquery()
    roles = select(_O.roles).where(_O.id == org_id).scalar_subquery()
    black = (
        select(_L.id)
        .where(
            _L.org_id == org_id,
            _L.kind == ListKind.BLACK.value,
            _L.lifted_at.is_(None),
            _L.listed_on <= today,
            or_(_L.expires_on.is_(None), _L.expires_on >= today),
        )
        .exists()
    )
    return name, roles, black


def is_red_listed(uow: UnitOfWork, org_id: str) -> bool:
    return live_listing(uow, org_id, ListKind.RED) is not None
