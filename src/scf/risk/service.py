"""Use cases of the risk room: scores, limits, signals, alerts, graph findings, governance.

The room's public entry: other rooms, the API, the CLI, the simulator and the benchmarks
import from here only. Other rooms call `score_enterprise`, `related_party_check`,
`graph_findings`, `limit_for`, `evaluate_signals` and `list_alerts`. The use cases live in
modules of their own: `rooms` (what is read from the other rooms), `derived` (the platform's
graphs and what the detectors of `graph` find in them, cached), `findings` (the fraud
detectors' results about one enterprise), `contagion`, `inputs` (an enterprise's inputs to
the features), `scoring` (the champion, scores and stored scores), `limits`, `signals`
(early warnings and alerts) and `governance` (model versions, champion and challenger, PSI).
Training (`training`) loads pandas, optbinning, scikit-learn and LightGBM, so nothing here
imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scf.core.audit import AuditEntry
from scf.core.uow import UnitOfWork
from scf.risk.config import RiskSettings
from scf.risk.contagion import contagion_of
from scf.risk.derived import DerivedGraphs, clear_derived_cache, derived_graphs, round_trips
from scf.risk.findings import graph_findings, related_party_check, shell_reasons, shell_score
from scf.risk.governance import (
    counts,
    current_settings,
    list_models,
    promote_model,
    register_models,
    stability_report,
    supply_chain_uplift,
)
from scf.risk.inputs import enterprise_inputs
from scf.risk.limits import ALERT_CUT, limit_for, stored_limit
from scf.risk.model import AlertStatus, FindingKind, GraphFinding, ModelStatus, Severity
from scf.risk.rooms import (
    CREDIT,
    FUNDERS,
    PLATFORM_ROLES,
    PlatformGraph,
    financing_inputs_from_rooms,
    platform_trade_graph,
    trade_inputs_from_trade_room,
)
from scf.risk.scoring import (
    ActiveModel,
    champion,
    score_batch,
    score_enterprise,
    score_history,
    score_inputs,
)
from scf.risk.signals import (
    Signal,
    detect_signals,
    evaluate_signals,
    list_alerts,
    refresh_enterprise,
    resolve_alert,
)


def follow_entries(uow: UnitOfWork, entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """Re-evaluate the enterprises the audit entries touch, in the caller's transaction (the
    event stream's `risk` consumer); the alerts raised (scf.risk.follower)."""
    from scf.risk.follower import follow_entries as follow

    return follow(uow, entries)


__all__ = [
    "ALERT_CUT",
    "CREDIT",
    "FUNDERS",
    "PLATFORM_ROLES",
    "ActiveModel",
    "AlertStatus",
    "DerivedGraphs",
    "FindingKind",
    "GraphFinding",
    "ModelStatus",
    "PlatformGraph",
    "RiskSettings",
    "Severity",
    "Signal",
    "champion",
    "clear_derived_cache",
    "contagion_of",
    "counts",
    "current_settings",
    "derived_graphs",
    "detect_signals",
    "enterprise_inputs",
    "evaluate_signals",
    "financing_inputs_from_rooms",
    "follow_entries",
    "graph_findings",
    "limit_for",
    "list_alerts",
    "list_models",
    "platform_trade_graph",
    "promote_model",
    "refresh_enterprise",
    "register_models",
    "related_party_check",
    "resolve_alert",
    "round_trips",
    "score_batch",
    "score_enterprise",
    "score_history",
    "score_inputs",
    "shell_reasons",
    "shell_score",
    "stability_report",
    "stored_limit",
    "supply_chain_uplift",
    "trade_inputs_from_trade_room",
]
