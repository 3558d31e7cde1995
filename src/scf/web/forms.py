"""Forms that help: what a person typed stays after a refusal, each message beside its field,
and amounts read the way people type them.

A refused command renders its page again (422) instead of an empty one: `keep_input` puts the
posted values back into the form that was sent (never a password or the CSRF token) and
writes each field's reason next to the field, marked `aria-invalid` and described by it, so a
screen reader reads the reason with the field. It works on the rendered page, so every form of
every role has it without a line in its template.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import lxml.html
from lxml.html import HtmlElement

from scf.core import i18n
from scf.core.errors import FieldError, InvalidInput

SKIPPED = {"csrf", "idem", "password", "next"}

# Thousands separators and currency marks people type around an amount.
_NOISE = re.compile(r"[,\s_'’]|^(?:CNY|RMB|¥|￥)|(?:CNY|RMB|元|圆)$", re.IGNORECASE)
_SCALE = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


def normalise_amount(typed: str, field: str) -> str:
    """An amount as typed (`１２，３４５.６０`, `¥1,000`, `2.5万`) as a canonical decimal string.

    Full-width characters fold to their ASCII forms (NFKC); thousands separators, spaces,
    currency marks and 元 go; 万 and 亿 scale. Anything else is refused naming the field.
    """
    text = unicodedata.normalize("NFKC", typed).strip()
    text = text.replace("，", ",").replace("。", ".")
    scale = Decimal(1)
    if text and text[-1] in _SCALE:
        scale, text = _SCALE[text[-1]], text[:-1]
    for _ in range(3):
        text = _NOISE.sub("", text)
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        raise InvalidInput(i18n.N_("write an amount such as 1000.00"), field=field)
    try:
        value = Decimal(text) * scale
    except InvalidOperation:
        raise InvalidInput(i18n.N_("write an amount such as 1000.00"), field=field) from None
    return format(value, "f")


def _elements_named(form: HtmlElement, name: str) -> list[HtmlElement]:
    return [
        el
        for el in form.iter("input", "select", "textarea")
        if el.get("name") in (name, f"{name}[]")
    ]


def _put_back(form: HtmlElement, values: dict[str, Any]) -> None:
    for el in form.iter("input", "select", "textarea"):
        name = el.get("name") or ""
        kind = (el.get("type") or "text").lower()
        if name in SKIPPED or kind in ("password", "hidden", "submit", "button", "file"):
            continue
        if name not in values:
            if kind == "checkbox" and name.endswith("[]"):
                el.attrib.pop("checked", None)  # unticked boxes are not posted
            continue
        sent = values[name]
        chosen = set(sent) if isinstance(sent, list) else {str(sent)}
        if kind in ("checkbox", "radio"):
            if el.get("value", "on") in chosen:
                el.set("checked", "checked")
            else:
                el.attrib.pop("checked", None)
        elif el.tag == "select":
            for option in el.iter("option"):
                if option.get("value", option.text_content()) in chosen:
                    option.set("selected", "selected")
                else:
                    option.attrib.pop("selected", None)
        elif el.tag == "textarea":
            el.text = str(sent)
        else:
            el.set("value", str(sent if not isinstance(sent, list) else sent[0]))


def _mark(form: HtmlElement, error: FieldError, text: str) -> bool:
    candidates = [error.field, error.field.rsplit(".", 1)[-1]]
    for name in candidates:
        found = _elements_named(form, name)
        if not found:
            continue
        el = found[-1]
        ident = f"error-{re.sub(r'[^A-Za-z0-9_-]', '-', name)}"
        note = lxml.html.fragment_fromstring(
            f'<p class="field-error" id="{ident}"></p>', create_parent=False
        )
        note.text = text
        for field_el in found:
            field_el.set("aria-invalid", "true")
            field_el.set("aria-describedby", ident)
        el.addnext(note)
        note.tail, el.tail = el.tail, None
        return True
    return False


def keep_input(
    html: str,
    action: str,
    values: dict[str, Any],
    errors: Iterable[FieldError],
    reason: Any,
) -> str:
    """The page with the sent form filled in again and each refused field's reason beside it.

    `reason(error)` says one field's refusal in the visitor's language.
    """
    doc = lxml.html.document_fromstring(html)
    forms = [f for f in doc.iter("form") if f.get("action") == action]
    if not forms:
        return html
    form = forms[0]
    _put_back(form, values)
    for error in errors:
        _mark(form, error, reason(error))
    out: str = lxml.html.tostring(doc, encoding="unicode", doctype="<!doctype html>")
    return out
