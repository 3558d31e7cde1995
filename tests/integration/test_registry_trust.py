"""The registry's trust roots: the key chain from a pinned first key, and saved heads.

The insider here has the database and the operator's signing key: they rewrite entries,
recompute every stored hash and re-sign every head, or put a key of their own in the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from typer.testing import CliRunner

from scf.core.errors import Conflict
from scf.core.money import Money
from scf.registry import cli, merkle, service, signing
from tests.factories import REGISTRY_TEST_KEY, World, fingerprint, use_registry_key

LOG_TABLES = ("registry_entry", "registry_log_node", "registry_tree_head", "registry_signing_key")
FIRST = signing.load_private(REGISTRY_TEST_KEY)
FIRST_HEX = signing.public_bytes(FIRST.public_key()).hex()


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def file(w: World, clock: Any, n: int) -> str:
    with w.uow("bank") as uow:
        result = service.file_registration(
            uow,
            service.FilingInput(
                kind="pledge",
                grantor_org_ids=[w.orgs["supplier"]],
                secured_party_org_id=w.orgs["bank"],
                collateral=[service.CollateralRef("receivable", fingerprint(n))],
                collateral_descriptions=None,
                amount=Money.of("100", "CNY"),
                period_months=12,
            ),
        )
    clock.advance(timedelta(seconds=2))  # so that every append signs a head
    return result.registration.number


def verify(w: World, **kw: Any) -> service.VerifyReport:
    with w.platform.uow() as uow:
        return service.verify_log(uow, **kw)


def run(w: World, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr(cli, "create_platform", lambda: w.platform)
    return CliRunner().invoke(cli.app, list(args))


def report_of(result: Any) -> dict[str, Any]:
    out: str = result.stdout
    return dict(json.loads(out[out.index("{") : out.rindex("}") + 1]))


@contextmanager
def unguarded(w: World, tables: tuple[str, ...] = LOG_TABLES) -> Iterator[None]:
    """The log's append-only triggers dropped for a while, as a database owner can."""
    engine = w.platform.engine
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for t in tables:
            if pg:
                conn.execute(text(f"DROP TRIGGER {t}_append_only ON {t}"))
            else:
                conn.execute(text(f"DROP TRIGGER {t}_no_update"))
                conn.execute(text(f"DROP TRIGGER {t}_no_delete"))
    try:
        yield
    finally:
        if pg:  # the session's database outlives this test
            with engine.begin() as conn:
                for t in tables:
                    conn.execute(
                        text(
                            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                            "FOR EACH ROW EXECUTE FUNCTION scf_append_only()"
                        )
                    )


@contextmanager
def insider(w: World) -> Iterator[Any]:
    """A connection with the log's append-only triggers dropped, as a database owner has."""
    with unguarded(w), w.platform.engine.begin() as conn:
        yield conn


def rewrite(conn: Any, key: Ed25519PrivateKey, forge: Callable[[int, bytes], bytes]) -> None:
    """Change entries, recompute every stored hash and re-sign every head with `key`."""
    rows = conn.execute(text("SELECT seq, data FROM registry_entry ORDER BY seq")).all()
    blocks: dict[tuple[int, int], bytes] = {}
    for i, (seq, data) in enumerate(rows):
        new = forge(seq, bytes(data))
        if new != bytes(data):
            conn.execute(
                text("UPDATE registry_entry SET data = :d WHERE seq = :s"), {"d": new, "s": seq}
            )
        sib = {lv: blocks[(lv, j)] for lv, j in merkle.siblings_needed(i)}
        for lv, j, h in merkle.new_blocks(i, merkle.leaf_hash(new), sib):
            blocks[(lv, j)] = h
    for (lv, j), h in blocks.items():
        conn.execute(
            text("UPDATE registry_log_node SET hash = :h WHERE level = :l AND idx = :i"),
            {"h": h, "l": lv, "i": j},
        )
    front = b"".join(blocks[b] for b in merkle.aligned_blocks(0, len(rows)))
    conn.execute(text("UPDATE registry_log_state SET frontier = :f"), {"f": front})
    resign(conn, key, merkle.stored_subtree(blocks))


