"""The transparency log: appends under the single-row lock, signed tree heads and proofs.

An RFC 9162 Merkle tree over every registry operation. Each append takes the locked log
row's next sequence number inside the caller's transaction, so sequence numbers are gapless
and in commit order; the stored complete-subtree hashes answer heads and proofs in O(log n).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import LargeBinary, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scf.core.db import UTCDateTime
from scf.core.errors import Conflict, InvalidInput
from scf.core.uow import UnitOfWork
from scf.registry import merkle, signing
from scf.registry.model import Operation, canonical
from scf.registry.tables import (
    EntryRow,
    LogStateRow,
    NodeRow,
    SigningKeyRow,
    TreeHeadRow,
    core_table,
)

# The promise: while the log grows, a signed tree head at least every second. An append signs
# one when the last is half that old, so appends (single or batch) at most half a second apart
# never leave more than a second between heads; `latest_tree_head` signs on request.
STH_INTERVAL = timedelta(seconds=1)
STH_DUE = STH_INTERVAL / 2
LOG_STATE_ID = 1

# ---------------------------------------------------------------- signing key


_KEYS: dict[str, Ed25519PrivateKey] = {}
_log = logging.getLogger(__name__)


def signing_key(uow: UnitOfWork) -> Ed25519PrivateKey:
    """The configured Ed25519 key (or the one kept in ./var/registry-signing.key)."""
    configured = getattr(uow.settings, "registry_signing_key", None) if uow.settings else None
    cache_key = configured or "<file>"
    if cache_key not in _KEYS:
        _KEYS[cache_key] = signing.key_from_settings(configured)
    return _KEYS[cache_key]


def chain_key(uow: UnitOfWork) -> SigningKeyRow | None:
    """The log's current signing key: the last one a rotation introduced, else the first."""
    return uow.session.scalar(
        select(SigningKeyRow).order_by(func.coalesce(SigningKeyRow.seq, 0).desc()).limit(1)
    )


def _signing_kid(uow: UnitOfWork, key: Ed25519PrivateKey, at: datetime) -> str | None:
    """The key id to sign a head with; None when `key` is not the chain's current key.

    The first head makes its key the first of the chain. After that, only a key rotation
    (`rotate_key`, signed with the key before) changes which key signs: a process still
    configured with a retired key, or with a key nobody introduced, signs no head (its
    appends go on) until it runs with the chain's current key.
    """
    public = signing.public_bytes(key.public_key())
    kid = signing.key_id(public)
    current = chain_key(uow)
    if current is None:
        uow.session.add(SigningKeyRow(key_id=kid, public_key=public, first_used_at=at, seq=None))
        return kid
    if current.key_id == kid:
        return kid
    _log.warning(
        "registry signing key %s is not the log's current key %s: no tree head signed",
        kid,
        current.key_id,
    )
    return None


def sign(uow: UnitOfWork, message: bytes) -> tuple[str, bytes]:
    """Sign bytes with the current key; return its key id and the signature."""
    key = signing_key(uow)
    kid = signing.key_id(signing.public_bytes(key.public_key()))
    return kid, key.sign(message)


# ---------------------------------------------------------------- the log


@dataclass
class LogState:
    """The locked log row, read and written with Core statements (no ORM object).

    `at` is the time of everything done under this lock: the clock is read once when the
    lock is taken, and the leaves, the rows they describe and the head all carry that one
    reading, so the table and the log can never disagree on a timestamp.
    """

    size: int
    last_sth_size: int
    last_sth_at: datetime | None
    frontier: bytes | None
    at: datetime


_STATE = core_table(LogStateRow)
_LOCK_STATE = (
    select(_STATE.c.size, _STATE.c.last_sth_size, _STATE.c.last_sth_at, _STATE.c.frontier)
    .where(_STATE.c.id == LOG_STATE_ID)
    .with_for_update()
)
_SAVE_STATE = (
    update(_STATE)
    .where(_STATE.c.id == LOG_STATE_ID)
    .values(
        size=bindparam("s_size"),
        last_sth_size=bindparam("s_sth_size"),
        last_sth_at=bindparam("s_sth_at", type_=UTCDateTime),
        frontier=bindparam("s_frontier", type_=LargeBinary),
    )
)


