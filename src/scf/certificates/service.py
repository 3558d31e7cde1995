"""Use cases of payable certificates: lines, issue, split, transfer, finance, settle, report.

Each public command is one unit of work and commits once; the `*_in` functions join the
caller's unit of work and never commit (the financing room calls them). A piece is locked
with SELECT ... FOR UPDATE before it changes (a transfer locks it with the guarded UPDATE
that spends it), and carries a version column besides, so two commands on one piece never
both win.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    String,
    Table,
    any_,
    bindparam,
    column,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError, OperationalError

from scf.certificates.config import CertificateSettings, get_certificate_settings
from scf.certificates.iso20022 import (
    Party,
    Transfer,
    build_pain001,
    parse_camt053,
    validate_pain001,
)
from scf.certificates.model import (
    CertificateStatus,
    LineStatus,
    PieceOrigin,
    PieceStatus,
    Pricing,
    check_cap,
    check_split,
    grace_end,
    is_matured,
    maturity_for,
    payments_for,
    positive_amount,
    price_piece,
    split_off,
    unpaid_status,
)
from scf.certificates.tables import (
    CertificateAlertRow,
    CertificateRow,
    CreditLineRow,
    ExposureCapRow,
    FinancingRow,
    PaymentRow,
    PieceRow,
    SettlementFileRow,
)
from scf.core.actor import Actor
from scf.core.audit import INSERT_AUDIT_ROWS, AuditEntry
from scf.core.db import DriverStatement
from scf.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.sequencer import acting
from scf.core.uow import UnitOfWork, request_id_var
from scf.parties import service as parties

# Imported here rather than on the first transfer: a new process (an API instance) would
# otherwise pay about 60 ms of imports inside its first transfer.
from scf.trade import service as _trade_service

ENTERPRISE = ("supplier", "distributor", "core_enterprise")
FUNDERS = ("bank", "factoring_company", "local_financial_org")


def _table(mapped: Any) -> Table:
    """The Core table of a mapped class, typed for insert()/update()."""
    return cast(Table, mapped.__table__)


def settings_of(uow: UnitOfWork) -> CertificateSettings:
    """The room's settings: the platform may carry its own, else the environment's."""
    own = getattr(uow.settings, "certificates", None)
    return own if isinstance(own, CertificateSettings) else get_certificate_settings()


def _trade() -> Any:
    return _trade_service


def _registry() -> Any:
    from scf.registry import service as registry

    return registry


def _register_assignment(
    uow: UnitOfWork,
    *,
    grantor: str,
    secured_party: str,
    piece_id: str,
    amount: Money,
    months: int,
    description: str,
) -> str:
    """File the assignment of a piece in the registry, as the platform (filed automatically,
    so the secured party need not be the one acting), inside the caller's unit of work."""
    registry = _registry()
    acting = uow.actor
    uow.actor = Actor.system()
    try:
        reg = registry.register_in(
            uow,
            kind="assignment",
            grantor_org_ids=[grantor],
            secured_party_org_id=secured_party,
            collateral=[registry.CollateralRef("certificate_piece", piece_id)],
            amount=amount,
            period_months=months,
            description=description,
        )
    finally:
        uow.actor = acting
    return str(reg.id)