def resign(conn: Any, key: Ed25519PrivateKey, subtree: Any = None) -> None:
    """Re-sign every stored head with `key` (over recomputed roots when `subtree` is given)."""
    kid = signing.key_id(signing.public_bytes(key.public_key()))
    for size, ts, root in conn.execute(
        text("SELECT tree_size, timestamp_ms, root_hash FROM registry_tree_head")
    ).all():
        root = subtree(0, size) if subtree else bytes(root)
        sig = key.sign(signing.tree_head_message(size, ts, root))
        conn.execute(
            text(
                "UPDATE registry_tree_head SET root_hash = :r, key_id = :k, signature = :s "
                "WHERE tree_size = :n"
            ),
            {"r": root, "k": kid, "s": sig, "n": size},
        )


def insert_key(conn: Any, key: Ed25519PrivateKey, seq: int, at: Any) -> None:
    """Put a key into the key table by hand, as if a rotation at entry `seq` introduced it."""
    public = signing.public_bytes(key.public_key())
    conn.execute(
        text(
            "INSERT INTO registry_signing_key (key_id, public_key, algorithm, first_used_at, "
            "seq) VALUES (:k, :p, 'ed25519', :t, :s)"
        ),
        {"k": signing.key_id(public), "p": public, "t": at, "s": seq},
    )


