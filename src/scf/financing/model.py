"""The financing rules: the application state machine, pricing, loan-to-value and clearing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from scf.core.errors import Conflict, InvalidInput
from scf.core.money import Money
from scf.core.rates import RATE_PLACES, RATE_ROUNDING, rate


class Status(StrEnum):
    SUBMITTED = "submitted"
    ESCALATED = "escalated"  # an automatic check found something a person must look at
    SENT = "sent"  # with one or several funders
    OFFERED = "offered"  # at least one priced offer is open
    ACCEPTED = "accepted"
    REGISTERED = "registered"
    DISBURSED = "disbursed"
    OVERDUE = "overdue"
    DEFAULTED = "defaulted"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    GREEN = "green"
    STANDARD = "standard"


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"  # another funder's offer was accepted


S = Status
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    S.SUBMITTED: frozenset({S.SENT, S.ESCALATED, S.REFUSED}),
    S.ESCALATED: frozenset({S.SENT, S.REFUSED, S.WITHDRAWN}),
    S.SENT: frozenset({S.OFFERED, S.REFUSED, S.WITHDRAWN}),
    S.OFFERED: frozenset({S.ACCEPTED, S.REFUSED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.REGISTERED, S.WITHDRAWN}),
    S.REGISTERED: frozenset({S.DISBURSED}),
    S.DISBURSED: frozenset({S.CLOSED, S.OVERDUE}),
    S.OVERDUE: frozenset({S.CLOSED, S.DEFAULTED}),
    S.DEFAULTED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
LIVE = frozenset({S.DISBURSED, S.OVERDUE, S.DEFAULTED})
DECIDED = frozenset(
    {S.OFFERED, S.ACCEPTED, S.REGISTERED, S.DISBURSED, S.OVERDUE, S.DEFAULTED, S.CLOSED, S.REFUSED}
)

_NEXT_STEP = {
    S.SUBMITTED: "the automatic checks",
    S.ESCALATED: "a review by the platform operator",
    S.SENT: "an offer from a funder",
    S.OFFERED: "the applicant's acceptance of an offer",
    S.ACCEPTED: "the funder's registration in the registry",
    S.REGISTERED: "the funder's disbursement instruction",
    S.DISBURSED: "repayment",
    S.OVERDUE: "repayment or a declaration of default",
}


def advance(current: Status | str, target: Status, doing: str) -> Status:
    """Return the target if the state machine allows the step, else refuse naming why."""
    cur = Status(current)
    if target not in TRANSITIONS[cur]:
        waiting = _NEXT_STEP.get(cur)
        hint = f"; it waits for {waiting}" if waiting else ""
        raise Conflict(
            f"cannot {doing}: the application is {cur.value}{hint}",
            code="invalid_transition",
            details={"status": cur.value, "wanted": target.value},
        )
    return target


# ---------------------------------------------------------------- pricing


@dataclass(frozen=True)
class Segment:
    """What a funder's rate groups look at: the supplier's size, chains and red listing."""

    size_class: str
    chain_tags: frozenset[str]
    red_listed: bool


@dataclass(frozen=True)
class RateGroup:
    """One row of a funder's price list: who it applies to and the spread over the base."""

    name: str
    spread: Decimal
    size_classes: frozenset[str] = frozenset()
    chain_tags: frozenset[str] = frozenset()
    red_listed: bool | None = None

    def matches(self, seg: Segment) -> bool:
        if self.size_classes and seg.size_class not in self.size_classes:
            return False
        if self.chain_tags and not (self.chain_tags & seg.chain_tags):
            return False
        return self.red_listed is None or self.red_listed == seg.red_listed

    @classmethod
    def parse(cls, raw: Mapping[str, Any], field: str) -> RateGroup:
        name = str(raw.get("name") or "").strip()
        if not name:
            raise InvalidInput("a rate group needs a name", field=f"{field}.name")
        spread_raw = raw.get("spread", "0")
        negative = isinstance(spread_raw, str) and spread_raw.strip().startswith("-")
        spread = rate(spread_raw.strip()[1:] if negative else spread_raw, field=f"{field}.spread")
        red = raw.get("red_listed")
        if red is not None and not isinstance(red, bool):
            raise InvalidInput("true, false or absent", field=f"{field}.red_listed")
        return cls(
            name,
            -spread if negative else spread,
            frozenset(str(s) for s in raw.get("size_classes") or ()),
            frozenset(str(s) for s in raw.get("chain_tags") or ()),
            red,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spread": str(self.spread),
            "size_classes": sorted(self.size_classes),
            "chain_tags": sorted(self.chain_tags),
            "red_listed": self.red_listed,
        }


