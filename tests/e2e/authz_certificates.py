"""Who may call each certificates endpoint: (method, path) -> roles that pass authorization."""

from __future__ import annotations

from typing import Any

ALL = "*"
ENTERPRISE = ("core_enterprise", "supplier", "distributor")
FUNDERS = ("bank", "factoring_company", "local_financial_org")
WATCHERS = ("regulator", "operator")

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", "/api/v1/credit-lines"): FUNDERS,
    ("GET", "/api/v1/credit-lines"): ALL,
    ("GET", "/api/v1/credit-lines/{line_id}"): ALL,
    ("PUT", "/api/v1/certificate-exposure-caps"): ("regulator",),
    ("GET", "/api/v1/certificate-exposures"): (*WATCHERS, *FUNDERS),
    ("POST", "/api/v1/certificates"): ("core_enterprise",),
    ("GET", "/api/v1/certificates"): ALL,
    ("GET", "/api/v1/certificates/{certificate_id}"): ALL,
    ("GET", "/api/v1/certificates/{certificate_id}/lineage"): ALL,
    ("GET", "/api/v1/certificates/{certificate_id}/exposure"): ALL,
    ("POST", "/api/v1/certificates/{certificate_id}/settlement"): ("core_enterprise",),
    ("GET", "/api/v1/certificates/{certificate_id}/settlement/pain001"): ALL,
    ("PUT", "/api/v1/settlement-accounts"): ALL,
    ("GET", "/api/v1/settlement-accounts"): ALL,
    ("POST", "/api/v1/certificate-statements"): ("core_enterprise", "operator"),
    ("POST", "/api/v1/certificate-maturity-run"): WATCHERS,
    ("GET", "/api/v1/certificate-alerts"): ALL,
    ("GET", "/api/v1/certificate-reach"): WATCHERS,
    ("GET", "/api/v1/certificate-settlements/upcoming"): ALL,
    ("GET", "/api/v1/certificate-pieces"): ALL,
    ("POST", "/api/v1/certificate-pieces/{piece_id}/split"): (*ENTERPRISE, *FUNDERS),
    ("POST", "/api/v1/certificate-pieces/{piece_id}/transfer"): ENTERPRISE,
    ("POST", "/api/v1/certificate-pieces/transfers"): ENTERPRISE,
    ("POST", "/api/v1/certificate-pieces/{piece_id}/financing-offers"): ENTERPRISE,
    ("GET", "/api/v1/certificate-financings/{financing_id}"): ALL,
    ("POST", "/api/v1/certificate-financings/{financing_id}/accept"): FUNDERS,
    ("POST", "/api/v1/certificate-financings/{financing_id}/decline"): (*ENTERPRISE, *FUNDERS),
}

BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/api/v1/certificate-exposure-caps"): lambda w: {
        "funder_org_id": w.orgs["bank"],
        "core_org_id": w.subject,
        "cap": {"amount": "1000.00", "currency": "CNY"},
    },
}
