"""Documented answers of the supervision API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from scf.core.schema import Answer, MoneyOut
from scf.supervision.model import CaseStatus


class CalendarAlertsItemDateOut(Answer):
    after: date
    applied: bool
    before: date
    field: str
    org_id: str
    provisional: bool
    reason: str | None
    record: str
    record_id: str
    requested: date
    room: str


class CalendarAlertsItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "changed": 3,
                    "changed_days": ["2027-02-11"],
                    "dates": [
                        {
                            "after": "2027-02-20",
                            "applied": True,
                            "before": "2027-02-22",
                            "field": "maturity_on",
                            "org_id": "org_01M914ZG4SP6S7CC643WBSKJEN",
                            "provisional": False,
                            "reason": None,
                            "record": "certificate",
                            "record_id": "crt_01M914ZJGE715KYD5JZDFGK3KX",
                            "requested": "2027-02-20",
                            "room": "certificates",
                        }
                    ],
                    "file_name": "2027.json",
                    "id": "cal_01M914ZP50X6ZPZNTDK7V61PTB",
                    "kept": 1,
                    "loaded_at": "2027-02-12T02:00:00+00:00",
                    "loaded_by": "operator",
                    "reference": "2027 schedule for the tests",
                    "replaced": "provisional",
                    "summary": "official 2027 schedule loaded, replacing...",
                    "year": 2027,
                }
            ]
        },
    )

    changed: int
    changed_days: list[date]
    dates: list[CalendarAlertsItemDateOut]
    file_name: str
    id: str
    kept: int
    loaded_at: datetime
    loaded_by: str
    reference: str
    replaced: str
    summary: str
    year: int


class SupervisionAlertsItemNoteOut(Answer):
    at: datetime
    by: str
    text: str


class SupervisionAlertsItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alert_id": "cal_01M914SXE85B5H6EH9AVVQSCVG",
                    "assignee": None,
                    "evidence": {
                        "certificate_id": "crt_01M914SWB6QC43HRNHXVXTRWVQ",
                        "unpaid": {"amount": "50000.00", "currency": "CNY"},
                    },
                    "kind": "certificate_overdue",
                    "notes": [],
                    "org_id": "org_01M914SV1EJ7SBVBWWE381YRX8",
                    "org_name": "坪山新能源汽车股份有限公司",
                    "raised_at": "2025-03-28T02:00:00+00:00",
                    "resolution": None,
                    "resolved_at": None,
                    "severity": "medium",
                    "source": "certificates",
                    "status": "open",
                    "summary": "certificate crt_01M914SWB6QC43HRNHXVXTRW...",
                }
            ]
        },
    )

    alert_id: str
    assignee: str | None
    evidence: dict[str, Any] = Field(
        description="the figures the alert was raised on (open, per alert kind)"
    )
    kind: str
    notes: list[SupervisionAlertsItemNoteOut]
    org_id: str | None
    org_name: str | None
    raised_at: datetime
    resolution: str | None
    resolved_at: datetime | None
    severity: str
    source: str
    status: CaseStatus
    summary: str


class PieceFinancingOut(Answer):
    amount: MoneyOut
    borrower: str
    funder: str
    id: str
    status: str


class SupervisionEnterpriseGraphLinkOut(Answer):
    kind: str
    source: str
    target: str


class SupervisionOrganizationOut(Answer):
    category: str
    focus: bool
    id: str
    name: str


class SupervisionEnterpriseGraphOut(Answer):
    links: list[SupervisionEnterpriseGraphLinkOut]
    nodes: list[SupervisionOrganizationOut]


class SupervisionOrganization2Out(Answer):
    address: str
    bank_account: str
    chain_tags: list[str]
    district: str
    founded_on: date
    id: str
    licence_authority: str | None
    licence_expires_on: date | None
    licence_no: str | None
    licence_scope: str | None
    name: str
    phone: str
    registered_capital: MoneyOut
    roles: list[str]
    size_class: str
    uscc: str
    version: int = Field(
        description="the record's version; it grows with each change (optimistic locking)"
    )


class ReceivableOut(Answer):
    amount: MoneyOut
    confirmed: MoneyOut = Field(description="the amount the debtor confirmed it owes")
    debtor_org_id: str
    due_date: date
    fingerprints: list[str] = Field(
        description="platform fingerprints of the invoices behind it (64 hex each)"
    )
    id: str
    invoice_ids: list[str]
    paid: MoneyOut | None
    seller_org_id: str
    status: str
    unused_confirmed: MoneyOut = Field(
        description="confirmed by the debtor and not yet used for financing"
    )
    used: MoneyOut = Field(
        description="the part of the confirmed amount already used for financing or certificates"
    )


class SupervisionEnterpriseOut(Answer):
    alerts: list[dict[str, Any]] = Field(
        description="its alerts from every room (as GET /supervision/alerts)"
    )
    financings: list[PieceFinancingOut]
    findings: list[dict[str, Any]] = Field(description="the risk room's graph findings on it")
    graph: SupervisionEnterpriseGraphOut
    lists: list[dict[str, Any]] = Field(description="its black, red and white list entries")
    names: dict[str, str]
    organization: SupervisionOrganization2Out
    receivables: list[ReceivableOut]
    score: dict[str, Any] | None = Field(description="its latest risk score, if scored")


class SupervisionIndicatorsAlertBySourceValueOut(Answer):
    open: int


class SupervisionIndicatorsAlertOut(Answer):
    assigned: int
    by_kind: dict[str, int]
    by_source: dict[str, SupervisionIndicatorsAlertBySourceValueOut]
    open: int
    raised: int
    resolved: int


class SupervisionIndicatorsCreditAmountOut(Answer):
    certificates: list[MoneyOut]
    certificates_defaulted: list[MoneyOut]
    certificates_overdue: list[MoneyOut]
    financings: list[MoneyOut]
    financings_defaulted: list[MoneyOut]
    financings_overdue: list[MoneyOut]


class SupervisionIndicatorsCreditQualityOut(Answer):
    certificate_default_rate: str | None
    certificate_default_rate_by_amount: str | None
    certificate_overdue_rate: str | None
    certificate_overdue_rate_by_amount: str | None
    certificates: int
    certificates_defaulted: int
    certificates_overdue: int
    default_rate: str | None
    default_rate_by_amount: str | None
    financings: int
    financings_defaulted: int
    financings_overdue: int
    overdue_rate: str | None
    overdue_rate_by_amount: str | None


class SupervisionIndicatorsExposureOut(Answer):
    cap: MoneyOut
    core_name: str
    core_org_id: str
    exposure: MoneyOut
    funder_name: str
    funder_org_id: str
    headroom: MoneyOut = Field(description="cap less exposure (negative when over the cap)")
    lines_used: MoneyOut
    over_cap: bool
    utilisation: str = Field(description="exposure over cap, a decimal string")


class SupervisionIndicatorsListBlackOut(Answer):
    live: int
    total: int


class SupervisionIndicatorsListEffectOut(Answer):
    enforced: bool
    financings_after: int
    kind: str
    name: str
    org_id: str


class SupervisionIndicatorsListOut(Answer):
    black: SupervisionIndicatorsListBlackOut
    effects: list[SupervisionIndicatorsListEffectOut]
    red: SupervisionIndicatorsListBlackOut
    white: SupervisionIndicatorsListBlackOut


class SupervisionIndicatorsPeriodOut(Answer):
    end: date | None
    start: date | None


class SupervisionIndicatorsPricingAllOut(Answer):
    count: int
    max: str | None
    min: str | None
    weighted_average: str | None


class SupervisionIndicatorsPricingOut(Answer):
    all: SupervisionIndicatorsPricingAllOut
    by_scenario: dict[str, SupervisionIndicatorsPricingAllOut]


class SupervisionIndicatorsReachTierOut(Answer):
    amounts: list[MoneyOut]
    enterprises: int
    hops: int = Field(description="transfers that reached this tier")
    smes: int
    tier: int = Field(
        description="supply chain tier: 1 for the core enterprise's direct suppliers, 2 beyond, ..."
    )


class SupervisionIndicatorsReachOut(Answer):
    certificates: int
    deepest_tier_by_certificate: dict[str, int]
    financed: list[MoneyOut]
    issued: list[MoneyOut]
    max_tier: int
    smes_reached: int = Field(description="distinct SMEs that held a piece")
    tiers: list[SupervisionIndicatorsReachTierOut]


class SupervisionIndicatorsSmeVolumeTotalOut(Answer):
    amounts: list[MoneyOut]
    count: int
    key: str


class SupervisionIndicatorsSmeVolumeOut(Answer):
    by_chain: list[dict[str, Any]]
    by_district: list[dict[str, Any]]
    by_institution: list[dict[str, Any]]
    by_scenario: list[dict[str, Any]]
    by_tier: list[dict[str, Any]]
    total: list[SupervisionIndicatorsSmeVolumeTotalOut]


class SupervisionIndicatorsTimeToDecisionAllOut(Answer):
    count: int
    mean_hours: str | None
    median_hours: str | None


class SupervisionIndicatorsTimeToDecisionOut(Answer):
    all: SupervisionIndicatorsTimeToDecisionAllOut
    green_channel: SupervisionIndicatorsTimeToDecisionAllOut
    standard: SupervisionIndicatorsTimeToDecisionAllOut


class SupervisionIndicatorsOut(Answer):
    alerts: SupervisionIndicatorsAlertOut
    as_of: datetime
    credit_amounts: SupervisionIndicatorsCreditAmountOut
    credit_quality: SupervisionIndicatorsCreditQualityOut
    exposures: list[SupervisionIndicatorsExposureOut]
    lists: SupervisionIndicatorsListOut
    period: SupervisionIndicatorsPeriodOut
    pricing: SupervisionIndicatorsPricingOut
    reach: SupervisionIndicatorsReachOut
    sme_volume: SupervisionIndicatorsSmeVolumeOut
    time_to_decision: SupervisionIndicatorsTimeToDecisionOut


class SupervisionListEntryLicenceOut(Answer):
    authority: str | None = Field(description="the authority that issued the licence")
    expires_on: date | None
    number: str | None = Field(description="the licence number; null for an unlicensed party")
    roles: list[str]
    scope: str | None
    valid: bool = Field(description="licensed, and the licence not expired today")


class SupervisionListEntryOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authority": "深圳市地方金融管理局",
                    "district": "qianhai",
                    "enforced": True,
                    "enforcement": "may fund and buy assets on the platform",
                    "expires_on": None,
                    "financings_after": 1,
                    "green_channel_after": 0,
                    "id": "lst_01M914SV82ZJEN84DX6XRXBVDB",
                    "kind": "white",
                    "licence": {
                        "authority": "国家金融监督管理总局深圳监管局",
                        "expires_on": None,
                        "number": "B0001H244030001",
                        "roles": ["bank"],
                        "scope": None,
                        "valid": True,
                    },
                    "lifted_at": None,
                    "lifted_reason": None,
                    "listed_on": "2025-03-03",
                    "live": True,
                    "name": "深圳前海示范银行股份有限公司",
                    "org_id": "org_01M914SV2T44YC8G2KJ09K4Z4A",
                    "reason": "持牌银行，准入平台",
                    "uscc": "91440300000000704J",
                }
            ]
        },
    )

    authority: str
    district: str
    enforced: bool
    enforcement: str
    expires_on: date | None
    financings_after: int
    green_channel_after: int
    id: str
    kind: str
    licence: SupervisionListEntryLicenceOut | None = None
    lifted_at: datetime | None
    lifted_reason: str | None
    listed_on: date
    live: bool
    name: str
    org_id: str
    reason: str
    uscc: str


class SupervisionSeriesOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alerts_raised": [0],
                    "alerts_resolved": [0],
                    "granularity": "day",
                    "labels": ["2025-03-01"],
                    "list_entries": [0],
                    "sme_financings": [0],
                    "sme_volume": {"CNY": ["0.00"]},
                }
            ]
        },
    )

    alerts_raised: list[int]
    alerts_resolved: list[int]
    granularity: str
    labels: list[date]
    list_entries: list[int]
    sme_financings: list[int]
    sme_volume: dict[str, list[str]]


class SupervisionSharingIndicatorAlertOut(Answer):
    assigned: int
    open: int
    raised: int
    resolved: int


class SupervisionSharingIndicatorOut(Answer):
    alerts: SupervisionSharingIndicatorAlertOut
    credit_quality: SupervisionIndicatorsCreditQualityOut
    sme_volume_by_district: list[SupervisionIndicatorsSmeVolumeTotalOut]
    sme_volume_total: list[SupervisionIndicatorsSmeVolumeTotalOut]


class SupervisionSharingListBlackOut(Answer):
    authority: str
    district: str
    enforcement: str
    expires_on: date | None
    listed_on: date
    name: str
    reason: str
    uscc: str


class SupervisionSharingListWhiteOut(Answer):
    authority: str
    district: str
    enforcement: str
    expires_on: date | None
    licence: SupervisionListEntryLicenceOut
    listed_on: date
    name: str
    reason: str
    uscc: str


class SupervisionSharingListOut(Answer):
    black: list[SupervisionSharingListBlackOut]
    red: list[SupervisionSharingListBlackOut]
    white: list[SupervisionSharingListWhiteOut]


class SupervisionSharingOut(Answer):
    generated_at: datetime
    indicators: SupervisionSharingIndicatorOut
    issuer: str
    lists: SupervisionSharingListOut
    schema_: str = Field(alias="schema", description="the file format and its version")
    sha256: str = Field(description="SHA-256 of the file's content without this field")


class CaseOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alert_id": "cal_01M914SXE85B5H6EH9AVVQSCVG",
                    "assigned_at": "2025-03-28T02:00:00+00:00",
                    "assignee": "王科长",
                    "id": "case_01M914SXZ7QWWD38ETWKPHC7SA",
                    "notes": [
                        {
                            "at": "2025-03-28T02:00:00+00:00",
                            "by": "regulator",
                            "text": "call the issuer",
                        }
                    ],
                    "opened_at": "2025-03-28T02:00:00+00:00",
                    "resolution": None,
                    "resolved_at": None,
                    "source": "certificates",
                    "status": "assigned",
                }
            ]
        },
    )

    alert_id: str
    assigned_at: datetime | None
    assignee: str | None
    id: str
    notes: list[SupervisionAlertsItemNoteOut]
    opened_at: datetime
    resolution: str | None
    resolved_at: datetime | None
    source: str
    status: CaseStatus


class JointListEntryOut(Answer):
    kind: str = Field(description="black (joint penalties) or red (joint incentives)")
    uscc: str
    name: str
    reason: str
    authority: str | None = None
    listed_on: date


class JointListsFileOut(Answer):
    """The joint lists file sent to other departments."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="schema", description="the file format's name and version")
    entries: list[JointListEntryOut]
    sha256: str = Field(description="SHA-256 of the canonical JSON of the entries")
