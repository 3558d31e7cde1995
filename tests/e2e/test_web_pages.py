"""The pages: login, access by role, CSRF, secure cookies, CSP, escaping and each role's task."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.money import Money
from scf.financing import service as financing
from scf.parties import service as parties
from scf.platform import Platform
from scf.web.sample import (
    SAMPLE_PASSWORD,
    Sample,
    load_more_roles,
    load_sample,
    run_maturity,
)
from tests.e2e.authz_web import PAGES
from tests.factories import confirmed_receivable, next_uscc, use_registry_key

XSS = "<script>alert(1)</script>"


def _csrf(client: TestClient, path: str = "/login") -> str:
    html = client.get(path).text
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = _csrf(client)
    r = client.post(
        "/login",
        data={"username": username, "password": SAMPLE_PASSWORD, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"]
    assert "scf_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def _setup(platform: Platform, clock: FixedClock) -> Sample:
    use_registry_key(platform)
    s = load_sample(platform)
    load_more_roles(platform, s)
    clock.advance(timedelta(days=25))
    run_maturity(platform)
    return s


def _insured_default(platform: Platform, clock: FixedClock, s: Sample) -> str:
    """sme1 factors an insured receivable at the bank; unpaid, the bank declares a default."""
    rid = confirmed_receivable(
        platform, s.orgs["sme1"], s.orgs["core"], "100000.00", due_in_days=30
    )
    with platform.uow(s.actors["bank"]) as uow:
        financing.create_product(
            uow,
            scenario="credit_insurance",
            name="信用保险项下融资",
            base_rate=Decimal("0.030"),
            max_amount=Money.of("1000000.00", "CNY"),
            rate_groups=[],
        )
    with platform.uow(s.actors["sme1"]) as uow:
        app = financing.submit_application(
            uow,
            financing.ApplicationInput(
                scenario="credit_insurance",
                amount=Money.of("80000.00", "CNY"),
                asset={"receivable_id": rid, "policy_id": s.policy_id},
                funder_org_ids=[s.orgs["bank"]],
            ),
        )
        app_id, status = app.id, app.status
    if status == "sent":
        with platform.uow(s.actors["bank"]) as uow:
            financing.make_offer(uow, app_id)
    with platform.uow(s.actors["sme1"]) as uow:
        (offer,) = financing.offers_of(uow, financing.get_application(uow, app_id))
        financing.accept_offer(uow, offer.id, "claim-accept")
    with platform.uow(s.actors["bank"]) as uow:
        financing.register(uow, app_id)
    with platform.uow(s.actors["bank"]) as uow:
        financing.disburse(uow, app_id, "claim-disburse")
    clock.advance(timedelta(days=35))
    with platform.uow(s.actors["operator"]) as uow:
        financing.run_overdue(uow)
    clock.advance(timedelta(days=60))
    with platform.uow(s.actors["bank"]) as uow:
        claim = financing.declare_default(uow, app_id)["claim"]
    return str(claim["id"])


def test_pages_by_role_with_csrf_and_csp(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    r = client.get("/sme", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # a login without the CSRF token is refused and sets no session
    r = client.post("/login", data={"username": "sme1", "password": SAMPLE_PASSWORD})
    assert r.status_code == 403 and "scf_session" not in r.headers.get("set-cookie", "")
    roles = {
        "sme1": "supplier",
        "core": "core_enterprise",
        "bank": "bank",
        "warehouse": "warehouse",
        "logistics": "logistics",
        "regulator": "regulator",
        "operator": "operator",
        "insurer": "insurer",
        "distributor": "distributor",
        "marketplace": "marketplace",
    }
    for user, role in roles.items():
        login(client, user)
        for path, allowed in PAGES.items():
            r = client.get(path, follow_redirects=False)
            ok = allowed == "public" or role in allowed
            assert r.status_code == (200 if ok else 403), (user, path, r.status_code)
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
            assert "<script>" not in r.text  # no inline script anywhere
    # the SME applies in the financing room to both funders; a form without the token
    # changes nothing; red-listed on a key chain, it gets both offers at once, side by side
    login(client, "sme2")
    html = client.get("/sme").text
    assert 'value="receivables_factoring"' in html
    form = {
        "scenario": "receivables_factoring",
        "asset": f"receivable_id:{s.receivables['sme2']}",
        "funder_org_ids[]": [s.orgs["bank"], s.orgs["factoring"]],
        "amount": "50000.00",
    }
    assert client.post("/sme/financing", data=form).status_code == 403
    r = client.post(
        "/sme/financing", data={**form, "csrf": _csrf(client, "/sme")}, follow_redirects=False
    )
    assert r.status_code == 303 and "ok=saved" in r.headers["location"], r.headers["location"]
    page = client.get("/sme").text
    accepts = re.findall(r'action="/sme/offers/(\w+)/accept"', page)
    assert len(accepts) == 2 and "深圳前海商业保理有限公司" in page
    bad = client.post(
        "/sme/financing", data={**form, "amount": "abc", "csrf": _csrf(client, "/sme")}
    )
    assert "金额：请输入金额，例如 1000.00" in bad.text, bad.text[-3000:]
    r = client.post(
        f"/sme/offers/{accepts[0]}/accept",
        data={"csrf": _csrf(client, "/sme"), "idem": "web-accept-1"},
    )
    assert r.status_code == 200 and "已接受报价" in r.text
    # a record the user may not know of answers 404 from a form as from the API
    r = client.post(
        "/sme/offers/off_unknown/accept",
        data={"csrf": _csrf(client, "/sme"), "idem": "web-accept-2"},
    )
    assert r.status_code == 404, r.text[-500:]
    r = client.post("/sme/consents/con_unknown/revoke", data={"csrf": _csrf(client, "/sme")})
    assert r.status_code == 404, r.text[-500:]
    # the bank sees the financing-room application in its portfolio
    login(client, "bank")
    assert "应收账款保理（有追索/无追索）" in client.get("/fi").text
    # the core enterprise confirms the pending payable in a batch
    login(client, "core")
    html = client.get("/core").text
    assert s.receivables["pending"] in html
    r = client.post(
        "/core/confirm",
        data={"receivable_ids[]": [s.receivables["pending"]], "csrf": _csrf(client, "/core")},
    )
    assert r.status_code == 200 and s.receivables["pending"] not in r.text.split("<h2>")[1]
    assert "lineage" in client.get(f"/core?certificate={s.certificate_id}").text
    # the regulator resolves the overdue alert; English money formatting
    login(client, "regulator")
    client.get("/lang/en?next=/regulator")
    dash = client.get("/regulator").text
    assert "CN¥200,000.00" in dash and 'data-chart="series"' in dash
    alerts = client.get("/regulator/alerts").text
    (src, aid) = re.search(r"/regulator/alerts/(\w+)/(cal_\w+)/resolve", alerts).groups()
    r = client.post(
        f"/regulator/alerts/{src}/{aid}/resolve",
        data={"resolution": "paid late", "csrf": _csrf(client, "/regulator/alerts")},
    )
    assert "paid late" in r.text
    graph = client.get(f"/regulator/enterprises/{s.orgs['sme1']}").text
    assert 'data-chart="graph"' in graph and "&#34;links&#34;" in graph
    # public registry: the search and the proof checker
    client.cookies.clear()
    reg = client.get("/registry", params={"grantor_name": "龙华精密结构件有限公司"}).text
    assert "search-certificate.json" in reg
    cert = client.get(
        "/api/v1/registry/search/certificate", params={"grantor_name": "龙华精密结构件有限公司"}
    ).text
    ok = client.post(
        "/registry/verify", data={"certificate": cert, "csrf": _csrf(client, "/registry")}
    )
    assert 'id="verdict" class="ok"' in ok.text
    tampered = cert.replace('"result_count":1', '"result_count":2').replace(
        '"result_count": 1', '"result_count": 2'
    )
    bad = client.post(
        "/registry/verify", data={"certificate": tampered, "csrf": _csrf(client, "/registry")}
    )
    assert 'class="error"' in bad.text


def test_every_page_escapes_names(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    with platform.uow(Actor.system()) as uow:
        evil = parties.register_organization(
            uow,
            parties.OrganizationInput(
                uscc=next_uscc(),
                name=XSS,
                district="nanshan",
                roles=["bank"],
                size_class="small",
                founded_on=s and __import__("datetime").date(2015, 1, 1),
                registered_capital=Money.of("1000000", "CNY"),
                licence_no=XSS,
            ),
        ).id
    with platform.uow(s.actors["regulator"]) as uow:
        parties.add_list_entry(uow, "white", evil, XSS, authority=XSS)
    with platform.uow(s.actors["regulator"]) as uow:
        parties.add_list_entry(uow, "black", s.orgs["sme1"], XSS)
    with platform.uow(s.actors["sme2"]) as uow:
        parties.grant_consent(uow, evil, ["profile"], uow.now() + timedelta(days=30))
    with platform.uow(s.actors["insurer"]) as uow:
        from scf.financing import service as financing

        financing.write_cover(
            uow,
            insured_org_id=evil,
            debtor_org_id=s.orgs["core"],
            kind="guarantee",
            cover_ratio=__import__("decimal").Decimal("0.8"),
            premium_rate=__import__("decimal").Decimal("0.01"),
            limit=Money.of("1000000", "CNY"),
            expires_on=uow.today() + timedelta(days=30),
        )
    pages = {
        "sme2": ["/sme"],
        "operator": ["/operator"],
        "insurer": ["/cover"],
        "regulator": [
            "/regulator/lists",
            "/regulator/enterprises",
            f"/regulator/enterprises/{evil}",
            f"/regulator/enterprises/{s.orgs['sme1']}",
        ],
    }
    for user, paths in pages.items():
        login(client, user)
        for path in paths:
            html = client.get(path).text
            assert XSS not in html, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    r = client.get("/registry", params={"grantor_name": XSS})
    assert XSS not in r.text and "&lt;script&gt;" in r.text


def test_operator_insurer_and_distributor_pages(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    # the operator onboards an organization: a bad USCC is refused naming the field, beside
    # the field, and the form keeps everything typed (the capital as people type it)
    login(client, "operator")
    form = {
        "uscc": "91440300BADBADBAD1",
        "name": "福田新材料有限公司",
        "role": "supplier",
        "district": "futian",
        "size_class": "medium",
        "founded_on": "2019-05-01",
        "registered_capital": "２００万",
    }
    assert client.post("/operator/organizations", data=form).status_code == 403  # no CSRF
    r = client.post("/operator/organizations", data={**form, "csrf": _csrf(client, "/operator")})
    assert r.status_code == 422 and "统一社会信用代码：" in r.text and 'role="alert"' in r.text
    kept = r.text
    assert 'value="福田新材料有限公司"' in kept and 'value="91440300BADBADBAD1"' in kept
    assert 'value="２００万"' in kept and re.search(r'value="medium"\s+selected', kept)
    assert re.search(r'name="uscc"[^>]*aria-invalid="true"', kept)
    assert re.search(r'aria-describedby="error-uscc"', kept)
    assert '<p class="field-error" id="error-uscc">' in kept
    assert 'name="csrf" value=""' not in kept and "BADBAD" not in kept.split("<main")[0]
    form["uscc"] = next_uscc()
    r = client.post(
        "/operator/organizations",
        data={**form, "csrf": _csrf(client, "/operator")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "ok=saved" in r.headers["location"], r.headers["location"]
    org_id = re.search(r"org=(\w+)", r.headers["location"]).group(1)
    r = client.post(
        "/operator/users",
        data={
            "org_id": org_id,
            "username": "futian.clerk",
            "password": "clerk-password-1",
            "is_admin": "1",
            "csrf": _csrf(client, "/operator"),
        },
    )
    assert r.status_code == 200 and "ok" in str(r.url)
    client.cookies.clear()
    token = _csrf(client)
    r = client.post(
        "/login",
        data={"username": "futian.clerk", "password": "clerk-password-1", "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/").headers.get("content-type", "").startswith("text/html")
    # the insurer sees the policy it wrote
    login(client, "insurer")
    html = client.get("/cover").text
    assert s.policy_id in html and "宝安动力电池材料有限公司" in html
    # an insured financing defaults; the insurer pays the claim from its page
    claim_id = _insured_default(platform, clock, s)
    login(client, "insurer")  # three months later: the session has expired
    html = client.get("/cover").text
    assert f'id="pay-{claim_id}"' in html
    form = {"csrf": _csrf(client, "/cover")}
    r = client.post(f"/cover/claims/{claim_id}/pay", data=form)  # no Idempotency key
    assert r.status_code == 422 and 'role="alert"' in r.text and f'id="pay-{claim_id}"' in r.text
    r = client.post(f"/cover/claims/{claim_id}/pay", data={**form, "idem": "web-claim-1"})
    assert r.status_code == 200 and f'id="pay-{claim_id}"' not in r.text, r.text[-2000:]
    assert "CN¥72,000.00" in r.text or "72,000.00" in r.text
    r = client.post("/cover/claims/clm_unknown/pay", data={**form, "idem": "web-claim-2"})
    assert r.status_code == 404
    # the distributor confirms its payable to the core enterprise
    login(client, "distributor")
    html = client.get("/sme").text
    assert s.receivables["distributor"] in html
    r = client.post(
        "/sme/confirm",
        data={"receivable_ids[]": [s.receivables["distributor"]], "csrf": _csrf(client, "/sme")},
    )
    assert r.status_code == 200 and f'id="pay-{s.receivables["distributor"]}"' not in r.text
    login(client, "marketplace")
    assert client.get("/sme").status_code == 200


def test_the_alerts_page_is_grouped_paged_and_opens_actions_on_demand(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    from scf.web.regulator import ALERTS_PAGE, alert_groups

    s = _setup(platform, clock)
    login(client, "regulator")
    html = client.get("/regulator/alerts").text
    assert 'id="alert-groups"' in html and "<details" in html
    rows = re.findall(r'<summary id="handle-', html)
    assert 1 <= len(rows) <= ALERTS_PAGE
    # a group's link shows only its alerts
    link = re.search(r'href="(/regulator/alerts\?kind=[^"]+)"', html).group(1).replace("&amp;", "&")
    kind = re.search(r"kind=(\w+)", link).group(1)
    grouped = client.get(link).text
    table = grouped.split('id="alerts"')[1]
    assert table.count("<summary") >= 1
    # counting, ordering and paging are exact
    alerts = [
        {"kind": "b", "severity": "low", "status": "open"},
        {"kind": "a", "severity": "high", "status": "resolved"},
        {"kind": "a", "severity": "high", "status": "open"},
        {"kind": "c", "severity": "low", "status": "open"},
        {"kind": "c", "severity": "low", "status": "open"},
    ]
    groups = alert_groups(alerts)
    assert [(g["kind"], g["severity"], g["count"], g["open"]) for g in groups] == [
        ("a", "high", 2, 1),
        ("c", "low", 2, 2),
        ("b", "low", 1, 1),
    ]
    assert client.get("/regulator/alerts?page=999").status_code == 200
    assert client.get("/regulator/alerts?page=abc").status_code == 200
    assert s.orgs and kind
