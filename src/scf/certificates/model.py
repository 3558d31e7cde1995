"""Rules of payable certificates: pieces, splits, tenor, discount pricing, caps and settlement.

Pure functions and a small in-memory book over them; no database, no framework. The service
applies the same functions to rows, and the property tests run random operation sequences
against the book.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from scf.core.calendar import ChinaCalendar, Roll, Rolled
from scf.core.daycount import DayCount, basis_days, days_between
from scf.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from scf.core.money import Money
from scf.core.rates import simple_interest

# The 2025 supply chain e-voucher rules: six months in principle, one year at the most.
DEFAULT_TENOR_MONTHS = 6
MAX_TENOR_MONTHS = 12


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    SETTLING = "settling"  # the issuer has instructed payment; receipts are being reconciled
    SETTLED = "settled"
    OVERDUE = "overdue"
    DEFAULTED = "defaulted"


OPEN_STATUSES = frozenset({CertificateStatus.ACTIVE})
UNPAID_STATUSES = frozenset(
    {CertificateStatus.SETTLING, CertificateStatus.OVERDUE, CertificateStatus.DEFAULTED}
)


class PieceStatus(StrEnum):
    LIVE = "live"  # held, may be split, transferred or financed
    SPENT = "spent"  # replaced by its children; nothing happens to it any more
    PAID = "paid"  # paid at maturity to its holder of record


class PieceOrigin(StrEnum):
    ISSUE = "issue"
    SPLIT = "split"
    TRANSFER = "transfer"
    FINANCE = "finance"


class LineStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


# ---------------------------------------------------------------- amounts and splits


def positive_amount(value: object, currency: str, field: str = "amount") -> Money:
    """Parse an amount of the currency (0.01 is the smallest unit) and refuse zero or less."""
    money = value if isinstance(value, Money) else Money.of(value, currency, field=field)
    if money.currency != currency:
        raise InvalidInput(
            f"the amount is in {money.currency}, the certificate in {currency}",
            field=field,
            code="currency_mismatch",
        )
    if not money.is_positive():
        raise InvalidInput("must be more than zero", field=field)
    return money


def check_split(face: Money, parts: Sequence[Money]) -> None:
    """Refuse a split unless it has two or more positive parts that add up to the face."""
    if len(parts) < 2:
        raise InvalidInput("a split needs at least two parts", field="parts")
    for i, p in enumerate(parts):
        if p.currency != face.currency:
            raise InvalidInput(
                f"part {i + 1} is in {p.currency}, the piece in {face.currency}",
                field=f"parts.{i}",
                code="currency_mismatch",
            )
        if not p.is_positive():
            raise InvalidInput(f"part {i + 1} must be more than zero", field=f"parts.{i}")
    got = sum(p.minor for p in parts)
    if got != face.minor:
        raise InvalidInput(
            f"the parts add up to {Money(got, face.currency)}, the piece is {face}",
            field="parts",
            code="split_mismatch",
        )


def split_off(face: Money, amount: Money) -> list[Money]:
    """Parts for handing over `amount` of a piece: [amount] or [amount, remainder]."""
    if amount > face:
        raise InvalidInput(
            f"{amount} is more than the piece's {face}", field="amount", code="exceeds_piece"
        )
    if amount == face:
        return [amount]
    return [amount, face - amount]


# ---------------------------------------------------------------- tenor and maturity


def add_months(d: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def maturity_for(
    requested: date, issue_date: date, tenor_months: int, calendar: ChinaCalendar
) -> Rolled:
    """Check a requested maturity against the tenor cap and roll it to a working day.

    The cap is the same date `tenor_months` later; a rolled date that would pass the cap rolls
    back to the preceding working day instead, so the tenor is never exceeded.
    """
    if not 1 <= tenor_months <= MAX_TENOR_MONTHS:
        raise InvalidInput(f"the tenor cap is 1 to {MAX_TENOR_MONTHS} months", field="tenor_months")
    limit = add_months(issue_date, tenor_months)
    if requested <= issue_date:
        raise InvalidInput("maturity must be after the issue date", field="maturity_on")
    if requested > limit:
        raise InvalidInput(
            f"maturity {requested} is past the limit of {tenor_months} months ({limit})",
            field="maturity_on",
            code="maturity_past_limit",
        )
    rolled = roll_maturity(requested, limit, calendar)
    if rolled.date <= issue_date:
        raise InvalidInput(
            "no working day between the issue date and the maturity", field="maturity_on"
        )
    return rolled


def roll_maturity(requested: date, limit: date, calendar: ChinaCalendar) -> Rolled:
    """Roll a maturity to the following working day, or the preceding one past `limit`."""
    rolled = calendar.roll(requested, Roll.FOLLOWING)
    if rolled.date > limit:
        rolled = calendar.roll(requested, Roll.PRECEDING)
    return rolled


def maturity_reroll_refusal(
    status: str, maturity: date, new: date, today: date, settlement_instructed: bool
) -> str | None:
    """Why a certificate's maturity may not move to `new` (None: the terms let it move).

    A maturity rolls on the business-day convention of the terms, so a new official schedule
    moves it, until the face is paid or instructed and while both dates are still ahead.
    """
    if status != CertificateStatus.ACTIVE.value:
        return f"the certificate is {status}"
    if settlement_instructed:
        return "its settlement is instructed"
    if maturity <= today:
        return "it has matured"
    if new <= today:
        return "the new maturity is not after today"
    return None


def is_matured(maturity: date, today: date) -> bool:
    return today >= maturity


def grace_end(maturity: date, grace_working_days: int, calendar: ChinaCalendar) -> date:
    """The last working day of grace after maturity; unpaid after it means default."""
    return calendar.add_working_days(maturity, grace_working_days)


def unpaid_status(maturity: date, today: date, grace_until: date) -> CertificateStatus | None:
    """Status of a certificate not fully paid: overdue after maturity, default after grace."""
    if today > grace_until:
        return CertificateStatus.DEFAULTED
    if today > maturity:
        return CertificateStatus.OVERDUE
    return None


# ---------------------------------------------------------------- financing price


@dataclass(frozen=True)
class Pricing:
    """What a funder pays for a piece: face less discount, and the fees taken from it."""

    face: Money
    rate: Decimal
    value_date: date
    maturity: date
    days: int
    day_count: DayCount
    discount: Money
    price: Money
    funder_fee: Money
    platform_fee: Money
    proceeds: Money

    def as_dict(self) -> dict[str, object]:
        return {
            "face": self.face.as_json(),
            "rate": str(self.rate),
            "value_date": self.value_date.isoformat(),
            "maturity": self.maturity.isoformat(),
            "days": self.days,
            "day_count": self.day_count.value,
            "discount": self.discount.as_json(),
            "price": self.price.as_json(),
            "funder_fee": self.funder_fee.as_json(),
            "platform_fee": self.platform_fee.as_json(),
            "proceeds": self.proceeds.as_json(),
        }


def price_piece(
    face: Money,
    rate: Decimal,
    value_date: date,
    maturity: date,
    day_count: DayCount = DayCount.ACT_360,
    *,
    funder_fee: Money | None = None,
    platform_fee_rate: Decimal = Decimal(0),
) -> Pricing:
    """Price = face - face x rate x days / basis; proceeds = price - fees (CNY: ACT/360)."""
    if value_date >= maturity:
        raise RuleViolation(
            f"the piece matures on {maturity}; it cannot be financed on {value_date}",
            code="piece_matured",
        )
    days = days_between(value_date, maturity, day_count)
    discount = simple_interest(face, rate, days, basis_days(day_count))
    price = face - discount
    ffee = funder_fee if funder_fee is not None else Money.zero(face.currency)
    if ffee.currency != face.currency or ffee.is_negative():
        raise InvalidInput("the fee is a non-negative amount in the piece's currency", field="fee")
    pfee = face.scale(platform_fee_rate)
    proceeds = price - ffee - pfee
    if not proceeds.is_positive():
        raise InvalidInput("discount and fees would leave the seller nothing", field="rate")
    return Pricing(
        face, rate, value_date, maturity, days, day_count, discount, price, ffee, pfee, proceeds
    )


# ---------------------------------------------------------------- exposure caps


def check_cap(current: Money, addition: Money, cap: Money, *, who: str) -> None:
    """Refuse when an institution's exposure to one core enterprise would pass its cap."""
    if current.currency != cap.currency or addition.currency != cap.currency:
        raise InvalidInput(
            f"the cap is in {cap.currency}, the exposure in {addition.currency}",
            field="currency",
            code="currency_mismatch",
        )
    after = current + addition
    if after > cap:
        raise RuleViolation(
            f"{who}: exposure would be {after}, over the cap of {cap} (now {current})",
            code="exposure_cap_exceeded",
            details={
                "current": current.as_json(),
                "addition": addition.as_json(),
                "cap": cap.as_json(),
            },
        )


