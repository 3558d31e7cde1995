"""Documented answers of the financing API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from scf.core.schema import Answer, MoneyOut
from scf.financing.model import OfferStatus, Status
from scf.financing.schemas_discounting import BillOut as BillOut
from scf.financing.schemas_discounting import DiscountBidOut as DiscountBidOut
from scf.financing.schemas_discounting import DiscountProgramOut as DiscountProgramOut
from scf.financing.schemas_discounting import (
    DiscountProgramResultOut as DiscountProgramResultOut,
)


class ApplicationCheckOut(Answer):
    check: str
    detail: str
    missing: list[str] | None = None
    red_listed: bool | None = None
    result: str
    value: MoneyOut | None = None
    limit: MoneyOut | None = Field(
        default=None, description="the supply-chain limit a scenario's limit check measured"
    )


class OfferPricingBreakdownOut(Answer):
    base_rate: str = Field(description="the product's annual base rate, a decimal string")
    cover_ratio: str
    cover_reduction: str
    formula: str
    group: str | None
    group_spread: str
    red_list_discount: str
    scenario_spread: str


class OfferPricingOut(Answer):
    amount: MoneyOut
    breakdown: OfferPricingBreakdownOut
    days: int
    fee: MoneyOut
    interest: MoneyOut
    premium: MoneyOut
    proceeds: MoneyOut = Field(
        description="what the seller receives: the amount less interest and fees"
    )
    rate: str = Field(description="the annual rate, a decimal string (0.05 is 5%)")
    value_date: date


class OfferOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": {"amount": "80000.00", "currency": "CNY"},
                    "application_id": "fap_01M914RR6E51XDYDGWQRX0AYD0",
                    "automatic": False,
                    "expires_at": "2025-03-06T02:00:00+00:00",
                    "fee": {"amount": "0.00", "currency": "CNY"},
                    "funder_org_id": "org_01M914RGM205J0V59M60C4P0ZD",
                    "id": "fof_01M914RRCTQHPX0MS93YGMCCGA",
                    "interest": {"amount": "1022.22", "currency": "CNY"},
                    "pricing": {
                        "amount": {"amount": "80000.00", "currency": "CNY"},
                        "breakdown": {
                            "base_rate": "0.03000000",
                            "cover_ratio": "0",
                            "cover_reduction": "0E-8",
                            "formula": "amount x rate x days / 360",
                            "group": "small",
                            "group_spread": "0.01000000",
                            "red_list_discount": "0",
                            "scenario_spread": "0.0100",
                        },
                        "days": 92,
                        "fee": {"amount": "0.00", "currency": "CNY"},
                        "interest": {"amount": "1022.22", "currency": "CNY"},
                        "premium": {"amount": "0.00", "currency": "CNY"},
                        "proceeds": {"amount": "78977.78", "currency": "CNY"},
                        "rate": "0.05000000",
                        "value_date": "2025-03-03",
                    },
                    "proceeds": {"amount": "78977.78", "currency": "CNY"},
                    "rate": "0.05000000",
                    "status": "open",
                }
            ]
        },
    )

    amount: MoneyOut
    application_id: str
    automatic: bool
    expires_at: datetime
    fee: MoneyOut
    funder_org_id: str
    id: str
    interest: MoneyOut
    pricing: OfferPricingOut
    proceeds: MoneyOut = Field(
        description="what the seller receives: the amount less interest and fees"
    )
    rate: str = Field(description="the annual rate, a decimal string (0.05 is 5%)")
    status: OfferStatus


class ApplicationPaymentRedirectOut(Answer):
    """Where the debtor pays once the asset is assigned: a receivable's debtor, or the
    marketplace of a payout (cross-border), pays the funder instead of the seller."""

    instead_of_org_id: str
    notice_at: datetime
    pay_to_org_id: str
    receivable_id: str | None = None
    payout_id: str | None = None
    registration: str | None


class RegistrationOut(Answer):
    cancel_on_close: bool | None = None
    certificate_financing_id: str | None = None
    funder_piece_id: str | None = None
    id: str
    kind: str
    number: str | None = None


class ReservationOut(Answer):
    application_id: str
    asset: str
    funder: str
    funder_org_id: str
    held: bool = Field(description="whether the reservation still holds the asset")
    id: str
    offer_id: str
    released_at: datetime | None
    released_because: str | None
    reserved_at: datetime
    until: datetime = Field(description="when the reservation lapses unless the financing proceeds")


class ApplicationOut(Answer):
    accepted_offer_id: str | None
    amount: MoneyOut
    applicant_org_id: str
    asset: dict[str, Any] = Field(
        description="the financed asset as the application named it (open: its fields depend "
        "on the scenario, e.g. receivable_id and recourse)"
    )
    channel: str = Field(
        description="standard, or green for red-listed applicants' fast automatic decisions"
    )
    checks: list[ApplicationCheckOut]
    collateral: list[dict[str, Any]] = Field(
        description="the collateral registered for it (kind, identifier, quantity)"
    )
    cover_policy_id: str | None
    debtor_org_id: str | None
    decided_at: datetime | None
    decision_seconds: int | None = Field(description="seconds from submission to the decision")
    due_on: date
    due_provisional: bool = Field(
        description="whether the due date was rolled on a provisional holiday schedule"
    )
    due_requested_on: date | None = Field(
        description="the due date asked for, before rolling to a working day"
    )
    evidence: dict[str, Any] = Field(
        description="what the scenario's checks found (open: authenticity score and reasons, "
        "fingerprints, the disbursement once paid, ...)"
    )
    funder_org_id: str | None
    funder_org_ids: list[str]
    id: str
    note: str
    offers: list[OfferOut]
    outstanding: MoneyOut
    payment_redirect: ApplicationPaymentRedirectOut | None
    priority: int = Field(description="queue priority for review (higher first)")
    registrations: list[RegistrationOut]
    repaid: MoneyOut
    reservations: list[ReservationOut]
    scenario: str
    status: Status
    submitted_at: datetime


class FinancingDecisionTimesGreenOut(Answer):
    decided: int
    median_seconds: str | None
    p95_seconds: str | None
    pending: int


class FinancingDecisionTimesOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "green": {
                        "decided": 0,
                        "median_seconds": None,
                        "p95_seconds": None,
                        "pending": 0,
                    },
                    "standard": {
                        "decided": 1,
                        "median_seconds": "0.0",
                        "p95_seconds": "0.0",
                        "pending": 0,
                    },
                }
            ]
        },
    )

    green: FinancingDecisionTimesGreenOut
    standard: FinancingDecisionTimesGreenOut


class MessageOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_id": None,
                    "body": "The receivable was assigned under regist...",
                    "created_at": "2025-03-03T02:00:00+00:00",
                    "id": "msg_01M914RS5CZNPKTDAYEWXQ6QNY",
                    "kind": "assignment_notice",
                    "read": False,
                    "subject": "Notice of assignment of receivable rcv_0...",
                }
            ]
        },
    )

    application_id: str | None
    body: str
    created_at: datetime
    id: str
    kind: str
    read: bool
    subject: str


class MarginCallOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_id": "fap_01M914X6SPM8VRSMM42KTYVH5B",
                    "id": "mcl_01M914X7PEA6M9NP7JC60MDFHY",
                    "ltv": "0.7576",
                    "shortfall": {"amount": "25000.00", "currency": "CNY"},
                    "status": "open",
                    "threshold": "0.7500",
                }
            ]
        },
    )

    application_id: str
    id: str
    ltv: str = Field(
        description="loan-to-value: the financing outstanding over the goods' market value"
    )
    shortfall: MoneyOut = Field(
        description="what the applicant must repay or pledge to cure the call"
    )
    status: str
    threshold: str = Field(description="the loan-to-value above which a margin call is raised")


class FinancingReportVolumeOut(Answer):
    """Disbursed volume per dimension: each key (a district, chain tag, scenario, funder
    organization id or tier) lists its amounts, one per currency."""

    chain: dict[str, list[MoneyOut]] = Field(description="by chain tag; `none` for untagged")
    district: dict[str, list[MoneyOut]] = Field(description="by the applicant's district")
    institution: dict[str, list[MoneyOut]] = Field(description="by funder organization id")
    scenario: dict[str, list[MoneyOut]] = Field(description="by financing scenario")
    tier: dict[str, list[MoneyOut]] = Field(description="by the applicant's supply chain tier")


class FinancingReportOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision_times": {
                        "green": {
                            "decided": 0,
                            "median_seconds": None,
                            "p95_seconds": None,
                            "pending": 0,
                        },
                        "standard": {
                            "decided": 1,
                            "median_seconds": "0.0",
                            "p95_seconds": "0.0",
                            "pending": 0,
                        },
                    },
                    "default_rate": "0.0000",
                    "financings": 1,
                    "overdue_rate": "0.0000",
                    "pricing": {"receivables_factoring": "0.05000000"},
                    "volumes": {
                        "chain": {"none": [{"amount": "80000.00", "currency": "CNY"}]},
                        "district": {"nanshan": [{"amount": "80000.00", "currency": "CNY"}]},
                        "institution": {
                            "org_01M914RGM205J0V59M60C4P0ZD": [
                                {"amount": "80000.00", "currency": "CNY"}
                            ]
                        },
                        "scenario": {
                            "receivables_factoring": [{"amount": "80000.00", "currency": "CNY"}]
                        },
                        "tier": {"1": [{"amount": "80000.00", "currency": "CNY"}]},
                    },
                }
            ]
        },
    )

    decision_times: FinancingDecisionTimesOut
    default_rate: str | None = Field(
        description="defaulted share of disbursed financings; null for none"
    )
    financings: int = Field(description="how many financings were disbursed")
    overdue_rate: str | None = Field(
        description="overdue share of disbursed financings; null for none"
    )
    pricing: dict[str, str] = Field(
        description="per scenario, the amount-weighted average annual rate of accepted offers"
    )
    volumes: FinancingReportVolumeOut


class FinancingSummaryOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "exposed_institutions": [],
                    "exposure_minor": 0,
                    "financings": 1,
                    "overdue_count": 0,
                    "overdue_elsewhere": 0,
                    "repaid_on_time_share": 0.0,
                }
            ]
        },
    )

    exposed_institutions: list[str] = Field(
        description="ids of the funders with a live financing to the organization"
    )
    exposure_minor: int = Field(description="outstanding CNY financing, in fen (minor units)")
    financings: int
    overdue_count: int
    overdue_elsewhere: int = Field(description="how many funders hold an overdue financing of it")
    repaid_on_time_share: float | None = Field(
        description="share of closed financings repaid by the due date; null while none closed"
    )


class FinancingTsinMessagesMessageOut(Answer):
    created_at: datetime
    direction: str
    kind: str
    seq: int
    xml: str


class FinancingTsinMessagesOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_ids": ["fap_01M914YCMA8WBWKPXY0952XTW8"],
                    "group_id": "ERP-1",
                    "messages": [
                        {
                            "created_at": "2025-03-03T02:00:00+00:00",
                            "direction": "in",
                            "kind": "tsin.001.001.01",
                            "seq": 1,
                            "xml": "<?xml version='1.0' encoding='UTF-8'?>\n<...",
                        }
                    ],
                    "request_id": "tsr_01M914YCMD9R2ETNW2BV0BS1FH",
                    "status": "open",
                }
            ]
        },
    )

    application_ids: list[str]
    group_id: str
    messages: list[FinancingTsinMessagesMessageOut]
    request_id: str
    status: str


class ClaimOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": {"amount": "32000.00", "currency": "CNY"},
                    "application_id": "fap_01M914S2R6157V3JD51TMCSDFW",
                    "claimant_org_id": "org_01M914RZMS8QG8XXREPR2ECBJF",
                    "id": "clm_01M914S3X2EWGFE6TWNNSQHYGH",
                    "insurer_org_id": "org_01M914RZSS43J5YXE9TRB4S12Z",
                    "opened_at": "2025-06-11T02:00:00+00:00",
                    "paid": {"amount": "32000.00", "currency": "CNY"},
                    "policy_id": "pol_01M914S29D8MF0KM10CWX14SR5",
                    "status": "paid",
                }
            ]
        },
    )

    amount: MoneyOut
    application_id: str
    claimant_org_id: str
    id: str
    insurer_org_id: str
    opened_at: datetime
    paid: MoneyOut
    policy_id: str
    status: str


class FinancingDeclareDefaultOut(Answer):
    application: ApplicationOut
    claim: ClaimOut | None = Field(
        description="the claim opened against the insurer, when cover was drawn on the financing"
    )


class FinancingDisburseInstructionOut(Answer):
    amount: MoneyOut
    application_id: str
    payee_org_id: str
    payer_org_id: str
    reference: str
    value_date: date


class FinancingDisburseOut(Answer):
    application: ApplicationOut
    instruction: FinancingDisburseInstructionOut


class CoverPolicyOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cover_ratio": "0.80000000",
                    "debtor_org_id": "org_01M914RZH8YBAA39NW7A8RW2CH",
                    "expires_on": "2026-12-31",
                    "id": "pol_01M914S29D8MF0KM10CWX14SR5",
                    "insured_org_id": "org_01M914RZJEH324AYG9PDMMSBTF",
                    "insurer_org_id": "org_01M914RZSS43J5YXE9TRB4S12Z",
                    "kind": "insurance",
                    "limit": {"amount": "1000000.00", "currency": "CNY"},
                    "premium_rate": "0.01000000",
                    "used": {"amount": "0.00", "currency": "CNY"},
                }
            ]
        },
    )

    cover_ratio: str
    debtor_org_id: str
    expires_on: date
    id: str
    insured_org_id: str
    insurer_org_id: str
    kind: str
    limit: MoneyOut
    premium_rate: str
    used: MoneyOut = Field(
        description="the part of the confirmed amount already used for financing or certificates"
    )


class FinancingMarkToMarketItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_id": "fap_01M914X6SPM8VRSMM42KTYVH5B",
                    "ltv": "0.5556",
                    "margin_call": False,
                    "value": {"amount": "4500000.00", "currency": "CNY"},
                }
            ]
        },
    )

    application_id: str
    ltv: str = Field(
        description="loan-to-value: the financing outstanding over the goods' market value"
    )
    margin_call: bool
    value: MoneyOut


class FinancingOverdueRunOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"overdue": ["fap_01M914S2R6157V3JD51TMCSDFW"]}]},
    )

    overdue: list[str]


class ProductOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "active": True,
                    "base_rate": "0.03000000",
                    "exclusive_chains": [],
                    "fee": {"amount": "0.00", "currency": "CNY"},
                    "funder_org_id": "org_01M914RGM205J0V59M60C4P0ZD",
                    "id": "fpr_01M914RJBZGMXQH9Z9J6NF3F2W",
                    "max_amount": {"amount": "10000000.00", "currency": "CNY"},
                    "name": "receivables_factoring bank",
                    "offer_validity_hours": 72,
                    "rate_groups": [
                        {
                            "chain_tags": [],
                            "name": "red",
                            "red_listed": True,
                            "size_classes": [],
                            "spread": "0E-8",
                        }
                    ],
                    "scenario": "receivables_factoring",
                }
            ]
        },
    )

    active: bool
    base_rate: str = Field(description="the product's annual base rate, a decimal string")
    exclusive_chains: list[str] = Field(description="chain tags the product is limited to")
    fee: MoneyOut
    funder_org_id: str
    id: str
    max_amount: MoneyOut
    name: str
    offer_validity_hours: int
    rate_groups: list[dict[str, Any]] = Field(
        description="the product's rate groups as the funder defined them (open objects)"
    )
    scenario: str


class FinancingPostPriceOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2025-03-03T02:00:00+00:00",
                    "commodity": "gold",
                    "price": {"amount": "450.00", "currency": "CNY"},
                    "unit": "gram",
                }
            ]
        },
    )

    as_of: datetime
    commodity: str
    price: MoneyOut
    unit: str


class ScenarioLimitsOut(Answer):
    max_tenor_days: int
    max_advance: str = Field(description="the largest share of the asset that may be advanced")
    min_amount: str = Field(description="the smallest amount, a decimal string")


class ScenarioOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "receivables_factoring",
                    "title": "Receivables factoring",
                    "asset_kind": "receivable",
                    "required_evidence": ["invoice", "debtor_confirmation"],
                    "pricing_inputs": ["base_rate", "tenor"],
                    "limits": {"max_tenor_days": 360, "max_advance": "0.9", "min_amount": "1000"},
                    "registry_kind": "assignment",
                    "exclusive_chains": [],
                    "self_funded": False,
                    "applicant_roles": ["supplier"],
                }
            ]
        },
    )

    code: str
    title: str
    asset_kind: str = Field(description="what the application finances: receivable, bill, ...")
    required_evidence: list[str]
    pricing_inputs: list[str]
    limits: ScenarioLimitsOut
    registry_kind: str | None = Field(description="the registration filed for it, if any")
    exclusive_chains: list[str] = Field(description="chain tags the scenario is limited to")
    self_funded: bool = Field(description="whether the core enterprise funds it itself")
    applicant_roles: list[str]


class CommodityPriceOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "commodity": "gold",
                    "unit": "gram",
                    "currency": "CNY",
                    "price": {"amount": "450.00", "currency": "CNY"},
                    "as_of": "2025-03-03T02:00:00+00:00",
                }
            ]
        },
    )

    commodity: str
    unit: str
    currency: str
    price: MoneyOut = Field(description="the price of one unit")
    as_of: datetime


class MessageReadOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"id": "msg_01M914X7PEA6M9NP7JC60MDFHY", "read": True}]},
    )

    id: str
    read: bool
