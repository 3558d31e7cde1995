"""Who may call each institutions endpoint: (method, path) -> roles that pass authorization."""

from __future__ import annotations

FUNDERS = ("bank", "factoring_company", "local_financial_org")
INSTITUTIONS = (*FUNDERS, "insurer", "guarantee_company")
WATCHERS = ("regulator", "operator")
REG = ("regulator",)
P = "/api/v1/institutions"
U = f"{P}/units/{{unit_id}}"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", f"{P}/units"): INSTITUTIONS,
    ("GET", f"{P}/units"): (*INSTITUTIONS, *WATCHERS),
    ("GET", U): (*INSTITUTIONS, *WATCHERS),
    ("POST", f"{U}/officers"): INSTITUTIONS,
    ("POST", f"{U}/products"): FUNDERS,
    ("PUT", f"{U}/authority"): FUNDERS,
    ("GET", f"{U}/authority"): (*INSTITUTIONS, *WATCHERS),
    ("PUT", f"{U}/tolerance"): FUNDERS,
    ("GET", f"{U}/npl"): (*INSTITUTIONS, *WATCHERS),
    ("PUT", f"{U}/targets"): FUNDERS,
    ("GET", f"{U}/performance"): (*INSTITUTIONS, *WATCHERS),
    ("POST", f"{P}/approvals"): FUNDERS,
    ("POST", f"{P}/purchase-approvals"): FUNDERS,
    ("GET", f"{P}/decisions"): (*FUNDERS, *WATCHERS),
    ("POST", f"{P}/npl-run"): (*FUNDERS, "operator"),
    ("GET", f"{P}/npl-alerts"): (*FUNDERS, *WATCHERS),
    ("POST", f"{P}/exemptions"): FUNDERS,
    ("GET", f"{P}/exemptions"): (*FUNDERS, *WATCHERS),
    ("GET", f"{P}/exemptions/{{exemption_id}}"): (*FUNDERS, *WATCHERS),
    ("POST", f"{P}/exemptions/{{exemption_id}}/decision"): FUNDERS,
    ("POST", f"{P}/assessment/indicator-sets"): REG,
    ("GET", f"{P}/assessment/indicator-sets"): (*REG, *FUNDERS),
    ("POST", f"{P}/assessments"): REG,
    ("GET", f"{P}/assessments/{{quarter}}"): (*REG, *FUNDERS),
    ("GET", f"{P}/assessment-trend"): (*REG, *FUNDERS),
    ("GET", f"{P}/assessments/{{quarter}}/ranking.xlsx"): REG,
    ("GET", f"{P}/assessments/{{quarter}}/ranking.pdf"): REG,
}
