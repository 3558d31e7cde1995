"""Asset reservations: an accepted offer holds its asset for its institution until it registers.

Without them the conflict is found only at registration: every institution whose offer on
the same receivable was accepted meanwhile would hold a financing it can never register. An
acceptance reserves the asset's collateral keys; the reservation holds until the funder
registers, the application is cancelled, or `reservation_hours` pass. A new application on
a reserved asset is refused (`asset_reserved`, naming the reservation), and so is a second
acceptance: the unique `held_key` lets only one live reservation per asset exist, so
concurrent acceptances leave exactly one, whatever their timing.

Shares of goods pledged by quantity are not reserved: several pledges of one receipt may
coexist, and the registry's quantity check decides between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scf.core.errors import Conflict
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing.config import get_financing_settings
from scf.financing.tables import AssetReservationRow, FinancingApplicationRow, FinancingOfferRow
from scf.parties import service as parties

REGISTERED, EXPIRED, CANCELLED = "registered", "expired", "cancelled"


def asset_keys(collateral: Iterable[Mapping[str, Any]]) -> list[str]:
    """The keys of the collateral an acceptance reserves: `kind:identifier`, whole assets only."""
    keys = {f"{c['kind']}:{c['identifier']}" for c in collateral if c.get("quantity") in (None, "")}
    return sorted(keys)


def live_reservations(
    uow: UnitOfWork, keys: Iterable[str], *, other_than: str | None = None
) -> list[AssetReservationRow]:
    """The reservations holding any of the keys now, oldest first (expired ones do not hold)."""
    keys = list(keys)
    if not keys:
        return []
    stmt = select(AssetReservationRow).where(
        AssetReservationRow.held_key.in_(keys), AssetReservationRow.until > uow.now()
    )
    if other_than is not None:
        stmt = stmt.where(AssetReservationRow.application_id != other_than)
    return list(uow.session.scalars(stmt.order_by(AssetReservationRow.reserved_at)))


def reservation_dict(uow: UnitOfWork, row: AssetReservationRow) -> dict[str, Any]:
    funder = parties.find_organization(uow, row.funder_org_id)
    return {
        "id": row.id,
        "asset": row.asset_key,
        "funder_org_id": row.funder_org_id,
        "funder": funder.name,
        "offer_id": row.offer_id,
        "application_id": row.application_id,
        "reserved_at": row.reserved_at.isoformat(),
        "until": row.until.isoformat(),
    }


def reserved_refusal(uow: UnitOfWork, row: AssetReservationRow) -> Conflict:
    """The refusal naming the reservation: whose accepted offer holds the asset, until when."""
    named = reservation_dict(uow, row)
    return Conflict(
        f"the asset is reserved for {named['funder']} by its accepted offer {row.offer_id} "
        f"(application {row.application_id}) until {named['until']}",
        code="asset_reserved",
        details={"reservation": named},
    )


def refuse_if_reserved(uow: UnitOfWork, keys: Iterable[str], *, other_than: str | None) -> None:
    held = live_reservations(uow, keys, other_than=other_than)
    if held:
        raise reserved_refusal(uow, held[0])


def _release(uow: UnitOfWork, rows: Iterable[AssetReservationRow], because: str) -> int:
    now, count = uow.now(), 0
    for row in rows:
        row.held_key = None
        row.released_at = min(now, row.until) if because == EXPIRED else now
        row.released_because = because
        uow.audit(
            "financing.asset.released",
            "financing_application",
            row.application_id,
            after={"reservation": row.id, "asset": row.asset_key, "because": because},
            org_id=row.applicant_org_id,
        )
        count += 1
    uow.flush()
    return count


def _expired(uow: UnitOfWork, keys: list[str] | None = None) -> list[AssetReservationRow]:
    stmt = select(AssetReservationRow).where(
        AssetReservationRow.held_key.is_not(None), AssetReservationRow.until <= uow.now()
    )
    if keys is not None:
        stmt = stmt.where(AssetReservationRow.held_key.in_(keys))
    return list(uow.session.scalars(stmt))


def reserve(
    uow: UnitOfWork, app: FinancingApplicationRow, offer: FinancingOfferRow
) -> list[AssetReservationRow]:
    """Reserve the application's asset for the offer's institution, or refuse naming the
    reservation that already holds it (also when a concurrent acceptance won the race)."""
    keys = asset_keys(app.collateral)
    if not keys:
        return []
    refuse_if_reserved(uow, keys, other_than=app.id)
    _release(uow, _expired(uow, keys), EXPIRED)
    now = uow.now()
    until = now + timedelta(hours=get_financing_settings().reservation_hours)
    rows = [
        AssetReservationRow(
            id=new_id("fres"),
            asset_key=k,
            held_key=k,
            application_id=app.id,
            offer_id=offer.id,
            funder_org_id=offer.funder_org_id,
            applicant_org_id=app.applicant_org_id,
            reserved_at=now,
            until=until,
        )
        for k in keys
    ]
    try:
        with uow.session.begin_nested():
            uow.session.add_all(rows)
    except IntegrityError:
        # A concurrent acceptance reserved the asset first (on PostgreSQL this insert waited
        # for its commit): name its reservation.
        refuse_if_reserved(uow, keys, other_than=app.id)
        raise Conflict(
            "the asset was reserved by a concurrent acceptance; reload and try again",
            code="asset_reserved",
        ) from None
    uow.audit(
        "financing.asset.reserved",
        "financing_application",
        app.id,
        after={"offer_id": offer.id, "funder_org_id": offer.funder_org_id, "assets": keys},
        org_id=app.applicant_org_id,
    )
    return rows


def release_reservation(uow: UnitOfWork, app: FinancingApplicationRow, because: str) -> int:
    """Release what the application holds (registered or cancelled); return how many keys."""
    rows = uow.session.scalars(
        select(AssetReservationRow).where(
            AssetReservationRow.application_id == app.id,
            AssetReservationRow.held_key.is_not(None),
        )
    )
    return _release(uow, list(rows), because)


def release_expired_reservations(uow: UnitOfWork) -> int:
    """Release every reservation whose time ran out (the nightly run); return how many."""
    return _release(uow, _expired(uow), EXPIRED)


def reservations_of(uow: UnitOfWork, app_id: str) -> list[dict[str, Any]]:
    """The application's reservations, live and released, oldest first."""
    rows = uow.session.scalars(
        select(AssetReservationRow)
        .where(AssetReservationRow.application_id == app_id)
        .order_by(AssetReservationRow.reserved_at, AssetReservationRow.asset_key)
    )
    return [
        {
            **reservation_dict(uow, r),
            "held": r.held_key is not None and r.until > uow.now(),
            "released_at": r.released_at.isoformat() if r.released_at else None,
            "released_because": r.released_because,
        }
        for r in rows
    ]
