"""Receivables factoring, with or without recourse: the seller assigns a confirmed receivable,
the debtor gets notice of the assignment and pays the funder from then on."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from scf.core.errors import InvalidInput
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_str
from scf.registry.service import CollateralRef
from scf.trade import service as trade

# Evidence a receivable needs (seed III.5) and the authenticity reasons that say it is missing.
EVIDENCE = {
    "order": "NO_ORDER",
    "delivery": "NO_DELIVERY",
    "receipt": "NO_RECEIPT",
}


def use_financed_receivable(ctx: Context, app: Any, purpose: str) -> None:
    """Book the application's amount as a use of its receivable in the trade room."""
    trade.use_receivable(
        ctx.uow, app.asset["receivable_id"], app.amount, purpose=purpose, reference=app.id
    )


def receivable_view(ctx: Context, asset: Mapping[str, Any], *, purpose: str) -> AssetView:
    """Check a confirmed receivable of the applicant and describe it with its evidence."""
    rid = field_str(asset, "receivable_id")
    try:
        info = trade.receivable_info(ctx.uow, rid)
    except Exception:  # the trade room says not found: answer for this field
        raise InvalidInput(f"no receivable {rid}", field="asset.receivable_id") from None
    if info.seller_org_id != ctx.applicant_org_id:
        raise InvalidInput(
            f"receivable {rid} is not owed to the applicant", field="asset.receivable_id"
        )
    if info.status == "disputed":
        raise InvalidInput(f"the debtor disputes receivable {rid}", field="asset.receivable_id")
    if not info.unused_confirmed.is_positive():
        raise InvalidInput(
            f"receivable {rid} has no amount the debtor confirmed and nobody financed "
            f"({purpose} needs the debtor's confirmation)",
            field="asset.receivable_id",
            code="not_confirmed",
        )
    assessment = trade.assess_authenticity(ctx.uow, rid)
    codes = set(assessment.codes)
    missing = [name for name, code in EVIDENCE.items() if code in codes]
    return AssetView(
        value=info.unused_confirmed,
        due_on=info.due_date,
        debtor_org_id=info.debtor_org_id,
        collateral=[CollateralRef("receivable", fp) for fp in info.fingerprints],
        evidence={
            "invoice": True,
            "debtor_confirmation": True,
            "authenticity_score": assessment.score,
            "authenticity_reasons": assessment.codes,
            "missing": missing,
            "near_duplicates": next(
                (r.evidence for r in assessment.reasons if r.code == "NEAR_DUPLICATE_INVOICE"),
                None,
            ),
        },
        receivable_id=rid,
        fingerprints=list(info.fingerprints),
        facts={"receivable_id": rid},
    )


class ReceivablesFactoring(Scenario):
    code: ClassVar[str] = "receivables_factoring"
    title: ClassVar[str] = "Receivables factoring (with or without recourse)"
    asset_kind: ClassVar[str] = "receivable"
    required_evidence: ClassVar[tuple[str, ...]] = (
        "invoice",
        "debtor_confirmation",
        "order",
        "delivery",
        "receipt",
    )
    pricing_inputs: ClassVar[tuple[str, ...]] = (*Scenario.pricing_inputs, "recourse", "tenor")
    limits: ClassVar[Limits] = Limits(max_tenor_days=365, max_advance=Decimal("0.9"))
    registry_kind: ClassVar[str | None] = "assignment"
    # Without recourse the funder carries the debtor's risk: priced higher.
    without_recourse_spread: ClassVar[Decimal] = Decimal("0.0100")

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        recourse = asset.get("recourse", True)
        if not isinstance(recourse, bool):
            raise InvalidInput("true or false", field="asset.recourse")
        view = receivable_view(ctx, asset, purpose="factoring")
        view.facts["recourse"] = recourse
        return view

    def spread(self, asset: Mapping[str, Any]) -> Decimal:
        return Decimal(0) if asset.get("recourse", True) else self.without_recourse_spread

    def register(
        self, ctx: Context, app: Any, funder_org_id: str, rate: Decimal, months: int
    ) -> list[dict[str, Any]]:
        filings = super().register(ctx, app, funder_org_id, rate, months)
        use_financed_receivable(ctx, app, "factoring")
        for fp in app.evidence.get("fingerprints", []):
            trade.mark_fingerprint(ctx.uow, fp, "financed", by_org_id=funder_org_id)
        return filings

    def after_registration(self, ctx: Context, app: Any) -> None:
        """Give the debtor notice of the assignment and redirect its payment to the funder."""
        if app.debtor_org_id is None or app.funder_org_id is None:
            return
        app.payment_redirect = {
            "pay_to_org_id": app.funder_org_id,
            "instead_of_org_id": app.applicant_org_id,
            "receivable_id": app.asset["receivable_id"],
            "notice_at": ctx.uow.now().isoformat(),
            "registration": app.registrations[0]["number"] if app.registrations else None,
        }
        ctx.notify(
            app.debtor_org_id,
            "assignment_notice",
            f"Notice of assignment of receivable {app.asset['receivable_id']}",
            f"The receivable was assigned under registration "
            f"{app.payment_redirect['registration']}; pay {app.amount} due "
            f"{app.due_on.isoformat()} to the funder {app.funder_org_id}, not to the seller.",
        )


SCENARIO = ReceivablesFactoring()
