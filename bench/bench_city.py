"""A city day's mix under load: Locust against three API instances, the relay and two workers.

The topology of `make city` (city/Procfile) on PostgreSQL and the local NATS, started here on
ports of its own (pgbouncer left out: the bench reaches PostgreSQL directly), loaded by
`bench.city_load` at two rates for a few seconds each; per operation: requests, failures,
p50/p95/p99, and whether every interactive operation kept p99 under 300 ms. Also the relay's
lag after the load (audit entries not yet in the stream). Brief here: the machine is shared.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from bench.run import BenchContext, Figure

ISSUE = 24
PORTS = (8301, 8302, 8303)
RATES = (4, 12)  # concurrent users
SECONDS = 12.0
P99_TARGET_MS = 300.0
PASSWORD = "city-bench-password-0123"


def _nats_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 4222), 1):
            return True
    except OSError:
        return False


def _seed(url: str) -> dict[str, Any]:
    from scf.config import Settings
    from scf.core.actor import Actor
    from scf.core.migrate import upgrade
    from scf.core.money import Money
    from scf.parties import service as parties
    from scf.parties.model import make_uscc
    from scf.platform import Platform

    p = Platform.create(Settings(database_url=url, secret_key="b" * 40, log_json=False))
    upgrade(p.engine)
    out: dict[str, Any] = {"password": PASSWORD, "users": {}}
    for n, role in enumerate(("supplier", "bank", "regulator")):
        with p.uow(Actor.system()) as uow:
            org = parties.register_organization(
                uow,
                parties.OrganizationInput(
                    uscc=make_uscc(f"91440300{900000 + n:09d}"),
                    name=f"城市压测{role}有限公司",
                    district="nanshan",
                    roles=[role],
                    size_class="small",
                    founded_on=date(2015, 6, 1),
                    registered_capital=Money.of("5000000", "CNY"),
                    chain_tags=[],
                    licence_no="LIC-CITY" if role == "bank" else None,
                ),
            )
            out[role], uscc = org.id, org.uscc
        if role == "bank":
            with p.uow(Actor(None, None, frozenset({"regulator"}), "regulator")) as uow:
                parties.add_list_entry(uow, "white", org.id, "licensed")
        with p.uow(Actor.system()) as uow:
            user = parties.create_user(uow, org.id, f"city-{role}", PASSWORD, is_admin=True)
            out["users"][role] = user.username
        if role == "supplier":
            out["supplier_uscc"] = uscc
    p.dispose()
    return out


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "scf.cli", *args],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _ready(port: int, seconds: float = 300.0) -> bool:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def _load(hosts: str, users: int, accounts: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.city_load",
            "--hosts",
            hosts,
            "--users",
            str(users),
            "--seconds",
            str(SECONDS),
            "--accounts",
            str(accounts),
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 180,
        check=True,
    )
    stats: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return stats


def _relay_lag(url: str, env: dict[str, str]) -> int:
    from sqlalchemy import create_engine, func, select

    from scf.core.audit import AuditEntry
    from scf.events.stream import StreamSpec, connect, last_relayed

    engine = create_engine(url)
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(AuditEntry.id))).scalar() or 0
    engine.dispose()
    spec = StreamSpec(env["SCF_EVENTS_URL"], env["SCF_EVENTS_STREAM"], env["SCF_EVENTS_SUBJECT"])

    async def relayed() -> int:
        nc, js = await connect(spec, "bench")
        try:
            return await last_relayed(js, spec)
        finally:
            await nc.close()

    return int(newest - asyncio.run(relayed()))


def _drop_stream(env: dict[str, str]) -> None:
    """The bench's own stream goes with the run, whatever became of it."""
    import nats
    from nats.js.errors import NotFoundError

    async def drop() -> None:
        nc = await nats.connect(env["SCF_EVENTS_URL"], connect_timeout=2)
        try:
            await nc.jetstream().delete_stream(env["SCF_EVENTS_STREAM"])
        except NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(drop())


def run(ctx: BenchContext) -> list[Figure]:
    url = ctx.pg_database("scf_bench_city")
    if url is None or not _nats_up():
        return [Figure(ISSUE, "city load", 0, "", notes="needs PostgreSQL and NATS on 4222")]
    accounts = ctx.workdir / "city-accounts.json"
    accounts.write_text(json.dumps(_seed(url)))
    tag = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCF_")}
    env.update(
        SCF_DATABASE_URL=url,
        SCF_SECRET_KEY="b" * 40,
        SCF_LOG_JSON="true",
        SCF_EVENTS_URL="nats://127.0.0.1:4222",
        SCF_EVENTS_STREAM=f"SCF_BENCH_{tag}",
        SCF_EVENTS_SUBJECT=f"scfbench.{tag}",
        SCF_CALENDAR_DIR=str(ctx.workdir / "calendar"),
    )
    log = ctx.workdir / "city.log"
    procs = [_start(env, log, "serve", "--port", str(port), "--no-risk-follow") for port in PORTS]
    figures: list[Figure] = []
    try:
        if not all(_ready(port) for port in PORTS):
            return [Figure(ISSUE, "city load", 0, "", notes=f"the APIs did not start; see {log}")]
        procs += [_start(env, log, "events", "relay")]
        procs += [_start(env, log, "events", "work") for _ in range(2)]
        hosts = ",".join(f"http://127.0.0.1:{port}" for port in PORTS)
        for users in RATES:
            stats = _load(hosts, users, accounts)
            figures.extend(_figures(stats, users))
        time.sleep(3.0)
        figures.append(
            Figure(ISSUE, "city: relay lag 3 s after the load", _relay_lag(url, env), "entries")
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        _drop_stream(env)
    return figures


def _figures(stats: dict[str, Any], users: int) -> list[Figure]:
    total = stats.pop("_total")
    out = []
    worst = 0.0
    for name, s in stats.items():
        worst = max(worst, float(s["p99_ms"]))
        out.append(
            Figure(
                ISSUE,
                f"city {users} users: {name} p99",
                float(s["p99_ms"]),
                "ms",
                target=f"< {P99_TARGET_MS:.0f} ms",
                met=float(s["p99_ms"]) < P99_TARGET_MS,
                extra={k: s[k] for k in ("requests", "failures", "rps", "p50_ms", "p95_ms")},
            )
        )
    out.append(
        Figure(
            ISSUE,
            f"city {users} users: throughput of the mix",
            float(total["rps"]),
            "req/s",
            met=worst < P99_TARGET_MS and total["failures"] == 0,
            notes=f"{total['requests']} requests, {total['failures']} failed; "
            f"worst p99 {worst:.0f} ms",
        )
    )
    return out
