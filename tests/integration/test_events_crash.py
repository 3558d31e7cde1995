"""Kill -9 the relay and a worker mid-stream (real processes); after their restart every entry
has taken effect exactly once: the counts equal the log, one inbox row per entry and consumer,
and the stream holds the log once, in id order."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scf.core.audit import AuditEntry
from scf.platform import Platform
from tests.integration.events_helpers import (
    needs_nats,
    needs_postgres,
    pg_events,
    settings_env,
    stream_ids,
    write_entries,
)
from tests.integration.test_events_consumers import counts, inbox

pytestmark = [needs_postgres, needs_nats, pytest.mark.slow, pytest.mark.own_process]
__all__ = ["pg_events"]

TOTAL = 300
CONSUMERS = ("counters", "notifications", "risk")


def _start(p: Platform, tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    log = (tmp_path / f"{args[0]}-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "scf.cli", "events", *args],
        env=settings_env(p.settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _wait(what: str, done: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_relay_and_worker_killed_mid_stream_lose_and_repeat_nothing(
    pg_events: Platform, tmp_path: Path
) -> None:
    p = pg_events
    writer = threading.Thread(target=write_entries, args=(p, TOTAL // 2), kwargs={"per_commit": 2})
    writer.start()
    relay = _start(p, tmp_path, "relay", "--batch", "20")
    worker = _start(p, tmp_path, "work", "--batch", "10")
    procs = [relay, worker]
    try:
        _wait("the worker to be under way", lambda: sum(counts(p).values()) >= 20, 60)
        _kill(relay)
        _kill(worker)  # mid-stream: entries fetched, some handled, some not acknowledged
        mid = sum(counts(p).values())
        writer.join()
        write_entries(p, TOTAL - TOTAL // 2, start=TOTAL // 2, per_commit=3)
        relay = _start(p, tmp_path, "relay", "--batch", "20")
        worker = _start(p, tmp_path, "work", "--batch", "10")
        procs = [relay, worker]
        _wait(
            "every entry to be handled by every consumer",
            lambda: all(inbox(p, c) >= TOTAL for c in CONSUMERS),
            120,
        )
    finally:
        writer.join()
        for proc in procs:
            _stop(proc)

    with p.uow(reading=True) as uow:
        ids = list(uow.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
        logged = uow.session.scalar(select(func.count()).select_from(AuditEntry))
    assert logged == TOTAL and mid >= 20
    assert counts(p) == {
        "demo.filed": TOTAL // 3,
        "demo.checked": TOTAL // 3,
        "demo.closed": TOTAL // 3,
    }
    assert all(inbox(p, c) == TOTAL for c in CONSUMERS)
    assert asyncio.run(stream_ids(p)) == ids  # each entry once, in id order
