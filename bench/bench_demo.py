"""`make demo` from a fresh clone (issue 15), with the package cache warm and cold.

Each run clones the repository at HEAD into a new directory and runs `make demo
DEMO_ARGS=--no-serve` there: the virtual environment, the runtime-only lock installed, the
database migrated, the demo generated and loaded through the services, the logins made; the
server is not started. Warm: uv's and pip's caches as they stand on this machine (the usual
case on a second clone). Cold: both caches empty (`UV_CACHE_DIR`, `PIP_CACHE_DIR` point at new
directories), so that every package is downloaded from the index again. The baseline of the
same run is creating a bare virtual environment (`python -m venv`), which says how loaded the
machine was; the notes split each run into its phases from the progress lines `make demo`
prints when its output is not a terminal, and give the CPU time of the run.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.run import BenchContext, Figure

ISSUE = 15
ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {"warm": 60.0, "cold": 180.0}
# Each phase ends where the first line of the next one appears, as `make demo` prints them:
# install (the venv, uv, the runtime lock), generate (the simulator's records), load (through
# the services, and the logins); the rest is the summary and the exit.
MARKS = (("install", "scf: generating"), ("generate", "scf: loading"), ("load", "scf demo"))


def _venv_seconds(where: Path) -> float:
    """Wall time of creating a bare virtual environment (the same-run baseline)."""
    shutil.rmtree(where, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    took = time.perf_counter() - t0
    shutil.rmtree(where, ignore_errors=True)
    return took


def _make_demo(work: Path, cold: bool) -> tuple[float, float, dict[str, float]]:
    """Clone, then time `make demo`; return wall and CPU seconds and the phases' seconds."""
    clone = work / ("clone-cold" if cold else "clone-warm")
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCF_", "VIRTUAL_ENV"))}
    env["SCF_DATABASE_URL"] = f"sqlite:///{clone}/var/scf.db"
    if cold:
        for name in ("UV_CACHE_DIR", "PIP_CACHE_DIR"):
            cache = work / f"empty-{name.lower()}"
            shutil.rmtree(cache, ignore_errors=True)
            env[name] = str(cache)
    (clone / "var").mkdir(exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    seen: dict[str, float] = {}
    with subprocess.Popen(
        ["make", "demo", "DEMO_ARGS=--no-serve"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        tail: list[str] = []
        for line in proc.stdout:
            tail = [*tail[-20:], line]
            for phase, mark in MARKS:
                if phase not in seen and line.startswith(mark):
                    seen[phase] = time.perf_counter() - t0
        if proc.wait() != 0:
            raise RuntimeError("make demo failed:\n" + "".join(tail))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ends = [seen.get(p, wall) for p, _m in MARKS]
    starts = [0.0, *ends[:-1]]
    phases = {p: round(e - s, 1) for (p, _m), s, e in zip(MARKS, starts, ends, strict=True)}
    phases["summary and exit"] = round(wall - ends[-1], 1)
    shutil.rmtree(clone, ignore_errors=True)
    return wall, cpu, phases


def run(ctx: BenchContext) -> list[Figure]:
    work = ctx.workdir / "demo"
    work.mkdir(parents=True, exist_ok=True)
    figures = []
    for kind in ("warm", "cold"):
        base = _venv_seconds(work / "venv-baseline")
        wall, cpu, phases = _make_demo(work, cold=kind == "cold")
        load = os.getloadavg()[0]
        figures.append(
            Figure(
                ISSUE,
                f"`make demo` from a fresh clone, package cache {kind} (wall time to loaded)",
                wall,
                "s",
                f"<= {TARGETS_S[kind]:.0f} s on a quiet machine",
                baseline=base,
                baseline_name="python -m venv, same run",
                met=wall <= TARGETS_S[kind],
                notes=(
                    f"phases (s): {', '.join(f'{k} {v}' for k, v in phases.items())}; "
                    f"CPU {cpu:.0f} s of the run; load average "
                    f"{load:.1f} on {os.cpu_count()} cores at its end"
                ),
                extra={"phases_s": phases, "cpu_s": round(cpu, 1), "loadavg_1m": load},
            )
        )
    return figures
