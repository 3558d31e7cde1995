"""Messages to organizations: the outbound channels and the in-app inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from scf.core.errors import NotFound
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing.tables import InboxMessageRow


@dataclass(frozen=True)
class Notice:
    """One message to an organization: its kind, subject and body, and the application it
    is about, if any."""

    org_id: str
    kind: str
    subject: str
    body: str
    application_id: str | None = None


class Channel(Protocol):
    """An outbound channel (SMS, e-mail, a partner's webhook); the inbox is the default."""

    def send(self, uow: UnitOfWork, notice: Notice) -> None: ...


class InboxChannel:
    """Write the message to the organization's in-app inbox, in the caller's transaction."""

    def send(self, uow: UnitOfWork, notice: Notice) -> None:
        uow.session.add(
            InboxMessageRow(
                id=new_id("msg"),
                org_id=notice.org_id,
                kind=notice.kind,
                subject=notice.subject[:300],
                body=notice.body,
                application_id=notice.application_id,
                created_at=uow.now(),
                read_at=None,
            )
        )


CHANNELS: list[Channel] = [InboxChannel()]


def notify(
    uow: UnitOfWork,
    org_id: str,
    kind: str,
    subject: str,
    body: str,
    application_id: str | None = None,
) -> None:
    """Send a message to an organization through every configured channel."""
    notice = Notice(org_id, kind, subject, body, application_id)
    for channel in CHANNELS:
        channel.send(uow, notice)


def inbox(uow: UnitOfWork, unread_only: bool = False) -> list[InboxMessageRow]:
    if uow.actor.org_id is None:
        return []
    stmt = select(InboxMessageRow).where(InboxMessageRow.org_id == uow.actor.org_id)
    if unread_only:
        stmt = stmt.where(InboxMessageRow.read_at.is_(None))
    return list(uow.session.scalars(stmt.order_by(InboxMessageRow.created_at.desc())))


def mark_read(uow: UnitOfWork, message_id: str) -> InboxMessageRow:
    row = uow.session.get(InboxMessageRow, message_id)
    if row is None or row.org_id != uow.actor.org_id:
        raise NotFound(f"message {message_id} not found")
    if row.read_at is None:
        row.read_at = uow.now()
        uow.audit("financing.inbox.read", "inbox_message", row.id, after={"read": True})
        uow.commit()
    return row
