"""Credit on weak property rights for technology SMEs (Nanshan): a loan on the strength of the
applicant's orders, recurring trade and intellectual property (patents, software copyrights,
trademarks) pledged by registration number, valued by an appraiser with a haircut; the risk
room's supply-chain score sets the limit, and the registry keeps one live pledge per right."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from scf.core.errors import RuleViolation
from scf.financing.checks import Check, CheckContext, Verdict, passed, refuse
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_str
from scf.financing.scenarios.warehouse_pledge import tenor_days
from scf.registry.service import CollateralRef
from scf.risk import service as risk
from scf.scenarios import service as scn
from scf.trade import service as trade

# Fewer invoices than this over the trailing year is no recurring trade: a person looks.
MIN_INVOICES_365D = 3


def ip_key(kind: str, number: str) -> str:
    """The registry identifier of a right: its kind and the office's registration number."""
    return f"{kind}/{number}"


def check_supply_chain_limit(ctx: CheckContext) -> Verdict:
    """Refuse an amount over the limit the risk room's supply-chain score gives the applicant
    (trailing confirmed sales x the grade's advance rate, less exposure and alerts)."""
    limit = risk.limit_for(ctx.platform, ctx.applicant_org_id, commit=False)
    if limit is None or limit.currency != ctx.amount.currency or ctx.amount > limit:
        return refuse(
            "supply_chain_limit",
            RuleViolation(
                f"{ctx.amount} is over the supply-chain limit "
                f"{limit if limit is not None else 'of nothing (no grade-based line)'}",
                code="over_supply_chain_limit",
                details={
                    "amount": ctx.amount.as_json(),
                    "limit": limit.as_json() if limit is not None else None,
                },
            ),
        )
    return passed("supply_chain_limit", f"limit {limit}", limit=limit.as_json())


class IpPledge(Scenario):
    code: ClassVar[str] = "ip_pledge"
    title: ClassVar[str] = "Credit on weak property rights (intellectual property pledge)"
    asset_kind: ClassVar[str] = "intellectual_property"
    required_evidence: ClassVar[tuple[str, ...]] = (
        "registration_no",
        "appraisal",
        "orders",
        "recurring_trade",
    )
    pricing_inputs: ClassVar[tuple[str, ...]] = (
        *Scenario.pricing_inputs,
        "haircut",
        "supply_chain_score",
        "tenor",
    )
    # The appraiser's haircut already discounts the right: lent up to the value after it.
    limits: ClassVar[Limits] = Limits(max_tenor_days=365, max_advance=Decimal("1"))
    registry_kind: ClassVar[str | None] = "pledge"
    # A right is hard to sell: more than a receivable.
    scenario_spread: ClassVar[Decimal] = Decimal("0.0150")
    # Repaid from the applicant's own business: its score-based limit applies.
    applicant_carries_risk: ClassVar[bool] = True

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        ip_id = field_str(asset, "ip_id")
        row = scn.ip_for_financing(ctx.uow, ip_id, ctx.applicant_org_id)
        days = tenor_days(asset, self.limits)
        due = ctx.uow.today() + timedelta(days=days)
        value = scn.lending_value(row)
        inputs = risk.enterprise_inputs(ctx.platform_uow(), ctx.applicant_org_id)
        invoices = inputs.trade.invoices_365d if inputs.trade else 0
        orders = len(trade.confirmed_orders(ctx.uow, limit=50))
        review = []
        if row.expires_on <= due:
            review.append(f"{row.registration_no} expires on {row.expires_on}, before the due date")
        if invoices < MIN_INVOICES_365D and orders == 0:
            review.append(
                f"{invoices} invoices over the year and no confirmed order: no recurring trade"
            )
        return AssetView(
            value=value,
            due_on=due,
            collateral=[CollateralRef("other", ip_key(row.kind, row.registration_no))],
            evidence={
                "registration_no": row.registration_no,
                "appraisal": {
                    "appraiser_org_id": row.appraiser_org_id,
                    "report_no": row.report_no,
                    "haircut": str(row.haircut),
                },
                "orders": orders,
                "recurring_trade": {
                    "invoices_365d": invoices,
                    "debtors": inputs.trade.debtor_count if inputs.trade else 0,
                },
            },
            escalate=review,
            facts={"ip_id": row.id, "kind": row.kind, "lending_value": value.as_json()},
        )

    def checks(self) -> Sequence[Check]:
        return (check_supply_chain_limit,)

    def register(
        self, ctx: Context, app: Any, funder_org_id: str, rate: Decimal, months: int
    ) -> list[dict[str, Any]]:
        filings = super().register(ctx, app, funder_org_id, rate, months)
        scn.pledge_ip_in(ctx.platform_uow(), app.asset["ip_id"], app.id)
        return filings

    def release(self, ctx: Context, app: Any, reason: str) -> None:
        super().release(ctx, app, reason)
        scn.release_ip_in(ctx.platform_uow(), app.asset["ip_id"], reason)


SCENARIO = IpPledge()
