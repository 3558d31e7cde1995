"""Rules of institutions' supply chain finance units: authority bands, NPL tolerance, the
regulator's weighted scoring of institutions, and unit targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any

from scf.core.errors import FieldError, InvalidInput
from scf.core.money import Money


class UnitKind(StrEnum):
    DEPARTMENT = "department"  # a specialised department of the head office
    BRANCH = "branch"  # a specialised branch
    SUBSIDIARY = "subsidiary"  # a specialised subsidiary


class OfficerRole(StrEnum):
    OFFICER = "officer"  # decides financings within the unit's authority
    REVIEWER = "reviewer"  # decides exemptions (尽职免责)


class DecisionStatus(StrEnum):
    AWAITING_SECOND = "awaiting_second"  # above the threshold: a second officer must approve
    APPROVED = "approved"


class ExemptionStatus(StrEnum):
    FILED = "filed"
    GRANTED = "granted"
    REFUSED = "refused"


class ToleranceState(StrEnum):
    WITHIN = "within"
    NEAR = "near"  # at or above the warning share of the tolerance
    OVER = "over"


class Indicator(StrEnum):
    """What the regulator's assessment and the units' performance are measured by."""

    SME_VOLUME = "sme_volume"  # CNY funded to micro, small and medium enterprises
    SME_COUNT = "sme_count"  # distinct SMEs funded
    FIRST_TIME = "first_time_borrowers"  # SMEs funded for the first time on the platform
    TIER_REACH = "tier_reach"  # the deepest tier up the chain reached
    KEY_CHAIN_SHARE = "key_chain_share"  # share of the amount funded in key chains
    AVERAGE_RATE = "average_rate"  # amount-weighted average rate (lower is better)
    DECISION_HOURS = "decision_hours"  # average hours from application to decision (lower)
    NPL_RATIO = "npl_ratio"  # defaulted share of the amount funded (lower is better)


LOWER_IS_BETTER = frozenset({Indicator.AVERAGE_RATE, Indicator.DECISION_HOURS, Indicator.NPL_RATIO})


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


VOCABULARY: dict[str, tuple[str, ...]] = {
    # a unit or product near or past its tolerated NPL ratio (the regulator's inbox)
    "alert": ("npl_near", "npl_over"),
    # where the tolerance of a unit or product comes from
    "institutions.ToleranceSource": ("set", "unit", "default"),
}

MAX_GRADE = 5
WARN_SHARE = Decimal("0.8")  # a unit nears its tolerance at 80% of it
DEFAULT_TOLERANCE_MARGIN = Decimal("0.03")  # above the institution's overall ratio by default
POINTS = Decimal("0.01")
SHARE = Decimal("0.0001")


@dataclass(frozen=True)
class Band:
    """Who may approve amounts above `lower` up to `upper` (the first band starts at zero)."""

    lower: Money
    upper: Money
    max_tenor_days: int
    min_grade: int
    exceptions: bool  # may approve an application the automatic checks flagged

    def as_dict(self) -> dict[str, Any]:
        return {
            "lower": self.lower.as_json(),
            "upper": self.upper.as_json(),
            "max_tenor_days": self.max_tenor_days,
            "min_grade": self.min_grade,
            "exceptions": self.exceptions,
        }

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> Band:
        return cls(
            lower=Money.of(**d["lower"]),
            upper=Money.of(**d["upper"]),
            max_tenor_days=int(d["max_tenor_days"]),
            min_grade=int(d["min_grade"]),
            exceptions=bool(d["exceptions"]),
        )


def check_bands(bands: Sequence[Band], currency: str) -> list[Band]:
    """Refuse bands that overlap, leave gaps, do not start at zero or break a bound; return
    them in order. Every fault is named by its field."""
    errors: list[FieldError] = []
    if not bands:
        raise InvalidInput("name at least one band", field="bands")
    ordered = sorted(enumerate(bands), key=lambda ib: (ib[1].lower.minor, ib[1].upper.minor))
    for i, b in enumerate(bands):
        if b.lower.currency != currency or b.upper.currency != currency:
            errors.append(FieldError(f"bands[{i}].upper", f"bands are in {currency}"))
        elif b.upper <= b.lower:
            errors.append(FieldError(f"bands[{i}].upper", "must be above the band's lower end"))
        if not 1 <= b.max_tenor_days <= 3650:
            errors.append(FieldError(f"bands[{i}].max_tenor_days", "from 1 to 3650 days"))
        if not 1 <= b.min_grade <= MAX_GRADE:
            errors.append(FieldError(f"bands[{i}].min_grade", f"from 1 to {MAX_GRADE}"))
    if errors:
        raise InvalidInput("the bands break a rule", errors=errors)
    first_i, first = ordered[0]
    if not first.lower.is_zero():
        raise InvalidInput(
            f"a gap from 0 to {first.lower.amount_str()}: the first band starts at zero",
            field=f"bands[{first_i}].lower",
            code="band_gap",
        )
    for (_, prev), (i, b) in pairwise(ordered):
        if b.lower < prev.upper:
            raise InvalidInput(
                f"overlaps the band up to {prev.upper.amount_str()}",
                field=f"bands[{i}].lower",
                code="band_overlap",
            )
        if b.lower > prev.upper:
            raise InvalidInput(
                f"a gap from {prev.upper.amount_str()} to {b.lower.amount_str()}",
                field=f"bands[{i}].lower",
                code="band_gap",
            )
    return [b for _, b in ordered]


def band_for(bands: Sequence[Band], amount: Money) -> Band | None:
    """The band an amount falls in (lower < amount <= upper; zero in the first), or None when
    it is above every band."""
    for b in bands:
        if amount <= b.upper and (amount > b.lower or b.lower.is_zero()):
            return b
    return None


def approval_refusal(
    bands: Sequence[Band], amount: Money, tenor_days: int, grade: int, flagged: Sequence[str]
) -> str | None:
    """Why an officer of `grade` may not approve the amount and tenor (None: within
    authority); `flagged` names the automatic checks that asked a person to look."""
    band = band_for(bands, amount)
    if band is None:
        top = bands[-1].upper.amount_str() if bands else "0"
        return f"{amount.amount_str()} is above the unit's authority (up to {top})"
    if grade < band.min_grade:
        return (
            f"amounts up to {band.upper.amount_str()} need grade {band.min_grade}; "
            f"you hold grade {grade}"
        )
    if tenor_days > band.max_tenor_days:
        return f"a tenor of {tenor_days} days is above the band's {band.max_tenor_days}"
    if flagged and not band.exceptions:
        return "the band allows no exception to the automatic checks: " + ", ".join(flagged)
    return None


def check_ratio(value: Decimal, field: str) -> Decimal:
    """A ratio between 0 and 1 (0% to 100%)."""
    if value < 0 or value > 1:
        raise InvalidInput("a ratio from 0 to 1 (0% to 100%)", field=field)
    return value


def ratio(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_UP)


def tolerance_state(npl: Decimal, tolerated: Decimal, warn_share: Decimal = WARN_SHARE) -> str:
    if npl > tolerated:
        return ToleranceState.OVER.value
    if tolerated > 0 and npl >= tolerated * warn_share:
        return ToleranceState.NEAR.value
    if tolerated == 0 and npl > 0:
        return ToleranceState.OVER.value
    return ToleranceState.WITHIN.value


def default_tolerance(overall: Decimal) -> Decimal:
    """The tolerance of a unit or product nobody set: above the institution's overall ratio,
    as the policy intends (differentiated tolerance for supply chain finance)."""
    return min(Decimal(1), overall + DEFAULT_TOLERANCE_MARGIN)


def check_weights(items: Sequence[tuple[str, Decimal]]) -> list[tuple[Indicator, Decimal]]:
    """Refuse unknown or repeated indicators, negative weights and weights that do not add up
    to 1; each fault named by its field."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    out: list[tuple[Indicator, Decimal]] = []
    if not items:
        raise InvalidInput("name at least one indicator", field="indicators")
    for i, (code, weight) in enumerate(items):
        try:
            ind = Indicator(code)
        except ValueError:
            errors.append(FieldError(f"indicators[{i}].indicator", f"unknown indicator {code}"))
            continue
        if code in seen:
            errors.append(FieldError(f"indicators[{i}].indicator", "named twice"))
        seen.add(code)
        if weight < 0 or weight > 1:
            errors.append(FieldError(f"indicators[{i}].weight", "from 0 to 1"))
        out.append((ind, weight))
    if errors:
        raise InvalidInput("the indicators break a rule", errors=errors)
    total = sum((w for _, w in out), Decimal(0))
    if total != 1:
        raise InvalidInput(
            f"the weights add up to {total}, not 1", field="indicators", code="weights_not_one"
        )
    return out


