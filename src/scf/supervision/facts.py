"""Financing facts: every financing booked on the platform, read from the rooms that book them.

The helpers every supervision use case needs live here too: the regulator's role check, the
optional financing room, and the period check.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from scf.certificates import service as certificates
from scf.core.actor import Actor
from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.model import FinancingFact


def require_regulator(uow: UnitOfWork) -> None:
    parties.require_role(uow.actor, "regulator")


@contextmanager
def as_platform(uow: UnitOfWork) -> Iterator[None]:
    """Read the rooms as the platform for a supervisor whose scope is narrower than the city's.

    The rooms know the city regulator and the operator only; a district regulator's, an
    association's or a department's view reads everything this way and keeps what its scope
    allows before anything leaves supervision (`scf.supervision.oversight`). Never used for a
    change: only the reads between entering and leaving run as the platform.
    """
    with uow.acting_as(Actor.system()):
        yield


def financing_room() -> Any | None:
    """The financing room's service, once it exists (it is optional for supervision)."""
    try:
        return importlib.import_module("scf.financing.service")
    except ImportError:
        return None


def check_period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """Refuse a period that ends before it starts."""
    if start and end and end < start:
        raise InvalidInput("the end is before the start", field="end")
    return start, end


def in_period(f: FinancingFact, start: date | None, end: date | None) -> bool:
    d = f.decided_on
    return (start is None or d >= start) and (end is None or d <= end)


def financing_facts(uow: UnitOfWork) -> list[FinancingFact]:
    """Every financing booked on the platform: certificate pieces sold to institutions, and
    the financing room's financings when that room offers `financing_records`. A reverse
    factoring applied for in the financing room also books a piece financing in the
    certificates room; the application stands for both (it knows the channel and the time
    of application), so that piece financing is not counted again."""
    call = getattr(financing_room(), "financing_records", None)
    room = call(uow) if call is not None else []
    counted = {r["certificate_financing_id"] for r in room if r.get("certificate_financing_id")}
    facts = [
        _certificate_fact(r) for r in certificates.financing_records(uow) if r["id"] not in counted
    ]
    facts += [_financing_fact(r) for r in room]
    return facts


def _certificate_fact(r: dict[str, Any]) -> FinancingFact:
    cert_status = r["certificate_status"]
    return FinancingFact(
        source="certificates",
        id=r["id"],
        borrower_org_id=r["seller_org_id"],
        funder_org_id=r["funder_org_id"],
        core_org_id=r["issuer_org_id"],
        scenario="reverse_factoring",
        amount=r["amount"],
        rate=r["rate"],
        status=r["status"],
        applied_at=r["created_at"],
        decided_at=r["decided_at"],
        green_channel=False,
        tier=r["tier"],
        overdue=cert_status == "overdue",
        defaulted=cert_status == "defaulted",
    )


def _financing_fact(r: dict[str, Any]) -> FinancingFact:
    amount = r["amount"]
    return FinancingFact(
        source="financing",
        id=str(r["id"]),
        borrower_org_id=r["borrower_org_id"],
        funder_org_id=r.get("funder_org_id") or "",
        core_org_id=r.get("core_org_id"),
        scenario=str(r.get("scenario") or "unknown"),
        amount=amount if isinstance(amount, Money) else Money.of(**amount),
        rate=Decimal(str(r["rate"])) if r.get("rate") is not None else None,
        status=str(r.get("status") or ""),
        applied_at=r["applied_at"],
        decided_at=r.get("decided_at"),
        green_channel=bool(r.get("green_channel")),
        tier=r.get("tier"),
        overdue=bool(r.get("overdue")),
        defaulted=bool(r.get("defaulted")),
        disbursed=bool(r["disbursed"]) if "disbursed" in r else None,
    )
