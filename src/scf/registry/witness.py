"""A witness of the registry's log, run by an outside party (`scf registry witness`).

It trusts nothing the registry stores: it fetches the newest signed head and the published
key chain over HTTP, follows each key rotation only when the entry introducing it is in the
head (an inclusion proof) and signed by the key before it, proves the head consistent with
the last one it verified (RFC 9162 consistency proof), keeps that head in its state folder,
co-signs it with its own Ed25519 key and publishes the co-signature back to the registry.
A rewritten log (a fork), a truncated one (a shrink) or a re-keyed one is refused, and the
state keeps the last good head, so the next run refuses too.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scf.registry import merkle, signing

Fetch = Callable[[str, dict[str, Any]], Any]
Post = Callable[[str, dict[str, Any]], Any]
KEY_FILE = "witness.key"
HEAD_FILE = "head.json"
KEYS_FILE = "keys.json"


class WitnessError(Exception):
    """The registry's log failed a check; the message says which."""


def witness_key(state: Path) -> Ed25519PrivateKey:
    """The witness's own key, generated once in the state folder (mode 0600)."""
    state.mkdir(parents=True, exist_ok=True)
    return signing.key_from_settings(None, state / KEY_FILE)


def witness_public_hex(state: Path) -> str:
    return signing.public_bytes(witness_key(state).public_key()).hex()


@dataclass
class _Known:
    """The key chain as the witness has verified it: (seq or None, key id, public key)."""

    keys: list[tuple[int | None, str, bytes]]

    def at(self, size: int) -> tuple[str, bytes]:
        """The key the chain holds at a tree size: the last introduced at or before it."""
        kid, public = self.keys[0][1], self.keys[0][2]
        for seq, k, p in self.keys[1:]:
            if seq is not None and seq <= size:
                kid, public = k, p
        return kid, public

    def as_json(self) -> list[dict[str, Any]]:
        return [{"seq": s, "key_id": k, "public_key": p.hex()} for s, k, p in self.keys]


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def _bytes(hexed: Any, what: str) -> bytes:
    try:
        return bytes.fromhex(str(hexed))
    except ValueError:
        raise WitnessError(f"the registry sent a malformed {what}") from None


def _first_chain(published: list[dict[str, Any]], pinned: bytes | None) -> _Known:
    firsts = [k for k in published if k.get("seq") is None]
    if len(firsts) != 1:
        raise WitnessError(f"the registry publishes {len(firsts)} first keys; one is needed")
    public = _bytes(firsts[0]["public_key"], "key")
    if pinned is not None and public != pinned:
        raise WitnessError(
            f"re-keyed: the registry's first key is {signing.key_id(public)}, not the pinned "
            f"{signing.key_id(pinned)}"
        )
    return _Known([(None, signing.key_id(public), public)])


def _follow(
    fetch: Fetch, known: _Known, published: list[dict[str, Any]], head: dict[str, Any], seen: int
) -> None:
    """Add the rotations the new head covers; refuse a key no valid rotation introduced."""
    by_id = {k: (s, p) for s, k, p in known.keys}
    size, root = int(head["tree_size"]), _bytes(head["root_hash"], "root")
    for k in sorted((k for k in published if k.get("seq") is not None), key=lambda k: k["seq"]):
        seq, kid, public = int(k["seq"]), str(k["key_id"]), _bytes(k["public_key"], "key")
        if kid in by_id:
            if by_id[kid] != (seq, public):
                raise WitnessError(f"re-keyed: key {kid} is published differently than before")
            continue
        if seq <= seen:
            raise WitnessError(
                f"re-keyed: key {kid} claims entry {seq}, which the head I verified already "
                "covered without it"
            )
        if seq > size:
            continue
        entry = fetch("/log/entries", {"start": seq - 1, "end": seq})[0]
        data = base64.b64decode(entry["data"])
        proof = fetch("/log/proof/inclusion", {"leaf_index": seq - 1, "tree_size": size})
        path = [_bytes(h, "proof") for h in proof["audit_path"]]
        if not merkle.verify_inclusion(seq - 1, size, merkle.leaf_hash(data), path, root):
            raise WitnessError(f"re-keyed: the entry introducing key {kid} is not in the log")
        rec = json.loads(data)
        prev_kid, prev_public = known.at(seq - 1)
        try:
            sig = base64.b64decode(str(rec.get("signature")), validate=True)
        except (ValueError, binascii.Error):
            sig = b""
        message = signing.key_rotation_message(seq, prev_kid, public)
        if (
            rec.get("op") != "key_rotation"
            or rec.get("public_key") != public.hex()
            or rec.get("previous_key_id") != prev_kid
            or not signing.verify(prev_public, message, sig)
        ):
            raise WitnessError(
                f"re-keyed: key {kid} (entry {seq}) is not signed by the key before it, {prev_kid}"
            )
        known.keys.append((seq, kid, public))


