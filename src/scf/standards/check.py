"""Check one document against the standard it names: every violation with its JSON path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError

from scf.standards.catalogue import STANDARDS, find, validator_of


@dataclass(frozen=True)
class Violation:
    path: str  # a JSONPath to the member at fault: `$`, `$.financing.amount.currency`
    message: str
    keyword: str  # the schema keyword that failed (`required`, `pattern`, ...) or `standard`

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "keyword": self.keyword}


@dataclass(frozen=True)
class Verdict:
    standard: str | None
    version: str | None
    document_type: str | None
    violations: tuple[Violation, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "version": self.version,
            "document_type": self.document_type,
            "valid": self.valid,
            "violations": [v.as_dict() for v in self.violations],
        }


def json_path(parts: Iterable[str | int]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def leaves(error: ValidationError) -> list[ValidationError]:
    """The most specific errors: a failed `oneOf`/`anyOf` is reported by its best branch."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        return [e for e in error.context if len(e.absolute_path) == deepest]
    return [error]


def _violation(error: ValidationError) -> Violation:
    path = json_path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        # one error per missing member, its message opening with the member's name
        missing = [m for m in error.validator_value if error.message.startswith(repr(m))]
        if missing:
            path = json_path([*error.absolute_path, missing[0]])
    return Violation(path, error.message, str(error.validator))


def check_document(doc: Any) -> Verdict:
    """Find the standard and version the document names and validate it against that schema."""
    if not isinstance(doc, dict):
        return Verdict(None, None, None, (Violation("$", "a document is a JSON object", "type"),))
    sid, version, dtype = doc.get("standard"), doc.get("version"), doc.get("document_type")
    names = (sid if isinstance(sid, str) else None, version if isinstance(version, str) else None)
    dtype_s = dtype if isinstance(dtype, str) else None
    if names[0] is None or find(names[0]) is None:
        known = ", ".join(sorted({s.id for s in STANDARDS}))
        why = f"names no known standard (known: {known})"
        return Verdict(*names, dtype_s, (Violation("$.standard", why, "standard"),))
    std = find(names[0], names[1]) if names[1] is not None else None
    if std is None:
        versions = ", ".join(s.version for s in STANDARDS if s.id == names[0])
        why = f"is not a published version of {names[0]} (published: {versions})"
        return Verdict(*names, dtype_s, (Violation("$.version", why, "standard"),))
    errors = sorted(
        (leaf for e in validator_of(std.schema_file).iter_errors(doc) for leaf in leaves(e)),
        key=lambda e: (list(map(str, e.absolute_path)), e.message),
    )
    seen: dict[tuple[str, str], Violation] = {}
    for e in errors:
        v = _violation(e)
        seen.setdefault((v.path, v.message), v)
    return Verdict(std.id, std.version, dtype_s, tuple(seen.values()))
