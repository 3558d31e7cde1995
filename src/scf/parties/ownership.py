"""Ownership and key persons, and the related-party groups derived from them and from contacts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from scf.core.errors import InvalidInput
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties.access import authorize_read
from scf.parties.common import commit_new, find_organization, parse_enum, require_role
from scf.parties.model import (
    ConsentScope,
    Holding,
    KeyPersonRole,
    RelatedLink,
    RelatedPartyGraph,
    Role,
    derive_related_parties,
    hash_person_id,
    normalize_person_id,
)
from scf.parties.sealing import seal_person_id
from scf.parties.tables import KeyPersonRow, OrganizationRow, PersonRow, ShareholdingRow


def _person(uow: UnitOfWork, id_number: str, name: str) -> PersonRow:
    if uow.settings is None:
        raise RuntimeError("settings are needed to hash person identifiers")
    id_hash = hash_person_id(id_number, uow.settings.secret_key)
    row = uow.session.scalar(select(PersonRow).where(PersonRow.id_hash == id_hash))
    if row is None:
        if not name.strip():
            raise InvalidInput("a person needs a name", field="name")
        row = PersonRow(id=new_id("per"), id_hash=id_hash, name=name.strip())
        seal_person_id(uow, row, normalize_person_id(id_number))
        uow.session.add(row)
        uow.flush()
    elif row.id_number_sealed is None:
        seal_person_id(uow, row, normalize_person_id(id_number))
    return row


def add_shareholding(
    uow: UnitOfWork,
    org_id: str,
    share: Decimal,
    *,
    holder_org_id: str | None = None,
    person_id_number: str | None = None,
    person_name: str = "",
) -> ShareholdingRow:
    """Record that an organization or a person holds a share of an organization."""
    require_role(uow.actor, Role.OPERATOR)
    find_organization(uow, org_id)
    if (holder_org_id is None) == (person_id_number is None):
        raise InvalidInput(
            "give either holder_org_id or a person's id_number", field="holder_org_id"
        )
    if not (Decimal(0) < share <= Decimal(1)):
        raise InvalidInput("share is a fraction in (0, 1], e.g. 0.35", field="share")
    holder_person_id = None
    if holder_org_id is not None:
        if holder_org_id == org_id:
            raise InvalidInput("an organization cannot hold itself", field="holder_org_id")
        find_organization(uow, holder_org_id)
    else:
        assert person_id_number is not None
        holder_person_id = _person(uow, person_id_number, person_name).id
    existing = uow.session.scalar(
        select(func.coalesce(func.sum(ShareholdingRow.share), 0)).where(
            ShareholdingRow.org_id == org_id
        )
    )
    if Decimal(existing or 0) + share > Decimal(1):
        raise InvalidInput(f"shares of {org_id} would add up to more than 100%", field="share")
    row = ShareholdingRow(
        id=new_id("shr"),
        org_id=org_id,
        holder_org_id=holder_org_id,
        holder_person_id=holder_person_id,
        share=share,
        created_at=uow.now(),
    )
    after = {
        "org_id": org_id,
        "holder_org_id": holder_org_id,
        "holder_person_id": holder_person_id,
        "share": share,
    }
    commit_new(uow, row, "shareholding.added", "organization", org_id, after=after, org_id=org_id)
    return row


def add_key_person(
    uow: UnitOfWork, org_id: str, id_number: str, name: str, role: str
) -> KeyPersonRow:
    """Record a key person (legal representative, director, ...) of an organization."""
    require_role(uow.actor, Role.OPERATOR)
    find_organization(uow, org_id)
    kp_role = parse_enum(role, KeyPersonRole, "role")
    person = _person(uow, id_number, name)
    row = KeyPersonRow(
        id=new_id("kpr"),
        org_id=org_id,
        person_id=person.id,
        role=kp_role.value,
        created_at=uow.now(),
    )
    after = {"person_id": person.id, "role": kp_role.value}
    commit_new(uow, row, "key_person.added", "organization", org_id, after=after, org_id=org_id)
    return row


def related_party_graph(uow: UnitOfWork) -> RelatedPartyGraph:
    """Derive the related-party links of the whole platform from ownership and contact data."""
    s = uow.session
    holdings = [
        Holding(
            holder=r.holder_org_id or r.holder_person_id or "", org=r.org_id, share=Decimal(r.share)
        )
        for r in s.scalars(select(ShareholdingRow))
    ]
    kps = [(r.person_id, r.org_id) for r in s.scalars(select(KeyPersonRow))]
    orgs = list(
        s.execute(
            select(
                OrganizationRow.id,
                OrganizationRow.address,
                OrganizationRow.phone,
                OrganizationRow.bank_account,
            )
        )
    )
    return derive_related_parties(
        holdings,
        kps,
        {o.id: o.address for o in orgs},
        {o.id: o.phone for o in orgs},
        [o.id for o in orgs],
        {o.id: o.bank_account for o in orgs},
    )


def related_links(uow: UnitOfWork, a: str, b: str) -> list[RelatedLink]:
    """Return the links that make two organizations related parties (empty if unrelated)."""
    if a == b:
        return [RelatedLink(a, b, "same_party")]
    return related_party_graph(uow).related(a, b)


def related_parties_of(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """Return an organization's related-party group and the links that make it."""
    authorize_read(uow, org_id, ConsentScope.PROFILE, f"organization/{org_id}/related-parties")
    graph = related_party_graph(uow)
    group = graph.group_of(org_id)
    links = [lk for lk in graph.links if lk.a in group and lk.b in group]
    return {
        "org_id": org_id,
        "group": sorted(group),
        "links": [{"a": lk.a, "b": lk.b, "reason": lk.reason, "via": lk.via} for lk in links],
    }


def ownership_of(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """Return shareholders and key persons (person names and hashed ids, never ID numbers)."""
    authorize_read(uow, org_id, ConsentScope.PROFILE, f"organization/{org_id}/ownership")
    s = uow.session
    holders = []
    for r in s.scalars(select(ShareholdingRow).where(ShareholdingRow.org_id == org_id)):
        person = s.get(PersonRow, r.holder_person_id) if r.holder_person_id else None
        holders.append(
            {
                "holder_org_id": r.holder_org_id,
                "holder_person_id": r.holder_person_id,
                "holder_name": person.name if person else None,
                "share": str(r.share.normalize()),
            }
        )
    persons = []
    for kp in s.scalars(select(KeyPersonRow).where(KeyPersonRow.org_id == org_id)):
        person = s.get(PersonRow, kp.person_id)
        persons.append(
            {"person_id": kp.person_id, "name": person.name if person else "", "role": kp.role}
        )
    return {"org_id": org_id, "shareholders": holders, "key_persons": persons}
