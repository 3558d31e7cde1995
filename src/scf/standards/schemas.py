"""Documented answers of the standards API: the index, a check's verdict, and the envelopes
of the platform's published documents.

A published document's body is defined by its standard's own JSON Schema (draft 2020-12,
served at `/api/v1/standards/{id}/{version}/schema.json` and kept under `docs/standards/`);
the OpenAPI document names the envelope every document shares and says which schema the
rest follows, so that the two never disagree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from scf.core.schema import Answer


class StandardImplementationOut(Answer):
    name: str
    version: str = Field(description="the version of the implementation")


class StandardEntryOut(Answer):
    id: str = Field(description="the standard's id: SCF-1, SCF-2, SCF-3, ...")
    version: str = Field(description="the version of the standard (major.minor)")
    title: str = Field(description="in the caller's language (Accept-Language)")
    schema_: str = Field(alias="schema", description="the path of its JSON Schema")
    document_types: list[str]
    documents: list[str] = Field(
        description="with a token: paths of documents the caller may fetch; empty without"
    )


class StandardsIndexOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "implementation": {"name": "scf", "version": "0.1.0"},
                    "standards": [
                        {
                            "id": "SCF-1",
                            "version": "1.0",
                            "title": "Trade-background evidence package",
                            "schema": "/api/v1/standards/SCF-1/1.0/schema.json",
                            "document_types": ["evidence-package"],
                            "documents": [],
                        }
                    ],
                }
            ]
        },
    )

    implementation: StandardImplementationOut
    standards: list[StandardEntryOut]


class JsonSchemaOut(Answer):
    """A JSON Schema (draft 2020-12): its identifying members are named, the rest of the
    schema (properties, $defs, ...) is open as the JSON Schema vocabulary defines it."""

    model_config = ConfigDict(extra="allow")

    schema_uri: str = Field(alias="$schema", description="the JSON Schema dialect (2020-12)")
    id: str = Field(alias="$id", description="the schema's canonical URI")
    title: str


class ViolationOut(Answer):
    path: str = Field(description="a JSONPath to the member at fault: $, $.financing.amount")
    message: str
    keyword: str = Field(description="the schema keyword that failed (required, pattern, ...)")


class CheckOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "standard": "SCF-1",
                    "version": "1.0",
                    "document_type": "evidence-package",
                    "valid": False,
                    "violations": [
                        {
                            "path": "$.documents[0].fingerprint",
                            "message": "'xyz' does not match '^[0-9a-f]{64}$'",
                            "keyword": "pattern",
                        }
                    ],
                }
            ]
        },
    )

    standard: str | None = Field(description="the standard the document names, if any")
    version: str | None = Field(description="the version of the standard (major.minor)")
    document_type: str | None
    valid: bool
    violations: list[ViolationOut]


class IssuerOut(Answer):
    name: str
    url: str


class DocumentEnvelope(Answer):
    """The members every published document carries; the rest of the document follows its
    standard's JSON Schema (the envelope stays open to it)."""

    model_config = ConfigDict(extra="allow")

    standard: str = Field(description="SCF-1, SCF-2 or SCF-3")
    version: str = Field(description="the version of the standard (major.minor)")
    document_type: str
    document_id: str
    issued_at: datetime
    issuer: IssuerOut


class EvidencePackageOut(DocumentEnvelope):
    """SCF-1, the trade-background evidence package of a financing: its full schema is
    `/api/v1/standards/SCF-1/1.0/schema.json`."""

    financing: dict[str, Any]
    asset: dict[str, Any]
    documents: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    authenticity: dict[str, Any] = Field(description="the authenticity verdict and its reasons")
    checks: list[dict[str, Any]]
    registrations: list[dict[str, Any]]


class RegistrationNoticeOut(DocumentEnvelope):
    """SCF-2, the public notice of a registration: its full schema is
    `/api/v1/standards/SCF-2/1.0/schema.json`."""

    registration: dict[str, Any]
    history: list[dict[str, Any]]
    log: dict[str, Any] = Field(description="the signed tree head the notice was issued under")


class PayableCertificateOut(DocumentEnvelope):
    """SCF-3, a payable certificate with its transfer record: its full schema is
    `/api/v1/standards/SCF-3/1.0/schema.json`."""

    certificate: dict[str, Any]
    pieces: list[dict[str, Any]] = Field(
        description="every piece with its lineage and trade background"
    )
