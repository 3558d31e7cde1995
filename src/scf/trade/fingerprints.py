"""The duplicate financing guard: keyed invoice fingerprints across institutions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    bindparam,
    case,
    distinct,
    exists,
    func,
    insert,
    select,
)

from scf.core.errors import InvalidInput, PermissionDenied
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.trade.common import INSTITUTIONS, FingerprintStatus, fingerprint_secret, table_of
from scf.trade.model import (
    STATE_RANK,
    FingerprintState,
    invoice_digest,
    is_fingerprint,
    keyed_fingerprint,
)
from scf.trade.tables import FingerprintMarkRow, FingerprintRow, InvoiceRow

# ---------------------------------------------------------------- fingerprints


def invoice_fingerprint(
    uow_or_secret: UnitOfWork | str,
    seller_uscc: str,
    buyer_uscc: str,
    number: str,
    issue_date: date,
    total: Money,
) -> str:
    """The platform's keyed fingerprint of an invoice (HMAC-SHA256 of the public digest)."""
    secret = uow_or_secret if isinstance(uow_or_secret, str) else fingerprint_secret(uow_or_secret)
    return keyed_fingerprint(
        secret, invoice_digest(seller_uscc, buyer_uscc, number, issue_date, total)
    )


def _normalize_fp(uow: UnitOfWork, value: str) -> str:
    value = value.strip()
    if value.startswith("sha256:"):
        return keyed_fingerprint(fingerprint_secret(uow), value.lower())
    if not is_fingerprint(value):
        raise InvalidInput(
            "give a fingerprint (64 hex digits) or a digest 'sha256:<64 hex>'", field="fingerprint"
        )
    return value


_F = table_of(FingerprintRow).c
_I = table_of(InvoiceRow).c
_M = table_of(FingerprintMarkRow).c
_FP: BindParameter[str] = bindparam("fp")


def _flag(state: str) -> Any:
    return func.max(case((_M.state == state, 1), else_=0))


# The whole answer in one statement and one round trip, every part by an index: the
# fingerprint's primary key, the invoices' unique fingerprint, and the marks' unique
# (fingerprint, org_id, state). An aggregate without GROUP BY yields one row even when
# no mark matches (flags NULL, count 0); the two scalar subqueries are constants to it.
_FP_CHECK = select(
    select(_F.state).where(_F.fingerprint == _FP).scalar_subquery().label("state"),
    exists().where(_I.fingerprint == _FP).label("on_platform"),
    _flag(FingerprintState.SUBMITTED).label("submitted"),
    _flag(FingerprintState.REGISTERED).label("registered"),
    _flag(FingerprintState.FINANCED).label("financed"),
    func.count(
        distinct(case((_M.state != FingerprintState.SUBMITTED, _M.org_id), else_=None))
    ).label("institutions"),
).where(_M.fingerprint == _FP)


@dataclass(frozen=True)
class _DriverStatement:
    """A statement compiled once per dialect and run on the driver's cursor: the check is
    one short indexed read, and SQLAlchemy's per-call work (cache key, execution context,
    result rows) was most of its time. Only for reads with plain column types."""

    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, for qmark-style drivers
    constants: dict[str, Any]

    @classmethod
    def compile(cls, stmt: Any, dialect: Any) -> _DriverStatement:
        compiled = stmt.compile(dialect=dialect)
        names = compiled.positiontup
        return cls(str(compiled), tuple(names) if names is not None else None, compiled.params)

    def run(self, conn: Any, **values: Any) -> Any:
        params = {**self.constants, **values}
        cursor = conn.connection.driver_connection.cursor()
        try:
            if self.positional is not None:
                cursor.execute(self.sql, [params[n] for n in self.positional])
            else:
                cursor.execute(self.sql, params)
            return cursor.fetchone()
        finally:
            cursor.close()


_FP_CHECK_BY_DIALECT: dict[str, _DriverStatement] = {}


