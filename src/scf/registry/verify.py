"""The verifier: rebuild the log's tree and every registration from the stored leaves.

`verify_log` recomputes every subtree hash and signed head from the stored entries and names
the first bad one; `verify_registrations` replays the log to rebuild every registration and
compares it with the mutable registration tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scf.core.uow import UnitOfWork
from scf.registry import merkle, replay, trust
from scf.registry.cosign import check_cosignatures
from scf.registry.log import LOG_STATE_ID
from scf.registry.model import Operation
from scf.registry.tables import (
    EntryRow,
    LogStateRow,
    NodeRow,
    RegistrationRow,
    SigningKeyRow,
    TreeHeadRow,
)
from scf.registry.trust import TrustedHead


@dataclass
class VerifyReport:
    ok: bool
    tree_size: int
    heads_checked: int
    first_bad_seq: int | None
    # the first registration (by sequence) whose stored state differs from its log replay
    first_bad_registration: str | None = None
    registrations_checked: int = 0
    problems: list[str] = field(default_factory=list)
    # the signing keys in the order the log introduced them, and whether the first was pinned
    key_chain: list[str] = field(default_factory=list)
    first_key_pinned: bool = False
    # None without a saved head; else whether the log still holds exactly its entries
    consistent_with_trusted_head: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_log(
    uow: UnitOfWork,
    batch: int = 5000,
    *,
    trusted_key: bytes | None = None,
    trusted_head: TrustedHead | None = None,
) -> VerifyReport:
    """Recompute the whole tree from the stored leaves and check every stored hash and head.

    Names the first bad entry: a changed leaf (its hash differs from the stored one or from
    what the signed heads committed to), a missing one (a gap in the sequence), or one out
    of place (the sequence number inside its bytes differs from its position). Heads are
    checked against the key chain from `trusted_key` (else the key table's first key), and
    the log against `trusted_head`, a head an earlier verification saved.
    """
    s = uow.session
    heads = list(s.scalars(select(TreeHeadRow).order_by(TreeHeadRow.tree_size)))
    key_rows = list(s.scalars(select(SigningKeyRow)))
    problems: list[str] = []
    chain = trust.first_key(key_rows, trusted_key, problems)
    walk = _Walk(heads, chain, trusted_head, problems=problems, bad=chain.bad)
    state = s.get(LogStateRow, LOG_STATE_ID)
    last_seq = 0
    while True:
        rows = list(
            s.execute(
                select(
                    EntryRow.seq, EntryRow.data, EntryRow.op, EntryRow.at, EntryRow.registration_id
                )
                .where(EntryRow.seq > last_seq)
                .order_by(EntryRow.seq)
                .limit(batch)
            )
        )
        if not rows:
            break
        computed = walk.leaves(rows)
        last_seq = rows[-1].seq
        _compare_nodes(uow, computed, walk.problems, walk.subtree_bad)
    walk.finish(state.size if state is not None else None)
    bad, count = walk.bad, walk.count
    trust.check_key_table(chain, key_rows, heads, problems)
    check_cosignatures(uow, problems)
    consistent = None
    if trusted_head is not None:
        consistent = walk.trusted_ok and not trusted_head.shrunk(count, problems)
    walk.check_state(state, heads)
    state_problems, first_reg, checked = verify_registrations(uow)
    problems.extend(state_problems)
    problems.extend(replay.verify_goods(uow))
    problems.extend(replay.verify_agencies(uow))
    return VerifyReport(
        ok=not problems,
        tree_size=count,
        heads_checked=len(heads),
        problems=problems,
        first_bad_seq=min(bad) if bad else None,
        first_bad_registration=first_reg,
        registrations_checked=checked,
        key_chain=chain.ids(),
        first_key_pinned=chain.pinned,
        consistent_with_trusted_head=consistent,
    )


@dataclass
class _Walk:
    """The tree rebuilt leaf by leaf from the stored entries, checked against the heads."""

    heads: list[TreeHeadRow]
    chain: trust.KeyChain
    trusted: TrustedHead | None
    problems: list[str] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)
    trusted_ok: bool = True
    # stored subtree hashes found wrong, as the entries they cover
    subtree_bad: list[tuple[int, int]] = field(default_factory=list)
    frontier: dict[int, bytes] = field(default_factory=dict)
    count: int = 0
    head_i: int = 0
    last_good_head: int = 0

    def leaves(self, rows: Sequence[Any]) -> dict[tuple[int, int], bytes]:
        """Add a batch of stored entries in order; return the subtree hashes they complete."""
        problems, bad, frontier, heads = self.problems, self.bad, self.frontier, self.heads
        computed: dict[tuple[int, int], bytes] = {}
        for seq, data, op, at, registration_id in rows:
            data = bytes(data)
            expected = self.count + 1
            if seq != expected:
                problems.append(
                    f"entry {expected} is missing: the next stored entry is {seq}"
                    if seq > expected
                    else f"entry {seq} is stored twice"
                )
                bad.append(expected)
            try:
                rec = json.loads(data)
                inner = rec.get("seq")
            except (ValueError, AttributeError):
                rec, inner = {}, None
            if inner != seq:
                problems.append(f"entry {seq} holds the record of entry {inner}: out of place")
                bad.append(seq)
            self._columns(seq, op, at, rec, registration_id)
            leaf = merkle.leaf_hash(data)
            for level, idx, h in merkle.new_blocks(self.count, leaf, frontier):
                frontier[level] = h
                computed[(level, idx)] = h
            self.count += 1
            if rec.get("op") == Operation.KEY_ROTATION:
                self.chain.rotate(seq, rec, at)
            if self.trusted is not None and self.trusted.tree_size == self.count:
                n = len(problems)
                self.trusted.check(self.chain, self._root(), problems)
                self.trusted_ok = len(problems) == n
            while self.head_i < len(heads) and heads[self.head_i].tree_size <= self.count:
                self._check_head(heads[self.head_i])
                self.head_i += 1
        return computed

    def _columns(
        self, seq: int, op: str, at: datetime, rec: dict[str, Any], registration_id: str | None
    ) -> None:
        """The entry's stored columns beside its bytes say what the bytes say."""
        try:
            same = op == rec.get("op") and at == datetime.fromisoformat(str(rec.get("at")))
        except ValueError:
            same = False
        # an entry about a registration is replayed under it, so it must be filed under one
        same = same and (registration_id is None) == ("registration" not in rec)
        if not same:
            self.problems.append(
                f"entry {seq}: its stored op or time ({op}, {at.isoformat()}) differs from its "
                f"record ({rec.get('op')}, {rec.get('at')})"
            )
            self.bad.append(seq)

    def check_state(self, state: LogStateRow | None, heads: list[TreeHeadRow]) -> None:
        """The locked log row: its size, newest head and frontier, as the entries give them."""
        if state is None:
            if self.count:
                self.problems.append("the log's state row is missing")
            return
        newest = heads[-1] if heads else None
        if state.last_sth_size != (newest.tree_size if newest else 0):
            self.problems.append(
                f"the log's state names head {state.last_sth_size} as its newest, the heads "
                f"say {newest.tree_size if newest else 0}"
            )
        at = state.last_sth_at
        if (at is None) != (newest is None) or (
            at is not None
            and newest is not None
            and int(at.timestamp() * 1000) != newest.timestamp_ms
        ):
            self.problems.append("the log's state gives another time for its newest head")
        blocks = merkle.aligned_blocks(0, self.count)
        front = b"".join(self.frontier[lv] for lv, _ in blocks)
        if state.frontier is not None and bytes(state.frontier) != front:
            self.problems.append("the log's kept frontier differs from the stored entries'")

    def _root(self) -> bytes:
        blocks = merkle.aligned_blocks(0, self.count)
        return merkle.fold_blocks([self.frontier[lv] for lv, _ in blocks])

    def _check_head(self, head: TreeHeadRow) -> None:
        """Check a head against the root of the leaves so far, if it covers exactly those."""
        count = self.count
        if head.tree_size < count:
            return
        root = self._root()
        if bytes(head.root_hash) != root:
            self.problems.append(
                f"signed tree head {head.tree_size} does not match the stored entries: "
                f"an entry in {self.last_good_head + 1}..{head.tree_size} was changed"
            )
            self.bad.append(self.last_good_head + 1)
        else:
            self.last_good_head = head.tree_size
        self.chain.check_head(head)

    def finish(self, state_size: int | None) -> None:
        """Name the heads beyond the stored entries, a wrong log size and bad subtree hashes."""
        count, problems, bad = self.count, self.problems, self.bad
        for head in self.heads[self.head_i :]:
            problems.append(
                f"signed tree head {head.tree_size} covers entries that are not stored "
                f"(only {count}): entry {count + 1} was removed"
            )
            bad.append(count + 1)
            self.chain.check_head(head)
        if state_size is not None and state_size != count:
            problems.append(f"the log records {state_size} entries but {count} are stored")
            bad.append(min(state_size, count) + 1)
        for lo, hi in self.subtree_bad:  # a wrong stored hash above leaves that are themselves fine
            if not any(lo <= b <= hi for b in bad):
                bad.append(lo)


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
    r = RegistrationRow.__table__
    while len(problems) < limit:
        regs = list(s.execute(select(r).where(r.c.seq > last).order_by(r.c.seq).limit(batch)))
        if not regs:
            break
        last = regs[-1].seq
        parts = replay.Parts.read(uow, [x.id for x in regs])
        for reg in regs:
            checked += 1
            diffs = parts.differences(reg)
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
