"""Registry use cases: notice filing, search, conflicts, the empty-pledge guard and the log.

The room's public entry: other rooms, the API, the CLI, the simulator and the benchmarks
import from here only. The use cases live in modules of their own: `log` (appends, signed
tree heads, proofs), `verify` (the verifier), `agency` (who may file for whom), `conflicts`
(conflicts and priority), `filing` (single filings, batches and the sequencer's step),
`changes` (amend, extend, cancel, object, litigate), `goods` (warehouse goods and the
empty-pledge guard) and `search` (public search and search certificates); `views` holds the
registration views the others share.

Functions ending in `_in` join the caller's unit of work and never commit; the others are
whole commands that commit once. Every registry operation appends one leaf to the
transparency log inside the same transaction as the change it records, after taking the
single-row log lock, so sequence numbers are gapless and in commit order.
"""

from __future__ import annotations

from scf.core.idempotency import KeyedCommands
from scf.registry.agency import agency_dict, grant_agency, list_agencies, revoke_agency
from scf.registry.changes import (
    AmendmentInput,
    amend,
    cancel,
    cancel_in,
    extend,
    mark_litigated,
    object_to,
)
from scf.registry.conflicts import blocking_conflicts, conflicts, priority_report
from scf.registry.cosign import (
    CosignatureIn,
    latest_cosignatures,
    latest_witnessed_head,
    record_cosignature,
)
from scf.registry.filing import (
    MAX_BATCH,
    FilingInput,
    QueuedFiling,
    file_registration,
    file_registrations,
    file_registrations_each,
    parse_collateral,
    register_in,
)
from scf.registry.goods import (
    GoodsInput,
    confirm_goods,
    goods_dict,
    goods_held,
    pledge_capacity_in,
    pledged_units,
    release_goods,
)
from scf.registry.log import (
    LOG_STATE_ID,
    STH_DUE,
    STH_INTERVAL,
    chain_key,
    consistency,
    entries,
    head_dict,
    inclusion_proof,
    iter_all_entries,
    latest_tree_head,
    root_at,
    rotate_key,
    signing_key,
    signing_keys,
    tree_heads,
)
from scf.registry.model import CollateralKind, CollateralRef, RegistrationKind
from scf.registry.search import (
    SearchQuery,
    certificate_html,
    fold_query,
    search,
    search_certificate,
    verify_certificate,
)
from scf.registry.tables import RegistryIdempotencyRow
from scf.registry.trust import TrustedHead
from scf.registry.verify import VerifyReport, verify_log, verify_registrations
from scf.registry.views import (
    FilingResult,
    RegistrationInfo,
    get_registration,
    registration_number,
)

# Commands that move money or file records run once per Idempotency-Key.
idempotent = KeyedCommands(RegistryIdempotencyRow)

__all__ = [
    "LOG_STATE_ID",
    "MAX_BATCH",
    "STH_DUE",
    "STH_INTERVAL",
    "AmendmentInput",
    "CollateralKind",
    "CollateralRef",
    "CosignatureIn",
    "FilingInput",
    "FilingResult",
    "GoodsInput",
    "QueuedFiling",
    "RegistrationInfo",
    "RegistrationKind",
    "SearchQuery",
    "TrustedHead",
    "VerifyReport",
    "agency_dict",
    "amend",
    "blocking_conflicts",
    "cancel",
    "cancel_in",
    "certificate_html",
    "chain_key",
    "confirm_goods",
    "conflicts",
    "consistency",
    "entries",
    "extend",
    "file_registration",
    "file_registrations",
    "file_registrations_each",
    "fold_query",
    "get_registration",
    "goods_dict",
    "goods_held",
    "grant_agency",
    "head_dict",
    "idempotent",
    "inclusion_proof",
    "iter_all_entries",
    "latest_cosignatures",
    "latest_tree_head",
    "latest_witnessed_head",
    "list_agencies",
    "mark_litigated",
    "object_to",
    "parse_collateral",
    "pledge_capacity_in",
    "pledged_units",
    "priority_report",
    "record_cosignature",
    "register_in",
    "registration_number",
    "release_goods",
    "revoke_agency",
    "root_at",
    "rotate_key",
    "search",
    "search_certificate",
    "signing_key",
    "signing_keys",
    "tree_heads",
    "verify_certificate",
    "verify_log",
    "verify_registrations",
]
