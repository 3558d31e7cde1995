"""Data classification: every column of every table says what kind of data it holds and why.

A table declares it once, beside its mapping, as a class attribute::

    class PersonRow(Base):
        __classification__ = classes(
            "identify shareholders and key persons (related-party checks)",
            internal="id",
            personal="name",
            sensitive={"id_hash": "match a person across enterprises without the ID number"},
        )

Each class names its columns as one space-separated string (they share the table's purpose)
or as a mapping of column to its own purpose. A personal or sensitive column is masked in
the answers under its own name; `shown_as` names the keys it is shown under instead
(`a.b`: the key `b` inside the object or list under `a`; "" when no answer shows it).
A mixin (`IdempotencyColumns`) declares its own columns the same way and the tables that
use it add theirs. `scf.governance` reads the
declarations into the catalogue, masks by them and keeps data as long as their class says;
`tests/unit/test_classification.py` fails on any column of any table left without a class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DataClass(StrEnum):
    """The classes of the Data Security Law and the Personal Information Protection Law."""

    PUBLIC = "public"  # published by law or by the enterprise itself (registry notices, names)
    INTERNAL = "internal"  # the platform's own bookkeeping: ids, versions, hashes, timestamps
    CONFIDENTIAL = "confidential"  # an enterprise's business data: trade, amounts, credit
    PERSONAL = "personal"  # identifies or relates to a natural person (PIPL art. 4)
    SENSITIVE = "sensitive"  # sensitive personal information: ID numbers, credentials (art. 28)


# The order of the classes from the least to the most protected.
RANK = {c: i for i, c in enumerate(DataClass)}


@dataclass(frozen=True)
class ColumnClass:
    """One column's class and the purpose it is held for."""

    data_class: DataClass
    purpose: str
    # the keys of API answers and page data that carry the column's value
    shown_as: tuple[str, ...] = ()


Names = str | Mapping[str, str]


def classes(
    purpose: str,
    *,
    public: Names = "",
    internal: Names = "",
    confidential: Names = "",
    personal: Names = "",
    sensitive: Names = "",
    shown_as: Mapping[str, str] | None = None,
) -> dict[str, ColumnClass]:
    """A table's classification: each column under its class, with the table's purpose unless
    the column names its own. A column named twice is refused at import."""
    if not purpose.strip():
        raise ValueError("a classification names the purpose its data is held for")
    out: dict[str, ColumnClass] = {}
    given = {
        DataClass.PUBLIC: public,
        DataClass.INTERNAL: internal,
        DataClass.CONFIDENTIAL: confidential,
        DataClass.PERSONAL: personal,
        DataClass.SENSITIVE: sensitive,
    }
    for data_class, names in given.items():
        for column, why in _named(names, purpose):
            if column in out:
                raise ValueError(f"column {column} classified twice")
            keys = (shown_as or {}).get(column, column)
            out[column] = ColumnClass(data_class, why, tuple(keys.split()))
    unknown = set(shown_as or {}) - set(out)
    if unknown:
        raise ValueError(f"shown_as names columns not classified: {sorted(unknown)}")
    return out


def _named(names: Names, purpose: str) -> Iterable[tuple[str, str]]:
    if isinstance(names, str):
        return ((n, purpose) for n in names.split())
    return ((n, why or purpose) for n, why in names.items())


def declared_classes(cls: type[Any]) -> dict[str, ColumnClass]:
    """A mapped class's classification, its mixins' first, its own last (its own win)."""
    out: dict[str, ColumnClass] = {}
    for klass in reversed(cls.__mro__):
        own = klass.__dict__.get("__classification__")
        if own:
            out.update(own)
    return out
