"""Warehouse goods and the empty-pledge guard.

A warehouse confirms the goods it holds (quantity, grade, location, lot and receipts) for a
holder; a pledge of warehouse receipts or inventory may draw only on confirmed goods of the
grantor, and never more than is confirmed and not yet pledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core.commodities import commodity_key, fold, lot_core, same_grade
from scf.core.errors import Conflict, ErrorCollector, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.registry.agency import org_or_invalid
from scf.registry.log import append, lock_state
from scf.registry.model import (
    GOODS_KINDS,
    CollateralKey,
    CollateralKind,
    CollateralRef,
    Operation,
    collateral_key,
    keys_into,
    quantity_units,
    units_to_decimal,
)
from scf.registry.tables import CollateralRow, GoodsReceiptRow, GoodsRow, RegistrationRow

# What a pledge draws per collateral: the goods and units, or (None, None) for other kinds.
Draw = tuple[str | None, int | None]


def _goods_for(uow: UnitOfWork, key: CollateralKey) -> GoodsRow | None:
    if key.kind == CollateralKind.WAREHOUSE_RECEIPT:
        return uow.session.scalar(
            select(GoodsRow)
            .join(GoodsReceiptRow, GoodsReceiptRow.goods_id == GoodsRow.id)
            .where(GoodsReceiptRow.receipt_key == key.key, GoodsRow.status == "held")
        )
    if key.kind == CollateralKind.INVENTORY:
        return uow.session.scalar(
            select(GoodsRow).where(GoodsRow.lot_key == key.key, GoodsRow.status == "held")
        )
    return None


def pledged_units(uow: UnitOfWork, goods_id: str, exclude_registration: str | None = None) -> int:
    """Quantity (thousandths) of the goods under live registrations."""
    stmt = (
        select(func.coalesce(func.sum(CollateralRow.quantity_units), 0))
        .join(RegistrationRow, RegistrationRow.id == CollateralRow.registration_id)
        .where(
            CollateralRow.goods_id == goods_id,
            CollateralRow.removed_seq.is_(None),
            RegistrationRow.cancelled_at.is_(None),
            RegistrationRow.expires_at > uow.now(),
        )
    )
    if exclude_registration is not None:
        stmt = stmt.where(RegistrationRow.id != exclude_registration)
    return int(uow.session.scalar(stmt) or 0)


def pledge_capacity_in(
    uow: UnitOfWork,
    ref: CollateralRef,
    *,
    grantor_org_ids: Sequence[str] = (),
    exclude_registration: str | None = None,
    field_name: str = "collateral",
) -> tuple[GoodsRow, int]:
    """Check the empty-pledge guard for goods; return the goods and the units to pledge.

    Joins the caller's unit of work and reads under the log lock when called from a
    filing, so two pledges of the same goods can't both pass. Refuses goods no warehouse
    confirmed (empty pledge), goods held for someone else, and any quantity beyond what is
    confirmed and not yet pledged, counting every receipt and warehouse on the same lot.
    """
    key = collateral_key(ref, field_name)
    if key.kind not in GOODS_KINDS:
        raise InvalidInput(
            "only warehouse receipts and inventory are goods", field=f"{field_name}.kind"
        )
    goods = _goods_for(uow, key)
    if goods is None:
        raise Conflict(
            f"no warehouse has confirmed goods for {key.identifier}: a pledge needs the "
            "warehouse's confirmation of quantity, grade and location",
            code="empty_pledge",
            details={"collateral": key.identifier},
        )
    if grantor_org_ids and goods.holder_org_id not in grantor_org_ids:
        raise Conflict(
            f"the goods behind {key.identifier} are held for another organization, not the grantor",
            code="not_goods_holder",
        )
    units = (
        quantity_units(ref.quantity, f"{field_name}.quantity")
        if ref.quantity is not None
        else goods.quantity_units
    )
    used = pledged_units(uow, goods.id, exclude_registration)
    if used + units > goods.quantity_units:
        free = goods.quantity_units - used
        raise Conflict(
            f"only {units_to_decimal(max(free, 0))} {goods.unit} of {goods.commodity} "
            f"(lot {goods.lot}) at the warehouse is free to pledge; {units_to_decimal(units)} "
            "asked",
            code="over_pledged",
            details={
                "goods_id": goods.id,
                "confirmed": str(units_to_decimal(goods.quantity_units)),
                "pledged": str(units_to_decimal(used)),
            },
        )
    return goods, units


def goods_draws(
    uow: UnitOfWork,
    refs: Sequence[CollateralRef],
    keys: Sequence[CollateralKey],
    grantor_org_ids: list[str],
    field_name: str,
    *,
    refuse_other_quantities: bool = True,
) -> list[Draw]:
    """The empty-pledge guard under the log lock: goods and units drawn per collateral.

    With `refuse_other_quantities` a quantity on collateral that is not goods is refused.
    """
    draws: list[Draw] = []
    for i, (ref, key) in enumerate(zip(refs, keys, strict=True)):
        if key.kind in GOODS_KINDS:
            goods, units = pledge_capacity_in(
                uow, ref, grantor_org_ids=grantor_org_ids, field_name=f"{field_name}[{i}]"
            )
            draws.append((goods.id, units))
        else:
            if refuse_other_quantities and ref.quantity is not None:
                raise InvalidInput(
                    "a quantity applies only to warehouse receipts and inventory",
                    field=f"{field_name}[{i}].quantity",
                )
            draws.append((None, None))
    return draws


@dataclass
class GoodsInput:
    holder_org_id: str
    commodity: str
    grade: str
    location: str
    quantity: str
    unit: str
    lot: str
    receipt_nos: list[str] = field(default_factory=list)


def confirm_goods(uow: UnitOfWork, data: GoodsInput) -> GoodsRow:
    """The acting warehouse confirms it holds goods (quantity, grade, location) for a holder.

    A lot of goods can sit in one warehouse only: a second confirmation of the same
    commodity lot, by any warehouse, is refused until the first is released (the Qingdao
    case: the same metal receipted by several warehouses).
    """
    actor = uow.actor
    if not (actor.is_system or actor.has("warehouse")) or actor.org_id is None:
        raise PermissionDenied("only a warehouse confirms goods", code="not_warehouse")
    errs = ErrorCollector()
    units = _check_goods(uow, data, errs)
    warehouse = parties.find_organization(uow, actor.org_id)
    receipt_keys = _receipt_keys(warehouse.uscc, data.receipt_nos, errs)
    errs.raise_if_any("the goods confirmation was refused")
    lot_key = collateral_key(
        CollateralRef(CollateralKind.INVENTORY, f"{data.commodity}/{data.lot}"), "lot"
    ).key
    state = lock_state(uow)
    _refuse_taken(uow, data, lot_key, receipt_keys)
    row = GoodsRow(
        id=new_id("gds"),
        warehouse_org_id=warehouse.id,
        warehouse_uscc=warehouse.uscc,
        holder_org_id=data.holder_org_id,
        commodity=data.commodity.strip(),
        grade=data.grade.strip(),
        location=data.location.strip(),
        unit=data.unit.strip(),
        quantity_units=units,
        lot_key=lot_key,
        lot=data.lot.strip(),
        status="held",
        confirmed_at=state.at,
        seq=state.size + 1,
    )
    uow.session.add(row)
    uow.flush()
    for key in receipt_keys:
        uow.session.add(GoodsReceiptRow(goods_id=row.id, receipt_key=key))
    record = {
        "goods": row.id,
        "warehouse": {"org_id": warehouse.id, "uscc": warehouse.uscc, "name": warehouse.name},
        "holder_org_id": row.holder_org_id,
        "commodity": row.commodity,
        "grade": row.grade,
        "location": row.location,
        "quantity": str(units_to_decimal(units)),
        "unit": row.unit,
        "lot": row.lot,
        "receipts": receipt_keys,
    }
    append(uow, state, Operation.GOODS_CONFIRMED, None, record)
    uow.flush()
    uow.audit("registry.goods_confirmed", "goods", row.id, after=record)
    uow.commit()
    return row


def _check_goods(uow: UnitOfWork, data: GoodsInput, errs: ErrorCollector) -> int:
    """Collect the field errors of a confirmation; return the quantity in units."""
    units = 0
    try:
        units = quantity_units(data.quantity)
    except InvalidInput as exc:
        errs.add("quantity", exc.message)
    for name in ("commodity", "grade", "location", "unit", "lot"):
        value = getattr(data, name).strip()
        if not value:
            errs.add(name, "required")
        elif len(value) > 120:
            errs.add(name, "at most 120 characters")
    try:
        org_or_invalid(uow, data.holder_org_id, "holder_org_id")
    except InvalidInput as exc:
        errs.add("holder_org_id", exc.message)
    return units


def _receipt_keys(warehouse_uscc: str, receipt_nos: list[str], errs: ErrorCollector) -> list[str]:
    """The collateral keys of the warehouse's receipt numbers; refusals go to `errs`."""
    refs = [
        CollateralRef(CollateralKind.WAREHOUSE_RECEIPT, f"{warehouse_uscc}/{no}")
        for no in receipt_nos
    ]
    keys = [k.key for k in keys_into(refs, "receipt_nos", errs)]
    if len(set(keys)) != len(keys):
        errs.add("receipt_nos", "a receipt number is listed twice")
    return keys


