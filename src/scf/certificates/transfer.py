"""Transfer: a piece, or an amount of it, to a supplier the holder owes; the hot command.

A transfer avoids the ORM: one guarded UPDATE ... RETURNING spends the piece and reads the
recipient, one guarded UPDATE through the trade room uses the receivable, and the new pieces,
the receivable's use and the audit entries go in together. The statements are compiled once
here and run on the driver's cursor (`DriverStatement`); a group of transfers (the sequencer's
group commit, the batch route) runs as one batch in a savepoint, else one savepoint each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, any_, bindparam, column, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError, OperationalError

from scf.certificates.common import ENTERPRISE, acting_holder, table
from scf.certificates.model import (
    CertificateStatus,
    PieceOrigin,
    PieceStatus,
    positive_amount,
    split_off,
)
from scf.certificates.pieces import piece_values, require_held, require_live, require_open
from scf.certificates.tables import CertificateRow, PieceRow
from scf.core.actor import Actor
from scf.core.audit import INSERT_AUDIT_ROWS, AuditEntry
from scf.core.db import DriverStatement
from scf.core.errors import Conflict, DomainError, InvalidInput, NotFound, RuleViolation
from scf.core.money import Money
from scf.core.sequencer import acting
from scf.core.uow import UnitOfWork, request_id_var
from scf.parties import service as parties

# Imported here rather than on the first transfer: a new process (an API instance) would
# otherwise pay about 60 ms of imports inside its first transfer.
from scf.trade import service as trade


def _background(
    uow: UnitOfWork, holder: str, to_org_id: str, amount: Money, receivable_id: str | None
) -> str:
    """Find the receivable that makes a transfer real: the holder owes it to the recipient."""
    if receivable_id:
        try:
            info = trade.receivable_info(uow, receivable_id)
        except NotFound:
            raise RuleViolation(
                f"receivable {receivable_id} not found", code="no_trade_background"
            ) from None
        if info.debtor_org_id != holder or info.seller_org_id != to_org_id:
            raise RuleViolation(
                f"receivable {receivable_id} is not owed by the holder to the recipient",
                code="no_trade_background",
            )
        unused: Money = info.unused_confirmed
        if unused.currency != amount.currency or unused < amount:
            raise RuleViolation(
                f"receivable {receivable_id} has {unused} confirmed and unused, "
                f"less than the transfer of {amount}",
                code="receivable_exhausted",
            )
        return str(info.id)
    for info in trade.receivables_between(uow, to_org_id, holder, with_unused_confirmed=True):
        u: Money = info.unused_confirmed
        if u.currency == amount.currency and u >= amount:
            return str(info.id)
    raise RuleViolation(
        f"no trade background: the recipient has no confirmed receivable on the holder "
        f"with {amount} unused",
        code="no_trade_background",
    )


_P = table(PieceRow).c
_C = table(CertificateRow).c
# The statements of the transfer path, built once: building a statement costs more here
# than running it.
_LOCK_PIECE = (
    select(table(PieceRow), _C.status.label("cert_status"), _C.maturity_on)
    .join_from(table(PieceRow), table(CertificateRow), _C.id == _P.certificate_id)
    .where(_P.id == bindparam("pid"))
    .with_for_update(of=table(PieceRow))
)
_SPEND_LIVE = (
    table(PieceRow)
    .update()
    .where(_P.status == PieceStatus.LIVE.value)
    .values(status=PieceStatus.SPENT.value, spent_at=bindparam("now"), version=_P.version + 1)
)
_SPEND_PIECE = _SPEND_LIVE.where(_P.id == bindparam("pid"))
# The transfer's first statement: spend the piece only if it is live, held by the actor and
# of an active, unmatured certificate, returning it. It checks, locks (PostgreSQL re-checks
# the WHERE after waiting for a concurrent winner) and writes in one round trip; when it
# finds nothing, `_locked_piece_row` names the reason.
_OPEN_CERT = (
    select(_C.id)
    .where(
        _C.id == _P.certificate_id,
        _C.status == CertificateStatus.ACTIVE.value,
        _C.maturity_on > bindparam("today"),
    )
    .exists()
)
# What the transfer reads of the piece it spends (what `_snap` shows, and its face).
_SPENT_COLUMNS = (
    *("id", "certificate_id", "parent_id", "holder_org_id", "currency", "face_minor"),
    *("tier", "origin", "status", "receivable_id"),
)
_SPEND_ANY_LIVE = _SPEND_PIECE.where(_OPEN_CERT).returning(*(_P[c] for c in _SPENT_COLUMNS))
_SPEND_HELD_LIVE = _SPEND_ANY_LIVE.where(_P.holder_org_id == bindparam("holder"))
_INSERT_PIECES = insert(table(PieceRow))
_INSERT_AUDIT = insert(table(AuditEntry))
_WRITE_ROWS: dict[tuple[int, int], Any] = {}
# Dialects whose single transfers write their pieces and audit rows in one statement.
ONE_STATEMENT_WRITES = frozenset({"postgresql"})


def _write_rows_statement(n_pieces: int, n_audits: int) -> Any:
    """The new pieces and audit rows in one statement, for PostgreSQL, where each statement
    is a round trip; built once per shape (SQLAlchemy caches single-row INSERTs only).

    The pieces go in writable CTEs (foreign keys are checked at the end of the statement).
    The audit rows keep their order, hence their ids: each row's INSERT selects from the
    previous one's RETURNING, so the server must insert them one after the other.
    """
    key = (n_pieces, n_audits)
    stmt = _WRITE_ROWS.get(key)
    if stmt is None:
        pieces, audit = table(PieceRow), table(AuditEntry)
        audit_columns = [c for c in audit.c if c.key != "id"]

        def binds(columns: Sequence[Any], prefix: str) -> list[Any]:
            return [bindparam(f"{prefix}_{c.key}", type_=c.type) for c in columns]

        ctes = [
            insert(pieces)
            .values(dict(zip(pieces.c.keys(), binds(list(pieces.c), f"p{i}"), strict=True)))
            .cte(f"p{i}")
            for i in range(n_pieces)
        ]
        names = [c.key for c in audit_columns]
        first = insert(audit).values(dict(zip(names, binds(audit_columns, "a0"), strict=True)))
        stmt = first.add_cte(*ctes)
        previous = first.returning(audit.c.id).cte("a0")
        for i in range(1, n_audits):
            row = insert(audit).from_select(
                names, select(*binds(audit_columns, f"a{i}")).select_from(previous)
            )
            if i == n_audits - 1:
                stmt = row.add_cte(*ctes)
            else:
                previous = row.returning(audit.c.id).cte(f"a{i}")
        _WRITE_ROWS[key] = stmt
    return stmt


@dataclass
class _Writes:
    """The rows transfers leave, gathered to go in with one INSERT per table: receivable
    uses (where the trade room does not insert them with the guarded UPDATE), new pieces
    (parents before children) and audit entries, each in the order they were made."""

    uses: list[dict[str, Any]] = field(default_factory=list)
    pieces: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: _Writes) -> None:
        self.uses += other.uses
        self.pieces += other.pieces
        self.audits += other.audits


def _write_rows(conn: Any, writes: _Writes) -> None:
    """Insert what transfers gathered: on PostgreSQL one transfer's pieces and audit rows are
    one statement; otherwise one executemany per table on the driver's cursor."""
    dialect = conn.dialect.name
    if dialect not in DRIVER_STATEMENTS:  # the trade room inserted the uses itself
        conn.execute(_INSERT_PIECES, writes.pieces)
        conn.execute(_INSERT_AUDIT, writes.audits)
        return
    trade.insert_uses(conn, writes.uses)
    key = (len(writes.pieces), len(writes.audits))
    if dialect in ONE_STATEMENT_WRITES and max(key) <= 3 and not writes.uses:
        stmt = _WRITE_ROWS_ONE.get(key)
        if stmt is None:
            stmt = _WRITE_ROWS_ONE[key] = DriverStatement(_write_rows_statement(*key))
        params = {f"p{i}_{k}": v for i, row in enumerate(writes.pieces) for k, v in row.items()}
        params.update(
            {f"a{i}_{k}": v for i, row in enumerate(writes.audits) for k, v in row.items()}
        )
        stmt.rows(conn, params)
        return
    _INSERT_PIECES_DRIVER.many(conn, writes.pieces)
    INSERT_AUDIT_ROWS.many(conn, writes.audits)


