"""What the risk room reads from the other rooms, through their services.

Inputs come from the parties room, and from the trade, certificates and financing rooms when
those rooms offer what is read here; when not, the features stay missing (scored as unproven).
The room calls these adapters through this module (`rooms.platform_trade_graph(uow)`), so that
a test can stand in for another room by replacing one of them here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from scf.core.errors import NotFound
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk import graph as G

CREDIT = "credit"
PLATFORM_ROLES = ("regulator", "operator")
FUNDERS = ("bank", "factoring_company", "local_financial_org", "insurer", "guarantee_company")


def room_service(room: str) -> Any | None:
    """Another room's service module, or None while that room does not exist."""
    try:
        return importlib.import_module(f"scf.{room}.service")
    except ImportError:
        return None


def org_or_404(uow: UnitOfWork, org_id: str) -> Any:
    """The enterprise's organization row, or a 404 that names the enterprise."""
    try:
        return parties.find_organization(uow, org_id)
    except NotFound:
        raise NotFound(f"enterprise {org_id} not found", code="enterprise_not_found") from None


def _fill(cls: type[Any], data: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names and v is not None})


def trade_inputs_from_trade_room(uow: UnitOfWork, org_id: str) -> F.TradeInputs | None:
    """Fill `TradeInputs` from `scf.trade.service.trade_features(uow, org_id) -> dict`.

    The dict's keys are the field names of `TradeInputs`; keys it lacks stay missing. (The
    trade room's older `trade_summary` is a report with other keys and string ratios, so it is
    not read here.) Returns None while the trade room provides no `trade_features`.
    """
    trade = room_service("trade")
    summary = getattr(trade, "trade_features", None)
    if summary is None:
        return None
    data = summary(uow, org_id)
    return _fill(F.TradeInputs, data) if data else None


def financing_inputs_from_rooms(uow: UnitOfWork, org_id: str) -> F.FinancingInputs | None:
    """Fill `FinancingInputs` from `financing_summary(uow, org_id) -> dict` of the financing
    room and `certificate_summary(uow, org_id) -> dict` of the certificates room, where present."""
    data: dict[str, Any] = {}
    for room, fn in (("financing", "financing_summary"), ("certificates", "certificate_summary")):
        call = getattr(room_service(room), fn, None)
        if call is not None:
            data.update(call(uow, org_id) or {})
    return _fill(F.FinancingInputs, data) if data else None


def exposed_institutions(uow: UnitOfWork, org_id: str) -> list[str]:
    """The institutions with exposure to the enterprise (an alert's audience)."""
    call = getattr(room_service("financing"), "exposed_institutions", None)
    return sorted(call(uow, org_id)) if call is not None else []


@dataclass
class PlatformGraph:
    edges: G.EdgeList
    nodes: G.NodeIndex


def platform_trade_graph(uow: UnitOfWork) -> PlatformGraph:
    """Build the trade edge list from `scf.trade.service.trade_edges(uow)`.

    Each item is (seller_org_id, buyer_org_id, Money, date) of an invoice or payment; goods
    flow seller -> buyer. Empty until the trade room provides `trade_edges`.
    """
    nodes = G.NodeIndex()
    src: list[int] = []
    dst: list[int] = []
    amt: list[int] = []
    day: list[int] = []
    call = getattr(room_service("trade"), "trade_edges", None)
    for seller, buyer, money, on in call(uow) if call is not None else []:
        src.append(nodes(seller))
        dst.append(nodes(buyer))
        amt.append(money.minor)
        day.append(on.toordinal())
    return PlatformGraph(G.EdgeList.of(src, dst, amt, day, len(nodes)), nodes)
