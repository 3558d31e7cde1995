"""The scenario catalogue: every scenario the `scf.scenarios` entry points install, with the
year it was enabled (the year a funder first published a live product for it), and how many
were enabled each year against the seed's target of new scenarios a year."""

from __future__ import annotations

from collections import Counter
from importlib.metadata import entry_points
from typing import Any

from scf.core.clock import ensure_utc
from scf.core.uow import UnitOfWork
from scf.financing import service as financing

ENTRY_POINT_GROUP = "scf.scenarios"
# Seed II: at least three new application scenarios on the platform every year.
NEW_PER_YEAR_TARGET = 3


def installed() -> list[tuple[str, Any]]:
    """(code, scenario) of every installed scenario, by code."""
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        found.append((ep.name, obj() if isinstance(obj, type) else obj))
    return sorted(found, key=lambda x: x[0])


def catalogue(uow: UnitOfWork) -> dict[str, Any]:
    """Each installed scenario with when it was enabled, and the count per year."""
    first: dict[str, Any] = {}
    funders: dict[str, set[str]] = {}
    for p in financing.list_products(uow):
        funders.setdefault(p.scenario, set()).add(p.funder_org_id)
        at = ensure_utc(p.created_at)
        if p.scenario not in first or at < first[p.scenario]:
            first[p.scenario] = at
    items = []
    for code, sc in installed():
        since = first.get(code)
        items.append(
            {
                "code": code,
                "title": sc.title,
                "asset_kind": sc.asset_kind,
                "registry_kind": sc.registry_kind,
                "enabled_on": since.date().isoformat() if since else None,
                "year": since.year if since else None,
                "funders": len(funders.get(code, ())),
            }
        )
    per_year = Counter(i["year"] for i in items if i["year"] is not None)
    return {
        "scenarios": items,
        "installed": len(items),
        "target_per_year": NEW_PER_YEAR_TARGET,
        "years": [
            {"year": y, "enabled": n, "target_met": n >= NEW_PER_YEAR_TARGET}
            for y, n in sorted(per_year.items())
        ],
    }
