"""ISO 20022 invoice financing (tsin) in and out: a supplier's ERP sends a tsin.001 request
(or the funder it is addressed to relays it, under the supplier's financing consent), each
invoice of it becomes a financing application through the same checks as one filed on a
page or the API, a tsin.002 status goes back at once and again whenever an application
moves, and a tsin.003 cancellation withdraws what is still open.

A request that names an invoice, a party or a funder the platform does not know, or whose
totals disagree (within an invoice, across the request, or with the invoice on file), is
answered by a tsin.002 rejection (RCER) with the reason code, and nothing is stored; so is a
request that any automatic check refuses. The reason codes are the platform's own, given as
StsRsn/Prtry (below, and every refusal code of the checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.errors import DomainError, InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing import tsin_messages as T
from scf.financing.applications import S, find_application, move
from scf.financing.common import ENTERPRISE, FUNDERS
from scf.financing.tables import FinancingApplicationRow, TsinMessageRow, TsinRequestRow
from scf.financing.workflow import ApplicationInput, submit_application
from scf.parties import service as parties
from scf.trade import service as trade

SCENARIO = "receivables_factoring"
# The platform's reason codes in a tsin.002 rejection (StsRsn/Prtry), besides the refusal
# codes of the automatic checks.
UNKNOWN_REQUESTER = "UNKNOWN_REQUESTER"
UNKNOWN_FUNDER = "UNKNOWN_FUNDER"
UNKNOWN_INVOICE = "UNKNOWN_INVOICE"
INCONSISTENT_TOTALS = "INCONSISTENT_TOTALS"
DUPLICATE_REQUEST = "DUPLICATE_REQUEST"
UNKNOWN_REQUEST = "UNKNOWN_REQUEST"
NOT_CANCELLABLE = "NOT_CANCELLABLE"
NO_CONSENT = "NO_CONSENT"
FINANCED = frozenset({S.DISBURSED, S.OVERDUE, S.DEFAULTED, S.CLOSED})
NOT_FINANCED = frozenset({S.REFUSED, S.WITHDRAWN})
CANCELLABLE = frozenset({S.ESCALATED, S.SENT, S.OFFERED})


class Rejection(Exception):
    """A tsin message the platform answers with a rejection; `code` goes in StsRsn/Prtry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Answer:
    """The tsin.002 the platform sends back, with its HTTP status and the request it is of."""

    status_code: int
    xml: bytes
    request_id: str | None = None


def receive(uow: UnitOfWork, xml: bytes) -> Answer:
    """Take a tsin.001 request or a tsin.003 cancellation; answer with a tsin.002."""
    parties.require_role(uow.actor, *ENTERPRISE, *FUNDERS)
    kind, root = T.message_kind(xml)
    funder = uow.actor if uow.actor.has(*FUNDERS) else None
    if kind == T.REQUEST:
        req = T.read_request(root)
        if funder is None:
            return _request(uow, xml, req)
        return _relayed(uow, xml, req, funder)
    if kind == T.CANCELLATION:
        return _cancel(uow, xml, T.read_cancellation(root))
    raise InvalidInput(
        "tsin.002 is what the platform sends; send a tsin.001 or a tsin.003",
        field="body",
        code="wrong_namespace",
    )


def _rejection(uow: UnitOfWork, group_id: str, created: str, code: str, why: str) -> Answer:
    uow.rollback()
    report = T.StatusReport(new_id("tsn")[:35], uow.now(), group_id, created, False, code, why)
    return Answer(422, T.build_status(report))


def _money(value: tuple[Decimal, str], field: str) -> Money:
    try:
        return Money.of(value[0], value[1], field=field)
    except InvalidInput as exc:
        raise Rejection(INCONSISTENT_TOTALS, f"{field}: {exc.message}") from None