_PIECE_COLUMNS = tuple(table(PieceRow).c.keys())


# Dialects whose transfers run their statements on the driver's cursor (`DriverStatement`:
# SQLAlchemy's own work per statement costs more than the statement); any other takes the
# plain SQLAlchemy path, which the tests hold the driver path to.
DRIVER_STATEMENTS = frozenset({"postgresql", "sqlite"})
# The spend also returns the recipient as `parties.counterparty` reads it (name, roles,
# black-listed today), which saves that read (on PostgreSQL, its round trip).
_RECIPIENT = parties.counterparty_columns(bindparam("to"), bindparam("today"))
_SPEND_ANY_LIVE_DRIVER = DriverStatement(_SPEND_ANY_LIVE.returning(*_RECIPIENT))
_SPEND_HELD_LIVE_DRIVER = DriverStatement(_SPEND_HELD_LIVE.returning(*_RECIPIENT))
_INSERT_PIECES_DRIVER = DriverStatement(_INSERT_PIECES)
_N_SPENT = len(_SPENT_COLUMNS)
# A group's spend: every piece of one holder in one statement, the ids as a JSON array
# (SQLite) or an array (PostgreSQL).
_SPENT_RETURNING = [_P[c] for c in _SPENT_COLUMNS]
_SPEND_BATCH = {
    # The unary + keeps SQLite's planner off the holder's index (which lists every piece
    # the holder ever held) and on the primary key, one lookup per id.
    "sqlite": DriverStatement(
        _SPEND_LIVE.where(
            _OPEN_CERT,
            text("+cert_pieces.holder_org_id = :holder").bindparams(
                bindparam("holder", type_=String())
            ),
            _P.id.in_(select(column("value")).select_from(func.json_each(bindparam("ids")))),
        ).returning(*_SPENT_RETURNING)
    ),
    "postgresql": DriverStatement(
        _SPEND_LIVE.where(
            _OPEN_CERT,
            _P.holder_org_id == bindparam("holder"),
            _P.id == any_(bindparam("ids", type_=ARRAY(String))),
        ).returning(*_SPENT_RETURNING)
    ),
}
_WRITE_ROWS_ONE: dict[tuple[int, int], DriverStatement] = {}


