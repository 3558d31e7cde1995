"""What the event-stream tests share: a PostgreSQL platform with its own stream on local NATS."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from scf.config import Settings
from scf.core.actor import Actor
from scf.platform import Platform
from tests.conftest import PG_URL, TEST_SECRET, empty_database

NATS_URL = os.environ.get("SCF_TEST_NATS_URL", "nats://127.0.0.1:4222")


def nats_reachable(url: str = NATS_URL) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 4222), 1):
            return True
    except OSError:
        return False


needs_nats = pytest.mark.skipif(
    not nats_reachable(),
    reason=f"NATS with JetStream is not reachable at {NATS_URL} (set SCF_TEST_NATS_URL, or start "
    "Debian's nats-server with -js)",
)
needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="SCF_TEST_DATABASE_URL is not set: the event relay is proven on PostgreSQL"
)


def event_settings(url: str, tmp_path: Path, **extra: Any) -> Settings:
    """Settings of a platform with a stream and subjects of its own (sessions never collide)."""
    tag = uuid.uuid4().hex[:10]
    return Settings(
        database_url=url,
        secret_key=TEST_SECRET,
        calendar_dir=tmp_path / "calendar",
        log_json=False,
        events_url=NATS_URL,
        events_stream=f"SCF_TEST_{tag}",
        events_subject=f"scftest.{tag}",
        **extra,
    )


def settings_env(s: Settings) -> dict[str, str]:
    """The environment that gives a child process the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCF_")}
    env.update(
        SCF_DATABASE_URL=s.database_url,
        SCF_SECRET_KEY=s.secret_key,
        SCF_CALENDAR_DIR=str(s.calendar_dir),
        SCF_LOG_JSON="false",
        SCF_EVENTS_URL=s.events_url or "",
        SCF_EVENTS_STREAM=s.events_stream,
        SCF_EVENTS_SUBJECT=s.events_subject,
        SCF_EVENTS_ACK_WAIT=str(s.events_ack_wait),
    )
    return env


@pytest.fixture
def pg_events(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """A platform on an empty PostgreSQL database with its own JetStream stream (deleted after)."""
    url = empty_database(request, "postgresql", tmp_path)
    p = Platform.create(event_settings(url, tmp_path, events_ack_wait=2.0))
    try:
        yield p
    finally:
        p.dispose()
        asyncio.run(delete_stream(p))


async def delete_stream(p: Platform) -> None:
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(NATS_URL, connect_timeout=2)
    try:
        await nc.jetstream().delete_stream(p.settings.events_stream)
    except NotFoundError:
        pass
    finally:
        await nc.close()


def write_entries(p: Platform, n: int, start: int = 0, per_commit: int = 1) -> None:
    """`n` audit entries of a few actions on a few aggregates, `per_commit` to a transaction."""
    i = start
    while i < start + n:
        with p.uow(Actor.system()) as uow:
            for _ in range(min(per_commit, start + n - i)):
                uow.audit(
                    f"demo.{('filed', 'checked', 'closed')[i % 3]}",
                    "tick",
                    f"t{i % 7}",
                    after={"n": i},
                )
                i += 1
            uow.commit()


async def stream_ids(p: Platform) -> list[int]:
    """The audit ids the stream holds, in stream order."""
    import nats

    from scf.events.stream import AUDIT_ID

    nc = await nats.connect(NATS_URL, connect_timeout=2)
    try:
        js = nc.jetstream()
        info = await js.stream_info(p.settings.events_stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(p.settings.events_stream, seq=seq)
            out.append(int((msg.headers or {})[AUDIT_ID]))
        return out
    finally:
        await nc.close()
