"""Certificates and their pieces: who may see them, the checks before a piece changes, splits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from scf.certificates.common import ENTERPRISE, FUNDERS, acting_holder, is_watcher
from scf.certificates.model import (
    CertificateStatus,
    PieceOrigin,
    PieceStatus,
    check_split,
    is_matured,
)
from scf.certificates.tables import CertificateRow, CreditLineRow, PieceRow
from scf.core.errors import Conflict, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties

# ---------------------------------------------------------------- the checks before a change


def require_held(piece_id: str, held_by: str | None, holder_org_id: str | None) -> None:
    """Refuse a piece that does not exist (`held_by` None) or that is not the holder's."""
    if held_by is None or (holder_org_id is not None and held_by != holder_org_id):
        raise NotFound(f"certificate piece {piece_id} not found", code="piece_not_found")


def require_live(piece_id: str, status: str) -> None:
    """Refuse a piece that was split, transferred, financed or paid already."""
    if status != PieceStatus.LIVE.value:
        raise Conflict(
            f"piece {piece_id} is {status}: it was already split, transferred, "
            "financed or paid, so nothing more can happen to it",
            code="piece_not_live",
        )


def require_open(certificate_id: str, status: str, maturity_on: date, today: date) -> None:
    """Refuse a piece of a certificate that is closed or has matured."""
    if status != CertificateStatus.ACTIVE.value:
        raise RuleViolation(
            f"certificate {certificate_id} is {status}; its pieces can no longer change",
            code="certificate_closed",
        )
    if is_matured(maturity_on, today):
        raise RuleViolation(
            f"certificate {certificate_id} matured on {maturity_on}; its pieces can only be paid",
            code="piece_matured",
        )


def live_piece(
    uow: UnitOfWork, piece_id: str, holder_org_id: str | None
) -> tuple[PieceRow, CertificateRow]:
    """Lock a piece the holder may act on, refusing spent, paid or matured pieces."""
    s = uow.session
    piece = s.scalar(select(PieceRow).where(PieceRow.id == piece_id).with_for_update())
    require_held(piece_id, piece.holder_org_id if piece else None, holder_org_id)
    assert piece is not None
    require_live(piece_id, piece.status)
    cert = s.get(CertificateRow, piece.certificate_id)
    assert cert is not None
    require_open(cert.id, cert.status, cert.maturity_on, uow.today())
    return piece, cert


# ---------------------------------------------------------------- new pieces and splits


