"""A deterministic synthetic Shenzhen supply chain with labelled fraud, streamed as records.

`generate(size, seed)` yields the population (people, organizations, ownership, credit
lines), then month by month the trades and the financing that rides on them, then the
injected frauds' labels and the defaults. Only the population and a few counters per
enterprise are kept; trades are produced a chunk of relationships at a time and never
retained, so the large size (100,000+ enterprises, 10 million documents) streams in bounded
memory. Everything is drawn from one `numpy.random.Generator` per stage, each seeded from
`(seed, stage)`, so a seed always gives the same set.

The simulator's face: the cli, the demo, the evaluation and the benchmarks import from here.
The pieces live in modules of their own: `places` and `timeline` (the static world),
`population` (enterprises, owners, relationships, credit lines), `health` (the default
model), `trades` (the monthly trade), `financing` (certificates, factoring, discounting),
`goods` (warehouse receipts and pledges) and `fraud` (the injected fraud).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from scf.sim.financing import Financing, Held
from scf.sim.fraud import Fraud
from scf.sim.goods import Warehouses
from scf.sim.health import FIRST_DEFAULT_MONTH, HealthPaths
from scf.sim.model import Record, Size, size_of
from scf.sim.population import Link, Population
from scf.sim.timeline import Timeline
from scf.sim.trades import Ledger

__all__ = [
    "FIRST_DEFAULT_MONTH",
    "Generator",
    "SimData",
    "Timeline",
    "build",
    "generate",
    "size_of",
]

CHUNK = 4_000  # relationships whose month of orders is drawn at once


class Generator:
    """Holds the population and streams everything else; see `generate`."""

    def __init__(
        self,
        size: str | Size,
        seed: int,
        *,
        keep_stats: bool = True,
        as_of: date | None = None,
    ) -> None:
        self.size = size_of(size)
        self.seed = int(seed)
        months = self.size.months
        self.timeline = (
            Timeline.default(months) if as_of is None else Timeline.ending(as_of, months)
        )
        self.end = self.timeline.end
        self.keep_stats = keep_stats
        self.pop = Population(self.size, self.timeline)
        self.paths = HealthPaths(self.timeline)
        self.ledger = Ledger(self.pop, self.paths, self.end, keep_stats=keep_stats)
        self.fraud = Fraud(self.pop, self.paths, self.ledger, self.end)
        self.financing = Financing(self.pop, self.paths, self.fraud, self.end)
        self.goods = Warehouses(self.pop, self.end)
        # What callers read: the very objects the parts fill in.
        pop = self.pop
        self.orgs, self.links, self.by_role = pop.orgs, pop.links, pop.by_role
        self.funders, self.lenders = pop.funders, pop.lenders
        self.guarantors, self.logistics = pop.guarantors, pop.logistics
        self.path_row, self.default_month = self.paths.path_row, self.paths.default_month
        self.stats = self.ledger.stats

    def rng(self, *stage: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *stage])

    # ------------------------------------------------------------ what callers read

    @property
    def documents(self) -> int:
        """Count the documents produced so far (orders, deliveries, receipts, invoices, ...)."""
        return self.ledger.documents

    @property
    def path(self) -> np.ndarray:
        """Return each SME's latent health by month, a row for each firm in `path_row`."""
        return self.paths.path

    def health_at(self, org: str, m: int) -> float:
        """An SME's latent health in month `m` (0 for firms outside the study)."""
        return self.paths.at(org, m)

    # ------------------------------------------------------------ the stream

    def population(self) -> Iterator[Record]:
        """Yield the organizations, owners and credit lines; then draw each SME's health."""
        rng = self.rng(1)
        pop = self.pop
        yield from pop.institutions(rng)
        yield from pop.core_enterprises(rng)
        yield from pop.suppliers(rng)
        yield from pop.distributors(rng)
        yield from pop.credit_lines(rng)
        yield from self.fraud.structures(rng)
        yield from pop.other_institutions(self.rng(8))
        self.paths.draw(self.rng(11), pop, self.fraud.schemers())
        self.financing.choose_programmes()

    def months(self) -> Iterator[Record]:
        """Stream trades and financing month by month, a chunk of relationships at a time."""
        links = self.pop.links
        self.fraud.plan(links)
        # Buyers nearer the core first, so a month's certificates exist before they travel.
        order = sorted(
            range(len(links)),
            key=lambda i: (max(self.pop.orgs[links[i][1]].tier, 0), links[i][1]),
        )
        activity = self.paths.activity
        for m in range(self.size.months):
            rng = self.rng(2, m)
            held: Held = defaultdict(list)
            season = self.timeline.season(m)
            for c0 in range(0, len(order), CHUNK):
                idx = order[c0 : c0 + CHUNK]
                counts = rng.poisson(
                    [links[i][3] * season * activity(links[i][0], links[i][1], m) for i in idx]
                )
                for i, n in zip(idx, counts, strict=True):
                    for _ in range(int(n)):
                        yield from self._order(rng, links[i], m, held)
            yield from self.financing.month_end(rng, held)
            yield from self.financing.discounting(self.rng(12, m), m)
            yield from self.financing.bills(self.rng(14, m), m)
            yield from self.fraud.month(rng, m)
            yield from self.goods.month(rng, m)

    def _order(self, rng: np.random.Generator, link: Link, m: int, held: Held) -> Iterator[Record]:
        """Yield one order of a relationship in month `m` and whatever rides on it."""
        on = self.timeline.date_in(rng, m)
        u = rng.random()
        if self.fraud.fictitious_due(u, link[0], m):
            yield from self.fraud.fictitious_invoice(rng, link, on)
            return
        t = self.ledger.honest_trade(rng, link, on, m)
        if t is None:
            return
        yield t
        again = self.fraud.near_duplicate(rng, t, u)
        if again:
            yield from again
            return
        yield from self.financing.on_trade(rng, t, m, held)

    def closing(self) -> Iterator[Record]:
        """The population-level labels and the defaults of the year."""
        yield from self.fraud.special
        yield from self.paths.defaults(self.rng(3))

    def stream(self) -> Iterator[Record]:
        yield from self.population()
        yield from self.months()
        yield from self.closing()
        yield from self.pop.appraisers(self.rng(15))


