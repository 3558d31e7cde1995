"""The demo's parks, supervisors and programmes load through the services, and load again
without change."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.platform import Platform
from scf.programmes import service as programmes
from scf.web.sample import SAMPLE_PASSWORD, load_more_roles, load_sample
from scf.web.sample_parks import load_parks
from tests.factories import use_registry_key


def test_parks_in_several_districts_and_one_programme_per_kind(
    client: TestClient, platform: Platform
) -> None:
    use_registry_key(platform)
    s = load_sample(platform)
    load_more_roles(platform, s)
    first = load_parks(platform, SAMPLE_PASSWORD)
    again = load_parks(platform, SAMPLE_PASSWORD)
    assert again.parks == first.parks and again.programmes == first.programmes
    with platform.uow(Actor.system()) as uow:
        parks = programmes.list_parks(uow)
        assert sorted(p.district for p in parks) == ["baoan", "longhua", "luohu"]
        views = {p.district: programmes.park_view(uow, p.id) for p in parks}
        kinds = sorted(p.kind for p in programmes.list_programmes(uow))
    assert kinds == sorted(k.value for k in programmes.ProgrammeKind)
    longhua = {m["org_id"] for m in views["longhua"]["members"]}
    assert s.orgs["sme2"] in longhua
    assert {m["org_id"] for m in views["baoan"]["members"]} >= {s.orgs["sme1"]}
    assert {m["org_id"] for m in views["luohu"]["members"]} == {s.orgs["distributor"]}
    # the district regulator logs in and sees its district's park only
    r = client.post(
        "/api/v1/auth/login", json={"username": "longhua-regulator", "password": SAMPLE_PASSWORD}
    )
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert [p["name"] for p in client.get("/api/v1/parks", headers=h).json()] == [
        "龙华数字金融产业园"
    ]
    # sme2 applies for the Longhua subsidy: 200,000 at 3.6%, half the interest
    r = client.post("/api/v1/auth/login", json={"username": "sme2", "password": SAMPLE_PASSWORD})
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    app = client.post(
        f"/api/v1/programmes/{first.programmes['interest_subsidy']}/applications", headers=h
    )
    assert app.status_code == 201 and app.json()["computed"]["amount"] == "3600.00"


def test_the_new_pages_read_in_chinese_and_in_english(
    client: TestClient, platform: Platform
) -> None:
    from tests.e2e.test_web_language import data_words, english_words
    from tests.e2e.test_web_pages import login

    use_registry_key(platform)
    s = load_sample(platform)
    load_more_roles(platform, s)
    parks = load_parks(platform, SAMPLE_PASSWORD)
    with platform.uow(s.actors["sme2"]) as uow:
        programmes.apply(uow, parks.programmes["interest_subsidy"])
    data = data_words(platform)
    found: dict[str, set[str]] = {}
    for user, path in (
        ("longhua-regulator", "/district"),
        ("park-longhua", "/park"),
        ("sme2", "/programmes"),
        ("operator", "/awards"),
    ):
        login(client, user)
        client.get("/lang/zh", follow_redirects=False)
        zh = client.get(path)
        assert zh.status_code == 200, (user, path)
        if words := english_words(zh.text, data):
            found[f"{user} {path}"] = words
        client.get("/lang/en", follow_redirects=False)
        en = client.get(path)
        assert en.status_code == 200 and 'lang="en"' in en.text, (user, path)
        client.get("/lang/zh", follow_redirects=False)
    assert not found, f"English on Chinese pages: {found}"
