"""HTTP API of the parties room: organizations, ownership, users, tokens, consents, lists, audit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from scf.core.schema import (
    BoundedDate,
    Description,
    Identifier,
    MoneyIn,
    MoneyOut,
    Name,
    Note,
    Page,
    RequestModel,
    answers,
    decimal_str,
)
from scf.deps import Paging, PublicUow, Uow, roles_allowed
from scf.parties import schemas, service
from scf.parties.model import Role
from scf.parties.tables import ConsentRow, ListEntryRow, OrganizationRow

router = APIRouter(tags=["parties"])

# Coarse role gates run before the body is read, so a caller without the role learns nothing
# from validation errors; the services re-check the finer rules.
OPERATOR = Depends(roles_allowed(Role.OPERATOR))
REGULATOR = Depends(roles_allowed(Role.REGULATOR))
ENTERPRISE = Depends(roles_allowed(Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE))


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- schemas


class OrganizationIn(Strict):
    uscc: Identifier = Field(
        description="Unified social credit code, 18 characters with check digit"
    )
    name: Name = Field(min_length=1, max_length=200)
    district: Name
    roles: list[Identifier] = Field(min_length=1)
    size_class: Name
    founded_on: BoundedDate
    registered_capital: MoneyIn
    chain_tags: list[Identifier] = Field(default_factory=list)
    address: Description = ""
    phone: Name = ""
    bank_account: Identifier = ""
    licence_no: Identifier | None = None
    licence_authority: Name | None = None
    licence_scope: Description | None = None
    licence_expires_on: BoundedDate | None = None


class OrganizationPatch(Strict):
    version: int
    name: Name | None = None
    district: Name | None = None
    roles: list[Identifier] | None = None
    size_class: Name | None = None
    chain_tags: list[Identifier] | None = None
    address: Description | None = None
    phone: Name | None = None
    bank_account: Identifier | None = None
    licence_no: Identifier | None = None
    licence_authority: Name | None = None
    licence_scope: Description | None = None
    licence_expires_on: BoundedDate | None = None


class OrganizationOut(BaseModel):
    id: str
    uscc: str
    name: str
    district: str
    roles: list[str]
    chain_tags: list[str]
    size_class: str
    founded_on: date
    registered_capital: MoneyOut
    address: str
    phone: str
    licence_no: str | None
    licence_authority: str | None
    licence_scope: str | None
    licence_expires_on: date | None
    version: int

    @classmethod
    def of(cls, row: OrganizationRow) -> OrganizationOut:
        return cls(
            id=row.id,
            uscc=row.uscc,
            name=row.name,
            district=row.district,
            roles=list(row.roles),
            chain_tags=list(row.chain_tags),
            size_class=row.size_class,
            founded_on=row.founded_on,
            registered_capital=MoneyOut.of(row.registered_capital),
            address=row.address,
            phone=row.phone,
            licence_no=row.licence_no,
            licence_authority=row.licence_authority,
            licence_scope=row.licence_scope,
            licence_expires_on=row.licence_expires_on,
            version=row.version,
        )


ID_NUMBER_HELP = (
    "Resident ID number; matched by its salted hash and kept only sealed (AES-GCM), never"
    " shown in an answer"
)


class ShareholdingIn(Strict):
    share: Decimal = Field(description='Fraction as a string, e.g. "0.51"')
    holder_org_id: Identifier | None = None
    person_id_number: Identifier | None = Field(default=None, description=ID_NUMBER_HELP)
    person_name: str = ""

    _share = field_validator("share", mode="before")(decimal_str)


class KeyPersonIn(Strict):
    id_number: Identifier = Field(description=ID_NUMBER_HELP)
    name: Name
    role: Name


class UserIn(Strict):
    org_id: Identifier
    username: Identifier
    password: str = Field(min_length=10)
    display_name: Name = ""
    is_admin: bool = False


class UserOut(BaseModel):
    id: str
    org_id: str
    username: str
    display_name: str
    is_admin: bool


class LoginIn(Strict):
    username: Identifier
    password: str


class TokenOut(BaseModel):
    token: str
    token_id: str
    expires_at: datetime
    token_type: str = "bearer"


class ApiTokenIn(Strict):
    name: Name = Field(min_length=1, max_length=80)
    days: int | None = Field(default=None, ge=1)


class MeOut(BaseModel):
    user_id: str | None
    username: str
    org_id: str | None
    roles: list[str]
    is_admin: bool


class ConsentIn(Strict):
    grantee_org_id: Identifier
    scopes: list[Identifier] = Field(min_length=1)
    expires_at: datetime


class ConsentOut(BaseModel):
    id: str
    grantor_org_id: str
    grantee_org_id: str
    scopes: list[str]
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    live: bool

    @classmethod
    def of(cls, row: ConsentRow, now: datetime) -> ConsentOut:
        return cls(
            id=row.id,
            grantor_org_id=row.grantor_org_id,
            grantee_org_id=row.grantee_org_id,
            scopes=list(row.scopes),
            granted_at=row.granted_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            live=row.revoked_at is None and row.expires_at > now,
        )


class ListEntryIn(Strict):
    kind: Name = Field(description="white, black or red")
    org_id: Identifier
    reason: Note = Field(min_length=1, max_length=500)
    listed_on: BoundedDate | None = None
    expires_on: BoundedDate | None = None
    authority: Name = ""


class LiftIn(Strict):
    reason: Note = Field(min_length=1, max_length=500)


class ListEntryOut(BaseModel):
    id: str
    kind: str
    org_id: str
    reason: str
    listed_on: date
    expires_on: date | None
    authority: str
    lifted_at: datetime | None
    lifted_reason: str | None
    live: bool

    @classmethod
    def of(cls, row: ListEntryRow, today: date) -> ListEntryOut:
        return cls(
            id=row.id,
            kind=row.kind,
            org_id=row.org_id,
            reason=row.reason,
            listed_on=row.listed_on,
            expires_on=row.expires_on,
            authority=row.authority,
            lifted_at=row.lifted_at,
            lifted_reason=row.lifted_reason,
            live=row.is_live(today),
        )


# ---------------------------------------------------------------- auth


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime | None
    client_address: str
    user_agent: str
    current: bool


class PasswordIn(Strict):
    current_password: str = Field(max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class PasswordOut(BaseModel):
    revoked: int


class SecurityAlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    subject: str
    failures: int
    window_seconds: int
    client_address: str
    raised_at: datetime
    locked_until: datetime


@router.post(
    "/auth/login",
    response_model=TokenOut,
    responses={429: {"description": "too many failed logins; the Retry-After header says"}},
)
def login(body: LoginIn, uow: PublicUow, request: Request) -> TokenOut:
    """Exchange username and password for a session token (failures are throttled)."""
    token, row = service.login(
        uow,
        body.username,
        body.password,
        client_address=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )
    return TokenOut(token=token, token_id=row.id, expires_at=row.expires_at)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(uow: Uow) -> None:
    """Revoke the token of this request on the server."""
    service.logout(uow)


@router.get("/auth/sessions", response_model=list[SessionOut])
def list_sessions(uow: Uow) -> list[SessionOut]:
    """The calling user's live sessions; `current` marks the one of this request."""
    return [
        SessionOut(
            id=r.id,
            created_at=r.created_at,
            expires_at=r.expires_at,
            last_seen_at=r.last_seen_at,
            client_address=r.client_address,
            user_agent=r.user_agent,
            current=r.id == uow.actor.token_id,
        )
        for r in service.list_sessions(uow)
    ]


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: str, uow: Uow) -> None:
    """Revoke one of the calling user's sessions."""
    service.revoke_session(uow, session_id)


