"""Concurrent commands on the real server: one piece, many hands; many pieces, no lost update."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest

from scf.certificates import service as certs
from scf.core.actor import Actor
from scf.core.errors import Conflict, DomainError
from scf.core.money import Money
from scf.platform import Platform
from scf.trade import service as trade
from tests.integration.certificates_helpers import Chain


def m(x: str) -> Money:
    return Money.of(x, "CNY")


def _pg_only(platform: Platform) -> None:
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("the concurrency tests run against the PostgreSQL server")


def test_32_attempts_on_one_piece_exactly_one_wins(platform: Platform) -> None:
    _pg_only(platform)
    chain = Chain.build(platform)
    chain.issue("600000.00")
    t1, t2 = chain.tiers[:2]
    ((piece, _),) = chain.live(t1)
    barrier = threading.Barrier(32)

    def attempt(i: int) -> str:
        barrier.wait()
        try:
            if i % 2:
                with platform.uow(chain.actors[t1]) as uow:
                    certs.transfer_piece(uow, piece, t2, amount=m("600000.00"))
                return "transferred"
            with platform.uow(Actor.system()) as uow:
                certs.finance_piece_in(uow, piece, chain.bank, Decimal("0.03"), seller_org_id=t1)
                uow.commit()
            return "financed"
        except Conflict as exc:
            assert "piece" in exc.message or exc.code == "stale_version"
            return exc.code

    with ThreadPoolExecutor(32) as pool:
        results = Counter(pool.map(attempt, range(32)))
    wins = results["transferred"] + results["financed"]
    assert wins == 1, results
    assert results["piece_not_live"] + results["stale_version"] == 31, results
    with platform.uow(Actor.system()) as uow:
        used = trade.receivable_info(uow, chain.receivables[t2]).used
        assert used == (m("600000.00") if results["transferred"] else m("0.00"))
    holders = chain.live(t2) + chain.live(chain.bank)
    assert [f for _, f in holders] == [m("600000.00")]


def test_no_lost_update_under_load(platform: Platform) -> None:
    _pg_only(platform)
    chain = Chain.build(platform)
    cid = chain.issue("400000.00")
    t1, t2 = chain.tiers[:2]
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        pieces = [p.id for p in certs.split_piece(uow, root, [m("10000.00")] * 40)]
    done: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for pid in pieces[k::8]:
            for _ in range(50):  # retry collisions on the shared receivable
                try:
                    if k % 4 == 3:
                        with platform.uow(Actor.system()) as uow:
                            certs.finance_piece_in(
                                uow, pid, chain.bank, Decimal("0.03"), seller_org_id=t1
                            )
                            uow.commit()
                        kind = "financed"
                    else:
                        with platform.uow(chain.actors[t1]) as uow:
                            certs.transfer_piece(uow, pid, t2, amount=m("4000.00"))
                        kind = "transferred"
                    with lock:
                        done.append(kind)
                    break
                except Conflict:
                    continue

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))
    assert len(done) == 40
    transfers = done.count("transferred")
    with platform.uow(Actor.system()) as uow:
        # every transfer's consumption of the one shared receivable is counted
        assert trade.receivable_info(uow, chain.receivables[t2]).used == m("4000.00") * transfers
        cert = certs.get_certificate(uow, cid)
        live = sum(p.face_minor for p in certs.pieces_of(uow, cert) if p.status == "live")
        assert live == cert.face_minor
        assert certs.get_line(uow, chain.line_id).used == cert.face
    assert sum(f.minor for _, f in chain.live(t2)) == 4000_00 * transfers


def test_refusals_under_threads_change_nothing(platform: Platform) -> None:
    _pg_only(platform)
    chain = Chain.build(platform)
    chain.issue("1000.00", date(2025, 8, 1))
    ((piece, _),) = chain.live(chain.tiers[0])

    def bad(_: int) -> str:
        try:
            with platform.uow(chain.actors[chain.tiers[0]]) as uow:
                certs.transfer_piece(uow, piece, chain.tiers[2])  # no trade background
        except DomainError as exc:
            return exc.code
        return "moved"

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(bad, range(16))) == {"no_trade_background"}
    assert chain.live(chain.tiers[0]) == [(piece, m("1000.00"))]


def test_two_sequencers_racing_for_the_same_pieces_move_each_once(platform: Platform) -> None:
    """Two API instances, each with its own transfer sequencer (group commit), take the same
    callers' requests for the same pieces at once: their groups race on the server, each
    piece moves exactly once, and the receivable counts each move once."""
    _pg_only(platform)
    from scf.certificates import sequencer

    chain = Chain.build(platform)
    chain.issue("400000.00")
    t1, t2 = chain.tiers[:2]
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        pieces = [p.id for p in certs.split_piece(uow, root, [m("10000.00")] * 40)]
    instances = [
        sequencer.TransferSequencer(lambda: platform.uow(), max_wait=0.01) for _ in range(2)
    ]
    barrier = threading.Barrier(32)

    def caller(k: int) -> list[str]:
        seq = instances[k % 2]
        barrier.wait()
        out = []
        for pid in pieces[(k // 2) % 16 :: 16]:  # each piece asked by two callers, one per instance
            try:
                seq.transfer(chain.actors[t1], certs.TransferRequest(pid, t2))
                out.append("moved")
            except Conflict as exc:
                out.append(exc.code)
        return out

    try:
        with ThreadPoolExecutor(32) as pool:
            results = Counter(r for rs in pool.map(caller, range(32)) for r in rs)
    finally:
        for seq in instances:
            seq.close()
    assert results["moved"] == 40, results
    assert set(results) <= {"moved", "piece_not_live", "stale_version", "lock_conflict"}
    assert sum(results.values()) == 80
    assert sorted(f for _, f in chain.live(t2)) == [m("10000.00")] * 40
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, chain.receivables[t2]).used == m("400000.00")
