"""Issue 5: certificate piece transfers per second, against the raw database in the same run.

SQLite: transfers in one thread vs a single-row update-and-commit loop in WAL mode (target
at least 10%). PostgreSQL: transfers from 4 threads vs pgbench's TPC-B-like run with 4
clients on the same server (target at least 30%). Each transfer is one unit of work: lock
the piece, check the trade background, split off nothing, create the recipient's piece,
consume the receivable, audit, commit.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.run import BenchContext, Figure
from scf.certificates import service as certs
from scf.config import Settings
from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.migrate import upgrade
from scf.core.money import Money
from scf.platform import Platform

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def _sqlite_baseline(path: Path, seconds: float) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER)")
    conn.execute("INSERT OR REPLACE INTO t VALUES (1, 0)")
    n = 0
    end = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        conn.execute("BEGIN")
        conn.execute("UPDATE t SET n = n + 1 WHERE id = 1")
        conn.execute("COMMIT")
        n += 1
    rate = n / (time.perf_counter() - started)
    conn.close()
    return rate


def _pgbench(url: str, seconds: int) -> float:
    u = make_url(url)
    env_args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or ""]
    db = u.database or ""
    subprocess.run(["pgbench", "-i", "-q", *env_args, db], check=True, capture_output=True)
    out = subprocess.run(
        ["pgbench", "-c", "4", "-j", "2", "-T", str(seconds), *env_args, db],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    m = re.search(r"tps = ([0-9.]+)", out)
    if not m:
        raise RuntimeError(f"pgbench printed no tps: {out}")
    return float(m.group(1))


def _setup(url: str, recipients: int, pieces_each: int) -> tuple[Platform, Actor, list[Any]]:
    """A core, a bank, one holder and `recipients` suppliers it owes; pieces to pass on."""
    from tests.factories import add_org, confirmed_receivable

    settings = Settings(database_url=url, secret_key=SECRET, calendar_dir=None, log_json=False)
    platform = Platform.create(settings, clock=FixedClock(datetime(2025, 3, 3, 2, tzinfo=UTC)))
    upgrade(platform.engine)
    core = add_org(platform, "core_enterprise", size_class="large")
    bank = add_org(platform, "bank")
    holder = add_org(platform, "supplier")
    targets = [add_org(platform, "supplier") for _ in range(recipients)]
    rec0 = confirmed_receivable(platform, holder, core, amount="90000000.00")
    recs = [confirmed_receivable(platform, t, holder, amount="90000000.00") for t in targets]
    with platform.uow(Actor(None, bank, frozenset({"bank"}))) as uow:
        line = certs.grant_line(uow, core, Money.of("100000000", "CNY"), date(2026, 1, 1))
    with platform.uow(Actor(None, core, frozenset({"core_enterprise"}))) as uow:
        total = recipients * pieces_each
        cert = certs.issue_certificate(
            uow,
            line_id=line.id,
            supplier_org_id=holder,
            receivable_ids=[rec0],
            face=Money.of(total * 100, "CNY"),
            maturity_on=date(2025, 8, 29),
        )
        (root,) = certs.pieces_of(uow, cert)
    holder_actor = Actor(None, holder, frozenset({"supplier"}))
    with platform.uow(holder_actor) as uow:
        parts = certs.split_piece(uow, root.id, [Money.of("100", "CNY")] * total)
        ids = [p.id for p in parts]
    jobs = [
        (targets[k], recs[k], ids[k * pieces_each : (k + 1) * pieces_each])
        for k in range(recipients)
    ]
    return platform, holder_actor, jobs


def _transfers(platform: Platform, holder: Actor, jobs: list[Any]) -> tuple[float, int]:
    errors: list[BaseException] = []

    def run(target: str, rec: str, pieces: list[str]) -> None:
        try:
            for pid in pieces:
                with platform.uow(holder) as uow:
                    certs.transfer_piece(uow, pid, target, receivable_id=rec)
        except BaseException as exc:  # report, do not hide, a failed run
            errors.append(exc)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    n = sum(len(j[2]) for j in jobs)
    return n / elapsed, n


def run(ctx: BenchContext) -> list[Figure]:
    figures: list[Figure] = []
    n = max(50, int(400 * ctx.scale))
    base_path = ctx.workdir / "cert_baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(base_path) + suffix).unlink(missing_ok=True)
    baseline = _sqlite_baseline(base_path, 3.0)
    platform, holder, jobs = _setup(ctx.sqlite_url("bench_certificates"), 1, n)
    try:
        rate, count = _transfers(platform, holder, jobs)
    finally:
        platform.dispose()
    figures.append(
        Figure(
            5,
            "certificate transfers/s (SQLite, 1 thread)",
            rate,
            "transfers/s",
            target=">= 10% of the WAL update-commit loop",
            baseline=baseline,
            baseline_name="SQLite WAL single-row update+commit/s",
            met=rate >= 0.10 * baseline,
            notes=f"{count} transfers",
        )
    )
    url = ctx.pg_database("bench_certificates")
    pgb = ctx.pg_database("bench_certificates_pgbench")
    if url and pgb:
        tps = _pgbench(pgb, 20)
        platform, holder, jobs = _setup(url, 4, n // 2)
        try:
            rate, count = _transfers(platform, holder, jobs)
        finally:
            platform.dispose()
        figures.append(
            Figure(
                5,
                "certificate transfers/s (PostgreSQL, 4 threads)",
                rate,
                "transfers/s",
                target=">= 30% of pgbench TPC-B, 4 clients",
                baseline=tps,
                baseline_name="pgbench -c 4 tps",
                met=rate >= 0.30 * tps,
                notes=f"{count} transfers",
            )
        )
    return figures
