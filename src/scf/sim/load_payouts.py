"""Cross-border e-commerce payouts in the simulator: each month the operator loads a USD/CNY
rate, a few sellers of the cross-border e-commerce chain (or of Longgang and Qianhai) record
a payout the marketplace owes them, the marketplace confirms it and the seller borrows 70% of
it in CNY; every third payout the seller also tries a second institution with the same
payout, and what the financing room answers is an observation of the
`payout_financed_twice` check that `scf eval` scores. In the set's last month one more seller
records a payout the marketplace confirms and leaves it unfinanced (the demo's logins apply
for an advance against it from their page)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from scf.core.money import Money
from scf.sim.load_financing import Financing
from scf.sim.load_state import LoadState, Observation

PAYOUT_FINANCED_TWICE = "payout_financed_twice"
# The refusals that catch a second financing of one payout.
CAUGHT = {"payout_financed", "already_pledged", "asset_reserved"}
SELLERS_A_MONTH = 3
TWICE_EVERY = 3  # every third payout is presented again at a second institution
CHAIN = "cross_border_ecommerce"
# Sellers of the cross-border e-commerce chain, or suppliers of its districts.
DISTRICTS = ("longgang", "qianhai")


class Payouts:
    """The month's payouts of cross-border sellers, financed once (and some twice)."""

    def __init__(self, st: LoadState, financing: Financing) -> None:
        self.st = st
        self.financing = financing
        self.n = 0

    def _parties(self) -> tuple[str | None, list[str], list[str]]:
        st = self.st
        gen = st.data.generator
        markets = [k for k in gen.by_role.get("marketplace", []) if k in st.r.org_ids]
        sellers = sorted(
            k
            for k, o in st.orgs.items()
            if "supplier" in o.roles
            and (CHAIN in o.chains or o.district in DISTRICTS)
            and k in st.r.org_ids
        )
        funders = [k for k in gen.funders if k in st.r.org_ids]
        return (markets[0] if markets else None), sellers, funders

    def month(self, m: int) -> None:
        from scf.scenarios import service as scn

        st = self.st
        market, sellers, funders = self._parties()
        if market is None or not sellers or len(funders) < 2:
            return
        now = st.clock.now()
        rate = Decimal("7.1000") + Decimal(m % 5) / Decimal(100)
        with st.p.uow(st.operator) as uow:
            scn.load_fx_rate(
                uow,
                base="USD",
                quote="CNY",
                rate=str(rate),
                source="sim: CFETS central parity",
                observed_at=now - timedelta(hours=1),
            )
        for i in range(SELLERS_A_MONTH):
            seller = sellers[(m * SELLERS_A_MONTH + i) % len(sellers)]
            self._payout(m, seller, market, funders)
        if m == st.data.size.months - 1:
            seller = sellers[((m + 1) * SELLERS_A_MONTH) % len(sellers)]
            self._payout(m, seller, market, funders, finance=False)

    def _payout(
        self, m: int, seller: str, market: str, funders: list[str], *, finance: bool = True
    ) -> None:
        from scf.scenarios import service as scn

        st = self.st
        self.n += 1
        key = f"pay{m:02d}{self.n:05d}"
        usd = Money(2_000_000 + (self.n * 7_919) % 6_000_000, "USD")
        due = st.clock.today() + timedelta(days=45)
        with st.p.uow(st.actor(seller)) as uow:
            row = st.attempt(
                "payout",
                lambda: scn.record_payout(
                    uow,
                    marketplace_org_id=st.r.org_ids[market],
                    reference=f"SIM-{key}",
                    amount=usd,
                    due_on=due,
                    sales_history=[
                        {"month": f"{st.clock.today().year - 1}-{mm:02d}", "amount": usd}
                        for mm in range(1, 7)
                    ],
                ),
            )
        if row is None:
            return
        payout_id = row.id
        with st.p.uow(st.actor(market)) as uow:
            scn.confirm_payout(uow, payout_id)
        st.r.counts["payouts"] += 1
        if not finance:
            st.r.counts["payouts_open"] += 1
            return
        asset: dict[str, Any] = {"payout_id": payout_id, "advance_currency": "CNY"}
        amount = Money(usd.minor * 7 * 7 // 10, "CNY")  # 70% of the payout at about 7.1
        first, second = funders[self.n % len(funders)], funders[(self.n + 1) % len(funders)]
        code = self.financing.apply(
            key, "cross_border_payout", seller, first, amount, asset, defaulter=None
        )
        st.r.observations.append(
            Observation(PAYOUT_FINANCED_TWICE, f"once:{key}", code in CAUGHT, code or "")
        )
        if code is None and self.n % TWICE_EVERY == 0:
            again = self.financing.apply(
                f"{key}b", "cross_border_payout", seller, second, amount, asset, defaulter=None
            )
            st.r.observations.append(
                Observation(PAYOUT_FINANCED_TWICE, f"twice:{key}", again in CAUGHT, again or "")
            )
