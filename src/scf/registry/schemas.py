"""Documented answers of the registry API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from scf.core.schema import Answer, MoneyOut
from scf.registry.model import CollateralKind, RegistrationKind, Status


class GoodsOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "commodity": "gold",
                    "confirmed_at": "2025-03-03T02:00:00+00:00",
                    "free": "2.500",
                    "grade": "Au99.99",
                    "holder_org_id": "org_01M914RJ4N9WK084GNNKDHN190",
                    "id": "gds_01M914RK1J668MQ61V19BMNPXF",
                    "location": "Luohu vault 2",
                    "lot": "SGE-7781",
                    "pledged": "10.000",
                    "quantity": "12.500",
                    "receipts": ["914403000000001219/G-1"],
                    "seq": 1,
                    "status": "held",
                    "unit": "kg",
                    "warehouse_org_id": "org_01M914RJJY59NGVX2MP5AHJYS5",
                    "warehouse_uscc": "914403000000001219",
                }
            ]
        },
    )

    commodity: str
    confirmed_at: datetime
    free: str
    grade: str
    holder_org_id: str
    id: str
    location: str
    lot: str
    pledged: str
    quantity: str
    receipts: list[str]
    seq: int
    status: str
    unit: str
    warehouse_org_id: str
    warehouse_uscc: str


class RegistryCosignaturesItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "root_hash": "ec3852c2480aa1334356517679f50e4677489927...",
                    "signature": "5Wq8LfUftPzQotfU6J6A873AQ8MZAJ6Bs0HGUQOu...",
                    "timestamp_ms": 1740967210000,
                    "tree_size": 6,
                    "witness_key_id": "80a39f7bf36109e9",
                    "witness_public_key": "50cd99d3105bbf1b9d1794700a4a8638fd1ed5f9...",
                    "witnessed_ms": 1796408917741,
                }
            ]
        },
    )

    root_hash: str = Field(description="the Merkle tree root of the log at this size, hex")
    signature: str = Field(description="the Ed25519 signature, as the log encodes it")
    timestamp_ms: int = Field(
        description="when the head was signed, in milliseconds since the Unix epoch"
    )
    tree_size: int = Field(description="how many leaves the log has in this head")
    witness_key_id: str
    witness_public_key: str
    witnessed_ms: int


class RegistryRegistrationChangeAddCollateralOut(Answer):
    description: str
    goods: str | None
    identifier: str
    kind: CollateralKind
    quantity: str | None


class RegistryRegistrationChangeRemoveCollateralOut(Answer):
    identifier: str
    kind: CollateralKind


class RegistryRegistrationChangeOut(Answer):
    add_collateral: list[RegistryRegistrationChangeAddCollateralOut] | None = None
    amount: MoneyOut | None = None
    description: str | None = None
    remove_collateral: list[RegistryRegistrationChangeRemoveCollateralOut] | None = None


class RegistryRegistrationFilerOut(Answer):
    as_agent: bool
    org_id: str | None
    user_id: str | None


class RegistryRegistrationGrantorOut(Answer):
    name: str
    org_id: str
    uscc: str


class RegistryRegistrationOut(Answer):
    agency: str | None = None
    agent_org_id: str | None = None
    algorithm: str | None = None
    amount: MoneyOut | None = None
    at: datetime
    case_reference: str | None = None
    changes: RegistryRegistrationChangeOut | None = None
    collateral: list[dict[str, Any]] | None = None
    commodity: str | None = None
    description: str | None = None
    expires_at: datetime | None = None
    filer: RegistryRegistrationFilerOut | None = None
    goods: str | None = None
    grade: str | None = None
    grantors: list[RegistryRegistrationGrantorOut] | None = None
    holder_org_id: str | None = None
    id: str | None = None
    key_id: str | None = None
    kind: RegistrationKind | None = None
    lapses_at: datetime | None = None
    location: str | None = None
    lot: str | None = None
    months: int | None = None
    objection: str | None = None
    objector_org_id: str | None = None
    op: str
    previous_key_id: str | None = None
    principal_org_id: str | None = None
    prior_conflicts: list[str] | None = None
    public_key: str | None = None
    quantity: str | None = None
    reason: str | None = None
    receipts: list[str] | None = None
    registration: str | None = None
    secured_party: RegistryRegistrationGrantorOut | None = None
    seq: int
    signature: str | None = None
    starts_at: datetime | None = None
    unit: str | None = None
    warehouse: RegistryRegistrationGrantorOut | None = None


class RegistryLogEntriesItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "data": "eyJhbW91bnQiOnsiYW1vdW50IjoiNTAwMDAwLjAw...",
                    "leaf_index": 0,
                    "op": "initial",
                    "record": {
                        "amount": {"amount": "500000.00", "currency": "CNY"},
                        "at": "2025-03-03T02:00:00+00:00",
                        "collateral": [
                            {
                                "description": "发票",
                                "goods": None,
                                "identifier": "ed8d97c08bf3add20118c75a4e92eb49af62ed9b...",
                                "kind": "receivable",
                                "quantity": None,
                            }
                        ],
                        "description": "",
                        "expires_at": "2026-03-03T02:00:00+00:00",
                        "filer": {
                            "as_agent": False,
                            "org_id": "org_01M914R2SW5NDHPGYPP6MYTW2V",
                            "user_id": "usr_01M914R2VS3F03H4SM44STTHQM",
                        },
                        "grantors": [
                            {
                                "name": "supplier 36 有限公司",
                                "org_id": "org_01M914R2PPV3C7GYRFJF2NJNFG",
                                "uscc": "914403000000000351",
                            }
                        ],
                        "id": "reg_01M914R3JJ60ANHKM7V1C375S9",
                        "kind": "pledge",
                        "op": "initial",
                        "prior_conflicts": [],
                        "registration": "R202503030000000001",
                        "secured_party": {
                            "name": "bank 40 有限公司",
                            "org_id": "org_01M914R2SW5NDHPGYPP6MYTW2V",
                            "uscc": "91440300000000039D",
                        },
                        "seq": 1,
                        "starts_at": "2025-03-03T02:00:00+00:00",
                    },
                    "seq": 1,
                }
            ]
        },
    )

    data: str
    leaf_index: int = Field(description="the filing's leaf in the registry's Merkle log, from 0")
    op: str
    record: RegistryRegistrationOut
    seq: int


class RegistryKeysItemOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "algorithm": "ed25519",
                    "current": True,
                    "first_used_at": "2025-03-03T02:00:00+00:00",
                    "key_id": "05b16f42a9da7245",
                    "public_key": "5314b5356bcb2b5ba60193d5e716f673772b9275...",
                    "seq": None,
                }
            ]
        },
    )

    algorithm: str
    current: bool
    first_used_at: datetime | None = Field(
        description="when it first signed a head; null for a key that has signed none yet"
    )
    key_id: str
    public_key: str = Field(description="the Ed25519 public key, hex")
    seq: int | None = Field(description="the key's place in the rotation; null before it signed")


class RegistryConsistencyOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "consistency": ["0d2614be4c53af3118d33213522c0b1ac9f27bf8..."],
                    "first": 6,
                    "second": 9,
                }
            ]
        },
    )

    consistency: list[str]
    first: int
    second: int


class RegistryInclusionOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "audit_path": ["22c61fc91add336617740bd91374cfd7275e454e..."],
                    "leaf_hash": "6e26a91e7ad832c7243dd2f920ea298df30f91ef...",
                    "leaf_index": 0,
                    "tree_size": 9,
                }
            ]
        },
    )

    audit_path: list[str]
    leaf_hash: str
    leaf_index: int = Field(description="the filing's leaf in the registry's Merkle log, from 0")
    tree_size: int = Field(description="how many leaves the log has in this head")


class RegistryTreeHeadOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "key_id": "05b16f42a9da7245",
                    "root_hash": "1abb7129e2fe99d916a3b06388135d1ec5f12a0f...",
                    "signature": "kJsg6RcG4NmLHgH/5hPPPZc/XD8akPwLNHFE8I+P...",
                    "timestamp_ms": 1740967200000,
                    "tree_size": 1,
                }
            ]
        },
    )

    key_id: str | None = Field(description="the signing key; null while the log is empty")
    root_hash: str = Field(description="the Merkle tree root of the log at this size, hex")
    signature: str | None = Field(description="the Ed25519 signature, base64; null while empty")
    timestamp_ms: int = Field(
        description="when the head was signed, in milliseconds since the Unix epoch"
    )
    tree_size: int = Field(description="how many leaves the log has in this head")


class RegistryRegistration2GrantorOut(Answer):
    name: str
    uscc: str


class RegistryRegistration3ChangeOut(Answer):
    description: str
    add_collateral: list[RegistryRegistrationChangeAddCollateralOut] | None = None


class RegistryRegistration3Out(Answer):
    amount: MoneyOut | None = None
    at: datetime
    changes: RegistryRegistration3ChangeOut | None = None
    collateral: list[dict[str, Any]] | None = None
    description: str | None = None
    expires_at: datetime | None = None
    filer: RegistryRegistrationFilerOut | None = None
    grantors: list[RegistryRegistrationGrantorOut] | None = None
    id: str | None = None
    kind: RegistrationKind | None = None
    months: int | None = None
    op: str
    prior_conflicts: list[str] | None = None
    reason: str | None = None
    registration: str
    secured_party: RegistryRegistrationGrantorOut | None = None
    seq: int
    starts_at: datetime | None = None
    lapses_at: datetime | None = None
    objection: str | None = None
    objector_org_id: str | None = None


class RegistryRegistration2HistoryOut(Answer):
    at: datetime
    leaf_index: int = Field(description="the filing's leaf in the registry's Merkle log, from 0")
    op: str
    record: RegistryRegistration3Out
    seq: int


class ObjectionOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_reference": "(2025)沪0115民初1号",
                    "filed_at": "2025-03-03T02:00:00.001421+00:00",
                    "id": "obj_01M915280KKPJR7AH63CRKDJQX",
                    "lapses_at": "2025-04-02T02:00:00.001421+00:00",
                    "litigated_at": "2025-03-03T02:00:00.001456+00:00",
                    "objector_org_id": "org_01M91526SNSR4XC5ZP1292G01A",
                    "reason": "not ours",
                    "seq": 7,
                    "status": "litigated",
                }
            ]
        },
    )

    case_reference: str | None
    filed_at: datetime
    id: str
    lapses_at: datetime
    litigated_at: datetime | None
    objector_org_id: str
    reason: str
    seq: int
    status: str


class RegistrationViewOut(Answer):
    """A registration as the public sees it (grantors and secured party by name and USCC)."""

    amount: MoneyOut | None
    cancelled_at: datetime | None
    collateral: list[dict[str, Any]]
    description: str
    expires_at: datetime
    grantors: list[RegistryRegistration2GrantorOut]
    id: str
    kind: RegistrationKind
    last_seq: int
    number: str
    objections: list[ObjectionOut]
    registered_at: datetime
    secured_party: RegistryRegistration2GrantorOut
    seq: int
    starts_at: datetime
    status: Status


class RegistryRegistration2Out(RegistrationViewOut):
    amount: MoneyOut
    history: list[RegistryRegistration2HistoryOut]


class RegistrySearchQueryOut(Answer):
    collateral: RegistryCollateralKeyOut | None = Field(description="the collateral searched for")
    grantor_name: str | None
    grantor_uscc: str | None
    include_history: bool
    tolerant: bool


class RegistryRegistration4MatchOut(Answer):
    grantor_name: str
    how: str
    score: int = Field(description="0 to 100; 100 when nothing speaks against it")


class RegistryRegistration4Out(RegistrationViewOut):
    history: list[RegistryRegistration2HistoryOut]
    match: RegistryRegistration4MatchOut | None = None


class RegistrySearchOut(Answer):
    count: int
    query: RegistrySearchQueryOut
    results: list[RegistryRegistration4Out]


class RegistryCertificateCertificateLogOut(Answer):
    root_hash: str = Field(description="the Merkle tree root of the log at this size, hex")
    tree_head_signature: str
    tree_head_timestamp_ms: int
    tree_size: int = Field(description="how many leaves the log has in this head")


class RegistryCertificateCertificateOut(Answer):
    certificate_id: str
    log: RegistryCertificateCertificateLogOut
    query: RegistrySearchQueryOut
    result_count: int
    results: list[RegistryRegistration2Out]
    searched_at: datetime
    type: str


class RegistryCertificateOut(Answer):
    certificate: RegistryCertificateCertificateOut
    document_type: str
    key_id: str
    signature: str = Field(description="the Ed25519 signature, as the log encodes it")
    signed_bytes: str
    standard: str
    version: str = Field(
        description="the record's version; it grows with each change (optimistic locking)"
    )


class AgencyOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "agent_org_id": "org_01M91526VG1FPYQDEYSZVCMM87",
                    "granted_at": "2025-03-03T02:00:00.001484Z",
                    "id": "agy_01M915283PKQSK12S3B0743VXX",
                    "principal_org_id": "org_01M91526TM9GW4YZEM8TC7F4NA",
                    "revoked_at": None,
                }
            ]
        },
    )

    agent_org_id: str
    granted_at: datetime
    id: str
    principal_org_id: str
    revoked_at: datetime | None


class RegistryRegistration5Out(RegistrationViewOut):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": {"amount": "500000.00", "currency": "CNY"},
                    "cancelled_at": None,
                    "collateral": [
                        {
                            "identifier": "ed8d97c08bf3add20118c75a4e92eb49af62ed9b...",
                            "kind": "receivable",
                            "quantity": None,
                        }
                    ],
                    "description": "",
                    "expires_at": "2026-03-03T02:00:00+00:00",
                    "grantors": [{"name": "supplier 36 有限公司", "uscc": "914403000000000351"}],
                    "id": "reg_01M914R3NSGQYSX6AZA6VRFG5N",
                    "kind": "pledge",
                    "last_seq": 2,
                    "number": "R202503030000000002",
                    "objections": [],
                    "registered_at": "2025-03-03T02:00:00+00:00",
                    "secured_party": {
                        "name": "factoring_company 43 有限公司",
                        "uscc": "91440300000000042Q",
                    },
                    "seq": 2,
                    "starts_at": "2025-03-03T02:00:00+00:00",
                    "status": "active",
                }
            ]
        },
    )


class RegistryFileRegistrationOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entry_seq": 1,
                    "leaf_index": 0,
                    "prior_conflicts": [],
                    "registration": {
                        "amount": None,
                        "cancelled_at": None,
                        "collateral": [
                            {"identifier": "PKG0001/1-5000000", "kind": "bill", "quantity": None}
                        ],
                        "description": "",
                        "expires_at": "2025-09-03T02:00:00+00:00",
                        "grantors": [
                            {"name": "supplier 212 有限公司", "uscc": "91440300000000211X"}
                        ],
                        "id": "reg_01M914SMS9ZT9MYH0122RTRHJH",
                        "kind": "pledge",
                        "last_seq": 1,
                        "number": "R202503030000000001",
                        "objections": [],
                        "registered_at": "2025-03-03T02:00:00+00:00",
                        "secured_party": {
                            "name": "factoring_company 219 有限公司",
                            "uscc": "91440300000000218K",
                        },
                        "seq": 1,
                        "starts_at": "2025-03-03T02:00:00+00:00",
                        "status": "active",
                    },
                }
            ]
        },
    )

    entry_seq: int = Field(description="the filing's sequence number in the registry log, from 1")
    leaf_index: int = Field(description="the filing's leaf in the registry's Merkle log, from 0")
    prior_conflicts: list[RegistryRegistration5Out] = Field(
        description="live registrations on the same collateral filed before this one"
    )
    registration: RegistryRegistration5Out


class RegistryFileRegistrationsOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filings": [
                        {
                            "entry_seq": 2,
                            "leaf_index": 1,
                            "prior_conflicts": [],
                            "registration": {
                                "amount": {"amount": "500000.00", "currency": "CNY"},
                                "cancelled_at": None,
                                "collateral": [
                                    {
                                        "identifier": "12495f56a9e3a31e54dfed1b5c153ff042ffcf2d...",
                                        "kind": "receivable",
                                        "quantity": None,
                                    }
                                ],
                                "description": "",
                                "expires_at": "2026-03-03T02:00:00+00:00",
                                "grantors": [
                                    {"name": "supplier 859 有限公司", "uscc": "91440300000000858R"}
                                ],
                                "id": "reg_01M914ZF8QYET5H8G8520FDN65",
                                "kind": "pledge",
                                "last_seq": 2,
                                "number": "R202503030000000002",
                                "objections": [],
                                "registered_at": "2025-03-03T02:00:00+00:00",
                                "secured_party": {
                                    "name": "bank 863 有限公司",
                                    "uscc": "914403000000008628",
                                },
                                "seq": 2,
                                "starts_at": "2025-03-03T02:00:00+00:00",
                                "status": "active",
                            },
                        }
                    ]
                }
            ]
        },
    )

    filings: list[RegistryFileRegistrationOut]


class RegistryCollateralKeyOut(Answer):
    kind: str
    identifier: str


class RegistryUnregisteredInterestOut(Answer):
    claimant: str = Field(description="the unregistered claimant as the request named it")
    registered: bool = Field(description="always false: an interest without a registration")
    notice_at: datetime | None = Field(description="when the debtor was first notified, if ever")


class RegistryPriorityRankOut(Answer):
    rank: int = Field(description="1 is paid first")
    pro_rata: bool = Field(description="whether the interests of this rank share pro rata")
    interests: list[RegistryRegistration5Out | RegistryUnregisteredInterestOut]


class RegistryPriorityOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "collateral": {"kind": "receivable", "identifier": "e11992d6"},
                    "as_of": "2025-03-03T02:00:00+00:00",
                    "rule": "Civil Code Art. 414 and 768: registered before unregistered, ...",
                    "ranks": [
                        {
                            "rank": 1,
                            "pro_rata": False,
                            "interests": [
                                {"claimant": "bank A", "registered": False, "notice_at": None}
                            ],
                        }
                    ],
                }
            ]
        },
    )

    collateral: RegistryCollateralKeyOut
    as_of: datetime
    rule: str = Field(description="the priority rule applied, in words")
    ranks: list[RegistryPriorityRankOut]
