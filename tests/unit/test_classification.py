"""Every column of every table carries a class and a purpose; the docs carry the catalogue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scf.cli import app
from scf.core.classification import ColumnClass, DataClass, classes
from scf.governance import service

ROOT = Path(__file__).resolve().parents[2]


def test_every_column_of_every_table_has_a_class() -> None:
    bad = service.unclassified()
    assert not bad, (
        "declare each column's class beside its mapping (__classification__ = classes(...),"
        " see scf/core/classification.py), then run tools/data_catalogue.py:\n  " + "\n  ".join(bad)
    )


def test_the_check_names_a_column_left_out() -> None:
    from sqlalchemy import Column, Integer, Table

    from scf.core.db import Base

    extra = Table("gov_probe", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        assert "gov_probe.id has no class" in service.unclassified()
        extra.info["classification"] = classes("probe", internal="id")
        assert not [b for b in service.unclassified() if b.startswith("gov_probe")]
    finally:
        Base.metadata.remove(extra)


def test_a_class_is_declared_once_with_a_purpose() -> None:
    with pytest.raises(ValueError, match="classified twice"):
        classes("why", internal="id", personal="id")
    with pytest.raises(ValueError, match="purpose"):
        classes(" ", internal="id")
    with pytest.raises(ValueError, match="shown_as"):
        classes("why", internal="id", shown_as={"name": "x"})
    got = classes("why", personal={"name": "reach them"}, shown_as={"name": "a.name"})
    assert got == {"name": ColumnClass(DataClass.PERSONAL, "reach them", ("a.name",))}


def test_known_personal_and_sensitive_columns() -> None:
    by = {(e.table, e.column): e for e in service.catalogue()}
    assert by[("persons", "id_hash")].data_class is DataClass.SENSITIVE
    assert by[("users", "password_hash")].data_class is DataClass.SENSITIVE
    assert by[("persons", "name")].data_class is DataClass.PERSONAL
    assert by[("organizations", "phone")].data_class is DataClass.PERSONAL
    assert by[("registry_entry", "data")].data_class is DataClass.PUBLIC
    assert all(e.purpose.strip() for e in by.values())


def test_catalog_command_prints_text_and_json() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["governance", "catalog"])
    assert text.exit_code == 0, text.output
    assert "persons.id_hash" in text.output
    got = runner.invoke(app, ["governance", "catalog", "--json"])
    assert got.exit_code == 0, got.output
    rows = json.loads(got.output)
    assert len(rows) == len(service.catalogue())
    assert {"table": "persons", "column": "id_hash", "data_class": "sensitive"}.items() <= next(
        r for r in rows if r["table"] == "persons" and r["column"] == "id_hash"
    ).items()


def test_the_docs_carry_the_current_catalogue() -> None:
    tool = ROOT / "tools" / "data_catalogue.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], check=False)
    assert done.returncode == 0, "run tools/data_catalogue.py: docs/governance.md is stale"
