"""Non-performing-loan tolerance per unit and product, tracked live from the financing room's
overdue and default data, with alerts as a unit nears or passes it.

NPL ratio = outstanding of defaulted financings / outstanding of live financings (disbursed,
overdue, defaulted), in CNY. A product with no tolerance of its own takes the unit's; a unit
with none takes the default: the institution's overall ratio plus a margin, so that supply
chain finance is tolerated more than the institution's book, as the policy intends.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import InvalidInput
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.institutions import model as M
from scf.institutions.common import find_unit, own_unit, products_of, watches_all
from scf.institutions.tables import NplAlertRow, ToleranceRow, UnitRow
from scf.parties import service as parties

LIVE = ("disbursed", "overdue", "defaulted")
CURRENCY = "CNY"


def _book(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    live = overdue = defaulted = 0
    for r in records:
        out: Money = r["outstanding"]
        if r["status"] not in LIVE or out.currency != CURRENCY:
            continue
        live += out.minor
        if r["status"] == "overdue":
            overdue += out.minor
        if r["status"] == "defaulted":
            defaulted += out.minor
    return {"live": live, "overdue": overdue, "defaulted": defaulted}


def _line(key: str, book: dict[str, int], tolerated: Decimal, source: str) -> dict[str, Any]:
    npl = M.ratio(book["defaulted"], book["live"])
    return {
        "product_id": key or None,
        "live": Money(book["live"], CURRENCY).as_json(),
        "overdue": Money(book["overdue"], CURRENCY).as_json(),
        "defaulted": Money(book["defaulted"], CURRENCY).as_json(),
        "npl_ratio": str(npl),
        "tolerated": str(tolerated.quantize(M.SHARE)),
        "tolerance_source": source,
        "state": M.tolerance_state(npl, tolerated),
    }


def _tolerances(uow: UnitOfWork, unit_id: str) -> dict[str, Decimal]:
    rows = uow.session.scalars(select(ToleranceRow).where(ToleranceRow.unit_id == unit_id))
    return {r.product_key: Decimal(r.ratio) for r in rows}


def npl_view(uow: UnitOfWork, unit_id: str) -> dict[str, Any]:
    """The unit's NPL ratio against its tolerance, whole and per product, live."""
    unit = find_unit(uow, unit_id)
    return unit_npl(uow, unit)


def unit_npl(uow: UnitOfWork, unit: UnitRow) -> dict[str, Any]:
    records = financing.funded_records(uow, unit.org_id)
    overall_book = _book(records)
    overall = M.ratio(overall_book["defaulted"], overall_book["live"])
    products = products_of(uow, unit.id)
    mine = [r for r in records if r["product_id"] in products]
    set_ = _tolerances(uow, unit.id)
    unit_tol, unit_src = (
        (set_[""], "set") if "" in set_ else (M.default_tolerance(overall), "default")
    )
    lines = []
    for pid in products:
        tol, src = (set_[pid], "set") if pid in set_ else (unit_tol, "unit")
        lines.append(_line(pid, _book(r for r in mine if r["product_id"] == pid), tol, src))
    return {
        "unit_id": unit.id,
        "institution_npl_ratio": str(overall),
        "unit": _line("", _book(mine), unit_tol, unit_src),
        "products": lines,
    }


def set_tolerance(
    uow: UnitOfWork, unit_id: str, product_id: str | None, ratio: Decimal
) -> ToleranceRow:
    """Set the NPL ratio the unit tolerates (0 to 1) on one of its products, or on the unit."""
    unit = own_unit(uow, unit_id)
    M.check_ratio(ratio, "ratio")
    key = product_id or ""
    if key and key not in products_of(uow, unit.id):
        raise InvalidInput(f"{key} is no product of unit {unit.name}", field="product_id")
    row = uow.session.scalar(
        select(ToleranceRow).where(ToleranceRow.unit_id == unit.id, ToleranceRow.product_key == key)
    )
    before = None
    if row is None:
        row = ToleranceRow(id=new_id("tol"), unit_id=unit.id, product_key=key)
        uow.session.add(row)
    else:
        before = {"ratio": str(row.ratio)}
    row.ratio = ratio
    row.set_by = uow.actor.username
    row.set_at = uow.now()
    uow.flush()
    uow.audit(
        "institutions.tolerance.set",
        "unit",
        unit.id,
        before=before,
        after={"product_id": product_id, "ratio": str(ratio)},
    )
    uow.commit()
    return row


