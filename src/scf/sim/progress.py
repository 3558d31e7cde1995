"""Progress of a long run: a bar on a terminal, plain lines (phase, counts, elapsed) elsewhere.

A log file or a CI job shows no bar, so that a run that is not watched on a terminal still
says where it is and how long it has taken.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

EVERY_S = 2.0  # at most one line this often for a phase, besides its first and last


class ProgressLines:
    """Write `label: phase done/total (elapsed s)` lines, throttled, to a stream."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()
        self._last: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int | None = None) -> None:
        now = time.perf_counter()
        first = phase not in self._last
        last = total is not None and done >= total
        if not (first or last or now - self._last[phase] >= EVERY_S):
            return
        self._last[phase] = now
        count = f"{done}/{total}" if total is not None else str(done)
        print(
            f"{self.label}: {phase} {count} ({now - self.started:.1f} s)",
            file=self.stream,
            flush=True,
        )


def on_terminal(stream: TextIO | None = None) -> bool:
    """Whether progress goes to a terminal (a bar) rather than a file or a pipe (lines)."""
    s = stream if stream is not None else sys.stderr
    return bool(getattr(s, "isatty", lambda: False)())
