"""The JetStream stream of audit entries: where it is, its subjects and its message format.

One stream holds the whole audit log in id order, one message per entry, on the subject
`<prefix>.<aggregate type>`; the message id (`Nats-Msg-Id`) is the entry's id, so JetStream
drops a second publication of the same entry within its duplicate window, and the header
`Scf-Audit-Id` lets a relay that restarts read back how far it had come.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from scf.core.audit import AuditEntry
from scf.core.errors import InvalidInput

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js import JetStreamContext

log = logging.getLogger("scf.events.stream")

AUDIT_ID = "Scf-Audit-Id"
# How long JetStream remembers a message id to drop a second publication of it.
DUPLICATE_WINDOW = 120.0
# How long the stream keeps an entry: a consumer that stays away longer misses it, so the
# consumers' inbox rows (`event_inbox`) are purged after the same time.
MAX_AGE_DAYS = 30
_NOT_A_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class StreamSpec:
    """The NATS server, the stream and the subject prefix of the platform's events."""

    url: str
    stream: str
    subject: str
    ack_wait: float = 30.0

    @classmethod
    def of(cls, settings: Any) -> StreamSpec:
        """The settings' stream; refuses when SCF_EVENTS_URL is not set (the embedded mode)."""
        if not settings.events_url:
            raise InvalidInput(
                "SCF_EVENTS_URL is not set: the platform runs embedded (the server's follower "
                "polls the audit log); set it to a nats:// URL to relay events to JetStream",
                field="events_url",
                code="events_not_configured",
            )
        return cls(
            url=settings.events_url,
            stream=settings.events_stream,
            subject=settings.events_subject,
            ack_wait=settings.events_ack_wait,
        )

    def subject_for(self, aggregate_type: str) -> str:
        return f"{self.subject}.{_NOT_A_TOKEN.sub('_', aggregate_type) or '_'}"

    @property
    def wildcard(self) -> str:
        return f"{self.subject}.>"

    def durable(self, consumer: str) -> str:
        """The durable consumer's name: one per consumer, shared by every worker running it."""
        return f"{self.stream}-{consumer}"


def encode(entry: AuditEntry) -> bytes:
    return orjson.dumps(entry.as_dict())


def decode(data: bytes) -> AuditEntry:
    """The audit entry a message carries, as a transient row (never added to a session)."""
    d = orjson.loads(data)
    return AuditEntry(
        id=int(d["id"]),
        at=datetime.fromisoformat(d["at"]),
        user_id=d.get("user_id"),
        org_id=d.get("org_id"),
        action=d["action"],
        aggregate_type=d["aggregate_type"],
        aggregate_id=d["aggregate_id"],
        before=d.get("before"),
        after=d.get("after"),
        request_id=d.get("request_id"),
    )


async def connect(spec: StreamSpec, name: str) -> tuple[Client, JetStreamContext]:
    """Connect to NATS (reconnecting for ever) and make sure the stream exists."""
    import nats

    nc = await nats.connect(
        [u.strip() for u in spec.url.split(",") if u.strip()],
        name=name,
        connect_timeout=2,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
    )
    js = nc.jetstream()
    await ensure_stream(js, spec)
    return nc, js


async def connect_patiently(
    spec: StreamSpec, name: str, stop: asyncio.Event
) -> tuple[Client, JetStreamContext] | None:
    """Connect, trying again every second while NATS is away (a process manager ends every
    process when one exits, so a relay or worker must outwait a server that restarts)."""
    while not stop.is_set():
        try:
            return await connect(spec, name)
        except Exception as exc:  # any failure to reach the server is tried again
            log.warning("cannot reach NATS at %s (%s); trying again", spec.url, exc)
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                pass
    return None


async def ensure_stream(js: JetStreamContext, spec: StreamSpec) -> None:
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(spec.stream)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=spec.stream,
                subjects=[spec.wildcard],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                discard=DiscardPolicy.OLD,
                max_age=MAX_AGE_DAYS * 86400.0,
                duplicate_window=DUPLICATE_WINDOW,
            )
        )


async def last_relayed(js: JetStreamContext, spec: StreamSpec) -> int:
    """The id of the newest entry in the stream (0 when it holds none)."""
    from nats.js.errors import NotFoundError

    info = await js.stream_info(spec.stream)
    if not info.state.messages or not info.state.last_seq:
        return 0
    try:
        msg = await js.get_msg(spec.stream, seq=info.state.last_seq)
    except NotFoundError:
        return 0
    return int((msg.headers or {}).get(AUDIT_ID, 0))
