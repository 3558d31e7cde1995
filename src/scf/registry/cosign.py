"""Witness co-signatures: outside parties vouch for heads they proved consistent with their last.

A witness (`scf registry witness`) keeps the last head it verified, proves each new head
consistent with it and signs it with its own Ed25519 key. The registry keeps the
co-signatures of the witnesses it is configured to trust (`registry_witness_keys`) and
shows the latest witnessed head: a head a witness signed can no longer be forked or shrunk
without the witness noticing, whoever holds the registry's own key.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, PermissionDenied
from scf.core.uow import UnitOfWork
from scf.registry import signing
from scf.registry.tables import CosignatureRow, TreeHeadRow


@dataclass(frozen=True)
class CosignatureIn:
    tree_size: int
    timestamp_ms: int
    root_hash: str
    witness_public_key: str
    witnessed_ms: int
    signature: str


def witness_keys(uow: UnitOfWork) -> set[bytes]:
    """The public keys of the witnesses the registry accepts, from its settings."""
    configured = getattr(uow.settings, "registry_witness_keys", "") if uow.settings else ""
    return {
        signing.public_from_hex(k, "registry_witness_keys")
        for k in (configured or "").split(",")
        if k.strip()
    }


def _decode(data: CosignatureIn) -> tuple[bytes, bytes, bytes]:
    try:
        root = bytes.fromhex(data.root_hash)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise InvalidInput("the head's root as 64 hex digits", field="root_hash")
    public = signing.public_from_hex(data.witness_public_key, "witness_public_key")
    try:
        sig = base64.b64decode(data.signature, validate=True)
    except (ValueError, binascii.Error):
        sig = b""
    if len(sig) != 64:
        raise InvalidInput("an Ed25519 signature in base64", field="signature")
    return root, public, sig


def record_cosignature(uow: UnitOfWork, data: CosignatureIn) -> dict[str, Any]:
    """Keep a trusted witness's signature over one of the registry's own signed heads."""
    root, public, sig = _decode(data)
    if public not in witness_keys(uow):
        raise PermissionDenied(
            "the registry does not accept co-signatures from this witness key",
            code="unknown_witness",
        )
    head = uow.session.get(TreeHeadRow, data.tree_size)
    if head is None or (head.timestamp_ms, bytes(head.root_hash)) != (data.timestamp_ms, root):
        raise Conflict(
            f"the registry signed no head of size {data.tree_size} with that time and root",
            code="unknown_head",
        )
    msg = signing.cosignature_message(data.tree_size, data.timestamp_ms, root, data.witnessed_ms)
    if not signing.verify(public, msg, sig):
        raise InvalidInput("the co-signature does not verify", field="signature")
    kid = signing.key_id(public)
    existing = uow.session.scalar(
        select(CosignatureRow).where(
            CosignatureRow.witness_key_id == kid, CosignatureRow.tree_size == data.tree_size
        )
    )
    if existing is not None:
        return cosignature_dict(existing)
    row = CosignatureRow(
        tree_size=data.tree_size,
        timestamp_ms=data.timestamp_ms,
        root_hash=root,
        witness_key_id=kid,
        witness_public_key=public,
        witnessed_ms=data.witnessed_ms,
        signature=sig,
    )
    uow.session.add(row)
    uow.flush()
    out = cosignature_dict(row)
    uow.audit("registry.head_witnessed", "registry_cosignature", str(row.id), after=out)
    uow.commit()
    return out


def cosignature_dict(row: CosignatureRow) -> dict[str, Any]:
    return {
        "tree_size": row.tree_size,
        "timestamp_ms": row.timestamp_ms,
        "root_hash": bytes(row.root_hash).hex(),
        "witness_key_id": row.witness_key_id,
        "witness_public_key": bytes(row.witness_public_key).hex(),
        "witnessed_ms": row.witnessed_ms,
        "signature": base64.b64encode(bytes(row.signature)).decode(),
    }


def latest_cosignatures(uow: UnitOfWork, limit: int = 20) -> list[dict[str, Any]]:
    """The newest co-signed heads, largest first (each witness's latest among them)."""
    rows = uow.session.scalars(
        select(CosignatureRow)
        .order_by(CosignatureRow.tree_size.desc(), CosignatureRow.witness_key_id)
        .limit(limit)
    )
    seen: set[str] = set()
    out = []
    for r in rows:
        if r.witness_key_id not in seen:
            seen.add(r.witness_key_id)
            out.append(cosignature_dict(r))
    return out


def latest_witnessed_head(uow: UnitOfWork) -> dict[str, Any] | None:
    """The largest head a trusted witness co-signed, with every witness that signed it."""
    found = latest_cosignatures(uow, limit=50)
    if not found:
        return None
    top = found[0]
    return {
        **top,
        "witnesses": [c["witness_key_id"] for c in found if c["tree_size"] == top["tree_size"]],
    }


def check_cosignatures(uow: UnitOfWork, problems: list[str], limit: int = 20) -> int:
    """Every stored co-signature covers a stored head and verifies under its witness key."""
    checked = 0
    last = 0
    while True:
        rows = list(
            uow.session.scalars(
                select(CosignatureRow)
                .where(CosignatureRow.id > last)
                .order_by(CosignatureRow.id)
                .limit(1000)
            )
        )
        if not rows:
            return checked
        last = rows[-1].id
        for r in rows:
            checked += 1
            head = uow.session.get(TreeHeadRow, r.tree_size)
            public = bytes(r.witness_public_key)
            msg = signing.cosignature_message(
                r.tree_size, r.timestamp_ms, bytes(r.root_hash), r.witnessed_ms
            )
            if (
                head is None
                or (head.timestamp_ms, bytes(head.root_hash))
                != (r.timestamp_ms, bytes(r.root_hash))
                or signing.key_id(public) != r.witness_key_id
                or not signing.verify(public, msg, bytes(r.signature))
            ) and len(problems) < limit:
                problems.append(
                    f"co-signature {r.id} of witness {r.witness_key_id} on head {r.tree_size} "
                    "does not match the head or does not verify"
                )
