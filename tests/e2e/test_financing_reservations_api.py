"""An accepted offer reserves its asset: no other institution's acceptance or application may
take it until registration, cancellation or expiry (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from scf.core.clock import FixedClock
from scf.core.errors import DomainError
from scf.financing import service as svc
from scf.financing.config import get_financing_settings
from scf.financing.tables import AssetReservationRow
from tests.e2e.test_financing_api import API, money, ok, setup
from tests.factories import World, confirmed_receivable, token


def _apply(
    client: TestClient,
    h: dict[str, dict[str, str]],
    rid: str,
    funder: str,
    amount: str = "50000.00",
) -> Any:
    """Apply on the receivable and return the application with an open offer of `funder`."""
    body = {
        "scenario": "receivables_factoring",
        "amount": money(amount),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [funder],
    }
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    if app["status"] == "escalated":
        app = ok(
            client.post(
                f"{API}/applications/{app['id']}/review",
                headers=h["operator"],
                json={"approve": True, "note": "evidence checked by hand"},
            )
        )
    if app["status"] == "sent":  # the bank is the funder of every application here
        ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    return ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))


def _accept(client: TestClient, h: dict[str, dict[str, str]], app: dict[str, Any]) -> Any:
    offer = app["offers"][0]["id"]
    return client.post(
        f"{API}/offers/{offer}/accept",
        headers={**h["supplier"], "Idempotency-Key": f"acc-{app['id']}"},
    )


def _refused_reserved(r: Any, held_by: dict[str, Any], funder_name: str) -> None:
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "asset_reserved", problem
    named = problem["details"]["reservation"]
    assert named["offer_id"] == held_by["accepted_offer_id"]
    assert named["application_id"] == held_by["id"]
    assert named["funder"] == funder_name and named["until"]
    assert funder_name in problem["detail"] and held_by["accepted_offer_id"] in problem["detail"]


def _live(world: World) -> int:
    with world.uow("operator") as uow:
        return int(
            uow.session.scalar(
                select(func.count()).where(AssetReservationRow.held_key.is_not(None))
            )
            or 0
        )


def _bank_name(world: World) -> str:
    from scf.parties import service as parties

    with world.uow("operator") as uow:
        return str(parties.find_organization(uow, world.orgs["bank"]).name)


def test_32_applications_on_one_receivable_leave_one_accepted(
    client: TestClient, world: World
) -> None:
    """The story of the finding: 32 applications on one receivable, all offered; only the
    first acceptance holds, the others are refused naming it, and so is a new application."""
    h = setup(client, world)
    p, bank = world.platform, world.orgs["bank"]
    rid = confirmed_receivable(
        p, world.orgs["supplier"], world.orgs["core_enterprise"], "100000.00"
    )
    apps = [_apply(client, h, rid, bank) for _ in range(32)]
    assert all(a["status"] == "offered" for a in apps)
    first = ok(_accept(client, h, apps[0]))
    assert first["status"] == "accepted"
    [held] = first["reservations"]
    assert (
        held["held"]
        and held["funder_org_id"] == bank
        and held["offer_id"] == first["offers"][0]["id"]
    )
    for app in apps[1:]:
        _refused_reserved(_accept(client, h, app), first, _bank_name(world))
        again = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
        assert again["status"] == "offered" and again["accepted_offer_id"] is None
    assert _live(world) == 1

    before = ok(client.get(f"{API}/applications", headers=h["supplier"]))
    body = {
        "scenario": "receivables_factoring",
        "amount": money("10000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [world.orgs["factoring_company"]],
    }
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    _refused_reserved(r, first, _bank_name(world))
    assert ok(client.get(f"{API}/applications", headers=h["supplier"])) == before

    url, keyed = (
        f"{API}/applications/{first['id']}/registration",
        {**h["bank"], "Idempotency-Key": "r1"},
    )
    done = ok(client.post(url, headers=keyed))
    assert done["status"] == "registered"
    assert ok(client.post(url, headers=keyed)) == done  # a retry replays, files nothing more
    assert len(done["registrations"]) == 1
    assert _live(world) == 0
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    assert r.status_code == 409 and r.json()["code"] == "already_pledged", r.text


def test_cancellation_releases_the_asset(client: TestClient, world: World) -> None:
    h = setup(client, world)
    bank = world.orgs["bank"]
    rid = confirmed_receivable(
        world.platform, world.orgs["supplier"], world.orgs["core_enterprise"], "100000.00"
    )
    a, b = _apply(client, h, rid, bank), _apply(client, h, rid, bank)
    held = ok(_accept(client, h, a))
    _refused_reserved(_accept(client, h, b), held, _bank_name(world))
    url = f"{API}/applications/{a['id']}/cancellation"
    r = client.post(url, headers=h["factoring_company"], json={"reason": "x"})
    assert r.status_code == 404, r.text  # not its application
    cancelled = ok(client.post(url, headers=h["bank"], json={"reason": "client withdrew"}))
    assert cancelled["status"] == "withdrawn"
    [released] = cancelled["reservations"]
    assert released["released_because"] == "cancelled" and not released["held"]
    r = client.post(url, headers=h["bank"], json={"reason": "again"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition", r.text
    taken = ok(_accept(client, h, b))
    assert taken["status"] == "accepted" and taken["reservations"][0]["held"]
    # the applicant may withdraw an application still waiting for offers
    c = _apply(
        client,
        h,
        confirmed_receivable(
            world.platform, world.orgs["supplier"], world.orgs["core_enterprise"], "90000.00"
        ),
        bank,
    )
    gone = ok(
        client.post(f"{API}/applications/{c['id']}/cancellation", headers=h["supplier"], json={})
    )
    assert gone["status"] == "withdrawn"
    assert all(o["status"] == "lapsed" for o in gone["offers"])


def test_expiry_releases_and_a_late_registration_is_refused(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    h = setup(client, world)
    bank = world.orgs["bank"]
    rid = confirmed_receivable(
        world.platform, world.orgs["supplier"], world.orgs["core_enterprise"], "100000.00"
    )
    a = _apply(client, h, rid, bank)
    held = ok(_accept(client, h, a))
    hours = get_financing_settings().reservation_hours
    clock.set(clock.now() + timedelta(hours=hours, seconds=1))
    h = {role: {"Authorization": f"Bearer {token(client, role)}"} for role in h}
    assert _live(world) == 1  # held_key stays until released, but no longer holds
    assert ok(client.post(f"{API}/overdue-run", headers=h["operator"])) == {"overdue": []}
    assert _live(world) == 0
    expired = ok(client.get(f"{API}/applications/{held['id']}", headers=h["supplier"]))
    assert expired["reservations"][0]["released_because"] == "expired"
    b = _apply(client, h, rid, bank)
    taken = ok(_accept(client, h, b))
    assert taken["reservations"][0]["held"]
    r = client.post(f"{API}/applications/{a['id']}/registration", headers=h["bank"])
    _refused_reserved(r, taken, _bank_name(world))


def test_two_live_reservations_of_one_asset_cannot_exist(world: World) -> None:
    """The uniqueness constraint itself, below the service's own check."""
    now = world.platform.clock.now()

    def row(n: int) -> AssetReservationRow:
        return AssetReservationRow(
            id=f"fres_{n}",
            asset_key="receivable:abc",
            held_key="receivable:abc",
            application_id=f"fap_{n}",
            offer_id=f"fof_{n}",
            funder_org_id=world.orgs["bank"],
            applicant_org_id=world.orgs["supplier"],
            reserved_at=now,
            until=now + timedelta(hours=1),
        )

    with world.uow("operator") as uow:
        uow.session.add(row(1))
        uow.session.commit()
    with world.uow("operator") as uow, pytest.raises(IntegrityError):
        uow.session.add(row(2))
        uow.session.commit()
    with world.uow("operator") as uow:
        released = row(3)
        released.held_key = None  # released rows never collide
        uow.session.add(released)
        uow.session.commit()


def test_32_concurrent_acceptances_leave_exactly_one_reservation(
    client: TestClient, world: World
) -> None:
    """32 threads, each on its own connection, accept 32 offers on one asset at once."""
    h = setup(client, world)
    bank = world.orgs["bank"]
    rid = confirmed_receivable(
        world.platform, world.orgs["supplier"], world.orgs["core_enterprise"], "100000.00"
    )
    apps = [_apply(client, h, rid, bank) for _ in range(32)]
    start = threading.Barrier(32, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(app: dict[str, Any]) -> None:
        start.wait()
        try:
            with world.uow("supplier") as uow:
                svc.accept_offer(uow, app["offers"][0]["id"], f"race-{app['id']}")
            outcome = "accepted"
        except DomainError as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=accept, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes) == ["accepted"] + ["asset_reserved"] * 31, outcomes
    assert _live(world) == 1
    statuses = [
        ok(client.get(f"{API}/applications/{a['id']}", headers=h["supplier"]))["status"]
        for a in apps
    ]
    assert statuses.count("accepted") == 1 and statuses.count("offered") == 31
