"""Initial registrations: one filing, a batch, and the group commit of the sequencer's step.

Every path checks a filing the same way (`_check_filing`, then who may file), takes the log
lock, runs the empty-pledge guard, and lands the filing with `_land`: its rows, its log leaf
and its audit entry, all in the caller's transaction. A filing lands even over a prior
conflict, which it reports, unless the caller asks to refuse it (`register_in`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from scf.core.actor import Actor
from scf.core.bounds import TEXT_MAX, check_decimal_bound, check_text
from scf.core.errors import Conflict, DomainError, ErrorCollector, InvalidInput
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.sequencer import acting
from scf.core.uow import AuditItem, UnitOfWork
from scf.parties import service as parties
from scf.registry.agency import filer_record, may_file_for
from scf.registry.conflicts import live_conflict_rows, live_rows_by_key, partial_goods
from scf.registry.goods import Draw, goods_draws
from scf.registry.log import LogState, append, append_many, lock_state
from scf.registry.model import (
    GOODS_KINDS,
    CollateralKey,
    CollateralRef,
    Operation,
    RegistrationKind,
    Status,
    add_months,
    check_period,
    fold_name,
    keys_into,
    parse_kind,
    registration_number,
    units_to_decimal,
)
from scf.registry.tables import CollateralRow, GrantorRow, RegistrationRow, core_table
from scf.registry.views import FilingResult, RegistrationInfo, info_many

MAX_BATCH = 10_000


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
        dec = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(f"{value!r} is not a number", field=field_name) from None
    if not dec.is_finite():
        raise InvalidInput(f"{value!r} is not a number", field=field_name)
    return check_decimal_bound(dec, field_name)


def check_amount(amount: Money | None, errs: ErrorCollector, field_name: str = "amount") -> None:
    """Refuse a secured or maximum amount that is not positive."""
    if amount is not None and not amount.is_positive():
        errs.add(field_name, "the secured or maximum amount must be positive")


# ---------------------------------------------------------------- checks


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


def _check_texts(data: FilingInput, errs: ErrorCollector, at: str) -> None:
    """Refuse control characters and overlong descriptions (also on the CLI and batch paths)."""
    texts = [("description", data.description, TEXT_MAX)] + [
        (f"collateral_descriptions[{i}]", d, 2000)
        for i, d in enumerate(data.collateral_descriptions or [])
    ]
    for name, value, limit in texts:
        try:
            check_text(value, f"{at}{name}", max_length=limit)
        except InvalidInput as exc:
            errs.errors.extend(exc.errors)


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
    check_amount(data.amount, errs, f"{at}amount")
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
    _check_texts(data, errs, at)
    keys = keys_into(collateral, f"{at}collateral", errs)
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
    c.agent = may_file_for(uow, c.secured.id)


def _goods_draws(uow: UnitOfWork, c: _Checked, at: str = "") -> list[Draw]:
    """The empty-pledge guard under the log lock: goods and units drawn per collateral."""
    return goods_draws(uow, c.collateral, c.keys, [g.id for g in c.grantors], f"{at}collateral")


# ---------------------------------------------------------------- landing


_REG_INSERT = core_table(RegistrationRow).insert()
_GRANTOR_INSERT = core_table(GrantorRow).insert()
_COLLATERAL_INSERT = core_table(CollateralRow).insert()


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


@dataclass(frozen=True)
class _Landing:
    """What one initial registration takes: its id, number, sequence and period."""

    reg_id: str
    number: str
    seq: int
    now: datetime
    expires_at: datetime


def _land(
    uow: UnitOfWork,
    c: _Checked,
    seq: int,
    now: datetime,
    draws: list[Draw],
    prior_numbers: list[str],
    pending: _Pending,
) -> tuple[dict[str, Any], RegistrationInfo]:
    """The rows, log record and view of an initial registration taking sequence `seq`."""
    at = _Landing(
        new_id("reg"), registration_number(now, seq), seq, now, add_months(now, c.period_months)
    )
    pending.regs.append(_registration_row(uow, c, at))
    pending.grantors.extend(
        {
            "registration_id": at.reg_id,
            "org_id": g.id,
            "uscc": g.uscc,
            "name": g.name,
            "name_folded": fold_name(g.name),
            "position": pos,
        }
        for pos, g in enumerate(c.grantors)
    )
    coll_records, refs = _land_collateral(c, at, draws, pending)
    grantors = tuple({"uscc": g.uscc, "name": g.name} for g in c.grantors)
    record = _initial_record(uow, c, at, grantors, coll_records, prior_numbers)
    return record, _initial_info(c, at, grantors, refs)


def _registration_row(uow: UnitOfWork, c: _Checked, at: _Landing) -> dict[str, Any]:
    """The registration table's row of a landing filing."""
    secured, amount, actor = c.secured, c.amount, uow.actor
    return {
        "id": at.reg_id,
        "number": at.number,
        "seq": at.seq,
        "kind": c.kind.value,
        "secured_party_org_id": secured.id,
        "secured_party_uscc": secured.uscc,
        "secured_party_name": secured.name,
        "filer_user_id": actor.user_id,
        "filer_org_id": actor.org_id,
        "amount_minor": amount.minor if amount is not None else None,
        "currency": amount.currency if amount is not None else None,
        "description": c.description,
        "starts_at": at.now,
        "expires_at": at.expires_at,
        "registered_at": at.now,
        "updated_at": at.now,
        "cancelled_at": None,
        "cancel_reason": None,
        "last_seq": at.seq,
        "version": 1,
    }


