"""Simulator benchmarks (issue 7): generation throughput, streaming memory, loading time.

Figures: documents generated per second for the large size (the first N documents of the
stream, N = 2,000,000 x scale) with the population build timed separately and the resident
memory growth while streaming; the small set's load time through the services on SQLite
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(ctx: BenchContext) -> list[Figure]:
    figures: list[Figure] = []
    # Large: population, then a slice of the document stream.
    started = time.perf_counter()
    gen = Generator("large", 1, keep_stats=False)
    stream = gen.stream()
    records = 0
    for r in stream:
        records += 1
        if isinstance(r, Trade):
            break
    population_s = time.perf_counter() - started
    rss0 = _rss_mib()
    want = int(2_000_000 * ctx.scale)
    t0 = time.perf_counter()
    start_docs = gen.documents
    for _ in itertools.takewhile(lambda _r: gen.documents - start_docs < want, stream):
        pass
    dt = time.perf_counter() - t0
    docs = gen.documents - start_docs
    rate = docs / dt
    figures.append(
        Figure(
            7,
            "large set generation (streamed)",
            rate,
            "documents/s",
            ">= 10M documents in bounded memory",
            notes=(
                f"{len(gen.orgs):,} enterprises built in {population_s:.0f} s; {docs:,} documents "
                f"streamed in {dt:.0f} s; max RSS {rss0:.0f} -> {_rss_mib():.0f} MiB while "
                f"streaming; the full 10M would take ~{10_000_000 / rate / 60:.0f} min"
            ),
            extra={"population_s": population_s, "rss_growth_mib": _rss_mib() - rss0},
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
