"""The purge as a background task of the server: once at start, then every few hours."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from scf.core.actor import Actor
from scf.core.errors import DomainError
from scf.governance.retention import purge
from scf.platform import Platform

log = logging.getLogger("scf.governance")


def purge_quietly(platform: Platform) -> dict[str, int]:
    """Run one purge as the platform; log a failure rather than end the server."""
    try:
        with platform.uow(Actor.system()) as uow:
            done = purge(uow)
    except (DomainError, OSError, RuntimeError) as exc:  # the next run tries again
        log.warning("purge failed", extra={"fields": {"error": str(exc)}})
        return {}
    if any(done.values()):
        log.info("purged", extra={"fields": done})
    return done


@asynccontextmanager
async def background(platform: Platform, hours: float) -> AsyncIterator[None]:
    """Purge every `hours` while the server lives; on shutdown, let a purge in progress end."""
    stop = asyncio.Event()

    async def loop() -> None:
        while True:  # at least once, even for a server stopped at once
            await asyncio.to_thread(purge_quietly, platform)
            try:
                await asyncio.wait_for(stop.wait(), timeout=hours * 3600)
            except TimeoutError:
                continue
            return

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()
        await task
