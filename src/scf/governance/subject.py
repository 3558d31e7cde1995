"""The subject's rights (PIPL arts. 44-45): an organization downloads what the platform holds
on it, as JSON and as a readable PDF, with every read of it by others (the access log).

Only one's own organization: a request for another's data is refused, whatever the role (the
regulator reads others' data through its own views, logged).
"""

from __future__ import annotations

import io
from typing import Any

from scf.core.errors import PermissionDenied
from scf.core.uow import UnitOfWork
from scf.governance.catalog import catalogue
from scf.parties import service as parties

# The most rows of each list a download carries (the newest first).
LIMIT = 1000


def subject_data(uow: UnitOfWork, org_id: str | None = None) -> dict[str, Any]:
    """Everything held on the actor's organization: its record, owners and key persons,
    consents, the audit trail of its changes and the log of reads by others."""
    own = uow.actor.org_id
    if own is None or (org_id is not None and org_id != own):
        raise PermissionDenied("an organization downloads only its own data", code="not_own_data")
    org = parties.get_organization(uow, own)
    reads, reads_total = parties.access_log(uow, own, limit=LIMIT)
    audit, audit_total = parties.query_audit(uow, org_id=own, limit=LIMIT)
    consents = [c.snapshot() for c in parties.list_consents(uow)]
    return {
        "organization": org.snapshot(),
        "ownership": parties.ownership_of(uow, own),
        "consents": consents,
        "access_log": {
            "total": reads_total,
            "items": [
                {
                    "at": r.at.isoformat(),
                    "reader_org_id": r.reader_org_id,
                    "basis": r.basis,
                    "consent_id": r.consent_id,
                    "scope": r.scope,
                    "resource": r.resource,
                }
                for r in reads
            ],
        },
        "audit": {"total": audit_total, "items": [a.as_dict() for a in audit]},
        "generated_at": uow.now().isoformat(),
        "classes": sorted({e.data_class.value for e in catalogue()}),
    }


def subject_pdf(data: dict[str, Any]) -> bytes:
    """The download as a readable A4 document (Chinese rendered by a CID font)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    h = ParagraphStyle("h", fontName=font, fontSize=15, leading=21)
    p = ParagraphStyle("p", fontName=font, fontSize=8, leading=11)

    def table(rows: list[list[str]]) -> Table:
        t = Table([[Paragraph(_xml(c), p) for c in r] for r in rows], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        return t

    org = data["organization"]
    story: list[Any] = [
        Paragraph(_xml(f"平台所持本机构数据 Data held on {org['name']}"), h),
        Paragraph(_xml(f"{data['generated_at']}"), p),
        Spacer(1, 8),
        Paragraph("机构信息 Organization", p),
        table([["字段 field", "值 value"], *([k, _text(v)] for k, v in org.items())]),
        Spacer(1, 8),
        Paragraph("股东与关键人员 Shareholders and key persons", p),
        table(
            [["", "名称 name", "角色/持股 role/share"]]
            + [
                ["shareholder", _text(s["holder_name"] or s["holder_org_id"]), s["share"]]
                for s in data["ownership"]["shareholders"]
            ]
            + [["key person", k["name"], k["role"]] for k in data["ownership"]["key_persons"]]
        ),
        Spacer(1, 8),
        Paragraph("授权 Consents", p),
        table(
            [["被授权方 grantee", "范围 scopes", "到期 expires", "撤销 revoked"]]
            + [
                [
                    c["grantee_org_id"],
                    ", ".join(c["scopes"]),
                    c["expires_at"],
                    _text(c["revoked_at"]),
                ]
                for c in data["consents"]
            ]
        ),
        Spacer(1, 8),
        Paragraph(_xml(f"他方读取记录 Reads by others ({data['access_log']['total']})"), p),
        table(
            [["时间 at", "读取方 reader", "依据 basis", "资源 resource"]]
            + [
                [r["at"], _text(r["reader_org_id"]), r["basis"], r["resource"]]
                for r in data["access_log"]["items"]
            ]
        ),
        Spacer(1, 8),
        Paragraph(_xml(f"变更记录 Changes ({data['audit']['total']})"), p),
        table(
            [["时间 at", "操作 action", "对象 record"]]
            + [
                [a["at"], a["action"], f"{a['aggregate_type']} {a['aggregate_id']}"]
                for a in data["audit"]["items"]
            ]
        ),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title="subject access").build(story)
    return buf.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
