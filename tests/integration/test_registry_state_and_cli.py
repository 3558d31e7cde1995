"""The registry's state checked against its log, lapsed objections, and the CLI end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from scf.core.money import Money
from scf.registry import cli, service
from scf.registry.service import CollateralRef
from tests.factories import PASSWORD, World, fingerprint, use_registry_key


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def file(w: World, n: int, role: str = "bank") -> service.FilingResult:
    with w.uow(role) as uow:
        return service.file_registration(
            uow,
            service.FilingInput(
                kind="pledge",
                grantor_org_ids=[w.orgs["supplier"]],
                secured_party_org_id=w.orgs[role],
                collateral=[CollateralRef("receivable", fingerprint(n))],
                collateral_descriptions=None,
                amount=Money.of("100", "CNY"),
                period_months=12,
            ),
        )


def verify(w: World) -> service.VerifyReport:
    with w.platform.uow() as uow:
        return service.verify_log(uow)


def test_verify_replays_the_log_against_the_registration_table(w: World, clock: Any) -> None:
    numbers = [file(w, i).registration.number for i in range(3)]
    with w.uow("bank") as uow:
        service.amend(uow, numbers[0], service.AmendmentInput(amount=Money.of("250", "CNY")))
    with w.uow("bank") as uow:
        service.extend(uow, numbers[1], 6)
    with w.uow("supplier") as uow:
        service.object_to(uow, numbers[1], "not ours")
    with w.uow("bank") as uow:
        service.cancel(uow, numbers[2], "repaid")
    r = verify(w)
    assert r.ok, r.problems
    assert r.registrations_checked == 3 and r.first_bad_registration is None
    # the mutable table is changed behind the service's back: the log replay disagrees
    with w.platform.engine.begin() as conn:
        conn.execute(
            text("UPDATE registry_registration SET expires_at = starts_at WHERE number = :n"),
            {"n": numbers[1]},
        )
    r = verify(w)
    assert not r.ok and r.first_bad_registration == numbers[1], r.problems
    assert r.first_bad_seq is None  # the log itself is intact
    assert any(numbers[1] in p and "expires_at" in p for p in r.problems)
    # an earlier registration loses its amount change: it becomes the first one named
    with w.platform.engine.begin() as conn:
        conn.execute(
            text("UPDATE registry_registration SET amount_minor = 10000 WHERE number = :n"),
            {"n": numbers[0]},
        )
    r = verify(w)
    assert r.first_bad_registration == numbers[0]
    assert any(numbers[0] in p and "amount" in p for p in r.problems)


def test_dropped_collateral_and_undone_cancellation_are_found(w: World) -> None:
    numbers = [file(w, i).registration.number for i in range(2)]
    with w.uow("bank") as uow:
        service.cancel(uow, numbers[1], "repaid")
    with w.platform.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE registry_collateral SET removed_seq = 99 WHERE registration_id = "
                "(SELECT id FROM registry_registration WHERE number = :n)"
            ),
            {"n": numbers[0]},
        )
        conn.execute(
            text("UPDATE registry_registration SET cancelled_at = NULL WHERE number = :n"),
            {"n": numbers[1]},
        )
    r = verify(w)
    assert not r.ok and r.first_bad_registration == numbers[0]
    assert any(numbers[0] in p and "collateral" in p for p in r.problems)
    assert any(numbers[1] in p and "cancelled_at" in p for p in r.problems)


def test_lapsed_objections_show_in_search_and_conflicts(w: World, clock: Any) -> None:
    number = file(w, 1).registration.number
    with w.uow("supplier") as uow:
        service.object_to(uow, number, "we never pledged this")
    ref = CollateralRef("receivable", fingerprint(1))
    query = service.SearchQuery(collateral=ref)

    def statuses() -> tuple[list[str], list[str], list[str]]:
        with w.platform.uow() as uow:
            live = service.conflicts(uow, [ref])
            found = service.search(uow, query)
            brief = service.search(uow, service.SearchQuery(collateral=ref, include_history=False))
        assert [r.number for r in live] == [number]  # an objection never takes it off
        return (
            [o["status"] for o in live[0].objections],
            [o["status"] for o in found[0]["objections"]],
            [o["status"] for o in brief[0]["objections"]],
        )

    assert statuses() == (["active"], ["active"], ["active"])
    clock.advance(timedelta(days=29))
    assert statuses() == (["active"], ["active"], ["active"])
    clock.advance(timedelta(days=2))
    assert statuses() == (["lapsed"], ["lapsed"], ["lapsed"])


# ---------------------------------------------------------------- the CLI


@pytest.fixture
def run(w: World, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Invoke `scf registry ...` against the test platform."""

    monkeypatch.setattr(cli, "create_platform", lambda: w.platform)
    runner = CliRunner()

    def invoke(*args: str, user: str | None = None) -> Any:
        full = [*args, "--user", user, "--password", PASSWORD] if user else list(args)
        return runner.invoke(cli.app, full)

    return invoke


