"""Issue 5: certificate piece transfers per second, against the raw database in the same run.

SQLite: transfers vs a single-row update-and-commit loop in WAL mode, on the platform's own
pragmas (target at least 10%). PostgreSQL: transfers from 4 processes of the platform (and,
for comparison, 4 threads of one) vs pgbench's TPC-B-like run with 4 clients, at scale 4,
on the same server (target at least 30%). Each transfer spends the piece (checked in the
UPDATE's WHERE), reads the recipient, consumes the receivable through the trade room, and
inserts the recipient's piece, the receivable's use and the audit rows.

The SQLite figures: the transfer route's own path, single transfers from 16 concurrent
callers grouped by the transfer sequencer (one commit per group, `scf.certificates.sequencer`);
the batch route's path, 100 transfers to a request (`transfer_pieces`); and one transfer per
commit, the direct path, with the SQL of one transfer replayed on a bare sqlite3 connection,
which bounds what any application code could reach at one transfer per commit: the WAL
frames a transfer writes, and the checkpoints they bring, cost more than the baseline's
whole transaction.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import statistics
import subprocess
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.run import BenchContext, Figure
from scf.certificates import service as certs
from scf.config import Settings
from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.db import DriverStatement
from scf.core.ids import new_id
from scf.core.migrate import upgrade
from scf.core.money import Money
from scf.platform import Platform

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def _sqlite_baseline(path: Path, seconds: float) -> float:
    """The raw loop, on the pragmas and BEGIN the platform's engine uses (scf.core.db)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER)")
    conn.execute("INSERT OR REPLACE INTO t VALUES (1, 0)")
    n = 0
    end = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE t SET n = n + 1 WHERE id = 1")
        conn.execute("COMMIT")
        n += 1
    rate = n / (time.perf_counter() - started)
    conn.close()
    return rate


def _pgbench(url: str, seconds: int, clients: int) -> float:
    """pgbench's TPC-B-like run over TCP on the server and with the clients the app uses.

    The scale factor equals the clients, as pgbench's manual asks: at scale 1 every client
    updates the one branch row and the baseline measures that lock, not the server.
    """
    u = make_url(url)
    env_args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or ""]
    db = u.database or ""
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", str(clients), *env_args, db],
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), *env_args, db],
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


def _transfers(
    platform: Platform, holder: Actor, jobs: list[Any], per_commit: int = 1
) -> tuple[float, int]:
    """Transfers from one thread per job; `per_commit` > 1 uses the group-commit command."""
    errors: list[BaseException] = []

    def run(target: str, rec: str, pieces: list[str]) -> None:
        try:
            if per_commit == 1:
                for pid in pieces:
                    with platform.uow(holder) as uow:
                        certs.transfer_piece(uow, pid, target, receivable_id=rec)
                return
            reqs = [certs.TransferRequest(pid, target, receivable_id=rec) for pid in pieces]
            for i in range(0, len(reqs), per_commit):
                with platform.uow(holder) as uow:
                    for out in certs.transfer_pieces(uow, reqs[i : i + per_commit]):
                        if out.error is not None:
                            raise out.error
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


def _transfers_sequenced(
    platform: Platform, holder: Actor, jobs: list[Any], callers: int
) -> tuple[float, int, Any]:
    """Single transfers from `callers` concurrent requests through one transfer sequencer,
    as the transfer route runs them: each request a coroutine on one event loop, awaiting
    its own result (after its group's commit) before the caller sends the next."""
    import asyncio

    from scf.certificates import sequencer

    seq = sequencer.TransferSequencer(lambda: platform.uow(Actor.system()))
    work = [
        (target, rec, pieces[k::callers]) for target, rec, pieces in jobs for k in range(callers)
    ]

    async def caller(target: str, rec: str, pieces: list[str]) -> None:
        for pid in pieces:
            req = certs.TransferRequest(pid, target, receivable_id=rec)
            await seq.transfer_async(holder, req)

    async def main() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(caller(*w) for w in work))
        return time.perf_counter() - started

    try:
        elapsed = asyncio.run(main())
    finally:
        seq.close()
    n = sum(len(w[2]) for w in work)
    return n / elapsed, n, seq.stats


def _process_worker(
    url: str, holder: Actor, job: Any, barrier: Any, results: Any
) -> None:  # pragma: no cover - runs in a child process
    settings = Settings(database_url=url, secret_key=SECRET, calendar_dir=None, log_json=False)
    platform = Platform.create(settings, clock=FixedClock(datetime(2025, 3, 3, 2, tzinfo=UTC)))
    target, rec, pieces = job
    try:
        with platform.uow(holder) as uow:  # connect before the clock starts
            certs.list_pieces(uow)
        barrier.wait()
        started = time.time()
        for pid in pieces:
            with platform.uow(holder) as uow:
                certs.transfer_piece(uow, pid, target, receivable_id=rec)
        results.put((started, time.time(), len(pieces), None))
    except BaseException as exc:
        results.put((0.0, 0.0, 0, repr(exc)))
    finally:
        platform.dispose()


