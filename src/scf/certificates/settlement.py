"""Settlement: pay every holder of record at maturity, reconcile statements, mark defaults."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from scf.certificates.accounts import bank_account_of
from scf.certificates.common import is_watcher, settings_of
from scf.certificates.iso20022 import (
    Party,
    StatementEntry,
    Transfer,
    build_pain001,
    statement_entries,
    validate_pain001,
)
from scf.certificates.model import (
    CertificateStatus,
    Payment,
    PieceStatus,
    grace_end,
    is_matured,
    payments_for,
    unpaid_status,
)
from scf.certificates.pieces import get_certificate, require_full_view
from scf.certificates.tables import (
    CertificateAlertRow,
    CertificateRow,
    CreditLineRow,
    PaymentRow,
    PieceRow,
    SettlementFileRow,
)
from scf.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties


@dataclass
class Settlement:
    msg_id: str
    xml: bytes
    payments: list[PaymentRow]


def instruct_settlement(uow: UnitOfWork, certificate_id: str) -> Settlement:
    """At maturity the issuer pays the face: one pain.001 payment per live piece's holder."""
    parties.require_role(uow.actor, "core_enterprise")
    s = uow.session
    today = uow.today()
    cert = _matured_unpaid(uow, certificate_id, today)
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
    rows, transfers = _payment_orders(uow, cert, pays, orgs, msg_id)
    issuer = orgs[cert.issuer_org_id]
    xml = build_pain001(
        msg_id=msg_id,
        created_at=uow.now(),
        debtor=Party(issuer.name, issuer.uscc, bank_account_of(uow, issuer.id, cert.currency)),
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


def _matured_unpaid(uow: UnitOfWork, certificate_id: str, today: date) -> CertificateRow:
    """Lock the issuer's certificate, refusing one settled, instructed already or not matured."""
    cert = uow.session.scalar(
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
    if not is_matured(cert.maturity_on, today):
        raise RuleViolation(
            f"certificate {cert.id} matures on {cert.maturity_on}; it is paid at maturity",
            code="not_matured",
        )
    return cert


def _payment_orders(
    uow: UnitOfWork,
    cert: CertificateRow,
    pays: Sequence[Payment],
    orgs: dict[str, Any],
    msg_id: str,
) -> tuple[list[PaymentRow], list[Transfer]]:
    """One payment row and one credit transfer per payment, numbered in order."""
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
                Party(payee.name, payee.uscc, bank_account_of(uow, p.payee, p.amount.currency)),
                p.amount,
                f"payable certificate {cert.id} piece {p.piece_id}",
            )
        )
    return rows, transfers


def settlement_file(uow: UnitOfWork, certificate_id: str) -> bytes:
    cert = get_certificate(uow, certificate_id)
    row = uow.session.scalar(
        select(SettlementFileRow).where(SettlementFileRow.certificate_id == cert.id)
    )
    if row is None:
        raise NotFound(f"no payment was instructed for certificate {cert.id}")
    return row.xml.encode("utf-8")


def reconcile_statement(uow: UnitOfWork, xml: bytes) -> dict[str, Any]:
    """Match a camt.052/053/054 message's booked entries to instructed payments by end-to-end id.

    A matched payment pays its piece and restores the line; a certificate paid in full is
    settled. An entry already matched is reported as a duplicate and pays nothing twice.
    """
    parties.require_role(uow.actor, "core_enterprise", "operator")
    entries = statement_entries(xml)
    found: dict[str, list[dict[str, Any]]] = {"matched": [], "duplicates": [], "unmatched": []}
    for e in entries:
        kind, record = _reconcile_entry(uow, e)
        found[kind].append(record)
    uow.commit()
    return {"entries": len(entries), **found}


