"""Warehouse-receipt pledge (Luohu gold and jewelry; Yantian bonded fuel): a loan against goods a
warehouse confirmed, at most 60% of their market value, marked to market against the price the
operator posts; a margin call opens when the loan passes 75% of the value."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from scf.core.errors import InvalidInput
from scf.financing.model import collateral_value
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_count, field_str
from scf.registry import service as registry
from scf.registry.model import units_to_decimal


def tenor_days(asset: Mapping[str, Any], limits: Limits) -> int:
    days = field_count(asset, "tenor_days", "a whole number of days above zero")
    if days > limits.max_tenor_days:
        raise InvalidInput(f"at most {limits.max_tenor_days} days", field="asset.tenor_days")
    return days


class WarehousePledge(Scenario):
    code: ClassVar[str] = "warehouse_pledge"
    title: ClassVar[str] = "Warehouse-receipt pledge with mark-to-market"
    asset_kind: ClassVar[str] = "warehouse_receipt"
    required_evidence: ClassVar[tuple[str, ...]] = ("warehouse_confirmation", "commodity_price")
    pricing_inputs: ClassVar[tuple[str, ...]] = (*Scenario.pricing_inputs, "loan_to_value", "tenor")
    limits: ClassVar[Limits] = Limits(max_tenor_days=365, max_advance=Decimal("0.60"))
    registry_kind: ClassVar[str | None] = "pledge"
    margin_call_ltv: ClassVar[Decimal | None] = Decimal("0.75")
    applicant_roles: ClassVar[frozenset[str]] = frozenset(
        {"supplier", "distributor", "core_enterprise"}
    )

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        receipt = field_str(asset, "receipt")
        quantity = asset.get("quantity")
        ref = registry.CollateralRef(
            "warehouse_receipt",
            receipt,
            Decimal(str(quantity)) if isinstance(quantity, str | int) else None,
        )
        # No empty pledge (rule 3): the warehouse must hold the goods for the applicant and
        # they must not be pledged already beyond what is held.
        goods, units = registry.pledge_capacity_in(
            ctx.uow,
            ref,
            grantor_org_ids=[ctx.applicant_org_id],
            field_name="asset.receipt",
        )
        qty = units_to_decimal(units)
        unit_price = ctx.commodity_price(goods.commodity)
        value = collateral_value(qty, unit_price)
        days = tenor_days(asset, self.limits)
        return AssetView(
            value=value,
            due_on=ctx.uow.today() + timedelta(days=days),
            collateral=[ref],
            evidence={"warehouse_confirmation": goods.id, "commodity_price": str(unit_price)},
            facts={
                "goods_id": goods.id,
                "commodity": goods.commodity,
                "unit": goods.unit,
                "quantity": str(qty),
                "price_at_application": unit_price.as_json(),
                "value_at_application": value.as_json(),
            },
        )


SCENARIO = WarehousePledge()
