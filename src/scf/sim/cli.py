"""What `scf eval` runs: generate, load into a scratch database, check, score."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def _scratch_settings(database_url: str | None, tmp: str) -> Any:
    """The settings of a scratch platform: a temporary SQLite unless a database is named."""
    from scf.config import Settings, get_settings

    base = get_settings()
    return Settings(
        database_url=database_url or f"sqlite:///{Path(tmp) / 'eval.db'}",
        secret_key=base.secret_key,
        calendar_dir=base.calendar_dir,
        log_json=False,
        registry_signing_key=base.registry_signing_key,
    )


def run_adversarial(size: str, seed: int, *, database_url: str | None = None) -> dict[str, Any]:
    """Generate an adversarial world, load it into a scratch platform, score the detectors."""
    from scf.core.migrate import upgrade
    from scf.platform import Platform
    from scf.sim.adversarial.generate import build
    from scf.sim.adversarial.load import load_world
    from scf.sim.eval import evaluate_adversarial

    with tempfile.TemporaryDirectory(prefix="scf-adv-") as tmp:
        p = Platform.create(_scratch_settings(database_url, tmp))
        try:
            upgrade(p.engine)
            t0 = time.perf_counter()
            world = build(size, seed)
            t1 = time.perf_counter()
            loaded = load_world(p, world)
            t2 = time.perf_counter()
            result = evaluate_adversarial(p, world, loaded)
            t3 = time.perf_counter()
        finally:
            p.dispose()
    result["timings_s"] = {
        "generate": round(t1 - t0, 1),
        "load": round(t2 - t1, 1),
        "checks": round(t3 - t2, 1),
    }
    result["load_errors"] = {"count": len(loaded.errors), "first": loaded.errors[:5]}
    return result


def run_eval(
    size: str, seed: int, *, database_url: str | None = None, progress: bool = False
) -> dict[str, Any]:
    from scf.core.migrate import upgrade
    from scf.platform import Platform
    from scf.sim.eval import evaluate, feature_snapshot
    from scf.sim.generator import build
    from scf.sim.loader import load

    with tempfile.TemporaryDirectory(prefix="scf-eval-") as tmp:
        p = Platform.create(_scratch_settings(database_url, tmp))
        try:
            upgrade(p.engine)
            t0 = time.perf_counter()
            data = build(size, seed, progress=progress)
            t1 = time.perf_counter()
            snapshot, hook = feature_snapshot(data)
            report = load(p, data, progress=progress, at_month_end=hook)
            t2 = time.perf_counter()
            result = evaluate(p, data, report, snapshot=snapshot)
            t3 = time.perf_counter()
        finally:
            p.dispose()
    result["timings_s"] = {
        "generate": round(t1 - t0, 1),
        "load": round(report.seconds, 1),
        "default_study_snapshot": round(snapshot.seconds, 1),
        "checks": round(t3 - t2, 1),
    }
    result["load"] = report.summary()
    result["documents"] = data.generator.documents
    return result


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def print_eval(result: dict[str, Any], console: Console) -> None:
    table = Table(title=f"fraud checks on {result['size']} (seed {result['seed']})")
    for col in ("fraud type", "labelled", "caught", "false pos.", "precision", "recall"):
        table.add_column(col, no_wrap=col == "fraud type")
    for kind, s in result["fraud"].items():
        table.add_row(
            kind,
            str(s["labelled"]),
            str(s["caught"]),
            str(s["false_positives"]),
            _fmt(s["precision"]),
            _fmt(s["recall"]),
            s["check"],
        )
    console.print(table)
    for kind, s in result["fraud"].items():
        console.print(f"  {kind}: {s['check']}" + (f"; {s['note']}" if s["note"] else ""))
    up = result.get("default_uplift", {})
    if "static" in up:
        console.print(
            f"default prediction AUC ({up['cv']} CV): static firm data "
            f"{up['static']['auc_mean']:.3f}, supply chain {up['supply_chain']['auc_mean']:.3f}, "
            f"static + supply chain {up['combined']['auc_mean']:.3f}; uplift "
            f"{up['lift_combined_over_static']:+.3f} ({up['defaults']} defaults after "
            f"{up['observed_on']} among {up['enterprises']} SMEs, features as of that day)"
        )
    else:
        console.print(f"default prediction: {up.get('error')}")
    console.print(f"timings: {result['timings_s']}")


def _band_cell(band: str, t: dict[str, Any]) -> str:
    out = []
    if t["planted"]:
        out.append(f"recall {_fmt(t['recall'])} ({t['caught']}/{t['planted']})")
    if t["lookalikes"]:
        out.append(f"look-alikes flagged {t['lookalikes_flagged']}/{t['lookalikes']}")
    return f"{band} " + ", ".join(out)


def print_adversarial(result: dict[str, Any], console: Console) -> None:
    """The families' table, then each family's bands."""
    title = f"adversarial worlds: {result['size']} (seed {result['seed']}, {result['cases']} cases)"
    table = Table(title=title)
    cols = (
        "family",
        "planted",
        "caught",
        "recall",
        "precision",
        "stopped",
        "refused",
        "look-alikes",
        "FP rate",
    )
    for col in cols:
        table.add_column(col, no_wrap=col == "family")
    for family, s in result["families"].items():
        table.add_row(
            family,
            str(s["planted"]),
            str(s["caught"]),
            _fmt(s["recall"]),
            _fmt(s["precision"]),
            _fmt(s["stopped_recall"]),
            _fmt(s["refused_recall"]),
            f"{s['lookalikes_flagged']}/{s['lookalikes']}",
            _fmt(s["lookalike_fp_rate"]),
        )
    console.print(table)
    for family, s in result["families"].items():
        console.print(f"[bold]{family}[/bold]")
        for param, values in s["bands"].items():
            console.print(f"  {param}: " + "; ".join(_band_cell(b, t) for b, t in values.items()))
    console.print(f"timings: {result['timings_s']}")
