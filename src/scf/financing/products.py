"""Funders' products: a scenario, a currency, a ceiling and the rate groups it prices by."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import InvalidInput
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing.common import FUNDERS, acting_org, add_audited
from scf.financing.config import get_financing_settings
from scf.financing.scenario import get_scenario, scenarios
from scf.financing.tables import FunderProductRow
from scf.parties import service as parties


def product_dict(row: FunderProductRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "funder_org_id": row.funder_org_id,
        "scenario": row.scenario,
        "name": row.name,
        "base_rate": str(row.base_rate),
        "rate_groups": row.rate_groups,
        "max_amount": Money(row.max_amount_minor, row.currency).as_json(),
        "fee": Money(row.fee_minor, row.currency).as_json(),
        "exclusive_chains": row.exclusive_chains,
        "offer_validity_hours": row.offer_validity_hours,
        "active": row.active,
    }


def create_product(
    uow: UnitOfWork,
    *,
    scenario: str,
    name: str,
    base_rate: Decimal,
    max_amount: Money,
    rate_groups: list[dict[str, Any]],
    fee: Money | None = None,
    exclusive_chains: Iterable[str] = (),
    offer_validity_hours: int | None = None,
) -> FunderProductRow:
    """A white-listed funder publishes a product for a scenario with its own rate groups."""
    funder = acting_org(uow, FUNDERS, "a product is offered by an institution")
    parties.require_licensed_funder(uow, funder)
    sc = get_scenario(scenario)
    if sc.self_funded:
        raise InvalidInput(f"{scenario} is funded by the buyer itself", field="scenario")
    groups = [M.RateGroup.parse(g, f"rate_groups[{i}]") for i, g in enumerate(rate_groups)]
    if not max_amount.is_positive():
        raise InvalidInput("must be above zero", field="max_amount")
    if fee is not None and fee.currency != max_amount.currency:
        raise InvalidInput("the fee is in another currency", field="fee")
    if not name.strip():
        raise InvalidInput("a product needs a name", field="name")
    hours = offer_validity_hours or get_financing_settings().offer_validity_hours
    if not 1 <= hours <= 720:
        raise InvalidInput("between 1 and 720 hours", field="offer_validity_hours")
    row = FunderProductRow(
        id=new_id("fpr"),
        funder_org_id=funder,
        scenario=sc.code,
        name=name.strip(),
        currency=max_amount.currency,
        base_rate=base_rate,
        rate_groups=[g.as_dict() for g in groups],
        max_amount_minor=max_amount.minor,
        fee_minor=fee.minor if fee else 0,
        exclusive_chains=sorted(set(exclusive_chains)),
        offer_validity_hours=hours,
        active=True,
        created_at=uow.now(),
    )
    add_audited(uow, row, "financing.product.created", ("financing_product", row.id), product_dict)
    uow.commit()
    return row


def list_products(uow: UnitOfWork, scenario: str | None = None) -> list[FunderProductRow]:
    stmt = select(FunderProductRow).where(FunderProductRow.active.is_(True))
    if scenario:
        stmt = stmt.where(FunderProductRow.scenario == scenario)
    return list(uow.session.scalars(stmt.order_by(FunderProductRow.created_at)))


def scenario_codes() -> list[str]:
    """The codes of every scenario the platform knows (parks enable them for their members)."""
    return sorted(scenarios())


def scenario_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(code, title) of the scenarios the caller may apply for and some funder offers."""
    offered = {p.scenario for p in list_products(uow)}
    roles = set(uow.actor.roles)
    return [
        (code, sc.title)
        for code, sc in sorted(scenarios().items())
        if code in offered and not sc.self_funded and roles & sc.applicant_roles
    ]


def product_for(uow: UnitOfWork, funder: str, scenario: str, currency: str) -> FunderProductRow:
    """Return the funder's newest active product for the scenario and currency, or refuse."""
    row = uow.session.scalar(
        select(FunderProductRow)
        .where(
            FunderProductRow.funder_org_id == funder,
            FunderProductRow.scenario == scenario,
            FunderProductRow.currency == currency,
            FunderProductRow.active.is_(True),
        )
        .order_by(FunderProductRow.created_at.desc())
    )
    if row is None:
        name = parties.find_organization(uow, funder).name
        raise InvalidInput(
            f"{name} offers no {scenario} product in {currency}",
            field="funder_org_ids",
            code="no_product",
        )
    return row
