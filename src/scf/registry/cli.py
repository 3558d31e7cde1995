"""`scf registry`: verify the log, search, and file as a user from the command line.

The registry room is imported when a command runs, not when `scf` starts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scf.cli_common import command_group, create_platform, read_json, write_text
from scf.cli_common import fail as _fail
from scf.core.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from scf.platform import Platform

app = command_group("The registry of pledges and assignments")


def _out(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


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


def _pinned_key(text: str) -> bytes:
    """`HEX` or `KEY_ID=HEX`: the first signing key the verifier trusts."""
    from scf.registry import signing

    kid, _, hexkey = text.rpartition("=")
    public = signing.public_from_hex(hexkey, "trusted_key")
    if kid and signing.key_id(public) != kid:
        raise InvalidInput(
            f"the key's id is {signing.key_id(public)}, not {kid}", field="trusted_key"
        )
    return public


@app.command("verify")
def verify(
    trusted_key: Annotated[
        str | None,
        typer.Option(help="pin the log's first signing key: HEX or KEY_ID=HEX (public key)"),
    ] = None,
    trusted_head: Annotated[
        Path | None,
        typer.Option(
            help="a head saved by an earlier run (--save-head): the log must still hold it"
        ),
    ] = None,
    save_head: Annotated[
        Path | None, typer.Option(help="when the log verifies, save its newest head here")
    ] = None,
) -> None:
    """Recompute the log from stored entries, check every signed head, name the first bad one.

    Heads are checked against the key chain the log records from the first key (pinned with
    --trusted-key), and the log against a head saved earlier (a fork or a shrink is named).
    """
    from scf.registry import service

    try:
        pinned = _pinned_key(trusted_key) if trusted_key else None
        saved = (
            service.TrustedHead.parse(read_json(trusted_head, "trusted_head", "a saved head"))
            if trusted_head
            else None
        )
    except DomainError as exc:
        _fail(exc)
    p = create_platform()
    with p.uow() as uow:
        report = service.verify_log(uow, trusted_key=pinned, trusted_head=saved)
        newest = service.tree_heads(uow, since_size=report.tree_size, limit=1)
    _out(report.as_dict())
    if not report.ok:
        typer.echo(f"the log is damaged; first bad entry: {report.first_bad_seq}", err=True)
        raise typer.Exit(1)
    if save_head is not None and newest:
        write_text(save_head, json.dumps(newest[0], indent=2), "save_head")
        typer.echo(f"head of size {newest[0]['tree_size']} saved to {save_head}", err=True)


@app.command("rotate-key")
def rotate_key(
    new_key_file: Annotated[
        Path | None,
        typer.Option(
            help="the new private key (base64 raw Ed25519), generated there if the file is "
            "missing; without it the key kept in ./var is rotated in place"
        ),
    ] = None,
) -> None:
    """Introduce a new signing key by a log entry signed with the current one."""
    from scf.registry import service, signing

    p = create_platform()
    in_place = new_key_file is None
    if in_place and p.settings.registry_signing_key:
        _fail(
            InvalidInput(
                "the key comes from SCF_REGISTRY_SIGNING_KEY: give --new-key-file for the new one",
                field="new_key_file",
            )
        )
    path = new_key_file or signing.DEFAULT_KEY_FILE.with_suffix(".next")
    try:
        new_key = signing.key_from_settings(None, path)
        with p.uow() as uow:
            out = service.rotate_key(uow, new_key)
    except DomainError as exc:
        _fail(exc)
    if in_place:
        old = signing.DEFAULT_KEY_FILE
        old.replace(old.with_name(f"{old.name}.{out['key']['previous_key_id']}.retired"))
        path.replace(old)
        typer.echo(f"{old} now holds key {out['key']['key_id']}; restart the servers", err=True)
    else:
        typer.echo(
            f"set SCF_REGISTRY_SIGNING_KEY to the content of {path} and restart the servers: "
            "until then they sign no head",
            err=True,
        )
    _out(out)


@app.command("sign-head")
def sign_head() -> None:
    """Sign a tree head now if the log grew since the last one."""
    from scf.registry import service

    p = create_platform()
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
    from scf.registry import service
    from scf.registry.model import CollateralRef

    coll = (
        CollateralRef(collateral_kind or "", collateral_identifier or "")
        if collateral_kind or collateral_identifier
        else None
    )
    q = service.SearchQuery(grantor_uscc, grantor_name, tolerant, coll)
    p = create_platform()
    try:
        with p.uow() as uow:
            if certificate is not None:
                cert = service.search_certificate(uow, q)
                text = (
                    service.certificate_html(cert)
                    if html
                    else json.dumps(cert, ensure_ascii=False, indent=2)
                )
                write_text(certificate, text, "certificate")
                typer.echo(f"certificate written to {certificate}", err=True)
            _out(service.search(uow, q))
    except DomainError as exc:
        _fail(exc)


def _filing_input(data: Any, org_id: str | None, at: str = "") -> Any:
    """A filing from its JSON form; a value of the wrong kind is refused, naming its field."""
    from scf.core.money import Money
    from scf.registry import service

    if not isinstance(data, dict):
        raise InvalidInput(
            "a filing is a JSON object: kind, grantor_org_ids, collateral, ...",
            field=at.rstrip(".") or "filing",
        )
    collateral = data.get("collateral", [])
    if not isinstance(collateral, list) or not all(isinstance(c, dict) for c in collateral):
        raise InvalidInput("a list of objects with kind and identifier", field=f"{at}collateral")
    grantors = data.get("grantor_org_ids", [])
    if not isinstance(grantors, list):
        raise InvalidInput("a list of organization ids", field=f"{at}grantor_org_ids")
    amount = data.get("amount")
    if amount is not None and not (
        isinstance(amount, dict) and {"amount", "currency"} <= set(amount)
    ):
        raise InvalidInput(
            'an object like {"amount": "1000000.00", "currency": "CNY"}', field=f"{at}amount"
        )
    months = data.get("period_months", 0)
    if not isinstance(months, int) or isinstance(months, bool):
        raise InvalidInput("a whole number of months", field=f"{at}period_months")
    return service.FilingInput(
        kind=str(data.get("kind", "")),
        grantor_org_ids=[str(g) for g in grantors],
        secured_party_org_id=str(data.get("secured_party_org_id") or org_id),
        collateral=service.parse_collateral(collateral, f"{at}collateral"),
        collateral_descriptions=[str(c.get("description", "")) for c in collateral],
        amount=Money.of(amount["amount"], str(amount["currency"]), field=f"{at}amount")
        if amount
        else None,
        period_months=months,
        description=str(data.get("description", "")),
    )


@app.command("file")
def file(
    filing: Annotated[
        Path,
        typer.Argument(
            help="JSON: kind, grantor_org_ids, collateral, ...; a list of them files a batch "
            "(all land, each with its own sequence number, or none does)",
            readable=False,
        ),
    ],
    user: User,
    password: Password = None,
    direct: Annotated[
        bool, typer.Option(help="file in this command's own transaction, not the sequencer")
    ] = False,
) -> None:
    """Initial registration from a JSON file, as the given user (the secured party or agent)."""
    from scf.registry import sequencer, service

    try:
        data = read_json(filing, "filing", "a JSON filing (or a list of them)")
    except DomainError as exc:
        _fail(exc)
    p = create_platform()
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
    from scf.core.money import Money
    from scf.registry import service
    from scf.registry.model import CollateralRef

    def refs(items: list[str] | None) -> list[CollateralRef]:
        return [
            CollateralRef(i.split(":", 1)[0], i.split(":", 1)[1]) for i in items or [] if ":" in i
        ]

    p = create_platform()
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
    from scf.registry import service

    p = create_platform()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            _out(service.extend(uow, number, months).registration.as_dict())
    except DomainError as exc:
        _fail(exc)


@app.command("cancel")
def cancel(number: str, reason: str, user: User, password: Password = None) -> None:
    """Cancel a registration (it stays in history)."""
    from scf.registry import service

    p = create_platform()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            _out(service.cancel(uow, number, reason).as_dict())
    except DomainError as exc:
        _fail(exc)


@app.command("object")
def object_(number: str, reason: str, user: User, password: Password = None) -> None:
    """Object to a registration as its grantor."""
    from scf.registry import service

    p = create_platform()
    try:
        actor = _as_user(p, user, password)
        with p.uow(actor) as uow:
            _out(service.object_to(uow, number, reason))
    except DomainError as exc:
        _fail(exc)


def _http(url: str) -> Any:
    """An HTTP client on the registry's API root (tests hand in their own)."""
    import httpx

    return httpx.Client(base_url=url.rstrip("/"), timeout=30.0)


