"""`scf governance`: the data catalogue and the rotation of data keys."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from scf.cli_common import command_group, create_platform, fail

app = command_group("Data governance: the catalogue, data keys and retention")


@app.command("catalog")
def catalog(
    as_json: Annotated[bool, typer.Option("--json", help="print the catalogue as JSON")] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="print it as the docs carry it")
    ] = False,
) -> None:
    """Print every column of every table with its class and the purpose it is held for."""
    from scf.governance import service

    if as_json:
        print(json.dumps(service.catalogue_json(), ensure_ascii=False, indent=2))
        return
    if as_markdown:
        print(service.catalogue_markdown(), end="")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="data catalogue")
    for name in ("table.column", "class", "purpose"):
        table.add_column(name)
    for e in service.catalogue():
        table.add_row(f"{e.table}.{e.column}", e.data_class.value, e.purpose)
    Console().print(table)
    bad = service.unclassified()
    if bad:
        Console(stderr=True).print("[red]unclassified:[/red] " + ", ".join(bad))
        raise typer.Exit(1)


@app.command("rotate-key")
def rotate_key(
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="values per transaction")] = 500,
) -> None:
    """Seal every sealed value again with the current data key (SCF_DATA_KEYS), in batches."""
    from scf.core.actor import Actor
    from scf.core.errors import DomainError
    from scf.governance import service
    from scf.parties import service as parties

    platform = create_platform()
    try:
        keyring = parties.keyring_of(platform.settings)
        done = service.rotate_key(lambda: platform.uow(Actor.system()), keyring, batch)
    except DomainError as exc:
        fail(exc)
    finally:
        platform.dispose()
    print(json.dumps(asdict(done), ensure_ascii=False))


@app.command("purge")
def purge(
    org: Annotated[str | None, typer.Option(help="purge only this organization's records")] = None,
) -> None:
    """Delete every record past its retention, keeping those under a legal hold (audited)."""
    from scf.core.actor import Actor
    from scf.core.errors import DomainError
    from scf.governance import service

    platform = create_platform()
    try:
        with platform.uow(Actor.system()) as uow:
            done = service.purge(uow, org)
    except DomainError as exc:
        fail(exc)
    finally:
        platform.dispose()
    print(json.dumps(done, ensure_ascii=False))


@app.command("retention")
def retention(
    kind: Annotated[str | None, typer.Option(help="the kind of record to set")] = None,
    days: Annotated[int | None, typer.Option(help="its new retention period in days")] = None,
) -> None:
    """Print each kind of record's retention period and legal basis, or set one."""
    from scf.core.actor import Actor
    from scf.core.errors import DomainError, InvalidInput
    from scf.governance import service

    platform = create_platform()
    try:
        with platform.uow(Actor.system()) as uow:
            if kind is None and days is None:
                out: object = service.retention_periods(uow)
            elif kind is None or days is None:
                missing = "kind" if kind is None else "days"
                raise InvalidInput("give both --kind and --days", field=missing)
            else:
                out = service.set_retention(uow, kind, days)
    except DomainError as exc:
        fail(exc)
    finally:
        platform.dispose()
    print(json.dumps(out, ensure_ascii=False, indent=2))
