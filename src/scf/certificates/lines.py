"""Credit lines and exposure caps: an institution's lines to a core enterprise, its cap."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from scf.certificates.common import FUNDERS, is_watcher, org_field, settings_of
from scf.certificates.model import LineStatus, PieceOrigin, PieceStatus, check_cap
from scf.certificates.tables import CertificateRow, CreditLineRow, ExposureCapRow, PieceRow
from scf.core.bounds import check_term
from scf.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money, check_settlement_currency
from scf.core.uow import UnitOfWork
from scf.parties import service as parties


def _cap_row(
    uow: UnitOfWork, funder_org_id: str, core_org_id: str, currency: str
) -> ExposureCapRow | None:
    return uow.session.scalar(
        select(ExposureCapRow).where(
            ExposureCapRow.funder_org_id == funder_org_id,
            ExposureCapRow.core_org_id == core_org_id,
            ExposureCapRow.currency == currency,
        )
    )


def cap_for(uow: UnitOfWork, funder_org_id: str, core_org_id: str, currency: str) -> Money:
    """The cap on one institution's exposure to one core enterprise in a currency."""
    row = _cap_row(uow, funder_org_id, core_org_id, currency)
    if row is not None:
        return row.cap
    cap = settings_of(uow).cap(currency)
    if cap is None:
        raise RuleViolation(f"no exposure cap is configured for {currency}", code="no_cap")
    return cap


def exposure_of(uow: UnitOfWork, funder_org_id: str, core_org_id: str, currency: str) -> Money:
    """Committed lines to the core enterprise plus pieces of its certificates bought under
    other institutions' lines (pieces under one's own line are inside that line already)."""
    s = uow.session
    lines = s.scalar(
        select(func.coalesce(func.sum(CreditLineRow.limit_minor), 0)).where(
            CreditLineRow.funder_org_id == funder_org_id,
            CreditLineRow.core_org_id == core_org_id,
            CreditLineRow.currency == currency,
            CreditLineRow.status == LineStatus.ACTIVE.value,
        )
    )
    held = s.scalar(
        select(func.coalesce(func.sum(PieceRow.face_minor), 0))
        .join(CertificateRow, CertificateRow.id == PieceRow.certificate_id)
        .join(CreditLineRow, CreditLineRow.id == CertificateRow.line_id)
        .where(
            PieceRow.holder_org_id == funder_org_id,
            PieceRow.status == PieceStatus.LIVE.value,
            CertificateRow.issuer_org_id == core_org_id,
            CertificateRow.currency == currency,
            CreditLineRow.funder_org_id != funder_org_id,
        )
    )
    return Money(int(lines or 0) + int(held or 0), currency)


def set_exposure_cap(
    uow: UnitOfWork, funder_org_id: str, core_org_id: str, cap: Money
) -> ExposureCapRow:
    """The regulator sets one institution's cap on its exposure to one core enterprise."""
    parties.require_role(uow.actor, "regulator")
    org_field(uow, funder_org_id, "funder_org_id")
    org_field(uow, core_org_id, "core_org_id")
    if cap.is_negative():
        raise InvalidInput("a cap cannot be negative", field="cap")
    row = _cap_row(uow, funder_org_id, core_org_id, cap.currency)
    before = {"cap": row.cap} if row is not None else None
    if row is None:
        row = ExposureCapRow(
            id=new_id("cap"),
            funder_org_id=funder_org_id,
            core_org_id=core_org_id,
            currency=cap.currency,
        )
        uow.session.add(row)
    row.cap_minor = cap.minor
    row.set_at = uow.now()
    uow.flush()
    uow.audit(
        "certificate.exposure_cap.set",
        "exposure_cap",
        row.id,
        before=before,
        after={"funder_org_id": funder_org_id, "core_org_id": core_org_id, "cap": cap},
        org_id=funder_org_id,
    )
    uow.commit()
    return row