@dataclass(frozen=True)
class Price:
    rate: Decimal
    days: int
    amount: Money
    interest: Money
    fee: Money
    proceeds: Money
    breakdown: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": str(self.rate),
            "days": self.days,
            "amount": self.amount.as_json(),
            "interest": self.interest.as_json(),
            "fee": self.fee.as_json(),
            "proceeds": self.proceeds.as_json(),
            "breakdown": dict(self.breakdown),
        }


def price(
    *,
    amount: Money,
    days: int,
    base_rate: Decimal,
    groups: Sequence[RateGroup],
    segment: Segment,
    red_list_discount: Decimal,
    scenario_spread: Decimal = Decimal(0),
    cover_ratio: Decimal = Decimal(0),
    fee: Money | None = None,
    basis: int = 360,
) -> Price:
    """Price a financing: base + the first matching group's spread + the scenario's spread,
    the risk part cut by the insured share, less the red-list incentive; interest is
    amount x rate x days / basis, taken up front."""
    if days <= 0:
        raise InvalidInput("the financing must run at least one day", field="due_on")
    group = next((g for g in groups if g.matches(segment)), None)
    spread = group.spread if group else Decimal(0)
    risk = spread + scenario_spread
    covered = (risk * cover_ratio).quantize(RATE_PLACES, rounding=RATE_ROUNDING)
    discount = red_list_discount if segment.red_listed else Decimal(0)
    annual = max(base_rate + risk - covered - discount, Decimal(0)).quantize(
        RATE_PLACES, rounding=RATE_ROUNDING
    )
    interest = amount.scale(annual * Decimal(days) / Decimal(basis))
    fee = fee or Money.zero(amount.currency)
    proceeds = amount - interest - fee
    if not proceeds.is_positive():
        raise InvalidInput("the fee and interest eat the whole amount", field="fee")
    return Price(
        annual,
        days,
        amount,
        interest,
        fee,
        proceeds,
        {
            "base_rate": str(base_rate),
            "group": group.name if group else None,
            "group_spread": str(spread),
            "scenario_spread": str(scenario_spread),
            "cover_ratio": str(cover_ratio),
            "cover_reduction": str(covered),
            "red_list_discount": str(discount),
            "formula": f"amount x rate x days / {basis}",
        },
    )


# ---------------------------------------------------------------- loan to value


def collateral_value(quantity: Decimal, unit_price: Money) -> Money:
    """Value goods at a unit price, rounded once."""
    return unit_price.scale(quantity)


