"""Group commit for single transfers from concurrent callers (`scf.core.sequencer`).

A transfer must be durable before its caller hears of it, so one transfer per transaction
caps transfers at one commit each, and on SQLite each commit writes the WAL frames of every
table and index a transfer touches. Concurrent transfer requests instead go to one thread
that runs whatever is queued as one group (`service.transfer_each`: a batch when none is
refused, else one savepoint each), commits once and only then answers every caller with its
own piece or its own refusal. The route `POST /certificate-pieces/{id}/transfer` uses it
unless the settings say `certificate_group_commit = False`; commands that transfer inside
their own transaction keep calling `service.transfer_piece`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from scf.certificates import service
from scf.certificates.tables import PieceRow
from scf.core.actor import Actor
from scf.core.errors import DomainError
from scf.core.sequencer import GroupCommitter
from scf.core.uow import UnitOfWork, request_id_var

if TYPE_CHECKING:
    from scf.config import Settings
    from scf.platform import Platform


class TransferSequencer(GroupCommitter[service.QueuedTransfer, PieceRow]):
    """One thread that runs queued single transfers in groups, one commit per group."""

    NAME = "certificate transfer sequencer"
    LARGEST = service.MAX_BATCH

    def step(
        self, uow: UnitOfWork, items: Sequence[service.QueuedTransfer]
    ) -> Sequence[PieceRow | DomainError]:
        return service.transfer_each(uow, items)

    def submit_transfer(self, actor: Actor, request: service.TransferRequest) -> Future[PieceRow]:
        """Queue a transfer as `actor` under the current request id; the future holds the
        recipient's piece, or the refusal, after the group's commit."""
        return self.submit(service.QueuedTransfer(actor, request, request_id_var.get()))

    async def transfer_async(self, actor: Actor, request: service.TransferRequest) -> PieceRow:
        """From a coroutine (the transfer route): await the recipient's piece, or the
        refusal, after the group's commit, holding no thread meanwhile."""
        return await self.run_async(service.QueuedTransfer(actor, request, request_id_var.get()))

    def transfer(
        self, actor: Actor, request: service.TransferRequest, timeout: float | None = 60.0
    ) -> PieceRow:
        """Transfer as `actor` and wait for the commit; the recipient's piece, or raises the
        transfer's refusal or the group's error."""
        return self.submit_transfer(actor, request).result(timeout)


SEQUENCER = "certificates.sequencer"


def enabled(settings: Settings) -> bool:
    """Whether the transfer route groups concurrent transfers (on unless the settings say
    `certificate_group_commit = False`)."""
    return settings.certificate_group_commit


def for_platform(platform: Platform) -> TransferSequencer:
    """The platform's transfer sequencer, started on first use, closed by `Platform.dispose`."""
    return platform.extension(SEQUENCER, lambda p: TransferSequencer(lambda: p.uow(Actor.system())))
