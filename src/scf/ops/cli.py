"""`scf ops`: the scheduler, and what its jobs did."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated, Any

import typer

from scf.cli_common import command_group, create_platform

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
