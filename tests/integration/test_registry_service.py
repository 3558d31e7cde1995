"""Registry use cases on SQLite and PostgreSQL: filing, priority, search, goods, the log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.money import Money
from scf.registry import service
from scf.registry.service import CollateralRef
from scf.registry.tables import EntryRow
from tests.factories import World, add_org, add_user, fingerprint, use_registry_key


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def log_size(w: World) -> int:
    with w.platform.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(EntryRow)) or 0)


def file(
    w: World,
    role: str = "bank",
    collateral: list[CollateralRef] | None = None,
    *,
    grantor: str | None = None,
    secured: str | None = None,
    months: int = 12,
    kind: str = "pledge",
) -> service.FilingResult:
    with w.uow(role) as uow:
        return service.file_registration(
            uow,
            service.FilingInput(
                kind=kind,
                grantor_org_ids=[grantor or w.orgs["supplier"]],
                secured_party_org_id=secured or w.orgs[role],
                collateral=collateral or [CollateralRef("receivable", fingerprint(1))],
                collateral_descriptions=None,
                amount=Money.of("1000000.00", "CNY"),
                period_months=months,
                description="应收账款质押",
            ),
        )


def test_filing_priority_and_conflicts(w: World) -> None:
    first = file(w, "bank")
    assert first.registration.seq == 1 and first.prior_conflicts == []
    assert first.registration.number.endswith("0000000001")
    # a second institution files on the same receivable: it lands, second, seeing the first
    second = file(w, "factoring_company", kind="factoring")
    assert second.registration.seq == 2
    assert [p.number for p in second.prior_conflicts] == [first.registration.number]
    with w.platform.uow() as uow:
        live = service.conflicts(uow, [CollateralRef("receivable", fingerprint(1).upper())])
        assert [r.seq for r in live] == [1, 2]
        assert live[0].amount == Money.of("1000000", "CNY")
        report = service.priority_report(uow, CollateralRef("receivable", fingerprint(1)))
        assert [r["interests"][0]["seq"] for r in report["ranks"]] == [1, 2]
    # financing paths refuse, naming the earlier registration, and append nothing
    before = log_size(w)
    with w.uow("bank") as uow, pytest.raises(Conflict) as exc:
        service.register_in(
            uow,
            kind="pledge",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs["bank"],
            collateral=[CollateralRef("receivable", fingerprint(1))],
            amount=None,
            period_months=6,
        )
    assert exc.value.code == "already_pledged"
    assert first.registration.number in exc.value.message
    assert log_size(w) == before


def test_register_in_joins_the_callers_unit_of_work(w: World) -> None:
    with w.uow("bank") as uow:
        info = service.register_in(
            uow,
            kind="pledge",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs["bank"],
            collateral=[CollateralRef("bill", "530100/1-1000")],
            amount=Money.of("10", "CNY"),
            period_months=6,
        )
        assert info.status == "active"
        # not committed: the caller's rollback takes it back
    assert log_size(w) == 0
    with w.uow("bank") as uow:
        info = service.register_in(
            uow,
            kind="pledge",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs["bank"],
            collateral=[CollateralRef("bill", "530100/1-1000")],
            amount=Money.of("10", "CNY"),
            period_months=6,
        )
        uow.commit()
    with w.platform.uow() as uow:
        # an overlapping sub-bill interval conflicts, a disjoint one does not
        assert [
            r.number for r in service.conflicts(uow, [CollateralRef("bill", "530100/900-2000")])
        ] == [info.number]
        assert service.conflicts(uow, [CollateralRef("bill", "530100/1001-2000")]) == []
    with w.uow("bank") as uow:
        cancelled = service.cancel_in(uow, info.id, reason="debt repaid")
        uow.commit()
    assert cancelled.status == "cancelled"
    with w.platform.uow() as uow:
        assert service.conflicts(uow, [CollateralRef("bill", "530100/1-1")]) == []
        hist = service.search(
            uow, service.SearchQuery(collateral=CollateralRef("bill", "530100/5-5"))
        )
        assert [h["op"] for h in hist[0]["history"]] == ["initial", "cancellation"]


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("period too long", {"months": 361}, "period_months"),
    ("period zero", {"months": 0}, "period_months"),
    (
        "unknown collateral kind",
        {"collateral": [CollateralRef("spaceship", "x")]},
        "collateral[0].kind",
    ),
    ("unknown kind", {"kind": "mortgage"}, "kind"),
]


@pytest.mark.parametrize(("what", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_field_and_appends_nothing(
    w: World, what: str, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        file(w, "bank", **change)
    assert field in [e.field for e in exc.value.errors], exc.value.errors
    assert log_size(w) == 0


def test_only_secured_party_or_agent_files_and_only_grantor_objects(w: World) -> None:
    with pytest.raises(PermissionDenied) as exc:
        file(w, "factoring_company", secured=w.orgs["bank"])
    assert exc.value.code == "not_secured_party"
    assert log_size(w) == 0
    with w.uow("bank") as uow:
        agency = service.grant_agency(uow, w.orgs["factoring_company"])
    landed = file(w, "factoring_company", secured=w.orgs["bank"])
    assert landed.registration.secured_party_org_id == w.orgs["bank"]
    number = landed.registration.number
    size = log_size(w)
    with w.uow("core_enterprise") as uow, pytest.raises(PermissionDenied) as exc:
        service.object_to(uow, number, "not mine")
    assert exc.value.code == "not_grantor"
    with w.uow("supplier") as uow, pytest.raises(PermissionDenied):
        service.extend(uow, number, 6)
    assert log_size(w) == size
    with w.uow("bank") as uow:
        service.revoke_agency(uow, agency.id)
    assert log_size(w) == size + 1  # the revocation is a leaf of its own
    with w.uow("factoring_company") as uow, pytest.raises(PermissionDenied):
        service.cancel(uow, number, "agent no more")
    assert log_size(w) == size + 1


def test_amend_extend_cancel_object_and_history(w: World, clock: Any) -> None:
    reg = file(w, "bank").registration
    with w.uow("bank") as uow:
        amended = service.amend(
            uow,
            reg.number,
            service.AmendmentInput(
                add_collateral=[CollateralRef("receivable", fingerprint(2))],
                remove_collateral=[CollateralRef("receivable", fingerprint(1))],
                amount=Money.of("2000000", "CNY"),
            ),
        ).registration
    assert [c.identifier for c in amended.collateral] == [fingerprint(2)]
    assert amended.amount == Money.of("2000000", "CNY")
    with w.uow("bank") as uow:
        extended = service.extend(uow, reg.number, 12).registration
    assert extended.expires_at > reg.expires_at
    with w.uow("bank") as uow, pytest.raises(InvalidInput) as exc:
        service.extend(uow, reg.number, 350)
    assert exc.value.errors[0].field == "months"
    with w.uow("supplier") as uow:
        objection = service.object_to(uow, reg.number, "the debt was repaid in January")
    assert objection["status"] == "active"
    with w.uow("bank") as uow:
        service.cancel(uow, reg.number, "repaid")
    size = log_size(w)
    with w.uow("bank") as uow, pytest.raises(Conflict) as cexc:
        service.amend(uow, reg.number, service.AmendmentInput(description="late"))
    assert cexc.value.code == "registration_cancelled"
    assert log_size(w) == size
    clock.advance(timedelta(days=31))
    with w.platform.uow() as uow:
        detail = service.get_registration(uow, reg.number)
    assert [h["op"] for h in detail["history"]] == [
        "initial",
        "amendment",
        "extension",
        "objection",
        "cancellation",
    ]
    assert detail["status"] == "cancelled"
    assert detail["objections"][0]["status"] == "lapsed"
    with w.uow("supplier") as uow, pytest.raises(Conflict):
        service.mark_litigated(uow, objection["id"], "(2025) 粤0305民初123号")


def test_objection_marked_litigated_does_not_lapse(w: World, clock: Any) -> None:
    reg = file(w, "bank").registration
    with w.uow("supplier") as uow:
        objection = service.object_to(uow, reg.number, "disputed")
    with w.uow("supplier") as uow:
        service.mark_litigated(uow, objection["id"], "(2025) 粤0305民初123号")
    clock.advance(timedelta(days=60))
    with w.platform.uow() as uow:
        assert service.get_registration(uow, reg.number)["objections"][0]["status"] == "litigated"


def test_expired_registrations_leave_conflicts_but_stay_searchable(w: World, clock: Any) -> None:
    reg = file(w, "bank", months=1).registration
    clock.advance(timedelta(days=32))
    with w.platform.uow() as uow:
        assert service.conflicts(uow, [CollateralRef("receivable", fingerprint(1))]) == []
        found = service.search(uow, service.SearchQuery(grantor_uscc=reg.grantors[0]["uscc"]))
        assert [(r["number"], r["status"]) for r in found] == [(reg.number, "expired")]
        live_only = service.SearchQuery(grantor_uscc=reg.grantors[0]["uscc"], include_history=False)
        assert service.search(uow, live_only) == []
    with w.uow("bank") as uow, pytest.raises(Conflict) as exc:
        service.extend(uow, reg.number, 6)
    assert exc.value.code == "registration_expired"


def test_tolerant_name_search(w: World) -> None:
    grantor = add_org(w.platform, "supplier", name="深圳市星河电子科技有限公司")
    reg = file(w, "bank", grantor=grantor).registration
    with w.platform.uow() as uow:
        exact = service.SearchQuery(grantor_name="深圳市星河电子科技有限公司")
        assert [r["number"] for r in service.search(uow, exact)] == [reg.number]
        sloppy = service.SearchQuery(grantor_name="深圳市 星河电子科技（股份有限公司）")
        assert service.search(uow, sloppy) == []
        tolerant = service.SearchQuery(grantor_name=sloppy.grantor_name, tolerant=True)
        assert [r["number"] for r in service.search(uow, tolerant)] == [reg.number]
        with pytest.raises(InvalidInput):
            service.search(uow, service.SearchQuery())


def test_empty_pledge_guard(w: World) -> None:
    wh_b = add_org(w.platform, "warehouse", name="青岛港第二仓库有限公司")
    actor_b = add_user(w.platform, wh_b, "warehouse-b")
    with w.uow("warehouse") as uow:
        goods = service.confirm_goods(
            uow,
            service.GoodsInput(
                holder_org_id=w.orgs["supplier"],
                commodity="electrolytic copper",
                grade="Cu-CATH-1",
                location="Yantian bonded zone, shed 3",
                quantity="100",
                unit="t",
                lot="JCC-2025-0042",
                receipt_nos=["WR-1", "WR-2"],
            ),
        )
        uscc_a = goods.warehouse_uscc
    # the same lot cannot also be confirmed by another warehouse (the Qingdao case)
    with w.platform.uow(actor_b) as uow, pytest.raises(Conflict) as exc:
        service.confirm_goods(
            uow,
            service.GoodsInput(
                holder_org_id=w.orgs["supplier"],
                commodity="Electrolytic Copper",
                grade="Cu-CATH-1",
                location="Qingdao",
                quantity="100",
                unit="t",
                lot="jcc 2025 0042",
                receipt_nos=["Q-9"],
            ),
        )
    assert exc.value.code == "goods_already_confirmed"
    # a receipt nobody confirmed is an empty pledge
    with pytest.raises(Conflict) as exc:
        file(w, "bank", [CollateralRef("warehouse_receipt", f"{uscc_a}/WR-404")])
    assert exc.value.code == "empty_pledge"
    first = file(w, "bank", [CollateralRef("warehouse_receipt", f"{uscc_a}/WR-1", quantity=None)])
    assert first.registration.collateral[0].quantity is not None
    # the whole lot is pledged through WR-1; WR-2 or the inventory itself has nothing left
    for ref in (
        CollateralRef("warehouse_receipt", f"{uscc_a}/WR-2", quantity=None),
        CollateralRef("inventory", "electrolytic copper/JCC-2025-0042"),
    ):
        with pytest.raises(Conflict) as exc:
            file(w, "factoring_company", [ref])
        assert exc.value.code == "over_pledged"
    with w.uow("bank") as uow:
        service.cancel(uow, first.registration.number, "released")
    from decimal import Decimal

    half = file(w, "bank", [CollateralRef("warehouse_receipt", f"{uscc_a}/WR-1", Decimal("60"))])
    assert half.registration.collateral[0].quantity == Decimal("60.000")
    rest = file(
        w,
        "factoring_company",
        [CollateralRef("inventory", "Electrolytic Copper/JCC-2025-0042", Decimal("40"))],
    )
    assert rest.registration.seq > half.registration.seq
    with pytest.raises(Conflict):
        file(
            w,
            "local_financial_org",
            [CollateralRef("warehouse_receipt", f"{uscc_a}/WR-2", Decimal("0.001"))],
        )
    with w.uow("warehouse") as uow, pytest.raises(Conflict) as exc:
        service.release_goods(uow, goods.id)
    assert exc.value.code == "goods_pledged"
    with w.uow("supplier") as uow:
        assert service.goods_dict(uow, goods.id)["free"] == "0.000"
    with w.uow("bank") as uow, pytest.raises(NotFound):
        service.goods_dict(uow, goods.id)


def test_log_proofs_and_verify(w: World) -> None:
    from scf.registry import merkle

    for i in range(9):
        file(w, "bank", [CollateralRef("receivable", fingerprint(100 + i))])
    with w.platform.uow() as uow:
        head = service.latest_tree_head(uow)
        assert head["tree_size"] == 9
        root = bytes.fromhex(head["root_hash"])
        entries = service.entries(uow, 0, 100)
        import base64

        leaves = [merkle.leaf_hash(base64.b64decode(e["data"])) for e in entries]
        assert merkle.mth(leaves) == root
        for i in range(9):
            p = service.inclusion_proof(uow, i, 9)
            path = [bytes.fromhex(h) for h in p["audit_path"]]
            assert merkle.verify_inclusion(i, 9, leaves[i], path, root)
        for first in range(1, 10):
            c = service.consistency(uow, first, 9)
            proof = [bytes.fromhex(h) for h in c["consistency"]]
            assert merkle.verify_consistency(first, 9, merkle.mth(leaves[:first]), root, proof)
        report = service.verify_log(uow)
        assert report.ok, report.problems
        assert report.tree_size == 9 and report.heads_checked >= 2
        with pytest.raises(InvalidInput):
            service.inclusion_proof(uow, 9, 9)


def test_system_actor_may_register_for_other_rooms(w: World) -> None:
    with w.platform.uow(Actor.system()) as uow:
        info = service.register_in(
            uow,
            kind="assignment",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs["bank"],
            collateral=[CollateralRef("certificate_piece", "pc_01ABC")],
            amount=None,
            period_months=12,
        )
        uow.commit()
    assert info.kind == "assignment"
