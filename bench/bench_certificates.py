"""Issue 5: certificate piece transfers per second, against the raw database in the same run.

SQLite: transfers in one thread vs a single-row update-and-commit loop in WAL mode, on the
platform's own pragmas (target at least 10%). PostgreSQL: transfers from 4 processes of the
platform (and, for comparison, 4 threads of one) vs pgbench's TPC-B-like run with 4 clients,
at scale 4, on the same server (target at least 30%). Each transfer is one unit of work:
spend the piece (checked in the UPDATE's WHERE), read the recipient, consume the receivable
through the trade room, insert the recipient's piece and the audit rows, commit.

Two more SQLite figures explain the first: the same transfers 20 to a commit (group commit,
each in its own savepoint), and the SQL of one transfer replayed on a bare sqlite3
connection, which bounds what any application code could reach: the WAL frames a transfer
writes, and the checkpoints they bring, cost more than the whole baseline's transaction.
"""

from __future__ import annotations

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

    event.listen(platform.engine, "before_cursor_execute", capture)
    try:
        with platform.uow(holder) as uow:
            certs.transfer_piece(uow, pieces[0], target, receivable_id=rec)
    finally:
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


GROUP = 20  # transfers per commit in the group-commit figures


def run(ctx: BenchContext) -> list[Figure]:
    figures: list[Figure] = []
    n = max(50, int(400 * ctx.scale))
    base_path = ctx.workdir / "cert_baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(base_path) + suffix).unlink(missing_ok=True)
    # The disk is shared and noisy: the baseline runs before, between and after the
    # transfers, and its median is the figure's baseline.
    baselines = [_sqlite_baseline(base_path, 1.5)]
    url = ctx.sqlite_url("bench_certificates")
    platform, holder, jobs = _setup(url, 1, 4 * n)
    target, rec, pieces = jobs[0]
    try:
        rate, count = _transfers(platform, holder, [(target, rec, pieces[:n])])
        baselines.append(_sqlite_baseline(base_path, 1.5))
        group, gcount = _transfers(platform, holder, [(target, rec, pieces[n : 2 * n])], GROUP)
        path = Path(make_url(url).database or "")
        floor_1 = _raw_floor(platform, path, holder, (target, rec, pieces[2 * n : 3 * n]), 1)
        floor_g = _raw_floor(platform, path, holder, (target, rec, pieces[3 * n :]), GROUP)
        baselines.append(_sqlite_baseline(base_path, 1.5))
    finally:
        platform.dispose()
    baseline = statistics.median(baselines)
    floors = {
        "raw_sql_floor_1_per_commit": round(floor_1),
        f"raw_sql_floor_{GROUP}_per_commit": round(floor_g),
        "baselines": [round(b) for b in baselines],
    }
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
            notes=(
                f"{count} transfers, one per commit; the same SQL replayed on bare sqlite3 "
                f"makes {floor_1:,.0f}/s ({floor_1 / baseline:.2f} of the baseline), the "
                "database's own ceiling for one transfer per commit"
            ),
            extra=floors,
        )
    )
    figures.append(
        Figure(
            5,
            f"certificate transfers/s (SQLite, 1 thread, group commit of {GROUP})",
            group,
            "transfers/s",
            target=">= 10% of the WAL update-commit loop",
            baseline=baseline,
            baseline_name="SQLite WAL single-row update+commit/s",
            met=group >= 0.10 * baseline,
            notes=(
                f"{gcount} transfers, {GROUP} to a commit, each in its own savepoint "
                f"(transfer_pieces); bare sqlite3 replay of the same SQL: {floor_g:,.0f}/s "
                f"({floor_g / baseline:.2f} of the baseline)"
            ),
            extra=floors,
        )
    )
    url = ctx.pg_database("bench_certificates")
    pgb = ctx.pg_database("bench_certificates_pgbench")
    if url and pgb:
        # Longer runs than on SQLite: four clients need a few seconds to settle.
        each = max(100, int(2000 * ctx.scale))
        platform, holder, jobs = _setup(url, 4, each)
        half = each // 2
        # pgbench runs before, between and after the transfers; the mean is the baseline.
        runs = [_pgbench(pgb, 10, 4)]
        try:
            rate, count = _transfers(platform, holder, [(t, r, p[:half]) for t, r, p in jobs])
        finally:
            platform.dispose()
        runs.append(_pgbench(pgb, 10, 4))
        prate, pcount = _transfers_in_processes(url, holder, [(t, r, p[half:]) for t, r, p in jobs])
        runs.append(_pgbench(pgb, 10, 4))
        tps = statistics.mean(runs)
        figures.append(
            Figure(
                5,
                "certificate transfers/s (PostgreSQL, 4 processes)",
                prate,
                "transfers/s",
                target=">= 30% of pgbench TPC-B, 4 clients",
                baseline=tps,
                baseline_name="pgbench -c 4 -s 4 tps",
                met=prate >= 0.30 * tps,
                notes=(
                    f"{pcount} transfers, one per commit, from 4 processes of the platform "
                    "(as 4 API instances on one database), each its own connection pool"
                ),
                extra={"pgbench_runs": [round(r) for r in runs]},
            )
        )
        figures.append(
            Figure(
                5,
                "certificate transfers/s (PostgreSQL, 4 threads)",
                rate,
                "transfers/s",
                target=">= 30% of pgbench TPC-B, 4 clients",
                baseline=tps,
                baseline_name="pgbench -c 4 -s 4 tps",
                met=rate >= 0.30 * tps,
                notes=f"{count} transfers, one per commit, 4 threads sharing one interpreter",
                extra={"pgbench_runs": [round(r) for r in runs]},
            )
        )
    return figures
