"""The service firms' pages: a warehouse confirms goods it holds for an enterprise (the
registry's guard against empty pledges); a warehouse or logistics firm files a delivery."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.errors import InvalidInput
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.registry import service as registry
from scf.trade import service as trade
from scf.web.common import Form, Pages

pages = Pages("warehouse", "logistics", home="/services")
router = pages.router


@pages.view("/services", "warehouse/home.html")
def services(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the goods and delivery forms."""
    orgs = parties.organizations_by_id(uow, {e.org_id for e in parties.list_entries(uow)})
    return {"is_warehouse": uow.actor.has("warehouse"), "today": uow.today(), "orgs": orgs}


@pages.command("/services/goods", roles=("warehouse",))
def services_goods(uow: UnitOfWork, form: Form) -> dict[str, str]:
    """Confirm goods held in the warehouse for the enterprise with this USCC."""
    holder = parties.find_by_uscc(uow, form.uscc("holder_uscc"))
    if holder is None:
        raise InvalidInput("no enterprise has this USCC", field="holder_uscc")
    row = registry.confirm_goods(
        uow,
        registry.GoodsInput(
            holder_org_id=holder.id,
            commodity=form.text("commodity"),
            grade=form.text("grade"),
            location=form.text("location"),
            quantity=form.text("quantity"),
            unit=form.text("unit"),
            lot=form.text("lot"),
            receipt_nos=[r for r in [form.optional("receipt_no")] if r],
        ),
    )
    return {"ok": f"saved {row.id}"}


@pages.command("/services/deliveries", roles=("logistics", "warehouse"))
def services_delivery(uow: UnitOfWork, form: Form) -> None:
    """File a delivery of one order line between two enterprises."""
    on = form.date("on_date")
    trade.record_shipments(
        uow,
        [
            trade.ShipmentInput(
                kind="delivery",
                number=form.text("number"),
                order_number=form.text("order_number"),
                seller_uscc=form.uscc("seller_uscc"),
                buyer_uscc=form.uscc("buyer_uscc"),
                on_date=on,
                lines=[trade.ShipmentLineInput(1, form.text("quantity"))],
            )
        ],
    )
