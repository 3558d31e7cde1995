"""Rules of data governance: who sees which class of data in full, and how the rest is masked.

Minimum necessary use (PIPL art. 6): personal information is shown in full only to the roles
whose purpose needs it, the operator (onboarding, know-your-customer) and the regulator
(supervision); sensitive personal information only to the regulator. Everyone else sees it
masked, except in the records of their own organization or of themselves: the subject always
sees its own data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from scf.core.classification import DataClass
from scf.core.errors import InvalidInput

# The roles whose purpose needs each protected class in full.
FULL_VIEW: dict[DataClass, frozenset[str]] = {
    DataClass.PERSONAL: frozenset({"operator", "regulator", "system"}),
    DataClass.SENSITIVE: frozenset({"regulator", "system"}),
}
PROTECTED = frozenset(FULL_VIEW)
MASK = "*"


def sees_in_full(roles: frozenset[str] | set[str], data_class: DataClass) -> bool:
    """Whether an actor with these roles sees data of the class unmasked."""
    allowed = FULL_VIEW.get(data_class)
    return allowed is None or bool(allowed & set(roles))


def mask_text(value: str, data_class: DataClass) -> str:
    """Mask a text: a personal one keeps its first and last thirds (a phone shows 138*****678,
    a name its surname), a sensitive one only its last four characters behind six stars."""
    if not value:
        return value
    n = len(value)
    if data_class is DataClass.SENSITIVE:
        return MASK * 6 + (value[-4:] if n > 8 else "")
    if n <= 3:
        return value[0] + MASK * (n - 1) if n > 1 else MASK
    keep = min(3, n // 3)
    return value[:keep] + MASK * (n - 2 * keep) + value[-keep:]


def mask_value(value: Any, data_class: DataClass) -> Any:
    """Mask every text in a value (a text, or the texts inside a list or mapping)."""
    if isinstance(value, str):
        return mask_text(value, data_class)
    if isinstance(value, list):
        return [mask_value(v, data_class) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, data_class) for k, v in value.items()}
    return value


def is_masked(value: Any, data_class: DataClass) -> bool:
    """Whether a value is what `mask_value` makes of a value (empty and missing ones count)."""
    if value is None or value == "":
        return True
    if isinstance(value, str):
        return mask_text(value, data_class) == value and MASK in value
    if isinstance(value, list):
        return all(is_masked(v, data_class) for v in value)
    if isinstance(value, dict):
        return all(is_masked(v, data_class) for v in value.values())
    return True


class RecordKind(StrEnum):
    """The kinds of records kept for a time and then purged."""

    SESSION = "session"
    LOGIN_COUNTER = "login_counter"
    SECURITY_ALERT = "security_alert"


class PurgeAction(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class RetentionRule:
    """How long a kind of record is kept after it ends, the least the law allows, and why."""

    kind: RecordKind
    table: str
    data_class: DataClass
    default_days: int
    minimum_days: int
    legal_basis: str
    action: PurgeAction


CSL_LOGS = "Cybersecurity Law art. 21(3): network logs kept at least six months"
PIPL_NEED = "PIPL art. 19: kept no longer than its purpose needs"

RETENTION: dict[RecordKind, RetentionRule] = {
    r.kind: r
    for r in (
        RetentionRule(
            RecordKind.SESSION,
            "api_tokens",
            DataClass.PERSONAL,
            180,
            180,
            CSL_LOGS,
            PurgeAction.DELETE,
        ),
        RetentionRule(
            RecordKind.LOGIN_COUNTER,
            "login_throttle",
            DataClass.PERSONAL,
            1,
            0,
            PIPL_NEED,
            PurgeAction.DELETE,
        ),
        RetentionRule(
            RecordKind.SECURITY_ALERT,
            "security_alerts",
            DataClass.PERSONAL,
            365,
            180,
            CSL_LOGS,
            PurgeAction.DELETE,
        ),
    )
}

# Never purged, whatever their class: the registry's append-only log and what proves it
# (registry notices are public by law, Civil Code art. 768 and the State Council's unified
# registration rules), and the audit trail that says what every purge did.
NEVER_PURGED: dict[str, str] = {
    "registry_entry": "the registry's append-only transparency log (public by law)",
    "registry_log_node": "the proofs of the registry's log",
    "registry_tree_head": "the registry's signed tree heads",
    "registry_cosignature": "witnesses' cosignatures of the registry's log",
    "audit_log": "the audit trail, which records every purge",
    "data_access_log": "the subject's record of every read of its data by others (append-only)",
}


def check_period(kind: RecordKind, days: int) -> None:
    """Refuse a retention period shorter than the law's minimum for the kind."""
    rule = RETENTION[kind]
    if days < rule.minimum_days:
        raise InvalidInput(
            f"{kind.value} records are kept at least {rule.minimum_days} days ({rule.legal_basis})",
            field="days",
            code="retention_below_minimum",
        )
    if days > 36600:
        raise InvalidInput("a retention period is at most 100 years", field="days")


def cutoff(now: datetime, days: int) -> datetime:
    """Records that ended before this moment have outlived a period of `days`."""
    return now - timedelta(days=days)


class ReadBasis(StrEnum):
    """Why another organization read an organization's data (the access log's basis)."""

    CONSENT = "consent"
    REGULATOR = "regulator"
    OPERATOR = "operator"


class QualityDimension(StrEnum):
    """What a data-quality check looks at."""

    COMPLETENESS = "completeness"
    VALIDITY = "validity"
    CONSISTENCY = "consistency"
    TIMELINESS = "timeliness"


class CorrectionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# The fields of its record an organization may ask the operator to correct.
CORRECTABLE = frozenset(
    {"name", "address", "phone", "bank_account", "licence_no", "licence_authority", "licence_scope"}
)
