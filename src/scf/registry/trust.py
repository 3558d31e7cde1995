"""The verifier's trust roots: the signing key chain from a pinned first key, and saved heads.

The key table is not trusted: the first key is pinned by whoever verifies (or taken from the
table and reported as unpinned), and every later key is believed only when a log entry
introduces it with the signature of the key before it. Each head must be signed by the key
the chain holds at its size, so neither re-signing the heads with today's key nor a key put
into the table by hand passes. A head saved by an earlier run (or by a witness) must be the
root of the same entries today: a different root is a fork, fewer entries a shrink.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scf.core.errors import InvalidInput
from scf.registry import signing
from scf.registry.tables import SigningKeyRow, TreeHeadRow

Key = tuple[str, bytes]


def key_of(public: bytes) -> Key:
    return signing.key_id(public), public


@dataclass
class Rotation:
    """A key a log entry introduced, as that entry records it."""

    seq: int
    key_id: str
    public: bytes
    algorithm: str
    at: datetime


@dataclass
class KeyChain:
    """The signing keys in the order the log introduces them."""

    first: Key | None
    pinned: bool
    problems: list[str]
    bad: list[int]
    current: Key | None = None
    rotations: list[Rotation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.current = self.first

    def rotate(self, seq: int, rec: dict[str, Any], at: datetime) -> None:
        """Follow a key rotation entry if the current key signed it; else name the entry."""
        prev = self.current
        kid = str(rec.get("key_id"))
        try:
            public = bytes.fromhex(str(rec.get("public_key", "")))
            sig = base64.b64decode(str(rec.get("signature", "")), validate=True)
        except (ValueError, binascii.Error):
            public, sig = b"", b""
        valid = (
            prev is not None
            and rec.get("previous_key_id") == prev[0]
            and len(public) == 32
            and signing.key_id(public) == kid
            and signing.verify(prev[1], signing.key_rotation_message(seq, prev[0], public), sig)
        )
        if not valid:
            self.problems.append(
                f"entry {seq} introduces key {kid} without a valid signature of the key "
                f"before it ({prev[0] if prev else 'none'})"
            )
            self.bad.append(seq)
            return
        self.current = (kid, public)
        self.rotations.append(Rotation(seq, kid, public, str(rec.get("algorithm")), at))

    def check_head(self, head: TreeHeadRow) -> None:
        """The head must carry the chain's key at its size and that key's signature."""
        msg = signing.tree_head_message(head.tree_size, head.timestamp_ms, bytes(head.root_hash))
        cur = self.current
        if cur is None:
            self.problems.append(f"signed tree head {head.tree_size}: no first key to check it")
        elif head.key_id != cur[0]:
            self.problems.append(
                f"signed tree head {head.tree_size} is signed by key {head.key_id}, but the "
                f"key chain holds {cur[0]} at that size"
            )
        elif not signing.verify(cur[1], msg, bytes(head.signature)):
            self.problems.append(
                f"signed tree head {head.tree_size}: the signature does not verify"
            )

    def ids(self) -> list[str]:
        return ([self.first[0]] if self.first else []) + [r.key_id for r in self.rotations]


def first_key(rows: list[SigningKeyRow], pinned: bytes | None, problems: list[str]) -> KeyChain:
    """Start the chain from the pinned key, or from the key table's one first key."""
    firsts = [r for r in rows if r.seq is None]
    if pinned is not None:
        key = key_of(pinned)
        if any(r.key_id != key[0] for r in firsts):
            problems.append(
                f"the key table's first signing key is {[r.key_id for r in firsts]}, not the "
                f"pinned key {key[0]}"
            )
        return KeyChain(key, True, problems, [])
    if len(firsts) > 1:
        ids = [r.key_id for r in firsts]
        problems.append(f"the key table holds {len(firsts)} first keys: {ids}")
    first = key_of(bytes(firsts[0].public_key)) if firsts else None
    return KeyChain(first, False, problems, [])


def check_key_table(
    chain: KeyChain, rows: list[SigningKeyRow], heads: list[TreeHeadRow], problems: list[str]
) -> None:
    """Every key row is the chain's: the first, or one a rotation entry introduced as recorded."""
    introduced = {r.seq: r for r in chain.rotations}
    for row in rows:
        public = bytes(row.public_key)
        if row.seq is None:
            first_head = next((h for h in heads if h.key_id == row.key_id), None)
            ms = int(row.first_used_at.timestamp() * 1000)
            if first_head is not None and first_head.timestamp_ms != ms:
                problems.append(
                    f"key {row.key_id}: first used at {row.first_used_at.isoformat()}, but its "
                    f"first head is of {first_head.timestamp_ms} ms"
                )
            if signing.key_id(public) != row.key_id or row.algorithm != "ed25519":
                problems.append(f"key {row.key_id}: its id or algorithm does not match the key")
            continue
        rot = introduced.pop(row.seq, None)
        if rot is None:
            problems.append(
                f"key {row.key_id} in the key table was introduced by no valid log entry "
                f"(it names entry {row.seq})"
            )
        elif (row.key_id, public, row.algorithm, row.first_used_at) != (
            rot.key_id,
            rot.public,
            rot.algorithm,
            rot.at,
        ):
            problems.append(f"key {row.key_id}: the key table differs from entry {rot.seq}")
    for rot in introduced.values():
        problems.append(f"key {rot.key_id} introduced by entry {rot.seq} is not in the key table")


@dataclass
class TrustedHead:
    """A head saved by an earlier verification: the log must still hold exactly its entries."""

    tree_size: int
    timestamp_ms: int
    root: bytes
    key_id: str
    signature: bytes

    @classmethod
    def parse(cls, data: Any, field_name: str = "trusted_head") -> TrustedHead:
        """A head as `/registry/log/sth` or `--save-head` writes it; refuse anything else."""
        try:
            return cls(
                int(data["tree_size"]),
                int(data["timestamp_ms"]),
                bytes.fromhex(data["root_hash"]),
                str(data["key_id"]),
                base64.b64decode(data["signature"], validate=True),
            )
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise InvalidInput(
                "a signed tree head: tree_size, timestamp_ms, root_hash, key_id, signature",
                field=field_name,
            ) from None

    def check(self, chain: KeyChain, root: bytes, problems: list[str]) -> None:
        """Called when the walk reaches the saved size: same root, signed by the chain's key."""
        if root != self.root:
            problems.append(
                f"fork: the saved head of size {self.tree_size} has root {self.root.hex()}, "
                f"the stored entries give {root.hex()}"
            )
        cur = chain.current
        msg = signing.tree_head_message(self.tree_size, self.timestamp_ms, self.root)
        if cur is None or cur[0] != self.key_id or not signing.verify(cur[1], msg, self.signature):
            problems.append(
                f"the saved head of size {self.tree_size} (key {self.key_id}) is not signed by "
                f"the key the log's chain holds at that size "
                f"({cur[0] if cur else 'none'}): the log was re-keyed"
            )

    def shrunk(self, count: int, problems: list[str]) -> bool:
        """Name a log that holds fewer entries than the saved head covered."""
        if self.tree_size <= count:
            return False
        problems.append(
            f"shrink: the saved head has {self.tree_size} entries, the log only {count}"
        )
        return True
