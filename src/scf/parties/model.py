"""Participants, their roles and the rules that derive related-party groups."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from scf.core.errors import InvalidInput


class Role(StrEnum):
    CORE_ENTERPRISE = "core_enterprise"
    SUPPLIER = "supplier"
    DISTRIBUTOR = "distributor"
    BANK = "bank"
    FACTORING_COMPANY = "factoring_company"
    LOCAL_FINANCIAL_ORG = "local_financial_org"
    INSURER = "insurer"
    GUARANTEE_COMPANY = "guarantee_company"
    LOGISTICS = "logistics"
    WAREHOUSE = "warehouse"
    MARKETPLACE = "marketplace"
    APPRAISER = "appraiser"  # values pledged intellectual property
    OPERATOR = "operator"
    REGULATOR = "regulator"
    # Multi-level supervision (seed III.12): a district's financial regulator, an industry
    # association, a local government department reading what the operator granted it.
    DISTRICT_REGULATOR = "district_regulator"
    INDUSTRY_ASSOCIATION = "industry_association"
    GOVERNMENT_DEPARTMENT = "government_department"
    # The operating institution of a district's supply chain finance park (seed II, III.2).
    PARK_OPERATOR = "park_operator"


# Roles that fund or buy assets: they must hold a licence and be on the white list (seed III.5).
FUNDER_ROLES = frozenset({Role.BANK, Role.FACTORING_COMPANY, Role.LOCAL_FINANCIAL_ORG})
FINANCIAL_ROLES = FUNDER_ROLES | {Role.INSURER, Role.GUARANTEE_COMPANY}
ENTERPRISE_ROLES = frozenset({Role.CORE_ENTERPRISE, Role.SUPPLIER, Role.DISTRIBUTOR})
SERVICE_ROLES = frozenset({Role.LOGISTICS, Role.WAREHOUSE, Role.MARKETPLACE, Role.APPRAISER})
PLATFORM_ROLES = frozenset({Role.OPERATOR, Role.REGULATOR})
# Supervisors below the city regulator: they never trade, file or fund.
OVERSIGHT_ROLES = frozenset(
    {Role.DISTRICT_REGULATOR, Role.INDUSTRY_ASSOCIATION, Role.GOVERNMENT_DEPARTMENT}
)
# Roles that take no part in trade, registration or funding.
NON_TRADING_ROLES = PLATFORM_ROLES | OVERSIGHT_ROLES | {Role.PARK_OPERATOR}


class District(StrEnum):
    FUTIAN = "futian"
    LUOHU = "luohu"
    NANSHAN = "nanshan"
    YANTIAN = "yantian"
    BAOAN = "baoan"
    LONGGANG = "longgang"
    LONGHUA = "longhua"
    PINGSHAN = "pingshan"
    GUANGMING = "guangming"
    DAPENG = "dapeng"
    QIANHAI = "qianhai"
    SHENSHAN = "shenshan"


class SizeClass(StrEnum):
    """Enterprise size per the 2011 SME classification (micro, small, medium, large)."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


SME_SIZES = frozenset({SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM})


class ListKind(StrEnum):
    WHITE = "white"
    BLACK = "black"
    RED = "red"


