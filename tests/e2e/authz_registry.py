"""Who may call each registry endpoint. Search, conflicts and the log are public by design."""

from __future__ import annotations

from typing import Any

PUBLIC = "public"
PARTICIPANTS = (
    "core_enterprise",
    "supplier",
    "distributor",
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
    "logistics",
    "warehouse",
    "marketplace",
    "appraiser",
)
R = "/api/v1/registry"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", f"{R}/registrations"): PARTICIPANTS,
    ("POST", f"{R}/registrations/batch"): PARTICIPANTS,
    ("POST", f"{R}/registrations/{{number}}/amendments"): PARTICIPANTS,
    ("POST", f"{R}/registrations/{{number}}/extensions"): PARTICIPANTS,
    ("POST", f"{R}/registrations/{{number}}/cancellation"): PARTICIPANTS,
    ("POST", f"{R}/registrations/{{number}}/objections"): PARTICIPANTS,
    ("POST", f"{R}/objections/{{objection_id}}/litigation"): PARTICIPANTS,
    ("POST", f"{R}/agencies"): PARTICIPANTS,
    ("GET", f"{R}/agencies"): PARTICIPANTS,
    ("POST", f"{R}/agencies/{{agency_id}}/revoke"): PARTICIPANTS,
    ("POST", f"{R}/goods"): ("warehouse",),
    ("GET", f"{R}/goods/{{goods_id}}"): (*PARTICIPANTS, "regulator"),
    ("POST", f"{R}/goods/{{goods_id}}/release"): ("warehouse",),
    ("GET", f"{R}/registrations/{{number}}"): PUBLIC,
    ("GET", f"{R}/search"): PUBLIC,
    ("GET", f"{R}/search/certificate"): PUBLIC,
    ("POST", f"{R}/search/certificate/verify"): PUBLIC,
    ("POST", f"{R}/conflicts"): PUBLIC,
    ("POST", f"{R}/priority"): PUBLIC,
    ("GET", f"{R}/log/sth"): PUBLIC,
    ("GET", f"{R}/log/sths"): PUBLIC,
    ("GET", f"{R}/log/keys"): PUBLIC,
    ("GET", f"{R}/log/entries"): PUBLIC,
    ("GET", f"{R}/log/proof/inclusion"): PUBLIC,
    ("GET", f"{R}/log/proof/consistency"): PUBLIC,
    ("POST", f"{R}/log/cosignatures"): PUBLIC,
    ("GET", f"{R}/log/cosignatures"): PUBLIC,
}

BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{R}/registrations"): lambda w: {
        "kind": "pledge",
        "grantor_org_ids": [w.subject],
        "secured_party_org_id": w.subject,
        "collateral": [{"kind": "receivable", "identifier": "ab" * 32}],
        "period_months": 12,
    },
}
