"""Financing: a holder sells a piece, or an amount of it, to a white-listed institution."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from scf.certificates.common import (
    ENTERPRISE,
    FUNDERS,
    acting_holder,
    is_watcher,
    months_until,
    org_field,
    register_assignment,
    settings_of,
)
from scf.certificates.lines import cap_for, exposure_of
from scf.certificates.model import (
    PieceOrigin,
    PieceStatus,
    Pricing,
    check_cap,
    positive_amount,
    price_piece,
    split_off,
)
from scf.certificates.pieces import live_piece, new_piece, split_in
from scf.certificates.tables import CertificateRow, CreditLineRow, FinancingRow, PieceRow
from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties


def quote(
    uow: UnitOfWork,
    piece: PieceRow,
    cert: CertificateRow,
    rate: Decimal,
    amount: Money,
    fee: Money | None,
) -> Pricing:
    """Price an amount of a piece for sale today (value date rolled to a working day)."""
    cfg = settings_of(uow)
    value_date = uow.calendar.adjust(uow.today())
    return price_piece(
        amount,
        rate,
        value_date,
        cert.maturity_on,
        cfg.day_count(cert.currency),
        funder_fee=fee,
        platform_fee_rate=cfg.platform_fee_rate,
    )


def _add_financing(
    uow: UnitOfWork,
    piece: PieceRow,
    cert: CertificateRow,
    funder_org_id: str,
    amount: Money,
    rate: Decimal,
    fee: Money | None,
    status: str,
) -> FinancingRow:
    """Add the record of a sale of the piece (offered, or financed outright) to the session."""
    row = FinancingRow(
        id=new_id("cfn"),
        piece_id=piece.id,
        certificate_id=cert.id,
        seller_org_id=piece.holder_org_id,
        funder_org_id=funder_org_id,
        currency=amount.currency,
        amount_minor=amount.minor,
        rate=rate,
        fee_minor=(fee or Money.zero(amount.currency)).minor,
        status=status,
        created_at=uow.now(),
    )
    uow.session.add(row)
    return row


def offer_financing(
    uow: UnitOfWork,
    piece_id: str,
    funder_org_id: str,
    rate: Decimal,
    *,
    amount: Money | None = None,
    fee: Money | None = None,
) -> FinancingRow:
    """The holder offers a piece (or an amount of it) to a white-listed institution."""
    parties.require_role(uow.actor, *ENTERPRISE)
    piece, cert = live_piece(uow, piece_id, acting_holder(uow))
    amount = positive_amount(amount if amount is not None else piece.face, piece.currency)
    split_off(piece.face, amount)
    org_field(uow, funder_org_id, "funder_org_id")
    parties.require_licensed_funder(uow, funder_org_id)
    pricing = quote(uow, piece, cert, rate, amount, fee)
    row = _add_financing(uow, piece, cert, funder_org_id, amount, rate, fee, "offered")
    row.pricing = pricing.as_dict()
    uow.flush()
    uow.audit(
        "certificate.financing.offered",
        "certificate",
        cert.id,
        after={"financing_id": row.id, **pricing.as_dict()},
    )
    uow.commit()
    return row


def finance_piece_in(
    uow: UnitOfWork,
    piece_id: str,
    funder_org_id: str,
    rate: Decimal,
    *,
    seller_org_id: str | None = None,
    amount: Money | None = None,
    fee: Money | None = None,
    reference: str | None = None,
    financing: FinancingRow | None = None,
) -> FinancingRow:
    """Sell a piece (or an amount of it) to a white-listed institution, in the caller's unit
    of work: price = face - face x rate x days / basis, ownership passes to the institution
    and an assignment is registered. Does not commit."""
    parties.require_licensed_funder(uow, funder_org_id)
    piece, cert = live_piece(uow, piece_id, seller_org_id)
    sold, seller = piece, piece.holder_org_id
    if seller == funder_org_id:
        raise InvalidInput("the holder cannot sell to itself", field="funder_org_id")
    amount = positive_amount(amount if amount is not None else piece.face, piece.currency)
    parts = split_off(piece.face, amount)
    pricing = quote(uow, piece, cert, rate, amount, fee)
    line = uow.session.get(CreditLineRow, cert.line_id)
    assert line is not None
    if line.funder_org_id != funder_org_id:
        check_cap(
            exposure_of(uow, funder_org_id, cert.issuer_org_id, cert.currency),
            amount,
            cap_for(uow, funder_org_id, cert.issuer_org_id, cert.currency),
            who="the institution's exposure to the issuer",
        )
    if len(parts) == 2:
        piece = split_in(uow, piece, cert, parts)[0]
    piece.status = PieceStatus.SPENT.value
    piece.spent_at = uow.now()
    child = new_piece(
        uow, cert, piece, funder_org_id, amount, PieceOrigin.FINANCE, piece.tier, None, seller
    )
    uow.flush()
    reg_id = register_assignment(
        uow,
        grantor=seller,
        secured_party=funder_org_id,
        piece_id=child.id,
        amount=amount,
        months=months_until(uow.today(), cert.maturity_on),
        description=(
            f"assignment of {amount} of payable certificate {cert.id} (piece {piece.id}) "
            f"maturing {cert.maturity_on.isoformat()}"
        ),
    )
    child.registration_id = reg_id
    if financing is None:
        financing = _add_financing(uow, sold, cert, funder_org_id, amount, rate, fee, "financed")
    financing.status = "financed"
    financing.decided_at = uow.now()
    financing.pricing = pricing.as_dict()
    financing.funder_piece_id = child.id
    financing.registration_id = reg_id
    financing.reference = reference
    uow.flush()
    uow.audit(
        "certificate.piece.financed",
        "certificate",
        cert.id,
        before=piece.snapshot(),
        after={**child.snapshot(), "financing_id": financing.id, "pricing": pricing.as_dict()},
        org_id=seller,
    )
    return financing


def _offer(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    row = uow.session.get(FinancingRow, financing_id)
    if row is None or uow.actor.org_id not in (row.funder_org_id, row.seller_org_id):
        if row is None or not uow.actor.is_system:
            raise NotFound(f"financing {financing_id} not found")
    if row.status != "offered":
        raise Conflict(f"financing {financing_id} is {row.status}", code="financing_decided")
    return row


def tenor_of_financing(uow: UnitOfWork, row: FinancingRow) -> int:
    """Days from today to the maturity of the certificate the piece belongs to."""
    cert = uow.session.get(CertificateRow, row.certificate_id)
    assert cert is not None
    return (cert.maturity_on - uow.today()).days


def accept_financing(uow: UnitOfWork, financing_id: str, *, commit: bool = True) -> FinancingRow:
    """The institution accepts a holder's offer: it buys the piece at the offered price.

    When the institution's certificate-financing product belongs to one of its supply chain
    finance units, the acting officer must hold the unit's authority for the amount and the
    tenor to maturity (or two officers must have approved above the unit's threshold); the
    purchase records who decided under which authority. `commit=False` joins the caller's
    unit of work (the institutions room's approvals)."""
    parties.require_role(uow.actor, *FUNDERS)
    row = _offer(uow, financing_id)
    if not uow.actor.is_system and uow.actor.org_id != row.funder_org_id:
        raise NotFound(f"financing {financing_id} not found")
    decision = None
    if not uow.actor.is_system:
        from scf.institutions import service as institutions

        decision = institutions.authorize_purchase(
            uow,
            financing_id=row.id,
            amount=row.amount,
            tenor_days=tenor_of_financing(uow, row),
        )
    finance_piece_in(
        uow,
        row.piece_id,
        row.funder_org_id,
        Decimal(row.rate),
        seller_org_id=row.seller_org_id,
        amount=row.amount,
        fee=row.fee,
        reference=row.id,
        financing=row,
    )
    if decision is not None:
        from scf.institutions import service as institutions

        institutions.bind_offer(uow, decision["id"], row.id)
        uow.audit(
            "certificate.financing.decided",
            "certificate",
            row.certificate_id,
            after={"financing_id": row.id, "decided_under": decision},
        )
    if commit:
        uow.commit()
    return row


def decline_financing(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    """The institution declines, or the holder withdraws, an open offer."""
    row = _offer(uow, financing_id)
    row.status = "declined" if uow.actor.org_id == row.funder_org_id else "withdrawn"
    row.decided_at = uow.now()
    uow.flush()
    uow.audit(
        f"certificate.financing.{row.status}",
        "certificate",
        row.certificate_id,
        after={"financing_id": row.id},
    )
    uow.commit()
    return row


def get_financing(uow: UnitOfWork, financing_id: str) -> FinancingRow:
    row = uow.session.get(FinancingRow, financing_id)
    if row is None or not (
        is_watcher(uow) or uow.actor.org_id in (row.seller_org_id, row.funder_org_id)
    ):
        raise NotFound(f"financing {financing_id} not found")
    return row


def financing_records(uow: UnitOfWork, status: str | None = None) -> list[dict[str, Any]]:
    """Piece financings with their certificate's issuer, tier and state (read-only): all for
    watchers, an institution's or a seller's own otherwise."""
    stmt = (
        select(FinancingRow, PieceRow.tier, CertificateRow.issuer_org_id, CertificateRow.status)
        .join(PieceRow, PieceRow.id == FinancingRow.piece_id)
        .join(CertificateRow, CertificateRow.id == FinancingRow.certificate_id)
        .order_by(FinancingRow.created_at, FinancingRow.id)
    )
    if not is_watcher(uow):
        org = uow.actor.org_id
        stmt = stmt.where(or_(FinancingRow.funder_org_id == org, FinancingRow.seller_org_id == org))
    if status:
        stmt = stmt.where(FinancingRow.status == status)
    return [
        {
            "id": f.id,
            "piece_id": f.piece_id,
            "certificate_id": f.certificate_id,
            "seller_org_id": f.seller_org_id,
            "funder_org_id": f.funder_org_id,
            "issuer_org_id": issuer,
            "tier": tier,
            "amount": f.amount,
            "rate": Decimal(f.rate),
            "fee": f.fee,
            "status": f.status,
            "pricing": f.pricing,
            "certificate_status": cert_status,
            "created_at": f.created_at,
            "decided_at": f.decided_at,
        }
        for f, tier, issuer, cert_status in uow.session.execute(stmt)
    ]
