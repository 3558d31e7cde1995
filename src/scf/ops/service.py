"""Use cases of operations: the scheduler and its jobs (`scheduler`), the monthly partitions on
PostgreSQL (`partitions`)."""

from __future__ import annotations

from scf.ops.partitions import (
    TABLES,
    create_month,
    detach_month,
    ensure_months,
    is_partitioned,
    partition_name,
    partitions_of,
)
from scf.ops.scheduler import JOBS, LEADER_LOCK, Job, Scheduler, job_runs

__all__ = [
    "JOBS",
    "LEADER_LOCK",
    "TABLES",
    "Job",
    "Scheduler",
    "create_month",
    "detach_month",
    "ensure_months",
    "is_partitioned",
    "job_runs",
    "partition_name",
    "partitions_of",
]