# ---------------------------------------------------------------- settlement


@dataclass(frozen=True)
class Payment:
    """One payment instruction at maturity: the face of a piece to its holder of record."""

    piece_id: str
    payee: str
    amount: Money


def payments_for(live: Iterable[tuple[str, str, Money]]) -> list[Payment]:
    """One payment per live piece (piece id, holder, face), so each holder is paid its pieces."""
    out = [Payment(pid, holder, face) for pid, holder, face in live]
    seen: set[str] = set()
    for p in out:
        if p.piece_id in seen:
            raise Conflict(f"piece {p.piece_id} listed twice", code="duplicate_payment")
        seen.add(p.piece_id)
    return out


# ---------------------------------------------------------------- the in-memory book


@dataclass
class Piece:
    id: str
    certificate_id: str
    parent_id: str | None
    holder: str
    face: Money
    tier: int
    origin: PieceOrigin
    status: PieceStatus = PieceStatus.LIVE
    background: str | None = None


@dataclass
class Certificate:
    id: str
    issuer: str
    line_id: str
    face: Money
    maturity: date
    status: CertificateStatus = CertificateStatus.ACTIVE
    paid: dict[str, Money] = field(default_factory=dict)  # piece id -> paid amount


@dataclass
class Line:
    id: str
    funder: str
    core: str
    limit: Money
    used: Money


