"""Financing tables: applications, offers, products, prices, margin calls, cover, bills, inbox."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, BigIntPK, JSONType, UTCDateTime
from scf.core.idempotency import IdempotencyColumns
from scf.core.money import MoneyOf

RATE = Numeric(12, 8)


class FinancingApplicationRow(Base):
    __tablename__ = "fin_applications"
    __classification__ = classes(
        "decide, disburse and follow a financing",
        internal=(
            "id applicant_org_id debtor_org_id funder_org_ids channel priority accepted_offer_id "
            "funder_org_id cover_policy_id version"
        ),
        confidential=(
            "scenario currency amount_minor due_on due_requested_on due_provisional asset "
            "collateral evidence checks status district chain_tags size_class tier red_listed "
            "registrations payment_redirect outstanding_minor repaid_minor submitted_at decided_at "
            "decision_seconds disbursed_at closed_at overdue_at defaulted_at note"
        ),
    )
    __table_args__ = (Index("ix_fin_applications_status", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(40), index=True)
    applicant_org_id: Mapped[str] = mapped_column(String(40), index=True)
    debtor_org_id: Mapped[str | None] = mapped_column(String(40), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date)
    # The due date asked for before rolling, and whether a provisional calendar year (no
    # official schedule yet) decided the roll: loading that year's schedule rolls it again.
    due_requested_on: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(default=False, index=True)
    asset: Mapped[dict[str, Any]] = mapped_column(JSONType)
    collateral: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    funder_org_ids: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # Snapshots for the regulator's breakdowns, taken when the application is made.
    district: Mapped[str] = mapped_column(String(20))
    chain_tags: Mapped[list[str]] = mapped_column(JSONType)
    size_class: Mapped[str] = mapped_column(String(10))
    tier: Mapped[int] = mapped_column(Integer, default=1)
    red_listed: Mapped[bool] = mapped_column(default=False)
    accepted_offer_id: Mapped[str | None] = mapped_column(String(40))
    funder_org_id: Mapped[str | None] = mapped_column(String(40), index=True)
    registrations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    payment_redirect: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    cover_policy_id: Mapped[str | None] = mapped_column(String(40))
    outstanding_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    repaid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_seconds: Mapped[int | None] = mapped_column(Integer)
    disbursed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    defaulted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    amount = MoneyOf("amount_minor")
    outstanding = MoneyOf("outstanding_minor")

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "channel": self.channel,
            "amount": self.amount.as_json(),
            "outstanding": self.outstanding.as_json(),
            "funder_org_id": self.funder_org_id,
            "accepted_offer_id": self.accepted_offer_id,
        }


class FinancingOfferRow(Base):
    __tablename__ = "fin_offers"
    __classification__ = classes(
        "let funders compete on price for an application",
        internal="id application_id funder_org_id product_id created_at version",
        confidential=(
            "currency amount_minor rate interest_minor fee_minor proceeds_minor pricing status "
            "automatic expires_at decided_at"
        ),
    )
    __table_args__ = (UniqueConstraint("application_id", "funder_org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(40), index=True)
    funder_org_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(RATE)
    interest_minor: Mapped[int] = mapped_column(BigInteger)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    proceeds_minor: Mapped[int] = mapped_column(BigInteger)
    pricing: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10))
    automatic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FunderProductRow(Base):
    """A funder's product for one scenario with its own price list (rate groups)."""

    __tablename__ = "fin_products"
    __classification__ = classes(
        "price applications by a funder's own products",
        internal="id funder_org_id created_at",
        confidential=(
            "scenario name currency base_rate rate_groups max_amount_minor fee_minor "
            "exclusive_chains offer_validity_hours active"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    funder_org_id: Mapped[str] = mapped_column(String(40), index=True)
    scenario: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    base_rate: Mapped[Decimal] = mapped_column(RATE)
    rate_groups: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    max_amount_minor: Mapped[int] = mapped_column(BigInteger)
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    exclusive_chains: Mapped[list[str]] = mapped_column(JSONType)
    offer_validity_hours: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommodityPriceRow(Base):
    """A price the operator posts for a commodity (e.g. gold, CNY per gram); history kept."""

    __tablename__ = "fin_commodity_prices"
    __classification__ = classes(
        "value pledged goods",
        internal="id",
        confidential="commodity unit currency price_minor as_of source set_by",
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    commodity: Mapped[str] = mapped_column(String(80), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(120), default="")
    set_by: Mapped[str | None] = mapped_column(String(40))


class MarginCallRow(Base):
    __tablename__ = "fin_margin_calls"
    __classification__ = classes(
        "call margin when pledged goods lose value",
        internal="id application_id",
        confidential=(
            "ltv threshold currency value_minor shortfall_minor status opened_at cured_at"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(40), index=True)
    ltv: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    threshold: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    currency: Mapped[str] = mapped_column(String(3))
    value_minor: Mapped[int] = mapped_column(BigInteger)
    shortfall_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # open, cured
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CoverPolicyRow(Base):
    """Credit insurance or a guarantee an insurer or guarantee company writes for a seller."""

    __tablename__ = "fin_cover_policies"
    __classification__ = classes(
        "cover financings by credit insurance or guarantees",
        internal="id insurer_org_id insured_org_id debtor_org_id created_at",
        confidential="kind cover_ratio premium_rate currency limit_minor used_minor expires_on",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    insurer_org_id: Mapped[str] = mapped_column(String(40), index=True)
    insured_org_id: Mapped[str] = mapped_column(String(40), index=True)
    debtor_org_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))  # insurance or guarantee
    cover_ratio: Mapped[Decimal] = mapped_column(RATE)
    premium_rate: Mapped[Decimal] = mapped_column(RATE)
    currency: Mapped[str] = mapped_column(String(3))
    limit_minor: Mapped[int] = mapped_column(BigInteger)
    used_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClaimRow(Base):
    __tablename__ = "fin_claims"
    __classification__ = classes(
        "pay claims on cover policies",
        internal="id application_id policy_id insurer_org_id claimant_org_id version",
        confidential="currency amount_minor paid_minor status opened_at paid_at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[str] = mapped_column(String(40))
    insurer_org_id: Mapped[str] = mapped_column(String(40), index=True)
    claimant_org_id: Mapped[str] = mapped_column(String(40), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10))  # open, paid
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DiscountProgramRow(Base):
    """A core enterprise's offer of its own cash for early payment above a hurdle rate."""

    __tablename__ = "fin_discount_programs"
    __classification__ = classes(
        "run a core enterprise's early payment programmes",
        internal="id buyer_org_id created_at version",
        confidential=(
            "currency cash_minor hurdle_rate pay_on pay_requested_on pay_provisional status result "
            "cleared_at"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    buyer_org_id: Mapped[str] = mapped_column(String(40), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    cash_minor: Mapped[int] = mapped_column(BigInteger)
    hurdle_rate: Mapped[Decimal] = mapped_column(RATE)
    pay_on: Mapped[date] = mapped_column(Date)
    pay_requested_on: Mapped[date | None] = mapped_column(Date)
    pay_provisional: Mapped[bool] = mapped_column(default=False, index=True)
    status: Mapped[str] = mapped_column(String(10))  # open, cleared
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DiscountBidRow(Base):
    __tablename__ = "fin_discount_bids"
    __classification__ = classes(
        "run a core enterprise's early payment programmes",
        internal="id program_id supplier_org_id receivable_id application_id created_at",
        confidential="currency amount_minor rate days discount_minor status",
    )
    __table_args__ = (UniqueConstraint("program_id", "receivable_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(40), index=True)
    supplier_org_id: Mapped[str] = mapped_column(String(40), index=True)
    receivable_id: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(RATE)
    days: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # open, won, lost
    application_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRow(IdempotencyColumns, Base):
    """A money-moving command's key, the hash of its request and the response it gave."""

    __tablename__ = "fin_idempotency"


class AssetReservationRow(Base):
    """An asset held for the institution whose offer was accepted, until it registers.

    `held_key` is the asset's key while the reservation holds and NULL once released; its
    uniqueness is what makes two live reservations of one asset impossible, however many
    acceptances race (NULLs never collide, so released rows stay as history).
    """

    __tablename__ = "fin_asset_reservations"
    __classification__ = classes(
        "hold an asset for the accepted funder until it is registered",
        internal="id asset_key held_key application_id offer_id funder_org_id applicant_org_id",
        confidential="reserved_at until released_at released_because",
    )
    __table_args__ = (Index("ix_fin_asset_reservations_asset", "asset_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    asset_key: Mapped[str] = mapped_column(String(300))
    held_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    application_id: Mapped[str] = mapped_column(String(40), index=True)
    offer_id: Mapped[str] = mapped_column(String(40))
    funder_org_id: Mapped[str] = mapped_column(String(40))
    applicant_org_id: Mapped[str] = mapped_column(String(40))
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_because: Mapped[str | None] = mapped_column(String(12))  # registered, expired, ...


class InboxMessageRow(Base):
    __tablename__ = "fin_inbox"
    __classification__ = classes(
        "tell organizations what waits for them",
        internal="id org_id application_id created_at",
        confidential="kind subject body read_at",
    )
    __table_args__ = (Index("ix_fin_inbox_org_read", "org_id", "read_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    application_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BillRow(Base):
    """An interval of sub-bills (0.01 yuan each) of a splittable electronic commercial bill
    and who holds it; endorsing part of an interval splits the row, the old one is kept."""

    __tablename__ = "fin_bills"
    __classification__ = classes(
        "finance parts of splittable commercial bills",
        internal="id drawer_org_id acceptor_org_id holder_org_id parent_id created_at version",
        confidential=(
            "package_no sub_from sub_to currency face_minor issued_on due_on endorsements status"
        ),
    )
    __table_args__ = (Index("ix_fin_bills_package", "package_no", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    package_no: Mapped[str] = mapped_column(String(40))
    sub_from: Mapped[int] = mapped_column(BigInteger)
    sub_to: Mapped[int] = mapped_column(BigInteger)
    drawer_org_id: Mapped[str] = mapped_column(String(40))
    acceptor_org_id: Mapped[str] = mapped_column(String(40), index=True)
    holder_org_id: Mapped[str] = mapped_column(String(40), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    face_minor: Mapped[int] = mapped_column(BigInteger)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    endorsements: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # held, split
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    face = MoneyOf("face_minor")


class TsinRequestRow(Base):
    """An ISO 20022 tsin.001 invoice financing request that became applications: its group
    id (unique per requester, so a resent request is refused), who sent it, and the
    applications it made, one per invoice."""

    __tablename__ = "fin_tsin_requests"
    __classification__ = classes(
        "take ISO 20022 financing requests from other platforms",
        internal=(
            "id group_id requester_org_id funder_org_id relayed_by_org_id application_ids "
            "created_at version"
        ),
        confidential="created_at_sender status",
    )
    __table_args__ = (UniqueConstraint("requester_org_id", "group_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(35))
    requester_org_id: Mapped[str] = mapped_column(String(40))
    funder_org_id: Mapped[str] = mapped_column(String(40))
    # The funder that relayed the request for the supplier (under its consent), if one did.
    relayed_by_org_id: Mapped[str | None] = mapped_column(String(40))
    created_at_sender: Mapped[str] = mapped_column(String(40))  # CreDtTm as sent
    application_ids: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12))  # open, cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TsinMessageRow(Base):
    """One tsin message of a request, in and out (tsin.001, tsin.002, tsin.003), as sent."""

    __tablename__ = "fin_tsin_messages"
    __classification__ = classes(
        "keep the ISO 20022 messages exchanged, as sent",
        internal="id request_id seq created_at",
        confidential="kind direction xml",
    )
    __table_args__ = (Index("ix_fin_tsin_messages_request", "request_id", "seq"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # tsin.001.001.01, ...
    direction: Mapped[str] = mapped_column(String(3))  # in, out
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
