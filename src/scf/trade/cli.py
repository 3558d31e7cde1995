"""`scf trade`: validate and import e-invoices, statements and CSV files from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from scf.core.errors import DomainError

app = typer.Typer(help="Trade documents: validate and import", no_args_is_help=True)


@app.command("validate")
def validate(files: list[Path]) -> None:
    """Print one JSON object per file: kind, parties, currency, totals, lines, failed rules."""
    from scf.trade.service import read_file

    bad = False
    for path in files:
        try:
            out = {"file": str(path), **read_file(path.read_bytes()).as_dict()}
            bad = bad or bool(out["failed_rules"])
        except DomainError as exc:
            out = {"file": str(path), "error": exc.code, "message": exc.message}
            bad = True
        print(json.dumps(out, ensure_ascii=False))
    if bad:
        raise typer.Exit(1)


@app.command("import")
def import_(
    files: list[Path],
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
    from scf.core.actor import Actor
    from scf.parties import service as parties
    from scf.platform import Platform
    from scf.trade import csvio, service

    p = Platform.create()
    try:
        with p.uow() as uow:
            if as_org:
                org = parties.find_organization(uow, as_org)
                uow.actor = Actor(None, org.id, frozenset(org.roles), "cli")
            if csv_kind:
                results = [csvio.import_csv(uow, csv_kind, f.read_text("utf-8")) for f in files]
                print(json.dumps(results, ensure_ascii=False))
                return
            out = service.import_files(
                uow,
                [(str(f), f.read_bytes()) for f in files],
                seller_org_id=seller_org_id,
                buyer_org_id=buyer_org_id,
            )
            print(json.dumps(out, ensure_ascii=False))
    except DomainError as exc:
        print(f"error {exc.code}: {exc.message}", file=sys.stderr)
        for e in exc.errors:
            print(
                f"  {e.field}" + (f" (#{e.line})" if e.line else "") + f": {e.reason}",
                file=sys.stderr,
            )
        raise typer.Exit(2) from None
