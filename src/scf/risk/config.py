"""Thresholds of the early-warning signals and graph rules, from the environment (SCF_RISK_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    cycle_window_days: int = Field(default=30, ge=1)
    cycle_tolerance: float = Field(
        default=0.2, gt=0, lt=1, description="returned amount vs the amount that left"
    )
    cycle_hop_tolerance: float = Field(
        default=0.08,
        gt=0,
        lt=1,
        description="each hop vs the one before: a thin margin per party, not value added",
    )
    cycle_max_hops: int = Field(default=6, ge=2, le=8)
    control_levels: int = Field(default=4, ge=1, le=8)
    fan_counterparties: int = Field(default=10, ge=2)
    fan_window_days: int = Field(default=30, ge=1)
    shell_new_days: int = Field(default=365, ge=1)
    shell_tiny_capital_cny: int = Field(default=100_000, ge=0)
    shell_min_indicators: int = Field(default=2, ge=1)
    psi_alert: float = Field(default=0.25, gt=0)


@lru_cache
def risk_settings() -> RiskSettings:
    return RiskSettings()
