"""The standards room's face: the catalogue, the documents the platform emits and the checker.

Other rooms, the API and the CLI import from here only. `catalogue` lists the published
standards and ships their schemas, `documents` writes the platform's records as standard
documents, `check` validates any document against the standard it names, and `probe` checks a
third party's endpoints against the published shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scf.certificates import service as certificates
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.standards.catalogue import INDEX_SCHEMA, STANDARDS, Standard, find, schema_of
from scf.standards.check import Verdict, Violation, check_document
from scf.standards.documents import (
    evidence_package,
    issuer,
    payable_certificate,
    registration_notice,
    search_certificate,
)

__all__ = [
    "INDEX_SCHEMA",
    "STANDARDS",
    "Standard",
    "Verdict",
    "Violation",
    "check_document",
    "evidence_package",
    "find",
    "index",
    "payable_certificate",
    "registration_notice",
    "schema_of",
    "search_certificate",
]

API = "/api/v1/standards"
SAMPLES = 5  # documents listed per standard in the index, newest first


def _documents_for(uow: UnitOfWork, std: Standard) -> list[str]:
    """Document URLs the caller may fetch, the newest few of each kind."""
    if uow.actor.is_system or uow.actor.org_id is None:
        return []
    if std.id == "SCF-1":
        apps = financing.list_applications(uow)[-SAMPLES:]
        return [f"{API}/documents/evidence-package/{a.id}" for a in apps]
    if std.id == "SCF-2":
        numbers = [
            r["number"] for a in financing.list_applications(uow) for r in a.registrations or []
        ][-SAMPLES:]
        return [f"{API}/documents/registration-notice/{n}" for n in numbers]
    certs = certificates.list_certificates(uow)[-SAMPLES:]
    return [f"{API}/documents/payable-certificate/{c.id}" for c in certs]


def index(uow: UnitOfWork, lang_title: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The discovery index (scf-index-1.0): the standards the platform emits, their schemas and
    documents the caller can fetch, which `scf conformance probe` reads."""
    out = []
    for std in STANDARDS:
        out.append(
            {
                "id": std.id,
                "version": std.version,
                "title": lang_title(std.title) if lang_title else std.title,
                "document_types": list(std.document_types),
                "schema": f"{API}/{std.id}/{std.version}/schema.json",
                "documents": _documents_for(uow, std),
            }
        )
    return {"implementation": {"name": issuer(uow)["name"], "version": "scf"}, "standards": out}