def _check_totals(req: T.FinancingRequest) -> None:
    if req.count is not None and req.count != len(req.invoices):
        raise Rejection(
            INCONSISTENT_TOTALS,
            f"NbOfInvcReqs says {req.count} invoices, the request holds {len(req.invoices)}",
        )
    for inv in req.invoices:
        taxable, tax = _money(inv.taxable, "TtlTaxblAmt"), _money(inv.tax, "TtlTaxAmt")
        total = _money(inv.total, "TtlInvcAmt")
        if len({taxable.currency, total.currency, req.currency}) != 1:
            raise Rejection(INCONSISTENT_TOTALS, f"invoice {inv.number}: currencies differ")
        if taxable + tax != total:
            raise Rejection(
                INCONSISTENT_TOTALS,
                f"invoice {inv.number}: {taxable} + tax {tax} is not the total {total}",
            )
        if inv.requested and _money(inv.requested, "ReqdAmt") > total:
            raise Rejection(INCONSISTENT_TOTALS, f"invoice {inv.number}: asks more than due")
    if req.bulk_total is not None:
        bulk = _money(req.bulk_total, "TtlBlkInvcAmt")
        summed = sum((_money(i.total, "TtlInvcAmt").minor for i in req.invoices), 0)
        if bulk.minor != summed or bulk.currency != req.currency:
            raise Rejection(
                INCONSISTENT_TOTALS, f"TtlBlkInvcAmt {bulk} is not the sum of the invoices"
            )


def _funder(uow: UnitOfWork, req: T.FinancingRequest) -> str:
    org = parties.find_by_uscc(uow, req.funder_id) if req.funder_id else None
    if org is None or not set(org.roles) & set(FUNDERS):
        raise Rejection(UNKNOWN_FUNDER, f"no funder {req.funder_id or '(none)'} on the platform")
    return str(org.id)


def _plan(uow: UnitOfWork, req: T.FinancingRequest) -> tuple[str, list[ApplicationInput]]:
    """Check the request against what the platform holds; the applications it asks for."""
    me = parties.get_organization(uow, uow.actor.org_id or "")
    if req.requester_id != me.uscc:
        raise Rejection(
            UNKNOWN_REQUESTER, f"the requester {req.requester_id} is not the sender {me.uscc}"
        )
    _check_totals(req)
    funder = _funder(uow, req)
    plans = []
    for inv in req.invoices:
        if inv.supplier_id not in (None, me.uscc):
            raise Rejection(UNKNOWN_REQUESTER, f"invoice {inv.number}: the supplier is not you")
        found = trade.invoice_receivable(uow, me.id, inv.number)
        if found is None:
            raise Rejection(UNKNOWN_INVOICE, f"no invoice {inv.number} of yours on the platform")
        facts, receivable = found
        buyer = parties.find_organization(uow, facts["buyer_org_id"])
        if inv.buyer_id not in (None, buyer.uscc):
            raise Rejection(UNKNOWN_INVOICE, f"invoice {inv.number} has another buyer on file")
        total = _money(inv.total, "TtlInvcAmt")
        if total != facts["total"] or inv.issue_date != facts["issue_date"]:
            raise Rejection(
                INCONSISTENT_TOTALS,
                f"invoice {inv.number}: {total} of {inv.issue_date} differs from the invoice "
                f"on file ({facts['total']} of {facts['issue_date']})",
            )
        amount = _money(inv.requested, "ReqdAmt") if inv.requested else total
        plans.append(ApplicationInput(SCENARIO, amount, {"receivable_id": receivable.id}, [funder]))
    return funder, plans


def _relayed(uow: UnitOfWork, xml: bytes, req: T.FinancingRequest, funder: Actor) -> Answer:
    """A funder relays a supplier's request addressed to itself: allowed while the supplier
    lets it see its financing (a live consent), and run as the supplier's own request."""
    me = parties.find_organization(uow, funder.org_id or "")
    supplier = parties.find_by_uscc(uow, req.requester_id) if req.requester_id else None
    why = None
    if req.funder_id != me.uscc:
        why = (UNKNOWN_FUNDER, f"a funder relays requests addressed to itself ({me.uscc})")
    elif supplier is None or not set(supplier.roles) & set(ENTERPRISE):
        why = (UNKNOWN_REQUESTER, f"no enterprise {req.requester_id} on the platform")
    elif parties.live_consent(uow, supplier.id, me.id, "financing") is None:
        why = (NO_CONSENT, f"{supplier.uscc} has not let {me.uscc} see its financing")
    if why is not None:
        return _rejection(uow, req.group_id, req.created, *why)
    assert supplier is not None
    uow.actor = Actor(None, supplier.id, frozenset(supplier.roles), f"tsin via {me.id}")
    try:
        return _request(uow, xml, req, relayed_by=me.id)
    finally:
        uow.actor = funder


