"""Public search of registrations, and signed search certificates.

Public by design, like the PBOC registry: anyone may search by grantor or collateral, and a
search certificate is a signed record of what a search found at a point of the log.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from scf.core.errors import InvalidInput
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties.model import validate_uscc
from scf.registry import signing
from scf.registry.log import latest_tree_head, sign, signing_keys
from scf.registry.matching import Match, best_match, tolerant_matches
from scf.registry.model import CollateralRef, canonical, collateral_keys, fold_name
from scf.registry.tables import CollateralRow, GrantorRow, RegistrationRow
from scf.registry.views import history, info_many


@dataclass(frozen=True)
class SearchQuery:
    grantor_uscc: str | None = None
    grantor_name: str | None = None
    tolerant: bool = False
    collateral: CollateralRef | None = None
    include_history: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "grantor_uscc": self.grantor_uscc,
            "grantor_name": self.grantor_name,
            "tolerant": self.tolerant,
            "collateral": {"kind": self.collateral.kind, "identifier": self.collateral.identifier}
            if self.collateral
            else None,
            "include_history": self.include_history,
        }


def search(uow: UnitOfWork, q: SearchQuery, limit: int = 200) -> list[dict[str, Any]]:
    """Registrations by grantor USCC, grantor name (exact or tolerant) or collateral.

    Public by design, like the PBOC registry; expired and cancelled registrations are
    returned too (with their status), since a search shows history.
    """
    given = [q.grantor_uscc, q.grantor_name, q.collateral]
    if sum(x is not None and x != "" for x in given) != 1:
        raise InvalidInput(
            "search by exactly one of grantor_uscc, grantor_name or collateral", field="query"
        )
    s = uow.session
    stmt = select(RegistrationRow).order_by(RegistrationRow.seq).limit(limit)
    matches: dict[str, Match] | None = None
    if q.grantor_uscc:
        uscc = validate_uscc(q.grantor_uscc.strip().upper(), "grantor_uscc")
        sub = select(GrantorRow.registration_id).where(GrantorRow.uscc == uscc)
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    elif q.grantor_name and q.tolerant:
        matches = tolerant_matches(uow, q.grantor_name, limit)
        sub = select(GrantorRow.registration_id).where(GrantorRow.name_folded.in_(list(matches)))
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    elif q.grantor_name:
        sub = select(GrantorRow.registration_id).where(GrantorRow.name == q.grantor_name.strip())
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    else:
        assert q.collateral is not None
        k = collateral_keys([q.collateral])[0]
        sub = select(CollateralRow.registration_id).where(
            CollateralRow.kind == k.kind,
            CollateralRow.key == k.key,
            CollateralRow.lo <= k.hi,
            CollateralRow.hi >= k.lo,
        )
        stmt = stmt.where(RegistrationRow.id.in_(sub))
    if not q.include_history:
        stmt = stmt.where(
            RegistrationRow.cancelled_at.is_(None), RegistrationRow.expires_at > uow.now()
        )
    regs = list(s.scalars(stmt))
    infos = info_many(uow, regs, with_objections=True)
    hist = history(uow, [r.id for r in regs]) if q.include_history else {}
    out = []
    for info in infos:
        d = info.as_dict()
        if q.include_history:
            d["history"] = hist.get(info.id, [])
        if matches is not None:
            d["match"] = best_match(d, matches)
        out.append(d)
    if matches is not None:  # the closest names first, then in filing order
        out.sort(key=lambda d: -int(d["match"]["score"]))
    return out


def search_certificate(uow: UnitOfWork, q: SearchQuery) -> dict[str, Any]:
    """A signed record of a search: the query, the time, the results and the log's head."""
    results = search(uow, q)
    head = latest_tree_head(uow)
    body = {
        "type": "scf-registry-search-certificate",
        "certificate_id": new_id("cert"),
        "query": q.as_dict(),
        "searched_at": uow.now().isoformat(),
        "result_count": len(results),
        "results": results,
        "log": {
            "tree_size": head["tree_size"],
            "root_hash": head["root_hash"],
            "tree_head_timestamp_ms": head["timestamp_ms"],
            "tree_head_signature": head["signature"],
        },
    }
    kid, sig = sign(uow, signing.CERT_PREFIX + canonical(body))
    return {
        # Published as SCF-2 (docs/standards/scf-2.md); the signature covers `certificate`.
        "standard": "SCF-2",
        "version": "1.0",
        "document_type": "search-certificate",
        "certificate": body,
        "key_id": kid,
        "signature": base64.b64encode(sig).decode(),
        "signed_bytes": "CERT_PREFIX || canonical JSON of `certificate` (sorted keys, no spaces)",
    }


def verify_certificate(uow: UnitOfWork, cert: dict[str, Any]) -> bool:
    keys = {k["key_id"]: bytes.fromhex(k["public_key"]) for k in signing_keys(uow)}
    public = keys.get(str(cert.get("key_id")))
    if public is None:
        return False
    try:
        sig = base64.b64decode(str(cert.get("signature")))
    except ValueError:
        return False
    return signing.verify(public, signing.CERT_PREFIX + canonical(cert.get("certificate")), sig)


def certificate_html(cert: dict[str, Any]) -> str:
    """A printable page of a search certificate; every value is escaped."""
    c = cert["certificate"]
    e = html.escape
    rows = []
    for r in c["results"]:
        grantors = "; ".join(f"{g['name']} ({g['uscc']})" for g in r["grantors"])
        coll = "; ".join(f"{x['kind']}: {x['identifier']}" for x in r["collateral"])
        amount = f"{r['amount']['amount']} {r['amount']['currency']}" if r.get("amount") else ""
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{e(str(v))}</td>"
                for v in (
                    r["number"],
                    r["seq"],
                    r["kind"],
                    r["status"],
                    grantors,
                    f"{r['secured_party']['name']} ({r['secured_party']['uscc']})",
                    coll,
                    amount,
                    r["registered_at"],
                    r["expires_at"],
                )
            )
            + "</tr>"
        )
    query = json.dumps(c["query"], ensure_ascii=False, sort_keys=True)
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>Registry search certificate</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:4px;font-size:12px;vertical-align:top}"
        "code{word-break:break-all}@media print{body{margin:0}}</style></head><body>"
        "<h1>Registry search certificate 查询证明</h1>"
        f"<p>Certificate <code>{e(c['certificate_id'])}</code>, searched at "
        f"<b>{e(c['searched_at'])}</b></p>"
        f"<p>Query: <code>{e(query)}</code></p>"
        f"<p>{e(str(c['result_count']))} result(s).</p>"
        "<table><thead><tr><th>number</th><th>seq</th><th>kind</th><th>status</th>"
        "<th>grantors</th><th>secured party</th><th>collateral</th><th>amount</th>"
        "<th>registered</th><th>expires</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        f"<p>Log tree size <b>{e(str(c['log']['tree_size']))}</b>, root "
        f"<code>{e(str(c['log']['root_hash']))}</code></p>"
        f"<p>Signed with Ed25519 key <code>{e(str(cert['key_id']))}</code>: "
        f"<code>{e(str(cert['signature']))}</code></p>"
        "<p>Verify with the JSON form of this certificate and the registry's public keys "
        "(GET /api/v1/registry/log/keys).</p></body></html>"
    )


def fold_query(name: str) -> str:
    """Show how a name is folded for the tolerant search."""
    return fold_name(name)
