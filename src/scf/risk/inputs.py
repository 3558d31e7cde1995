"""Everything the features need about one enterprise, gathered from every room."""

from __future__ import annotations

from typing import Any

from scf.core.uow import UnitOfWork
from scf.risk import features as F
from scf.risk import rooms
from scf.risk.config import risk_settings
from scf.risk.derived import DerivedGraphs, derived_from, derived_graphs
from scf.risk.findings import shell_reasons_of
from scf.risk.rooms import PlatformGraph, org_or_404


def enterprise_inputs(
    uow: UnitOfWork, org_id: str, *, related: Any = None, pg: PlatformGraph | None = None
) -> F.EnterpriseInputs:
    """Gather everything the features need about one enterprise, from every room."""
    org = org_or_404(uow, org_id)
    if related is None and pg is None:
        d = derived_graphs(uow)
    else:
        d = derived_from(uow, related, pg, risk_settings())
    return inputs_of(uow, org, d)


def inputs_of(uow: UnitOfWork, org: Any, d: DerivedGraphs) -> F.EnterpriseInputs:
    """The inputs of an organization row the caller has already read, from derived graphs."""
    org_id = org.id
    graph = d.graph_inputs(org_id)
    graph.shell_indicators = len(
        shell_reasons_of(uow, org, d.shared.get(org_id, set()), graph.in_group_trade_share, d.pg)
    )
    return F.EnterpriseInputs(
        org_id=org_id,
        as_of=uow.today(),
        founded_on=org.founded_on,
        registered_capital_minor=org.registered_capital.minor,
        size_class=org.size_class,
        is_core="core_enterprise" in org.roles,
        key_chain=bool(org.chain_tags),
        trade=rooms.trade_inputs_from_trade_room(uow, org_id),
        financing=rooms.financing_inputs_from_rooms(uow, org_id),
        graph=graph,
    )
