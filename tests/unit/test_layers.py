"""Imports point inward: model imports only scf.core; rooms meet only through service.py."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_modules_meet_only_through_public_names() -> None:
    """A module never imports, or reaches into, another module's private helpers."""
    bad = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("scf")
            ):
                for alias in node.names:
                    if _private(alias.name):
                        bad.append(
                            f"{path.relative_to(SRC)} imports {alias.name} from {node.module}"
                        )
                    modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("scf"):
                        modules.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and _private(node.attr)
            ):
                bad.append(f"{path.relative_to(SRC)} reaches for {node.value.id}.{node.attr}")
    assert not bad, bad


def test_source_files_stay_small() -> None:
    """No module outside the migrations grows past about 800 lines: split it by use case."""
    long = [
        f"{p.relative_to(SRC)}: {n} lines"
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 820
    ]
    assert not long, long


def test_room_map_in_the_docs_is_current() -> None:
    """docs/development.md maps every module and use case; `tools/room_map.py` rewrites it."""
    tool = SRC.parents[1] / "tools" / "room_map.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], check=False)
    assert done.returncode == 0, "run tools/room_map.py: the room map is stale"


def test_functions_stay_short() -> None:
    """No function outside the migrations grows past about 120 lines: split it into steps."""
    long = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > 120:
                    long.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {n} lines")
    assert not long, long
