"""Who may call each financing endpoint: (method, path) -> roles that pass authorization."""

from __future__ import annotations

ALL = "*"
ENTERPRISE = ("core_enterprise", "supplier", "distributor")
FUNDERS = ("bank", "factoring_company", "local_financial_org")
WATCHERS = ("regulator", "operator")
INSURERS = ("insurer", "guarantee_company")
P = "/api/v1/financing"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", f"{P}/scenarios"): ALL,
    ("POST", f"{P}/products"): FUNDERS,
    ("GET", f"{P}/products"): ALL,
    ("POST", f"{P}/applications"): ENTERPRISE,
    ("GET", f"{P}/applications"): ALL,
    ("POST", f"{P}/tsin"): (*ENTERPRISE, *FUNDERS),
    ("GET", f"{P}/tsin/{{request_id}}/status"): ALL,
    ("GET", f"{P}/tsin/{{request_id}}/messages"): ALL,
    ("GET", f"{P}/applications/{{app_id}}"): ALL,
    ("POST", f"{P}/applications/{{app_id}}/review"): ("operator",),
    ("POST", f"{P}/applications/{{app_id}}/offers"): FUNDERS,
    ("POST", f"{P}/applications/{{app_id}}/decline"): FUNDERS,
    ("POST", f"{P}/applications/{{app_id}}/cancellation"): (*ENTERPRISE, *FUNDERS),
    ("POST", f"{P}/offers/{{offer_id}}/accept"): ENTERPRISE,
    ("POST", f"{P}/applications/{{app_id}}/registration"): FUNDERS,
    ("POST", f"{P}/applications/{{app_id}}/disbursement"): FUNDERS,
    ("POST", f"{P}/applications/{{app_id}}/early-payment"): ("core_enterprise",),
    ("POST", f"{P}/applications/{{app_id}}/repayments"): FUNDERS,
    ("POST", f"{P}/applications/{{app_id}}/default"): FUNDERS,
    ("POST", f"{P}/overdue-run"): WATCHERS,
    ("PUT", f"{P}/commodity-prices"): ("operator",),
    ("GET", f"{P}/commodity-prices"): ALL,
    ("POST", f"{P}/mark-to-market"): WATCHERS,
    ("GET", f"{P}/margin-calls"): ALL,
    ("POST", f"{P}/cover-policies"): INSURERS,
    ("GET", f"{P}/cover-policies"): ALL,
    ("GET", f"{P}/claims"): ALL,
    ("POST", f"{P}/claims/{{claim_id}}/payment"): INSURERS,
    ("POST", f"{P}/bills"): ENTERPRISE,
    ("GET", f"{P}/bills"): ALL,
    ("POST", f"{P}/bills/{{bill_id}}/endorsements"): ENTERPRISE,
    ("POST", f"{P}/discount-programs"): ("core_enterprise",),
    ("GET", f"{P}/discount-programs/{{program_id}}"): ALL,
    ("POST", f"{P}/discount-programs/{{program_id}}/bids"): ("supplier", "distributor"),
    ("POST", f"{P}/discount-programs/{{program_id}}/bids/{{bid_id}}/amendment"): (
        "supplier",
        "distributor",
    ),
    ("POST", f"{P}/discount-programs/{{program_id}}/bids/{{bid_id}}/withdrawal"): (
        "supplier",
        "distributor",
    ),
    ("POST", f"{P}/discount-programs/{{program_id}}/clearing"): ("core_enterprise",),
    ("GET", f"{P}/inbox"): ALL,
    ("POST", f"{P}/inbox/{{message_id}}/read"): ALL,
    ("GET", f"{P}/decision-times"): WATCHERS,
    ("GET", f"{P}/report"): WATCHERS,
    ("GET", f"{P}/summary/{{org_id}}"): WATCHERS,
}