def _months_until(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day > start.day:
        months += 1
    return max(1, months)


def _is_watcher(uow: UnitOfWork) -> bool:
    a = uow.actor
    return a.is_system or a.is_regulator or a.is_operator


def _org_field(uow: UnitOfWork, org_id: str, field: str) -> Any:
    try:
        return parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput(f"organization {org_id} does not exist", field=field) from None


# ---------------------------------------------------------------- credit lines and caps


def cap_for(uow: UnitOfWork, funder_org_id: str, core_org_id: str, currency: str) -> Money:
    """The cap on one institution's exposure to one core enterprise in a currency."""
    row = uow.session.scalar(
        select(ExposureCapRow).where(
            ExposureCapRow.funder_org_id == funder_org_id,
            ExposureCapRow.core_org_id == core_org_id,
            ExposureCapRow.currency == currency,
        )
    )
    if row is not None:
        return row.cap
    cap = settings_of(uow).cap(currency)
    if cap is None:
        raise RuleViolation(f"no exposure cap is configured for {currency}", code="no_cap")
    return cap


def exposure_of(uow: UnitOfWork, funder_org_id: str, core_org_id: str, currency: str) -> Money:
    """Committed lines to the core enterprise plus pieces of its certificates bought under
    other institutions' lines (pieces under one's own line are inside that line already)."""
    s = uow.session
    lines = s.scalar(
        select(func.coalesce(func.sum(CreditLineRow.limit_minor), 0)).where(
            CreditLineRow.funder_org_id == funder_org_id,
            CreditLineRow.core_org_id == core_org_id,
            CreditLineRow.currency == currency,
            CreditLineRow.status == LineStatus.ACTIVE.value,
        )
    )
    held = s.scalar(
        select(func.coalesce(func.sum(PieceRow.face_minor), 0))
        .join(CertificateRow, CertificateRow.id == PieceRow.certificate_id)
        .join(CreditLineRow, CreditLineRow.id == CertificateRow.line_id)
        .where(
            PieceRow.holder_org_id == funder_org_id,
            PieceRow.status == PieceStatus.LIVE.value,
            CertificateRow.issuer_org_id == core_org_id,
            CertificateRow.currency == currency,
            CreditLineRow.funder_org_id != funder_org_id,
        )
    )
    return Money(int(lines or 0) + int(held or 0), currency)


def set_exposure_cap(
    uow: UnitOfWork, funder_org_id: str, core_org_id: str, cap: Money
) -> ExposureCapRow:
    """The regulator sets one institution's cap on its exposure to one core enterprise."""
    parties.require_role(uow.actor, "regulator")
    _org_field(uow, funder_org_id, "funder_org_id")
    _org_field(uow, core_org_id, "core_org_id")
    if cap.is_negative():
        raise InvalidInput("a cap cannot be negative", field="cap")
    row = uow.session.scalar(
        select(ExposureCapRow).where(
            ExposureCapRow.funder_org_id == funder_org_id,
            ExposureCapRow.core_org_id == core_org_id,
            ExposureCapRow.currency == cap.currency,
        )
    )
    before = {"cap": row.cap} if row is not None else None
    if row is None:
        row = ExposureCapRow(
            id=new_id("cap"),
            funder_org_id=funder_org_id,
            core_org_id=core_org_id,
            currency=cap.currency,
            cap_minor=cap.minor,
            set_at=uow.now(),
        )
        uow.session.add(row)
    else:
        row.cap_minor = cap.minor
        row.set_at = uow.now()
    uow.flush()
    uow.audit(
        "certificate.exposure_cap.set",
        "exposure_cap",
        row.id,
        before=before,
        after={"funder_org_id": funder_org_id, "core_org_id": core_org_id, "cap": cap},
        org_id=funder_org_id,
    )
    uow.commit()
    return row


def grant_line(uow: UnitOfWork, core_org_id: str, limit: Money, expires_on: date) -> CreditLineRow:
    """A white-listed institution grants a core enterprise a line for issuing certificates."""
    parties.require_role(uow.actor, *FUNDERS)
    funder_id = uow.actor.org_id
    if funder_id is None:
        raise PermissionDenied("a line is granted by an institution")
    parties.require_licensed_funder(uow, funder_id)
    core = _org_field(uow, core_org_id, "core_org_id")
    if "core_enterprise" not in core.roles:
        raise InvalidInput(f"{core.name} is not a core enterprise", field="core_org_id")
    parties.require_not_blacklisted(uow, core_org_id)
    if not limit.is_positive():
        raise InvalidInput("the limit must be more than zero", field="limit")
    if expires_on <= uow.today():
        raise InvalidInput("the line must expire in the future", field="expires_on")
    check_cap(
        exposure_of(uow, funder_id, core_org_id, limit.currency),
        limit,
        cap_for(uow, funder_id, core_org_id, limit.currency),
        who=f"lines to {core.name}",
    )
    row = CreditLineRow(
        id=new_id("cln"),
        funder_org_id=funder_id,
        core_org_id=core_org_id,
        currency=limit.currency,
        limit_minor=limit.minor,
        used_minor=0,
        expires_on=expires_on,
        status=LineStatus.ACTIVE.value,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("certificate.line.granted", "credit_line", row.id, after=row.snapshot())
    uow.commit()
    return row


def _line_visible(uow: UnitOfWork, line: CreditLineRow) -> bool:
    return _is_watcher(uow) or uow.actor.org_id in (line.funder_org_id, line.core_org_id)


def get_line(uow: UnitOfWork, line_id: str) -> CreditLineRow:
    line = uow.session.get(CreditLineRow, line_id)
    if line is None or not _line_visible(uow, line):
        raise NotFound(f"credit line {line_id} not found")
    return line


def list_lines(uow: UnitOfWork) -> list[CreditLineRow]:
    stmt = select(CreditLineRow).order_by(CreditLineRow.id)
    if not _is_watcher(uow):
        org = uow.actor.org_id
        stmt = stmt.where(or_(CreditLineRow.funder_org_id == org, CreditLineRow.core_org_id == org))
    return list(uow.session.scalars(stmt))


# ---------------------------------------------------------------- issue


def issue_certificate(
    uow: UnitOfWork,
    *,
    line_id: str,
    supplier_org_id: str,
    receivable_ids: Sequence[str],
    face: Money,
    maturity_on: date,
) -> CertificateRow:
    """The core enterprise issues a certificate to a supplier against confirmed receivables.

    The face may not pass the receivables' confirmed unused amount nor the line's room; the
    maturity is capped by the tenor rule and rolled to a working day; the receivables used are
    consumed and an assignment of the first piece is registered.
    """
    parties.require_role(uow.actor, "core_enterprise")
    issuer = uow.actor.org_id
    s = uow.session
    line = s.scalar(select(CreditLineRow).where(CreditLineRow.id == line_id).with_for_update())
    if line is None or (not uow.actor.is_system and line.core_org_id != issuer):
        raise NotFound(f"credit line {line_id} not found", code="line_not_found")
    issuer = line.core_org_id
    face = positive_amount(face, line.currency, "face")
    today = uow.today()
    if line.status != LineStatus.ACTIVE.value or line.expires_on < today:
        raise RuleViolation(f"credit line {line_id} is closed or expired", code="line_expired")
    if face > line.available:
        raise RuleViolation(
            f"the line has {line.available} left, the certificate needs {face}",
            code="line_exhausted",
        )
    supplier = _org_field(uow, supplier_org_id, "supplier_org_id")
    if supplier_org_id == issuer or not set(supplier.roles) & {"supplier", "distributor"}:
        raise InvalidInput(f"{supplier.name} is not a supplier", field="supplier_org_id")
    parties.require_not_blacklisted(uow, issuer)
    parties.require_not_blacklisted(uow, supplier_org_id)
    maturity = maturity_for(maturity_on, today, settings_of(uow).max_tenor_months, uow.calendar)
    if not receivable_ids:
        raise InvalidInput("name the confirmed receivables it pays", field="receivable_ids")
    if len(set(receivable_ids)) != len(receivable_ids):
        raise InvalidInput("a receivable is named twice", field="receivable_ids")
    trade = _trade()
    plan: list[tuple[str, Money]] = []
    remaining = face
    for i, rid in enumerate(receivable_ids):
        try:
            info = trade.receivable_info(uow, rid)
        except NotFound:
            raise InvalidInput(f"receivable {rid} not found", field=f"receivable_ids.{i}") from None
        if info.seller_org_id != supplier_org_id or info.debtor_org_id != issuer:
            raise RuleViolation(
                f"receivable {rid} is not owed by the issuer to {supplier.name}",
                code="no_trade_background",
                errors=[],
            )
        unused: Money = info.unused_confirmed
        if unused.currency != face.currency:
            raise InvalidInput(
                f"receivable {rid} is in {unused.currency}",
                field=f"receivable_ids.{i}",
                code="currency_mismatch",
            )
        if remaining.is_positive() and unused.is_positive():
            take = unused if unused < remaining else remaining
            plan.append((rid, take))
            remaining = remaining - take
    if remaining.is_positive():
        raise RuleViolation(
            f"the receivables have {face - remaining} confirmed and unused, less than {face}",
            code="receivable_exhausted",
        )
    cert = CertificateRow(
        id=new_id("crt"),
        issuer_org_id=issuer,
        first_holder_org_id=supplier_org_id,
        line_id=line.id,
        currency=face.currency,
        face_minor=face.minor,
        paid_minor=0,
        issued_on=today,
        maturity_on=maturity,
        status=CertificateStatus.ACTIVE.value,
        receivable_ids=[rid for rid, _ in plan],
        created_at=uow.now(),
    )
    s.add(cert)
    root = _new_piece(uow, cert, None, supplier_org_id, face, PieceOrigin.ISSUE, 1, None, issuer)
    for rid, take in plan:
        trade.use_receivable(uow, rid, take, purpose="certificate_issue", reference=cert.id)
    line_before = line.snapshot()
    line.used_minor += face.minor
    uow.flush()
    reg_id = _register_assignment(
        uow,
        grantor=issuer,
        secured_party=supplier_org_id,
        piece_id=root.id,
        amount=face,
        months=_months_until(today, maturity),
        description=(
            f"payable certificate {cert.id}, face {face}, maturing {maturity.isoformat()}, "
            f"issued against receivables {', '.join(rid for rid, _ in plan)}"
        ),
    )
    cert.registration_id = root.registration_id = reg_id
    uow.flush()
    uow.audit(
        "certificate.line.used", "credit_line", line.id, before=line_before, after=line.snapshot()
    )
    uow.audit(
        "certificate.issued",
        "certificate",
        cert.id,
        after={**cert.snapshot(), "receivables": [(r, m) for r, m in plan], "piece": root.id},
    )
    uow.commit()
    return cert


def _new_piece(
    uow: UnitOfWork,
    cert: CertificateRow,
    parent: PieceRow | None,
    holder: str,
    face: Money,
    origin: PieceOrigin,
    tier: int,
    receivable_id: str | None,
    from_org_id: str | None,
) -> PieceRow:
    row = PieceRow(
        id=new_id("pce"),
        certificate_id=cert.id,
        parent_id=parent.id if parent else None,
        holder_org_id=holder,
        from_org_id=from_org_id,
        currency=face.currency,
        face_minor=face.minor,
        tier=tier,
        origin=origin.value,
        status=PieceStatus.LIVE.value,
        receivable_id=receivable_id,
        created_at=uow.now(),
    )
    uow.session.add(row)
    return row


# ---------------------------------------------------------------- pieces


def _live_piece(
    uow: UnitOfWork, piece_id: str, holder_org_id: str | None
) -> tuple[PieceRow, CertificateRow]:
    """Lock a piece the holder may act on, refusing spent, paid or matured pieces."""
    s = uow.session
    piece = s.scalar(select(PieceRow).where(PieceRow.id == piece_id).with_for_update())
    if piece is None or (holder_org_id is not None and piece.holder_org_id != holder_org_id):
        raise NotFound(f"certificate piece {piece_id} not found", code="piece_not_found")
    if piece.status != PieceStatus.LIVE.value:
        raise Conflict(
            f"piece {piece_id} is {piece.status}: it was already split, transferred, "
            "financed or paid, so nothing more can happen to it",
            code="piece_not_live",
        )
    cert = s.get(CertificateRow, piece.certificate_id)
    assert cert is not None
    if cert.status != CertificateStatus.ACTIVE.value:
        raise RuleViolation(
            f"certificate {cert.id} is {cert.status}; its pieces can no longer change",
            code="certificate_closed",
        )
    if is_matured(cert.maturity_on, uow.today()):
        raise RuleViolation(
            f"certificate {cert.id} matured on {cert.maturity_on}; its pieces can only be paid",
            code="piece_matured",
        )
    return piece, cert


def _acting_holder(uow: UnitOfWork) -> str | None:
    return None if uow.actor.is_system else uow.actor.org_id


def _split_in(
    uow: UnitOfWork, piece: PieceRow, cert: CertificateRow, parts: Sequence[Money]
) -> list[PieceRow]:
    check_split(piece.face, parts)
    piece.status = PieceStatus.SPENT.value
    piece.spent_at = uow.now()
    children = [
        _new_piece(
            uow, cert, piece, piece.holder_org_id, p, PieceOrigin.SPLIT, piece.tier, None, None
        )
        for p in parts
    ]
    uow.flush()
    uow.audit(
        "certificate.piece.split",
        "certificate",
        cert.id,
        before=piece.snapshot(),
        after={"children": [c.snapshot() for c in children]},
        org_id=piece.holder_org_id,
    )
    return children


def split_piece(uow: UnitOfWork, piece_id: str, parts: Sequence[Money]) -> list[PieceRow]:
    """Split a held piece into parts (0.01 the smallest) that add up to its face."""
    parties.require_role(uow.actor, *ENTERPRISE, *FUNDERS)
    piece, cert = _live_piece(uow, piece_id, _acting_holder(uow))
    children = _split_in(uow, piece, cert, parts)
    uow.commit()
    return children


def _background(
    uow: UnitOfWork, holder: str, to_org_id: str, amount: Money, receivable_id: str | None
) -> str:
    """Find the receivable that makes a transfer real: the holder owes it to the recipient."""
    trade = _trade()
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


_P = _table(PieceRow).c
_C = _table(CertificateRow).c
# The statements of the transfer path, built once: building a statement costs more here
# than running it.
_LOCK_PIECE = (
    select(_table(PieceRow), _C.status.label("cert_status"), _C.maturity_on)
    .join_from(_table(PieceRow), _table(CertificateRow), _C.id == _P.certificate_id)
    .where(_P.id == bindparam("pid"))
    .with_for_update(of=_table(PieceRow))
)
_SPEND_LIVE = (
    _table(PieceRow)
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
_INSERT_PIECES = insert(_table(PieceRow))
_INSERT_AUDIT = insert(_table(AuditEntry))
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
        pieces, audit = _table(PieceRow), _table(AuditEntry)
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
    _trade().insert_uses(conn, writes.uses)
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


_PIECE_COLUMNS = tuple(_table(PieceRow).c.keys())


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
    if row is None or (holder_org_id is not None and row.holder_org_id != holder_org_id):
        raise NotFound(f"certificate piece {piece_id} not found", code="piece_not_found")
    if row.status != PieceStatus.LIVE.value:
        raise Conflict(
            f"piece {piece_id} is {row.status}: it was already split, transferred, "
            "financed or paid, so nothing more can happen to it",
            code="piece_not_live",
        )
    if row.cert_status != CertificateStatus.ACTIVE.value:
        raise RuleViolation(
            f"certificate {row.certificate_id} is {row.cert_status}; its pieces can no longer "
            "change",
            code="certificate_closed",
        )
    if is_matured(row.maturity_on, uow.today()):
        raise RuleViolation(
            f"certificate {row.certificate_id} matured on {row.maturity_on}; its pieces can "
            "only be paid",
            code="piece_matured",
        )
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


def _piece_values(
    certificate_id: str,
    parent_id: str,
    holder: str,
    face: Money,
    origin: PieceOrigin,
    tier: int,
    from_org_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": new_id("pce"),
        "certificate_id": certificate_id,
        "parent_id": parent_id,
        "holder_org_id": holder,
        "from_org_id": from_org_id,
        "currency": face.currency,
        "face_minor": face.minor,
        "tier": tier,
        "origin": origin.value,
        "status": PieceStatus.LIVE.value,
        "receivable_id": None,
        "registration_id": None,
        "created_at": now,
        "spent_at": None,
        "version": 1,
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
    trade = _trade()
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
    holder_org_id = _acting_holder(uow)
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
    trade = _trade()
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
            _piece_values(cert_id, parent["id"], holder, p, PieceOrigin.SPLIT, tier, None, now)
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
    child = _piece_values(
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


# ---------------------------------------------------------------- financing


def quote(
    uow: UnitOfWork,
    piece: PieceRow,
    cert: CertificateRow,
    rate: Decimal,
    amount: Money,
    fee: Money | None,
) -> Pricing:
    """Price an amount of a piece for sale today (value date rolled to a working day)."""
    cfg = settings_of(uow)
    value_date = uow.calendar.adjust(uow.today())
    return price_piece(
        amount,
        rate,
        value_date,
        cert.maturity_on,
        cfg.day_count(cert.currency),
        funder_fee=fee,
        platform_fee_rate=cfg.platform_fee_rate,
    )


def offer_financing(
    uow: UnitOfWork,
    piece_id: str,
    funder_org_id: str,
    rate: Decimal,
    *,
    amount: Money | None = None,
    fee: Money | None = None,
) -> FinancingRow:
    """The holder offers a piece (or an amount of it) to a white-listed institution."""
    parties.require_role(uow.actor, *ENTERPRISE)
    piece, cert = _live_piece(uow, piece_id, _acting_holder(uow))
    amount = positive_amount(amount if amount is not None else piece.face, piece.currency)
    split_off(piece.face, amount)
    _org_field(uow, funder_org_id, "funder_org_id")
    parties.require_licensed_funder(uow, funder_org_id)
    pricing = quote(uow, piece, cert, rate, amount, fee)
    row = FinancingRow(
        id=new_id("cfn"),
        piece_id=piece.id,
        certificate_id=cert.id,
        seller_org_id=piece.holder_org_id,
        funder_org_id=funder_org_id,
        currency=amount.currency,
        amount_minor=amount.minor,
        rate=rate,
        fee_minor=(fee or Money.zero(amount.currency)).minor,
        status="offered",
        pricing=pricing.as_dict(),
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "certificate.financing.offered",
        "certificate",
        cert.id,
        after={"financing_id": row.id, **pricing.as_dict()},
    )
    uow.commit()
    return row


def finance_piece_in(
    uow: UnitOfWork,
    piece_id: str,
    funder_org_id: str,
    rate: Decimal,
    *,
    seller_org_id: str | None = None,
    amount: Money | None = None,
    fee: Money | None = None,
    reference: str | None = None,
    financing: FinancingRow | None = None,
) -> FinancingRow:
    """Sell a piece (or an amount of it) to a white-listed institution, in the caller's unit
    of work: price = face - face x rate x days / basis, ownership passes to the institution
    and an assignment is registered. Does not commit."""
    parties.require_licensed_funder(uow, funder_org_id)
    piece, cert = _live_piece(uow, piece_id, seller_org_id)
    seller = piece.holder_org_id
    if seller == funder_org_id:
        raise InvalidInput("the holder cannot sell to itself", field="funder_org_id")
    amount = positive_amount(amount if amount is not None else piece.face, piece.currency)
    parts = split_off(piece.face, amount)
    pricing = quote(uow, piece, cert, rate, amount, fee)
    line = uow.session.get(CreditLineRow, cert.line_id)
    assert line is not None
    if line.funder_org_id != funder_org_id:
        check_cap(
            exposure_of(uow, funder_org_id, cert.issuer_org_id, cert.currency),
            amount,
            cap_for(uow, funder_org_id, cert.issuer_org_id, cert.currency),
            who="the institution's exposure to the issuer",
        )
    if len(parts) == 2:
        piece = _split_in(uow, piece, cert, parts)[0]
    piece.status = PieceStatus.SPENT.value
    piece.spent_at = uow.now()
    child = _new_piece(
        uow, cert, piece, funder_org_id, amount, PieceOrigin.FINANCE, piece.tier, None, seller
    )
    uow.flush()
    reg_id = _register_assignment(
        uow,
        grantor=seller,
        secured_party=funder_org_id,
        piece_id=child.id,
        amount=amount,
        months=_months_until(uow.today(), cert.maturity_on),
        description=(
            f"assignment of {amount} of payable certificate {cert.id} (piece {piece.id}) "
            f"maturing {cert.maturity_on.isoformat()}"
        ),
    )
    child.registration_id = reg_id
    if financing is None:
        financing = FinancingRow(
            id=new_id("cfn"),
            piece_id=piece_id,
            certificate_id=cert.id,
            seller_org_id=seller,
            funder_org_id=funder_org_id,
            currency=amount.currency,
            amount_minor=amount.minor,
            rate=rate,
            fee_minor=(fee or Money.zero(amount.currency)).minor,
            created_at=uow.now(),
            status="financed",
        )
        uow.session.add(financing)
    financing.status = "financed"
    financing.pricing = pricing.as_dict()
    financing.funder_piece_id = child.id
    financing.registration_id = reg_id
    financing.reference = reference
    financing.decided_at = uow.now()
    uow.flush()
    uow.audit(
        "certificate.piece.financed",
        "certificate",
        cert.id,
        before=piece.snapshot(),
        after={**child.snapshot(), "financing_id": financing.id, "pricing": pricing.as_dict()},
        org_id=seller,
    )
    return financing


def _offer(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    row = uow.session.get(FinancingRow, financing_id)
    if row is None or uow.actor.org_id not in (row.funder_org_id, row.seller_org_id):
        if row is None or not uow.actor.is_system:
            raise NotFound(f"financing {financing_id} not found")
    if row.status != "offered":
        raise Conflict(f"financing {financing_id} is {row.status}", code="financing_decided")
    return row


def accept_financing(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    """The institution accepts a holder's offer: it buys the piece at the offered price."""
    parties.require_role(uow.actor, *FUNDERS)
    row = _offer(uow, financing_id)
    if not uow.actor.is_system and uow.actor.org_id != row.funder_org_id:
        raise NotFound(f"financing {financing_id} not found")
    finance_piece_in(
        uow,
        row.piece_id,
        row.funder_org_id,
        Decimal(row.rate),
        seller_org_id=row.seller_org_id,
        amount=row.amount,
        fee=row.fee,
        reference=row.id,
        financing=row,
    )
    uow.commit()
    return row


def decline_financing(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    """The institution declines, or the holder withdraws, an open offer."""
    row = _offer(uow, financing_id)
    row.status = "declined" if uow.actor.org_id == row.funder_org_id else "withdrawn"
    row.decided_at = uow.now()
    uow.flush()
    uow.audit(
        f"certificate.financing.{row.status}",
        "certificate",
        row.certificate_id,
        after={"financing_id": row.id},
    )
    uow.commit()
    return row


# ---------------------------------------------------------------- settlement


@dataclass
class Settlement:
    msg_id: str
    xml: bytes
    payments: list[PaymentRow]


def instruct_settlement(uow: UnitOfWork, certificate_id: str) -> Settlement:
    """At maturity the issuer pays the face: one pain.001 payment per live piece's holder."""
    parties.require_role(uow.actor, "core_enterprise")
    s = uow.session
    cert = s.scalar(
        select(CertificateRow).where(CertificateRow.id == certificate_id).with_for_update()
    )
    if cert is None or (not uow.actor.is_system and cert.issuer_org_id != uow.actor.org_id):
        raise NotFound(f"certificate {certificate_id} not found")
    if cert.status == CertificateStatus.SETTLED.value:
        raise Conflict(f"certificate {cert.id} is settled", code="certificate_settled")
    if cert.settlement_msg_id is not None:
        raise Conflict(
            f"payment of certificate {cert.id} was instructed already ({cert.settlement_msg_id})",
            code="already_instructed",
        )
    today = uow.today()
    if not is_matured(cert.maturity_on, today):
        raise RuleViolation(
            f"certificate {cert.id} matures on {cert.maturity_on}; it is paid at maturity",
            code="not_matured",
        )
    live = list(
        s.scalars(
            select(PieceRow)
            .where(PieceRow.certificate_id == cert.id, PieceRow.status == PieceStatus.LIVE.value)
            .order_by(PieceRow.id)
            .with_for_update()
        )
    )
    pays = payments_for((p.id, p.holder_org_id, p.face) for p in live)
    orgs = parties.organizations_by_id(uow, [cert.issuer_org_id, *(p.payee for p in pays)])
    msg_id = f"SCF{cert.id[4:]}"[:35]
    rows: list[PaymentRow] = []
    transfers: list[Transfer] = []
    for n, p in enumerate(pays, start=1):
        e2e = f"{cert.id[4:]}-{n:04d}"[:35]
        row = PaymentRow(
            id=new_id("cpy"),
            certificate_id=cert.id,
            piece_id=p.piece_id,
            payee_org_id=p.payee,
            currency=p.amount.currency,
            amount_minor=p.amount.minor,
            end_to_end_id=e2e,
            msg_id=msg_id,
            status="instructed",
            created_at=uow.now(),
        )
        rows.append(row)
        payee = orgs[p.payee]
        transfers.append(
            Transfer(
                e2e,
                Party(payee.name, payee.uscc),
                p.amount,
                f"payable certificate {cert.id} piece {p.piece_id}",
            )
        )
    issuer = orgs[cert.issuer_org_id]
    xml = build_pain001(
        msg_id=msg_id,
        created_at=uow.now(),
        debtor=Party(issuer.name, issuer.uscc),
        initiator=Party(issuer.name, issuer.uscc),
        execution_date=max(today, cert.maturity_on),
        transfers=transfers,
        agent_bic=settings_of(uow).settlement_bank_bic,
    )
    validate_pain001(xml)
    s.add_all(rows)
    s.add(
        SettlementFileRow(
            msg_id=msg_id, certificate_id=cert.id, xml=xml.decode("utf-8"), created_at=uow.now()
        )
    )
    before = cert.snapshot()
    cert.settlement_msg_id = msg_id
    if cert.status == CertificateStatus.ACTIVE.value:
        cert.status = CertificateStatus.SETTLING.value
    uow.flush()
    uow.audit(
        "certificate.settlement.instructed",
        "certificate",
        cert.id,
        before=before,
        after={**cert.snapshot(), "payments": [(r.payee_org_id, r.amount) for r in rows]},
    )
    uow.commit()
    return Settlement(msg_id, xml, rows)


def settlement_file(uow: UnitOfWork, certificate_id: str) -> bytes:
    cert = get_certificate(uow, certificate_id)
    row = uow.session.scalar(
        select(SettlementFileRow).where(SettlementFileRow.certificate_id == cert.id)
    )
    if row is None:
        raise NotFound(f"no payment was instructed for certificate {cert.id}")
    return row.xml.encode("utf-8")


def reconcile_statement(uow: UnitOfWork, xml: bytes) -> dict[str, Any]:
    """Match a camt.053 statement's booked entries to instructed payments by end-to-end id.

    A matched payment pays its piece and restores the line; a certificate paid in full is
    settled. An entry already matched is reported as a duplicate and pays nothing twice.
    """
    parties.require_role(uow.actor, "core_enterprise", "operator")
    s = uow.session
    entries = parse_camt053(xml)
    matched: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for e in entries:
        if not e.booked:
            unmatched.append({"entry": e.index, "reason": "not booked"})
            continue
        pay = None
        for ref in e.end_to_end_ids:
            pay = s.scalar(select(PaymentRow).where(PaymentRow.end_to_end_id == ref))
            if pay is not None:
                break
        if pay is None:
            unmatched.append(
                {
                    "entry": e.index,
                    "reason": "no instructed payment has its end-to-end id",
                    "amount": e.amount.as_json(),
                }
            )
            continue
        cert = s.scalar(
            select(CertificateRow).where(CertificateRow.id == pay.certificate_id).with_for_update()
        )
        assert cert is not None
        mine = uow.actor.is_system or uow.actor.is_operator
        if not mine and cert.issuer_org_id != uow.actor.org_id:
            unmatched.append(
                {
                    "entry": e.index,
                    "reason": "no instructed payment has its end-to-end id",
                    "amount": e.amount.as_json(),
                }
            )
            continue
        if pay.status == "paid":
            duplicates.append({"entry": e.index, "end_to_end_id": pay.end_to_end_id})
            continue
        if e.amount != pay.amount:
            unmatched.append(
                {
                    "entry": e.index,
                    "end_to_end_id": pay.end_to_end_id,
                    "reason": f"amount {e.amount} differs from the instructed {pay.amount}",
                }
            )
            continue
        _book_payment(uow, cert, pay, e.booking_date or uow.today(), e.bank_reference)
        matched.append(
            {
                "entry": e.index,
                "end_to_end_id": pay.end_to_end_id,
                "certificate_id": cert.id,
                "payee_org_id": pay.payee_org_id,
                "amount": pay.amount.as_json(),
            }
        )
    uow.commit()
    return {
        "entries": len(entries),
        "matched": matched,
        "duplicates": duplicates,
        "unmatched": unmatched,
    }


def _book_payment(
    uow: UnitOfWork, cert: CertificateRow, pay: PaymentRow, on: date, ref: str
) -> None:
    s = uow.session
    piece = s.scalar(select(PieceRow).where(PieceRow.id == pay.piece_id).with_for_update())
    line = s.scalar(select(CreditLineRow).where(CreditLineRow.id == cert.line_id).with_for_update())
    assert piece is not None and line is not None
    pay.status = "paid"
    pay.paid_on = on
    pay.bank_reference = ref or None
    piece.status = PieceStatus.PAID.value
    piece.spent_at = uow.now()
    line.used_minor -= pay.amount_minor
    before = cert.snapshot()
    cert.paid_minor += pay.amount_minor
    if cert.paid_minor == cert.face_minor:
        cert.status = CertificateStatus.SETTLED.value
        cert.settled_at = uow.now()
    uow.flush()
    uow.audit(
        "certificate.payment.received",
        "certificate",
        cert.id,
        before=before,
        after={
            **cert.snapshot(),
            "payment": pay.end_to_end_id,
            "piece": piece.id,
            "payee_org_id": pay.payee_org_id,
            "amount": pay.amount,
        },
    )


def run_maturity(uow: UnitOfWork) -> list[CertificateAlertRow]:
    """Mark certificates unpaid after maturity overdue, and after the grace period in default,
    raising an alert with the unpaid amount each time."""
    parties.require_role(uow.actor, "operator", "regulator")
    s = uow.session
    today = uow.today()
    grace = settings_of(uow).grace_working_days
    open_states = [
        CertificateStatus.ACTIVE.value,
        CertificateStatus.SETTLING.value,
        CertificateStatus.OVERDUE.value,
    ]
    certs = s.scalars(
        select(CertificateRow)
        .where(CertificateRow.status.in_(open_states), CertificateRow.maturity_on < today)
        .order_by(CertificateRow.id)
        .with_for_update()
    )
    alerts: list[CertificateAlertRow] = []
    for cert in certs:
        new = unpaid_status(
            cert.maturity_on, today, grace_end(cert.maturity_on, grace, uow.calendar)
        )
        if new is None or new.value == cert.status:
            continue
        before = cert.snapshot()
        unpaid = cert.face - cert.paid
        cert.status = new.value
        if new is CertificateStatus.OVERDUE:
            cert.overdue_since = today
            msg = (
                f"certificate {cert.id} matured on {cert.maturity_on} and {unpaid} is "
                f"unpaid; default after {grace} working days of grace"
            )
        else:
            cert.overdue_since = cert.overdue_since or today
            cert.defaulted_on = today
            msg = f"certificate {cert.id} is in default: {unpaid} unpaid since {cert.maturity_on}"
        alert = CertificateAlertRow(
            id=new_id("cal"),
            certificate_id=cert.id,
            issuer_org_id=cert.issuer_org_id,
            kind=new.value,
            message=msg,
            unpaid_minor=unpaid.minor,
            currency=unpaid.currency,
            raised_at=uow.now(),
        )
        s.add(alert)
        alerts.append(alert)
        uow.flush()
        uow.audit(
            f"certificate.{new.value}",
            "certificate",
            cert.id,
            before=before,
            after={**cert.snapshot(), "alert": alert.id},
            org_id=cert.issuer_org_id,
        )
    uow.commit()
    return alerts


def list_alerts(uow: UnitOfWork) -> list[CertificateAlertRow]:
    """Alerts: all for the regulator and operator; an issuer's own; a holder's certificates'."""
    stmt = select(CertificateAlertRow).order_by(
        CertificateAlertRow.raised_at, CertificateAlertRow.id
    )
    if not _is_watcher(uow):
        org = uow.actor.org_id
        held = select(PieceRow.certificate_id).where(PieceRow.holder_org_id == org)
        stmt = stmt.where(
            or_(
                CertificateAlertRow.issuer_org_id == org,
                CertificateAlertRow.certificate_id.in_(held),
            )
        )
    return list(uow.session.scalars(stmt))


# ---------------------------------------------------------------- reading


def _parties_of(uow: UnitOfWork, cert: CertificateRow) -> set[str]:
    holders = uow.session.scalars(
        select(PieceRow.holder_org_id).where(PieceRow.certificate_id == cert.id).distinct()
    )
    line = uow.session.get(CreditLineRow, cert.line_id)
    out = {cert.issuer_org_id, *holders}
    if line is not None:
        out.add(line.funder_org_id)
    return out


def get_certificate(uow: UnitOfWork, certificate_id: str) -> CertificateRow:
    """A certificate its issuer, line funder, any holder of a piece, or a watcher may see."""
    cert = uow.session.get(CertificateRow, certificate_id)
    if cert is None:
        raise NotFound(f"certificate {certificate_id} not found")
    if uow.actor.org_id in _parties_of(uow, cert):
        return cert
    parties.authorize_read(uow, cert.issuer_org_id, "financing", f"certificate/{cert.id}")
    return cert


def _full_view(uow: UnitOfWork, cert: CertificateRow) -> bool:
    """Issuer, line funder and watchers see every piece; holders see their own."""
    line = uow.session.get(CreditLineRow, cert.line_id)
    return _is_watcher(uow) or uow.actor.org_id in (
        cert.issuer_org_id,
        line.funder_org_id if line else None,
    )


def pieces_of(uow: UnitOfWork, cert: CertificateRow) -> list[PieceRow]:
    stmt = select(PieceRow).where(PieceRow.certificate_id == cert.id).order_by(PieceRow.id)
    if not _full_view(uow, cert):
        stmt = stmt.where(PieceRow.holder_org_id == uow.actor.org_id)
    return list(uow.session.scalars(stmt))


def list_certificates(uow: UnitOfWork, status: str | None = None) -> list[CertificateRow]:
    stmt = select(CertificateRow).order_by(CertificateRow.id)
    if not _is_watcher(uow):
        org = uow.actor.org_id
        held = select(PieceRow.certificate_id).where(PieceRow.holder_org_id == org)
        lines = select(CreditLineRow.id).where(CreditLineRow.funder_org_id == org)
        stmt = stmt.where(
            or_(
                CertificateRow.issuer_org_id == org,
                CertificateRow.id.in_(held),
                CertificateRow.line_id.in_(lines),
            )
        )
    if status:
        stmt = stmt.where(CertificateRow.status == status)
    return list(uow.session.scalars(stmt))


def list_pieces(uow: UnitOfWork, status: str | None = "live") -> list[PieceRow]:
    """Pieces the acting organization holds."""
    stmt = select(PieceRow).where(PieceRow.holder_org_id == uow.actor.org_id)
    if status:
        stmt = stmt.where(PieceRow.status == status)
    return list(uow.session.scalars(stmt.order_by(PieceRow.id)))


def get_financing(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    row = uow.session.get(FinancingRow, financing_id)
    if row is None or not (
        _is_watcher(uow) or uow.actor.org_id in (row.seller_org_id, row.funder_org_id)
    ):
        raise NotFound(f"financing {financing_id} not found")
    return row


def _require_full_view(uow: UnitOfWork, certificate_id: str) -> CertificateRow:
    cert = get_certificate(uow, certificate_id)
    if not _full_view(uow, cert):
        raise NotFound(f"certificate {certificate_id} not found")
    return cert


def exposure_report(uow: UnitOfWork, certificate_id: str) -> dict[str, Any]:
    """Every holder of record and the amount still owed to it."""
    cert = _require_full_view(uow, certificate_id)
    pieces = uow.session.scalars(
        select(PieceRow).where(
            PieceRow.certificate_id == cert.id, PieceRow.status == PieceStatus.LIVE.value
        )
    )
    by_holder: dict[str, list[PieceRow]] = defaultdict(list)
    for p in pieces:
        by_holder[p.holder_org_id].append(p)
    orgs = parties.organizations_by_id(uow, by_holder)
    holders = [
        {
            "org_id": org_id,
            "name": orgs[org_id].name,
            "amount": Money(sum(p.face_minor for p in ps), cert.currency).as_json(),
            "pieces": [p.id for p in ps],
        }
        for org_id, ps in sorted(by_holder.items())
    ]
    return {
        "certificate_id": cert.id,
        "issuer_org_id": cert.issuer_org_id,
        "status": cert.status,
        "maturity_on": cert.maturity_on.isoformat(),
        "face": cert.face.as_json(),
        "paid": cert.paid.as_json(),
        "unpaid": (cert.face - cert.paid).as_json(),
        "holders": holders,
    }


def lineage(uow: UnitOfWork, certificate_id: str) -> dict[str, Any]:
    """The tree of pieces back to issuance, each hop with its trade background."""
    cert = _require_full_view(uow, certificate_id)
    pieces = list(
        uow.session.scalars(
            select(PieceRow).where(PieceRow.certificate_id == cert.id).order_by(PieceRow.id)
        )
    )
    children: dict[str | None, list[PieceRow]] = defaultdict(list)
    for p in pieces:
        children[p.parent_id].append(p)

    def node(p: PieceRow) -> dict[str, Any]:
        return {
            "piece_id": p.id,
            "holder_org_id": p.holder_org_id,
            "from_org_id": p.from_org_id,
            "face": p.face.as_json(),
            "tier": p.tier,
            "origin": p.origin,
            "status": p.status,
            "trade_background": {"receivable_id": p.receivable_id} if p.receivable_id else None,
            "registration_id": p.registration_id,
            "children": [node(c) for c in children[p.id]],
        }

    roots = children[None]
    return {
        "certificate_id": cert.id,
        "face": cert.face.as_json(),
        "deepest_tier": max((p.tier for p in pieces), default=0),
        "receivable_ids": list(cert.receivable_ids),
        "tree": node(roots[0]) if roots else None,
    }


def reach_figures(uow: UnitOfWork) -> dict[str, Any]:
    """How far credit travelled: per tier the amounts and enterprises reached, per certificate
    the deepest tier, and how much SMEs financed (for the regulator)."""
    parties.require_role(uow.actor, "regulator", "operator")
    s = uow.session
    certs = list(s.scalars(select(CertificateRow)))
    pieces = list(s.scalars(select(PieceRow)))
    orgs = parties.organizations_by_id(uow, {p.holder_org_id for p in pieces})
    tiers: dict[int, dict[str, Any]] = {}
    deepest: dict[str, int] = defaultdict(int)
    smes: set[str] = set()
    financed: dict[str, int] = defaultdict(int)
    for p in pieces:
        deepest[p.certificate_id] = max(deepest[p.certificate_id], p.tier)
        org = orgs.get(p.holder_org_id)
        if p.origin == PieceOrigin.FINANCE.value:
            financed[p.currency] += p.face_minor
            continue
        if p.origin not in (PieceOrigin.ISSUE.value, PieceOrigin.TRANSFER.value):
            continue
        t = tiers.setdefault(
            p.tier,
            {
                "tier": p.tier,
                "enterprises": set(),
                "smes": set(),
                "amounts": defaultdict(int),
                "hops": 0,
            },
        )
        t["enterprises"].add(p.holder_org_id)
        t["amounts"][p.currency] += p.face_minor
        t["hops"] += 1
        if org is not None and parties.is_sme(org):
            t["smes"].add(p.holder_org_id)
            smes.add(p.holder_org_id)
    issued: dict[str, int] = defaultdict(int)
    for c in certs:
        issued[c.currency] += c.face_minor

    def amounts(d: dict[str, int]) -> list[dict[str, Any]]:
        return [Money(v, k).as_json() for k, v in sorted(d.items())]

    return {
        "certificates": len(certs),
        "issued": amounts(issued),
        "max_tier": max(deepest.values(), default=0),
        "smes_reached": len(smes),
        "financed": amounts(financed),
        "tiers": [
            {
                "tier": t["tier"],
                "enterprises": len(t["enterprises"]),
                "smes": len(t["smes"]),
                "hops": t["hops"],
                "amounts": amounts(t["amounts"]),
            }
            for _, t in sorted(tiers.items())
        ],
        "deepest_tier_by_certificate": dict(sorted(deepest.items())),
    }


def institution_exposures(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each institution's exposure to each core enterprise against its cap."""
    parties.require_role(uow.actor, "regulator", "operator", *FUNDERS)
    s = uow.session
    pairs: set[tuple[str, str, str]] = set()
    for ln in s.scalars(select(CreditLineRow)):
        pairs.add((ln.funder_org_id, ln.core_org_id, ln.currency))
    held = s.execute(
        select(PieceRow.holder_org_id, CertificateRow.issuer_org_id, CertificateRow.currency)
        .join(CertificateRow, CertificateRow.id == PieceRow.certificate_id)
        .where(
            PieceRow.origin == PieceOrigin.FINANCE.value, PieceRow.status == PieceStatus.LIVE.value
        )
    )
    pairs.update((h, c, ccy) for h, c, ccy in held)
    if not _is_watcher(uow):
        pairs = {p for p in pairs if p[0] == uow.actor.org_id}
    out = []
    for funder, core, ccy in sorted(pairs):
        exposure = exposure_of(uow, funder, core, ccy)
        cap = cap_for(uow, funder, core, ccy)
        used = s.scalar(
            select(func.coalesce(func.sum(CreditLineRow.used_minor), 0)).where(
                CreditLineRow.funder_org_id == funder,
                CreditLineRow.core_org_id == core,
                CreditLineRow.currency == ccy,
            )
        )
        out.append(
            {
                "funder_org_id": funder,
                "core_org_id": core,
                "exposure": exposure.as_json(),
                "lines_used": Money(int(used or 0), ccy).as_json(),
                "cap": cap.as_json(),
                "headroom": (cap - exposure).as_json(),
                "over_cap": exposure > cap,
            }
        )
    return out


def upcoming_settlements(uow: UnitOfWork, within_days: int = 30) -> list[dict[str, Any]]:
    """Certificates maturing within the coming days and what is still to pay on them."""
    if not 0 <= within_days <= 366:
        raise InvalidInput("0 to 366 days", field="within_days")
    today = uow.today()
    stmt = select(CertificateRow).where(
        CertificateRow.maturity_on >= today,
        CertificateRow.maturity_on <= today + timedelta(days=within_days),
        CertificateRow.status.in_(
            [CertificateStatus.ACTIVE.value, CertificateStatus.SETTLING.value]
        ),
    )
    if not _is_watcher(uow):
        stmt = stmt.where(CertificateRow.issuer_org_id == uow.actor.org_id)
    out = []
    for c in uow.session.scalars(stmt.order_by(CertificateRow.maturity_on, CertificateRow.id)):
        holders = uow.session.scalar(
            select(func.count(func.distinct(PieceRow.holder_org_id))).where(
                PieceRow.certificate_id == c.id, PieceRow.status == PieceStatus.LIVE.value
            )
        )
        out.append(
            {
                "certificate_id": c.id,
                "issuer_org_id": c.issuer_org_id,
                "maturity_on": c.maturity_on.isoformat(),
                "status": c.status,
                "unpaid": (c.face - c.paid).as_json(),
                "holders": int(holders or 0),
            }
        )
    return out


def financing_records(uow: UnitOfWork, status: str | None = None) -> list[dict[str, Any]]:
    """Piece financings with their certificate's issuer, tier and state (read-only): all for
    watchers, an institution's or a seller's own otherwise."""
    stmt = (
        select(FinancingRow, PieceRow.tier, CertificateRow.issuer_org_id, CertificateRow.status)
        .join(PieceRow, PieceRow.id == FinancingRow.piece_id)
        .join(CertificateRow, CertificateRow.id == FinancingRow.certificate_id)
        .order_by(FinancingRow.created_at, FinancingRow.id)
    )
    if not _is_watcher(uow):
        org = uow.actor.org_id
        stmt = stmt.where(or_(FinancingRow.funder_org_id == org, FinancingRow.seller_org_id == org))
    if status:
        stmt = stmt.where(FinancingRow.status == status)
    return [
        {
            "id": f.id,
            "piece_id": f.piece_id,
            "certificate_id": f.certificate_id,
            "seller_org_id": f.seller_org_id,
            "funder_org_id": f.funder_org_id,
            "issuer_org_id": issuer,
            "tier": tier,
            "amount": f.amount,
            "rate": Decimal(f.rate),
            "fee": f.fee,
            "status": f.status,
            "pricing": f.pricing,
            "certificate_status": cert_status,
            "created_at": f.created_at,
            "decided_at": f.decided_at,
        }
        for f, tier, issuer, cert_status in uow.session.execute(stmt)
    ]


# ---------------------------------------------------------------- risk adapters (read-only)


def _certificate_summary_statement() -> Any:
    """The four sums of `certificate_summary` in one statement (one round trip), built once."""
    from sqlalchemy import case

    org = bindparam("org", type_=PieceRow.holder_org_id.type)
    d90 = bindparam("d90", type_=PieceRow.created_at.type)
    d180 = bindparam("d180", type_=PieceRow.created_at.type)
    now = bindparam("now", type_=PieceRow.created_at.type)
    received = (
        PieceRow.holder_org_id == org,
        PieceRow.currency == "CNY",
        PieceRow.origin.in_((PieceOrigin.ISSUE.value, PieceOrigin.TRANSFER.value)),
        PieceRow.created_at > d180,
        PieceRow.created_at <= now,
    )
    lines = (
        CreditLineRow.core_org_id == org,
        CreditLineRow.currency == "CNY",
        CreditLineRow.status == LineStatus.ACTIVE.value,
    )
    return select(
        select(func.coalesce(func.sum(case((PieceRow.created_at > d90, PieceRow.face_minor))), 0))
        .where(*received)
        .scalar_subquery(),
        select(func.coalesce(func.sum(case((PieceRow.created_at <= d90, PieceRow.face_minor))), 0))
        .where(*received)
        .scalar_subquery(),
        select(func.coalesce(func.sum(CreditLineRow.limit_minor), 0))
        .where(*lines)
        .scalar_subquery(),
        select(func.coalesce(func.sum(CreditLineRow.used_minor), 0))
        .where(*lines)
        .scalar_subquery(),
    )


_CERTIFICATE_SUMMARY = _certificate_summary_statement()


def certificate_summary(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """The risk room's certificate features of an enterprise, keyed by `FinancingInputs` names.

    Certificates received: CNY face of pieces that came to it by issue or transfer (not its
    own splits, not pieces institutions bought) in the last 90 days and the 90 before.
    Utilization: for a core enterprise, the share of its active credit lines in use (None when
    it has none). One prebuilt statement; no access check (the risk room checks consent).
    """
    now = uow.now()
    params = {
        "org": org_id,
        "d90": now - timedelta(days=90),
        "d180": now - timedelta(days=180),
        "now": now,
    }
    recent, before, limit, used = uow.session.execute(_CERTIFICATE_SUMMARY, params).one()
    return {
        "certificates_received_90d_minor": int(recent),
        "certificates_received_prev_90d_minor": int(before),
        "utilization": float(int(used) / int(limit)) if limit else None,
    }


def certificate_claims(uow: UnitOfWork) -> list[tuple[str, str, Money, str]]:
    """Live pieces as (holder, issuer, face, "certificate"), summed per pair and currency.

    Every holder of a live piece, at whatever tier it was transferred to, holds its claim on
    the issuing core enterprise; institutions that bought pieces hold theirs the same way.
    Pieces of settled certificates are paid and carry no claim. One grouped query.
    """
    stmt = (
        select(
            PieceRow.holder_org_id,
            CertificateRow.issuer_org_id,
            PieceRow.currency,
            func.sum(PieceRow.face_minor),
        )
        .join(CertificateRow, CertificateRow.id == PieceRow.certificate_id)
        .where(
            PieceRow.status == PieceStatus.LIVE.value,
            CertificateRow.status != CertificateStatus.SETTLED.value,
            PieceRow.holder_org_id != CertificateRow.issuer_org_id,
        )
        .group_by(PieceRow.holder_org_id, CertificateRow.issuer_org_id, PieceRow.currency)
        .order_by(PieceRow.holder_org_id, CertificateRow.issuer_org_id, PieceRow.currency)
    )
    return [
        (holder, issuer, Money(int(minor), ccy), "certificate")
        for holder, issuer, ccy, minor in uow.session.execute(stmt)
    ]
