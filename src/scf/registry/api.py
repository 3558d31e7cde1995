"""HTTP API of the registry: filings, public search and certificates, conflicts, the log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ConfigDict, Field, field_validator

from scf.core.errors import InvalidInput
from scf.core.schema import (
    DecimalText,
    Description,
    Ident,
    Identifier,
    MoneyIn,
    Name,
    Note,
    RequestModel,
    answers,
)
from scf.deps import IdempotencyKey, PublicUow, Uow, get_platform, roles_allowed
from scf.parties.model import NON_TRADING_ROLES, Role
from scf.registry import schemas, sequencer, service
from scf.registry.model import CollateralRef

router = APIRouter(prefix="/registry", tags=["registry"])

# Anyone who can hold a security interest or be a grantor files; the platform's own roles
# (operator, regulator) read but never file.
PARTICIPANTS = tuple(r.value for r in Role if r not in NON_TRADING_ROLES)
FILER = Depends(roles_allowed(*PARTICIPANTS))
WAREHOUSE = Depends(roles_allowed(Role.WAREHOUSE))
GOODS_READERS = Depends(roles_allowed(*PARTICIPANTS, Role.REGULATOR))


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


class CollateralIn(Strict):
    kind: Name = Field(description="receivable, warehouse_receipt, inventory, bill, ...")
    identifier: Annotated[str, Ident(260)] = Field(
        max_length=260,
        description='invoice fingerprint; "<warehouse USCC>/<receipt no>"; '
        '"<package no>/<from>-<to>"; certificate piece id; "<commodity>/<lot>"',
    )
    description: Description = Field(default="", max_length=2000)
    quantity: DecimalText | None = Field(
        default=None, description="share of confirmed goods pledged, decimal string"
    )

    @field_validator("quantity", mode="before")
    @classmethod
    def _no_float(cls, v: Any) -> Any:
        if isinstance(v, float):
            raise ValueError('must be a decimal string such as "12.5", not a JSON number')
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _refs(items: list[CollateralIn], field: str) -> list[CollateralRef]:
    return service.parse_collateral([i.model_dump() for i in items], field)


class RegistrationIn(Strict):
    kind: Name = Field(description="pledge, assignment (incl. factoring), retention_of_title, ...")
    grantor_org_ids: list[Identifier] = Field(min_length=1, max_length=50)
    secured_party_org_id: Identifier
    collateral: list[CollateralIn] = Field(min_length=1, max_length=1000)
    amount: MoneyIn | None = Field(default=None, description="secured or maximum amount")
    period_months: int = Field(description="1 to 360 months")
    description: Description = Field(default="", max_length=4000)


class BatchIn(Strict):
    filings: list[RegistrationIn] = Field(min_length=1, max_length=service.MAX_BATCH)


class AmendmentIn(Strict):
    add_collateral: list[CollateralIn] = Field(default_factory=list)
    remove_collateral: list[CollateralIn] = Field(default_factory=list)
    amount: MoneyIn | None = None
    clear_amount: bool = False
    description: Description | None = Field(default=None, max_length=4000)


class ExtensionIn(Strict):
    months: int


class CancellationIn(Strict):
    reason: Note = Field(min_length=1, max_length=2000)


class ObjectionIn(Strict):
    reason: Description = Field(min_length=1, max_length=4000)


class LitigationIn(Strict):
    case_reference: Identifier = Field(min_length=1, max_length=120)


class AgencyIn(Strict):
    agent_org_id: Identifier


class ConflictsIn(Strict):
    collateral: list[CollateralIn] = Field(min_length=1, max_length=1000)


class UnregisteredClaim(Strict):
    claimant: Identifier
    notice_at: datetime | None = None


class PriorityIn(Strict):
    collateral: CollateralIn
    unregistered: list[UnregisteredClaim] = Field(default_factory=list)


class GoodsIn(Strict):
    holder_org_id: Identifier
    commodity: Name
    grade: Name
    location: Name
    quantity: DecimalText
    unit: Name
    lot: Identifier = Field(description="the physical lot: brand and batch, heat number, ...")
    receipt_nos: list[Identifier] = Field(default_factory=list)

    @field_validator("quantity", mode="before")
    @classmethod
    def _no_float(cls, v: Any) -> Any:
        if isinstance(v, float):
            raise ValueError('must be a decimal string such as "12.5", not a JSON number')
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _filing_out(result: service.FilingResult) -> dict[str, Any]:
    return {
        "registration": result.registration.as_dict(),
        "entry_seq": result.entry_seq,
        "leaf_index": result.entry_seq - 1,
        "prior_conflicts": [p.as_dict() for p in result.prior_conflicts],
    }


# ---------------------------------------------------------------- filings


@router.post(
    "/registrations",
    status_code=status.HTTP_201_CREATED,
    dependencies=[FILER],
    **answers(schemas.RegistryFileRegistrationOut, 201),
)
def file_registration(
    body: RegistrationIn, uow: Uow, request: Request, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Initial registration; lands at commit with the next sequence number, reporting priors.

    Concurrent requests are filed together by the registry's sequencer (group commit): each
    request still gets its own result, or its own refusal, only after the commit. A request
    with an Idempotency-Key commits on its own, its answer stored beside the filing.
    """
    data = service.FilingInput(
        kind=body.kind,
        grantor_org_ids=body.grantor_org_ids,
        secured_party_org_id=body.secured_party_org_id,
        collateral=_refs(body.collateral, "collateral"),
        collateral_descriptions=[c.description for c in body.collateral],
        amount=body.amount.to_money() if body.amount else None,
        period_months=body.period_months,
        description=body.description,
    )
    platform = get_platform(request)
    if key is not None or not sequencer.enabled(platform.settings):
        return service.idempotent.answer(
            uow, key, "file", body, lambda: _filing_out(service.file_registration(uow, data))
        )
    # give back this request's read transaction (on SQLite, the write lock) before waiting
    uow.rollback()
    return _filing_out(sequencer.for_platform(platform).file(uow.actor, data))