def _request(
    uow: UnitOfWork, xml: bytes, req: T.FinancingRequest, relayed_by: str | None = None
) -> Answer:
    duplicate = uow.session.scalar(
        select(TsinRequestRow.id).where(
            TsinRequestRow.requester_org_id == uow.actor.org_id,
            TsinRequestRow.group_id == req.group_id,
        )
    )
    if duplicate is not None:
        return _rejection(
            uow, req.group_id, req.created, DUPLICATE_REQUEST, f"{req.group_id} was sent before"
        )
    try:
        funder, plans = _plan(uow, req)
        apps = [submit_application(uow, plan, commit=False) for plan in plans]
    except Rejection as r:
        return _rejection(uow, req.group_id, req.created, r.code, r.message)
    except DomainError as exc:
        return _rejection(uow, req.group_id, req.created, exc.code, exc.message)
    row = TsinRequestRow(
        id=new_id("tsr"),
        group_id=req.group_id,
        requester_org_id=uow.actor.org_id,
        funder_org_id=funder,
        relayed_by_org_id=relayed_by,
        created_at_sender=req.created,
        application_ids=[a.id for a in apps],
        status="open",
        created_at=uow.now(),
    )
    uow.session.add(row)
    for app, inv in zip(apps, req.invoices, strict=True):
        app.evidence = {**app.evidence, "tsin_request_id": row.id, "tsin_invoice": inv.number}
    _store(uow, row, T.REQUEST, "in", xml)
    out = record_status(uow, row)
    uow.audit(
        "financing.tsin_received",
        "tsin_request",
        row.id,
        after={"group_id": row.group_id, "relayed_by_org_id": relayed_by},
    )
    uow.commit()
    return Answer(201, out, row.id)


def _store(uow: UnitOfWork, row: TsinRequestRow, kind: str, direction: str, xml: bytes) -> None:
    seq = uow.session.scalar(
        select(func.count()).select_from(TsinMessageRow).where(TsinMessageRow.request_id == row.id)
    )
    uow.session.add(
        TsinMessageRow(
            id=new_id("tsm"),
            request_id=row.id,
            seq=int(seq or 0) + 1,
            kind=kind,
            direction=direction,
            xml=xml.decode("utf-8"),
            created_at=uow.now(),
        )
    )
    uow.flush()


def _outcome(app: FinancingApplicationRow, number: str, facts: dict[str, Any]) -> T.InvoiceOutcome:
    status = M.Status(app.status)
    total = facts["total"]
    if status in FINANCED:
        code, financed = "FNCD", (app.amount.amount, app.currency)
    elif status in NOT_FINANCED:
        code, financed = "NTFD", None
    else:
        code, financed = "PDNG", None
    return T.InvoiceOutcome(
        number=number,
        total=(total.amount, total.currency),
        issue_date=facts["issue_date"],
        due_date=facts["due_date"],
        status=code,
        financed=financed,
        note=f"application {app.id}: {app.status}",
    )


def _outcomes(uow: UnitOfWork, row: TsinRequestRow) -> tuple[T.InvoiceOutcome, ...]:
    out = []
    for app_id in row.application_ids:
        app = uow.session.get(FinancingApplicationRow, app_id)
        assert app is not None
        number = str(app.evidence["tsin_invoice"])
        found = trade.invoice_receivable(uow, row.requester_org_id, number)
        assert found is not None
        out.append(_outcome(app, number, found[0]))
    return tuple(out)


