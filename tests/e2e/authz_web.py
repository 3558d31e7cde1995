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
    "/registry": "public",
    "/login": "public",
    "/account/sessions": EVERY_ROLE,
}
