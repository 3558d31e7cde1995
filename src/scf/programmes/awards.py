"""Incentive programmes (seed II, III.2; the "Several Measures"): the operator keeps each
programme's kind, budget, period and rules (versioned data in `scf.programmes.rules`, never
code); an institution or enterprise applies, the platform assembles the evidence from its own
records, the operator's reviewer decides, and the award and its payment are recorded against
the budget, which no approval may overrun.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.parties.model import FUNDER_ROLES, KEY_CHAINS, District, Role
from scf.programmes.model import APPLICANT_ROLES, ApplicationStatus, ProgrammeKind, live_on
from scf.programmes.parks import park_members_of_operator
from scf.programmes.rules import award_amount, check_rules, is_eligible
from scf.programmes.tables import (
    AwardApplicationRow,
    ParkMemberRow,
    ProgrammeRow,
    ProgrammeRulesRow,
)
from scf.supervision import service as supervision


def _commit(uow: UnitOfWork, action: str, kind: str, row: Any, before: Any = None) -> None:
    uow.flush()
    uow.audit(action, kind, row.id, before=before, after=row.snapshot())
    uow.commit()


def create_programme(
    uow: UnitOfWork,
    *,
    name: str,
    kind: str,
    district: str | None,
    budget: Money,
    starts_on: date,
    ends_on: date,
    eligibility: str,
    amount: str,
) -> ProgrammeRow:
    """The operator opens a programme with its first rules (refused if a rule names an
    unknown indicator or does not compute)."""
    parties.require_role(uow.actor, Role.OPERATOR)
    if not name.strip():
        raise InvalidInput("a name is required", field="name")
    if kind not in {k.value for k in ProgrammeKind}:
        raise InvalidInput(f"unknown programme kind {kind!r}", field="kind")
    if district is not None and district not in {d.value for d in District}:
        raise InvalidInput(f"unknown district {district!r}", field="district")
    if not budget.is_positive():
        raise InvalidInput("the budget must be more than zero", field="budget")
    if ends_on < starts_on:
        raise InvalidInput("the period ends before it starts", field="ends_on")
    used = check_rules(eligibility, amount)
    if uow.session.scalar(select(ProgrammeRow.id).where(ProgrammeRow.name == name.strip())):
        raise Conflict("a programme of this name exists", code="duplicate_programme")
    row = ProgrammeRow(
        id=new_id("prg"),
        name=name.strip(),
        kind=kind,
        district=district,
        budget_minor=budget.minor,
        currency=budget.currency,
        starts_on=starts_on,
        ends_on=ends_on,
        rules_version=1,
        committed_minor=0,
        paid_minor=0,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    _add_rules(uow, row, 1, eligibility, amount, used)
    _commit(uow, "programme.created", "programme", row)
    return row


def _add_rules(
    uow: UnitOfWork,
    programme: ProgrammeRow,
    number: int,
    eligibility: str,
    amount: str,
    used: list[str],
) -> ProgrammeRulesRow:
    rules = ProgrammeRulesRow(
        id=new_id("prr"),
        programme_id=programme.id,
        number=number,
        eligibility=eligibility.strip(),
        amount=amount.strip(),
        indicators=used,
        created_by=uow.actor.user_id,
        created_at=uow.now(),
    )
    uow.session.add(rules)
    return rules


def revise_rules(
    uow: UnitOfWork, programme_id: str, expected_version: int, eligibility: str, amount: str
) -> ProgrammeRow:
    """The operator edits the rules: a new version; applications keep the version they met."""
    parties.require_role(uow.actor, Role.OPERATOR)
    row = _programme(uow, programme_id)
    if row.version != expected_version:
        raise Conflict("the programme changed meanwhile; reload it", code="stale_version")
    used = check_rules(eligibility, amount)
    before = row.snapshot()
    row.rules_version += 1
    _add_rules(uow, row, row.rules_version, eligibility, amount, used)
    _commit(uow, "programme.rules_revised", "programme", row, before)
    return row


def _programme(uow: UnitOfWork, programme_id: str) -> ProgrammeRow:
    row = uow.session.get(ProgrammeRow, programme_id)
    if row is None:
        raise NotFound(f"programme {programme_id} not found")
    return row


def rules_of(
    uow: UnitOfWork, programme_id: str, number: int | None = None
) -> list[ProgrammeRulesRow]:
    """The rules' versions of a programme, newest first (or the one numbered)."""
    stmt = select(ProgrammeRulesRow).where(ProgrammeRulesRow.programme_id == programme_id)
    if number is not None:
        stmt = stmt.where(ProgrammeRulesRow.number == number)
    return list(uow.session.scalars(stmt.order_by(ProgrammeRulesRow.number.desc())))


