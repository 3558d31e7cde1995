"""The last use of tokens, written by one thread of the process so that no request waits for it.

Authentication only reads. When a token's last use is due (`users.seen_due`, at most every few
minutes per token), the request hands the token to this writer and goes on; the writer gathers
what queued meanwhile into one short transaction. A write that fails (the database busy for
longer than its timeout) is only logged: the last use is a hint for people, not a record.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from scf.core.uow import UnitOfWork
from scf.parties.users import note_seen

log = logging.getLogger("scf.parties")

SEEN_WRITER = "parties.seen_writer"
_STOP = ""


class SeenWriter:
    """A queue of token ids and the thread that writes their last use."""

    def __init__(self, make_uow: Callable[[], UnitOfWork]) -> None:
        self._make_uow = make_uow
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="scf-seen-writer", daemon=True)
        self._thread.start()

    def note(self, token_id: str) -> None:
        self._queue.put(token_id)

    def _run(self) -> None:
        while True:
            ids = {self._queue.get()}
            while True:
                try:
                    ids.add(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = _STOP in ids
            ids.discard(_STOP)
            if ids:
                try:
                    with self._make_uow() as uow:
                        note_seen(uow, ids)
                except SQLAlchemyError:
                    log.warning(
                        "could not write the last use of %d tokens", len(ids), exc_info=True
                    )
            if stop:
                return

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._queue.put(_STOP)
        self._thread.join(timeout=10)
