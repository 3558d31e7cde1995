"""The replay: rebuild every registry table from the log's leaves and compare it with the rows.

The tables are mutable current state; the log is what the signed heads commit to. Every
stored column is either rebuilt from the leaves (the records, the entry's own time and
sequence number) or derived from what is (a folded name, a collateral's lookup key, a row
version that counts the changes), and `COVERAGE` says which for each; a test holds it to
the tables' metadata. Leaves written before a field entered the records leave that field
unrecorded (`UNRECORDED`), and it is not compared for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scf.core.errors import DomainError
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.registry.model import (
    CollateralKind,
    CollateralRef,
    Operation,
    collateral_key,
    fold_name,
    quantity_units,
)
from scf.registry.tables import (
    AgencyRow,
    CollateralRow,
    EntryRow,
    GoodsReceiptRow,
    GoodsRow,
    GrantorRow,
    ObjectionRow,
)

UNRECORDED: Any = "<unrecorded>"

# How the verifier checks each stored column of each registry table. A surrogate key that no
# record names and nothing reads for its value (the order rows were inserted in) is the only
# thing left out, and said so.
_LEAF = "rebuilt from the log's records"
_AT = "the time of the log entry that wrote it"
_SEQ = "the sequence number of the log entry that wrote it"
_VERSION = "1 plus the log entries that changed the row"
_SURROGATE = "not checked: a surrogate key no record names; rows are matched by content"
# Tables of the room that hold no registry record, so the log has nothing to check them by.
OPERATIONAL: dict[str, str] = {
    "registry_idempotency": (
        "the commands' Idempotency-Keys and the answers stored for replay; what the commands"
        " did is in the log and checked there"
    ),
}
COVERAGE: dict[str, dict[str, str]] = {
    "registry_registration": {
        "id": _LEAF,
        "number": _LEAF,
        "seq": _SEQ,
        "kind": _LEAF,
        "secured_party_org_id": _LEAF,
        "secured_party_uscc": _LEAF,
        "secured_party_name": _LEAF,
        "filer_user_id": _LEAF,
        "filer_org_id": _LEAF,
        "amount_minor": _LEAF,
        "currency": _LEAF,
        "description": _LEAF,
        "starts_at": _LEAF,
        "expires_at": _LEAF,
        "registered_at": _AT,
        "updated_at": "the time of the last entry that changed its terms",
        "cancelled_at": _AT,
        "cancel_reason": _LEAF,
        "last_seq": "the last entry that changed its terms",
        "version": _VERSION,
    },
    "registry_grantor": {
        "id": _SURROGATE,
        "registration_id": "the registration whose initial entry lists it",
        "org_id": _LEAF,
        "uscc": _LEAF,
        "name": _LEAF,
        "name_folded": "derived: fold_name(name)",
        "position": "its place in the initial entry's list",
    },
    "registry_collateral": {
        "id": "its order among the registration's collateral (insertion order)",
        "registration_id": "the registration whose entry adds it",
        "kind": _LEAF,
        "key": "derived: the normalized key of kind and identifier",
        "lo": "derived: the normalized key of kind and identifier",
        "hi": "derived: the normalized key of kind and identifier",
        "identifier": _LEAF,
        "description": _LEAF,
        "goods_id": _LEAF,
        "quantity_units": _LEAF,
        "added_seq": _SEQ,
        "removed_seq": "the amendment entry that removed it",
    },
    "registry_objection": {
        "id": _LEAF,
        "registration_id": "the registration its entry is filed under",
        "objector_org_id": _LEAF,
        "reason": _LEAF,
        "filed_at": _AT,
        "lapses_at": _LEAF,
        "litigated_at": "the time of its litigation entry",
        "case_reference": _LEAF,
        "seq": _SEQ,
        "version": _VERSION,
    },
    "registry_agency": {
        "id": _LEAF,
        "principal_org_id": _LEAF,
        "agent_org_id": _LEAF,
        "granted_at": _AT,
        "revoked_at": "the time of its revocation entry",
        "version": _VERSION,
    },
    "registry_goods": {
        "id": _LEAF,
        "warehouse_org_id": _LEAF,
        "warehouse_uscc": _LEAF,
        "holder_org_id": _LEAF,
        "commodity": _LEAF,
        "grade": _LEAF,
        "location": _LEAF,
        "unit": _LEAF,
        "quantity_units": _LEAF,
        "lot_key": "derived: the normalized inventory key of commodity and lot",
        "lot": _LEAF,
        "status": "held, or released by a release entry",
        "confirmed_at": _AT,
        "released_at": "the time of its release entry",
        "seq": _SEQ,
        "version": _VERSION,
    },
    "registry_goods_receipt": {
        "id": _SURROGATE,
        "goods_id": "the goods whose confirmation entry lists it",
        "receipt_key": _LEAF,
    },
    "registry_entry": {
        "seq": "the position of the leaf, and the seq inside its bytes",
        "op": "the op inside its bytes",
        "registration_id": "the registration its record names (replayed under it)",
        "at": "the time inside its bytes",
        "data": "hashed into the tree the signed heads commit to",
    },
    "registry_log_node": {
        "level": "recomputed from the leaves",
        "idx": "recomputed from the leaves",
        "hash": "recomputed from the leaves",
    },
    "registry_log_state": {
        "id": "the one row; missing while entries exist is reported",
        "size": "the number of stored entries",
        "last_sth_size": "the size of the newest signed head",
        "last_sth_at": "the time of the newest signed head",
        "frontier": "recomputed from the leaves",
    },
    "registry_tree_head": {
        "tree_size": "the root recomputed at that size",
        "root_hash": "the root recomputed at that size",
        "timestamp_ms": "signed by the chain's key",
        "key_id": "the chain's key at that size",
        "signature": "verified with the chain's key",
    },
    "registry_signing_key": {
        "key_id": "the key chain: first key (pinned) or a rotation entry",
        "public_key": "the key chain: first key (pinned) or a rotation entry",
        "algorithm": "the key chain: first key (pinned) or a rotation entry",
        "first_used_at": "the first head it signed, or its rotation entry's time",
        "seq": "its rotation entry",
    },
    "registry_cosignature": {
        "id": _SURROGATE,
        "tree_size": "a stored signed head",
        "timestamp_ms": "a stored signed head",
        "root_hash": "a stored signed head",
        "witness_key_id": "derived from the witness key",
        "witness_public_key": "verifies the signature",
        "witnessed_ms": "signed by the witness",
        "signature": "verified with the witness key",
    },
}


def _time(text: Any) -> Any:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return text


def _units(quantity: Any) -> Any:
    if quantity is None:
        return None
    try:
        return quantity_units(str(quantity))
    except DomainError:
        return quantity


def _key(kind: str, identifier: str) -> tuple[str, int, int] | None:
    try:
        k = collateral_key(CollateralRef(kind, identifier))
    except DomainError:
        return None
    return k.key, k.lo, k.hi


def _collateral(c: dict[str, Any], seq: int) -> dict[str, Any]:
    """A collateral as its record adds it at entry `seq` (fields older records lack: unrecorded)."""
    key = _key(c["kind"], c["identifier"])
    return {
        "kind": c["kind"],
        "identifier": c["identifier"],
        "key": key,
        "description": c.get("description", UNRECORDED),
        "goods_id": c.get("goods", UNRECORDED),
        "quantity_units": _units(c["quantity"]) if "quantity" in c else UNRECORDED,
        "added_seq": seq,
        "removed_seq": None,
    }


def _initial_state(seq: int, at: datetime, rec: dict[str, Any]) -> dict[str, Any]:
    """A registration's state as its initial registration's leaf records it."""
    sp, filer = rec["secured_party"], rec.get("filer") or {}
    return {
        "id": rec.get("id", UNRECORDED),
        "seq": seq,
        "kind": rec["kind"],
        "secured_party_org_id": sp.get("org_id", UNRECORDED),
        "secured_party_uscc": sp["uscc"],
        "secured_party_name": sp["name"],
        "filer_user_id": filer.get("user_id", UNRECORDED),
        "filer_org_id": filer.get("org_id", UNRECORDED),
        "amount": rec["amount"],
        "description": rec["description"],
        "starts_at": _time(rec["starts_at"]),
        "expires_at": _time(rec["expires_at"]),
        "registered_at": at,
        "updated_at": at,
        "cancelled_at": None,
        "cancel_reason": None,
        "last_seq": seq,
        "version": 1,
        "grantors": [
            {
                "org_id": g.get("org_id", UNRECORDED),
                "uscc": g["uscc"],
                "name": g["name"],
                "name_folded": fold_name(g["name"]),
                "position": i,
            }
            for i, g in enumerate(rec["grantors"])
        ],
        "collateral": [_collateral(c, seq) for c in rec["collateral"]],
    }


def _changed(state: dict[str, Any], seq: int, at: datetime) -> None:
    state["last_seq"] = seq
    state["updated_at"] = at
    state["version"] += 1


def _apply_change(
    state: dict[str, Any],
    objections: dict[str, dict[str, Any]],
    seq: int,
    at: datetime,
    rec: dict[str, Any],
) -> None:
    """Apply a later leaf of the registration to its replayed state and objections."""
    op = rec.get("op")
    if op == Operation.AMENDMENT:
        changes = rec.get("changes", {})
        for name in ("amount", "description"):
            if name in changes:
                state[name] = changes[name]
        for c in changes.get("remove_collateral", []):
            key = (c["kind"], _key(c["kind"], c["identifier"]))
            for item in state["collateral"]:
                if item["removed_seq"] is None and (item["kind"], item["key"]) == key:
                    item["removed_seq"] = seq
        state["collateral"].extend(_collateral(c, seq) for c in changes.get("add_collateral", []))
        _changed(state, seq, at)
    elif op == Operation.EXTENSION:
        state["expires_at"] = _time(rec["expires_at"])
        _changed(state, seq, at)
    elif op == Operation.CANCELLATION:
        state["cancelled_at"] = at
        state["cancel_reason"] = rec["reason"]
        _changed(state, seq, at)
    elif op == Operation.OBJECTION:
        objections[rec["objection"]] = {
            "objector_org_id": rec.get("objector_org_id", UNRECORDED),
            "reason": rec.get("reason", UNRECORDED),
            "filed_at": at,
            "lapses_at": _time(rec["lapses_at"]),
            "litigated_at": None,
            "case_reference": None,
            "seq": seq,
            "version": 1,
        }
    elif op == Operation.OBJECTION_LITIGATED:
        o = objections.setdefault(rec["objection"], {"version": 1})
        o.update(litigated_at=at, case_reference=rec["case_reference"], version=o["version"] + 1)


def replay(number: str, entries_of: Sequence[Any]) -> tuple[dict[str, Any], list[str]]:
    """Rebuild a registration's state from its log leaves (seq, data, at), in sequence order."""
    state: dict[str, Any] = {}
    problems: list[str] = []
    objections: dict[str, dict[str, Any]] = {}
    for seq, data, at in entries_of:
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
        if rec.get("op") == Operation.INITIAL:
            state = _initial_state(seq, at, rec)
        elif not state:
            problems.append(f"entry {seq} ({rec.get('op')}) comes before the initial registration")
        else:
            _apply_change(state, objections, seq, at, rec)
    state["objections"] = objections
    return state, problems


