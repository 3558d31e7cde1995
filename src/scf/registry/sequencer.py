"""Group commit for single filings: an in-process sequencer, as transparency logs run one
(the mechanism is `scf.core.sequencer`).

Priority at commit with gapless sequence numbers holds the log lock through the durable
commit, so one filing per transaction caps single filings at one commit each. Concurrent
callers instead hand their validated input and their actor to one sequencer thread and wait
on a future; the thread takes whatever is queued (up to `max_group`, waiting up to
`max_wait` seconds for more while callers are arriving together), files them in one unit
of work as their own filers, a refusal going back to its caller only, commits once
(`service.file_registrations_each`), and only then answers every caller: a caller never
sees a number that could still roll back, and a failed commit fails the whole group.

Callers that must file inside their own transaction (financing, certificates) keep calling
`service.register_in` / `service.file_registration` with their unit of work; the sequencer
is for the registry's own single-filing route and command. Several processes may each run
one: the log row lock keeps their groups in a strict order.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from scf.core.actor import Actor
from scf.core.errors import DomainError
from scf.core.sequencer import GroupCommitter
from scf.core.uow import UnitOfWork, request_id_var
from scf.registry import service

if TYPE_CHECKING:
    from scf.config import Settings
    from scf.platform import Platform

MAX_GROUP = 256


class Sequencer(GroupCommitter[service.QueuedFiling, service.FilingResult]):
    """One thread that files queued single filings in groups, one commit per group."""

    NAME = "registry sequencer"
    LARGEST = service.MAX_BATCH

    def step(
        self, uow: UnitOfWork, items: Sequence[service.QueuedFiling]
    ) -> Sequence[service.FilingResult | DomainError]:
        return service.file_registrations_each(uow, items)

    def submit_filing(
        self, actor: Actor, data: service.FilingInput
    ) -> Future[service.FilingResult]:
        """Queue one filing as `actor`; the future holds its result or refusal after commit."""
        return self.submit(service.QueuedFiling(actor, data, request_id_var.get()))

    def file(
        self, actor: Actor, data: service.FilingInput, timeout: float | None = 60.0
    ) -> service.FilingResult:
        """File and wait for the commit; raises the filing's refusal or the group's error."""
        return self.submit_filing(actor, data).result(timeout)


SEQUENCER = "registry.sequencer"


def enabled(settings: Settings) -> bool:
    """Whether the registry's own single-filing route and command use the sequencer.

    On unless the settings say `registry_group_commit = False`; callers with their own unit
    of work never go through it.
    """
    return settings.registry_group_commit


def for_platform(platform: Platform) -> Sequencer:
    """The platform's sequencer, started on first use and closed by `Platform.dispose`."""
    return platform.extension(SEQUENCER, lambda p: Sequencer(lambda: p.uow(Actor.system())))
