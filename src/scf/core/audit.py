"""The append-only audit trail: who did what, for which organization, with before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Index, String, Table, bindparam, insert
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, BigIntPK, DriverStatement, JSONType, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __classification__ = classes(
        "account for every change: who did what, before and after",
        internal="id at user_id org_id action aggregate_type aggregate_id request_id",
        personal="before after",
        shown_as={
            "before": "",
            "after": "",
        },
    )
    __table_args__ = (
        Index("ix_audit_log_aggregate", "aggregate_type", "aggregate_id"),
        Index("ix_audit_log_org_at", "org_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(String(40))
    org_id: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(80), index=True)
    aggregate_type: Mapped[str] = mapped_column(String(60))
    aggregate_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    request_id: Mapped[str | None] = mapped_column(String(64))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "user_id": self.user_id,
            "org_id": self.org_id,
            "action": self.action,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
        }


def _insert_rows() -> DriverStatement:
    table = cast(Table, AuditEntry.__table__)
    values = {c.key: bindparam(c.key, type_=c.type) for c in table.c if c.key != "id"}
    return DriverStatement(insert(table).values(values))


# Audit rows given as dicts of every column but the id, inserted on the driver's cursor
# (`.many(conn, rows)`), in order, for hot paths.
INSERT_AUDIT_ROWS = _insert_rows()
