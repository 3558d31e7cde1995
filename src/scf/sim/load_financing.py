"""The financing room's workflow as the set runs it: products published once, each financing
applied for, offered, accepted, registered and disbursed, then settled at a month's end
(repaid, a month late when the payer is in trouble, or overdue and defaulted with a claim)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from scf.core.actor import Actor
from scf.core.errors import DomainError
from scf.core.money import Money
from scf.platform import Platform
from scf.sim.load_parties import FUNDER_ROLES
from scf.sim.load_state import LoadState

# What each funder publishes once, before the year starts: (scenario, currencies, spread for
# small and micro firms).
PRODUCTS = (
    ("receivables_factoring", ("CNY", "HKD", "USD"), "0.010"),
    ("credit_insurance", ("CNY", "HKD", "USD"), "0.005"),
    ("warehouse_pledge", ("CNY",), "0.015"),
    ("purchase_order", ("CNY",), "0.020"),
    # Pieces of a core's certificate: the core's credit carries the risk.
    ("reverse_factoring", ("CNY",), "0.003"),
    # Marketplace payouts of cross-border sellers, advanced in CNY.
    ("cross_border_payout", ("CNY",), "0.010"),
    # Commercial acceptance bills of the cores: the acceptor's credit, a little above.
    ("bill_discounting", ("CNY",), "0.004"),
    # Loans on technology suppliers' intellectual property, valued by an appraiser.
    ("ip_pledge", ("CNY",), "0.020"),
)
# Commodity prices the operator posts (per the warehouse receipt's unit), in CNY.
PRICES = (("黄金", "克", "550.00", "SGE Au99.99"), ("保税燃料油", "吨", "4500.00", "SHFE"))
# A payer whose latent health (`Generator.health_at`) is below this when a financing falls
# due repays it a month late.
LATE_BELOW = -1.0


@dataclass
class Live:
    """A disbursed financing the loader settles at a later month's end."""

    key: str
    funder: str  # org key
    due_on: date
    amount: Money
    defaults: bool  # the party that pays stops paying before the due date
    late: bool = False  # the party that pays is in trouble: it pays a month late


def carry_through(
    p: Platform,
    actor: Callable[[str], Actor],
    tag: str,
    parties: tuple[str, str],
    app_id: str,
    status: str,
    on_step: Callable[[str], Any] = lambda step: None,
) -> None:
    """Take an application the checks passed through the funder's offer (where it was sent
    to the funder), the applicant's acceptance, the registration and the disbursement, as
    the parties (applicant, funder) by their keys; a refusal raises its domain error.
    `on_step` hears each step's name before it runs; `tag` keys the idempotent steps."""
    from scf.financing import service as fin

    applicant, funder = parties
    if status == "sent":
        with p.uow(actor(funder)) as uow:
            fin.make_offer(uow, app_id)
    on_step("accept")
    with p.uow(actor(applicant)) as uow:
        row = fin.get_application(uow, app_id)
        offer = next(o for o in fin.offers_of(uow, row) if o.status == "open")
        fin.accept_offer(uow, offer.id, f"{tag}-acc")
    on_step("register")
    with p.uow(actor(funder)) as uow:
        fin.register(uow, app_id)
    on_step("disburse")
    with p.uow(actor(funder)) as uow:
        fin.disburse(uow, app_id, f"{tag}-dis")


