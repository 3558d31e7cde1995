"""Intellectual property in the simulator (credit on weak property rights): in the set's last
months a few technology suppliers of Nanshan (then other suppliers, where too few) whose
supply-chain score gives them a line record a patent, software copyright or trademark by its
registration number, and the appraiser values it with a haircut. The rights are left
unpledged, so that on the set's last day they are a basis for an `ip_pledge` application (the
demo's logins apply from their page). Values, haircuts and kinds come from a random stream of
their own, so no other figure moves."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from scf.core.money import Money
from scf.sim.load_state import LoadState

RIGHTS_A_MONTH = 2
MONTHS = 2  # the set's last months: valuations well within their validity on its last day
DISTRICT = "nanshan"  # technology suppliers first, then the others
LOOK_AT = 30  # candidates scored a month at most
KINDS = ("patent", "software_copyright", "trademark")
TITLES = {
    "patent": "一种供应链票据数据校验方法及装置",
    "software_copyright": "供应链协同管理系统V2.0",
    "trademark": "深链",
}
HAIRCUTS = ("0.4000", "0.4500", "0.5000")


def _number(kind: str, year: int, seq: int) -> str:
    if kind == "patent":
        return f"ZL{year}1{seq:07d}.{seq % 10}"
    if kind == "software_copyright":
        return f"{year}SR{seq:07d}"
    return f"{30_000_000 + seq:08d}"


class IntellectualProperty:
    """The month's rights of technology suppliers, recorded and valued, not pledged."""

    def __init__(self, st: LoadState) -> None:
        self.st = st
        self.n = 0

    def _parties(self) -> tuple[str | None, list[str]]:
        st = self.st
        gen = st.data.generator
        appraisers = [k for k in gen.by_role.get("appraiser", []) if k in st.r.org_ids]
        suppliers = sorted(
            k for k, o in st.orgs.items() if "supplier" in o.roles and k in st.r.org_ids
        )
        tech = [k for k in suppliers if st.orgs[k].district == DISTRICT]
        others = [k for k in suppliers if st.orgs[k].district != DISTRICT]
        return (appraisers[0] if appraisers else None), tech + others

    def _with_a_line(self, candidates: list[str]) -> list[str]:
        """The month's owners: the first candidates whose supply-chain limit is above zero (a
        loan on a right is within that limit), looked at without storing anything."""
        from scf.core.actor import Actor
        from scf.risk import service as risk

        st = self.st
        out: list[str] = []
        for key in candidates[:LOOK_AT]:
            with st.p.uow(Actor.system()) as uow:
                limit = risk.limit_for(uow, st.r.org_ids[key], commit=False)
            if limit is not None and limit.is_positive():
                out.append(key)
            if len(out) == RIGHTS_A_MONTH:
                break
        return out

    def month(self, m: int) -> None:
        from scf.scenarios import service as scn

        st = self.st
        if m < st.data.size.months - MONTHS:
            return
        appraiser, candidates = self._parties()
        owners = self._with_a_line(candidates)
        if appraiser is None or not owners:
            return
        rng = st.data.generator.rng(16, m)
        today = st.clock.today()
        for owner in owners:
            self.n += 1
            kind = KINDS[int(rng.integers(len(KINDS)))]
            value = Money(int(rng.integers(80, 400)) * 10_000_00, "CNY")
            haircut = HAIRCUTS[int(rng.integers(len(HAIRCUTS)))]
            number = _number(kind, today.year - 1 - int(rng.integers(3)), self.n)
            with st.p.uow(st.actor(owner)) as uow:
                row = st.attempt(
                    "intellectual property",
                    partial(
                        scn.record_ip,
                        uow,
                        kind=kind,
                        registration_no=number,
                        title=TITLES[kind],
                        expires_on=today + timedelta(days=365 * 8),
                    ),
                )
            if row is None:
                continue
            ip_id = row.id
            with st.p.uow(st.actor(appraiser)) as uow:
                valued = st.attempt(
                    "valuation",
                    partial(
                        scn.value_ip,
                        uow,
                        ip_id,
                        value=value,
                        haircut=haircut,
                        report_no=f"SIM-VAL-{self.n:05d}",
                    ),
                )
            st.r.counts["ip_rights"] += 1
            if valued is not None:
                st.r.counts["ip_valued"] += 1
