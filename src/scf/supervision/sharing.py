"""The information-sharing file for other agencies."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scf.core.uow import UnitOfWork
from scf.supervision.facts import require_regulator
from scf.supervision.indicators import indicators
from scf.supervision.lists import listings

SHARING_SCHEMA = "scf-supervision-sharing/1"
SHARED_FIELDS = (
    "uscc",
    "name",
    "district",
    "reason",
    "authority",
    "listed_on",
    "expires_on",
    "enforcement",
    "licence",
)


def sharing_export(uow: UnitOfWork) -> dict[str, Any]:
    """A JSON file for other agencies: live black and red lists (joint penalties and
    incentives), the white list with licences, and headline indicators, with a digest."""
    require_regulator(uow)
    entries = [e for e in listings(uow) if e["live"]]
    ind = indicators(uow)
    body = {
        "schema": SHARING_SCHEMA,
        "issuer": "scf supervision",
        "generated_at": uow.now().isoformat(),
        "lists": {
            kind: [
                {k: e.get(k) for k in SHARED_FIELDS if k in e} for e in entries if e["kind"] == kind
            ]
            for kind in ("black", "red", "white")
        },
        "indicators": {
            "sme_volume_total": ind["sme_volume"]["total"],
            "sme_volume_by_district": ind["sme_volume"]["by_district"],
            "credit_quality": ind["credit_quality"],
            "alerts": {k: ind["alerts"][k] for k in ("raised", "open", "assigned", "resolved")},
        },
    }
    digest = hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    return {**body, "sha256": digest}