def lock_state(uow: UnitOfWork) -> LogState:
    """Lock the single log row (SELECT ... FOR UPDATE); every append queues behind it.

    A Core read, so a copy of the row read earlier in this session can never hand out a
    taken sequence number; the append writes it back before the commit.
    """
    conn = uow.session.connection()
    row = conn.execute(_LOCK_STATE).first()
    if row is None:
        ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(_STATE)
        conn.execute(ins.values(id=LOG_STATE_ID, size=0, last_sth_size=0).on_conflict_do_nothing())
        row = conn.execute(_LOCK_STATE).first()
    assert row is not None
    return LogState(
        int(row.size),
        int(row.last_sth_size),
        row.last_sth_at,
        bytes(row.frontier) if row.frontier is not None else None,
        uow.now(),
    )


def _save_state(uow: UnitOfWork, state: LogState) -> None:
    uow.session.connection().execute(
        _SAVE_STATE,
        {
            "s_size": state.size,
            "s_sth_size": state.last_sth_size,
            "s_sth_at": state.last_sth_at,
            "s_frontier": state.frontier,
        },
    )


_NODE_COLUMNS = (NodeRow.level, NodeRow.idx, NodeRow.hash)
# PostgreSQL gets the wanted (level, index) pairs as two arrays joined to the primary key:
# one statement text whatever the number of pairs (so the driver prepares it once), and a
# nested loop of index seeks instead of planning a bitmap OR of every pair.
_NODES_PG = text(
    "SELECT n.level, n.idx, n.hash FROM unnest(CAST(:levels AS smallint[]), "
    "CAST(:idxs AS bigint[])) AS k(level, idx) "
    "JOIN registry_log_node AS n ON n.level = k.level AND n.idx = k.idx"
).columns(*_NODE_COLUMNS)
# SQLite scans the whole table for a row-value IN list, so it gets the wanted (level, index)
# pairs as one JSON array and joins it to the primary key: one prebuilt statement, one seek
# per subtree, whatever the number of pairs.
_NODES_SQLITE = text(
    "SELECT n.level, n.idx, n.hash FROM json_each(:keys) AS j "
    "JOIN registry_log_node AS n "
    "ON n.level = json_extract(j.value, '$[0]') AND n.idx = json_extract(j.value, '$[1]')"
).columns(*_NODE_COLUMNS)