@router.post(
    "/registrations/batch",
    status_code=status.HTTP_201_CREATED,
    dependencies=[FILER],
    **answers(schemas.RegistryFileRegistrationsOut, 201),
)
def file_registrations(body: BatchIn, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """Bulk filing (a whole pool): each filing its own sequence number and leaf; all or none."""
    filings = [
        service.FilingInput(
            kind=f.kind,
            grantor_org_ids=f.grantor_org_ids,
            secured_party_org_id=f.secured_party_org_id,
            collateral=_refs(f.collateral, f"filings[{i}].collateral"),
            collateral_descriptions=[c.description for c in f.collateral],
            amount=f.amount.to_money() if f.amount else None,
            period_months=f.period_months,
            description=f.description,
        )
        for i, f in enumerate(body.filings)
    ]

    def run() -> dict[str, Any]:
        return {"filings": [_filing_out(r) for r in service.file_registrations(uow, filings)]}

    return service.idempotent.answer(uow, key, "batch", body, run)


@router.post(
    "/registrations/{number}/amendments",
    dependencies=[FILER],
    **answers(schemas.RegistryFileRegistrationOut),
)
def amend(number: str, body: AmendmentIn, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """Amend collateral, amount or description (secured party or its agent)."""
    change = service.AmendmentInput(
        add_collateral=_refs(body.add_collateral, "add_collateral"),
        add_collateral_descriptions=[c.description for c in body.add_collateral],
        remove_collateral=_refs(body.remove_collateral, "remove_collateral"),
        amount=body.amount.to_money() if body.amount else None,
        clear_amount=body.clear_amount,
        description=body.description,
    )

    def run() -> dict[str, Any]:
        return _filing_out(service.amend(uow, number, change))

    return service.idempotent.answer(uow, key, f"amend:{number}", body, run)


@router.post(
    "/registrations/{number}/extensions",
    dependencies=[FILER],
    **answers(schemas.RegistryFileRegistrationOut),
)
def extend(number: str, body: ExtensionIn, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """Extend a live registration by 1 to 360 months (secured party or its agent)."""

    def run() -> dict[str, Any]:
        return _filing_out(service.extend(uow, number, body.months))

    return service.idempotent.answer(uow, key, f"extend:{number}", body, run)


@router.post(
    "/registrations/{number}/cancellation",
    dependencies=[FILER],
    **answers(schemas.RegistryRegistration5Out),
)
def cancel(
    number: str, body: CancellationIn, uow: Uow, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Cancel a registration; it leaves the conflict search and stays in history."""

    def run() -> dict[str, Any]:
        return service.cancel(uow, number, body.reason).as_dict()

    return service.idempotent.answer(uow, key, f"cancel:{number}", body, run)


@router.post(
    "/registrations/{number}/objections",
    status_code=status.HTTP_201_CREATED,
    dependencies=[FILER],
    **answers(schemas.ObjectionOut, 201),
)
def object_to(number: str, body: ObjectionIn, uow: Uow) -> dict[str, Any]:
    """A grantor objects; the objection lapses after 30 days unless marked as litigated."""
    return service.object_to(uow, number, body.reason)


@router.post(
    "/objections/{objection_id}/litigation", dependencies=[FILER], **answers(schemas.ObjectionOut)
)
def litigated(objection_id: str, body: LitigationIn, uow: Uow) -> dict[str, Any]:
    """The objector records the suit or arbitration, so the objection does not lapse."""
    return service.mark_litigated(uow, objection_id, body.case_reference)


@router.post(
    "/agencies",
    status_code=status.HTTP_201_CREATED,
    dependencies=[FILER],
    **answers(schemas.AgencyOut, 201),
)
def grant_agency(body: AgencyIn, uow: Uow) -> dict[str, Any]:
    """Appoint another organization to file on the caller's behalf."""
    return service.agency_dict(service.grant_agency(uow, body.agent_org_id))


@router.get("/agencies", dependencies=[FILER], **answers(list[schemas.AgencyOut]))
def list_agencies(uow: Uow) -> list[dict[str, Any]]:
    """The filing agencies the caller's organization granted or holds."""
    return [service.agency_dict(a) for a in service.list_agencies(uow)]


@router.post("/agencies/{agency_id}/revoke", dependencies=[FILER], **answers(schemas.AgencyOut))
def revoke_agency(agency_id: str, uow: Uow) -> dict[str, Any]:
    """The granting organization revokes an agency; the agent may no longer file on its behalf."""
    return service.agency_dict(service.revoke_agency(uow, agency_id))


# ---------------------------------------------------------------- goods


@router.post(
    "/goods",
    status_code=status.HTTP_201_CREATED,
    dependencies=[WAREHOUSE],
    **answers(schemas.GoodsOut, 201),
)
def confirm_goods(body: GoodsIn, uow: Uow) -> dict[str, Any]:
    """The warehouse confirms goods it holds: quantity, grade, location, lot and receipts."""
    row = service.confirm_goods(uow, service.GoodsInput(**body.model_dump()))
    return service.goods_dict(uow, row.id)


@router.get("/goods/{goods_id}", dependencies=[GOODS_READERS], **answers(schemas.GoodsOut))
def get_goods(goods_id: str, uow: Uow) -> dict[str, Any]:
    """Goods a warehouse confirmed: quantity, grade, location, lot and receipts, and the
    pledges on them."""
    return service.goods_dict(uow, goods_id)


@router.post("/goods/{goods_id}/release", dependencies=[WAREHOUSE], **answers(schemas.GoodsOut))
def release_goods(goods_id: str, uow: Uow) -> dict[str, Any]:
    """The warehouse releases goods it confirmed (they left the warehouse); a pledge on them no
    longer has goods behind it."""
    row = service.release_goods(uow, goods_id)
    return service.goods_dict(uow, row.id)


# ---------------------------------------------------------------- public reads


@router.get("/registrations/{number}", **answers(schemas.RegistryRegistration2Out))
def get_registration(number: str, uow: PublicUow) -> dict[str, Any]:
    """A registration with its full history (public, like the PBOC registry)."""
    return service.get_registration(uow, number)


def _query(
    grantor_uscc: str | None,
    grantor_name: str | None,
    tolerant: bool,
    collateral_kind: str | None,
    collateral_identifier: str | None,
    include_history: bool,
) -> service.SearchQuery:
    coll = None
    if collateral_kind or collateral_identifier:
        if not (collateral_kind and collateral_identifier):
            raise InvalidInput(
                "give both collateral_kind and collateral_identifier", field="collateral_kind"
            )
        coll = CollateralRef(collateral_kind, collateral_identifier)
    return service.SearchQuery(
        grantor_uscc=grantor_uscc or None,
        grantor_name=grantor_name or None,
        tolerant=tolerant,
        collateral=coll,
        include_history=include_history,
    )


def _search_params(
    grantor_uscc: Annotated[str | None, Query(max_length=18)] = None,
    grantor_name: Annotated[str | None, Query(max_length=200)] = None,
    tolerant: bool = False,
    collateral_kind: Annotated[str | None, Query(max_length=30)] = None,
    collateral_identifier: Annotated[str | None, Query(max_length=260)] = None,
    include_history: bool = True,
) -> service.SearchQuery:
    return _query(
        grantor_uscc,
        grantor_name,
        tolerant,
        collateral_kind,
        collateral_identifier,
        include_history,
    )


Search = Annotated[service.SearchQuery, Depends(_search_params)]


@router.get("/search", **answers(schemas.RegistrySearchOut))
def search(q: Search, uow: PublicUow) -> dict[str, Any]:
    """Search by grantor USCC, grantor name (exact or tolerant) or collateral identifier."""
    results = service.search(uow, q)
    return {"query": q.as_dict(), "count": len(results), "results": results}


@router.get(
    "/search/certificate",
    response_model=None,
    responses={
        200: {
            "model": schemas.RegistryCertificateOut,
            "description": "the signed certificate (JSON), or with format=html a printable page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def certificate(
    q: Search, uow: PublicUow, format: Annotated[str, Query(pattern="^(json|html)$")] = "json"
) -> dict[str, Any] | HTMLResponse:
    """A signed search certificate, as JSON or as a printable page (format=html)."""
    cert = service.search_certificate(uow, q)
    if format == "html":
        return HTMLResponse(service.certificate_html(cert))
    return cert


@router.post("/search/certificate/verify")
def verify_certificate(body: dict[str, Any], uow: PublicUow) -> dict[str, bool]:
    """Check a certificate's signature against the registry's keys."""
    return {"valid": service.verify_certificate(uow, body)}


@router.post("/conflicts", **answers(list[schemas.RegistryRegistration5Out]))
def conflicts(body: ConflictsIn, uow: PublicUow) -> list[dict[str, Any]]:
    """Every live registration on any of the collateral, in priority order."""
    return [r.as_dict() for r in service.conflicts(uow, _refs(body.collateral, "collateral"))]


@router.post("/priority", **answers(schemas.RegistryPriorityOut))
def priority(body: PriorityIn, uow: PublicUow) -> dict[str, Any]:
    """A priority report for one collateral (Civil Code Art. 414 and 768)."""
    ref = _refs([body.collateral], "collateral")[0]
    return service.priority_report(uow, ref, [u.model_dump() for u in body.unregistered])


# ---------------------------------------------------------------- the log


@router.get("/log/sth", **answers(schemas.RegistryTreeHeadOut))
def tree_head(uow: PublicUow) -> dict[str, Any]:
    """The newest signed tree head (signed on demand if the log grew since)."""
    return service.latest_tree_head(uow)


@router.get("/log/sths", **answers(list[schemas.RegistryTreeHeadOut]))
def tree_heads(
    uow: PublicUow,
    since_size: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Every signed tree head from a size on."""
    return service.tree_heads(uow, since_size=since_size, limit=limit)


@router.get("/log/keys", **answers(list[schemas.RegistryKeysItemOut]))
def keys(uow: PublicUow) -> list[dict[str, Any]]:
    """Every public key that signed a head (old keys stay after a rotation)."""
    return service.signing_keys(uow)


class CosignatureBody(Strict):
    tree_size: int = Field(ge=1)
    timestamp_ms: int = Field(ge=0)
    root_hash: Identifier
    witness_public_key: Identifier
    witnessed_ms: int = Field(ge=0)
    signature: Identifier


@router.post(
    "/log/cosignatures",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"model": schemas.RegistryCosignaturesItemOut, "description": "the co-signature"},
        403: {"description": "the witness key is not one the registry trusts"},
    },
    response_model=None,
)
def cosign(body: CosignatureBody, uow: PublicUow) -> dict[str, Any]:
    """A trusted witness's co-signature of a head it proved consistent with its last."""
    return service.record_cosignature(uow, service.CosignatureIn(**body.model_dump()))


@router.get("/log/cosignatures", **answers(list[schemas.RegistryCosignaturesItemOut]))
def cosignatures(uow: PublicUow) -> list[dict[str, Any]]:
    """The newest co-signed heads, each witness's latest."""
    return service.latest_cosignatures(uow)


@router.get("/log/entries", **answers(list[schemas.RegistryLogEntriesItemOut]))
def log_entries(
    uow: PublicUow,
    start: Annotated[int, Query(ge=0)] = 0,
    end: Annotated[int, Query(ge=1)] = 100,
) -> list[dict[str, Any]]:
    """Leaves start <= i < end (at most 1,000), with the exact hashed bytes in base64."""
    return service.entries(uow, start, end)


@router.get("/log/proof/inclusion", **answers(schemas.RegistryInclusionOut))
def inclusion(
    uow: PublicUow,
    leaf_index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """The audit path of a leaf (RFC 9162 2.1.3)."""
    return service.inclusion_proof(uow, leaf_index, tree_size)


@router.get("/log/proof/consistency", **answers(schemas.RegistryConsistencyOut))
def consistency(
    uow: PublicUow,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """The consistency proof between two tree sizes (RFC 9162 2.1.4)."""
    return service.consistency(uow, first, second)
