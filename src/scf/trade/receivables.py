"""Receivables: debtor confirmation, disputes, use by certificates and financing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
)

from scf.core.audit import INSERT_AUDIT_ROWS, AuditEntry
from scf.core.db import DriverStatement
from scf.core.errors import Conflict, ErrorCollector, InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork, request_id_var
from scf.parties import service as parties
from scf.parties.model import ConsentScope
from scf.trade.common import (
    ENTERPRISE,
    ReceivableInfo,
    audit_receivable,
    receivable_snapshot,
    receivable_status,
    table_of,
)
from scf.trade.model import normalize_number
from scf.trade.tables import (
    InvoiceLineRow,
    InvoiceRow,
    ReceivableRow,
    ReceivableUseRow,
)

# ---------------------------------------------------------------- confirmation


def receivable_row(uow: UnitOfWork, receivable_id: str) -> ReceivableRow:
    row = uow.session.get(ReceivableRow, receivable_id)
    if row is None:
        raise NotFound(f"receivable {receivable_id} not found", code="receivable_not_found")
    return row


def record_confirmation(uow: UnitOfWork, row: ReceivableRow, amount_minor: int) -> None:
    before = receivable_snapshot(row)
    row.confirmed_minor = amount_minor
    row.confirmed_at = uow.now()
    audit_receivable(uow, "receivable.confirmed", row, before, org_id=row.debtor_org_id)


def confirm_receivables(
    uow: UnitOfWork, items: Sequence[tuple[str, Money | None]], *, commit: bool = True
) -> list[ReceivableInfo]:
    """The debtor confirms receivables in full (amount None) or in part; all or none."""
    parties.require_role(uow.actor, *ENTERPRISE)
    errors = ErrorCollector()
    staged = []
    for i, (rid, amount) in enumerate(items, start=1):
        row = uow.session.get(ReceivableRow, rid)
        if row is None or (not uow.actor.is_system and row.debtor_org_id != uow.actor.org_id):
            if row is not None and uow.actor.org_id == row.seller_org_id:
                errors.add("receivable_id", "only the debtor confirms a receivable", i)
            else:
                errors.add("receivable_id", f"receivable {rid} not found", i)
            continue
        open_minor = row.face_minor - row.credited_minor
        want = open_minor if amount is None else amount.minor
        if amount is not None and amount.currency != row.currency:
            errors.add("amount", f"the receivable is in {row.currency}", i)
        elif want <= 0:
            errors.add("amount", "must be greater than zero", i)
        elif want > open_minor:
            errors.add("amount", f"exceeds the open amount {Money(open_minor, row.currency)}", i)
        elif want < row.used_minor:
            errors.add(
                "amount", f"is below the {Money(row.used_minor, row.currency)} already used", i
            )
        elif row.disputed:
            errors.add("receivable_id", "the receivable is disputed; withdraw the dispute first", i)
        else:
            staged.append((row, want))
    errors.raise_if_any("the confirmations were refused")
    for row, want in staged:
        record_confirmation(uow, row, want)
    out = [_info(uow, row) for row, _ in staged]
    if commit:
        uow.commit()
    return out


def confirm_receivable(
    uow: UnitOfWork, receivable_id: str, amount: Money | None = None
) -> ReceivableInfo:
    return confirm_receivables(uow, [(receivable_id, amount)])[0]


def dispute_receivable(uow: UnitOfWork, receivable_id: str, reason: str) -> ReceivableInfo:
    """The debtor disputes a receivable; nothing more of it may be used."""
    row = receivable_row(uow, receivable_id)
    if not uow.actor.is_system and row.debtor_org_id != uow.actor.org_id:
        raise NotFound(f"receivable {receivable_id} not found", code="receivable_not_found")
    if not reason.strip():
        raise InvalidInput("say why the receivable is disputed", field="reason")
    before = receivable_snapshot(row)
    row.disputed = True
    audit_receivable(
        uow, "receivable.disputed", row, before, org_id=row.debtor_org_id, reason=reason
    )
    uow.commit()
    return _info(uow, row)


# ---------------------------------------------------------------- for other rooms


def _info(uow: UnitOfWork, row: ReceivableRow) -> ReceivableInfo:
    fp = uow.session.scalar(select(InvoiceRow.fingerprint).where(InvoiceRow.id == row.invoice_id))
    cur = row.currency
    return ReceivableInfo(
        id=row.id,
        seller_org_id=row.seller_org_id,
        debtor_org_id=row.debtor_org_id,
        amount=Money(row.face_minor - row.credited_minor, cur),
        confirmed=Money(row.confirmed_minor, cur),
        used=Money(row.used_minor, cur),
        due_date=row.due_date,
        status=receivable_status(row),
        invoice_ids=(row.invoice_id,),
        fingerprints=(fp,) if fp else (),
        paid=Money(row.paid_minor, cur),
    )


def receivable_info(uow: UnitOfWork, receivable_id: str) -> ReceivableInfo:
    """Return a receivable for another room's rules (no access check)."""
    return _info(uow, receivable_row(uow, receivable_id))


