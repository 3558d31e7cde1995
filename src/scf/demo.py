"""The demo: the simulator's small Shenzhen set, loaded through the platform's own services.

Its twelve months end on the day it is loaded (`as_of`, by default the platform clock's
today), so that open receivables fall due in the coming weeks and months, certificates
mature in the future and the regulator's trend covers the last twelve months."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.errors import InvalidInput
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.parties.tables import OrganizationRow, UserRow
from scf.platform import Platform
from scf.web.sample_parks import load_parks

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
    load_parks(platform, DEMO_PASSWORD)
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


# Which of an enterprise's assets each scenario the pages offer finances (a bid in an open
# early-payment programme and a bill held are on its `/sme/discounting` page, a confirmed
# marketplace payout on `/scenarios/payouts`, a valued intellectual property right on
# `/scenarios/ip`).
SCENARIO_ASSETS = {
    "receivables_factoring": "receivable",
    "credit_insurance": "insured_receivable",
    "reverse_factoring": "piece",
    "purchase_order": "order",
    "warehouse_pledge": "receipt",
    "dynamic_discounting": "bid",
    "bill_discounting": "bill",
    "cross_border_payout": "payout",
    "ip_pledge": "ip_right",
}
ENTERPRISE_ROLES = ("supplier", "distributor")


def asset_kinds(platform: Platform, org_id: str, roles: tuple[str, ...]) -> set[str]:
    """The kinds of asset (`SCENARIO_ASSETS`) the enterprise could finance from its page today:
    receivables not yet due with confirmed value unused (insured ones where a policy covers
    the debtor), certificate pieces, orders its buyers filed, goods with a free quantity,
    receivables it may bid in a buyer's open early-payment programme, bills it holds,
    marketplace payouts confirmed, not financed nor due, with a fresh rate to convert them, and
    intellectual property valued recently and not pledged."""
    from scf.certificates import service as certificates
    from scf.financing import service as financing
    from scf.registry import service as registry
    from scf.trade import service as trade

    kinds: set[str] = set()
    with platform.uow(Actor(None, org_id, frozenset(roles), "demo")) as uow:
        today = uow.today()
        rcvs, _ = trade.list_receivables(uow, limit=200)
        open_to = {
            r.debtor_org_id
            for r in rcvs
            if r.seller_org_id == org_id and r.due_date > today and r.unused_confirmed.is_positive()
        }
        insured = {
            p.debtor_org_id for p in financing.list_policies(uow) if p.insured_org_id == org_id
        }
        kinds |= {"receivable"} if open_to else set()
        kinds |= {"insured_receivable"} if open_to & insured else set()
        kinds |= {"piece"} if certificates.list_pieces(uow) else set()
        kinds |= {"order"} if trade.confirmed_orders(uow, limit=1) else set()
        free = any(Decimal(g["free"]) > 0 for g in registry.goods_held(uow, unpledged=True))
        kinds |= {"receipt"} if free else set()
        biddable = any(p["eligible"] for p in financing.supplier_programs(uow))
        kinds |= {"bid"} if biddable else set()
        held = any(
            b.holder_org_id == org_id and b.due_on > today for b in financing.list_bills(uow)
        )
        kinds |= {"bill"} if held else set()
        kinds |= {"payout"} if _payout_to_advance(uow, org_id) else set()
        kinds |= {"ip_right"} if _right_to_pledge(uow, org_id) else set()
    return kinds


def _payout_to_advance(uow: UnitOfWork, org_id: str) -> bool:
    """A confirmed payout of the seller, not yet due, that the financing room would convert."""
    from scf.scenarios import service as scn

    for p in scn.list_payouts(uow, status="confirmed"):
        if p.seller_org_id != org_id or p.due_on <= uow.today():
            continue
        try:
            scn.payout_for_financing(uow, p.id, org_id)
            scn.rate_for(uow, p.currency, "CNY")
        except InvalidInput:
            continue
        return True
    return False


def _right_to_pledge(uow: UnitOfWork, org_id: str) -> bool:
    """A right of the owner, valued within the valuation's validity and not pledged, and a
    supply-chain limit above zero to lend on it within."""
    from scf.risk import service as risk
    from scf.scenarios import service as scn

    limit = risk.limit_for(uow, org_id, commit=False)
    if limit is None or not limit.is_positive():
        return False
    for r in scn.list_ip(uow):
        if r.owner_org_id != org_id:
            continue
        try:
            scn.ip_for_financing(uow, r.id, org_id)
        except InvalidInput:
            continue
        return True
    return False


def _logins(platform: Platform, data: Any) -> None:
    """One admin login per role, on the first organization of that role; for suppliers and
    distributors the one with the most kinds of asset to finance, and further logins
    (`supplier.2`, ...) until every scenario the pages offer has assets under some login."""
    seen: set[str] = set()
    enterprises: dict[str, list[tuple[str, set[str]]]] = {r: [] for r in ENTERPRISE_ROLES}
    wanted = set(SCENARIO_ASSETS.values())
    covered: set[str] = set()
    for o in data.generator.orgs.values():
        role = o.roles[0]
        if role in seen or (role in enterprises and enterprises[role] and covered >= wanted):
            continue  # enough enterprises looked at: every kind of asset has been found
        with platform.uow(Actor.system()) as uow:
            row = parties.find_by_uscc(uow, o.uscc)
        if row is None:
            continue
        if role in enterprises:
            kinds = asset_kinds(platform, row.id, tuple(row.roles))
            enterprises[role].append((row.id, kinds))
            covered |= kinds
        else:
            _login(platform, row.id, role)
            seen.add(role)
    for role, found in enterprises.items():
        n = 1
        for org_id, kinds in sorted(found, key=lambda x: -len(x[1])):
            if n > 1 and not kinds & wanted:
                continue
            _login(platform, org_id, role if n == 1 else f"{role}.{n}")
            wanted -= kinds
            n += 1
            if not wanted:
                break


def _login(platform: Platform, org_id: str, username: str) -> None:
    with platform.uow(Actor.system()) as uow:
        if uow.session.scalar(select(UserRow.id).where(UserRow.username == username)):
            return
    with platform.uow(Actor.system()) as uow:
        parties.create_user(uow, org_id, username, DEMO_PASSWORD, is_admin=True)
