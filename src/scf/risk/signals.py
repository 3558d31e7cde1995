"""Early-warning signals and the alerts they raise, to the regulator and exposed institutions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from scf.core.errors import InvalidInput, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk import rooms
from scf.risk.config import RiskSettings, risk_settings
from scf.risk.inputs import enterprise_inputs
from scf.risk.limits import limit_for
from scf.risk.model import AlertStatus, Severity
from scf.risk.rooms import CREDIT, FUNDERS, PLATFORM_ROLES, org_or_404
from scf.risk.scoring import latest_score
from scf.risk.tables import RiskAlertRow


@dataclass(frozen=True)
class Signal:
    kind: str
    severity: Severity
    summary: str
    evidence: dict[str, Any]


def evaluate_signals(uow: UnitOfWork, org_id: str) -> list[RiskAlertRow]:
    """Check the early-warning signals and raise an alert with evidence for each that fires.

    An alert already open for the same signal is not raised again. The limit is recomputed
    afterwards, so open alerts cut the headroom at once.
    """
    raised = refresh_enterprise(uow, org_id)
    uow.commit()
    return raised


def refresh_enterprise(uow: UnitOfWork, org_id: str) -> list[RiskAlertRow]:
    """`evaluate_signals` without the commit: the risk follower (`scf.risk.follower`) joins
    each enterprise it re-evaluates to the transaction that also moves its cursor."""
    org_or_404(uow, org_id)
    parties.require_role(uow.actor, *PLATFORM_ROLES, *FUNDERS)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/signals/{org_id}")
    inputs = enterprise_inputs(uow, org_id)
    feats = F.compute_features(inputs)
    last = latest_score(uow, org_id)
    signals = detect_signals(feats, last.features if last else None, inputs, risk_settings())
    open_kinds = set(
        uow.session.scalars(
            select(RiskAlertRow.kind).where(
                RiskAlertRow.org_id == org_id, RiskAlertRow.status == AlertStatus.OPEN.value
            )
        )
    )
    audience = rooms.exposed_institutions(uow, org_id)
    raised: list[RiskAlertRow] = []
    for sig in signals:
        if sig.kind in open_kinds:
            continue
        raised.append(raise_alert(uow, org_id, sig, audience))
    uow.flush()
    limit_for(uow, org_id, commit=False, inputs=inputs)
    return raised


def raise_alert(
    uow: UnitOfWork, org_id: str | None, sig: Signal, audience: Sequence[str]
) -> RiskAlertRow:
    """Store an alert for a signal, for the regulator and the institutions in `audience`."""
    row = RiskAlertRow(
        id=new_id("ral"),
        org_id=org_id,
        kind=sig.kind,
        severity=sig.severity.value,
        status=AlertStatus.OPEN.value,
        summary=sig.summary[:500],
        evidence=json.loads(json.dumps(sig.evidence, default=str)),
        audience=list(audience),
        raised_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("risk.alert.raised", "risk_alert", row.id, after=row.snapshot(), org_id=org_id)
    return row


def list_alerts(
    uow: UnitOfWork,
    *,
    org_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RiskAlertRow], int]:
    """Alerts for the regulator (all) and for the institutions they were raised to."""
    actor = uow.actor
    stmt = select(RiskAlertRow)
    if org_id:
        stmt = stmt.where(RiskAlertRow.org_id == org_id)
    if status:
        try:
            stmt = stmt.where(RiskAlertRow.status == AlertStatus(status).value)
        except ValueError:
            allowed = ", ".join(s.value for s in AlertStatus)
            raise InvalidInput(
                f"unknown status {status!r}; use {allowed}", field="status"
            ) from None
    if kind:
        stmt = stmt.where(RiskAlertRow.kind == kind)
    rows = list(uow.session.scalars(stmt.order_by(RiskAlertRow.raised_at.desc(), RiskAlertRow.id)))
    if not (actor.is_system or actor.is_regulator or actor.is_operator):
        rows = [r for r in rows if actor.org_id is not None and actor.org_id in r.audience]
    return rows[offset : offset + limit], len(rows)


def resolve_alert(uow: UnitOfWork, alert_id: str, resolution: str) -> RiskAlertRow:
    """Close an alert with the reason (regulator or an institution it was raised to)."""
    row = uow.session.get(RiskAlertRow, alert_id)
    actor = uow.actor
    visible = row is not None and (
        actor.is_system or actor.is_regulator or (actor.org_id in row.audience)
    )
    if row is None or not visible:
        raise NotFound(f"alert {alert_id} not found")
    if row.status == AlertStatus.RESOLVED.value:
        raise RuleViolation("the alert is already resolved", code="already_resolved")
    if not resolution.strip():
        raise InvalidInput("say how the alert was resolved", field="resolution")
    before = row.snapshot()
    row.status = AlertStatus.RESOLVED.value
    row.resolved_at = uow.now()
    row.resolution = resolution.strip()[:500]
    uow.flush()
    uow.audit(
        "risk.alert.resolved",
        "risk_alert",
        row.id,
        before=before,
        after=row.snapshot(),
        org_id=row.org_id,
    )
    uow.commit()
    return row


# ---------------------------------------------------------------- the signals


def detect_signals(
    now: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    inputs: F.EnterpriseInputs,
    s: RiskSettings,
) -> list[Signal]:
    """Compare an enterprise's record with its last scored snapshot and the thresholds."""
    return [
        *_trade_signals(inputs.trade, before, s),
        *_related_party_signals(now, before, s),
        *_financing_signals(inputs.financing, s),
    ]


