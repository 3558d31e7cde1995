"""Use cases of the parties room: onboarding, users, tokens, consents, lists and access."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
    Unauthenticated,
)
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import security
from scf.parties.model import (
    FINANCIAL_ROLES,
    FUNDER_ROLES,
    ConsentScope,
    District,
    Holding,
    KeyPersonRole,
    ListKind,
    RelatedLink,
    RelatedPartyGraph,
    Role,
    SizeClass,
    derive_related_parties,
    hash_person_id,
    validate_uscc,
)
from scf.parties.tables import (
    ApiTokenRow,
    ConsentRow,
    DataAccessRow,
    KeyPersonRow,
    ListEntryRow,
    OrganizationRow,
    PersonRow,
    ShareholdingRow,
    UserRow,
)

# ---------------------------------------------------------------- authorization helpers


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse unless the actor holds one of the roles (the system actor may do anything)."""
    if actor.is_system or actor.has(*roles):
        return
    raise PermissionDenied(
        f"this needs one of the roles {', '.join(sorted(roles))}", code="role_not_allowed"
    )


def require_own_org(actor: Actor, org_id: str) -> None:
    """Refuse unless the actor acts for this organization; others are told it does not exist."""
    if actor.is_system or actor.org_id == org_id:
        return
    raise NotFound(f"organization {org_id} not found")


# ---------------------------------------------------------------- organizations


