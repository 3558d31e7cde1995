"""A scenario's own checks run in the application's pipeline, through the same interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.financing import workflow
from scf.financing.checks import Check, CheckContext, Verdict, escalate, passed, refuse
from scf.financing.scenario import get_scenario
from scf.financing.scenarios.receivables_factoring import ReceivablesFactoring
from tests.e2e.test_financing_api import API, money, ok, setup
from tests.factories import World, confirmed_receivable


def check_large_ticket(ctx: CheckContext) -> Verdict:
    """Escalate a large receivable: this scenario wants a person on anything over 200,000."""
    if ctx.amount > Money.of("200000.00", "CNY"):
        return escalate("large_ticket", f"{ctx.amount} asked", reason="a large ticket")
    return passed("large_ticket", "within the scenario's own ceiling")


def check_no_round_amounts(ctx: CheckContext) -> Verdict:
    if ctx.amount.minor % 100_000_00 == 0:
        return refuse(
            "round_amount",
            InvalidInput("no round millions", field="amount", code="round_amount"),
        )
    return passed("round_amount", "not a round million")


class Checked(ReceivablesFactoring):
    """Receivables factoring with two checks of its own."""

    def checks(self) -> Sequence[Check]:
        return (check_large_ticket, check_no_round_amounts)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = Checked()
    monkeypatch.setattr(
        workflow,
        "get_scenario",
        lambda code: scenario if code == scenario.code else get_scenario(code),
    )


def _apply(client: TestClient, world: World, amount: str) -> tuple[dict[str, str], Any]:
    h = setup(client, world)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "2000000.00")
    body = {
        "scenario": "receivables_factoring",
        "amount": money(amount),
        "asset": {"receivable_id": rid, "recourse": True},
        "funder_org_ids": [world.orgs["bank"]],
    }
    return h["operator"], client.post(f"{API}/applications", headers=h["supplier"], json=body)


def test_a_scenarios_escalating_check_sends_the_application_to_review(
    client: TestClient, world: World, checked: None
) -> None:
    _, r = _apply(client, world, "300000.01")
    app = ok(r, 201)
    assert app["status"] == "escalated"
    assert app["note"].endswith("a large ticket"), app["note"]
    assert app["checks"][0]["check"] == "applicant_lists"
    assert app["checks"][-2:] == [  # after every platform check
        {"check": "large_ticket", "result": "escalate", "detail": "CNY 300000.01 asked"},
        {"check": "round_amount", "result": "pass", "detail": "not a round million"},
    ]


def test_a_scenarios_refusing_check_answers_its_error_and_stores_nothing(
    client: TestClient, world: World, checked: None
) -> None:
    operator, r = _apply(client, world, "1000000.00")
    problem = ok(r, 422)
    assert problem["code"] == "round_amount", problem
    assert problem["errors"] == [{"field": "amount", "reason": "no round millions"}], problem
    assert ok(client.get(f"{API}/applications", headers=operator)) == []
