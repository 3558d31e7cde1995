"""The financing room's money-moving commands run once per Idempotency-Key (required here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scf.core import idempotency
from scf.core.uow import UnitOfWork
from scf.financing.tables import IdempotencyRow

request_hash = idempotency.request_hash


def idempotent(
    uow: UnitOfWork,
    key: str | None,
    command: str,
    body: Any,
    run: Callable[[], dict[str, Any]],
    *,
    required: bool = True,
) -> dict[str, Any]:
    """Run a financing command once per key (`scf.core.idempotency.idempotent`)."""
    return dict(
        idempotency.idempotent(uow, IdempotencyRow, key, command, body, run, required=required)
    )


def purge_expired_keys(uow: UnitOfWork) -> int:
    """Delete the room's keys older than their lifetime; return how many."""
    return idempotency.purge_expired_keys(uow, IdempotencyRow)
