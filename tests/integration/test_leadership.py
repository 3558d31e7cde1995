"""Leadership on a PostgreSQL advisory lock: of two schedulers one runs the jobs; when it dies
the other takes over without running again what was just run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.leader import Leadership
from scf.ops import service as ops
from scf.ops.tables import SchedulerJobRow
from scf.platform import Platform
from tests.conftest import PG_URL, TEST_SECRET, empty_database

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="SCF_TEST_DATABASE_URL is not set: leadership is proven on PostgreSQL"
)


def _job(name: str, every: timedelta, calls: list[str]) -> ops.Job:
    def run(uow: Any) -> dict[str, Any]:
        calls.append(name)
        uow.audit("ops.test.ran", "job", name)
        uow.commit()
        return {"ok": True}

    return ops.Job(name, every, run)


@pytest.fixture
def two_platforms(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> Iterator[tuple[Platform, Platform]]:
    from scf.config import Settings

    url = empty_database(request, "postgresql", tmp_path)
    settings = Settings(database_url=url, secret_key=TEST_SECRET, calendar_dir=tmp_path / "c")
    a = Platform.create(settings, clock=clock)
    b = Platform.create(settings, clock=clock)
    try:
        yield a, b
    finally:
        a.dispose()
        b.dispose()


def test_one_lock_one_leader_and_the_lock_passes_when_its_session_ends(
    two_platforms: tuple[Platform, Platform],
) -> None:
    a, b = two_platforms
    first, second = Leadership(a.engine, "scf.test.lock"), Leadership(b.engine, "scf.test.lock")
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()  # kept
    first.release()
    assert second.acquire()
    assert not first.acquire()
    second.release()


def test_two_schedulers_run_each_job_once_and_the_standby_takes_over(
    two_platforms: tuple[Platform, Platform], clock: FixedClock
) -> None:
    a, b = two_platforms
    calls: list[str] = []
    jobs = (
        _job("often", timedelta(minutes=1), calls),
        _job("daily", timedelta(days=1), calls),
    )
    one = ops.Scheduler(a, jobs=jobs, holder="one")
    two = ops.Scheduler(b, jobs=jobs, holder="two")
    for _ in range(5):
        one.tick()
        assert two.tick() == []  # the standby waits
        clock.advance(timedelta(seconds=30))
    # five ticks 30 s apart: "often" ran at 0, 60, 120 s; "daily" once; all by the leader
    assert calls.count("often") == 3 and calls.count("daily") == 1
    assert _holders(a) == {"often": "one", "daily": "one"}
    leader, standby = one, two

    # the leader's process dies: its database session ends, and the lock with it
    with b.engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
        conn.commit()
    clock.advance(timedelta(seconds=5))
    assert standby.tick() == []  # "often" ran 5 s ago: nothing is due, none repeated
    clock.advance(timedelta(seconds=60))
    assert standby.tick() == ["often"]
    assert leader.tick() == []  # the old leader finds the lock taken
    assert _holders(a)["often"] == standby.holder
    assert calls.count("often") == 4 and calls.count("daily") == 1
    standby.leadership.release()  # type: ignore[union-attr]


def _holders(p: Platform) -> dict[str, str]:
    with p.uow(Actor.system(), reading=True) as uow:
        return {r.name: r.last_holder for r in uow.session.scalars(select(SchedulerJobRow))}
