"""Transfers committed in groups: the batch (no refusal in the group), the fallback to one
savepoint each (some refusal), and the sequencer that groups concurrent callers.

Whatever path a group takes, it must leave exactly the pieces, receivable uses and audit
entries the same transfers leave one by one, each as its own caller.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from scf.certificates import sequencer, transfer
from scf.certificates import service as certs
from scf.certificates.tables import PieceRow
from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import DomainError
from scf.core.money import Money
from scf.platform import Platform
from scf.trade import service as trade
from tests.integration.certificates_helpers import Chain
from tests.integration.test_certificates_transfer_paths import _state, _uses


def m(x: str) -> Money:
    return Money.of(x, "CNY")


def _batches(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, per group, whether it went through as one batch."""
    taken: list[bool] = []
    real = transfer._transfer_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            got = real(*args, **kwargs)
        except DomainError:
            taken.append(False)
            raise
        taken.append(got is not None)
        return got

    monkeypatch.setattr(transfer, "_transfer_batch", spy)
    return taken


def _pieces(platform: Platform, chain: Chain, faces: list[str]) -> list[str]:
    """Issue a certificate to tier 1 and split it into `faces`."""
    cert_id = chain.issue(str(sum(m(f).amount for f in faces)))
    t1 = chain.tiers[0]
    (root,) = [p for p, _ in chain.live(t1)]
    with platform.uow(chain.actors[t1]) as uow:
        ids = [p.id for p in certs.split_piece(uow, root, [m(f) for f in faces])]
    chain.cert_id = cert_id  # type: ignore[attr-defined]
    return ids


# distinct faces, so that the states of two chains list their pieces in one order
FACES = ["100000.00", "150000.00", "200000.00", "120000.00"]


def _requests(chain: Chain, ids: list[str]) -> list[certs.TransferRequest]:
    t2, rec = chain.tiers[1], chain.receivables[chain.tiers[1]]
    return [
        certs.TransferRequest(ids[0], t2, receivable_id=rec),
        certs.TransferRequest(ids[1], t2, amount=m("90000.00"), receivable_id=rec),  # split
        certs.TransferRequest(ids[2], t2, receivable_id=rec),
    ]


