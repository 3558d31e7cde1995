"""The demo: the simulator's small Shenzhen set, loaded through the platform's own services.

Its twelve months end on the day it is loaded (`as_of`, by default the platform clock's
today), so that open receivables fall due in the coming weeks and months, certificates
mature in the future and the regulator's trend covers the last twelve months."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.parties import service as parties
from scf.parties.tables import OrganizationRow, UserRow
from scf.platform import Platform

DEMO_PASSWORD = "demo-password-2024"
DEMO_SIZE = "small"
DEMO_SEED = 2024


def load_demo(
    platform: Platform,
    *,
    size: str = DEMO_SIZE,
    seed: int = DEMO_SEED,
    progress: bool = False,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Load the generated set once (idempotent) and return a summary with one login per role."""
    from scf.sim.generator import build
    from scf.sim.loader import load
    from scf.sim.model import Label

    as_of = as_of or platform.clock.today()
    data = build(size, seed, progress=progress, as_of=as_of)
    orgs = data.generator.orgs
    first = next(iter(orgs.values()))
    with platform.uow(Actor.system()) as uow:
        already = parties.find_by_uscc(uow, first.uscc) is not None
    report = None
    if not already:
        report = load(platform, data, progress=progress, closing=False)
    _logins(platform, data)
    injected = Counter(lb.kind for lb in data.of(Label))
    caught: Counter[str] = Counter()
    if report is not None:
        for o in report.observations:
            if o.flagged and o.subject in {
                lb.subject for lb in data.of(Label) if lb.kind == o.kind
            }:
                caught[o.kind] += 1
    with platform.uow(Actor.system()) as uow:
        n_orgs = uow.session.scalar(select(func.count()).select_from(OrganizationRow)) or 0
        users = list(uow.session.scalars(select(UserRow).order_by(UserRow.username)))
        by_id = parties.organizations_by_id(uow, [u.org_id for u in users])
    counts: dict[str, Any] = {"organizations": n_orgs, "users": len(users)}
    if report is not None:
        counts.update(report.counts)
        counts["financing_refusals"] = dict(sorted(report.refusals.items()))
    return {
        "size": size,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "loaded_now": report is not None,
        "load_seconds": round(report.seconds, 1) if report is not None else None,
        "load_phases_s": report.summary()["phases_s"] if report is not None else None,
        "counts": counts,
        "documents": data.generator.documents,
        "fraud": {
            k: {"injected": injected[k], "caught_at_the_door": caught.get(k)}
            for k in sorted(injected)
        },
        "note": "run `scf eval --size small --seed N` for every check's precision and recall",
        "password": DEMO_PASSWORD,
        "logins": [
            {
                "role": ",".join(by_id[u.org_id].roles),
                "username": u.username,
                "org": by_id[u.org_id].name,
            }
            for u in users
        ],
    }


def _logins(platform: Platform, data: Any) -> None:
    """One admin login per role, on the first organization of that role."""
    from scf.sim.loader import Loader  # noqa: F401  (keeps the import graph explicit)

    seen: set[str] = set()
    for o in data.generator.orgs.values():
        role = o.roles[0]
        if role in seen:
            continue
        with platform.uow(Actor.system()) as uow:
            row = parties.find_by_uscc(uow, o.uscc)
            if row is None:
                continue
            if uow.session.scalar(select(UserRow.id).where(UserRow.username == role)):
                seen.add(role)
                continue
        with platform.uow(Actor.system()) as uow:
            parties.create_user(uow, row.id, role, DEMO_PASSWORD, is_admin=True)
        seen.add(role)
