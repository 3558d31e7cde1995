"""`scf institutions`: the jobs of the institutions room run without an HTTP call."""

from __future__ import annotations

import json

from scf.cli_common import command_group, create_platform

app = command_group("Institutions: NPL tolerance tracking of the supply chain finance units")


@app.callback()
def institutions() -> None:
    """Institutions: NPL tolerance tracking of the supply chain finance units."""


@app.command("npl-run")
def npl_run() -> None:
    """Compare every unit's and product's NPL ratio with its tolerance, raise the alerts of
    those near or past it (once per state) and resolve those back within; prints the alerts
    raised as JSON (the scheduler runs the same job hourly)."""
    from scf.core.actor import Actor
    from scf.institutions import service as institutions

    p = create_platform()
    with p.uow(Actor.system()) as uow:
        raised = [institutions.npl_alert_dict(a) for a in institutions.npl_run(uow)]
    print(json.dumps(raised, ensure_ascii=False, default=str))