def _trade_signals(
    t: F.TradeInputs | None, before: Mapping[str, Any] | None, s: RiskSettings
) -> list[Signal]:
    """Falling sales, a jump in concentration, debtors paying late, near-duplicate invoices."""
    out: list[Signal] = []
    if t is None:
        return out
    if t.sales_prev_90d_minor > 0:
        change = t.sales_90d_minor / t.sales_prev_90d_minor - 1
        if change <= -s.sales_drop:
            out.append(
                Signal(
                    "sales_drop",
                    Severity.HIGH if change <= -2 * s.sales_drop else Severity.MEDIUM,
                    f"sales of the last 90 days fell {-change:.0%} against the 90 before",
                    {
                        "sales_90d": Money(t.sales_90d_minor, "CNY").as_json(),
                        "sales_prev_90d": Money(t.sales_prev_90d_minor, "CNY").as_json(),
                        "threshold": s.sales_drop,
                    },
                )
            )
    if t.top_debtor_share is not None:
        prev = t.top_debtor_share_prev
        if prev is None and before is not None:
            prev = before.get("top_debtor_share")
        if prev is not None and t.top_debtor_share - prev >= s.concentration_jump:
            out.append(
                Signal(
                    "concentration_jump",
                    Severity.MEDIUM,
                    f"largest debtor's share rose from {prev:.0%} to {t.top_debtor_share:.0%}",
                    {"before": prev, "now": t.top_debtor_share, "threshold": s.concentration_jump},
                )
            )
    if (t.debtor_days_late_avg or 0) >= s.debtor_days_late:
        out.append(
            Signal(
                "debtor_paying_late",
                Severity.MEDIUM,
                f"its debtors pay {t.debtor_days_late_avg:.0f} days late on average",
                {"days_late": t.debtor_days_late_avg, "threshold": s.debtor_days_late},
            )
        )
    if t.near_duplicate_invoices_90d >= s.near_duplicates:
        out.append(
            Signal(
                "near_duplicate_invoices",
                Severity.HIGH,
                f"{t.near_duplicate_invoices_90d} near-duplicate invoices in 90 days",
                {"count": t.near_duplicate_invoices_90d, "threshold": s.near_duplicates},
            )
        )
    return out


def _related_party_signals(
    now: Mapping[str, Any], before: Mapping[str, Any] | None, s: RiskSettings
) -> list[Signal]:
    """New related parties since the last score."""
    if before is None or before.get("related_parties") is None:
        return []
    grown = now.get("related_parties", 0) - before["related_parties"]
    if grown >= s.new_related_parties:
        return [
            Signal(
                "new_related_parties",
                Severity.MEDIUM,
                f"{int(grown)} new related parties since the last score",
                {
                    "before": before["related_parties"],
                    "now": now.get("related_parties"),
                    "threshold": s.new_related_parties,
                },
            )
        ]
    return []


def _financing_signals(fin: F.FinancingInputs | None, s: RiskSettings) -> list[Signal]:
    """Overdue financings at other institutions, an unusual inflow of certificates."""
    out: list[Signal] = []
    if fin is None:
        return out
    if fin.overdue_elsewhere >= s.overdue_elsewhere:
        out.append(
            Signal(
                "overdue_elsewhere",
                Severity.HIGH,
                f"{fin.overdue_elsewhere} overdue financings at other institutions on the platform",
                {"count": fin.overdue_elsewhere, "threshold": s.overdue_elsewhere},
            )
        )
    if fin.certificates_received_90d_minor > 0:
        prev = fin.certificates_received_prev_90d_minor
        ratio = fin.certificates_received_90d_minor / max(prev, 1)
        if prev > 0 and ratio >= s.certificate_inflow:
            out.append(
                Signal(
                    "unusual_certificate_inflow",
                    Severity.MEDIUM,
                    f"certificates received in 90 days are {ratio:.1f}x the 90 days before",
                    {
                        "received_90d": Money(fin.certificates_received_90d_minor, "CNY").as_json(),
                        "received_prev_90d": Money(prev, "CNY").as_json(),
                        "threshold": s.certificate_inflow,
                    },
                )
            )
    return out
