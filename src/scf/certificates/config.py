"""Settings of the certificates room from the environment (prefix SCF_CERT_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.core.daycount import DayCount
from scf.core.money import Money


class CertificateSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCF_CERT_", extra="ignore")

    # Tenor: six months in principle, one year at most (2025 supply chain e-voucher rules).
    max_tenor_months: int = Field(default=6, ge=1, le=12)
    # Working days after maturity before an unpaid certificate is in default.
    grace_working_days: int = Field(default=5, ge=0, le=60)
    # Default cap of one institution's exposure to one core enterprise, per currency; the
    # regulator may set a pair's own cap. A currency without a cap cannot be lent in.
    exposure_caps: dict[str, str] = {
        "CNY": "500000000.00",
        "HKD": "500000000.00",
        "USD": "70000000.00",
    }
    # Discount day count per currency: CNY bills and certificates use ACT/360.
    day_counts: dict[str, DayCount] = {
        "CNY": DayCount.ACT_360,
        "HKD": DayCount.ACT_365F,
        "USD": DayCount.ACT_360,
    }
    # The platform's service fee on a financed face, taken from the seller's proceeds.
    platform_fee_rate: Decimal = Decimal("0.0005")
    # BIC of the settlement bank that keeps the participants' virtual sub-accounts.
    settlement_bank_bic: str = "ICBKCNBJSZN"

    @field_validator("exposure_caps")
    @classmethod
    def _caps(cls, v: dict[str, str]) -> dict[str, str]:
        for ccy, amount in v.items():
            Money.of(amount, ccy, field="exposure_caps")
        return v

    def cap(self, currency: str) -> Money | None:
        raw = self.exposure_caps.get(currency)
        return Money.of(raw, currency) if raw is not None else None

    def day_count(self, currency: str) -> DayCount:
        return self.day_counts.get(currency, DayCount.ACT_360)


@lru_cache
def get_certificate_settings() -> CertificateSettings:
    return CertificateSettings()