def use_receivable(
    uow: UnitOfWork, receivable_id: str, amount: Money, *, purpose: str, reference: str
) -> ReceivableInfo:
    """Consume confirmed, unused amount for a certificate or financing (joins the caller's unit)."""
    row = receivable_row(uow, receivable_id)
    if amount.currency != row.currency:
        raise InvalidInput(
            f"the receivable is in {row.currency}", field="amount", code="currency_mismatch"
        )
    if not amount.is_positive():
        raise InvalidInput("must be greater than zero", field="amount")
    if row.disputed:
        raise Conflict(f"receivable {row.id} is disputed by the debtor", code="receivable_disputed")
    unused = row.confirmed_minor - row.used_minor
    if amount.minor > unused:
        raise Conflict(
            f"receivable {row.id} has {Money(unused, row.currency)} confirmed and unused; "
            f"{amount} was asked",
            code="receivable_exhausted",
            details={"unused_confirmed": Money(unused, row.currency).as_json()},
        )
    before = receivable_snapshot(row)
    row.used_minor += amount.minor
    if purpose in FINANCING_PURPOSES:
        row.financed = True
    uow.session.add(
        ReceivableUseRow(
            id=new_id("use"),
            receivable_id=row.id,
            amount_minor=amount.minor,
            released_minor=0,
            purpose=purpose,
            reference=reference,
            at=uow.now(),
        )
    )
    audit_receivable(uow, "receivable.used", row, before, purpose=purpose, reference=reference)
    return _info(uow, row)


FINANCING_PURPOSES = ("financing", "factoring", "reverse_factoring", "pledge")


def _consume_statement(by_id: bool, financing: bool) -> Any:
    """The guarded UPDATE of `consume_receivable`, built once per shape and then reused."""
    key = (by_id, financing)
    if key not in _CONSUME:
        r = table_of(ReceivableRow).c
        guard = (
            (r.seller_org_id == bindparam("creditor"))
            & (r.debtor_org_id == bindparam("debtor"))
            & (r.currency == bindparam("cur"))
            & r.disputed.is_(False)
            & (r.confirmed_minor - r.used_minor >= bindparam("amount"))
        )
        target = (
            r.id == bindparam("rid")
            if by_id
            else r.id
            == select(r.id).where(guard).order_by(r.due_date, r.id).limit(1).scalar_subquery()
        )
        values: dict[str, Any] = {
            "used_minor": r.used_minor + bindparam("amount"),
            "version": r.version + 1,
        }
        if financing:
            values["financed"] = True
        _CONSUME[key] = (
            table_of(ReceivableRow)
            .update()
            .where(target & guard)
            .values(values)
            .returning(
                r.id,
                r.face_minor,
                r.credited_minor,
                r.confirmed_minor,
                r.used_minor,
                r.paid_minor,
                r.disputed,
                r.financed,
            )
        )
    return _CONSUME[key]


