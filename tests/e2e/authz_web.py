"""The web pages are not under /api/ (the matrix does not enumerate them); their access rules
are listed here and checked by tests/e2e/test_web_pages.py: path -> roles that may open it."""

from __future__ import annotations

from scf.parties.model import Role

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {}

ENTERPRISE = ("supplier", "distributor", "marketplace")
EVERY_ROLE = tuple(r.value for r in Role)
FUNDERS = ("bank", "factoring_company", "local_financial_org")
PAGES: dict[str, str | tuple[str, ...]] = {
    "/sme": ENTERPRISE,
    "/sme/invoices": ENTERPRISE,
    "/sme/pieces": ENTERPRISE,
    "/sme/access": (*ENTERPRISE, "core_enterprise"),
    "/core": ("core_enterprise",),
    "/sme/discounting": ("supplier", "distributor"),
    "/core/discounting": ("core_enterprise",),
    "/fi": FUNDERS,
    "/cover": ("insurer", "guarantee_company"),
    "/operator": ("operator",),
    "/services": ("warehouse", "logistics"),
    "/regulator": ("regulator",),
    "/regulator/alerts": ("regulator",),
    "/regulator/lists": ("regulator",),
    "/regulator/financings": ("regulator",),
    "/regulator/certificates": ("regulator",),
    "/regulator/assessment": ("regulator",),
    "/units": FUNDERS,
    "/district": ("district_regulator",),
    "/park": ("park_operator",),
    "/programmes": (
        "bank",
        "factoring_company",
        "local_financial_org",
        "insurer",
        "guarantee_company",
        "park_operator",
        "supplier",
        "distributor",
        "core_enterprise",
    ),
    "/awards": ("operator",),
    "/registry": "public",
    "/login": "public",
    "/account/sessions": EVERY_ROLE,
    "/scenarios": EVERY_ROLE,
    "/scenarios/payouts": ("supplier", "distributor", "marketplace"),
    "/scenarios/fx-rates": ("operator",),
    "/scenarios/ip": ("supplier", "distributor", "appraiser"),
    "/my-data": ("supplier", "distributor", "marketplace", "core_enterprise"),
    "/operator/corrections": ("operator",),
    "/data-quality": ("operator", "regulator"),
    "/learn": EVERY_ROLE,
}
