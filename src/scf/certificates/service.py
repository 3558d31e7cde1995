"""Use cases of payable certificates: lines, issue, split, transfer, finance, settle, report.

The room's public entry: other rooms, the API, the web pages, the CLI and the simulator
import from here only. The use cases live in modules of their own: `lines` (credit lines and
exposure caps), `issue`, `pieces` (reading certificates and pieces, splits, the checks before
a piece changes), `transfer` (the hot command, its statements and savepoints, group commit),
`financing`, `settlement` (payment at maturity, statements, overdue and default) and `reach`
(lineage, how far credit travelled, the risk room's sums); `common` holds the roles and the
helpers they share.

Each public command is one unit of work and commits once; the `*_in` functions join the
caller's unit of work and never commit (the financing room calls them). A piece is locked
with SELECT ... FOR UPDATE before it changes (a transfer locks it with the guarded UPDATE
that spends it), and carries a version column besides, so two commands on one piece never
both win.
"""

from __future__ import annotations

from scf.certificates.accounts import (
    register_settlement_account,
    settlement_account_dict,
    settlement_accounts,
)
from scf.certificates.common import ENTERPRISE, FUNDERS, settings_of
from scf.certificates.financing import (
    accept_financing,
    decline_financing,
    finance_piece_in,
    financing_records,
    get_financing,
    offer_financing,
    quote,
    tenor_of_financing,
)
from scf.certificates.iso20022 import build_camt053
from scf.certificates.issue import issue_certificate
from scf.certificates.lines import (
    cap_for,
    exposure_of,
    get_line,
    grant_line,
    institution_exposures,
    list_lines,
    set_exposure_cap,
)
from scf.certificates.pieces import (
    get_certificate,
    list_certificates,
    list_pieces,
    pieces_of,
    split_piece,
)
from scf.certificates.reach import (
    certificate_claims,
    certificate_summary,
    lineage,
    reach_figures,
)
from scf.certificates.reroll import reroll_maturities
from scf.certificates.settlement import (
    Settlement,
    exposure_report,
    instruct_settlement,
    list_alerts,
    reconcile_statement,
    run_maturity,
    settlement_file,
    upcoming_settlements,
)
from scf.certificates.tables import CertIdempotencyRow
from scf.certificates.transfer import (
    MAX_BATCH,
    QueuedTransfer,
    TransferOutcome,
    TransferRequest,
    transfer_each,
    transfer_piece,
    transfer_pieces,
)
from scf.core.idempotency import KeyedCommands

# Commands that move money or file records run once per Idempotency-Key.
idempotent = KeyedCommands(CertIdempotencyRow)

__all__ = [
    "ENTERPRISE",
    "FUNDERS",
    "MAX_BATCH",
    "QueuedTransfer",
    "Settlement",
    "TransferOutcome",
    "TransferRequest",
    "accept_financing",
    "build_camt053",
    "cap_for",
    "certificate_claims",
    "certificate_summary",
    "decline_financing",
    "exposure_of",
    "exposure_report",
    "finance_piece_in",
    "financing_records",
    "get_certificate",
    "get_financing",
    "get_line",
    "grant_line",
    "idempotent",
    "institution_exposures",
    "instruct_settlement",
    "issue_certificate",
    "lineage",
    "list_alerts",
    "list_certificates",
    "list_lines",
    "list_pieces",
    "offer_financing",
    "pieces_of",
    "quote",
    "reach_figures",
    "reconcile_statement",
    "register_settlement_account",
    "reroll_maturities",
    "run_maturity",
    "set_exposure_cap",
    "settings_of",
    "settlement_account_dict",
    "settlement_accounts",
    "settlement_file",
    "split_piece",
    "tenor_of_financing",
    "transfer_each",
    "transfer_piece",
    "transfer_pieces",
    "upcoming_settlements",
]