_CONSUME: dict[tuple[bool, bool], Any] = {}
_INSERT_USE = insert(table_of(ReceivableUseRow))
_INSERT_AUDIT = insert(table_of(AuditEntry))
_CONSUME_AND_USE: dict[tuple[bool, bool], Any] = {}
# Dialects where the guarded UPDATE and the INSERT of the use go in one statement.
ONE_STATEMENT_USE = frozenset({"postgresql"})


def _consume_and_use_statement(by_id: bool, financing: bool) -> Any:
    """For PostgreSQL: the guarded UPDATE of `_consume_statement` and the INSERT of the use
    in one statement (one round trip), built once per shape. The UPDATE is a writable CTE;
    the INSERT selects from its RETURNING, so it inserts nothing when the guard finds no
    receivable, and the statement returns what the UPDATE returned."""
    key = (by_id, financing)
    stmt = _CONSUME_AND_USE.get(key)
    if stmt is None:
        use = table_of(ReceivableUseRow)
        u = _consume_statement(by_id, financing).cte("u")
        names = ["id", "receivable_id", "amount_minor", "released_minor", "purpose"]
        names += ["reference", "at"]
        values = [
            bindparam("use_id", type_=use.c.id.type),
            u.c.id,
            bindparam("amount", type_=use.c.amount_minor.type),
            literal(0, type_=use.c.released_minor.type),
            bindparam("purpose", type_=use.c.purpose.type),
            bindparam("reference", type_=use.c.reference.type),
            bindparam("at", type_=use.c.at.type),
        ]
        added = insert(use).from_select(names, select(*values).select_from(u)).cte("i")
        stmt = select(u).add_cte(added)
        _CONSUME_AND_USE[key] = stmt
    return stmt


# The statements, each compiled once per dialect and run on the driver's cursor.
_CONSUME_DRIVER: dict[tuple[bool, bool], DriverStatement] = {}
_CONSUME_ONLY_DRIVER: dict[tuple[bool, bool], DriverStatement] = {}
_INSERT_USE_DRIVER = DriverStatement(_INSERT_USE)


def _consume(conn: Any, by_id: bool, financing: bool, params: dict[str, Any]) -> Any:
    """Run `_consume_statement` on the driver's cursor; the receivable it used, or None."""
    return _first(conn, _CONSUME_ONLY_DRIVER, _consume_statement, (by_id, financing), params)


def _consume_and_use(conn: Any, by_id: bool, financing: bool, params: dict[str, Any]) -> Any:
    """Run `_consume_and_use_statement` on the driver's cursor; the receivable, or None."""
    return _first(conn, _CONSUME_DRIVER, _consume_and_use_statement, (by_id, financing), params)


def _first(
    conn: Any,
    cache: dict[tuple[bool, bool], DriverStatement],
    build: Callable[[bool, bool], Any],
    key: tuple[bool, bool],
    params: dict[str, Any],
) -> Any:
    """The first row of a statement of one of the consume shapes, built and compiled once
    (`DriverStatement`: SQLAlchemy's own work per statement costs more client CPU than the
    statement), with its columns as attributes; None when it returns nothing."""
    drv = cache.get(key)
    if drv is None:
        drv = cache[key] = DriverStatement(build(*key))
    rows = drv.rows(conn, params)
    if not rows:
        return None
    return SimpleNamespace(**dict(zip(drv.keys(conn.dialect), rows[0], strict=True)))