def generate(
    size: str | Size, seed: int, *, keep_stats: bool = False, as_of: date | None = None
) -> Iterator[Record]:
    """Yield a synthetic data set lazily; the same (size, seed, as_of) gives the same records."""
    return Generator(size, seed, keep_stats=keep_stats, as_of=as_of).stream()


@dataclass
class SimData:
    """A generated set held in memory (tiny and small sizes)."""

    size: Size
    seed: int
    end: date
    records: list[Record]
    generator: Generator

    @property
    def timeline(self) -> Timeline:
        return self.generator.timeline

    def of(self, cls: type[Any]) -> list[Any]:
        return [r for r in self.records if isinstance(r, cls)]


def build(
    size: str | Size, seed: int, *, progress: bool = False, as_of: date | None = None
) -> SimData:
    """Generate a whole set into memory, with progress (a bar, or lines) when asked."""
    from scf.sim.progress import ProgressLines, on_terminal

    gen = Generator(size, seed, keep_stats=True, as_of=as_of)
    records: list[Record] = []
    if progress and not on_terminal():
        lines = ProgressLines("scf")
        phase = f"generating {gen.size.name} (seed {seed}): records"
        for r in gen.stream():
            records.append(r)
            if len(records) % 500 == 0:
                lines(phase, len(records))
        lines(phase + ", done", len(records), len(records))
    elif progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"generating {gen.size.name} (seed {seed})", total=None)
            for r in gen.stream():
                records.append(r)
                if len(records) % 500 == 0:
                    bar.update(task, completed=len(records))
    else:
        records = list(gen.stream())
    return SimData(gen.size, gen.seed, gen.end, records, gen)
