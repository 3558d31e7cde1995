"""Who may call the multi-level supervision endpoints (see authz_parties.py): each level its
own routes; the operator keeps associations' members and departments' read grants."""

from __future__ import annotations

from typing import Any

REGULATORS = ("regulator", "district_regulator")
OV = "/api/v1/oversight"
A = "/api/v1"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", f"{OV}/district"): REGULATORS,
    ("GET", f"{OV}/district/enterprises"): REGULATORS,
    ("GET", f"{OV}/district/enterprises/{{enterprise_id}}"): REGULATORS,
    ("GET", f"{OV}/district/financings"): REGULATORS,
    ("GET", f"{OV}/district/alerts"): REGULATORS,
    ("GET", f"{OV}/association"): ("industry_association",),
    ("GET", f"{OV}/department/enterprises/{{enterprise_id}}"): ("government_department",),
    ("GET", f"{OV}/department/enterprises/{{enterprise_id}}/financings"): (
        "government_department",
    ),
    ("POST", f"{A}/associations/{{association_id}}/members"): ("operator",),
    ("GET", f"{A}/associations/{{association_id}}/members"): (
        "operator",
        "regulator",
        "industry_association",
    ),
    ("POST", f"{A}/association-memberships/{{membership_id}}/end"): ("operator",),
    ("POST", f"{A}/read-grants"): ("operator",),
    ("GET", f"{A}/read-grants"): ("operator", "regulator", "government_department"),
    ("POST", f"{A}/read-grants/{{grant_id}}/revoke"): ("operator",),
}

BODIES: dict[tuple[str, str], Any] = {}