class KeyPersonRole(StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"
    DIRECTOR = "director"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    FINANCE_HEAD = "finance_head"


class SecurityAlertKind(StrEnum):
    """What a burst of failed logins locked (scf.parties.throttle)."""

    ACCOUNT_LOCKED = "account_locked"
    ADDRESS_LOCKED = "address_locked"


class ConsentScope(StrEnum):
    PROFILE = "profile"
    TRADE = "trade"
    FINANCING = "financing"
    CREDIT = "credit"


# Key industry chains of the city's policy; products may be exclusive to them.
KEY_CHAINS = frozenset(
    {
        "new_energy_vehicles",
        "consumer_electronics",
        "semiconductors",
        "gold_jewelry",
        "port_logistics",
        "bonded_fuel",
        "cross_border_ecommerce",
        "food_tourism",
        "cross_border_trade",
        "advanced_manufacturing",
    }
)


def validate_uscc(value: object, field: str = "uscc") -> str:
    """Return the normalized unified social credit code or refuse it (GB 32100-2015)."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    if not isinstance(value, str):
        raise InvalidInput("must be an 18-character string", field=field, code="invalid_uscc")
    try:
        return str(uscc.validate(value))
    except ValidationError as exc:
        raise InvalidInput(
            f"{value!r} is not a valid unified social credit code: {exc}",
            field=field,
            code="invalid_uscc",
        ) from None


def normalize_person_id(id_number: str) -> str:
    """A resident ID number in its compact form; refuse one whose check digit is wrong."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    try:
        return str(ric.validate(id_number))
    except ValidationError as exc:
        raise InvalidInput(
            f"not a valid resident identity number: {exc}", field="id_number"
        ) from None


def hash_person_id(id_number: str, secret: str) -> str:
    """Hash a resident ID number with the platform secret: persons are matched by the hash,
    the number itself is only kept sealed (`scf.parties.sealing`)."""
    normalized = normalize_person_id(id_number)
    return hmac.new(secret.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def normalize_address(text: str) -> str:
    """Fold case, width and spacing so that the same address matches however it was typed."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


# An address that ends at a building, a park or a plaza names where many tenants register,
# not premises two firms share; a room, a unit or a house number does.
_BUILDING_LEVEL = re.compile(r"(栋|幢|座|号楼|大厦|大楼|园区?|广场|中心|基地|building|tower|park)$")


def premises_key(text: str) -> str:
    """The address as premises: folded (`normalize_address`) with the province left out (it
    is often omitted); empty when the address stops at a building, park or plaza, which
    the firms registered there share with every other tenant."""
    key = normalize_address(text)
    key = re.sub(r"^[^省]{2,8}省", "", key)
    if _BUILDING_LEVEL.search(key):
        return ""
    return key


def normalize_account(text: str) -> str:
    """A bank account number by its digits and letters (spaces and dashes as typed vary)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def normalize_phone(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[-11:] if len(digits) > 11 else digits


@dataclass(frozen=True)
class Holding:
    holder: str  # organization id or person id
    org: str
    share: Decimal


@dataclass(frozen=True)
class RelatedLink:
    a: str
    b: str
    reason: str  # control, common_controller, shared_key_person, shared_address, shared_phone,
    # shared_bank_account
    via: str = ""


class _LinkIndex:
    """The related-party links as an undirected rustworkx graph, built once per link list.

    Between two parties the last link added stands for them (as in a simple graph), so the
    chain `related` returns names one reason per hop.
    """

    def __init__(self, links: list[RelatedLink]) -> None:
        import rustworkx as rx

        self.links = links
        self.count = len(links)
        graph: rx.PyGraph[str, RelatedLink] = rx.PyGraph(multigraph=False)
        node: dict[str, int] = {}
        for link in links:
            for party in (link.a, link.b):
                if party not in node:
                    node[party] = graph.add_node(party)
            graph.add_edge(node[link.a], node[link.b], link)
        self.graph = graph
        self.node = node
        self.components: list[frozenset[str]] = [
            frozenset(graph[i] for i in c) for c in rx.connected_components(graph)
        ]
        self.component_of: dict[str, frozenset[str]] = {
            party: c for c in self.components for party in c
        }

    def fresh(self, links: list[RelatedLink]) -> bool:
        return links is self.links and len(links) == self.count


@dataclass
class RelatedPartyGraph:
    """Related-party links and who controls what. The graph over the links is built on the
    first question and reused for every later one (links are not changed after that)."""

    links: list[RelatedLink] = field(default_factory=list)
    controllers: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    _index: _LinkIndex | None = field(default=None, init=False, repr=False, compare=False)

    def _graph(self) -> _LinkIndex:
        index = self._index
        if index is None or not index.fresh(self.links):
            index = self._index = _LinkIndex(self.links)
        return index

    def groups(self) -> list[set[str]]:
        """The connected groups of linked parties (a party with no link is in none)."""
        return [set(c) for c in self._graph().components]

    def group_of(self, party: str) -> set[str]:
        """The party's group, or the party alone when nothing links it to another."""
        return set(self._graph().component_of.get(party, (party,)))

    def related(self, a: str, b: str) -> list[RelatedLink]:
        """Return the chain of links that relate two parties, empty when they are not related."""
        import rustworkx as rx

        index = self._graph()
        ia, ib = index.node.get(a), index.node.get(b)
        if ia is None or ib is None or ia == ib:
            return []
        paths = rx.dijkstra_shortest_paths(index.graph, ia, target=ib)
        if ib not in paths:
            return []
        path = list(paths[ib])
        return [index.graph.get_edge_data(u, v) for u, v in itertools.pairwise(path)]


CONTROL_THRESHOLD = Decimal("0.5")


def control_map(holdings: Iterable[Holding], max_depth: int = 64) -> dict[str, dict[str, Decimal]]:
    """Return for each holder the organizations it controls (over 50%) and its effective share.

    A holder controls an organization when its direct share plus the shares held by the
    organizations it already controls exceed one half: control, not multiplied economic
    interest, is what lets one party steer another's borrowing. Control is followed down
    chains of up to `max_depth` levels; ownership cycles end it (nobody controls itself).
    """
    direct: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for h in holdings:
        if h.share < 0 or h.share > 1:
            raise InvalidInput("a share is a fraction between 0 and 1", field="share")
        direct[h.holder][h.org] = direct[h.holder].get(h.org, Decimal(0)) + h.share
    result: dict[str, dict[str, Decimal]] = {}
    for holder in list(direct):
        controlled: dict[str, Decimal] = {}
        for _ in range(max_depth):
            voting: dict[str, Decimal] = defaultdict(Decimal)
            for org, s in direct[holder].items():
                voting[org] += s
            for mid in controlled:
                for org, s in direct.get(mid, {}).items():
                    voting[org] += s
            new = {
                org: s
                for org, s in voting.items()
                if s > CONTROL_THRESHOLD and org != holder and org not in controlled
            }
            if not new:
                break
            controlled.update(new)
        if controlled:
            result[holder] = controlled
    return result


def derive_related_parties(
    holdings: Iterable[Holding],
    key_persons: Iterable[tuple[str, str]],
    addresses: dict[str, str],
    phones: dict[str, str],
    org_ids: Iterable[str],
    bank_accounts: dict[str, str] | None = None,
) -> RelatedPartyGraph:
    """Link organizations by control, common controller, shared key persons, address, phone
    or settlement bank account."""
    orgs = set(org_ids)
    holdings = list(holdings)
    ctrl = control_map(holdings)
    links: list[RelatedLink] = []
    for holder, controlled in ctrl.items():
        targets = sorted(controlled)
        if holder in orgs:
            for t in targets:
                links.append(RelatedLink(holder, t, "control"))
        else:
            for t in targets[1:]:
                links.append(RelatedLink(targets[0], t, "common_controller", via=holder))
    by_person: dict[str, set[str]] = defaultdict(set)
    for person, org in key_persons:
        by_person[person].add(org)
    for person, members in by_person.items():
        ordered = sorted(members)
        for other in ordered[1:]:
            links.append(RelatedLink(ordered[0], other, "shared_key_person", via=person))
    for reason, values, norm in (
        ("shared_address", addresses, premises_key),
        ("shared_phone", phones, normalize_phone),
        ("shared_bank_account", bank_accounts or {}, normalize_account),
    ):
        buckets: dict[str, list[str]] = defaultdict(list)
        for org, raw in values.items():
            key = norm(raw) if raw else ""
            if key:
                buckets[key].append(org)
        for bucket in buckets.values():
            same = sorted(bucket)
            for other in same[1:]:
                links.append(RelatedLink(same[0], other, reason))
    return RelatedPartyGraph(links=links, controllers=ctrl)


def make_uscc(body17: str) -> str:
    """Append the GB 32100-2015 check character to 17 characters (for test and demo data)."""
    from stdnum.cn import uscc

    return body17 + str(uscc.calc_check_digit(body17))


# Values the pages show that are not enums (see `scf.core.i18n`): the key industry chains.
VOCABULARY: dict[str, tuple[str, ...]] = {"parties.Chain": tuple(sorted(KEY_CHAINS))}