def _amount(minor: int | None, currency: str | None) -> Any:
    """A stored amount as records hold it; a half or unknown one as its raw columns."""
    if minor is None and currency is None:
        return None
    try:
        return Money(minor, currency).as_json()  # type: ignore[arg-type]
    except (DomainError, TypeError, ValueError):
        return {"amount_minor": minor, "currency": currency}


def stored_state(
    reg: Any, grantors: list[Any], coll: list[Any], objections: list[Any]
) -> dict[str, Any]:
    """A registration's rows in the shape `replay` rebuilds."""
    return {
        **{name: getattr(reg, name) for name in COVERAGE["registry_registration"]},
        "amount": _amount(reg.amount_minor, reg.currency),
        "grantors": [
            {n: getattr(g, n) for n in ("org_id", "uscc", "name", "name_folded", "position")}
            for g in sorted(grantors, key=lambda g: (g.position, g.id))
        ],
        "collateral": [
            {
                "kind": c.kind,
                "identifier": c.identifier,
                "key": (c.key, c.lo, c.hi),
                "description": c.description,
                "goods_id": c.goods_id,
                "quantity_units": c.quantity_units,
                "added_seq": c.added_seq,
                "removed_seq": c.removed_seq,
            }
            for c in sorted(coll, key=lambda c: (c.added_seq, c.id))
        ],
        "objections": {
            o.id: {
                n: getattr(o, n)
                for n in COVERAGE["registry_objection"]
                if n not in ("id", "registration_id")
            }
            for o in objections
        },
    }


