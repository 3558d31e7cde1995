"""The standards over HTTP: the index, the schemas, the platform's documents and an online check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from scf.core.errors import NotFound
from scf.core.i18n import gettext, norm_lang
from scf.core.schema import answers
from scf.deps import PublicUow, Uow
from scf.parties import service as parties
from scf.standards import schemas, service

router = APIRouter(prefix="/standards", tags=["standards"])


def _lang(request: Request) -> str:
    """The caller's first language (Chinese unless it asks for English)."""
    return norm_lang(request.headers.get("accept-language", "").split(",")[0] or None)


@router.get(
    "",
    response_model=None,
    responses={
        200: {"model": schemas.StandardsIndexOut, "description": "the published standards"},
        401: {"description": "a token was sent and is not valid"},
    },
)
def standards_index(request: Request, uow: PublicUow) -> dict[str, Any]:
    """The standards this platform publishes and emits; with a token, documents to fetch."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        uow.actor = parties.authenticate(uow, header[7:].strip())
    lang = _lang(request)
    return service.index(uow, lambda msg: gettext(lang, msg))


@router.get("/{standard_id}/{version}/schema.json", **answers(schemas.JsonSchemaOut))
def standard_schema(standard_id: str, version: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one published version of a standard."""
    if standard_id == "index" and version == "1.0":
        return service.schema_of(service.INDEX_SCHEMA)
    std = service.find(standard_id, version)
    if std is None:
        raise NotFound(f"no standard {standard_id} version {version}", code="standard_not_found")
    return service.schema_of(std.schema_file)


@router.post("/check", **answers(schemas.CheckOut))
def check(doc: Annotated[Any, Body()]) -> dict[str, Any]:
    """Validate a posted document against the standard it names; every violation with its
    JSON path (the same check as `scf conformance check`)."""
    return service.check_document(doc).as_dict()


@router.get("/documents/evidence-package/{application_id}", **answers(schemas.EvidencePackageOut))
def evidence_package(application_id: str, uow: Uow) -> dict[str, Any]:
    """SCF-1: the trade-background evidence package of a financing application."""
    return service.evidence_package(uow, application_id)


@router.get("/documents/registration-notice/{number}", **answers(schemas.RegistrationNoticeOut))
def registration_notice(number: str, uow: PublicUow) -> dict[str, Any]:
    """SCF-2: the public notice of a registration (public, as the registry is)."""
    return service.registration_notice(uow, number)


@router.get(
    "/documents/payable-certificate/{certificate_id}", **answers(schemas.PayableCertificateOut)
)
def payable_certificate(certificate_id: str, uow: Uow) -> dict[str, Any]:
    """SCF-3: a payable certificate with its transfer record."""
    return service.payable_certificate(uow, certificate_id)
