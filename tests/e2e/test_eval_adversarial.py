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
        variants = s["bands"]["variant"].values()  # every case has a variant
        assert sum(t["planted"] for t in variants) == size.planted
        assert sum(t["lookalikes"] for t in variants) == size.lookalikes
        assert sum(t["caught"] for t in variants) == s["caught"]
        for bands in s["bands"].values():  # a case falls in one band of each parameter
            assert sum(t["planted"] for t in bands.values()) <= size.planted
        if s["recall"] is not None:
            assert 0.0 <= s["recall"] <= 1.0
        assert s["lookalikes"] == size.lookalikes
        assert 0 <= s["lookalikes_flagged"] <= s["lookalikes"]
    assert out["settings"]["cycle_max_hops"] >= 2

    console = Console(file=io.StringIO(), width=200)
    print_adversarial(out, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "intermediaries: 2-3 recall" in text
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert [r.split("│")[1].strip() for r in rows] == list(FAMILIES)  # one row a family
    near = out["families"]["near_duplicate_invoice"]
    assert rows[2].split("│")[2].strip() == str(near["planted"])
