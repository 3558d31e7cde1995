"""The group committer: groups queued items, answers threads and coroutines after the step,
a refusal reaches only its caller, a failed step fails the whole group."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import pytest

from scf.core.errors import Conflict, DomainError
from scf.core.sequencer import GroupCommitter

T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`asyncio.run` on a thread of its own: the browser tests' Playwright keeps an event loop
    running on the main thread for the whole session."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(make())))
    thread.start()
    thread.join(30)
    assert out, "the coroutine did not finish"
    return out[0]


class _Uow:
    def __enter__(self) -> _Uow:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def _committer(
    groups: list[list[int]], gate: threading.Event | None = None, **kw: Any
) -> GroupCommitter[int, int]:
    def step(_uow: Any, items: Sequence[int]) -> list[int | DomainError]:
        if gate is not None:
            gate.wait(5)
        groups.append(list(items))
        if 13 in items:
            raise RuntimeError("the commit failed")
        return [Conflict("odd", code="odd") if i % 2 else i * 10 for i in items]

    return GroupCommitter(_Uow, step, **kw)  # type: ignore[arg-type]


def test_threads_get_their_own_outcomes_and_queued_items_share_a_group() -> None:
    groups: list[list[int]] = []
    gate = threading.Event()
    seq = _committer(groups, gate)
    try:
        futures = [seq.submit(i) for i in range(8)]  # the first group waits at the gate
        gate.set()
        got: list[Any] = []
        for f in futures:
            try:
                got.append(f.result(5))
            except DomainError as exc:
                got.append(exc.code)
    finally:
        seq.close()
    assert got == [0, "odd", 20, "odd", 40, "odd", 60, "odd"]
    assert sum(len(g) for g in groups) == 8 and len(groups) < 8
    assert seq.stats.items == 8 and seq.stats.largest_group > 1


def test_coroutines_await_their_outcomes_and_a_failed_step_fails_its_group() -> None:
    groups: list[list[int]] = []
    seq = _committer(groups, max_wait=0.05)

    async def main() -> list[Any]:
        async def one(i: int) -> Any:
            try:
                return await seq.run_async(i)
            except DomainError as exc:
                return exc.code
            except RuntimeError as exc:
                return str(exc)

        return list(await asyncio.gather(*(one(i) for i in (2, 3, 4))))

    try:
        assert _run(main) == [20, "odd", 40]
        failed = _run(lambda: _failing(seq))  # 13 fails its whole group, 14 with it
    finally:
        seq.close()
    assert failed == ["the commit failed", "the commit failed"]


async def _failing(seq: GroupCommitter[int, int]) -> list[str]:
    gate = asyncio.Event()

    async def one(i: int) -> str:
        await gate.wait()
        try:
            await seq.run_async(i)
        except RuntimeError as exc:
            return str(exc)
        return "committed"

    tasks = [asyncio.ensure_future(one(i)) for i in (13, 14)]
    await asyncio.sleep(0)
    gate.set()
    return list(await asyncio.gather(*tasks))


def test_a_cancelled_coroutine_does_not_stop_the_others() -> None:
    groups: list[list[int]] = []
    gate = threading.Event()
    seq = _committer(groups, gate)

    async def main() -> Any:
        first = asyncio.ensure_future(seq.run_async(0))
        second = asyncio.ensure_future(seq.run_async(2))
        await asyncio.sleep(0.01)
        first.cancel()
        gate.set()
        return await second

    try:
        assert _run(main) == 20
    finally:
        seq.close()
    assert [i for g in groups for i in g] == [0, 2]


def test_a_closed_committer_takes_nothing() -> None:
    seq = _committer([])
    seq.close()
    with pytest.raises(RuntimeError, match="stopped"):
        seq.submit(1)
