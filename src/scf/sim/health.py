"""The default model: each SME's latent financial health month by month, how it moves the
firm's trade, and the month it defaults in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from scf.sim.model import Default
from scf.sim.population import Population
from scf.sim.timeline import Timeline

# The share of SMEs whose health slides from some month on, the monthly default hazard
# logit(alpha + beta * health), and the first month a default can happen (a firm needs a
# record before it can fail on it).
SLIDE_SHARE = 0.4
HAZARD_ALPHA = -6.6
HAZARD_BETA = -2.2
FIRST_DEFAULT_MONTH = 3


class HealthPaths:
    """The SMEs' health paths, their defaults and each one's main buyer; see `draw`."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.months = months = timeline.months
        self.path_row: dict[str, int] = {}
        self.path = np.zeros((0, months))
        self.noise = np.ones((0, months))
        self.default_month: dict[str, int] = {}
        self.main_buyer: dict[str, str] = {}  # the relationship the SME keeps longest

    def draw(self, rng: np.random.Generator, pop: Population, schemers: set[str]) -> None:
        """Each SME's latent financial health month by month, and the month it defaults.

        Health starts at a level that registration data (age, capital) hints at only weakly,
        wanders month to month, and for some firms turns into a slide (a lost customer, a
        margin squeeze) from a random month on. The chance of defaulting in a month rises
        steeply as health falls, so the slide shows in the firm's trade - falling and more
        irregular sales, orders left only from its main buyer, debtors paying later, fewer
        confirmed and received invoices - months before the default. Its own random stream:
        the rest of the set does not move with it. The fraud schemes' companies run on their
        controller's plan, not on their health.
        """
        months = self.months
        keys = [
            k
            for k, o in pop.orgs.items()
            if o.roles[0] in ("supplier", "distributor") and k not in schemers
        ]
        self.path_row.update((k, i) for i, k in enumerate(keys))
        n = len(keys)
        h0 = np.array([pop.health[k] for k in keys], dtype=float)
        level = 0.25 * h0 + rng.normal(0.0, 0.45, n)
        steps = rng.normal(0.0, 0.15, (n, months))
        sliding = rng.random(n) < SLIDE_SHARE
        onset = rng.integers(0, max(months - 5, 1), n)
        slope = rng.uniform(0.15, 0.4, n)
        t = np.arange(months)[None, :]
        slide = np.where(sliding[:, None] & (t >= onset[:, None]), t - onset[:, None] + 1, 0)
        x = level[:, None] + np.cumsum(steps, axis=1) - slope[:, None] * slide
        self.path = x
        # Irregular sales: the worse off, the more a month's orders swing.
        sigma = 0.12 + 0.3 * np.clip(-x, 0.0, 2.5)
        self.noise = np.exp(rng.normal(0.0, 1.0, (n, months)) * sigma - sigma**2 / 2)
        hazard = 1.0 / (1.0 + np.exp(-(HAZARD_ALPHA + HAZARD_BETA * x)))
        hazard[:, :FIRST_DEFAULT_MONTH] = 0.0
        hit = rng.random((n, months)) < hazard
        self.default_month.update(
            (keys[i], int(hit[i].argmax())) for i in np.flatnonzero(hit.any(axis=1))
        )
        rates: dict[str, float] = {}
        for seller, buyer, _cur, rate, _term in pop.links:
            if rate > rates.get(seller, -1.0):
                rates[seller] = rate
                self.main_buyer[seller] = buyer

    def at(self, org: str, m: int) -> float:
        """An SME's latent health in month `m` (0 for firms outside the study)."""
        i = self.path_row.get(org)
        if i is None:
            return 0.0
        return float(self.path[i, min(max(m, 0), self.months - 1)])

    def activity(self, seller: str, buyer: str, m: int) -> float:
        """How much a relationship orders this month, against its usual rate."""
        d = self.default_month.get(buyer)
        if d is not None and m > d:
            return 0.0  # a defaulted buyer stops ordering
        i = self.path_row.get(seller)
        if i is None:
            return 1.0
        d = self.default_month.get(seller)
        if d is not None and m >= d:
            return 0.0 if m > d else 0.3
        x = float(self.path[i, m])
        f = float(np.exp(0.15 * min(max(x, -3.0), 1.5))) * float(self.noise[i, m])
        if buyer != self.main_buyer.get(seller):
            f *= float(np.exp(0.35 * min(x, 0.0)))  # smaller customers leave first
        return f

    def gone(self, org: str, m: int) -> bool:
        """The firm defaulted before month `m`."""
        d = self.default_month.get(org)
        return d is not None and m > d

    def pays(self, buyer: str, on: date) -> bool:
        """A buyer that has defaulted pays nothing due after its default month."""
        d = self.default_month.get(buyer)
        return d is None or on < self.timeline.month_start(d + 1)

    def defaults(self, rng: np.random.Generator) -> Iterator[Default]:
        """Yield the year's defaults, each on a day of its month."""
        for key in sorted(self.default_month):
            yield Default(key, self.timeline.day_in(rng, self.default_month[key]))
