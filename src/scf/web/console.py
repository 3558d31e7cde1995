"""The regulator's console: tiles and charts over a chosen period, and the records behind each.

The period picker (all time, a month, a quarter or a range of days) is part of every link of
the page, so the tiles, the charts, the drill-down lists and the exports all show the same
period; each tile and each chart bar opens the list of the records it counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from scf.core import i18n
from scf.core.errors import DomainError, InvalidInput
from scf.core.i18n import N_
from scf.core.uow import UnitOfWork
from scf.supervision import service as supervision
from scf.web.common import Pages, language, refused

pages = Pages("regulator", home="/regulator")
router = pages.router
SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD_KINDS = ("all", "month", "quarter", "range")


@dataclass(frozen=True)
class Period:
    """The period the regulator chose, and the query that carries it to every link."""

    kind: str
    start: date | None
    end: date | None
    month: str
    quarter: str

    def query(self, **extra: str | None) -> str:
        base: dict[str, str | None] = {"period": self.kind}
        if self.kind == "month":
            base["month"] = self.month
        elif self.kind == "quarter":
            base["quarter"] = self.quarter
        elif self.kind == "range":
            base["start"] = self.start.isoformat() if self.start else None
            base["end"] = self.end.isoformat() if self.end else None
        return urlencode({k: v for k, v in {**base, **extra}.items() if v})

    @property
    def report(self) -> str:
        """The month or quarter a PDF report covers: the chosen one, else this month."""
        return self.quarter if self.kind == "quarter" else self.month


def _date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("write the date as YYYY-MM-DD", field=name) from None


def period_of(request: Request, today: date) -> Period:
    """Read the period picker's fields; refuse a period that cannot be read."""
    q = request.query_params
    kind = q.get("period") or "all"
    if kind not in PERIOD_KINDS:
        raise InvalidInput("choose all time, a month, a quarter or a range", field="period")
    month = q.get("month") or today.strftime("%Y-%m")
    quarter = (q.get("quarter") or supervision.quarter_of(today)).upper()
    start = end = None
    if kind == "month":
        start, end = supervision.month_bounds(month)
    elif kind == "quarter":
        start, end = supervision.quarter_bounds(quarter)
    elif kind == "range":
        start = _date(q["start"], "start") if q.get("start") else None
        end = _date(q["end"], "end") if q.get("end") else None
        if start and end and end < start:
            raise InvalidInput("the end is before the start", field="end")
    return Period(kind, start, end, month, quarter)


def local_time(value: datetime | str | None) -> str:
    """A stored UTC time as read in Shanghai, to the minute."""
    if value is None:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _cny(amounts: list[dict[str, Any]]) -> str:
    return next((m["amount"] for m in amounts if m["currency"] == "CNY"), "0")


def chart_rows(rows: list[dict[str, Any]], name: Any, drill: str) -> list[dict[str, Any]]:
    """A chart's bars: the label in the page's language, the CNY amount, the list behind it."""
    return [
        {"label": name(r), "value": _cny(r["amounts"]), "drill": drill + quote(r["key"], safe="")}
        for r in rows
    ]


def _series(uow: UnitOfWork, lang: str, period: Period) -> dict[str, Any]:
    """The trend of the period: by day up to two months, else by month."""
    start, end = period.start, period.end
    if start is None or end is None:
        d_start, d_end = supervision.default_period(uow, supervision.Granularity.MONTH)
        start, end = start or d_start, end or d_end
    granularity = "day" if (end - start).days <= 62 else "month"
    ser = supervision.series(uow, granularity, start, end)
    return {
        "labels": ser["labels"],
        "bars": ser["sme_volume"].get("CNY", ["0"] * len(ser["labels"])),
        "raised": ser["alerts_raised"],
        "resolved": ser["alerts_resolved"],
        "names": {
            "bars": i18n.gettext(lang, N_("SME financing (CNY)")),
            "raised": i18n.gettext(lang, N_("Alerts raised")),
            "resolved": i18n.gettext(lang, N_("Alerts resolved")),
            "amount": i18n.gettext(lang, N_("CNY")),
            "count": i18n.gettext(lang, N_("Alerts")),
        },
    }


def _charts(uow: UnitOfWork, lang: str, ind: dict[str, Any], period: Period) -> dict[str, str]:
    vol = ind["sme_volume"]
    drill = "/regulator/financings?" + period.query(state="funded", sme="1")

    def tier(r: dict[str, Any]) -> str:
        if r["key"] == "n/a":
            return i18n.gettext(lang, N_("No tier"))
        return i18n.gettext(lang, N_("Tier %(n)s")) % {"n": r["key"]}

    charts = {
        "district": chart_rows(
            vol["by_district"],
            lambda r: i18n.label(lang, "parties.District", r["key"]),
            drill + "&district=",
        ),
        "institution": chart_rows(vol["by_institution"], lambda r: r["label"], drill + "&funder="),
        "tier": chart_rows(vol["by_tier"], tier, drill + "&tier="),
    }
    out = {k: json.dumps(v, ensure_ascii=False) for k, v in charts.items()}
    out["series"] = json.dumps(_series(uow, lang, period), ensure_ascii=False)
    return out


@pages.view("/regulator", "regulator/home.html")
def regulator(request: Request, uow: UnitOfWork) -> dict[str, Any] | Response:
    """Show the tiles and charts over the chosen period, each opening the records it counts."""
    try:
        period = period_of(request, uow.today())
        ind = supervision.indicators(uow, period.start, period.end)
    except DomainError as e:
        return refused(request, "/regulator", e)
    lang = language(request)
    return {
        "ind": ind,
        "period": period,
        "charts": _charts(uow, lang, ind, period),
        "export_query": urlencode(
            {k: v.isoformat() for k, v in (("start", period.start), ("end", period.end)) if v}
        ),
    }


@pages.view("/regulator/financings", "regulator/financings.html")
def regulator_financings(request: Request, uow: UnitOfWork) -> dict[str, Any] | Response:
    """List the financings a tile or a chart bar counts, over the chosen period."""
    q = request.query_params
    try:
        period = period_of(request, uow.today())
        flt = supervision.FinancingFilter(
            state=q.get("state") or "funded",
            sme=q.get("sme") == "1",
            district=q.get("district") or None,
            tier=q.get("tier") or None,
            funder_org_id=q.get("funder") or None,
            scenario=q.get("scenario") or None,
        )
        rows = supervision.financing_list(uow, flt, period.start, period.end)
    except DomainError as e:
        return refused(request, "/regulator", e)
    return {"rows": rows, "flt": flt, "period": period, "when": local_time}


@pages.view("/regulator/certificates", "regulator/certificates.html")
def regulator_certificates(request: Request, uow: UnitOfWork) -> dict[str, Any] | Response:
    """List the certificates issued in the chosen period: all, overdue or in default."""
    try:
        period = period_of(request, uow.today())
        state = request.query_params.get("state") or "all"
        rows = supervision.certificate_list(uow, state, period.start, period.end)
    except DomainError as e:
        return refused(request, "/regulator", e)
    return {"rows": rows, "state": state, "period": period}
