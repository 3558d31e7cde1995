"""The institution's unit pages end to end: an officer approves on the page within authority,
the financing defaults, the officer files for exemption on the page, the reviewer decides,
and the regulator's assessment page lists the decision."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.test_institutions_api import FIN, apply, bearer, fund, ok, unit_with_officers
from tests.factories import PASSWORD, World, use_registry_key


def page_login(client: TestClient, username: str) -> str:
    """Log in through the form; return the CSRF token of the page."""
    client.cookies.clear()
    html = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": csrf.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf.group(1)


def post(client: TestClient, path: str, csrf: str, **data: str) -> Any:
    return client.post(path, data={"csrf": csrf, **data}, follow_redirects=False)


def test_approve_file_and_review_an_exemption_on_the_pages(
    client: TestClient, world: World, clock: Any
) -> None:
    use_registry_key(world.platform)
    admin = bearer(client, "bank")
    unit_with_officers(client, world, admin)
    sup, sup_h = world.orgs["supplier"], bearer(client, "supplier")
    app = apply(client, world, sup_h, sup, "150000.00", world.orgs["bank"])

    csrf = page_login(client, "officer_b")
    page = client.get("/units")
    assert page.status_code == 200 and f"approve-{app['id']}" in page.text
    refused = post(client, "/units/approve", csrf, application_id=app["id"])
    assert refused.status_code == 422 and "超出审批权限" in refused.text
    csrf = page_login(client, "officer_a")
    r = post(client, "/units/approve", csrf, application_id=app["id"])
    assert r.status_code == 303 and r.headers["location"].endswith("/units?ok=saved")
    assert "officer_a" in client.get("/units").text

    fund(client, app["id"], sup_h, admin)
    clock.advance(timedelta(days=40))
    ok(client.post(f"{FIN}/overdue-run", headers=bearer(client, "operator")))
    clock.advance(timedelta(days=60))
    ok(client.post(f"{FIN}/applications/{app['id']}/default", headers=bearer(client, "bank")))

    csrf = page_login(client, "officer_a")
    page = client.get("/units").text
    assert f'<option value="{app["id"]}">' in page
    empty = post(client, "/units/exemptions/file", csrf, application_id=app["id"], reasons=" ")
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    r = post(
        client,
        "/units/exemptions/file",
        csrf,
        application_id=app["id"],
        reasons="按授权审批，材料齐全",
    )
    assert r.status_code == 303, r.text
    exemption = re.search(r'id="exemption-(exm_[^"]+)"', client.get("/units").text)
    assert exemption
    csrf = page_login(client, "reviewer_r")
    r = post(
        client,
        f"/units/exemptions/{exemption.group(1)}/decide",
        csrf,
        grant="yes",
        reasons="尽职调查完整",
    )
    assert r.status_code == 303, r.text
    assert "予以免责" in client.get("/units").text

    page_login(client, "regulator")
    reg = client.get("/regulator/assessment")
    assert reg.status_code == 200 and "尽职调查完整" in reg.text and "予以免责" in reg.text