def npl_run(uow: UnitOfWork) -> list[NplAlertRow]:
    """Raise an alert for every unit or product near or past its tolerance (once per state),
    and resolve the alerts of those back within; the acting institution's units, or every
    unit for the operator and the platform."""
    actor = uow.actor
    if actor.is_system or actor.is_operator:
        units = list(uow.session.scalars(select(UnitRow).order_by(UnitRow.created_at)))
    else:
        parties.require_role(actor, "bank", "factoring_company", "local_financial_org")
        units = list(
            uow.session.scalars(
                select(UnitRow).where(UnitRow.org_id == actor.org_id).order_by(UnitRow.created_at)
            )
        )
    raised: list[NplAlertRow] = []
    for unit in units:
        view = unit_npl(uow, unit)
        for line in [view["unit"], *view["products"]]:
            alert = _follow(uow, unit, line)
            if alert is not None:
                raised.append(alert)
    uow.commit()
    return raised


def _follow(uow: UnitOfWork, unit: UnitRow, line: dict[str, Any]) -> NplAlertRow | None:
    key = line["product_id"] or ""
    open_ = list(
        uow.session.scalars(
            select(NplAlertRow).where(
                NplAlertRow.unit_id == unit.id,
                NplAlertRow.product_key == key,
                NplAlertRow.resolved_at.is_(None),
            )
        )
    )
    state = line["state"]
    for a in open_:
        if a.state != state:
            a.resolved_at = uow.now()
            uow.audit("institutions.npl_alert.resolved", "npl_alert", a.id, after={"state": state})
    if state == M.ToleranceState.WITHIN.value or any(a.state == state for a in open_):
        return None
    row = NplAlertRow(
        id=new_id("npa"),
        org_id=unit.org_id,
        unit_id=unit.id,
        product_key=key,
        state=state,
        evidence={
            "unit_id": unit.id,
            "unit": unit.name,
            "product_id": line["product_id"],
            "npl_ratio": line["npl_ratio"],
            "tolerated": line["tolerated"],
            "defaulted": line["defaulted"],
            "live": line["live"],
        },
        raised_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "institutions.npl_alert.raised",
        "npl_alert",
        row.id,
        after=npl_alert_dict(row),
        org_id=unit.org_id,
    )
    return row


def npl_alert_dict(row: NplAlertRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "org_id": row.org_id,
        "unit_id": row.unit_id,
        "product_id": row.product_key or None,
        "kind": f"npl_{row.state}",
        "severity": "high" if row.state == M.ToleranceState.OVER.value else "medium",
        "summary": (
            f"NPL ratio {row.evidence.get('npl_ratio')} against a tolerance of "
            f"{row.evidence.get('tolerated')} in unit {row.evidence.get('unit')}"
        ),
        "evidence": dict(row.evidence),
        "raised_at": row.raised_at,
        "resolved_at": row.resolved_at,
    }


def npl_alerts(uow: UnitOfWork) -> list[NplAlertRow]:
    """The institution's NPL alerts; every institution's for the platform's watchers."""
    stmt = select(NplAlertRow).order_by(NplAlertRow.raised_at.desc(), NplAlertRow.id)
    if not watches_all(uow):
        stmt = stmt.where(NplAlertRow.org_id == uow.actor.org_id)
    return list(uow.session.scalars(stmt))