def collateral_row(
    reg_id: str,
    seq: int,
    key: CollateralKey,
    description: str,
    goods_id: str | None,
    quantity_units: int | None,
) -> dict[str, Any]:
    """The collateral table's row of a key that registration `reg_id` adds at `seq`."""
    return {
        "registration_id": reg_id,
        "kind": key.kind,
        "key": key.key,
        "lo": key.lo,
        "hi": key.hi,
        "identifier": key.identifier,
        "description": description,
        "goods_id": goods_id,
        "quantity_units": quantity_units,
        "added_seq": seq,
        "removed_seq": None,
    }


def collateral_record(
    key: CollateralKey, description: str, goods_id: str | None, quantity_units: int | None
) -> dict[str, Any]:
    """A collateral as a log record holds it: every stored field but the row's own id."""
    quantity = units_to_decimal(quantity_units) if quantity_units else None
    return {
        "kind": key.kind,
        "identifier": key.identifier,
        "description": description,
        "quantity": str(quantity) if quantity is not None else None,
        "goods": goods_id,
    }


def _land_collateral(
    c: _Checked, at: _Landing, draws: list[Draw], pending: _Pending
) -> tuple[list[dict[str, Any]], list[CollateralRef]]:
    """Queue the collateral rows; return their log records and their references."""
    coll_records = []
    refs = []
    for key, desc, (goods_id, qty) in zip(c.keys, c.descriptions, draws, strict=True):
        pending.collateral.append(collateral_row(at.reg_id, at.seq, key, desc, goods_id, qty))
        quantity = units_to_decimal(qty) if qty else None
        coll_records.append(collateral_record(key, desc, goods_id, qty))
        refs.append(CollateralRef(key.kind, key.identifier, quantity))
    return coll_records, refs


def _initial_record(
    uow: UnitOfWork,
    c: _Checked,
    at: _Landing,
    grantors: tuple[dict[str, str], ...],
    coll_records: list[dict[str, Any]],
    prior_numbers: list[str],
) -> dict[str, Any]:
    """The log record of an initial registration."""
    return {
        "registration": at.number,
        "id": at.reg_id,
        "kind": c.kind.value,
        "grantors": [
            {"org_id": g.id, **shown} for g, shown in zip(c.grantors, grantors, strict=True)
        ],
        "secured_party": {"org_id": c.secured.id, "uscc": c.secured.uscc, "name": c.secured.name},
        "collateral": coll_records,
        "amount": c.amount.as_json() if c.amount is not None else None,
        "description": c.description,
        "starts_at": at.now.isoformat(),
        "expires_at": at.expires_at.isoformat(),
        "filer": filer_record(uow, c.agent),
        "prior_conflicts": prior_numbers,
    }


def _initial_info(
    c: _Checked, at: _Landing, grantors: tuple[dict[str, str], ...], refs: list[CollateralRef]
) -> RegistrationInfo:
    """The view of a registration just landed, built without reading it back."""
    return RegistrationInfo(
        id=at.reg_id,
        number=at.number,
        seq=at.seq,
        kind=c.kind.value,
        status=Status.ACTIVE.value,
        grantor_org_ids=tuple(g.id for g in c.grantors),
        secured_party_org_id=c.secured.id,
        collateral=tuple(refs),
        amount=c.amount,
        starts_at=at.now,
        expires_at=at.expires_at,
        registered_at=at.now,
        grantors=grantors,
        secured_party={"uscc": c.secured.uscc, "name": c.secured.name},
        description=c.description,
        cancelled_at=None,
        last_seq=at.seq,
    )


def _registered_item(record: dict[str, Any], info: RegistrationInfo) -> AuditItem:
    """The audit entry of an initial registration (one per filing, on every path)."""
    return AuditItem(info.id, after={**record, "seq": info.seq}, org_id=info.secured_party_org_id)


# ---------------------------------------------------------------- single filings


