"""The risk follower re-evaluates signals and limits as audit entries arrive (issue 8)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.clock import FixedClock
from scf.core.errors import Conflict
from scf.core.money import Money
from scf.financing import service as financing
from scf.platform import Platform
from scf.risk import follower, signals
from scf.risk import service as risk
from scf.risk.tables import RiskAlertRow, RiskFollowerRow, RiskLimitRow
from tests.factories import World, confirmed_receivable, use_registry_key

REGULATOR = Actor(None, None, frozenset({"regulator"}), "regulator")


def _disbursed_financing(world: World) -> str:
    """The supplier factors a confirmed receivable on the core enterprise at the bank."""
    p = world.platform
    use_registry_key(p)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(p, sup, core, "1000000.00", due_in_days=30)
    with world.uow("bank") as uow:
        financing.create_product(
            uow,
            scenario="receivables_factoring",
            name="保理",
            base_rate=Decimal("0.030"),
            max_amount=Money.of("10000000.00", "CNY"),
            rate_groups=[],
        )
    with world.uow("supplier") as uow:
        app = financing.submit_application(
            uow,
            financing.ApplicationInput(
                scenario="receivables_factoring",
                amount=Money.of("100000.00", "CNY"),
                asset={"receivable_id": rid, "recourse": False},
                funder_org_ids=[world.orgs["bank"]],
            ),
        )
        app_id, status = app.id, app.status
    if status == "sent":
        with world.uow("bank") as uow:
            financing.make_offer(uow, app_id)
    with world.uow("supplier") as uow:
        (offer,) = financing.offers_of(uow, financing.get_application(uow, app_id))
        financing.accept_offer(uow, offer.id, "follow-accept")
    with world.uow("bank") as uow:
        financing.register(uow, app_id)
    with world.uow("bank") as uow:
        financing.disburse(uow, app_id, "follow-disburse")
    return app_id


def _go_overdue(world: World, clock: FixedClock) -> None:
    clock.advance(timedelta(days=45))
    with world.uow("operator") as uow:
        assert financing.run_overdue(uow)


def _follow(platform: Platform) -> follower.FollowReport:
    return follower.follow(platform, batch=7)  # small batches: several per run


def _cursor(platform: Platform) -> tuple[int, int]:
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(RiskFollowerRow, follower.FOLLOWER)
        return (row.last_id, row.entries) if row else (0, 0)


def _alerts(platform: Platform, org_id: str) -> list[dict[str, Any]]:
    with platform.uow(Actor.system()) as uow:
        rows = uow.session.scalars(select(RiskAlertRow).where(RiskAlertRow.org_id == org_id))
        return [r.snapshot() for r in rows]


def _limit(platform: Platform, org_id: str) -> dict[str, Any] | None:
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(RiskLimitRow, org_id)
        return row.snapshot() if row else None


def test_an_overdue_financing_raises_its_alert_once_for_the_bank_and_the_regulator(
    platform: Platform, clock: FixedClock
) -> None:
    world = World.build(platform)
    sup, bank = world.orgs["supplier"], world.orgs["bank"]
    _disbursed_financing(world)
    first = _follow(platform)
    assert first.caught_up and first.batches > 1
    assert sup in first.enterprises and bank not in first.enterprises  # enterprises only
    before = _limit(platform, sup)
    assert before is not None and Decimal(before["cut"]) == 0
    with platform.uow(Actor.system()) as uow:
        last = uow.session.scalar(select(func.max(AuditEntry.id)))
    assert _cursor(platform)[0] == last
    _go_overdue(world, clock)

    report = _follow(platform)
    kinds = {(a["org_id"], a["kind"]) for a in report.alerts}
    assert (sup, "overdue_elsewhere") in kinds
    (alert,) = [a for a in _alerts(platform, sup) if a["kind"] == "overdue_elsewhere"]
    assert alert["status"] == "open" and alert["audience"] == [bank]
    assert alert["evidence"] == {"count": 1, "threshold": 1}
    # the limit follows the alert: cut by half, recomputed now
    after = _limit(platform, sup)
    assert after is not None and after != before and Decimal(after["cut"]) == Decimal("0.5")
    # the bank and the regulator see it; an institution with no exposure does not
    with world.uow("bank") as uow:
        assert alert["id"] in [r.id for r in risk.list_alerts(uow, org_id=sup)[0]]
    with platform.uow(REGULATOR) as uow:
        assert alert["id"] in [r.id for r in risk.list_alerts(uow, org_id=sup)[0]]
    with world.uow("factoring_company") as uow:
        assert risk.list_alerts(uow, org_id=sup)[0] == []
    # the same as evaluating by hand: the alert is open, so nothing new, and the limit the
    # follower stored (from the inputs it had gathered) is the one limit_for computes afresh
    with platform.uow(REGULATOR) as uow:
        assert risk.evaluate_signals(uow, sup) == []
    updates = select(func.count()).where(
        AuditEntry.action == "risk.limit.updated", AuditEntry.aggregate_id == sup
    )
    with platform.uow(REGULATOR) as uow:
        n_updates = uow.session.scalar(updates)
        risk.limit_for(uow, sup)
    assert _limit(platform, sup) == after
    with platform.uow(Actor.system()) as uow:  # nothing changed, so no new entry
        assert uow.session.scalar(updates) == n_updates

    again = _follow(platform)
    assert again.alerts == [] and again.enterprises == []  # only its own risk.* entries
    assert len(_alerts(platform, sup)) == len(report.alerts)


def test_a_crash_mid_batch_neither_loses_nor_duplicates_an_alert(
    platform: Platform, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World.build(platform)
    sup = world.orgs["supplier"]
    _disbursed_financing(world)
    _follow(platform)
    _go_overdue(world, clock)
    cursor_before = _cursor(platform)
    real = risk.refresh_enterprise

    def crash_after_raising(uow: Any, org_id: str) -> list[RiskAlertRow]:
        raised = real(uow, org_id)
        if raised:  # the alert is written in the transaction: now the process dies
            assert uow.session.get(RiskAlertRow, raised[0].id) is not None
            raise RuntimeError("power cut")
        return raised

    monkeypatch.setattr(risk, "refresh_enterprise", crash_after_raising)
    with pytest.raises(RuntimeError, match="power cut"):
        follower.follow(platform, batch=10_000)
    assert _cursor(platform) == cursor_before
    assert _alerts(platform, sup) == []
    monkeypatch.setattr(risk, "refresh_enterprise", real)

    report = follower.follow(platform, batch=10_000)
    assert [a["kind"] for a in report.alerts if a["org_id"] == sup] == ["overdue_elsewhere"]
    assert _cursor(platform)[0] > cursor_before[0]
    assert [a["kind"] for a in _alerts(platform, sup)] == ["overdue_elsewhere"]
    assert follower.follow(platform).alerts == []


def test_an_entry_committed_late_below_the_cursor_is_still_handled(
    platform: Platform, clock: FixedClock
) -> None:
    world = World.build(platform)
    sup = world.orgs["supplier"]
    _disbursed_financing(world)
    _follow(platform)
    last, _ = _cursor(platform)
    now = clock.now()

    def entry(id_: int, action: str, org_id: str | None) -> AuditEntry:
        return AuditEntry(
            id=id_, at=now, org_id=org_id, action=action, aggregate_type="t", aggregate_id="x"
        )

    def add(e: AuditEntry) -> None:
        with platform.uow(Actor.system()) as uow:
            uow.session.add(e)
            uow.flush()
            if uow.session.get_bind().dialect.name == "postgresql":  # the ids were drawn
                uow.session.execute(
                    text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), :n)"),
                    {"n": last + 3},
                )
            uow.commit()

    # a transaction drew id last+3 and committed; last+1 and last+2 are still in flight
    add(entry(last + 3, "consent.granted", None))
    report = _follow(platform)
    assert report.last_id == last + 3 and report.enterprises == []
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(RiskFollowerRow, follower.FOLLOWER)
        assert row is not None and set(row.gaps) == {str(last + 1), str(last + 2)}
    add(entry(last + 1, "organization.updated", sup))
    late = _follow(platform)
    assert late.enterprises == [sup]
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(RiskFollowerRow, follower.FOLLOWER)
        assert row is not None and set(row.gaps) == {str(last + 2)}
    clock.advance(follower.GAP_TTL)  # a rolled-back id is forgotten in the end
    _follow(platform)
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(RiskFollowerRow, follower.FOLLOWER)
        assert row is not None and row.gaps == {}


def test_the_database_keeps_one_open_alert_per_signal(platform: Platform) -> None:
    world = World.build(platform)
    sup = world.orgs["supplier"]
    with platform.uow(Actor.system()) as uow:
        sig = risk.Signal("sales_drop", risk.Severity.MEDIUM, "s", {})
        signals.raise_alert(uow, sup, sig, [])
        uow.commit()
    with platform.uow(Actor.system()) as uow, pytest.raises(Conflict) as refused:
        signals.raise_alert(uow, sup, sig, [])
    assert refused.value.code == "integrity_conflict"


def test_affected_enterprises_come_from_the_entries_and_their_aggregates(
    platform: Platform,
) -> None:
    world = World.build(platform)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(platform, sup, core, "1000.00")
    with platform.uow(Actor.system()) as uow:
        entries = list(
            uow.session.scalars(select(AuditEntry).where(AuditEntry.aggregate_id == rid))
        )
        assert {e.action for e in entries} >= {"receivable.confirmed"}
        assert follower.affected_enterprises(uow, entries) == sorted([sup, core])
        noise = [
            AuditEntry(action="risk.scored", org_id=sup, aggregate_type="t", aggregate_id="x"),
            AuditEntry(action="user.created", org_id=sup, aggregate_type="t", aggregate_id="x"),
        ]
        assert follower.affected_enterprises(uow, noise) == []


def test_the_server_follows_in_the_background_when_enabled(
    platform: Platform, clock: FixedClock
) -> None:
    from scf.api import create_app

    world = World.build(platform)
    sup = world.orgs["supplier"]
    _disbursed_financing(world)
    _go_overdue(world, clock)
    platform.settings.risk_follow = True
    platform.settings.risk_follow_seconds = 0.05
    with TestClient(create_app(platform)) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 60  # a bound on waiting, not a speed target
        while time.monotonic() < deadline and not _alerts(platform, sup):
            time.sleep(0.05)
    assert [a["kind"] for a in _alerts(platform, sup)] == ["overdue_elsewhere"]


def _summary_from_whole_rows(uow: Any, org_id: str) -> dict[str, Any]:
    """financing_summary as it was, over whole application rows: the reference."""
    from scf.financing.model import LIVE, Status
    from scf.financing.tables import FinancingApplicationRow as App

    apps = list(
        uow.session.scalars(
            select(App).where(App.applicant_org_id == org_id, App.disbursed_at.is_not(None))
        )
    )
    closed = [a for a in apps if a.status == Status.CLOSED.value]
    on_time = [a for a in closed if a.overdue_at is None and a.defaulted_at is None]
    live = [a for a in apps if a.status in {s.value for s in LIVE}]
    overdue = [a for a in live if a.status in (Status.OVERDUE.value, Status.DEFAULTED.value)]
    return {
        "repaid_on_time_share": float(len(on_time)) / len(closed) if closed else None,
        "overdue_count": len(overdue),
        "overdue_elsewhere": len({a.funder_org_id for a in overdue}),
        "exposure_minor": sum(a.outstanding_minor for a in live if a.currency == "CNY"),
        "financings": len(apps),
    }


def test_risk_reads_the_same_financing_summary_from_a_few_columns(
    platform: Platform, clock: FixedClock
) -> None:
    world = World.build(platform)
    sup = world.orgs["supplier"]
    orgs = [sup, world.orgs["core_enterprise"], world.orgs["bank"]]

    def check() -> dict[str, Any]:
        with platform.uow(Actor.system()) as uow:
            for org_id in orgs:
                assert financing.financing_summary(uow, org_id) == _summary_from_whole_rows(
                    uow, org_id
                )
            return financing.financing_summary(uow, sup)

    assert check()["financings"] == 0
    _disbursed_financing(world)
    assert check()["exposure_minor"] == 10_000_000
    _go_overdue(world, clock)
    assert check()["overdue_elsewhere"] == 1


def test_scf_risk_follow_catches_up_once(
    platform: Platform, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from scf.cli import app
    from scf.config import get_settings

    world = World.build(platform)
    sup = world.orgs["supplier"]
    _disbursed_financing(world)
    _go_overdue(world, clock)
    monkeypatch.setenv("SCF_DATABASE_URL", platform.settings.database_url)
    monkeypatch.setenv("SCF_SECRET_KEY", platform.settings.secret_key)
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(app, ["risk", "follow", "--json", "--batch", "10"])
        again = CliRunner().invoke(app, ["risk", "follow", "--json"])
    finally:
        get_settings.cache_clear()
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout.strip().splitlines()[-1])
    assert report["caught_up"] and report["batches"] > 1, report
    assert {"org_id": sup, "kind": "overdue_elsewhere"} in [
        {k: a[k] for k in ("org_id", "kind")} for a in report["alerts"]
    ]
    assert json.loads(again.stdout.strip().splitlines()[-1])["alerts"] == []


def test_two_followers_never_handle_the_same_batch(platform: Platform, clock: FixedClock) -> None:
    from scf.core.errors import Conflict

    if platform.settings.is_sqlite:
        pytest.skip("SQLite starts every transaction with BEGIN IMMEDIATE: followers queue")
    world = World.build(platform)
    sup = world.orgs["supplier"]
    _disbursed_financing(world)
    _follow(platform)
    _go_overdue(world, clock)
    with platform.uow(Actor.system()) as late:
        stale = late.session.get(RiskFollowerRow, follower.FOLLOWER)  # B reads the cursor ...
        assert stale is not None
        assert follower.follow(platform).alerts  # ... A handles the batch and commits
        with pytest.raises(Conflict):
            follower.follow_batch(late)  # B finds the cursor moved: it writes nothing
    assert [a["kind"] for a in _alerts(platform, sup)] == ["overdue_elsewhere"]


def test_small_transactions_raise_what_one_big_batch_raises(
    platform: Platform, clock: FixedClock
) -> None:
    world = World.build(platform)
    _disbursed_financing(world)
    _go_overdue(world, clock)
    small = follower.follow(platform, max_enterprises=1)
    assert small.caught_up and small.batches > 1
    assert small.last_id == _cursor(platform)[0]
    kinds = sorted((a["org_id"], a["kind"]) for a in small.alerts)
    assert kinds and kinds == sorted(
        (a["org_id"], a["kind"]) for e in small.enterprises for a in _alerts(platform, e)
    )
    # the same history in one transaction, on a second cursor, finds those alerts open
    big = follower.follow(platform, name="again", max_enterprises=10_000)
    assert big.batches == 1 and sorted(big.enterprises) == sorted(small.enterprises)
    assert big.alerts == []


def test_a_backlog_pauses_between_batches_and_stops_when_told(
    platform: Platform, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The background follower gives other transactions their turn between the batches of a
    backlog (on SQLite every transaction takes the write lock at BEGIN), and a stop during
    the pause ends it after the batch it has committed."""
    import threading

    world = World.build(platform)
    _disbursed_financing(world)
    _go_overdue(world, clock)
    between: list[int] = []
    stop = threading.Event()
    real = follower.follow_batch

    def one_batch(uow: Any, **kw: Any) -> follower.FollowReport:
        report = real(uow, **kw)
        # a request between two batches: it gets the database at once and writes
        with platform.uow(Actor.system()) as other:
            other.audit("test.between", "test", f"between-{len(between)}")
            other.commit()
        between.append(report.last_id)
        if len(between) == 3:
            stop.set()
        return report

    monkeypatch.setattr(follower, "follow_batch", one_batch)
    report = follower.follow(platform, batch=5, stop=stop, pause=0.01)
    assert report.batches == 3 and not report.caught_up, report.as_dict()
    assert between == sorted(between) and len(set(between)) == 3
    monkeypatch.setattr(follower, "follow_batch", real)
    rest = follower.follow(platform, batch=500)
    assert rest.caught_up and rest.entries > 0