def list_programmes(uow: UnitOfWork) -> list[ProgrammeRow]:
    """Every programme: they are public policy, anyone logged in may read them."""
    return list(
        uow.session.scalars(
            select(ProgrammeRow).order_by(ProgrammeRow.starts_on, ProgrammeRow.name)
        )
    )


def get_programme(uow: UnitOfWork, programme_id: str) -> dict[str, Any]:
    """A programme with its rules' versions and what its budget has left."""
    row = _programme(uow, programme_id)
    return {
        **row.snapshot(),
        "version": row.version,
        "remaining": (row.budget - row.committed).as_json(),
        "rules": [r.snapshot() for r in rules_of(uow, programme_id)],
    }


# ---------------------------------------------------------------- evidence


def evidence_for(uow: UnitOfWork, programme: ProgrammeRow, org_id: str) -> dict[str, Any]:
    """The indicator values of an applicant over the programme's period, from the platform's
    own records, with the records they came from."""
    org = parties.find_organization(uow, org_id)
    end = min(programme.ends_on, uow.today())
    figures = supervision.organization_figures(uow, org_id, programme.starts_on, end)
    memberships = uow.session.scalars(select(ParkMemberRow).where(ParkMemberRow.org_id == org_id))
    in_park = any(live_on(m.joined_on, m.left_on, end) for m in memberships)
    operated = park_members_of_operator(uow, org_id, end)
    park_sme = Decimal(0)
    if operated:
        pop = supervision.population_figures(uow, operated, programme.starts_on, end)
        park_sme = sum(
            (Decimal(a["amount"]) for a in pop["sme_amounts"] if a["currency"] == "CNY"), Decimal(0)
        )
    years = (
        end.year
        - org.founded_on.year
        - ((end.month, end.day) < (org.founded_on.month, org.founded_on.day))
    )
    values: dict[str, Decimal] = {
        "is_sme": Decimal(int(parties.is_sme(org))),
        "is_institution": Decimal(int(bool(set(org.roles) & FUNDER_ROLES))),
        "key_chain": Decimal(int(bool(set(org.chain_tags) & KEY_CHAINS))),
        "years_operating": Decimal(max(years, 0)),
        "registered_capital": org.registered_capital.amount
        if org.registered_capital.currency == "CNY"
        else Decimal(0),
        "financed_amount": figures["financed_amount"],
        "financed_count": Decimal(figures["financed_count"]),
        "financed_rate": figures["financed_rate"],
        "funded_amount": figures["funded_amount"],
        "funded_count": Decimal(figures["funded_count"]),
        "smes_reached": Decimal(figures["smes_reached"]),
        "defaulted": Decimal(figures["defaulted"]),
        "park_member": Decimal(int(in_park)),
        "park_members": Decimal(len(operated)),
        "park_sme_amount": park_sme,
    }
    return {
        "period": {"start": programme.starts_on.isoformat(), "end": end.isoformat()},
        "values": {k: str(v) for k, v in values.items()},
        "financings": figures["financings"],
    }