def _register(uow: UnitOfWork, data: FilingInput, *, refuse_on_conflict: bool) -> FilingResult:
    orgs = parties.organizations_by_id(uow, [*data.grantor_org_ids, data.secured_party_org_id])
    errs = ErrorCollector()
    checked = _check_filing(data, orgs, errs)
    errs.raise_if_any("the registration was refused")
    assert checked is not None
    _check_filer(uow, checked)

    state = lock_state(uow)  # from here on, filings are serialized
    prior = live_conflict_rows(uow, checked.keys)
    whole = [
        k for k, r in zip(checked.keys, checked.collateral, strict=True) if not partial_goods(r)
    ]
    blocking = live_conflict_rows(uow, whole) if prior and len(whole) < len(checked.keys) else prior
    if blocking and refuse_on_conflict:
        first = blocking[0]
        raise Conflict(
            f"the collateral is already registered under {first.number} (sequence {first.seq})",
            code="already_pledged",
            details={"registration_number": first.number, "seq": first.seq},
        )
    draws = _goods_draws(uow, checked)
    # Core statements, a few per filing: the lock is held from `lock_state` to the commit,
    # so every statement here is paid once per filing by every writer in the queue.
    pending = _Pending()
    record, info = _land(
        uow, checked, state.size + 1, state.at, draws, [p.number for p in prior], pending
    )
    pending.flush(uow)
    entry = append(uow, state, Operation.INITIAL, info.id, record)
    item = _registered_item(record, info)
    uow.audit(
        "registry.registered",
        "registration",
        item.aggregate_id,
        after=item.after,
        org_id=item.org_id,
    )
    return FilingResult(info, info_many(uow, prior), entry.seq)


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
    data = FilingInput(
        kind=kind,
        grantor_org_ids=grantor_org_ids,
        secured_party_org_id=secured_party_org_id,
        collateral=collateral,
        collateral_descriptions=None,
        amount=amount,
        period_months=period_months,
        description=description,
    )
    return _register(uow, data, refuse_on_conflict=refuse_on_conflict).registration


def file_registration(uow: UnitOfWork, data: FilingInput) -> FilingResult:
    """Initial registration (notice filing): lands even over a prior conflict, which it reports.

    Goods (warehouse receipts, inventory) are the exception: the empty-pledge guard refuses
    anything beyond the warehouse-confirmed quantity.
    """
    result = _register(uow, data, refuse_on_conflict=False)
    uow.commit()
    return result


# ---------------------------------------------------------------- batches


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

    state = lock_state(uow)
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


# Registrations landed earlier in the same call, by collateral (kind, key): (lo, hi, view).
_Landed = dict[tuple[str, str], list[tuple[int, int, RegistrationInfo]]]


def _stage_many(
    uow: UnitOfWork,
    state: LogState,
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
    db_rows = live_rows_by_key(uow, [k for _, c, _, _ in ready for k in c.keys])
    now = state.at
    seq = state.size
    pending = _Pending()
    landed: _Landed = {}
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
            db_prior, batch_prior = _priors(c.keys, db_rows, landed)
            seq += 1
            numbers = [r.number for r in db_prior] + [r.number for r in batch_prior]
            record, info = _land(uow, c, seq, now, draws, numbers, pending)
        for k in c.keys:
            landed.setdefault((k.kind, k.key), []).append((k.lo, k.hi, info))
        staged.append(_Staged(index, record, info, db_prior, batch_prior))
    pending.flush(uow)
    if staged:
        appended = append_many(
            uow, state, [(Operation.INITIAL, s.info.id, s.record) for s in staged]
        )
        assert [a.seq for a in appended] == [s.info.seq for s in staged]
    return staged


def _priors(
    keys: list[CollateralKey], db_rows: dict[tuple[str, str], list[Any]], landed: _Landed
) -> tuple[list[Any], list[RegistrationInfo]]:
    """The live registrations overlapping the keys: stored ones, then the call's own."""
    from_db: dict[str, Any] = {}
    from_batch: dict[str, RegistrationInfo] = {}
    for k in keys:
        for r in db_rows.get((k.kind, k.key), ()):
            if r.c_lo <= k.hi and r.c_hi >= k.lo:
                from_db.setdefault(r.id, r)
        for lo, hi, info in landed.get((k.kind, k.key), ()):
            if lo <= k.hi and hi >= k.lo:
                from_batch.setdefault(info.id, info)
    return (
        sorted(from_db.values(), key=lambda r: r.seq),
        sorted(from_batch.values(), key=lambda r: r.seq),
    )


def _results(uow: UnitOfWork, staged: Sequence[_Staged]) -> list[FilingResult]:
    """Each staged filing's result; the earlier registrations reported are read once."""
    wanted = {r.id: r for s in staged for r in s.db_prior}
    views = {v.id: v for v in info_many(uow, sorted(wanted.values(), key=lambda r: r.seq))}
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
        state = lock_state(uow)  # from here on, filings are serialized
        staged = _stage_many(uow, state, ready, refused)
        _audit_by_filer(uow, items, staged)
    results = _results(uow, staged)
    uow.commit()
    outcomes: dict[int, FilingResult | DomainError] = dict(refused)
    outcomes.update((s.index, r) for s, r in zip(staged, results, strict=True))
    return [outcomes[i] for i in range(len(items))]


def _audit_by_filer(
    uow: UnitOfWork, items: Sequence[QueuedFiling], staged: Sequence[_Staged]
) -> None:
    """One audit statement per run of filings by the same filer in the same request."""
    run: list[AuditItem] = []
    for k, s in enumerate(staged):
        run.append(_registered_item(s.record, s.info))
        here = items[s.index]
        nxt = items[staged[k + 1].index] if k + 1 < len(staged) else None
        if nxt is None or (nxt.actor, nxt.request_id) != (here.actor, here.request_id):
            with _acting(uow, here):
                uow.audit_many("registry.registered", "registration", run)
            run = []
