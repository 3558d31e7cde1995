"""Group commit for single filings: an in-process sequencer, as transparency logs run one.

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

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scf.core.actor import Actor
from scf.core.uow import UnitOfWork, request_id_var
from scf.registry import service

if TYPE_CHECKING:
    from scf.config import Settings
    from scf.platform import Platform

MAX_GROUP = 256
MAX_WAIT = 0.002  # seconds a group waits for more callers, only while callers come together


@dataclass
class _Job:
    item: service.QueuedFiling
    future: Future[service.FilingResult] = field(default_factory=Future)


@dataclass
class SequencerStats:
    """What the sequencer did, for the benchmark and for operators."""

    groups: int = 0
    filings: int = 0
    largest_group: int = 0


class Sequencer:
    """One thread that files queued single filings in groups, one commit per group."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        max_group: int = MAX_GROUP,
        max_wait: float = MAX_WAIT,
    ) -> None:
        if not 1 <= max_group <= service.MAX_BATCH:
            raise ValueError(f"max_group must be 1 to {service.MAX_BATCH}")
        self._uow_factory = uow_factory
        self.max_group = max_group
        self.max_wait = max_wait
        self.stats = SequencerStats()
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(self, actor: Actor, data: service.FilingInput) -> Future[service.FilingResult]:
        """Queue one filing as `actor`; the future holds its result or refusal after commit."""
        job = _Job(service.QueuedFiling(actor, data, request_id_var.get()))
        with self._lock:
            if self._stopped:
                raise RuntimeError("the registry sequencer is stopped")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="registry-sequencer", daemon=True
                )
                self._thread.start()
            self._queue.put(job)
        return job.future

    def file(
        self, actor: Actor, data: service.FilingInput, timeout: float | None = 60.0
    ) -> service.FilingResult:
        """File and wait for the commit; raises the filing's refusal or the group's error."""
        return self.submit(actor, data).result(timeout)

    def close(self) -> None:
        """Stop taking filings, file what is queued, and end the thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            thread = self._thread
            self._queue.put(None)
        if thread is not None:
            thread.join()

    # ------------------------------------------------------------ the thread

    def _run(self) -> None:
        last = 1
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stop = self._gather(first, wait=last > 1)
            self._file(group)
            last = len(group)
            if stop:
                return

    def _gather(self, first: _Job, *, wait: bool) -> tuple[list[_Job], bool]:
        """Whatever is queued, up to `max_group`; waits for more only if the last group had
        company (a lone caller is never delayed)."""
        group = [first]
        deadline = time.monotonic() + self.max_wait if wait else 0.0
        while len(group) < self.max_group:
            try:
                remaining = deadline - time.monotonic()
                job = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if job is None:
                return group, True
            group.append(job)
        return group, False

    def _file(self, group: list[_Job]) -> None:
        live = [j for j in group if j.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            with self._uow_factory() as uow:
                outcomes = service.file_registrations_each(uow, [j.item for j in live])
        except BaseException as exc:  # the whole group failed: nothing was committed
            for j in live:
                j.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        self.stats.groups += 1
        self.stats.filings += len(live)
        self.stats.largest_group = max(self.stats.largest_group, len(live))
        for j, outcome in zip(live, outcomes, strict=True):
            if isinstance(outcome, service.FilingResult):
                j.future.set_result(outcome)
            else:
                j.future.set_exception(outcome)


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
