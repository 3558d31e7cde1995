"""Command-line start-up: `scf --help`, `scf --version` and `scf trade validate --quick FILE`.

The full `scf trade validate FILE` runs the official EN 16931 stylesheets, which Saxon
compiles once per process (about a second); its throughput is bench_standards' figure, and
the start-up target is the pre-check's.

Each command runs as a new process, as a person runs it, interleaved with `python -c pass`
(the interpreter's own start-up, the baseline of the same run) so that the ratio survives a
busy machine. The figure is the median wall time of the runs; the notes give the median CPU
time (user + system) too, which a loaded machine disturbs less.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.run import BenchContext, Figure

ISSUE = 15
TARGET_S = 0.5  # "well under a second"
INVOICE = Path(__file__).resolve().parents[1] / "tests/data/einvoice/cii-examples/CII_example2.xml"


def _scf() -> list[str]:
    script = Path(sys.executable).with_name("scf")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from scf.cli import main; main()"]


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `cmd` (its output is discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run(ctx: BenchContext) -> list[Figure]:
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "scf --help": [*_scf(), "--help"],
        "scf --version": [*_scf(), "--version"],
        "scf trade validate --quick FILE": [*_scf(), "trade", "validate", "--quick", str(INVOICE)],
    }
    rounds = max(5, int(21 * ctx.scale))
    for cmd in commands.values():  # warm the file cache and the bytecode
        _timed(cmd)
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            w, c = _timed(cmd)
            wall[name].append(w)
            cpu[name].append(c)
    base = statistics.median(wall["python -c pass"])
    base_cpu = statistics.median(cpu["python -c pass"])
    figures = []
    for name in list(commands)[1:]:
        value = statistics.median(wall[name])
        figures.append(
            Figure(
                ISSUE,
                f"start-up of `{name}` (median wall time)",
                value,
                "s",
                f"<= {TARGET_S} s",
                baseline=base,
                baseline_name="python -c pass, same run",
                met=value <= TARGET_S,
                notes=(
                    f"{rounds} runs interleaved with the baseline; median CPU "
                    f"{statistics.median(cpu[name]):.3f} s against {base_cpu:.3f} s; "
                    f"slowest run {max(wall[name]):.3f} s"
                ),
            )
        )
    return figures
