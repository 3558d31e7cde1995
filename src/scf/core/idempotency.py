"""Commands that move money or file records run once per Idempotency-Key.

A client that lost the answer to a command sends it again with the same key and gets the
stored answer back, whatever happened meanwhile; the command's effect happened once. Each
room keeps its keys in its own table (`IdempotencyColumns`), scoped to the caller's
organization; the mechanism is this module's `idempotent`. docs/idempotency.md lists the
routes, how long a key lives and the error codes.

Why the key is claimed first, in the command's own transaction: on PostgreSQL a second
request with the same key, arriving while the first still runs, blocks on the key's primary
key until the first commits, then finds the stored answer and replays it (on SQLite the
write lock serializes them the same way). The answer is stored in the same commit as the
effect, so a crash leaves either both or neither, never an effect without its answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import JSONType, UTCDateTime
from scf.core.errors import Conflict, InvalidInput
from scf.core.uow import UnitOfWork, jsonable

T = TypeVar("T")

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 120
# How long a stored answer is replayed. A client retries within minutes; a day covers a
# retry after an outage, and a week one after a long weekend. After that the key is free.
KEY_LIFETIME = timedelta(days=7)


class IdempotencyColumns:
    """The columns of a room's key table: who sent the key, for what, and the answer given."""

    __classification__ = classes(
        "replay the answer to a retried command (kept a week)",
        internal="org_id key command request_hash created_at",
        confidential={"response": "the answer given, replayed as it was"},
    )

    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    command: Mapped[str] = mapped_column(String(80))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def request_hash(command: str, body: Any) -> str:
    """Hash the command and its canonical JSON body: the same request hashes the same."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    if isinstance(body, bytes):
        canonical = "bytes:" + hashlib.sha256(body).hexdigest()
    else:
        canonical = json.dumps(jsonable(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{command}\n{canonical}".encode()).hexdigest()


def checked_key(key: str | None, *, required: bool) -> str | None:
    """Return the trimmed key; refuse a missing one where required, a blank or a long one."""
    if key is None:
        if required:
            raise InvalidInput(
                "money-moving commands need an Idempotency-Key header",
                field=KEY_HEADER,
                code="idempotency_key_missing",
            )
        return None
    key = key.strip()
    if not key:
        raise InvalidInput("must not be blank", field=KEY_HEADER, code="idempotency_key_blank")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise InvalidInput(
            f"at most {MAX_KEY_LENGTH} printable ASCII characters",
            field=KEY_HEADER,
            code="idempotency_key_invalid",
        )
    return key


_ABSENT = object()


def _stored_answer(
    uow: UnitOfWork, table: type[IdempotencyColumns], org: str, key: str, command: str, digest: str
) -> Any:
    """The answer stored under the key for this very request; _ABSENT if none (or expired)."""
    stored = uow.session.get(table, (org, key), populate_existing=True)
    if stored is None:
        return _ABSENT
    if stored.created_at <= uow.now() - KEY_LIFETIME:
        uow.session.delete(stored)
        uow.session.flush()
        return _ABSENT
    if stored.command != command or stored.request_hash != digest:
        raise InvalidInput(
            f"Idempotency-Key {key!r} was used for another request ({stored.command}); "
            "use a new key",
            field=KEY_HEADER,
            code="idempotency_key_reused",
        )
    return stored.response


def _key_row(
    uow: UnitOfWork, table: type[IdempotencyColumns], org: str, key: str, command: str, digest: str
) -> IdempotencyColumns:
    """A key row with no answer yet: the answer is written in the command's commit."""
    row = table()
    row.org_id, row.key, row.command, row.request_hash = org, key, command, digest
    row.response, row.created_at = {}, uow.now()
    return row


def _claim(
    uow: UnitOfWork, table: type[IdempotencyColumns], org: str, key: str, command: str, digest: str
) -> Any:
    """Claim the key in this transaction; when a concurrent duplicate won, its answer."""
    answer = _stored_answer(uow, table, org, key, command, digest)
    if answer is not _ABSENT:
        return answer
    uow.session.add(_key_row(uow, table, org, key, command, digest))
    try:
        uow.session.flush()
    except IntegrityError:
        # The same key committed meanwhile by a concurrent request: replay its answer.
        uow.session.rollback()
        answer = _stored_answer(uow, table, org, key, command, digest)
        if answer is _ABSENT:
            raise Conflict(
                f"a request with Idempotency-Key {key!r} is still running; try again",
                code="idempotency_key_in_use",
            ) from None
        return answer
    return _ABSENT


def idempotent(
    uow: UnitOfWork,
    table: type[IdempotencyColumns],
    key: str | None,
    command: str,
    body: Any,
    run: Callable[[], Any],
    *,
    required: bool = False,
) -> Any:
    """Run a command once per key: a replay returns the stored answer, the same key with
    another request is refused (422 `idempotency_key_reused`).

    `command` names the command and its target (`issue`, `split:<piece>`); `body` is what
    was asked. `run` returns the JSON answer; the commits it makes become flushes, and the
    answer lands in one commit with the effect. Without a key the command just runs,
    unless `required`.
    """
    checked = checked_key(key, required=required)
    if checked is None:
        return run()
    org = uow.actor.org_id or "system"
    digest = request_hash(command, body)
    answer = _claim(uow, table, org, checked, command, digest)
    if answer is not _ABSENT:
        return answer
    with uow.one_commit():
        answer = jsonable(run())
    row = uow.session.get(table, (org, checked))
    if row is None:  # the command rolled back its transaction on the way: claim again
        row = _key_row(uow, table, org, checked, command, digest)
        uow.session.add(row)
    row.response = answer
    uow.commit()
    return answer


def purge_expired_keys(uow: UnitOfWork, table: type[IdempotencyColumns]) -> int:
    """Delete the keys older than KEY_LIFETIME (they would no longer replay); return how many."""
    result = uow.session.execute(
        delete(table).where(table.created_at <= uow.now() - KEY_LIFETIME)  # type: ignore[arg-type]
    )
    return int(getattr(result, "rowcount", 0) or 0)


class KeyedCommands:
    """A room's `idempotent`, bound to the room's key table."""

    def __init__(self, table: type[IdempotencyColumns], *, required: bool = False) -> None:
        self.table = table
        self.required = required

    def __call__(
        self, uow: UnitOfWork, key: str | None, command: str, body: Any, run: Callable[[], Any]
    ) -> Any:
        return idempotent(uow, self.table, key, command, body, run, required=self.required)

    def answer(
        self,
        uow: UnitOfWork,
        key: str | None,
        command: str,
        body: Any,
        run: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """Run a command whose answer is a JSON object."""
        return dict(self(uow, key, command, body, run))

    def typed(
        self,
        uow: UnitOfWork,
        key: str | None,
        command: str,
        body: Any,
        run: Callable[[], T],
        answer_type: Any,
    ) -> T:
        """Run a command whose answer is a pydantic model (or a list of them): stored as
        JSON, given back as `answer_type`, the same on the first call and on a replay."""
        if key is None and not self.required:
            return run()
        adapter: TypeAdapter[T] = TypeAdapter(answer_type)
        answer = self(uow, key, command, body, lambda: adapter.dump_python(run(), mode="json"))
        return adapter.validate_python(answer)

    def purge(self, uow: UnitOfWork) -> int:
        return purge_expired_keys(uow, self.table)
