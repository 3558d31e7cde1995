"""A small built-in demo data set, loaded through the platform's own services."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.money import Money
from scf.parties import service as parties
from scf.parties.model import make_uscc
from scf.parties.tables import OrganizationRow, UserRow
from scf.platform import Platform

DEMO_PASSWORD = "demo-password-2024"

# (key, name, district, roles, size, chains, licence)
DEMO_ORGS: list[tuple[str, str, str, list[str], str, list[str], str | None]] = [
    (
        "operator",
        "深圳市供应链金融公共服务平台运营有限公司",
        "futian",
        ["operator"],
        "medium",
        [],
        None,
    ),
    ("regulator", "深圳市地方金融管理局", "futian", ["regulator"], "large", [], None),
    (
        "core",
        "坪山新能源汽车股份有限公司",
        "pingshan",
        ["core_enterprise"],
        "large",
        ["new_energy_vehicles"],
        None,
    ),
    (
        "tier1",
        "宝安动力电池材料有限公司",
        "baoan",
        ["supplier"],
        "medium",
        ["new_energy_vehicles"],
        None,
    ),
    (
        "tier2",
        "龙华精密结构件有限公司",
        "longhua",
        ["supplier"],
        "small",
        ["new_energy_vehicles"],
        None,
    ),
    ("bank", "深圳前海示范银行股份有限公司", "qianhai", ["bank"], "large", [], "B0001H244030001"),
    (
        "factor",
        "南山商业保理有限公司",
        "nanshan",
        ["factoring_company"],
        "medium",
        [],
        "SZBL-2021-0042",
    ),
    ("insurer", "福田信用保险股份有限公司", "futian", ["insurer"], "large", [], "INS-44-0007"),
    (
        "warehouse",
        "盐田港保税仓储有限公司",
        "yantian",
        ["warehouse"],
        "medium",
        ["port_logistics"],
        None,
    ),
    ("logistics", "深圳湾智慧物流有限公司", "nanshan", ["logistics"], "medium", [], None),
    (
        "marketplace",
        "龙岗跨境电商平台有限公司",
        "longgang",
        ["marketplace"],
        "medium",
        ["cross_border_ecommerce"],
        None,
    ),
]


def demo_uscc(i: int) -> str:
    return make_uscc(f"91440300{i:09d}")


def load_demo(platform: Platform) -> dict[str, Any]:
    """Load the sample once (idempotent) and return a summary with one login per role."""
    system = Actor.system()
    with platform.uow(system) as uow:
        loaded = uow.session.scalar(select(UserRow.id).where(UserRow.username == "operator"))
    ids: dict[str, str] = {}
    if loaded is None:
        for i, (key, name, district, roles, size, chains, licence) in enumerate(DEMO_ORGS, start=1):
            with platform.uow(system) as uow:
                org = parties.register_organization(
                    uow,
                    parties.OrganizationInput(
                        uscc=demo_uscc(i),
                        name=name,
                        district=district,
                        roles=roles,
                        size_class=size,
                        founded_on=date(2010 + i % 10, 1 + i % 12, 1 + i),
                        registered_capital=Money.of(str(10_000_000 * i), "CNY"),
                        chain_tags=chains,
                        address=f"深圳市{district}区示范路{i}号",
                        phone=f"0755-8800{i:04d}",
                        licence_no=licence,
                        licence_authority="国家金融监督管理总局深圳监管局" if licence else None,
                    ),
                )
                ids[key] = org.id
            with platform.uow(system) as uow:
                parties.create_user(uow, ids[key], key, DEMO_PASSWORD, is_admin=True)
        regulator = _actor_for(platform, "regulator")
        for key in ("bank", "factor"):
            with platform.uow(regulator) as uow:
                parties.add_list_entry(
                    uow,
                    "white",
                    ids[key],
                    "licensed; admitted to the platform",
                    authority="深圳市地方金融管理局",
                )
    with platform.uow(system) as uow:
        orgs = uow.session.scalar(select(func.count()).select_from(OrganizationRow)) or 0
        users = list(uow.session.scalars(select(UserRow).order_by(UserRow.created_at)))
        by_id = parties.organizations_by_id(uow, [u.org_id for u in users])
    logins = [
        {
            "role": ",".join(by_id[u.org_id].roles),
            "username": u.username,
            "org": by_id[u.org_id].name,
        }
        for u in users
    ]
    return {
        "counts": {"organizations": orgs, "users": len(users)},
        "password": DEMO_PASSWORD,
        "logins": logins,
    }


def _actor_for(platform: Platform, username: str) -> Actor:
    with platform.uow() as uow:
        user = uow.session.scalar(select(UserRow).where(UserRow.username == username))
        assert user is not None
        org = parties.find_organization(uow, user.org_id)
        return Actor(user.id, org.id, frozenset(org.roles), user.username, user.is_admin)
