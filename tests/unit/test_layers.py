"""Imports point inward: model imports only scf.core; rooms meet only through service.py."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "scf"
ROOMS = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {
    "core",
    "migrations",
}


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def test_models_import_only_core() -> None:
    bad = []
    for room in ROOMS:
        model = SRC / room / "model.py"
        if model.exists():
            for mod in imports(model):
                if mod.startswith("scf.") and not mod.startswith("scf.core"):
                    bad.append(f"{room}/model.py imports {mod}")
    assert not bad, bad


def test_rooms_meet_only_through_services() -> None:
    bad = []
    for room in ROOMS:
        for path in (SRC / room).rglob("*.py"):
            for mod in imports(path):
                parts = mod.split(".")
                if len(parts) >= 3 and parts[0] == "scf" and parts[1] in ROOMS and parts[1] != room:
                    if parts[2] not in {"service", "model"}:
                        bad.append(f"{path.relative_to(SRC)} imports {mod}")
    assert not bad, bad


def test_core_imports_no_room() -> None:
    bad = []
    for path in (SRC / "core").rglob("*.py"):
        for mod in imports(path):
            parts = mod.split(".")
            if len(parts) >= 2 and parts[0] == "scf" and parts[1] in ROOMS:
                bad.append(f"core/{path.name} imports {mod}")
    assert not bad, bad
