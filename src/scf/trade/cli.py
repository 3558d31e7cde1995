"""`scf trade`: validate and import e-invoices, statements and CSV files from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scf.cli_common import command_group, create_platform, fail, read_text, read_xml_bytes
from scf.core.errors import DomainError

app = command_group("Trade documents: validate and import")

XML_EXPECTED = "a UBL or CII e-invoice or a camt statement (XML)"
# The command reads and checks its files itself, so that a refusal is one line.
XmlFiles = Annotated[list[Path], typer.Argument(help=XML_EXPECTED, metavar="FILE", readable=False)]


def _read_all_xml(files: list[Path]) -> list[tuple[Path, bytes]]:
    """Read every input before any is processed, so a missing file changes and prints nothing."""
    try:
        return [(f, read_xml_bytes(f, "file", XML_EXPECTED)) for f in files]
    except DomainError as exc:
        fail(exc)


@app.command("validate")
def validate(
    files: XmlFiles,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="only the fast SCF-PRE pre-check, not the official EN 16931 artifacts"
        ),
    ] = False,
) -> None:
    """Print one JSON object per file: kind, parties, currency, totals, lines, failed rules."""
    from scf.trade.formats.report import read_file

    bad = False
    for path, content in _read_all_xml(files):
        try:
            out = {"file": str(path), **read_file(content, quick=quick).as_dict()}
            bad = bad or bool(out["failed_rules"])
        except DomainError as exc:
            out = {"file": str(path), "error": exc.code, "message": exc.message}
            bad = True
        print(json.dumps(out, ensure_ascii=False))
    if bad:
        raise typer.Exit(1)


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="e-invoices and statements (XML) or CSV files", metavar="FILE", readable=False
        ),
    ],
    seller_org_id: Annotated[
        str | None, typer.Option(help="organization that is the seller")
    ] = None,
    buyer_org_id: Annotated[str | None, typer.Option(help="organization that is the buyer")] = None,
    csv_kind: Annotated[
        str | None, typer.Option(help="CSV files: invoices, orders, shipments or payments")
    ] = None,
    as_org: Annotated[str | None, typer.Option(help="act for this organization")] = None,
) -> None:
    """Import UBL/CII e-invoices, camt statements or CSV files; all land or none."""
    if csv_kind:
        try:
            texts = [read_text(f, "file", f"a CSV file of {csv_kind}") for f in files]
        except DomainError as exc:
            fail(exc)
    else:
        contents = _read_all_xml(files)

    from scf.core.actor import Actor
    from scf.parties import service as parties
    from scf.trade import csvio, service

    p = create_platform()
    try:
        with p.uow() as uow:
            if as_org:
                org = parties.find_organization(uow, as_org)
                uow.actor = Actor(None, org.id, frozenset(org.roles), "cli")
            if csv_kind:
                results = [csvio.import_csv(uow, csv_kind, text) for text in texts]
                print(json.dumps(results, ensure_ascii=False))
                return
            out = service.import_files(
                uow,
                [(str(f), content) for f, content in contents],
                seller_org_id=seller_org_id,
                buyer_org_id=buyer_org_id,
            )
            print(json.dumps(out, ensure_ascii=False))
    except DomainError as exc:
        fail(exc)