StateDir = Annotated[
    Path, typer.Option("--state", help="the witness's folder: its key and last head")
]


@app.command("witness")
def witness(
    url: Annotated[
        str,
        typer.Argument(help="the registry's API root, e.g. https://scf.example/api/v1/registry"),
    ],
    state: StateDir,
    trusted_key: Annotated[
        str | None, typer.Option(help="pin the registry's first signing key on the first run")
    ] = None,
) -> None:
    """Witness the registry's log: verify its newest head against the last one, co-sign it.

    Exit 1 when the log was rewritten, truncated or re-keyed (the kept head stays), 2 on bad
    options, 3 when the registry cannot be reached or refuses the co-signature.
    """
    from datetime import UTC, datetime

    import httpx

    from scf.registry import witness as w

    try:
        pinned = _pinned_key(trusted_key) if trusted_key else None
    except DomainError as exc:
        _fail(exc)
    with _http(url) as client:

        def fetch(path: str, params: dict[str, Any]) -> Any:
            r = client.get(path, params=params)
            if r.status_code != 200:
                raise w.WitnessError(f"the registry answered {r.status_code} to {path}")
            return r.json()

        def post(path: str, body: dict[str, Any]) -> Any:
            r = client.post(path, json=body)
            return {"status": r.status_code, "body": r.json()}

        try:
            now_ms = int(datetime.now(UTC).timestamp() * 1000)
            out = w.witness_once(fetch, post, state, pinned, now_ms)
        except w.WitnessError as exc:
            typer.echo(f"witness: {exc}", err=True)
            raise typer.Exit(1) from None
        except (httpx.HTTPError, ValueError) as exc:
            typer.echo(f"witness: the registry cannot be read ({exc})", err=True)
            raise typer.Exit(3) from None
    _out(out)
    if out["published"]["status"] != 201:
        typer.echo("witness: the registry refused the co-signature", err=True)
        raise typer.Exit(3)


@app.command("witness-key")
def witness_key(state: StateDir) -> None:
    """Print the witness's public key (made on first use), for the registry's witness list."""
    from scf.registry import witness as w

    print(w.witness_public_hex(state))
