"""Conflicts and priority: the live registrations on a collateral, and how they rank.

Every query here reads registrations that are neither cancelled nor expired and whose live
collateral overlaps the identifiers asked about, through the collateral index (kind, key,
lo). Rows carry the registration's columns under their own names (`views.REG_COLUMNS`), so
`views.info_many` takes them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from scf.core.db import UTCDateTime
from scf.core.uow import UnitOfWork
from scf.registry.model import (
    GOODS_KINDS,
    CollateralKey,
    CollateralRef,
    PriorityItem,
    collateral_keys,
    priority_order,
)
from scf.registry.tables import CollateralRow, GrantorRow, ObjectionRow, RegistrationRow
from scf.registry.views import (
    REG_COLUMNS,
    RegistrationInfo,
    info_many,
    info_of,
    read_objections,
)


def _from_collateral(c: Any, *columns: Any) -> Select[Any]:
    """Select columns of collateral `c` (the table or an alias of it) joined to its registration."""
    return select(*columns).join_from(c, RegistrationRow, c.registration_id == RegistrationRow.id)


def _live(c: Any, now: Any) -> tuple[Any, ...]:
    """Keep live collateral `c` of registrations neither cancelled nor expired at `now`."""
    return (
        c.removed_seq.is_(None),
        RegistrationRow.cancelled_at.is_(None),
        RegistrationRow.expires_at > now,
    )


def _live_overlap(c: Any) -> tuple[Any, ...]:
    """Live registrations whose collateral `c` (the table or an alias of it) overlaps the
    identifier in the binds kind, key, lo..hi, as of the bind now."""
    return (
        c.kind == bindparam("kind"),
        c.key == bindparam("key"),
        c.lo <= bindparam("hi"),
        c.hi >= bindparam("lo"),
        *_live(c, bindparam("now", type_=UTCDateTime)),
    )


_CONFLICT_ONE = _from_collateral(CollateralRow, *REG_COLUMNS).where(*_live_overlap(CollateralRow))


def live_conflict_rows(
    uow: UnitOfWork, keys: Sequence[CollateralKey], exclude_id: str | None = None
) -> list[Any]:
    """Live registrations on any of the keys, in sequence order: one indexed Core query.

    The collateral index (kind, key, lo) finds the few rows per identifier; the join keeps
    registrations that are neither cancelled nor expired. Rows carry the registration's
    columns under their own names, so `info_many` takes them as they are.
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
            _from_collateral(CollateralRow, *REG_COLUMNS)
            .where(or_(*conds), *_live(CollateralRow, now))
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
    return _from_collateral(
        c,
        *REG_COLUMNS,
        grantors.label("j_grantors"),
        collateral.label("j_collateral"),
        objected.label("objected"),
    ).where(*_live_overlap(c))


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
    keys = collateral_keys(collateral)
    conn = uow.session.connection()
    stmt = _CONFLICT_FULL.get(conn.dialect.name)
    if stmt is None or len(keys) > 4:
        return info_many(uow, live_conflict_rows(uow, keys), with_objections=True)
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
        read_objections(conn, objected, now, objections)
    out = []
    for r in rows:
        grantors = [g[2:] for g in sorted(_json_list(r.j_grantors), key=lambda g: (g[0], g[1]))]
        coll = [c[1:] for c in sorted(_json_list(r.j_collateral), key=lambda c: c[0])]
        out.append(info_of(r, grantors, coll, objections[r.id], now))
    return out


def partial_goods(ref: CollateralRef) -> bool:
    """A pledge of part of confirmed goods: the empty-pledge guard, which counts what is still
    free of every live pledge, decides it, not a conflict with an earlier registration."""
    return ref.kind in GOODS_KINDS and ref.quantity is not None


def blocking_conflicts(uow: UnitOfWork, collateral: list[CollateralRef]) -> list[RegistrationInfo]:
    """The live registrations that stand in the way of pledging the collateral again: every one
    on collateral other than goods, and on goods pledged whole (no quantity)."""
    refs = [r for r in collateral if not partial_goods(r)]
    return conflicts(uow, refs) if refs else []


def priority_report(
    uow: UnitOfWork, ref: CollateralRef, unregistered: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Rank every interest in one collateral per Civil Code Art. 414 and 768."""
    key = collateral_keys([ref])[0]
    regs = info_many(uow, live_conflict_rows(uow, [key]), with_objections=True)
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


_CHUNK = 500

_CONFLICT_MANY = _from_collateral(
    CollateralRow,
    *REG_COLUMNS,
    CollateralRow.key.label("c_key"),
    CollateralRow.lo.label("c_lo"),
    CollateralRow.hi.label("c_hi"),
).where(
    CollateralRow.kind == bindparam("kind"),
    CollateralRow.key.in_(bindparam("keys", expanding=True)),
    *_live(CollateralRow, bindparam("now", type_=UTCDateTime)),
)


def live_rows_by_key(
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
