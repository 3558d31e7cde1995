"""Documented answers of the parties API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from scf.core.schema import Answer


class PartiesAccessLogItemOut(Answer):
    at: datetime
    basis: str
    consent_id: str | None
    id: int
    reader_org_id: str | None
    reader_user_id: str | None
    resource: str
    scope: str
    subject_org_id: str


class PartiesAccessLogOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "at": "2025-03-03T02:00:00+00:00",
                            "basis": "consent",
                            "consent_id": "cns_01M914YPM31TX4G2X9E73KAZ3V",
                            "id": 1,
                            "reader_org_id": "org_01M914YP14M1CFXGFYHVAW9ZWR",
                            "reader_user_id": "usr_01M914YP2A17P7ADVDWA7H3K0Y",
                            "resource": "organization/org_01M914YNYV3RSNB6QVF60X8KKJ",
                            "scope": "profile",
                            "subject_org_id": "org_01M914YNYV3RSNB6QVF60X8KKJ",
                        }
                    ],
                    "limit": 50,
                    "offset": 0,
                    "total": 1,
                }
            ]
        },
    )

    items: list[PartiesAccessLogItemOut]
    limit: int
    offset: int
    total: int


class PartiesAuditItemOut(Answer):
    action: str
    after: dict[str, Any] | None = Field(
        description="the record after the change (an open object: the aggregate's own fields); "
        "null when it was deleted"
    )
    aggregate_id: str
    aggregate_type: str
    at: datetime
    before: dict[str, Any] | None = Field(
        description="the record before the change; null when it was created"
    )
    id: int
    org_id: str | None = Field(
        description="the acting organization; null for the platform's own jobs"
    )
    request_id: str | None
    user_id: str | None


class PartiesAuditOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "action": "organization.registered",
                            "after": {
                                "address": "",
                                "bank_account": "",
                                "chain_tags": [],
                                "district": "nanshan",
                                "founded_on": "2015-06-01",
                                "id": "org_01M914SKDA8GEK1VSQ4XBXK5KR",
                                "licence_authority": None,
                                "licence_expires_on": None,
                                "licence_no": None,
                                "licence_scope": None,
                                "name": "core_enterprise 210 有限公司",
                                "phone": "",
                                "registered_capital": {"amount": "5000000.00", "currency": "CNY"},
                                "roles": ["core_enterprise"],
                                "size_class": "large",
                                "uscc": "91440300000000209M",
                                "version": 1,
                            },
                            "aggregate_id": "org_01M914SKDA8GEK1VSQ4XBXK5KR",
                            "aggregate_type": "organization",
                            "at": "2025-03-03T02:00:00+00:00",
                            "before": None,
                            "id": 1,
                            "org_id": "org_01M914SKDA8GEK1VSQ4XBXK5KR",
                            "request_id": None,
                            "user_id": None,
                        }
                    ],
                    "limit": 1,
                    "offset": 0,
                    "total": 48,
                }
            ]
        },
    )

    items: list[PartiesAuditItemOut]
    limit: int
    offset: int
    total: int


class ShareholdingOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "shr_01M914SZKB4GQKPCRWGQRWC08B",
                    "org_id": "org_01M914SXESMNVASGPY2W9JNQHY",
                    "share": "0.6",
                }
            ]
        },
    )

    id: str
    org_id: str
    share: str


class KeyPersonOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "kpr_01M914SZKB4GQKPCRWGQRWC08B",
                    "org_id": "org_01M914SXESMNVASGPY2W9JNQHY",
                    "person_id": "per_01M914SZKB4GQKPCRWGQRWC08C",
                    "role": "legal_representative",
                }
            ]
        },
    )

    id: str
    org_id: str
    person_id: str = Field(description="the person's platform id (never the ID number)")
    role: str = Field(description="legal_representative, director, supervisor, manager, ...")


class OwnershipHolderOut(Answer):
    holder_org_id: str | None = Field(description="the holding organization, if not a person")
    holder_person_id: str | None = Field(description="the holding person, if not an organization")
    holder_name: str | None = Field(description="the person's name (null for an organization)")
    share: str = Field(description="the share held, a decimal fraction such as 0.6")


class OwnershipKeyPersonOut(Answer):
    person_id: str
    name: str
    role: str


class OwnershipOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "org_01M914SXESMNVASGPY2W9JNQHY",
                    "shareholders": [
                        {
                            "holder_org_id": "org_01M914SXAX2MBXN56ER44JZV3F",
                            "holder_person_id": None,
                            "holder_name": None,
                            "share": "0.6",
                        }
                    ],
                    "key_persons": [
                        {
                            "person_id": "per_01M914SZKB4GQKPCRWGQRWC08C",
                            "name": "张三",
                            "role": "director",
                        }
                    ],
                }
            ]
        },
    )

    org_id: str
    shareholders: list[OwnershipHolderOut]
    key_persons: list[OwnershipKeyPersonOut]


class RelatedLinkOut(Answer):
    a: str = Field(description="one organization of the link")
    b: str = Field(description="the other organization")
    reason: str = Field(
        description="control, common_controller, shared_key_person, shared_address, "
        "shared_phone or shared_bank_account"
    )
    via: str = Field(description="what they share or who controls both; may be empty")


class RelatedPartiesOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "org_01M914SXESMNVASGPY2W9JNQHY",
                    "group": ["org_01M914SXAX2MBXN56ER44JZV3F", "org_01M914SXESMNVASGPY2W9JNQHY"],
                    "links": [
                        {
                            "a": "org_01M914SXAX2MBXN56ER44JZV3F",
                            "b": "org_01M914SXESMNVASGPY2W9JNQHY",
                            "reason": "control",
                            "via": "",
                        }
                    ],
                }
            ]
        },
    )

    org_id: str
    group: list[str] = Field(description="every organization of the related-party group")
    links: list[RelatedLinkOut]
