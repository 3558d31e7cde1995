"""Users, their passwords, session and API tokens, and who a token belongs to."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from scf.core.actor import Actor
from scf.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
)
from scf.core.i18n import N_
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties import security
from scf.parties.common import commit_new, find_organization, require_own_org
from scf.parties.model import SecurityAlertKind
from scf.parties.tables import ApiTokenRow, SecurityAlertRow, UserRow
from scf.parties.throttle import LoginThrottle, throttle_for

# How stale a token's `last_seen_at` may grow: each process writes it at most this often.
SEEN_EVERY = timedelta(minutes=5)
PASSWORD_MAX = 200
_SEEN_KEPT = 10_000
_noted: OrderedDict[str, datetime] = OrderedDict()
_noted_lock = threading.Lock()


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


def org_user(uow: UnitOfWork, org_id: str, username: str) -> UserRow | None:
    """The active user of an organization with this username, or None (no access check: for
    other rooms naming an organization's own people, such as a unit's officers)."""
    row = uow.session.scalar(
        select(UserRow).where(
            UserRow.username == username.strip().lower(),
            UserRow.org_id == org_id,
            UserRow.active.is_(True),
        )
    )
    return row


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    client_address: str = "",
    user_agent: str = "",
) -> tuple[str, ApiTokenRow]:
    """Exchange a username and password for a session token, unless failures locked them.

    A locked account or client address is refused (429 with the seconds to wait) before any
    password is checked. An unknown user costs one hash check like a known one, so the time
    of the answer tells nothing about which names exist.
    """
    name = username.strip().lower()
    address = client_address[:64]
    throttle = throttle_for(uow.settings, uow.session.get_bind())
    wait = throttle.retry_after(name, address)
    if wait is not None:
        raise TooManyAttempts(
            f"too many failed logins; try again in {wait} seconds", retry_after=wait
        )
    user = uow.session.scalar(select(UserRow).where(UserRow.username == name))
    good = security.verify_password(user.password_hash if user else security.dummy_hash(), password)
    if user is None or not user.active or not good:
        # End the read (on SQLite it may hold the write lock) before the counters are written.
        uow.rollback()
        _count_failure(uow, throttle, name, address)
        raise Unauthenticated("wrong username or password", code="bad_credentials")
    ttl = timedelta(minutes=uow.settings.token_ttl_minutes if uow.settings else 720)
    token, row = _issue_token(uow, user, "session", "login", ttl)
    row.client_address, row.user_agent = address, user_agent[:200]
    row.last_seen_at = row.created_at
    uow.commit()
    with _noted_lock:
        _remember(row.id, row.created_at)
    throttle.succeeded(name)  # after the commit, which ends the write lock (SQLite)
    return token, row


def _count_failure(uow: UnitOfWork, throttle: LoginThrottle, name: str, address: str) -> None:
    """Count a failed login; a lock it begins is a security alert for the operator."""
    locks = throttle.failed(name, address)
    for lock in locks:
        row = SecurityAlertRow(
            id=new_id("sal"),
            kind=SecurityAlertKind(f"{lock.kind}_locked").value,
            subject=lock.subject[:200],
            failures=lock.failures,
            window_seconds=lock.window_seconds,
            client_address=address,
            raised_at=uow.now(),
            locked_until=lock.until,
        )
        uow.session.add(row)
        uow.audit(
            "security_alert.raised",
            "security_alert",
            row.id,
            after={"kind": row.kind, "subject": row.subject, "failures": row.failures},
        )
    if locks:
        uow.commit()


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
    """Revoke one of the acting user's tokens (a session or an API token)."""
    row = uow.session.get(ApiTokenRow, token_id)
    if row is None or row.user_id != uow.actor.user_id:
        raise NotFound(f"token {token_id} not found")
    if row.revoked_at is None:
        row.revoked_at = uow.now()
        uow.audit("api_token.revoked", "user", row.user_id, after={"token_id": row.id})
    uow.commit()


def authenticate(uow: UnitOfWork, token: str) -> Actor:
    """Resolve a bearer token to the acting user, refusing missing, expired or revoked ones.

    It only reads: the token's last use is written apart by `note_seen` when `seen_due`.
    """
    row = uow.session.scalar(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == security.hash_token(token))
    )
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("the token is not valid; log in again", code="invalid_token")
    now = uow.now()
    if row.expires_at <= now:
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
        token_id=row.id,
    )


def seen_due(token_id: str | None, now: datetime) -> bool:
    """Whether the token's last use is to be written now (this process did not within
    SEEN_EVERY); answering yes counts as writing it."""
    if token_id is None:
        return False
    with _noted_lock:
        last = _noted.get(token_id)
        if last is not None and now - last < SEEN_EVERY:
            return False
        _remember(token_id, now)
        return True


