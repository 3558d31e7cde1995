"""Organizations registered as they come into being, with their owners and key persons; the
licensed funders admitted to the white list."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from scf.core.actor import Actor
from scf.core.money import Money
from scf.sim.load_state import LoadState
from scf.sim.model import Holding, KeyPerson, Org

if TYPE_CHECKING:
    from scf.parties.service import OrganizationInput

FUNDER_ROLES = ("bank", "factoring_company", "local_financial_org")
LICENCE_AUTHORITY = "国家金融监督管理总局深圳监管局"


class Registrar:
    """Registers the set's organizations through the parties room."""

    def __init__(self, st: LoadState) -> None:
        self.st = st
        self.owned: dict[str, list[Holding | KeyPerson]] = defaultdict(list)  # by org key

    def register(self, pending: list[Org], upto: date) -> list[Org]:
        """Register the organizations founded by `upto` (or find them); return the rest."""
        from scf.parties import service as parties

        st = self.st
        rest = []
        for o in pending:
            if o.founded_on > upto:
                rest.append(o)
                continue
            with st.p.uow(Actor.system()) as uow:
                row = parties.find_by_uscc(uow, o.uscc)
            if row is not None:
                st.r.org_ids[o.key] = row.id
                continue
            with st.p.uow(Actor.system()) as uow:
                row = parties.register_organization(uow, _organization(o))
            st.r.counts["organizations"] += 1
            st.r.org_ids[o.key] = row.id
            for h in self.owned.get(o.key, []):
                self._own(h)
            if set(o.roles) & set(FUNDER_ROLES):
                with st.p.uow(st.regulator) as uow:
                    parties.add_list_entry(uow, "white", row.id, "licensed; admitted")
        return rest

    def _own(self, h: Holding | KeyPerson) -> None:
        from scf.parties import service as parties

        st = self.st
        org_id = st.r.org_ids[h.org]
        with st.p.uow(Actor.system()) as uow:
            uow.actor = st.operator
            if isinstance(h, KeyPerson):
                p = st.people[h.person]
                st.attempt(
                    "key person",
                    lambda: parties.add_key_person(uow, org_id, p.id_number, p.name, h.role),
                )
                return
            if h.holder_org is not None:
                holder_id = st.r.org_ids.get(h.holder_org)
                if holder_id is None:
                    return
                st.attempt(
                    "holding",
                    lambda: parties.add_shareholding(
                        uow, org_id, Decimal(h.share), holder_org_id=holder_id
                    ),
                )
            else:
                assert h.person is not None
                p = st.people[h.person]
                st.attempt(
                    "holding",
                    lambda: parties.add_shareholding(
                        uow,
                        org_id,
                        Decimal(h.share),
                        person_id_number=p.id_number,
                        person_name=p.name,
                    ),
                )
            st.r.counts["shareholdings"] += 1


def _organization(o: Org) -> OrganizationInput:
    """Return the parties room's registration input for a simulated organization."""
    from scf.parties import service as parties

    return parties.OrganizationInput(
        uscc=o.uscc,
        name=o.name,
        district=o.district,
        roles=list(o.roles),
        size_class=o.size_class,
        founded_on=o.founded_on,
        registered_capital=Money(o.capital_minor, "CNY"),
        chain_tags=list(o.chains),
        address=o.address,
        phone=o.phone,
        licence_no=o.licence_no,
        licence_authority=LICENCE_AUTHORITY if o.licence_no else None,
    )
