"""Cross-border e-commerce marketplace receivables (Longgang, Qianhai): a seller borrows in CNY
or HKD against payouts a marketplace confirmed it owes in USD, EUR, HKD or CNY, converted at
the operator's latest FX rate (refused when none is loaded or it is stale); the payout is
assigned to the funder, the marketplace gets notice and pays the funder from then on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from scf.financing.checks import Check, CheckContext, Verdict, escalate, passed
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_str
from scf.parties import service as parties
from scf.registry.service import CollateralRef
from scf.scenarios import service as scn


def payout_key(marketplace_uscc: str, reference: str) -> str:
    """The registry identifier of a payout: the marketplace and its own payout number, so a
    payout recorded twice under two records still meets its earlier registration."""
    return f"marketplace_payout/{marketplace_uscc}/{reference}"


def check_marketplace_exposure(ctx: CheckContext) -> Verdict:
    """Escalate when advances against one marketplace's payouts would pass the platform's
    limit per marketplace (concentration on one collector of the sellers' sales)."""
    market = ctx.view.debtor_org_id or ""
    reason = scn.marketplace_concentration(ctx.uow, market, ctx.amount)
    if reason is not None:
        return escalate("marketplace_exposure", reason)
    return passed("marketplace_exposure", "within the limit per marketplace")


class CrossBorderPayouts(Scenario):
    code: ClassVar[str] = "cross_border_payout"
    title: ClassVar[str] = "Cross-border e-commerce marketplace payouts"
    asset_kind: ClassVar[str] = "marketplace_payout"
    required_evidence: ClassVar[tuple[str, ...]] = (
        "marketplace_confirmation",
        "sales_history",
        "fx_rate",
    )
    pricing_inputs: ClassVar[tuple[str, ...]] = (
        *Scenario.pricing_inputs,
        "fx_rate",
        "tenor",
        "marketplace",
    )
    # At most 80% of the payout's converted value: room for the rate to move until payout.
    limits: ClassVar[Limits] = Limits(max_tenor_days=180, max_advance=Decimal("0.80"))
    registry_kind: ClassVar[str | None] = "assignment"
    # Collection abroad and currency risk on top of the funder's price list.
    scenario_spread: ClassVar[Decimal] = Decimal("0.0075")

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        payout_id = field_str(asset, "payout_id")
        currency = scn.check_advance_currency(asset.get("advance_currency", "CNY"))
        payout = scn.payout_for_financing(ctx.uow, payout_id, ctx.applicant_org_id)
        quote = scn.rate_for(ctx.uow, payout.currency, currency)
        value = scn.convert(payout.amount, quote.rate, currency)
        market = parties.find_organization(ctx.uow, payout.marketplace_org_id)
        months = len(payout.sales_history)
        review = []
        if months < scn.MIN_SALES_MONTHS:
            review.append(
                f"{months} months of sales history on the marketplace, "
                f"fewer than {scn.MIN_SALES_MONTHS}"
            )
        return AssetView(
            value=value,
            due_on=payout.due_on,
            debtor_org_id=payout.marketplace_org_id,
            collateral=[CollateralRef("other", payout_key(market.uscc, payout.reference))],
            evidence={
                "marketplace_confirmation": True,
                "sales_history": payout.sales_history,
                "fx_rate": quote.as_json(),
            },
            escalate=review,
            facts={
                "payout_id": payout.id,
                "payout_reference": payout.reference,
                "payout_amount": payout.amount.as_json(),
                "fx_rate": quote.as_json(),
                "value": value.as_json(),
            },
        )

    def checks(self) -> Sequence[Check]:
        return (check_marketplace_exposure,)

    def register(
        self, ctx: Context, app: Any, funder_org_id: str, rate: Decimal, months: int
    ) -> list[dict[str, Any]]:
        filings = super().register(ctx, app, funder_org_id, rate, months)
        scn.assign_payout_in(
            ctx.platform_uow(),
            app.asset["payout_id"],
            funder_org_id=funder_org_id,
            application_id=app.id,
            advance=app.amount,
            registration_number=filings[0]["number"] if filings else None,
        )
        return filings

    def after_registration(self, ctx: Context, app: Any) -> None:
        """Give the marketplace notice of the assignment: it pays the payout to the funder."""
        if app.debtor_org_id is None or app.funder_org_id is None:
            return
        payout = app.asset["payout_id"]
        app.payment_redirect = {
            "pay_to_org_id": app.funder_org_id,
            "instead_of_org_id": app.applicant_org_id,
            "payout_id": payout,
            "notice_at": ctx.uow.now().isoformat(),
            "registration": app.registrations[0]["number"] if app.registrations else None,
        }
        ctx.notify(
            app.debtor_org_id,
            "assignment_notice",
            f"Notice of assignment of payout {payout}",
            f"The payout was assigned under registration "
            f"{app.payment_redirect['registration']}; pay it to the funder "
            f"{app.funder_org_id}, not to the seller, until the assignment is released.",
        )

    def release(self, ctx: Context, app: Any, reason: str) -> None:
        super().release(ctx, app, reason)
        scn.settle_payout_in(ctx.platform_uow(), app.asset["payout_id"], reason)


SCENARIO = CrossBorderPayouts()