def test_a_batch_leaves_what_one_by_one_leaves(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, many = Chain.build(platform), Chain.build(platform)
    one_ids, many_ids = _pieces(platform, one, FACES), _pieces(platform, many, FACES)
    t1, t2, t3 = one.tiers[:3]
    got = []
    for r in _requests(one, one_ids):
        with platform.uow(one.actors[t1]) as uow:
            piece = certs.transfer_piece(
                uow, r.piece_id, r.to_org_id, amount=r.amount, receivable_id=r.receivable_id
            )
            got.append(piece.id)
    for pid in (got[0], got[2]):  # on to tier 3, the receivable found for each
        with platform.uow(one.actors[t2]) as uow:
            certs.transfer_piece(uow, pid, t3)

    taken = _batches(monkeypatch)
    u1, u2, u3 = many.tiers[:3]
    with platform.uow(many.actors[u1]) as uow:
        outcomes = certs.transfer_pieces(uow, _requests(many, many_ids))
    assert [o.error for o in outcomes] == [None, None, None]
    assert [o.piece.face for o in outcomes if o.piece] == [
        m("100000.00"),
        m("90000.00"),
        m("200000.00"),
    ]
    # the pieces returned are the rows stored
    with platform.uow(Actor.system()) as uow:
        for o in outcomes:
            assert o.piece is not None
            stored = uow.session.get(PieceRow, o.piece.id)
            assert stored is not None and stored.snapshot() == o.piece.snapshot()
    mine = [o.piece.id for o in outcomes if o.piece]
    with platform.uow(many.actors[u2]) as uow:
        second = certs.transfer_pieces(
            uow, [certs.TransferRequest(p, u3) for p in (mine[0], mine[2])]
        )
    assert [o.error for o in second] == [None, None]
    assert taken == [True, True]
    assert _state(platform, one, one.cert_id) == _state(platform, many, many.cert_id)  # type: ignore[attr-defined]
    assert _uses(platform, one) == _uses(platform, many)


def test_a_refusal_in_a_group_falls_back_to_a_savepoint_each(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = Chain.build(platform)
    ids = _pieces(platform, chain, FACES)
    t1, t2 = chain.tiers[:2]
    taken = _batches(monkeypatch)
    reqs = _requests(chain, ids)
    reqs[1] = certs.TransferRequest(ids[1], t1)  # to its own holder
    with platform.uow(chain.actors[t1]) as uow:
        outcomes = certs.transfer_pieces(uow, reqs)
    assert taken == [False]
    assert [o.error.code if o.error else None for o in outcomes] == [None, "invalid_input", None]
    live = dict(chain.live(t1))
    assert ids[1] in live and ids[3] in live and ids[0] not in live
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, chain.receivables[t2]).used == m("300000.00")


def test_the_same_piece_twice_in_a_group_moves_once(platform: Platform) -> None:
    chain = Chain.build(platform)
    ids = _pieces(platform, chain, FACES)
    t1, t2 = chain.tiers[:2]
    with platform.uow(chain.actors[t1]) as uow:
        outcomes = certs.transfer_pieces(
            uow, [certs.TransferRequest(ids[0], t2), certs.TransferRequest(ids[0], t2)]
        )
    assert [o.error.code if o.error else None for o in outcomes] == [None, "piece_not_live"]
    assert [f for _, f in chain.live(t2)] == [m("100000.00")]


def test_a_receivable_short_of_the_group_refuses_only_what_it_cannot_cover(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = Chain.build(platform)
    ids = _pieces(platform, chain, FACES)
    t1, t2 = chain.tiers[:2]
    rec = chain.receivables[t2]
    with platform.uow(Actor.system()) as uow:  # 300,000 of the 1,000,000 left unused
        trade.use_receivable(uow, rec, m("700000.00"), purpose="financing", reference="earlier")
        uow.commit()
    taken = _batches(monkeypatch)
    reqs = [certs.TransferRequest(i, t2, receivable_id=rec) for i in ids[1:3]]  # 150k + 200k
    with platform.uow(chain.actors[t1]) as uow:
        outcomes = certs.transfer_pieces(uow, reqs)
    assert taken == [False]
    assert [o.error.code if o.error else None for o in outcomes] == [None, "receivable_exhausted"]
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, rec).used == m("850000.00")


def test_the_sequencer_groups_callers_each_as_itself(platform: Platform) -> None:
    chain = Chain.build(platform)
    ids = _pieces(platform, chain, ["50000.00"] * 8)
    t1, t2, t3 = chain.tiers[:3]
    with platform.uow(chain.actors[t1]) as uow:
        certs.transfer_piece(uow, ids[0], t2)
    (held,) = [p for p, _ in chain.live(t2)]
    seq = sequencer.TransferSequencer(lambda: platform.uow(), max_wait=0.05)
    try:
        items = [
            certs.QueuedTransfer(chain.actors[t1], certs.TransferRequest(pid, t2), f"req-{k}")
            for k, pid in enumerate(ids[1:])
        ]
        items.append(
            certs.QueuedTransfer(chain.actors[t2], certs.TransferRequest(held, t3), "req-t2")
        )
        items.append(  # refused: not the caller's piece
            certs.QueuedTransfer(chain.actors[t3], certs.TransferRequest(ids[1], t2), "req-bad")
        )
        futures = [seq.submit(i) for i in items]
        results: list[Any] = []
        for f in futures:
            try:
                results.append(f.result(30))
            except DomainError as exc:
                results.append(exc.code)
    finally:
        seq.close()
    assert results[-1] == "piece_not_found"
    assert all(isinstance(r, PieceRow) for r in results[:-1])
    assert seq.stats.items == len(items) and seq.stats.largest_group > 1
    with platform.uow(Actor.system()) as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "certificate.piece.transferred",
                AuditEntry.request_id.is_not(None),
            )
        ).all()
        by_request = {e.request_id: e for e in entries}
    assert set(by_request) == {f"req-{k}" for k in range(7)} | {"req-t2"}
    assert by_request["req-t2"].org_id == t2 and by_request["req-0"].org_id == t1
    assert sorted(f for _, f in chain.live(t2)) == [m("50000.00")] * 7
    assert [f for _, f in chain.live(t3)] == [m("50000.00")]


def test_the_transfer_route_uses_the_platform_sequencer(platform: Platform) -> None:
    assert sequencer.enabled(platform.settings)
    seq = sequencer.for_platform(platform)
    assert sequencer.for_platform(platform) is seq
    chain = Chain.build(platform)
    ids = _pieces(platform, chain, ["100000.00", "100000.00"])
    got = seq.transfer(chain.actors[chain.tiers[0]], certs.TransferRequest(ids[0], chain.tiers[1]))
    assert got.holder_org_id == chain.tiers[1] and got.tier == 2
    platform.dispose()
    assert sequencer.SEQUENCER not in platform.extensions
