"""The regulator's quarterly assessment of institutions on industry-oriented and inclusive
supply chain finance (seed III.1): versioned indicators and weights, a ranking with each
score's breakdown, the trend over quarters, and exports.

Each indicator is measured per institution over the quarter's funded financings (decided in
the quarter, in CNY, from every room supervision counts), scaled min-max across the
institutions (see `model.normalise`), weighted, and summed to a score out of 100 (see
`model.score`). An institution sees the ranking and its own breakdown,
never another's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core import i18n
from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.i18n import N_
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.institutions import model as M
from scf.institutions.tables import AssessmentRow, IndicatorSetRow, ScoreRow
from scf.parties import service as parties
from scf.supervision import service as supervision

FUNDER_ROLES = ("bank", "factoring_company", "local_financial_org")
CURRENCY = "CNY"
HOURS = Decimal("0.01")
RATE = Decimal("0.000001")
CENT = Decimal("0.01")


def indicator_set_dict(row: IndicatorSetRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "revision": row.revision,
        "indicators": list(row.indicators),
        "note": row.note,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


def create_indicator_set(
    uow: UnitOfWork, items: Sequence[tuple[str, Decimal]], note: str = ""
) -> IndicatorSetRow:
    """The regulator sets a new revision of the indicators and their weights (adding up to 1)."""
    supervision.require_regulator(uow)
    checked = M.check_weights(items)
    last = uow.session.scalar(select(func.max(IndicatorSetRow.revision)))
    row = IndicatorSetRow(
        id=new_id("ins"),
        revision=(last or 0) + 1,
        indicators=[{"indicator": i.value, "weight": str(w)} for i, w in checked],
        note=note.strip(),
        created_by=uow.actor.username,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("institutions.indicators.set", "indicator_set", row.id, after=indicator_set_dict(row))
    uow.commit()
    return row


def list_indicator_sets(uow: UnitOfWork) -> list[IndicatorSetRow]:
    return list(uow.session.scalars(select(IndicatorSetRow).order_by(IndicatorSetRow.revision)))


def _institutions(uow: UnitOfWork) -> list[str]:
    out: set[str] = set()
    for role in FUNDER_ROLES:
        rows, _ = parties.list_organizations(uow, role=role, limit=100_000)
        out |= {r.id for r in rows}
    return sorted(out)


def measure(uow: UnitOfWork, first: date, last: date) -> dict[str, dict[str, Decimal | None]]:
    """Every institution's indicator values over the days (regulator's facts)."""
    facts = [
        f for f in supervision.financing_facts(uow) if f.funded and f.amount.currency == CURRENCY
    ]
    borrowers = parties.organizations_by_id(uow, {f.borrower_org_id for f in facts})
    keys = set(financing.key_chains())
    first_funded: dict[str, date] = {}
    for f in facts:
        d = f.decided_on
        if f.borrower_org_id not in first_funded or d < first_funded[f.borrower_org_id]:
            first_funded[f.borrower_org_id] = d
    by_funder: dict[str, list[Any]] = defaultdict(list)
    for f in facts:
        by_funder[f.funder_org_id].append(f)
    out: dict[str, dict[str, Decimal | None]] = {}
    for org in _institutions(uow):
        mine = by_funder.get(org, [])
        quarter = [f for f in mine if first <= f.decided_on <= last]
        out[org] = _values(quarter, mine, last, borrowers, keys, first_funded, first)
    return out


def _is_sme(borrowers: dict[str, Any], org_id: str) -> bool:
    b = borrowers.get(org_id)
    return b is not None and b.size_class in {"micro", "small", "medium"}


def _values(
    quarter: list[Any],
    mine: list[Any],
    last: date,
    borrowers: dict[str, Any],
    keys: set[str],
    first_funded: dict[str, date],
    first: date,
) -> dict[str, Decimal | None]:
    sme = [f for f in quarter if _is_sme(borrowers, f.borrower_org_id)]
    total = sum((f.amount.amount for f in quarter), Decimal(0))
    keyed = sum(
        (
            f.amount.amount
            for f in quarter
            if set(getattr(borrowers.get(f.borrower_org_id), "chain_tags", None) or []) & keys
        ),
        Decimal(0),
    )
    priced = [f for f in quarter if f.rate is not None]
    priced_amount = sum((f.amount.amount for f in priced), Decimal(0))
    timed = [f for f in quarter if f.decided_at is not None]
    upto = [f for f in mine if f.decided_on <= last]
    upto_amount = sum((f.amount.amount for f in upto), Decimal(0))
    defaulted = sum((f.amount.amount for f in upto if f.defaulted), Decimal(0))
    firsts = {
        f.borrower_org_id for f in sme if first <= first_funded[f.borrower_org_id] == f.decided_on
    }
    tiers = [f.tier for f in quarter if f.tier is not None]
    return {
        M.Indicator.SME_VOLUME.value: sum((f.amount.amount for f in sme), Decimal(0)).quantize(
            CENT
        ),
        M.Indicator.SME_COUNT.value: Decimal(len({f.borrower_org_id for f in sme})),
        M.Indicator.FIRST_TIME.value: Decimal(len(firsts)),
        M.Indicator.TIER_REACH.value: Decimal(max(tiers)) if tiers else None,
        M.Indicator.KEY_CHAIN_SHARE.value: (keyed / total).quantize(M.SHARE) if total else None,
        M.Indicator.AVERAGE_RATE.value: (
            sum((f.amount.amount * f.rate for f in priced), Decimal(0)) / priced_amount
        ).quantize(RATE, rounding=ROUND_HALF_UP)
        if priced_amount
        else None,
        M.Indicator.DECISION_HOURS.value: (
            sum(
                (Decimal(int((f.decided_at - f.applied_at).total_seconds())) for f in timed),
                Decimal(0),
            )
            / Decimal(3600 * len(timed))
        ).quantize(HOURS, rounding=ROUND_HALF_UP)
        if timed
        else None,
        M.Indicator.NPL_RATIO.value: (defaulted / upto_amount).quantize(M.SHARE)
        if upto_amount
        else None,
    }


def run_assessment(uow: UnitOfWork, quarter: str) -> AssessmentRow:
    """The regulator scores every institution over the quarter under the newest indicators."""
    supervision.require_regulator(uow)
    M.check_quarter(quarter)
    first, last = supervision.quarter_bounds(quarter)
    quarter = quarter.upper()
    if first > uow.today():
        raise InvalidInput(f"{quarter} has not begun", field="quarter")
    iset = uow.session.scalar(select(IndicatorSetRow).order_by(IndicatorSetRow.revision.desc()))
    if iset is None:
        raise Conflict("set the indicators and weights first", code="no_indicators")
    taken = uow.session.scalar(
        select(AssessmentRow.id).where(
            AssessmentRow.quarter == quarter, AssessmentRow.indicator_set_id == iset.id
        )
    )
    if taken is not None:
        raise Conflict(
            f"{quarter} is assessed under revision {iset.revision} already ({taken})",
            code="already_assessed",
        )
    weights = [(M.Indicator(i["indicator"]), Decimal(i["weight"])) for i in iset.indicators]
    scored = M.score(measure(uow, first, last), weights)
    ranks = M.rank({org: s for org, (s, _) in scored.items()})
    row = AssessmentRow(
        id=new_id("asm"),
        quarter=quarter,
        indicator_set_id=iset.id,
        revision=iset.revision,
        computed_by=uow.actor.username,
        computed_at=uow.now(),
    )
    uow.session.add(row)
    for org, (s, parts) in scored.items():
        uow.session.add(
            ScoreRow(
                id=new_id("scr"),
                assessment_id=row.id,
                org_id=org,
                score=s,
                rank=ranks[org],
                breakdown=[p.as_dict() for p in parts],
            )
        )
    uow.flush()
    uow.audit(
        "institutions.assessment.run",
        "assessment",
        row.id,
        after={
            "quarter": quarter,
            "revision": iset.revision,
            "scores": {o: str(s) for o, (s, _) in scored.items()},
        },
    )
    uow.commit()
    return row


def _latest(uow: UnitOfWork, quarter: str) -> AssessmentRow:
    M.check_quarter(quarter)
    row = uow.session.scalar(
        select(AssessmentRow)
        .where(AssessmentRow.quarter == quarter.upper())
        .order_by(AssessmentRow.revision.desc(), AssessmentRow.computed_at.desc())
    )
    if row is None:
        raise NotFound(f"{quarter.upper()} is not assessed yet")
    return row


def _viewer(uow: UnitOfWork) -> str | None:
    """None for the regulator (sees every breakdown); else the institution's own id."""
    a = uow.actor
    if a.is_regulator or a.is_system:
        return None
    parties.require_role(a, *FUNDER_ROLES)
    assert a.org_id is not None
    return a.org_id


