"""What the room reports: the regulator's measures, feed and alerts, and the borrower record
the risk room reads."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.money import Money
from scf.core.uow import UnitOfWork, jsonable
from scf.financing import model as M
from scf.financing.applications import S
from scf.financing.tables import FinancingApplicationRow, FinancingOfferRow, MarginCallRow
from scf.parties import service as parties


def _require_watcher(uow: UnitOfWork) -> None:
    parties.require_role(uow.actor, "regulator", "operator")


def decision_times(uow: UnitOfWork) -> dict[str, Any]:
    """Median and p95 seconds from application to decision, per channel."""
    _require_watcher(uow)
    by: dict[str, list[int]] = defaultdict(list)
    pending: dict[str, int] = defaultdict(int)
    for channel, secs in uow.session.execute(
        select(FinancingApplicationRow.channel, FinancingApplicationRow.decision_seconds)
    ):
        if secs is None:
            pending[channel] += 1
        else:
            by[channel].append(int(secs))
    return {
        ch.value: {
            "decided": len(by[ch.value]),
            "pending": pending[ch.value],
            "median_seconds": jsonable(M.percentile(by[ch.value], 50)),
            "p95_seconds": jsonable(M.percentile(by[ch.value], 95)),
        }
        for ch in M.Channel
    }


REPORT_DIMENSIONS = ("district", "chain", "scenario", "institution", "tier")


def volumes(uow: UnitOfWork) -> dict[str, Any]:
    """Disbursed volume to enterprises by district, chain, scenario, institution and tier, with
    the average rate, and overdue and default rates (regulator's measures)."""
    _require_watcher(uow)
    funded = [
        a
        for a in uow.session.scalars(select(FinancingApplicationRow))
        if a.disbursed_at is not None
    ]
    out: dict[str, Any] = {d: defaultdict(lambda: defaultdict(int)) for d in REPORT_DIMENSIONS}
    rates: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for a in funded:
        offer = uow.session.get(FinancingOfferRow, a.accepted_offer_id)
        keys = {
            "district": [a.district],
            "chain": a.chain_tags or ["none"],
            "scenario": [a.scenario],
            "institution": [a.funder_org_id or "?"],
            "tier": [str(a.tier)],
        }
        for dim, values in keys.items():
            for v in values:
                out[dim][v][a.currency] += a.amount_minor
        if offer is not None:
            rates[a.scenario].append((a.amount_minor, Decimal(offer.rate)))
    n = len(funded)
    overdue = sum(1 for a in funded if a.overdue_at is not None)
    defaulted = sum(1 for a in funded if a.defaulted_at is not None)
    ratio = Decimal("0.0001")
    return {
        "volumes": {
            dim: {
                k: [Money(m, c).as_json() for c, m in sorted(v.items())]
                for k, v in sorted(out[dim].items())
            }
            for dim in REPORT_DIMENSIONS
        },
        "pricing": {
            sc: str(
                (
                    sum(Decimal(m) * r for m, r in pairs) / Decimal(sum(m for m, _ in pairs))
                ).quantize(Decimal("0.00000001"))
            )
            for sc, pairs in sorted(rates.items())
        },
        "financings": n,
        "overdue_rate": str((Decimal(overdue) / Decimal(n)).quantize(ratio)) if n else None,
        "default_rate": str((Decimal(defaulted) / Decimal(n)).quantize(ratio)) if n else None,
        "decision_times": decision_times(uow),
    }


def financing_summary(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """An enterprise's record as a borrower, for the risk room's features."""
    # Only the columns the figures need, not whole rows (the risk room asks per enterprise).
    t = FinancingApplicationRow
    apps = list(
        uow.session.execute(
            select(
                t.status,
                t.overdue_at,
                t.defaulted_at,
                t.funder_org_id,
                t.outstanding_minor,
                t.currency,
            ).where(t.applicant_org_id == org_id, t.disbursed_at.is_not(None))
        )
    )
    closed = [a for a in apps if a.status == S.CLOSED.value]
    on_time = [a for a in closed if a.overdue_at is None and a.defaulted_at is None]
    live = [a for a in apps if a.status in {s.value for s in M.LIVE}]
    overdue = [a for a in live if a.status in (S.OVERDUE.value, S.DEFAULTED.value)]
    return {
        "repaid_on_time_share": float(len(on_time)) / len(closed) if closed else None,
        "overdue_count": len(overdue),
        "overdue_elsewhere": len({a.funder_org_id for a in overdue}),
        "exposure_minor": sum(a.outstanding_minor for a in live if a.currency == "CNY"),
        "financings": len(apps),
    }


def exposed_institutions(uow: UnitOfWork, org_id: str) -> list[str]:
    """Institutions with a live financing to the enterprise (as applicant or as debtor)."""
    live = [s.value for s in M.LIVE]
    rows = uow.session.scalars(
        select(FinancingApplicationRow.funder_org_id).where(
            FinancingApplicationRow.status.in_(live),
            (FinancingApplicationRow.applicant_org_id == org_id)
            | (FinancingApplicationRow.debtor_org_id == org_id),
        )
    )
    return sorted({r for r in rows if r})


# ---------------------------------------------------------------- the supervision feed


def financing_records(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every application as supervision counts it (read-only, watchers only).

    `tier` is the applicant's distance from the core enterprise, snapshotted at application:
    for a certificate piece it is the piece's tier in the certificates lineage (1 for the
    issuer's direct supplier, +1 per transfer); for receivables, orders and warehouse goods the
    trade relation is direct, so 1; a bill's holder counts one more per endorsement after the
    payee. `disbursed` says whether money moved (a closed financing was funded, a refused one
    not). A reverse factoring carries the certificates room's financing id so supervision
    counts the piece once.
    """
    _require_watcher(uow)
    out: list[dict[str, Any]] = []
    for app in uow.session.scalars(
        select(FinancingApplicationRow).order_by(
            FinancingApplicationRow.submitted_at, FinancingApplicationRow.id
        )
    ):
        offer = (
            uow.session.get(FinancingOfferRow, app.accepted_offer_id)
            if app.accepted_offer_id
            else None
        )
        cert_fin = next(
            (
                r["certificate_financing_id"]
                for r in app.registrations
                if r.get("certificate_financing_id")
            ),
            None,
        )
        out.append(
            {
                "id": app.id,
                "borrower_org_id": app.applicant_org_id,
                "funder_org_id": app.funder_org_id or "",
                "core_org_id": app.debtor_org_id,
                "scenario": app.scenario,
                "amount": app.amount,
                "rate": Decimal(offer.rate) if offer is not None else None,
                "status": app.status,
                "applied_at": app.submitted_at,
                "decided_at": app.decided_at,
                "green_channel": app.channel == M.Channel.GREEN.value,
                "tier": app.tier,
                "disbursed": app.disbursed_at is not None,
                "overdue": app.overdue_at is not None,
                "defaulted": app.defaulted_at is not None,
                "certificate_financing_id": cert_fin,
            }
        )
    return out


def list_alerts(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Margin calls, overdue and defaulted financings as alerts for the regulator's workflow;
    the room resolves a margin call when it is cured and an overdue when it is closed."""
    _require_watcher(uow)
    out: list[dict[str, Any]] = []
    for call in uow.session.scalars(select(MarginCallRow).order_by(MarginCallRow.opened_at)):
        app = uow.session.get(FinancingApplicationRow, call.application_id)
        if app is None:
            continue
        out.append(
            {
                "id": call.id,
                "org_id": app.applicant_org_id,
                "kind": "margin_call",
                "severity": "medium",
                "summary": (
                    f"margin call on {app.id}: loan-to-value {call.ltv} over {call.threshold}, "
                    f"shortfall {Money(call.shortfall_minor, call.currency)}"
                ),
                "evidence": {
                    "application_id": app.id,
                    "ltv": str(call.ltv),
                    "threshold": str(call.threshold),
                    "shortfall": Money(call.shortfall_minor, call.currency).as_json(),
                },
                "raised_at": call.opened_at,
                "resolved_at": call.cured_at,
                "resolution": "cured" if call.cured_at else None,
            }
        )
    for app in uow.session.scalars(
        select(FinancingApplicationRow)
        .where(FinancingApplicationRow.overdue_at.is_not(None))
        .order_by(FinancingApplicationRow.overdue_at)
    ):
        closed = app.closed_at if app.status == S.CLOSED.value else None
        events = [("overdue", app.overdue_at, "medium")]
        if app.defaulted_at is not None:
            events.append(("defaulted", app.defaulted_at, "high"))
        for kind, at, severity in events:
            out.append(
                {
                    "id": f"{app.id}-{kind}",
                    "org_id": app.applicant_org_id,
                    "kind": f"financing_{kind}",
                    "severity": severity,
                    "summary": f"{app.scenario} {app.id} {kind}: {app.outstanding} outstanding",
                    "evidence": {
                        "application_id": app.id,
                        "scenario": app.scenario,
                        "outstanding": app.outstanding.as_json(),
                    },
                    "raised_at": at,
                    "resolved_at": closed,
                    "resolution": "closed" if closed else None,
                }
            )
    return out
