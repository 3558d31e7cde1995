from decimal import Decimal
from pathlib import Path

import pytest

from scf.core.errors import InvalidInput
from scf.parties.model import Holding, control_map, derive_related_parties, validate_uscc

CN = Path(__file__).resolve().parents[1] / "data" / "cn"


def test_all_shared_valid_codes_pass() -> None:
    codes = [c.strip() for c in (CN / "uscc_valid.txt").read_text().splitlines() if c.strip()]
    assert len(codes) >= 200
    for code in codes:
        assert validate_uscc(code) == code


@pytest.mark.parametrize(
    "bad",
    [
        "12345",
        "A1110000600037341L",
        "91110000600037341M",
        "9111000060003734IL",
        "",
        "911100006000373410L",
    ],
)
def test_invalid_codes_name_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as e:
        validate_uscc(bad)
    assert e.value.code == "invalid_uscc"
    assert e.value.errors[0].field == "uscc"


def test_indirect_control_over_half() -> None:
    # P holds 60% of A; A holds 30% of C and P holds 25% of C directly: P steers 55% of C.
    holdings = [
        Holding("P", "A", Decimal("0.6")),
        Holding("A", "C", Decimal("0.3")),
        Holding("P", "C", Decimal("0.25")),
    ]
    ctrl = control_map(holdings)
    assert set(ctrl["P"]) == {"A", "C"}
    assert "A" not in ctrl  # A alone holds only 30% of C


def test_no_control_at_exactly_half() -> None:
    assert control_map([Holding("P", "A", Decimal("0.5"))]) == {}


def test_related_by_common_controller_key_person_address_phone() -> None:
    g = derive_related_parties(
        holdings=[
            Holding("person1", "A", Decimal("0.8")),
            Holding("person1", "B", Decimal("0.51")),
        ],
        key_persons=[("person2", "C"), ("person2", "D")],
        addresses={"E": "深圳市南山区 科技园 1号", "F": "深圳市南山区科技园１号"},
        phones={"G": "0755-1234 5678", "H": "+86 755 12345678"},
        org_ids=["A", "B", "C", "D", "E", "F", "G", "H", "X"],
    )
    reasons = {(lk.a, lk.b): lk.reason for lk in g.links}
    assert reasons[("A", "B")] == "common_controller"
    assert reasons[("C", "D")] == "shared_key_person"
    assert reasons[("E", "F")] == "shared_address"
    assert reasons[("G", "H")] == "shared_phone"
    assert g.related("A", "X") == []
    assert [lk.reason for lk in g.related("B", "A")] == ["common_controller"]