def _locked_piece_row(uow: UnitOfWork, piece_id: str, holder_org_id: str | None) -> Any:
    """Lock a live piece of an active, unmatured certificate in one statement (Core, no ORM)."""
    row = uow.session.connection().execute(_LOCK_PIECE, {"pid": piece_id}).first()
    require_held(piece_id, row.holder_org_id if row is not None else None, holder_org_id)
    assert row is not None
    require_live(piece_id, row.status)
    require_open(row.certificate_id, row.cert_status, row.maturity_on, uow.today())
    return row


def _snap(v: dict[str, Any]) -> dict[str, Any]:
    """`PieceRow.snapshot` of a piece held as column values."""
    return {
        "id": v["id"],
        "certificate_id": v["certificate_id"],
        "parent_id": v["parent_id"],
        "holder_org_id": v["holder_org_id"],
        "face": Money(v["face_minor"], v["currency"]).as_json(),
        "tier": v["tier"],
        "origin": v["origin"],
        "status": v["status"],
        "receivable_id": v["receivable_id"],
    }


def _audit_entry(
    uow: UnitOfWork,
    now: datetime,
    action: str,
    aggregate_id: str,
    before: dict[str, Any],
    after: dict[str, Any],
    org_id: str,
) -> dict[str, Any]:
    return {
        "at": now,
        "user_id": uow.actor.user_id,
        "org_id": org_id,
        "action": action,
        "aggregate_type": "certificate",
        "aggregate_id": aggregate_id,
        "before": before,
        "after": after,
        "request_id": request_id_var.get(),
    }


