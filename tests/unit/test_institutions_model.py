"""Rules of institutions: authority bands, approvals, NPL tolerance, weights and scoring."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.institutions import model as M


def cny(x: str) -> Money:
    return Money.of(x, "CNY")


def band(lo: str, hi: str, grade: int = 1, tenor: int = 180, exceptions: bool = False) -> M.Band:
    return M.Band(cny(lo), cny(hi), tenor, grade, exceptions)


def test_bands_in_order_from_zero_without_gaps_pass() -> None:
    out = M.check_bands([band("100", "500", 2), band("0", "100")], "CNY")
    assert [b.upper for b in out] == [cny("100"), cny("500")]


@pytest.mark.parametrize(
    ("bands", "field", "code"),
    [
        ([band("0", "100"), band("90", "500")], "bands[1].lower", "band_overlap"),
        ([band("0", "100"), band("120", "500")], "bands[1].lower", "band_gap"),
        ([band("10", "100")], "bands[0].lower", "band_gap"),
        ([band("0", "100"), band("100", "100")], "bands[1].upper", "invalid_input"),
        ([band("0", "100", tenor=0)], "bands[0].max_tenor_days", "invalid_input"),
        ([band("0", "100", grade=9)], "bands[0].min_grade", "invalid_input"),
    ],
)
def test_bands_that_overlap_leave_gaps_or_break_bounds_are_refused(
    bands: list[M.Band], field: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        M.check_bands(bands, "CNY")
    assert exc.value.code == code
    assert field in {e.field for e in exc.value.errors}


def test_no_bands_and_another_currency_are_refused() -> None:
    with pytest.raises(InvalidInput):
        M.check_bands([], "CNY")
    with pytest.raises(InvalidInput) as exc:
        M.check_bands([M.Band(Money.of("0", "USD"), Money.of("1", "USD"), 10, 1, False)], "CNY")
    assert exc.value.errors[0].field == "bands[0].upper"


def test_an_amount_falls_in_one_band_or_above_all() -> None:
    bands = M.check_bands([band("0", "100"), band("100", "500", 2)], "CNY")
    assert M.band_for(bands, cny("0")) is bands[0]
    assert M.band_for(bands, cny("100")) is bands[0]
    assert M.band_for(bands, cny("100.01")) is bands[1]
    assert M.band_for(bands, cny("500.01")) is None


def test_approval_checks_grade_tenor_and_exceptions() -> None:
    bands = M.check_bands([band("0", "100", 1, 90), band("100", "500", 2, 180, True)], "CNY")
    assert M.approval_refusal(bands, cny("50"), 30, 1, []) is None
    assert "grade 2" in (M.approval_refusal(bands, cny("150"), 30, 1, []) or "")
    assert "tenor" in (M.approval_refusal(bands, cny("50"), 120, 5, []) or "")
    assert "exception" in (M.approval_refusal(bands, cny("50"), 30, 1, ["related_party"]) or "")
    assert M.approval_refusal(bands, cny("150"), 30, 2, ["related_party"]) is None
    assert "above" in (M.approval_refusal(bands, cny("501"), 30, 5, []) or "")


@pytest.mark.parametrize("value", ["-0.01", "1.01", "100"])
def test_a_tolerance_outside_0_to_100_percent_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        M.check_ratio(Decimal(value), "ratio")
    assert exc.value.errors[0].field == "ratio"


def test_tolerance_states_and_the_default_above_the_overall_ratio() -> None:
    t = Decimal("0.05")
    assert M.tolerance_state(Decimal("0.01"), t) == "within"
    assert M.tolerance_state(Decimal("0.04"), t) == "near"
    assert M.tolerance_state(Decimal("0.0501"), t) == "over"
    assert M.tolerance_state(Decimal("0.01"), Decimal(0)) == "over"
    assert M.default_tolerance(Decimal("0.02")) == Decimal("0.05")
    assert M.default_tolerance(Decimal("0.99")) == Decimal(1)
    assert M.ratio(1, 3) == Decimal("0.3333") and M.ratio(1, 0) == Decimal(0)


def test_weights_must_add_up_to_one_and_name_known_indicators_once() -> None:
    ok = M.check_weights([("sme_volume", Decimal("0.6")), ("npl_ratio", Decimal("0.4"))])
    assert [i.value for i, _ in ok] == ["sme_volume", "npl_ratio"]
    with pytest.raises(InvalidInput) as exc:
        M.check_weights([("sme_volume", Decimal("0.6")), ("npl_ratio", Decimal("0.3"))])
    assert exc.value.code == "weights_not_one" and exc.value.errors[0].field == "indicators"
    with pytest.raises(InvalidInput) as exc:
        M.check_weights([("sme_volume", Decimal("0.5")), ("sme_volume", Decimal("0.5"))])
    assert exc.value.errors[0].field == "indicators[1].indicator"
    with pytest.raises(InvalidInput) as exc:
        M.check_weights([("nonsense", Decimal("1"))])
    assert exc.value.errors[0].field == "indicators[0].indicator"
    with pytest.raises(InvalidInput) as exc:
        M.check_weights([("sme_volume", Decimal("1.5")), ("npl_ratio", Decimal("-0.5"))])
    assert {e.field for e in exc.value.errors} == {"indicators[0].weight", "indicators[1].weight"}


def test_scores_are_weighted_min_max_shares_and_ranks_share_ties() -> None:
    weights = [(M.Indicator.SME_VOLUME, Decimal("0.6")), (M.Indicator.AVERAGE_RATE, Decimal("0.4"))]
    values: dict[str, dict[str, Decimal | None]] = {
        "a": {"sme_volume": Decimal(300), "average_rate": Decimal("0.04")},
        "b": {"sme_volume": Decimal(100), "average_rate": Decimal("0.03")},
        "c": {"sme_volume": Decimal(200), "average_rate": None},
    }
    scored = M.score(values, weights)
    # a: volume 1 x 60, rate (0.04 is the worst) 0 -> 60; b: 0 + 40 = 40; c: 0.5 x 60 + 0 = 30
    assert {k: s for k, (s, _) in scored.items()} == {
        "a": Decimal("60.00"),
        "b": Decimal("40.00"),
        "c": Decimal("30.00"),
    }
    assert [p.normalised for p in scored["c"][1]] == [Decimal("0.5000"), Decimal(0)]
    assert M.rank({"a": Decimal(5), "b": Decimal(5), "c": Decimal(1)}) == {"a": 1, "b": 1, "c": 3}


def test_quarters_and_targets() -> None:
    assert M.check_quarter("2025-q2") == (2025, 2)
    for bad in ("2025-Q5", "2025-Q12", "25-Q1", "2025Q1"):
        with pytest.raises(InvalidInput):
            M.check_quarter(bad)
    assert M.target_met("sme_volume", Decimal(10), Decimal(5))
    assert M.target_met("npl_ratio", Decimal("0.01"), Decimal("0.02"))
    assert not M.target_met("npl_ratio", None, Decimal("0.02"))


def test_all_equal_scores_full_unless_everyone_has_nothing() -> None:
    assert M.normalise(Decimal(5), Decimal(5), Decimal(5), False) == 1
    assert M.normalise(Decimal(0), Decimal(0), Decimal(0), False) == 0
    assert M.normalise(Decimal(0), Decimal(0), Decimal(0), True) == 1
    assert M.normalise(None, Decimal(0), Decimal(1), True) == 0


def test_npl_alerts_read_in_each_language_from_their_evidence() -> None:
    from scf.web.room_text import room_text

    alert = {
        "kind": "npl_over",
        "summary": "stored",
        "evidence": {"unit": "供应链金融部", "npl_ratio": "0.0800", "tolerated": "0.0500"},
    }
    zh, en = str(room_text("zh", alert)), str(room_text("en", alert))
    assert "超出容忍度" in zh and "供应链金融部" in zh and "data-room-text" not in zh
    assert "past its NPL tolerance" in en and "8" in en and "5" in en
