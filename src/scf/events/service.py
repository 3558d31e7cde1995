"""Use cases of the event stream: the relay, the consumers and their state.

The room's public entry: the CLI, the scheduler and the tests import from here. `relay` (the
audit log published to JetStream in order), `consumers` (durable consumer groups handling
each entry once in effect), `handlers` (what the `risk`, `counters` and `notifications`
consumers do), `notifications` (messages to the organizations a certificate reached) and
`stream` (the stream, its subjects and its messages). docs/city.md tells the whole story.
"""

from __future__ import annotations

from scf.events.consumers import Worker, handle_batch, purge_inbox
from scf.events.handlers import CONSUMERS
from scf.events.notifications import notice_of, send_notices
from scf.events.relay import Relay, releasable
from scf.events.stream import StreamSpec, connect, decode, encode, last_relayed

__all__ = [
    "CONSUMERS",
    "Relay",
    "StreamSpec",
    "Worker",
    "connect",
    "decode",
    "encode",
    "handle_batch",
    "last_relayed",
    "notice_of",
    "purge_inbox",
    "releasable",
    "send_notices",
]
