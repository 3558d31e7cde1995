"""The demo as of the day it runs: its twelve months end on the injected clock's today.

Loaded as of 3 December 2026 and as of 31 March 2027 (a year with no official schedule yet),
the demo's open receivables fall due in the coming weeks and months, its live certificates
mature later, the regulator's series has twelve months with financing, the alerts follow
from the records rather than from stale dates, and each scenario the pages offer has assets
that a demo login finances from its own page: the early-payment programmes of the past
months were cleared with the simulated suppliers' bids, and the last one still takes bids,
which a demo supplier places from its page; demo suppliers hold commercial acceptance bills
falling due after today and discount one from the same page; a demo seller has a payout its
marketplace confirmed, with a fresh rate, and applies for an advance on its payouts page; a
demo supplier has intellectual property an appraiser valued and applies for a loan on it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scf.certificates import service as certificates
from scf.certificates.tables import CertificateRow
from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.demo import DEMO_PASSWORD, SCENARIO_ASSETS, load_demo
from scf.financing import service as financing
from scf.financing.scenario import scenarios
from scf.parties.tables import UserRow
from scf.platform import Platform
from scf.risk import follower
from scf.risk import service as risk
from scf.risk.tables import RiskAlertRow
from scf.supervision.model import Granularity
from scf.supervision.series import default_period, series
from scf.trade.tables import InvoiceRow, ReceivableRow
from tests.conftest import empty_database
from tests.factories import use_registry_key

# Both days on SQLite, the one in 2027 on PostgreSQL too (each load takes a while).
CASES = [
    ("sqlite", date(2026, 12, 3)),
    ("sqlite", date(2027, 3, 31)),
    ("postgresql", date(2027, 3, 31)),
]
REGULATOR = Actor(None, None, frozenset({"regulator"}), "test:regulator")


@pytest.fixture(params=CASES, ids=[f"{b}-{d}" for b, d in CASES])
def case(request: pytest.FixtureRequest) -> tuple[str, date]:
    backend, as_of = request.param
    return backend, as_of


@pytest.fixture
def db_url(request: pytest.FixtureRequest, case: tuple[str, date], tmp_path: Path) -> str:
    return empty_database(request, case[0], tmp_path)


@pytest.fixture
def clock(case: tuple[str, date]) -> FixedClock:
    d = case[1]
    return FixedClock(datetime(d.year, d.month, d.day, 2, 0, tzinfo=UTC))


def test_the_demo_is_as_of_the_day_it_runs(
    platform: Platform, client: TestClient, case: tuple[str, date]
) -> None:
    as_of = case[1]
    use_registry_key(platform)
    summary = load_demo(platform)
    assert summary["loaded_now"] and summary["as_of"] == as_of.isoformat()
    _receivables_fall_due_ahead(platform, as_of)
    _certificates_mature_ahead(platform, as_of)
    _twelve_months_of_financing(platform, as_of)
    _alerts_follow_the_records(platform)
    _programmes_cleared_with_bids_and_one_open(platform, as_of)
    # every installed scenario, each financed from a demo login's page
    assert set(SCENARIO_ASSETS) == set(scenarios()), sorted(set(scenarios()) ^ set(SCENARIO_ASSETS))
    for scenario, kind in SCENARIO_ASSETS.items():
        if kind == "bid":
            _bid_from_the_page(platform, client, summary)
        elif kind == "bill":
            _bill_discounted_from_the_page(platform, client, summary)
        elif kind in ("payout", "ip_right"):
            _scenario_page_applied(platform, client, summary, scenario, kind)
        else:
            _financed_from_the_page(platform, client, summary, scenario, kind)


def _receivables_fall_due_ahead(platform: Platform, as_of: date) -> None:
    with platform.uow(Actor.system()) as uow:
        last_invoice = uow.session.scalar(
            select(InvoiceRow.issue_date).order_by(InvoiceRow.issue_date.desc())
        )
        first_invoice = uow.session.scalar(
            select(InvoiceRow.issue_date).order_by(InvoiceRow.issue_date)
        )
        rows = list(uow.session.scalars(select(ReceivableRow)))
    assert last_invoice is not None and first_invoice is not None
    assert as_of - timedelta(days=14) <= last_invoice <= as_of
    assert as_of - timedelta(days=366) < first_invoice <= as_of - timedelta(days=300)
    open_dues = [r.due_date for r in rows if r.paid_minor < r.face_minor - r.credited_minor]
    ahead = [d for d in open_dues if d > as_of]
    assert len(ahead) > len(open_dues) / 2, (len(ahead), len(open_dues))
    assert any(d <= as_of + timedelta(days=30) for d in ahead)  # in the coming weeks
    assert any(d > as_of + timedelta(days=60) for d in ahead)  # and months
    overdue = sorted(as_of - d for d in open_dues if d <= as_of)
    assert not overdue or overdue[-1] < timedelta(days=330)


def _certificates_mature_ahead(platform: Platform, as_of: date) -> None:
    with platform.uow(Actor.system()) as uow:
        certs = list(uow.session.scalars(select(CertificateRow)))
    by_status = Counter(c.status for c in certs)
    assert by_status["active"] >= 1 and by_status["settled"] >= 1, by_status
    for c in certs:
        if c.status == "active":
            assert c.maturity_on > as_of, (c.id, c.maturity_on)
        else:
            assert c.status == "settled" and c.maturity_on <= as_of, (c.id, c.status)
    with platform.uow(Actor(None, None, frozenset({"operator"}), "test:operator")) as uow:
        assert certificates.run_maturity(uow) == []  # nothing matured unpaid


def _twelve_months_of_financing(platform: Platform, as_of: date) -> None:
    with platform.uow(REGULATOR) as uow:
        out = series(uow, "month", *default_period(uow, Granularity.MONTH))
    assert len(out["labels"]) == 12 and out["labels"][-1] == as_of.strftime("%Y-%m")
    assert all(n > 0 for n in out["sme_financings"]), list(
        zip(out["labels"], out["sme_financings"], strict=True)
    )
    assert all(Decimal(v) > 0 for v in out["sme_volume"]["CNY"])


def _alerts_follow_the_records(platform: Platform) -> None:
    """Stale dates made every debtor look hundreds of days late; on today's data the late
    payers are the few whose buyers are in trouble, and no one is a year late."""
    follower.follow(platform)
    with platform.uow(Actor.system()) as uow:
        alerts = list(uow.session.scalars(select(RiskAlertRow)))
    assert alerts
    kinds = Counter(a.kind for a in alerts)
    late = [a.evidence["days_late"] for a in alerts if a.kind == "debtor_paying_late"]
    assert all(d < 180 for d in late), sorted(late)
    assert len(late) < len(alerts) / 3, kinds
    assert kinds.most_common(1)[0][1] < len(alerts) * 0.8, kinds


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:300]
    return m.group(1)


def _programmes_cleared_with_bids_and_one_open(platform: Platform, as_of: date) -> None:
    with platform.uow(REGULATOR) as uow:
        programs = financing.list_programs(uow)
    open_ = [p for p in programs if p["status"] == "open"]
    cleared = [p for p in programs if p["status"] == "cleared"]
    assert open_ and all(date.fromisoformat(p["pay_on"]) > as_of for p in open_), open_
    assert len(cleared) >= 6 and len(open_) + len(cleared) == len(programs)
    for p in cleared:
        assert p["bids"], p["id"]  # no programme cleared without a bid
        assert {b["status"] for b in p["bids"]} <= {"won", "lost"}
    won = [b for p in cleared for b in p["bids"] if b["status"] == "won"]
    # a programme whose only bids are under the buyer's hurdle clears with no winner
    assert won and all(b["application_id"] for b in won)
    for p in cleared:
        for b in p["bids"]:
            if Decimal(b["rate"]) < Decimal(p["hurdle_rate"]):
                assert b["status"] == "lost", b


def _enterprise_logins(summary: dict[str, Any]) -> list[str]:
    return [x["username"] for x in summary["logins"] if x["role"] in ("supplier", "distributor")]


def _bid_from_the_page(platform: Platform, client: TestClient, summary: dict[str, Any]) -> None:
    """A demo supplier's page lists an open programme with a receivable it may bid; the
    amounts come first, then the bid is placed."""
    for username in _enterprise_logins(summary):
        _login(client, username)
        html = client.get("/sme/discounting").text
        m = re.search(
            r'action="(/sme/discounting/programs/(ddp_[^/]+)/bids)".*?<option value="(rcv_[^"]+)"',
            html,
            re.S,
        )
        if m is None:
            continue
        path, program_id, receivable = m.groups()
        form = {"receivable_id": receivable, "rate": "9.5", "csrf": _csrf(html)}
        r = client.post(path, data={**form, "preview": "1"}, follow_redirects=False)
        assert r.status_code == 303, re.findall(r'role="alert"[^>]*>(.*?)</', r.text, re.S)
        shown = client.get(r.headers["location"]).text
        assert f'id="terms-{program_id}"' in shown
        r = client.post(path, data=form, follow_redirects=False)
        assert r.status_code == 303 and "ok=saved" in r.headers["location"]
        with platform.uow(REGULATOR) as uow:
            bids = financing.get_program(uow, program_id)["bids"]
        assert any(b["receivable_id"] == receivable and b["status"] == "open" for b in bids)
        return
    pytest.fail("no demo login's page offers a receivable to bid in an open programme")


def _bill_discounted_from_the_page(
    platform: Platform, client: TestClient, summary: dict[str, Any]
) -> None:
    """A demo supplier's page lists a bill it holds; applying to discount it is accepted."""
    for username in _enterprise_logins(summary):
        _login(client, username)
        html = client.get("/sme/discounting").text
        m = re.search(r'<select id="bill_id"[^>]*><option value="(bil_[^"]+)">(.*?)</option>', html)
        if m is None:
            continue
        funders = re.findall(r'name="funder_org_ids\[\]" value="([^"]+)"', html)
        assert funders, "no institution offers bill discounting"
        form = {
            "bill_id": m.group(1),
            "amount": _amount(m.group(2)),
            "funder_org_ids[]": funders,
            "csrf": _csrf(html),
        }
        r = client.post("/sme/discounting/bills", data=form, follow_redirects=False)
        refused = re.findall(r'role="alert"[^>]*>(.*?)</', r.text, re.S)
        assert r.status_code == 303 and "ok=saved" in r.headers["location"], refused
        with platform.uow(Actor.system()) as uow:
            apps = [a for a in financing.list_applications(uow) if a.scenario == "bill_discounting"]
        assert any(a.status in ("sent", "offered", "escalated") for a in apps)
        return
    pytest.fail("no demo login's page offers a bill to discount")


