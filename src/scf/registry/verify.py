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

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.registry import merkle, trust
from scf.registry.cosign import check_cosignatures
from scf.registry.log import LOG_STATE_ID
from scf.registry.model import Operation, units_to_decimal
from scf.registry.tables import (
    CollateralRow,
    EntryRow,
    GrantorRow,
    LogStateRow,
    NodeRow,
    ObjectionRow,
    RegistrationRow,
    SigningKeyRow,
    TreeHeadRow,
)
from scf.registry.trust import TrustedHead
from scf.registry.views import REG_COLUMNS


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
                select(EntryRow.seq, EntryRow.data, EntryRow.op, EntryRow.at)
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
        for seq, data, op, at in rows:
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
            self._columns(seq, op, at, rec)
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

    def _columns(self, seq: int, op: str, at: datetime, rec: dict[str, Any]) -> None:
        """The entry's stored columns beside its bytes say what the bytes say."""
        try:
            same = op == rec.get("op") and at == datetime.fromisoformat(str(rec.get("at")))
        except ValueError:
            same = False
        if not same:
            self.problems.append(
                f"entry {seq}: its stored op or time ({op}, {at.isoformat()}) differs from its "
                f"record ({rec.get('op')}, {rec.get('at')})"
            )
            self.bad.append(seq)

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
            state = _initial_state(seq, rec)
        elif not state:
            problems.append(f"entry {seq} ({op}) comes before the initial registration")
        else:
            _apply_change(state, objections, seq, op, rec)
    state["objections"] = objections
    return state, problems


def _initial_state(seq: int, rec: dict[str, Any]) -> dict[str, Any]:
    """A registration's state as its initial registration's leaf records it."""
    return {
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
        "collateral": {(c["kind"], c["identifier"]): c.get("quantity") for c in rec["collateral"]},
        "last_seq": seq,
    }


def _apply_change(
    state: dict[str, Any],
    objections: dict[str, dict[str, Any]],
    seq: int,
    op: Any,
    rec: dict[str, Any],
) -> None:
    """Apply a later leaf of the registration to its replayed state and objections."""
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
        objections.setdefault(rec["objection"], {"lapses_at": None})["case"] = rec["case_reference"]


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
                select(*REG_COLUMNS, r.cancel_reason)
                .where(r.seq > last)
                .order_by(r.seq)
                .limit(batch)
            )
        )
        if not regs:
            break
        last = regs[-1].seq
        parts = _Parts.read(uow, [x.id for x in regs])
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


@dataclass
class _Parts:
    """A batch of registrations' log leaves and stored grantors, collateral and objections."""

    logged: dict[str, list[Any]]
    grantors: dict[str, list[Any]]
    collateral: dict[str, list[Any]]
    objections: dict[str, list[Any]]

    @classmethod
    def read(cls, uow: UnitOfWork, ids: list[str]) -> _Parts:
        """Read the parts of the registrations `ids`, four queries in all."""
        s = uow.session
        logged: dict[str, list[Any]] = {i: [] for i in ids}
        for e in s.execute(
            select(EntryRow.registration_id, EntryRow.seq, EntryRow.data)
            .where(EntryRow.registration_id.in_(ids))
            .order_by(EntryRow.seq)
        ):
            logged[e.registration_id].append((e.seq, e.data))
        g, c, o = GrantorRow, CollateralRow, ObjectionRow
        stored: list[dict[str, list[Any]]] = []
        for stmt in (
            select(g.registration_id, g.uscc, g.name)
            .where(g.registration_id.in_(ids))
            .order_by(g.registration_id, g.position),
            select(c.registration_id, c.kind, c.identifier, c.quantity_units).where(
                c.registration_id.in_(ids), c.removed_seq.is_(None)
            ),
            select(o.registration_id, o.id, o.lapses_at, o.case_reference).where(
                o.registration_id.in_(ids)
            ),
        ):
            rows: dict[str, list[Any]] = {i: [] for i in ids}
            for row in s.execute(stmt):
                rows[row.registration_id].append(row)
            stored.append(rows)
        grantors, collateral, objections = stored
        return cls(logged, grantors, collateral, objections)

    def differences(self, reg: Any) -> list[str]:
        """How the stored registration differs from its replay of the log."""
        entries_of = self.logged[reg.id]
        if not entries_of:
            return ["no log entry records it: it was never filed through the registry"]
        want, diffs = _replay(reg.number, entries_of)
        if want:
            stored = _stored_state(
                reg, self.grantors[reg.id], self.collateral[reg.id], self.objections[reg.id]
            )
            diffs += _differences(want, stored)
        return diffs


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