@dataclass
class Receivable:
    id: str
    creditor: str
    debtor: str
    unused: Money


@dataclass
class Book:
    """Lines, certificates and pieces in memory, applying the rules the service applies."""

    today: date
    lines: dict[str, Line] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    pieces: dict[str, Piece] = field(default_factory=dict)
    receivables: dict[str, Receivable] = field(default_factory=dict)
    payments: list[Payment] = field(default_factory=list)
    _seq: int = 0

    def _id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq}"

    def add_line(self, funder: str, core: str, limit: Money) -> Line:
        line = Line(self._id("L"), funder, core, limit, Money.zero(limit.currency))
        self.lines[line.id] = line
        return line

    def add_receivable(self, creditor: str, debtor: str, amount: Money) -> Receivable:
        r = Receivable(self._id("R"), creditor, debtor, amount)
        self.receivables[r.id] = r
        return r

    def issue(
        self, line_id: str, holder: str, face: Money, maturity: date, receivable_id: str
    ) -> Piece:
        line = self.lines[line_id]
        rec = self.receivables[receivable_id]
        if rec.creditor != holder or rec.debtor != line.core:
            raise RuleViolation(
                "the receivable is not owed by the issuer to the holder", code="no_trade_background"
            )
        if face > rec.unused:
            raise RuleViolation(
                "more than the receivable's unused amount", code="receivable_exhausted"
            )
        if line.used + face > line.limit:
            raise RuleViolation("the credit line is exhausted", code="line_exhausted")
        if maturity <= self.today:
            raise InvalidInput("maturity must be after today", field="maturity_on")
        rec.unused = rec.unused - face
        line.used = line.used + face
        cert = Certificate(self._id("C"), line.core, line.id, face, maturity)
        self.certificates[cert.id] = cert
        piece = Piece(self._id("P"), cert.id, None, holder, face, 1, PieceOrigin.ISSUE)
        self.pieces[piece.id] = piece
        return piece

    def _live(self, piece_id: str, holder: str) -> Piece:
        piece = self.pieces.get(piece_id)
        if piece is None or piece.holder != holder:
            raise NotFound(f"piece {piece_id} not found")
        if piece.status is not PieceStatus.LIVE:
            raise Conflict(f"piece {piece_id} is {piece.status.value}", code="piece_not_live")
        cert = self.certificates[piece.certificate_id]
        if cert.status not in OPEN_STATUSES or is_matured(cert.maturity, self.today):
            raise RuleViolation("the certificate has matured", code="piece_matured")
        return piece

    def _child(
        self,
        parent: Piece,
        holder: str,
        face: Money,
        origin: PieceOrigin,
        tier: int,
        background: str | None = None,
    ) -> Piece:
        child = Piece(
            self._id("P"),
            parent.certificate_id,
            parent.id,
            holder,
            face,
            tier,
            origin,
            background=background,
        )
        self.pieces[child.id] = child
        return child

    def split(self, piece_id: str, holder: str, parts: Sequence[Money]) -> list[Piece]:
        piece = self._live(piece_id, holder)
        check_split(piece.face, parts)
        piece.status = PieceStatus.SPENT
        return [self._child(piece, holder, p, PieceOrigin.SPLIT, piece.tier) for p in parts]

    def transfer(
        self, piece_id: str, holder: str, to: str, amount: Money, receivable_id: str
    ) -> Piece:
        piece = self._live(piece_id, holder)
        parts = split_off(piece.face, amount)
        rec = self.receivables.get(receivable_id)
        if rec is None or rec.debtor != holder or rec.creditor != to:
            raise RuleViolation("no trade background", code="no_trade_background")
        if rec.unused < amount:
            raise RuleViolation(
                "the receivable's unused amount is too small", code="receivable_exhausted"
            )
        if len(parts) == 2:
            piece = self.split(piece_id, holder, parts)[0]
        rec.unused = rec.unused - amount
        piece.status = PieceStatus.SPENT
        return self._child(piece, to, amount, PieceOrigin.TRANSFER, piece.tier + 1, rec.id)

    def finance(self, piece_id: str, holder: str, funder: str, amount: Money) -> Piece:
        piece = self._live(piece_id, holder)
        parts = split_off(piece.face, amount)
        if len(parts) == 2:
            piece = self.split(piece_id, holder, parts)[0]
        piece.status = PieceStatus.SPENT
        return self._child(piece, funder, amount, PieceOrigin.FINANCE, piece.tier)

    def settle(self, certificate_id: str) -> list[Payment]:
        cert = self.certificates[certificate_id]
        if cert.status is not CertificateStatus.ACTIVE:
            raise Conflict("already instructed", code="already_settling")
        live = [
            p
            for p in self.pieces.values()
            if p.certificate_id == cert.id and p.status is PieceStatus.LIVE
        ]
        pays = payments_for((p.id, p.holder, p.face) for p in live)
        cert.status = CertificateStatus.SETTLING
        self.payments.extend(pays)
        return pays

    def receive(self, certificate_id: str, piece_id: str, amount: Money) -> bool:
        """Book a receipt for a piece; a repeated receipt is ignored (paid exactly once)."""
        cert = self.certificates[certificate_id]
        piece = self.pieces[piece_id]
        if piece.status is PieceStatus.PAID or piece.face != amount:
            return False
        piece.status = PieceStatus.PAID
        cert.paid[piece_id] = amount
        line = self.lines[cert.line_id]
        line.used = line.used - amount
        if all(
            p.status is not PieceStatus.LIVE
            for p in self.pieces.values()
            if p.certificate_id == cert.id
        ):
            cert.status = CertificateStatus.SETTLED
        return True

    # ------------------------------------------------------------ invariants

    def live_face(self, certificate_id: str) -> Money:
        cert = self.certificates[certificate_id]
        return Money(
            sum(
                p.face.minor
                for p in self.pieces.values()
                if p.certificate_id == certificate_id and p.status is PieceStatus.LIVE
            ),
            cert.face.currency,
        )

    def outstanding(self, line_id: str) -> Money:
        line = self.lines[line_id]
        return Money(
            sum(
                self.live_face(c.id).minor
                for c in self.certificates.values()
                if c.line_id == line_id
            ),
            line.limit.currency,
        )

    def check(self) -> None:
        """Re-check every invariant; raise AssertionError naming the first broken one."""
        for cert in self.certificates.values():
            paid = sum(m.minor for m in cert.paid.values())
            if self.live_face(cert.id).minor + paid != cert.face.minor:
                raise AssertionError(f"{cert.id}: live pieces and payments != face")
        for line in self.lines.values():
            if line.used != self.outstanding(line.id):
                raise AssertionError(f"{line.id}: usage {line.used} != outstanding")
        paid_pieces = [p.piece_id for p in self.payments]
        if len(paid_pieces) != len(set(paid_pieces)):
            raise AssertionError("a piece was instructed twice")
