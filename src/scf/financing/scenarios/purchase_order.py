"""Purchase-order financing (Dapeng food and cultural tourism, seasonal orders): a supplier
borrows up to 70% of an order its buyer confirmed, to buy and make the goods."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from scf.core.errors import InvalidInput, NotFound
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_str
from scf.financing.scenarios.warehouse_pledge import tenor_days
from scf.registry.service import CollateralRef
from scf.trade import service as trade


class PurchaseOrderFinancing(Scenario):
    code: ClassVar[str] = "purchase_order"
    # Financing an order before delivery rests on the supplier's ability to perform.
    applicant_carries_risk: ClassVar[bool] = True
    title: ClassVar[str] = "Purchase-order financing on confirmed orders"
    asset_kind: ClassVar[str] = "purchase_order"
    required_evidence: ClassVar[tuple[str, ...]] = ("purchase_order", "buyer_confirmation")
    pricing_inputs: ClassVar[tuple[str, ...]] = (*Scenario.pricing_inputs, "tenor")
    limits: ClassVar[Limits] = Limits(max_tenor_days=180, max_advance=Decimal("0.70"))
    registry_kind: ClassVar[str | None] = "pledge"
    # An order is not yet a receivable: the funder takes more risk than on an invoice.
    scenario_spread: ClassVar[Decimal] = Decimal("0.0050")

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        order_id = field_str(asset, "order_id")
        try:
            order = trade.order_info(ctx.uow, order_id)
        except NotFound:
            raise InvalidInput(f"no order {order_id}", field="asset.order_id") from None
        if order["seller_org_id"] != ctx.applicant_org_id:
            raise InvalidInput(
                f"order {order['number']} is not placed with the applicant",
                field="asset.order_id",
            )
        if order["kind"] != "purchase_order":
            raise InvalidInput("a purchase order is needed", field="asset.order_id")
        if not order["confirmed_by_buyer"]:
            raise InvalidInput(
                f"order {order['number']} was not filed or confirmed by the buyer",
                field="asset.order_id",
                code="order_not_confirmed",
            )
        days = tenor_days(asset, self.limits)
        return AssetView(
            value=order["total"],
            due_on=ctx.uow.today() + timedelta(days=days),
            debtor_org_id=order["buyer_org_id"],
            collateral=[CollateralRef("other", f"purchase_order/{order_id}")],
            evidence={"purchase_order": order["number"], "buyer_confirmation": True},
            facts={"order_number": order["number"]},
        )


SCENARIO = PurchaseOrderFinancing()
