"""The public registry page as a person uses it: a part of the name or a typo finds the
grantor, the match is shown, collateral can be searched, and the labels read in Chinese."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scf.registry import service
from tests.factories import World, add_org, fingerprint, use_registry_key
from tests.integration.test_registry_service import file


def test_public_page_finds_by_part_typo_and_collateral(client: TestClient, world: World) -> None:
    use_registry_key(world.platform)
    org = add_org(world.platform, "supplier", name="深圳市龙华精密结构件有限公司")
    ident = fingerprint(7)
    reg = file(world, "bank", [service.CollateralRef("receivable", ident)], grantor=org)
    number = reg.registration.number
    page = client.get("/registry", params={"grantor_name": "龙华精密"}).text
    assert number in page and "包含" in page and "质押" in page and "有效" in page
    typo = client.get("/registry", params={"grantor_name": "深圳市龙华精蜜结构件有限公司"}).text
    assert number in typo and "相似" in typo
    exact = client.get("/registry", params={"grantor_name": "龙华精密", "exact": "1"}).text
    assert number not in exact and 'id="exact" name="exact" value="1" checked' in exact
    coll = client.get(
        "/registry", params={"collateral_kind": "receivable", "collateral_identifier": ident}
    ).text
    assert number in coll and f'value="{ident}"' in coll
    en = client.get(
        "/registry", params={"grantor_name": "龙华精密"}, cookies={"scf_lang": "en"}
    ).text
    assert "contains" in en and "Pledge" in en
    bad = client.get("/registry", params={"grantor_name": "（）"})
    alert = bad.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert bad.status_code == 200 and "出质人" in alert, alert
