"""The transfer paths agree: one transfer per commit, and a group commit of several.

`transfer_pieces` runs each transfer in its own savepoint and commits them together; it must
leave exactly the rows, receivable uses and audit entries `transfer_piece` leaves, and a
refused transfer in a batch must change nothing while the others go through.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from scf.certificates import service as certs
from scf.certificates import transfer
from scf.certificates.tables import PieceRow
from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import Conflict, DomainError, InvalidInput, NotFound, RuleViolation
from scf.core.money import Money
from scf.parties import service as parties
from scf.platform import Platform
from scf.trade import service as trade
from tests.integration.certificates_helpers import Chain

ID = re.compile(r"^[a-z]{3}_[0-9A-Z]{26}$")


def m(x: str) -> Money:
    return Money.of(x, "CNY")


def _normalize(value: Any, names: dict[str, str]) -> Any:
    """Replace every generated id by its order of first appearance, so two chains compare."""
    if isinstance(value, dict):
        return {k: _normalize(v, names) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_normalize(v, names) for v in value]
    if isinstance(value, str) and ID.match(value):
        return names.setdefault(value, f"{value[:3]}#{len(names)}")
    return value


def _state(platform: Platform, chain: Chain, cert_id: str) -> Any:
    """Pieces, audit entries and receivable uses the transfers left, ids normalized."""
    names: dict[str, str] = {}
    _normalize([chain.core, chain.bank, *chain.tiers, cert_id], names)
    with platform.uow(Actor.system()) as uow:
        s = uow.session
        pieces = [
            (
                *(p.id, p.parent_id, p.holder_org_id, p.from_org_id, p.face_minor, p.tier),
                *(p.origin, p.status, p.receivable_id, p.created_at, p.spent_at, p.version),
            )
            for p in s.scalars(
                select(PieceRow)
                .where(PieceRow.certificate_id == cert_id)
                .order_by(PieceRow.created_at, PieceRow.tier, PieceRow.face_minor.desc())
            )
        ]
        audit = [
            (a.at, a.user_id, a.org_id, a.action, a.aggregate_type, a.before, a.after)
            for a in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.in_(["certificate.piece.transferred", "receivable.used"]))
                .where(AuditEntry.org_id.in_(chain.tiers))
                .order_by(AuditEntry.id)
            )
        ] + [
            (a.action, a.before, a.after)
            for a in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.aggregate_id == cert_id)
                .where(AuditEntry.action == "certificate.piece.split")
                .order_by(AuditEntry.id)
            )
        ]
        used = [trade.receivable_info(uow, chain.receivables[t]).used for t in chain.tiers[1:]]
    return _normalize(pieces, names), _normalize(audit, names), used


def _prepare(platform: Platform) -> tuple[Chain, str, str, str]:
    chain = Chain.build(platform)
    cert_id = chain.issue("600000.00")
    t1 = chain.tiers[0]
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        a, b = certs.split_piece(uow, root, [m("400000.00"), m("200000.00")])
    return chain, cert_id, a.id, b.id


def test_group_commit_leaves_what_single_transfers_leave(platform: Platform) -> None:
    one, one_cert, one_a, one_b = _prepare(platform)
    many, many_cert, many_a, many_b = _prepare(platform)
    t1, t2 = one.tiers[0], one.tiers[1]
    with platform.uow(one.actors[t1]) as uow:
        certs.transfer_piece(uow, one_a, t2, amount=m("250000.00"))
    with platform.uow(one.actors[t1]) as uow:
        certs.transfer_piece(uow, one_b, t2, receivable_id=one.receivables[t2])
    u1, u2 = many.tiers[0], many.tiers[1]
    with platform.uow(many.actors[u1]) as uow:
        outcomes = certs.transfer_pieces(
            uow,
            [
                certs.TransferRequest(many_a, u2, amount=m("250000.00")),
                certs.TransferRequest(many_b, u2, receivable_id=many.receivables[u2]),
            ],
        )
    assert [o.error for o in outcomes] == [None, None]
    assert [o.piece.face for o in outcomes if o.piece] == [m("250000.00"), m("200000.00")]
    assert _state(platform, one, one_cert) == _state(platform, many, many_cert)


def test_one_statement_writes_leave_what_separate_inserts_leave(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the pieces and audit rows go in as one statement; the rows and the
    audit trail's order must be those of the plain INSERTs (on SQLite both runs are plain)."""

    def run(chain: Chain, a: str, b: str) -> None:
        t1, t2 = chain.tiers[0], chain.tiers[1]
        with platform.uow(chain.actors[t1]) as uow:
            certs.transfer_piece(uow, a, t2, amount=m("250000.00"))  # split: 2 pieces, 3 rows
        with platform.uow(chain.actors[t1]) as uow:
            certs.transfer_piece(uow, b, t2)  # whole: 1 piece, 2 audit rows

    fast, fast_cert, fast_a, fast_b = _prepare(platform)
    run(fast, fast_a, fast_b)
    plain, plain_cert, plain_a, plain_b = _prepare(platform)
    monkeypatch.setattr(transfer, "ONE_STATEMENT_WRITES", frozenset())
    run(plain, plain_a, plain_b)
    assert _state(platform, fast, fast_cert) == _state(platform, plain, plain_cert)


