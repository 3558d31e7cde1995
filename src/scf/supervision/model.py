"""Rules of supervision: alert cases, period buckets and the arithmetic of indicators."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from scf.core.errors import InvalidInput, RuleViolation
from scf.core.money import Money

CNY = "CNY"  # the platform's currency: rates by amount are over it, so currencies never mix


class CaseStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


class AlertSource(StrEnum):
    RISK = "risk"
    CERTIFICATES = "certificates"
    FINANCING = "financing"
    CALENDAR = "calendar"  # an official holiday schedule loaded, and the dates it moved
    INSTITUTIONS = "institutions"  # a unit near or past its tolerated NPL ratio
    SHARING = "sharing"  # a change another department sent (market supervision)


class MarketChange(StrEnum):
    """What market supervision sends about a registered enterprise."""

    SHAREHOLDER = "shareholder"
    LEGAL_REPRESENTATIVE = "legal_representative"
    DEREGISTRATION = "deregistration"
    ABNORMAL_OPERATION = "abnormal_operation"


class Granularity(StrEnum):
    DAY = "day"
    MONTH = "month"


# What the platform does to a listed party; the financing and certificate rooms enforce it.
ENFORCEMENT: dict[str, str] = {
    "black": "no new financing, no certificate transfers to the party (joint penalties)",
    "red": "green channel: fast automatic decisions within limits (joint incentives)",
    "white": "may fund and buy assets on the platform",
}


def next_status(current: str, action: str) -> CaseStatus:
    """Move a case: open -> assigned -> resolved; a resolved case does not move again."""
    if current == CaseStatus.RESOLVED.value:
        raise RuleViolation("the alert is already resolved", code="already_resolved")
    if action == "assign":
        return CaseStatus.ASSIGNED
    if action == "resolve":
        return CaseStatus.RESOLVED
    raise InvalidInput(f"unknown action {action!r}", field="action")


def parse_source(value: str) -> AlertSource:
    try:
        return AlertSource(value)
    except ValueError:
        allowed = ", ".join(s.value for s in AlertSource)
        raise InvalidInput(
            f"unknown alert source {value!r}; use {allowed}", field="source"
        ) from None


def parse_granularity(value: str) -> Granularity:
    try:
        return Granularity(value)
    except ValueError:
        raise InvalidInput("use day or month", field="granularity") from None


def bucket(d: date, granularity: Granularity) -> str:
    return d.isoformat() if granularity is Granularity.DAY else d.strftime("%Y-%m")


def buckets(start: date, end: date, granularity: Granularity) -> list[str]:
    """Every period label from start to end inclusive, so that empty periods show as zero."""
    if end < start:
        raise InvalidInput("the end is before the start", field="end")
    if granularity is Granularity.DAY:
        if (end - start).days > 731:
            raise InvalidInput("at most two years of daily points", field="end")
        return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    out: list[str] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput("write the month as YYYY-MM", field="month") from None
    if not 1900 <= first.year <= 2199:
        raise InvalidInput("a month from 1900 to 2199", field="month")
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of a YYYY-Qn quarter."""
    year, _, q = quarter.upper().partition("-Q")
    if not (year.isdigit() and 1900 <= int(year) <= 2199 and q in {"1", "2", "3", "4"}):
        raise InvalidInput("write the quarter as YYYY-Qn, n from 1 to 4", field="quarter")
    first_month = 3 * int(q) - 2
    first = date(int(year), first_month, 1)
    return first, month_bounds(f"{year}-{first_month + 2:02d}")[1]


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a report period: a month (YYYY-MM) or a quarter (YYYY-Qn)."""
    if "Q" in period.upper():
        return quarter_bounds(period)
    try:
        return month_bounds(period)
    except InvalidInput:
        raise InvalidInput(
            "write the period as a month YYYY-MM or a quarter YYYY-Qn", field="period"
        ) from None


def quarter_of(d: date) -> str:
    """The YYYY-Qn quarter a day falls in."""
    return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class FinancingFact:
    """One financing as supervision sees it, whichever room booked it."""

    source: str
    id: str
    borrower_org_id: str
    funder_org_id: str
    core_org_id: str | None
    scenario: str
    amount: Money
    rate: Decimal | None
    status: str
    applied_at: datetime
    decided_at: datetime | None
    green_channel: bool = False
    tier: int | None = None
    overdue: bool = False
    defaulted: bool = False
    disbursed: bool | None = None  # when the room says so; else read from the status

    @property
    def decided_on(self) -> date:
        """The day of the decision, or of the application while none was taken."""
        return (self.decided_at or self.applied_at).date()

    @property
    def funded(self) -> bool:
        if self.disbursed is not None:
            return self.disbursed
        return self.status in {
            "financed",
            "funded",
            "disbursed",
            "repaid",
            "settled",
            "overdue",
            "defaulted",
            "active",
        }


def sum_by(facts: Iterable[FinancingFact], key: Any) -> list[dict[str, Any]]:
    """Group funded amounts (per currency) and counts by a key function, largest first."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, int] = defaultdict(int)
    for f in facts:
        k = str(key(f))
        totals[k][f.amount.currency] += f.amount.minor
        counts[k] += 1
    rows: list[dict[str, Any]] = [
        {
            "key": k,
            "count": counts[k],
            "amounts": [Money(v, c).as_json() for c, v in sorted(totals[k].items())],
            "_sort": sum(totals[k].values()),
        }
        for k in totals
    ]
    rows.sort(key=lambda r: (-r["_sort"], r["key"]))
    for r in rows:
        del r["_sort"]
    return rows