def _transfers_in_processes(url: str, holder: Actor, jobs: list[Any]) -> tuple[float, int]:
    """The same transfers from one process per job, as several API instances of the platform
    serving one database would run them: no interpreter lock shared between the callers."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(jobs)), ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(url, holder, job, barrier, results))
        for job in jobs
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
    failed = [g[3] for g in got if g[3]]
    if failed:
        raise RuntimeError(f"a transfer process failed: {failed[0]}")
    n = sum(g[2] for g in got)
    return n / (max(g[1] for g in got) - min(g[0] for g in got)), n


def _raw_floor(platform: Platform, path: Path, holder: Actor, job: Any, per_commit: int) -> float:
    """The database's own floor for this work: the SQL one transfer runs, captured from a
    real transfer, replayed on a bare sqlite3 connection (the platform's pragmas) for the
    job's other pieces, `per_commit` transfers to a commit. No application code runs."""
    target, rec, pieces = job
    captured: list[tuple[str, Any, bool]] = []

    def capture(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if not sql.startswith("BEGIN"):
            captured.append((sql, params, many))

    real_run = DriverStatement._run

    def capture_driver(self: Any, conn: Any, c: Any, call: Any, values: Any) -> Any:
        captured.append((c.sql, values, isinstance(values, list)))
        return real_run(self, conn, c, call, values)

    event.listen(platform.engine, "before_cursor_execute", capture)
    DriverStatement._run = capture_driver  # type: ignore[method-assign]
    try:
        with platform.uow(holder) as uow:
            certs.transfer_piece(uow, pieces[0], target, receivable_id=rec)
    finally:
        DriverStatement._run = real_run  # type: ignore[method-assign]
        event.remove(platform.engine, "before_cursor_execute", capture)
    ids: set[str] = set()
    for _sql, params, many in captured:
        for row in params if many else [params]:
            for v in row:
                if isinstance(v, str):
                    ids.update(re.findall(r"\b(?:pce|use)_[0-9A-Z]{26}\b", v))
    fresh = sorted(ids - {pieces[0]})

    def renew(v: Any, swap: dict[str, str]) -> Any:
        if isinstance(v, str):
            for old, new in swap.items():
                v = v.replace(old, new)
        return v

    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    cur = conn.cursor()
    todo = pieces[1:]
    started = time.perf_counter()
    for i in range(0, len(todo), per_commit):
        cur.execute("BEGIN IMMEDIATE")
        for pid in todo[i : i + per_commit]:
            swap = {pieces[0]: pid, **{f: new_id(f[:3]) for f in fresh}}
            for sql, params, many in captured:
                if many:
                    cur.executemany(sql, [tuple(renew(v, swap) for v in row) for row in params])
                else:
                    cur.execute(sql, tuple(renew(v, swap) for v in params)).fetchall()
        cur.execute("COMMIT")
    rate = len(todo) / (time.perf_counter() - started)
    conn.close()
    return rate


BATCH = 100  # transfers per request in the batch figure
CALLERS = (16, 64)  # concurrent requests to the transfer route
SQLITE_TARGET = ">= 10% of the WAL update-commit loop"
SQLITE_BASE = "SQLite WAL single-row update+commit/s"
PG_TARGET = ">= 30% of pgbench TPC-B, 4 clients"
PG_BASE = "pgbench -c 4 -s 4 tps"


def _route_note(count: int, callers: int, stats: Any, where: str) -> str:
    return (
        f"{count} single transfers from {callers} concurrent requests ({where}) through the "
        f"transfer sequencer, each answered after its group's commit; {stats.groups} groups, "
        f"{stats.items / max(stats.groups, 1):.1f} transfers on average, largest "
        f"{stats.largest_group}"
    )


def run(ctx: BenchContext) -> list[Figure]:
    figures = _sqlite(ctx)
    url = ctx.pg_database("bench_certificates")
    pgb = ctx.pg_database("bench_certificates_pgbench")
    if url and pgb:
        figures += _postgresql(ctx, url, pgb)
    return figures


def _sqlite(ctx: BenchContext) -> list[Figure]:
    n = max(50, int(400 * ctx.scale))
    big = max(200, int(3000 * ctx.scale))
    base_path = ctx.workdir / "cert_baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(base_path) + suffix).unlink(missing_ok=True)
    # The disk is shared and noisy: the baseline runs before, between and after the
    # transfers, and its median is the figures' baseline.
    baselines = [_sqlite_baseline(base_path, 1.5)]
    url = ctx.sqlite_url("bench_certificates")
    platform, holder, jobs = _setup(url, 1, 2 * n + 3 * big)
    target, rec, pieces = jobs[0]
    cuts = [0, n, 2 * n, 2 * n + big, 2 * n + 2 * big, 2 * n + 3 * big]
    part = [pieces[a:b] for a, b in itertools.pairwise(cuts)]
    routed = []
    try:
        for k, callers in enumerate(CALLERS):
            routed.append(
                (
                    callers,
                    *_transfers_sequenced(platform, holder, [(target, rec, part[2 + k])], callers),
                )
            )
            baselines.append(_sqlite_baseline(base_path, 1.5))
        batch, bcount = _transfers(platform, holder, [(target, rec, part[4])], BATCH)
        rate, count = _transfers(platform, holder, [(target, rec, part[0])])
        path = Path(make_url(url).database or "")
        floor_1 = _raw_floor(platform, path, holder, (target, rec, part[1]), 1)
        baselines.append(_sqlite_baseline(base_path, 1.5))
    finally:
        platform.dispose()
    baseline = statistics.median(baselines)
    extra: dict[str, Any] = {
        "raw_sql_floor_1_per_commit": round(floor_1),
        "baselines": [round(b) for b in baselines],
    }
    # The throughput figure is the route's under load (CALLERS[-1] requests in flight);
    # the lighter load shows how groups, and with them throughput, grow with load.
    figures = [
        Figure(
            5,
            f"certificate transfers/s (SQLite, transfer route, {callers} concurrent requests)",
            value,
            "transfers/s",
            target=SQLITE_TARGET if callers == CALLERS[-1] else "(lighter load, for comparison)",
            baseline=baseline,
            baseline_name=SQLITE_BASE,
            met=value >= 0.10 * baseline if callers == CALLERS[-1] else None,
            notes=_route_note(count_, callers, stats, "coroutines on one event loop"),
            extra={**extra, "groups": stats.groups, "largest_group": stats.largest_group},
        )
        for callers, value, count_, stats in routed
    ]
    figures.append(
        Figure(
            5,
            f"certificate transfers/s (SQLite, batch route, {BATCH} to a request)",
            batch,
            "transfers/s",
            target=SQLITE_TARGET,
            baseline=baseline,
            baseline_name=SQLITE_BASE,
            met=batch >= 0.10 * baseline,
            notes=(
                f"{bcount} transfers, {BATCH} to a call of transfer_pieces (the batch route "
                "POST /certificate-pieces/transfers), one commit each"
            ),
            extra=extra,
        )
    )
    figures.append(
        Figure(
            5,
            "certificate transfers/s (SQLite, one per commit)",
            rate,
            "transfers/s",
            target="(the direct path, the sequencer's baseline)",
            baseline=baseline,
            baseline_name=SQLITE_BASE,
            notes=(
                f"{count} transfers, one per commit (transfer_piece, one thread); the SQL of "
                f"one transfer replayed on bare sqlite3 makes {floor_1:,.0f}/s "
                f"({floor_1 / baseline:.2f} of the baseline), the database's own ceiling for "
                "one transfer per commit"
            ),
            extra=extra,
        )
    )
    return figures


def _postgresql(ctx: BenchContext, url: str, pgb: str) -> list[Figure]:
    # Longer runs than on SQLite: four clients need a few seconds to settle.
    each = max(100, int(2000 * ctx.scale))
    half = each // 2
    platform, holder, jobs = _setup(url, 4, each + half)
    callers = CALLERS[0]
    # pgbench runs before, between and after the transfers; the mean is the baseline.
    runs = [_pgbench(pgb, 10, 4)]
    try:
        rate, count = _transfers(platform, holder, [(t, r, p[:half]) for t, r, p in jobs])
        srate, scount, sstats = _transfers_sequenced(
            platform, holder, [(t, r, p[each:]) for t, r, p in jobs], callers // len(jobs)
        )
    finally:
        platform.dispose()
    runs.append(_pgbench(pgb, 10, 4))
    prate, pcount = _transfers_in_processes(url, holder, [(t, r, p[half:each]) for t, r, p in jobs])
    runs.append(_pgbench(pgb, 10, 4))
    tps = statistics.mean(runs)
    extra = {"pgbench_runs": [round(r) for r in runs]}
    return [
        Figure(
            5,
            "certificate transfers/s (PostgreSQL, 4 processes)",
            prate,
            "transfers/s",
            target=PG_TARGET,
            baseline=tps,
            baseline_name=PG_BASE,
            met=prate >= 0.30 * tps,
            notes=(
                f"{pcount} transfers, one per commit, from 4 processes of the platform "
                "(as 4 API instances on one database), each its own connection pool"
            ),
            extra=extra,
        ),
        Figure(
            5,
            "certificate transfers/s (PostgreSQL, 4 threads)",
            rate,
            "transfers/s",
            target=PG_TARGET,
            baseline=tps,
            baseline_name=PG_BASE,
            met=rate >= 0.30 * tps,
            notes=f"{count} transfers, one per commit, 4 threads sharing one interpreter",
            extra=extra,
        ),
        Figure(
            5,
            f"certificate transfers/s (PostgreSQL, transfer route, {callers} concurrent requests)",
            srate,
            "transfers/s",
            target=PG_TARGET,
            baseline=tps,
            baseline_name=PG_BASE,
            met=srate >= 0.30 * tps,
            notes=_route_note(scount, callers, sstats, "one process"),
            extra=extra,
        ),
    ]
