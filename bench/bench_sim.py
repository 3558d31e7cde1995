"""Simulator benchmarks (issue 7): generation throughput, streaming memory, loading time.

Figures: documents generated per second for the large size (10,000,000 x scale documents
streamed in a process of its own) with the population build timed separately and the
resident memory before and after streaming; the small set's load time through the services on SQLite
(the demo's budget is 60 s), with the small set's generation as the same-run baseline;
and on that loaded set, the AUC of predicting defaults from static firm data plus the
platform's supply-chain features against static data alone (issue 8), the features read
by the risk room from the platform's records as they stood on the observation day (the
snapshot's time is kept out of the load time).
"""

from __future__ import annotations

import itertools
import resource
import time
from datetime import UTC, datetime
from typing import Any

from bench.run import BenchContext, Figure
from scf.config import Settings
from scf.core.clock import FixedClock
from scf.core.migrate import upgrade
from scf.platform import Platform
from scf.sim.eval import default_uplift, feature_snapshot
from scf.sim.generator import Generator, build
from scf.sim.loader import load
from scf.sim.model import Trade

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
KEY = "c2NmLXJlZ2lzdHJ5LXRlc3Qta2V5LTAxMjM0NTY3ODk="


def _rss_mib() -> float:
    """Peak resident memory of this process image in MiB (VmHWM: unlike ru_maxrss it does
    not carry over the parent's pages a spawned child was forked with before its exec)."""
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stream_large(want: int, out: Any) -> None:  # pragma: no cover - runs in a child process
    """Build the large population, then stream `want` documents; report times and memory."""
    started = time.perf_counter()
    gen = Generator("large", 1, keep_stats=False)
    stream = gen.stream()
    for r in stream:
        if isinstance(r, Trade):
            break
    population_s = time.perf_counter() - started
    rss0 = _rss_mib()
    t0 = time.perf_counter()
    start_docs = gen.documents
    for _ in itertools.takewhile(lambda _r: gen.documents - start_docs < want, stream):
        pass
    out.put(
        {
            "orgs": len(gen.orgs),
            "population_s": population_s,
            "docs": gen.documents - start_docs,
            "stream_s": time.perf_counter() - t0,
            "rss_after_population_mib": rss0,
            "rss_after_stream_mib": _rss_mib(),
        }
    )


def run(ctx: BenchContext) -> list[Figure]:
    import multiprocessing as mp

    figures: list[Figure] = []
    # Large: population, then the document stream, in a process of its own so that its
    # memory is its own.
    want = int(10_000_000 * ctx.scale)
    mpc = mp.get_context("spawn")
    q = mpc.Queue()
    child = mpc.Process(target=_stream_large, args=(want, q))
    child.start()
    got = q.get(timeout=3600)
    child.join()
    rate = got["docs"] / got["stream_s"]
    figures.append(
        Figure(
            7,
            "large set generation (streamed)",
            rate,
            "documents/s",
            ">= 10M documents in bounded memory",
            met=got["docs"] >= 10_000_000 and got["orgs"] >= 100_000 if ctx.scale >= 1 else None,
            notes=(
                f"{got['orgs']:,} enterprises built in {got['population_s']:.0f} s; "
                f"{got['docs']:,} documents streamed in {got['stream_s']:.0f} s in a process of "
                f"its own; its max RSS {got['rss_after_population_mib']:.0f} MiB after the "
                f"population, {got['rss_after_stream_mib']:.0f} MiB after the stream"
            ),
            extra={
                "population_s": got["population_s"],
                "rss_growth_mib": got["rss_after_stream_mib"] - got["rss_after_population_mib"],
            },
        )
    )
    # Small: generation (baseline) and loading through the services on SQLite.
    t0 = time.perf_counter()
    data = build("small", 2024)
    gen_s = time.perf_counter() - t0
    p = Platform.create(
        Settings(
            database_url=ctx.sqlite_url("bench_sim"),
            secret_key=SECRET,
            calendar_dir=None,
            log_json=False,
            registry_signing_key=KEY,
        ),
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )
    upgrade(p.engine)
    snapshot, hook = feature_snapshot(data)
    report = load(p, data, at_month_end=hook)
    p.dispose()
    figures.append(
        Figure(
            7,
            "small set load through the services, SQLite",
            report.seconds,
            "s",
            "< 60 s",
            baseline=gen_s,
            baseline_name="generating it",
            met=report.seconds < 60,
            notes=(
                f"{data.generator.documents:,} documents, "
                f"{len(data.generator.orgs)} organizations; "
                f"phases {dict(report.summary()['phases_s'])}; {len(report.errors)} refusals"
            ),
        )
    )
    up = default_uplift(data, snapshot)
    if "static" in up:
        figures.append(
            Figure(
                8,
                "default prediction AUC, static + supply-chain features (simulator, small)",
                up["combined"]["auc_mean"],
                "AUC",
                "above static firm data alone",
                baseline=up["static"]["auc_mean"],
                baseline_name="static firm data alone",
                met=up["lift_combined_over_static"] > 0,
                notes=(
                    f"uplift {up['lift_combined_over_static']:+.3f} (runs {up['lift_runs']}); "
                    f"supply-chain features alone {up['supply_chain']['auc_mean']:.3f}; "
                    f"{up['cv']} cross-validation of the risk room's scorecard; features from "
                    f"risk.enterprise_inputs as of {up['observed_on']}, defaults in "
                    f"{up['outcome_window']}: {up['defaults']} of {up['enterprises']} SMEs "
                    f"with invoices on the platform (seed {data.seed})"
                ),
                extra={k: v for k, v in up.items() if k not in ("static", "supply_chain")},
            )
        )
    else:
        print(f"default study: {up.get('error')}")
    return figures