def _refuse_taken(uow: UnitOfWork, data: GoodsInput, lot_key: str, receipt_keys: list[str]) -> None:
    """Refuse a lot already held in a warehouse, or a receipt already issued (log lock held)."""
    held = uow.session.scalar(
        select(GoodsRow).where(GoodsRow.lot_key == lot_key, GoodsRow.status == "held")
    )
    if held is not None:
        raise Conflict(
            f"lot {data.lot} of {data.commodity} is already confirmed by warehouse "
            f"{held.warehouse_uscc}; it must be released there first",
            code="goods_already_confirmed",
            details={"goods_id": held.id if held.warehouse_org_id == uow.actor.org_id else None},
        )
    twin = same_goods_held(uow, data)
    if twin is not None:
        raise Conflict(
            f"{data.quantity} {data.unit} of {data.commodity} (lot {data.lot}) for this holder "
            f"look like the goods warehouse {twin.warehouse_uscc} already confirmed: "
            f"{units_to_decimal(twin.quantity_units)} {twin.unit} of {twin.commodity} "
            f"({twin.grade}), lot {twin.lot}, held since {twin.confirmed_at.date()}; "
            "it must be released there first",
            code="goods_already_confirmed",
            details={
                "goods_id": twin.id if twin.warehouse_org_id == uow.actor.org_id else None,
                "warehouse": twin.warehouse_uscc,
                "commodity": twin.commodity,
                "lot": twin.lot,
                "matched_as": commodity_key(twin.commodity),
            },
        )
    if receipt_keys:
        taken = uow.session.scalar(
            select(GoodsReceiptRow.receipt_key).where(GoodsReceiptRow.receipt_key.in_(receipt_keys))
        )
        if taken:
            raise Conflict(f"receipt {taken} was already issued", code="receipt_exists")