def check_fingerprint(uow: UnitOfWork, fingerprint: str, *, _log: bool = True) -> FingerprintStatus:
    """Answer whether an invoice was submitted, registered or financed anywhere, not where."""
    fp = _normalize_fp(uow, fingerprint)
    conn = uow.session.connection()
    stmt = _FP_CHECK_BY_DIALECT.get(conn.dialect.name)
    if stmt is None:
        stmt = _FP_CHECK_BY_DIALECT[conn.dialect.name] = _DriverStatement.compile(
            _FP_CHECK, conn.dialect
        )
    state, on_platform, submitted, registered, financed, institutions = stmt.run(conn, fp=fp)
    if state is None:
        return FingerprintStatus(fp, known=bool(on_platform), on_platform=bool(on_platform))
    return FingerprintStatus(
        fp,
        True,
        bool(submitted) or bool(on_platform),
        bool(registered),
        bool(financed),
        int(institutions),
        bool(on_platform),
    )


def mark_many(
    uow: UnitOfWork, fps: list[str], state: str, org_id: str | None, *, new_only: bool = False
) -> None:
    now = uow.now()
    s = uow.session.connection()
    if new_only:
        s.execute(
            insert(table_of(FingerprintRow)),
            [
                {"fingerprint": f, "state": state, "first_seen_at": now, "updated_at": now}
                for f in fps
            ],
        )
    if org_id:
        s.execute(
            insert(table_of(FingerprintMarkRow)),
            [{"fingerprint": f, "org_id": org_id, "state": state, "at": now} for f in fps],
        )


def mark_fingerprint(uow: UnitOfWork, fingerprint: str, state: str, *, by_org_id: str) -> None:
    """Record that an institution submitted, registered or financed an invoice (no commit)."""
    if state not in STATE_RANK:
        raise InvalidInput("state is submitted, registered or financed", field="state")
    fp = _normalize_fp(uow, fingerprint)
    s = uow.session
    row = s.get(FingerprintRow, fp)
    now = uow.now()
    if row is None:
        row = FingerprintRow(fingerprint=fp, state=state, first_seen_at=now, updated_at=now)
        s.add(row)
    elif STATE_RANK[state] > STATE_RANK.get(row.state, 0):
        row.state = state
        row.updated_at = now
    if (
        s.scalar(
            select(FingerprintMarkRow.id).where(
                FingerprintMarkRow.fingerprint == fp,
                FingerprintMarkRow.org_id == by_org_id,
                FingerprintMarkRow.state == state,
            )
        )
        is None
    ):
        s.add(FingerprintMarkRow(fingerprint=fp, org_id=by_org_id, state=state, at=now))
    uow.flush()
    uow.audit(
        "fingerprint.marked", "trade_fingerprint", fp, after={"state": state}, org_id=by_org_id
    )


def submit_fingerprint(uow: UnitOfWork, fingerprint: str) -> FingerprintStatus:
    """An institution checks an invoice offered to it and records that it was offered."""
    parties.require_role(uow.actor, *INSTITUTIONS)
    if uow.actor.org_id is None:
        raise PermissionDenied("a submission is made by an institution")
    fp = _normalize_fp(uow, fingerprint)
    before = check_fingerprint(uow, fp)
    # Count other institutions only: the invoice's own parties filing it is no duplicate.
    own_parties = {
        org
        for pair in uow.session.execute(
            select(InvoiceRow.seller_org_id, InvoiceRow.buyer_org_id).where(
                InvoiceRow.fingerprint == fp
            )
        )
        for org in pair
    }
    marked_by = set(
        uow.session.scalars(
            select(FingerprintMarkRow.org_id).where(FingerprintMarkRow.fingerprint == fp)
        )
    )
    others = len(marked_by - own_parties - {uow.actor.org_id})
    mark_fingerprint(uow, fp, FingerprintState.SUBMITTED, by_org_id=uow.actor.org_id)
    uow.commit()
    return FingerprintStatus(
        fp,
        before.known,
        before.submitted or others > 0,
        before.registered,
        before.financed,
        int(others),
        before.on_platform,
    )
