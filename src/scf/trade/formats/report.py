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
from scf.trade.formats.en16931 import RuleFailure, validate_model, validate_ubl
from scf.trade.formats.ubl import is_ubl, read_ubl
from scf.trade.formats.xmlsafe import parse_xml


@dataclass(frozen=True)
class FileReport:
    """What a file says, and the EN 16931 rules it fails."""

    kind: str
    document: ParsedDocument | None
    failures: tuple[RuleFailure, ...]
    entries: tuple[Any, ...] = ()

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
        return out


def read_file(content: bytes) -> FileReport:
    """Parse and check one UBL, CII or camt file without storing anything."""
    root = parse_xml(content)
    if is_ubl(root):
        return FileReport("einvoice", read_ubl(root), tuple(validate_ubl(root)))
    if is_cii(root):
        doc = read_cii(root)
        return FileReport("einvoice", doc, tuple(validate_model(doc)))
    if is_camt(root):
        return FileReport("camt", None, (), tuple(read_camt(root)))
    raise InvalidInput(
        "not a UBL 2.1 invoice or credit note, a CII D16B invoice or an ISO 20022 camt "
        f"statement (root element {root.tag!r})",
        field="file",
        code="wrong_namespace",
    )
