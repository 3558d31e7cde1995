"""Who may call each trade endpoint: (method, path) -> roles that pass authorization."""

from __future__ import annotations

ALL = "*"
PUBLIC = "public"
ENTERPRISE = ("core_enterprise", "supplier", "distributor")
SHIPPERS = (*ENTERPRISE, "logistics", "warehouse", "marketplace")
INSTITUTIONS = ("bank", "factoring_company", "local_financial_org", "insurer", "guarantee_company")

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", "/api/v1/trade/invoices"): ENTERPRISE,
    ("POST", "/api/v1/trade/invoices/batch"): ENTERPRISE,
    ("POST", "/api/v1/trade/orders"): ENTERPRISE,
    ("POST", "/api/v1/trade/shipments"): SHIPPERS,
    ("POST", "/api/v1/trade/payments"): ENTERPRISE,
    ("GET", "/api/v1/trade/csv-templates"): PUBLIC,  # documentation of the upload format
    ("POST", "/api/v1/trade/csv/{kind}"): SHIPPERS,
    ("POST", "/api/v1/trade/files"): ENTERPRISE,
    ("POST", "/api/v1/trade/validate"): ALL,
    ("GET", "/api/v1/trade/receivables"): ALL,
    ("GET", "/api/v1/trade/receivables/{receivable_id}"): ALL,
    ("POST", "/api/v1/trade/receivables/confirm"): ENTERPRISE,
    ("POST", "/api/v1/trade/receivables/{receivable_id}/confirm"): ENTERPRISE,
    ("POST", "/api/v1/trade/receivables/{receivable_id}/dispute"): ENTERPRISE,
    ("GET", "/api/v1/trade/receivables/{receivable_id}/assessment"): ALL,
    ("GET", "/api/v1/trade/invoices/{invoice_id}"): ALL,
    ("GET", "/api/v1/trade/invoices/{invoice_id}/match"): ALL,
    ("GET", "/api/v1/trade/summary/{org_id}"): ("operator", "regulator"),
    ("POST", "/api/v1/trade/fingerprints/check"): (*INSTITUTIONS, "regulator", "operator"),
    ("POST", "/api/v1/trade/fingerprints/submit"): INSTITUTIONS,
}
