"""The regulator's console: tiles over a chosen period, charts in the page's language, and the
records behind each tile and bar."""

from __future__ import annotations

import html as htmllib
import json
import re

from fastapi.testclient import TestClient

from scf.core.clock import FixedClock
from scf.platform import Platform
from scf.web.sample import ORGS
from tests.e2e.test_web_pages import _insured_default, _setup, login


def _tile(page: str, tile_id: str) -> tuple[str, str]:
    """A tile's link and its text."""
    m = re.search(rf'<a class="kpi" id="{tile_id}" href="([^"]+)">(.*?)</a>', page, re.S)
    assert m, tile_id
    return htmllib.unescape(m.group(1)), re.sub(r"<[^>]+>", " ", m.group(2))


def _chart(page: str, chart_id: str, attr: str = "data-rows") -> object:
    m = re.search(rf'id="{chart_id}"[^>]*{attr}="([^"]*)"', page)
    assert m, chart_id
    return json.loads(htmllib.unescape(m.group(1)))


def test_tiles_follow_the_period_and_open_their_records(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    _insured_default(platform, clock, s)
    login(client, "regulator")
    home = client.get("/regulator", params={"period": "quarter", "quarter": "2025-Q1"}).text
    # financing apart from certificates: one of the two funded financings is in default
    link, text = _tile(home, "tile-fin-default")
    assert "1 / 2" in text and "50.00%" in text
    assert "¥80,000.00" in text and "28.57%" in text  # 80,000 of 280,000 by amount
    assert link.startswith("/regulator/financings?") and "quarter=2025-Q1" in link
    _, text = _tile(home, "tile-cert-overdue")
    assert "1 / 2" in text and "¥50,000.00" in text and "7.69%" in text
    _, text = _tile(home, "tile-decision")
    assert "小时" in text or "–" in text
    # the tile's list holds exactly the record it counts, by name, with the id kept aside
    rows = client.get(link).text
    table = rows.split('<table id="financings">')[1]
    assert table.count("<tr>") == 2  # the head and the one financing in default
    sme1 = next(o[1] for o in ORGS if o[0] == "sme1")
    assert f'title="{s.orgs["sme1"]}">{sme1}</a>' in table
    link, _ = _tile(home, "tile-cert-overdue")
    certs = client.get(link).text.split('<table id="certificates">')[1]
    assert certs.count("<tr>") == 2 and "逾期" in certs
    # the charts carry labels in the page's language and where each bar leads
    bars = _chart(home, "chart-district")
    assert isinstance(bars, list) and len(bars) == 2
    bar = next(b for b in bars if b["label"] == "龙华区")
    assert bar["value"] == "200000.00"
    assert client.get(bar["drill"]).status_code == 200
    assert "district=longhua" in bar["drill"] and "quarter=2025-Q1" in bar["drill"]
    tiers = _chart(home, "chart-tier")
    assert isinstance(tiers, list) and "第 2 级" in [t["label"] for t in tiers]
    series = _chart(home, "chart-series", "data-series")
    assert series["names"]["raised"] == "新增预警" and series["labels"][0] == "2025-01"
    # a month with nothing in it shows zeros, and the PDF link follows the period
    empty = client.get("/regulator", params={"period": "month", "month": "2024-06"}).text
    assert "0 / 0" in _tile(empty, "tile-fin-overdue")[1]
    assert "report.pdf?period=2024-06" in empty
    assert client.get("/api/v1/supervision/reports/report.pdf?period=2024-06").status_code == 200
    # in English the trend's legend is English
    client.get("/lang/en?next=/regulator")
    series = _chart(client.get("/regulator").text, "chart-series", "data-series")
    assert series["names"]["raised"] == "Alerts raised"


def test_a_period_that_cannot_be_read_is_refused_by_name(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    _setup(platform, clock)
    login(client, "regulator")
    for params, field in (
        ({"period": "range", "start": "2025-03-31", "end": "2025-03-01"}, "结束"),
        ({"period": "quarter", "quarter": "2025-Q7"}, "季度"),
        ({"period": "month", "month": "2025-13"}, "月份"),
        ({"period": "range", "start": "yesterday"}, "开始"),
        ({"period": "week"}, "统计期间"),
    ):
        r = client.get("/regulator", params=params, follow_redirects=False)
        assert r.status_code == 303, params
        page = client.get(r.headers["location"]).text
        assert 'role="alert"' in page and field in page, params
    r = client.get("/regulator/financings", params={"state": "lost"}, follow_redirects=False)
    assert r.status_code == 303


def test_pages_name_certificates_and_lines_and_keep_the_ids_aside(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    core = next(o[1] for o in ORGS if o[0] == "core")
    bank = next(o[1] for o in ORGS if o[0] == "bank")
    login(client, "core")
    page = client.get("/core").text
    # the credit line by its funder and what is left of it, never its bare id
    select = re.search(r'<select id="line_id".*?</select>', page, re.S)
    assert select and bank in select.group(0)
    assert not re.search(r">\s*cln_\w+\s*<", select.group(0))
    # a certificate by its issuer and maturity, its id as the tooltip
    named = re.search(rf'title="{s.certificate_id}">([^<]+)</a>', page)
    assert named and core in named.group(1) and "到期" in named.group(1)
    assert f">{s.certificate_id}<" not in page
    login(client, "sme2")
    page = client.get("/sme").text
    assert re.search(rf'title="crt_\w+">{core}[^<]*到期</td>', page)