def test_a_refused_transfer_in_a_batch_changes_nothing_and_the_rest_commit(
    platform: Platform,
) -> None:
    chain, cert_id, a, b = _prepare(platform)
    t1, t2, t3 = chain.tiers[:3]
    with platform.uow(Actor.system()) as uow:
        audit_before = len(list(uow.session.scalars(select(AuditEntry.id))))
    requests = [
        certs.TransferRequest(a, t2, amount=m("100000.00")),
        certs.TransferRequest(b, t3),  # t1 owes t3 nothing: refused after the piece is spent
        certs.TransferRequest(a, t2),  # already spent by the first
        certs.TransferRequest(b, t2, amount=m("200000.01")),  # more than the piece
        certs.TransferRequest("pce_nope", t2),
        certs.TransferRequest(b, t2, amount=m("50000.00")),
    ]
    with platform.uow(chain.actors[t1]) as uow:
        outcomes = certs.transfer_pieces(uow, requests)
    errors = [o.error for o in outcomes]
    assert errors[0] is None and errors[5] is None
    assert isinstance(errors[1], RuleViolation) and errors[1].code == "no_trade_background"
    assert isinstance(errors[2], Conflict) and errors[2].code == "piece_not_live"
    assert isinstance(errors[3], InvalidInput) and errors[3].code == "exceeds_piece"
    assert isinstance(errors[4], NotFound) and errors[4].code == "piece_not_found"
    assert [o.request for o in outcomes] == requests
    # the two that went through: t2 holds 100,000 and 50,000, t1 the rest
    assert sorted(f for _, f in chain.live(t2)) == [m("50000.00"), m("100000.00")]
    assert sorted(f for _, f in chain.live(t1)) == [m("150000.00"), m("300000.00")]
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, chain.receivables[t2]).used == m("150000.00")
        assert trade.receivable_info(uow, chain.receivables[t3]).used == m("0.00")
        audit = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        # two transfers, each a split, a receivable use and a transfer entry
        new = [e.action for e in audit[audit_before:]]
        assert (
            new
            == [
                "certificate.piece.split",
                "receivable.used",
                "certificate.piece.transferred",
            ]
            * 2
        )
        pieces = certs.pieces_of(uow, certs.get_certificate(uow, cert_id))
        assert sum(p.face_minor for p in pieces if p.status == "live") == 600000_00


def test_group_commit_needs_an_enterprise(platform: Platform) -> None:
    chain, _, a, _ = _prepare(platform)
    from scf.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied), platform.uow(chain.actors[chain.bank]) as uow:
        certs.transfer_pieces(uow, [certs.TransferRequest(a, chain.tiers[1])])


def test_concurrent_batches_on_the_same_pieces_each_piece_moves_once(platform: Platform) -> None:
    """Batches that lock the same pieces in opposite orders: deadlocks end as per-transfer
    conflicts, every piece moves exactly once and the receivable counts each move once."""
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("row locks and deadlocks: run against the PostgreSQL server")
    import random
    import threading
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    chain = Chain.build(platform)
    chain.issue("400000.00")
    t1, t2 = chain.tiers[:2]
    ((root, _),) = chain.live(t1)
    with platform.uow(chain.actors[t1]) as uow:
        pieces = [p.id for p in certs.split_piece(uow, root, [m("100000.00")] * 4)]
    barrier = threading.Barrier(4)

    def batch(k: int) -> list[certs.TransferOutcome]:
        order = list(pieces)
        random.Random(k).shuffle(order)
        barrier.wait()
        with platform.uow(chain.actors[t1]) as uow:
            return certs.transfer_pieces(uow, [certs.TransferRequest(p, t2) for p in order])

    with ThreadPoolExecutor(4) as pool:
        outcomes = [o for result in pool.map(batch, range(4)) for o in result]
    wins = Counter(o.request.piece_id for o in outcomes if o.error is None)
    assert wins == Counter(pieces), wins
    codes = Counter(o.error.code for o in outcomes if o.error is not None)
    assert set(codes) <= {"piece_not_live", "stale_version", "lock_conflict"}, codes
    assert sum(codes.values()) == 12
    assert sorted(f for _, f in chain.live(t2)) == [m("100000.00")] * 4
    with platform.uow(Actor.system()) as uow:
        assert trade.receivable_info(uow, chain.receivables[t2]).used == m("400000.00")


