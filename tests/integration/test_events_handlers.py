"""The consumers' handlers on both backends: an entry handed twice takes effect once; the risk
consumer re-evaluates the enterprise an entry names; notifications reach the new holder."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.events import service as events
from scf.financing import service as financing
from scf.platform import Platform
from scf.risk import service as risk
from scf.supervision import service as supervision


def _entries(world: Any) -> list[AuditEntry]:
    p: Platform = world.platform
    supplier = world.orgs["supplier"]
    with p.uow(Actor.system()) as uow:
        uow.audit("invoice.filed", "invoice", "inv_1", after={"seller_org_id": supplier})
        uow.audit(
            "certificate.piece.transferred",
            "certificate",
            "crt_1",
            after={
                "id": "pc_9",
                "holder_org_id": supplier,
                "face": {"amount": "250.00", "currency": "CNY"},
            },
        )
        uow.commit()
    with p.uow(reading=True) as uow:
        return list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_each_consumer_takes_effect_once_however_often_it_is_handed_an_entry(world: Any) -> None:
    p: Platform = world.platform
    entries = [events.decode(events.encode(e)) for e in _entries(world)]  # as the stream has them
    supplier = world.orgs["supplier"]
    firsts = {
        name: events.handle_batch(p, name, handler, entries)
        for name, handler in events.CONSUMERS.items()
    }
    agains = {
        name: events.handle_batch(p, name, handler, [*entries, *entries])
        for name, handler in events.CONSUMERS.items()
    }
    assert set(firsts.values()) == {len(entries)} and set(agains.values()) == {0}

    regulator = Actor(None, None, frozenset({"regulator"}))
    with p.uow(regulator) as uow:
        got = supervision.event_counts(uow, date(2000, 1, 1), date(2200, 1, 1))
    by_action = {r["action"]: r["count"] for r in got}
    assert by_action == dict(Counter(e.action for e in entries))
    assert by_action["invoice.filed"] == 1 and by_action["certificate.piece.transferred"] == 1

    with p.uow(world.actors["supplier"]) as uow:
        messages = [m for m in financing.inbox(uow) if m.kind == "piece_received"]
    assert len(messages) == 1 and "pc_9" in messages[0].subject and messages[0].body == "250.00 CNY"

    with p.uow(Actor.system()) as uow:
        assert risk.stored_limit(uow, supplier) is not None  # the enterprise was re-evaluated