@router.post("/auth/password", response_model=PasswordOut)
def change_password(body: PasswordIn, uow: Uow) -> PasswordOut:
    """Change one's password; every other session and API token of the user is revoked."""
    return PasswordOut(
        revoked=service.change_password(uow, body.current_password, body.new_password)
    )


@router.get("/auth/security-alerts", dependencies=[OPERATOR], response_model=Page[SecurityAlertOut])
def security_alerts(uow: Uow, paging: Paging) -> Page[SecurityAlertOut]:
    """Bursts of failed logins that locked an account or a client address (operator)."""
    rows, total = service.security_alerts(uow, paging.limit, paging.offset)
    return Page(
        items=[SecurityAlertOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/auth/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenIn, uow: Uow) -> TokenOut:
    """Create a long-lived API token for the calling user; it is shown only once."""
    token, row = service.create_api_token(uow, body.name, body.days)
    return TokenOut(token=token, token_id=row.id, expires_at=row.expires_at)


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, uow: Uow) -> None:
    """Revoke one of the calling user's tokens."""
    service.revoke_token(uow, token_id)


@router.get("/me", response_model=MeOut)
def me(uow: Uow) -> MeOut:
    """Who the token belongs to."""
    a = uow.actor
    return MeOut(
        user_id=a.user_id,
        username=a.username,
        org_id=a.org_id,
        roles=sorted(a.roles),
        is_admin=a.is_admin,
    )