def transfer_piece(
    uow: UnitOfWork,
    piece_id: str,
    to_org_id: str,
    *,
    amount: Money | None = None,
    receivable_id: str | None = None,
) -> PieceRow:
    """Pass a piece, or an amount of it (split off automatically), to a supplier one owes.

    The lean path, because transfers are the hot command (see `_transfer_in`). Returns the
    recipient's piece (not attached to the session).
    """
    parties.require_role(uow.actor, *ENTERPRISE)
    writes = _Writes()
    child = _transfer_in(uow, piece_id, to_org_id, amount, receivable_id, writes)
    _write_rows(uow.session.connection(), writes)
    uow.commit()
    return PieceRow.detached(child)


# PostgreSQL SQLSTATEs of deadlock_detected and serialization_failure.
_LOCK_CONFLICTS = frozenset({"40P01", "40001"})


def _lock_conflict(exc: OperationalError) -> bool:
    """Whether PostgreSQL failed the statement to break a lock cycle (or a serialization
    conflict): only the savepoint it ran in needs to give up."""
    return getattr(exc.orig, "sqlstate", None) in _LOCK_CONFLICTS


@dataclass(frozen=True)
class TransferRequest:
    """One transfer of a batch: as the arguments of `transfer_piece`."""

    piece_id: str
    to_org_id: str
    amount: Money | None = None
    receivable_id: str | None = None


@dataclass(frozen=True)
class TransferOutcome:
    """The result of one transfer of a batch: the recipient's piece, or the refusal."""

    request: TransferRequest
    piece: PieceRow | None = None
    error: DomainError | None = None


@dataclass(frozen=True)
class QueuedTransfer:
    """One caller's single transfer waiting for a group commit: what, by whom, under which
    request (`scf.certificates.sequencer`)."""

    actor: Actor
    request: TransferRequest
    request_id: str | None = None


MAX_BATCH = 1000


def transfer_pieces(uow: UnitOfWork, requests: Sequence[TransferRequest]) -> list[TransferOutcome]:
    """Group commit: several transfers of the acting holder in one transaction, each atomic
    on its own (a holder paying several suppliers at once).

    Each transfer runs in its own savepoint, exactly as `transfer_piece` runs it (same
    checks, same rows, same audit entries); a refused one is rolled back to its savepoint
    and reported with its error while the others go on, and one commit ends the batch.
    Returns one outcome per request, in order.
    """
    parties.require_role(uow.actor, *ENTERPRISE)
    items = [QueuedTransfer(uow.actor, r, request_id_var.get()) for r in requests]
    got = transfer_each(uow, items)
    return [
        TransferOutcome(r, error=g) if isinstance(g, DomainError) else TransferOutcome(r, piece=g)
        for r, g in zip(requests, got, strict=True)
    ]


def transfer_each(uow: UnitOfWork, items: Sequence[QueuedTransfer]) -> list[PieceRow | DomainError]:
    """Independent single transfers in one transaction (the sequencer's step, and
    `transfer_pieces`): each as its own caller (rights, audit user, request id), landing as
    `transfer_piece` would land it had the earlier transfers of the group committed just
    before. The group first runs as one batch in a savepoint (`_transfer_batch`); should any
    transfer be refused, that is rolled back and the transfers run one at a time, each in
    its own savepoint, a refusal rolling back that transfer only and going back as its
    outcome. The rows of all transfers go in with one INSERT per table, then one commit; a
    failure there, or any error that is not a refusal, fails the whole group and leaves
    nothing. Returns, per item in order, the recipient's piece or the refusal.
    """
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH:,} transfers per group", field="transfers")
    conn = uow.session.connection()
    savepoint = _Savepoint(conn)
    if len(items) > 1 and conn.dialect.name in _SPEND_BATCH:
        savepoint.begin(_Savepoint.GROUP)
        try:
            batch = _transfer_batch(uow, conn, items)
        except (DomainError, IntegrityError):
            batch = None
        except OperationalError as exc:
            if not _lock_conflict(exc):
                raise
            batch = None
        if batch is not None:
            savepoint.release(_Savepoint.GROUP)
            pieces, writes = batch
            _write_rows(conn, writes)
            uow.commit()
            return list(pieces)
        # some transfer would be refused: undo the group, then one savepoint each
        savepoint.rollback(uow, _Savepoint.GROUP)
    writes = _Writes()
    outcomes: list[PieceRow | DomainError] = []
    for item in items:
        req = item.request
        mine = _Writes()
        with acting(uow, item.actor, item.request_id):
            savepoint.begin()
            try:
                parties.require_role(uow.actor, *ENTERPRISE)
                child = _transfer_in(
                    uow, req.piece_id, req.to_org_id, req.amount, req.receivable_id, mine
                )
            except DomainError as exc:
                outcomes.append(savepoint.undo(uow, exc))
                continue
            except IntegrityError as exc:
                error = Conflict(
                    f"the change collides with an existing record: {exc.orig}",
                    code="integrity_conflict",
                )
                outcomes.append(savepoint.undo(uow, error))
                continue
            except OperationalError as exc:
                # Two groups that lock the same pieces or receivables in opposite orders:
                # PostgreSQL breaks the cycle by failing one statement, which only this
                # savepoint needs to give up.
                if not _lock_conflict(exc):
                    raise
                error = Conflict(
                    "another transfer held the same piece or receivable meanwhile; try again",
                    code="lock_conflict",
                )
                outcomes.append(savepoint.undo(uow, error))
                continue
            savepoint.release()
        writes.extend(mine)
        outcomes.append(PieceRow.detached(child))
    if writes.pieces:
        _write_rows(conn, writes)
    uow.commit()
    return outcomes


