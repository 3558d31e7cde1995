"""The warehouse pledge's watch: commodity prices, mark-to-market and margin calls."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select

from scf.core.errors import InvalidInput, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing.applications import may_see
from scf.financing.inbox import notify
from scf.financing.scenario import get_scenario
from scf.financing.tables import CommodityPriceRow, FinancingApplicationRow, MarginCallRow
from scf.parties import service as parties


def _commodity_key(commodity: str) -> str:
    return " ".join(commodity.strip().casefold().split())


def set_commodity_price(
    uow: UnitOfWork, commodity: str, unit: str, price: Money, source: str = ""
) -> CommodityPriceRow:
    """The operator posts a commodity price (e.g. gold, CNY per gram); history is kept."""
    parties.require_role(uow.actor, "operator")
    if not commodity.strip():
        raise InvalidInput("name the commodity", field="commodity")
    if not unit.strip():
        raise InvalidInput("name the unit (gram, tonne, ...)", field="unit")
    if not price.is_positive():
        raise InvalidInput("a price above zero", field="price")
    row = CommodityPriceRow(
        commodity=_commodity_key(commodity),
        unit=unit.strip(),
        currency=price.currency,
        price_minor=price.minor,
        as_of=uow.now(),
        source=source,
        set_by=uow.actor.org_id,
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "financing.price.posted",
        "commodity_price",
        row.commodity,
        after={"unit": row.unit, "price": price.as_json(), "source": source},
    )
    uow.commit()
    return row


def latest_price(uow: UnitOfWork, commodity: str) -> Money:
    row = uow.session.scalar(
        select(CommodityPriceRow)
        .where(CommodityPriceRow.commodity == _commodity_key(commodity))
        .order_by(CommodityPriceRow.as_of.desc(), CommodityPriceRow.id.desc())
    )
    if row is None:
        raise RuleViolation(
            f"no price is posted for {commodity}; the operator posts one first",
            code="no_commodity_price",
        )
    return Money(row.price_minor, row.currency)


def list_prices(uow: UnitOfWork) -> list[CommodityPriceRow]:
    return list(
        uow.session.scalars(select(CommodityPriceRow).order_by(CommodityPriceRow.id.desc()))
    )


def _open_calls(app_id: str) -> Select[MarginCallRow]:
    return select(MarginCallRow).where(
        MarginCallRow.application_id == app_id, MarginCallRow.status == "open"
    )


def _call_margin(
    uow: UnitOfWork, app: FinancingApplicationRow, ltv: Decimal, threshold: Decimal, value: Money
) -> None:
    shortfall = app.outstanding - value.scale(threshold)
    call = MarginCallRow(
        id=new_id("mcl"),
        application_id=app.id,
        ltv=ltv,
        threshold=threshold,
        currency=app.currency,
        value_minor=value.minor,
        shortfall_minor=shortfall.minor,
        status="open",
        opened_at=uow.now(),
    )
    uow.session.add(call)
    uow.audit(
        "financing.margin_call.opened",
        "financing_application",
        app.id,
        after={"ltv": ltv, "value": value, "shortfall": shortfall},
    )
    for org in {app.applicant_org_id, app.funder_org_id}:
        if org:
            notify(
                uow,
                org,
                "margin_call",
                f"Margin call on {app.id}: loan-to-value {ltv} over {threshold}",
                f"Repay {shortfall} or pledge more goods.",
                app.id,
            )


def mark_to_market(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Revalue every live goods pledge at the latest price; open a margin call when the loan
    passes the scenario's threshold, cure it when it is back under."""
    parties.require_role(uow.actor, "operator", "regulator")
    out = []
    live = [s.value for s in M.LIVE]
    for app in uow.session.scalars(
        select(FinancingApplicationRow).where(FinancingApplicationRow.status.in_(live))
    ):
        sc = get_scenario(app.scenario)
        threshold = sc.margin_call_ltv
        if threshold is None:
            continue
        price = latest_price(uow, app.evidence["commodity"])
        value = M.collateral_value(Decimal(app.evidence["quantity"]), price)
        ltv = M.loan_to_value(app.outstanding, value)
        open_call = uow.session.scalar(_open_calls(app.id))
        if ltv > threshold and open_call is None:
            _call_margin(uow, app, ltv, threshold, value)
        elif ltv <= threshold and open_call is not None:
            open_call.status = "cured"
            open_call.cured_at = uow.now()
            uow.audit(
                "financing.margin_call.cured", "financing_application", app.id, after={"ltv": ltv}
            )
        out.append(
            {
                "application_id": app.id,
                "value": value.as_json(),
                "ltv": str(ltv),
                "margin_call": ltv > threshold,
            }
        )
    uow.commit()
    return out


def cure_margin_calls(uow: UnitOfWork, app: FinancingApplicationRow) -> None:
    """Mark the application's open margin calls cured (its financing is closing)."""
    for call in uow.session.scalars(_open_calls(app.id)):
        call.status = "cured"
        call.cured_at = uow.now()


def margin_calls(uow: UnitOfWork) -> list[MarginCallRow]:
    rows = list(uow.session.scalars(select(MarginCallRow).order_by(MarginCallRow.opened_at)))
    out = []
    for r in rows:
        app = uow.session.get(FinancingApplicationRow, r.application_id)
        if app is not None and may_see(uow, app):
            out.append(r)
    return out
