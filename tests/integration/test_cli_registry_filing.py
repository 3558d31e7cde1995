"""`scf registry file` refuses a filing of the wrong shape in one line, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scf.registry import cli
from tests.factories import PASSWORD, World, use_registry_key


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[1, 2]", "filings[0]"),
        ('{"kind": "pledge", "collateral": "x"}', "collateral"),
        ('{"kind": "pledge", "collateral": [], "amount": 1000}', "amount"),
        ('{"kind": "pledge", "grantor_org_ids": "o1"}', "grantor_org_ids"),
        ('{"kind": "pledge", "period_months": "twelve"}', "period_months"),
        ('"a filing"', "filing"),
    ],
)
def test_a_filing_of_the_wrong_shape_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str, field: str
) -> None:
    use_registry_key(world.platform)
    monkeypatch.setattr(cli, "create_platform", lambda: world.platform)
    filing = tmp_path / "filing.json"
    filing.write_text(body, encoding="utf-8")
    r = CliRunner().invoke(cli.app, ["file", str(filing), "--user", "bank", "--password", PASSWORD])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error invalid_input: "), r.stderr
    assert field in lines[0]
    assert "Traceback" not in r.output
