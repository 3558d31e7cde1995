"""Use cases of data governance: the catalogue, masking, data keys, retention, subject rights.

The room's public entry: the command line, the API and the pages import from here only.
`catalog` reads every table's classification into the catalogue, `masking` masks personal
and sensitive data in answers by the reader's role, `keys` seals sensitive values again under
a new data key, `retention` keeps each kind of record as long as its period and purges the
rest unless a legal hold keeps it, `subject` gives an organization what is held on it and
`corrections` carries its correction requests to the operator and `quality` checks the
platform's records for completeness, validity, consistency and timeliness.
"""

from __future__ import annotations

from scf.governance.catalog import Entry, catalogue, protected_keys, unclassified
from scf.governance.catalog import as_json as catalogue_json
from scf.governance.catalog import markdown as catalogue_markdown
from scf.governance.corrections import corrections, decide_correction, request_correction
from scf.governance.keys import Rotation, check_keys, reseal_batch, rotate_key
from scf.governance.masking import MaskPersonalData, mask_for
from scf.governance.model import CORRECTABLE
from scf.governance.quality import CHECKS as QUALITY_CHECKS
from scf.governance.quality import describe as describe_check
from scf.governance.quality import history as quality_history
from scf.governance.quality import latest_results as quality_results
from scf.governance.quality import run_checks as run_quality_checks
from scf.governance.retention import (
    held_orgs,
    legal_holds,
    lift_hold,
    place_hold,
    purge,
    retention_periods,
    set_retention,
)
from scf.governance.subject import subject_data, subject_pdf

__all__ = [
    "CORRECTABLE",
    "QUALITY_CHECKS",
    "Entry",
    "MaskPersonalData",
    "Rotation",
    "catalogue",
    "catalogue_json",
    "catalogue_markdown",
    "check_keys",
    "corrections",
    "decide_correction",
    "describe_check",
    "held_orgs",
    "legal_holds",
    "lift_hold",
    "mask_for",
    "place_hold",
    "protected_keys",
    "purge",
    "quality_history",
    "quality_results",
    "request_correction",
    "reseal_batch",
    "retention_periods",
    "rotate_key",
    "run_quality_checks",
    "set_retention",
    "subject_data",
    "subject_pdf",
    "unclassified",
]
