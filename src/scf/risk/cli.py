"""`scf risk`: train and validate credit models, register them, compare feature sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from scf.cli_common import command_group, create_platform, input_file
from scf.cli_common import fail as _fail
from scf.core.errors import DomainError

app = command_group("Credit scoring and risk models")


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _read_table(data: Path) -> Any:
    """The labelled CSV table, or a one-line refusal when the file is missing or unreadable."""
    from scf.risk import training

    return training.read_table(input_file(data, "data"))


@app.command("train")
def train(
    data: Annotated[Path, typer.Option(help="labelled CSV table", readable=False)],
    target: Annotated[str, typer.Option(help="label column")],
    bad: Annotated[str | None, typer.Option(help="the label value meaning default")] = None,
    time_column: Annotated[
        str | None, typer.Option(help="date column for the out-of-time split")
    ] = None,
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
    register: Annotated[
        str | None, typer.Option(help="store the models as candidate versions under this name")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train the scorecard and its LightGBM challenger; print cross-validated metrics."""
    from scf.risk import training

    try:
        table = _read_table(data)
        report = training.train(table, target, bad_label=bad, time_column=time_column, folds=folds)
    except DomainError as exc:
        _fail(exc)
        return
    summary = report.summary()
    if register:
        from scf.core.actor import Actor
        from scf.risk import service

        p = create_platform()
        operator = Actor(None, None, frozenset({"operator"}), "cli")
        with p.uow(operator) as uow:
            rows = service.register_models(uow, report, register)
            summary["registered"] = [{"id": r.id, "kind": r.kind} for r in rows]
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    cv = summary["cv"]
    console = _console()
    console.print(
        f"[bold]{data}[/bold]: {summary['rows']} rows, bad rate {summary['bad_rate']:.1%}"
    )
    for name in ("scorecard", "challenger"):
        m = cv[name]
        console.print(
            f"  {name:<10} {cv['folds']}-fold test AUC {m['auc_mean']:.4f} (+/- {m['auc_std']:.4f})"
            f"  Gini {m['gini_mean']:.4f}  KS {m['ks_mean']:.4f}"
        )
    oot = summary["out_of_time"]
    console.print(
        f"  out of time ({oot['split']}): scorecard AUC {oot['scorecard']['auc']:.4f}, "
        f"Brier {oot['scorecard']['calibration']['brier']:.4f}"
    )


@app.command("uplift")
def uplift(
    data: Annotated[Path, typer.Option(help="labelled table of platform features", readable=False)],
    target: Annotated[str, typer.Option(help="label column")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """AUC of supply-chain features against static firm data alone, on a labelled table."""
    from scf.risk import service

    try:
        result = service.supply_chain_uplift(_read_table(data), target)
    except DomainError as exc:
        _fail(exc)
        return
    if as_json:
        print(json.dumps(result, indent=2))
        return
    console = _console()
    for k in ("static", "supply_chain", "combined"):
        console.print(f"  {k:<13} AUC {result[k]['auc_mean']:.4f}")
    console.print(f"  lift over static: {result['lift_combined_over_static']:+.4f}")


@app.command("features")
def features_cmd() -> None:
    """List the registered features (the one definition training and scoring share)."""
    from scf.risk.features import FEATURES

    for f in FEATURES:
        print(f"{f.name:<26} {f.group:<13} {f.kind:<12} {f.description}")


@app.command("follow")
def follow_cmd(
    watch: Annotated[bool, typer.Option("--watch", help="keep following, every --every s")] = False,
    every: Annotated[float, typer.Option(min=0.1, help="seconds between rounds")] = 5.0,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="audit entries a batch")] = 500,
    max_enterprises: Annotated[
        int, typer.Option(min=1, help="organizations a batch may touch (a short transaction)")
    ] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-evaluate signals and limits of the enterprises the new audit entries touch."""
    import threading

    from sqlalchemy.exc import IntegrityError, OperationalError

    from scf.risk import follower

    p = create_platform()
    console = _console()
    stop = threading.Event()
    try:
        while True:
            try:
                report = follower.follow(p, batch=batch, max_enterprises=max_enterprises, stop=stop)
            except DomainError as exc:  # another follower moved the cursor first
                if not watch:
                    _fail(exc)
                console.print(f"[yellow]retrying[/yellow] {exc.code}: {exc.message}")
            except (IntegrityError, OperationalError) as exc:  # a race or a busy database
                if not watch:
                    raise
                console.print(f"[yellow]retrying[/yellow] {type(exc).__name__}")
            else:
                if as_json:
                    print(json.dumps(report.as_dict(), ensure_ascii=False), flush=True)
                else:
                    console.print(
                        f"{report.entries} audit entries up to {report.last_id}, "
                        f"{len(report.enterprises)} enterprises re-evaluated, "
                        f"{len(report.alerts)} alerts raised"
                    )
            if not watch:
                return
            stop.wait(every)
    except KeyboardInterrupt:
        stop.set()
    finally:
        p.dispose()
