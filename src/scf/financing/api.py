"""Financing API: scenarios, products, applications, offers, money movements and reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status
from pydantic import ConfigDict, Field

from scf.core.money import Money
from scf.core.rates import rate
from scf.core.schema import (
    BoundedDate,
    DecimalText,
    Identifier,
    MoneyIn,
    Name,
    Note,
    RequestModel,
    answers,
)
from scf.deps import Uow, roles_allowed
from scf.financing import bills, schemas
from scf.financing import service as svc
from scf.financing.scenario import describe, scenarios

router = APIRouter(prefix="/financing", tags=["financing"])

FUNDERS = svc.FUNDERS
ENTERPRISE = svc.ENTERPRISE
WATCHERS = ("regulator", "operator")
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def gate(*roles: str) -> Any:
    return Depends(roles_allowed(*roles))


class ProductIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Name
    name: Name
    base_rate: DecimalText
    max_amount: MoneyIn
    rate_groups: list[dict[str, Any]] = Field(default_factory=list)
    fee: MoneyIn | None = None
    exclusive_chains: list[Identifier] = Field(default_factory=list)
    offer_validity_hours: int | None = None


class ApplicationIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Name
    amount: MoneyIn
    asset: dict[str, Any]
    funder_org_ids: list[Identifier] = Field(default_factory=list)


class ReviewIn(RequestModel):
    approve: bool
    note: Note


class ReasonIn(RequestModel):
    reason: Note = ""


class RepaymentIn(RequestModel):
    amount: MoneyIn


class PriceIn(RequestModel):
    commodity: Name
    unit: Name
    price: MoneyIn
    source: Name = ""


class CoverIn(RequestModel):
    insured_org_id: Identifier
    debtor_org_id: Identifier
    kind: Name = "insurance"
    cover_ratio: DecimalText
    premium_rate: DecimalText
    limit: MoneyIn
    expires_on: BoundedDate


class ProgramIn(RequestModel):
    cash: MoneyIn
    hurdle_rate: DecimalText
    pay_on: BoundedDate


class BidIn(RequestModel):
    receivable_id: Identifier
    rate: DecimalText


class BillIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    package_no: Identifier
    drawer_org_id: Identifier
    acceptor_org_id: Identifier
    holder_org_id: Identifier
    face: MoneyIn
    issued_on: BoundedDate
    due_on: BoundedDate


class EndorseIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    to_org_id: Identifier
    sub_count: int | None = None


@router.get("/scenarios", **answers(list[schemas.ScenarioOut]))
def list_scenarios(uow: Uow) -> list[dict[str, Any]]:
    """Every installed scenario (found through the `scf.scenarios` entry points)."""
    return [describe(s) for _, s in sorted(scenarios().items())]


@router.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.ProductOut, 201),
)
def create_product(uow: Uow, body: ProductIn) -> dict[str, Any]:
    """A funder (bank, factoring company, local financial organization) publishes a financing
    product for a scenario: base rate, maximum amount, rate groups and fee. Refuses an
    unknown scenario or bad rates (422)."""
    row = svc.create_product(
        uow,
        scenario=body.scenario,
        name=body.name,
        base_rate=rate(body.base_rate, field="base_rate"),
        max_amount=body.max_amount.to_money("max_amount"),
        rate_groups=body.rate_groups,
        fee=body.fee.to_money("fee") if body.fee else None,
        exclusive_chains=body.exclusive_chains,
        offer_validity_hours=body.offer_validity_hours,
    )
    return svc.product_dict(row)


@router.get("/products", **answers(list[schemas.ProductOut]))
def list_products(uow: Uow, scenario: str | None = None) -> list[dict[str, Any]]:
    """The financing products on offer, optionally for one scenario. Any signed-in organization
    may read them."""
    return [svc.product_dict(p) for p in svc.list_products(uow, scenario)]


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate(*ENTERPRISE)],
    **answers(schemas.ApplicationOut, 201),
)
def submit(uow: Uow, body: ApplicationIn) -> dict[str, Any]:
    """An enterprise (supplier, distributor or core enterprise) applies for financing against
    an asset (receivable, certificate piece, warehouse receipt, ...). The scenario's checks
    run at once; the asset is reserved so that it cannot be financed twice (409 if it
    already is)."""
    app = svc.submit_application(
        uow,
        svc.ApplicationInput(
            body.scenario, body.amount.to_money(), body.asset, body.funder_org_ids
        ),
    )
    return svc.application_dict(uow, app)


@router.get("/applications", **answers(list[schemas.ApplicationOut]))
def list_applications(uow: Uow, status: str | None = None) -> list[dict[str, Any]]:
    """Applications the caller is party to: the applicant's own, those addressed to a funder;
    all for the regulator and operator. Optionally by status."""
    return [svc.application_dict(uow, a) for a in svc.list_applications(uow, status)]


@router.get("/applications/{app_id}", **answers(schemas.ApplicationOut))
def get_application(uow: Uow, app_id: str) -> dict[str, Any]:
    """One application with its checks, offers and money movements. Strangers get 404."""
    return svc.application_dict(uow, svc.get_application(uow, app_id))


@router.post(
    "/applications/{app_id}/review",
    dependencies=[gate("operator")],
    **answers(schemas.ApplicationOut),
)
def review(uow: Uow, app_id: str, body: ReviewIn) -> dict[str, Any]:
    """The operator approves or rejects an application held for manual review, with a note.
    Refuses an application not under review (409)."""
    return svc.application_dict(uow, svc.review(uow, app_id, body.approve, body.note))


@router.post(
    "/applications/{app_id}/offers",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.OfferOut, 201),
)
def make_offer(uow: Uow, app_id: str) -> dict[str, Any]:
    """A funder makes an offer on an application addressed to it, priced by its product.
    Refuses an application that is not open for offers (409)."""
    return svc.offer_dict(svc.make_offer(uow, app_id))


@router.post(
    "/applications/{app_id}/decline",
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.ApplicationOut),
)
def decline(uow: Uow, app_id: str, body: ReasonIn) -> dict[str, Any]:
    """A funder declines an application addressed to it, with a reason."""
    return svc.application_dict(uow, svc.decline(uow, app_id, body.reason))


@router.post(
    "/applications/{app_id}/cancellation",
    dependencies=[gate(*ENTERPRISE, *FUNDERS)],
    **answers(schemas.ApplicationOut),
)
def cancel(uow: Uow, app_id: str, body: ReasonIn) -> dict[str, Any]:
    """The applicant withdraws before registration, or the accepting funder cancels; the
    asset's reservation is released."""
    return svc.application_dict(uow, svc.cancel_application(uow, app_id, body.reason))


