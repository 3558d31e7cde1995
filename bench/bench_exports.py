"""Supervision exports of the demo set: the XLSX workbook through the HTTP API, against the CSV.

The demo set (`scf demo`: the simulator's small Shenzhen set) is loaded once into SQLite through
the platform's services; then the regulator downloads the indicators as CSV and as XLSX,
interleaved, through the real routes (authentication, the read snapshot, the workbook). The
figure is the median wall time of the XLSX downloads; the CSV download of the same run is its
baseline. A writer holds the write lock during one extra round, to show that the export does
not wait for it.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from bench.run import BenchContext, Figure

ISSUE = 16
TARGET_S = 5.0
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "bench-password-2026"


def _timed(client: Any, path: str, headers: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = client.get(path, headers=headers)
    took = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
    return took


def _regulator_headers(platform: Any, client: Any) -> dict[str, str]:
    """Log in as a user of the demo set's regulator (made once per database)."""
    from sqlalchemy import select

    from scf.core.actor import Actor
    from scf.core.errors import Conflict
    from scf.parties import service as parties
    from scf.parties.tables import OrganizationRow

    with platform.uow(Actor.system()) as uow:
        orgs = uow.session.scalars(select(OrganizationRow).order_by(OrganizationRow.id))
        org = next(o for o in orgs if "regulator" in o.roles)
        try:
            parties.create_user(uow, org.id, "bench.regulator", PASSWORD)
        except Conflict:
            pass  # made by an earlier run on the same database
    r = client.post(
        "/api/v1/auth/login", json={"username": "bench.regulator", "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {r.json()['token']}"}


def run(ctx: BenchContext) -> list[Figure]:
    from fastapi.testclient import TestClient

    from scf.api import create_app
    from scf.config import Settings
    from scf.core.actor import Actor
    from scf.core.migrate import upgrade
    from scf.demo import load_demo
    from scf.platform import Platform

    url = ctx.sqlite_url("exports")
    settings = Settings(database_url=url, secret_key=SECRET, calendar_dir=None, log_json=False)
    platform = Platform.create(settings)
    try:
        upgrade(platform.engine)
        t0 = time.perf_counter()
        load_demo(platform)
        load_s = time.perf_counter() - t0
        rounds = max(3, int(7 * ctx.scale))
        csv_s: list[float] = []
        xlsx_s: list[float] = []
        with TestClient(create_app(platform)) as client:
            headers = _regulator_headers(platform, client)
            base = "/api/v1/supervision/exports/indicators"
            _timed(client, base + ".xlsx", headers)  # warm the imports (openpyxl)
            for _ in range(rounds):
                csv_s.append(_timed(client, base + ".csv", headers))
                xlsx_s.append(_timed(client, base + ".xlsx", headers))
            locked_s = _export_while_a_writer_holds_the_lock(platform, client, base, headers)
        with platform.uow(Actor.system()) as uow:
            from sqlalchemy import func, select

            from scf.parties.tables import OrganizationRow

            orgs = uow.session.scalar(select(func.count()).select_from(OrganizationRow))
    finally:
        platform.dispose()
    value = statistics.median(xlsx_s)
    return [
        Figure(
            ISSUE,
            "XLSX export of the demo set's indicators (median wall time, HTTP API, SQLite)",
            value,
            "s",
            f"< {TARGET_S:g} s",
            baseline=statistics.median(csv_s),
            baseline_name="CSV export, same run",
            met=value < TARGET_S and locked_s < TARGET_S,
            notes=(
                f"{rounds} rounds of CSV then XLSX on the demo set ({orgs} organizations, loaded "
                f"in {load_s:.0f} s); slowest XLSX {max(xlsx_s):.2f} s; one XLSX export while a "
                f"writer held the write lock took {locked_s:.2f} s"
            ),
        )
    ]


def _export_while_a_writer_holds_the_lock(
    platform: Any, client: Any, base: str, headers: dict[str, str]
) -> float:
    """Time one XLSX export while another connection holds the write lock for 10 s."""
    from sqlalchemy import text

    from scf.core.actor import Actor

    held = threading.Event()
    done = threading.Event()

    def writer() -> None:
        with platform.uow(Actor.system()) as uow:
            uow.session.execute(text("UPDATE organizations SET phone = phone"))
            held.set()
            done.wait(timeout=10)

    t = threading.Thread(target=writer)
    t.start()
    held.wait(timeout=30)
    try:
        return _timed(client, base + ".xlsx", headers)
    finally:
        done.set()
        t.join()
