"""HTTP API of payable certificates: lines, issue, pieces, financing, settlement, reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from scf.certificates import schemas, sequencer, service
from scf.certificates.tables import (
    CertificateAlertRow,
    CertificateRow,
    CreditLineRow,
    FinancingRow,
    PieceRow,
)
from scf.core.errors import DomainError, InvalidInput
from scf.core.money import Money
from scf.core.rates import rate as parse_rate
from scf.core.schema import BoundedDate, Identifier, MoneyIn, MoneyOut, RequestModel, answers
from scf.deps import IdempotencyKey, Uow, get_platform, roles_allowed

router = APIRouter(tags=["certificates"])

FUNDERS = ("bank", "factoring_company", "local_financial_org")
ENTERPRISE = ("supplier", "distributor", "core_enterprise")
WATCHERS = ("regulator", "operator")

FUNDER = Depends(roles_allowed(*FUNDERS))
CORE = Depends(roles_allowed("core_enterprise"))
HOLDER = Depends(roles_allowed(*ENTERPRISE))
HOLDER_OR_FUNDER = Depends(roles_allowed(*ENTERPRISE, *FUNDERS))
WATCHER = Depends(roles_allowed(*WATCHERS))
REGULATOR = Depends(roles_allowed("regulator"))
CORE_OR_OPERATOR = Depends(roles_allowed("core_enterprise", "operator"))
EXPOSURE_READERS = Depends(roles_allowed(*WATCHERS, *FUNDERS))


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


def _rate(v: Any) -> Decimal:
    if isinstance(v, float) or isinstance(v, bool):
        raise ValueError('must be a decimal string such as "0.045", not a JSON number')
    try:
        return parse_rate(v)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


# ---------------------------------------------------------------- schemas


class LineIn(Strict):
    core_org_id: Identifier
    limit: MoneyIn
    expires_on: BoundedDate


class LineOut(BaseModel):
    id: str
    funder_org_id: str
    core_org_id: str
    limit: MoneyOut
    used: MoneyOut
    available: MoneyOut
    expires_on: date
    status: str
    version: int

    @classmethod
    def of(cls, r: CreditLineRow) -> LineOut:
        return cls(
            id=r.id,
            funder_org_id=r.funder_org_id,
            core_org_id=r.core_org_id,
            limit=MoneyOut.of(r.limit),
            used=MoneyOut.of(r.used),
            available=MoneyOut.of(r.available),
            expires_on=r.expires_on,
            status=r.status,
            version=r.version,
        )


class CapIn(Strict):
    funder_org_id: Identifier
    core_org_id: Identifier
    cap: MoneyIn


class IssueIn(Strict):
    line_id: Identifier
    supplier_org_id: Identifier
    receivable_ids: list[Identifier] = Field(min_length=1, max_length=100)
    face: MoneyIn
    maturity_on: BoundedDate


class PieceOut(BaseModel):
    id: str
    certificate_id: str
    parent_id: str | None
    holder_org_id: str
    from_org_id: str | None
    face: MoneyOut
    tier: int
    origin: str
    status: str
    receivable_id: str | None
    registration_id: str | None
    version: int

    @classmethod
    def of(cls, p: PieceRow) -> PieceOut:
        return cls(
            id=p.id,
            certificate_id=p.certificate_id,
            parent_id=p.parent_id,
            holder_org_id=p.holder_org_id,
            from_org_id=p.from_org_id,
            face=MoneyOut.of(p.face),
            tier=p.tier,
            origin=p.origin,
            status=p.status,
            receivable_id=p.receivable_id,
            registration_id=p.registration_id,
            version=p.version,
        )


class CertificateOut(BaseModel):
    id: str
    issuer_org_id: str
    first_holder_org_id: str
    line_id: str
    face: MoneyOut
    paid: MoneyOut
    issued_on: date
    maturity_on: date
    maturity_requested_on: date | None = None
    maturity_provisional: bool = False
    status: str
    receivable_ids: list[str]
    registration_id: str | None
    settlement_msg_id: str | None
    overdue_since: date | None
    defaulted_on: date | None
    version: int
    pieces: list[PieceOut] = []

    @classmethod
    def of(cls, c: CertificateRow, pieces: list[PieceRow] | None = None) -> CertificateOut:
        return cls(
            id=c.id,
            issuer_org_id=c.issuer_org_id,
            first_holder_org_id=c.first_holder_org_id,
            line_id=c.line_id,
            face=MoneyOut.of(c.face),
            paid=MoneyOut.of(c.paid),
            issued_on=c.issued_on,
            maturity_on=c.maturity_on,
            maturity_requested_on=c.maturity_requested_on,
            maturity_provisional=c.maturity_provisional,
            status=c.status,
            receivable_ids=list(c.receivable_ids),
            registration_id=c.registration_id,
            settlement_msg_id=c.settlement_msg_id,
            overdue_since=c.overdue_since,
            defaulted_on=c.defaulted_on,
            version=c.version,
            pieces=[PieceOut.of(p) for p in pieces or []],
        )


class SplitIn(Strict):
    parts: list[MoneyIn] = Field(min_length=2, max_length=100)


class TransferIn(Strict):
    to_org_id: Identifier
    amount: MoneyIn | None = None
    receivable_id: Identifier | None = None


class OfferIn(Strict):
    funder_org_id: Identifier
    rate: Decimal = Field(description='Annual discount rate as a string, e.g. "0.045"')
    amount: MoneyIn | None = None
    fee: MoneyIn | None = None

    _rate = field_validator("rate", mode="before")(_rate)


class FinancingOut(BaseModel):
    id: str
    piece_id: str
    certificate_id: str
    seller_org_id: str
    funder_org_id: str
    amount: MoneyOut
    rate: str
    fee: MoneyOut
    status: str
    pricing: dict[str, Any] | None
    funder_piece_id: str | None
    registration_id: str | None

    @classmethod
    def of(cls, f: FinancingRow) -> FinancingOut:
        return cls(
            id=f.id,
            piece_id=f.piece_id,
            certificate_id=f.certificate_id,
            seller_org_id=f.seller_org_id,
            funder_org_id=f.funder_org_id,
            amount=MoneyOut.of(f.amount),
            rate=str(Decimal(f.rate).normalize()),
            fee=MoneyOut.of(f.fee),
            status=f.status,
            pricing=f.pricing,
            funder_piece_id=f.funder_piece_id,
            registration_id=f.registration_id,
        )


class PaymentOut(BaseModel):
    end_to_end_id: str
    piece_id: str
    payee_org_id: str
    amount: MoneyOut
    status: str


class SettlementOut(BaseModel):
    msg_id: str
    payments: list[PaymentOut]
    pain001: str


class AlertOut(BaseModel):
    id: str
    certificate_id: str
    issuer_org_id: str
    kind: str
    message: str
    unpaid: MoneyOut
    raised_at: str

    @classmethod
    def of(cls, a: CertificateAlertRow) -> AlertOut:
        return cls(
            id=a.id,
            certificate_id=a.certificate_id,
            issuer_org_id=a.issuer_org_id,
            kind=a.kind,
            message=a.message,
            unpaid=MoneyOut.of(Money(a.unpaid_minor, a.currency)),
            raised_at=a.raised_at.isoformat(),
        )


# ---------------------------------------------------------------- lines and caps


@router.post("/credit-lines", status_code=status.HTTP_201_CREATED, dependencies=[FUNDER])
def grant_line(body: LineIn, uow: Uow) -> LineOut:
    """Grant a core enterprise a line for issuing certificates (white-listed institutions)."""
    return LineOut.of(
        service.grant_line(uow, body.core_org_id, body.limit.to_money("limit"), body.expires_on)
    )


@router.get("/credit-lines")
def list_lines(uow: Uow) -> list[LineOut]:
    """Lines the organization granted or received; all for the regulator and operator."""
    return [LineOut.of(r) for r in service.list_lines(uow)]


@router.get("/credit-lines/{line_id}")
def get_line(line_id: str, uow: Uow) -> LineOut:
    """One credit line: the funder that granted it, the core enterprise, its limit and what is
    used. Only the two parties and the platform's watchers see it; anyone else gets 404."""
    return LineOut.of(service.get_line(uow, line_id))


