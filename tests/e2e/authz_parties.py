"""Who may call each parties endpoint: (method, path) -> roles that pass authorization.

"*" means every authenticated role; "public" means no token is needed. A role that is not
listed must get 403 or 404. Every room adds a module like this one (authz_<room>.py) with a
RULES dict; the matrix test refuses any route that no module lists.
"""

from __future__ import annotations

from typing import Any

ALL = "*"
PUBLIC = "public"
ENTERPRISE = ("core_enterprise", "supplier", "distributor")

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/tokens"): ALL,
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): ALL,
    ("POST", "/api/v1/auth/logout"): ALL,
    ("GET", "/api/v1/auth/sessions"): ALL,
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): ALL,
    ("POST", "/api/v1/auth/password"): ALL,
    ("GET", "/api/v1/auth/security-alerts"): ("operator",),
    ("GET", "/api/v1/me"): ALL,
    ("POST", "/api/v1/organizations"): ("operator",),
    ("GET", "/api/v1/organizations"): ALL,
    # a district regulator reads its district's organizations (the subject is in its district)
    ("GET", "/api/v1/organizations/{org_id}"): ("operator", "regulator", "district_regulator"),
    ("PATCH", "/api/v1/organizations/{org_id}"): ("operator",),
    ("POST", "/api/v1/organizations/{org_id}/shareholders"): ("operator",),
    ("POST", "/api/v1/organizations/{org_id}/key-persons"): ("operator",),
    ("GET", "/api/v1/organizations/{org_id}/ownership"): (
        "operator",
        "regulator",
        "district_regulator",
    ),
    ("GET", "/api/v1/organizations/{org_id}/related-parties"): (
        "operator",
        "regulator",
        "district_regulator",
    ),
    ("POST", "/api/v1/users"): ("operator",),
    ("POST", "/api/v1/consents"): ENTERPRISE,
    ("GET", "/api/v1/consents"): ALL,
    ("POST", "/api/v1/consents/{consent_id}/revoke"): ENTERPRISE,
    ("GET", "/api/v1/access-log"): ALL,
    ("POST", "/api/v1/lists"): ("regulator",),
    ("GET", "/api/v1/lists"): ALL,
    ("POST", "/api/v1/lists/{entry_id}/lift"): ("regulator",),
    ("GET", "/api/v1/audit"): ALL,
}

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/users"): lambda w: {
        "org_id": w.subject,
        "username": "intruder",
        "password": "long-enough-password",
    },
}
