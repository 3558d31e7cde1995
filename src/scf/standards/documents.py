"""The platform's records written as SCF standard documents (each room read through its face).

Every document names its standard, version and type, gets an identifier of its own and the
time it was issued, and names the platform as its issuer. Parties appear by their unified
social credit code and name (the platform's own organization id beside them), so that a
reader outside the platform knows who they are.
"""

from __future__ import annotations

from typing import Any

from scf.certificates import service as certificates
from scf.core.actor import Actor
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.registry import service as registry
from scf.trade import service as trade

ASSET_KINDS = {
    "receivable_id": "receivable",
    "piece_id": "certificate_piece",
    "order_id": "purchase_order",
    "goods_id": "warehouse_goods",
    "bill_id": "bill",
}
VERDICTS = {"pass": "consistent", "escalate": "review", "refuse": "inconsistent"}


def issuer(uow: UnitOfWork) -> dict[str, str]:
    s = uow.settings
    return {
        "name": str(getattr(s, "public_name", None) or "scf"),
        "url": str(getattr(s, "public_url", None) or "http://127.0.0.1:8000"),
    }


def _envelope(uow: UnitOfWork, standard: str, document_type: str) -> dict[str, Any]:
    return {
        "standard": standard,
        "version": "1.0",
        "document_type": document_type,
        "document_id": new_id("doc"),
        "issued_at": uow.now().isoformat(),
        "issuer": issuer(uow),
    }


class _Parties:
    """Organizations by id, each looked up once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.seen: dict[str, dict[str, str]] = {}

    def __call__(self, org_id: str | None) -> dict[str, str] | None:
        if org_id is None:
            return None
        if org_id not in self.seen:
            org = parties.find_organization(self.uow, org_id)
            self.seen[org_id] = {"uscc": org.uscc, "name": org.name, "org_id": org.id}
        return self.seen[org_id]


# ---------------------------------------------------------------- SCF-1


def _document(doc: dict[str, Any], party: _Parties) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.endswith("_org_id")}
    for role in ("seller", "buyer", "payer", "payee"):
        if f"{role}_org_id" in doc:
            out[role] = party(doc[f"{role}_org_id"])
    if out.get("due_date") is None:
        out.pop("due_date", None)
    return out


def _asset(app: dict[str, Any], background: dict[str, Any] | None) -> dict[str, Any]:
    asset = app.get("asset") or {}
    key = next((k for k in ASSET_KINDS if asset.get(k)), None)
    out: dict[str, Any] = {
        "kind": ASSET_KINDS[key] if key else "other",
        "id": str(asset[key]) if key else app["id"],
    }
    if background is not None:
        rcv = background["receivable"]
        out |= {
            "amount": rcv["amount"],
            "confirmed": rcv["confirmed"],
            "due_date": rcv["due_date"],
            "fingerprints": list(rcv["fingerprints"]),
        }
    return out


def _authenticity(
    background: dict[str, Any] | None, checks: list[dict[str, Any]]
) -> dict[str, Any] | None:
    if background is None:
        return None
    a = background["authenticity"]
    check = next((c for c in checks if c.get("check") == "authenticity"), None)
    missing = list(check.get("missing", [])) if check else []
    if check is not None:
        verdict = VERDICTS.get(str(check.get("result")), "review")
    else:  # not part of this application's checks: the score speaks alone
        verdict = "consistent" if not a["reasons"] else "review"
    return {
        "score": a["score"],
        "verdict": verdict,
        "reasons": a["reasons"],
        "missing": missing,
        "summary": a["summary"],
    }


def _background_of(uow: UnitOfWork, receivable_id: str) -> dict[str, Any]:
    """Whoever may read an application may read the trade background it was decided on: the
    receivable's documents are read as the platform, after the application's own check."""
    with uow.acting_as(Actor.system()):
        out: dict[str, Any] = trade.trade_background(uow, receivable_id)
    return out


def evidence_package(uow: UnitOfWork, application_id: str) -> dict[str, Any]:
    """SCF-1: the trade background behind a financing application (read as the application)."""
    app = financing.application_dict(uow, financing.get_application(uow, application_id))
    party = _Parties(uow)
    rid = (app.get("asset") or {}).get("receivable_id")
    background = _background_of(uow, rid) if rid else None
    checks = [
        {"check": c["check"], "result": c["result"], "detail": str(c.get("detail", ""))}
        for c in app.get("checks") or []
    ]
    applicant = party(app["applicant_org_id"])
    assert applicant is not None
    return {
        **_envelope(uow, "SCF-1", "evidence-package"),
        "financing": {
            "application_id": app["id"],
            "scenario": app["scenario"],
            "status": app["status"],
            "amount": app["amount"],
            "due_on": app["due_on"],
            "applicant": applicant,
            "debtor": party(app.get("debtor_org_id")),
            "funder": party(app.get("funder_org_id")),
        },
        "asset": _asset(app, background),
        "documents": [_document(d, party) for d in (background or {}).get("documents", [])],
        "matches": (background or {}).get("matches", []),
        "authenticity": _authenticity(background, app.get("checks") or []),
        "checks": checks,
        "registrations": [
            {"number": r["number"], "kind": r["kind"]} for r in app.get("registrations") or []
        ],
    }


# ---------------------------------------------------------------- SCF-2


def _head(uow: UnitOfWork) -> dict[str, Any]:
    head = registry.latest_tree_head(uow)
    return {
        "tree_size": head["tree_size"],
        "root_hash": head["root_hash"],
        "tree_head_timestamp_ms": head["timestamp_ms"],
        "tree_head_signature": head["signature"],
    }


REGISTRATION_MEMBERS = (
    "number", "kind", "status", "grantors", "secured_party", "collateral", "amount",
    "description", "starts_at", "expires_at", "registered_at", "cancelled_at",
)  # fmt: skip


def registration_notice(uow: UnitOfWork, number: str) -> dict[str, Any]:
    """SCF-2: the public notice of one registration, tied to the log's latest signed head."""
    reg = registry.get_registration(uow, number)
    return {
        **_envelope(uow, "SCF-2", "registration-notice"),
        "registration": {k: reg[k] for k in REGISTRATION_MEMBERS if k in reg},
        "history": [
            {"seq": h["seq"], "op": h["op"], "at": h["at"], "leaf_index": h["leaf_index"]}
            for h in reg.get("history", [])
        ],
        "log": _head(uow),
    }