# ---------------------------------------------------------------- organizations


@router.post(
    "/organizations",
    dependencies=[OPERATOR],
    response_model=OrganizationOut,
    status_code=status.HTTP_201_CREATED,
)
def register_organization(body: OrganizationIn, uow: Uow) -> OrganizationOut:
    """Onboard an organization (operator)."""
    data = service.OrganizationInput(
        **body.model_dump(exclude={"registered_capital"}),
        registered_capital=body.registered_capital.to_money("registered_capital"),
    )
    return OrganizationOut.of(service.register_organization(uow, data))


@router.get("/organizations", response_model=Page[OrganizationOut])
def list_organizations(
    uow: Uow,
    paging: Paging,
    role: str | None = None,
    district: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[OrganizationOut]:
    """List organizations: all for the operator and regulator, one's own for others."""
    rows, total = service.list_organizations(
        uow, role=role, district=district, q=q, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[OrganizationOut.of(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/organizations/{org_id}", response_model=OrganizationOut)
def get_organization(org_id: str, uow: Uow) -> OrganizationOut:
    """One organization: one's own, any for platform roles, or with the subject's consent."""
    row = service.get_organization(uow, org_id)
    uow.commit()
    return OrganizationOut.of(row)


@router.patch("/organizations/{org_id}", dependencies=[OPERATOR], response_model=OrganizationOut)
def update_organization(org_id: str, body: OrganizationPatch, uow: Uow) -> OrganizationOut:
    """Change an organization's details (operator); `version` must match the current one."""
    changes = body.model_dump(exclude={"version"}, exclude_unset=True)
    return OrganizationOut.of(service.update_organization(uow, org_id, body.version, changes))


@router.post(
    "/organizations/{org_id}/shareholders",
    dependencies=[OPERATOR],
    status_code=status.HTTP_201_CREATED,
    **answers(schemas.ShareholdingOut, 201),
)
def add_shareholder(org_id: str, body: ShareholdingIn, uow: Uow) -> dict[str, Any]:
    """Record a shareholder, an organization or a person (operator)."""
    row = service.add_shareholding(
        uow,
        org_id,
        body.share,
        holder_org_id=body.holder_org_id,
        person_id_number=body.person_id_number,
        person_name=body.person_name,
    )
    return {"id": row.id, "org_id": row.org_id, "share": str(row.share)}


@router.post(
    "/organizations/{org_id}/key-persons",
    dependencies=[OPERATOR],
    status_code=status.HTTP_201_CREATED,
    **answers(schemas.KeyPersonOut, 201),
)
def add_key_person(org_id: str, body: KeyPersonIn, uow: Uow) -> dict[str, Any]:
    """Record a key person of an organization (operator)."""
    row = service.add_key_person(uow, org_id, body.id_number, body.name, body.role)
    return {"id": row.id, "org_id": row.org_id, "person_id": row.person_id, "role": row.role}


@router.get("/organizations/{org_id}/ownership", **answers(schemas.OwnershipOut))
def ownership(org_id: str, uow: Uow) -> dict[str, Any]:
    """Shareholders and key persons of an organization."""
    out = service.ownership_of(uow, org_id)
    uow.commit()
    return out


@router.get("/organizations/{org_id}/related-parties", **answers(schemas.RelatedPartiesOut))
def related_parties(org_id: str, uow: Uow) -> dict[str, Any]:
    """The related-party group of an organization and the links that make it."""
    out = service.related_parties_of(uow, org_id)
    uow.commit()
    return out


# ---------------------------------------------------------------- users


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, uow: Uow) -> UserOut:
    """Create a user (the operator for anyone, an organization's admin for its own staff)."""
    row = service.create_user(
        uow,
        body.org_id,
        body.username,
        body.password,
        display_name=body.display_name,
        is_admin=body.is_admin,
    )
    return UserOut(
        id=row.id,
        org_id=row.org_id,
        username=row.username,
        display_name=row.display_name,
        is_admin=row.is_admin,
    )


# ---------------------------------------------------------------- consents


@router.post(
    "/consents",
    dependencies=[ENTERPRISE],
    response_model=ConsentOut,
    status_code=status.HTTP_201_CREATED,
)
def grant_consent(body: ConsentIn, uow: Uow) -> ConsentOut:
    """Grant an institution read access to the caller's data, within scopes, until expiry."""
    row = service.grant_consent(uow, body.grantee_org_id, body.scopes, body.expires_at)
    return ConsentOut.of(row, uow.now())


@router.get("/consents", response_model=list[ConsentOut])
def list_consents(uow: Uow) -> list[ConsentOut]:
    """Consents the caller granted or received."""
    now = uow.now()
    return [ConsentOut.of(r, now) for r in service.list_consents(uow)]


@router.post("/consents/{consent_id}/revoke", dependencies=[ENTERPRISE], response_model=ConsentOut)
def revoke_consent(consent_id: str, uow: Uow) -> ConsentOut:
    """Revoke a consent the caller granted; reads stop at once."""
    return ConsentOut.of(service.revoke_consent(uow, consent_id), uow.now())


@router.get("/access-log", **answers(schemas.PartiesAccessLogOut))
def access_log(uow: Uow, paging: Paging, subject_org_id: str | None = None) -> dict[str, Any]:
    """Who read whose data and on what basis (one's own data; everyone's for the regulator)."""
    rows, total = service.access_log(uow, subject_org_id, paging.limit, paging.offset)
    items = [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "reader_org_id": r.reader_org_id,
            "reader_user_id": r.reader_user_id,
            "subject_org_id": r.subject_org_id,
            "basis": r.basis,
            "consent_id": r.consent_id,
            "scope": r.scope,
            "resource": r.resource,
        }
        for r in rows
    ]
    return {"items": items, "total": total, "limit": paging.limit, "offset": paging.offset}


# ---------------------------------------------------------------- lists


@router.post(
    "/lists",
    dependencies=[REGULATOR],
    response_model=ListEntryOut,
    status_code=status.HTTP_201_CREATED,
)
def add_list_entry(body: ListEntryIn, uow: Uow) -> ListEntryOut:
    """Put an organization on the white, black or red list (regulator)."""
    row = service.add_list_entry(
        uow, body.kind, body.org_id, body.reason, body.listed_on, body.expires_on, body.authority
    )
    return ListEntryOut.of(row, uow.today())


@router.get("/lists", response_model=list[ListEntryOut])
def list_entries(uow: Uow, kind: str | None = None, live: bool = False) -> list[ListEntryOut]:
    """The white, black and red lists with dates and reasons."""
    today = uow.today()
    return [ListEntryOut.of(r, today) for r in service.list_entries(uow, kind, live)]


@router.post("/lists/{entry_id}/lift", dependencies=[REGULATOR], response_model=ListEntryOut)
def lift_list_entry(entry_id: str, body: LiftIn, uow: Uow) -> ListEntryOut:
    """Lift a listing, with the reason (regulator)."""
    return ListEntryOut.of(service.lift_list_entry(uow, entry_id, body.reason), uow.today())


# ---------------------------------------------------------------- audit


@router.get("/audit", **answers(schemas.PartiesAuditOut))
def audit(
    uow: Uow,
    paging: Paging,
    org_id: str | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """The audit trail: the regulator sees all, an organization the entries about itself."""
    rows, total = service.query_audit(
        uow,
        org_id=org_id,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        action=action,
        since=since,
        until=until,
        limit=paging.limit,
        offset=paging.offset,
    )
    return {
        "items": [r.as_dict() for r in rows],
        "total": total,
        "limit": paging.limit,
        "offset": paging.offset,
    }


ROLES = [r.value for r in Role]
