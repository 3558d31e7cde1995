"""The scenario plug-in interface and the entry-point loader (group `scf.scenarios`).

A scenario says what asset it finances, who may apply, which evidence it needs, what enters
its price, its limits, the checks of its own and what it files in the registry. The workflow
(`workflow.py`, through `service.py`) runs every scenario the same way, so a new scenario is
one module plus its tests: declare it under `[project.entry-points."scf.scenarios"]` and
reinstall; no core file changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.orm import Session, sessionmaker

from scf.core.actor import Actor
from scf.core.errors import InvalidInput, NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.registry import service as registry

if TYPE_CHECKING:
    from scf.financing.checks import Check

ENTRY_POINT_GROUP = "scf.scenarios"


@dataclass(frozen=True)
class Limits:
    """What a scenario will finance at most: tenor, and the share of the asset's value."""

    max_tenor_days: int = 365
    max_advance: Decimal = Decimal(1)
    min_amount: Decimal = Decimal("1000")


@dataclass
class AssetView:
    """What a scenario found about the offered asset; the workflow checks and stores it."""

    value: Money  # face of a receivable, bill or certificate; market value of goods
    due_on: date  # when the financing is to be repaid (before rolling to a working day)
    debtor_org_id: str | None = None
    collateral: list[registry.CollateralRef] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    receivable_id: str | None = None
    fingerprints: list[str] = field(default_factory=list)
    tier: int = 1
    escalate: list[str] = field(default_factory=list)  # reasons a person must look
    facts: dict[str, Any] = field(default_factory=dict)  # kept on the application


@dataclass
class Context:
    """What a scenario gets from the workflow: the unit of work and a few platform lookups."""

    uow: UnitOfWork
    applicant_org_id: str
    notify: Callable[[str, str, str, str], None]  # (org_id, kind, subject, body)
    commodity_price: Callable[[str], Money]  # latest posted price per unit of a commodity

    def platform_uow(self) -> UnitOfWork:
        """The caller's transaction acting as the platform, for steps the workflow performs
        on the parties' behalf (the acting party of the command is left untouched)."""
        return joined(self.uow, Actor.system())


class JoinedUnitOfWork(UnitOfWork):
    """Another actor inside the caller's transaction: it shares the session, audits under its
    own actor and never commits (the command that opened the transaction does)."""

    def __init__(self, outer: UnitOfWork, actor: Actor) -> None:
        super().__init__(
            sessionmaker(), outer.clock, actor, settings=outer.settings, calendar=outer.calendar
        )
        self._outer = outer

    @property
    def session(self) -> Session:
        return self._outer.session

    def commit(self) -> None:
        raise RuntimeError("a joined unit of work commits with the command that opened it")


def joined(uow: UnitOfWork, actor: Actor) -> UnitOfWork:
    """Act as `actor` inside the caller's unit of work, without changing the caller's actor."""
    return JoinedUnitOfWork(uow, actor)


