"""Registry use cases: notice filing, search, conflicts, the empty-pledge guard and the log.

Functions ending in `_in` join the caller's unit of work and never commit; the others are
whole commands that commit once. Every registry operation appends one leaf to the
transparency log inside the same transaction as the change it records, after taking the
single-row log lock, so sequence numbers are gapless and in commit order.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    LargeBinary,
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from scf.core.actor import Actor
from scf.core.db import UTCDateTime
from scf.core.errors import (
    Conflict,
    DomainError,
    ErrorCollector,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.sequencer import acting
from scf.core.uow import AuditItem, UnitOfWork
from scf.parties import service as parties
from scf.parties.model import validate_uscc
from scf.registry import merkle, signing
from scf.registry.model import (
    GOODS_KINDS,
    OBJECTION_DAYS,
    CollateralKey,
    CollateralKind,
    CollateralRef,
    Operation,
    PriorityItem,
    RegistrationKind,
    Status,
    add_months,
    canonical,
    check_period,
    collateral_key,
    fold_name,
    parse_kind,
    priority_order,
    quantity_units,
    registration_number,
    status_at,
    units_to_decimal,
)
from scf.registry.tables import (
    AgencyRow,
    CollateralRow,
    EntryRow,
    GoodsReceiptRow,
    GoodsRow,
    GrantorRow,
    LogStateRow,
    NodeRow,
    ObjectionRow,
    RegistrationRow,
    SigningKeyRow,
    TreeHeadRow,
)

__all__ = [
    "CollateralKind",
    "CollateralRef",
    "RegistrationInfo",
    "RegistrationKind",
    "cancel_in",
    "confirm_goods",
    "conflicts",
    "pledge_capacity_in",
    "register_in",
]

# The promise: while the log grows, a signed tree head at least every second. An append signs
# one when the last is half that old, so appends (single or batch) at most half a second apart
# never leave more than a second between heads; `latest_tree_head` signs on request.
STH_INTERVAL = timedelta(seconds=1)
STH_DUE = STH_INTERVAL / 2
LOG_STATE_ID = 1

# ---------------------------------------------------------------- value objects


@dataclass(frozen=True)
class RegistrationInfo:
    id: str
    number: str
    seq: int
    kind: str
    status: str
    grantor_org_ids: tuple[str, ...]
    secured_party_org_id: str
    collateral: tuple[CollateralRef, ...]
    amount: Money | None
    starts_at: datetime
    expires_at: datetime
    registered_at: datetime
    grantors: tuple[dict[str, str], ...] = ()
    secured_party: dict[str, str] = field(default_factory=dict)
    description: str = ""
    cancelled_at: datetime | None = None
    last_seq: int = 0
    # objections with their status as of the read (active, lapsed or litigated); filled by
    # conflict checks, priority reports and searches
    objections: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "seq": self.seq,
            "kind": self.kind,
            "status": self.status,
            "grantors": [dict(g) for g in self.grantors],
            "secured_party": dict(self.secured_party),
            "collateral": [
                {
                    "kind": c.kind,
                    "identifier": c.identifier,
                    "quantity": str(c.quantity) if c.quantity is not None else None,
                }
                for c in self.collateral
            ],
            "amount": self.amount.as_json() if self.amount is not None else None,
            "description": self.description,
            "starts_at": self.starts_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "registered_at": self.registered_at.isoformat(),
            "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
            "last_seq": self.last_seq,
            "objections": [dict(o) for o in self.objections],
        }


@dataclass(frozen=True)
class FilingResult:
    """A landed registration and the live registrations on its collateral that rank ahead."""

    registration: RegistrationInfo
    prior_conflicts: list[RegistrationInfo]
    entry_seq: int


# ---------------------------------------------------------------- signing key


_KEYS: dict[str, Ed25519PrivateKey] = {}


def signing_key(uow: UnitOfWork) -> Ed25519PrivateKey:
    """The configured Ed25519 key (or the one kept in ./var/registry-signing.key)."""
    configured = getattr(uow.settings, "registry_signing_key", None) if uow.settings else None
    cache_key = configured or "<file>"
    if cache_key not in _KEYS:
        _KEYS[cache_key] = signing.key_from_settings(configured)
    return _KEYS[cache_key]


def _ensure_key_row(uow: UnitOfWork, key: Ed25519PrivateKey) -> str:
    public = signing.public_bytes(key.public_key())
    kid = signing.key_id(public)
    if uow.session.get(SigningKeyRow, kid) is None:
        uow.session.add(SigningKeyRow(key_id=kid, public_key=public, first_used_at=uow.now()))
    return kid


def _sign(uow: UnitOfWork, message: bytes) -> tuple[str, bytes]:
    key = signing_key(uow)
    kid = signing.key_id(signing.public_bytes(key.public_key()))
    return kid, key.sign(message)


# ---------------------------------------------------------------- the log


def _table(mapped: Any) -> Table:
    """The Core table of a mapped class, for statements that load no ORM object."""
    return cast(Table, mapped.__table__)


@dataclass
class _LogState:
    """The locked log row, read and written with Core statements (no ORM object)."""

    size: int
    last_sth_size: int
    last_sth_at: datetime | None
    frontier: bytes | None


_STATE = _table(LogStateRow)
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


def _lock_state(uow: UnitOfWork) -> _LogState:
    """Lock the single log row (SELECT ... FOR UPDATE); every append queues behind it.

    A Core read, so a copy of the row read earlier in this session can never hand out a
    taken sequence number; `_save_state` writes it back before the commit.
    """
    conn = uow.session.connection()
    row = conn.execute(_LOCK_STATE).first()
    if row is None:
        ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(_STATE)
        conn.execute(ins.values(id=LOG_STATE_ID, size=0, last_sth_size=0).on_conflict_do_nothing())
        row = conn.execute(_LOCK_STATE).first()
    assert row is not None
    return _LogState(
        int(row.size),
        int(row.last_sth_size),
        row.last_sth_at,
        bytes(row.frontier) if row.frontier is not None else None,
    )


def _save_state(uow: UnitOfWork, state: _LogState) -> None:
    uow.session.connection().execute(
        _SAVE_STATE,
        {
            "s_size": state.size,
            "s_sth_size": state.last_sth_size,
            "s_sth_at": state.last_sth_at,
            "s_frontier": state.frontier,
        },
    )


# PostgreSQL gets the wanted (level, index) pairs as two arrays joined to the primary key:
# one statement text whatever the number of pairs (so the driver prepares it once), and a
# nested loop of index seeks instead of planning a bitmap OR of every pair.
_NODES_PG = text(
    "SELECT n.level, n.idx, n.hash FROM unnest(CAST(:levels AS smallint[]), "
    "CAST(:idxs AS bigint[])) AS k(level, idx) "
    "JOIN registry_log_node AS n ON n.level = k.level AND n.idx = k.idx"
).columns(NodeRow.level, NodeRow.idx, NodeRow.hash)


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


# SQLite scans the whole table for a row-value IN list, so it gets the wanted (level, index)
# pairs as one JSON array and joins it to the primary key: one prebuilt statement, one seek
# per subtree, whatever the number of pairs.
_NODES_SQLITE = text(
    "SELECT n.level, n.idx, n.hash FROM json_each(:keys) AS j "
    "JOIN registry_log_node AS n "
    "ON n.level = json_extract(j.value, '$[0]') AND n.idx = json_extract(j.value, '$[1]')"
).columns(NodeRow.level, NodeRow.idx, NodeRow.hash)


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


def _frontier(uow: UnitOfWork, state: _LogState) -> list[bytes]:
    """The compact range at the state's size (largest subtree first), from the row if kept."""
    blocks = merkle.aligned_blocks(0, state.size)
    kept = state.frontier
    if kept is not None and len(kept) == 32 * len(blocks):
        return [kept[i : i + 32] for i in range(0, len(kept), 32)]
    got = _blocks(uow, set(blocks))
    return [got[b] for b in blocks]


@dataclass(frozen=True)
class _Appended:
    seq: int


_ENTRY_INSERT = _table(EntryRow).insert()
_NODE_INSERT = _table(NodeRow).insert()


def _append(
    uow: UnitOfWork,
    state: _LogState,
    op: Operation,
    registration_id: str | None,
    record: dict[str, Any],
) -> _Appended:
    """Append one leaf at the locked state's size; sign a head if one is due (`STH_DUE`)."""
    return _append_many(uow, state, [(op, registration_id, record)])[0]


def _append_many(
    uow: UnitOfWork,
    state: _LogState,
    items: Sequence[tuple[Operation, str | None, dict[str, Any]]],
) -> list[_Appended]:
    """Append leaves in order at the locked state's size, then sign a head if one is due.

    The new subtree hashes come from the frontier kept in the locked state row, so appending
    is three statements whatever the number of leaves (the leaves, their completed subtrees,
    the state row) and no read of the tree. The head, when due, covers every leaf appended.
    """
    now = uow.now()
    at = now.isoformat()
    size = state.size
    old = dict(zip(merkle.aligned_blocks(0, size), _frontier(uow, state), strict=True))
    siblings = {lv: h for (lv, _), h in old.items()}
    entries: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    out: list[_Appended] = []
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
        out.append(_Appended(seq))
        size = seq
    conn = uow.session.connection()
    conn.execute(_ENTRY_INSERT, entries)
    conn.execute(_NODE_INSERT, nodes)
    front = [siblings[lv] for lv, _ in merkle.aligned_blocks(0, size)]
    state.size = size
    state.frontier = b"".join(front)
    if state.last_sth_at is None or now - state.last_sth_at >= STH_DUE:
        _sign_head(uow, state, merkle.fold_blocks(front))
    _save_state(uow, state)
    return out