def _same(want: Any, got: Any) -> bool:
    if want is UNRECORDED or (isinstance(want, str) and want == UNRECORDED):
        return True
    if isinstance(want, dict) and isinstance(got, dict):
        return set(want) <= set(got) and all(_same(v, got[k]) for k, v in want.items())
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(_same(a, b) for a, b in zip(want, got, strict=True))
    return bool(want == got)


def differences(logged: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """Every field of `logged` that `stored` holds otherwise, named with both values."""
    out = []
    for name, want in logged.items():
        got = stored.get(name)
        if name == "objections":
            for oid in sorted(set(want) | set(got or {})):
                if not _same(want.get(oid), (got or {}).get(oid)):
                    out.append(
                        f"objection {oid}: table {(got or {}).get(oid)}, log {want.get(oid)}"
                    )
        elif not _same(want, got):
            out.append(f"{name}: table {got!r}, log {want!r}")
    return out


def _ops(uow: UnitOfWork, ops: Sequence[Operation]) -> Iterator[tuple[int, datetime, Any]]:
    """The leaves of some operations, in sequence order: (seq, at, record)."""
    last = 0
    while True:
        rows = list(
            uow.session.execute(
                select(EntryRow.seq, EntryRow.at, EntryRow.data)
                .where(EntryRow.seq > last, EntryRow.op.in_([o.value for o in ops]))
                .order_by(EntryRow.seq)
                .limit(2000)
            )
        )
        if not rows:
            return
        last = rows[-1].seq
        for seq, at, data in rows:
            try:
                yield seq, at, json.loads(bytes(data))
            except ValueError:
                continue


@dataclass
class _Rows:
    """What a table's rows should be by id (from the log) and what they are."""

    what: str
    logged: dict[str, dict[str, Any]]
    stored: dict[str, dict[str, Any]]

    def problems(self) -> list[str]:
        out = []
        for rid in sorted(set(self.logged) | set(self.stored)):
            want, got = self.logged.get(rid), self.stored.get(rid)
            if got is None:
                out.append(f"{self.what} {rid} is in the log but not in the table")
            elif want is None:
                out.append(f"{self.what} {rid} is in the table but no log entry records it")
            else:
                out.extend(f"{self.what} {rid}: {d}" for d in differences(want, got))
        return out


def verify_goods(uow: UnitOfWork) -> list[str]:
    """Replay goods confirmations and releases against the goods and receipt tables."""
    logged: dict[str, dict[str, Any]] = {}
    for seq, at, rec in _ops(uow, [Operation.GOODS_CONFIRMED, Operation.GOODS_RELEASED]):
        gid = str(rec.get("goods"))
        if rec.get("op") == Operation.GOODS_RELEASED and gid in logged:
            logged[gid].update(status="released", released_at=at, version=2)
            continue
        wh = rec.get("warehouse") or {}
        lot = _key(CollateralKind.INVENTORY, f"{rec.get('commodity')}/{rec.get('lot')}")
        logged[gid] = {
            "warehouse_org_id": wh.get("org_id", UNRECORDED),
            "warehouse_uscc": wh.get("uscc"),
            "holder_org_id": rec.get("holder_org_id", UNRECORDED),
            **{n: rec.get(n) for n in ("commodity", "grade", "location", "unit", "lot")},
            "quantity_units": _units(rec.get("quantity")),
            "lot_key": lot[0] if lot else None,
            "status": "held",
            "confirmed_at": at,
            "released_at": None,
            "seq": seq,
            "version": 1,
            "receipts": sorted(rec.get("receipts") or []),
        }
    receipts: dict[str, list[str]] = {}
    for goods_id, key in uow.session.execute(
        select(GoodsReceiptRow.goods_id, GoodsReceiptRow.receipt_key)
    ):
        receipts.setdefault(goods_id, []).append(key)
    stored = {
        g.id: {
            **{n: getattr(g, n) for n in COVERAGE["registry_goods"] if n != "id"},
            "receipts": sorted(receipts.pop(g.id, [])),
        }
        for g in uow.session.scalars(select(GoodsRow))
    }
    out = _Rows("goods", logged, stored).problems()
    out.extend(
        f"receipts {sorted(keys)} name goods {gid} that are not stored"
        for gid, keys in receipts.items()
    )
    return out


def verify_agencies(uow: UnitOfWork) -> list[str]:
    """Replay agency grants and revocations against the agency table."""
    logged: dict[str, dict[str, Any]] = {}
    for _, at, rec in _ops(uow, [Operation.AGENCY_GRANTED, Operation.AGENCY_REVOKED]):
        aid = str(rec.get("agency"))
        if rec.get("op") == Operation.AGENCY_REVOKED and aid in logged:
            logged[aid].update(revoked_at=at, version=2)
            continue
        logged[aid] = {
            "principal_org_id": rec.get("principal_org_id"),
            "agent_org_id": rec.get("agent_org_id"),
            "granted_at": at,
            "revoked_at": None,
            "version": 1,
        }
    stored = {
        a.id: {n: getattr(a, n) for n in COVERAGE["registry_agency"] if n != "id"}
        for a in uow.session.scalars(select(AgencyRow))
    }
    return _Rows("agency", logged, stored).problems()


@dataclass
class Parts:
    """A batch of registrations' log leaves and stored grantors, collateral and objections."""

    logged: dict[str, list[Any]]
    grantors: dict[str, list[Any]]
    collateral: dict[str, list[Any]]
    objections: dict[str, list[Any]]

    @classmethod
    def read(cls, uow: UnitOfWork, ids: list[str]) -> Parts:
        """Read the parts of the registrations `ids`, four queries in all."""
        s = uow.session
        logged: dict[str, list[Any]] = {i: [] for i in ids}
        for e in s.execute(
            select(EntryRow.registration_id, EntryRow.seq, EntryRow.data, EntryRow.at)
            .where(EntryRow.registration_id.in_(ids))
            .order_by(EntryRow.seq)
        ):
            logged[e.registration_id].append((e.seq, e.data, e.at))
        stored: list[dict[str, list[Any]]] = []
        tables: tuple[Any, ...] = (GrantorRow, CollateralRow, ObjectionRow)
        for table in tables:
            rows: dict[str, list[Any]] = {i: [] for i in ids}
            for row in s.scalars(select(table).where(table.registration_id.in_(ids))):
                rows[row.registration_id].append(row)
            stored.append(rows)
        grantors, collateral, objections = stored
        return cls(logged, grantors, collateral, objections)

    def differences(self, reg: Any) -> list[str]:
        """How the stored registration differs from its replay of the log."""
        entries_of = self.logged[reg.id]
        if not entries_of:
            return ["no log entry records it: it was never filed through the registry"]
        want, diffs = replay(reg.number, entries_of)
        if want:
            stored = stored_state(
                reg, self.grantors[reg.id], self.collateral[reg.id], self.objections[reg.id]
            )
            diffs += differences(want, stored)
        return diffs