# The district scenarios' own pages: where the form is, its asset select and the other fields.
SCENARIO_PAGES = {
    "payout": ("/scenarios/payouts", "payout_id", {"advance_currency": "CNY"}),
    "ip_right": ("/scenarios/ip", "ip_id", {"tenor_days": "90"}),
}


def _scenario_page_applied(
    platform: Platform, client: TestClient, summary: dict[str, Any], scenario: str, kind: str
) -> None:
    """A demo login's scenario page offers an asset (a confirmed marketplace payout, a valued
    right); applying with a tenth of the amount it shows is accepted and sent to funders."""
    page, field, extra = SCENARIO_PAGES[kind]
    for username in _enterprise_logins(summary):
        _login(client, username)
        html = client.get(page).text
        m = re.search(rf'<select id="{field}"[^>]*><option value="([^"]+)">(.*?)</option>', html)
        if m is None:
            continue
        funders = re.findall(r'name="funder_org_ids\[\]" value="([^"]+)"', html)
        assert funders, f"no institution offers {scenario}"
        shown = re.findall(r"([\d,]+\.\d{2})", m.group(2))
        assert shown, m.group(2)
        amount = Decimal(shown[-1].replace(",", "")) / 10
        if kind == "ip_right":  # a loan on a right stays within the supply-chain limit
            with platform.uow(Actor.system()) as uow:
                limit = risk.limit_for(uow, _org_id(uow, username), commit=False)
            assert limit is not None and limit.is_positive(), (username, limit)
            amount = min(amount, limit.amount / 2)
        form = {
            field: m.group(1),
            "amount": str(amount.quantize(Decimal("0.01"))),
            "funder_org_ids[]": funders,
            "csrf": _csrf(html),
            **extra,
        }
        r = client.post(f"{page}/apply", data=form, follow_redirects=False)
        refused = re.findall(r'role="alert"[^>]*>(.*?)</', r.text, re.S)
        assert r.status_code == 303 and "ok=saved" in r.headers["location"], (scenario, refused)
        with platform.uow(Actor.system()) as uow:
            apps = [a for a in financing.list_applications(uow) if a.scenario == scenario]
        assert any(
            a.status in ("sent", "offered", "escalated") and a.asset[field] == m.group(1)
            for a in apps
        ), (scenario, [(a.status, a.asset) for a in apps])
        return
    pytest.fail(f"no demo login's page offers an asset for {scenario}")


