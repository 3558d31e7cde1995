"""Reverse factoring on a core enterprise's payable certificate (Bao'an advanced manufacturing).

The holder of a certificate piece sells it to a funder at the core enterprise's price; the
certificates room moves ownership and files the assignment, and pays the funder at maturity.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from scf.certificates import service as certificates
from scf.core.errors import InvalidInput
from scf.financing.scenario import AssetView, Context, Limits, Scenario, field_str
from scf.registry.service import CollateralRef


class ReverseFactoring(Scenario):
    code: ClassVar[str] = "reverse_factoring"
    title: ClassVar[str] = "Reverse factoring on payable certificates"
    asset_kind: ClassVar[str] = "certificate_piece"
    required_evidence: ClassVar[tuple[str, ...]] = ("certificate_piece_held",)
    pricing_inputs: ClassVar[tuple[str, ...]] = (*Scenario.pricing_inputs, "tenor")
    limits: ClassVar[Limits] = Limits(max_tenor_days=366, max_advance=Decimal(1))
    registry_kind: ClassVar[str | None] = "assignment"
    applicant_roles: ClassVar[frozenset[str]] = frozenset({"supplier", "distributor"})
    # The piece already carries the assignment filed when it reached the holder; the
    # certificates room guards that a piece is live and held by the seller instead.
    checks_registry_conflicts: ClassVar[bool] = False

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        piece_id = field_str(asset, "piece_id")
        piece = next((p for p in certificates.list_pieces(ctx.uow) if p.id == piece_id), None)
        if piece is None or piece.holder_org_id != ctx.applicant_org_id:
            raise InvalidInput(
                f"piece {piece_id} is not a live piece held by the applicant",
                field="asset.piece_id",
            )
        cert = certificates.get_certificate(ctx.uow, piece.certificate_id)
        return AssetView(
            value=piece.face,
            due_on=cert.maturity_on,
            debtor_org_id=cert.issuer_org_id,
            collateral=[CollateralRef("certificate_piece", piece.id)],
            evidence={"certificate_piece_held": True, "certificate_id": cert.id},
            tier=piece.tier,
            facts={"certificate_id": cert.id, "piece_id": piece.id},
        )

    def register(
        self, ctx: Context, app: Any, funder_org_id: str, rate: Decimal, months: int
    ) -> list[dict[str, Any]]:
        fin = certificates.finance_piece_in(
            ctx.uow,
            app.asset["piece_id"],
            funder_org_id,
            rate,
            seller_org_id=app.applicant_org_id,
            amount=app.amount,
            reference=app.id,
        )
        # The certificate's own settlement pays the funder and ends the assignment.
        return [
            {
                "id": fin.registration_id,
                "kind": "assignment",
                "certificate_financing_id": fin.id,
                "funder_piece_id": fin.funder_piece_id,
                "cancel_on_close": False,
            }
        ]


SCENARIO = ReverseFactoring()
