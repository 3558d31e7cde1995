"""Reach: the lineage of pieces, how far credit travelled, and the risk room's read-only sums."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from scf.certificates.model import CertificateStatus, LineStatus, PieceOrigin, PieceStatus
from scf.certificates.pieces import require_full_view
from scf.certificates.tables import CertificateRow, CreditLineRow, PieceRow
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties


def lineage(uow: UnitOfWork, certificate_id: str) -> dict[str, Any]:
    """The tree of pieces back to issuance, each hop with its trade background."""
    cert = require_full_view(uow, certificate_id)
    pieces = list(
        uow.session.scalars(
            select(PieceRow).where(PieceRow.certificate_id == cert.id).order_by(PieceRow.id)
        )
    )
    children: dict[str | None, list[PieceRow]] = defaultdict(list)
    for p in pieces:
        children[p.parent_id].append(p)

    def node(p: PieceRow) -> dict[str, Any]:
        return {
            "piece_id": p.id,
            "holder_org_id": p.holder_org_id,
            "from_org_id": p.from_org_id,
            "face": p.face.as_json(),
            "tier": p.tier,
            "origin": p.origin,
            "status": p.status,
            "trade_background": {"receivable_id": p.receivable_id} if p.receivable_id else None,
            "registration_id": p.registration_id,
            "children": [node(c) for c in children[p.id]],
        }

    roots = children[None]
    return {
        "certificate_id": cert.id,
        "face": cert.face.as_json(),
        "deepest_tier": max((p.tier for p in pieces), default=0),
        "receivable_ids": list(cert.receivable_ids),
        "tree": node(roots[0]) if roots else None,
    }


def reach_figures(uow: UnitOfWork) -> dict[str, Any]:
    """How far credit travelled: per tier the amounts and enterprises reached, per certificate
    the deepest tier, and how much SMEs financed (for the regulator)."""
    parties.require_role(uow.actor, "regulator", "operator")
    s = uow.session
    certs = list(s.scalars(select(CertificateRow)))
    pieces = list(s.scalars(select(PieceRow)))
    orgs = parties.organizations_by_id(uow, {p.holder_org_id for p in pieces})
    tiers: dict[int, dict[str, Any]] = {}
    deepest: dict[str, int] = defaultdict(int)
    smes: set[str] = set()
    financed: dict[str, int] = defaultdict(int)
    for p in pieces:
        deepest[p.certificate_id] = max(deepest[p.certificate_id], p.tier)
        org = orgs.get(p.holder_org_id)
        if p.origin == PieceOrigin.FINANCE.value:
            financed[p.currency] += p.face_minor
            continue
        if p.origin not in (PieceOrigin.ISSUE.value, PieceOrigin.TRANSFER.value):
            continue
        t = tiers.setdefault(
            p.tier,
            {
                "tier": p.tier,
                "enterprises": set(),
                "smes": set(),
                "amounts": defaultdict(int),
                "hops": 0,
            },
        )
        t["enterprises"].add(p.holder_org_id)
        t["amounts"][p.currency] += p.face_minor
        t["hops"] += 1
        if org is not None and parties.is_sme(org):
            t["smes"].add(p.holder_org_id)
            smes.add(p.holder_org_id)
    issued: dict[str, int] = defaultdict(int)
    for c in certs:
        issued[c.currency] += c.face_minor

    def amounts(d: dict[str, int]) -> list[dict[str, Any]]:
        return [Money(v, k).as_json() for k, v in sorted(d.items())]

    return {
        "certificates": len(certs),
        "issued": amounts(issued),
        "max_tier": max(deepest.values(), default=0),
        "smes_reached": len(smes),
        "financed": amounts(financed),
        "tiers": [
            {
                "tier": t["tier"],
                "enterprises": len(t["enterprises"]),
                "smes": len(t["smes"]),
                "hops": t["hops"],
                "amounts": amounts(t["amounts"]),
            }
            for _, t in sorted(tiers.items())
        ],
        "deepest_tier_by_certificate": dict(sorted(deepest.items())),
    }


# ---------------------------------------------------------------- risk adapters (read-only)


def _certificate_summary_statement() -> Any:
    """The four sums of `certificate_summary` in one statement (one round trip), built once."""
    from sqlalchemy import case

    org = bindparam("org", type_=PieceRow.holder_org_id.type)
    d90 = bindparam("d90", type_=PieceRow.created_at.type)
    d180 = bindparam("d180", type_=PieceRow.created_at.type)
    now = bindparam("now", type_=PieceRow.created_at.type)
    received = (
        PieceRow.holder_org_id == org,
        PieceRow.currency == "CNY",
        PieceRow.origin.in_((PieceOrigin.ISSUE.value, PieceOrigin.TRANSFER.value)),
        PieceRow.created_at > d180,
        PieceRow.created_at <= now,
    )
    lines = (
        CreditLineRow.core_org_id == org,
        CreditLineRow.currency == "CNY",
        CreditLineRow.status == LineStatus.ACTIVE.value,
    )
    return select(
        select(func.coalesce(func.sum(case((PieceRow.created_at > d90, PieceRow.face_minor))), 0))
        .where(*received)
        .scalar_subquery(),
        select(func.coalesce(func.sum(case((PieceRow.created_at <= d90, PieceRow.face_minor))), 0))
        .where(*received)
        .scalar_subquery(),
        select(func.coalesce(func.sum(CreditLineRow.limit_minor), 0))
        .where(*lines)
        .scalar_subquery(),
        select(func.coalesce(func.sum(CreditLineRow.used_minor), 0))
        .where(*lines)
        .scalar_subquery(),
    )


_CERTIFICATE_SUMMARY = _certificate_summary_statement()


def certificate_summary(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """The risk room's certificate features of an enterprise, keyed by `FinancingInputs` names.

    Certificates received: CNY face of pieces that came to it by issue or transfer (not its
    own splits, not pieces institutions bought) in the last 90 days and the 90 before.
    Utilization: for a core enterprise, the share of its active credit lines in use (None when
    it has none). One prebuilt statement; no access check (the risk room checks consent).
    """
    now = uow.now()
    params = {
        "org": org_id,
        "d90": now - timedelta(days=90),
        "d180": now - timedelta(days=180),
        "now": now,
    }
    recent, before, limit, used = uow.session.execute(_CERTIFICATE_SUMMARY, params).one()
    return {
        "certificates_received_90d_minor": int(recent),
        "certificates_received_prev_90d_minor": int(before),
        "utilization": float(int(used) / int(limit)) if limit else None,
    }


def certificate_claims(uow: UnitOfWork) -> list[tuple[str, str, Money, str]]:
    """Live pieces as (holder, issuer, face, "certificate"), summed per pair and currency.

    Every holder of a live piece, at whatever tier it was transferred to, holds its claim on
    the issuing core enterprise; institutions that bought pieces hold theirs the same way.
    Pieces of settled certificates are paid and carry no claim. One grouped query.
    """
    stmt = (
        select(
            PieceRow.holder_org_id,
            CertificateRow.issuer_org_id,
            PieceRow.currency,
            func.sum(PieceRow.face_minor),
        )
        .join(CertificateRow, CertificateRow.id == PieceRow.certificate_id)
        .where(
            PieceRow.status == PieceStatus.LIVE.value,
            CertificateRow.status != CertificateStatus.SETTLED.value,
            PieceRow.holder_org_id != CertificateRow.issuer_org_id,
        )
        .group_by(PieceRow.holder_org_id, CertificateRow.issuer_org_id, PieceRow.currency)
        .order_by(PieceRow.holder_org_id, CertificateRow.issuer_org_id, PieceRow.currency)
    )
    return [
        (holder, issuer, Money(int(minor), ccy), "certificate")
        for holder, issuer, ccy, minor in uow.session.execute(stmt)
    ]