def consume_receivable(
    uow: UnitOfWork,
    *,
    creditor_org_id: str,
    debtor_org_id: str,
    amount: Money,
    purpose: str,
    reference: str,
    receivable_id: str | None = None,
    audit_into: list[dict[str, Any]] | None = None,
    uses_into: list[dict[str, Any]] | None = None,
) -> str | None:
    """Consume `amount` of a confirmed, undisputed receivable the debtor owes the creditor.

    One guarded UPDATE (unused >= amount in its WHERE) checks and uses at once, so two
    concurrent uses can never both pass; without `receivable_id` the earliest-due receivable
    that covers the amount is taken. Returns the receivable's id, or None when none
    qualifies: the caller then asks `receivable_info`/`use_receivable` for the precise
    reason. On PostgreSQL the UPDATE and the INSERT of the use are one statement
    (`_consume_and_use_statement`); every statement runs on the driver's cursor
    (`DriverStatement`). Joins the caller's unit of work. Audit rows go to `audit_into` and,
    where the use is its own INSERT (SQLite), the use's row to `uses_into` when given (the
    caller inserts them with its own rows, `insert_uses`), else straight to their tables.
    """
    if not amount.is_positive():
        raise InvalidInput("must be greater than zero", field="amount")
    financing = purpose in FINANCING_PURPOSES
    conn = uow.session.connection()
    params = {
        "creditor": creditor_org_id,
        "debtor": debtor_org_id,
        "cur": amount.currency,
        "amount": amount.minor,
    }
    if receivable_id is not None:
        params["rid"] = receivable_id
    by_id = receivable_id is not None
    now = uow.now()
    if conn.dialect.name in ONE_STATEMENT_USE:
        params.update(use_id=new_id("use"), purpose=purpose, reference=reference, at=now)
        got = _consume_and_use(conn, by_id, financing, params)
        if got is None:
            return None
    else:
        got = _consume(conn, by_id, financing, params)
        if got is None:
            return None
        use = _use_row(got.id, amount.minor, purpose, reference, now)
        if uses_into is not None:
            uses_into.append(use)
        else:
            insert_uses(conn, [use])
    entry = used_entry(uow, got, amount.minor, purpose, reference, now)
    if audit_into is not None:
        audit_into.append(entry)
    else:
        INSERT_AUDIT_ROWS.many(conn, [entry])
    return str(got.id)


def used_entry(
    uow: UnitOfWork, got: Any, amount_minor: int, purpose: str, reference: str, at: datetime
) -> dict[str, Any]:
    """The `receivable.used` audit row of one use made `at`, from the receivable's state just
    after it (`got`: the guarded UPDATE's RETURNING), as the acting caller of `uow`."""
    after = {
        "face_minor": got.face_minor,
        "credited_minor": got.credited_minor,
        "confirmed_minor": got.confirmed_minor,
        "used_minor": got.used_minor,
        "paid_minor": got.paid_minor,
        "disputed": got.disputed,
    }
    # RETURNING gives only the new row; a financing use may just have set `financed`.
    before = {**after, "used_minor": got.used_minor - amount_minor}
    before["status"] = receivable_status(SimpleNamespace(**before, financed=got.financed))  # type: ignore[arg-type]
    after["status"] = receivable_status(SimpleNamespace(**after, financed=got.financed))  # type: ignore[arg-type]
    return {
        "at": at,
        "user_id": uow.actor.user_id,
        "org_id": uow.actor.org_id,
        "action": "receivable.used",
        "aggregate_type": "trade_receivable",
        "aggregate_id": got.id,
        "before": before,
        "after": {**after, "purpose": purpose, "reference": reference},
        "request_id": request_id_var.get(),
    }


@dataclass(frozen=True)
class UseRequest:
    """One use of a named receivable in `consume_receivables`."""

    receivable_id: str
    creditor_org_id: str
    debtor_org_id: str
    amount: Money
    reference: str


@dataclass(frozen=True)
class Used:
    """What one use of `consume_receivables` did: the receivable's state just after it (for
    `used_entry`) and the use's row (for `insert_uses`)."""

    state: Any
    use: dict[str, Any]