def assessment_view(uow: UnitOfWork, quarter: str) -> dict[str, Any]:
    """The quarter's ranking; each line's breakdown for the regulator, and for an institution
    only its own line's."""
    own = _viewer(uow)
    row = _latest(uow, quarter)
    scores = list(
        uow.session.scalars(
            select(ScoreRow)
            .where(ScoreRow.assessment_id == row.id)
            .order_by(ScoreRow.rank, ScoreRow.org_id)
        )
    )
    names = parties.organizations_by_id(uow, [s.org_id for s in scores])
    iset = uow.session.get(IndicatorSetRow, row.indicator_set_id)
    assert iset is not None
    return {
        "id": row.id,
        "quarter": row.quarter,
        "revision": row.revision,
        "indicators": list(iset.indicators),
        "computed_at": row.computed_at,
        "ranking": [
            {
                "org_id": s.org_id,
                "name": names[s.org_id].name if s.org_id in names else s.org_id,
                "score": str(s.score),
                "rank": s.rank,
                "breakdown": list(s.breakdown) if own is None or own == s.org_id else None,
            }
            for s in scores
        ],
    }


def trend(uow: UnitOfWork, org_id: str | None = None) -> list[dict[str, Any]]:
    """An institution's score and rank in each quarter assessed (the newest revision of each);
    an institution sees its own only."""
    own = _viewer(uow)
    if own is not None:
        if org_id not in (None, own):
            raise NotFound(f"organization {org_id} not found")
        org_id = own
    if org_id is None:
        raise InvalidInput("name the institution", field="org_id")
    latest: dict[str, AssessmentRow] = {}
    for a in uow.session.scalars(
        select(AssessmentRow).order_by(AssessmentRow.quarter, AssessmentRow.revision)
    ):
        latest[a.quarter] = a
    out = []
    for quarter, a in sorted(latest.items()):
        s = uow.session.scalar(
            select(ScoreRow).where(ScoreRow.assessment_id == a.id, ScoreRow.org_id == org_id)
        )
        n = uow.session.scalar(select(func.count()).where(ScoreRow.assessment_id == a.id))
        if s is not None:
            out.append(
                {
                    "quarter": quarter,
                    "score": str(s.score),
                    "rank": s.rank,
                    "of": int(n or 0),
                    "revision": a.revision,
                }
            )
    return out


