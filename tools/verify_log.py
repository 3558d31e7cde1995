"""Verify the scf registry's transparency log from outside, trusting only the math.

Standard library and `cryptography` only. Usage:
    python tools/verify_log.py https://scf.example/api/v1/registry [--state sth.json]
        [--key KEY_ID=HEX_PUBLIC_KEY ...] [--full]

It fetches the newest signed tree head, checks its Ed25519 signature against pinned keys (or
the keys the registry publishes, on first use), proves it consistent with the head saved
from the last run (--state), and with --full downloads every entry and recomputes the root
(RFC 9162: leaf SHA-256(0x00||data), node SHA-256(0x01||left||right)).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import struct
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

STH_PREFIX = b"scf-registry-sth-v1\x00"
CERT_PREFIX = b"scf-registry-search-certificate-v1\x00"
Fetch = Callable[[str, dict[str, Any]], Any]


class VerificationError(Exception):
    """The log failed a check; the message says which and where."""


def http_fetch(base: str) -> Fetch:
    """GET base + path with query parameters, returning the decoded JSON."""

    def fetch(path: str, params: dict[str, Any]) -> Any:
        url = base.rstrip("/") + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        if not url.startswith(("http://", "https://")):
            raise VerificationError(f"not an http(s) URL: {url}")
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (scheme checked)
            return json.loads(resp.read().decode("utf-8"))

    return fetch


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf hashes (RFC 9162 2.1.1)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k << 1 < n:
        k <<= 1
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2."""
    if first <= 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def verify_head(head: dict[str, Any], keys: dict[str, bytes]) -> None:
    """Check a signed tree head's Ed25519 signature with the key named on it."""
    public = keys.get(str(head.get("key_id")))
    if public is None:
        raise VerificationError(
            f"tree head {head.get('tree_size')}: unknown key {head.get('key_id')}"
        )
    msg = (
        STH_PREFIX
        + struct.pack(">QQ", int(head["tree_size"]), int(head["timestamp_ms"]))
        + bytes.fromhex(head["root_hash"])
    )
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(head["signature"]), msg)
    except (InvalidSignature, ValueError):
        raise VerificationError(
            f"tree head {head['tree_size']}: the signature does not verify"
        ) from None


def verify_certificate(cert: dict[str, Any], keys: dict[str, bytes]) -> None:
    """Check a search certificate's signature."""
    public = keys.get(str(cert.get("key_id")))
    if public is None:
        raise VerificationError(f"certificate signed with unknown key {cert.get('key_id')}")
    body = json.dumps(
        cert["certificate"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.b64decode(cert["signature"]), CERT_PREFIX + body
        )
    except (InvalidSignature, ValueError):
        raise VerificationError("the certificate's signature does not verify") from None


def published_keys(fetch: Fetch) -> dict[str, bytes]:
    return {k["key_id"]: bytes.fromhex(k["public_key"]) for k in fetch("/log/keys", {})}


def check_entries(fetch: Fetch, head: dict[str, Any], page: int = 1000) -> list[bytes]:
    """Download every entry up to the head, check each one's place, recompute the root."""
    size = int(head["tree_size"])
    leaves: list[bytes] = []
    while len(leaves) < size:
        batch = fetch("/log/entries", {"start": len(leaves), "end": min(size, len(leaves) + page)})
        if not batch:
            raise VerificationError(f"entry {len(leaves) + 1} is missing from the log")
        for e in batch:
            expected = len(leaves)
            if e["leaf_index"] != expected:
                raise VerificationError(f"entry {expected + 1} is missing or out of order")
            data = base64.b64decode(e["data"])
            if json.loads(data).get("seq") != expected + 1:
                raise VerificationError(f"entry {expected + 1} holds another entry's record")
            leaves.append(leaf_hash(data))
    if mth(leaves).hex() != head["root_hash"]:
        raise VerificationError(f"the entries do not hash to the signed root of tree size {size}")
    return leaves


def check_inclusion(fetch: Fetch, head: dict[str, Any], leaf_index: int, data: bytes) -> None:
    """Prove that an entry's exact bytes are in the tree the head signs."""
    proof = fetch(
        "/log/proof/inclusion", {"leaf_index": leaf_index, "tree_size": head["tree_size"]}
    )
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    if not verify_inclusion(
        leaf_index, int(head["tree_size"]), leaf_hash(data), path, bytes.fromhex(head["root_hash"])
    ):
        raise VerificationError(f"entry {leaf_index + 1} is not in tree {head['tree_size']}")


def check_consistency(fetch: Fetch, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Prove that the new head extends the old one (nothing removed or rewritten)."""
    first, second = int(old["tree_size"]), int(new["tree_size"])
    if second < first:
        raise VerificationError(f"the log shrank from {first} to {second} entries")
    if first == 0:
        return
    if first == second:
        if old["root_hash"] != new["root_hash"]:
            raise VerificationError(f"two different roots for tree size {first}")
        return
    proof = fetch("/log/proof/consistency", {"first": first, "second": second})
    hashes = [bytes.fromhex(h) for h in proof["consistency"]]
    if not verify_consistency(
        first, second, bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"]), hashes
    ):
        raise VerificationError(f"tree {second} is not an extension of tree {first}")


def run(
    fetch: Fetch,
    *,
    pinned: dict[str, bytes] | None = None,
    previous: dict[str, Any] | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """Run every check; return the verified head (save it for the next run)."""
    keys = dict(published_keys(fetch))
    if pinned:
        for kid, pub in pinned.items():
            if kid in keys and keys[kid] != pub:
                raise VerificationError(f"the registry publishes a different key for {kid}")
        keys.update(pinned)
    head = fetch("/log/sth", {})
    if int(head["tree_size"]) == 0:
        return head
    verify_head(head, keys)
    if previous:
        verify_head(previous, keys)
        check_consistency(fetch, previous, head)
    if full:
        check_entries(fetch, head)
    return head


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "base", help="registry API base, e.g. http://127.0.0.1:8000/api/v1/registry"
    )
    parser.add_argument("--state", type=Path, help="file keeping the last verified head")
    parser.add_argument("--key", action="append", default=[], help="KEY_ID=HEX public key to pin")
    parser.add_argument("--full", action="store_true", help="download and rehash every entry")
    args = parser.parse_args(argv)
    pinned = {k.split("=", 1)[0]: bytes.fromhex(k.split("=", 1)[1]) for k in args.key}
    previous = None
    if args.state and args.state.exists():
        previous = json.loads(args.state.read_text())
    try:
        head = run(http_fetch(args.base), pinned=pinned, previous=previous, full=args.full)
    except VerificationError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    if args.state:
        args.state.write_text(json.dumps(head))
    print(json.dumps({"ok": True, "tree_size": head["tree_size"], "root_hash": head["root_hash"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