@router.post(
    "/offers/{offer_id}/accept", dependencies=[gate(*ENTERPRISE)], **answers(schemas.ApplicationOut)
)
def accept(uow: Uow, offer_id: str, key: IdemKey = None) -> dict[str, Any]:
    """The applicant accepts an offer; the application moves on to registration. Idempotency-
    Key makes a retry safe. Refuses an expired or already settled offer (409)."""
    return svc.accept_offer(uow, offer_id, key)


@router.post(
    "/applications/{app_id}/registration",
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.ApplicationOut),
)
def register(uow: Uow, app_id: str, key: IdemKey = None) -> dict[str, Any]:
    """The funder files the security interest of an accepted application in the registry.
    Idempotency-Key makes a retry safe."""

    def run() -> dict[str, Any]:
        return svc.application_dict(uow, svc.register(uow, app_id))

    return svc.idempotent(uow, key, f"register:{app_id}", {}, run, required=False)


@router.post(
    "/applications/{app_id}/disbursement",
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.FinancingDisburseOut),
)
def disburse(uow: Uow, app_id: str, key: IdemKey = None) -> dict[str, Any]:
    """The funder pays out a registered application (net of fees); the money movement is
    recorded. Idempotency-Key makes a retry safe; a second disbursement is refused (409)."""
    return svc.disburse(uow, app_id, key)


@router.post(
    "/applications/{app_id}/early-payment",
    dependencies=[gate("core_enterprise")],
    **answers(schemas.FinancingDisburseOut),
)
def pay_early(uow: Uow, app_id: str, key: IdemKey = None) -> dict[str, Any]:
    """The core enterprise pays a financed receivable early. Idempotency-Key makes a retry
    safe."""
    return svc.pay_early(uow, app_id, key)


