"""What the loader's parts share: the platform on the loader's clock, the set, the report and
what has been loaded so far."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.errors import DomainError
from scf.platform import Platform
from scf.sim.generator import SimData
from scf.sim.model import Org, Person, Trade


@dataclass
class Observation:
    """What a check said at the moment it ran: `flagged` for `subject` (a record key)."""

    kind: str
    subject: str
    flagged: bool
    detail: str = ""


@dataclass
class LoadReport:
    org_ids: dict[str, str] = field(default_factory=dict)  # org key -> platform id
    invoice_ids: dict[str, str] = field(default_factory=dict)  # trade key -> invoice id
    receivable_ids: dict[str, str] = field(default_factory=dict)  # trade key -> receivable id
    fingerprints: dict[str, str] = field(default_factory=dict)  # trade key -> fingerprint
    certificate_ids: dict[str, str] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)  # financing room refusals by code
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds

    def summary(self) -> dict[str, Any]:
        return {
            "counts": dict(sorted(self.counts.items())),
            "financing_refusals": dict(sorted(self.refusals.items())),
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "seconds": round(self.seconds, 2),
            "phases_s": {k: round(v, 1) for k, v in sorted(self.phases.items())},
        }


# Called with the platform (its clock at the month's last day), the month's index and the
# report so far, after each month is loaded: a point-in-time view for studies such as the
# default study of `scf.sim.eval`. Its time is kept apart from the load time.
MonthHook = Callable[[Platform, int, LoadReport], None]


def noon(d: date) -> datetime:
    """Return the moment of day `d` at which the loader's clock stands."""
    return datetime(d.year, d.month, d.day, 10, 0, tzinfo=UTC)


def amount(minor: int) -> str:
    """Write minor units as the decimal string the services take."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


def by(items: list[Trade], key: Callable[[Trade], str]) -> list[tuple[str, list[Trade]]]:
    """Group trades by `key`, the groups in key order."""
    groups: dict[str, list[Trade]] = defaultdict(list)
    for t in items:
        groups[key(t)].append(t)
    return sorted(groups.items())


def with_clock(platform: Platform, clock: FixedClock) -> Platform:
    """The same database and settings, with a clock a loader moves through the year."""
    return Platform(
        platform.settings, platform.engine, platform.session_factory, clock, platform.calendar
    )


class LoadState:
    """The platform the loader moves through the year, and the set's records by key."""

    def __init__(self, platform: Platform, data: SimData) -> None:
        self.clock = FixedClock(noon(data.timeline.start - timedelta(days=1)))
        self.p = with_clock(platform, self.clock)
        self.data = data
        self.r = LoadReport()
        self.orgs: dict[str, Org] = {}
        self.trades: dict[str, Trade] = {}
        self.people: dict[str, Person] = {}
        self.defaults: dict[str, date] = {}  # org key -> the day it stops paying
        self.order_ids: dict[str, str] = {}  # trade key -> order id (buyer-filed orders)
        self.paid_early: set[str] = set()  # trade keys the buyer paid early (discounting)
        self._actors: dict[str, Actor] = {}
        self._org_keys: dict[str, str] = {}

    def actor(self, key: str) -> Actor:
        """Return the organization of `key` as an actor on the platform."""
        a = self._actors.get(key)
        if a is None:
            o = self.orgs[key]
            a = Actor(None, self.r.org_ids[key], frozenset(o.roles), f"sim:{key}")
            self._actors[key] = a
        return a

    def attempt(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run `fn`; note a refusal as an error of `what` and answer None."""
        try:
            return fn()
        except DomainError as exc:
            self.r.errors.append(f"{what}: {exc.code}: {exc.message}")
            return None

    @property
    def regulator(self) -> Actor:
        return Actor(None, None, frozenset({"regulator"}), "sim:regulator")

    @property
    def operator(self) -> Actor:
        return Actor(None, None, frozenset({"operator"}), "sim:operator")

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the time the block takes to the report's `phase`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.r.phases[phase] += time.perf_counter() - started

    def key_of(self, org_id: str) -> str:
        """Return the record key of a loaded organization."""
        if len(self._org_keys) != len(self.r.org_ids):
            self._org_keys = {v: k for k, v in self.r.org_ids.items()}
        return self._org_keys[org_id]