def grant_line(uow: UnitOfWork, core_org_id: str, limit: Money, expires_on: date) -> CreditLineRow:
    """A white-listed institution grants a core enterprise a line for issuing certificates."""
    parties.require_role(uow.actor, *FUNDERS)
    check_settlement_currency(limit.currency, "limit")
    funder_id = uow.actor.org_id
    if funder_id is None:
        raise PermissionDenied("a line is granted by an institution")
    parties.require_licensed_funder(uow, funder_id)
    core = org_field(uow, core_org_id, "core_org_id")
    if "core_enterprise" not in core.roles:
        raise InvalidInput(f"{core.name} is not a core enterprise", field="core_org_id")
    parties.require_not_blacklisted(uow, core_org_id)
    if not limit.is_positive():
        raise InvalidInput("the limit must be more than zero", field="limit")
    if expires_on <= uow.today():
        raise InvalidInput("the line must expire in the future", field="expires_on")
    check_term(expires_on, uow.today(), "expires_on")
    check_cap(
        exposure_of(uow, funder_id, core_org_id, limit.currency),
        limit,
        cap_for(uow, funder_id, core_org_id, limit.currency),
        who=f"lines to {core.name}",
    )
    row = CreditLineRow(
        id=new_id("cln"),
        funder_org_id=funder_id,
        core_org_id=core_org_id,
        currency=limit.currency,
        limit_minor=limit.minor,
        used_minor=0,
        status=LineStatus.ACTIVE.value,
        expires_on=expires_on,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("certificate.line.granted", "credit_line", row.id, after=row.snapshot())
    uow.commit()
    return row


def institution_exposures(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each institution's exposure to each core enterprise against its cap."""
    parties.require_role(uow.actor, "regulator", "operator", *FUNDERS)
    s = uow.session
    pairs: set[tuple[str, str, str]] = set()
    for ln in s.scalars(select(CreditLineRow)):
        pairs.add((ln.funder_org_id, ln.core_org_id, ln.currency))
    held = s.execute(
        select(PieceRow.holder_org_id, CertificateRow.issuer_org_id, CertificateRow.currency)
        .join(CertificateRow, CertificateRow.id == PieceRow.certificate_id)
        .where(
            PieceRow.origin == PieceOrigin.FINANCE.value, PieceRow.status == PieceStatus.LIVE.value
        )
    )
    pairs.update((h, c, ccy) for h, c, ccy in held)
    if not is_watcher(uow):
        pairs = {p for p in pairs if p[0] == uow.actor.org_id}
    out = []
    for funder, core, ccy in sorted(pairs):
        exposure = exposure_of(uow, funder, core, ccy)
        cap = cap_for(uow, funder, core, ccy)
        used = s.scalar(
            select(func.coalesce(func.sum(CreditLineRow.used_minor), 0)).where(
                CreditLineRow.funder_org_id == funder,
                CreditLineRow.core_org_id == core,
                CreditLineRow.currency == ccy,
            )
        )
        out.append(
            {
                "funder_org_id": funder,
                "core_org_id": core,
                "exposure": exposure.as_json(),
                "lines_used": Money(int(used or 0), ccy).as_json(),
                "cap": cap.as_json(),
                "headroom": (cap - exposure).as_json(),
                "over_cap": exposure > cap,
            }
        )
    return out


def _line_visible(uow: UnitOfWork, line: CreditLineRow) -> bool:
    """Whether the actor may see the line: its institution, its core enterprise, a watcher."""
    return is_watcher(uow) or uow.actor.org_id in (line.funder_org_id, line.core_org_id)


def get_line(uow: UnitOfWork, line_id: str) -> CreditLineRow:
    line = uow.session.get(CreditLineRow, line_id)
    if line is None or not _line_visible(uow, line):
        raise NotFound(f"credit line {line_id} not found")
    return line


def list_lines(uow: UnitOfWork) -> list[CreditLineRow]:
    stmt = select(CreditLineRow).order_by(CreditLineRow.id)
    if not is_watcher(uow):
        org = uow.actor.org_id
        stmt = stmt.where(or_(CreditLineRow.funder_org_id == org, CreditLineRow.core_org_id == org))
    return list(uow.session.scalars(stmt))
