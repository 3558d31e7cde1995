"""The `scf` command line."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scf.core.errors import DomainError
from scf.platform import Platform

app = typer.Typer(help="scf: an open supply chain finance platform", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations", no_args_is_help=True)
org_app = typer.Typer(help="Organizations", no_args_is_help=True)
user_app = typer.Typer(help="Users", no_args_is_help=True)
calendar_app = typer.Typer(help="The working-day calendar", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(calendar_app, name="calendar")
app.add_typer(__import__("scf.risk.cli", fromlist=["app"]).app, name="risk")
app.add_typer(__import__("scf.trade.cli", fromlist=["app"]).app, name="trade")
app.add_typer(__import__("scf.registry.cli", fromlist=["app"]).app, name="registry")

console = Console(stderr=True)


def _platform() -> Platform:

    return Platform.create()


def _fail(exc: DomainError) -> None:
    console.print(f"[red]error[/red] {exc.code}: {exc.message}")
    for e in exc.errors:
        console.print(f"  {e.field}: {e.reason}" + (f" (line {e.line})" if e.line else ""))
    raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from scf.core.migrate import upgrade

    p = _platform()
    upgrade(p.engine)
    console.print(f"database at {p.engine.url.render_as_string(hide_password=True)} is current")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    risk_follow: Annotated[
        bool, typer.Option(help="re-evaluate risk signals and limits as events arrive")
    ] = True,
) -> None:
    """Serve the platform; refuses to start on an unmigrated database."""
    import uvicorn

    from scf.api import configure_logging, create_app
    from scf.core.migrate import pending

    p = _platform()
    p.settings.risk_follow = risk_follow
    missing = pending(p.engine)
    if missing:
        console.print(
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

    p = _platform()
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
        _fail(exc)


@user_app.command("add")
def user_add(
    org_id: str,
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    admin: bool = False,
) -> None:
    """Create a user of an organization."""
    from scf.parties import service

    p = _platform()
    try:
        with p.uow() as uow:
            row = service.create_user(uow, org_id, username, password, is_admin=admin)
            print(json.dumps({"id": row.id, "username": row.username, "org_id": row.org_id}))
    except DomainError as exc:
        _fail(exc)


@calendar_app.command("years")
def calendar_years() -> None:
    """Print the years whose official working-day schedule is loaded."""
    p = _platform()
    print(json.dumps(p.calendar.known_years))


@calendar_app.command("load")
def calendar_load(file: Path) -> None:
    """Validate a year's official schedule and install it in the calendar directory."""
    import shutil

    from scf.core.calendar import ChinaCalendar

    p = _platform()
    try:
        schedule = ChinaCalendar().load_file(file)
    except DomainError as exc:
        _fail(exc)
        return
    target_dir = p.settings.calendar_dir or Path("./var/calendar")
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, target_dir / f"{schedule.year}.json")
    console.print(f"loaded the {schedule.year} schedule ({len(schedule.holidays)} holidays)")


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    risk_follow: Annotated[
        bool, typer.Option(help="re-evaluate risk signals and limits as events arrive")
    ] = True,
) -> None:
    """Load the demo data through the platform's services and serve it."""
    from scf.core.migrate import upgrade
    from scf.demo import load_demo

    p = _platform()
    upgrade(p.engine)
    summary = load_demo(p, progress=not as_json)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
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
) -> None:
    """Load a generated set and print each fraud check's precision and recall."""
    from scf.sim.cli import run_eval

    result = run_eval(size, seed, database_url=database_url, progress=not as_json)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        from scf.sim.cli import print_eval

        print_eval(result, console)


def main() -> None:
    try:
        app()
    except DomainError as exc:
        console.print(f"error {exc.code}: {exc.message}")
        sys.exit(2)


if __name__ == "__main__":
    main()