def same_goods_held(uow: UnitOfWork, data: GoodsInput) -> GoodsRow | None:
    """Goods still held for the same holder, in any warehouse, that are these goods under
    another name: the same commodity in the vocabulary (synonyms, trade names, grades as
    names, HS codes), a grade that may be the same, the same unit, and the same lot number
    but for its letters and separators ("LOT0123" and "0123-A"). Lots of equal quantity but
    other numbers are not taken for the same goods: standard lot sizes are common."""
    key, core = commodity_key(data.commodity), lot_core(data.lot)
    if not core:
        return None
    for held in uow.session.scalars(
        select(GoodsRow).where(
            GoodsRow.holder_org_id == data.holder_org_id, GoodsRow.status == "held"
        )
    ):
        if commodity_key(held.commodity) != key or fold(held.unit) != fold(data.unit):
            continue
        if same_grade(held.grade, data.grade) and lot_core(held.lot) == core:
            return held
    return None


def release_goods(uow: UnitOfWork, goods_id: str) -> GoodsRow:
    """The warehouse releases goods (delivered out); refused while a live pledge is on them."""
    row = _goods_visible(uow, goods_id)
    if row.warehouse_org_id != uow.actor.org_id and not uow.actor.is_system:
        raise PermissionDenied("only the confirming warehouse releases goods", code="not_warehouse")
    if row.status != "held":
        raise Conflict("the goods are already released", code="goods_released")
    used = pledged_units(uow, row.id)
    if used:
        raise Conflict(
            f"{units_to_decimal(used)} {row.unit} of the goods are under live pledges; the "
            "secured parties must cancel first",
            code="goods_pledged",
        )
    state = lock_state(uow)
    row.status = "released"
    row.released_at = state.at
    append(uow, state, Operation.GOODS_RELEASED, None, {"goods": row.id})
    uow.flush()
    uow.audit(
        "registry.goods_released",
        "goods",
        row.id,
        before={"status": "held"},
        after={"status": "released"},
    )
    uow.commit()
    return row


def _goods_visible(uow: UnitOfWork, goods_id: str) -> GoodsRow:
    row = uow.session.get(GoodsRow, goods_id)
    actor = uow.actor
    if row is None or not (
        actor.is_system
        or actor.is_regulator
        or actor.org_id in (row.warehouse_org_id, row.holder_org_id)
    ):
        raise NotFound(f"goods {goods_id} not found")
    return row


def goods_held(uow: UnitOfWork, *, unpledged: bool = False) -> list[dict[str, Any]]:
    """The goods warehouses hold for the caller, each with its receipts and what is free;
    with `unpledged`, only goods nothing is pledged on (what a new pledge can take)."""
    ids = uow.session.scalars(
        select(GoodsRow.id)
        .where(GoodsRow.holder_org_id == uow.actor.org_id, GoodsRow.status == "held")
        .order_by(GoodsRow.seq)
    )
    out = [goods_dict(uow, i) for i in ids]
    return [g for g in out if Decimal(g["pledged"]) == 0] if unpledged else out


def goods_dict(uow: UnitOfWork, goods_id: str) -> dict[str, Any]:
    """Confirmed goods with what is pledged on them (warehouse, holder and regulator only)."""
    row = _goods_visible(uow, goods_id)
    receipts = list(
        uow.session.scalars(
            select(GoodsReceiptRow.receipt_key).where(GoodsReceiptRow.goods_id == row.id)
        )
    )
    used = pledged_units(uow, row.id)
    return {
        "id": row.id,
        "warehouse_org_id": row.warehouse_org_id,
        "warehouse_uscc": row.warehouse_uscc,
        "holder_org_id": row.holder_org_id,
        "commodity": row.commodity,
        "grade": row.grade,
        "location": row.location,
        "lot": row.lot,
        "unit": row.unit,
        "quantity": str(units_to_decimal(row.quantity_units)),
        "pledged": str(units_to_decimal(used)),
        "free": str(units_to_decimal(row.quantity_units - used)),
        "receipts": receipts,
        "status": row.status,
        "confirmed_at": row.confirmed_at.isoformat(),
        "seq": row.seq,
    }
