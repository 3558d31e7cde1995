"""Message catalogs: gettext through Babel, Chinese first and English complete.

The source strings are English. Each language has two catalogs under
`src/scf/locale/<locale>/LC_MESSAGES/`:
- `scf.po`: the text of the pages and messages, kept with Babel's own tooling (`make messages`
  extracts every string the templates and the code mark and updates both languages);
- `labels.po`: stored values as people read them, looked up by their kind as the message
  context (`label("financing.Status", "disbursed")`): statuses, scenarios, districts, reason
  and error codes, field names. The English catalog spells these out too.
The catalogs are read once per process and compiled in memory (no `.mo` file is kept), and
`tests/unit/test_translations.py` fails on any text or value a catalog lacks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
BABEL_LOCALE = {"zh": "zh_CN", "en": "en"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAINS = ("scf", "labels")


def catalog_path(lang: str, domain: str = "scf") -> Path:
    """Where a catalog of a language lives."""
    return LOCALE_DIR / BABEL_LOCALE[lang] / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(lang: str, domain: str = "scf") -> Catalog:
    """A catalog of a language as Babel reads it (for the tooling and the tests)."""
    with catalog_path(lang, domain).open("rb") as fh:
        return read_po(fh, locale=BABEL_LOCALE[lang], domain=domain)


def _compiled(lang: str, domain: str) -> Translations:
    buf = BytesIO()
    write_mo(buf, read_catalog(lang, domain), use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=domain)


@functools.cache
def translations(lang: str) -> Translations:
    """Both catalogs of a language, compiled (fuzzy entries left out, as msgfmt does)."""
    out = _compiled(lang, "scf")
    out.merge(_compiled(lang, "labels"))
    return out


def norm_lang(lang: str | None) -> str:
    """A supported language code for whatever a caller passes (`zh-CN`, `en_US`, None)."""
    code = (lang or DEFAULT_LANG).replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else DEFAULT_LANG


def gettext(lang: str, message: str) -> str:
    """The message in the language; the English source where a catalog lacks it."""
    return translations(norm_lang(lang)).gettext(message)


def pgettext(lang: str, context: str, message: str) -> str:
    """The message of a context (a kind of value) in the language."""
    return str(translations(norm_lang(lang)).pgettext(context, message))


def has_label(lang: str, kind: str, value: str) -> bool:
    """Whether the catalogs of `lang` spell out this value of this kind."""
    marker = object()
    found = translations(norm_lang(lang))._catalog.get(f"{kind}\x04{value}", marker)
    return found is not marker and bool(found)


def label(lang: str, kind: str, value: object) -> str:
    """A stored value (an enum's value, a code) as people read it in the language.

    A value the catalog does not know is shown as stored; the translation test lists every
    kind's values and fails on any the catalogs lack.
    """
    if value is None or value == "":
        return "–"
    text = str(getattr(value, "value", value))
    return pgettext(lang, kind, text)


def field_label(lang: str, field: str) -> str:
    """A field's name as people read it: `asset.face` is the face value; rows keep their number."""
    last = field.rsplit(".", 1)[-1]
    base = last.split("[", 1)[0]
    if not has_label(lang, "field", base):
        return field
    named = str(translations(norm_lang(lang)).pgettext("field", base))
    return named + last[len(base) :]


def labels(lang: str, kind: str, values: Iterable[object]) -> list[str]:
    """Several values of one kind, each as people read it."""
    return [label(lang, kind, v) for v in values]


def N_(message: str) -> str:
    """Mark a source string for extraction; it is translated where it is shown."""
    return message
