"""The automatic checks of an application: one interface, one runner, one record shape.

A check is a function `check_x(ctx: CheckContext) -> Verdict`. Its verdict either passes
(with the detail shown to reviewers), refuses with a domain error (whose code, message and
field the applicant gets, exactly as raised), escalates with a reason a person must weigh,
or skips (nothing to record: the check does not apply, or it passes without a record). A
check may also call a guard of another room that raises a domain error: the runner takes
that as the check's refusal. Checks run in order and stop at the first refusal, because
later checks read what earlier ones established on the context (the funders' products, the
scenario's view of the asset, the due date, the cover policy).

The records stored on the application and shown to reviewers are the verdicts' `record()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

from scf.core.calendar import Rolled
from scf.core.errors import DomainError
from scf.core.money import Money
from scf.core.uow import UnitOfWork, jsonable
from scf.financing.config import FinancingSettings
from scf.financing.context import platform_uow
from scf.financing.scenario import AssetView, Scenario
from scf.financing.tables import CoverPolicyRow, FunderProductRow


class Outcome(StrEnum):
    PASS = "pass"
    ESCALATE = "escalate"
    REFUSE = "refuse"
    SKIP = "skip"


@dataclass(frozen=True)
class Verdict:
    """What one check found; passes and escalations become the application's records."""

    check: str
    outcome: Outcome
    detail: str = ""
    reason: str = ""  # an escalation's reason, for the application's note
    error: DomainError | None = None  # a refusal's error, raised as it is
    extra: Mapping[str, Any] = field(default_factory=dict)  # stored with the record

    @property
    def code(self) -> str | None:
        """The refusal's stable error code."""
        return self.error.code if self.error is not None else None

    @property
    def message(self) -> str | None:
        return self.error.message if self.error is not None else None

    @property
    def error_field(self) -> str | None:
        """The input field the refusal names, if any."""
        if self.error is None or not self.error.errors:
            return None
        return self.error.errors[0].field

    @property
    def recorded(self) -> bool:
        """Whether the application keeps a record of it: passes and escalations do."""
        return self.outcome in (Outcome.PASS, Outcome.ESCALATE)

    def record(self) -> dict[str, Any]:
        """Return the record stored on the application and shown to reviewers."""
        return {
            "check": self.check,
            "result": self.outcome.value,
            "detail": self.detail,
            **jsonable(dict(self.extra)),
        }


def passed(check: str, detail: str, **extra: Any) -> Verdict:
    return Verdict(check, Outcome.PASS, detail, extra=extra)


def escalate(check: str, detail: str, reason: str | None = None, **extra: Any) -> Verdict:
    """Send to review; the reason (the detail unless given) goes into the application's note."""
    return Verdict(check, Outcome.ESCALATE, detail, reason=reason or detail, extra=extra)


def refuse(check: str, error: DomainError) -> Verdict:
    return Verdict(check, Outcome.REFUSE, error.message, error=error)


def skip(check: str) -> Verdict:
    return Verdict(check, Outcome.SKIP)


@dataclass
class CheckContext:
    """An application under check: what was asked, and what the checks established so far."""

    uow: UnitOfWork
    scenario: Scenario
    applicant: Any  # the applicant's organization (`parties.find_organization`)
    amount: Money
    asset: Mapping[str, Any]
    funder_org_ids: Sequence[str]  # as asked, duplicates and all
    settings: FinancingSettings
    # Established by the checks that pass, in the order they run:
    red_listed: bool = False
    funders: list[str] = field(default_factory=list)
    products: dict[str, FunderProductRow] = field(default_factory=dict)
    assessed: AssetView | None = None
    due: date | None = None
    due_rolled: Rolled | None = None  # the due date asked for and its provisional mark
    policy: CoverPolicyRow | None = None

    @property
    def applicant_org_id(self) -> str:
        return str(self.applicant.id)

    @property
    def chain_tags(self) -> frozenset[str]:
        return frozenset(self.applicant.chain_tags)

    @cached_property
    def platform(self) -> UnitOfWork:
        """The platform's reads in the command's transaction (registry, risk graph, limits)."""
        return platform_uow(self.uow)

    @property
    def view(self) -> AssetView:
        """The scenario's view of the asset (set by the asset check)."""
        if self.assessed is None:
            raise RuntimeError("the asset is not assessed yet: check_asset runs first")
        return self.assessed

    @property
    def due_on(self) -> date:
        """The repayment date rolled to a working day (set by the scenario rules check)."""
        if self.due is None:
            raise RuntimeError("no due date yet: check_scenario_rules runs first")
        return self.due


Check = Callable[[CheckContext], Verdict]


def check_name(check: Check) -> str:
    """Name a check by its function, without the `check_` prefix."""
    return str(getattr(check, "__name__", type(check).__name__)).removeprefix("check_")


@dataclass(frozen=True)
class CheckRun:
    """The verdicts of one run, in order; a refusal, if any, is the last."""

    verdicts: tuple[Verdict, ...]

    @property
    def refusal(self) -> Verdict | None:
        last = self.verdicts[-1] if self.verdicts else None
        return last if last is not None and last.outcome is Outcome.REFUSE else None

    @property
    def escalations(self) -> list[str]:
        """The reasons a person must weigh, in the order the checks found them."""
        return [v.reason for v in self.verdicts if v.outcome is Outcome.ESCALATE]

    def records(self) -> list[dict[str, Any]]:
        return [v.record() for v in self.verdicts if v.recorded]

    def raise_refusal(self) -> None:
        """Raise the refusing check's domain error, as the check made it."""
        refusal = self.refusal
        if refusal is not None and refusal.error is not None:
            raise refusal.error


def run_check(check: Check, ctx: CheckContext) -> Verdict:
    """Return one check's verdict; a domain error a guard raised is the check's refusal."""
    try:
        return check(ctx)
    except DomainError as error:
        return refuse(check_name(check), error)


def run_checks(ctx: CheckContext, checks: Iterable[Check]) -> CheckRun:
    """Run the checks in order, stopping at the first refusal."""
    verdicts: list[Verdict] = []
    for check in checks:
        verdict = run_check(check, ctx)
        verdicts.append(verdict)
        if verdict.outcome is Outcome.REFUSE:
            break
    return CheckRun(tuple(verdicts))
