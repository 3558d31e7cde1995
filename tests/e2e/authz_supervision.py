"""Who may call each supervision endpoint: the regulator alone (see authz_parties.py)."""

from __future__ import annotations

from typing import Any

REG = ("regulator",)
P = "/api/v1/supervision"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", f"{P}/indicators"): REG,
    ("GET", f"{P}/series"): REG,
    ("GET", f"{P}/exports/indicators.csv"): REG,
    ("GET", f"{P}/exports/indicators.xlsx"): REG,
    ("GET", f"{P}/reports/monthly.pdf"): REG,
    ("GET", f"{P}/reports/report.pdf"): REG,
    ("GET", f"{P}/alerts"): REG,
    ("POST", f"{P}/alerts/{{source}}/{{alert_id}}/assign"): REG,
    ("POST", f"{P}/alerts/{{source}}/{{alert_id}}/notes"): REG,
    ("POST", f"{P}/alerts/{{source}}/{{alert_id}}/resolve"): REG,
    ("GET", f"{P}/lists"): REG,
    ("GET", f"{P}/enterprises/{{org_id}}"): REG,
    ("GET", f"{P}/sharing-export"): REG,
    ("POST", f"{P}/exchange/market-changes"): REG,
    ("GET", f"{P}/exchange/joint-lists"): REG,
    ("POST", f"{P}/exchange/joint-lists"): REG,
}

BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{P}/alerts/{{source}}/{{alert_id}}/assign"): lambda w: {"assignee": "officer"},
    ("POST", f"{P}/alerts/{{source}}/{{alert_id}}/notes"): lambda w: {"note": "checked"},
    ("POST", f"{P}/alerts/{{source}}/{{alert_id}}/resolve"): lambda w: {"resolution": "ok"},
}
