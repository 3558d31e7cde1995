"""The monthly supervision report as PDF, in Chinese and English.

reportlab loads with this module, and the room's service imports the module only when a report
is asked for, so that the command line starts without reportlab. Its CID font STSong-Light
renders Chinese without shipping a font file.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from scf.core.uow import UnitOfWork
from scf.supervision.indicators import indicators
from scf.supervision.model import month_bounds
from scf.supervision.series import series

FONT = "STSong-Light"
Section = tuple[str, list[list[str]]]  # a heading and its table's rows, the header first


def monthly_report_pdf(uow: UnitOfWork, month: str) -> bytes:
    """A monthly supervision report as PDF, in Chinese and English."""
    first, last = month_bounds(month)
    uow.read_snapshot()
    ind = indicators(uow, first, last)
    ser = series(uow, "day", first, last)
    sections = [
        _by_district(ind["sme_volume"]),
        _by_institution(ind["sme_volume"]),
        _reach(ind["reach"]),
        _pricing_time_and_quality(ind),
        _exposures(ind["exposures"]),
        _alerts_and_lists(ind, ser),
    ]
    period = f"{first.isoformat()} – {last.isoformat()} · as of {ind['as_of']}"
    return _render(month, period, sections)


# ---------------------------------------------------------------- the sections


def _by_district(vol: dict[str, Any]) -> Section:
    return "一、中小企业融资 SME financing by district", [
        ["district 区", "count 笔数", "amount 金额"],
        *([r["key"], str(r["count"]), _amounts(r["amounts"])] for r in vol["by_district"]),
    ]


def _by_institution(vol: dict[str, Any]) -> Section:
    return "二、按机构 By institution", [
        ["institution 机构", "count", "amount"],
        *([r["label"], str(r["count"]), _amounts(r["amounts"])] for r in vol["by_institution"]),
    ]


def _reach(reach: dict[str, Any]) -> Section:
    return "三、信用穿透 Reach of credit up the chain", [
        ["tier 层级", "enterprises 企业", "SMEs", "amount"],
        *(
            [str(t["tier"]), str(t["enterprises"]), str(t["smes"]), _amounts(t["amounts"])]
            for t in reach["tiers"]
        ),
    ]


def _pricing_time_and_quality(ind: dict[str, Any]) -> Section:
    lanes = ind["time_to_decision"]
    return "四、价格、时效与质量 Pricing, time to decision and credit quality", [
        ["indicator 指标", "value 数值"],
        [
            "weighted average rate 加权平均利率",
            ind["pricing"]["all"]["weighted_average"] or "–",
        ],
        ["median hours, green channel 绿色通道", lanes["green_channel"]["median_hours"] or "–"],
        ["median hours, standard 普通通道", lanes["standard"]["median_hours"] or "–"],
        *([k, "–" if v is None else str(v)] for k, v in ind["credit_quality"].items()),
    ]


def _exposures(exposures: list[dict[str, Any]]) -> Section:
    return "五、机构对核心企业敞口 Exposure to core enterprises against caps", [
        ["institution", "core enterprise", "exposure", "cap", "over cap"],
        *(
            [
                e["funder_name"],
                e["core_name"],
                _amounts([e["exposure"]]),
                _amounts([e["cap"]]),
                "yes 超限" if e["over_cap"] else "no",
            ]
            for e in exposures
        ),
    ]


def _alerts_and_lists(ind: dict[str, Any], ser: dict[str, Any]) -> Section:
    return "六、预警与名单 Alerts and lists", [
        ["item", "count"],
        *(
            [f"alerts {k}", str(ind["alerts"][k])]
            for k in ("raised", "open", "assigned", "resolved")
        ),
        *([f"{k} list (live)", str(ind["lists"][k]["live"])] for k in ("white", "black", "red")),
        ["alerts raised this month", str(sum(ser["alerts_raised"]))],
        ["list entries this month", str(sum(ser["list_entries"]))],
    ]


def _amounts(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{m['currency']} {m['amount']}" for m in items) or "–"


# ---------------------------------------------------------------- the document


def _render(month: str, period: str, sections: list[Section]) -> bytes:
    """Lay out the title, the period and each section's heading and table on A4."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    h = ParagraphStyle("h", fontName=FONT, fontSize=16, leading=22)
    p = ParagraphStyle("p", fontName=FONT, fontSize=9, leading=13)
    story: list[Any] = [
        Paragraph(f"供应链金融监管月报 Supervision report {month}", h),
        Paragraph(period, p),
        Spacer(1, 10),
    ]
    for i, (heading, rows) in enumerate(sections):
        if i:
            story.append(Spacer(1, 8))
        story += [Paragraph(heading, p), _table(rows, p)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=f"Supervision report {month}").build(story)
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