@router.put(
    "/certificate-exposure-caps", dependencies=[REGULATOR], **answers(schemas.CertificatesSetCapOut)
)
def set_cap(body: CapIn, uow: Uow) -> dict[str, Any]:
    """Set one institution's cap on its exposure to one core enterprise (regulator)."""
    row = service.set_exposure_cap(
        uow, body.funder_org_id, body.core_org_id, body.cap.to_money("cap")
    )
    return {
        "funder_org_id": row.funder_org_id,
        "core_org_id": row.core_org_id,
        "cap": row.cap.as_json(),
    }


@router.get(
    "/certificate-exposures",
    dependencies=[EXPOSURE_READERS],
    **answers(list[schemas.CertificatesExposureOut]),
)
def exposures(uow: Uow) -> list[dict[str, Any]]:
    """Each institution's exposure to each core enterprise against its cap."""
    return service.institution_exposures(uow)


# ---------------------------------------------------------------- certificates


@router.post("/certificates", status_code=status.HTTP_201_CREATED, dependencies=[CORE])
def issue(body: IssueIn, uow: Uow, key: IdempotencyKey = None) -> CertificateOut:
    """Issue a certificate to a supplier against confirmed receivables owed to it."""

    def run() -> CertificateOut:
        cert = service.issue_certificate(
            uow,
            line_id=body.line_id,
            supplier_org_id=body.supplier_org_id,
            receivable_ids=body.receivable_ids,
            face=body.face.to_money("face"),
            maturity_on=body.maturity_on,
        )
        return CertificateOut.of(cert, service.pieces_of(uow, cert))

    return service.idempotent.typed(uow, key, "issue", body, run, CertificateOut)


