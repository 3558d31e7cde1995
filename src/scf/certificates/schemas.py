"""Documented answers of the certificates API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from scf.certificates.model import CertificateStatus, PieceStatus
from scf.core.schema import Answer, MoneyOut


class CertificatesReachTierOut(Answer):
    amounts: list[MoneyOut]
    enterprises: int
    hops: int = Field(description="transfers that reached this tier")
    smes: int
    tier: int = Field(
        description="supply chain tier: 1 for the core enterprise's direct suppliers, 2 beyond, ..."
    )


class CertificatesReachOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "certificates": 2,
                    "deepest_tier_by_certificate": {
                        "crt_01M914QHNGWGA1MVEVE61YKGCF": 4,
                        "crt_01M914QJ3WP8B8HDDJAAHGN8PK": 1,
                    },
                    "financed": [{"amount": "50000.00", "currency": "CNY"}],
                    "issued": [{"amount": "700000.00", "currency": "CNY"}],
                    "max_tier": 4,
                    "smes_reached": 4,
                    "tiers": [
                        {
                            "amounts": [{"amount": "700000.00", "currency": "CNY"}],
                            "enterprises": 1,
                            "hops": 2,
                            "smes": 1,
                            "tier": 1,
                        }
                    ],
                }
            ]
        },
    )

    certificates: int
    deepest_tier_by_certificate: dict[str, int]
    financed: list[MoneyOut]
    issued: list[MoneyOut]
    max_tier: int
    smes_reached: int = Field(description="distinct SMEs that held a piece")
    tiers: list[CertificatesReachTierOut]


class CertificatesUpcomingItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "certificate_id": "crt_01M914QHNGWGA1MVEVE61YKGCF",
                    "holders": 4,
                    "issuer_org_id": "org_01M914QEJRST33S7FXFDPZP0PR",
                    "maturity_on": "2025-08-29",
                    "maturity_provisional": False,
                    "maturity_requested_on": "2025-08-29",
                    "status": "active",
                    "unpaid": {"amount": "600000.00", "currency": "CNY"},
                }
            ]
        },
    )

    certificate_id: str
    holders: int = Field(description="how many holders of record are still owed")
    issuer_org_id: str
    maturity_on: date
    maturity_provisional: bool = Field(
        description="whether the maturity was rolled on a provisional holiday schedule"
    )
    maturity_requested_on: date | None = Field(
        description="the maturity asked for, before rolling to a working day"
    )
    status: CertificateStatus
    unpaid: MoneyOut = Field(description="what is still to pay at maturity")


class CertificatesExposureReportHolderOut(Answer):
    amount: MoneyOut
    name: str
    org_id: str
    pieces: list[str]


class CertificatesExposureReportOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "certificate_id": "crt_01M914QJ3WP8B8HDDJAAHGN8PK",
                    "face": {"amount": "100000.00", "currency": "CNY"},
                    "holders": [
                        {
                            "amount": {"amount": "100000.00", "currency": "CNY"},
                            "name": "supplier 4 有限公司",
                            "org_id": "org_01M914QER8XWM05E0092G916F9",
                            "pieces": ["pce_01M914QJ3WTNC51P3MBAKSGA83"],
                        }
                    ],
                    "issuer_org_id": "org_01M914QEJRST33S7FXFDPZP0PR",
                    "maturity_on": "2025-08-29",
                    "maturity_provisional": False,
                    "maturity_requested_on": "2025-08-29",
                    "paid": {"amount": "0.00", "currency": "CNY"},
                    "status": "defaulted",
                    "unpaid": {"amount": "100000.00", "currency": "CNY"},
                }
            ]
        },
    )

    certificate_id: str
    face: MoneyOut
    holders: list[CertificatesExposureReportHolderOut] = Field(
        description="how many holders of record are still owed"
    )
    issuer_org_id: str
    maturity_on: date
    maturity_provisional: bool = Field(
        description="whether the maturity was rolled on a provisional holiday schedule"
    )
    maturity_requested_on: date | None = Field(
        description="the maturity asked for, before rolling to a working day"
    )
    paid: MoneyOut
    status: CertificateStatus
    unpaid: MoneyOut = Field(description="what is still to pay at maturity")


class CertificatesLineageTreeTradeBackgroundOut(Answer):
    receivable_id: str | None


class CertificatesLineageTreeOut(Answer):
    children: list[CertificatesLineageTreeOut]
    face: MoneyOut
    from_org_id: str | None = Field(
        description="who passed the piece on; null for the first holder"
    )
    holder_org_id: str
    origin: str = Field(description="how the piece came to be: issue, split, transfer or financing")
    piece_id: str
    registration_id: str | None = Field(description="the registry filing behind it, if any")
    status: PieceStatus
    tier: int = Field(
        description="supply chain tier: 1 for the core enterprise's direct suppliers, 2 beyond, ..."
    )
    trade_background: CertificatesLineageTreeTradeBackgroundOut | None


class CertificatesLineageOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "certificate_id": "crt_01M914QHNGWGA1MVEVE61YKGCF",
                    "deepest_tier": 4,
                    "face": {"amount": "600000.00", "currency": "CNY"},
                    "receivable_ids": ["rcv_01M914QFNKE153AGVJGNHFD570"],
                    "tree": {
                        "children": [
                            {
                                "children": [
                                    {
                                        "children": [],
                                        "face": {"amount": "100000.00", "currency": "CNY"},
                                        "from_org_id": None,
                                        "holder_org_id": "org_01M914QER8XWM05E0092G916F9",
                                        "origin": "split",
                                        "piece_id": "pce_01M914QJPCEYVEZWS8H5MTCB4C",
                                        "registration_id": None,
                                        "status": "live",
                                        "tier": 1,
                                        "trade_background": None,
                                    }
                                ],
                                "face": {"amount": "400000.00", "currency": "CNY"},
                                "from_org_id": None,
                                "holder_org_id": "org_01M914QER8XWM05E0092G916F9",
                                "origin": "split",
                                "piece_id": "pce_01M914QJ782KH8T52QAN5ZR352",
                                "registration_id": None,
                                "status": "spent",
                                "tier": 1,
                                "trade_background": None,
                            }
                        ],
                        "face": {"amount": "600000.00", "currency": "CNY"},
                        "from_org_id": "org_01M914QEJRST33S7FXFDPZP0PR",
                        "holder_org_id": "org_01M914QER8XWM05E0092G916F9",
                        "origin": "issue",
                        "piece_id": "pce_01M914QHNGQPBRBYX85AVHV3CE",
                        "registration_id": "reg_01M914QHS0AZ07Q80H430C32XM",
                        "status": "spent",
                        "tier": 1,
                        "trade_background": None,
                    },
                }
            ]
        },
    )

    certificate_id: str
    deepest_tier: int = Field(description="the farthest tier a piece of the certificate reached")
    face: MoneyOut
    receivable_ids: list[str]
    tree: CertificatesLineageTreeOut


class CertificatesReconcileDuplicateOut(Answer):
    end_to_end_id: str = Field(
        description="the ISO 20022 end-to-end id that ties the payment to its statement entry"
    )
    entry: int


class CertificatesReconcileMatchedOut(Answer):
    amount: MoneyOut
    certificate_id: str
    end_to_end_id: str = Field(
        description="the ISO 20022 end-to-end id that ties the payment to its statement entry"
    )
    entry: int
    payee_org_id: str


class CertificatesReconcileUnmatchedOut(Answer):
    entry: int = Field(description="the entry's position in the statement, from 1")
    reason: str
    amount: MoneyOut | None = None


class CertificatesReconcileOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "duplicates": [],
                    "entries": 5,
                    "matched": [
                        {
                            "amount": {"amount": "200000.00", "currency": "CNY"},
                            "certificate_id": "crt_01M914QHNGWGA1MVEVE61YKGCF",
                            "end_to_end_id": "01M914QHNGWGA1MVEVE61YKGCF-0001",
                            "entry": 1,
                            "payee_org_id": "org_01M914QER8XWM05E0092G916F9",
                        }
                    ],
                    "unmatched": [],
                }
            ]
        },
    )

    duplicates: list[CertificatesReconcileDuplicateOut]
    entries: int
    matched: list[CertificatesReconcileMatchedOut]
    unmatched: list[CertificatesReconcileUnmatchedOut] = Field(
        description="entries no instructed payment of the caller's certificates explains"
    )


class CertificatesSetCapOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cap": {"amount": "500000.00", "currency": "CNY"},
                    "core_org_id": "org_01M914SXAX2MBXN56ER44JZV3F",
                    "funder_org_id": "org_01M914SXPR61GVJ6VGYEQKD9JS",
                }
            ]
        },
    )

    cap: MoneyOut
    core_org_id: str
    funder_org_id: str


class CertificatesExposureOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "funder_org_id": "org_01M914SXPR61GVJ6VGYEQKD9JS",
                    "core_org_id": "org_01M914SXAX2MBXN56ER44JZV3F",
                    "exposure": {"amount": "5000000.00", "currency": "CNY"},
                    "lines_used": {"amount": "650000.00", "currency": "CNY"},
                    "cap": {"amount": "500000000.00", "currency": "CNY"},
                    "headroom": {"amount": "495000000.00", "currency": "CNY"},
                    "over_cap": False,
                }
            ]
        },
    )

    funder_org_id: str
    core_org_id: str
    exposure: MoneyOut = Field(description="committed lines plus pieces bought under them")
    lines_used: MoneyOut
    cap: MoneyOut = Field(description="the regulator's cap on this exposure")
    headroom: MoneyOut = Field(description="cap less exposure (negative when over the cap)")
    over_cap: bool