def _reconcile_entry(uow: UnitOfWork, e: StatementEntry) -> tuple[str, dict[str, Any]]:
    """Book one statement entry against its instructed payment; returns how it matched
    (`matched`, `duplicates` or `unmatched`) and what the report says of it."""
    if not e.booked:
        return "unmatched", {"entry": e.index, "reason": "not booked"}
    s = uow.session
    pay = None
    for ref in e.end_to_end_ids:
        pay = s.scalar(select(PaymentRow).where(PaymentRow.end_to_end_id == ref))
        if pay is not None:
            break
    unknown = {
        "entry": e.index,
        "reason": "no instructed payment has its end-to-end id",
        "amount": e.amount.as_json(),
    }
    if pay is None:
        return "unmatched", unknown
    cert = s.scalar(
        select(CertificateRow).where(CertificateRow.id == pay.certificate_id).with_for_update()
    )
    assert cert is not None
    mine = uow.actor.is_system or uow.actor.is_operator
    if not mine and cert.issuer_org_id != uow.actor.org_id:
        return "unmatched", unknown
    if pay.status == "paid":
        return "duplicates", {"entry": e.index, "end_to_end_id": pay.end_to_end_id}
    if e.amount != pay.amount:
        return "unmatched", {
            "entry": e.index,
            "end_to_end_id": pay.end_to_end_id,
            "reason": f"amount {e.amount} differs from the instructed {pay.amount}",
        }
    _book_payment(uow, cert, pay, e.booking_date or uow.today(), e.bank_reference)
    return "matched", {
        "entry": e.index,
        "end_to_end_id": pay.end_to_end_id,
        "certificate_id": cert.id,
        "payee_org_id": pay.payee_org_id,
        "amount": pay.amount.as_json(),
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
        alerts.append(_mark_unpaid(uow, cert, new, today, grace))
    uow.commit()
    return alerts


def _mark_unpaid(
    uow: UnitOfWork, cert: CertificateRow, new: CertificateStatus, today: date, grace: int
) -> CertificateAlertRow:
    """Mark a certificate overdue or in default and raise the alert with what is unpaid."""
    before = cert.snapshot()
    unpaid = cert.face - cert.paid
    alert = CertificateAlertRow(
        id=new_id("cal"),
        certificate_id=cert.id,
        issuer_org_id=cert.issuer_org_id,
        kind=new.value,
        message=_unpaid_message(cert, new, unpaid, grace),
        unpaid_minor=unpaid.minor,
        currency=unpaid.currency,
        raised_at=uow.now(),
    )
    cert.status = new.value
    if new is CertificateStatus.OVERDUE:
        cert.overdue_since = today
    else:
        cert.overdue_since = cert.overdue_since or today
        cert.defaulted_on = today
    uow.session.add(alert)
    uow.flush()
    uow.audit(
        f"certificate.{new.value}",
        "certificate",
        cert.id,
        before=before,
        after={**cert.snapshot(), "alert": alert.id},
        org_id=cert.issuer_org_id,
    )
    return alert


def _unpaid_message(cert: CertificateRow, new: CertificateStatus, unpaid: Money, grace: int) -> str:
    """What the alert says: the amount unpaid, and for an overdue one when it defaults."""
    if new is CertificateStatus.OVERDUE:
        return (
            f"certificate {cert.id} matured on {cert.maturity_on} and {unpaid} is "
            f"unpaid; default after {grace} working days of grace"
        )
    return f"certificate {cert.id} is in default: {unpaid} unpaid since {cert.maturity_on}"


def list_alerts(uow: UnitOfWork) -> list[CertificateAlertRow]:
    """Alerts: all for the regulator and operator; an issuer's own; a holder's certificates'."""
    stmt = select(CertificateAlertRow).order_by(
        CertificateAlertRow.raised_at, CertificateAlertRow.id
    )
    if not is_watcher(uow):
        org = uow.actor.org_id
        held = select(PieceRow.certificate_id).where(PieceRow.holder_org_id == org)
        stmt = stmt.where(
            or_(
                CertificateAlertRow.issuer_org_id == org,
                CertificateAlertRow.certificate_id.in_(held),
            )
        )
    return list(uow.session.scalars(stmt))


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
    if not is_watcher(uow):
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
                "maturity_requested_on": _iso(c.maturity_requested_on),
                "maturity_provisional": c.maturity_provisional,
                "status": c.status,
                "unpaid": (c.face - c.paid).as_json(),
                "holders": int(holders or 0),
            }
        )
    return out


def exposure_report(uow: UnitOfWork, certificate_id: str) -> dict[str, Any]:
    """Every holder of record and the amount still owed to it."""
    cert = require_full_view(uow, certificate_id)
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
        "maturity_requested_on": _iso(cert.maturity_requested_on),
        "maturity_provisional": cert.maturity_provisional,
        "face": cert.face.as_json(),
        "paid": cert.paid.as_json(),
        "unpaid": (cert.face - cert.paid).as_json(),
        "holders": holders,
    }


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()