def consume_receivables(
    uow: UnitOfWork, requests: Sequence[UseRequest], *, purpose: str
) -> list[Used] | None:
    """Several uses of named receivables at once, as `consume_receivable` would make them one
    after the other: one guarded UPDATE per receivable for the sum of its uses (the guard
    holds the whole sum, so the uses pass together or not at all). Returns, per request in
    order, the state it left and its use row (to insert with `insert_uses`); or None when
    some receivable does not cover its uses (or is not owed by the debtor to the creditor,
    or is disputed). Receivables updated before that one stay updated: the caller runs this
    inside a savepoint, rolls back to it on None and makes the uses one by one, for each
    one's precise outcome.
    """
    if not requests:
        return []
    financing = purpose in FINANCING_PURPOSES
    conn = uow.session.connection()
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for i, r in enumerate(requests):
        if not r.amount.is_positive():
            return None
        key = (r.receivable_id, r.creditor_org_id, r.debtor_org_id, r.amount.currency)
        groups.setdefault(key, []).append(i)
    now = uow.now()
    out: list[Used | None] = [None] * len(requests)
    for (rid, creditor, debtor, currency), idx in groups.items():
        total = sum(requests[i].amount.minor for i in idx)
        params = {"rid": rid, "creditor": creditor, "debtor": debtor, "cur": currency}
        got = _consume(conn, True, financing, {**params, "amount": total})
        if got is None:
            return None
        used = got.used_minor - total
        for i in idx:
            r = requests[i]
            used += r.amount.minor
            state = SimpleNamespace(**{**vars(got), "used_minor": used})
            use = _use_row(rid, r.amount.minor, purpose, r.reference, now)
            out[i] = Used(state, use)
    return [u for u in out if u is not None]


def _use_row(
    receivable_id: str, amount_minor: int, purpose: str, reference: str, at: datetime
) -> dict[str, Any]:
    """A new receivable use as the row `insert_uses` inserts."""
    return {
        "id": new_id("use"),
        "receivable_id": receivable_id,
        "amount_minor": amount_minor,
        "released_minor": 0,
        "purpose": purpose,
        "reference": reference,
        "at": at,
    }


def insert_uses(conn: Any, uses: Sequence[dict[str, Any]]) -> None:
    """Insert receivable uses gathered by `consume_receivable(uses_into=...)`, in order."""
    if uses:
        _INSERT_USE_DRIVER.many(conn, uses)


def release_receivable(
    uow: UnitOfWork, receivable_id: str, amount: Money, *, reference: str
) -> ReceivableInfo:
    """Give back (part of) a use made under a reference."""
    row = receivable_row(uow, receivable_id)
    uses = list(
        uow.session.scalars(
            select(ReceivableUseRow).where(
                ReceivableUseRow.receivable_id == row.id, ReceivableUseRow.reference == reference
            )
        )
    )
    open_minor = sum(u.amount_minor - u.released_minor for u in uses)
    if amount.currency != row.currency or not amount.is_positive() or amount.minor > open_minor:
        raise InvalidInput(
            f"under {reference!r} only {Money(open_minor, row.currency)} is in use", field="amount"
        )
    before = receivable_snapshot(row)
    left = amount.minor
    for u in uses:
        take = min(left, u.amount_minor - u.released_minor)
        u.released_minor += take
        left -= take
    row.used_minor -= amount.minor
    if row.used_minor == 0:
        row.financed = False
    audit_receivable(uow, "receivable.released", row, before, reference=reference)
    return _info(uow, row)


def receivables_between(
    uow: UnitOfWork, creditor_org_id: str, debtor_org_id: str, *, with_unused_confirmed: bool = True
) -> list[ReceivableInfo]:
    stmt = select(ReceivableRow).where(
        ReceivableRow.seller_org_id == creditor_org_id,
        ReceivableRow.debtor_org_id == debtor_org_id,
        ReceivableRow.disputed.is_(False),
    )
    if with_unused_confirmed:
        stmt = stmt.where(ReceivableRow.confirmed_minor > ReceivableRow.used_minor)
    return [
        _info(uow, r)
        for r in uow.session.scalars(stmt.order_by(ReceivableRow.due_date, ReceivableRow.id))
    ]


# ---------------------------------------------------------------- reads with access control


def readable_receivable(uow: UnitOfWork, receivable_id: str, purpose: str) -> ReceivableRow:
    """Return the receivable to a reader allowed to see it (own, consent, platform)."""
    row = receivable_row(uow, receivable_id)
    parties.authorize_read(uow, [row.seller_org_id, row.debtor_org_id], ConsentScope.TRADE, purpose)
    return row


