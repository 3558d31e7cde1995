"""FastAPI dependencies: the platform, the acting user and a unit of work per request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from scf.core.actor import Actor
from scf.core.errors import Unauthenticated
from scf.core.schema import PageParams
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.platform import Platform


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    cookie = request.cookies.get("scf_session")
    return cookie or None


# Requests that only read: their unit of work takes no write lock unless it writes (SQLite).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """Open a unit of work acting as the caller; refuse missing or expired tokens with 401."""
    platform = get_platform(request)
    token = _bearer(request)
    if token is None:
        raise Unauthenticated("log in first: send 'Authorization: Bearer <token>'", code="no_token")
    with platform.uow(reading=request.method in READ_METHODS) as uow:
        uow.actor = parties.authenticate(uow, token)
        request.state.actor = uow.actor
        note_seen(platform, uow.actor)
        yield uow


def note_seen(platform: Platform, actor: Actor) -> None:
    """Hand the token's last use to the platform's writer, now and then (it never waits)."""
    if actor.token_id is not None and parties.seen_due(actor.token_id, platform.clock.now()):
        writer = platform.extension(
            parties.SEEN_WRITER, lambda p: parties.SeenWriter(lambda: p.uow(Actor.system()))
        )
        writer.note(actor.token_id)


def get_public_uow(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for public endpoints (login, public registry search)."""
    with get_platform(request).uow(reading=request.method in READ_METHODS) as uow:
        yield uow


def get_actor(uow: Annotated[UnitOfWork, Depends(get_uow)]) -> Actor:
    return uow.actor


def page_params(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


def roles_allowed(*roles: str) -> Callable[[Actor], Actor]:
    """Refuse callers whose organization holds none of the roles (403)."""

    def check(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
        parties.require_role(actor, *roles)
        return actor

    check.roles = roles  # type: ignore[attr-defined]
    return check


Uow = Annotated[UnitOfWork, Depends(get_uow)]
# The key that makes a retried command run once (docs/idempotency.md).
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
PublicUow = Annotated[UnitOfWork, Depends(get_public_uow)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
Paging = Annotated[PageParams, Depends(page_params)]
