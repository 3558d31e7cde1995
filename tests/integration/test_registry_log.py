"""The transparency log under attack (tampering) and under load (concurrent writers)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from scf.core.errors import Conflict
from scf.core.money import Money
from scf.registry import service
from scf.registry.service import CollateralRef
from tests.factories import World, add_org, add_user, fingerprint, use_registry_key

TRIGGERED = ("registry_entry", "registry_log_node")


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def fill(w: World, clock: Any, n: int) -> None:
    for i in range(n):
        with w.uow("bank") as uow:
            service.file_registration(
                uow,
                service.FilingInput(
                    kind="pledge",
                    grantor_org_ids=[w.orgs["supplier"]],
                    secured_party_org_id=w.orgs["bank"],
                    collateral=[CollateralRef("receivable", fingerprint(i))],
                    collateral_descriptions=None,
                    amount=Money.of("100", "CNY"),
                    period_months=12,
                ),
            )
        clock.advance(timedelta(seconds=2))  # so that every append signs a head
    with w.platform.uow() as uow:
        assert service.verify_log(uow).ok


@contextmanager
def attacker(w: World) -> Iterator[Any]:
    """A connection with the append-only triggers dropped, as someone with DB access would."""
    engine = w.platform.engine
    dialect = engine.dialect.name
    with engine.begin() as conn:
        for t in TRIGGERED:
            if dialect == "sqlite":
                conn.execute(text(f"DROP TRIGGER {t}_no_update"))
                conn.execute(text(f"DROP TRIGGER {t}_no_delete"))
            else:
                conn.execute(text(f"DROP TRIGGER {t}_append_only ON {t}"))
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        if dialect == "postgresql":  # the session's database outlives this test
            with engine.begin() as conn:
                for t in TRIGGERED:
                    conn.execute(
                        text(
                            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                            "FOR EACH ROW EXECUTE FUNCTION scf_append_only()"
                        )
                    )


def report(w: World) -> service.VerifyReport:
    with w.platform.uow() as uow:
        return service.verify_log(uow, batch=3)


def test_triggers_refuse_changes(w: World, clock: Any) -> None:
    fill(w, clock, 2)
    for stmt in (
        "UPDATE registry_entry SET op = 'x' WHERE seq = 1",
        "DELETE FROM registry_entry WHERE seq = 2",
        "DELETE FROM registry_tree_head",
    ):
        with pytest.raises(DBAPIError), w.platform.engine.begin() as conn:
            conn.execute(text(stmt))
    assert report(w).ok


def test_changed_entry_is_detected_and_located(w: World, clock: Any) -> None:
    fill(w, clock, 7)
    with attacker(w) as conn:
        data = conn.execute(text("SELECT data FROM registry_entry WHERE seq = 5")).scalar_one()
        forged = bytes(data).replace(b'"100.00"', b'"999.00"')
        assert forged != bytes(data)
        conn.execute(text("UPDATE registry_entry SET data = :d WHERE seq = 5"), {"d": forged})
    r = report(w)
    assert not r.ok and r.first_bad_seq == 5, r.problems
    assert any("entry 5" in p for p in r.problems)


def test_changed_entry_with_rewritten_hashes_is_caught_by_the_signed_heads(
    w: World, clock: Any
) -> None:
    from scf.registry import merkle

    fill(w, clock, 6)
    with attacker(w) as conn:
        data = bytes(
            conn.execute(text("SELECT data FROM registry_entry WHERE seq = 4")).scalar_one()
        )
        forged = data.replace(b'"100.00"', b'"1.00"')
        conn.execute(text("UPDATE registry_entry SET data = :d WHERE seq = 4"), {"d": forged})
        # rewrite every stored subtree hash too, as a careful attacker would
        rows = conn.execute(text("SELECT data FROM registry_entry ORDER BY seq")).scalars().all()
        blocks: dict[tuple[int, int], bytes] = {}
        for i, d in enumerate(rows):
            sib = {lv: blocks[(lv, j)] for lv, j in merkle.siblings_needed(i)}
            for lv, j, h in merkle.new_blocks(i, merkle.leaf_hash(bytes(d)), sib):
                blocks[(lv, j)] = h
        for (lv, j), h in blocks.items():
            conn.execute(
                text("UPDATE registry_log_node SET hash = :h WHERE level = :l AND idx = :i"),
                {"h": h, "l": lv, "i": j},
            )
    r = report(w)
    assert not r.ok
    assert r.first_bad_seq == 4, r.problems  # the head of size 3 still matched, size 4 did not
    assert any("signed tree head 4" in p for p in r.problems)


def test_deleted_entry_is_detected_and_located(w: World, clock: Any) -> None:
    fill(w, clock, 6)
    with attacker(w) as conn:
        conn.execute(text("DELETE FROM registry_entry WHERE seq = 4"))
    r = report(w)
    assert not r.ok and r.first_bad_seq == 4, r.problems
    assert any("entry 4 is missing" in p for p in r.problems)


def test_last_entry_deleted_is_detected(w: World, clock: Any) -> None:
    fill(w, clock, 4)
    with attacker(w) as conn:
        conn.execute(text("DELETE FROM registry_entry WHERE seq = 4"))
    r = report(w)
    assert not r.ok and r.first_bad_seq == 4, r.problems


def test_reordered_entries_are_detected_and_located(w: World, clock: Any) -> None:
    fill(w, clock, 6)
    with attacker(w) as conn:
        a = conn.execute(text("SELECT data FROM registry_entry WHERE seq = 2")).scalar_one()
        b = conn.execute(text("SELECT data FROM registry_entry WHERE seq = 3")).scalar_one()
        conn.execute(text("UPDATE registry_entry SET data = :d WHERE seq = 2"), {"d": b})
        conn.execute(text("UPDATE registry_entry SET data = :d WHERE seq = 3"), {"d": a})
    r = report(w)
    assert not r.ok and r.first_bad_seq == 2, r.problems
    assert any("out of place" in p for p in r.problems)


# ---------------------------------------------------------------- concurrency (PostgreSQL)


def _pg_only(w: World) -> None:
    if w.platform.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL")


def test_sixteen_concurrent_writers(w: World) -> None:
    _pg_only(w)
    banks = [add_org(w.platform, "bank") for _ in range(4)]
    actors = [add_user(w.platform, b, f"writer-{i}") for i, b in enumerate(banks)]
    per_writer = 6
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def writer(n: int) -> None:
        try:
            actor = actors[n % len(actors)]
            barrier.wait()
            for k in range(per_writer):
                with w.platform.uow(actor) as uow:
                    service.file_registration(
                        uow,
                        service.FilingInput(
                            kind="pledge",
                            grantor_org_ids=[w.orgs["supplier"]],
                            secured_party_org_id=actor.org_id or "",
                            collateral=[CollateralRef("receivable", fingerprint(n * 100 + k))],
                            collateral_descriptions=None,
                            amount=None,
                            period_months=6,
                        ),
                    )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with w.platform.engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM registry_entry ORDER BY seq")).scalars().all()
        reg_seqs = (
            conn.execute(text("SELECT seq FROM registry_registration ORDER BY seq")).scalars().all()
        )
    assert seqs == list(range(1, 16 * per_writer + 1))
    assert reg_seqs == seqs
    with w.platform.uow() as uow:
        r = service.verify_log(uow)
        assert r.ok, r.problems
        assert r.tree_size == 16 * per_writer


def test_two_institutions_same_collateral_same_instant(w: World) -> None:
    _pg_only(w)
    results: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def go(role: str) -> None:
        barrier.wait()
        try:
            with w.uow(role) as uow:
                results[role] = service.file_registration(
                    uow,
                    service.FilingInput(
                        kind="pledge",
                        grantor_org_ids=[w.orgs["supplier"]],
                        secured_party_org_id=w.orgs[role],
                        collateral=[CollateralRef("receivable", fingerprint(777))],
                        collateral_descriptions=None,
                        amount=None,
                        period_months=6,
                    ),
                )
        except BaseException as exc:  # asserted below
            results[role] = exc

    threads = [threading.Thread(target=go, args=(r,)) for r in ("bank", "factoring_company")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = results["bank"], results["factoring_company"]
    assert isinstance(a, service.FilingResult) and isinstance(b, service.FilingResult)
    first, second = sorted((a, b), key=lambda r: r.registration.seq)
    assert second.registration.seq == first.registration.seq + 1
    assert first.prior_conflicts == []
    assert [p.number for p in second.prior_conflicts] == [first.registration.number]
    # the financing path refuses at the same instant
    errs: list[BaseException] = []
    barrier2 = threading.Barrier(2)

    def financing(role: str) -> None:
        barrier2.wait()
        try:
            with w.uow(role) as uow:
                service.register_in(
                    uow,
                    kind="pledge",
                    grantor_org_ids=[w.orgs["supplier"]],
                    secured_party_org_id=w.orgs[role],
                    collateral=[CollateralRef("receivable", fingerprint(778))],
                    amount=None,
                    period_months=6,
                )
                uow.commit()
        except Conflict as exc:
            errs.append(exc)

    threads = [threading.Thread(target=financing, args=(r,)) for r in ("bank", "factoring_company")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errs) == 1 and getattr(errs[0], "code", "") == "already_pledged"