def test_cli_files_amends_extends_objects_cancels_searches_and_verifies(
    w: World, run: Any, tmp_path: Path
) -> None:
    filing = tmp_path / "filing.json"
    filing.write_text(
        json.dumps(
            {
                "kind": "pledge",
                "grantor_org_ids": [w.orgs["supplier"]],
                "collateral": [{"kind": "receivable", "identifier": fingerprint(1)}],
                "amount": {"amount": "1000000.00", "currency": "CNY"},
                "period_months": 12,
            }
        ),
        encoding="utf-8",
    )
    r = run("file", str(filing), user="bank")
    assert r.exit_code == 0, r.output
    reg = json.loads(r.output)["registration"]
    number = reg["number"]
    assert reg["status"] == "active" and reg["amount"]["amount"] == "1000000.00"

    r = run(
        "amend",
        number,
        "--add",
        f"receivable:{fingerprint(2)}",
        "--amount",
        "2000 CNY",
        user="bank",
    )
    assert r.exit_code == 0, r.output
    amended = json.loads(r.output)
    assert len(amended["collateral"]) == 2 and amended["amount"]["amount"] == "2000.00"

    r = run("extend", number, "6", user="bank")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["expires_at"] > reg["expires_at"]

    r = run("object", number, "we never agreed", user="supplier")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["status"] == "active"

    r = run("search", "--collateral-kind", "receivable", "--collateral-identifier", fingerprint(2))
    assert r.exit_code == 0, r.output
    found = json.loads(r.output)
    assert [f["number"] for f in found] == [number]
    assert [o["status"] for o in found[0]["objections"]] == ["active"]

    r = run("cancel", number, "repaid", user="bank")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["status"] == "cancelled"

    # a JSON list files a batch: each its own sequence number, reported in order
    pool = [
        {
            "kind": "factoring",
            "grantor_org_ids": [w.orgs["supplier"]],
            "collateral": [{"kind": "receivable", "identifier": fingerprint(n)}],
            "period_months": 6,
        }
        for n in (3, 4, 3)
    ]
    filing.write_text(json.dumps(pool), encoding="utf-8")
    r = run("file", str(filing), user="bank")
    assert r.exit_code == 0, r.output
    landed = json.loads(r.output)
    assert [x["registration"]["seq"] for x in landed] == [6, 7, 8]
    assert landed[2]["prior_conflicts"] == [landed[0]["registration"]["number"]]

    r = run("verify")
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["ok"] and report["tree_size"] == 8 and report["registrations_checked"] == 4


def test_cli_refusals_exit_with_the_error_code(w: World, run: Any, tmp_path: Path) -> None:
    filing = tmp_path / "filing.json"
    filing.write_text(
        json.dumps(
            {
                "kind": "pledge",
                "grantor_org_ids": [w.orgs["supplier"]],
                "collateral": [{"kind": "receivable", "identifier": fingerprint(1)}],
                "period_months": 400,
            }
        ),
        encoding="utf-8",
    )
    r = run("file", str(filing), user="bank")
    assert r.exit_code == 2 and "period_months" in r.output
    number = file(w, 1).registration.number
    r = run("object", number, "not me", user="bank")  # the secured party is no grantor
    assert r.exit_code == 2 and "not_grantor" in r.output
    r = run("cancel", number, "repaid", user="factoring_company")
    assert r.exit_code == 2 and "not_secured_party" in r.output
    # a table row changed behind the service's back fails `verify`, naming it
    with w.platform.engine.begin() as conn:
        conn.execute(text("UPDATE registry_registration SET description = 'forged'"))
    r = run("verify")
    assert r.exit_code == 1
    assert number in r.output
