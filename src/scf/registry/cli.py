"""`scf registry`: verify the log, search, and file as a user from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from scf.core.errors import DomainError
from scf.core.money import Money
from scf.platform import Platform
from scf.registry import sequencer, service
from scf.registry.model import CollateralRef

app = typer.Typer(help="The registry of pledges and assignments", no_args_is_help=True)


def _out(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _fail(exc: DomainError) -> None:
    typer.echo(f"error {exc.code}: {exc.message}", err=True)
    for e in exc.errors:
        typer.echo(f"  {e.field}: {e.reason}", err=True)
    raise typer.Exit(2)


def _as_user(p: Platform, username: str, password: str | None) -> Any:
    """Log in as the user, so filings carry that user's organization and rights."""
    from scf.parties import service as parties

    secret = password or os.environ.get("SCF_PASSWORD") or typer.prompt("password", hide_input=True)
    with p.uow() as uow:
        token, _ = parties.login(uow, username, secret)
    with p.uow() as uow:
        return parties.authenticate(uow, token)


User = Annotated[str, typer.Option("--user", help="file as this user (password: SCF_PASSWORD)")]
Password = Annotated[str | None, typer.Option(help="or set SCF_PASSWORD")]


@app.command("verify")
def verify() -> None:
    """Recompute the log from stored entries, check every signed head, name the first bad one."""
    p = Platform.create()
    with p.uow() as uow:
        report = service.verify_log(uow)
    _out(report.as_dict())
    if not report.ok:
        typer.echo(f"the log is damaged; first bad entry: {report.first_bad_seq}", err=True)
        raise typer.Exit(1)


@app.command("sign-head")
def sign_head() -> None:
    """Sign a tree head now if the log grew since the last one."""
    p = Platform.create()
    with p.uow() as uow:
        _out(service.latest_tree_head(uow))


@app.command("search")
def search(
    grantor_uscc: Annotated[str | None, typer.Option()] = None,
    grantor_name: Annotated[str | None, typer.Option()] = None,
    tolerant: Annotated[bool, typer.Option(help="fold width, spacing and suffixes")] = False,
    collateral_kind: Annotated[str | None, typer.Option()] = None,
    collateral_identifier: Annotated[str | None, typer.Option()] = None,
    certificate: Annotated[
        Path | None, typer.Option(help="write a signed certificate here")
    ] = None,
    html: Annotated[bool, typer.Option(help="write the certificate as a printable page")] = False,
) -> None:
    """Search by grantor USCC, grantor name or collateral; optionally save a certificate."""
    coll = (
        CollateralRef(collateral_kind or "", collateral_identifier or "")
        if collateral_kind or collateral_identifier
        else None
    )
    q = service.SearchQuery(grantor_uscc, grantor_name, tolerant, coll)
    p = Platform.create()
    try:
        with p.uow() as uow:
            if certificate is not None:
                cert = service.search_certificate(uow, q)
                text = (
                    service.certificate_html(cert)
                    if html
                    else json.dumps(cert, ensure_ascii=False, indent=2)
                )
                certificate.write_text(text, encoding="utf-8")
                typer.echo(f"certificate written to {certificate}", err=True)
            _out(service.search(uow, q))
    except DomainError as exc:
        _fail(exc)


def _filing_input(data: dict[str, Any], org_id: str | None, at: str = "") -> Any:
    amount = data.get("amount")
    return service.FilingInput(
        kind=str(data.get("kind", "")),
        grantor_org_ids=list(data.get("grantor_org_ids", [])),
        secured_party_org_id=str(data.get("secured_party_org_id") or org_id),
        collateral=service.parse_collateral(data.get("collateral", []), f"{at}collateral"),
        collateral_descriptions=[str(c.get("description", "")) for c in data.get("collateral", [])],
        amount=Money.of(amount["amount"], amount["currency"]) if amount else None,
        period_months=int(data.get("period_months", 0)),
        description=str(data.get("description", "")),
    )


@app.command("file")
def file(
    filing: Annotated[
        Path,
        typer.Argument(
            help="JSON: kind, grantor_org_ids, collateral, ...; a list of them files a batch "
            "(all land, each with its own sequence number, or none does)"
        ),
    ],
    user: User,
    password: Password = None,
    direct: Annotated[
        bool, typer.Option(help="file in this command's own transaction, not the sequencer")
    ] = False,
) -> None:
    """Initial registration from a JSON file, as the given user (the secured party or agent)."""
    p = Platform.create()
    data = json.loads(filing.read_text(encoding="utf-8"))
    results: list[service.FilingResult] = []
    try:
        actor = _as_user(p, user, password)
        if isinstance(data, list):
            with p.uow(actor) as uow:
                results = service.file_registrations(
                    uow,
                    [_filing_input(d, actor.org_id, f"filings[{i}].") for i, d in enumerate(data)],
                )
        elif not direct and sequencer.enabled(p.settings):
            results = [sequencer.for_platform(p).file(actor, _filing_input(data, actor.org_id))]
        else:
            with p.uow(actor) as uow:
                results = [service.file_registration(uow, _filing_input(data, actor.org_id))]
        out = [
            {
                "registration": r.registration.as_dict(),
                "prior_conflicts": [c.number for c in r.prior_conflicts],
            }
            for r in results
        ]
        _out(out if isinstance(data, list) else out[0])
    except DomainError as exc:
        _fail(exc)
    finally:
        p.dispose()


@app.command("amend")
def amend(
    number: str,
    user: User,
    password: Password = None,
    add: Annotated[list[str] | None, typer.Option(help="kind:identifier to add")] = None,
    remove: Annotated[list[str] | None, typer.Option(help="kind:identifier to remove")] = None,
    amount: Annotated[str | None, typer.Option(help='e.g. "2000000 CNY"')] = None,
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Amend a registration's collateral, amount or description."""

    def refs(items: list[str] | None) -> list[CollateralRef]:
        return [
            CollateralRef(i.split(":", 1)[0], i.split(":", 1)[1]) for i in items or [] if ":" in i
        ]

    p = Platform.create()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            result = service.amend(
                uow,
                number,
                service.AmendmentInput(
                    add_collateral=refs(add),
                    remove_collateral=refs(remove),
                    amount=Money.parse(amount) if amount else None,
                    description=description,
                ),
            )
        _out(result.registration.as_dict())
    except DomainError as exc:
        _fail(exc)


@app.command("extend")
def extend(number: str, months: int, user: User, password: Password = None) -> None:
    """Extend a live registration by a number of months."""
    p = Platform.create()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            _out(service.extend(uow, number, months).registration.as_dict())
    except DomainError as exc:
        _fail(exc)


@app.command("cancel")
def cancel(number: str, reason: str, user: User, password: Password = None) -> None:
    """Cancel a registration (it stays in history)."""
    p = Platform.create()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            _out(service.cancel(uow, number, reason).as_dict())
    except DomainError as exc:
        _fail(exc)


@app.command("object")
def object_(number: str, reason: str, user: User, password: Password = None) -> None:
    """Object to a registration as its grantor."""
    p = Platform.create()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            _out(service.object_to(uow, number, reason))
    except DomainError as exc:
        _fail(exc)
