"""Write the ISO 20022 tsin.001/002/003.001.01 schemas from the published message definitions.

No registry package ships the tsin XSDs, so they are written here from the message
definitions as the `python-iso20022` package (MIT) carries them: its dataclasses are
generated from ISO 20022's own schemas and keep each element's name, order, cardinality,
type and facets (lengths, patterns, digits, code lists). This script turns them back into
XSD 1.0: one complex type per message component, one simple type per code list, the
facets as restrictions. xsdata flattens an xs:choice into optional elements, so a choice
comes out as a sequence of optional elements (the message a platform writes keeps to one
branch; a reader sees every branch). Run:

    .venv/bin/python tools/make_tsin_xsd.py   (writes src/scf/financing/xsd/tsin.*.xsd)
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from lxml import etree

OUT = Path(__file__).resolve().parents[1] / "src" / "scf" / "financing" / "xsd"
XS = "http://www.w3.org/2001/XMLSchema"
MESSAGES = ("tsin.001.001.01", "tsin.002.001.01", "tsin.003.001.01")
FACETS = (
    ("min_length", "minLength"),
    ("max_length", "maxLength"),
    ("pattern", "pattern"),
    ("total_digits", "totalDigits"),
    ("fraction_digits", "fractionDigits"),
    ("min_inclusive", "minInclusive"),
    ("max_inclusive", "maxInclusive"),
)


def _builtin(tp: Any) -> str:
    from xsdata.models.datatype import XmlDate, XmlDateTime

    return {
        str: "xs:string",
        Decimal: "xs:decimal",
        XmlDate: "xs:date",
        XmlDateTime: "xs:dateTime",
        bool: "xs:boolean",
        int: "xs:int",
    }[tp]


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """Return the item type of Optional[X] or list[X], and whether it repeats."""
    origin = typing.get_origin(hint)
    if origin is list:
        return typing.get_args(hint)[0], True
    if origin is typing.Union:
        return next(a for a in typing.get_args(hint) if a is not type(None)), False
    return hint, False


class Writer:
    """One schema: the types it has written, by name, and the schema element."""

    def __init__(self, namespace: str, suffix: str) -> None:
        self.suffix = suffix
        self.root = etree.Element(
            f"{{{XS}}}schema",
            nsmap={None: namespace, "xs": XS},  # type: ignore[dict-item]
            targetNamespace=namespace,
            elementFormDefault="qualified",
        )
        self.done: set[str] = set()

    def name(self, cls: type) -> str:
        return cls.__name__.removesuffix(self.suffix)

    def sub(self, parent: etree._Element, tag: str, **attrib: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{XS}}}{tag}", attrib)

    def simple_type(self, tp: Any, meta: dict[str, Any], owner: str, field: str) -> str:
        """Name a code list's type, or write an anonymous-like named restriction."""
        if isinstance(tp, type) and issubclass(tp, Enum):
            name = tp.__name__
            if name not in self.done:
                self.done.add(name)
                st = self.sub(self.root, "simpleType", name=name)
                rs = self.sub(st, "restriction", base="xs:string")
                for member in tp:
                    self.sub(rs, "enumeration", value=str(member.value))
            return name
        facets = [(x, meta[k]) for k, x in FACETS if k in meta]
        if not facets:
            return _builtin(tp)
        name = f"{owner}_{field}"
        if name not in self.done:
            self.done.add(name)
            st = self.sub(self.root, "simpleType", name=name)
            rs = self.sub(st, "restriction", base=_builtin(tp))
            for facet, value in facets:
                self.sub(rs, facet, value=str(value))
        return name

    def complex_type(self, cls: type) -> str:
        name = self.name(cls)
        if name in self.done:
            return name
        self.done.add(name)
        ct = self.sub(self.root, "complexType", name=name)
        hints = typing.get_type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.name != "Meta"]
        text = next((f for f in fields if "type" not in f.metadata), None)
        attrs = [f for f in fields if f.metadata.get("type") == "Attribute"]
        holder = ct
        if text is not None:
            tp, _ = _unwrap(hints[text.name])
            base = self.simple_type(tp, dict(text.metadata), name, "value")
            holder = self.sub(self.sub(ct, "simpleContent"), "extension", base=base)
        else:
            seq = self.sub(ct, "sequence")
            for f in fields:
                if f.metadata.get("type") == "Element":
                    self.element(seq, f, hints[f.name], name)
        for f in attrs:
            tp, _ = _unwrap(hints[f.name])
            self.sub(
                holder,
                "attribute",
                name=f.metadata["name"],
                type=self.simple_type(tp, dict(f.metadata), name, f.metadata["name"]),
                use="required" if f.metadata.get("required") else "optional",
            )
        return name

    def element(self, seq: etree._Element, f: Any, hint: Any, owner: str) -> None:
        meta = dict(f.metadata)
        tp, repeats = _unwrap(hint)
        if dataclasses.is_dataclass(tp):
            type_name = self.complex_type(tp)  # type: ignore[arg-type]
        else:
            type_name = self.simple_type(tp, meta, owner, meta["name"])
        low = meta.get("min_occurs", 1 if meta.get("required") else 0)
        high = meta.get("max_occurs", "unbounded" if repeats else 1)
        attrib = {"name": meta["name"], "type": type_name}
        if str(low) != "1":
            attrib["minOccurs"] = str(low)
        if str(high) != "1":
            attrib["maxOccurs"] = str(high)
        self.sub(seq, "element", **attrib)


def write(message: str, out: Path = OUT) -> Path:
    module = importlib.import_module(
        "python_iso20022.tsin." + message.replace(".", "_") + ".models"
    )
    suffix = message.replace(".", "").capitalize()  # Tsin00100101
    namespace = f"urn:iso:std:iso:20022:tech:xsd:{message}"
    doc_cls = getattr(module, suffix)
    w = Writer(namespace, suffix)
    w.sub(w.root, "element", name="Document", type="Document")
    ct = w.sub(w.root, "complexType", name="Document")
    seq = w.sub(ct, "sequence")
    w.done.add("Document")
    for f in dataclasses.fields(doc_cls):
        w.element(seq, f, typing.get_type_hints(doc_cls)[f.name], "Document")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{message}.xsd"
    comment = etree.Comment(
        f" ISO 20022 {message}, written by tools/make_tsin_xsd.py from the message "
        "definitions in python-iso20022 (MIT); see NOTICE.md beside this file. "
    )
    w.root.insert(0, comment)
    path.write_bytes(
        etree.tostring(w.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )
    return path


def main() -> None:
    for message in MESSAGES:
        print(write(message))


if __name__ == "__main__":
    main()
