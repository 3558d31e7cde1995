"""Money, calendar and day counts, ids, clock, errors and the unit of work."""

from scf.core.actor import Actor
from scf.core.clock import Clock, FixedClock, SystemClock
from scf.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
    Unauthenticated,
)
from scf.core.ids import new_id
from scf.core.money import Money

__all__ = [
    "Actor",
    "Clock",
    "Conflict",
    "DomainError",
    "FieldError",
    "FixedClock",
    "InvalidInput",
    "Money",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "SystemClock",
    "Unauthenticated",
    "new_id",
]