def _enum(value: str, enum: type[Any], field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(
            f"unknown {field} {value!r}; use one of: {allowed}", field=field
        ) from None


@dataclass
class OrganizationInput:
    uscc: str
    name: str
    district: str
    roles: Sequence[str]
    size_class: str
    founded_on: date
    registered_capital: Money
    chain_tags: Sequence[str] = ()
    address: str = ""
    phone: str = ""
    licence_no: str | None = None
    licence_authority: str | None = None
    licence_scope: str | None = None
    licence_expires_on: date | None = None


def register_organization(uow: UnitOfWork, data: OrganizationInput) -> OrganizationRow:
    """Onboard an enterprise or institution (operator only)."""
    require_role(uow.actor, Role.OPERATOR)
    uscc = validate_uscc(data.uscc)
    district = _enum(data.district, District, "district")
    roles = sorted({_enum(r, Role, "roles").value for r in data.roles})
    if not roles:
        raise InvalidInput("an organization needs at least one role", field="roles")
    size = _enum(data.size_class, SizeClass, "size_class")
    name = data.name.strip()
    if not name:
        raise InvalidInput("a name is required", field="name")
    if data.registered_capital.is_negative():
        raise InvalidInput("registered capital cannot be negative", field="registered_capital")
    if data.founded_on > uow.today():
        raise InvalidInput("founding date is in the future", field="founded_on")
    if set(roles) & FINANCIAL_ROLES and not data.licence_no:
        raise InvalidInput(
            "financial institutions must give their licence number", field="licence_no"
        )
    tags = sorted({t.strip() for t in data.chain_tags if t.strip()})
    s = uow.session
    if s.scalar(select(OrganizationRow.id).where(OrganizationRow.uscc == uscc)):
        raise Conflict(
            f"an organization with USCC {uscc} is already registered", code="duplicate_uscc"
        )
    row = OrganizationRow(
        id=new_id("org"),
        uscc=uscc,
        name=name,
        district=district.value,
        roles=roles,
        chain_tags=tags,
        size_class=size.value,
        founded_on=data.founded_on,
        registered_capital_minor=data.registered_capital.minor,
        registered_capital_currency=data.registered_capital.currency,
        address=data.address.strip(),
        phone=data.phone.strip(),
        licence_no=data.licence_no,
        licence_authority=data.licence_authority,
        licence_scope=data.licence_scope,
        licence_expires_on=data.licence_expires_on,
        created_at=uow.now(),
    )
    s.add(row)
    uow.flush()
    uow.audit(
        "organization.registered", "organization", row.id, after=row.snapshot(), org_id=row.id
    )
    uow.commit()
    return row


UPDATABLE = {
    "name",
    "district",
    "chain_tags",
    "size_class",
    "address",
    "phone",
    "roles",
    "licence_no",
    "licence_authority",
    "licence_scope",
    "licence_expires_on",
}


def update_organization(
    uow: UnitOfWork, org_id: str, expected_version: int, changes: dict[str, Any]
) -> OrganizationRow:
    """Change an organization's details, refusing if someone changed it meanwhile."""
    require_role(uow.actor, Role.OPERATOR)
    row = _org(uow, org_id)
    if row.version != expected_version:
        raise Conflict(
            f"organization {org_id} is at version {row.version}, not {expected_version}; "
            "reload it and try again",
            code="stale_version",
        )
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise InvalidInput(f"cannot change {sorted(unknown)}", field=sorted(unknown)[0])
    before = row.snapshot()
    for key, value in changes.items():
        if key == "district":
            value = _enum(value, District, "district").value
        elif key == "size_class":
            value = _enum(value, SizeClass, "size_class").value
        elif key == "roles":
            value = sorted({_enum(r, Role, "roles").value for r in value})
        elif key == "chain_tags":
            value = sorted({t.strip() for t in value if t.strip()})
        setattr(row, key, value)
    uow.flush()
    uow.audit(
        "organization.updated",
        "organization",
        row.id,
        before=before,
        after=row.snapshot(),
        org_id=row.id,
    )
    uow.commit()
    return row


def _org(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    row = uow.session.get(OrganizationRow, org_id)
    if row is None:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    return row


def get_organization(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    """Return an organization the actor may see: itself, any for platform roles, or by consent."""
    row = _org(uow, org_id)
    authorize_read(uow, org_id, ConsentScope.PROFILE, f"organization/{org_id}")
    return row


def find_organization(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    """Return an organization for another room's rules, without access checks."""
    return _org(uow, org_id)


def find_by_uscc(uow: UnitOfWork, uscc: str) -> OrganizationRow | None:
    return uow.session.scalar(select(OrganizationRow).where(OrganizationRow.uscc == uscc))


def organizations_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, OrganizationRow]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = uow.session.scalars(select(OrganizationRow).where(OrganizationRow.id.in_(wanted)))
    return {r.id: r for r in rows}


def list_organizations(
    uow: UnitOfWork,
    *,
    role: str | None = None,
    district: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[OrganizationRow], int]:
    """List organizations: all of them for the operator and regulator, else one's own."""
    stmt = select(OrganizationRow)
    actor = uow.actor
    if not (actor.is_system or actor.is_operator or actor.is_regulator):
        stmt = stmt.where(OrganizationRow.id == actor.org_id)
    if district:
        stmt = stmt.where(OrganizationRow.district == _enum(district, District, "district").value)
    if q:
        stmt = stmt.where(or_(OrganizationRow.name.contains(q), OrganizationRow.uscc == q.upper()))
    rows = list(uow.session.scalars(stmt.order_by(OrganizationRow.id)))
    if role:
        role = _enum(role, Role, "role").value
        rows = [r for r in rows if role in r.roles]
    return rows[offset : offset + limit], len(rows)


def roles_of(uow: UnitOfWork, org_id: str) -> frozenset[str]:
    return frozenset(_org(uow, org_id).roles)


def is_sme(org: OrganizationRow) -> bool:
    return org.size_class in {"micro", "small", "medium"}


# ---------------------------------------------------------------- persons and ownership


def _person(uow: UnitOfWork, id_number: str, name: str) -> PersonRow:
    if uow.settings is None:
        raise RuntimeError("settings are needed to hash person identifiers")
    id_hash = hash_person_id(id_number, uow.settings.secret_key)
    row = uow.session.scalar(select(PersonRow).where(PersonRow.id_hash == id_hash))
    if row is None:
        if not name.strip():
            raise InvalidInput("a person needs a name", field="name")
        row = PersonRow(id=new_id("per"), id_hash=id_hash, name=name.strip())
        uow.session.add(row)
        uow.flush()
    return row


def add_shareholding(
    uow: UnitOfWork,
    org_id: str,
    share: Decimal,
    *,
    holder_org_id: str | None = None,
    person_id_number: str | None = None,
    person_name: str = "",
) -> ShareholdingRow:
    """Record that an organization or a person holds a share of an organization."""
    require_role(uow.actor, Role.OPERATOR)
    _org(uow, org_id)
    if (holder_org_id is None) == (person_id_number is None):
        raise InvalidInput(
            "give either holder_org_id or a person's id_number", field="holder_org_id"
        )
    if not (Decimal(0) < share <= Decimal(1)):
        raise InvalidInput("share is a fraction in (0, 1], e.g. 0.35", field="share")
    holder_person_id = None
    if holder_org_id is not None:
        if holder_org_id == org_id:
            raise InvalidInput("an organization cannot hold itself", field="holder_org_id")
        _org(uow, holder_org_id)
    else:
        assert person_id_number is not None
        holder_person_id = _person(uow, person_id_number, person_name).id
    existing = uow.session.scalar(
        select(func.coalesce(func.sum(ShareholdingRow.share), 0)).where(
            ShareholdingRow.org_id == org_id
        )
    )
    if Decimal(existing or 0) + share > Decimal(1):
        raise InvalidInput(f"shares of {org_id} would add up to more than 100%", field="share")
    row = ShareholdingRow(
        id=new_id("shr"),
        org_id=org_id,
        holder_org_id=holder_org_id,
        holder_person_id=holder_person_id,
        share=share,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    after = {
        "org_id": org_id,
        "holder_org_id": holder_org_id,
        "holder_person_id": holder_person_id,
        "share": share,
    }
    uow.audit("shareholding.added", "organization", org_id, after=after, org_id=org_id)
    uow.commit()
    return row


def add_key_person(
    uow: UnitOfWork, org_id: str, id_number: str, name: str, role: str
) -> KeyPersonRow:
    """Record a key person (legal representative, director, ...) of an organization."""
    require_role(uow.actor, Role.OPERATOR)
    _org(uow, org_id)
    kp_role = _enum(role, KeyPersonRole, "role")
    person = _person(uow, id_number, name)
    row = KeyPersonRow(
        id=new_id("kpr"),
        org_id=org_id,
        person_id=person.id,
        role=kp_role.value,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "key_person.added",
        "organization",
        org_id,
        after={"person_id": person.id, "role": kp_role.value},
        org_id=org_id,
    )
    uow.commit()
    return row


def related_party_graph(uow: UnitOfWork) -> RelatedPartyGraph:
    """Derive the related-party links of the whole platform from ownership and contact data."""
    s = uow.session
    holdings = [
        Holding(
            holder=r.holder_org_id or r.holder_person_id or "", org=r.org_id, share=Decimal(r.share)
        )
        for r in s.scalars(select(ShareholdingRow))
    ]
    kps = [(r.person_id, r.org_id) for r in s.scalars(select(KeyPersonRow))]
    orgs = list(
        s.execute(select(OrganizationRow.id, OrganizationRow.address, OrganizationRow.phone))
    )
    return derive_related_parties(
        holdings,
        kps,
        {o.id: o.address for o in orgs},
        {o.id: o.phone for o in orgs},
        [o.id for o in orgs],
    )


def related_links(uow: UnitOfWork, a: str, b: str) -> list[RelatedLink]:
    """Return the links that make two organizations related parties (empty if unrelated)."""
    if a == b:
        return [RelatedLink(a, b, "same_party")]
    return related_party_graph(uow).related(a, b)


def related_parties_of(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """Return an organization's related-party group and the links that make it."""
    authorize_read(uow, org_id, ConsentScope.PROFILE, f"organization/{org_id}/related-parties")
    graph = related_party_graph(uow)
    group = graph.group_of(org_id)
    links = [lk for lk in graph.links if lk.a in group and lk.b in group]
    return {
        "org_id": org_id,
        "group": sorted(group),
        "links": [{"a": lk.a, "b": lk.b, "reason": lk.reason, "via": lk.via} for lk in links],
    }


def ownership_of(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """Return shareholders and key persons (person names and hashed ids, never ID numbers)."""
    authorize_read(uow, org_id, ConsentScope.PROFILE, f"organization/{org_id}/ownership")
    s = uow.session
    holders = []
    for r in s.scalars(select(ShareholdingRow).where(ShareholdingRow.org_id == org_id)):
        person = s.get(PersonRow, r.holder_person_id) if r.holder_person_id else None
        holders.append(
            {
                "holder_org_id": r.holder_org_id,
                "holder_person_id": r.holder_person_id,
                "holder_name": person.name if person else None,
                "share": str(r.share.normalize()),
            }
        )
    persons = []
    for kp in s.scalars(select(KeyPersonRow).where(KeyPersonRow.org_id == org_id)):
        person = s.get(PersonRow, kp.person_id)
        persons.append(
            {"person_id": kp.person_id, "name": person.name if person else "", "role": kp.role}
        )
    return {"org_id": org_id, "shareholders": holders, "key_persons": persons}


# ---------------------------------------------------------------- users and tokens


def create_user(
    uow: UnitOfWork,
    org_id: str,
    username: str,
    password: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
) -> UserRow:
    """Create a user: the operator for any organization, an organization's admin for its own."""
    actor = uow.actor
    if not (actor.is_system or actor.is_operator):
        if not actor.is_admin:
            raise PermissionDenied(
                "only the operator or an organization's administrator creates users",
                code="role_not_allowed",
            )
        require_own_org(actor, org_id)
    _org(uow, org_id)
    username = username.strip().lower()
    if not (3 <= len(username) <= 80) or not all(c.isalnum() or c in "._-@" for c in username):
        raise InvalidInput("3 to 80 letters, digits, '.', '_', '-' or '@'", field="username")
    if len(password) < 10:
        raise InvalidInput("a password needs at least 10 characters", field="password")
    if uow.session.scalar(select(UserRow.id).where(UserRow.username == username)):
        raise Conflict(f"username {username!r} is taken", code="duplicate_username")
    row = UserRow(
        id=new_id("usr"),
        org_id=org_id,
        username=username,
        display_name=display_name or username,
        password_hash=security.hash_password(password),
        is_admin=is_admin,
        active=True,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "user.created",
        "user",
        row.id,
        after={"username": username, "org_id": org_id, "is_admin": is_admin},
        org_id=org_id,
    )
    uow.commit()
    return row


def login(uow: UnitOfWork, username: str, password: str) -> tuple[str, ApiTokenRow]:
    """Exchange a username and password for a session token."""
    user = uow.session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    if (
        user is None
        or not user.active
        or not security.verify_password(user.password_hash, password)
    ):
        raise Unauthenticated("wrong username or password", code="bad_credentials")
    ttl = timedelta(minutes=uow.settings.token_ttl_minutes if uow.settings else 720)
    token, row = _issue_token(uow, user, "session", "login", ttl)
    uow.commit()
    return token, row


def create_api_token(
    uow: UnitOfWork, name: str, days: int | None = None
) -> tuple[str, ApiTokenRow]:
    """Issue a long-lived API token for the acting user (for machine clients)."""
    if uow.actor.user_id is None:
        raise PermissionDenied("only a user can hold an API token")
    user = uow.session.get(UserRow, uow.actor.user_id)
    if user is None:
        raise Unauthenticated("the user no longer exists")
    max_days = uow.settings.api_token_ttl_days if uow.settings else 365
    days = days or max_days
    if not (1 <= days <= max_days):
        raise InvalidInput(f"between 1 and {max_days} days", field="days")
    token, row = _issue_token(uow, user, "api", name.strip() or "api", timedelta(days=days))
    uow.audit(
        "api_token.created",
        "user",
        user.id,
        after={"token_id": row.id, "name": row.name},
        org_id=user.org_id,
    )
    uow.commit()
    return token, row


def _issue_token(
    uow: UnitOfWork, user: UserRow, kind: str, name: str, ttl: timedelta
) -> tuple[str, ApiTokenRow]:
    token = security.new_token()
    now = uow.now()
    row = ApiTokenRow(
        id=new_id("tok"),
        user_id=user.id,
        token_hash=security.hash_token(token),
        kind=kind,
        name=name,
        created_at=now,
        expires_at=now + ttl,
    )
    uow.session.add(row)
    return token, row


def revoke_token(uow: UnitOfWork, token_id: str) -> None:
    row = uow.session.get(ApiTokenRow, token_id)
    if row is None or row.user_id != uow.actor.user_id:
        raise NotFound(f"token {token_id} not found")
    if row.revoked_at is None:
        row.revoked_at = uow.now()
        uow.audit("api_token.revoked", "user", row.user_id, after={"token_id": row.id})
    uow.commit()


def authenticate(uow: UnitOfWork, token: str) -> Actor:
    """Resolve a bearer token to the acting user, refusing missing, expired or revoked ones."""
    row = uow.session.scalar(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == security.hash_token(token))
    )
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("the token is not valid; log in again", code="invalid_token")
    if row.expires_at <= uow.now():
        raise Unauthenticated("the token has expired; log in again", code="token_expired")
    user = uow.session.get(UserRow, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the user is disabled", code="invalid_token")
    org = _org(uow, user.org_id)
    return Actor(
        user_id=user.id,
        org_id=org.id,
        roles=frozenset(org.roles),
        username=user.username,
        is_admin=user.is_admin,
    )


# ---------------------------------------------------------------- consents and data access


def grant_consent(
    uow: UnitOfWork, grantee_org_id: str, scopes: Sequence[str], expires_at: datetime
) -> ConsentRow:
    """The acting enterprise lets an institution read its data within scopes until expiry."""
    actor = uow.actor
    require_role(actor, Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE)
    if actor.org_id is None:
        raise PermissionDenied("consent is granted by an organization")
    grantee = _org(uow, grantee_org_id)
    if not set(grantee.roles) & FINANCIAL_ROLES:
        raise InvalidInput("consent is granted to a financial institution", field="grantee_org_id")
    parsed = sorted({_enum(s, ConsentScope, "scopes").value for s in scopes})
    if not parsed:
        raise InvalidInput("name at least one scope", field="scopes")
    now = uow.now()
    if expires_at.tzinfo is None:
        raise InvalidInput("give a timezone, e.g. 2027-01-01T00:00:00Z", field="expires_at")
    if expires_at <= now:
        raise InvalidInput("expiry must be in the future", field="expires_at")
    if expires_at > now + timedelta(days=3 * 366):
        raise InvalidInput("a consent lasts at most three years", field="expires_at")
    row = ConsentRow(
        id=new_id("cns"),
        grantor_org_id=actor.org_id,
        grantee_org_id=grantee_org_id,
        scopes=parsed,
        granted_at=now,
        expires_at=expires_at,
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("consent.granted", "consent", row.id, after=row.snapshot())
    uow.commit()
    return row


def revoke_consent(uow: UnitOfWork, consent_id: str) -> ConsentRow:
    row = uow.session.get(ConsentRow, consent_id)
    if row is None or (not uow.actor.is_system and row.grantor_org_id != uow.actor.org_id):
        raise NotFound(f"consent {consent_id} not found")
    if row.revoked_at is not None:
        raise Conflict("the consent is already revoked", code="already_revoked")
    before = row.snapshot()
    row.revoked_at = uow.now()
    uow.flush()
    uow.audit("consent.revoked", "consent", row.id, before=before, after=row.snapshot())
    uow.commit()
    return row


def list_consents(uow: UnitOfWork) -> list[ConsentRow]:
    """Consents the actor granted or received; all of them for the regulator."""
    stmt = select(ConsentRow).order_by(ConsentRow.granted_at.desc())
    if not (uow.actor.is_regulator or uow.actor.is_system):
        stmt = stmt.where(
            or_(
                ConsentRow.grantor_org_id == uow.actor.org_id,
                ConsentRow.grantee_org_id == uow.actor.org_id,
            )
        )
    return list(uow.session.scalars(stmt))


def live_consent(uow: UnitOfWork, grantor: str, grantee: str, scope: str) -> ConsentRow | None:
    now = uow.now()
    rows = uow.session.scalars(
        select(ConsentRow).where(
            ConsentRow.grantor_org_id == grantor,
            ConsentRow.grantee_org_id == grantee,
            ConsentRow.revoked_at.is_(None),
            ConsentRow.expires_at > now,
        )
    )
    return next((r for r in rows if scope in r.scopes), None)


def authorize_read(
    uow: UnitOfWork, subject_org_ids: str | Iterable[str], scope: str, resource: str
) -> str:
    """Allow a read of records that belong to the subjects, logging every read of another's data.

    Own records and records the actor is party to need nothing; an institution needs a live
    consent of one of the subjects; the regulator and the operator read everything, logged.
    Anyone else is told the record does not exist (404), so ids cannot be probed.
    Returns the basis: own, consent, regulator, operator or system.
    """
    actor = uow.actor
    subjects = [subject_org_ids] if isinstance(subject_org_ids, str) else list(subject_org_ids)
    if actor.is_system:
        return "system"
    if actor.org_id in subjects:
        return "own"
    basis: str | None = None
    consent_id: str | None = None
    if actor.is_regulator:
        basis = "regulator"
    elif actor.is_operator:
        basis = "operator"
    elif actor.org_id is not None:
        for subject in subjects:
            consent = live_consent(uow, subject, actor.org_id, scope)
            if consent is not None:
                basis, consent_id = "consent", consent.id
                break
    if basis is None:
        raise NotFound(f"{resource} not found")
    for subject in subjects:
        uow.session.add(
            DataAccessRow(
                at=uow.now(),
                reader_org_id=actor.org_id,
                reader_user_id=actor.user_id,
                subject_org_id=subject,
                basis=basis,
                consent_id=consent_id,
                scope=str(scope),
                resource=resource,
            )
        )
    uow.flush()
    return basis


def access_log(
    uow: UnitOfWork, subject_org_id: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[DataAccessRow], int]:
    """Reads of an organization's data: the organization sees its own, the regulator all."""
    actor = uow.actor
    stmt = select(DataAccessRow)
    if not (actor.is_regulator or actor.is_system):
        subject_org_id = actor.org_id
    if subject_org_id:
        stmt = stmt.where(DataAccessRow.subject_org_id == subject_org_id)
    total = uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = uow.session.scalars(stmt.order_by(DataAccessRow.id.desc()).limit(limit).offset(offset))
    return list(rows), total


# ---------------------------------------------------------------- lists kept by the regulator


def add_list_entry(
    uow: UnitOfWork,
    kind: str,
    org_id: str,
    reason: str,
    listed_on: date | None = None,
    expires_on: date | None = None,
    authority: str = "",
) -> ListEntryRow:
    """Put an organization on the white, black or red list (regulator only)."""
    require_role(uow.actor, Role.REGULATOR)
    list_kind = _enum(kind, ListKind, "kind")
    org = _org(uow, org_id)
    if not reason.strip():
        raise InvalidInput("a listing needs a reason", field="reason")
    listed_on = listed_on or uow.today()
    if expires_on is not None and expires_on < listed_on:
        raise InvalidInput("expiry is before the listing date", field="expires_on")
    if list_kind is ListKind.WHITE:
        if not set(org.roles) & FINANCIAL_ROLES:
            raise InvalidInput("only financial institutions go on the white list", field="org_id")
        if not org.licence_no:
            raise RuleViolation("the institution has no licence on file", code="not_licensed")
    if any(e.kind == list_kind.value and e.is_live(listed_on) for e in _entries(uow, org_id)):
        raise Conflict(
            f"{org.name} is already on the {list_kind.value} list", code="already_listed"
        )
    row = ListEntryRow(
        id=new_id("lst"),
        kind=list_kind.value,
        org_id=org_id,
        reason=reason.strip(),
        listed_on=listed_on,
        expires_on=expires_on,
        authority=authority,
        listed_by=uow.actor.user_id,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        f"list.{list_kind.value}.added", "list_entry", row.id, after=row.snapshot(), org_id=org_id
    )
    uow.commit()
    return row


def lift_list_entry(uow: UnitOfWork, entry_id: str, reason: str) -> ListEntryRow:
    require_role(uow.actor, Role.REGULATOR)
    row = uow.session.get(ListEntryRow, entry_id)
    if row is None:
        raise NotFound(f"list entry {entry_id} not found")
    if row.lifted_at is not None:
        raise Conflict("the entry is already lifted", code="already_lifted")
    if not reason.strip():
        raise InvalidInput("lifting needs a reason", field="reason")
    before = row.snapshot()
    row.lifted_at = uow.now()
    row.lifted_reason = reason.strip()
    uow.flush()
    uow.audit(
        f"list.{row.kind}.lifted",
        "list_entry",
        row.id,
        before=before,
        after=row.snapshot(),
        org_id=row.org_id,
    )
    uow.commit()
    return row


def _entries(uow: UnitOfWork, org_id: str) -> list[ListEntryRow]:
    return list(uow.session.scalars(select(ListEntryRow).where(ListEntryRow.org_id == org_id)))


def list_entries(
    uow: UnitOfWork, kind: str | None = None, live_only: bool = False
) -> list[ListEntryRow]:
    """The lists are public: anyone on the platform may see who is listed and why."""
    stmt = select(ListEntryRow).order_by(ListEntryRow.created_at)
    if kind:
        stmt = stmt.where(ListEntryRow.kind == _enum(kind, ListKind, "kind").value)
    rows = list(uow.session.scalars(stmt))
    if live_only:
        today = uow.today()
        rows = [r for r in rows if r.is_live(today)]
    return rows


def live_listing(uow: UnitOfWork, org_id: str, kind: ListKind) -> ListEntryRow | None:
    today = uow.today()
    return next(
        (e for e in _entries(uow, org_id) if e.kind == kind.value and e.is_live(today)), None
    )


def require_licensed_funder(uow: UnitOfWork, org_id: str) -> OrganizationRow:
    """Refuse unless the organization is a licensed, white-listed funder (seed III.5)."""
    org = _org(uow, org_id)
    if not set(org.roles) & FUNDER_ROLES:
        raise RuleViolation(
            f"{org.name} is not a financial institution that funds", code="not_a_funder"
        )
    today = uow.today()
    if not org.licence_no or (
        org.licence_expires_on is not None and org.licence_expires_on < today
    ):
        raise RuleViolation(f"{org.name} holds no valid licence", code="not_licensed")
    if live_listing(uow, org_id, ListKind.WHITE) is None:
        raise RuleViolation(
            f"{org.name} is not on the regulator's white list", code="not_whitelisted"
        )
    require_not_blacklisted(uow, org_id)
    return org


def require_not_blacklisted(uow: UnitOfWork, org_id: str) -> None:
    """Refuse new business with a black-listed party, naming the listing (joint penalties)."""
    entry = live_listing(uow, org_id, ListKind.BLACK)
    if entry is not None:
        org = _org(uow, org_id)
        raise RuleViolation(
            f"{org.name} is on the black list since {entry.listed_on.isoformat()}: {entry.reason}",
            code="black_listed",
            details={
                "list_entry_id": entry.id,
                "listed_on": entry.listed_on.isoformat(),
                "reason": entry.reason,
            },
        )


def _table(mapped: Any) -> Table:
    """The Core table of a mapped class, typed for insert()/update()."""
    return cast(Table, mapped.__table__)


_O = _table(OrganizationRow).c
_L = _table(ListEntryRow).c
_COUNTERPARTY = (
    select(_O.name, _O.roles, _L.id, _L.reason, _L.listed_on, _L.expires_on, _L.lifted_at)
    .select_from(
        _table(OrganizationRow).outerjoin(
            _table(ListEntryRow),
            (_L.org_id == _O.id) & (_L.kind == ListKind.BLACK.value),
        )
    )
    .where(_O.id == bindparam("oid"))
)


def counterparty(uow: UnitOfWork, org_id: str) -> tuple[str, list[str], bool]:
    """Return (name, roles, black-listed now) of an organization in one statement.

    For hot paths that would call `find_organization` and `require_not_blacklisted`; the
    caller still calls the latter when the flag is set, for its refusal and details.
    """
    rows = uow.session.connection().execute(_COUNTERPARTY, {"oid": org_id}).all()
    if not rows:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    today = uow.today()
    black = any(
        r.id is not None
        and r.lifted_at is None
        and r.listed_on <= today
        and (r.expires_on is None or today <= r.expires_on)
        for r in rows
    )
    return rows[0].name, list(rows[0].roles), black


def counterparty_columns(org_id: Any, today: Any) -> tuple[Any, Any, Any]:
    """`counterparty` as three SQL expressions, for a hot path that reads the counterparty
    inside a statement it sends anyway (one round trip less): the name (NULL when there is
    no such organization), the roles, and whether a black-list entry is live on `today`
    (the same rule as `counterparty`). `org_id` and `today` are bound parameters or
    columns; the caller still calls `require_not_blacklisted` when the flag is set.
    """
    name = select(_O.name).where(_O.id == org_id).scalar_subquery()
    roles = select(_O.roles).where(_O.id == org_id).scalar_subquery()
    black = (
        select(_L.id)
        .where(
            _L.org_id == org_id,
            _L.kind == ListKind.BLACK.value,
            _L.lifted_at.is_(None),
            _L.listed_on <= today,
            or_(_L.expires_on.is_(None), _L.expires_on >= today),
        )
        .exists()
    )
    return name, roles, black


def is_red_listed(uow: UnitOfWork, org_id: str) -> bool:
    return live_listing(uow, org_id, ListKind.RED) is not None


# ---------------------------------------------------------------- audit


def query_audit(
    uow: UnitOfWork,
    *,
    org_id: str | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Query the audit trail: the regulator sees all, an organization its own entries."""
    actor = uow.actor
    stmt = select(AuditEntry)
    if not (actor.is_regulator or actor.is_system):
        stmt = stmt.where(AuditEntry.org_id == actor.org_id)
    if org_id:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    if aggregate_type:
        stmt = stmt.where(AuditEntry.aggregate_type == aggregate_type)
    if aggregate_id:
        stmt = stmt.where(AuditEntry.aggregate_id == aggregate_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    total = uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = uow.session.scalars(stmt.order_by(AuditEntry.id).limit(limit).offset(offset))
    return list(rows), total
