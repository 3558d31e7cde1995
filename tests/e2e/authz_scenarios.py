"""Who may call each district-scenario endpoint: (method, path) -> roles that pass."""

from __future__ import annotations

ALL = "*"
WATCHERS = ("regulator", "operator")
P = "/api/v1/scenarios"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("PUT", f"{P}/fx-rates"): ("operator",),
    ("GET", f"{P}/fx-rates"): ALL,
    ("POST", f"{P}/payouts"): ("supplier", "distributor"),
    ("GET", f"{P}/payouts"): ALL,
    ("GET", f"{P}/payouts/{{payout_id}}"): ALL,
    ("POST", f"{P}/payouts/{{payout_id}}/confirmation"): ("marketplace",),
    ("GET", f"{P}/marketplace-exposure"): WATCHERS,
    ("GET", f"{P}/catalogue"): ALL,
    ("POST", f"{P}/ip-assets"): ("supplier", "distributor"),
    ("GET", f"{P}/ip-assets"): ALL,
    ("POST", f"{P}/ip-assets/{{ip_id}}/valuation"): ("appraiser",),
}
