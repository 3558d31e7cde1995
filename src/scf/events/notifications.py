"""Notifications: messages to organizations about what the event stream says happened to them.

The `notifications` consumer tells a supplier that a certificate was issued to it and a holder
that a piece of a certificate was passed to it; the messages go through the financing room's
channels (the in-app inbox, and any outbound channel configured), in the transaction that
marks the entry handled, so each is sent once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scf.core.audit import AuditEntry
from scf.core.uow import UnitOfWork
from scf.financing import service as financing

# action -> (kind of message, the field of `after` naming the organization told)
NOTICES: dict[str, tuple[str, str]] = {
    "certificate.issued": ("certificate_received", "first_holder_org_id"),
    "certificate.piece.transferred": ("piece_received", "holder_org_id"),
}


def _amount(after: dict[str, Any]) -> str:
    face = after.get("face")
    if isinstance(face, dict):
        return f"{face.get('amount', '')} {face.get('currency', '')}".strip()
    return ""


def notice_of(entry: AuditEntry) -> tuple[str, str, str, str] | None:
    """(organization, kind, subject, body) of the message an entry calls for, if any."""
    known = NOTICES.get(entry.action)
    after = entry.after or {}
    if known is None or not isinstance(after.get(known[1]), str):
        return None
    kind, field = known
    certificate = entry.aggregate_id
    if kind == "certificate_received":
        subject = f"Certificate {certificate} issued to you"
    else:
        subject = f"Piece {after.get('id', '')} of certificate {certificate} passed to you"
    return after[field], kind, subject, _amount(after)


def send_notices(uow: UnitOfWork, entries: Iterable[AuditEntry]) -> int:
    """Send the messages the entries call for; flush, no commit. How many were sent."""
    sent = 0
    for entry in entries:
        notice = notice_of(entry)
        if notice is not None:
            org_id, kind, subject, body = notice
            financing.notify(uow, org_id, kind, subject, body)
            sent += 1
    return sent
