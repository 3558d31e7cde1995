"""What the room hands its scenarios and checks: a command's Context, the platform's reads."""

from __future__ import annotations

from scf.core.actor import Actor
from scf.core.uow import UnitOfWork
from scf.financing.inbox import notify
from scf.financing.scenario import Context, joined
from scf.financing.warehouse import latest_price


def scenario_context(uow: UnitOfWork, applicant: str) -> Context:
    """Build the Context a scenario gets for this command and applicant."""
    return Context(
        uow=uow,
        applicant_org_id=applicant,
        notify=lambda org, kind, subject, body: notify(uow, org, kind, subject, body),
        commodity_price=lambda c: latest_price(uow, c),
    )


def platform_uow(uow: UnitOfWork) -> UnitOfWork:
    """The platform's own reads inside the command's transaction: the automatic checks look
    at the registry and the risk graph on the applicant's behalf, not with its rights."""
    return joined(uow, Actor.system())