class _Savepoint:
    """Savepoints of a group of transfers, on the driver's cursor (SQLAlchemy's nested
    transactions cost more than a transfer's own statements on SQLite): one around the
    whole group's batch (`GROUP`), else one per transfer (`ONE`). A transfer's rows are only
    gathered, not written, until the group's end, so a savepoint covers its guarded UPDATEs
    and whatever the detailed checks of a refusal wrote through the ORM."""

    GROUP = "scf_transfer_group"
    ONE = "scf_transfer"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def _run(self, sql: str) -> None:
        cur = self._conn.connection.dbapi_connection.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()

    def begin(self, name: str = ONE) -> None:
        self._run(f"SAVEPOINT {name}")

    def release(self, name: str = ONE) -> None:
        self._run(f"RELEASE SAVEPOINT {name}")

    def rollback(self, uow: UnitOfWork, name: str = ONE) -> None:
        """Undo what was done since the savepoint. Should the session's own transaction have
        ended meanwhile (a failed ORM flush rolls it back), the group cannot go on."""
        if not uow.session.in_transaction():
            raise Conflict(
                "the group's transaction was rolled back; nothing was transferred",
                code="stale_version",
            )
        self._run(f"ROLLBACK TO SAVEPOINT {name}")
        self._run(f"RELEASE SAVEPOINT {name}")
        # objects the detailed checks loaded may hold what the savepoint undid
        uow.session.expire_all()

    def undo(self, uow: UnitOfWork, error: DomainError) -> DomainError:
        """Roll one transfer back to its savepoint; its error is its outcome."""
        if not uow.session.in_transaction():
            raise error
        self.rollback(uow)
        return error


