"""Parks (seed II, III.2): a district's characteristic supply chain finance park, its operator,
its members (joining and leaving dated), its focus chains and the scenarios it enabled, and
its figures beside its district's and the city's.

Who sees a park: the city regulator and the platform operator every park, a district
regulator the parks of its district (another district's park is not found), a park's
operating institution its own parks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.parties.model import ENTERPRISE_ROLES, FUNDER_ROLES, KEY_CHAINS, District, Role
from scf.programmes.model import MemberKind, live_on, overlaps
from scf.programmes.tables import ParkMemberRow, ParkRow, ParkScenarioRow
from scf.supervision import service as supervision


def _commit(uow: UnitOfWork, action: str, kind: str, row: Any, before: Any = None) -> None:
    uow.flush()
    uow.audit(action, kind, row.id, before=before, after=row.snapshot())
    uow.commit()


def create_park(
    uow: UnitOfWork,
    name: str,
    district: str,
    operator_org_id: str,
    chains: Sequence[str],
    established_on: date,
) -> ParkRow:
    """The platform operator registers a park of a district and its operating institution."""
    parties.require_role(uow.actor, Role.OPERATOR)
    if not name.strip():
        raise InvalidInput("a name is required", field="name")
    if district not in {d.value for d in District}:
        raise InvalidInput(f"unknown district {district!r}", field="district")
    try:
        operator = parties.find_organization(uow, operator_org_id)
    except NotFound:
        raise InvalidInput("no organization has this id", field="operator_org_id") from None
    if Role.PARK_OPERATOR not in operator.roles:
        raise InvalidInput(
            "the operator must be a park operating institution", field="operator_org_id"
        )
    unknown = sorted(set(chains) - KEY_CHAINS)
    if unknown:
        raise InvalidInput(f"unknown chains: {', '.join(unknown)}", field="chains")
    if established_on > uow.today():
        raise InvalidInput("the date is in the future", field="established_on")
    if uow.session.scalar(select(ParkRow.id).where(ParkRow.name == name.strip())):
        raise Conflict("a park of this name exists", code="duplicate_park")
    row = ParkRow(
        id=new_id("prk"),
        name=name.strip(),
        district=district,
        operator_org_id=operator_org_id,
        chains=sorted(set(chains)),
        established_on=established_on,
        created_at=uow.now(),
    )
    uow.session.add(row)
    _commit(uow, "park.created", "park", row)
    return row


def _visible(uow: UnitOfWork, park: ParkRow) -> bool:
    actor = uow.actor
    if actor.is_system or actor.is_regulator or actor.is_operator:
        return True
    if actor.has(Role.DISTRICT_REGULATOR):
        return parties.oversight_of(uow).district == park.district
    return actor.org_id is not None and actor.org_id == park.operator_org_id


def get_park(uow: UnitOfWork, park_id: str) -> ParkRow:
    """A park the actor may see; others are told it does not exist."""
    row = uow.session.get(ParkRow, park_id)
    if row is None or not _visible(uow, row):
        raise NotFound(f"park {park_id} not found")
    return row


def list_parks(uow: UnitOfWork, district: str | None = None) -> list[ParkRow]:
    """Parks the actor may see, of one district if named (a district regulator: its own only;
    naming another district is refused with the reason)."""
    actor = uow.actor
    if actor.has(Role.DISTRICT_REGULATOR) or (district and actor.is_regulator):
        district = parties.supervised_district(uow, district)
    elif district and district not in {d.value for d in District}:
        raise InvalidInput(f"unknown district {district!r}", field="district")
    stmt = select(ParkRow).order_by(ParkRow.district, ParkRow.name)
    if district:
        stmt = stmt.where(ParkRow.district == district)
    return [p for p in uow.session.scalars(stmt) if _visible(uow, p)]


def _require_park_manager(uow: UnitOfWork, park: ParkRow) -> None:
    actor = uow.actor
    if actor.is_system or actor.is_operator:
        return
    if actor.has(Role.PARK_OPERATOR) and actor.org_id == park.operator_org_id:
        return
    raise PermissionDenied("the park's operator or the platform operator keeps its members")


def add_member(uow: UnitOfWork, park_id: str, org_id: str, joined_on: date) -> ParkMemberRow:
    """An enterprise or an institution joins the park on a day; a member whose membership
    still holds (or overlaps the new one) is refused."""
    park = get_park(uow, park_id)
    _require_park_manager(uow, park)
    try:
        org = parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput("no organization has this id", field="org_id") from None
    if set(org.roles) & ENTERPRISE_ROLES:
        kind = MemberKind.ENTERPRISE
    elif set(org.roles) & FUNDER_ROLES:
        kind = MemberKind.INSTITUTION
    else:
        raise InvalidInput("members are enterprises or financial institutions", field="org_id")
    if joined_on < park.established_on:
        raise InvalidInput("the park did not exist yet", field="joined_on")
    if joined_on > uow.today():
        raise InvalidInput("the joining date is in the future", field="joined_on")
    for m in _memberships(uow, park_id, org_id):
        if overlaps(joined_on, None, m.joined_on, m.left_on):
            raise Conflict(
                f"already a member of the park since {m.joined_on.isoformat()}",
                code="already_member",
            )
    row = ParkMemberRow(
        id=new_id("pkm"),
        park_id=park_id,
        org_id=org_id,
        kind=kind.value,
        joined_on=joined_on,
        left_on=None,
        created_at=uow.now(),
    )
    uow.session.add(row)
    _commit(uow, "park.member_joined", "park_member", row)
    return row


def _memberships(uow: UnitOfWork, park_id: str, org_id: str | None = None) -> list[ParkMemberRow]:
    stmt = select(ParkMemberRow).where(ParkMemberRow.park_id == park_id)
    if org_id is not None:
        stmt = stmt.where(ParkMemberRow.org_id == org_id)
    return list(uow.session.scalars(stmt.order_by(ParkMemberRow.joined_on, ParkMemberRow.id)))


def end_membership(uow: UnitOfWork, membership_id: str, left_on: date) -> ParkMemberRow:
    """A member leaves the park on a day (the membership holds until the day before)."""
    row = uow.session.get(ParkMemberRow, membership_id)
    if row is None:
        raise NotFound(f"membership {membership_id} not found")
    park = get_park(uow, row.park_id)
    _require_park_manager(uow, park)
    if row.left_on is not None:
        raise Conflict("the member has already left", code="not_a_member")
    if left_on <= row.joined_on:
        raise InvalidInput("a member leaves after the day it joined", field="left_on")
    if left_on > uow.today():
        raise InvalidInput("the leaving date is in the future", field="left_on")
    before = row.snapshot()
    row.left_on = left_on
    _commit(uow, "park.member_left", "park_member", row, before)
    return row


def enable_scenario(
    uow: UnitOfWork, park_id: str, scenario: str, enabled_on: date
) -> ParkScenarioRow:
    """The park enables a financing scenario for its members on a day (counted by year in the
    work objectives); a scenario enabled already is refused."""
    park = get_park(uow, park_id)
    _require_park_manager(uow, park)
    if scenario not in financing.scenario_codes():
        raise InvalidInput(f"unknown scenario {scenario!r}", field="scenario")
    if enabled_on < park.established_on or enabled_on > uow.today():
        raise InvalidInput(
            "the day is before the park existed or in the future", field="enabled_on"
        )
    taken = uow.session.scalar(
        select(ParkScenarioRow.id).where(
            ParkScenarioRow.park_id == park_id, ParkScenarioRow.scenario == scenario
        )
    )
    if taken:
        raise Conflict("the park has enabled this scenario already", code="scenario_enabled")
    row = ParkScenarioRow(
        id=new_id("pks"),
        park_id=park_id,
        scenario=scenario,
        enabled_on=enabled_on,
        created_at=uow.now(),
    )
    uow.session.add(row)
    _commit(uow, "park.scenario_enabled", "park", row)
    return row


def park_scenarios(uow: UnitOfWork, park_ids: Sequence[str] | None = None) -> list[ParkScenarioRow]:
    """Scenarios enabled in the parks (all parks when None), oldest first."""
    stmt = select(ParkScenarioRow).order_by(ParkScenarioRow.enabled_on, ParkScenarioRow.id)
    if park_ids is not None:
        stmt = stmt.where(ParkScenarioRow.park_id.in_(list(park_ids)))
    return list(uow.session.scalars(stmt))


def members_on(uow: UnitOfWork, park_id: str, on: date) -> set[str]:
    """The organizations whose membership of the park holds on the day."""
    return {m.org_id for m in _memberships(uow, park_id) if live_on(m.joined_on, m.left_on, on)}


def park_view(
    uow: UnitOfWork, park_id: str, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """A park with its members and scenarios, and its figures (members of the last day of the
    period) beside its district's and the city's."""
    park = get_park(uow, park_id)
    on = end or uow.today()
    members = _memberships(uow, park_id)
    names = {
        o.id: o.name
        for o in parties.organizations_by_id(
            uow, {m.org_id for m in members} | {park.operator_org_id}
        ).values()
    }
    live = {m.org_id for m in members if live_on(m.joined_on, m.left_on, on)}
    district_ids = {o.id for o in parties.organizations_in_district(uow, park.district)}
    return {
        "park": {**park.snapshot(), "operator": names.get(park.operator_org_id, "")},
        "members": [{**m.snapshot(), "name": names.get(m.org_id, "")} for m in members],
        "scenarios": [s.snapshot() for s in park_scenarios(uow, [park_id])],
        "as_of": on.isoformat(),
        "figures": {
            "park": supervision.population_figures(uow, live, start, end),
            "district": supervision.population_figures(uow, district_ids, start, end),
            "city": supervision.population_figures(uow, None, start, end),
        },
    }


def park_members_of_operator(uow: UnitOfWork, operator_org_id: str, on: date) -> set[str]:
    """The live members, on the day, of every park the organization operates."""
    parks = uow.session.scalars(
        select(ParkRow.id).where(ParkRow.operator_org_id == operator_org_id)
    )
    out: set[str] = set()
    for park_id in parks:
        out |= members_on(uow, park_id, on)
    return out


def add_member_by_uscc(uow: UnitOfWork, park_id: str, uscc: str, joined_on: date) -> ParkMemberRow:
    """`add_member` for an organization named by its unified social credit code (the pages)."""
    org = parties.find_by_uscc(uow, uscc)
    if org is None:
        raise InvalidInput("no organization on the platform has this USCC", field="uscc")
    return add_member(uow, park_id, org.id, joined_on)


def scenario_codes() -> list[str]:
    """The scenarios a park may enable."""
    return financing.scenario_codes()