@router.get("/certificates")
def list_certificates(
    uow: Uow, status_: Annotated[str | None, Query(alias="status")] = None
) -> list[CertificateOut]:
    """Certificates the caller may see (issued by it, funded under its line, or holding a piece
    of them; all for the platform, regulator and operator), optionally by status."""
    return [CertificateOut.of(c) for c in service.list_certificates(uow, status_)]


@router.get("/certificates/{certificate_id}")
def get_certificate(certificate_id: str, uow: Uow) -> CertificateOut:
    """A certificate with the pieces the caller may see (all for issuer, funder, watchers)."""
    cert = service.get_certificate(uow, certificate_id)
    return CertificateOut.of(cert, service.pieces_of(uow, cert))


@router.get("/certificates/{certificate_id}/lineage", **answers(schemas.CertificatesLineageOut))
def lineage(certificate_id: str, uow: Uow) -> dict[str, Any]:
    """The tree of pieces back to issuance, with each hop's trade background."""
    return service.lineage(uow, certificate_id)


@router.get(
    "/certificates/{certificate_id}/exposure", **answers(schemas.CertificatesExposureReportOut)
)
def exposure_report(certificate_id: str, uow: Uow) -> dict[str, Any]:
    """Every holder of record and what is still owed to it."""
    return service.exposure_report(uow, certificate_id)


@router.post("/certificates/{certificate_id}/settlement", dependencies=[CORE])
def settle(certificate_id: str, uow: Uow, key: IdempotencyKey = None) -> SettlementOut:
    """At maturity, instruct payment of the face to every holder of record (pain.001)."""

    def run() -> SettlementOut:
        return _settlement_out(service.instruct_settlement(uow, certificate_id))

    return service.idempotent.typed(uow, key, f"settle:{certificate_id}", {}, run, SettlementOut)


def _settlement_out(out: Any) -> SettlementOut:
    return SettlementOut(
        msg_id=out.msg_id,
        payments=[
            PaymentOut(
                end_to_end_id=p.end_to_end_id,
                piece_id=p.piece_id,
                payee_org_id=p.payee_org_id,
                amount=MoneyOut.of(p.amount),
                status=p.status,
            )
            for p in out.payments
        ],
        pain001=out.xml.decode("utf-8"),
    )


class SettlementAccountIn(RequestModel):
    currency: str = Field(min_length=3, max_length=3)
    account_number: str = Field(min_length=1, max_length=40)
    account_name: str = Field(min_length=1, max_length=140)
    bank_name: str = Field(min_length=1, max_length=140)
    cnaps_code: str = Field(min_length=1, max_length=12)


class SettlementAccountOut(BaseModel):
    org_id: str
    currency: str
    account_number: str
    account_name: str
    bank_name: str
    cnaps_code: str = Field(description="the 12-digit CNAPS code of the account's bank")


@router.put("/settlement-accounts")
def put_settlement_account(body: SettlementAccountIn, uow: Uow) -> SettlementAccountOut:
    """Name the real account (and its bank's CNAPS code) that your organization is paid to."""
    row = service.register_settlement_account(uow, **body.model_dump())
    return SettlementAccountOut(**service.settlement_account_dict(row))


