"""Write the room map (every room's modules and the use cases in each) into docs/development.md.

Run after adding or moving a use case: `.venv/bin/python tools/room_map.py`. The map is
made from the code itself: each module's docstring and its public functions and classes
with the first line of their docstrings.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "scf"
DOC = ROOT / "docs" / "development.md"
START, END = "<!-- room-map:start -->", "<!-- room-map:end -->"


def _first_line(node: ast.AST) -> str:
    doc = (
        ast.get_docstring(node)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        else None
    )
    return (doc or "").strip().splitlines()[0].rstrip(".") if doc else ""


def module_entry(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC).as_posix()
    head = _first_line(tree)
    lines = [f"- `{rel}`" + (f": {head}" if head else "")]
    for node in tree.body:
        if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ) and not node.name.startswith("_"):
            what = _first_line(node)
            if isinstance(node, ast.ClassDef) and (not what or path.name == "api.py"):
                continue  # request/response schemas and bare value types are not use cases
            lines.append(f"  - `{node.name}`" + (f": {what}" if what else ""))
    return lines


def room_map() -> str:
    out: list[str] = []
    rooms = sorted(p for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    for room in rooms:
        if room.name == "migrations":
            continue
        out.append(f"### `scf.{room.name}`")
        out.append("")
        for path in sorted(room.rglob("*.py")):
            if path.name == "__init__.py" or "__pycache__" in path.parts:
                continue
            out.extend(module_entry(path))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    block = f"{START}\n{room_map()}{END}"
    if START in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        new = before + block + after
    else:
        new = (
            text.rstrip()
            + "\n\n## Room map\nEvery room's modules and the use cases in each"
            + " (made by `tools/room_map.py`).\n\n"
            + block
            + "\n"
        )
    if "--check" in sys.argv:
        return 0 if new == text else 1
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
