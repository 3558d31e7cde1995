"""Every read operation as every role: personal and sensitive data masked as the catalogue says.

The subject (a supplier no test user belongs to) has a contact phone and address, a person
as shareholder and another as key person, and lets the bank read its profile. Every GET route
of the app is called as every role with the subject's ids in its path; wherever an answer
carries a key the catalogue marks personal or sensitive, the value must be masked unless the
role's purpose needs it in full, and the subject's raw values must appear nowhere else.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from stdnum.cn import ric

from scf.core.actor import Actor
from scf.core.classification import DataClass
from scf.governance import service as governance
from scf.governance.model import is_masked, sees_in_full
from scf.parties import service as parties
from scf.parties.model import Role
from tests.e2e.test_authz_matrix import fill
from tests.factories import World

PHONE = "13800138000"
ADDRESS = "深圳市福田区福华三路88号"
HOLDER = "王小明"
KEY_PERSON = "李大伟"
RAW = (PHONE, ADDRESS, HOLDER, KEY_PERSON)


def id_number(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def seed_subject(world: World) -> None:
    p = world.platform
    with p.uow(Actor.system()) as uow:
        row = parties.get_organization(uow, world.subject)
        parties.update_organization(
            uow, world.subject, row.version, {"phone": PHONE, "address": ADDRESS}
        )
    with world.uow("operator") as uow:
        parties.add_shareholding(
            uow,
            world.subject,
            Decimal("0.6"),
            person_id_number=id_number("11010519491231002"),
            person_name=HOLDER,
        )
    with world.uow("operator") as uow:
        number = id_number("11010119800101001")
        parties.add_key_person(uow, world.subject, number, KEY_PERSON, "director")
    grantor = Actor(user_id=None, org_id=world.subject, roles=frozenset({"supplier"}))
    with p.uow(grantor) as uow:
        parties.grant_consent(
            uow, world.orgs["bank"], ["profile", "trade"], uow.now() + timedelta(days=30)
        )


def read_routes(app: Any) -> list[str]:
    """Every GET operation of the app under /api/."""
    out = sorted(
        {
            r.path_format
            for r in routing.iter_route_contexts(app.routes)
            if isinstance(r.original_route, APIRoute)
            and "GET" in (r.methods or ())
            and r.path_format.startswith("/api/")
        }
    )
    assert len(out) > 30, out
    return out


def protected_values(
    value: Any, own: set[str], parent: str = "", mine: bool = False
) -> list[tuple[str, DataClass, Any]]:
    """(key, class, value) of every protected key in an answer (qualified keys first), outside
    the reader's own records (an object whose id, org_id or user_id is its own, and within)."""
    keys = governance.protected_keys()
    out: list[tuple[str, DataClass, Any]] = []
    if isinstance(value, dict):
        mine = mine or any(value.get(k) in own for k in ("id", "org_id", "user_id"))
        for k, v in value.items():
            data_class = keys.get(f"{parent}.{k}") or keys.get(k)
            if data_class is not None and not mine:
                out.append((k, data_class, v))
            elif data_class is None:
                out += protected_values(v, own, k, mine)
    elif isinstance(value, list):
        for v in value:
            out += protected_values(v, own, parent, mine)
    return out


def test_every_read_as_every_role_masks_by_the_catalogue(
    client: TestClient, app: Any, world: World
) -> None:
    seed_subject(world)
    tokens = {role.value: world.headers(client, role.value) for role in Role}
    failures: list[str] = []
    seen_full: set[str] = set()
    seen_masked: set[str] = set()
    for path in read_routes(app):
        url = fill(path, world)
        for role in Role:
            r = client.get(url, headers=tokens[role.value])
            if r.status_code != 200 or "json" not in r.headers.get("content-type", ""):
                continue
            roles = frozenset({role.value})
            me = world.actors[role.value]
            own = {i for i in (me.org_id, me.user_id) if i}
            for key, data_class, v in protected_values(r.json(), own):
                if sees_in_full(roles, data_class):
                    continue
                if not is_masked(v, data_class):
                    failures.append(f"GET {path} as {role.value}: {key}={v!r} not masked")
                else:
                    seen_masked.add(key)
            for raw in RAW:
                if raw in r.text:
                    if sees_in_full(roles, DataClass.PERSONAL):
                        seen_full.add(raw)
                    else:
                        failures.append(f"GET {path} as {role.value}: {raw} shown in full")
    assert not failures, "\n".join(failures)
    # The routes do carry the subject's personal data: in full to the platform, masked to the
    # bank reading under consent.
    assert seen_full == set(RAW), seen_full
    assert {"phone", "address", "holder_name", "name"} <= seen_masked, seen_masked


def test_the_subject_and_the_platform_see_in_full(client: TestClient, world: World) -> None:
    seed_subject(world)
    url = f"/api/v1/organizations/{world.subject}"
    regulator = client.get(url, headers=world.headers(client, "regulator")).json()
    assert regulator["phone"] == PHONE
    bank = client.get(url, headers=world.headers(client, "bank")).json()
    assert bank["phone"] == "138*****000" and bank["name"] == regulator["name"]
    mine = world.orgs["supplier"]
    with world.uow("operator") as uow:
        row = parties.get_organization(uow, mine)
        parties.update_organization(uow, mine, row.version, {"phone": "13911112222"})
    own = client.get(f"/api/v1/organizations/{mine}", headers=world.headers(client, "supplier"))
    assert own.json()["phone"] == "13911112222"
