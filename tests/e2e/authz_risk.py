"""Who may call each risk endpoint (see authz_parties.py for the format)."""

from __future__ import annotations

from typing import Any

ALL = "*"
PLATFORM = ("regulator", "operator")
WATCHERS = (
    "regulator",
    "operator",
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
)

# Paths carry another tenant's id: without a consent only the platform roles may read.
RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", "/api/v1/risk/scores/{org_id}"): PLATFORM,
    ("GET", "/api/v1/risk/findings/{org_id}"): PLATFORM,
    ("GET", "/api/v1/risk/limits/{org_id}"): PLATFORM,
    ("GET", "/api/v1/risk/related-check"): WATCHERS,
    ("POST", "/api/v1/risk/signals/{org_id}/evaluate"): PLATFORM,
    ("GET", "/api/v1/risk/alerts"): ALL,
    ("POST", "/api/v1/risk/alerts/{alert_id}/resolve"): ("regulator",),
    ("GET", "/api/v1/risk/contagion/{org_id}"): PLATFORM,
    ("GET", "/api/v1/risk/models"): WATCHERS,
    ("POST", "/api/v1/risk/models/{model_id}/promote"): ("operator",),
}

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/risk/alerts/{alert_id}/resolve"): lambda w: {"resolution": "checked"},
    ("POST", "/api/v1/risk/models/{model_id}/promote"): lambda w: {"status": "champion"},
}
