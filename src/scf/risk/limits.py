"""Dynamic limits: an enterprise's headroom from its grade, capacity, exposure and alerts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk.inputs import enterprise_inputs
from scf.risk.model import AlertStatus, ScoreResult, Severity, dynamic_limit
from scf.risk.rooms import CREDIT, org_or_404
from scf.risk.scoring import champion, score_inputs
from scf.risk.tables import RiskAlertRow, RiskLimitRow

_CUT_PLACES = Decimal("0.0001")  # risk_limits.cut is NUMERIC(6, 4)
ALERT_CUT = {Severity.HIGH.value: Decimal("0.5"), Severity.MEDIUM.value: Decimal("0.25")}


def limit_for(
    uow: UnitOfWork,
    org_id: str,
    *,
    commit: bool = True,
    inputs: F.EnterpriseInputs | None = None,
) -> Money | None:
    """Return the enterprise's headroom from its grade, capacity, exposure and live alerts.

    SMEs: trailing-year confirmed sales x the grade's advance rate; core enterprises:
    registered capital x the grade's certificate multiple; both less current exposure and cut
    by open early-warning alerts. None when the grade or the record supports no line.
    `inputs`: the enterprise's inputs when the caller has just gathered them in this unit of
    work (alerts and limits are no input, so they are what `enterprise_inputs` would give).
    """
    org = org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/limits/{org_id}")
    if inputs is None or inputs.org_id != org_id:
        inputs = enterprise_inputs(uow, org_id)
    result = score_inputs(champion(uow), inputs)
    core = inputs.is_core
    if core:
        capacity = org.registered_capital
    else:
        confirmed = inputs.trade.confirmed_sales_365d_minor if inputs.trade else 0
        capacity = Money(confirmed, "CNY")
    exposure = Money(inputs.financing.exposure_minor if inputs.financing else 0, capacity.currency)
    cut = _alert_cut(uow, org_id)
    limit = dynamic_limit(result.grade, capacity, exposure, core=core, cut=cut)
    _store_limit(uow, org_id, limit, result, capacity, exposure, cut, core=core)
    if commit:
        uow.commit()
    return limit


def stored_limit(uow: UnitOfWork, org_id: str) -> RiskLimitRow | None:
    """The enterprise's limit as last computed."""
    org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/limits/{org_id}")
    return uow.session.get(RiskLimitRow, org_id)


def _alert_cut(uow: UnitOfWork, org_id: str) -> Decimal:
    rows = uow.session.scalars(
        select(RiskAlertRow).where(
            RiskAlertRow.org_id == org_id, RiskAlertRow.status == AlertStatus.OPEN.value
        )
    )
    cut = sum((ALERT_CUT.get(r.severity, Decimal(0)) for r in rows), Decimal(0))
    return min(cut, Decimal(1))


def _store_limit(
    uow: UnitOfWork,
    org_id: str,
    limit: Money | None,
    result: ScoreResult,
    capacity: Money,
    exposure: Money,
    cut: Decimal,
    *,
    core: bool,
) -> None:
    """Write the limit and its basis; audit it when it changed."""
    row = uow.session.get(RiskLimitRow, org_id)
    before = row.snapshot() if row else None
    basis: dict[str, Any] = {
        "model_version": result.model_version,
        "score": result.score,
        "capacity": capacity.as_json(),
        "capacity_basis": "registered capital" if core else "confirmed sales, trailing year",
    }
    if row is None:
        row = RiskLimitRow(org_id=org_id, currency=capacity.currency)
        uow.session.add(row)
    row.limit_minor = None if limit is None else limit.minor
    row.currency = capacity.currency
    row.exposure_minor = exposure.minor
    row.grade = result.grade
    row.cut = cut.quantize(_CUT_PLACES)  # as stored, so an unchanged limit compares equal
    row.basis = basis
    row.updated_at = uow.now()
    uow.flush()
    if before is None or before != row.snapshot():
        uow.audit(
            "risk.limit.updated",
            "risk_limit",
            org_id,
            before=before,
            after=row.snapshot(),
            org_id=org_id,
        )
