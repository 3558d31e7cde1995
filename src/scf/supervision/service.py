"""Use cases of supervision: live indicators from every room, the alert workflow, the lists,
exports (CSV, XLSX, PDF) and the information-sharing file.

The room's public entry: the API, the pages and the other rooms import from here only. The
use cases live in modules of their own: `facts` (every financing booked on the platform),
`indicators`, `series`, `alerts` (the workflow), `oversight` (what district regulators,
industry associations and government departments see), `lists` (licences and enforcement),
`enterprise` (the drill-down into one enterprise), `drilldown` (the records behind
the console's tiles and charts), `exports` (CSV, XLSX), `report` (the monthly PDF) and
`sharing` (the file for other agencies) and `exchange` (files exchanged with market
supervision, tax and customs, and the joint lists).

Indicators are computed on read from the rooms' services, never copied into tables of our
own, so the regulator always sees the live state; the tables here hold the regulator's
handling of alerts (who has it, notes, the resolution), keyed by the room and alert id, and
the event counters (`counters`: audit entries per action and day, kept by a consumer of the
event stream).
"""

from __future__ import annotations

from scf.core.uow import UnitOfWork
from scf.supervision.alerts import add_note, alert_inbox, assign_alert, resolve_alert
from scf.supervision.calendar import calendar_loads, load_official_calendar
from scf.supervision.counters import count_events, event_counts
from scf.supervision.drilldown import (
    CERTIFICATE_STATES,
    FINANCING_STATES,
    FinancingFilter,
    certificate_list,
    financing_list,
)
from scf.supervision.enterprise import enterprise_view
from scf.supervision.exchange import (
    Customs,
    Declaration,
    FileCustoms,
    FileMarketSupervision,
    FileTaxInvoices,
    InvoiceVerdict,
    MarketSupervision,
    TaxInvoices,
    export_joint_lists,
    import_joint_lists,
    import_market_changes,
    parse_market_changes,
)
from scf.supervision.exports import HEADER, export_csv, export_xlsx, provenance, table_xlsx
from scf.supervision.facts import financing_facts, require_regulator
from scf.supervision.indicators import exposures, indicators
from scf.supervision.lists import listings
from scf.supervision.model import (
    AlertSource,
    CaseStatus,
    Granularity,
    month_bounds,
    period_bounds,
    quarter_bounds,
    quarter_of,
)
from scf.supervision.oversight import (
    MIN_MEMBERS,
    association_figures,
    department_enterprise,
    department_financings,
    district_alerts,
    district_enterprise,
    district_enterprises,
    district_financings,
    district_org_ids,
    district_overview,
    organization_figures,
    population_figures,
    require_in_district,
    sme_amount_by_year,
)
from scf.supervision.series import default_period, series
from scf.supervision.sharing import SHARING_SCHEMA, sharing_export


def monthly_report_pdf(uow: UnitOfWork, month: str) -> bytes:
    """A monthly supervision report as PDF, in Chinese and English (loads reportlab)."""
    from scf.supervision import report

    return report.report_pdf(uow, month)


def table_pdf(title: str, subtitle: str, sections: list[tuple[str, list[list[str]]]]) -> bytes:
    """Headed tables as a PDF in the report's layout (loads reportlab), for other rooms."""
    from scf.supervision import report

    return report.table_pdf(title, subtitle, sections)


def report_pdf(uow: UnitOfWork, period: str) -> bytes:
    """The supervision report of a month (YYYY-MM) or a quarter (YYYY-Qn) as PDF."""
    from scf.supervision import report

    return report.report_pdf(uow, period)


__all__ = [
    "CERTIFICATE_STATES",
    "FINANCING_STATES",
    "HEADER",
    "MIN_MEMBERS",
    "SHARING_SCHEMA",
    "AlertSource",
    "CaseStatus",
    "Customs",
    "Declaration",
    "FileCustoms",
    "FileMarketSupervision",
    "FileTaxInvoices",
    "FinancingFilter",
    "Granularity",
    "InvoiceVerdict",
    "MarketSupervision",
    "TaxInvoices",
    "add_note",
    "alert_inbox",
    "assign_alert",
    "association_figures",
    "calendar_loads",
    "certificate_list",
    "count_events",
    "default_period",
    "department_enterprise",
    "department_financings",
    "district_alerts",
    "district_enterprise",
    "district_enterprises",
    "district_financings",
    "district_org_ids",
    "district_overview",
    "enterprise_view",
    "event_counts",
    "export_csv",
    "export_joint_lists",
    "export_xlsx",
    "exposures",
    "financing_facts",
    "financing_list",
    "import_joint_lists",
    "import_market_changes",
    "indicators",
    "listings",
    "load_official_calendar",
    "month_bounds",
    "monthly_report_pdf",
    "organization_figures",
    "parse_market_changes",
    "period_bounds",
    "population_figures",
    "provenance",
    "quarter_bounds",
    "quarter_of",
    "report_pdf",
    "require_in_district",
    "require_regulator",
    "resolve_alert",
    "series",
    "sharing_export",
    "sme_amount_by_year",
    "table_pdf",
    "table_xlsx",
]
