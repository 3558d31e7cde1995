"""Settings of the financing room from the environment (prefix SCF_FIN_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.core.money import Money


class FinancingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCF_FIN_", extra="ignore")

    # Key industry chains (seed III.1): their members get the green channel and may be
    # offered products reserved for the chain.
    key_chains: list[str] = [
        "new_energy_vehicles",
        "semiconductors",
        "gold_jewelry",
        "cross_border_ecommerce",
        "advanced_manufacturing",
    ]
    # The green channel decides automatically only up to this amount per application.
    green_limit: dict[str, str] = {"CNY": "5000000.00", "HKD": "5000000.00", "USD": "700000.00"}
    # Joint incentives: red-listed applicants get this much off every funder's rate.
    red_list_discount: Decimal = Decimal("0.0050")
    # Trade authenticity below this score sends an application to manual review.
    authenticity_min: int = Field(default=60, ge=0, le=100)
    # How long a priced offer stays open when the funder's product says nothing.
    offer_validity_hours: int = Field(default=72, ge=1, le=24 * 30)
    # How long an accepted offer reserves its asset for the funder to register the financing;
    # after that another institution's acceptance may take the asset.
    reservation_hours: int = Field(default=72, ge=1, le=24 * 90)
    # Working days after the due date before an overdue financing may be declared in default.
    default_after_working_days: int = Field(default=30, ge=0, le=365)

    def green_cap(self, currency: str) -> Money | None:
        raw = self.green_limit.get(currency)
        return Money.of(raw, currency) if raw is not None else None


@lru_cache
def get_financing_settings() -> FinancingSettings:
    return FinancingSettings()
