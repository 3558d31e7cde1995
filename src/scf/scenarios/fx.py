"""FX rates the operator loads (no outside service): each with its source and observation time;
conversion uses the latest observation of the pair and refuses one older than the staleness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.bounds import check_text
from scf.core.clock import ensure_utc
from scf.core.errors import InvalidInput
from scf.core.ids import new_id
from scf.core.money import check_currency
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.scenarios.config import get_scenario_settings
from scf.scenarios.model import FX_CLOCK_SKEW, fx_rate, stale_reason
from scf.scenarios.tables import FxRateRow


@dataclass(frozen=True)
class FxQuote:
    """The rate a conversion used: 1 `base` in `quote`, where it came from and when."""

    base: str
    quote: str
    rate: Decimal
    source: str
    observed_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "quote": self.quote,
            "rate": str(self.rate),
            "source": self.source,
            "observed_at": self.observed_at.isoformat(),
        }


def fx_dict(row: FxRateRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "base": row.base,
        "quote": row.quote,
        "rate": str(Decimal(row.rate).quantize(Decimal("0.00000001"))),
        "source": row.source,
        "observed_at": ensure_utc(row.observed_at).isoformat(),
        "loaded_at": ensure_utc(row.loaded_at).isoformat(),
    }


def load_fx_rate(
    uow: UnitOfWork, *, base: str, quote: str, rate: object, source: str, observed_at: datetime
) -> FxRateRow:
    """The operator loads one rate: 1 `base` in `quote`, its source and when it was observed."""
    parties.require_role(uow.actor, "operator")
    check_currency(base, "base")
    check_currency(quote, "quote")
    if base == quote:
        raise InvalidInput("a rate converts between two different currencies", field="quote")
    value = fx_rate(rate)
    source = check_text(source.strip(), "source", max_length=200, multiline=False)
    if not source:
        raise InvalidInput("say where the rate comes from", field="source")
    try:
        observed = ensure_utc(observed_at)
    except (TypeError, ValueError):
        raise InvalidInput("a time with its zone", field="observed_at") from None
    if observed > uow.now() + FX_CLOCK_SKEW:
        raise InvalidInput("the rate cannot be observed in the future", field="observed_at")
    row = FxRateRow(
        id=new_id("fxr"),
        base=base,
        quote=quote,
        rate=value,
        source=source,
        observed_at=observed,
        loaded_at=uow.now(),
        loaded_by=uow.actor.org_id,
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("scenarios.fx_rate.loaded", "fx_rate", f"{base}/{quote}", after=fx_dict(row))
    uow.commit()
    return row


def list_fx_rates(uow: UnitOfWork, limit: int = 200) -> list[FxRateRow]:
    """The rates loaded, newest observation first."""
    return list(
        uow.session.scalars(
            select(FxRateRow).order_by(FxRateRow.observed_at.desc(), FxRateRow.id).limit(limit)
        )
    )


def rate_for(
    uow: UnitOfWork, base: str, quote: str, *, field: str = "asset.advance_currency"
) -> FxQuote:
    """The latest rate of the pair, refused when none is loaded or it is older than allowed."""
    if base == quote:
        return FxQuote(base, quote, Decimal(1), "same currency", uow.now())
    row = uow.session.scalars(
        select(FxRateRow)
        .where(FxRateRow.base == base, FxRateRow.quote == quote)
        .order_by(FxRateRow.observed_at.desc(), FxRateRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise InvalidInput(
            f"no {base}/{quote} exchange rate is loaded; the operator loads one first",
            field=field,
            code="no_fx_rate",
        )
    observed = ensure_utc(row.observed_at)
    max_age = timedelta(hours=get_scenario_settings().fx_max_age_hours)
    reason = stale_reason(observed, uow.now(), max_age)
    if reason is not None:
        raise InvalidInput(f"{base}/{quote}: {reason}", field=field, code="stale_fx_rate")
    return FxQuote(base, quote, Decimal(row.rate), row.source, observed)
