"""Hardened XML parsing: no DTDs, no entities, no network, bounded size and depth."""

from __future__ import annotations

from typing import Any

from lxml import etree

from scf.core.errors import InvalidInput

MAX_XML_BYTES = 20 * 1024 * 1024

# Locked down: a document may not declare a DTD or entities (billion laughs, XXE), may not
# reach the network, and may not switch lxml into its huge-tree mode.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_xml(content: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML or refuse it with a clear reason."""
    if not isinstance(content, bytes | bytearray):
        raise InvalidInput("XML content must be bytes", field="file")
    if len(content) > max_bytes:
        raise InvalidInput(
            f"the file is {len(content):,} bytes; at most {max_bytes:,} are accepted",
            field="file",
            code="xml_too_large",
        )
    head = bytes(content[:4096]).upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in bytes(content).upper():
        raise InvalidInput(
            "XML with a DOCTYPE or ENTITY declaration is refused (no DTDs, no entity expansion)",
            field="file",
            code="xml_dtd_refused",
        )
    try:
        root = etree.fromstring(bytes(content), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"malformed XML: {exc.msg} (line {exc.lineno})", field="file", code="malformed_xml"
        ) from None
    if root is None:
        raise InvalidInput("empty XML document", field="file", code="malformed_xml")
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", None):
        raise InvalidInput("XML with a DOCTYPE is refused", field="file", code="xml_dtd_refused")
    return root


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
