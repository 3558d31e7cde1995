"""Money-moving commands run once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from scf.core.errors import InvalidInput
from scf.core.uow import UnitOfWork, jsonable
from scf.financing.tables import IdempotencyRow


def request_hash(command: str, body: Any) -> str:
    canonical = json.dumps(jsonable(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{command}\n{canonical}".encode()).hexdigest()


def idempotent(
    uow: UnitOfWork,
    key: str | None,
    command: str,
    body: Any,
    run: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run a money-moving command once per key: a replay returns the stored response, the
    same key with another request is refused; the key lands in the command's transaction."""
    if key is None or not key.strip():
        raise InvalidInput(
            "money-moving commands need an Idempotency-Key header", field="Idempotency-Key"
        )
    key = key.strip()
    if len(key) > 120:
        raise InvalidInput("at most 120 characters", field="Idempotency-Key")
    org = uow.actor.org_id or "system"
    digest = request_hash(command, body)
    stored = uow.session.get(IdempotencyRow, (org, key))
    if stored is not None:
        if stored.request_hash != digest or stored.command != command:
            raise InvalidInput(
                f"Idempotency-Key {key!r} was used for another request ({stored.command}); "
                "use a new key",
                field="Idempotency-Key",
                code="idempotency_key_reused",
            )
        return dict(stored.response)
    response = jsonable(run())
    uow.session.add(
        IdempotencyRow(
            org_id=org,
            key=key,
            command=command,
            request_hash=digest,
            response=response,
            created_at=uow.now(),
        )
    )
    uow.commit()
    return dict(response)
