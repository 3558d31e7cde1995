"""Use cases of the parties room: onboarding, users, tokens, consents, lists and access.

The room's public entry: other rooms, the API, the pages and the command line import from
here only. The use cases live in modules of their own: `organizations` (onboarding, licences,
lookups), `ownership` (shareholdings, key persons, related-party groups), `oversight`
(district regulators, industry associations' members, departments' read grants), `users`
(users, login and tokens), `access` (consents, the read check, the access log and the audit
trail), `lists` (the white, black and red lists and the checks on them), `sealing` (ID
numbers sealed at rest, sealed again under a new key) and `retention` (records past their
retention deleted); `common` holds the role checks, the organization lookup and the commit of
a change that they all use.
"""

from __future__ import annotations

from scf.parties.access import (
    access_log,
    authorize_read,
    grant_consent,
    list_consents,
    live_consent,
    query_audit,
    revoke_consent,
)
from scf.parties.common import find_organization, require_own_org, require_role
from scf.parties.lists import (
    add_list_entry,
    counterparty,
    counterparty_columns,
    is_red_listed,
    lift_list_entry,
    list_entries,
    live_listing,
    require_licensed_funder,
    require_not_blacklisted,
)
from scf.parties.organizations import (
    UPDATABLE,
    OrganizationInput,
    find_by_uscc,
    get_organization,
    is_sme,
    list_organizations,
    organizations_by_id,
    register_organization,
    roles_of,
    update_organization,
)
from scf.parties.oversight import (
    Oversight,
    add_association_member,
    association_members,
    end_association_membership,
    grant_read,
    organizations_in_district,
    oversight_of,
    read_grants,
    revoke_read_grant,
    supervised_district,
)
from scf.parties.ownership import (
    add_key_person,
    add_shareholding,
    ownership_of,
    related_links,
    related_parties_of,
    related_party_graph,
)
from scf.parties.retention import PURGEABLE, purge_expired
from scf.parties.sealing import (
    keyring_of,
    open_person_id,
    reseal_person_ids,
    sealed_key_versions,
)
from scf.parties.seen import SEEN_WRITER, SeenWriter
from scf.parties.users import (
    authenticate,
    change_password,
    create_api_token,
    create_user,
    list_sessions,
    login,
    logout,
    note_seen,
    org_user,
    revoke_other_sessions,
    revoke_session,
    revoke_token,
    security_alerts,
    seen_due,
)

__all__ = [
    "PURGEABLE",
    "SEEN_WRITER",
    "UPDATABLE",
    "OrganizationInput",
    "Oversight",
    "SeenWriter",
    "access_log",
    "add_association_member",
    "add_key_person",
    "add_list_entry",
    "add_shareholding",
    "association_members",
    "authenticate",
    "authorize_read",
    "change_password",
    "counterparty",
    "counterparty_columns",
    "create_api_token",
    "create_user",
    "end_association_membership",
    "find_by_uscc",
    "find_organization",
    "get_organization",
    "grant_consent",
    "grant_read",
    "is_red_listed",
    "is_sme",
    "keyring_of",
    "lift_list_entry",
    "list_consents",
    "list_entries",
    "list_organizations",
    "list_sessions",
    "live_consent",
    "live_listing",
    "login",
    "logout",
    "note_seen",
    "open_person_id",
    "org_user",
    "organizations_by_id",
    "organizations_in_district",
    "oversight_of",
    "ownership_of",
    "purge_expired",
    "query_audit",
    "read_grants",
    "register_organization",
    "related_links",
    "related_parties_of",
    "related_party_graph",
    "require_licensed_funder",
    "require_not_blacklisted",
    "require_own_org",
    "require_role",
    "reseal_person_ids",
    "revoke_consent",
    "revoke_other_sessions",
    "revoke_read_grant",
    "revoke_session",
    "revoke_token",
    "roles_of",
    "sealed_key_versions",
    "security_alerts",
    "seen_due",
    "supervised_district",
    "update_organization",
]
