"""Rules of parks and incentive programmes: dated memberships, programme kinds and statuses."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class MemberKind(StrEnum):
    """What a park's member is: an enterprise of the chain or a financial institution."""

    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"


def overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether two membership periods share a day (an open end lasts for ever; a period
    ending on a day no longer holds that day, so leaving and joining again the same day is fine)."""
    a_before_b = end is not None and end <= other_start
    b_before_a = other_end is not None and other_end <= start
    return not (a_before_b or b_before_a)


def live_on(joined_on: date, left_on: date | None, on: date) -> bool:
    """Whether a membership holds on a day."""
    return joined_on <= on and (left_on is None or on < left_on)


class ProgrammeKind(StrEnum):
    """The city's and the districts' incentives (seed II, III.2 and the "Several Measures")."""

    SETTLEMENT_AWARD = "settlement_award"  # new financial institutions settling in the city
    INNOVATION_AWARD = "innovation_award"  # fintech institutions' innovation
    PARK_OPERATOR_REWARD = "park_operator_reward"  # a park's operating institution
    INTEREST_SUBSIDY = "interest_subsidy"  # interest of key-chain SMEs' financing


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


# Who may apply to each kind of programme.
APPLICANT_ROLES: dict[ProgrammeKind, frozenset[str]] = {
    ProgrammeKind.SETTLEMENT_AWARD: frozenset({"bank", "factoring_company", "local_financial_org"}),
    ProgrammeKind.INNOVATION_AWARD: frozenset(
        {"bank", "factoring_company", "local_financial_org", "insurer", "guarantee_company"}
    ),
    ProgrammeKind.PARK_OPERATOR_REWARD: frozenset({"park_operator"}),
    ProgrammeKind.INTEREST_SUBSIDY: frozenset({"supplier", "distributor", "core_enterprise"}),
}
