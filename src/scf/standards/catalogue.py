"""The published standards: identifier, version, titles and the schema shipped in the package.

A standard's identifier is `SCF-<n>`; its version is `major.minor`. A minor version only adds
optional members, so a reader of 1.0 reads any 1.x document; anything else is a new major
version. Every published version stays in this catalogue, and in the package, for good.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from scf.core.i18n import N_


@dataclass(frozen=True)
class Standard:
    id: str
    version: str
    slug: str
    title: str  # a message id: shown through the catalogs in the reader's language
    document_types: tuple[str, ...]

    @property
    def schema_file(self) -> str:
        return f"{self.id.lower()}-{self.slug}-{self.version}.schema.json"

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)


STANDARDS: tuple[Standard, ...] = (
    Standard(
        "SCF-1",
        "1.0",
        "evidence-package",
        N_("Trade-background evidence package"),
        ("evidence-package",),
    ),
    Standard(
        "SCF-2",
        "1.0",
        "registration",
        N_("Registration notice and search certificate"),
        ("registration-notice", "search-certificate"),
    ),
    Standard(
        "SCF-3",
        "1.0",
        "payable-certificate",
        N_("Payable certificate and its transfer record"),
        ("payable-certificate",),
    ),
)
BY_KEY = {s.key: s for s in STANDARDS}
INDEX_SCHEMA = "scf-index-1.0.schema.json"


def find(standard_id: str, version: str | None = None) -> Standard | None:
    """The standard of that identifier, at that version or at its newest."""
    if version is not None:
        return BY_KEY.get((standard_id, version))
    known = [s for s in STANDARDS if s.id == standard_id]
    return max(known, key=lambda s: tuple(int(p) for p in s.version.split("."))) if known else None


@functools.cache
def schema_of(file_name: str) -> dict[str, Any]:
    """A schema shipped in the package, parsed once."""
    text = resources.files("scf.standards").joinpath("schemas", file_name).read_text("utf-8")
    out: dict[str, Any] = json.loads(text)
    return out


@functools.cache
def validator_of(file_name: str) -> Draft202012Validator:
    """A compiled validator, with the formats the validator can check (dates among them)."""
    return Draft202012Validator(
        schema_of(file_name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
