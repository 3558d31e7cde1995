"""Settings of the trade room from the environment (prefix SCF_TRADE_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.trade.model import DEFAULT_WEIGHTS, Tolerances


class TradeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCF_TRADE_", extra="ignore")

    # Points off 100 per authenticity reason; JSON in SCF_TRADE_WEIGHTS overrides some or all.
    weights: dict[str, int] = {}
    quantity_tolerance: Decimal = Decimal("0.02")
    price_tolerance: Decimal = Decimal("0.01")
    date_tolerance_days: int = 3
    near_duplicate_days: int = 7
    seller_min_age_days: int = 365

    def merged_weights(self) -> dict[str, int]:
        return {**DEFAULT_WEIGHTS, **self.weights}

    def tolerances(self) -> Tolerances:
        return Tolerances(
            quantity_pct=self.quantity_tolerance,
            price_pct=self.price_tolerance,
            date_days=self.date_tolerance_days,
            near_duplicate_days=self.near_duplicate_days,
            seller_min_age_days=self.seller_min_age_days,
        )


@lru_cache
def trade_settings() -> TradeSettings:
    return TradeSettings()
