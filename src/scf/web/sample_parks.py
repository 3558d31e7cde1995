"""Parks in several districts with their members, the supervisors below the city regulator,
and one incentive programme of each kind, loaded through the services for the demo and the
pages' tests.

Members are taken from the organizations already registered in each park's district, so the
same loader serves the small sample chain and the generated demo population. Loading twice
changes nothing (the parks are found by name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from scf.core.actor import Actor
from scf.core.errors import Conflict
from scf.core.money import Money
from scf.parties import service as parties
from scf.parties.model import ENTERPRISE_ROLES, FUNDER_ROLES, make_uscc
from scf.platform import Platform
from scf.programmes import service as programmes

# key, name, district, chains, scenarios (seed II: the districts' characteristic parks)
PARKS: list[tuple[str, str, str, list[str], list[str]]] = [
    ("longhua", "龙华数字金融产业园", "longhua", ["new_energy_vehicles"], ["reverse_factoring"]),
    (
        "baoan",
        "宝安制造业供应链金融服务中心",
        "baoan",
        ["advanced_manufacturing", "new_energy_vehicles"],
        ["receivables_factoring", "purchase_order"],
    ),
    ("luohu", "罗湖黄金珠宝供应链金融园区", "luohu", ["gold_jewelry"], ["warehouse_pledge"]),
]
# key, name, role, district
SUPERVISORS: list[tuple[str, str, str, str]] = [
    ("longhua-regulator", "深圳市龙华区金融工作局", "district_regulator", "longhua"),
    ("baoan-regulator", "深圳市宝安区金融工作局", "district_regulator", "baoan"),
    ("association", "深圳市供应链金融协会", "industry_association", "futian"),
    ("tax-department", "国家税务总局深圳市税务局", "government_department", "futian"),
]
PROGRAMMES: list[tuple[str, str, str | None, str, str, str]] = [
    (
        "新设持牌金融机构落户奖励",
        "settlement_award",
        None,
        "20000000.00",
        "is_institution and years_operating <= 3",
        "min(registered_capital * 0.01, 5000000)",
    ),
    (
        "金融科技创新奖励",
        "innovation_award",
        None,
        "5000000.00",
        "is_institution and smes_reached >= 1",
        "min(funded_amount * 0.01, 1000000)",
    ),
    (
        "园区运营机构奖励",
        "park_operator_reward",
        None,
        "3000000.00",
        "park_members >= 2",
        "min(park_sme_amount * 0.005, 500000)",
    ),
    (
        "龙华区重点产业链中小企业供应链融资贴息",
        "interest_subsidy",
        "longhua",
        "10000000.00",
        "is_sme and key_chain and park_member and financed_amount > 0",
        "min(financed_amount * financed_rate * 0.5, 500000)",
    ),
]
OPERATOR = Actor(None, None, frozenset({"operator"}), "sample:operator")


@dataclass
class Parks:
    parks: dict[str, str] = field(default_factory=dict)
    operators: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)
    programmes: dict[str, str] = field(default_factory=dict)


def _org(platform: Platform, serial: int, name: str, role: str, district: str) -> str:
    with platform.uow(Actor.system()) as uow:
        found = [o for o in parties.organizations_in_district(uow, district) if o.name == name]
        if found:
            return found[0].id
        row = parties.register_organization(
            uow,
            parties.OrganizationInput(
                uscc=make_uscc(f"91440300{serial:09d}"),
                name=name,
                district=district,
                roles=[role],
                size_class="medium",
                founded_on=date(2016, 1, 1),
                registered_capital=Money.of("50000000", "CNY"),
            ),
        )
        return row.id


def _user(platform: Platform, org_id: str, username: str, password: str) -> None:
    with platform.uow(Actor.system()) as uow:
        try:
            parties.create_user(uow, org_id, username, password, is_admin=True)
        except Conflict:
            pass  # the login exists from an earlier load


def load_parks(
    platform: Platform, password: str, prefix: str = "", uscc_base: int = 900, per_park: int = 4
) -> Parks:
    """Parks with members of their districts, the supervisors and their scopes, and one
    programme of each kind; usernames are the keys above with the prefix."""
    out = Parks()
    with platform.uow(OPERATOR) as uow:
        existing = {p.name: p.id for p in programmes.list_parks(uow)}
        today = uow.today()
    for i, (key, name, role, district) in enumerate(SUPERVISORS):
        out.orgs[key] = _org(platform, uscc_base + i, name, role, district)
        _user(platform, out.orgs[key], f"{prefix}{key}", password)
    for i, (key, name, district, chains, scenarios) in enumerate(PARKS):
        op_name = f"{name}运营管理有限公司"
        out.operators[key] = _org(platform, uscc_base + 10 + i, op_name, "park_operator", district)
        _user(platform, out.operators[key], f"{prefix}park-{key}", password)
        if name in existing:
            out.parks[key] = existing[name]
            continue
        start = today - timedelta(days=400)
        with platform.uow(OPERATOR) as uow:
            park = programmes.create_park(uow, name, district, out.operators[key], chains, start)
            out.parks[key] = park.id
        _members(platform, park.id, district, start, per_park)
        for n, sc in enumerate(scenarios):
            with platform.uow(OPERATOR) as uow:
                programmes.enable_scenario(uow, park.id, sc, today - timedelta(days=30 * (n + 1)))
    _scopes(platform, out, today)
    _programmes(platform, out, today)
    return out


def _members(platform: Platform, park_id: str, district: str, start: date, n: int) -> None:
    with platform.uow(OPERATOR) as uow:
        orgs = parties.organizations_in_district(uow, district)
    picked = [o for o in orgs if set(o.roles) & ENTERPRISE_ROLES][:n]
    picked += [o for o in orgs if set(o.roles) & FUNDER_ROLES][:1]
    for k, o in enumerate(picked):
        with platform.uow(OPERATOR) as uow:
            programmes.add_member(uow, park_id, o.id, start + timedelta(days=30 * k))


def _scopes(platform: Platform, out: Parks, today: date) -> None:
    with platform.uow(OPERATOR) as uow:
        members = parties.association_members(uow, out.orgs["association"])
        grants = [
            g for g in parties.read_grants(uow) if g.department_org_id == out.orgs["tax-department"]
        ]
        smes = [
            o
            for o in parties.organizations_in_district(uow, None)
            if set(o.roles) & ENTERPRISE_ROLES
        ][:5]
    if not members:
        for o in smes:
            with platform.uow(OPERATOR) as uow:
                parties.add_association_member(uow, out.orgs["association"], o.id, today)
    if not grants:
        with platform.uow(OPERATOR) as uow:
            parties.grant_read(
                uow,
                out.orgs["tax-department"],
                ["profile", "financing"],
                [],
                uow.now() + timedelta(days=365),
                "核验享受贴息与奖励企业的登记与融资信息",
            )


def _programmes(platform: Platform, out: Parks, today: date) -> None:
    with platform.uow(OPERATOR) as uow:
        existing = {p.name: p.id for p in programmes.list_programmes(uow)}
    for name, kind, district, budget, eligibility, amount in PROGRAMMES:
        if name in existing:
            out.programmes[kind] = existing[name]
            continue
        with platform.uow(OPERATOR) as uow:
            row = programmes.create_programme(
                uow,
                name=name,
                kind=kind,
                district=district,
                budget=Money.of(budget, "CNY"),
                starts_on=date(today.year, 1, 1),
                ends_on=date(today.year, 12, 31),
                eligibility=eligibility,
                amount=amount,
            )
            out.programmes[kind] = row.id
