"""Data quality monitoring: checks over the platform's records (completeness, validity,
consistency across rooms, timeliness of each source), each run's results kept with counts
and examples, and an alert when a check falls below its threshold.

A check reads the records of the rooms through their services and returns how many records
it looked at and which of them fail, with the reason; a run stores one result per check
(`QualityResultRow`) and audits an alert for each check below its threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core.errors import PermissionDenied
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.governance.model import QualityDimension
from scf.governance.tables import QualityResultRow
from scf.parties import service as parties
from scf.trade import service as trade

EXAMPLES = 5
STALE_DAYS = 30  # an enterprise's trade intake older than this is late
WINDOW_DAYS = 30  # a sudden drop compares the last window with the one before it
DROP_BELOW = Decimal("0.5")  # a drop: the last window below half of the one before
DROP_MIN = 4  # too few records in the window before to call a drop
PAYMENT_LAG_DAYS = 7  # a payment entered later than this after its value date is late

Failure = tuple[str, str]  # (record id, why it fails)


@dataclass(frozen=True)
class Facts:
    """The records the checks read, fetched once per run."""

    now: datetime
    orgs: dict[str, Any]
    invoices: list[trade.InvoiceFact]
    payments: list[trade.PaymentFact]


@dataclass(frozen=True)
class Check:
    code: str
    source: str
    dimension: QualityDimension
    threshold: Decimal  # the least share of records that must pass
    description: str
    run: Callable[[Facts], tuple[int, list[Failure]]]


def _contact(f: Facts) -> tuple[int, list[Failure]]:
    bad = []
    for org in f.orgs.values():
        missing = [k for k in ("phone", "address") if not str(getattr(org, k) or "").strip()]
        if missing:
            bad.append((org.id, "missing " + ", ".join(missing)))
    return len(f.orgs), bad


def _amounts(f: Facts) -> tuple[int, list[Failure]]:
    bad = []
    for i in f.invoices:
        if i.total_minor != i.net_minor + i.tax_minor:
            bad.append((i.id, f"total {i.total_minor} is not net + tax"))
        elif i.due_date < i.issue_date:
            bad.append((i.id, "due before it was issued"))
        elif abs(i.payable_minor) > abs(i.total_minor):
            bad.append((i.id, "payable above the total"))
    return len(f.invoices), bad


def _invoice_parties(f: Facts) -> tuple[int, list[Failure]]:
    bad = []
    for i in f.invoices:
        for side, org_id, uscc in (
            ("seller", i.seller_org_id, i.seller_uscc),
            ("buyer", i.buyer_org_id, i.buyer_uscc),
        ):
            org = f.orgs.get(org_id)
            if org is None:
                bad.append((i.id, f"{side} {org_id} is not an organization of the platform"))
                break
            if org.uscc != uscc:
                bad.append((i.id, f"{side} USCC {uscc} differs from the party's {org.uscc}"))
                break
    return len(f.invoices), bad


def _payment_parties(f: Facts) -> tuple[int, list[Failure]]:
    invoices = {i.id for i in f.invoices}
    bad = []
    for p in f.payments:
        if p.payee_org_id not in f.orgs:
            bad.append((p.id, f"payee {p.payee_org_id} is not an organization of the platform"))
        elif p.payer_org_id is not None and p.payer_org_id not in f.orgs:
            bad.append((p.id, f"payer {p.payer_org_id} is not an organization of the platform"))
        elif p.invoice_id is not None and p.invoice_id not in invoices:
            bad.append((p.id, f"invoice {p.invoice_id} is not on the platform"))
        elif p.amount_minor <= 0:
            bad.append((p.id, "amount not above zero"))
    return len(f.payments), bad


def _intake_late(f: Facts) -> tuple[int, list[Failure]]:
    last: dict[str, datetime] = {}
    for i in f.invoices:
        last[i.seller_org_id] = max(last.get(i.seller_org_id, i.created_at), i.created_at)
    limit = f.now - timedelta(days=STALE_DAYS)
    bad = [
        (org_id, f"last invoice received {(f.now - at).days} days ago")
        for org_id, at in sorted(last.items())
        if at < limit
    ]
    return len(last), bad


def _intake_drop(f: Facts) -> tuple[int, list[Failure]]:
    recent: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    start = f.now - timedelta(days=WINDOW_DAYS)
    for i in f.invoices:
        if i.created_at >= start:
            recent[i.seller_org_id] += 1
        elif i.created_at >= start - timedelta(days=WINDOW_DAYS):
            before[i.seller_org_id] += 1
    watched = sorted(k for k, n in before.items() if n >= DROP_MIN)
    bad = [
        (k, f"{recent[k]} invoices in the last {WINDOW_DAYS} days after {before[k]}")
        for k in watched
        if Decimal(recent[k]) < DROP_BELOW * before[k]
    ]
    return len(watched), bad


def _payment_late(f: Facts) -> tuple[int, list[Failure]]:
    bad = []
    for p in f.payments:
        lag = (p.created_at.date() - p.value_date).days
        if lag > PAYMENT_LAG_DAYS:
            bad.append((p.id, f"entered {lag} days after its value date"))
    return len(f.payments), bad


C, V, X, T = (
    QualityDimension.COMPLETENESS,
    QualityDimension.VALIDITY,
    QualityDimension.CONSISTENCY,
    QualityDimension.TIMELINESS,
)
CHECKS: tuple[Check, ...] = (
    Check(
        "org_contact",
        "parties",
        C,
        Decimal("0.9"),
        "organizations with a phone and an address",
        _contact,
    ),
    Check(
        "invoice_amounts",
        "trade",
        V,
        Decimal("0.99"),
        "invoices whose amounts and dates add up",
        _amounts,
    ),
    Check(
        "invoice_parties",
        "trade",
        X,
        Decimal("0.99"),
        "invoices whose seller and buyer match the parties room",
        _invoice_parties,
    ),
    Check(
        "payment_parties",
        "trade",
        X,
        Decimal("0.99"),
        "payments whose parties and invoice exist",
        _payment_parties,
    ),
    Check(
        "intake_timely",
        "trade",
        T,
        Decimal("0.8"),
        "enterprises that sent invoices in the last 30 days",
        _intake_late,
    ),
    Check(
        "intake_steady",
        "trade",
        T,
        Decimal("0.9"),
        "enterprises without a sudden drop of invoices",
        _intake_drop,
    ),
    Check(
        "payment_timely",
        "trade",
        T,
        Decimal("0.95"),
        "payments entered within 7 days of their value date",
        _payment_late,
    ),
)
CHECK_CODES = tuple(c.code for c in CHECKS)


def _require(uow: UnitOfWork, run: bool = False) -> None:
    a = uow.actor
    if not (a.is_system or a.is_operator or (a.is_regulator and not run)):
        who = "the operator" if run else "the operator and the regulator"
        raise PermissionDenied(f"only {who} may do this")


def _facts(uow: UnitOfWork) -> Facts:
    orgs, _ = parties.list_organizations(uow, limit=1_000_000)
    return Facts(
        now=uow.now(),
        orgs={o.id: o for o in orgs},
        invoices=trade.invoice_facts(uow),
        payments=trade.payment_facts(uow),
    )


def run_checks(uow: UnitOfWork) -> list[QualityResultRow]:
    """Run every check now, store each result with its failing examples, audit the run and an
    alert per check below its threshold; the results, in the order of the checks."""
    _require(uow, run=True)
    facts = _facts(uow)
    run_id = new_id("dqr")
    run_no = (uow.session.scalar(select(func.max(QualityResultRow.run_no))) or 0) + 1
    out = []
    for check in CHECKS:
        total, failing = check.run(facts)
        score = (
            (Decimal(total - len(failing)) / total).quantize(Decimal("0.0001"))
            if total
            else Decimal(1)
        )
        row = QualityResultRow(
            id=new_id("dqc"),
            run_id=run_id,
            run_no=run_no,
            check=check.code,
            source=check.source,
            dimension=check.dimension.value,
            total=total,
            failing=len(failing),
            score=score,
            threshold=check.threshold,
            alert=score < check.threshold,
            examples=[{"id": i, "why": why} for i, why in failing[:EXAMPLES]],
            run_at=facts.now,
        )
        uow.session.add(row)
        out.append(row)
    uow.flush()
    for row in out:
        if row.alert:
            uow.audit("data_quality.alert", "data_quality", row.id, after=row.snapshot())
    uow.audit(
        "data_quality.run",
        "data_quality",
        run_id,
        after={"checks": len(out), "alerts": sum(r.alert for r in out)},
    )
    uow.commit()
    return out


def latest_results(uow: UnitOfWork) -> list[QualityResultRow]:
    """The results of the latest run, in the order of the checks (none before a first run)."""
    _require(uow)
    last = uow.session.scalar(select(func.max(QualityResultRow.run_no)))
    if last is None:
        return []
    rows = uow.session.scalars(select(QualityResultRow).where(QualityResultRow.run_no == last))
    by_code = {r.check: r for r in rows}
    return [by_code[c] for c in CHECK_CODES if c in by_code]


def history(uow: UnitOfWork, check: str, limit: int = 30) -> list[QualityResultRow]:
    """A check's results over its latest runs, newest first."""
    _require(uow)
    stmt = (
        select(QualityResultRow)
        .where(QualityResultRow.check == check)
        .order_by(QualityResultRow.run_no.desc())
        .limit(limit)
    )
    return list(uow.session.scalars(stmt))


def describe(code: str) -> Check:
    """The check of a code."""
    return next(c for c in CHECKS if c.code == code)
