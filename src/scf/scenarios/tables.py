"""Tables of the district scenarios: the operator's FX rates and marketplace payouts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime
from scf.core.money import Money


class FxRateRow(Base):
    """An exchange rate the operator loaded: 1 unit of `base` in `quote`, with where it came
    from and when it was observed; history is kept, the latest observation is used."""

    __tablename__ = "scn_fx_rates"
    __classification__ = classes(
        "convert foreign-currency payouts at a recorded rate",
        internal="id base quote rate source observed_at loaded_at",
        personal="loaded_by",
    )
    __table_args__ = (Index("ix_scn_fx_rates_pair", "base", "quote", "observed_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    source: Mapped[str] = mapped_column(String(200))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    loaded_by: Mapped[str | None] = mapped_column(String(40))


class PayoutRow(Base):
    """A payout a marketplace owes a seller for sales it collected, confirmed by the
    marketplace; once financed the marketplace pays it to the funder (notice of assignment)."""

    __tablename__ = "scn_payouts"
    __classification__ = classes(
        "finance a seller's marketplace payouts and redirect them to the funder",
        public="registration_number",
        internal=(
            "id seller_org_id marketplace_org_id status confirmed_at assigned_to_org_id "
            "application_id notice_at created_at version"
        ),
        confidential=(
            "reference currency amount_minor due_on sales_history advance_currency advance_minor"
        ),
    )
    __table_args__ = (
        UniqueConstraint("marketplace_org_id", "reference", name="uq_scn_payouts_reference"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seller_org_id: Mapped[str] = mapped_column(String(40), index=True)
    marketplace_org_id: Mapped[str] = mapped_column(String(40), index=True)
    reference: Mapped[str] = mapped_column(String(64))  # the marketplace's payout number
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date)
    # The seller's monthly sales on the marketplace: [{"month": "2025-01", "amount": {...}}]
    sales_history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when financed: who is paid instead of the seller, for which application, the
    # advance (in its own currency) and when the marketplace was given notice.
    assigned_to_org_id: Mapped[str | None] = mapped_column(String(40))
    application_id: Mapped[str | None] = mapped_column(String(40))
    advance_currency: Mapped[str | None] = mapped_column(String(3))
    advance_minor: Mapped[int | None] = mapped_column(BigInteger)
    registration_number: Mapped[str | None] = mapped_column(String(40))
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class IpAssetRow(Base):
    """A patent, software copyright or trademark its owner recorded with its registration
    number, the appraiser's valuation and haircut, and its pledge."""

    __tablename__ = "scn_ip_assets"
    __classification__ = classes(
        "pledge intellectual property as collateral at an appraised value",
        public="kind registration_no title expires_on",
        internal="id owner_org_id status appraiser_org_id application_id created_at version",
        confidential="currency appraised_minor haircut report_no valued_at",
    )
    __table_args__ = (UniqueConstraint("kind", "registration_no", name="uq_scn_ip_assets_number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_org_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    registration_no: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), index=True)
    appraiser_org_id: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str | None] = mapped_column(String(3))
    appraised_minor: Mapped[int | None] = mapped_column(BigInteger)
    haircut: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    report_no: Mapped[str | None] = mapped_column(String(64))
    valued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    application_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
