"""The `scf` command line.

A command imports what it needs when it runs, and the groups of commands that live in their
own modules (`calendar`, `trade`, `registry`, `risk`, ...) are imported only when one of
their commands runs, so that `scf --help`, `scf --version` and `scf trade validate` start at once.
"""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date, datetime
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import scf
from scf.cli_common import command_group, create_platform, fail, report
from scf.core.errors import DomainError

# name -> (module with a Typer `app`, its help line: shown without importing the module)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "calendar": ("scf.cli_calendar", "The working-day calendar: official and provisional years"),
    "risk": ("scf.risk.cli", "Credit scoring and risk models"),
    "trade": ("scf.trade.cli", "Trade documents: validate and import"),
    "registry": ("scf.registry.cli", "The registry of pledges and assignments"),
    "events": ("scf.events.cli", "Events on NATS JetStream: the relay and the workers"),
    "ops": ("scf.ops.cli", "Operations: the scheduler that runs the platform's jobs"),
    "institutions": (
        "scf.institutions.cli",
        "Institutions: NPL tolerance tracking of the supply chain finance units",
    ),
    "governance": ("scf.governance.cli", "Data governance: the catalogue, data keys and retention"),
    "conformance": (
        "scf.standards.cli",
        "Check documents and endpoints against the SCF standards",
    ),
}


class LazyGroup(TyperGroup):
    """The root group: a sub-app's module is imported when one of its commands is resolved."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, (_, help_line) in SUBCOMMANDS.items():
            # A stand-in that only lists the group in `scf --help`.
            self.commands.setdefault(name, TyperGroup(name=name, help=help_line))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and args[0] in SUBCOMMANDS:
            self.commands[args[0]] = load_subcommand(args[0])
        return super().resolve_command(ctx, args)


def load_subcommand(name: str) -> Any:
    """Import a group's module and build its click command."""
    module = importlib.import_module(SUBCOMMANDS[name][0])
    command = typer.main.get_command(module.app)
    command.name = name
    return command


app = command_group(
    "scf: an open supply chain finance platform", cls=LazyGroup, add_completion=True
)
db_app = command_group("Database migrations")
org_app = command_group("Organizations")
user_app = command_group("Users")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")


