"""Masking by role on the read paths, driven by the catalogue rather than by each route.

Every key that the catalogue says carries personal or sensitive data (`protected_keys`) is
masked in what a reader is shown unless the reader's roles need it in full
(`model.FULL_VIEW`) or the record is the reader's own (an object whose `id`, `org_id` or
`user_id` is the reader's organization or user, and everything inside it). Two paths apply
it: `MaskPersonalData` to every JSON answer of a GET under /api/, and the pages' `render` to
the data a template is given.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scf.core.actor import Actor
from scf.core.classification import DataClass
from scf.governance.catalog import protected_keys
from scf.governance.model import mask_value, sees_in_full

OWNER_KEYS = ("id", "org_id", "user_id")


@cache
def _keys() -> tuple[dict[str, DataClass], dict[str, dict[str, DataClass]], tuple[bytes, ...]]:
    plain: dict[str, DataClass] = {}
    nested: dict[str, dict[str, DataClass]] = {}
    for key, data_class in protected_keys().items():
        parent, _, child = key.rpartition(".")
        if parent:
            nested.setdefault(parent, {})[child] = data_class
        else:
            plain[key] = data_class
    # An answer is parsed only if it names a protected key (for `a.b`, the key `a` above it).
    needles = tuple({f'"{k.split(".")[-2] if "." in k else k}"'.encode() for k in protected_keys()})
    return plain, nested, needles


def mask_for(value: Any, actor: Actor | None) -> Any:
    """`value` as the actor may see it: protected keys masked unless its roles need them or
    the record is its own."""
    roles = actor.roles if actor is not None else frozenset()
    own = {i for i in (actor.org_id, actor.user_id) if i} if actor is not None else set()
    plain, nested, _ = _keys()
    hidden = {c for c in DataClass if not sees_in_full(roles, c)}
    if not hidden:
        return value

    def walk(v: Any, parent: str, mine: bool) -> Any:
        if isinstance(v, dict):
            mine = mine or any(v.get(k) in own for k in OWNER_KEYS if isinstance(v.get(k), str))
            out = {}
            for k, x in v.items():
                data_class = nested.get(parent, {}).get(k) or plain.get(k)
                if data_class in hidden and not mine:
                    out[k] = mask_value(x, data_class)
                else:
                    out[k] = walk(x, k, mine)
            return out
        if isinstance(v, list | tuple):
            return [walk(x, parent, mine) for x in v]
        return v

    return walk(value, "", False)


def mask_json(body: bytes, actor: Actor | None) -> bytes:
    """A JSON answer as the actor may see it; the same bytes when nothing in it is protected."""
    _, _, needles = _keys()
    if not any(n in body for n in needles):
        return body
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    masked = mask_for(value, actor)
    return body if masked == value else orjson.dumps(masked)


class MaskPersonalData:
    """ASGI middleware: mask the JSON answers of GET requests under /api/ for their reader."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        # The endpoint leaves its actor in the request's state, this very dictionary.
        state = scope.setdefault("state", {})
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kinds = [v for k, v in message.get("headers", []) if k == b"content-type"]
                if kinds and kinds[0].split(b";")[0].endswith(b"json"):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = mask_json(b"".join(chunks), state.get("actor"))
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