@router.post(
    "/applications/{app_id}/repayments",
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.ApplicationOut),
)
def repay(uow: Uow, app_id: str, body: RepaymentIn, key: IdemKey = None) -> dict[str, Any]:
    """The funder books money received on a disbursed or overdue financing it made; paid in
    full closes the financing and cancels its registrations. Refuses another currency or
    more than is outstanding (422), and an application that is not disbursed or overdue
    (409). Idempotency-Key makes a retry safe."""
    return svc.repay(uow, app_id, body.amount.to_money(), key)


@router.post(
    "/applications/{app_id}/default",
    dependencies=[gate(*FUNDERS)],
    **answers(schemas.FinancingDeclareDefaultOut),
)
def declare_default(uow: Uow, app_id: str) -> dict[str, Any]:
    """The funder declares an overdue financing it made in default once the grace period has
    passed (409 before); cover on it opens a claim against the insurer. Other funders get
    404."""
    return svc.declare_default(uow, app_id)


@router.post(
    "/overdue-run", dependencies=[gate(*WATCHERS)], **answers(schemas.FinancingOverdueRunOut)
)
def overdue_run(uow: Uow) -> dict[str, Any]:
    """The regulator or operator marks every disbursed financing past its due date overdue;
    answers the ids of the applications that moved."""
    return {"overdue": svc.run_overdue(uow)}


@router.put(
    "/commodity-prices", dependencies=[gate("operator")], **answers(schemas.FinancingPostPriceOut)
)
def post_price(uow: Uow, body: PriceIn) -> dict[str, Any]:
    """The operator sets today's price of a commodity per unit, used to mark pledged goods to
    market."""
    row = svc.set_commodity_price(
        uow, body.commodity, body.unit, body.price.to_money("price"), body.source
    )
    return {
        "commodity": row.commodity,
        "unit": row.unit,
        "price": body.price.model_dump(),
        "as_of": row.as_of.isoformat(),
    }


@router.get("/commodity-prices", **answers(list[schemas.CommodityPriceOut]))
def prices(uow: Uow) -> list[dict[str, Any]]:
    """The latest commodity prices, one per commodity and unit."""
    return [
        {
            "commodity": r.commodity,
            "unit": r.unit,
            "currency": r.currency,
            "price": Money(r.price_minor, r.currency).as_json(),
            "as_of": r.as_of.isoformat(),
        }
        for r in svc.list_prices(uow)
    ]


@router.post(
    "/mark-to-market",
    dependencies=[gate(*WATCHERS)],
    **answers(list[schemas.FinancingMarkToMarketItemOut]),
)
def mark_to_market(uow: Uow) -> list[dict[str, Any]]:
    """The regulator or operator revalues every goods-backed financing at today's prices;
    answers each one's loan-to-value and any margin call raised."""
    return svc.mark_to_market(uow)


@router.get("/margin-calls", **answers(list[schemas.MarginCallOut]))
def margin_calls(uow: Uow) -> list[dict[str, Any]]:
    """Margin calls raised on goods-backed financings the caller is party to (all for the
    platform's watchers)."""
    return [
        {
            "id": c.id,
            "application_id": c.application_id,
            "ltv": str(c.ltv),
            "threshold": str(c.threshold),
            "status": c.status,
            "shortfall": Money(c.shortfall_minor, c.currency).as_json(),
        }
        for c in svc.margin_calls(uow)
    ]


@router.post(
    "/cover-policies",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate("insurer", "guarantee_company")],
    **answers(schemas.CoverPolicyOut, 201),
)
def write_cover(uow: Uow, body: CoverIn) -> dict[str, Any]:
    """An insurer or guarantee company writes credit cover on a debtor for an insured
    organization: cover ratio, premium rate, limit and expiry."""
    row = svc.write_cover(
        uow,
        insured_org_id=body.insured_org_id,
        debtor_org_id=body.debtor_org_id,
        kind=body.kind,
        cover_ratio=rate(body.cover_ratio, field="cover_ratio"),
        premium_rate=rate(body.premium_rate, field="premium_rate"),
        limit=body.limit.to_money("limit"),
        expires_on=body.expires_on,
    )
    return svc.policy_dict(row)


@router.get("/cover-policies", **answers(list[schemas.CoverPolicyOut]))
def policies(uow: Uow) -> list[dict[str, Any]]:
    """Cover policies the caller wrote or is insured by (all for the platform's watchers)."""
    return [svc.policy_dict(p) for p in svc.list_policies(uow)]