def _blocks(uow: UnitOfWork, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored complete-subtree hashes by (level, index), in one indexed query."""
    got = _blocks_or_none(uow, wanted)
    missing = wanted - got.keys()
    if missing:
        raise Conflict(
            f"the log is missing stored subtree hashes {sorted(missing)[:3]}; run "
            "`scf registry verify`",
            code="log_damaged",
        )
    return got


def _blocks_or_none(uow: UnitOfWork, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not wanted:
        return {}
    conn = uow.session.connection()
    keys = sorted(wanted)
    if conn.dialect.name == "sqlite":
        rows = conn.execute(_NODES_SQLITE, {"keys": json.dumps(keys)})
    else:
        rows = conn.execute(
            _NODES_PG, {"levels": [lv for lv, _ in keys], "idxs": [ix for _, ix in keys]}
        )
    return {(lv, ix): bytes(h) for lv, ix, h in rows}


def _frontier(uow: UnitOfWork, state: LogState) -> list[bytes]:
    """The compact range at the state's size (largest subtree first), from the row if kept."""
    blocks = merkle.aligned_blocks(0, state.size)
    kept = state.frontier
    if kept is not None and len(kept) == 32 * len(blocks):
        return [kept[i : i + 32] for i in range(0, len(kept), 32)]
    got = _blocks(uow, set(blocks))
    return [got[b] for b in blocks]


@dataclass(frozen=True)
class Appended:
    seq: int


_ENTRY_INSERT = core_table(EntryRow).insert()
_NODE_INSERT = core_table(NodeRow).insert()


def append(
    uow: UnitOfWork,
    state: LogState,
    op: Operation,
    registration_id: str | None,
    record: dict[str, Any],
) -> Appended:
    """Append one leaf at the locked state's size; sign a head if one is due (`STH_DUE`)."""
    return append_many(uow, state, [(op, registration_id, record)])[0]


def append_many(
    uow: UnitOfWork,
    state: LogState,
    items: Sequence[tuple[Operation, str | None, dict[str, Any]]],
    *,
    sign: bool = True,
) -> list[Appended]:
    """Append leaves in order at the locked state's size, then sign a head if one is due.

    The new subtree hashes come from the frontier kept in the locked state row, so appending
    is three statements whatever the number of leaves (the leaves, their completed subtrees,
    the state row) and no read of the tree. The head, when due, covers every leaf appended.
    """
    now = state.at
    at = now.isoformat()
    size = state.size
    old = dict(zip(merkle.aligned_blocks(0, size), _frontier(uow, state), strict=True))
    siblings = {lv: h for (lv, _), h in old.items()}
    entries: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    out: list[Appended] = []
    for op, registration_id, record in items:
        seq = size + 1
        data = canonical({"seq": seq, "op": op.value, "at": at, **record})
        added = merkle.new_blocks(size, merkle.leaf_hash(data), siblings)
        # the completed subtrees are the left siblings the next appends combine with
        siblings.update((lv, h) for lv, _, h in added)
        nodes.extend({"level": lv, "idx": ix, "hash": h} for lv, ix, h in added)
        entries.append(
            {
                "seq": seq,
                "op": op.value,
                "registration_id": registration_id,
                "at": now,
                "data": data,
            }
        )
        out.append(Appended(seq))
        size = seq
    conn = uow.session.connection()
    conn.execute(_ENTRY_INSERT, entries)
    conn.execute(_NODE_INSERT, nodes)
    front = [siblings[lv] for lv, _ in merkle.aligned_blocks(0, size)]
    state.size = size
    state.frontier = b"".join(front)
    if sign and (state.last_sth_at is None or now - state.last_sth_at >= STH_DUE):
        _sign_head(uow, state, merkle.fold_blocks(front))
    _save_state(uow, state)
    return out


def _root(uow: UnitOfWork, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    blocks = _blocks(uow, set(merkle.aligned_blocks(0, size)))
    return merkle.stored_subtree(blocks)(0, size)


def _sign_head(
    uow: UnitOfWork,
    state: LogState,
    root: bytes | None = None,
    key: Ed25519PrivateKey | None = None,
) -> TreeHeadRow | None:
    """Sign a head at the state's size (None if the key may not); the caller saves the state."""
    now = state.at
    if root is None:
        uow.session.flush()
        root = _root(uow, state.size)
    ts = int(now.timestamp() * 1000)
    key = key or signing_key(uow)
    kid = _signing_kid(uow, key, now)
    if kid is None:
        return None
    sig = key.sign(signing.tree_head_message(state.size, ts, root))
    head = TreeHeadRow(
        tree_size=state.size, root_hash=root, timestamp_ms=ts, key_id=kid, signature=sig
    )
    existing = uow.session.get(TreeHeadRow, state.size)
    if existing is not None:
        return existing
    uow.session.add(head)
    state.last_sth_at = now
    state.last_sth_size = state.size
    return head


def rotate_key(uow: UnitOfWork, new_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Introduce `new_key` by a log entry signed with the current key; sign a head with it.

    The entry holds the new public key and the current key's signature over the entry's
    position, the current key id and the new public key, so a verifier that trusts the
    first key follows every rotation from the log alone, and a key put into the key table
    by hand is one no entry introduced.
    """
    state = lock_state(uow)
    old = signing_key(uow)
    old_kid = signing.key_id(signing.public_bytes(old.public_key()))
    current = chain_key(uow)
    if current is None:  # no head signed yet: the configured key becomes the first
        _signing_kid(uow, old, state.at)
        uow.session.flush()
    elif current.key_id != old_kid:
        raise Conflict(
            f"the configured signing key {old_kid} is not the log's current key "
            f"{current.key_id}; only the current key can introduce the next",
            code="not_current_key",
        )
    public = signing.public_bytes(new_key.public_key())
    kid = signing.key_id(public)
    if uow.session.get(SigningKeyRow, kid) is not None:
        raise Conflict(f"key {kid} already signed for this log", code="key_reused")
    seq = state.size + 1
    signature = old.sign(signing.key_rotation_message(seq, old_kid, public))
    record = {
        "key_id": kid,
        "algorithm": "ed25519",
        "public_key": public.hex(),
        "previous_key_id": old_kid,
        "signature": base64.b64encode(signature).decode(),
    }
    append_many(uow, state, [(Operation.KEY_ROTATION, None, record)], sign=False)
    uow.session.add(SigningKeyRow(key_id=kid, public_key=public, first_used_at=state.at, seq=seq))
    uow.session.flush()
    head = _sign_head(uow, state, key=new_key)
    assert head is not None
    _save_state(uow, state)
    uow.audit(
        "registry.key_rotated",
        "registry_signing_key",
        kid,
        before={"key_id": old_kid},
        after={**record, "seq": seq},
    )
    uow.commit()
    return {"key": {**record, "seq": seq}, "head": head_dict(head)}


def head_dict(head: TreeHeadRow) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "timestamp_ms": head.timestamp_ms,
        "root_hash": bytes(head.root_hash).hex(),
        "key_id": head.key_id,
        "signature": base64.b64encode(bytes(head.signature)).decode(),
    }


def latest_tree_head(uow: UnitOfWork) -> dict[str, Any]:
    """The newest signed tree head; signs one first if the log grew since the last."""
    seen = uow.session.get(LogStateRow, LOG_STATE_ID)
    if seen is not None and seen.size > seen.last_sth_size:
        state = lock_state(uow)
        if state.size > state.last_sth_size and _sign_head(uow, state) is not None:
            _save_state(uow, state)
            uow.commit()
    head = uow.session.scalar(select(TreeHeadRow).order_by(TreeHeadRow.tree_size.desc()).limit(1))
    if head is None:
        return {
            "tree_size": 0,
            "timestamp_ms": int(uow.now().timestamp() * 1000),
            "root_hash": merkle.EMPTY_ROOT.hex(),
            "key_id": None,
            "signature": None,
        }
    return head_dict(head)


def tree_heads(uow: UnitOfWork, *, since_size: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    rows = uow.session.scalars(
        select(TreeHeadRow)
        .where(TreeHeadRow.tree_size >= since_size)
        .order_by(TreeHeadRow.tree_size)
        .limit(limit)
    )
    return [head_dict(r) for r in rows]


def signing_keys(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The key chain: the first key, then each key a rotation introduced (entry `seq`)."""
    rows = list(
        uow.session.scalars(
            select(SigningKeyRow).order_by(
                func.coalesce(SigningKeyRow.seq, 0), SigningKeyRow.key_id
            )
        )
    )
    out = [
        {
            "key_id": r.key_id,
            "algorithm": r.algorithm,
            "public_key": bytes(r.public_key).hex(),
            "first_used_at": r.first_used_at.isoformat(),
            "seq": r.seq,
            "current": r is rows[-1],
        }
        for r in rows
    ]
    if not out:
        key = signing_key(uow)
        current = signing.key_id(signing.public_bytes(key.public_key()))
        out.append(
            {
                "key_id": current,
                "algorithm": "ed25519",
                "public_key": signing.public_bytes(key.public_key()).hex(),
                "first_used_at": None,
                "seq": None,
                "current": True,
            }
        )
    return out


def _log_size(uow: UnitOfWork) -> int:
    size = uow.session.scalar(select(LogStateRow.size).where(LogStateRow.id == LOG_STATE_ID))
    return int(size or 0)


def entries(uow: UnitOfWork, start: int, end: int) -> list[dict[str, Any]]:
    """Log entries with leaf index start <= i < end (at most 1,000)."""
    if start < 0 or end <= start:
        raise InvalidInput("need 0 <= start < end", field="start")
    end = min(end, start + 1000)
    rows = uow.session.scalars(
        select(EntryRow).where(EntryRow.seq > start, EntryRow.seq <= end).order_by(EntryRow.seq)
    )
    return [
        {
            "leaf_index": r.seq - 1,
            "seq": r.seq,
            "op": r.op,
            "data": base64.b64encode(bytes(r.data)).decode(),
            "record": json.loads(bytes(r.data)),
        }
        for r in rows
    ]


def _proof(
    uow: UnitOfWork,
    run: Any,
    size_needed: int,
    extra: set[tuple[int, int]] | None = None,
    field_name: str = "tree_size",
) -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    """Run a proof algorithm on the stored subtree hashes it needs, fetched in one query.

    A planning pass records the ranges the algorithm asks for; their complete subtrees
    (O(log n) of them) come back from one indexed IN query. The log size is read only when
    a hash is missing, to tell a tree size beyond the log from a damaged log.
    """
    wanted = merkle.needed_blocks(merkle.ranges_for(run)) | (extra or set())
    blocks = _blocks_or_none(uow, wanted)
    if len(blocks) != len(wanted):
        size = _log_size(uow)
        if size_needed > size:
            raise InvalidInput(f"{field_name} must be 1 to {size}", field=field_name)
        _blocks(uow, wanted)  # raises log_damaged naming the missing hashes
    result: list[bytes] = run(merkle.stored_subtree(blocks))
    return result, blocks


def inclusion_proof(uow: UnitOfWork, leaf_index: int, tree_size: int) -> dict[str, Any]:
    """The audit path of a leaf in a tree size, read from O(log n) stored subtree hashes."""
    if tree_size < 1:
        raise InvalidInput(f"tree_size must be 1 to {_log_size(uow)}", field="tree_size")
    if not 0 <= leaf_index < tree_size:
        raise InvalidInput(f"leaf_index must be 0 to {tree_size - 1}", field="leaf_index")
    path, blocks = _proof(
        uow,
        lambda sub: merkle.inclusion_path(leaf_index, tree_size, sub),
        tree_size,
        {(0, leaf_index)},
    )
    return {
        "leaf_index": leaf_index,
        "tree_size": tree_size,
        "leaf_hash": blocks[(0, leaf_index)].hex(),
        "audit_path": [h.hex() for h in path],
    }


def consistency(uow: UnitOfWork, first: int, second: int) -> dict[str, Any]:
    """The consistency proof between two tree sizes (RFC 9162 2.1.4)."""
    if second < 1:
        raise InvalidInput(f"second must be 1 to {_log_size(uow)}", field="second")
    if not 0 < first <= second:
        raise InvalidInput(f"first must be 1 to {second}", field="first")
    proof, _ = _proof(
        uow, lambda sub: merkle.consistency_proof(first, second, sub), second, None, "second"
    )
    return {"first": first, "second": second, "consistency": [h.hex() for h in proof]}


def root_at(uow: UnitOfWork, tree_size: int) -> bytes:
    size = _log_size(uow)
    if not 0 <= tree_size <= size:
        raise InvalidInput(f"tree_size must be 0 to {size}", field="tree_size")
    return _root(uow, tree_size)


def iter_all_entries(uow: UnitOfWork, batch: int = 1000) -> Iterator[EntryRow]:
    last = 0
    while True:
        rows = list(
            uow.session.scalars(
                select(EntryRow).where(EntryRow.seq > last).order_by(EntryRow.seq).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