def _org_id(uow: Any, username: str) -> str:
    org_id = uow.session.scalar(select(UserRow.org_id).where(UserRow.username == username))
    assert org_id is not None, username
    return str(org_id)


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    form = {"username": username, "password": DEMO_PASSWORD, "next": "/sme"}
    r = client.post("/login", data={**form, "csrf": _csrf(client.get("/login").text)})
    assert r.status_code == 200 and "/sme/financing" in r.text, r.text[-300:]


def _financed_from_the_page(
    platform: Platform, client: TestClient, summary: dict[str, Any], scenario: str, kind: str
) -> None:
    """Some demo login's page offers an asset of `kind`; applying with it is accepted."""
    users = [x["username"] for x in summary["logins"] if x["role"] in ("supplier", "distributor")]
    for username in users:
        _login(client, username)
        html = client.get("/sme").text
        form = _application(html, scenario, kind)
        if form is None:
            continue
        # the institutions ticked are those with a product of the scenario
        with platform.uow(Actor.system()) as uow:
            offering = {p.funder_org_id for p in financing.list_products(uow, scenario)}
        form["funder_org_ids[]"] = [f for f in form["funder_org_ids[]"] if f in offering]
        r = client.post(
            "/sme/financing", data={**form, "csrf": _csrf(html)}, follow_redirects=False
        )
        refused = re.findall(r'role="alert"[^>]*>(.*?)</', r.text, re.S)
        assert r.status_code == 303 and "ok=saved" in r.headers["location"], (scenario, refused)
        with platform.uow(Actor.system()) as uow:
            apps = [a for a in financing.list_applications(uow) if a.scenario == scenario]
        assert any(a.status in ("sent", "offered", "escalated") for a in apps), scenario
        return
    pytest.fail(f"no demo login's page offers an asset for {scenario}")


