"""Database mapping of the relay's position and of the entries each consumer has handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, UTCDateTime


class EventRelayRow(Base):
    """How far the relay has published the audit log (besides the stream's own last message)."""

    __tablename__ = "event_relay"
    __classification__ = classes(
        "resume the relay of the audit log where it stopped",
        internal="name last_id published updated_at",
    )

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    published: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventInboxRow(Base):
    """One audit entry a consumer has handled, written in the transaction of its effect: a
    redelivered entry finds its row and is acknowledged without being handled again."""

    __tablename__ = "event_inbox"
    __classification__ = classes(
        "handle each relayed event once per consumer",
        internal="consumer audit_id handled_at",
    )

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    audit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
