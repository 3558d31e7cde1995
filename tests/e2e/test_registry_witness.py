"""`scf registry witness`: an outside party verifies heads over HTTP, co-signs and publishes them.

The witness talks to the registry's HTTP API only (the test client stands in for the
network). A rewritten, truncated or re-keyed log is refused and the witness keeps the last
head it verified; the registry's public page shows the latest co-signed head.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from scf.registry import cli, signing
from scf.registry import witness as witnessing
from tests.factories import World
from tests.integration.test_registry_trust import (
    FIRST,
    FIRST_HEX,
    file,
    insert_key,
    insider,
    resign,
    rewrite,
)

REG = "/api/v1/registry"


@pytest.fixture
def w(world: World, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    from tests.factories import use_registry_key

    use_registry_key(world.platform)
    world.platform.settings.registry_witness_keys = witnessing.witness_public_hex(
        tmp_path / "witness"
    )
    monkeypatch.setattr(cli, "_http", lambda url: _Shared(client, url))
    return world


class _Shared:
    """The test client on the registry's API root, left open when the command closes it."""

    def __init__(self, client: TestClient, url: str) -> None:
        self.client, self.url = client, url.rstrip("/")

    def __enter__(self) -> _Shared:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def get(self, path: str, params: dict[str, Any]) -> Any:
        return self.client.get(self.url + path, params=params)

    def post(self, path: str, json: dict[str, Any]) -> Any:
        return self.client.post(self.url + path, json=json)


def witness(tmp_path: Path, *extra: str) -> Any:
    args = ["witness", f"http://testserver{REG}", "--state", str(tmp_path / "witness"), *extra]
    return CliRunner().invoke(cli.app, args)


def kept(tmp_path: Path) -> int:
    return int(json.loads((tmp_path / "witness" / "head.json").read_text())["tree_size"])


def test_witness_cosigns_and_the_page_shows_it(
    w: World, client: TestClient, clock: Any, tmp_path: Path
) -> None:
    page = client.get("/registry")
    assert "尚无外部见证方联署树头" in page.text
    for n in range(3):
        file(w, clock, n)
    first = witness(tmp_path, "--trusted-key", FIRST_HEX)
    assert first.exit_code == 0, first.output
    for n in range(3, 6):
        file(w, clock, n)
    again = witness(tmp_path)
    assert again.exit_code == 0, again.output
    assert kept(tmp_path) == 6
    cosigs = client.get(f"{REG}/log/cosignatures").json()
    assert [c["tree_size"] for c in cosigs] == [6]
    kid = signing.key_id(bytes.fromhex(w.platform.settings.registry_witness_keys))
    assert cosigs[0]["witness_key_id"] == kid
    client.get("/lang/zh", follow_redirects=False)
    zh = client.get("/registry").text
    client.get("/lang/en", follow_redirects=False)
    en = client.get("/registry").text
    client.get("/lang/zh", follow_redirects=False)
    assert "外部见证方联署的最新树头" in zh and kid in zh
    assert "Latest head co-signed by outside witnesses" in en and kid in en
    with w.platform.uow() as uow:
        from scf.registry import service

        assert service.verify_log(uow).ok


def test_a_rewritten_log_is_caught_by_the_witness(w: World, clock: Any, tmp_path: Path) -> None:
    for n in range(4):
        file(w, clock, n)
    assert witness(tmp_path).exit_code == 0
    file(w, clock, 4)
    forged = b'"100.00"', b'"5.00"'
    with insider(w) as conn:  # the operator's own key re-signs a rewritten history
        rewrite(conn, FIRST, lambda seq, d: d.replace(*forged) if seq == 2 else d)
    result = witness(tmp_path)
    assert result.exit_code == 1
    assert "rewritten" in result.output
    assert kept(tmp_path) == 4  # the last good head stays


def test_a_truncated_log_is_caught_by_the_witness(w: World, clock: Any, tmp_path: Path) -> None:
    for n in range(4):
        file(w, clock, n)
    assert witness(tmp_path).exit_code == 0
    with insider(w) as conn:
        conn.execute(text("DELETE FROM registry_entry WHERE seq > 2"))
        conn.execute(text("DELETE FROM registry_tree_head WHERE tree_size > 2"))
        conn.execute(text("UPDATE registry_log_state SET size = 2, last_sth_size = 2"))
    result = witness(tmp_path)
    assert result.exit_code == 1 and "truncated" in result.output
    assert kept(tmp_path) == 4


def test_a_rekeyed_log_is_caught_and_a_real_rotation_followed(
    w: World, clock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(2):
        file(w, clock, n)
    assert witness(tmp_path).exit_code == 0
    # a real rotation: the witness follows it through the entry signed by the old key
    path = tmp_path / "next.key"
    monkeypatch.setattr(cli, "create_platform", lambda: w.platform)
    assert CliRunner().invoke(cli.app, ["rotate-key", "--new-key-file", str(path)]).exit_code == 0
    w.platform.settings.registry_signing_key = path.read_text()
    clock.advance(timedelta(seconds=2))
    file(w, clock, 2)
    followed = witness(tmp_path)
    assert followed.exit_code == 0, followed.output
    assert kept(tmp_path) == 4
    # an insider puts a key of their own in the table and signs the heads with it
    rogue = Ed25519PrivateKey.generate()
    file(w, clock, 3)
    with insider(w) as conn:
        insert_key(conn, rogue, 5, clock.now())
        resign(conn, rogue)
    result = witness(tmp_path)
    assert result.exit_code == 1 and "re-keyed" in result.output, result.output
    assert kept(tmp_path) == 4


def test_the_registry_refuses_cosignatures_it_cannot_trust(
    w: World, client: TestClient, clock: Any, tmp_path: Path
) -> None:
    file(w, clock, 1)
    head = client.get(f"{REG}/log/sth").json()
    stranger = Ed25519PrivateKey.generate()
    root = bytes.fromhex(head["root_hash"])

    def body(key: Ed25519PrivateKey, size: int = head["tree_size"]) -> dict[str, Any]:
        import base64

        sig = key.sign(signing.cosignature_message(size, head["timestamp_ms"], root, 1))
        return {
            "tree_size": size,
            "timestamp_ms": head["timestamp_ms"],
            "root_hash": root.hex(),
            "witness_public_key": signing.public_bytes(key.public_key()).hex(),
            "witnessed_ms": 1,
            "signature": base64.b64encode(sig).decode(),
        }

    r = client.post(f"{REG}/log/cosignatures", json=body(stranger))
    assert r.status_code == 403 and r.json()["code"] == "unknown_witness"
    trusted = witnessing.witness_key(tmp_path / "witness")
    r = client.post(f"{REG}/log/cosignatures", json=body(trusted, size=99))
    assert r.status_code == 409 and r.json()["code"] == "unknown_head"
    bad = {**body(trusted), "witnessed_ms": 2}
    r = client.post(f"{REG}/log/cosignatures", json=bad)
    assert r.status_code == 422 and "signature" in r.text
    assert client.get(f"{REG}/log/cosignatures").json() == []
