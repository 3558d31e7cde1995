"""Domain errors with stable codes; only the API layer maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One reason a field was refused; `line` is set for bulk input."""

    field: str
    reason: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "reason": self.reason}
        if self.line is not None:
            out["line"] = self.line
        return out


class DomainError(Exception):
    """Base of every refusal the platform gives; `code` is stable and documented."""

    code: str = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.errors: list[FieldError] = list(errors or [])
        self.details: dict[str, Any] = dict(details or {})


class InvalidInput(DomainError):
    """Input that breaks a rule; names the field and the reason."""

    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        errs = list(errors or [])
        if field is not None and not errs:
            errs.append(FieldError(field, message))
        super().__init__(message, code=code, errors=errs, details=details)


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it does."""

    code = "not_found"


class Conflict(DomainError):
    """The command collides with the current state (already pledged, stale version, ...)."""

    code = "conflict"


class PermissionDenied(DomainError):
    """The caller's role may not do this."""

    code = "forbidden"


class Unauthenticated(DomainError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class TooManyAttempts(DomainError):
    """Too many failures in a row: the caller waits `retry_after` seconds (HTTP 429)."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"retry_after": retry_after})
        self.retry_after = retry_after


class RuleViolation(DomainError):
    """A business rule refuses the command (not white-listed, black-listed, ...)."""

    code = "rule_violation"


@dataclass
class ErrorCollector:
    """Collect field errors as values (for bulk input) and raise them together."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, reason: str, line: int | None = None) -> None:
        self.errors.append(FieldError(field_name, reason, line))

    def raise_if_any(self, message: str = "input was refused") -> None:
        if self.errors:
            first = self.errors[0]
            where = f" (line {first.line})" if first.line is not None else ""
            raise InvalidInput(
                f"{message}: {first.field}{where}: {first.reason}"
                + (f" and {len(self.errors) - 1} more" if len(self.errors) > 1 else ""),
                errors=self.errors,
            )
