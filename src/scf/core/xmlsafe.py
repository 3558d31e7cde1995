"""Hardened XML parsing for every document from outside: no DTDs, no entities, no network,
bounded size and depth. Trade's e-invoices and payment files and the certificates room's
camt.053 statements are read with the same parser."""

from __future__ import annotations

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


def parse_xml(
    content: bytes, *, max_bytes: int = MAX_XML_BYTES, field: str = "file"
) -> etree._Element:
    """Parse untrusted XML or refuse it with a clear reason."""
    if not isinstance(content, bytes | bytearray):
        raise InvalidInput("XML content must be bytes", field=field)
    if len(content) > max_bytes:
        raise InvalidInput(
            f"the file is {len(content):,} bytes; at most {max_bytes:,} are accepted",
            field=field,
            code="xml_too_large",
        )
    head = bytes(content[:4096]).upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in bytes(content).upper():
        raise InvalidInput(
            "XML with a DOCTYPE or ENTITY declaration is refused (no DTDs, no entity expansion)",
            field=field,
            code="xml_dtd_refused",
        )
    try:
        root = etree.fromstring(bytes(content), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"malformed XML: {exc.msg} (line {exc.lineno})", field=field, code="malformed_xml"
        ) from None
    if root is None:
        raise InvalidInput("empty XML document", field=field, code="malformed_xml")
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", None):
        raise InvalidInput("XML with a DOCTYPE is refused", field=field, code="xml_dtd_refused")
    return root