def _rows(view: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    inds = [i["indicator"] for i in view["indicators"]]
    header = ["rank", "org_id", "name", "score", *inds]
    rows = []
    for line in view["ranking"]:
        points = {p["indicator"]: p["points"] for p in line["breakdown"] or []}
        rows.append(
            [line["rank"], line["org_id"], line["name"], Decimal(line["score"])]
            + [Decimal(points[i]) if i in points else None for i in inds]
        )
    return header, rows


def export_xlsx(uow: UnitOfWork, quarter: str) -> bytes:
    """The quarter's ranking with every breakdown as a workbook (regulator)."""
    supervision.require_regulator(uow)
    view = assessment_view(uow, quarter)
    header, rows = _rows(view)
    values = [
        [line["org_id"], p["indicator"], p["weight"], p["value"], p["normalised"], p["points"]]
        for line in view["ranking"]
        for p in line["breakdown"] or []
    ]
    return supervision.table_xlsx(
        [
            ("ranking", header, rows),
            (
                "breakdown",
                ["org_id", "indicator", "weight", "value", "normalised", "points"],
                values,
            ),
        ]
    )


def _both(text: str) -> str:
    return f"{i18n.gettext('zh', text)} {text}"


def _both_label(indicator: str) -> str:
    zh = i18n.label("zh", "institutions.Indicator", indicator)
    return f"{zh} {i18n.label('en', 'institutions.Indicator', indicator)}"


def export_pdf(uow: UnitOfWork, quarter: str) -> bytes:
    """The quarter's ranking as a PDF in Chinese and English (regulator)."""
    supervision.require_regulator(uow)
    view = assessment_view(uow, quarter)
    header, rows = _rows(view)
    labels = [
        _both(N_("Rank")),
        "ID",
        _both(N_("Institution")),
        _both(N_("Score")),
        *(_both_label(i) for i in header[4:]),
    ]
    table = [labels, *[["" if c is None else str(c) for c in r] for r in rows]]
    title = _both(N_("Assessment of institutions")) + f" {view['quarter']}"
    sub = _both(N_("Indicator revision")) + f" {view['revision']}"
    return supervision.table_pdf(title, sub, [(_both(N_("Ranking")), table)])
