"""Use cases of operations: the scheduler and its jobs (`scheduler`), the leadership it holds."""

from __future__ import annotations

from scf.ops.scheduler import JOBS, LEADER_LOCK, Job, Scheduler, job_runs

__all__ = ["JOBS", "LEADER_LOCK", "Job", "Scheduler", "job_runs"]
