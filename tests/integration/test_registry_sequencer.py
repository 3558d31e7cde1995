"""Group commit of single filings (the sequencer) agrees with the direct path, on both backends.

A group must land exactly what the same filings filed one by one land (leaves, audit rows,
reported conflicts), refuse a filing without touching the others (its own error to its own
caller, nothing written), fail whole when its commit fails, and keep sequence numbers
gapless under concurrent callers, several sequencers and direct filers at once.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from scf.core.uow import UnitOfWork, request_id_var
from scf.platform import Platform
from scf.registry import sequencer, service
from scf.registry.service import CollateralRef
from scf.registry.tables import EntryRow, RegistrationRow
from tests.factories import (
    World,
    add_org,
    add_user,
    fingerprint,
    overlapping_pledge,
    use_registry_key,
)
from tests.integration.test_registry_batch import landing, log_size, pool


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def queued(w: World, filings: list[service.FilingInput], role: str = "bank") -> list[Any]:
    return [service.QueuedFiling(w.actors[role], f) for f in filings]


def registered_audits(w: World) -> int:
    with w.platform.uow() as uow:
        q = select(func.count()).where(AuditEntry.action == "registry.registered")
        return int(uow.session.scalar(q) or 0)


def test_a_group_lands_exactly_what_direct_filings_land(w: World) -> None:
    direct = []
    for f in pool(w, 100):
        with w.uow("bank") as uow:
            direct.append(service.file_registration(uow, f))
    with w.platform.uow() as uow:
        group = service.file_registrations_each(uow, queued(w, pool(w, 200)))
    assert all(isinstance(r, service.FilingResult) for r in group)
    grouped = [r for r in group if isinstance(r, service.FilingResult)]
    assert [r.registration.seq for r in grouped] == list(range(7, 13))
    assert landing(w, direct, 100) == landing(w, grouped, 200)
    # the sequencer, one caller at a time, lands the same again
    seq = sequencer.Sequencer(lambda: w.platform.uow())
    try:
        one_by_one = [seq.file(w.actors["bank"], f) for f in pool(w, 300)]
    finally:
        seq.close()
    assert landing(w, direct, 100) == landing(w, one_by_one, 300)
    with w.platform.uow() as uow:
        assert service.verify_log(uow).ok


def test_a_refused_filing_leaves_the_rest_of_its_group_alone(w: World) -> None:
    with w.uow("warehouse") as uow:
        goods = service.confirm_goods(
            uow,
            service.GoodsInput(
                holder_org_id=w.orgs["supplier"],
                commodity="copper",
                grade="A",
                location="Yantian",
                quantity="100",
                unit="t",
                lot="L-1",
                receipt_nos=["WR-1", "WR-2"],
            ),
        )

    def pledge(receipt: str, qty: str) -> service.FilingInput:
        ref = CollateralRef("warehouse_receipt", f"{goods.warehouse_uscc}/{receipt}", Decimal(qty))
        return service.FilingInput(
            kind="pledge",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs["bank"],
            collateral=[ref],
            collateral_descriptions=None,
            amount=None,
            period_months=6,
        )

    filings = pool(w, 400)
    bad_period = filings[1]
    bad_period.period_months = 0
    items = [
        service.QueuedFiling(w.actors["bank"], filings[0], "req-a"),
        service.QueuedFiling(w.actors["bank"], bad_period, "req-b"),
        # the factoring company files for the bank's interest: not its to file
        service.QueuedFiling(w.actors["factoring_company"], filings[3], "req-c"),
        service.QueuedFiling(w.actors["bank"], pledge("WR-1", "60"), "req-d"),
        service.QueuedFiling(w.actors["bank"], pledge("WR-2", "60"), "req-e"),  # over the 100
        service.QueuedFiling(w.actors["bank"], pledge("WR-2", "40"), "req-f"),
        service.QueuedFiling(w.actors["bank"], filings[2], "req-g"),  # rec[0] again
    ]
    size = log_size(w)
    with w.platform.uow() as uow:
        out = service.file_registrations_each(uow, items)
    assert isinstance(out[1], InvalidInput)
    assert [e.field for e in out[1].errors] == ["period_months"]
    assert isinstance(out[2], PermissionDenied) and out[2].code == "not_secured_party"
    assert isinstance(out[4], Conflict) and out[4].code == "over_pledged"
    landed = [r for r in out if isinstance(r, service.FilingResult)]
    assert [r.registration.seq for r in landed] == [size + 1, size + 2, size + 3, size + 4]
    assert all(r is o for r, o in zip(landed, [out[0], out[3], out[5], out[6]], strict=True))
    # a later filing of the group sees an earlier one as a prior conflict
    assert [p.number for p in landed[3].prior_conflicts] == [landed[0].registration.number]
    assert log_size(w) == size + 4
    with w.platform.uow() as uow:
        audits = uow.session.execute(
            select(AuditEntry.aggregate_id, AuditEntry.user_id, AuditEntry.request_id)
            .where(AuditEntry.action == "registry.registered")
            .order_by(AuditEntry.id)
        ).all()
        assert [tuple(a) for a in audits] == [
            (r.registration.id, w.actors["bank"].user_id, req)
            for r, req in zip(landed, ["req-a", "req-d", "req-f", "req-g"], strict=True)
        ]
        assert uow.session.scalar(select(func.count()).select_from(RegistrationRow)) == 4
        assert service.goods_dict(uow, goods.id)["free"] == "0.000"
        assert service.verify_log(uow).ok
    # the group restored the unit of work's actor and the request id it was given
    assert request_id_var.get() is None


def test_each_filer_is_its_own_in_a_group(w: World) -> None:
    """Two filers in one group: each entry and registration names its own filer."""

    def mine(role: str, n: int) -> service.FilingInput:
        return service.FilingInput(
            kind="pledge",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs[role],
            collateral=[CollateralRef("receivable", fingerprint(n))],
            collateral_descriptions=None,
            amount=None,
            period_months=6,
        )

    roles = ["bank", "factoring_company", "bank"]
    items = [service.QueuedFiling(w.actors[r], mine(r, 900 + i)) for i, r in enumerate(roles)]
    with w.platform.uow() as uow:
        out = service.file_registrations_each(uow, items)
    with w.platform.uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.org_id)
            .where(AuditEntry.action == "registry.registered")
            .order_by(AuditEntry.id)
        ).all()
        filers = uow.session.execute(
            select(RegistrationRow.filer_user_id, RegistrationRow.filer_org_id).order_by(
                RegistrationRow.seq
            )
        ).all()
    expected = [(w.actors[r].user_id, w.orgs[r]) for r in roles]
    assert [tuple(r) for r in rows] == expected
    assert [tuple(f) for f in filers] == expected
    assert all(isinstance(o, service.FilingResult) for o in out)


def test_a_failed_commit_fails_the_whole_group_and_leaves_nothing(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = log_size(w)

    def boom(self: UnitOfWork) -> None:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(UnitOfWork, "commit", boom)
    seq = sequencer.Sequencer(lambda: w.platform.uow(), max_wait=0.05)
    try:
        futures = [seq.submit_filing(w.actors["bank"], f) for f in pool(w, 600)]
        for fut in futures:
            with pytest.raises(RuntimeError, match="the disk is gone"):
                fut.result(30)
        monkeypatch.undo()
        assert log_size(w) == size
        assert registered_audits(w) == 0
        with w.platform.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(RegistrationRow)) == 0
        # nothing was taken: the next filing gets the next number
        again = seq.file(w.actors["bank"], pool(w, 600)[0])
        assert again.registration.seq == size + 1
    finally:
        seq.close()
    with w.platform.uow() as uow:
        assert service.verify_log(uow).ok


def test_refusals_reach_only_their_caller_through_the_sequencer(w: World) -> None:
    filings = pool(w, 700)
    filings[2].collateral = [CollateralRef("spaceship", "x")]
    seq = sequencer.Sequencer(lambda: w.platform.uow(), max_wait=0.05)
    try:
        futures = [seq.submit_filing(w.actors["bank"], f) for f in filings]
        outcomes: list[Any] = []
        for fut in futures:
            try:
                outcomes.append(fut.result(30))
            except DomainError as exc:
                outcomes.append(exc)
    finally:
        seq.close()
    assert isinstance(outcomes[2], InvalidInput)
    assert outcomes[2].errors[0].field == "collateral[0].kind"
    landed = [o for o in outcomes if isinstance(o, service.FilingResult)]
    assert len(landed) == 5
    assert sorted(r.registration.seq for r in landed) == list(range(1, 6))
    with pytest.raises(RuntimeError, match="stopped"):
        seq.submit_filing(w.actors["bank"], filings[0])


def test_the_route_files_through_the_platform_sequencer(w: World, client: Any) -> None:
    body = {
        "kind": "pledge",
        "grantor_org_ids": [w.orgs["supplier"]],
        "secured_party_org_id": w.orgs["bank"],
        "collateral": [{"kind": "receivable", "identifier": fingerprint(801)}],
        "period_months": 12,
    }
    headers = w.headers(client, "bank")
    got = client.post("/api/v1/registry/registrations", json=body, headers=headers)
    assert got.status_code == 201, got.text
    assert got.json()["entry_seq"] == 1
    seq = w.platform.extensions[sequencer.SEQUENCER]
    assert seq.stats.items == 1
    again = client.post("/api/v1/registry/registrations", json=body, headers=headers)
    assert [p["number"] for p in again.json()["prior_conflicts"]] == [
        got.json()["registration"]["number"]
    ]
    refused = client.post(
        "/api/v1/registry/registrations",
        json={**body, "secured_party_org_id": w.orgs["factoring_company"]},
        headers=headers,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_secured_party"
    assert log_size(w) == 2
    w.platform.dispose()
    assert sequencer.SEQUENCER not in w.platform.extensions


def test_the_switch_keeps_the_direct_path(
    w: World, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sequencer, "enabled", lambda settings: False)
    body = {
        "kind": "pledge",
        "grantor_org_ids": [w.orgs["supplier"]],
        "secured_party_org_id": w.orgs["bank"],
        "collateral": [{"kind": "receivable", "identifier": fingerprint(802)}],
        "period_months": 12,
    }
    got = client.post(
        "/api/v1/registry/registrations", json=body, headers=w.headers(client, "bank")
    )
    assert got.status_code == 201, got.text
    assert sequencer.SEQUENCER not in w.platform.extensions
    assert log_size(w) == 1


def test_sixteen_callers_and_two_sequencers_keep_the_log_gapless(w: World) -> None:
    """16 callers: 12 through two sequencers (two processes' worth), 4 filing directly."""
    banks = [add_org(w.platform, "bank") for _ in range(4)]
    actors = [add_user(w.platform, b, f"seq-writer-{i}") for i, b in enumerate(banks)]
    other = Platform.create(w.platform.settings, clock=w.platform.clock)
    sequencers = [sequencer.for_platform(w.platform), sequencer.for_platform(other)]
    per_caller = 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def filing(actor: Actor, n: int) -> service.FilingInput:
        return overlapping_pledge(actor.org_id or "", w.orgs["supplier"], n, 29)

    def caller(n: int) -> None:
        try:
            actor = actors[n % len(actors)]
            barrier.wait()
            for k in range(per_caller):
                if n < 12:
                    sequencers[n % 2].file(actor, filing(actor, n * 100 + k))
                else:
                    with w.platform.uow(actor) as uow:
                        service.file_registration(uow, filing(actor, n * 100 + k))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(16)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.dispose()
    assert not errors, errors
    total = 16 * per_caller
    with w.platform.engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM registry_entry ORDER BY seq")).scalars().all()
        regs = conn.execute(text("SELECT seq FROM registry_registration ORDER BY seq")).scalars()
        assert seqs == list(range(1, total + 1))
        assert list(regs) == seqs
    assert registered_audits(w) == total
    with w.platform.uow() as uow:
        r = service.verify_log(uow)
        assert r.ok, r.problems
        assert r.tree_size == total
        problems, first_bad, _ = service.verify_registrations(uow)
        assert problems == [] and first_bad is None
    with w.platform.uow() as uow:
        assert uow.session.scalar(select(func.max(EntryRow.seq))) == total
