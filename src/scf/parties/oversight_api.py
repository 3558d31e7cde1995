"""HTTP API of the supervisors' scopes the operator keeps: associations' members and the read
grants of government departments."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from scf.core.schema import BoundedDate, Description, Identifier, RequestModel
from scf.deps import Uow, roles_allowed
from scf.parties import service
from scf.parties.model import Role
from scf.parties.tables import AssociationMemberRow, ReadGrantRow

router = APIRouter(tags=["parties"])

OPERATOR = Depends(roles_allowed(Role.OPERATOR))
MEMBER_READERS = Depends(roles_allowed(Role.OPERATOR, Role.REGULATOR, Role.INDUSTRY_ASSOCIATION))
GRANT_READERS = Depends(roles_allowed(Role.OPERATOR, Role.REGULATOR, Role.GOVERNMENT_DEPARTMENT))


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


class MemberIn(Strict):
    member_org_id: Identifier
    joined_on: BoundedDate


class LeaveIn(Strict):
    left_on: BoundedDate


class MembershipOut(BaseModel):
    id: str
    association_org_id: str
    member_org_id: str
    joined_on: date
    left_on: date | None

    @classmethod
    def of(cls, row: AssociationMemberRow) -> MembershipOut:
        return cls(
            id=row.id,
            association_org_id=row.association_org_id,
            member_org_id=row.member_org_id,
            joined_on=row.joined_on,
            left_on=row.left_on,
        )


class GrantIn(Strict):
    department_org_id: Identifier
    scopes: list[Identifier] = Field(min_length=1, max_length=4)
    districts: list[Identifier] = Field(default_factory=list, max_length=12)
    expires_at: datetime
    purpose: Description = Field(min_length=1, max_length=500)


class GrantOut(BaseModel):
    id: str
    department_org_id: str
    scopes: list[str]
    districts: list[str]
    purpose: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ReadGrantRow) -> GrantOut:
        return cls(
            id=row.id,
            department_org_id=row.department_org_id,
            scopes=list(row.scopes),
            districts=list(row.districts),
            purpose=row.purpose,
            granted_at=row.granted_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@router.post(
    "/associations/{association_id}/members",
    dependencies=[OPERATOR],
    response_model=MembershipOut,
    status_code=status.HTTP_201_CREATED,
)
def add_member(association_id: str, body: MemberIn, uow: Uow) -> MembershipOut:
    """Record that an organization joined the association (a live member twice: refused)."""
    return MembershipOut.of(
        service.add_association_member(uow, association_id, body.member_org_id, body.joined_on)
    )


@router.get(
    "/associations/{association_id}/members",
    dependencies=[MEMBER_READERS],
    response_model=list[MembershipOut],
)
def members(association_id: str, uow: Uow) -> list[MembershipOut]:
    """The association's memberships, past and live."""
    return [MembershipOut.of(r) for r in service.association_members(uow, association_id)]


@router.post(
    "/association-memberships/{membership_id}/end",
    dependencies=[OPERATOR],
    response_model=MembershipOut,
)
def end_membership(membership_id: str, body: LeaveIn, uow: Uow) -> MembershipOut:
    """Record that a member left the association on a date."""
    return MembershipOut.of(service.end_association_membership(uow, membership_id, body.left_on))


@router.post(
    "/read-grants",
    dependencies=[OPERATOR],
    response_model=GrantOut,
    status_code=status.HTTP_201_CREATED,
)
def grant(body: GrantIn, uow: Uow) -> GrantOut:
    """Let a government department read records within scopes (and districts) until expiry."""
    row = service.grant_read(
        uow, body.department_org_id, body.scopes, body.districts, body.expires_at, body.purpose
    )
    return GrantOut.of(row)


@router.get("/read-grants", dependencies=[GRANT_READERS], response_model=list[GrantOut])
def grants(uow: Uow) -> list[GrantOut]:
    """The read grants: all for the operator and the regulator, a department's own."""
    return [GrantOut.of(r) for r in service.read_grants(uow)]


@router.post("/read-grants/{grant_id}/revoke", dependencies=[OPERATOR], response_model=GrantOut)
def revoke(grant_id: str, uow: Uow) -> GrantOut:
    """Revoke a grant; the department's reads stop at once."""
    return GrantOut.of(service.revoke_read_grant(uow, grant_id))