def _remember(token_id: str, now: datetime) -> None:
    _noted[token_id] = now
    _noted.move_to_end(token_id)
    while len(_noted) > _SEEN_KEPT:
        _noted.popitem(last=False)


def note_seen(uow: UnitOfWork, token_ids: Iterable[str]) -> None:
    """Write the last use of tokens, in a short unit of work of its own (see `seen_due`)."""
    now = uow.now()
    uow.session.execute(
        update(ApiTokenRow)
        .where(
            ApiTokenRow.id.in_(sorted(token_ids)),
            or_(ApiTokenRow.last_seen_at.is_(None), ApiTokenRow.last_seen_at < now),
        )
        .values(last_seen_at=now)
    )
    uow.commit()


def logout(uow: UnitOfWork) -> None:
    """Revoke the session token the user acts with, on the server."""
    if uow.actor.token_id is not None:
        revoke_token(uow, uow.actor.token_id)


def list_sessions(uow: UnitOfWork) -> list[ApiTokenRow]:
    """The acting user's live session tokens, the newest first."""
    if uow.actor.user_id is None:
        raise PermissionDenied("only a user has sessions")
    return list(
        uow.session.scalars(
            select(ApiTokenRow)
            .where(
                ApiTokenRow.user_id == uow.actor.user_id,
                ApiTokenRow.kind == "session",
                ApiTokenRow.revoked_at.is_(None),
                ApiTokenRow.expires_at > uow.now(),
            )
            .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id.desc())
        )
    )


def revoke_session(uow: UnitOfWork, token_id: str) -> None:
    """Revoke one of the acting user's sessions; another user's is not found."""
    row = uow.session.get(ApiTokenRow, token_id)
    if row is None or row.kind != "session" or row.user_id != uow.actor.user_id:
        raise NotFound(f"session {token_id} not found")
    revoke_token(uow, token_id)


def revoke_other_sessions(uow: UnitOfWork) -> int:
    """Revoke every session of the acting user but the one it acts with; how many."""
    return _revoke_all(uow, kinds=("session",))


def _revoke_all(uow: UnitOfWork, kinds: tuple[str, ...]) -> int:
    rows = [
        r
        for r in uow.session.scalars(
            select(ApiTokenRow).where(
                ApiTokenRow.user_id == uow.actor.user_id,
                ApiTokenRow.kind.in_(kinds),
                ApiTokenRow.revoked_at.is_(None),
                ApiTokenRow.id != (uow.actor.token_id or ""),
            )
        )
    ]
    now = uow.now()
    for r in rows:
        r.revoked_at = now
    if rows:
        uow.audit(
            "api_token.revoked",
            "user",
            uow.actor.user_id or "",
            after={"tokens": [r.id for r in rows]},
        )
    uow.commit()
    return len(rows)


def change_password(uow: UnitOfWork, current: str, new: str) -> int:
    """Change the acting user's password; every other session and API token is revoked.

    Returns how many tokens were revoked. The session the change is made with stays.
    """
    if uow.actor.user_id is None:
        raise PermissionDenied("only a user has a password")
    user = uow.session.get(UserRow, uow.actor.user_id)
    if user is None:
        raise Unauthenticated("the user no longer exists")
    if not security.verify_password(user.password_hash, current):
        raise InvalidInput(N_("the current password is not right"), field="current_password")
    if len(new) < 10:
        raise InvalidInput(N_("a password needs at least 10 characters"), field="new_password")
    if len(new) > PASSWORD_MAX:
        raise InvalidInput(N_("a password has at most 200 characters"), field="new_password")
    if new == current:
        raise InvalidInput(N_("choose a password other than the current one"), field="new_password")
    user.password_hash = security.hash_password(new)
    uow.audit("user.password_changed", "user", user.id, org_id=user.org_id)
    return _revoke_all(uow, kinds=("session", "api"))


def security_alerts(
    uow: UnitOfWork, limit: int = 100, offset: int = 0
) -> tuple[list[SecurityAlertRow], int]:
    """Alerts of failed-login bursts, the newest first (the operator and the regulator)."""
    actor = uow.actor
    if not (actor.is_operator or actor.is_regulator or actor.is_system):
        raise PermissionDenied("only the operator reads security alerts", code="role_not_allowed")
    total = uow.session.scalar(select(func.count()).select_from(SecurityAlertRow)) or 0
    rows = uow.session.scalars(
        select(SecurityAlertRow)
        .order_by(SecurityAlertRow.raised_at.desc(), SecurityAlertRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total
