"""Packaging: every dependency is locked and explained, the licence and the version agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import scf

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


DEPENDENCIES = [
    _name(r)
    for r in [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["dev"],
    ]
]


def test_every_dependency_is_pinned_with_hashes_in_the_lock() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {_canonical(m) for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock, re.M)}
    missing = [d for d in DEPENDENCIES if _canonical(d) not in pinned]
    assert not missing, f"run `make lock`: {missing} not in requirements.lock"
    entries = re.findall(
        r"^[A-Za-z0-9][^\n]*==[^\n]*\\\n((?:\s+--hash=sha256:\w+\s*\\?\n?)+)", lock, re.M
    )
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9][^\n]*==", lock, re.M))


def test_every_dependency_has_its_line_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Dependencies and why", 1)[1].split("\n## ", 1)[0]
    rows = [_canonical(line) for line in table.splitlines() if line.startswith("| ")]
    missing = [d for d in DEPENDENCIES if not any(_canonical(d) in row for row in rows)]
    assert not missing, f"say in the README why these are needed: {missing}"


def test_licence_and_version() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert PYPROJECT["project"]["license"] == {"text": "Apache-2.0"}
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "scf.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{scf.__version__}]" in changelog and "## [Unreleased]" in changelog


def test_shipped_calendar_data_is_package_data() -> None:
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["scf"]
    assert "**/*.json" in globs
    assert (ROOT / "src" / "scf" / "core" / "calendar_data" / "2026.json").exists()