@router.get("/claims", **answers(list[schemas.ClaimOut]))
def claims(uow: Uow) -> list[dict[str, Any]]:
    """Claims raised on cover policies the caller is party to (all for the platform's
    watchers)."""
    return [svc.claim_dict(c) for c in svc.list_claims(uow)]


@router.post(
    "/claims/{claim_id}/payment",
    dependencies=[gate("insurer", "guarantee_company")],
    **answers(schemas.ClaimOut),
)
def pay_claim(uow: Uow, claim_id: str, key: IdemKey = None) -> dict[str, Any]:
    """The insurer or guarantee company pays a claim on its policy. Idempotency-Key makes a
    retry safe; a claim paid already is refused (409)."""
    return svc.pay_claim(uow, claim_id, key)


@router.post(
    "/bills",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate(*ENTERPRISE)],
    **answers(schemas.BillOut, 201),
)
def record_bill(uow: Uow, body: BillIn) -> dict[str, Any]:
    """The acceptor or drawer records a splittable bill held by its payee."""
    row = bills.record_bill(
        uow,
        package_no=body.package_no,
        drawer_org_id=body.drawer_org_id,
        acceptor_org_id=body.acceptor_org_id,
        holder_org_id=body.holder_org_id,
        face=body.face.to_money("face"),
        issued_on=body.issued_on,
        due_on=body.due_on,
    )
    return bills.bill_dict(row)


@router.get("/bills", **answers(list[schemas.BillOut]))
def list_bills(uow: Uow) -> list[dict[str, Any]]:
    """Splittable bills the caller drew, accepted or holds sub-bills of."""
    return [bills.bill_dict(b) for b in bills.list_bills(uow)]


@router.post(
    "/bills/{bill_id}/endorsements",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate(*ENTERPRISE)],
    **answers(schemas.BillOut, 201),
)
def endorse_bill(uow: Uow, bill_id: str, body: EndorseIn) -> dict[str, Any]:
    """The holder endorses the first sub_count sub-bills (all by default) to another party."""
    return bills.bill_dict(bills.endorse(uow, bill_id, body.to_org_id, body.sub_count))


@router.post(
    "/discount-programs",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate("core_enterprise")],
    **answers(schemas.DiscountProgramOut, 201),
)
def open_program(uow: Uow, body: ProgramIn) -> dict[str, Any]:
    """A core enterprise opens a dynamic discounting program: cash it will pay early, the
    hurdle rate and the payment day."""
    row = svc.open_program(
        uow, body.cash.to_money("cash"), rate(body.hurdle_rate, field="hurdle_rate"), body.pay_on
    )
    return svc.program_dict(uow, row)


@router.get("/discount-programs/{program_id}", **answers(schemas.DiscountProgramOut))
def get_program(uow: Uow, program_id: str) -> dict[str, Any]:
    """A discount program with its bids and, once cleared, the allocation."""
    return svc.get_program(uow, program_id)


@router.post(
    "/discount-programs/{program_id}/bids",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate("supplier", "distributor")],
    **answers(schemas.DiscountBidOut, 201),
)
def bid(uow: Uow, program_id: str, body: BidIn) -> dict[str, Any]:
    """A supplier or distributor bids a discount rate on one of its confirmed receivables owed
    by the program's core enterprise."""
    return svc.bid_dict(svc.bid(uow, program_id, body.receivable_id, rate(body.rate, field="rate")))


class BidAmendIn(RequestModel):
    rate: DecimalText


@router.post(
    "/discount-programs/{program_id}/bids/{bid_id}/amendment",
    dependencies=[gate("supplier", "distributor")],
    **answers(schemas.DiscountBidOut),
)
def amend_bid(uow: Uow, program_id: str, bid_id: str, body: BidAmendIn) -> dict[str, Any]:
    """Change the discount of the caller's open bid while the programme takes bids."""
    return svc.bid_dict(
        svc.amend_bid(uow, bid_id, rate(body.rate, field="rate"), program_id=program_id)
    )


@router.post(
    "/discount-programs/{program_id}/bids/{bid_id}/withdrawal",
    dependencies=[gate("supplier", "distributor")],
    **answers(schemas.DiscountBidOut),
)
def withdraw_bid(uow: Uow, program_id: str, bid_id: str) -> dict[str, Any]:
    """Take the caller's open bid back while the programme takes bids."""
    return svc.bid_dict(svc.withdraw_bid(uow, bid_id, program_id=program_id))


