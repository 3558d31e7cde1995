"""Splittable electronic commercial bills: record a bill, endorse part of it, find who holds
an interval of sub-bills. One sub-bill is 0.01 yuan, so an interval's length is its face in
fen; the bill-discounting scenario reads the holder from here."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from scf.core.errors import InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing.common import ENTERPRISE, add_audited, watches_all
from scf.financing.tables import BillRow
from scf.parties import service as parties

# Supply chain bills run at most six months (the bill rules for the new-generation system).
MAX_TENOR_MONTHS = 6


def six_months_after(d: date) -> date:
    """The same day six months later, or the month's last day when it has fewer days."""
    y, m = (
        d.year + (d.month + MAX_TENOR_MONTHS - 1) // 12,
        (d.month + MAX_TENOR_MONTHS - 1) % 12 + 1,
    )
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _org(uow: UnitOfWork, org_id: str, field: str) -> str:
    try:
        return parties.find_organization(uow, org_id).id
    except NotFound:
        raise InvalidInput(f"no organization {org_id}", field=field) from None


def bill_dict(b: BillRow) -> dict[str, Any]:
    return {
        "id": b.id,
        "package_no": b.package_no,
        "sub_from": b.sub_from,
        "sub_to": b.sub_to,
        "drawer_org_id": b.drawer_org_id,
        "acceptor_org_id": b.acceptor_org_id,
        "holder_org_id": b.holder_org_id,
        "face": b.face.as_json(),
        "issued_on": b.issued_on.isoformat(),
        "due_on": b.due_on.isoformat(),
        "endorsements": b.endorsements,
        "parent_id": b.parent_id,
        "status": b.status,
    }


def record_bill(
    uow: UnitOfWork,
    *,
    package_no: str,
    drawer_org_id: str,
    acceptor_org_id: str,
    holder_org_id: str,
    face: Money,
    issued_on: date,
    due_on: date,
) -> BillRow:
    """The acceptor or the drawer records a bill; the payee holds sub-bills 1 to face in fen."""
    parties.require_role(uow.actor, *ENTERPRISE)
    me = uow.actor.org_id
    package = package_no.strip().upper()
    if not package.isalnum() or not 1 <= len(package) <= 40:
        raise InvalidInput("1 to 40 letters and digits", field="package_no")
    drawer = _org(uow, drawer_org_id, "drawer_org_id")
    acceptor = _org(uow, acceptor_org_id, "acceptor_org_id")
    holder = _org(uow, holder_org_id, "holder_org_id")
    if me not in (drawer, acceptor):
        raise PermissionDenied("a bill is recorded by its acceptor or its drawer")
    parties.require_not_blacklisted(uow, acceptor)
    if face.currency != "CNY":
        raise InvalidInput("commercial bills are in CNY", field="face.currency")
    if not face.is_positive():
        raise InvalidInput("above zero", field="face.amount")
    if due_on <= issued_on:
        raise InvalidInput("after the issue date", field="due_on")
    if due_on > six_months_after(issued_on):
        raise InvalidInput(
            f"a supply chain bill runs at most six months: due by "
            f"{six_months_after(issued_on).isoformat()}",
            field="due_on",
            code="tenor_too_long",
        )
    if uow.session.scalar(select(BillRow.id).where(BillRow.package_no == package)) is not None:
        raise InvalidInput(f"bill package {package} is already recorded", field="package_no")
    row = BillRow(
        id=new_id("bil"),
        package_no=package,
        sub_from=1,
        sub_to=face.minor,
        drawer_org_id=drawer,
        acceptor_org_id=acceptor,
        holder_org_id=holder,
        currency=face.currency,
        face_minor=face.minor,
        issued_on=issued_on,
        due_on=due_on,
        endorsements=0,
        parent_id=None,
        status="held",
        created_at=uow.now(),
    )
    add_audited(uow, row, "financing.bill.recorded", ("bill", row.id), bill_dict)
    uow.commit()
    return row


def endorse(uow: UnitOfWork, bill_id: str, to_org_id: str, sub_count: int | None) -> BillRow:
    """The holder endorses the first `sub_count` sub-bills of its interval (all by default) to
    another enterprise; the rest stays with it as a new interval."""
    parties.require_role(uow.actor, *ENTERPRISE)
    row = uow.session.get(BillRow, bill_id)
    if row is None or row.holder_org_id != uow.actor.org_id:
        raise NotFound(f"bill {bill_id} not found")
    if row.status != "held":
        raise InvalidInput(f"bill {bill_id} was split; endorse one of its parts", field="bill_id")
    to = _org(uow, to_org_id, "to_org_id")
    if to == row.holder_org_id:
        raise InvalidInput("endorse to another enterprise", field="to_org_id")
    parties.require_not_blacklisted(uow, to)
    length = row.sub_to - row.sub_from + 1
    n = length if sub_count is None else sub_count
    if not 1 <= n <= length:
        raise InvalidInput(f"between 1 and {length} sub-bills", field="sub_count")
    before = bill_dict(row)
    row.status = "split"
    parts = [(row.sub_from, row.sub_from + n - 1, to, row.endorsements + 1)]
    if n < length:
        parts.append((row.sub_from + n, row.sub_to, row.holder_org_id, row.endorsements))
    made = []
    for lo, hi, holder, endorsements in parts:
        part = BillRow(
            id=new_id("bil"),
            package_no=row.package_no,
            sub_from=lo,
            sub_to=hi,
            drawer_org_id=row.drawer_org_id,
            acceptor_org_id=row.acceptor_org_id,
            holder_org_id=holder,
            currency=row.currency,
            face_minor=hi - lo + 1,
            issued_on=row.issued_on,
            due_on=row.due_on,
            endorsements=endorsements,
            parent_id=row.id,
            status="held",
            created_at=uow.now(),
        )
        uow.session.add(part)
        made.append(part)
    uow.flush()
    uow.audit(
        "financing.bill.endorsed",
        "bill",
        row.id,
        before=before,
        after={"parts": [bill_dict(p) for p in made]},
    )
    uow.commit()
    return made[0]


def list_bills(uow: UnitOfWork) -> list[BillRow]:
    """Live intervals the caller holds, drew or accepted (all for watchers)."""
    stmt = select(BillRow).where(BillRow.status == "held")
    a = uow.actor
    if not watches_all(a):
        stmt = stmt.where(
            (BillRow.holder_org_id == a.org_id)
            | (BillRow.drawer_org_id == a.org_id)
            | (BillRow.acceptor_org_id == a.org_id)
        )
    return list(uow.session.scalars(stmt.order_by(BillRow.package_no, BillRow.sub_from)))


def held_interval(uow: UnitOfWork, package_no: str, lo: int, hi: int, holder: str) -> BillRow:
    """The live interval of `holder` that contains sub-bills lo..hi, or a refusal saying so."""
    row = uow.session.scalar(
        select(BillRow).where(
            BillRow.package_no == package_no.upper(),
            BillRow.status == "held",
            BillRow.holder_org_id == holder,
            BillRow.sub_from <= lo,
            BillRow.sub_to >= hi,
        )
    )
    if row is None:
        raise InvalidInput(
            f"the applicant holds no sub-bills {lo}-{hi} of bill package {package_no}",
            field="asset.package_no",
            code="bill_not_held",
        )
    return row
