"""Bulk filing and the lean read paths agree with the ordinary ones, on SQLite and PostgreSQL.

`file_registrations` must land exactly what the same filings made one by one land: the same
checks, sequence numbers, log leaves, audit entries and reported conflicts. The one-statement
conflict check must return what the general path (`info_many`) returns.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from scf.core.audit import AuditEntry
from scf.core.errors import Conflict, InvalidInput, PermissionDenied
from scf.core.money import Money
from scf.registry import merkle, service
from scf.registry.conflicts import live_conflict_rows
from scf.registry.model import collateral_key
from scf.registry.service import CollateralRef
from scf.registry.tables import EntryRow, TreeHeadRow
from scf.registry.views import info_many
from tests.factories import (
    World,
    add_org,
    add_user,
    fingerprint,
    overlapping_pledge,
    use_registry_key,
)


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def log_size(w: World) -> int:
    with w.platform.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(EntryRow)) or 0)


def pool(w: World, base: int) -> list[service.FilingInput]:
    """Filings that overlap each other and themselves in every way the conflict rules see."""
    s, b = w.orgs["supplier"], w.orgs["bank"]
    other = w.orgs["core_enterprise"]

    def f(coll: list[CollateralRef], **kw: Any) -> service.FilingInput:
        return service.FilingInput(
            kind=kw.get("kind", "pledge"),
            grantor_org_ids=kw.get("grantors", [s]),
            secured_party_org_id=b,
            collateral=coll,
            collateral_descriptions=kw.get("descs"),
            amount=kw.get("amount", Money.of("1000.50", "CNY")),
            period_months=kw.get("months", 12),
            description=kw.get("description", " 保理池 "),
        )

    rec = [CollateralRef("receivable", fingerprint(base + i)) for i in range(4)]
    bill = f"PKG{base}"
    return [
        f([rec[0]]),
        f([rec[1], rec[2]], grantors=[s, other], descs=[" a ", "b"], kind="factoring"),
        f([CollateralRef("receivable", fingerprint(base).upper())], amount=None),  # rec[0] again
        f([CollateralRef("bill", f"{bill}/1-100")], months=360),
        f([CollateralRef("bill", f"{bill}/50-60"), rec[2]]),  # inside the first interval
        f([CollateralRef("bill", f"{bill}/101-200"), rec[3]]),  # next to it: no overlap
    ]


def normalize(value: Any, names: dict[str, str]) -> Any:
    """Replace ids, numbers and identifiers that differ between two landings of one pool."""
    if isinstance(value, dict):
        return {k: normalize(v, names) for k, v in value.items() if k not in ("id",)}
    if isinstance(value, list | tuple):
        return [normalize(v, names) for v in value]
    if isinstance(value, str):
        for old, new in names.items():
            value = value.replace(old, new)
        return value
    return value


def landing(w: World, results: list[service.FilingResult], base: int) -> dict[str, Any]:
    """Everything a landed pool leaves behind, with its varying names replaced."""
    first = results[0].registration.seq
    names = {r.registration.number: f"N{r.registration.seq - first}" for r in results}
    names |= {r.registration.id: f"I{r.registration.seq - first}" for r in results}
    for i in range(4):
        names[fingerprint(base + i)] = f"F{i}"
        names[fingerprint(base + i).upper()] = f"F{i}"
    names[f"PKG{base}"] = "PKG"
    seqs = [r.registration.seq for r in results]
    ids = [r.registration.id for r in results]
    with w.platform.uow() as uow:
        leaves = [
            json.loads(bytes(e.data))
            for e in uow.session.scalars(
                select(EntryRow).where(EntryRow.seq.in_(seqs)).order_by(EntryRow.seq)
            )
        ]
        audits = [
            (a.action, a.aggregate_type, a.user_id, a.org_id, a.after)
            for a in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.aggregate_id.in_(ids)).order_by(AuditEntry.id)
            )
        ]
        views = [service.get_registration(uow, r.registration.number) for r in results]
    for leaf in leaves:
        leaf["seq"] -= first
    for a in audits:
        a[4]["seq"] -= first
    for v in views:
        v["seq"] -= first
        v["last_seq"] -= first
        for h in v["history"]:
            h["seq"] -= first
            h["leaf_index"] -= first
            h["record"]["seq"] -= first
    return normalize(
        {
            "seqs": [s - first for s in seqs],
            "results": [
                {
                    "registration": {
                        **r.registration.as_dict(),
                        "seq": r.registration.seq - first,
                        "last_seq": r.registration.last_seq - first,
                    },
                    "prior": [p.number for p in r.prior_conflicts],
                    "entry": r.entry_seq - first,
                }
                for r in results
            ],
            "leaves": leaves,
            "audits": audits,
            "views": views,
        },
        names,
    )


def test_batch_lands_exactly_what_single_filings_land(w: World) -> None:
    singles = []
    for f in pool(w, 100):
        with w.uow("bank") as uow:
            singles.append(service.file_registration(uow, f))
    with w.uow("bank") as uow:
        batch = service.file_registrations(uow, pool(w, 200))
    assert [r.registration.seq for r in batch] == list(range(7, 13))
    one, many = landing(w, singles, 100), landing(w, batch, 200)
    assert one == many
    # the conflicts reported follow the rules: rec[0] twice, the nested bill interval
    assert [len(r.prior_conflicts) for r in batch] == [0, 0, 1, 0, 2, 0]
    with w.platform.uow() as uow:
        assert service.verify_log(uow).ok
        # the clock stands still: the first append signed a head, the next is due on request
        assert uow.session.scalar(select(func.max(TreeHeadRow.tree_size))) == 1
        assert service.latest_tree_head(uow)["tree_size"] == 12


def test_batch_sees_registrations_already_in_the_database(w: World) -> None:
    with w.uow("bank") as uow:
        early = service.file_registration(uow, pool(w, 300)[0])
    with w.uow("bank") as uow:
        batch = service.file_registrations(uow, pool(w, 300))
    assert [p.number for p in batch[0].prior_conflicts] == [early.registration.number]
    assert [p.number for p in batch[2].prior_conflicts] == [
        early.registration.number,
        batch[0].registration.number,
    ]
    assert batch[0].prior_conflicts[0] == early.registration


def test_batch_is_all_or_nothing_and_names_the_filing(w: World) -> None:
    filings = pool(w, 400)
    filings[1].period_months = 0
    filings[4].collateral = [CollateralRef("spaceship", "x")]
    with w.uow("bank") as uow, pytest.raises(InvalidInput) as exc:
        service.file_registrations(uow, filings)
    fields = [e.field for e in exc.value.errors]
    assert "filings[1].period_months" in fields
    assert "filings[4].collateral[0].kind" in fields
    assert log_size(w) == 0
    # the secured party of another filer, anywhere in the batch, refuses the whole batch
    filings = pool(w, 400)
    filings[3].secured_party_org_id = w.orgs["factoring_company"]
    with w.uow("bank") as uow, pytest.raises(PermissionDenied):
        service.file_registrations(uow, filings)
    with w.uow("bank") as uow, pytest.raises(InvalidInput) as exc:
        service.file_registrations(uow, [])
    assert exc.value.errors[0].field == "filings"
    assert log_size(w) == 0


def test_batch_keeps_the_empty_pledge_guard_across_its_own_filings(w: World) -> None:
    with w.uow("warehouse") as uow:
        goods = service.confirm_goods(
            uow,
            service.GoodsInput(
                holder_org_id=w.orgs["supplier"],
                commodity="copper",
                grade="A",
                location="Yantian",
                quantity="100",
                unit="t",
                lot="L-1",
                receipt_nos=["WR-1", "WR-2"],
            ),
        )
    size = log_size(w)

    def pledge(receipt: str, qty: str) -> service.FilingInput:
        return service.FilingInput(
            kind="pledge",
            grantor_org_ids=[w.orgs["supplier"]],
            secured_party_org_id=w.orgs["bank"],
            collateral=[
                CollateralRef(
                    "warehouse_receipt", f"{goods.warehouse_uscc}/{receipt}", Decimal(qty)
                )
            ],
            collateral_descriptions=None,
            amount=None,
            period_months=6,
        )

    with w.uow("bank") as uow, pytest.raises(Conflict) as exc:
        service.file_registrations(uow, [pledge("WR-1", "60"), pledge("WR-2", "60")])
    assert exc.value.code == "over_pledged"
    assert log_size(w) == size
    with w.uow("bank") as uow:
        got = service.file_registrations(uow, [pledge("WR-1", "60"), pledge("WR-2", "40")])
    assert [r.registration.collateral[0].quantity for r in got] == [
        Decimal("60.000"),
        Decimal("40.000"),
    ]
    with w.uow("supplier") as uow:
        assert service.goods_dict(uow, goods.id)["free"] == "0.000"


def test_one_statement_conflict_check_matches_the_general_path(w: World, clock: Any) -> None:
    third = add_org(w.platform, "supplier", name="第三供应商有限公司")
    with w.uow("bank") as uow:
        batch = service.file_registrations(uow, pool(w, 500))
    number = batch[1].registration.number
    with w.uow("bank") as uow:  # a removed collateral must not show
        service.amend(
            uow,
            number,
            service.AmendmentInput(
                remove_collateral=[CollateralRef("receivable", fingerprint(501))],
                add_collateral=[CollateralRef("certificate_piece", "CERT-1#0001")],
            ),
        )
    with w.uow("supplier") as uow:
        service.object_to(uow, number, "not ours")
    refs_all = [
        [CollateralRef("receivable", fingerprint(500))],
        [CollateralRef("receivable", fingerprint(502))],
        [CollateralRef("bill", "PKG500/55-55")],
        [CollateralRef("bill", "pkg500/1-300"), CollateralRef("receivable", fingerprint(503))],
        [CollateralRef("certificate_piece", "CERT-1#0001")],
        [CollateralRef("receivable", fingerprint(999))],
    ]
    with w.platform.uow() as uow:
        for refs in refs_all:
            fast = service.conflicts(uow, refs)
            keys = [collateral_key(r) for r in refs]
            slow = info_many(uow, live_conflict_rows(uow, keys), with_objections=True)
            assert fast == slow, refs
        objected = service.conflicts(uow, refs_all[1])
        assert objected[0].objections and objected[0].objections[0]["status"] == "active"
        assert objected[0].grantor_org_ids == (w.orgs["supplier"], w.orgs["core_enterprise"])
    assert third  # an organization with no registration changes nothing


def test_proofs_read_the_stored_hashes_on_both_backends(w: World) -> None:
    with w.uow("bank") as uow:
        service.file_registrations(uow, pool(w, 600) + pool(w, 700) + pool(w, 800))
    with w.platform.uow() as uow:
        size = service.latest_tree_head(uow)["tree_size"]
        leaves = [
            merkle.leaf_hash(bytes(e.data))
            for e in uow.session.scalars(select(EntryRow).order_by(EntryRow.seq))
        ]
        sub = merkle.list_subtree(leaves)
        for n in range(1, size + 1):
            for m in range(n):
                got = service.inclusion_proof(uow, m, n)
                want = merkle.inclusion_path(m, n, sub)
                assert got["audit_path"] == [h.hex() for h in want]
            for m in range(1, n + 1):
                got = service.consistency(uow, m, n)
                assert got["consistency"] == [h.hex() for h in merkle.consistency_proof(m, n, sub)]


def test_sixteen_writers_mixing_batches_and_single_filings(w: World) -> None:
    if w.platform.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL")
    banks = [add_org(w.platform, "bank") for _ in range(4)]
    actors = [add_user(w.platform, b, f"mixer-{i}") for i, b in enumerate(banks)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def filing(actor: Any, n: int) -> service.FilingInput:
        return overlapping_pledge(actor.org_id or "", w.orgs["supplier"], n, 37)

    def writer(n: int) -> None:
        try:
            actor = actors[n % len(actors)]
            barrier.wait()
            for k in range(3):
                with w.platform.uow(actor) as uow:
                    if n % 2:
                        service.file_registrations(
                            uow, [filing(actor, n * 100 + k * 10 + j) for j in range(5)]
                        )
                    else:
                        service.file_registration(uow, filing(actor, n * 100 + k))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    total = 8 * 3 + 8 * 3 * 5
    with w.platform.engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM registry_entry ORDER BY seq")).scalars().all()
        regs = conn.execute(text("SELECT seq FROM registry_registration ORDER BY seq")).scalars()
        assert seqs == list(range(1, total + 1))
        assert list(regs) == seqs
    with w.platform.uow() as uow:
        r = service.verify_log(uow)
        assert r.ok, r.problems
        assert r.tree_size == total
        # every registration reports exactly the live ones before it on its collateral
        for fp in range(37):
            live = service.conflicts(uow, [CollateralRef("receivable", fingerprint(fp))])
            for i, reg in enumerate(live):
                got = service.get_registration(uow, reg.number)["history"][0]["record"]
                assert got["prior_conflicts"] == [x.number for x in live[:i]]