def get_receivable(uow: UnitOfWork, receivable_id: str) -> ReceivableInfo:
    return _info(uow, readable_receivable(uow, receivable_id, f"receivable/{receivable_id}"))


def list_receivables(
    uow: UnitOfWork, org_id: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ReceivableInfo], int]:
    """Receivables where the organization is seller or debtor (own, by consent, or all for
    the platform)."""
    actor = uow.actor
    stmt = select(ReceivableRow)
    subject = org_id or actor.org_id
    if org_id is not None:
        parties.authorize_read(
            uow, org_id, ConsentScope.TRADE, f"organization/{org_id}/receivables"
        )
    if subject is not None and not (org_id is None and (actor.is_regulator or actor.is_operator)):
        stmt = stmt.where(
            or_(ReceivableRow.seller_org_id == subject, ReceivableRow.debtor_org_id == subject)
        )
    total = uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = uow.session.scalars(stmt.order_by(ReceivableRow.id).limit(limit).offset(offset))
    return [_info(uow, r) for r in rows], total


def get_invoice(uow: UnitOfWork, invoice_id: str) -> dict[str, Any]:
    inv = uow.session.get(InvoiceRow, invoice_id)
    if inv is None:
        raise NotFound(f"invoice {invoice_id} not found", code="invoice_not_found")
    parties.authorize_read(
        uow, [inv.seller_org_id, inv.buyer_org_id], ConsentScope.TRADE, f"invoice/{invoice_id}"
    )
    lines = uow.session.scalars(
        select(InvoiceLineRow)
        .where(InvoiceLineRow.invoice_id == inv.id)
        .order_by(InvoiceLineRow.line_no)
    )
    cur = inv.currency
    return {
        "id": inv.id,
        "kind": inv.kind,
        "number": inv.number,
        "invoice_code": inv.invoice_code,
        "seller_org_id": inv.seller_org_id,
        "buyer_org_id": inv.buyer_org_id,
        "seller_uscc": inv.seller_uscc,
        "buyer_uscc": inv.buyer_uscc,
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "amount_without_tax": Money(inv.net_minor, cur).as_json(),
        "tax": Money(inv.tax_minor, cur).as_json(),
        "total": Money(inv.total_minor, cur).as_json(),
        "payable": Money(inv.payable_minor, cur).as_json(),
        "order_number": inv.order_number,
        "credited_invoice_id": inv.credited_invoice_id,
        "payee": {"name": inv.payee_name, "id": inv.payee_id}
        if inv.payee_name or inv.payee_id
        else None,
        "source": inv.source,
        "fingerprint": inv.fingerprint,
        "lines": [
            {
                "line_no": ln.line_no,
                "item": ln.item,
                "quantity": str(ln.quantity),
                "unit_price": str(ln.unit_price),
                "order_line_no": ln.order_line_no,
            }
            for ln in lines
        ],
    }


def invoice_receivable(
    uow: UnitOfWork, seller_org_id: str, number: str
) -> tuple[dict[str, Any], ReceivableInfo] | None:
    """The invoice a seller filed under a number and its receivable, or None (no access
    check: the caller names its own invoices, as an ISO 20022 tsin.001 request does)."""
    inv = uow.session.scalar(
        select(InvoiceRow).where(
            InvoiceRow.seller_org_id == seller_org_id,
            InvoiceRow.number_norm == normalize_number(number),
            InvoiceRow.kind == "invoice",
        )
    )
    if inv is None:
        return None
    row = uow.session.scalar(select(ReceivableRow).where(ReceivableRow.invoice_id == inv.id))
    if row is None:
        return None
    facts = {
        "invoice_id": inv.id,
        "number": inv.number,
        "buyer_org_id": inv.buyer_org_id,
        "issue_date": inv.issue_date,
        "due_date": inv.due_date,
        "net": Money(inv.net_minor, inv.currency),
        "tax": Money(inv.tax_minor, inv.currency),
        "total": Money(inv.total_minor, inv.currency),
    }
    return facts, _info(uow, row)