def _root(uow: UnitOfWork, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    blocks = _blocks(uow, set(merkle.aligned_blocks(0, size)))
    return merkle.stored_subtree(blocks)(0, size)


def _sign_head(uow: UnitOfWork, state: _LogState, root: bytes | None = None) -> TreeHeadRow:
    """Sign a head at the state's size; the caller saves the state (`_save_state`)."""
    now = uow.now()
    if root is None:
        uow.session.flush()
        root = _root(uow, state.size)
    ts = int(now.timestamp() * 1000)
    key = signing_key(uow)
    kid = _ensure_key_row(uow, key)
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
        state = _lock_state(uow)
        if state.size > state.last_sth_size:
            _sign_head(uow, state)
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
    """Every key that signed a head (old ones stay listed after a rotation)."""
    key = signing_key(uow)
    current = signing.key_id(signing.public_bytes(key.public_key()))
    rows = list(uow.session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.first_used_at)))
    out = [
        {
            "key_id": r.key_id,
            "algorithm": r.algorithm,
            "public_key": bytes(r.public_key).hex(),
            "first_used_at": r.first_used_at.isoformat(),
            "current": r.key_id == current,
        }
        for r in rows
    ]
    if not any(k["current"] for k in out):
        out.append(
            {
                "key_id": current,
                "algorithm": "ed25519",
                "public_key": signing.public_bytes(key.public_key()).hex(),
                "first_used_at": None,
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


# ---------------------------------------------------------------- verification


@dataclass
class VerifyReport:
    ok: bool
    tree_size: int
    heads_checked: int
    problems: list[str]
    first_bad_seq: int | None
    # the first registration (by sequence) whose stored state differs from its log replay
    first_bad_registration: str | None = None
    registrations_checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "heads_checked": self.heads_checked,
            "first_bad_seq": self.first_bad_seq,
            "first_bad_registration": self.first_bad_registration,
            "registrations_checked": self.registrations_checked,
            "problems": self.problems,
        }


def verify_log(uow: UnitOfWork, batch: int = 5000) -> VerifyReport:
    """Recompute the whole tree from the stored leaves and check every stored hash and head.

    Names the first bad entry: a changed leaf (its hash differs from the stored one or from
    what the signed heads committed to), a missing one (a gap in the sequence), or one out
    of place (the sequence number inside its bytes differs from its position).
    """
    s = uow.session
    problems: list[str] = []
    bad: list[int] = []
    subtree_bad: list[tuple[int, int]] = []
    heads = list(s.scalars(select(TreeHeadRow).order_by(TreeHeadRow.tree_size)))
    keys = {k.key_id: bytes(k.public_key) for k in s.scalars(select(SigningKeyRow))}
    head_i = 0
    frontier: dict[int, bytes] = {}
    count = 0
    last_good_head = 0
    state = s.get(LogStateRow, LOG_STATE_ID)
    last_seq = 0
    while True:
        rows = list(
            s.execute(
                select(EntryRow.seq, EntryRow.data)
                .where(EntryRow.seq > last_seq)
                .order_by(EntryRow.seq)
                .limit(batch)
            )
        )
        if not rows:
            break
        computed: dict[tuple[int, int], bytes] = {}
        for seq, data in rows:
            data = bytes(data)
            expected = count + 1
            if seq != expected:
                problems.append(
                    f"entry {expected} is missing: the next stored entry is {seq}"
                    if seq > expected
                    else f"entry {seq} is stored twice"
                )
                bad.append(expected)
            try:
                inner = json.loads(data).get("seq")
            except ValueError:
                inner = None
            if inner != seq:
                problems.append(f"entry {seq} holds the record of entry {inner}: out of place")
                bad.append(seq)
            leaf = merkle.leaf_hash(data)
            for level, idx, h in merkle.new_blocks(count, leaf, frontier):
                frontier[level] = h
                computed[(level, idx)] = h
            count += 1
            last_seq = seq
            while head_i < len(heads) and heads[head_i].tree_size <= count:
                head = heads[head_i]
                head_i += 1
                if head.tree_size < count:
                    continue
                root = merkle.fold_blocks(
                    [frontier[lv] for lv, _ in merkle.aligned_blocks(0, count)]
                )
                if bytes(head.root_hash) != root:
                    problems.append(
                        f"signed tree head {head.tree_size} does not match the stored entries: "
                        f"an entry in {last_good_head + 1}..{head.tree_size} was changed"
                    )
                    bad.append(last_good_head + 1)
                else:
                    last_good_head = head.tree_size
                _check_signature(head, keys, problems)
        _compare_nodes(uow, computed, problems, subtree_bad)
    for head in heads[head_i:]:
        problems.append(
            f"signed tree head {head.tree_size} covers entries that are not stored "
            f"(only {count}): entry {count + 1} was removed"
        )
        bad.append(count + 1)
        _check_signature(head, keys, problems)
    if state is not None and state.size != count:
        problems.append(f"the log records {state.size} entries but {count} are stored")
        bad.append(min(state.size, count) + 1)
    for lo, hi in subtree_bad:  # a wrong stored hash above leaves that are themselves fine
        if not any(lo <= b <= hi for b in bad):
            bad.append(lo)
    state_problems, first_reg, checked = verify_registrations(uow)
    problems.extend(state_problems)
    return VerifyReport(
        ok=not problems,
        tree_size=count,
        heads_checked=len(heads),
        problems=problems,
        first_bad_seq=min(bad) if bad else None,
        first_bad_registration=first_reg,
        registrations_checked=checked,
    )


def _replay(number: str, entries_of: Sequence[Any]) -> tuple[dict[str, Any], list[str]]:
    """Rebuild a registration's state from its log leaves, in sequence order."""
    state: dict[str, Any] = {}
    problems: list[str] = []
    objections: dict[str, dict[str, Any]] = {}
    for seq, data in entries_of:
        try:
            rec = json.loads(bytes(data))
        except ValueError:
            problems.append(f"entry {seq} is not JSON")
            continue
        if rec.get("registration") != number:
            problems.append(
                f"entry {seq} is filed under {number} but records {rec.get('registration')}"
            )
            continue
        op = rec.get("op")
        if op == Operation.INITIAL:
            state = {
                "seq": seq,
                "kind": rec["kind"],
                "secured_party": rec["secured_party"],
                "grantors": rec["grantors"],
                "amount": rec["amount"],
                "description": rec["description"],
                "starts_at": rec["starts_at"],
                "expires_at": rec["expires_at"],
                "cancelled_at": None,
                "cancel_reason": None,
                "collateral": {
                    (c["kind"], c["identifier"]): c.get("quantity") for c in rec["collateral"]
                },
                "last_seq": seq,
            }
            continue
        if not state:
            problems.append(f"entry {seq} ({op}) comes before the initial registration")
            continue
        if op == Operation.AMENDMENT:
            changes = rec.get("changes", {})
            if "amount" in changes:
                state["amount"] = changes["amount"]
            if "description" in changes:
                state["description"] = changes["description"]
            for c in changes.get("remove_collateral", []):
                state["collateral"].pop((c["kind"], c["identifier"]), None)
            for c in changes.get("add_collateral", []):
                # quantities of goods added by amendment are not in the record: not compared
                state["collateral"][(c["kind"], c["identifier"])] = "?"
            state["last_seq"] = seq
        elif op == Operation.EXTENSION:
            state["expires_at"] = rec["expires_at"]
            state["last_seq"] = seq
        elif op == Operation.CANCELLATION:
            state["cancelled_at"] = rec["at"]
            state["cancel_reason"] = rec["reason"]
            state["last_seq"] = seq
        elif op == Operation.OBJECTION:
            objections[rec["objection"]] = {"lapses_at": rec["lapses_at"], "case": None}
        elif op == Operation.OBJECTION_LITIGATED:
            objections.setdefault(rec["objection"], {"lapses_at": None})["case"] = rec[
                "case_reference"
            ]
    state["objections"] = objections
    return state, problems


def _stored_state(
    reg: Any, grantors: list[Any], coll: list[Any], objections: list[Any]
) -> dict[str, Any]:
    return {
        "seq": reg.seq,
        "kind": reg.kind,
        "secured_party": {"uscc": reg.secured_party_uscc, "name": reg.secured_party_name},
        "grantors": [{"uscc": g.uscc, "name": g.name} for g in grantors],
        "amount": Money(reg.amount_minor, reg.currency).as_json()
        if reg.amount_minor is not None and reg.currency
        else None,
        "description": reg.description,
        "starts_at": reg.starts_at.isoformat(),
        "expires_at": reg.expires_at.isoformat(),
        "cancelled_at": reg.cancelled_at.isoformat() if reg.cancelled_at else None,
        "cancel_reason": reg.cancel_reason,
        "collateral": {
            (c.kind, c.identifier): str(units_to_decimal(c.quantity_units))
            if c.quantity_units
            else None
            for c in coll
        },
        "last_seq": reg.last_seq,
        "objections": {
            o.id: {"lapses_at": o.lapses_at.isoformat(), "case": o.case_reference}
            for o in objections
        },
    }


def _differences(logged: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    out = []
    for name, want in logged.items():
        got = stored[name]
        if name == "collateral":
            if set(want) != set(got):
                out.append(
                    f"collateral: the table holds {sorted(i for _, i in got)}, the log "
                    f"{sorted(i for _, i in want)}"
                )
                continue
            bad = [k for k, v in want.items() if v != "?" and v != got[k]]
            if bad:
                out.append(
                    f"collateral quantity of {bad[0][1]}: table {got[bad[0]]}, log {want[bad[0]]}"
                )
        elif name == "objections":
            for oid, o in want.items():
                g = got.get(oid)
                if g is None or (o["lapses_at"] is not None and g["lapses_at"] != o["lapses_at"]):
                    out.append(f"objection {oid}: table {g}, log {o}")
                elif g["case"] != o["case"]:
                    out.append(
                        f"objection {oid} case reference: table {g['case']}, log {o['case']}"
                    )
            for oid in set(got) - set(want):
                out.append(f"objection {oid} is in the table but not in the log")
        elif want != got:
            out.append(f"{name}: table {got!r}, log {want!r}")
    return out


def verify_registrations(
    uow: UnitOfWork, batch: int = 2000, limit: int = 20
) -> tuple[list[str], str | None, int]:
    """Replay the log to rebuild every registration and compare it with the stored table.

    The registration table is mutable current state; the log is what the signed heads
    commit to. A row changed behind the service's back (an amount, an expiry, a dropped
    collateral, a cancellation undone) differs from its replay. Returns the problems (at
    most `limit`), the first bad registration number in sequence order, and how many were
    checked.
    """
    s = uow.session
    problems: list[str] = []
    first: str | None = None
    first_seq = 0
    checked = 0
    last = 0
    r = RegistrationRow.__table__.c
    while len(problems) < limit:
        regs = list(
            s.execute(
                select(*_REG_COLUMNS, r.cancel_reason)
                .where(r.seq > last)
                .order_by(r.seq)
                .limit(batch)
            )
        )
        if not regs:
            break
        last = regs[-1].seq
        ids = [x.id for x in regs]
        logged: dict[str, list[Any]] = {i: [] for i in ids}
        for e in s.execute(
            select(EntryRow.registration_id, EntryRow.seq, EntryRow.data)
            .where(EntryRow.registration_id.in_(ids))
            .order_by(EntryRow.seq)
        ):
            logged[e.registration_id].append((e.seq, e.data))
        grantors: dict[str, list[Any]] = {i: [] for i in ids}
        for g in s.execute(
            select(GrantorRow.registration_id, GrantorRow.uscc, GrantorRow.name)
            .where(GrantorRow.registration_id.in_(ids))
            .order_by(GrantorRow.registration_id, GrantorRow.position)
        ):
            grantors[g.registration_id].append(g)
        coll: dict[str, list[Any]] = {i: [] for i in ids}
        for c in s.execute(
            select(
                CollateralRow.registration_id,
                CollateralRow.kind,
                CollateralRow.identifier,
                CollateralRow.quantity_units,
            ).where(CollateralRow.registration_id.in_(ids), CollateralRow.removed_seq.is_(None))
        ):
            coll[c.registration_id].append(c)
        objs: dict[str, list[Any]] = {i: [] for i in ids}
        for o in s.execute(
            select(
                ObjectionRow.registration_id,
                ObjectionRow.id,
                ObjectionRow.lapses_at,
                ObjectionRow.case_reference,
            ).where(ObjectionRow.registration_id.in_(ids))
        ):
            objs[o.registration_id].append(o)
        for reg in regs:
            checked += 1
            entries_of = logged[reg.id]
            if not entries_of:
                diffs = ["no log entry records it: it was never filed through the registry"]
            else:
                want, diffs = _replay(reg.number, entries_of)
                if want:
                    diffs += _differences(
                        want, _stored_state(reg, grantors[reg.id], coll[reg.id], objs[reg.id])
                    )
            if diffs:
                if first is None:
                    first, first_seq = reg.number, reg.seq
                problems.extend(f"registration {reg.number}: {d}" for d in diffs)
    orphan = s.execute(
        select(EntryRow.seq, EntryRow.data)
        .outerjoin(RegistrationRow, RegistrationRow.id == EntryRow.registration_id)
        .where(EntryRow.op == Operation.INITIAL.value, RegistrationRow.id.is_(None))
        .order_by(EntryRow.seq)
        .limit(1)
    ).first()
    if orphan is not None:
        number = json.loads(bytes(orphan.data)).get("registration")
        problems.append(
            f"registration {number} (entry {orphan.seq}) is in the log but not in the table"
        )
        if first is None or orphan.seq < first_seq:
            first = number
    return problems[: limit + 1], first, checked


def _check_signature(head: TreeHeadRow, keys: dict[str, bytes], problems: list[str]) -> None:
    public = keys.get(head.key_id)
    msg = signing.tree_head_message(head.tree_size, head.timestamp_ms, bytes(head.root_hash))
    if public is None:
        problems.append(f"signed tree head {head.tree_size}: unknown key {head.key_id}")
    elif not signing.verify(public, msg, bytes(head.signature)):
        problems.append(f"signed tree head {head.tree_size}: the signature does not verify")


def _compare_nodes(
    uow: UnitOfWork,
    computed: dict[tuple[int, int], bytes],
    problems: list[str],
    subtree_bad: list[tuple[int, int]],
) -> None:
    by_level: dict[int, list[int]] = {}
    for level, idx in computed:
        by_level.setdefault(level, []).append(idx)
    for level, idxs in sorted(by_level.items()):
        stored = {
            r.idx: bytes(r.hash)
            for r in uow.session.execute(
                select(NodeRow.idx, NodeRow.hash).where(
                    NodeRow.level == level, NodeRow.idx.between(min(idxs), max(idxs))
                )
            )
        }
        for idx in sorted(idxs):
            if stored.get(idx) != computed[(level, idx)]:
                first = idx * (1 << level) + 1
                what = (
                    f"entry {first} does not match its stored leaf hash"
                    if level == 0
                    else f"stored subtree hash ({level}, {idx}) over entries "
                    f"{first}..{first + (1 << level) - 1} is wrong"
                )
                problems.append(what)
                subtree_bad.append((first, first + (1 << level) - 1))


# ---------------------------------------------------------------- authorization


def _may_file_for(uow: UnitOfWork, secured_party_org_id: str) -> str | None:
    """Return the agent org when acting as agent; refuse anyone else."""
    actor = uow.actor
    if actor.is_system or actor.org_id == secured_party_org_id:
        return None
    if actor.org_id is not None:
        agency = uow.session.scalar(
            select(AgencyRow.id).where(
                AgencyRow.principal_org_id == secured_party_org_id,
                AgencyRow.agent_org_id == actor.org_id,
                AgencyRow.revoked_at.is_(None),
            )
        )
        if agency is not None:
            return actor.org_id
    raise PermissionDenied(
        "only the secured party or an agent it appointed may file, amend, extend or cancel",
        code="not_secured_party",
    )


def grant_agency(uow: UnitOfWork, agent_org_id: str) -> AgencyRow:
    """The acting secured party appoints another organization to file on its behalf."""
    principal = uow.actor.org_id
    if principal is None:
        raise PermissionDenied("only an organization can appoint an agent")
    if agent_org_id == principal:
        raise InvalidInput("an organization cannot be its own agent", field="agent_org_id")
    _org_or_invalid(uow, agent_org_id, "agent_org_id")
    live = uow.session.scalar(
        select(AgencyRow).where(
            AgencyRow.principal_org_id == principal,
            AgencyRow.agent_org_id == agent_org_id,
            AgencyRow.revoked_at.is_(None),
        )
    )
    if live is not None:
        raise Conflict("this agent is already appointed", code="agency_exists")
    row = AgencyRow(
        id=new_id("agy"),
        principal_org_id=principal,
        agent_org_id=agent_org_id,
        granted_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("registry.agency_granted", "registry_agency", row.id, after=_agency_dict(row))
    uow.commit()
    return row


def revoke_agency(uow: UnitOfWork, agency_id: str) -> AgencyRow:
    row = uow.session.get(AgencyRow, agency_id)
    if row is None or (not uow.actor.is_system and row.principal_org_id != uow.actor.org_id):
        raise NotFound(f"agency {agency_id} not found")
    if row.revoked_at is None:
        before = _agency_dict(row)
        row.revoked_at = uow.now()
        uow.flush()
        uow.audit(
            "registry.agency_revoked",
            "registry_agency",
            row.id,
            before=before,
            after=_agency_dict(row),
        )
    uow.commit()
    return row


def list_agencies(uow: UnitOfWork) -> list[AgencyRow]:
    org = uow.actor.org_id
    return list(
        uow.session.scalars(
            select(AgencyRow)
            .where(or_(AgencyRow.principal_org_id == org, AgencyRow.agent_org_id == org))
            .order_by(AgencyRow.granted_at)
        )
    )


def _agency_dict(row: AgencyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "principal_org_id": row.principal_org_id,
        "agent_org_id": row.agent_org_id,
        "granted_at": row.granted_at,
        "revoked_at": row.revoked_at,
    }


def _org_or_invalid(uow: UnitOfWork, org_id: str, field_name: str) -> Any:
    try:
        return parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput(
            f"no organization {org_id!r} on the platform", field=field_name
        ) from None


# ---------------------------------------------------------------- reading registrations


# Statements built once: building a select costs more than running it on an indexed table.
_IDS: Any = bindparam("ids", expanding=True)
_GRANTORS_OF = (
    select(GrantorRow.registration_id, GrantorRow.org_id, GrantorRow.uscc, GrantorRow.name)
    .where(GrantorRow.registration_id.in_(_IDS))
    .order_by(GrantorRow.position)
)
_COLLATERAL_OF = (
    select(
        CollateralRow.registration_id,
        CollateralRow.kind,
        CollateralRow.identifier,
        CollateralRow.quantity_units,
    )
    .where(CollateralRow.registration_id.in_(_IDS), CollateralRow.removed_seq.is_(None))
    .order_by(CollateralRow.id)
)
_OBJECTIONS_OF = (
    select(*ObjectionRow.__table__.c)
    .where(ObjectionRow.registration_id.in_(_IDS))
    .order_by(ObjectionRow.seq)
)


def _info_many(
    uow: UnitOfWork, regs: Sequence[Any], *, with_objections: bool = False
) -> list[RegistrationInfo]:
    """Registration views from rows (ORM rows or Core rows with the same column names)."""
    if not regs:
        return []
    ids = [r.id for r in regs]
    now = uow.now()
    conn = uow.session.connection()
    objections: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if with_objections:
        for o in conn.execute(_OBJECTIONS_OF, {"ids": ids}):
            objections[o.registration_id].append(_objection_dict(o, now))
    grantors: dict[str, list[Any]] = {i: [] for i in ids}
    for g in conn.execute(_GRANTORS_OF, {"ids": ids}):
        grantors[g.registration_id].append((g.org_id, g.uscc, g.name))
    coll: dict[str, list[Any]] = {i: [] for i in ids}
    for c in conn.execute(_COLLATERAL_OF, {"ids": ids}):
        coll[c.registration_id].append((c.kind, c.identifier, c.quantity_units))
    return [_info_of(r, grantors[r.id], coll[r.id], objections[r.id], now) for r in regs]


def _info_of(
    r: Any,
    grantors: Sequence[Sequence[Any]],
    collateral: Sequence[Sequence[Any]],
    objections: Sequence[dict[str, Any]],
    now: datetime,
) -> RegistrationInfo:
    """One registration view: grantors as (org id, USCC, name) in position order, live
    collateral as (kind, identifier, quantity units) in insertion order."""
    amount = (
        Money(r.amount_minor, r.currency) if r.amount_minor is not None and r.currency else None
    )
    return RegistrationInfo(
        id=r.id,
        number=r.number,
        seq=r.seq,
        kind=r.kind,
        status=status_at(r.cancelled_at is not None, r.expires_at, now).value,
        grantor_org_ids=tuple(g[0] for g in grantors),
        secured_party_org_id=r.secured_party_org_id,
        collateral=tuple(
            CollateralRef(kind, ident, units_to_decimal(qty) if qty else None)
            for kind, ident, qty in collateral
        ),
        amount=amount,
        starts_at=r.starts_at,
        expires_at=r.expires_at,
        registered_at=r.registered_at,
        grantors=tuple({"uscc": g[1], "name": g[2]} for g in grantors),
        secured_party={"uscc": r.secured_party_uscc, "name": r.secured_party_name},
        description=r.description,
        cancelled_at=r.cancelled_at,
        last_seq=r.last_seq,
        objections=tuple(objections),
    )


def _reg_by_number(uow: UnitOfWork, number: str) -> RegistrationRow:
    row = uow.session.scalar(
        select(RegistrationRow).where(RegistrationRow.number == number.strip())
    )
    if row is None:
        raise NotFound(f"registration {number} not found", code="registration_not_found")
    return row


def get_registration(uow: UnitOfWork, number: str) -> dict[str, Any]:
    """A registration with its full history and objections (public, like the PBOC registry)."""
    row = _reg_by_number(uow, number)
    info = _info_many(uow, [row])[0]
    return {
        **info.as_dict(),
        "history": _history(uow, [row.id])[row.id],
        "objections": _objections(uow, row.id),
    }


def _history(uow: UnitOfWork, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    for e in uow.session.scalars(
        select(EntryRow).where(EntryRow.registration_id.in_(ids)).order_by(EntryRow.seq)
    ):
        rec = json.loads(bytes(e.data))
        out[e.registration_id or ""].append(
            {
                "seq": e.seq,
                "leaf_index": e.seq - 1,
                "op": e.op,
                "at": e.at.isoformat(),
                "record": rec,
            }
        )
    return out


def _objections(uow: UnitOfWork, registration_id: str) -> list[dict[str, Any]]:
    now = uow.now()
    rows = uow.session.scalars(
        select(ObjectionRow)
        .where(ObjectionRow.registration_id == registration_id)
        .order_by(ObjectionRow.seq)
    )
    return [_objection_dict(o, now) for o in rows]


def _objection_dict(o: Any, now: datetime) -> dict[str, Any]:
    if o.litigated_at is not None:
        status = "litigated"
    elif o.lapses_at <= now:
        status = "lapsed"
    else:
        status = "active"
    return {
        "id": o.id,
        "seq": o.seq,
        "objector_org_id": o.objector_org_id,
        "reason": o.reason,
        "filed_at": o.filed_at.isoformat(),
        "lapses_at": o.lapses_at.isoformat(),
        "litigated_at": o.litigated_at.isoformat() if o.litigated_at else None,
        "case_reference": o.case_reference,
        "status": status,
    }


# ---------------------------------------------------------------- conflicts and priority


def _keys(
    collateral: Sequence[CollateralRef], field_name: str = "collateral"
) -> list[CollateralKey]:
    errs = ErrorCollector()
    keys: list[CollateralKey] = []
    for i, ref in enumerate(collateral):
        try:
            keys.append(collateral_key(ref, f"{field_name}[{i}]"))
        except InvalidInput as exc:
            for e in exc.errors:
                errs.add(e.field, e.reason)
    errs.raise_if_any("collateral refused")
    return keys


_REG_COLUMNS = tuple(
    RegistrationRow.__table__.c[name]
    for name in (
        "id",
        "number",
        "seq",
        "kind",
        "secured_party_org_id",
        "secured_party_uscc",
        "secured_party_name",
        "amount_minor",
        "currency",
        "description",
        "starts_at",
        "expires_at",
        "registered_at",
        "cancelled_at",
        "last_seq",
    )
)


def _live_overlap(c: Any) -> tuple[Any, ...]:
    """Live registrations whose collateral `c` (the table or an alias of it) overlaps the
    identifier in the binds kind, key, lo..hi, as of the bind now."""
    return (
        c.kind == bindparam("kind"),
        c.key == bindparam("key"),
        c.lo <= bindparam("hi"),
        c.hi >= bindparam("lo"),
        c.removed_seq.is_(None),
        RegistrationRow.cancelled_at.is_(None),
        RegistrationRow.expires_at > bindparam("now", type_=UTCDateTime),
    )


_CONFLICT_ONE = (
    select(*_REG_COLUMNS)
    .join_from(CollateralRow, RegistrationRow, CollateralRow.registration_id == RegistrationRow.id)
    .where(*_live_overlap(CollateralRow))
)


def _live_conflict_rows(
    uow: UnitOfWork, keys: Sequence[CollateralKey], exclude_id: str | None = None
) -> list[Any]:
    """Live registrations on any of the keys, in sequence order: one indexed Core query.

    The collateral index (kind, key, lo) finds the few rows per identifier; the join keeps
    registrations that are neither cancelled nor expired. Rows carry the registration's
    columns under their own names, so `_info_many` takes them as they are.
    """
    if not keys:
        return []
    now = uow.now()
    conn = uow.session.connection()
    if len(keys) <= 4 and exclude_id is None:
        # the common case: one prebuilt, cached statement per key
        rows: list[Any] = []
        for k in keys:
            rows.extend(
                conn.execute(
                    _CONFLICT_ONE,
                    {"kind": k.kind, "key": k.key, "lo": k.lo, "hi": k.hi, "now": now},
                )
            )
        rows.sort(key=lambda r: r.seq)
    else:
        conds = [
            and_(
                CollateralRow.kind == k.kind,
                CollateralRow.key == k.key,
                CollateralRow.lo <= k.hi,
                CollateralRow.hi >= k.lo,
            )
            for k in keys
        ]
        stmt = (
            select(*_REG_COLUMNS)
            .join_from(
                CollateralRow, RegistrationRow, CollateralRow.registration_id == RegistrationRow.id
            )
            .where(
                or_(*conds),
                CollateralRow.removed_seq.is_(None),
                RegistrationRow.cancelled_at.is_(None),
                RegistrationRow.expires_at > now,
            )
            .order_by(RegistrationRow.seq)
        )
        if exclude_id is not None:
            stmt = stmt.where(RegistrationRow.id != exclude_id)
        rows = list(conn.execute(stmt))
    out: list[Any] = []
    seen: set[str] = set()
    for row in rows:
        if row.id not in seen:  # one registration may hold several matching collateral
            seen.add(row.id)
            out.append(row)
    return out


def _conflict_full(dialect: str) -> Any:
    """`_CONFLICT_ONE` that also carries each registration's grantors and live collateral.

    Both come aggregated as JSON arrays by correlated subqueries on their registration
    index, so a conflict check with hits is still one statement; objections are read only
    for the registrations that have any.
    """
    g, c = GrantorRow, CollateralRow
    if dialect == "postgresql":
        agg, arr = func.json_agg, func.json_build_array
    else:
        agg, arr = func.json_group_array, func.json_array
    grantors = (
        select(agg(arr(g.position, g.id, g.org_id, g.uscc, g.name)))
        .where(g.registration_id == RegistrationRow.id)
        .scalar_subquery()
    )
    live = aliased(CollateralRow)
    collateral = (
        select(agg(arr(live.id, live.kind, live.identifier, live.quantity_units)))
        .where(live.registration_id == RegistrationRow.id, live.removed_seq.is_(None))
        .scalar_subquery()
    )
    objected = exists().where(ObjectionRow.registration_id == RegistrationRow.id)
    return (
        select(
            *_REG_COLUMNS,
            grantors.label("j_grantors"),
            collateral.label("j_collateral"),
            objected.label("objected"),
        )
        .join_from(c, RegistrationRow, c.registration_id == RegistrationRow.id)
        .where(*_live_overlap(c))
    )


_CONFLICT_FULL = {d: _conflict_full(d) for d in ("postgresql", "sqlite")}


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(json.loads(value) if isinstance(value, str | bytes) else value)


def conflicts(uow: UnitOfWork, collateral: list[CollateralRef]) -> list[RegistrationInfo]:
    """Every live registration on any of the collateral, in priority (sequence) order.

    For up to four identifiers (every financing path): one prebuilt indexed statement per
    identifier returns the registrations with their grantors and collateral, no ORM object.
    """
    keys = _keys(collateral)
    conn = uow.session.connection()
    stmt = _CONFLICT_FULL.get(conn.dialect.name)
    if stmt is None or len(keys) > 4:
        return _info_many(uow, _live_conflict_rows(uow, keys), with_objections=True)
    now = uow.now()
    found: dict[str, Any] = {}
    for k in keys:
        params = {"kind": k.kind, "key": k.key, "lo": k.lo, "hi": k.hi, "now": now}
        for row in conn.execute(stmt, params):
            found.setdefault(row.id, row)
    rows = sorted(found.values(), key=lambda r: r.seq)
    objections: dict[str, list[dict[str, Any]]] = {r.id: [] for r in rows}
    objected = [r.id for r in rows if r.objected]
    if objected:
        for o in conn.execute(_OBJECTIONS_OF, {"ids": objected}):
            objections[o.registration_id].append(_objection_dict(o, now))
    out = []
    for r in rows:
        grantors = [g[2:] for g in sorted(_json_list(r.j_grantors), key=lambda g: (g[0], g[1]))]
        coll = [c[1:] for c in sorted(_json_list(r.j_collateral), key=lambda c: c[0])]
        out.append(_info_of(r, grantors, coll, objections[r.id], now))
    return out


def priority_report(
    uow: UnitOfWork, ref: CollateralRef, unregistered: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Rank every interest in one collateral per Civil Code Art. 414 and 768."""
    key = _keys([ref])[0]
    regs = _info_many(uow, _live_conflict_rows(uow, [key]), with_objections=True)
    items = [PriorityItem(r.number, r.seq, True) for r in regs]
    for i, u in enumerate(unregistered):
        notice = u.get("notice_at")
        items.append(
            PriorityItem(
                str(u.get("claimant") or f"unregistered {i + 1}"),
                None,
                False,
                notice if isinstance(notice, datetime) else None,
            )
        )
    by_number = {r.number: r for r in regs}
    ranks = []
    for rank, group in enumerate(priority_order(items), start=1):
        ranks.append(
            {
                "rank": rank,
                "pro_rata": len(group) > 1,
                "interests": [
                    by_number[i.number].as_dict()
                    if i.registered and i.number in by_number
                    else {
                        "claimant": i.number,
                        "registered": False,
                        "notice_at": i.notice_at.isoformat() if i.notice_at else None,
                    }
                    for i in group
                ],
            }
        )
    return {
        "collateral": {"kind": key.kind, "identifier": key.identifier},
        "as_of": uow.now().isoformat(),
        "rule": "Civil Code Art. 414 and 768: registered before unregistered, earlier "
        "registration first, then first notice to the debtor, then pro rata",
        "ranks": ranks,
    }


# ---------------------------------------------------------------- filing


def _parse_amount(amount: Money | None, errs: ErrorCollector) -> None:
    if amount is not None and not amount.is_positive():
        errs.add("amount", "the secured or maximum amount must be positive")


def _goods_for(uow: UnitOfWork, key: CollateralKey) -> GoodsRow | None:
    if key.kind == CollateralKind.WAREHOUSE_RECEIPT:
        return uow.session.scalar(
            select(GoodsRow)
            .join(GoodsReceiptRow, GoodsReceiptRow.goods_id == GoodsRow.id)
            .where(GoodsReceiptRow.receipt_key == key.key, GoodsRow.status == "held")
        )
    if key.kind == CollateralKind.INVENTORY:
        return uow.session.scalar(
            select(GoodsRow).where(GoodsRow.lot_key == key.key, GoodsRow.status == "held")
        )
    return None


def pledged_units(uow: UnitOfWork, goods_id: str, exclude_registration: str | None = None) -> int:
    """Quantity (thousandths) of the goods under live registrations."""
    stmt = (
        select(func.coalesce(func.sum(CollateralRow.quantity_units), 0))
        .join(RegistrationRow, RegistrationRow.id == CollateralRow.registration_id)
        .where(
            CollateralRow.goods_id == goods_id,
            CollateralRow.removed_seq.is_(None),
            RegistrationRow.cancelled_at.is_(None),
            RegistrationRow.expires_at > uow.now(),
        )
    )
    if exclude_registration is not None:
        stmt = stmt.where(RegistrationRow.id != exclude_registration)
    return int(uow.session.scalar(stmt) or 0)


def pledge_capacity_in(
    uow: UnitOfWork,
    ref: CollateralRef,
    *,
    grantor_org_ids: Sequence[str] = (),
    exclude_registration: str | None = None,
    field_name: str = "collateral",
) -> tuple[GoodsRow, int]:
    """Check the empty-pledge guard for goods; return the goods and the units to pledge.

    Joins the caller's unit of work and reads under the log lock when called from a
    filing, so two pledges of the same goods can't both pass. Refuses goods no warehouse
    confirmed (empty pledge), goods held for someone else, and any quantity beyond what is
    confirmed and not yet pledged, counting every receipt and warehouse on the same lot.
    """
    key = collateral_key(ref, field_name)
    if key.kind not in GOODS_KINDS:
        raise InvalidInput(
            "only warehouse receipts and inventory are goods", field=f"{field_name}.kind"
        )
    goods = _goods_for(uow, key)
    if goods is None:
        raise Conflict(
            f"no warehouse has confirmed goods for {key.identifier}: a pledge needs the "
            "warehouse's confirmation of quantity, grade and location",
            code="empty_pledge",
            details={"collateral": key.identifier},
        )
    if grantor_org_ids and goods.holder_org_id not in grantor_org_ids:
        raise Conflict(
            f"the goods behind {key.identifier} are held for another organization, not the grantor",
            code="not_goods_holder",
        )
    units = (
        quantity_units(ref.quantity, f"{field_name}.quantity")
        if ref.quantity is not None
        else goods.quantity_units
    )
    used = pledged_units(uow, goods.id, exclude_registration)
    if used + units > goods.quantity_units:
        free = goods.quantity_units - used
        raise Conflict(
            f"only {units_to_decimal(max(free, 0))} {goods.unit} of {goods.commodity} "
            f"(lot {goods.lot}) at the warehouse is free to pledge; {units_to_decimal(units)} "
            "asked",
            code="over_pledged",
            details={
                "goods_id": goods.id,
                "confirmed": str(units_to_decimal(goods.quantity_units)),
                "pledged": str(units_to_decimal(used)),
            },
        )
    return goods, units


def register_in(
    uow: UnitOfWork,
    *,
    kind: str,
    grantor_org_ids: list[str],
    secured_party_org_id: str,
    collateral: list[CollateralRef],
    amount: Money | None,
    period_months: int,
    description: str = "",
    refuse_on_conflict: bool = True,
) -> RegistrationInfo:
    """Register inside the caller's unit of work (joins; does not commit).

    With `refuse_on_conflict` (what financing paths use) a live registration on any of the
    collateral refuses with `already_pledged`, naming the earlier registration.
    """
    return _register(
        uow,
        kind=kind,
        grantor_org_ids=grantor_org_ids,
        secured_party_org_id=secured_party_org_id,
        collateral=collateral,
        amount=amount,
        period_months=period_months,
        description=description,
        refuse_on_conflict=refuse_on_conflict,
        collateral_descriptions=None,
    ).registration


@dataclass
class _Checked:
    """A filing that passed every check that needs no lock."""

    kind: RegistrationKind
    keys: list[CollateralKey]
    collateral: list[CollateralRef]
    descriptions: list[str]
    grantors: list[Any]
    secured: Any
    amount: Money | None
    period_months: int
    description: str
    agent: str | None = None


def _check_filing(
    data: FilingInput, orgs: dict[str, Any], errs: ErrorCollector, at: str = ""
) -> _Checked | None:
    """Collect every error of one filing into `errs` (fields prefixed with `at`)."""
    before = len(errs.errors)
    try:
        reg_kind = parse_kind(data.kind)
    except InvalidInput as exc:
        errs.add(f"{at}kind", exc.message)
        reg_kind = RegistrationKind.OTHER
    try:
        check_period(data.period_months)
    except InvalidInput as exc:
        errs.add(f"{at}period_months", exc.message)
    if data.amount is not None and not data.amount.is_positive():
        errs.add(f"{at}amount", "the secured or maximum amount must be positive")
    grantor_org_ids, collateral = data.grantor_org_ids, data.collateral
    if not grantor_org_ids:
        errs.add(f"{at}grantor_org_ids", "at least one grantor is required")
    if len(set(grantor_org_ids)) != len(grantor_org_ids):
        errs.add(f"{at}grantor_org_ids", "a grantor is listed twice")
    if not collateral:
        errs.add(f"{at}collateral", "at least one collateral is required")
    if len(collateral) > 1000:
        errs.add(f"{at}collateral", "at most 1,000 collateral per registration")
    descs = data.collateral_descriptions
    if descs is not None and len(descs) != len(collateral):
        errs.add(f"{at}collateral_descriptions", "give one description per collateral, or none")
    if len(data.description) > 4000:
        errs.add(f"{at}description", "at most 4,000 characters")
    keys: list[CollateralKey] = []
    for i, ref in enumerate(collateral):
        try:
            keys.append(collateral_key(ref, f"{at}collateral[{i}]"))
        except InvalidInput as exc:
            for e in exc.errors:
                errs.add(e.field, e.reason)
    if len({(k.kind, k.key, k.lo, k.hi) for k in keys}) != len(keys):
        errs.add(f"{at}collateral", "the same collateral is listed twice")
    grantors = []
    for g in grantor_org_ids:
        if g in orgs:
            grantors.append(orgs[g])
        else:
            errs.add(f"{at}grantor_org_ids", f"no organization {g!r} on the platform")
    secured = orgs.get(data.secured_party_org_id)
    if secured is None:
        errs.add(
            f"{at}secured_party_org_id",
            f"no organization {data.secured_party_org_id!r} on the platform",
        )
    if len(errs.errors) > before:
        return None
    return _Checked(
        kind=reg_kind,
        keys=keys,
        collateral=list(collateral),
        descriptions=[d.strip() for d in descs] if descs is not None else [""] * len(keys),
        grantors=grantors,
        secured=secured,
        amount=data.amount,
        period_months=data.period_months,
        description=data.description.strip(),
    )


def _check_filer(uow: UnitOfWork, c: _Checked, at: str = "") -> None:
    """The rules checked after the field errors: parties apart, and who may file."""
    if c.secured.id in {g.id for g in c.grantors}:
        raise InvalidInput(
            "the secured party cannot also be a grantor", field=f"{at}grantor_org_ids"
        )
    c.agent = _may_file_for(uow, c.secured.id)


def _goods_draws(uow: UnitOfWork, c: _Checked, at: str = "") -> list[tuple[str | None, int | None]]:
    """The empty-pledge guard under the log lock: goods and units drawn per collateral."""
    draws: list[tuple[str | None, int | None]] = []
    grantor_ids = [g.id for g in c.grantors]
    for i, (ref, key) in enumerate(zip(c.collateral, c.keys, strict=True)):
        if key.kind in GOODS_KINDS:
            goods, units = pledge_capacity_in(
                uow, ref, grantor_org_ids=grantor_ids, field_name=f"{at}collateral[{i}]"
            )
            draws.append((goods.id, units))
        else:
            if ref.quantity is not None:
                raise InvalidInput(
                    "a quantity applies only to warehouse receipts and inventory",
                    field=f"{at}collateral[{i}].quantity",
                )
            draws.append((None, None))
    return draws


_REG_INSERT = _table(RegistrationRow).insert()
_GRANTOR_INSERT = _table(GrantorRow).insert()
_COLLATERAL_INSERT = _table(CollateralRow).insert()


@dataclass
class _Pending:
    """Rows of landed filings not yet sent: one executemany per table when flushed."""

    regs: list[dict[str, Any]] = field(default_factory=list)
    grantors: list[dict[str, Any]] = field(default_factory=list)
    collateral: list[dict[str, Any]] = field(default_factory=list)

    def flush(self, uow: UnitOfWork) -> None:
        conn = uow.session.connection()
        for stmt, rows in (
            (_REG_INSERT, self.regs),
            (_GRANTOR_INSERT, self.grantors),
            (_COLLATERAL_INSERT, self.collateral),
        ):
            if rows:
                conn.execute(stmt, rows)
                rows.clear()


def _land(
    uow: UnitOfWork,
    c: _Checked,
    seq: int,
    now: datetime,
    draws: list[tuple[str | None, int | None]],
    prior_numbers: list[str],
    pending: _Pending,
) -> tuple[dict[str, Any], RegistrationInfo]:
    """The rows, log record and view of an initial registration taking sequence `seq`."""
    reg_id = new_id("reg")
    number = registration_number(now, seq)
    expires_at = add_months(now, c.period_months)
    secured, amount = c.secured, c.amount
    actor = uow.actor
    pending.regs.append(
        {
            "id": reg_id,
            "number": number,
            "seq": seq,
            "kind": c.kind.value,
            "secured_party_org_id": secured.id,
            "secured_party_uscc": secured.uscc,
            "secured_party_name": secured.name,
            "filer_user_id": actor.user_id,
            "filer_org_id": actor.org_id,
            "amount_minor": amount.minor if amount is not None else None,
            "currency": amount.currency if amount is not None else None,
            "description": c.description,
            "starts_at": now,
            "expires_at": expires_at,
            "registered_at": now,
            "updated_at": now,
            "cancelled_at": None,
            "cancel_reason": None,
            "last_seq": seq,
            "version": 1,
        }
    )
    pending.grantors.extend(
        {
            "registration_id": reg_id,
            "org_id": g.id,
            "uscc": g.uscc,
            "name": g.name,
            "name_folded": fold_name(g.name),
            "position": pos,
        }
        for pos, g in enumerate(c.grantors)
    )
    coll_records = []
    refs = []
    for key, desc, (goods_id, qty) in zip(c.keys, c.descriptions, draws, strict=True):
        pending.collateral.append(
            {
                "registration_id": reg_id,
                "kind": key.kind,
                "key": key.key,
                "lo": key.lo,
                "hi": key.hi,
                "identifier": key.identifier,
                "description": desc,
                "goods_id": goods_id,
                "quantity_units": qty,
                "added_seq": seq,
                "removed_seq": None,
            }
        )
        quantity = units_to_decimal(qty) if qty else None
        coll_records.append(
            {
                "kind": key.kind,
                "identifier": key.identifier,
                "description": desc,
                "quantity": str(quantity) if quantity is not None else None,
            }
        )
        refs.append(CollateralRef(key.kind, key.identifier, quantity))
    grantors = tuple({"uscc": g.uscc, "name": g.name} for g in c.grantors)
    record = {
        "registration": number,
        "kind": c.kind.value,
        "grantors": [dict(g) for g in grantors],
        "secured_party": {"uscc": secured.uscc, "name": secured.name},
        "collateral": coll_records,
        "amount": amount.as_json() if amount is not None else None,
        "description": c.description,
        "starts_at": now.isoformat(),
        "expires_at": expires_at.isoformat(),
        "filer": {
            "user_id": actor.user_id,
            "org_id": actor.org_id,
            "as_agent": c.agent is not None,
        },
        "prior_conflicts": prior_numbers,
    }
    info = RegistrationInfo(
        id=reg_id,
        number=number,
        seq=seq,
        kind=c.kind.value,
        status=Status.ACTIVE.value,
        grantor_org_ids=tuple(g.id for g in c.grantors),
        secured_party_org_id=secured.id,
        collateral=tuple(refs),
        amount=amount,
        starts_at=now,
        expires_at=expires_at,
        registered_at=now,
        grantors=grantors,
        secured_party={"uscc": secured.uscc, "name": secured.name},
        description=c.description,
        cancelled_at=None,
        last_seq=seq,
    )
    return record, info


def _registered_item(record: dict[str, Any], info: RegistrationInfo) -> AuditItem:
    """The audit entry of an initial registration (one per filing, on every path)."""
    return AuditItem(info.id, after={**record, "seq": info.seq}, org_id=info.secured_party_org_id)


def _audit_registered(uow: UnitOfWork, record: dict[str, Any], info: RegistrationInfo) -> None:
    item = _registered_item(record, info)
    uow.audit(
        "registry.registered",
        "registration",
        item.aggregate_id,
        after=item.after,
        org_id=item.org_id,
    )


def _register(
    uow: UnitOfWork,
    *,
    kind: str,
    grantor_org_ids: list[str],
    secured_party_org_id: str,
    collateral: list[CollateralRef],
    amount: Money | None,
    period_months: int,
    description: str,
    refuse_on_conflict: bool,
    collateral_descriptions: list[str] | None,
) -> FilingResult:
    data = FilingInput(
        kind=kind,
        grantor_org_ids=grantor_org_ids,
        secured_party_org_id=secured_party_org_id,
        collateral=collateral,
        collateral_descriptions=collateral_descriptions,
        amount=amount,
        period_months=period_months,
        description=description,
    )
    orgs = parties.organizations_by_id(uow, [*grantor_org_ids, secured_party_org_id])
    errs = ErrorCollector()
    checked = _check_filing(data, orgs, errs)
    errs.raise_if_any("the registration was refused")
    assert checked is not None
    _check_filer(uow, checked)

    state = _lock_state(uow)  # from here on, filings are serialized
    prior = _live_conflict_rows(uow, checked.keys)
    if prior and refuse_on_conflict:
        first = prior[0]
        raise Conflict(
            f"the collateral is already registered under {first.number} (sequence {first.seq})",
            code="already_pledged",
            details={"registration_number": first.number, "seq": first.seq},
        )
    draws = _goods_draws(uow, checked)
    # Core statements, a few per filing: the lock is held from `_lock_state` to the commit,
    # so every statement here is paid once per filing by every writer in the queue.
    pending = _Pending()
    record, info = _land(
        uow, checked, state.size + 1, uow.now(), draws, [p.number for p in prior], pending
    )
    pending.flush(uow)
    entry = _append(uow, state, Operation.INITIAL, info.id, record)
    _audit_registered(uow, record, info)
    return FilingResult(info, _info_many(uow, prior), entry.seq)


@dataclass
class FilingInput:
    kind: str
    grantor_org_ids: list[str]
    secured_party_org_id: str
    collateral: list[CollateralRef]
    collateral_descriptions: list[str] | None
    amount: Money | None
    period_months: int
    description: str = ""


def file_registration(uow: UnitOfWork, data: FilingInput) -> FilingResult:
    """Initial registration (notice filing): lands even over a prior conflict, which it reports.

    Goods (warehouse receipts, inventory) are the exception: the empty-pledge guard refuses
    anything beyond the warehouse-confirmed quantity.
    """
    result = _register(
        uow,
        kind=data.kind,
        grantor_org_ids=data.grantor_org_ids,
        secured_party_org_id=data.secured_party_org_id,
        collateral=data.collateral,
        amount=data.amount,
        period_months=data.period_months,
        description=data.description,
        refuse_on_conflict=False,
        collateral_descriptions=data.collateral_descriptions,
    )
    uow.commit()
    return result


MAX_BATCH = 10_000
_CHUNK = 500


def _live_rows_by_key(
    uow: UnitOfWork, keys: Sequence[CollateralKey]
) -> dict[tuple[str, str], list[Any]]:
    """Live registrations on many keys: per kind, one indexed `key IN (...)` query a chunk.

    Rows carry the registration's columns plus the collateral's key, lo and hi; the caller
    keeps those whose range overlaps its own.
    """
    by_kind: dict[str, set[str]] = {}
    for k in keys:
        by_kind.setdefault(k.kind, set()).add(k.key)
    out: dict[tuple[str, str], list[Any]] = {}
    conn = uow.session.connection()
    now = uow.now()
    for kind, wanted in by_kind.items():
        ordered = sorted(wanted)
        for i in range(0, len(ordered), _CHUNK):
            params = {"kind": kind, "keys": ordered[i : i + _CHUNK], "now": now}
            for row in conn.execute(_CONFLICT_MANY, params):
                out.setdefault((kind, row.c_key), []).append(row)
    return out


_CONFLICT_MANY = (
    select(
        *_REG_COLUMNS,
        CollateralRow.key.label("c_key"),
        CollateralRow.lo.label("c_lo"),
        CollateralRow.hi.label("c_hi"),
    )
    .join_from(CollateralRow, RegistrationRow, CollateralRow.registration_id == RegistrationRow.id)
    .where(
        CollateralRow.kind == bindparam("kind"),
        CollateralRow.key.in_(bindparam("keys", expanding=True)),
        CollateralRow.removed_seq.is_(None),
        RegistrationRow.cancelled_at.is_(None),
        RegistrationRow.expires_at > bindparam("now", type_=UTCDateTime),
    )
)


def file_registrations(uow: UnitOfWork, filings: Sequence[FilingInput]) -> list[FilingResult]:
    """Bulk notice filing (a whole factoring pool in one call): all land or none does.

    Each filing is checked exactly as `file_registration` checks it (field errors of every
    filing are collected and named `filings[i].<field>`), takes its own sequence number and
    log leaf in input order, reports the live registrations ranking ahead of it (earlier
    filings of the same call included) and leaves the same audit entry. One lock, one
    conflict query per kind and chunk, one insert per table and one commit for the batch.
    """
    if not filings:
        raise InvalidInput("at least one filing is required", field="filings")
    if len(filings) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH:,} filings per call", field="filings")
    ids = {i for f in filings for i in (*f.grantor_org_ids, f.secured_party_org_id)}
    orgs = parties.organizations_by_id(uow, ids)
    errs = ErrorCollector()
    checked = [_check_filing(f, orgs, errs, f"filings[{i}].") for i, f in enumerate(filings)]
    errs.raise_if_any(f"the batch of {len(filings)} filings was refused")
    ready = [c for c in checked if c is not None]
    for i, c in enumerate(ready):
        _check_filer(uow, c, f"filings[{i}].")

    state = _lock_state(uow)
    staged = _stage_many(uow, state, [(i, c, f"filings[{i}].", None) for i, c in enumerate(ready)])
    uow.audit_many(
        "registry.registered",
        "registration",
        [_registered_item(s.record, s.info) for s in staged],
    )
    results = _results(uow, staged)
    uow.commit()
    return results


@dataclass
class _Staged:
    """A filing landed in the current transaction, not yet committed."""

    index: int
    record: dict[str, Any]
    info: RegistrationInfo
    db_prior: list[Any]
    batch_prior: list[RegistrationInfo]


def _stage_many(
    uow: UnitOfWork,
    state: _LogState,
    ready: Sequence[tuple[int, _Checked, str, QueuedFiling | None]],
    refused: dict[int, DomainError] | None = None,
) -> list[_Staged]:
    """Land checked filings in order under the log lock: rows, leaves and subtree hashes.

    Each filing takes the next sequence number and reports as prior conflicts the live
    registrations on its collateral, those landed earlier in the same call included: one
    `key IN (...)` query per kind and chunk for the database, the call's own landings kept
    here. A filing with a `QueuedFiling` lands as that filer. The checks that need the lock
    (the empty-pledge guard) run before the filing writes anything; with `refused` a refusal
    is kept there under the filing's index and the others go on, without it it is raised.
    """
    db_rows = _live_rows_by_key(uow, [k for _, c, _, _ in ready for k in c.keys])
    now = uow.now()
    seq = state.size
    pending = _Pending()
    landed: dict[tuple[str, str], list[tuple[int, int, RegistrationInfo]]] = {}
    staged: list[_Staged] = []
    for index, c, at, item in ready:
        with _acting(uow, item):
            if any(k.kind in GOODS_KINDS for k in c.keys):
                pending.flush(uow)  # the guard must count the goods pledged earlier in the call
            try:
                draws = _goods_draws(uow, c, at)
            except DomainError as exc:
                if refused is None:
                    raise
                refused[index] = exc
                continue
            from_db: dict[str, Any] = {}
            from_batch: dict[str, RegistrationInfo] = {}
            for k in c.keys:
                for r in db_rows.get((k.kind, k.key), ()):
                    if r.c_lo <= k.hi and r.c_hi >= k.lo:
                        from_db.setdefault(r.id, r)
                for lo, hi, info in landed.get((k.kind, k.key), ()):
                    if lo <= k.hi and hi >= k.lo:
                        from_batch.setdefault(info.id, info)
            db_prior = sorted(from_db.values(), key=lambda r: r.seq)
            batch_prior = sorted(from_batch.values(), key=lambda r: r.seq)
            seq += 1
            numbers = [r.number for r in db_prior] + [r.number for r in batch_prior]
            record, info = _land(uow, c, seq, now, draws, numbers, pending)
        for k in c.keys:
            landed.setdefault((k.kind, k.key), []).append((k.lo, k.hi, info))
        staged.append(_Staged(index, record, info, db_prior, batch_prior))
    pending.flush(uow)
    if staged:
        appended = _append_many(
            uow, state, [(Operation.INITIAL, s.info.id, s.record) for s in staged]
        )
        assert [a.seq for a in appended] == [s.info.seq for s in staged]
    return staged


def _results(uow: UnitOfWork, staged: Sequence[_Staged]) -> list[FilingResult]:
    """Each staged filing's result; the earlier registrations reported are read once."""
    wanted = {r.id: r for s in staged for r in s.db_prior}
    views = {v.id: v for v in _info_many(uow, sorted(wanted.values(), key=lambda r: r.seq))}
    return [
        FilingResult(s.info, [views[r.id] for r in s.db_prior] + s.batch_prior, s.info.seq)
        for s in staged
    ]


# ---------------------------------------------------------------- group commit


@dataclass(frozen=True)
class QueuedFiling:
    """One caller's single filing waiting for a group commit: what, by whom, under which request."""

    actor: Actor
    data: FilingInput
    request_id: str | None = None


@contextmanager
def _acting(uow: UnitOfWork, item: QueuedFiling | None) -> Iterator[None]:
    """Act as the filing's own filer (rights, filer fields, audit user and request id)."""
    if item is None:
        yield
        return
    with acting(uow, item.actor, item.request_id):
        yield


def file_registrations_each(
    uow: UnitOfWork, items: Sequence[QueuedFiling]
) -> list[FilingResult | DomainError]:
    """Group commit of independent single filings (the sequencer's step): one commit for all.

    Each filing is checked and lands as `file_registration` would land it had the earlier
    filings of the group committed just before it: as its own filer (rights, filer fields and
    audit entry are that filer's), with the next sequence number in the order of `items`, its
    prior conflicts and its audit entry. A refused filing gets its own error back and writes
    nothing (every refusal is raised before the filing writes a row; its leaf, rows and audit
    entry are written for the filings that passed only), the others go on. One commit ends
    the group: a failure there, or any error that is not a refusal, fails the whole group and
    leaves nothing. Returns, per item in order, its result or its refusal; nothing is durable
    before this returns, so callers must hear of their results only afterwards.
    """
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH:,} filings per group", field="filings")
    refused: dict[int, DomainError] = {}
    ids = {i for it in items for i in (*it.data.grantor_org_ids, it.data.secured_party_org_id)}
    orgs = parties.organizations_by_id(uow, ids)
    ready: list[tuple[int, _Checked, str, QueuedFiling | None]] = []
    for i, item in enumerate(items):
        with _acting(uow, item):
            errs = ErrorCollector()
            checked = _check_filing(item.data, orgs, errs)
            try:
                errs.raise_if_any("the registration was refused")
                assert checked is not None
                _check_filer(uow, checked)
            except DomainError as exc:
                refused[i] = exc
                continue
        ready.append((i, checked, "", item))
    staged: list[_Staged] = []
    if ready:
        state = _lock_state(uow)  # from here on, filings are serialized
        staged = _stage_many(uow, state, ready, refused)
        # one audit statement per run of filings by the same filer in the same request
        run: list[AuditItem] = []
        for k, s in enumerate(staged):
            run.append(_registered_item(s.record, s.info))
            here = items[s.index]
            nxt = items[staged[k + 1].index] if k + 1 < len(staged) else None
            if nxt is None or (nxt.actor, nxt.request_id) != (here.actor, here.request_id):
                with _acting(uow, here):
                    uow.audit_many("registry.registered", "registration", run)
                run = []
    results = _results(uow, staged)
    uow.commit()
    outcomes: dict[int, FilingResult | DomainError] = dict(refused)
    outcomes.update((s.index, r) for s, r in zip(staged, results, strict=True))
    return [outcomes[i] for i in range(len(items))]


def _require_active(uow: UnitOfWork, reg: RegistrationRow, doing: str) -> None:
    status = status_at(reg.cancelled_at is not None, reg.expires_at, uow.now())
    if status != Status.ACTIVE:
        raise Conflict(
            f"registration {reg.number} is {status.value}; it cannot be {doing}",
            code=f"registration_{status.value}",
        )


@dataclass
class AmendmentInput:
    add_collateral: list[CollateralRef] = field(default_factory=list)
    add_collateral_descriptions: list[str] | None = None
    remove_collateral: list[CollateralRef] = field(default_factory=list)
    amount: Money | None = None
    clear_amount: bool = False
    description: str | None = None


def amend(uow: UnitOfWork, number: str, data: AmendmentInput) -> FilingResult:
    """Amend collateral, amount or description; only the secured party or its agent."""
    reg = _reg_by_number(uow, number)
    agent = _may_file_for(uow, reg.secured_party_org_id)
    _require_active(uow, reg, "amended")
    errs = ErrorCollector()
    _parse_amount(data.amount, errs)
    if data.description is not None and len(data.description) > 4000:
        errs.add("description", "at most 4,000 characters")
    add_keys: list[CollateralKey] = []
    for i, ref in enumerate(data.add_collateral):
        try:
            add_keys.append(collateral_key(ref, f"add_collateral[{i}]"))
        except InvalidInput as exc:
            errs.errors.extend(exc.errors)
    remove_keys: list[CollateralKey] = []
    for i, ref in enumerate(data.remove_collateral):
        try:
            remove_keys.append(collateral_key(ref, f"remove_collateral[{i}]"))
        except InvalidInput as exc:
            errs.errors.extend(exc.errors)
    if not (
        add_keys or remove_keys or data.amount or data.clear_amount or data.description is not None
    ):
        errs.add("body", "the amendment changes nothing")
    errs.raise_if_any("the amendment was refused")
    current = list(
        uow.session.scalars(
            select(CollateralRow).where(
                CollateralRow.registration_id == reg.id, CollateralRow.removed_seq.is_(None)
            )
        )
    )
    to_remove = []
    for i, k in enumerate(remove_keys):
        match = [c for c in current if (c.kind, c.key, c.lo, c.hi) == (k.kind, k.key, k.lo, k.hi)]
        if not match:
            raise InvalidInput(
                f"{k.identifier} is not collateral of {reg.number}", field=f"remove_collateral[{i}]"
            )
        to_remove.extend(match)
    existing = {(c.kind, c.key, c.lo, c.hi) for c in current if c not in to_remove}
    for i, k in enumerate(add_keys):
        if (k.kind, k.key, k.lo, k.hi) in existing:
            raise InvalidInput(
                f"{k.identifier} is already collateral", field=f"add_collateral[{i}]"
            )
    if len(existing) + len(add_keys) == 0:
        raise InvalidInput(
            "a registration needs at least one collateral; cancel it instead",
            field="remove_collateral",
        )
    grantor_ids = list(
        uow.session.scalars(select(GrantorRow.org_id).where(GrantorRow.registration_id == reg.id))
    )
    state = _lock_state(uow)
    prior = _live_conflict_rows(uow, add_keys, exclude_id=reg.id)
    draws: list[tuple[str | None, int | None]] = []
    for i, (ref, k) in enumerate(zip(data.add_collateral, add_keys, strict=True)):
        if k.kind in GOODS_KINDS:
            goods, units = pledge_capacity_in(
                uow, ref, grantor_org_ids=grantor_ids, field_name=f"add_collateral[{i}]"
            )
            draws.append((goods.id, units))
        else:
            draws.append((None, None))
    before = _info_many(uow, [reg])[0].as_dict()
    seq = state.size + 1
    for c in to_remove:
        c.removed_seq = seq
    descs = data.add_collateral_descriptions or [""] * len(add_keys)
    for k, desc, (goods_id, qty) in zip(add_keys, descs, draws, strict=True):
        uow.session.add(
            CollateralRow(
                registration_id=reg.id,
                kind=k.kind,
                key=k.key,
                lo=k.lo,
                hi=k.hi,
                identifier=k.identifier,
                description=desc.strip(),
                goods_id=goods_id,
                quantity_units=qty,
                added_seq=seq,
            )
        )
    changes: dict[str, Any] = {}
    if data.amount is not None:
        reg.amount_minor, reg.currency = data.amount.minor, data.amount.currency
        changes["amount"] = data.amount.as_json()
    elif data.clear_amount:
        reg.amount_minor, reg.currency = None, None
        changes["amount"] = None
    if data.description is not None:
        reg.description = data.description.strip()
        changes["description"] = reg.description
    if add_keys:
        changes["add_collateral"] = [{"kind": k.kind, "identifier": k.identifier} for k in add_keys]
    if remove_keys:
        changes["remove_collateral"] = [
            {"kind": k.kind, "identifier": k.identifier} for k in remove_keys
        ]
    reg.updated_at = uow.now()
    reg.last_seq = seq
    record = {
        "registration": reg.number,
        "changes": changes,
        "filer": {
            "user_id": uow.actor.user_id,
            "org_id": uow.actor.org_id,
            "as_agent": agent is not None,
        },
        "prior_conflicts": [p.number for p in prior],
    }
    entry = _append(uow, state, Operation.AMENDMENT, reg.id, record)
    uow.flush()
    info = _info_many(uow, [reg])[0]
    uow.audit(
        "registry.amended",
        "registration",
        reg.id,
        before=before,
        after=info.as_dict(),
        org_id=reg.secured_party_org_id,
    )
    uow.commit()
    return FilingResult(info, _info_many(uow, prior), entry.seq)


def extend(uow: UnitOfWork, number: str, months: int) -> FilingResult:
    """Extend a live registration before it expires; the whole period stays within 30 years."""
    reg = _reg_by_number(uow, number)
    agent = _may_file_for(uow, reg.secured_party_org_id)
    _require_active(uow, reg, "extended")
    check_period(months, "months")
    new_expiry = add_months(reg.expires_at, months)
    if new_expiry > add_months(reg.starts_at, 360):
        raise InvalidInput(
            "the whole period would exceed 30 years from the registration", field="months"
        )
    state = _lock_state(uow)
    before = {"expires_at": reg.expires_at}
    reg.expires_at = new_expiry
    reg.updated_at = uow.now()
    reg.last_seq = state.size + 1
    record = {
        "registration": reg.number,
        "months": months,
        "expires_at": new_expiry.isoformat(),
        "filer": {
            "user_id": uow.actor.user_id,
            "org_id": uow.actor.org_id,
            "as_agent": agent is not None,
        },
    }
    entry = _append(uow, state, Operation.EXTENSION, reg.id, record)
    uow.flush()
    uow.audit(
        "registry.extended",
        "registration",
        reg.id,
        before=before,
        after={"expires_at": new_expiry},
        org_id=reg.secured_party_org_id,
    )
    uow.commit()
    return FilingResult(_info_many(uow, [reg])[0], [], entry.seq)


def cancel_in(uow: UnitOfWork, registration_id: str, *, reason: str) -> RegistrationInfo:
    """Cancel a registration inside the caller's unit of work (joins; does not commit)."""
    reg = uow.session.get(RegistrationRow, registration_id)
    if reg is None:
        raise NotFound(f"registration {registration_id} not found", code="registration_not_found")
    return _cancel(uow, reg, reason)


def _cancel(uow: UnitOfWork, reg: RegistrationRow, reason: str) -> RegistrationInfo:
    agent = _may_file_for(uow, reg.secured_party_org_id)
    if reg.cancelled_at is not None:
        raise Conflict(
            f"registration {reg.number} is already cancelled", code="registration_cancelled"
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the registration is cancelled", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("at most 2,000 characters", field="reason")
    state = _lock_state(uow)
    now = uow.now()
    reg.cancelled_at = now
    reg.cancel_reason = reason
    reg.updated_at = now
    reg.last_seq = state.size + 1
    record = {
        "registration": reg.number,
        "reason": reason,
        "filer": {
            "user_id": uow.actor.user_id,
            "org_id": uow.actor.org_id,
            "as_agent": agent is not None,
        },
    }
    _append(uow, state, Operation.CANCELLATION, reg.id, record)
    uow.flush()
    uow.audit(
        "registry.cancelled",
        "registration",
        reg.id,
        before={"status": "active"},
        after={"status": "cancelled", "reason": reason},
        org_id=reg.secured_party_org_id,
    )
    return _info_many(uow, [reg])[0]


def cancel(uow: UnitOfWork, number: str, reason: str) -> RegistrationInfo:
    """Cancel a registration (secured party or its agent); it stays in history."""
    info = _cancel(uow, _reg_by_number(uow, number), reason)
    uow.commit()
    return info


def object_to(uow: UnitOfWork, number: str, reason: str) -> dict[str, Any]:
    """A grantor objects to a registration; the objection lapses after 30 days."""
    reg = _reg_by_number(uow, number)
    grantor_ids = set(
        uow.session.scalars(select(GrantorRow.org_id).where(GrantorRow.registration_id == reg.id))
    )
    if uow.actor.org_id not in grantor_ids:
        raise PermissionDenied(
            "only a grantor of the registration may object to it", code="not_grantor"
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why you object", field="reason")
    if len(reason) > 4000:
        raise InvalidInput("at most 4,000 characters", field="reason")
    if reg.cancelled_at is not None:
        raise Conflict(f"registration {reg.number} is cancelled", code="registration_cancelled")
    state = _lock_state(uow)
    now = uow.now()
    row = ObjectionRow(
        id=new_id("obj"),
        registration_id=reg.id,
        objector_org_id=uow.actor.org_id or "",
        reason=reason,
        filed_at=now,
        lapses_at=now + timedelta(days=OBJECTION_DAYS),
        seq=state.size + 1,
    )
    uow.session.add(row)
    record = {
        "registration": reg.number,
        "objection": row.id,
        "reason": reason,
        "lapses_at": row.lapses_at.isoformat(),
        "objector_org_id": row.objector_org_id,
    }
    _append(uow, state, Operation.OBJECTION, reg.id, record)
    uow.flush()
    uow.audit("registry.objected", "registration", reg.id, after=record)
    uow.commit()
    return _objection_dict(row, now)


def mark_litigated(uow: UnitOfWork, objection_id: str, case_reference: str) -> dict[str, Any]:
    """The objector records that a suit or arbitration was filed, so the objection stays."""
    row = uow.session.get(ObjectionRow, objection_id)
    if row is None or (row.objector_org_id != uow.actor.org_id and not uow.actor.is_system):
        raise NotFound(f"objection {objection_id} not found")
    case_reference = (case_reference or "").strip()
    if not case_reference:
        raise InvalidInput("give the court or arbitration case reference", field="case_reference")
    now = uow.now()
    if row.litigated_at is not None:
        raise Conflict("the objection is already marked as litigated", code="already_litigated")
    if row.lapses_at <= now:
        raise Conflict("the objection has lapsed (30 days passed)", code="objection_lapsed")
    reg = uow.session.get(RegistrationRow, row.registration_id)
    assert reg is not None
    state = _lock_state(uow)
    row.litigated_at = now
    row.case_reference = case_reference[:120]
    record = {"registration": reg.number, "objection": row.id, "case_reference": row.case_reference}
    _append(uow, state, Operation.OBJECTION_LITIGATED, reg.id, record)
    uow.flush()
    uow.audit("registry.objection_litigated", "registration", reg.id, after=record)
    uow.commit()
    return _objection_dict(row, now)


# ---------------------------------------------------------------- goods (empty-pledge guard)


@dataclass
class GoodsInput:
    holder_org_id: str
    commodity: str
    grade: str
    location: str
    quantity: str
    unit: str
    lot: str
    receipt_nos: list[str] = field(default_factory=list)


def confirm_goods(uow: UnitOfWork, data: GoodsInput) -> GoodsRow:
    """The acting warehouse confirms it holds goods (quantity, grade, location) for a holder.

    A lot of goods can sit in one warehouse only: a second confirmation of the same
    commodity lot, by any warehouse, is refused until the first is released (the Qingdao
    case: the same metal receipted by several warehouses).
    """
    actor = uow.actor
    if not (actor.is_system or actor.has("warehouse")) or actor.org_id is None:
        raise PermissionDenied("only a warehouse confirms goods", code="not_warehouse")
    errs = ErrorCollector()
    units = 0
    try:
        units = quantity_units(data.quantity)
    except InvalidInput as exc:
        errs.add("quantity", exc.message)
    for name in ("commodity", "grade", "location", "unit", "lot"):
        value = getattr(data, name).strip()
        if not value:
            errs.add(name, "required")
        elif len(value) > 120:
            errs.add(name, "at most 120 characters")
    try:
        _org_or_invalid(uow, data.holder_org_id, "holder_org_id")
    except InvalidInput as exc:
        errs.add("holder_org_id", exc.message)
    warehouse = parties.find_organization(uow, actor.org_id)
    receipt_keys = []
    for i, no in enumerate(data.receipt_nos):
        try:
            receipt_keys.append(
                collateral_key(
                    CollateralRef(CollateralKind.WAREHOUSE_RECEIPT, f"{warehouse.uscc}/{no}"),
                    f"receipt_nos[{i}]",
                ).key
            )
        except InvalidInput as exc:
            errs.errors.extend(exc.errors)
    if len(set(receipt_keys)) != len(receipt_keys):
        errs.add("receipt_nos", "a receipt number is listed twice")
    errs.raise_if_any("the goods confirmation was refused")
    lot_key = collateral_key(
        CollateralRef(CollateralKind.INVENTORY, f"{data.commodity}/{data.lot}"), "lot"
    ).key
    state = _lock_state(uow)
    held = uow.session.scalar(
        select(GoodsRow).where(GoodsRow.lot_key == lot_key, GoodsRow.status == "held")
    )
    if held is not None:
        raise Conflict(
            f"lot {data.lot} of {data.commodity} is already confirmed by warehouse "
            f"{held.warehouse_uscc}; it must be released there first",
            code="goods_already_confirmed",
            details={"goods_id": held.id if held.warehouse_org_id == actor.org_id else None},
        )
    if receipt_keys:
        taken = uow.session.scalar(
            select(GoodsReceiptRow.receipt_key).where(GoodsReceiptRow.receipt_key.in_(receipt_keys))
        )
        if taken:
            raise Conflict(f"receipt {taken} was already issued", code="receipt_exists")
    row = GoodsRow(
        id=new_id("gds"),
        warehouse_org_id=warehouse.id,
        warehouse_uscc=warehouse.uscc,
        holder_org_id=data.holder_org_id,
        commodity=data.commodity.strip(),
        grade=data.grade.strip(),
        location=data.location.strip(),
        unit=data.unit.strip(),
        quantity_units=units,
        lot_key=lot_key,
        lot=data.lot.strip(),
        status="held",
        confirmed_at=uow.now(),
        seq=state.size + 1,
    )
    uow.session.add(row)
    uow.flush()
    for key in receipt_keys:
        uow.session.add(GoodsReceiptRow(goods_id=row.id, receipt_key=key))
    record = {
        "goods": row.id,
        "warehouse": {"uscc": warehouse.uscc, "name": warehouse.name},
        "commodity": row.commodity,
        "grade": row.grade,
        "location": row.location,
        "quantity": str(units_to_decimal(units)),
        "unit": row.unit,
        "lot": row.lot,
        "receipts": receipt_keys,
    }
    _append(uow, state, Operation.GOODS_CONFIRMED, None, record)
    uow.flush()
    uow.audit("registry.goods_confirmed", "goods", row.id, after=record)
    uow.commit()
    return row


def release_goods(uow: UnitOfWork, goods_id: str) -> GoodsRow:
    """The warehouse releases goods (delivered out); refused while a live pledge is on them."""
    row = _goods_visible(uow, goods_id)
    if row.warehouse_org_id != uow.actor.org_id and not uow.actor.is_system:
        raise PermissionDenied("only the confirming warehouse releases goods", code="not_warehouse")
    if row.status != "held":
        raise Conflict("the goods are already released", code="goods_released")
    used = pledged_units(uow, row.id)
    if used:
        raise Conflict(
            f"{units_to_decimal(used)} {row.unit} of the goods are under live pledges; the "
            "secured parties must cancel first",
            code="goods_pledged",
        )
    state = _lock_state(uow)
    row.status = "released"
    row.released_at = uow.now()
    _append(uow, state, Operation.GOODS_RELEASED, None, {"goods": row.id})
    uow.flush()
    uow.audit(
        "registry.goods_released",
        "goods",
        row.id,
        before={"status": "held"},
        after={"status": "released"},
    )
    uow.commit()
    return row


def _goods_visible(uow: UnitOfWork, goods_id: str) -> GoodsRow:
    row = uow.session.get(GoodsRow, goods_id)
    actor = uow.actor
    if row is None or not (
        actor.is_system
        or actor.is_regulator
        or actor.org_id in (row.warehouse_org_id, row.holder_org_id)
    ):
        raise NotFound(f"goods {goods_id} not found")
    return row


def goods_dict(uow: UnitOfWork, goods_id: str) -> dict[str, Any]:
    """Confirmed goods with what is pledged on them (warehouse, holder and regulator only)."""
    row = _goods_visible(uow, goods_id)
    receipts = list(
        uow.session.scalars(
            select(GoodsReceiptRow.receipt_key).where(GoodsReceiptRow.goods_id == row.id)
        )
    )
    used = pledged_units(uow, row.id)
    return {
        "id": row.id,
        "warehouse_org_id": row.warehouse_org_id,
        "warehouse_uscc": row.warehouse_uscc,
        "holder_org_id": row.holder_org_id,
        "commodity": row.commodity,
        "grade": row.grade,
        "location": row.location,
        "lot": row.lot,
        "unit": row.unit,
        "quantity": str(units_to_decimal(row.quantity_units)),
        "pledged": str(units_to_decimal(used)),
        "free": str(units_to_decimal(row.quantity_units - used)),
        "receipts": receipts,
        "status": row.status,
        "confirmed_at": row.confirmed_at.isoformat(),
        "seq": row.seq,
    }


# ---------------------------------------------------------------- search and certificates


@dataclass(frozen=True)
class SearchQuery:
    grantor_uscc: str | None = None
    grantor_name: str | None = None
    tolerant: bool = False
    collateral: CollateralRef | None = None
    include_history: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "grantor_uscc": self.grantor_uscc,
            "grantor_name": self.grantor_name,
            "tolerant": self.tolerant,
            "collateral": {"kind": self.collateral.kind, "identifier": self.collateral.identifier}
            if self.collateral
            else None,
            "include_history": self.include_history,
        }


def search(uow: UnitOfWork, q: SearchQuery, limit: int = 200) -> list[dict[str, Any]]:
    """Registrations by grantor USCC, grantor name (exact or tolerant) or collateral.

    Public by design, like the PBOC registry; expired and cancelled registrations are
    returned too (with their status), since a search shows history.
    """
    given = [q.grantor_uscc, q.grantor_name, q.collateral]
    if sum(x is not None and x != "" for x in given) != 1:
        raise InvalidInput(
            "search by exactly one of grantor_uscc, grantor_name or collateral", field="query"
        )
    s = uow.session
    stmt = select(RegistrationRow).order_by(RegistrationRow.seq).limit(limit)
    if q.grantor_uscc:
        uscc = validate_uscc(q.grantor_uscc.strip().upper(), "grantor_uscc")
        sub = select(GrantorRow.registration_id).where(GrantorRow.uscc == uscc)
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    elif q.grantor_name:
        if q.tolerant:
            folded = fold_name(q.grantor_name)
            if not folded:
                raise InvalidInput("the name has no letters or digits", field="grantor_name")
            sub = select(GrantorRow.registration_id).where(GrantorRow.name_folded == folded)
        else:
            sub = select(GrantorRow.registration_id).where(
                GrantorRow.name == q.grantor_name.strip()
            )
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    else:
        assert q.collateral is not None
        k = _keys([q.collateral])[0]
        sub = select(CollateralRow.registration_id).where(
            CollateralRow.kind == k.kind,
            CollateralRow.key == k.key,
            CollateralRow.lo <= k.hi,
            CollateralRow.hi >= k.lo,
        )
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    if not q.include_history:
        stmt = stmt.where(
            RegistrationRow.cancelled_at.is_(None), RegistrationRow.expires_at > uow.now()
        )
    regs = list(s.scalars(stmt))
    infos = _info_many(uow, regs, with_objections=True)
    hist = _history(uow, [r.id for r in regs]) if q.include_history else {}
    out = []
    for info in infos:
        d = info.as_dict()
        if q.include_history:
            d["history"] = hist.get(info.id, [])
        out.append(d)
    return out


def search_certificate(uow: UnitOfWork, q: SearchQuery) -> dict[str, Any]:
    """A signed record of a search: the query, the time, the results and the log's head."""
    results = search(uow, q)
    head = latest_tree_head(uow)
    body = {
        "type": "scf-registry-search-certificate",
        "certificate_id": new_id("cert"),
        "query": q.as_dict(),
        "searched_at": uow.now().isoformat(),
        "result_count": len(results),
        "results": results,
        "log": {
            "tree_size": head["tree_size"],
            "root_hash": head["root_hash"],
            "tree_head_timestamp_ms": head["timestamp_ms"],
            "tree_head_signature": head["signature"],
        },
    }
    kid, sig = _sign(uow, signing.CERT_PREFIX + canonical(body))
    return {
        "certificate": body,
        "key_id": kid,
        "signature": base64.b64encode(sig).decode(),
        "signed_bytes": "CERT_PREFIX || canonical JSON of `certificate` (sorted keys, no spaces)",
    }


def verify_certificate(uow: UnitOfWork, cert: dict[str, Any]) -> bool:
    keys = {k["key_id"]: bytes.fromhex(k["public_key"]) for k in signing_keys(uow)}
    public = keys.get(str(cert.get("key_id")))
    if public is None:
        return False
    try:
        sig = base64.b64decode(str(cert.get("signature")))
    except ValueError:
        return False
    return signing.verify(public, signing.CERT_PREFIX + canonical(cert.get("certificate")), sig)


def certificate_html(cert: dict[str, Any]) -> str:
    """A printable page of a search certificate; every value is escaped."""
    c = cert["certificate"]
    e = html.escape
    rows = []
    for r in c["results"]:
        grantors = "; ".join(f"{g['name']} ({g['uscc']})" for g in r["grantors"])
        coll = "; ".join(f"{x['kind']}: {x['identifier']}" for x in r["collateral"])
        amount = f"{r['amount']['amount']} {r['amount']['currency']}" if r.get("amount") else ""
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{e(str(v))}</td>"
                for v in (
                    r["number"],
                    r["seq"],
                    r["kind"],
                    r["status"],
                    grantors,
                    f"{r['secured_party']['name']} ({r['secured_party']['uscc']})",
                    coll,
                    amount,
                    r["registered_at"],
                    r["expires_at"],
                )
            )
            + "</tr>"
        )
    query = json.dumps(c["query"], ensure_ascii=False, sort_keys=True)
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>Registry search certificate</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:4px;font-size:12px;vertical-align:top}"
        "code{word-break:break-all}@media print{body{margin:0}}</style></head><body>"
        "<h1>Registry search certificate 查询证明</h1>"
        f"<p>Certificate <code>{e(c['certificate_id'])}</code>, searched at "
        f"<b>{e(c['searched_at'])}</b></p>"
        f"<p>Query: <code>{e(query)}</code></p>"
        f"<p>{e(str(c['result_count']))} result(s).</p>"
        "<table><thead><tr><th>number</th><th>seq</th><th>kind</th><th>status</th>"
        "<th>grantors</th><th>secured party</th><th>collateral</th><th>amount</th>"
        "<th>registered</th><th>expires</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        f"<p>Log tree size <b>{e(str(c['log']['tree_size']))}</b>, root "
        f"<code>{e(str(c['log']['root_hash']))}</code></p>"
        f"<p>Signed with Ed25519 key <code>{e(str(cert['key_id']))}</code>: "
        f"<code>{e(str(cert['signature']))}</code></p>"
        "<p>Verify with the JSON form of this certificate and the registry's public keys "
        "(GET /api/v1/registry/log/keys).</p></body></html>"
    )


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


def parse_collateral(
    items: Sequence[dict[str, Any]], field_name: str = "collateral"
) -> list[CollateralRef]:
    """Collateral from JSON-like input: kind, identifier and an optional quantity string."""
    out = []
    for i, item in enumerate(items):
        qty = item.get("quantity")
        if isinstance(qty, float):
            raise InvalidInput(
                "give the quantity as a decimal string", field=f"{field_name}[{i}].quantity"
            )
        out.append(
            CollateralRef(
                str(item.get("kind", "")),
                str(item.get("identifier", "")),
                _decimal(qty, f"{field_name}[{i}].quantity") if qty not in (None, "") else None,
            )
        )
    return out


def _decimal(value: Any, field_name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(f"{value!r} is not a number", field=field_name) from None


def fold_query(name: str) -> str:
    """Show how a name is folded for the tolerant search."""
    return fold_name(name)
