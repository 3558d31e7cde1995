"""District scenarios API: the operator's FX rates, marketplace payouts and their exposure."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from scf.core.schema import (
    BoundedDate,
    DecimalText,
    Identifier,
    MoneyIn,
    MoneyOut,
    Name,
    RequestModel,
)
from scf.deps import Uow, roles_allowed
from scf.scenarios import service as svc

router = APIRouter(prefix="/scenarios", tags=["scenarios"])

WATCHERS = ("regulator", "operator")
SELLERS = ("supplier", "distributor")


def gate(*roles: str) -> Any:
    return Depends(roles_allowed(*roles))


class FxRateIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    base: Identifier = Field(description="the currency converted from, e.g. USD")
    quote: Identifier = Field(description="the currency converted into, e.g. CNY")
    rate: DecimalText = Field(description='1 unit of base in quote, e.g. "7.12345678"')
    source: Name = Field(description="where the rate comes from (a bank's board, a fixing)")
    observed_at: AwareDatetime


class FxRateOut(BaseModel):
    id: str
    base: str
    quote: str
    rate: str
    source: str
    observed_at: str
    loaded_at: str


class SalesMonthIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    month: Identifier = Field(description="YYYY-MM")
    amount: MoneyIn


class PayoutIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    marketplace_org_id: Identifier
    reference: Identifier = Field(description="the marketplace's own payout number")
    amount: MoneyIn
    due_on: BoundedDate
    sales_history: list[SalesMonthIn] = Field(default_factory=list, max_length=36)


class SalesMonthOut(BaseModel):
    month: str
    amount: MoneyOut


class PayoutOut(BaseModel):
    id: str
    seller_org_id: str
    marketplace_org_id: str
    reference: str
    amount: MoneyOut
    due_on: str
    sales_history: list[SalesMonthOut]
    status: str
    confirmed_at: str | None
    assigned_to_org_id: str | None
    application_id: str | None
    advance: MoneyOut | None
    registration_number: str | None
    notice_at: str | None


class ExposureItem(BaseModel):
    advanced: MoneyOut
    payouts: int


class MarketplaceExposureOut(BaseModel):
    marketplace_org_id: str
    exposure: list[ExposureItem]


@router.put("/fx-rates", status_code=status.HTTP_201_CREATED, dependencies=[gate("operator")])
def load_fx_rate(uow: Uow, body: FxRateIn) -> FxRateOut:
    """The operator loads an exchange rate with its source and observation time."""
    row = svc.load_fx_rate(
        uow,
        base=body.base,
        quote=body.quote,
        rate=body.rate,
        source=body.source,
        observed_at=body.observed_at,
    )
    return FxRateOut(**svc.fx_dict(row))


@router.get("/fx-rates")
def list_fx_rates(uow: Uow) -> list[FxRateOut]:
    """The exchange rates the operator loaded, each with its source and observation time,
    newest first."""
    return [FxRateOut(**svc.fx_dict(r)) for r in svc.list_fx_rates(uow)]


@router.post("/payouts", status_code=status.HTTP_201_CREATED, dependencies=[gate(*SELLERS)])
def record_payout(uow: Uow, body: PayoutIn) -> PayoutOut:
    """A seller records a payout a marketplace owes it, with its monthly sales there."""
    row = svc.record_payout(
        uow,
        marketplace_org_id=body.marketplace_org_id,
        reference=body.reference,
        amount=body.amount.to_money("amount"),
        due_on=body.due_on,
        sales_history=[
            {"month": m.month, "amount": m.amount.to_money(f"sales_history[{i}].amount")}
            for i, m in enumerate(body.sales_history)
        ],
    )
    return PayoutOut(**svc.payout_dict(row))


@router.get("/payouts")
def list_payouts(uow: Uow, status: str | None = None) -> list[PayoutOut]:
    """Marketplace payouts: a seller's own, those a marketplace owes, or every payout for the
    operator and the regulator; optionally by status."""
    return [PayoutOut(**svc.payout_dict(r)) for r in svc.list_payouts(uow, status)]


@router.get("/payouts/{payout_id}")
def get_payout(uow: Uow, payout_id: str) -> PayoutOut:
    """One marketplace payout with its confirmation, advance and assignment (its seller, its
    marketplace, the funder it is assigned to, the operator or the regulator)."""
    return PayoutOut(**svc.payout_dict(svc.get_payout(uow, payout_id)))


@router.post("/payouts/{payout_id}/confirmation", dependencies=[gate("marketplace")])
def confirm_payout(uow: Uow, payout_id: str) -> PayoutOut:
    """The marketplace confirms it owes the payout as the seller recorded it."""
    return PayoutOut(**svc.payout_dict(svc.confirm_payout(uow, payout_id)))


@router.get("/marketplace-exposure", dependencies=[gate(*WATCHERS)])
def marketplace_exposure(uow: Uow) -> list[MarketplaceExposureOut]:
    """Live advances against each marketplace's payouts, per advance currency."""
    return [MarketplaceExposureOut(**e) for e in svc.marketplace_exposures(uow)]


class CatalogueItem(BaseModel):
    code: str
    title: str
    asset_kind: str
    registry_kind: str | None
    enabled_on: str | None = Field(description="the day a funder first offered it")
    year: int | None
    funders: int


class CatalogueYear(BaseModel):
    year: int
    enabled: int
    target_met: bool


class CatalogueOut(BaseModel):
    scenarios: list[CatalogueItem]
    installed: int
    target_per_year: int
    years: list[CatalogueYear]


@router.get("/catalogue")
def catalogue(uow: Uow) -> CatalogueOut:
    """Every installed scenario with the year it was enabled, and the count per year."""
    return CatalogueOut(**svc.catalogue(uow))


class IpIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    kind: Identifier = Field(description="patent, software_copyright or trademark")
    registration_no: Identifier = Field(
        description="as the office prints it, e.g. ZL202310123456.7"
    )
    title: Name
    expires_on: BoundedDate


class ValuationIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    value: MoneyIn
    haircut: DecimalText = Field(description='the share taken off the value, e.g. "0.40"')
    report_no: Identifier


class IpOut(BaseModel):
    id: str
    owner_org_id: str
    kind: str
    registration_no: str
    title: str
    expires_on: str
    status: str
    appraiser_org_id: str | None
    appraised: MoneyOut | None
    haircut: str | None
    lending_value: MoneyOut | None
    report_no: str | None
    valued_at: str | None
    application_id: str | None


@router.post("/ip-assets", status_code=status.HTTP_201_CREATED, dependencies=[gate(*SELLERS)])
def record_ip(uow: Uow, body: IpIn) -> IpOut:
    """An enterprise records a patent, software copyright or trademark it holds."""
    row = svc.record_ip(
        uow,
        kind=body.kind,
        registration_no=body.registration_no,
        title=body.title,
        expires_on=body.expires_on,
    )
    return IpOut(**svc.ip_dict(row))


@router.get("/ip-assets")
def list_ip(uow: Uow) -> list[IpOut]:
    """Intellectual property rights on the platform: an owner's own, those an appraiser valued,
    or all for the operator and the regulator."""
    return [IpOut(**svc.ip_dict(r)) for r in svc.list_ip(uow)]


@router.post("/ip-assets/{ip_id}/valuation", dependencies=[gate("appraiser")])
def value_ip(uow: Uow, ip_id: str, body: ValuationIn) -> IpOut:
    """An appraiser values the right and sets the haircut."""
    row = svc.value_ip(
        uow,
        ip_id,
        value=body.value.to_money("value"),
        haircut=body.haircut,
        report_no=body.report_no,
    )
    return IpOut(**svc.ip_dict(row))
