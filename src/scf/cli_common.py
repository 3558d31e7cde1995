"""What every `scf` command shares: input files read or refused in one line, and refusals.

Kept free of heavy imports: `scf --help` and `scf trade validate` import this and little more.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from scf.core.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from scf.platform import Platform


def command_group(help_line: str, **kwargs: Any) -> typer.Typer:
    """A group of commands; its help is plain text, so that asking for it imports no rich."""
    kwargs.setdefault("add_completion", False)  # only the root `scf` offers completion
    return typer.Typer(help=help_line, no_args_is_help=True, rich_markup_mode=None, **kwargs)


def create_platform() -> Platform:
    """The platform from the environment's settings, imported only when a command needs it."""
    from scf.platform import Platform

    return Platform.create()


def report(exc: DomainError) -> None:
    """Print a refusal on stderr: one line, then one per field error when there are several."""
    field = exc.errors[0].field if len(exc.errors) == 1 else ""
    named = f"{field}: " if field and field not in exc.message else ""
    print(f"error {exc.code}: {named}{exc.message}", file=sys.stderr)
    if len(exc.errors) > 1 or (exc.errors and exc.errors[0].reason not in exc.message):
        for e in exc.errors:
            where = f" (line {e.line})" if e.line is not None else ""
            print(f"  {e.field}{where}: {e.reason}", file=sys.stderr)


def fail(exc: DomainError) -> NoReturn:
    """Report a refusal and end the command with exit code 2."""
    report(exc)
    raise typer.Exit(2)


def _refuse(path: Path, why: str, field: str, code: str) -> NoReturn:
    raise InvalidInput(f"{path}: {why}", field=field, code=code)


def input_file(path: Path, field: str = "file") -> Path:
    """Check that an input file is there, is a file and can be read; refuse it otherwise."""
    if not path.exists():
        _refuse(path, "no such file", field, "file_missing")
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        _refuse(path, f"is {kind}, not a file", field, "file_wrong_type")
    if not os.access(path, os.R_OK):
        _refuse(path, "cannot be read (permission denied)", field, "file_unreadable")
    return path


def read_bytes(path: Path, field: str = "file") -> bytes:
    input_file(path, field)
    try:
        return path.read_bytes()
    except OSError as exc:
        _refuse(path, f"cannot be read ({exc.strerror or exc})", field, "file_unreadable")


def read_text(path: Path, field: str = "file", expected: str = "a text file") -> str:
    """Read UTF-8 text (a byte-order mark is dropped); a binary file is refused."""
    raw = read_bytes(path, field)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refuse(path, f"is not UTF-8 text; {expected} is expected", field, "file_wrong_type")
    if "\x00" in text:
        _refuse(path, f"is binary, not text; {expected} is expected", field, "file_wrong_type")
    return text


def read_json(path: Path, field: str = "file", expected: str = "a JSON file") -> Any:
    text = read_text(path, field, expected)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _refuse(
            path,
            f"is not JSON ({exc.msg} at line {exc.lineno}); {expected} is expected",
            field,
            "file_wrong_type",
        )


def read_xml_bytes(path: Path, field: str = "file", expected: str = "an XML file") -> bytes:
    """Read a file that must be XML: it has to start with '<' (after a byte-order mark)."""
    raw = read_bytes(path, field)
    head = raw[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if not head.startswith(b"<"):
        _refuse(path, f"is not XML; {expected} is expected", field, "file_wrong_type")
    return raw


def write_text(path: Path, text: str, field: str = "output") -> None:
    """Write an output file, or refuse in one line if its folder is missing or not writable."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _refuse(path, f"cannot be written ({exc.strerror or exc})", field, "file_unwritable")
