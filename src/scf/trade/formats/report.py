"""What a trade file says, read and checked without storing anything (and without a database).

Kept apart from `scf.trade.files` so that `scf trade validate` imports only the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scf.core.errors import InvalidInput
from scf.trade.formats import ParsedDocument
from scf.trade.formats.camt import is_camt, read_camt
from scf.trade.formats.cii import is_cii, read_cii
from scf.trade.formats.cn import cn_findings
from scf.trade.formats.official import Finding, artifact_versions, official_findings
from scf.trade.formats.precheck import validate_model, validate_ubl
from scf.trade.formats.ubl import is_ubl, read_ubl
from scf.trade.formats.xmlsafe import parse_xml


@dataclass(frozen=True)
class FileReport:
    """What a file says, and every rule it breaks (`findings`, refusing or not)."""

    kind: str
    document: ParsedDocument | None
    findings: tuple[Finding, ...]
    entries: tuple[Any, ...] = ()
    quick: bool = False

    @property
    def failures(self) -> tuple[Finding, ...]:
        """The findings that refuse the document (flag fatal or error)."""
        return tuple(f for f in self.findings if f.refuses)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.refuses)

    def verdict(self) -> dict[str, Any]:
        """What the platform reports and stores: how it checked, and each finding."""
        return {
            "valid": not self.failures,
            "mode": "quick" if self.quick else "official",
            "artifacts": {} if self.quick else artifact_versions(),
            "findings": [f.as_dict() for f in self.findings],
        }

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.document is not None:
            d = self.document.as_dict()
            out.update(
                {
                    "syntax": d["syntax"],
                    "document_kind": d["kind"],
                    "number": d["number"],
                    "issue_date": d["issue_date"],
                    "due_date": d["due_date"],
                    "currency": d["currency"],
                    "parties": {"seller": d["seller"], "buyer": d["buyer"], "payee": d["payee"]},
                    "assigned_to_factor": d["assigned_to_factor"],
                    "totals": d["totals"],
                    "lines": d["lines"],
                    "order_ref": d["order_ref"],
                    "billing_refs": d["billing_refs"],
                }
            )
        if self.entries:
            out["entries"] = [e.as_dict() for e in self.entries]
        out["failed_rules"] = sorted({f.rule for f in self.failures})
        out["failures"] = [f.as_dict() for f in self.failures]
        out["warnings"] = [f.as_dict() for f in self.warnings]
        if self.kind == "einvoice":
            out["validation"] = {k: v for k, v in self.verdict().items() if k != "findings"}
        return out


def read_file(content: bytes, *, quick: bool = False) -> FileReport:
    """Parse and check one UBL, CII or camt file without storing anything.

    E-invoices are checked by the official artifacts (XSD and EN 16931 Schematron) and the
    platform's SCF-CN rules; `quick` runs the SCF-PRE pre-check instead of the artifacts.
    """
    root = parse_xml(content)
    if is_ubl(root):
        doc = read_ubl(root)
        pre = validate_ubl(root) if quick else official_findings(root, "ubl", doc.kind)
        return FileReport("einvoice", doc, (*pre, *cn_findings(doc)), quick=quick)
    if is_cii(root):
        doc = read_cii(root)
        pre = validate_model(doc) if quick else official_findings(root, "cii", doc.kind)
        return FileReport("einvoice", doc, (*pre, *cn_findings(doc)), quick=quick)
    if is_camt(root):
        return FileReport("camt", None, (), tuple(read_camt(root)))
    raise InvalidInput(
        "not a UBL 2.1 invoice or credit note, a CII D16B invoice or an ISO 20022 camt "
        f"statement (root element {root.tag!r})",
        field="file",
        code="wrong_namespace",
    )
