"""Chinese first, English complete: every text and every shown value is in both catalogs.

Babel extracts the texts the templates and the code mark, exactly as `make messages` does; the
stored values shown to people (each room's enums and `VOCABULARY`, refusal codes, field
names) are listed from the code. A text or value either catalog lacks fails here, by name.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import scf
from scf.core import i18n

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "scf"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> set[tuple[str | None, str]]:
    """(context, text) of every marked text in the code and the templates."""
    out: set[tuple[str | None, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(SRC), METHODS, options_map=OPTIONS
    ):
        text = message[0] if isinstance(message, tuple) else message
        out.add((context, text))
    return out


def vocabularies() -> dict[str, set[str]]:
    """Every kind of stored value people see, and its values, as the rooms declare them."""
    kinds: dict[str, set[str]] = {}
    for info in pkgutil.walk_packages(scf.__path__, "scf."):
        if not info.name.endswith(".model") or ".sim" in info.name:
            continue
        mod = importlib.import_module(info.name)
        room = info.name.split(".")[1]
        for obj in vars(mod).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, enum.Enum)
                and issubclass(obj, str)
                and obj.__module__ == mod.__name__
            ):
                kinds.setdefault(f"{room}.{obj.__name__}", set()).update(str(m.value) for m in obj)
        for kind, values in getattr(mod, "VOCABULARY", {}).items():
            kinds.setdefault(kind, set()).update(values)
    return kinds


CODE = re.compile(r"""\bcode\s*=\s*["']([a-z][a-z0-9_]+)["']""")
FIELD = re.compile(r"""\bfield\s*=\s*["']([A-Za-z][A-Za-z0-9_.\-]*)""")


def literals(pattern: re.Pattern[str]) -> set[str]:
    out: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts or "sim" in path.parts:
            continue
        out.update(pattern.findall(path.read_text(encoding="utf-8")))
    return out


def test_every_marked_text_is_translated_into_chinese() -> None:
    missing = [
        (ctx, text)
        for ctx, text in sorted(extracted(), key=str)
        if i18n.translations("zh").pgettext(ctx, text) == text
        if ctx
    ]
    missing += [
        text
        for ctx, text in sorted(extracted(), key=str)
        if not ctx and i18n.gettext("zh", text) == text
    ]
    assert not missing, f"texts without Chinese (run `make messages`, then translate): {missing}"


def test_the_catalogs_hold_no_stale_or_fuzzy_text() -> None:
    marked = {text for _ctx, text in extracted()}
    for lang in i18n.LANGS:
        catalog = i18n.read_catalog(lang, "scf")
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not fuzzy, f"{lang}: fuzzy entries {fuzzy}"
        stale = [m.id for m in catalog if m.id and m.id not in marked]
        assert not stale, f"{lang}: texts no code uses any more (run `make messages`): {stale}"


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_shown_value_has_a_label(lang: str) -> None:
    kinds = vocabularies()
    kinds["error"] = literals(CODE) | {
        str(getattr(cls, "code", "")) for cls in _domain_errors() if getattr(cls, "code", "")
    }
    kinds["field"] = {f.rsplit(".", 1)[-1] for f in literals(FIELD)}
    assert len(kinds) > 25 and len(kinds["error"]) > 80, kinds.keys()
    missing = sorted(
        f"{kind}:{value}"
        for kind, values in kinds.items()
        for value in values
        if not i18n.has_label(lang, kind, value)
    )
    assert not missing, f"{lang}: values shown without a label: {missing}"


def _domain_errors() -> list[type]:
    from scf.core import errors

    return [
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, errors.DomainError)
    ]


def test_a_label_reads_in_each_language_and_unknown_values_stay_as_stored() -> None:
    assert i18n.label("zh", "financing.Status", "disbursed") == "已放款"
    assert i18n.label("en", "financing.Status", "disbursed") == "Disbursed"
    assert i18n.label("zh-CN", "parties.District", "baoan") == "宝安区"
    assert i18n.label("zh", "financing.Status", "no-such-status") == "no-such-status"
    assert i18n.label("zh", "financing.Status", None) == "–"
    assert i18n.field_label("zh", "asset.face") == "面额"
    assert i18n.field_label("zh", "rows[3].amount") == "金额"
    assert i18n.field_label("zh", "no_such_field") == "no_such_field"
