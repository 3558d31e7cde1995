"""The command line: its version, lazy groups, and one-line refusals of bad input files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scf
from scf import cli

DATA = Path(__file__).resolve().parents[1] / "data"
INVOICE = DATA / "einvoice" / "cii-examples" / "CII_example2.xml"


@pytest.fixture
def calendar_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from scf.config import get_settings

    monkeypatch.setenv("SCF_CALENDAR_DIR", str(tmp_path / "calendar"))
    get_settings.cache_clear()
    yield tmp_path / "calendar"
    get_settings.cache_clear()


def test_version() -> None:
    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"scf {scf.__version__}"


def test_each_lazy_group_has_the_help_line_of_its_module() -> None:
    import importlib

    for name, (module, help_line) in cli.SUBCOMMANDS.items():
        assert importlib.import_module(module).app.info.help == help_line, name
        loaded = cli.load_subcommand(name)
        assert loaded.name == name and loaded.commands


def _modules_after(*args: str) -> set[str]:
    """Run `scf ARGS` in a fresh interpreter and return the modules it imported."""
    code = (
        "import sys\n"
        f"sys.argv = ['scf', *{list(args)!r}]\n"
        "from scf.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(run.stderr.split())


HEAVY = {
    "sqlalchemy",
    "pandas",
    "numpy",
    "fastapi",
    "scf.platform",
    "scf.trade.service",
    "scf.registry.service",
    "scf.risk.service",
    "rich",
    "tyme4py",
}


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("registry", "--help"), ("trade", "validate", str(INVOICE))],
)
def test_start_up_imports_only_what_the_command_needs(args: tuple[str, ...]) -> None:
    loaded = _modules_after(*args)
    assert "scf.cli" in loaded
    assert not HEAVY & loaded, sorted(HEAVY & loaded)
    if args[0] == "--help":
        assert not {"scf.trade.cli", "scf.registry.cli", "scf.risk.cli"} & loaded


def test_trade_validate_reads_every_file_first(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(cli.app, ["trade", "validate", str(INVOICE)])
    assert good.exit_code == 0 and json.loads(good.stdout)["currency"] == "NOK"
    missing = tmp_path / "nope.xml"
    r = runner.invoke(cli.app, ["trade", "validate", str(INVOICE), str(missing)])
    assert r.exit_code == 2 and r.stdout == ""  # nothing printed for the good file either
    assert r.stderr == f"error file_missing: {missing}: no such file\n"


def _one_line_refusal(args: list[str], code: str, words: str) -> None:
    r = CliRunner().invoke(cli.app, args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error {code}: "), r.stderr
    assert words in lines[0]
    assert "Traceback" not in r.output


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str, str]]:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    text = tmp_path / "notes.txt"
    text.write_text("not json, not xml", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {
        "missing": (tmp_path / "missing.json", "file_missing", "no such file"),
        "folder": (folder, "file_wrong_type", "is a directory"),
        "binary": (binary, "file_wrong_type", "is not"),
        "text": (text, "file_wrong_type", "is not"),
    }


COMMANDS = {
    "calendar load": ["calendar", "load", "{}"],
    "trade validate": ["trade", "validate", "{}"],
    "trade import": ["trade", "import", "{}"],
    "trade import --csv-kind": ["trade", "import", "--csv-kind", "invoices", "{}"],
    "registry file": ["registry", "file", "{}", "--user", "x", "--password", "y"],
    "risk train": ["risk", "train", "--data", "{}", "--target", "bad"],
    "risk uplift": ["risk", "uplift", "--data", "{}", "--target", "bad"],
}
# CSV commands read any text; only the missing, the folder and the binary are wrong for them.
TEXT_IS_FINE = {"trade import --csv-kind", "risk train", "risk uplift"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_file_reading_command_refuses_a_bad_file_in_one_line(
    command: str, tmp_path: Path, calendar_dir: Path
) -> None:
    for kind, (path, code, words) in _bad_files(tmp_path).items():
        if kind == "text" and command in TEXT_IS_FINE:
            continue
        if kind == "binary" and command.startswith("risk"):
            code, words = "invalid_input", "not a readable CSV table"
        if kind == "text" and command == "calendar load":
            code, words = "invalid_input", "not JSON"
        args = [a.replace("{}", str(path)) for a in COMMANDS[command]]
        _one_line_refusal(args, code, words)


def test_an_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "a.xml"
    f.write_text("<a/>", encoding="utf-8")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == f else real(p, mode))
    _one_line_refusal(["trade", "validate", str(f)], "file_unreadable", "permission denied")


def test_an_output_file_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    from scf.cli_common import write_text
    from scf.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as e:
        write_text(tmp_path / "no" / "such" / "folder.json", "{}", "certificate")
    assert e.value.code == "file_unwritable" and e.value.errors[0].field == "certificate"
