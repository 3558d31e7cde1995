"""`scf risk train` on the UCI German credit table reaches the issue's AUC."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scf.cli import app

GERMAN = Path(__file__).resolve().parents[1] / "data" / "credit" / "germancredit.csv"


def test_german_credit_scorecard_reaches_auc_078() -> None:
    r = CliRunner().invoke(
        app, ["risk", "train", "--data", str(GERMAN), "--target", "creditability", "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["rows"] == 1000 and out["bad_label"] == "bad"
    assert out["cv"]["folds"] == 5
    assert out["cv"]["scorecard"]["auc_mean"] >= 0.78
    assert len(out["cv"]["scorecard"]["auc_folds"]) == 5
    oot = out["out_of_time"]["scorecard"]
    assert {"auc", "ks", "gini", "calibration"} <= set(oot)
    assert 0 < oot["calibration"]["brier"] < 0.25
    assert len(out["data_hash"]) == 64
