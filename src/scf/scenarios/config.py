"""Settings of the district scenarios from the environment (prefix SCF_SCN_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.core.money import Money


class ScenarioSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCF_SCN_", extra="ignore")

    # An FX rate older than this is refused: the operator loads a fresh one.
    fx_max_age_hours: int = Field(default=24, ge=1, le=24 * 14)
    # Live advances against one marketplace's payouts above this (per advance currency) go to
    # a person: concentration on one marketplace.
    marketplace_limit: dict[str, str] = {"CNY": "50000000.00", "HKD": "55000000.00"}

    def marketplace_cap(self, currency: str) -> Money | None:
        raw = self.marketplace_limit.get(currency)
        return Money.of(raw, currency) if raw is not None else None


@lru_cache
def get_scenario_settings() -> ScenarioSettings:
    return ScenarioSettings()
