"""Group commit for single commands from concurrent callers: one thread, one commit per group.

A command that must commit before its caller hears of it costs at least one commit; under
load most of a small command's time is that commit (and, on SQLite, the WAL frames and
checkpoints it brings). Concurrent callers instead hand their validated input and their actor
to one sequencer thread and wait on a future; the thread takes whatever is queued (up to
`max_group`, waiting up to `max_wait` seconds for more only while callers are arriving
together, so a lone caller is never delayed), runs the room's group step in one unit of work
(each item as its own caller, a refusal going back to that caller only), commits once, and
only then answers every caller: nobody hears of a result that could still roll back, and a
failure at commit fails the whole group.

The room supplies the step: `step(uow, items)` returns, per item in order, its result or the
`DomainError` that refused it, and commits. The registry files single filings this way
(`scf.registry.sequencer`), the certificates room single transfers
(`scf.certificates.sequencer`).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scf.core.actor import Actor
from scf.core.errors import DomainError
from scf.core.uow import UnitOfWork, request_id_var

MAX_GROUP = 256
MAX_WAIT = 0.002  # seconds a group waits for more callers, only while callers come together

I = TypeVar("I")  # noqa: E741 - the item a caller queues
R = TypeVar("R")  # its result


@dataclass
class _Job(Generic[I, R]):
    """A queued item and whom to answer: a thread's future, or a coroutine's future on its
    event loop (answered from that loop, one wake-up per loop and group)."""

    item: I
    future: Future[R] | None = None
    waiter: asyncio.Future[R] | None = None
    loop: asyncio.AbstractEventLoop | None = None


@dataclass
class SequencerStats:
    """What a sequencer did, for the benchmark and for operators."""

    groups: int = 0
    items: int = 0
    largest_group: int = 0


@contextmanager
def acting(uow: UnitOfWork, actor: Actor, request_id: str | None) -> Iterator[None]:
    """Run part of a group's unit of work as one caller: its actor (rights, audit user and
    organization) and its request id (audit entries, logs)."""
    previous, token = uow.actor, request_id_var.set(request_id)
    uow.actor = actor
    try:
        yield
    finally:
        uow.actor = previous
        request_id_var.reset(token)


class GroupCommitter(Generic[I, R]):
    """One thread that runs queued items through `step` in groups, one commit per group.

    A room subclasses it with its `step` (or passes one), its thread's `NAME` and the
    `LARGEST` group its step takes."""

    NAME = "sequencer"
    LARGEST: int | None = None

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        step: Callable[[UnitOfWork, Sequence[I]], Sequence[R | DomainError]] | None = None,
        *,
        max_group: int = MAX_GROUP,
        max_wait: float = MAX_WAIT,
    ) -> None:
        if not 1 <= max_group <= (self.LARGEST or max_group):
            raise ValueError(f"max_group must be 1 to {self.LARGEST}")
        self._uow_factory = uow_factory
        if step is not None:
            self.step = step  # type: ignore[method-assign,assignment]
        self.max_group = max_group
        self.max_wait = max_wait
        self.stats = SequencerStats()
        self._queue: queue.SimpleQueue[_Job[I, R] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def step(self, uow: UnitOfWork, items: Sequence[I]) -> Sequence[R | DomainError]:
        """Run a group in `uow` and commit; per item its result or its refusal."""
        raise NotImplementedError

    def submit(self, item: I) -> Future[R]:
        """Queue one item; the future holds its result or refusal after the group's commit."""
        future: Future[R] = Future()
        self._put(_Job(item, future=future))
        return future

    async def run_async(self, item: I) -> R:
        """Queue one item from a coroutine and await its result or refusal after the group's
        commit, without holding a thread (the way an async route waits)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[R] = loop.create_future()
        self._put(_Job(item, waiter=waiter, loop=loop))
        return await waiter

    def _put(self, job: _Job[I, R]) -> None:
        with self._lock:
            if self._stopped:
                raise RuntimeError(f"the {self.NAME} is stopped")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)
                self._thread.start()
            self._queue.put(job)

    def run(self, item: I, timeout: float | None = 60.0) -> R:
        """Queue and wait for the commit; raises the item's refusal or the group's error."""
        return self.submit(item).result(timeout)

    def close(self) -> None:
        """Stop taking items, run what is queued, and end the thread."""
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
            group, stop = self._gather(first, expect=last)
            self._commit(group)
            last = len(group)
            if stop:
                return

    def _gather(self, first: _Job[I, R], *, expect: int) -> tuple[list[_Job[I, R]], bool]:
        """Whatever is queued, up to `max_group`; then, while the group is smaller than the
        last one (its callers are still on their way back with their next items), waits up
        to `max_wait` for them. A lone caller is never delayed, and a group stops waiting
        as soon as the callers of the last one are in."""
        group = [first]
        want = min(expect, self.max_group)
        deadline = time.monotonic() + self.max_wait
        while len(group) < self.max_group:
            try:
                if len(group) < want:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    job = self._queue.get(timeout=remaining)
                else:
                    job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return group, True
            group.append(job)
        return group, False

    def _commit(self, group: list[_Job[I, R]]) -> None:
        live = [j for j in group if j.future is None or j.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            with self._uow_factory() as uow:
                outcomes: Sequence[R | BaseException] = self.step(uow, [j.item for j in live])
        except BaseException as exc:  # the whole group failed: nothing was committed
            self._answer(live, [exc] * len(live))
            if not isinstance(exc, Exception):
                raise
            return
        self.stats.groups += 1
        self.stats.items += len(live)
        self.stats.largest_group = max(self.stats.largest_group, len(live))
        self._answer(live, outcomes)

    @staticmethod
    def _answer(jobs: list[_Job[I, R]], outcomes: Sequence[R | BaseException]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[R], Any]]] = {}
        for j, outcome in zip(jobs, outcomes, strict=True):
            if j.future is not None:
                if isinstance(outcome, BaseException):
                    j.future.set_exception(outcome)
                else:
                    j.future.set_result(outcome)
            elif j.loop is not None and j.waiter is not None:
                by_loop.setdefault(j.loop, []).append((j.waiter, outcome))
        for loop, answers in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, answers)
            except RuntimeError:  # the loop closed meanwhile: nobody is waiting any more
                pass


def _deliver(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """On the waiters' event loop: hand each coroutine its result or refusal."""
    for waiter, outcome in answers:
        if waiter.done():  # the request was cancelled meanwhile
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)