@router.get("/settlement-accounts")
def get_settlement_accounts(uow: Uow) -> list[SettlementAccountOut]:
    """Your organization's settlement accounts, one per currency."""
    return [
        SettlementAccountOut(**service.settlement_account_dict(r))
        for r in service.settlement_accounts(uow)
    ]


@router.get(
    "/certificates/{certificate_id}/settlement/pain001",
    response_class=Response,
    responses={200: {"description": "the pain.001.001.09 XML", "content": {"application/xml": {}}}},
)
def pain001(certificate_id: str, uow: Uow) -> Response:
    """The pain.001.001.09 message of a certificate's settlement."""
    return Response(service.settlement_file(uow, certificate_id), media_type="application/xml")


@router.post(
    "/certificate-statements",
    dependencies=[CORE_OR_OPERATOR],
    **answers(schemas.CertificatesReconcileOut),
)
async def reconcile(request: Request, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """Reconcile a camt.053 statement (the XML as the body) against instructed payments."""
    body = await request.body()
    if not body.strip():
        raise InvalidInput("send the camt.053 XML as the request body", field="body")
    return service.idempotent.answer(
        uow, key, "statement", body, lambda: service.reconcile_statement(uow, body)
    )


@router.post("/certificate-maturity-run", dependencies=[WATCHER])
def maturity_run(uow: Uow) -> list[AlertOut]:
    """Mark unpaid certificates overdue, then in default after grace; raise alerts."""
    return [AlertOut.of(a) for a in service.run_maturity(uow)]


@router.get("/certificate-alerts")
def alerts(uow: Uow) -> list[AlertOut]:
    """Settlement alerts (overdue, default): all for the regulator and operator, an issuer's
    own, and those on certificates whose pieces the caller holds."""
    return [AlertOut.of(a) for a in service.list_alerts(uow)]


@router.get("/certificate-reach", dependencies=[WATCHER], **answers(schemas.CertificatesReachOut))
def reach(uow: Uow) -> dict[str, Any]:
    """How far credit travelled: tiers, amounts, SMEs reached."""
    return service.reach_figures(uow)


@router.get(
    "/certificate-settlements/upcoming", **answers(list[schemas.CertificatesUpcomingItemOut])
)
def upcoming(
    uow: Uow, within_days: Annotated[int, Query(ge=0, le=366)] = 30
) -> list[dict[str, Any]]:
    """Certificates maturing soon: the issuer's own, all for watchers."""
    return service.upcoming_settlements(uow, within_days)


# ---------------------------------------------------------------- pieces


@router.get("/certificate-pieces")
def my_pieces(
    uow: Uow, status_: Annotated[str | None, Query(alias="status")] = "live"
) -> list[PieceOut]:
    """Pieces the organization holds."""
    return [PieceOut.of(p) for p in service.list_pieces(uow, status_)]


@router.post("/certificate-pieces/{piece_id}/split", dependencies=[HOLDER_OR_FUNDER])
def split(piece_id: str, body: SplitIn, uow: Uow, key: IdempotencyKey = None) -> list[PieceOut]:
    """Split a held piece into parts that add up to its face (0.01 the smallest)."""
    parts = [p.to_money(f"parts.{i}") for i, p in enumerate(body.parts)]

    def run() -> list[PieceOut]:
        return [PieceOut.of(p) for p in service.split_piece(uow, piece_id, parts)]

    return service.idempotent.typed(uow, key, f"split:{piece_id}", body, run, list[PieceOut])


@router.post("/certificate-pieces/{piece_id}/transfer", dependencies=[HOLDER])
async def transfer(
    piece_id: str, body: TransferIn, uow: Uow, request: Request, key: IdempotencyKey = None
) -> PieceOut:
    """Pass a piece, or an amount of it, to a supplier the holder owes (trade background).

    Concurrent requests are committed together by the transfer sequencer (group commit):
    each still gets its own piece, or its own refusal, only after the commit. The request
    waits for it on the event loop, holding no worker thread, so any number of concurrent
    transfers can share a commit. A request with an Idempotency-Key commits on its own, its
    answer stored beside its effect.
    """
    req = service.TransferRequest(
        piece_id,
        body.to_org_id,
        amount=body.amount.to_money() if body.amount else None,
        receivable_id=body.receivable_id,
    )
    platform = get_platform(request)
    if key is not None or not sequencer.enabled(platform.settings):

        def run() -> PieceOut:
            return PieceOut.of(
                service.transfer_piece(
                    uow,
                    req.piece_id,
                    req.to_org_id,
                    amount=req.amount,
                    receivable_id=req.receivable_id,
                )
            )

        command = f"transfer:{piece_id}"
        keyed = service.idempotent.typed
        return await run_in_threadpool(keyed, uow, key, command, body, run, PieceOut)
    # give back this request's read transaction (on SQLite, the write lock) before waiting
    await run_in_threadpool(uow.rollback)
    return PieceOut.of(await sequencer.for_platform(platform).transfer_async(uow.actor, req))


class TransferItemIn(TransferIn):
    piece_id: Identifier


class TransfersIn(Strict):
    transfers: list[TransferItemIn] = Field(min_length=1, max_length=service.MAX_BATCH)


class TransferOutcomeOut(BaseModel):
    piece_id: str
    piece: PieceOut | None = None
    error: dict[str, Any] | None = None


@router.post("/certificate-pieces/transfers", dependencies=[HOLDER])
def transfer_many(
    body: TransfersIn, uow: Uow, key: IdempotencyKey = None
) -> list[TransferOutcomeOut]:
    """Several transfers at once (a holder paying several suppliers), one commit: each is
    atomic on its own and answered in order with its piece or its refusal (code, message,
    field errors), as the single route would answer it."""
    reqs = [
        service.TransferRequest(
            t.piece_id,
            t.to_org_id,
            amount=t.amount.to_money(f"transfers.{i}.amount") if t.amount else None,
            receivable_id=t.receivable_id,
        )
        for i, t in enumerate(body.transfers)
    ]

    def run() -> list[TransferOutcomeOut]:
        return [
            TransferOutcomeOut(
                piece_id=o.request.piece_id,
                piece=PieceOut.of(o.piece) if o.piece is not None else None,
                error=_refusal(o.error) if o.error is not None else None,
            )
            for o in service.transfer_pieces(uow, reqs)
        ]

    return service.idempotent.typed(uow, key, "transfers", body, run, list[TransferOutcomeOut])


def _refusal(exc: DomainError) -> dict[str, Any]:
    out: dict[str, Any] = {"code": exc.code, "detail": exc.message}
    if exc.errors:
        out["errors"] = [e.as_dict() for e in exc.errors]
    return out


@router.post(
    "/certificate-pieces/{piece_id}/financing-offers",
    status_code=status.HTTP_201_CREATED,
    dependencies=[HOLDER],
)
def offer(piece_id: str, body: OfferIn, uow: Uow, key: IdempotencyKey = None) -> FinancingOut:
    """Offer a piece (or an amount) to a white-listed institution; the price is shown."""

    def run() -> FinancingOut:
        return FinancingOut.of(
            service.offer_financing(
                uow,
                piece_id,
                body.funder_org_id,
                body.rate,
                amount=body.amount.to_money() if body.amount else None,
                fee=body.fee.to_money("fee") if body.fee else None,
            )
        )

    return service.idempotent.typed(uow, key, f"offer:{piece_id}", body, run, FinancingOut)


@router.get("/certificate-financings/{financing_id}")
def get_financing(financing_id: str, uow: Uow) -> FinancingOut:
    """One piece financing (an offer and its outcome). Only the holder, the institution and the
    platform's watchers see it; anyone else gets 404."""
    return FinancingOut.of(service.get_financing(uow, financing_id))


@router.post("/certificate-financings/{financing_id}/accept", dependencies=[FUNDER])
def accept(financing_id: str, uow: Uow, key: IdempotencyKey = None) -> FinancingOut:
    """The institution buys the piece: ownership passes and an assignment is registered."""

    def run() -> FinancingOut:
        return FinancingOut.of(service.accept_financing(uow, financing_id))

    return service.idempotent.typed(uow, key, f"accept:{financing_id}", {}, run, FinancingOut)


@router.post("/certificate-financings/{financing_id}/decline", dependencies=[HOLDER_OR_FUNDER])
def decline(financing_id: str, uow: Uow) -> FinancingOut:
    """The institution declines, or the holder withdraws, an open offer."""
    return FinancingOut.of(service.decline_financing(uow, financing_id))