def record_status(
    uow: UnitOfWork, row: TsinRequestRow, cancellation: tuple[str, str, str] | None = None
) -> bytes:
    """Write and keep the tsin.002 of a request as its applications stand now."""
    cxl_status, cxl_code, cxl_why = cancellation or (None, "", "")
    report = T.StatusReport(
        message_id=new_id("tsn")[:35],
        created_at=uow.now(),
        group_id=row.group_id,
        group_created=row.created_at_sender,
        accepted=True,
        outcomes=_outcomes(uow, row),
        cancellation=cxl_status,
        cancellation_reason_code=cxl_code,
        cancellation_reason=cxl_why,
    )
    xml = T.build_status(report)
    _store(uow, row, T.STATUS, "out", xml)
    return xml


def application_moved(uow: UnitOfWork, app: FinancingApplicationRow) -> None:
    """Send the request's status again when one of its applications moves."""
    request_id = app.evidence.get("tsin_request_id")
    row = uow.session.get(TsinRequestRow, request_id) if request_id else None
    if row is not None:
        record_status(uow, row)


def _cancel(uow: UnitOfWork, xml: bytes, cxl: T.CancellationRequest) -> Answer:
    # The requester cancels its own request; a funder, those it relayed.
    sender = (
        TsinRequestRow.relayed_by_org_id
        if uow.actor.has(*FUNDERS)
        else TsinRequestRow.requester_org_id
    )
    row = uow.session.scalar(
        select(TsinRequestRow)
        .where(sender == uow.actor.org_id, TsinRequestRow.group_id == cxl.group_id)
        .order_by(TsinRequestRow.created_at)
        .limit(1)
        .with_for_update()
    )
    if row is None:
        return _rejection(
            uow, cxl.group_id, cxl.group_created, UNKNOWN_REQUEST, f"no request {cxl.group_id}"
        )
    apps = [find_application(uow, a) for a in row.application_ids]
    if not any(M.Status(a.status) in CANCELLABLE for a in apps):
        _store(uow, row, T.CANCELLATION, "in", xml)
        out = record_status(
            uow, row, ("REJT", NOT_CANCELLABLE, "nothing of the request is open any more")
        )
        uow.commit()
        return Answer(409, out, row.id)
    _store(uow, row, T.CANCELLATION, "in", xml)
    for app in apps:
        if M.Status(app.status) in CANCELLABLE:
            app.note = f"{app.note}\nwithdrawn (tsin.003): {cxl.reason}".strip()
            move(uow, app, S.WITHDRAWN, "withdraw")
    row.status = "cancelled"
    out = record_status(uow, row, ("PACK", "", cxl.reason))
    uow.audit("financing.tsin_cancelled", "tsin_request", row.id, after={"reason": cxl.reason})
    uow.commit()
    return Answer(200, out, row.id)


def _visible_request(uow: UnitOfWork, request_id: str) -> TsinRequestRow:
    row = uow.session.get(TsinRequestRow, request_id)
    actor = uow.actor
    if row is None or not (
        actor.is_system
        or actor.is_operator
        or actor.is_regulator
        or actor.org_id in (row.requester_org_id, row.funder_org_id)
    ):
        raise NotFound(f"tsin request {request_id} not found")
    return row


def latest_status(uow: UnitOfWork, request_id: str) -> bytes:
    """The last tsin.002 the platform sent for a request."""
    row = _visible_request(uow, request_id)
    xml = uow.session.scalar(
        select(TsinMessageRow.xml)
        .where(TsinMessageRow.request_id == row.id, TsinMessageRow.kind == T.STATUS)
        .order_by(TsinMessageRow.seq.desc())
        .limit(1)
    )
    assert xml is not None
    return str(xml).encode("utf-8")


def request_messages(uow: UnitOfWork, request_id: str) -> dict[str, Any]:
    """Every tsin message of a request, in and out, in order."""
    row = _visible_request(uow, request_id)
    rows = uow.session.scalars(
        select(TsinMessageRow)
        .where(TsinMessageRow.request_id == row.id)
        .order_by(TsinMessageRow.seq)
    )
    return {
        "request_id": row.id,
        "group_id": row.group_id,
        "status": row.status,
        "application_ids": list(row.application_ids),
        "messages": [
            {
                "seq": m.seq,
                "kind": m.kind,
                "direction": m.direction,
                "created_at": m.created_at.isoformat(),
                "xml": m.xml,
            }
            for m in rows
        ],
    }
