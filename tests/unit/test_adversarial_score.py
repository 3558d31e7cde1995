"""The adversarial scorer's arithmetic on a hand-made set of verdicts."""

from __future__ import annotations

from scf.sim.adversarial.score import Verdict, score, tally
from scf.sim.adversarial.world import CIRCULAR, GOODS, Case


def _v(n: int, planted: bool, flagged: bool, hops: str, stopped: bool | None = None) -> Verdict:
    variant = "ring" if planted else "chain"
    bands = {"variant": variant, "hops": hops}
    case = Case(f"c{n}", CIRCULAR, planted, variant, (f"F{n}",), {}, bands)
    return Verdict(case, flagged, stopped, evidence=["circular_trade"] if flagged else [])


def test_precision_recall_and_lookalike_rate_per_family_and_band() -> None:
    verdicts = [
        _v(1, True, True, "3-4"),
        _v(2, True, True, "3-4"),
        _v(3, True, False, "5-6"),
        _v(4, True, True, "5-6"),
        _v(5, True, False, "9-12"),
        _v(6, False, True, "3-4"),
        _v(7, False, False, "5-6"),
        _v(8, False, False, "5-6"),
    ]
    out = score(verdicts)[CIRCULAR]
    assert (out["planted"], out["caught"], out["missed"]) == (5, 3, 2)
    assert out["recall"] == 0.6
    assert out["precision"] == 0.75  # 3 caught, 1 look-alike flagged
    assert out["lookalike_fp_rate"] == 0.333
    assert out["stopped_recall"] is None  # nothing was put to a decision
    hops = out["bands"]["hops"]
    assert list(hops) == ["3-4", "5-6", "9-12"]  # in the order of their numbers
    assert (hops["3-4"]["recall"], hops["3-4"]["precision"]) == (1.0, 0.667)
    assert hops["3-4"]["lookalike_fp_rate"] == 1.0
    assert (hops["5-6"]["recall"], hops["5-6"]["precision"]) == (0.5, 1.0)
    assert hops["5-6"]["lookalike_fp_rate"] == 0.0
    assert (hops["9-12"]["recall"], hops["9-12"]["precision"]) == (0.0, None)
    assert out["bands"]["variant"]["chain"]["lookalikes_flagged"] == 1
    assert out["caught_by"] == {"circular_trade": 3}
    assert out["lookalikes_flagged_by"] == {"circular_trade": 1}


def test_stopped_counts_only_decisions_and_empty_families_are_left_out() -> None:
    def goods(n: int, planted: bool, flagged: bool, stopped: bool) -> Verdict:
        return Verdict(Case(f"g{n}", GOODS, planted, "x", (), {}, {}), flagged, stopped)

    t = tally(
        [goods(1, True, True, True), goods(2, True, True, False), goods(3, False, True, True)]
    )
    assert t["stopped_recall"] == 0.5 and t["lookalikes_stopped"] == 1
    assert t["precision"] == 0.667 and t["recall"] == 1.0
    assert set(score([goods(1, True, False, False)])) == {GOODS}
    empty = tally([])
    assert empty["precision"] is None and empty["recall"] is None