def test_refusals_after_the_guarded_update_leave_the_piece_live(platform: Platform) -> None:
    """The transfer spends the piece first; every later refusal must roll that back."""
    chain, _, a, _ = _prepare(platform)
    t1, t2 = chain.tiers[0], chain.tiers[1]

    def pieces() -> list[tuple[str, str, str, int]]:
        with platform.uow(Actor.system()) as uow:
            return [
                (p.id, p.status, p.holder_org_id, p.version)
                for p in uow.session.scalars(select(PieceRow).order_by(PieceRow.id))
            ]

    before = pieces()
    cases: list[tuple[Actor, str, Money | None, str]] = [
        (chain.actors[t1], t1, None, "invalid_input"),  # to its own holder
        (chain.actors[t1], "org_nope", None, "invalid_input"),
        (chain.actors[t1], chain.bank, None, "invalid_input"),  # not a supplier
        (chain.actors[t1], t2, m("400000.01"), "exceeds_piece"),
        (chain.actors[t1], chain.tiers[2], None, "no_trade_background"),
        (chain.actors[t2], chain.tiers[2], None, "piece_not_found"),  # not the holder
    ]
    for who, to, amount, code in cases:
        with pytest.raises(DomainError) as e, platform.uow(who) as uow:
            certs.transfer_piece(uow, a, to, amount=amount)
        assert e.value.code == code, (to, e.value.message)
        assert pieces() == before, code


def _plain_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn off the PostgreSQL shortcuts of the transfer path: statements run on the
    driver's cursor with the recipient read in the spend's RETURNING, the receivable use as
    one statement, the pieces and audit rows as one statement (on SQLite they are off)."""
    from scf.trade import receivables

    monkeypatch.setattr(transfer, "DRIVER_STATEMENTS", frozenset())
    monkeypatch.setattr(transfer, "ONE_STATEMENT_WRITES", frozenset())
    monkeypatch.setattr(receivables, "ONE_STATEMENT_USE", frozenset())


def _uses(platform: Platform, chain: Chain) -> list[Any]:
    """The receivable uses of the chain's receivables, ids normalized."""
    from scf.trade.tables import ReceivableUseRow

    names: dict[str, str] = {}
    rids = [chain.receivables[t] for t in chain.tiers]
    _normalize([chain.core, chain.bank, *chain.tiers, *rids], names)
    with platform.uow(Actor.system()) as uow:
        rows = uow.session.scalars(
            select(ReceivableUseRow).where(ReceivableUseRow.receivable_id.in_(rids))
        )
        found = [
            (names[u.receivable_id], u.amount_minor, u.released_minor, u.purpose, u.at, u.reference)
            for u in rows
        ]
    return _normalize(sorted(found, key=lambda u: u[:3]), names)


