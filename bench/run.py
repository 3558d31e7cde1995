"""Run every benchmark module (bench/bench_*.py) and write bench/results/<date>.json and .md.

Each module exposes `run(ctx: BenchContext) -> list[Figure]`. Figures carry their baseline,
measured in the same run where one exists, so ratios survive this noisy 2-core machine.
Usage: python -m bench.run [--only NAME ...] [--scale FACTOR] [--no-write]
A run with --only merges its figures into the day's report, replacing only the modules it ran.
The README's table between the `bench:start` and `bench:end` markers is replaced with the
day's table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PG_URL = os.environ.get(
    "SCF_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Figure:
    """One measured figure, with its target and the baseline from the same run."""

    issue: int
    name: str
    value: float
    unit: str
    target: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    met: bool | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    module: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]


@dataclass
class BenchContext:
    scale: float
    workdir: Path
    pg_url: str | None

    def sqlite_url(self, name: str) -> str:
        path = self.workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def pg_database(self, name: str) -> str | None:
        """Create a fresh PostgreSQL database for a benchmark; None if PostgreSQL is down."""
        if not self.pg_url:
            return None
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        try:
            admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
        except Exception as exc:  # a down server means no PostgreSQL figures, not a crash
            print(f"PostgreSQL unavailable: {exc}", file=sys.stderr)
            return None
        return make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)


def machine() -> dict[str, Any]:
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def markdown(figures: list[Figure], meta: dict[str, Any]) -> str:
    m = meta["machine"]
    lines = [
        f"Benchmarks of {meta['date']} on {m['cpus']} cores ({m['cpu']}), {m['memory']}, "
        f"Python {m['python']}; commit {meta['commit']}"
        + (f"; {meta['seconds']['total']:,.0f} s in all." if meta.get("seconds") else "."),
        "",
        "| issue | figure | value | target | baseline (same run) | ratio | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        base = f"{f.baseline:,.2f} ({f.baseline_name})" if f.baseline is not None else ""
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        met = {True: "yes", False: "NO", None: ""}[f.met]
        lines.append(
            f"| {f.issue} | {f.name} | {f.value:,.2f} {f.unit} | {f.target} "
            f"| {base} | {ratio} | {met} |"
        )
    notes = [f"- {f.name}: {f.notes}" for f in figures if f.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get("SCF_BENCH_SCALE", "1"))
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the figures only; leave bench/results and the README alone",
    )
    args = parser.parse_args()
    workdir = Path(os.environ.get("SCF_BENCH_DIR", "/tmp/scf-bench"))
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = BenchContext(scale=args.scale, workdir=workdir, pg_url=PG_URL)
    figures: list[Figure] = []
    seconds: dict[str, float] = {}
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    whole = time.perf_counter()
    for name in names:
        if args.only and not any(o in name for o in args.only):
            continue
        mod = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        got = mod.run(ctx)
        for f in got:
            f.module = name
            print(f"   {f.name}: {f.value:,.3f} {f.unit}  (target {f.target})", file=sys.stderr)
        figures.extend(got)
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"   {seconds[name]:.1f} s", file=sys.stderr)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    meta: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "commit": commit,
        "seconds": {"total": round(time.perf_counter() - whole, 1), **seconds},
    }
    if args.no_write:
        print(markdown(figures, meta))
        return
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{meta['date']}.json"
    if args.only and out.exists():
        figures, meta = _merge(json.loads(out.read_text()), figures, meta)
    out.write_text(
        json.dumps({**meta, "figures": [asdict(f) | {"ratio": f.ratio} for f in figures]}, indent=2)
    )
    md = markdown(figures, meta)
    (RESULTS / f"{meta['date']}.md").write_text(md)
    (RESULTS / "latest.md").write_text(md)
    _update_readme(md)
    print(md)


def _merge(
    old: dict[str, Any], new: list[Figure], meta: dict[str, Any]
) -> tuple[list[Figure], dict[str, Any]]:
    """Keep the day's figures of modules this run did not repeat."""
    ran = {f.module for f in new}
    names = {f.name for f in new}
    kept = []
    for raw in old.get("figures", []):
        raw = {k: v for k, v in raw.items() if k != "ratio"}
        f = Figure(**raw)
        if f.module in ran or (not f.module and f.name in names):
            continue
        kept.append(f)
    merged = sorted([*kept, *new], key=lambda f: f.module)
    secs = {**old.get("seconds", {}), **meta["seconds"]}
    secs["total"] = round(sum(v for k, v in secs.items() if k != "total"), 1)
    return merged, {**meta, "seconds": secs}


def _update_readme(md: str) -> None:
    readme = HERE.parent / "README.md"
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{md}{end}{tail}")


if __name__ == "__main__":
    main()