def weighted_rate(facts: Iterable[FinancingFact]) -> dict[str, Any]:
    """Amount-weighted average, lowest and highest annual rate, as decimal strings."""
    priced = [f for f in facts if f.rate is not None]
    if not priced:
        return {"count": 0, "weighted_average": None, "min": None, "max": None}
    weight = sum(f.amount.minor for f in priced)
    num = sum((Decimal(f.amount.minor) * (f.rate or Decimal(0)) for f in priced), Decimal(0))
    avg = (num / Decimal(weight)) if weight else Decimal(0)
    q = Decimal("0.000001")
    return {
        "count": len(priced),
        "weighted_average": str(avg.quantize(q, ROUND_HALF_UP)),
        "min": str(min(f.rate for f in priced if f.rate is not None).quantize(q)),
        "max": str(max(f.rate for f in priced if f.rate is not None).quantize(q)),
    }


def hours_stats(durations: list[timedelta]) -> dict[str, Any]:
    """Count, mean and median of decision times in hours (decimal strings, two places)."""
    if not durations:
        return {"count": 0, "mean_hours": None, "median_hours": None}
    secs = sorted(int(d.total_seconds()) for d in durations)
    n = len(secs)
    median = Decimal(secs[n // 2]) if n % 2 else Decimal(secs[n // 2 - 1] + secs[n // 2]) / 2
    q = Decimal("0.01")
    return {
        "count": n,
        "mean_hours": str((Decimal(sum(secs)) / n / 3600).quantize(q, ROUND_HALF_UP)),
        "median_hours": str((median / 3600).quantize(q, ROUND_HALF_UP)),
    }


def ratio(part: int, whole: int) -> str | None:
    """A share as a decimal string with four places, or None when there is nothing to divide."""
    if whole == 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


# Values the pages show that are not enums (see `scf.core.i18n`): what each list does, and
# the kinds of the rooms' alerts in the regulator's inbox.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "supervision.Enforcement": tuple(ENFORCEMENT),
    # a certificate piece's sale to an institution, as the certificates room records it
    "supervision.PieceFinancing": ("offered", "financed", "declined", "withdrawn"),
    # the states the console's drill-down lists filter by (`drilldown.FINANCING_STATES`)
    "supervision.FinancingState": ("funded", "overdue", "defaulted", "decided", "all"),
    "alert": (
        "circular_trade",
        "self_financing",
        "related_party",
        "fan_in",
        "fan_out",
        "scatter_gather",
        "returning_funds",
        "shell_company",
        "concentration_jump",
        "debtor_paying_late",
        "model_drift",
        "near_duplicate_invoices",
        "new_related_parties",
        "overdue_elsewhere",
        "sales_drop",
        "unusual_certificate_inflow",
        "certificate_overdue",
        "certificate_defaulted",
        "margin_call",
        "financing",
        "financing_overdue",
        "financing_defaulted",
        "calendar_dates_rolled",
        # what another department's change raised (`scf.supervision.exchange`)
        "related_group_changed",
        "deregistered",
        "abnormal_operation",
    ),
}
