"""Factoring of a receivable under credit insurance or a guarantee: the insured share of the
risk is not priced by the funder, and a default opens a claim against the insurer."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from scf.financing.scenario import Limits, Scenario
from scf.financing.scenarios.receivables_factoring import ReceivablesFactoring


class CreditInsurance(ReceivablesFactoring):
    code: ClassVar[str] = "credit_insurance"
    title: ClassVar[str] = "Credit insurance or guarantee cover on receivables"
    pricing_inputs = (*Scenario.pricing_inputs, "cover_ratio", "premium_rate", "tenor")
    limits: ClassVar[Limits] = Limits(max_tenor_days=365, max_advance=Decimal("0.95"))
    # The workflow checks the policy (asset.policy_id), prices the cover, adds the premium
    # and opens a claim on default.
    uses_cover: ClassVar[bool] = True


SCENARIO = CreditInsurance()