@dataclass(frozen=True)
class Part:
    indicator: str
    weight: Decimal
    value: Decimal | None
    normalised: Decimal
    points: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "weight": str(self.weight),
            "value": None if self.value is None else str(self.value),
            "normalised": str(self.normalised),
            "points": str(self.points),
        }


def normalise(value: Decimal | None, low: Decimal, high: Decimal, lower_better: bool) -> Decimal:
    """Min-max over the institutions assessed: the best 1, the worst 0; all equal: 1, unless
    more is better and they all have none (no one earns points for lending nothing); an
    institution with nothing to measure scores 0."""
    if value is None:
        return Decimal(0)
    if high == low:
        return Decimal(1) if lower_better or value > 0 else Decimal(0)
    span = high - low
    share = (high - value) / span if lower_better else (value - low) / span
    return share.quantize(SHARE, rounding=ROUND_HALF_UP)


def score(
    values: Mapping[str, Mapping[str, Decimal | None]], weights: Sequence[tuple[Indicator, Decimal]]
) -> dict[str, tuple[Decimal, list[Part]]]:
    """Each institution's score out of 100 and its breakdown: per indicator the weight, the
    value, its min-max share and the points (weight x share x 100, to 0.01)."""
    out: dict[str, tuple[Decimal, list[Part]]] = {}
    ranges: dict[str, tuple[Decimal, Decimal]] = {}
    for ind, _ in weights:
        seen = [v[ind.value] for v in values.values() if v.get(ind.value) is not None]
        present = [x for x in seen if x is not None]
        ranges[ind.value] = (min(present), max(present)) if present else (Decimal(0), Decimal(0))
    for org, vals in values.items():
        parts = []
        for ind, w in weights:
            low, high = ranges[ind.value]
            v = vals.get(ind.value)
            n = normalise(v, low, high, ind in LOWER_IS_BETTER)
            pts = (w * n * 100).quantize(POINTS, rounding=ROUND_HALF_UP)
            parts.append(Part(ind.value, w, v, n, pts))
        out[org] = (sum((p.points for p in parts), Decimal(0)), parts)
    return out


def rank(scores: Mapping[str, Decimal]) -> dict[str, int]:
    """Competition ranking: equal scores share a rank, the next rank skips (1, 1, 3)."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    out: dict[str, int] = {}
    for i, (org, s) in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        out[org] = out[prev[0]] if prev is not None and prev[1] == s else i + 1
    return out


def check_quarter(quarter: str) -> tuple[int, int]:
    """A quarter written YYYY-Qn: (year, n)."""
    year, _, q = quarter.upper().partition("-Q")
    if not (year.isdigit() and len(year) == 4 and 1900 <= int(year) <= 2199) or q not in {
        "1",
        "2",
        "3",
        "4",
    }:
        raise InvalidInput("write the quarter as YYYY-Qn, n from 1 to 4", field="quarter")
    return int(year), int(q)


def target_met(indicator: str, actual: Decimal | None, target: Decimal) -> bool:
    if actual is None:
        return False
    if Indicator(indicator) in LOWER_IS_BETTER:
        return actual <= target
    return actual >= target


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form: 10, 0.03."""
    return f"{value.normalize():f}"