def _transfer_batch(
    uow: UnitOfWork, conn: Any, items: Sequence[QueuedTransfer]
) -> tuple[list[PieceRow], _Writes] | None:
    """A group of transfers as one batch, for when none of them is refused (the usual
    case): each holder's pieces spent by one guarded UPDATE, each recipient read once, the
    named receivables used by one guarded UPDATE each for the sum of their uses. The rows,
    audit entries and outcomes are those of running the transfers one after the other.
    Returns None, or raises the refusal, when some transfer would be refused or needs the
    detailed path; the caller then rolls back to its savepoint and runs them one by one.
    """
    now, today = uow.now(), uow.today()
    by_holder: dict[str, list[str]] = {}
    for item in items:
        if item.actor.is_system or item.actor.org_id is None:
            return None
        parties.require_role(item.actor, *ENTERPRISE)
        by_holder.setdefault(item.actor.org_id, []).append(item.request.piece_id)
    spend = _SPEND_BATCH[conn.dialect.name]
    spent: dict[str, dict[str, Any]] = {}
    for holder, ids in by_holder.items():
        arg: Any = json.dumps(ids) if conn.dialect.name == "sqlite" else ids
        for row in spend.rows(conn, {"ids": arg, "holder": holder, "now": now, "today": today}):
            spent[row[0]] = dict(zip(_SPENT_COLUMNS, row, strict=True))
    if len(spent) != len(items):  # a piece not live, not its caller's, or asked for twice
        return None
    recipients: dict[str, tuple[Any, ...]] = {}
    plans: list[_Plan] = []
    for item in items:
        to = item.request.to_org_id
        with acting(uow, item.actor, item.request_id):
            if to not in recipients:
                recipients[to] = _counterparty(uow, to)
            parent = spent[item.request.piece_id]
            plans.append(_plan(uow, parent, recipients[to], to, item.request.amount, now))
    purpose = "certificate_transfer"
    used: list[Any] | None = None
    if all(item.request.receivable_id for item in items):
        requests = [
            trade.UseRequest(
                cast(str, item.request.receivable_id),
                item.request.to_org_id,
                plan.holder,
                plan.amount,
                plan.child["id"],
            )
            for item, plan in zip(items, plans, strict=True)
        ]
        used = trade.consume_receivables(uow, requests, purpose=purpose)
        if used is None:
            return None
    writes = _Writes()
    pieces: list[PieceRow] = []
    for k, (item, plan) in enumerate(zip(items, plans, strict=True)):
        with acting(uow, item.actor, item.request_id):
            entries: list[dict[str, Any]] = []
            if used is not None:
                u = used[k]
                entries.append(
                    trade.used_entry(
                        uow, u.state, plan.amount.minor, purpose, u.use["reference"], now
                    )
                )
                writes.uses.append(u.use)
                rid: str | None = u.use["receivable_id"]
            else:
                rid = trade.consume_receivable(
                    uow,
                    creditor_org_id=item.request.to_org_id,
                    debtor_org_id=plan.holder,
                    amount=plan.amount,
                    purpose=purpose,
                    reference=plan.child["id"],
                    audit_into=entries,
                    uses_into=writes.uses,
                )
            if rid is None:
                return None
            pieces.append(PieceRow.detached(_finish(uow, plan, rid, entries, writes)))
    return pieces, writes


def _transfer_in(
    uow: UnitOfWork,
    piece_id: str,
    to_org_id: str,
    amount: Money | None,
    receivable_id: str | None,
    writes: _Writes,
) -> dict[str, Any]:
    """One transfer inside the caller's unit of work; returns the recipient's piece values.

    One guarded UPDATE ... RETURNING checks, locks and spends the piece and reads the
    recipient (`parties.counterparty_columns`); the trade background is checked and
    consumed in one guarded UPDATE through the trade room's service; the new pieces, the
    receivable's use and the audit entries are gathered in `writes` for the caller to
    insert (`_write_rows`), and no ORM object is flushed. The statements run on the driver's
    cursor (`DriverStatement`). Should a guarded statement find nothing, the detailed checks
    run to name the reason, and the caller's rollback undoes the spend.
    """
    holder_org_id = acting_holder(uow)
    now = uow.now()
    conn = uow.session.connection()
    params: dict[str, Any] = {"pid": piece_id, "now": now, "today": uow.today()}
    if holder_org_id is not None:
        params["holder"] = holder_org_id
    recipient: tuple[Any, ...] | None = None
    if conn.dialect.name in DRIVER_STATEMENTS:
        spend = _SPEND_ANY_LIVE_DRIVER if holder_org_id is None else _SPEND_HELD_LIVE_DRIVER
        got = spend.rows(conn, {**params, "to": to_org_id})
        row = got[0][:_N_SPENT] if got else None
        recipient = got[0][_N_SPENT:] if got else None
    else:
        spend_stmt = _SPEND_ANY_LIVE if holder_org_id is None else _SPEND_HELD_LIVE
        row = conn.execute(spend_stmt, params).first()
    if row is None:
        # Not live, not the actor's, closed or matured: the locking read names the reason.
        _locked_piece_row(uow, piece_id, holder_org_id)
        raise Conflict(
            f"piece {piece_id} was changed by someone else meanwhile", code="stale_version"
        )
    parent = dict(zip(_SPENT_COLUMNS, row, strict=True))
    if recipient is None:
        recipient = _counterparty(uow, to_org_id)
    plan = _plan(uow, parent, recipient, to_org_id, amount, now)
    used: list[dict[str, Any]] = []
    rid = trade.consume_receivable(
        uow,
        creditor_org_id=to_org_id,
        debtor_org_id=plan.holder,
        amount=plan.amount,
        purpose="certificate_transfer",
        reference=plan.child["id"],
        receivable_id=receivable_id,
        audit_into=used,
        uses_into=writes.uses if conn.dialect.name in DRIVER_STATEMENTS else None,
    )
    if rid is None:
        # Nothing qualified: the detailed checks raise the reason. Should they pass (a
        # concurrent change in between), the ORM path consumes the receivable itself.
        rid = _background(uow, plan.holder, to_org_id, plan.amount, receivable_id)
        trade.use_receivable(
            uow, rid, plan.amount, purpose="certificate_transfer", reference=plan.child["id"]
        )
    return _finish(uow, plan, rid, used, writes)


