"""Issue: a core enterprise's certificate to a supplier against confirmed receivables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from scf.certificates.common import months_until, org_field, register_assignment, settings_of
from scf.certificates.model import (
    CertificateStatus,
    LineStatus,
    PieceOrigin,
    maturity_for,
    positive_amount,
)
from scf.certificates.pieces import new_piece
from scf.certificates.tables import CertificateRow, CreditLineRow, PieceRow
from scf.core.calendar import Rolled
from scf.core.errors import InvalidInput, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.trade import service as trade

# What the certificate pays: each receivable it uses and the amount it takes of it.
Plan = list[tuple[str, Money]]


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
    today = uow.today()
    line, face = _line_with_room(uow, line_id, face, today)
    issuer = line.core_org_id
    supplier = _supplier(uow, supplier_org_id, issuer)
    parties.require_not_blacklisted(uow, issuer)
    parties.require_not_blacklisted(uow, supplier_org_id)
    maturity = maturity_for(maturity_on, today, settings_of(uow).max_tenor_months, uow.calendar)
    plan = _receivables_plan(uow, receivable_ids, supplier_org_id, supplier.name, issuer, face)
    cert, root = _record_certificate(uow, line, supplier_org_id, face, today, maturity, plan)
    for rid, take in plan:
        trade.use_receivable(uow, rid, take, purpose="certificate_issue", reference=cert.id)
    line_before = line.snapshot()
    line.used_minor += face.minor
    uow.flush()
    cert.registration_id = root.registration_id = _register_root(uow, cert, root, plan, today)
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


def _line_with_room(
    uow: UnitOfWork, line_id: str, face: Money, today: date
) -> tuple[CreditLineRow, Money]:
    """Lock the issuer's line and check that it is open and has room for the face."""
    line = uow.session.scalar(
        select(CreditLineRow).where(CreditLineRow.id == line_id).with_for_update()
    )
    if line is None or (not uow.actor.is_system and line.core_org_id != uow.actor.org_id):
        raise NotFound(f"credit line {line_id} not found", code="line_not_found")
    face = positive_amount(face, line.currency, "face")
    if line.status != LineStatus.ACTIVE.value or line.expires_on < today:
        raise RuleViolation(f"credit line {line_id} is closed or expired", code="line_expired")
    if face > line.available:
        raise RuleViolation(
            f"the line has {line.available} left, the certificate needs {face}",
            code="line_exhausted",
        )
    return line, face


def _supplier(uow: UnitOfWork, supplier_org_id: str, issuer: str) -> Any:
    """The organization the certificate goes to: a supplier or distributor, not the issuer."""
    supplier = org_field(uow, supplier_org_id, "supplier_org_id")
    if supplier_org_id == issuer or not set(supplier.roles) & {"supplier", "distributor"}:
        raise InvalidInput(f"{supplier.name} is not a supplier", field="supplier_org_id")
    return supplier


def _receivables_plan(
    uow: UnitOfWork,
    receivable_ids: Sequence[str],
    supplier_org_id: str,
    supplier_name: str,
    issuer: str,
    face: Money,
) -> Plan:
    """Take the face from the named receivables in order, each for at most its confirmed
    unused amount; every one must be owed by the issuer to the supplier."""
    if not receivable_ids:
        raise InvalidInput("name the confirmed receivables it pays", field="receivable_ids")
    if len(set(receivable_ids)) != len(receivable_ids):
        raise InvalidInput("a receivable is named twice", field="receivable_ids")
    plan: Plan = []
    remaining = face
    for i, rid in enumerate(receivable_ids):
        try:
            info = trade.receivable_info(uow, rid)
        except NotFound:
            raise InvalidInput(f"receivable {rid} not found", field=f"receivable_ids.{i}") from None
        if info.seller_org_id != supplier_org_id or info.debtor_org_id != issuer:
            raise RuleViolation(
                f"receivable {rid} is not owed by the issuer to {supplier_name}",
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
    return plan


def _record_certificate(
    uow: UnitOfWork,
    line: CreditLineRow,
    supplier_org_id: str,
    face: Money,
    today: date,
    maturity: Rolled,
    plan: Plan,
) -> tuple[CertificateRow, PieceRow]:
    """Add the certificate and its first piece, held by the supplier, to the session."""
    cert = CertificateRow(
        id=new_id("crt"),
        issuer_org_id=line.core_org_id,
        first_holder_org_id=supplier_org_id,
        line_id=line.id,
        currency=face.currency,
        face_minor=face.minor,
        paid_minor=0,
        issued_on=today,
        maturity_on=maturity.date,
        maturity_requested_on=maturity.requested,
        maturity_provisional=maturity.provisional,
        status=CertificateStatus.ACTIVE.value,
        receivable_ids=[rid for rid, _ in plan],
        created_at=uow.now(),
    )
    uow.session.add(cert)
    issuer = line.core_org_id
    root = new_piece(uow, cert, None, supplier_org_id, face, PieceOrigin.ISSUE, 1, None, issuer)
    return cert, root


def _register_root(
    uow: UnitOfWork, cert: CertificateRow, root: PieceRow, plan: Plan, today: date
) -> str:
    """File the assignment of the first piece from the issuer to the supplier."""
    return register_assignment(
        uow,
        grantor=cert.issuer_org_id,
        secured_party=cert.first_holder_org_id,
        piece_id=root.id,
        amount=cert.face,
        months=months_until(today, cert.maturity_on),
        description=(
            f"payable certificate {cert.id}, face {cert.face}, maturing "
            f"{cert.maturity_on.isoformat()}, "
            f"issued against receivables {', '.join(rid for rid, _ in plan)}"
        ),
    )
