"""What pages call records by: a certificate by its issuer and maturity, its id kept aside."""

from __future__ import annotations

from collections.abc import Iterable

from scf.certificates import service as certificates
from scf.core import i18n
from scf.core.i18n import N_
from scf.core.uow import UnitOfWork
from scf.parties import service as parties


def certificate_names(uow: UnitOfWork, lang: str, ids: Iterable[str]) -> dict[str, str]:
    """Each certificate the actor may see, named by its issuer and its maturity."""
    wanted = set(ids)
    certs = [c for c in certificates.list_certificates(uow) if c.id in wanted]
    issuers = parties.organizations_by_id(uow, {c.issuer_org_id for c in certs})
    text = i18n.gettext(lang, N_("%(issuer)s, due %(maturity)s"))
    return {
        c.id: text
        % {
            "issuer": issuers[c.issuer_org_id].name if c.issuer_org_id in issuers else "",
            "maturity": c.maturity_on.isoformat(),
        }
        for c in certs
    }
