"""The indicators as CSV and as an Excel workbook with the series."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core.audit import AuditEntry
from scf.core.uow import UnitOfWork
from scf.supervision.facts import check_period
from scf.supervision.indicators import indicators
from scf.supervision.series import series

HEADER = ["section", "dimension", "key", "label", "count", "amount", "currency"]


def export_csv(uow: UnitOfWork, start: date | None = None, end: date | None = None) -> bytes:
    """The indicators as CSV (UTF-8 with a BOM, so that spreadsheet programs read Chinese)."""
    uow.read_snapshot()
    ind = indicators(uow, *check_period(start, end))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(_safe_cells(r) for r in _indicator_rows(ind))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
HOURS_FORMAT = "0.00"


def export_xlsx(
    uow: UnitOfWork, start: date | None = None, end: date | None = None, granularity: str = "month"
) -> bytes:
    """The indicators and the series as an Excel workbook with typed cells: counts as whole
    numbers, amounts as exact decimals with a money format, rates as percentages, periods
    as dates (openpyxl writes a Decimal as its exact text, never through a float)."""
    from openpyxl import Workbook

    uow.read_snapshot()
    ind = indicators(uow, *check_period(start, end))
    today = uow.today()
    ser = series(uow, granularity, start or date(today.year, 1, 1), end or today)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "indicators"
    ws.append(HEADER)
    for r in _indicator_rows(ind):
        ws.append(_typed(_safe_cells(r)))
        _format_indicator(ws[ws.max_row], r)
    ws2 = wb.create_sheet("series")
    cols = ["period", "sme_financings", "alerts_raised", "alerts_resolved", "list_entries"]
    cols += [f"sme_volume_{c}" for c in ser["sme_volume"]]
    ws2.append(cols)
    for i, label in enumerate(ser["labels"]):
        ws2.append(
            [
                date.fromisoformat(label if len(label) == 10 else f"{label}-01"),
                ser["sme_financings"][i],
                ser["alerts_raised"][i],
                ser["alerts_resolved"][i],
                ser["list_entries"][i],
                *(Decimal(v[i]) for v in ser["sme_volume"].values()),
            ]
        )
        row = ws2[ws2.max_row]
        row[0].number_format = "yyyy-mm-dd" if granularity == "day" else "yyyy-mm"
        for cell in row[5:]:
            cell.number_format = MONEY_FORMAT
    for sheet in (ws, ws2):
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_xlsx(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    """A workbook of plain tables (title, header, rows) for other rooms' exports: Decimals stay
    exact, text taken from participants is neutralised, the header row is frozen."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for r in rows:
            ws.append([_safe_cells([c])[0] if isinstance(c, str) else c for c in r])
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _typed(row: list[str]) -> list[Any]:
    """The count as an integer and the value as a Decimal; text stays text."""
    out: list[Any] = list(row)
    if row[4].isdigit():
        out[4] = int(row[4])
    if row[5] and _numeric(row[5]):
        out[5] = Decimal(row[5])
    return out


def _format_indicator(cells: Any, row: list[str]) -> None:
    """Give the value cell the format of what it holds: money, a rate or hours."""
    section, key, currency = row[0], row[2], row[6]
    value = cells[5]
    if currency:
        value.number_format = MONEY_FORMAT
    elif section == "time_to_decision":
        value.number_format = HOURS_FORMAT
    elif "rate" in key:
        value.number_format = "0.0000%" if section == "pricing" else RATE_FORMAT


def _indicator_rows(ind: dict[str, Any]) -> list[list[str]]:
    """Flatten the indicators into (section, dimension, key, label, count, amount, currency)."""
    return [
        *_volume_rows(ind["sme_volume"]),
        *_reach_rows(ind["reach"]),
        *_pricing_and_time_rows(ind["pricing"], ind["time_to_decision"]),
        *_credit_rows(ind["credit_quality"], ind["credit_amounts"]),
        *_exposure_rows(ind["exposures"]),
        *(["alerts", "all", k, "", str(ind["alerts"][k]), "", ""] for k in _ALERT_STATES),
        *(
            ["lists", kind, "live", "", str(ind["lists"][kind]["live"]), "", ""]
            for kind in ("white", "black", "red")
        ),
    ]


_ALERT_STATES = ("raised", "open", "assigned", "resolved")


def _volume_rows(volume: dict[str, list[dict[str, Any]]]) -> list[list[str]]:
    rows: list[list[str]] = []
    for dim, items in volume.items():
        for r in items:
            for m in r["amounts"] or [{"amount": "0.00", "currency": "CNY"}]:
                label = r.get("label", r["key"])
                rows.append(["sme_volume", dim, r["key"], label, str(r["count"]), *_money(m)])
    return rows


def _reach_rows(reach: dict[str, Any]) -> list[list[str]]:
    return [
        ["reach", "tier", str(t["tier"]), f"SMEs {t['smes']}", str(t["enterprises"]), *_money(m)]
        for t in reach["tiers"]
        for m in t["amounts"]
    ]


def _pricing_and_time_rows(
    pricing: dict[str, Any], time_to_decision: dict[str, Any]
) -> list[list[str]]:
    p = pricing["all"]
    rows = [
        [
            "pricing",
            "all",
            "weighted_average_rate",
            "",
            str(p["count"]),
            p["weighted_average"] or "",
            "",
        ]
    ]
    rows += [
        [
            "time_to_decision",
            lane,
            "median_hours",
            "",
            str(st["count"]),
            st["median_hours"] or "",
            "",
        ]
        for lane, st in time_to_decision.items()
    ]
    return rows


def _credit_rows(quality: dict[str, Any], amounts: dict[str, Any]) -> list[list[str]]:
    """Counts in the count column, rates and amounts in the value column."""
    rows = [
        ["credit_quality", "all", k, "", "", "" if v is None else str(v), ""]
        if "rate" in k
        else ["credit_quality", "all", k, "", str(v), "", ""]
        for k, v in quality.items()
    ]
    rows += [
        ["credit_quality", "amount", k, "", "", *_money(m)] for k, ms in amounts.items() for m in ms
    ]
    return rows


def _exposure_rows(exposures: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            "exposure",
            e["funder_name"],
            e["core_name"],
            f"cap {e['cap']['amount']}",
            "1" if e["over_cap"] else "0",
            *_money(e["exposure"]),
        ]
        for e in exposures
    ]


def _money(m: dict[str, Any]) -> list[str]:
    return [m["amount"], m["currency"]]


def _safe_cells(row: list[str]) -> list[str]:
    """Neutralise spreadsheet formulas in text taken from participants (CSV injection)."""
    return [("'" + c) if c[:1] in ("=", "+", "-", "@") and not _numeric(c) else c for c in row]


def _numeric(c: str) -> bool:
    try:
        Decimal(c)
    except ArithmeticError:
        return False
    return True


def provenance(uow: UnitOfWork, query: str, period: str) -> dict[str, str]:
    """What an export came from, as the headers it carries: the query it answers, the period
    it covers and the data version (the last audit entry: every change is audited, so two
    exports of one version were made from the same data)."""
    version = uow.session.scalar(select(func.max(AuditEntry.id))) or 0
    return {
        "X-SCF-Query": query,
        "X-SCF-Period": period or "all",
        "X-SCF-Data-Version": str(version),
    }
