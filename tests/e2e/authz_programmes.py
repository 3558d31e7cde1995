"""Who may call each programmes endpoint (see authz_parties.py)."""

from __future__ import annotations

from typing import Any

PARK_READERS = ("regulator", "district_regulator", "operator", "park_operator")
PARK_KEEPERS = ("operator", "park_operator")
APPLICANTS = (
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
    "park_operator",
    "supplier",
    "distributor",
    "core_enterprise",
)
OP = ("operator",)
A = "/api/v1"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", f"{A}/parks"): OP,
    ("GET", f"{A}/parks"): PARK_READERS,
    ("GET", f"{A}/parks/{{park_id}}"): PARK_READERS,
    ("POST", f"{A}/parks/{{park_id}}/members"): PARK_KEEPERS,
    ("POST", f"{A}/park-memberships/{{membership_id}}/end"): PARK_KEEPERS,
    ("POST", f"{A}/parks/{{park_id}}/scenarios"): PARK_KEEPERS,
    ("GET", f"{A}/programmes/indicators"): "*",
    ("POST", f"{A}/programmes"): OP,
    ("GET", f"{A}/programmes"): "*",
    ("GET", f"{A}/programmes/{{programme_id}}"): "*",
    ("POST", f"{A}/programmes/{{programme_id}}/rules"): OP,
    ("POST", f"{A}/programmes/{{programme_id}}/applications"): APPLICANTS,
    ("GET", f"{A}/award-applications"): "*",
    ("GET", f"{A}/award-applications/{{application_id}}"): "*",
    ("POST", f"{A}/award-applications/{{application_id}}/decision"): OP,
    ("POST", f"{A}/award-applications/{{application_id}}/payment"): OP,
    ("GET", f"{A}/objectives"): ("regulator", "district_regulator"),
}

BODIES: dict[tuple[str, str], Any] = {}
