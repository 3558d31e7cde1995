"""The login page answers a wrong password with the form and the reason."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from scf.platform import Platform
from tests.factories import PASSWORD, add_org, add_user


def test_wrong_password_shows_the_form_again(client: TestClient, platform: Platform) -> None:
    add_user(platform, add_org(platform, "supplier"), "wrong.password")
    html = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', html)
    assert token
    form = {"username": "wrong.password", "csrf": token.group(1), "next": "/sme"}
    r = client.post("/login", data={**form, "password": PASSWORD + "x"}, follow_redirects=False)
    assert r.status_code == 401 and 'role="alert"' in r.text, r.text[-500:]
    assert 'name="next" value="/sme"' in r.text and "scf_session" not in r.cookies
    r = client.post("/login", data={**form, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sme"