def _print_version(value: bool) -> None:
    if value:
        print(f"scf {scf.__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """scf: an open supply chain finance platform."""


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from scf.core.migrate import upgrade

    p = create_platform()
    upgrade(p.engine)
    _console().print(f"database at {p.engine.url.render_as_string(hide_password=True)} is current")


@db_app.command("purge-keys")
def db_purge_keys() -> None:
    """Delete the Idempotency-Keys older than their lifetime, in every room (a nightly job)."""
    from scf.certificates import service as certificates
    from scf.core.actor import Actor
    from scf.financing import service as financing
    from scf.registry import service as registry
    from scf.trade import service as trade

    p = create_platform()
    with p.uow(Actor.system()) as uow:
        counts = {
            "certificates": certificates.idempotent.purge(uow),
            "financing": financing.purge_expired_keys(uow),
            "registry": registry.idempotent.purge(uow),
            "trade": trade.idempotent.purge(uow),
        }
        uow.commit()
    print(json.dumps(counts))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    risk_follow: Annotated[
        bool, typer.Option(help="re-evaluate risk signals and limits as events arrive")
    ] = True,
    purge_every_hours: Annotated[
        float, typer.Option(min=0, help="purge records past their retention this often; 0: off")
    ] = 24.0,
) -> None:
    """Serve the platform; refuses to start on an unmigrated database."""
    import uvicorn

    from scf.api import configure_logging, create_app
    from scf.core.migrate import pending

    p = create_platform()
    p.settings.risk_follow = risk_follow
    p.settings.purge_every_hours = purge_every_hours
    missing = pending(p.engine)
    if missing:
        _console().print(
            "[red]the database is not migrated[/red] (pending: "
            + ", ".join(sorted(missing))
            + "); run `scf db upgrade` first"
        )
        raise typer.Exit(1)
    configure_logging(p.settings.log_json)
    uvicorn.run(
        create_app(p),
        host=host or p.settings.host,
        port=port or p.settings.port,
        log_level="warning",
    )


@org_app.command("add")
def org_add(
    uscc: str,
    name: str,
    district: Annotated[str, typer.Option()],
    role: Annotated[list[str], typer.Option(help="repeat for several roles")],
    size_class: Annotated[str, typer.Option()] = "small",
    founded_on: Annotated[str, typer.Option()] = "2015-01-01",
    capital: Annotated[str, typer.Option(help="registered capital in CNY")] = "1000000",
    chain: Annotated[list[str] | None, typer.Option(help="key industry chain tag")] = None,
    licence_no: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Onboard an organization."""
    from scf.core.money import Money
    from scf.parties import service

    p = create_platform()
    try:
        with p.uow() as uow:
            row = service.register_organization(
                uow,
                service.OrganizationInput(
                    uscc=uscc,
                    name=name,
                    district=district,
                    roles=role,
                    size_class=size_class,
                    founded_on=date.fromisoformat(founded_on),
                    registered_capital=Money.of(capital, "CNY"),
                    chain_tags=chain or [],
                    licence_no=licence_no,
                ),
            )
            print(json.dumps(row.snapshot(), ensure_ascii=False))
    except DomainError as exc:
        fail(exc)


@user_app.command("add")
def user_add(
    org_id: str,
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    admin: bool = False,
) -> None:
    """Create a user of an organization."""
    from scf.parties import service

    p = create_platform()
    try:
        with p.uow() as uow:
            row = service.create_user(uow, org_id, username, password, is_admin=admin)
            print(json.dumps({"id": row.id, "username": row.username, "org_id": row.org_id}))
    except DomainError as exc:
        fail(exc)


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    risk_follow: Annotated[
        bool, typer.Option(help="re-evaluate risk signals and limits as events arrive")
    ] = True,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="the last day of the demo's twelve months (default: today)",
        ),
    ] = None,
) -> None:
    """Load the demo data through the platform's services and serve it."""
    from scf.core.migrate import upgrade
    from scf.demo import load_demo

    p = create_platform()
    upgrade(p.engine)
    summary = load_demo(p, progress=not as_json, as_of=as_of.date() if as_of else None)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        console = _console()
        console.print("[bold]scf demo[/bold] loaded:")
        for key, value in summary["counts"].items():
            console.print(f"  {key}: {value}")
        console.print("[bold]fraud injected / caught when financed or pledged[/bold]")
        for key, value in summary["fraud"].items():
            console.print(f"  {key}: {value['injected']} / {value['caught_at_the_door'] or '-'}")
        console.print(
            "\n[bold]logins[/bold] (one per role; password for all: "
            f"[cyan]{summary['password']}[/cyan])"
        )
        for login in summary["logins"]:
            console.print(f"  {login['role']:<22} {login['username']}")
        console.print(
            f"\nserving on http://{p.settings.host}:{p.settings.port}  (API docs at /docs)"
        )
    if serve_after:
        serve(None, None, risk_follow)


@app.command("eval")
def eval_(
    size: Annotated[str, typer.Option(help="tiny, small or large")] = "small",
    seed: Annotated[int, typer.Option()] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database_url: Annotated[str | None, typer.Option(help="default: a temporary SQLite")] = None,
    adversarial: Annotated[
        bool,
        typer.Option(
            "--adversarial",
            help="score on adversarial worlds (scf.sim.adversarial) instead of the simulator",
        ),
    ] = False,
) -> None:
    """Load a generated set and print each fraud check's precision and recall."""
    from scf.sim.cli import run_eval

    if adversarial:
        from scf.sim.cli import print_adversarial, run_adversarial

        result = run_adversarial(size, seed, database_url=database_url)
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print_adversarial(result, _console())
        return

    result = run_eval(size, seed, database_url=database_url, progress=not as_json)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        from scf.sim.cli import print_eval

        print_eval(result, _console())


def main() -> None:
    """The `scf` entry point: a refusal that escapes a command is one line and exit code 2."""
    try:
        app()
    except DomainError as exc:
        report(exc)
        sys.exit(2)


if __name__ == "__main__":
    main()