def _values(evidence: dict[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in evidence["values"].items()}


# ---------------------------------------------------------------- applications


def apply(uow: UnitOfWork, programme_id: str) -> AwardApplicationRow:
    """The acting institution or enterprise applies; the platform assembles the evidence and
    computes eligibility and amount under the rules in force."""
    actor = uow.actor
    programme = _programme(uow, programme_id)
    if actor.org_id is None or not actor.has(*APPLICANT_ROLES[ProgrammeKind(programme.kind)]):
        raise PermissionDenied(
            "this programme is not for your organization", code="role_not_allowed"
        )
    today = uow.today()
    if not programme.starts_on <= today <= programme.ends_on:
        raise Conflict("the programme takes no applications today", code="programme_closed")
    org = parties.find_organization(uow, actor.org_id)
    if programme.district is not None and org.district != programme.district:
        raise PermissionDenied(
            f"the programme is for organizations of {programme.district}",
            code="district_out_of_scope",
        )
    pending = uow.session.scalar(
        select(AwardApplicationRow.id).where(
            AwardApplicationRow.programme_id == programme_id,
            AwardApplicationRow.applicant_org_id == actor.org_id,
            AwardApplicationRow.status != ApplicationStatus.REJECTED.value,
        )
    )
    if pending:
        raise Conflict("your organization has applied already", code="already_applied")
    (rules,) = rules_of(uow, programme_id, programme.rules_version)
    evidence = evidence_for(uow, programme, actor.org_id)
    values = _values(evidence)
    eligible = is_eligible(rules.eligibility, values)
    computed = award_amount(rules.amount, values) if eligible else Decimal("0.00")
    row = AwardApplicationRow(
        id=new_id("awd"),
        programme_id=programme_id,
        rules_number=rules.number,
        applicant_org_id=actor.org_id,
        status=ApplicationStatus.SUBMITTED.value,
        evidence=evidence,
        eligible=eligible,
        computed_minor=Money.of(computed, programme.currency).minor,
        awarded_minor=None,
        paid_minor=0,
        currency=programme.currency,
        note="",
        created_at=uow.now(),
    )
    uow.session.add(row)
    _commit(uow, "award.applied", "award_application", row)
    return row


def _application(uow: UnitOfWork, application_id: str) -> AwardApplicationRow:
    row = uow.session.get(AwardApplicationRow, application_id)
    actor = uow.actor
    if row is None or not (
        actor.is_system
        or actor.is_operator
        or actor.is_regulator
        or row.applicant_org_id == actor.org_id
    ):
        raise NotFound(f"application {application_id} not found")
    return row


def get_application(uow: UnitOfWork, application_id: str) -> AwardApplicationRow:
    return _application(uow, application_id)


def list_applications(
    uow: UnitOfWork, programme_id: str | None = None
) -> list[AwardApplicationRow]:
    """Applications: all for the operator and the regulator, one's own otherwise."""
    actor = uow.actor
    stmt = select(AwardApplicationRow).order_by(
        AwardApplicationRow.created_at.desc(), AwardApplicationRow.id
    )
    if programme_id:
        stmt = stmt.where(AwardApplicationRow.programme_id == programme_id)
    if not (actor.is_system or actor.is_operator or actor.is_regulator):
        stmt = stmt.where(AwardApplicationRow.applicant_org_id == actor.org_id)
    return list(uow.session.scalars(stmt))


def decide(
    uow: UnitOfWork, application_id: str, approve: bool, amount: Money | None, note: str
) -> AwardApplicationRow:
    """The reviewer approves an award (at most the computed amount, within what the budget has
    left) or rejects the application with a reason."""
    parties.require_role(uow.actor, Role.OPERATOR)
    row = _application(uow, application_id)
    if row.status != ApplicationStatus.SUBMITTED.value:
        raise Conflict(f"the application is {row.status} already", code="already_decided")
    programme = _programme(uow, row.programme_id)
    before = row.snapshot()
    if not approve:
        if not note.strip():
            raise InvalidInput("say why the application is rejected", field="note")
        row.status = ApplicationStatus.REJECTED.value
    else:
        if not row.eligible:
            raise Conflict("the applicant does not meet the rules", code="not_eligible")
        award = amount if amount is not None else Money(row.computed_minor, row.currency)
        if award.currency != row.currency:
            raise InvalidInput(f"the award is in {row.currency}", field="amount")
        if not award.is_positive() or award.minor > row.computed_minor:
            raise InvalidInput(
                "the award is more than zero and at most the computed amount", field="amount"
            )
        left = programme.budget - programme.committed
        if award > left:
            raise Conflict(
                f"the award passes the budget: {left.amount_str()} {left.currency} is left",
                code="budget_exceeded",
            )
        row.status = ApplicationStatus.APPROVED.value
        row.awarded_minor = award.minor
        programme.committed_minor += award.minor
    row.note = note.strip()[:1000]
    row.reviewer_user_id = uow.actor.user_id
    row.decided_at = uow.now()
    _commit(uow, "award.decided", "award_application", row, before)
    return row


def pay(uow: UnitOfWork, application_id: str, reference: str) -> AwardApplicationRow:
    """Record the payment of an approved award against the programme's budget."""
    parties.require_role(uow.actor, Role.OPERATOR)
    row = _application(uow, application_id)
    if row.status != ApplicationStatus.APPROVED.value or row.awarded_minor is None:
        raise Conflict("only an approved award not yet paid is paid", code="not_payable")
    if not reference.strip():
        raise InvalidInput("give the payment's reference", field="reference")
    programme = _programme(uow, row.programme_id)
    if programme.paid_minor + row.awarded_minor > programme.budget_minor:
        raise Conflict("the payment passes the budget", code="budget_exceeded")
    before = row.snapshot()
    row.status = ApplicationStatus.PAID.value
    row.paid_minor = row.awarded_minor
    row.payment_reference = reference.strip()[:60]
    row.paid_at = uow.now()
    programme.paid_minor += row.awarded_minor
    _commit(uow, "award.paid", "award_application", row, before)
    return row