def loan_to_value(outstanding: Money, value: Money) -> Decimal:
    """Outstanding / collateral value to 4 places; infinite value loss reads as 9.9999."""
    if not value.is_positive():
        return Decimal("9.9999")
    if value.currency != outstanding.currency:
        raise InvalidInput("loan and collateral are in different currencies", field="currency")
    return (Decimal(outstanding.minor) / Decimal(value.minor)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


# ---------------------------------------------------------------- dynamic discounting


@dataclass(frozen=True)
class Bid:
    """A supplier's offer to be paid `days` early on `amount` at an annualized discount."""

    bid_id: str
    amount_minor: int
    rate: Decimal
    days: int

    def discount_minor(self, basis: int = 360) -> int:
        value = Decimal(self.amount_minor) * self.rate * Decimal(self.days) / Decimal(basis)
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def cash_minor(self, basis: int = 360) -> int:
        return self.amount_minor - self.discount_minor(basis)

    def apr_equivalent(self, basis: int = 365) -> Decimal:
        """What the discount costs the supplier as a simple annual rate on the cash it gets
        early: discount / net x basis / days (higher than the bid rate, which is quoted on
        the face over 360 days)."""
        cash = self.cash_minor()
        if cash <= 0 or self.days <= 0:
            raise InvalidInput("the discount leaves no cash to pay early", field="rate")
        value = Decimal(self.discount_minor()) / Decimal(cash) * Decimal(basis) / self.days
        return value.quantize(RATE_PLACES, rounding=RATE_ROUNDING)


def clear_bids(cash_minor: int, hurdle: Decimal, bids: Sequence[Bid]) -> list[str]:
    """Pick the bids at or above the hurdle that earn the buyer the most discount without
    paying out more cash than it offered (a 0/1 knapsack, solved exactly).

    Small books are searched exhaustively by branch and bound on integer cents; larger ones go
    to scipy's MILP solver with a zero optimality gap, whose pick is then re-checked in cents.
    """
    eligible = [b for b in bids if b.rate >= hurdle and b.cash_minor() <= cash_minor]
    if not eligible:
        return []
    if len(eligible) <= 22:
        return _branch_and_bound(cash_minor, eligible)
    return _milp(cash_minor, eligible)


def _branch_and_bound(cash: int, bids: Sequence[Bid]) -> list[str]:
    items = sorted(
        bids,
        key=lambda b: Decimal(b.discount_minor()) / Decimal(max(b.cash_minor(), 1)),
        reverse=True,
    )
    gains = [b.discount_minor() for b in items]
    costs = [b.cash_minor() for b in items]
    suffix = [0] * (len(items) + 1)
    for i in range(len(items) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + gains[i]
    best_gain = -1
    best: list[int] = []
    chosen: list[int] = []

    def walk(i: int, left: int, gain: int) -> None:
        nonlocal best_gain, best
        if gain > best_gain or (gain == best_gain and len(chosen) < len(best)):
            best_gain, best = gain, list(chosen)
        if i == len(items) or gain + suffix[i] <= best_gain:
            return
        if costs[i] <= left:
            chosen.append(i)
            walk(i + 1, left - costs[i], gain + gains[i])
            chosen.pop()
        walk(i + 1, left, gain)

    walk(0, cash, 0)
    return sorted(items[i].bid_id for i in best)


def _milp(cash: int, bids: Sequence[Bid]) -> list[str]:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    gains = np.array([b.discount_minor() for b in bids], dtype=np.int64)
    costs = np.array([b.cash_minor() for b in bids], dtype=np.int64)
    res = milp(
        c=-gains.astype("float64"),
        constraints=[LinearConstraint(costs.astype("float64")[np.newaxis, :], 0, cash)],
        integrality=np.ones(len(bids)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    if res.x is None:
        return []
    pick = [i for i, x in enumerate(res.x) if x > 0.5]
    if sum(int(costs[i]) for i in pick) > cash:  # solver tolerance must never overspend
        pick = sorted(pick, key=lambda i: int(gains[i]))
        while pick and sum(int(costs[i]) for i in pick) > cash:
            pick.pop(0)
    return sorted(bids[i].bid_id for i in pick)


# ---------------------------------------------------------------- reporting


def percentile(values: Sequence[int], pct: int) -> Decimal | None:
    """The pct-th percentile by linear interpolation between closest ranks (as numpy's default)."""
    if not values:
        return None
    data = sorted(values)
    pos = Decimal(len(data) - 1) * Decimal(pct) / Decimal(100)
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    frac = pos - lo
    return (Decimal(data[lo]) + (Decimal(data[hi]) - Decimal(data[lo])) * frac).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


# Values the pages show that are not enums: each kind's values, translated in the `labels`
# catalogs (tests/unit/test_translations.py checks that every one is).
VOCABULARY: dict[str, tuple[str, ...]] = {
    # a margin call on pledged goods (`warehouse.mark_to_market`)
    "financing.MarginCallStatus": ("open", "cured"),
    "financing.Scenario": (
        "reverse_factoring",
        "receivables_factoring",
        "warehouse_pledge",
        "purchase_order",
        "bill_discounting",
        "dynamic_discounting",
        "credit_insurance",
    ),
    "financing.Check": (
        "amount",
        "applicant_lists",
        "asset_reservations",
        "authenticity",
        "circular_trade",
        "clearing",
        "cover",
        "exposure_caps",
        "funders_white_listed",
        "invoice_fingerprints",
        "registry_conflicts",
        "related_party",
        "risk_limit",
        "scenario_review",
        "scenario_rules",
    ),
    "financing.ClaimStatus": ("open", "paid"),
    "financing.CoverKind": ("insurance", "guarantee"),
    "financing.ProgramStatus": ("open", "cleared"),
    "financing.BidStatus": ("open", "won", "lost", "withdrawn"),
}