def search_certificate(uow: UnitOfWork, query: Any) -> dict[str, Any]:
    """SCF-2: the registry's signed search certificate (the registry writes it in the standard)."""
    out: dict[str, Any] = registry.search_certificate(uow, query)
    return out


# ---------------------------------------------------------------- SCF-3


def _hops(
    node: dict[str, Any] | None, parent: str | None, party: _Parties, numbers: dict[str, str]
) -> list[dict[str, Any]]:
    if node is None:
        return []
    background = node.get("trade_background")
    hop = {
        "piece_id": node["piece_id"],
        "parent_id": parent,
        "holder": party(node["holder_org_id"]),
        "from": party(node.get("from_org_id")),
        "face": node["face"],
        "tier": node["tier"],
        "origin": node["origin"],
        "status": node["status"],
        "trade_background": {"receivable_id": background["receivable_id"]} if background else None,
        "registration_number": numbers.get(node.get("registration_id") or ""),
    }
    out = [hop]
    for child in node.get("children", []):
        out.extend(_hops(child, node["piece_id"], party, numbers))
    return out


def payable_certificate(uow: UnitOfWork, certificate_id: str) -> dict[str, Any]:
    """SCF-3: a payable certificate with every piece and hop (read as its lineage is read)."""
    tree = certificates.lineage(uow, certificate_id)
    cert = certificates.get_certificate(uow, certificate_id)
    party = _Parties(uow)
    reg_ids = {cert.registration_id} if cert.registration_id else set()
    _collect_registrations(tree.get("tree"), reg_ids)
    numbers = {r: n for r in reg_ids if (n := registry.registration_number(uow, r))}
    issuer_party, holder = party(cert.issuer_org_id), party(cert.first_holder_org_id)
    return {
        **_envelope(uow, "SCF-3", "payable-certificate"),
        "certificate": {
            "id": cert.id,
            "issuer": issuer_party,
            "first_holder": holder,
            "face": cert.face.as_json(),
            "paid": cert.paid.as_json(),
            "issued_on": cert.issued_on.isoformat(),
            "maturity_on": cert.maturity_on.isoformat(),
            "status": cert.status,
            "receivable_ids": list(cert.receivable_ids),
            "deepest_tier": max(1, int(tree["deepest_tier"])),
            "registration_number": numbers.get(cert.registration_id or ""),
        },
        "pieces": _hops(tree.get("tree"), None, party, numbers),
    }


def _collect_registrations(node: dict[str, Any] | None, into: set[str]) -> None:
    if node is None:
        return
    if node.get("registration_id"):
        into.add(node["registration_id"])
    for child in node.get("children", []):
        _collect_registrations(child, into)