def _application(html: str, scenario: str, kind: str) -> dict[str, Any] | None:
    """The form's fields to apply for `scenario` with the first asset of `kind` on the page."""
    key = {"insured_receivable": "receivable"}.get(kind, kind)
    options = re.findall(rf'<option value="([^"]+)" data-kind="{key}">(.*?)</option>', html)
    funders = re.findall(r'name="funder_org_ids\[\]" value="([^"]+)"', html)
    policies = re.findall(r'<option value="(pol_[^"]+)">([^<]*)</option>', html)
    form: dict[str, Any] = {"scenario": scenario, "funder_org_ids[]": funders, "tenor_days": "60"}
    for value, text in options:
        if kind == "insured_receivable":
            debtor = text.split(" · ")[1]
            cover = [p for p, ptext in policies if ptext.startswith(debtor + " · ")]
            if not cover:
                continue
            form["policy_id"] = cover[0]
        form["asset"] = value
        form["amount"] = _amount(text)
        return form
    return None


def _amount(option_text: str) -> str:
    """A tenth of the amount the option shows (10,000.00 where it shows none)."""
    m = re.search(r'data-amount="([\d.]+)"', option_text)
    whole = Decimal(m.group(1)) if m else Decimal("100000")
    return str((whole / 10).quantize(Decimal("0.01")))
