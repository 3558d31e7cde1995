"""The detectors on an adversarial world of a seed they were not tuned on (docs/risk-eval.md),
on each database: every family reaches the targets, and the decisions stop what they should."""

from __future__ import annotations

from scf.platform import Platform
from scf.sim.adversarial.generate import build
from scf.sim.adversarial.load import load_world
from scf.sim.adversarial.world import GOODS, NEAR_DUPLICATE, RELATED
from scf.sim.eval import evaluate_adversarial
from tests.factories import use_registry_key

FRESH_SEED = 2027  # never used while tuning


def test_the_detectors_hold_on_a_fresh_adversarial_world(platform: Platform) -> None:
    use_registry_key(platform)
    world = build("tiny", FRESH_SEED)
    loaded = load_world(platform, world)
    assert loaded.errors == []
    families = evaluate_adversarial(platform, world, loaded)["families"]
    for family, s in families.items():
        assert s["recall"] >= 0.9, (family, s["caught_by"])
        assert s["precision"] >= 0.9, (family, s["lookalikes_flagged_by"])
        assert s["lookalike_fp_rate"] < 0.05, (family, s["lookalikes_flagged_by"])
        assert s["refused_for_other_reasons"] == {}, family
    for family in (NEAR_DUPLICATE, RELATED, GOODS):  # held or refused, not only flagged
        assert families[family]["stopped_recall"] >= 0.9, family
    assert families[GOODS]["refused_recall"] == 1.0
