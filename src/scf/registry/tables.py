"""Registry tables: registrations, their parties and collateral, goods, and the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, BigIntPK, UTCDateTime
from scf.core.idempotency import IdempotencyColumns


class RegistrationRow(Base):
    """The current state of a registration; its history is the log's entries."""

    __tablename__ = "registry_registration"
    __classification__ = classes(
        "give public notice of pledges and assignments (Civil Code art. 768)",
        public=(
            "number kind secured_party_uscc secured_party_name amount_minor currency description "
            "starts_at expires_at registered_at cancelled_at cancel_reason"
        ),
        internal=(
            "id seq secured_party_org_id filer_user_id filer_org_id updated_at last_seq version"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    secured_party_org_id: Mapped[str] = mapped_column(String(40), index=True)
    secured_party_uscc: Mapped[str] = mapped_column(String(18))
    secured_party_name: Mapped[str] = mapped_column(String(200))
    filer_user_id: Mapped[str | None] = mapped_column(String(40))
    filer_org_id: Mapped[str | None] = mapped_column(String(40))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GrantorRow(Base):
    __tablename__ = "registry_grantor"
    __classification__ = classes(
        "let anyone search filings by the grantor",
        public="id registration_id org_id uscc name name_folded position",
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registry_registration.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class CollateralRow(Base):
    """One collateral of a registration; `removed_seq` is set when an amendment drops it."""

    __tablename__ = "registry_collateral"
    __classification__ = classes(
        "let anyone search filings by the collateral",
        public=(
            "id registration_id kind key lo hi identifier description goods_id quantity_units "
            "added_seq removed_seq"
        ),
    )
    __table_args__ = (Index("ix_registry_collateral_lookup", "kind", "key", "lo"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registry_registration.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(220))
    lo: Mapped[int] = mapped_column(BigInteger, default=0)
    hi: Mapped[int] = mapped_column(BigInteger, default=0)
    identifier: Mapped[str] = mapped_column(String(260))
    description: Mapped[str] = mapped_column(Text, default="")
    goods_id: Mapped[str | None] = mapped_column(String(40), index=True)
    quantity_units: Mapped[int | None] = mapped_column(BigInteger)
    added_seq: Mapped[int] = mapped_column(BigInteger)
    removed_seq: Mapped[int | None] = mapped_column(BigInteger)


class ObjectionRow(Base):
    """A grantor's objection; it lapses after 30 days unless marked as litigated."""

    __tablename__ = "registry_objection"
    __classification__ = classes(
        "record objections to a filing and their lapse",
        internal="id registration_id objector_org_id seq version",
        confidential="reason filed_at lapses_at litigated_at case_reference",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registry_registration.id"), index=True)
    objector_org_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lapses_at: Mapped[datetime] = mapped_column(UTCDateTime)
    litigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_reference: Mapped[str | None] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AgencyRow(Base):
    """A secured party lets another organization file on its behalf."""

    __tablename__ = "registry_agency"
    __classification__ = classes(
        "let an agent file for its principal",
        internal="id principal_org_id agent_org_id version",
        confidential="granted_at revoked_at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_org_id: Mapped[str] = mapped_column(String(40), index=True)
    agent_org_id: Mapped[str] = mapped_column(String(40), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GoodsRow(Base):
    """Goods a warehouse confirmed it holds: the ceiling of what may be pledged on them."""

    __tablename__ = "registry_goods"
    __classification__ = classes(
        "record goods a warehouse holds, so that they are pledged once",
        internal="id warehouse_org_id holder_org_id lot_key seq version",
        confidential=(
            "warehouse_uscc commodity grade location unit quantity_units lot status confirmed_at "
            "released_at"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    warehouse_org_id: Mapped[str] = mapped_column(String(40), index=True)
    warehouse_uscc: Mapped[str] = mapped_column(String(18))
    holder_org_id: Mapped[str] = mapped_column(String(40), index=True)
    commodity: Mapped[str] = mapped_column(String(120))
    grade: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    quantity_units: Mapped[int] = mapped_column(BigInteger)
    lot_key: Mapped[str] = mapped_column(String(260), index=True)
    lot: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="held")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GoodsReceiptRow(Base):
    """A warehouse receipt issued on confirmed goods ("<warehouse USCC>/<receipt no>")."""

    __tablename__ = "registry_goods_receipt"
    __classification__ = classes(
        "refuse the same warehouse receipt twice",
        internal="id goods_id receipt_key",
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    goods_id: Mapped[str] = mapped_column(ForeignKey("registry_goods.id"), index=True)
    receipt_key: Mapped[str] = mapped_column(String(220), unique=True)


class EntryRow(Base):
    """A leaf of the transparency log: the exact bytes hashed, in sequence order."""

    __tablename__ = "registry_entry"
    __classification__ = classes(
        "the append-only transparency log of every filing (public by law)",
        public="seq op registration_id at data",
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    op: Mapped[str] = mapped_column(String(30))
    registration_id: Mapped[str | None] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class NodeRow(Base):
    """The hash of a complete subtree: leaves [idx * 2**level, (idx + 1) * 2**level)."""

    __tablename__ = "registry_log_node"
    __classification__ = classes(
        "prove inclusion and consistency of the transparency log",
        public="level idx hash",
    )

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogStateRow(Base):
    """The single row every append locks: it serializes sequence numbers and appends."""

    __tablename__ = "registry_log_state"
    __classification__ = classes(
        "prove inclusion and consistency of the transparency log",
        public="id size last_sth_size last_sth_at frontier",
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sth_size: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sth_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The compact range of the tree at `size`: the hashes of its complete subtrees, largest
    # first, 32 bytes each. Kept with `size` in the locked row, so an append needs no read of
    # the stored subtree hashes; NULL (an older database, a bulk load) falls back to them.
    frontier: Mapped[bytes | None] = mapped_column(LargeBinary)


class TreeHeadRow(Base):
    __tablename__ = "registry_tree_head"
    __classification__ = classes(
        "prove inclusion and consistency of the transparency log",
        public="tree_size root_hash timestamp_ms key_id signature",
    )

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class SigningKeyRow(Base):
    """Every public key that ever signed a head, so that old heads stay verifiable.

    The first key has no `seq`; every later one was introduced by the log entry `seq`
    (a key rotation signed with the key before it), whose time is its `first_used_at`.
    """

    __tablename__ = "registry_signing_key"
    __classification__ = classes(
        "verify the log's signed tree heads",
        public="key_id public_key algorithm first_used_at seq",
    )

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    algorithm: Mapped[str] = mapped_column(String(20), default="ed25519")
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)


class CosignatureRow(Base):
    """A witness's signature over a signed tree head it verified consistent with its last."""

    __tablename__ = "registry_cosignature"
    __classification__ = classes(
        "verify witnesses' cosignatures of the log",
        public=(
            "id tree_size timestamp_ms root_hash witness_key_id witness_public_key witnessed_ms "
            "signature"
        ),
    )
    __table_args__ = (UniqueConstraint("witness_key_id", "tree_size"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    witness_key_id: Mapped[str] = mapped_column(String(16))
    witness_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # the witness's own clock when it co-signed (signed with the rest)
    witnessed_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


def core_table(mapped: Any) -> Table:
    """The Core table of a mapped class, for statements that load no ORM object."""
    return cast(Table, mapped.__table__)


class RegistryIdempotencyRow(IdempotencyColumns, Base):
    """A command's Idempotency-Key, the hash of its request and the answer it gave."""

    __tablename__ = "registry_idempotency"
