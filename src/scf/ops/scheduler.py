"""The scheduler: the jobs one actor must run alone, run by whichever scheduler leads.

Several schedulers may run (one per machine, for failover); the one holding the advisory lock
`scf.scheduler` (scf.core.leader) runs the jobs that are due, and the others wait for it to
go. When each job last ran is stored (`ops_scheduler_jobs`), so a scheduler that takes over
does not run again a job its predecessor has just run. The jobs are safe to run twice (a
tree head is signed only if the log grew, a certificate marked overdue stays so, an NPL alert
is raised once per state, a purged key is gone, a partition is created once), so a leader
that dies between a job and its record costs one repeat, nothing more.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from scf.certificates import service as certificates
from scf.core.actor import Actor
from scf.core.leader import Leadership
from scf.core.uow import UnitOfWork
from scf.events import service as events
from scf.financing import service as financing
from scf.institutions import service as institutions
from scf.ops.partitions import ensure_months
from scf.ops.tables import SchedulerJobRow
from scf.platform import Platform
from scf.registry import service as registry
from scf.trade import service as trade

log = logging.getLogger("scf.ops.scheduler")

LEADER_LOCK = "scf.scheduler"


@dataclass(frozen=True)
class Job:
    """A job: its name, how often it runs, and what it does in a unit of work (it commits)."""

    name: str
    every: timedelta
    run: Callable[[UnitOfWork], dict[str, Any]]


def sign_tree_head(uow: UnitOfWork) -> dict[str, Any]:
    head = registry.latest_tree_head(uow)
    return {"tree_size": head["tree_size"]}


def certificate_maturity(uow: UnitOfWork) -> dict[str, Any]:
    return {"alerts": len(certificates.run_maturity(uow))}


def financing_overdue(uow: UnitOfWork) -> dict[str, Any]:
    return {"overdue": len(financing.run_overdue(uow))}


def institutions_npl(uow: UnitOfWork) -> dict[str, Any]:
    """Every unit's NPL ratio against its tolerance: alerts raised and resolved."""
    return {"raised": len(institutions.npl_run(uow))}


def purge(uow: UnitOfWork) -> dict[str, Any]:
    """Expired Idempotency-Keys of every room and the consumers' old inbox rows."""
    counts = {
        "certificates": certificates.idempotent.purge(uow),
        "financing": financing.purge_expired_keys(uow),
        "registry": registry.idempotent.purge(uow),
        "trade": trade.idempotent.purge(uow),
        "event_inbox": events.purge_inbox(uow),
    }
    uow.commit()
    return counts


def partitions(uow: UnitOfWork) -> dict[str, Any]:
    """The coming months' partitions of the audit log."""
    made = ensure_months(uow.session.connection(), uow.today())
    uow.commit()
    return {"created": made}


JOBS: tuple[Job, ...] = (
    Job("registry.sign_tree_head", timedelta(minutes=1), sign_tree_head),
    Job("certificates.maturity", timedelta(hours=1), certificate_maturity),
    Job("financing.overdue", timedelta(hours=1), financing_overdue),
    Job("institutions.npl", timedelta(hours=1), institutions_npl),
    Job("purge", timedelta(days=1), purge),
    Job("partitions", timedelta(days=1), partitions),
)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Scheduler:
    """Run the due jobs on every tick while this scheduler leads."""

    platform: Platform
    jobs: tuple[Job, ...] = JOBS
    holder: str = field(default_factory=holder_name)
    leadership: Leadership | None = None

    def __post_init__(self) -> None:
        if self.leadership is None:
            self.leadership = Leadership(self.platform.engine, LEADER_LOCK)

    @property
    def leads(self) -> bool:
        return self.leadership is not None and self.leadership.held

    def tick(self) -> list[str]:
        """Run every job that is due, if this scheduler leads; the names of those run."""
        assert self.leadership is not None
        if not self.leadership.acquire():
            return []
        ran = []
        for job in self.jobs:
            if self._due(job):
                self._run(job)
                ran.append(job.name)
        return ran

    def _due(self, job: Job) -> bool:
        with self.platform.uow(Actor.system(), reading=True) as uow:
            row = uow.session.get(SchedulerJobRow, job.name)
            return row is None or uow.now() - row.last_run_at >= job.every

    def _run(self, job: Job) -> None:
        try:
            with self.platform.uow(Actor.system()) as uow:
                result = job.run(uow)
        except Exception as exc:  # one failing job must not stop the others
            log.exception("job %s failed", job.name)
            result = {"error": type(exc).__name__}
        with self.platform.uow(Actor.system()) as uow:
            row = uow.session.get(SchedulerJobRow, job.name, with_for_update=True)
            if row is None:
                row = SchedulerJobRow(name=job.name, runs=0)
                uow.session.add(row)
            row.last_run_at = uow.now()
            row.last_holder = self.holder
            row.last_result = result
            row.runs += 1
            uow.commit()
        log.info("job %s ran", job.name, extra={"fields": result})

    def run(self, stop: threading.Event, every: float = 5.0) -> None:
        """Tick until told to stop, then give the leadership up."""
        assert self.leadership is not None
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:  # the scheduler must survive to try again
                    log.exception("scheduler tick failed; it will retry")
                stop.wait(every)
        finally:
            self.leadership.release()


def job_runs(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every job's last run: when, by which scheduler, its result, how many runs."""
    rows = uow.session.scalars(select(SchedulerJobRow).order_by(SchedulerJobRow.name))
    return [
        {
            "name": r.name,
            "last_run_at": r.last_run_at.isoformat(),
            "last_holder": r.last_holder,
            "last_result": r.last_result,
            "runs": r.runs,
        }
        for r in rows
    ]
