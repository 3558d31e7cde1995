"""The supervision report of a month or a quarter as PDF, in Chinese and English.

reportlab loads with this module, and the room's service imports the module only when a report
is asked for, so that the command line starts without reportlab. Its CID font STSong-Light
renders Chinese without shipping a font file.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from scf.core import i18n
from scf.core.i18n import N_
from scf.core.uow import UnitOfWork
from scf.supervision.indicators import indicators
from scf.supervision.model import period_bounds
from scf.supervision.series import series

FONT = "STSong-Light"
SHANGHAI = ZoneInfo("Asia/Shanghai")
Section = tuple[str, list[list[str]]]  # a heading and its table's rows, the header first


def both(message: str) -> str:
    """A text of the report in Chinese, then in English (the catalogs give the Chinese)."""
    return f"{i18n.gettext('zh', message)} {message}"


def both_label(kind: str, value: object) -> str:
    """A stored value as read in Chinese, then in English."""
    zh, en = i18n.label("zh", kind, value), i18n.label("en", kind, value)
    return zh if zh == en else f"{zh} {en}"


def report_pdf(uow: UnitOfWork, period: str) -> bytes:
    """The supervision report of a month (YYYY-MM) or a quarter (YYYY-Qn) as PDF, in Chinese
    and English."""
    first, last = period_bounds(period)
    uow.read_snapshot()
    ind = indicators(uow, first, last)
    ser = series(uow, "day", first, last)
    sections = [
        _by_district(ind["sme_volume"]),
        _by_institution(ind["sme_volume"]),
        _reach(ind["reach"]),
        _pricing_and_time(ind),
        _credit_quality(ind),
        _exposures(ind["exposures"]),
        _alerts_and_lists(ind, ser),
    ]
    as_of = datetime.fromisoformat(ind["as_of"]).astimezone(SHANGHAI)
    to, as_of_text, beijing = both(N_("to")), both(N_("As of")), both(N_("Beijing time"))
    span = f"{first.isoformat()} {to} {last.isoformat()}"
    dated = f"{as_of_text} {as_of:%Y-%m-%d %H:%M} ({beijing})"
    title = both(N_("Supervision report")) + " " + period.upper()
    return _render(title, both(N_("Period")) + f": {span}; {dated}", sections)


def table_pdf(title: str, subtitle: str, sections: list[Section]) -> bytes:
    """A PDF of headed tables in the report's layout and font, for other rooms' exports."""
    return _render(title, subtitle, [(_xml(h), rows) for h, rows in sections])


# ---------------------------------------------------------------- the sections


def _by_district(vol: dict[str, Any]) -> Section:
    return both(N_("SME financing by district")), [
        [both(N_("District")), both(N_("Count")), both(N_("Amount"))],
        *(
            [both_label("parties.District", r["key"]), str(r["count"]), _amounts(r["amounts"])]
            for r in vol["by_district"]
        ),
    ]


def _by_institution(vol: dict[str, Any]) -> Section:
    return both(N_("SME financing by institution")), [
        [both(N_("Institution")), both(N_("Count")), both(N_("Amount"))],
        *([r["label"], str(r["count"]), _amounts(r["amounts"])] for r in vol["by_institution"]),
    ]


def _reach(reach: dict[str, Any]) -> Section:
    return both(N_("Reach of credit up the chain")), [
        [both(N_("Tier")), both(N_("Enterprises")), both(N_("SMEs")), both(N_("Amount"))],
        *(
            [str(t["tier"]), str(t["enterprises"]), str(t["smes"]), _amounts(t["amounts"])]
            for t in reach["tiers"]
        ),
    ]


def _pricing_and_time(ind: dict[str, Any]) -> Section:
    lanes = ind["time_to_decision"]
    return both(N_("Pricing and time to decision")), [
        [both(N_("Indicator")), both(N_("Value"))],
        [both(N_("Weighted average rate")), _percent(ind["pricing"]["all"]["weighted_average"])],
        [both(N_("Median hours to decision")), lanes["all"]["median_hours"] or "-"],
        [both(N_("Median hours, green channel")), lanes["green_channel"]["median_hours"] or "-"],
        [both(N_("Median hours, standard")), lanes["standard"]["median_hours"] or "-"],
    ]


# (title, the count's and the amount's key, the rates' keys by count and by amount)
_CREDIT_ROWS: tuple[tuple[str, str, str | None, str | None], ...] = (
    (N_("Financings"), "financings", None, None),
    (N_("Financings overdue"), "financings_overdue", "overdue_rate", "overdue_rate_by_amount"),
    (N_("Financings in default"), "financings_defaulted", "default_rate", "default_rate_by_amount"),
    (N_("Certificates"), "certificates", None, None),
    (
        N_("Certificates overdue"),
        "certificates_overdue",
        "certificate_overdue_rate",
        "certificate_overdue_rate_by_amount",
    ),
    (
        N_("Certificates in default"),
        "certificates_defaulted",
        "certificate_default_rate",
        "certificate_default_rate_by_amount",
    ),
)


def _credit_quality(ind: dict[str, Any]) -> Section:
    """Financings and, apart, certificates: overdue and in default by count and by amount."""
    cq, amounts = ind["credit_quality"], ind["credit_amounts"]
    head = [N_("Indicator"), N_("Count"), N_("Rate by count"), N_("Amount"), N_("Rate by amount")]
    return both(N_("Overdue and default")), [
        [both(h) for h in head],
        *(
            [
                both(title),
                str(cq[key]),
                _percent(cq[rate]) if rate else "",
                _amounts(amounts[key]),
                _percent(cq[by_amount]) if by_amount else "",
            ]
            for title, key, rate, by_amount in _CREDIT_ROWS
        ),
    ]


def _exposures(exposures: list[dict[str, Any]]) -> Section:
    return both(N_("Exposure to core enterprises against caps")), [
        [
            both(N_("Institution")),
            both(N_("Core enterprise")),
            both(N_("Exposure")),
            both(N_("Cap")),
            both(N_("Over cap")),
        ],
        *(
            [
                e["funder_name"],
                e["core_name"],
                _amounts([e["exposure"]]),
                _amounts([e["cap"]]),
                both(N_("Yes")) if e["over_cap"] else both(N_("No")),
            ]
            for e in exposures
        ),
    ]


def _alerts_and_lists(ind: dict[str, Any], ser: dict[str, Any]) -> Section:
    return both(N_("Alerts and lists")), [
        [both(N_("Item")), both(N_("Count"))],
        *(
            [
                both(N_("Alerts")) + ": " + both_label("supervision.CaseStatus", k),
                str(ind["alerts"][k]),
            ]
            for k in ("open", "assigned", "resolved")
        ),
        *(
            [
                both_label("parties.ListKind", k) + " (" + both(N_("live")) + ")",
                str(ind["lists"][k]["live"]),
            ]
            for k in ("white", "black", "red")
        ),
        [both(N_("Alerts raised in the period")), str(sum(ser["alerts_raised"]))],
        [both(N_("List entries in the period")), str(sum(ser["list_entries"]))],
    ]


def _amounts(items: list[dict[str, Any]]) -> str:
    """Amounts with thousands separators and two places, each with its currency code."""
    return (
        ", ".join(
            f"{format_decimal(Decimal(m['amount']), '#,##0.00', locale='zh_CN')} {m['currency']}"
            for m in items
        )
        or "0.00 CNY"
    )


def _percent(value: str | None) -> str:
    if value is None:
        return "-"
    return format_decimal(Decimal(value) * 100, "#,##0.00", locale="zh_CN") + "%"


# ---------------------------------------------------------------- the document


def _render(title: str, period: str, sections: list[Section]) -> bytes:
    """Lay out the title, the period and each section's heading and table on A4."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    h = ParagraphStyle("h", fontName=FONT, fontSize=16, leading=22)
    p = ParagraphStyle("p", fontName=FONT, fontSize=9, leading=13)
    story: list[Any] = [
        Paragraph(_xml(title), h),
        Paragraph(_xml(period), p),
        Spacer(1, 10),
    ]
    for i, (heading, rows) in enumerate(sections):
        if i:
            story.append(Spacer(1, 8))
        story += [Paragraph(heading, p), _table(rows, p)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=title).build(story)
    return buf.getvalue()


def _table(rows: list[list[str]], style: ParagraphStyle) -> Table:
    t = Table([[Paragraph(_xml(c), style) for c in r] for r in rows], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
            ]
        )
    )
    return t


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
