"""`scf registry file` applies the API's input bounds: the command line bypasses pydantic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from scf.core.actor import Actor
from scf.registry import cli
from scf.registry.tables import RegistrationRow
from tests.factories import PASSWORD, World, fingerprint, use_registry_key


def _filing(w: World, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "pledge",
        "grantor_org_ids": [w.orgs["supplier"]],
        "collateral": [{"kind": "receivable", "identifier": fingerprint(5)}],
        "amount": {"amount": "1000.00", "currency": "CNY"},
        "period_months": 12,
    }
    body.update(over)
    return body


@pytest.mark.parametrize(
    ("over", "field", "reason"),
    [
        ({"amount": {"amount": "1" + "0" * 30, "currency": "CNY"}}, "amount", "金额超过上限"),
        ({"description": "质押\x00"}, "description", "U+0000"),
        ({"collateral": [{"kind": "receivable", "identifier": "  "}]}, "identifier", "empty"),
        (
            {
                "collateral": [
                    {"kind": "warehouse_receipt", "identifier": "A/B", "quantity": "1e40"}
                ]
            },
            "quantity",
            "maximum",
        ),
        (
            {"collateral": [{"kind": "other", "identifier": "x", "description": "\x1b[2J"}]},
            "collateral_descriptions[0]",
            "U+001B",
        ),
    ],
)
def test_the_command_line_refuses_what_the_api_refuses(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    over: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    use_registry_key(world.platform)
    monkeypatch.setattr(cli, "create_platform", lambda: world.platform)
    filing = tmp_path / "filing.json"
    filing.write_text(json.dumps(_filing(world, **over)), encoding="utf-8")
    args = ["file", str(filing), "--user", "bank", "--password", PASSWORD, "--direct"]
    r = CliRunner().invoke(cli.app, args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert field in r.stderr and reason in r.stderr, r.stderr
    with world.platform.uow(Actor.system()) as uow:
        assert uow.session.scalar(select(func.count()).select_from(RegistrationRow)) == 0
