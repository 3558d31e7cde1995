"""Users, their passwords, session and API tokens, and who a token belongs to."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scf.core.actor import Actor
from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties import security
from scf.parties.common import commit_new, find_organization, require_own_org
from scf.parties.tables import ApiTokenRow, UserRow


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
    find_organization(uow, org_id)
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
    after = {"username": username, "org_id": org_id, "is_admin": is_admin}
    commit_new(uow, row, "user.created", "user", row.id, after=after, org_id=org_id)
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
    org = find_organization(uow, user.org_id)
    return Actor(
        user_id=user.id,
        org_id=org.id,
        roles=frozenset(org.roles),
        username=user.username,
        is_admin=user.is_admin,
    )
