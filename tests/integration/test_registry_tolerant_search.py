"""Tolerant grantor-name search as a person types: part of the name, a typo, full-width
characters, another legal form; ranked with the match shown. Both backends (pg_trgm on
PostgreSQL, rapidfuzz on SQLite) answer alike."""

from __future__ import annotations

import pytest

from scf.core.errors import InvalidInput
from scf.registry import service
from scf.registry.matching import score
from tests.factories import World, add_org, fingerprint, use_registry_key
from tests.integration.test_registry_service import file


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


NAMES = {
    "xinghe": "深圳市星河电子科技有限公司",
    "xinghe_power": "深圳市星河电力设备股份有限公司",
    "huaqiang": "深圳华强北物流有限公司",
    "latin": "Pearl River Trading Co., Ltd.",
}


def filed(w: World) -> dict[str, str]:
    numbers = {}
    for i, (key, name) in enumerate(NAMES.items()):
        org = add_org(w.platform, "supplier", name=name)
        coll = [service.CollateralRef("receivable", fingerprint(100 + i))]
        numbers[key] = file(w, "bank", coll, grantor=org).registration.number
    return numbers


def found(w: World, name: str, *, tolerant: bool = True) -> list[tuple[str, str, int]]:
    with w.platform.uow() as uow:
        q = service.SearchQuery(grantor_name=name, tolerant=tolerant)
        return [
            (r["number"], r["match"]["how"], r["match"]["score"]) for r in service.search(uow, q)
        ]


@pytest.mark.parametrize(
    ("typed", "expect", "how"),
    [
        ("深圳市星河电子科技有限公司", "xinghe", "exact"),
        ("星河电子", "xinghe", "contains"),  # a part of the name
        ("深圳市星河电子科枝有限公司", "xinghe", "similar"),  # one wrong character
        ("深圳市星河电子科技股份有限公司", "xinghe", "exact"),  # another legal form
        ("深圳市　星河电子科技（有限公司）", "xinghe", "exact"),  # full-width space and brackets
        ("ＰＥＡＲＬ ＲＩＶＥＲ ＴＲＡＤＩＮＧ", "latin", "exact"),  # full-width Latin, no suffix
        ("pearl rivr trading", "latin", "similar"),
    ],
)
def test_a_person_finds_the_grantor(w: World, typed: str, expect: str, how: str) -> None:
    numbers = filed(w)
    got = found(w, typed)
    assert got, typed
    assert got[0][0] == numbers[expect] and got[0][1] == how, got


def test_results_ranked_best_first_with_the_match(w: World) -> None:
    numbers = filed(w)
    got = found(w, "深圳市星河电")  # both 星河 companies contain it
    assert {n for n, _, _ in got} == {numbers["xinghe"], numbers["xinghe_power"]}
    assert all(how == "contains" for _, how, _ in got)
    assert [s for _, _, s in got] == sorted((s for _, _, s in got), reverse=True)
    assert found(w, "完全不同的名字") == []
    # exact search stays exact
    with w.platform.uow() as uow:
        exact = service.SearchQuery(grantor_name="星河电子")
        assert service.search(uow, exact) == []
        with pytest.raises(InvalidInput) as exc:
            service.search(uow, service.SearchQuery(grantor_name="（ ）", tolerant=True))
        assert exc.value.errors[0].field == "grantor_name"


def test_scores() -> None:
    assert score("星河电子", "星河电子").score == 100  # type: ignore[union-attr]
    contains = score("星河", "星河电子")
    assert contains is not None and 90 <= contains.score < 100
    assert score("星河电子", "华强物流") is None
