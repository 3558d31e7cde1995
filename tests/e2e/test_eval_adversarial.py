"""`scf eval --adversarial` end to end on a tiny world (a temporary SQLite)."""

from __future__ import annotations

import io
import json

from rich.console import Console
from typer.testing import CliRunner

from scf import cli
from scf.sim.adversarial.world import FAMILIES, adv_size
from scf.sim.cli import print_adversarial


def test_eval_adversarial_reports_every_family_and_band() -> None:
    r = CliRunner().invoke(
        cli.app, ["eval", "--adversarial", "--size", "tiny", "--seed", "3", "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout[r.stdout.index("{") :])
    size = adv_size("tiny")
    assert (out["adversarial"], out["size"], out["seed"]) == (True, "tiny", 3)
    assert out["load_errors"]["count"] == 0
    assert out["cases"] == len(FAMILIES) * (size.planted + size.lookalikes)
    assert list(out["families"]) == list(FAMILIES)
    for family, s in out["families"].items():
        assert s["planted"] == size.planted, family
        for param, bands in s["bands"].items():
            assert sum(t["planted"] for t in bands.values()) == (
                size.planted if param == "variant" else sum(t["planted"] for t in bands.values())
            )
        if s["recall"] is not None:
            assert 0.0 <= s["recall"] <= 1.0
    # The look-alikes the issue names as flagged today are flagged: a genuine start-up with
    # small capital is a shell to the current indicators.
    assert out["families"]["shell_company"]["lookalike_fp_rate"] == 1.0
    assert out["settings"]["cycle_max_hops"] >= 2

    console = Console(file=io.StringIO(), width=200)
    print_adversarial(out, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "returning_funds" in text and "intermediaries: 2-3 recall" in text