def _check_head(known: _Known, head: dict[str, Any]) -> None:
    size, ts = int(head["tree_size"]), int(head["timestamp_ms"])
    root = _bytes(head["root_hash"], "root")
    kid, public = known.at(size)
    try:
        sig = base64.b64decode(str(head.get("signature")), validate=True)
    except (ValueError, binascii.Error):
        sig = b""
    if head.get("key_id") != kid or not signing.verify(
        public, signing.tree_head_message(size, ts, root), sig
    ):
        raise WitnessError(
            f"re-keyed: the head of size {size} is not signed by the chain's key {kid} "
            f"(it names {head.get('key_id')})"
        )


def _check_consistent(fetch: Fetch, old: dict[str, Any], new: dict[str, Any]) -> None:
    m, n = int(old["tree_size"]), int(new["tree_size"])
    old_root, new_root = _bytes(old["root_hash"], "root"), _bytes(new["root_hash"], "root")
    if n < m:
        raise WitnessError(f"truncated: the log shrank from {m} entries to {n}")
    if n == m:
        if old_root != new_root:
            raise WitnessError(f"rewritten: the head of size {m} has another root now")
        return
    proof = fetch("/log/proof/consistency", {"first": m, "second": n})
    path = [_bytes(h, "proof") for h in proof["consistency"]]
    if not merkle.verify_consistency(m, n, old_root, new_root, path):
        raise WitnessError(
            f"rewritten: the head of size {n} is not consistent with the one of size {m} "
            "I verified before"
        )


def witness_once(
    fetch: Fetch, post: Post, state: Path, pinned: bytes | None, now_ms: int
) -> dict[str, Any]:
    """Verify the newest head against the last one kept, keep it, co-sign and publish it."""
    key = witness_key(state)
    old = _read_json(state / HEAD_FILE)
    kept = _read_json(state / KEYS_FILE)
    head = fetch("/log/sth", {})
    if not head.get("signature"):
        raise WitnessError("the registry has signed no head yet")
    published = fetch("/log/keys", {})
    if kept:
        known = _Known([(k["seq"], k["key_id"], _bytes(k["public_key"], "key")) for k in kept])
    else:
        known = _first_chain(published, pinned)
    _follow(fetch, known, published, head, int(old["tree_size"]) if old else 0)
    _check_head(known, head)
    if old is not None:
        _check_consistent(fetch, old, head)
    _write_json(state / HEAD_FILE, head)
    _write_json(state / KEYS_FILE, known.as_json())
    size, ts = int(head["tree_size"]), int(head["timestamp_ms"])
    root = _bytes(head["root_hash"], "root")
    sig = key.sign(signing.cosignature_message(size, ts, root, now_ms))
    cosignature = {
        "tree_size": size,
        "timestamp_ms": ts,
        "root_hash": root.hex(),
        "witness_public_key": signing.public_bytes(key.public_key()).hex(),
        "witnessed_ms": now_ms,
        "signature": base64.b64encode(sig).decode(),
    }
    published_back = post("/log/cosignatures", cosignature)
    return {"head": head, "cosignature": cosignature, "published": published_back}
