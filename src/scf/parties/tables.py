"""Database mapping of participants, users, tokens, consents and list entries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, BigIntPK, JSONType, UTCDateTime
from scf.core.money import MoneyOf


class OrganizationRow(Base):
    __tablename__ = "organizations"
    __classification__ = classes(
        "identify and onboard the enterprise, check its licence and reach it",
        public=(
            "uscc name district size_class founded_on registered_capital_minor "
            "registered_capital_currency licence_no licence_authority licence_scope "
            "licence_expires_on"
        ),
        internal="id created_at version",
        confidential="roles chain_tags bank_account",
        personal={
            "address": "reach the enterprise (a sole trader's address is personal)",
            "phone": "reach the enterprise (a contact's own phone is personal)",
        },
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    district: Mapped[str] = mapped_column(String(20))
    roles: Mapped[list[str]] = mapped_column(JSONType)
    chain_tags: Mapped[list[str]] = mapped_column(JSONType)
    size_class: Mapped[str] = mapped_column(String(10))
    founded_on: Mapped[date] = mapped_column(Date)
    registered_capital_minor: Mapped[int] = mapped_column(BigInteger)
    registered_capital_currency: Mapped[str] = mapped_column(String(3))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The settlement account: two firms paid into one account are one till.
    bank_account: Mapped[str] = mapped_column(String(40), default="", server_default="")
    licence_no: Mapped[str | None] = mapped_column(String(60))
    licence_authority: Mapped[str | None] = mapped_column(String(120))
    licence_scope: Mapped[str | None] = mapped_column(String(300))
    licence_expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    registered_capital = MoneyOf("registered_capital_minor", "registered_capital_currency")

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uscc": self.uscc,
            "name": self.name,
            "district": self.district,
            "roles": list(self.roles),
            "chain_tags": list(self.chain_tags),
            "size_class": self.size_class,
            "founded_on": self.founded_on.isoformat(),
            "registered_capital": self.registered_capital.as_json(),
            "address": self.address,
            "phone": self.phone,
            "bank_account": self.bank_account,
            "licence_no": self.licence_no,
            "licence_authority": self.licence_authority,
            "licence_scope": self.licence_scope,
            "licence_expires_on": (
                self.licence_expires_on.isoformat() if self.licence_expires_on else None
            ),
            "version": self.version,
        }


class PersonRow(Base):
    __tablename__ = "persons"
    __classification__ = classes(
        "identify shareholders and key persons for related-party and ownership checks",
        internal="id",
        personal="name",
        sensitive={
            "id_hash": "match one person across enterprises without keeping the ID number",
            "id_number_sealed": "keep the know-your-customer record (AML Law art. 19), sealed",
        },
        shown_as={
            "name": "holder_name key_persons.name",
        },
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # The ID number sealed with AES-GCM (scf.parties.sealing); rows older than sealing lack it.
    id_number_sealed: Mapped[str | None] = mapped_column(String(200))


class ShareholdingRow(Base):
    __tablename__ = "shareholdings"
    __classification__ = classes(
        "find related parties and ultimate owners behind a financing",
        internal="id org_id holder_org_id holder_person_id created_at",
        confidential="share",
    )
    __table_args__ = (Index("ix_shareholdings_holder", "holder_org_id", "holder_person_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    holder_org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    holder_person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"))
    share: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KeyPersonRow(Base):
    __tablename__ = "key_persons"
    __classification__ = classes(
        "find related parties through the persons who run enterprises",
        internal="id org_id person_id created_at",
        confidential="role",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserRow(Base):
    __tablename__ = "users"
    __classification__ = classes(
        "let people log in and act for their organization",
        internal="id org_id created_at version",
        confidential="is_admin active",
        personal="username display_name",
        sensitive={
            "password_hash": "check a password without keeping it",
        },
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    __classification__ = classes(
        "keep sessions and API tokens, and show a user where they are logged in",
        internal="id user_id created_at",
        confidential="kind name expires_at revoked_at",
        personal="last_seen_at client_address user_agent",
        sensitive={
            "token_hash": "check a token without keeping it",
        },
        shown_as={
            "last_seen_at": "",
            "client_address": "",
            "user_agent": "",
        },
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # session or api
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most once every few minutes (scf.parties.users.SEEN_EVERY), so that reading
    # with a token does not write on every request.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_address: Mapped[str] = mapped_column(String(64), default="", server_default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")


class LoginThrottleRow(Base):
    """One counter of failed logins (the limits library's fixed window) kept in the database."""

    __tablename__ = "login_throttle"
    __classification__ = classes(
        "slow down password guessing",
        confidential="count expires_at",
        personal="key",
        shown_as={
            "key": "",
        },
    )

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SecurityAlertRow(Base):
    """A burst of failed logins that locked an account or a client address, for the operator."""

    __tablename__ = "security_alerts"
    __classification__ = classes(
        "tell the operator about bursts of failed logins",
        internal="id",
        confidential="kind failures window_seconds raised_at locked_until",
        personal="subject client_address",
        shown_as={
            "subject": "",
            "client_address": "",
        },
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer)
    window_seconds: Mapped[int] = mapped_column(Integer)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentRow(Base):
    __tablename__ = "consents"
    __classification__ = classes(
        "record what an enterprise let an institution read, and until when",
        internal="id grantor_org_id grantee_org_id version",
        confidential="scopes granted_at expires_at revoked_at",
    )
    __table_args__ = (Index("ix_consents_pair", "grantor_org_id", "grantee_org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    grantor_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    grantee_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "grantor_org_id": self.grantor_org_id,
            "grantee_org_id": self.grantee_org_id,
            "scopes": list(self.scopes),
            "granted_at": self.granted_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


class DataAccessRow(Base):
    __tablename__ = "data_access_log"
    __classification__ = classes(
        "show the subject every read of its data made by others",
        internal="id reader_org_id reader_user_id subject_org_id consent_id",
        confidential="at basis scope resource",
    )
    __table_args__ = (Index("ix_data_access_subject_at", "subject_org_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reader_org_id: Mapped[str | None] = mapped_column(String(40), index=True)
    reader_user_id: Mapped[str | None] = mapped_column(String(40))
    subject_org_id: Mapped[str] = mapped_column(String(40))
    # consent, regulator, operator, district, department (consent_id then names the grant)
    basis: Mapped[str] = mapped_column(String(20))
    consent_id: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(20))
    resource: Mapped[str] = mapped_column(String(200))


class ListEntryRow(Base):
    __tablename__ = "list_entries"
    __classification__ = classes(
        "enforce the regulator's white, black and red lists",
        public="kind reason listed_on expires_on authority lifted_at lifted_reason",
        internal="id org_id listed_by created_at version",
    )
    __table_args__ = (Index("ix_list_entries_org_kind", "org_id", "kind"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    reason: Mapped[str] = mapped_column(String(500))
    listed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(120), default="")
    listed_by: Mapped[str | None] = mapped_column(String(40))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def is_live(self, on: date) -> bool:
        return (
            self.lifted_at is None
            and self.listed_on <= on
            and (self.expires_on is None or on <= self.expires_on)
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "org_id": self.org_id,
            "reason": self.reason,
            "listed_on": self.listed_on.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "authority": self.authority,
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
            "lifted_reason": self.lifted_reason,
        }


class AssociationMemberRow(Base):
    """An organization's membership of an industry association, dated (left_on open while live)."""

    __tablename__ = "association_members"
    __classification__ = classes(
        "know an industry association's members for its aggregates",
        internal="id association_org_id member_org_id joined_on left_on created_at version",
    )
    __table_args__ = (Index("ix_association_members_pair", "association_org_id", "member_org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    association_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    member_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "association_org_id": self.association_org_id,
            "member_org_id": self.member_org_id,
            "joined_on": self.joined_on.isoformat(),
            "left_on": self.left_on.isoformat() if self.left_on else None,
        }


class ReadGrantRow(Base):
    """What the operator lets a government department read: scopes, optionally within districts
    (an empty list means every district), until expiry."""

    __tablename__ = "read_grants"
    __classification__ = classes(
        "let a government department read what the operator granted",
        internal=(
            "id department_org_id scopes districts purpose granted_by granted_at expires_at "
            "revoked_at version"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    department_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    districts: Mapped[list[str]] = mapped_column(JSONType)
    purpose: Mapped[str] = mapped_column(String(500))
    granted_by: Mapped[str | None] = mapped_column(String(40))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "department_org_id": self.department_org_id,
            "scopes": list(self.scopes),
            "districts": list(self.districts),
            "purpose": self.purpose,
            "granted_at": self.granted_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