def piece_values(
    certificate_id: str,
    parent_id: str | None,
    holder: str,
    face: Money,
    origin: PieceOrigin,
    tier: int,
    from_org_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The column values of a new live piece (the transfer path inserts them as they are)."""
    return {
        "id": new_id("pce"),
        "certificate_id": certificate_id,
        "parent_id": parent_id,
        "holder_org_id": holder,
        "from_org_id": from_org_id,
        "currency": face.currency,
        "face_minor": face.minor,
        "tier": tier,
        "origin": origin.value,
        "status": PieceStatus.LIVE.value,
        "receivable_id": None,
        "registration_id": None,
        "created_at": now,
        "spent_at": None,
        "version": 1,
    }


def new_piece(
    uow: UnitOfWork,
    cert: CertificateRow,
    parent: PieceRow | None,
    holder: str,
    face: Money,
    origin: PieceOrigin,
    tier: int,
    receivable_id: str | None,
    from_org_id: str | None,
) -> PieceRow:
    """Add a live piece of a certificate to the session."""
    parent_id = parent.id if parent else None
    values = piece_values(cert.id, parent_id, holder, face, origin, tier, from_org_id, uow.now())
    row = PieceRow(**{**values, "receivable_id": receivable_id})
    uow.session.add(row)
    return row


def split_in(
    uow: UnitOfWork, piece: PieceRow, cert: CertificateRow, parts: Sequence[Money]
) -> list[PieceRow]:
    """Spend a locked piece into parts held by its holder, in the caller's unit of work."""
    check_split(piece.face, parts)
    piece.status = PieceStatus.SPENT.value
    piece.spent_at = uow.now()
    children = [
        new_piece(
            uow, cert, piece, piece.holder_org_id, p, PieceOrigin.SPLIT, piece.tier, None, None
        )
        for p in parts
    ]
    uow.flush()
    uow.audit(
        "certificate.piece.split",
        "certificate",
        cert.id,
        before=piece.snapshot(),
        after={"children": [c.snapshot() for c in children]},
        org_id=piece.holder_org_id,
    )
    return children


def split_piece(uow: UnitOfWork, piece_id: str, parts: Sequence[Money]) -> list[PieceRow]:
    """Split a held piece into parts (0.01 the smallest) that add up to its face."""
    parties.require_role(uow.actor, *ENTERPRISE, *FUNDERS)
    piece, cert = live_piece(uow, piece_id, acting_holder(uow))
    children = split_in(uow, piece, cert, parts)
    uow.commit()
    return children


# ---------------------------------------------------------------- reading


def _parties_of(uow: UnitOfWork, cert: CertificateRow) -> set[str]:
    holders = uow.session.scalars(
        select(PieceRow.holder_org_id).where(PieceRow.certificate_id == cert.id).distinct()
    )
    line = uow.session.get(CreditLineRow, cert.line_id)
    out = {cert.issuer_org_id, *holders}
    if line is not None:
        out.add(line.funder_org_id)
    return out


def get_certificate(uow: UnitOfWork, certificate_id: str) -> CertificateRow:
    """A certificate its issuer, line funder, any holder of a piece, or a watcher may see."""
    cert = uow.session.get(CertificateRow, certificate_id)
    if cert is None:
        raise NotFound(f"certificate {certificate_id} not found")
    if uow.actor.org_id in _parties_of(uow, cert):
        return cert
    parties.authorize_read(uow, cert.issuer_org_id, "financing", f"certificate/{cert.id}")
    return cert


def _full_view(uow: UnitOfWork, cert: CertificateRow) -> bool:
    """Issuer, line funder and watchers see every piece; holders see their own."""
    line = uow.session.get(CreditLineRow, cert.line_id)
    return is_watcher(uow) or uow.actor.org_id in (
        cert.issuer_org_id,
        line.funder_org_id if line else None,
    )


def require_full_view(uow: UnitOfWork, certificate_id: str) -> CertificateRow:
    """A certificate whose every piece the actor may see (issuer, line funder, watchers)."""
    cert = get_certificate(uow, certificate_id)
    if not _full_view(uow, cert):
        raise NotFound(f"certificate {certificate_id} not found")
    return cert


def pieces_of(uow: UnitOfWork, cert: CertificateRow) -> list[PieceRow]:
    stmt = select(PieceRow).where(PieceRow.certificate_id == cert.id).order_by(PieceRow.id)
    if not _full_view(uow, cert):
        stmt = stmt.where(PieceRow.holder_org_id == uow.actor.org_id)
    return list(uow.session.scalars(stmt))


def list_certificates(uow: UnitOfWork, status: str | None = None) -> list[CertificateRow]:
    stmt = select(CertificateRow).order_by(CertificateRow.id)
    if not is_watcher(uow):
        org = uow.actor.org_id
        held = select(PieceRow.certificate_id).where(PieceRow.holder_org_id == org)
        lines = select(CreditLineRow.id).where(CreditLineRow.funder_org_id == org)
        stmt = stmt.where(
            or_(
                CertificateRow.issuer_org_id == org,
                CertificateRow.id.in_(held),
                CertificateRow.line_id.in_(lines),
            )
        )
    if status:
        stmt = stmt.where(CertificateRow.status == status)
    return list(uow.session.scalars(stmt))


def list_pieces(uow: UnitOfWork, status: str | None = "live") -> list[PieceRow]:
    """Pieces the acting organization holds."""
    stmt = select(PieceRow).where(PieceRow.holder_org_id == uow.actor.org_id)
    if status:
        stmt = stmt.where(PieceRow.status == status)
    return list(uow.session.scalars(stmt.order_by(PieceRow.id)))