class Financing:
    """Runs financings through the financing room and settles them as they fall due."""

    def __init__(self, st: LoadState) -> None:
        self.st = st
        self.live: dict[str, Live] = {}  # application id -> what settles it

    def setup(self) -> None:
        """Funders publish their products once; the operator posts the commodity prices."""
        from scf.financing import service as fin

        st = self.st
        for key, o in st.orgs.items():
            if set(o.roles) & set(FUNDER_ROLES) and key in st.r.org_ids:
                self._publish(key)
        for commodity, unit, price, source in PRICES:
            with st.p.uow(st.operator) as uow:
                fin.set_commodity_price(uow, commodity, unit, Money.of(price, "CNY"), source)

    def _publish(self, funder: str) -> None:
        from scf.financing import service as fin

        st = self.st
        for scenario, currencies, spread in PRODUCTS:
            for cur in currencies:
                with st.p.uow(st.actor(funder)) as uow:
                    if st.attempt(
                        "product",
                        partial(
                            fin.create_product,
                            uow,
                            scenario=scenario,
                            name=f"{st.orgs[funder].name} {scenario} {cur}",
                            base_rate=Decimal("0.0350"),
                            max_amount=Money(1_000_000_000_00, cur),
                            rate_groups=[
                                {"name": "red", "red_listed": True, "spread": "0.000"},
                                {
                                    "name": "small",
                                    "size_classes": ["micro", "small"],
                                    "spread": spread,
                                },
                            ],
                            offer_validity_hours=720,
                        ),
                    ):
                        st.r.counts["financing_products"] += 1

    # ------------------------------------------------------------ one financing

    def apply(
        self,
        key: str,
        scenario: str,
        applicant: str,
        funder: str,
        amount: Money,
        asset: dict[str, Any],
        *,
        defaulter: str | None,
    ) -> str | None:
        """Apply, offer, accept, register and disburse; the refusal's code, else None.

        Escalated applications wait for the operator's review (answer "escalated")."""
        from scf.financing import service as fin

        st = self.st
        with st.timed("of which financing room"):
            try:
                with st.p.uow(st.actor(applicant)) as uow:
                    app = fin.submit_application(
                        uow, fin.ApplicationInput(scenario, amount, asset, [st.r.org_ids[funder]])
                    )
                    app_id, status, due_on = app.id, app.status, app.due_on
            except DomainError as exc:
                st.r.refusals[f"{scenario}:{exc.code}"] += 1
                return exc.code
            st.r.counts[f"applications:{scenario}"] += 1
            if status == "escalated":
                st.r.counts["applications_escalated"] += 1
                return "escalated"
            code = self._through(key, scenario, applicant, funder, app_id, status)
            if code is not None:
                return code
            stops = st.defaults.get(defaulter) if defaulter else None
            health = st.data.generator.health_at
            late = (
                defaulter is not None
                and health(defaulter, st.data.timeline.month_of(due_on)) < LATE_BELOW
            )
            self.live[app_id] = Live(
                key, funder, due_on, amount, stops is not None and stops <= due_on, late
            )
            st.r.counts["financings_disbursed"] += 1
            return None

    def _through(
        self, key: str, scenario: str, applicant: str, funder: str, app_id: str, status: str
    ) -> str | None:
        """Offer, accept, register and disburse; return the refusal's code, else None."""
        st = self.st
        step = ["offer"]
        try:
            carry_through(
                st.p, st.actor, f"sim-{key}", (applicant, funder), app_id, status, step.append
            )
        except DomainError as exc:
            st.r.refusals[f"{scenario}:{step[-1]}:{exc.code}"] += 1
            return exc.code
        return None

    # ------------------------------------------------------------ settlement

    def settle(self, today: date, *, final: bool = False) -> None:
        """At the month's end: funders book repayments of what fell due (a payer in trouble
        pays a month late); the operator marks the rest overdue; past the grace period the
        funder declares default, which opens a claim where cover exists, and the insurer
        pays it."""
        from scf.financing import service as fin

        st = self.st
        self._repay(today, final)
        if not any(lv.due_on < today for lv in self.live.values()):
            return
        with st.p.uow(st.operator) as uow:
            st.r.counts["financings_overdue"] += len(fin.run_overdue(uow))
        self._default(today)

    def _in_due_order(self) -> list[tuple[str, Live]]:
        return sorted(self.live.items(), key=lambda x: (x[1].due_on, x[1].key))

    def _repay(self, today: date, final: bool) -> None:
        from scf.financing import service as fin

        st = self.st
        for app_id, lv in self._in_due_order():
            if lv.due_on > today or lv.defaults:
                continue
            if lv.late and not final:
                lv.late = False  # overdue this month, repaid at the next month's end
                continue
            with st.p.uow(st.actor(lv.funder)) as uow:
                fin.repay(uow, app_id, lv.amount, f"sim-rep-{lv.key}")
            del self.live[app_id]
            st.r.counts["financings_repaid"] += 1

    def _default(self, today: date) -> None:
        from scf.financing import service as fin

        st = self.st
        grace = fin.default_grace_working_days()
        for app_id, lv in self._in_due_order():
            if not lv.defaults or st.p.calendar.add_working_days(lv.due_on, grace) > today:
                continue
            with st.p.uow(st.actor(lv.funder)) as uow:
                out = fin.declare_default(uow, app_id)
            del self.live[app_id]
            st.r.counts["financings_defaulted"] += 1
            claim = out.get("claim")
            if claim is not None:
                st.r.counts["claims_opened"] += 1
                self._pay_claim(claim["id"], lv.key)

    def _pay_claim(self, claim_id: str, key: str) -> None:
        """Let the insurer (or guarantor) pay the claim a default opened."""
        from scf.financing import service as fin

        st = self.st
        with st.p.uow(Actor.system()) as uow:
            c = fin.claim_dict(next(x for x in fin.list_claims(uow) if x.id == claim_id))
        insurer = st.key_of(c["insurer_org_id"])
        with st.p.uow(st.actor(insurer)) as uow:
            if st.attempt("claim", partial(fin.pay_claim, uow, claim_id, f"sim-clm-{key}")):
                st.r.counts["claims_paid"] += 1
