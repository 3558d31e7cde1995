"""`scf conformance`: check documents against the SCF standards, or probe an implementation.

Exit codes: 0 every document conforms, 1 a violation was found, 2 the input could not be read
(a missing file, not JSON, an unreachable index).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scf.cli_common import command_group, fail, read_json
from scf.core.errors import DomainError

app = command_group("Check documents and endpoints against the SCF standards")

Files = Annotated[
    list[Path], typer.Argument(help="SCF documents (JSON)", metavar="FILE", readable=False)
]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON report instead of text lines")]


def _documents(path: Path, data: Any) -> list[tuple[str, Any]]:
    """A file holds one document or a JSON array of them."""
    if isinstance(data, list):
        return [(f"{path}[{i}]", d) for i, d in enumerate(data)]
    return [(str(path), data)]


@app.command("check")
def check(files: Files, as_json: AsJson = False) -> None:
    """Validate each document against the standard and version it names; print every
    violation with its JSON path."""
    from scf.standards.check import check_document

    try:  # every file read before any is checked, so a bad one prints nothing else
        loaded = [(f, read_json(f, "file", "an SCF document (JSON)")) for f in files]
    except DomainError as exc:
        fail(exc)
    results = [
        {"file": name, **check_document(doc).as_dict()}
        for path, data in loaded
        for name, doc in _documents(path, data)
    ]
    if as_json:
        print(json.dumps({"documents": results}, ensure_ascii=False, indent=2))
    else:
        for r in results:
            named = f"{r['standard'] or '?'} {r['version'] or '?'} {r['document_type'] or ''}"
            mark = "ok" if r["valid"] else f"{len(r['violations'])} violation(s)"
            print(f"{r['file']}: {named.strip()}: {mark}")
            for v in r["violations"]:
                print(f"  {v['path']}: {v['message']} [{v['keyword']}]")
    if not all(r["valid"] for r in results):
        raise typer.Exit(1)


@app.command("probe")
def probe(
    url: Annotated[
        str, typer.Argument(help="the implementation's API base, e.g. https://host/api/v1")
    ],
    token: Annotated[str | None, typer.Option(help="a Bearer token for private documents")] = None,
    timeout: Annotated[float, typer.Option(help="seconds per request")] = 10.0,
    as_json: AsJson = False,
) -> None:
    """Read URL/standards, fetch every document it lists and check each against the standard
    it is listed under."""
    from scf.standards.probe import probe as run

    if not url.startswith(("http://", "https://")):
        print(f"error invalid_url: url: {url!r} is not an http(s) URL", file=sys.stderr)
        raise typer.Exit(2)
    report = run(url, token=token, timeout=timeout)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_probe(report)
    if report.error is not None:
        raise typer.Exit(2)
    if not report.ok:
        raise typer.Exit(1)


def _print_probe(report: Any) -> None:
    if report.error is not None:
        print(f"error: {report.error}")
        return
    for v in report.index_violations:
        print(f"index {v.path}: {v.message} [{v.keyword}]")
    if not report.index_violations and not report.documents:
        print("the index lists no documents: nothing was checked")
    for d in report.documents:
        print(f"{d.url} ({d.claimed}): {'ok' if d.ok else 'NOT CONFORMING'}")
        if d.error:
            print(f"  {d.error}")
        for v in d.verdict.violations if d.verdict else ():
            print(f"  {v.path}: {v.message} [{v.keyword}]")