@router.post(
    "/discount-programs/{program_id}/clearing",
    dependencies=[gate("core_enterprise")],
    **answers(schemas.DiscountProgramOut),
)
def clear(uow: Uow, program_id: str, key: IdemKey = None) -> dict[str, Any]:
    """The core enterprise clears its program: the best bids win within the cash, and each
    winner is paid early. Idempotency-Key makes a retry safe."""
    return svc.clear_program(uow, program_id, key)


@router.get("/inbox", **answers(list[schemas.MessageOut]))
def inbox(uow: Uow, unread: bool = False) -> list[dict[str, Any]]:
    """Messages to the caller's organization about its applications (offers, decisions,
    payments); `unread` for the unread ones only."""
    return [
        {
            "id": m.id,
            "kind": m.kind,
            "subject": m.subject,
            "body": m.body,
            "application_id": m.application_id,
            "created_at": m.created_at.isoformat(),
            "read": m.read_at is not None,
        }
        for m in svc.inbox(uow, unread)
    ]


@router.post("/inbox/{message_id}/read", **answers(schemas.MessageReadOut))
def read_message(uow: Uow, message_id: str) -> dict[str, Any]:
    """Mark one of the organization's messages read."""
    m = svc.mark_read(uow, message_id)
    return {"id": m.id, "read": m.read_at is not None}


@router.get(
    "/decision-times", dependencies=[gate(*WATCHERS)], **answers(schemas.FinancingDecisionTimesOut)
)
def decision_times(uow: Uow) -> dict[str, Any]:
    """For the regulator and operator: how long applications took from submission to decision
    and to disbursement."""
    return svc.decision_times(uow)


@router.get("/report", dependencies=[gate(*WATCHERS)], **answers(schemas.FinancingReportOut))
def report(uow: Uow) -> dict[str, Any]:
    """For the regulator and operator: financing volumes by scenario and status."""
    return svc.volumes(uow)


@router.get(
    "/summary/{org_id}", dependencies=[gate(*WATCHERS)], **answers(schemas.FinancingSummaryOut)
)
def summary(uow: Uow, org_id: str) -> dict[str, Any]:
    """For the regulator and operator: one organization's financing, and the institutions
    exposed to it."""
    return {
        **svc.financing_summary(uow, org_id),
        "exposed_institutions": svc.exposed_institutions(uow, org_id),
    }


# ---------------------------------------------------------------- ISO 20022 tsin

XML = "application/xml"


@router.post(
    "/tsin",
    dependencies=[gate(*ENTERPRISE, *FUNDERS)],
    response_class=Response,
    responses={
        200: {"description": "tsin.002: the cancellation was accepted", "content": {XML: {}}},
        201: {"description": "tsin.002: the request was accepted", "content": {XML: {}}},
        409: {"description": "tsin.002: nothing of the request is open", "content": {XML: {}}},
        422: {"description": "tsin.002: rejected, with the reason code", "content": {XML: {}}},
    },
)
async def tsin(request: Request, uow: Uow) -> Response:
    """Take an ISO 20022 tsin.001 request or tsin.003 cancellation (the XML is the body) from
    a supplier's ERP, or relayed by the funder it is addressed to; answer with a tsin.002:
    201 accepted, 200 cancelled, 422 rejected with its reason."""
    answer = svc.receive_tsin(uow, await request.body())
    headers = {"X-Tsin-Request-Id": answer.request_id} if answer.request_id else {}
    return Response(answer.xml, status_code=answer.status_code, media_type=XML, headers=headers)


@router.get(
    "/tsin/{request_id}/status",
    response_class=Response,
    responses={200: {"description": "the latest tsin.002", "content": {XML: {}}}},
)
def tsin_status(uow: Uow, request_id: str) -> Response:
    """The latest tsin.002 status of a request."""
    return Response(svc.tsin_status(uow, request_id), media_type=XML)


@router.get("/tsin/{request_id}/messages", **answers(schemas.FinancingTsinMessagesOut))
def tsin_messages(uow: Uow, request_id: str) -> dict[str, Any]:
    """Every tsin message of a request, in and out, in order."""
    return svc.tsin_messages(uow, request_id)
