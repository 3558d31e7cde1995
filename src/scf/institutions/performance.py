"""Performance of units, per month or quarter, against the institution's own targets: volume
and number of SMEs financed, first-time borrowers, tiers reached up the chain, key chains
served, pricing, time to decision, and the NPL ratio against the tolerance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import FieldError, InvalidInput
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.institutions import model as M
from scf.institutions.common import find_unit, own_unit, products_of
from scf.institutions.tables import TargetRow, UnitRow
from scf.institutions.tolerance import unit_npl
from scf.supervision import service as supervision

SME = {"micro", "small", "medium"}
CURRENCY = "CNY"


def set_targets(
    uow: UnitOfWork, unit_id: str, period_kind: str, targets: Sequence[tuple[str, Decimal]]
) -> list[TargetRow]:
    """The institution sets its unit's targets per month or per quarter, indicator by indicator."""
    unit = own_unit(uow, unit_id)
    try:
        kind = M.PeriodKind(period_kind)
    except ValueError:
        raise InvalidInput(f"unknown period {period_kind}", field="period_kind") from None
    errors = []
    for i, (code, value) in enumerate(targets):
        if code not in {x.value for x in M.Indicator}:
            errors.append(FieldError(f"targets[{i}].indicator", f"unknown indicator {code}"))
        elif value < 0:
            errors.append(FieldError(f"targets[{i}].target", "must not be negative"))
    if errors or not targets:
        raise InvalidInput(
            "the targets break a rule", field=None if errors else "targets", errors=errors
        )
    out = []
    for code, value in targets:
        row = uow.session.scalar(
            select(TargetRow).where(
                TargetRow.unit_id == unit.id,
                TargetRow.period_kind == kind.value,
                TargetRow.indicator == code,
            )
        )
        if row is None:
            row = TargetRow(
                id=new_id("tgt"), unit_id=unit.id, period_kind=kind.value, indicator=code
            )
            uow.session.add(row)
        row.target = value
        row.set_at = uow.now()
        out.append(row)
    uow.flush()
    uow.audit(
        "institutions.targets.set",
        "unit",
        unit.id,
        after={"period_kind": kind.value, "targets": {c: str(v) for c, v in targets}},
    )
    uow.commit()
    return out


def _period(period: str) -> tuple[M.PeriodKind, date, date]:
    try:
        first, last = supervision.period_bounds(period)
    except InvalidInput:
        raise InvalidInput("a month YYYY-MM or a quarter YYYY-Qn", field="period") from None
    return (M.PeriodKind.QUARTER if "Q" in period.upper() else M.PeriodKind.MONTH), first, last


def _measured(
    unit: UnitRow, records: list[dict[str, Any]], first: date, last: date
) -> dict[str, Decimal | None]:
    keys = set(financing.key_chains())
    earlier = {
        r["borrower_org_id"]
        for r in records
        if r["decided_at"] is not None and r["decided_at"].date() < first
    }
    inside = [
        r
        for r in records
        if r["decided_at"] is not None
        and first <= r["decided_at"].date() <= last
        and r["disbursed_at"] is not None
        and r["amount"].currency == CURRENCY
    ]
    sme = [r for r in inside if r["size_class"] in SME]
    total = sum((r["amount"].amount for r in inside), Decimal(0))
    keyed = sum((r["amount"].amount for r in inside if set(r["chain_tags"]) & keys), Decimal(0))
    priced = [r for r in inside if r["rate"] is not None]
    priced_amount = sum((r["amount"].amount for r in priced), Decimal(0))
    timed = [r["decision_seconds"] for r in inside if r["decision_seconds"] is not None]
    tiers = [r["tier"] for r in inside if r["tier"] is not None]
    return {
        M.Indicator.SME_VOLUME.value: sum((r["amount"].amount for r in sme), Decimal(0)),
        M.Indicator.SME_COUNT.value: Decimal(len({r["borrower_org_id"] for r in sme})),
        M.Indicator.FIRST_TIME.value: Decimal(len({r["borrower_org_id"] for r in sme} - earlier)),
        M.Indicator.TIER_REACH.value: Decimal(max(tiers)) if tiers else None,
        M.Indicator.KEY_CHAIN_SHARE.value: (keyed / total).quantize(M.SHARE) if total else None,
        M.Indicator.AVERAGE_RATE.value: (
            sum((r["amount"].amount * r["rate"] for r in priced), Decimal(0)) / priced_amount
        ).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        if priced_amount
        else None,
        M.Indicator.DECISION_HOURS.value: (
            Decimal(sum(timed)) / Decimal(3600 * len(timed))
        ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if timed
        else None,
    }


def unit_performance(uow: UnitOfWork, unit_id: str, period: str) -> dict[str, Any]:
    """The unit's measures over a month or a quarter, each against its target if one is set."""
    unit = find_unit(uow, unit_id)
    kind, first, last = _period(period)
    products = set(products_of(uow, unit.id))
    records = [r for r in financing.funded_records(uow, unit.org_id) if r["product_id"] in products]
    values = _measured(unit, records, first, last)
    npl = unit_npl(uow, unit)["unit"]
    values[M.Indicator.NPL_RATIO.value] = Decimal(npl["npl_ratio"])
    targets = {
        t.indicator: Decimal(t.target)
        for t in uow.session.scalars(
            select(TargetRow).where(
                TargetRow.unit_id == unit.id, TargetRow.period_kind == kind.value
            )
        )
    }
    return {
        "unit_id": unit.id,
        "period": period.upper(),
        "period_kind": kind.value,
        "first": first,
        "last": last,
        "npl": npl,
        "measures": [
            {
                "indicator": code,
                "value": None if v is None else str(v),
                "target": M.plain(targets[code]) if code in targets else None,
                "met": M.target_met(code, v, targets[code]) if code in targets else None,
            }
            for code, v in values.items()
        ],
    }
