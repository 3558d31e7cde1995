"""Registry rules without a database: identifiers, periods, names, priority."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scf.core.errors import InvalidInput
from scf.registry.model import (
    CollateralRef,
    PriorityItem,
    add_months,
    check_period,
    collateral_key,
    fold_name,
    parse_kind,
    priority_order,
    quantity_units,
)

USCC = "91350100M000100Y43"


def test_names_fold_width_case_punctuation_and_suffixes() -> None:
    base = fold_name("深圳市前海星河供应链有限公司")
    assert base == fold_name("深圳市前海星河供应链 股份有限公司")
    assert base == fold_name("深圳市 前海星河供应链（有限责任公司）")
    assert fold_name("ＡＢＣ Trading Co., Ltd.") == fold_name("abc trading") == "abctrading"
    assert fold_name("ABC Trading Limited") == "abctrading"
    assert fold_name("Foo-Bar Inc.") == "foobar"
    assert fold_name("Tesco") == "tesco"  # "co" is only a suffix as a word of its own
    assert fold_name("有限公司") == "有限公司"  # a name that is only a suffix is kept


def test_collateral_identifiers_normalize() -> None:
    k = collateral_key(CollateralRef("receivable", " ABCDEF0123456789 "))
    assert k.key == "abcdef0123456789"
    k = collateral_key(CollateralRef("warehouse_receipt", f"{USCC.lower()} / wr 001"))
    assert k.key == f"{USCC}/WR001"
    k = collateral_key(CollateralRef("bill", "5301 / 100-200"))
    assert (k.key, k.lo, k.hi, k.identifier) == ("5301", 100, 200, "5301/100-200")
    k = collateral_key(CollateralRef("inventory", "Copper／Lot Ａ-1"))
    assert k.key == "copper/lota1"


@pytest.mark.parametrize(
    ("kind", "identifier", "field"),
    [
        ("car", "x", "collateral.kind"),
        ("receivable", "not-hex", "collateral.identifier"),
        ("warehouse_receipt", "WR001", "collateral.identifier"),
        ("bill", "5301/200-100", "collateral.identifier"),
        ("bill", "5301", "collateral.identifier"),
        ("receivable", "  ", "collateral.identifier"),
    ],
)
def test_bad_collateral_names_the_field(kind: str, identifier: str, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        collateral_key(CollateralRef(kind, identifier))
    assert exc.value.errors[0].field == field


def test_period_is_one_month_to_thirty_years() -> None:
    assert check_period(1) == 1
    assert check_period(360) == 360
    for bad in (0, 361, -5):
        with pytest.raises(InvalidInput) as exc:
            check_period(bad)
        assert exc.value.errors[0].field == "period_months"


def test_add_months_clips_to_month_end() -> None:
    at = datetime(2024, 1, 31, 8, tzinfo=UTC)
    assert add_months(at, 1) == datetime(2024, 2, 29, 8, tzinfo=UTC)
    assert add_months(at, 360) == datetime(2054, 1, 31, 8, tzinfo=UTC)


def test_kinds_and_quantities() -> None:
    assert parse_kind("factoring").value == "assignment"
    with pytest.raises(InvalidInput):
        parse_kind("mortgage")
    assert quantity_units(Decimal("12.5")) == 12500
    assert quantity_units("3") == 3000
    for bad in ("0", "-1", "1.0001", "abc"):
        with pytest.raises(InvalidInput):
            quantity_units(bad)
    with pytest.raises(InvalidInput):
        quantity_units(1.5)  # type: ignore[arg-type]


def test_priority_registered_first_then_notice_then_pro_rata() -> None:
    t1 = datetime(2025, 1, 1, tzinfo=UTC)
    t2 = datetime(2025, 2, 1, tzinfo=UTC)
    items = [
        PriorityItem("late-notice", None, False, t2),
        PriorityItem("R2", 7, True),
        PriorityItem("silent-a", None, False),
        PriorityItem("early-notice", None, False, t1),
        PriorityItem("R1", 3, True),
        PriorityItem("silent-b", None, False),
    ]
    ranks = priority_order(items)
    assert [[i.number for i in r] for r in ranks] == [
        ["R1"],
        ["R2"],
        ["early-notice"],
        ["late-notice"],
        ["silent-a", "silent-b"],
    ]
