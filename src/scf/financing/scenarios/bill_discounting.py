"""Supply chain bill discounting: a holder discounts a range of sub-bills (0.01 yuan each) of a
splittable electronic commercial bill; tenor at most six months. The bill must be recorded
in the room (`financing.bills`) and the applicant must hold the interval."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.financing import bills
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_count, field_str
from scf.parties import service as parties
from scf.registry.service import CollateralRef


def _sub_bill(asset: Mapping[str, Any], name: str) -> int:
    return field_count(asset, name, "a sub-bill number (a whole number from 1)")


class BillDiscounting(Scenario):
    code: ClassVar[str] = "bill_discounting"
    title: ClassVar[str] = "Supply chain bill discounting (splittable bills)"
    asset_kind: ClassVar[str] = "bill"
    required_evidence: ClassVar[tuple[str, ...]] = ("bill_package", "acceptor")
    pricing_inputs: ClassVar[tuple[str, ...]] = (*Scenario.pricing_inputs, "tenor")
    limits: ClassVar[Limits] = Limits(max_tenor_days=184, max_advance=Decimal(1))
    registry_kind: ClassVar[str | None] = "assignment"

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        package = field_str(asset, "package_no")
        if not package.isalnum():
            raise InvalidInput("letters and digits only", field="asset.package_no")
        lo, hi = _sub_bill(asset, "sub_from"), _sub_bill(asset, "sub_to")
        if hi < lo:
            raise InvalidInput("the interval runs from sub_from up to sub_to", field="asset.sub_to")
        acceptor = field_str(asset, "acceptor_org_id")
        try:
            org = parties.find_organization(ctx.uow, acceptor)
        except Exception:
            raise InvalidInput(
                f"no organization {acceptor}", field="asset.acceptor_org_id"
            ) from None
        try:
            maturity = date.fromisoformat(field_str(asset, "maturity_on"))
        except ValueError:
            raise InvalidInput("a date YYYY-MM-DD", field="asset.maturity_on") from None
        # One sub-bill is 0.01 yuan, so the interval's length is the face in fen.
        face = Money(hi - lo + 1, "CNY")
        held = bills.held_interval(ctx.uow, package, lo, hi, ctx.applicant_org_id)
        if held.acceptor_org_id != org.id:
            raise InvalidInput(
                "the bill's acceptor is another organization", field="asset.acceptor_org_id"
            )
        if held.due_on != maturity:
            raise InvalidInput(
                f"the bill falls due on {held.due_on.isoformat()}", field="asset.maturity_on"
            )
        stated = asset.get("face")
        if stated is not None:
            try:
                claimed = Money.of(str(stated["amount"]), str(stated["currency"]))
            except Exception:
                raise InvalidInput("an amount and a currency", field="asset.face") from None
            if claimed != face:
                raise InvalidInput(
                    f"sub-bills {lo}-{hi} have a face of {face}, not {claimed}",
                    field="asset.face",
                    code="face_mismatch",
                )
        return AssetView(
            value=face,
            due_on=maturity,
            debtor_org_id=org.id,
            collateral=[CollateralRef("bill", f"{package}/{lo}-{hi}")],
            evidence={"bill_package": package, "acceptor": org.id, "bill_id": held.id},
            # the payee is one step from the acceptor; each endorsement adds one
            tier=1 + held.endorsements,
            facts={"package_no": package.upper(), "sub_from": lo, "sub_to": hi},
        )


SCENARIO = BillDiscounting()