def test_postgresql_shortcuts_leave_what_the_plain_path_leaves(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Driver-cursor statements, the recipient in the spend's RETURNING and the one-statement
    receivable use must leave the rows, uses and audit entries of the plain SQLAlchemy path
    (on SQLite both runs take the plain path)."""

    def run(chain: Chain, a: str, b: str) -> list[Any]:
        t1, t2, t3 = chain.tiers[:3]
        with platform.uow(chain.actors[t1]) as uow:
            got = [certs.transfer_piece(uow, a, t2, amount=m("250000.00"))]  # split
        with platform.uow(chain.actors[t1]) as uow:
            got.append(certs.transfer_piece(uow, b, t2, receivable_id=chain.receivables[t2]))
        with platform.uow(chain.actors[t2]) as uow:  # whole, the receivable found for it
            got.append(certs.transfer_piece(uow, got[0].id, t3))
        with platform.uow(chain.actors[t2]) as uow:  # a group commit
            outcomes = certs.transfer_pieces(
                uow,
                [
                    certs.TransferRequest(got[1].id, t3, amount=m("1.23")),
                    certs.TransferRequest(got[1].id, t3),  # already spent: refused
                ],
            )
        assert outcomes[1].error is not None and outcomes[1].error.code == "piece_not_live"
        got += [o.piece for o in outcomes if o.piece]
        return [(p.face, p.tier, p.origin, p.status, p.created_at, p.spent_at) for p in got]

    fast, fast_cert, fast_a, fast_b = _prepare(platform)
    fast_pieces = run(fast, fast_a, fast_b)
    plain, plain_cert, plain_a, plain_b = _prepare(platform)
    _plain_paths(monkeypatch)
    assert run(plain, plain_a, plain_b) == fast_pieces
    assert _state(platform, fast, fast_cert) == _state(platform, plain, plain_cert)
    assert _uses(platform, fast) == _uses(platform, plain)


def test_postgresql_shortcuts_refuse_as_the_plain_path_refuses(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same error type, code, field and message on both paths, and nothing changed."""
    chain, _, a, b = _prepare(platform)
    t1, t2, t3 = chain.tiers[:3]
    with platform.uow(chain.actors[t1]) as uow:
        certs.transfer_piece(uow, b, t2)
    regulator = Actor(None, None, frozenset({"regulator"}), "regulator")
    with platform.uow(regulator) as uow:
        parties.add_list_entry(uow, "black", t3, "fraudulent invoices")
    cases: list[tuple[str, str, str, Money | None, str | None]] = [
        (t1, a, t1, None, None),  # to its own holder
        (t1, a, "org_nope", None, None),  # no such organization
        (t1, a, chain.bank, None, None),  # not a supplier
        (t1, a, t3, None, None),  # black-listed recipient
        (t1, a, t2, m("400000.01"), None),  # more than the piece
        (t1, a, t2, Money.of("1.00", "USD"), None),  # another currency
        (t1, a, t2, None, chain.receivables[t3]),  # a receivable owed to someone else
        (t1, b, t2, None, None),  # already transferred
        (t2, a, t3, None, None),  # not the holder
        (t1, "pce_nope", t2, None, None),
    ]

    def refusals() -> list[tuple[Any, ...]]:
        out = []
        for who, piece, to, amount, rid in cases:
            with pytest.raises(DomainError) as e, platform.uow(chain.actors[who]) as uow:
                certs.transfer_piece(uow, piece, to, amount=amount, receivable_id=rid)
            err = e.value
            out.append((type(err), err.code, getattr(err, "field", None), err.message))
        return out

    def state() -> Any:
        with platform.uow(Actor.system()) as uow:
            pieces = [
                (p.id, p.status, p.holder_org_id, p.version)
                for p in uow.session.scalars(select(PieceRow).order_by(PieceRow.id))
            ]
            n_audit = len(list(uow.session.scalars(select(AuditEntry.id))))
            used = [trade.receivable_info(uow, chain.receivables[t]).used for t in chain.tiers]
        return pieces, n_audit, used

    before = state()
    fast = refusals()
    assert state() == before
    assert [c[1] for c in fast] == [
        "invalid_input",
        "invalid_input",
        "invalid_input",
        "black_listed",
        "exceeds_piece",
        "currency_mismatch",
        "no_trade_background",
        "piece_not_live",
        "piece_not_found",
        "piece_not_found",
    ]
    _plain_paths(monkeypatch)
    assert refusals() == fast
    assert state() == before


def test_driver_statements_raise_what_sqlalchemy_raises(platform: Platform) -> None:
    """A driver error on the PostgreSQL shortcut is wrapped as SQLAlchemy wraps it (the group
    commit and the unit of work catch IntegrityError and OperationalError), and the unit of
    work rolls back as usual."""
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("the driver-cursor statements run on PostgreSQL only")
    from sqlalchemy import bindparam, literal_column
    from sqlalchemy.exc import DataError, IntegrityError

    from scf.certificates.tables import CertificateRow
    from scf.core.db import DriverStatement

    _, cert_id, a, _ = _prepare(platform)
    boom = DriverStatement(select(literal_column("1") / bindparam("zero")))
    with platform.uow(Actor.system()) as uow:
        with pytest.raises(DataError):
            boom.rows(uow.session.connection(), {"zero": 0})
        uow.rollback()
        assert uow.session.get(CertificateRow, cert_id) is not None
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(PieceRow, a)
        assert row is not None
        values = {c: getattr(row, c) for c in transfer._PIECE_COLUMNS}
    dup = DriverStatement(transfer._INSERT_PIECES)
    with platform.uow(Actor.system()) as uow, pytest.raises(IntegrityError):
        dup.rows(uow.session.connection(), values)
    with platform.uow(Actor.system()) as uow:
        assert dup.rows(uow.session.connection(), {**values, "id": "pce_other"}) == []
        uow.rollback()
