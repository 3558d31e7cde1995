"""Thresholds of the early-warning signals and graph rules, from the environment (SCF_RISK_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.risk.roundtrips import RoundTripRule


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
    control_levels: int = Field(default=16, ge=1, le=64)
    fan_counterparties: int = Field(default=10, ge=2)
    fan_window_days: int = Field(default=30, ge=1)
    shell_new_days: int = Field(default=365, ge=1)
    shell_tiny_capital_cny: int = Field(default=100_000, ge=0)
    shell_min_indicators: int = Field(default=2, ge=1)
    psi_alert: float = Field(default=0.25, gt=0)

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
