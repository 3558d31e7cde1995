"""Use cases of the institutions room: units, decision authority, NPL tolerance, due-diligence
exemption, unit performance and the regulator's assessment of institutions.

The room's public entry: other rooms, the API and the pages import from here only. The use
cases live in modules of their own: `units` (units, officers, products), `authority` (bands,
approvals, the check the financing room runs before an offer), `tolerance` (NPL against
tolerance, alerts), `exemptions` (尽职免责), `performance` (units against targets) and
`assessment` (the regulator's quarterly scoring); `common` holds what they share.
"""

from __future__ import annotations

from scf.institutions.assessment import (
    assessment_view,
    create_indicator_set,
    export_pdf,
    export_xlsx,
    indicator_set_dict,
    list_indicator_sets,
    measure,
    run_assessment,
    trend,
)
from scf.institutions.authority import (
    approve,
    approve_purchase,
    authorities_of,
    authority_dict,
    authorize_green,
    authorize_offer,
    authorize_purchase,
    bind_offer,
    decision_dict,
    list_decisions,
    set_authority,
)
from scf.institutions.common import INSTITUTIONS
from scf.institutions.exemptions import (
    decide_exemption,
    exemption_dict,
    file_exemption,
    get_exemption,
    list_exemptions,
)
from scf.institutions.performance import set_targets, unit_performance
from scf.institutions.tolerance import (
    npl_alert_dict,
    npl_alerts,
    npl_run,
    npl_view,
    set_tolerance,
)
from scf.institutions.units import (
    add_officer,
    assign_product,
    create_unit,
    get_unit,
    list_units,
    officer_dict,
    unit_dict,
)

__all__ = [
    "INSTITUTIONS",
    "add_officer",
    "approve",
    "approve_purchase",
    "assessment_view",
    "assign_product",
    "authorities_of",
    "authority_dict",
    "authorize_green",
    "authorize_offer",
    "authorize_purchase",
    "bind_offer",
    "create_indicator_set",
    "create_unit",
    "decide_exemption",
    "decision_dict",
    "exemption_dict",
    "export_pdf",
    "export_xlsx",
    "file_exemption",
    "get_exemption",
    "get_unit",
    "indicator_set_dict",
    "list_decisions",
    "list_exemptions",
    "list_indicator_sets",
    "list_units",
    "measure",
    "npl_alert_dict",
    "npl_alerts",
    "npl_run",
    "npl_view",
    "officer_dict",
    "run_assessment",
    "set_authority",
    "set_targets",
    "set_tolerance",
    "trend",
    "unit_dict",
    "unit_performance",
]
