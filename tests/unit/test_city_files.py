"""The city's Procfile names commands that exist, with options they take, and its ports differ."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from scf import cli

CITY = Path(__file__).resolve().parents[2] / "city"


def _lines() -> dict[str, list[str]]:
    out = {}
    for line in (CITY / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            out[name] = shlex.split(command)
    return out


def test_every_scf_line_names_a_command_and_options_it_has() -> None:
    root = typer.main.get_command(cli.app)
    for name, words in _lines().items():
        if "scf" not in words:
            continue
        words = words[words.index("scf") + 1 :]
        group = cli.load_subcommand(words[0]) if words[0] in cli.SUBCOMMANDS else None
        command = group.commands[words[1]] if group else root.commands[words[0]]  # type: ignore[attr-defined]
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        given = {w for w in words if w.startswith("--")}
        assert given <= options, (name, given - options)


def test_the_topology_has_three_apis_on_three_ports_two_workers_one_relay_and_a_scheduler() -> None:
    lines = _lines()
    ports = [w[1 + w.index("--port")] for w in lines.values() if "--port" in w]
    assert len(ports) == len(set(ports)) == 3
    assert sum("work" in w for w in lines.values()) == 2
    assert sum("relay" in w for w in lines.values()) == 1
    assert any("scheduler" in w for w in lines.values())
    env = (CITY / "city.env").read_text()
    assert re.search(r"^SCF_EVENTS_URL=nats://", env, re.M)
    assert "pool_mode = session" in (CITY / "pgbouncer.sh").read_text()
