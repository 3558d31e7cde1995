"""Write the data catalogue (every column's class and purpose) into docs/governance.md.

Run after adding or classifying a column: `.venv/bin/python tools/data_catalogue.py`
(`--check` only says whether the docs are current). The catalogue is made from the
classifications declared beside the mappings (`scf governance catalog --markdown`).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "governance.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def current(text: str, table: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str]) -> int:
    from scf.governance.service import catalogue_markdown

    text = DOC.read_text(encoding="utf-8")
    new = current(text, catalogue_markdown())
    if "--check" in argv:
        return 0 if new == text else 1
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