@dataclass
class _Plan:
    """A transfer checked and laid out, short of its trade background: the holder, the
    amount passed, the halves when a part is split off (the first is the one passed), the
    recipient's piece, and the split's audit row."""

    holder: str
    amount: Money
    given: dict[str, Any]
    child: dict[str, Any]
    halves: list[dict[str, Any]]
    split_audit: dict[str, Any] | None


def _counterparty(uow: UnitOfWork, org_id: str) -> tuple[Any, ...]:
    try:
        return parties.counterparty(uow, org_id)
    except NotFound:
        return (None, (), False)


def _plan(
    uow: UnitOfWork,
    parent: dict[str, Any],
    recipient: tuple[Any, ...],
    to_org_id: str,
    amount: Money | None,
    now: datetime,
) -> _Plan:
    """Check a transfer of the spent piece `parent` to `to_org_id` (read as `recipient`:
    name, roles, black-listed) and lay out its rows; raises the refusal."""
    holder = parent["holder_org_id"]
    face = Money(parent["face_minor"], parent["currency"])
    amount = positive_amount(amount if amount is not None else face, face.currency)
    parts = split_off(face, amount)
    if to_org_id == holder:
        raise InvalidInput("a piece cannot be passed to its own holder", field="to_org_id")
    name, roles, black = recipient
    if name is None:
        raise InvalidInput(f"organization {to_org_id} does not exist", field="to_org_id")
    if not set(roles) & {"supplier", "distributor"}:
        raise InvalidInput(f"{name} is not a supplier", field="to_org_id")
    if black:
        parties.require_not_blacklisted(uow, to_org_id)
    cert_id = parent["certificate_id"]
    tier = parent["tier"]
    given = parent
    halves: list[dict[str, Any]] = []
    split_audit = None
    if len(parts) == 2:
        halves = [
            piece_values(cert_id, parent["id"], holder, p, PieceOrigin.SPLIT, tier, None, now)
            for p in parts
        ]
        split_audit = _audit_entry(
            uow,
            now,
            "certificate.piece.split",
            cert_id,
            _snap(parent),
            {"children": [_snap(h) for h in halves]},
            holder,
        )
        given = halves[0]
        given.update(status=PieceStatus.SPENT.value, spent_at=now)
    child = piece_values(
        cert_id, given["id"], to_org_id, amount, PieceOrigin.TRANSFER, tier + 1, holder, now
    )
    return _Plan(holder, amount, given, child, halves, split_audit)


def _finish(
    uow: UnitOfWork,
    plan: _Plan,
    receivable_id: str,
    used_audits: list[dict[str, Any]],
    writes: _Writes,
) -> dict[str, Any]:
    """Add a planned transfer's pieces and audit rows (split, receivable use, transfer) to
    `writes`, in the order one transfer makes them; returns the recipient's piece."""
    child = plan.child
    child["receivable_id"] = receivable_id
    writes.pieces += plan.halves
    writes.pieces.append(child)
    if plan.split_audit is not None:
        writes.audits.append(plan.split_audit)
    writes.audits += used_audits
    writes.audits.append(
        _audit_entry(
            uow,
            child["created_at"],
            "certificate.piece.transferred",
            child["certificate_id"],
            _snap(plan.given),
            _snap(child),
            plan.holder,
        )
    )
    return child
