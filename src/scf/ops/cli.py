"""`scf ops`: the scheduler, and what its jobs did."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated, Any

import typer

from scf.cli_common import command_group, create_platform, fail

app = command_group("Operations: the scheduler that runs the platform's jobs")


@app.command("scheduler")
def scheduler_cmd(
    every: Annotated[float, typer.Option(min=0.1, help="seconds between ticks")] = 5.0,
) -> None:
    """Run the due jobs while this scheduler leads; wait for the leader to go otherwise."""
    from scf.api import configure_logging
    from scf.ops import service as ops

    p = create_platform()
    configure_logging(p.settings.log_json)
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        ops.Scheduler(p).run(stop, every=every)
    finally:
        p.dispose()


@app.command("jobs")
def jobs_cmd() -> None:
    """Each job's last run (when, by which scheduler, its result) and how many runs, as JSON."""
    from scf.ops import service as ops

    p = create_platform()
    try:
        with p.uow(reading=True) as uow:
            print(json.dumps(ops.job_runs(uow), indent=2, ensure_ascii=False))
    finally:
        p.dispose()


@app.command("partitions")
def partitions_cmd(
    ahead: Annotated[int, typer.Option(min=0, max=36, help="months to create ahead")] = 3,
) -> None:
    """Create this month's and the coming months' partitions; list every partition, as JSON."""
    from scf.ops import service as ops

    p = create_platform()
    try:
        with p.engine.begin() as conn:
            made = ops.ensure_months(conn, p.clock.now().date(), ahead)
            listed = {t.table: ops.partitions_of(conn, t.table) for t in ops.TABLES}
        print(json.dumps({"created": made, "partitions": listed}, indent=2))
    finally:
        p.dispose()


@app.command("detach")
def detach_cmd(
    table: Annotated[str, typer.Argument(help="audit_log")],
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
) -> None:
    """Detach a month's partition: it stays a table of its own, to archive and then drop."""
    from datetime import date

    from scf.core.errors import DomainError, InvalidInput
    from scf.ops import service as ops

    p = create_platform()
    try:
        try:
            year, mon = (int(x) for x in month.split("-"))
            first = date(year, mon, 1)
        except ValueError:
            fail(InvalidInput("a month as YYYY-MM, e.g. 2025-01", field="month", code="bad_month"))
        try:
            with p.engine.begin() as conn:
                print(ops.detach_month(conn, table, first))
        except DomainError as exc:
            fail(exc)
    finally:
        p.dispose()
