"""The data catalogue: every column of every table with its class and purpose, read from the
declarations beside the mappings (`scf.core.classification`), as text, JSON or Markdown."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table

from scf.core.classification import ColumnClass, DataClass, declared_classes
from scf.core.db import Base
from scf.governance.model import PROTECTED


@dataclass(frozen=True)
class Entry:
    """One column of the catalogue."""

    room: str
    table: str
    column: str
    data_class: DataClass
    purpose: str
    shown_as: tuple[str, ...]


def _room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "scf" else module


def table_classes() -> dict[str, tuple[str, dict[str, ColumnClass]]]:
    """Each table's room and declared classification (empty for a table declaring none)."""
    import scf.models  # noqa: F401  (every room's tables on the metadata)

    out: dict[str, tuple[str, dict[str, ColumnClass]]] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if isinstance(table, Table):
            out[table.name] = (_room_of(mapper.class_.__module__), declared_classes(mapper.class_))
    for name, table in Base.metadata.tables.items():
        if name not in out:
            out[name] = ("?", dict(table.info.get("classification", {})))
    return out


def unclassified() -> list[str]:
    """`table.column` of every column without a class, and of every class naming no column."""
    bad: list[str] = []
    declared = table_classes()
    for name, table in sorted(Base.metadata.tables.items()):
        given = declared[name][1]
        columns = {c.name for c in table.columns}
        bad += [f"{name}.{c} has no class" for c in sorted(columns - set(given))]
        bad += [f"{name}.{c} is classified but is no column" for c in sorted(set(given) - columns)]
    return bad


@cache
def catalogue() -> tuple[Entry, ...]:
    """Every classified column, table by table in name order, columns in table order."""
    declared = table_classes()
    out = []
    for name, table in sorted(Base.metadata.tables.items()):
        room, given = declared[name]
        for column in table.columns:
            c = given.get(column.name)
            if c is not None:
                out.append(Entry(room, name, column.name, c.data_class, c.purpose, c.shown_as))
    return tuple(out)


@cache
def protected_keys() -> dict[str, DataClass]:
    """The answer keys that carry personal or sensitive data, each with its highest class."""
    rank = list(DataClass)
    keys: dict[str, DataClass] = {}
    for e in catalogue():
        if e.data_class not in PROTECTED:
            continue
        for key in e.shown_as:
            old = keys.get(key)
            if old is None or rank.index(e.data_class) > rank.index(old):
                keys[key] = e.data_class
    return keys


def as_json() -> list[dict[str, Any]]:
    return [{**asdict(e), "shown_as": list(e.shown_as)} for e in catalogue()]


def counts() -> dict[str, int]:
    """How many columns each class holds."""
    out = {c.value: 0 for c in DataClass}
    for e in catalogue():
        out[e.data_class.value] += 1
    return out


def markdown() -> str:
    """The catalogue as the docs carry it: a summary, then one table per room."""
    lines = [
        "| class | columns |",
        "|---|---|",
        *(f"| {k} | {n} |" for k, n in counts().items()),
    ]
    room = None
    for e in sorted(catalogue(), key=lambda e: (e.room, e.table)):
        if e.room != room:
            room = e.room
            lines += ["", f"### `scf.{room}`", "", "| table.column | class | purpose |"]
            lines.append("|---|---|---|")
        lines.append(f"| `{e.table}.{e.column}` | {e.data_class.value} | {e.purpose} |")
    return "\n".join(lines) + "\n"