def rotate(w: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Ed25519PrivateKey:
    """`scf registry rotate-key` to a new key file, then run the platform with the new key."""
    path = tmp_path / "next.key"
    result = run(w, monkeypatch, "rotate-key", "--new-key-file", str(path))
    assert result.exit_code == 0, result.output
    w.platform.settings.registry_signing_key = path.read_text()
    return signing.load_private(path.read_text())


def test_rotation_is_a_log_entry_signed_with_the_previous_key(
    w: World, clock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for n in range(3):
        file(w, clock, n)
    new = rotate(w, monkeypatch, tmp_path)
    new_kid = signing.key_id(signing.public_bytes(new.public_key()))
    for n in range(3, 5):
        file(w, clock, n)
    with w.platform.uow() as uow:
        rotation = service.entries(uow, 3, 4)[0]
        keys = service.signing_keys(uow)
        newest = service.latest_tree_head(uow)
    assert rotation["op"] == "key_rotation" and rotation["record"]["key_id"] == new_kid
    assert [(k["seq"], k["current"]) for k in keys] == [(None, False), (4, True)]
    assert newest["key_id"] == new_kid and newest["tree_size"] == 6
    result = run(w, monkeypatch, "verify", "--trusted-key", FIRST_HEX)
    assert result.exit_code == 0, result.output
    r = report_of(result)
    assert r["key_chain"] == [signing.key_id(bytes.fromhex(FIRST_HEX)), new_kid]
    assert r["first_key_pinned"] is True
    # a process still configured with the retired key signs no head, and files on
    w.platform.settings.registry_signing_key = REGISTRY_TEST_KEY
    file(w, clock, 9)
    with w.platform.uow() as uow:
        assert service.latest_tree_head(uow)["tree_size"] == 6
    assert verify(w).ok
    # the retired key cannot introduce another
    with w.platform.uow() as uow, pytest.raises(Conflict) as exc:
        service.rotate_key(uow, Ed25519PrivateKey.generate())
    assert exc.value.code == "not_current_key"


def test_heads_resigned_with_the_operator_key_are_caught(
    w: World, clock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for n in range(2):
        file(w, clock, n)
    new = rotate(w, monkeypatch, tmp_path)
    file(w, clock, 2)
    assert verify(w).ok
    forged = b'"100.00"', b'"1.00"'
    with insider(w) as conn:  # rewrite an old entry and re-sign everything with today's key
        rewrite(conn, new, lambda seq, d: d.replace(*forged) if seq == 1 else d)
    r = verify(w)
    assert not r.ok
    assert any("signed tree head 1 is signed by key" in p for p in r.problems), r.problems


def test_a_key_put_into_the_key_table_is_caught(w: World, clock: Any) -> None:
    for n in range(3):
        file(w, clock, n)
    rogue = Ed25519PrivateKey.generate()
    with insider(w) as conn:
        insert_key(conn, rogue, 2, clock.now())
        resign(conn, rogue)
    r = verify(w)
    assert not r.ok
    assert any("introduced by no valid log entry" in p for p in r.problems), r.problems
    assert any("is signed by key" in p for p in r.problems)


def test_a_replaced_first_key_is_caught_only_by_the_pinned_key(
    w: World, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        file(w, clock, n)
    rogue = Ed25519PrivateKey.generate()
    public = signing.public_bytes(rogue.public_key())
    forged = b'"100.00"', b'"1.00"'
    with insider(w) as conn:
        conn.execute(
            text("UPDATE registry_signing_key SET key_id = :k, public_key = :p"),
            {"k": signing.key_id(public), "p": public},
        )
        rewrite(conn, rogue, lambda seq, d: d.replace(*forged) if seq == 2 else d)
        conn.execute(text("UPDATE registry_registration SET amount_minor = 100 WHERE seq = 2"))
    assert verify(w).ok  # a log rebuilt whole from its first key on is consistent in itself
    result = run(w, monkeypatch, "verify", "--trusted-key", FIRST_HEX)
    assert result.exit_code == 1
    problems = report_of(result)["problems"]
    assert any("not the pinned key" in p for p in problems), problems


def test_a_saved_head_catches_a_fork_and_a_shrink(
    w: World, clock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for n in range(4):
        file(w, clock, n)
    saved = tmp_path / "head.json"
    result = run(w, monkeypatch, "verify", "--save-head", str(saved))
    assert result.exit_code == 0, result.output
    assert json.loads(saved.read_text())["tree_size"] == 4
    file(w, clock, 4)
    ok = run(w, monkeypatch, "verify", "--trusted-head", str(saved))
    assert ok.exit_code == 0 and report_of(ok)["consistent_with_trusted_head"] is True
    forged = b'"100.00"', b'"2.00"'
    with insider(w) as conn:  # the same key re-signs a rewritten history
        rewrite(conn, FIRST, lambda seq, d: d.replace(*forged) if seq == 3 else d)
        conn.execute(text("UPDATE registry_registration SET amount_minor = 200 WHERE seq = 3"))
    assert verify(w).ok  # nothing inside the log disagrees
    result = run(w, monkeypatch, "verify", "--trusted-head", str(saved))
    assert result.exit_code == 1
    r = report_of(result)
    assert r["consistent_with_trusted_head"] is False
    assert any(p.startswith("fork:") for p in r["problems"]), r["problems"]


def test_a_saved_head_catches_a_shrink(
    w: World, clock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for n in range(4):
        file(w, clock, n)
    saved = tmp_path / "head.json"
    assert run(w, monkeypatch, "verify", "--save-head", str(saved)).exit_code == 0
    with insider(w) as conn:  # the last two filings and everything that covered them go
        conn.execute(text("DELETE FROM registry_entry WHERE seq > 2"))
        conn.execute(text("DELETE FROM registry_tree_head WHERE tree_size > 2"))
        conn.execute(
            text("DELETE FROM registry_log_node WHERE idx * (1 << level) + (1 << level) > 2")
        )
        conn.execute(
            text("UPDATE registry_log_state SET size = 2, last_sth_size = 2, frontier = NULL")
        )
        head_ms = conn.execute(
            text("SELECT timestamp_ms FROM registry_tree_head WHERE tree_size = 2")
        ).scalar_one()
        conn.execute(
            text("UPDATE registry_log_state SET last_sth_at = :t"),
            {"t": datetime.fromtimestamp(head_ms / 1000, UTC)},
        )
        conn.execute(
            text(
                "DELETE FROM registry_collateral WHERE registration_id IN (SELECT id FROM "
                "registry_registration WHERE seq > 2)"
            )
        )
        conn.execute(
            text(
                "DELETE FROM registry_grantor WHERE registration_id IN (SELECT id FROM "
                "registry_registration WHERE seq > 2)"
            )
        )
        conn.execute(text("DELETE FROM registry_registration WHERE seq > 2"))
    assert verify(w).ok  # what is left is a consistent log of two entries
    result = run(w, monkeypatch, "verify", "--trusted-head", str(saved))
    assert result.exit_code == 1
    assert any(p.startswith("shrink:") for p in report_of(result)["problems"])


def test_a_bad_trusted_key_or_head_is_refused_naming_it(
    w: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = run(w, monkeypatch, "verify", "--trusted-key", "abc")
    assert result.exit_code == 2 and "trusted_key" in result.output
    bad = tmp_path / "head.json"
    bad.write_text(json.dumps({"tree_size": 1}))
    result = run(w, monkeypatch, "verify", "--trusted-head", str(bad))
    assert result.exit_code == 2 and "trusted_head" in result.output
