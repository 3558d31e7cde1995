"""XML helpers of the trade formats; parsing itself is `scf.core.xmlsafe.parse_xml`."""

from __future__ import annotations

from typing import Any

from lxml import etree

from scf.core.xmlsafe import MAX_XML_BYTES, parse_xml

__all__ = ["MAX_XML_BYTES", "Finder", "local", "namespace", "parse_xml", "xp"]


def xp(el: Any, path: str, namespaces: dict[str, str] | None = None) -> list[Any]:
    """Run an XPath that selects nodes or strings; the result is always a list."""
    result = el.xpath(path, namespaces=namespaces) if namespaces else el.xpath(path)
    return list(result) if isinstance(result, list) else [result]


def _text_of(node: Any) -> str:
    return str(node if isinstance(node, str) else (node.text or "")).strip()


class Finder:
    """What XPaths in one document type's namespaces select: texts and nodes."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces

    def text(self, el: Any, path: str) -> str | None:
        """Return the stripped text of the first node selected; None when it is empty."""
        found = xp(el, path, self.namespaces)
        return (_text_of(found[0]) or None) if found else None

    def texts(self, el: Any, path: str) -> list[str]:
        """Return the stripped texts of the nodes selected, leaving out the empty ones."""
        return [value for value in map(_text_of, xp(el, path, self.namespaces)) if value]

    def first(self, el: Any, path: str) -> etree._Element | None:
        """Return the first node selected, or None."""
        found = xp(el, path, self.namespaces)
        return found[0] if found else None


def local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def namespace(el: etree._Element) -> str:
    return etree.QName(el).namespace or ""