class Scenario:
    """Base of every scenario; subclasses set the class attributes and `assess`."""

    code: ClassVar[str] = ""
    title: ClassVar[str] = ""
    asset_kind: ClassVar[str] = ""  # receivable, certificate_piece, warehouse_receipt, ...
    required_evidence: ClassVar[tuple[str, ...]] = ()
    pricing_inputs: ClassVar[tuple[str, ...]] = ("base_rate", "rate_group", "red_list")
    limits: ClassVar[Limits] = Limits()
    # The registry kind filed when the funder registers (None: nothing is filed).
    registry_kind: ClassVar[str | None] = "pledge"
    # Products reserved for members of these key chains (empty: open to all).
    exclusive_chains: ClassVar[frozenset[str]] = frozenset()
    # The buyer pays its own supplier early: no institution funds it.
    self_funded: ClassVar[bool] = False
    # Risk spread of the scenario itself, on top of the funder's group spread.
    scenario_spread: ClassVar[Decimal] = Decimal(0)
    # Who may apply: these organization roles.
    applicant_roles: ClassVar[frozenset[str]] = frozenset({"supplier", "distributor"})
    # Refuse collateral that a live registration already covers (rule 2).
    checks_registry_conflicts: ClassVar[bool] = True
    # The application names a cover policy (asset.policy_id) that cuts the price.
    uses_cover: ClassVar[bool] = False
    # Loan-to-value above which a mark-to-market opens a margin call (goods only).
    margin_call_ltv: ClassVar[Decimal | None] = None
    # The applicant carries the credit risk (it must repay from its own business), so its
    # score-based unsecured limit caps the amount. Where a debtor who confirmed the
    # receivable, a core enterprise, an acceptor, an insurer or pledged goods are the source
    # of repayment, the asset's own bounds apply instead (recourse changes the price only).
    applicant_carries_risk: ClassVar[bool] = False

    def uses_applicant_limit(self, asset: Mapping[str, Any]) -> bool:
        """Whether the applicant's risk limit caps this financing."""
        return self.applicant_carries_risk

    def assess(self, ctx: Context, asset: Mapping[str, Any]) -> AssetView:
        """Check eligibility of the asset and describe it; refuse naming the field."""
        raise NotImplementedError

    def checks(self) -> Sequence[Check]:
        """Return the scenario's own checks (`scf.financing.checks`), run after the platform's."""
        return ()

    def spread(self, asset: Mapping[str, Any]) -> Decimal:
        """The scenario's spread for this asset (e.g. more without recourse)."""
        return self.scenario_spread

    def register(
        self, ctx: Context, app: Any, funder_org_id: str, rate: Decimal, months: int
    ) -> list[dict[str, Any]]:
        """File what the scenario registers, as the funder (secured party); returns filings."""
        if self.registry_kind is None:
            return []
        refs = [registry.CollateralRef(**c) for c in app.collateral]
        reg = registry.register_in(
            ctx.uow,
            kind=self.registry_kind,
            grantor_org_ids=[app.applicant_org_id],
            secured_party_org_id=funder_org_id,
            collateral=refs,
            amount=app.amount,
            period_months=months,
            description=f"{self.title}: financing application {app.id}",
        )
        return [{"id": reg.id, "number": reg.number, "kind": reg.kind}]

    def after_registration(self, ctx: Context, app: Any) -> None:
        """Hook after filing: notice to the debtor, payment redirection, ..."""

    def release(self, ctx: Context, app: Any, reason: str) -> None:
        """Cancel the filings once the debt is paid (due within 10 working days; done at once)."""
        uow = ctx.platform_uow()
        for reg in app.registrations:
            if reg.get("cancel_on_close", True) and reg.get("id"):
                registry.cancel_in(uow, reg["id"], reason=reason)


def field_str(asset: Mapping[str, Any], name: str) -> str:
    value = asset.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} is required", field=f"asset.{name}")
    return value.strip()


def field_count(asset: Mapping[str, Any], name: str, reason: str) -> int:
    """A whole number from 1 (not a bool); else refuse the field with the reason."""
    value = asset.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(reason, field=f"asset.{name}")
    return value


@lru_cache
def _loaded() -> dict[str, Scenario]:
    found: dict[str, Scenario] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        scenario = obj() if isinstance(obj, type) else obj
        if not isinstance(scenario, Scenario) or scenario.code != ep.name:
            raise RuntimeError(
                f"entry point {ep.name} = {ep.value} is not a Scenario with code {ep.name!r}"
            )
        found[ep.name] = scenario
    return found


def scenarios() -> dict[str, Scenario]:
    """Every installed scenario by code."""
    return dict(_loaded())


def get_scenario(code: str) -> Scenario:
    found = _loaded()
    if code not in found:
        raise NotFound(
            f"no scenario {code!r}; installed: {', '.join(sorted(found))}",
            code="unknown_scenario",
        )
    return found[code]


def describe(s: Scenario) -> dict[str, Any]:
    return {
        "code": s.code,
        "title": s.title,
        "asset_kind": s.asset_kind,
        "required_evidence": list(s.required_evidence),
        "pricing_inputs": list(s.pricing_inputs),
        "limits": {
            "max_tenor_days": s.limits.max_tenor_days,
            "max_advance": str(s.limits.max_advance),
            "min_amount": str(s.limits.min_amount),
        },
        "registry_kind": s.registry_kind,
        "exclusive_chains": sorted(s.exclusive_chains),
        "self_funded": s.self_funded,
        "applicant_roles": sorted(s.applicant_roles),
    }
