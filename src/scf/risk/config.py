"""Thresholds of the early-warning signals and graph rules, from the environment (SCF_RISK_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.risk.roundtrips import RoundTripRule

RelatedAction = Literal["refuse", "hold", "note"]

# One control group is self-financing; a key person in both firms steers both; a shared bank
# account is one till. A shared phone or address is weaker: it may be a family's or an
# agent's, so a person looks at it.
DEFAULT_RELATED_POLICY: dict[str, RelatedAction] = {
    "control": "refuse",
    "common_controller": "refuse",
    "shared_key_person": "refuse",
    "shared_bank_account": "refuse",
    "shared_phone": "hold",
    "shared_address": "hold",
}
STRICTNESS = {"note": 0, "hold": 1, "refuse": 2}


class RiskSettings(BaseSettings):
    """Each threshold is a policy choice of the risk committee, so it lives in configuration."""

    model_config = SettingsConfigDict(env_prefix="SCF_RISK_", env_file=".env", extra="ignore")

    sales_drop: float = Field(
        default=0.4, gt=0, lt=1, description="90-day sales fall by this share"
    )
    concentration_jump: float = Field(
        default=0.2, gt=0, lt=1, description="top-debtor share rises by"
    )
    debtor_days_late: float = Field(default=30, gt=0, description="average days debtors pay late")
    near_duplicates: int = Field(default=2, ge=1, description="near-duplicate invoices in 90 days")
    new_related_parties: int = Field(default=2, ge=1, description="new related parties since last")
    overdue_elsewhere: int = Field(
        default=1, ge=1, description="overdue financings on the platform"
    )
    certificate_inflow: float = Field(
        default=3.0, gt=1, description="certificate inflow x previous"
    )
    cycle_window_days: int = Field(
        default=365, ge=1, le=730, description="a round trip closes within this many days"
    )
    cycle_hop_floor: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="each hop carries at least this share of the one before (margins shaved, "
        "fees kept by intermediaries)",
    )
    cycle_hop_ceiling: float = Field(
        default=1.05,
        ge=1,
        lt=2,
        description="and at most this multiple: a thin margin per party, not value added",
    )
    cycle_pair_ceiling: float = Field(
        default=1.0,
        ge=1,
        lt=2,
        description="a two-party loop returning more than this multiple is toll processing",
    )
    cycle_min_score: float = Field(
        default=0.0, ge=0, le=1, description="round trips scored below this are not shown"
    )
    cycle_max_hops: int = Field(default=12, ge=2, le=16)
    control_levels: int = Field(default=64, ge=1, le=64)
    related_policy: dict[str, RelatedAction] = Field(
        default_factory=lambda: dict(DEFAULT_RELATED_POLICY),
        description="what a financing does when applicant and debtor are linked, by kind of "
        'link (JSON, e.g. {"shared_phone": "note"}): refuse, hold for review, or note',
    )
    fan_counterparties: int = Field(default=10, ge=2)
    fan_window_days: int = Field(default=30, ge=1)
    shell_new_days: int = Field(default=365, ge=1)
    shell_tiny_capital_cny: int = Field(default=100_000, ge=0)
    shell_min_score: float = Field(
        default=3.0, gt=0, description="weight of shell indicators that flags a shell"
    )
    shell_burst_x_capital: float = Field(
        default=3.0, gt=0, description="sales in 90 days against registered capital"
    )
    shell_one_customer_share: float = Field(default=0.9, gt=0, le=1)
    shell_dormant_days: int = Field(default=90, ge=1)
    psi_alert: float = Field(default=0.25, gt=0)

    @field_validator("related_policy")
    @classmethod
    def _over_the_defaults(cls, v: dict[str, RelatedAction]) -> dict[str, RelatedAction]:
        """What the operator sets replaces the default for those kinds of link only."""
        return {**DEFAULT_RELATED_POLICY, **v}

    def round_trip_rule(self) -> RoundTripRule:
        """The round-trip search's rule with the room's settings."""
        return RoundTripRule(
            max_hops=self.cycle_max_hops,
            window_days=self.cycle_window_days,
            hop_floor=self.cycle_hop_floor,
            hop_ceiling=self.cycle_hop_ceiling,
            pair_ceiling=self.cycle_pair_ceiling,
            min_score=self.cycle_min_score,
        )


@lru_cache
def risk_settings() -> RiskSettings:
    return RiskSettings()
