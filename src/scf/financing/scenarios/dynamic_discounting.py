"""Dynamic discounting (C2FO style): the core enterprise pays its own suppliers early for an
annualized discount they bid; a clearing step picks the bids (see `model.clear_bids`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from scf.core.errors import InvalidInput
from scf.financing.scenario import AssetView, Context, Limits, Scenario
from scf.financing.scenarios.receivables_factoring import (
    receivable_view,
    use_financed_receivable,
)


class DynamicDiscounting(Scenario):
    code: ClassVar[str] = "dynamic_discounting"
    title: ClassVar[str] = "Dynamic discounting with the buyer's own cash"
    asset_kind: ClassVar[str] = "receivable"
    required_evidence: ClassVar[tuple[str, ...]] = ("invoice", "debtor_confirmation")
    pricing_inputs: ClassVar[tuple[str, ...]] = ("bid_rate", "hurdle_rate", "days_early")
    limits: ClassVar[Limits] = Limits(max_tenor_days=365, max_advance=Decimal(1))
    registry_kind: ClassVar[str | None] = None  # the debtor pays its own debt: nothing to file
    self_funded: ClassVar[bool] = True

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        view = receivable_view(ctx, asset, purpose="early payment")
        buyer = asset.get("buyer_org_id")
        if buyer != view.debtor_org_id:
            raise InvalidInput(
                "the receivable is owed by another buyer than the programme's",
                field="asset.receivable_id",
            )
        return view

    def register(
        self, ctx: Context, app: Any, funder_org_id: str, rate: Decimal, months: int
    ) -> list[dict[str, Any]]:
        use_financed_receivable(ctx, app, "early_payment")
        return []


SCENARIO = DynamicDiscounting()
