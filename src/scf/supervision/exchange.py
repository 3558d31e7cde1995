"""Sharing with other departments (seed III.12): market supervision's registration changes,
tax's e-invoice verification, customs' export declarations, and the joint incentive and
penalty lists exchanged as files with a digest.

Each department is an interface with a sandbox implementation on files, which the tests and
the demo use. A file is read whole before anything is applied: a malformed record is reported
with its line and nothing of the file is applied. Market supervision's changes update the
ownership the related-party groups are derived from (`parties`), and a change that moves a
group, a deregistration or an abnormal operation listing raises an alert in the inbox.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from scf.core.errors import Conflict, ErrorCollector, InvalidInput
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.parties.model import validate_uscc
from scf.supervision.facts import as_platform, require_regulator
from scf.supervision.model import MarketChange
from scf.supervision.tables import ExchangeAlertRow, ExchangeBatchRow

MAX_FILE = 2_000_000  # bytes
LIST_SCHEMA = "scf-joint-lists/1"


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _lines(content: bytes, name: str) -> list[tuple[int, str]]:
    if len(content) > MAX_FILE:
        raise InvalidInput(f"a file has at most {MAX_FILE} bytes", field=name)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field=name) from None
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _date(value: Any, field: str, errors: ErrorCollector, line: int) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, "a date such as 2025-03-01", line)
        return None


# ---------------------------------------------------------------- market supervision


@dataclass(frozen=True)
class Change:
    line: int
    kind: MarketChange
    org_id: str
    on: date
    holder_org_id: str | None = None
    person_id_number: str | None = None
    person_name: str = ""
    share: Decimal | None = None
    reason: str = ""


class MarketSupervision(Protocol):
    """Where market supervision's registration changes come from."""

    def changes_file(self) -> tuple[str, bytes]: ...


@dataclass(frozen=True)
class FileMarketSupervision:
    """The sandbox: a JSON Lines file of changes, one record a line."""

    path: Path

    def changes_file(self) -> tuple[str, bytes]:
        return self.path.name, self.path.read_bytes()


def _org_of(uow: UnitOfWork, uscc: Any, field: str, errors: ErrorCollector, line: int) -> Any:
    try:
        code = validate_uscc(uscc, field)
    except InvalidInput as exc:
        errors.add(field, exc.message, line)
        return None
    org = parties.find_by_uscc(uow, code)
    if org is None:
        errors.add(field, f"no enterprise on the platform has USCC {code}", line)
    return org


def _change(uow: UnitOfWork, n: int, raw: str, errors: ErrorCollector) -> Change | None:
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as exc:
        errors.add("record", f"not JSON: {exc.msg}", n)
        return None
    if not isinstance(rec, dict):
        errors.add("record", "each line is one JSON object", n)
        return None
    try:
        kind = MarketChange(str(rec.get("kind")))
    except ValueError:
        allowed = ", ".join(k.value for k in MarketChange)
        errors.add("kind", f"unknown change {rec.get('kind')!r}; use one of: {allowed}", n)
        return None
    org = _org_of(uow, rec.get("uscc"), "uscc", errors, n)
    on = _date(rec.get("on"), "on", errors, n)
    before = len(errors.errors)
    extra: dict[str, Any] = {}
    if kind is MarketChange.SHAREHOLDER:
        try:
            share = Decimal(str(rec.get("share")))
        except InvalidOperation:
            share = Decimal(-1)
        if not Decimal(0) < share <= Decimal(1):
            errors.add("share", "a share above 0 and at most 1, e.g. 0.30", n)
        extra["share"] = share
        if rec.get("holder_uscc"):
            holder = _org_of(uow, rec["holder_uscc"], "holder_uscc", errors, n)
            extra["holder_org_id"] = holder.id if holder is not None else None
        elif rec.get("holder_id_number") and str(rec.get("holder_name", "")).strip():
            extra["person_id_number"] = str(rec["holder_id_number"])
            extra["person_name"] = str(rec["holder_name"]).strip()[:100]
        else:
            errors.add(
                "holder_uscc",
                "name the holder: holder_uscc, or holder_id_number and holder_name",
                n,
            )
    elif kind is MarketChange.LEGAL_REPRESENTATIVE:
        if not (rec.get("id_number") and str(rec.get("name", "")).strip()):
            errors.add("id_number", "give the legal representative's id_number and name", n)
        extra["person_id_number"] = str(rec.get("id_number", ""))
        extra["person_name"] = str(rec.get("name", "")).strip()[:100]
    else:
        extra["reason"] = str(rec.get("reason", "")).strip()[:300]
    if org is None or on is None or len(errors.errors) > before:
        return None
    return Change(line=n, kind=kind, org_id=org.id, on=on, **extra)


def parse_market_changes(uow: UnitOfWork, content: bytes) -> list[Change]:
    """Read a whole file of changes; refuse it, naming every bad record's line, if any is bad."""
    errors = ErrorCollector()
    changes = [c for n, raw in _lines(content, "file") if (c := _change(uow, n, raw, errors))]
    errors.raise_if_any("the file was not applied")
    if not changes:
        raise InvalidInput("the file holds no change", field="file")
    return changes


def _batch(
    uow: UnitOfWork, source: str, direction: str, name: str, content: bytes, n: int
) -> ExchangeBatchRow:
    sha = digest(content)
    if direction == "in" and uow.session.scalar(
        select(ExchangeBatchRow.id).where(
            ExchangeBatchRow.source == source, ExchangeBatchRow.sha256 == sha
        )
    ):
        raise Conflict("this file was imported already", code="already_imported")
    row = ExchangeBatchRow(
        id=new_id("xch"),
        source=source,
        direction=direction,
        file_name=name[:255],
        sha256=sha,
        records=n,
        by_user=uow.actor.user_id,
        at=uow.now(),
    )
    uow.session.add(row)
    return row


def _alert(
    uow: UnitOfWork,
    batch: ExchangeBatchRow,
    org_id: str,
    kind: str,
    severity: str,
    summary: str,
    evidence: dict[str, Any],
) -> ExchangeAlertRow:
    row = ExchangeAlertRow(
        id=new_id("xal"),
        batch_id=batch.id,
        org_id=org_id,
        kind=kind,
        severity=severity,
        summary=summary[:500],
        evidence=evidence,
        raised_at=uow.now(),
    )
    uow.session.add(row)
    return row


def _apply_change(uow: UnitOfWork, c: Change) -> None:
    if c.kind is MarketChange.SHAREHOLDER:
        parties.add_shareholding(
            uow,
            c.org_id,
            c.share or Decimal(0),
            holder_org_id=c.holder_org_id,
            person_id_number=c.person_id_number,
            person_name=c.person_name,
        )
    elif c.kind is MarketChange.LEGAL_REPRESENTATIVE:
        parties.add_key_person(
            uow, c.org_id, c.person_id_number or "", c.person_name, "legal_representative"
        )


def import_market_changes(uow: UnitOfWork, file_name: str, content: bytes) -> dict[str, Any]:
    """The regulator imports market supervision's file: ownership changes are recorded (the
    related-party groups follow from them), and an alert is raised for each group that moved,
    each deregistration and each abnormal operation listing."""
    require_regulator(uow)
    changes = parse_market_changes(uow, content)
    batch = _batch(uow, "market", "in", file_name, content, len(changes))
    alerts: list[ExchangeAlertRow] = []
    with as_platform(uow):
        for c in changes:
            group_before = parties.related_party_graph(uow).group_of(c.org_id)
            _apply_change(uow, c)
            group_after = parties.related_party_graph(uow).group_of(c.org_id)
            alerts += _alerts_of(uow, batch, c, set(group_before), set(group_after))
    uow.flush()
    uow.audit("exchange.market_imported", "exchange_batch", batch.id, after=batch.snapshot())
    uow.commit()
    return {
        "batch": batch.snapshot(),
        "applied": len(changes),
        "alerts": [{"id": a.id, "org_id": a.org_id, "kind": a.kind} for a in alerts],
    }


def _alerts_of(
    uow: UnitOfWork, batch: ExchangeBatchRow, c: Change, before: set[str], after: set[str]
) -> list[ExchangeAlertRow]:
    if c.kind in (MarketChange.DEREGISTRATION, MarketChange.ABNORMAL_OPERATION):
        kind = "deregistered" if c.kind is MarketChange.DEREGISTRATION else "abnormal_operation"
        return [
            _alert(
                uow,
                batch,
                c.org_id,
                kind,
                "high",
                f"market supervision: {kind} on {c.on.isoformat()} {c.reason}".strip(),
                {"on": c.on.isoformat(), "reason": c.reason, "line": c.line},
            )
        ]
    if before == after:
        return []
    return [
        _alert(
            uow,
            batch,
            c.org_id,
            "related_group_changed",
            "medium",
            f"market supervision: {c.kind.value} changed the related-party group",
            {
                "change": c.kind.value,
                "on": c.on.isoformat(),
                "joined": sorted(after - before),
                "left": sorted(before - after),
                "group": sorted(after),
                "line": c.line,
            },
        )
    ]


def exchange_alerts(uow: UnitOfWork) -> list[ExchangeAlertRow]:
    """The alerts departments' changes raised, newest first (the inbox reads them)."""
    return list(
        uow.session.scalars(select(ExchangeAlertRow).order_by(ExchangeAlertRow.raised_at.desc()))
    )


# ---------------------------------------------------------------- tax: VAT e-invoices


@dataclass(frozen=True)
class InvoiceVerdict:
    verified: bool
    reason: str  # match, not_issued, amount_differs, date_differs, voided


class TaxInvoices(Protocol):
    """The tax bureau's verification of a VAT e-invoice by number, code, date and amount."""

    def verify(self, number: str, code: str, issued_on: date, amount: Money) -> InvoiceVerdict: ...


@dataclass
class FileTaxInvoices:
    """The sandbox: a CSV of the invoices the bureau issued (code, number, issued_on, amount,
    currency, status), read whole; a malformed line refuses the file with its number."""

    path: Path
    _rows: dict[tuple[str, str], tuple[date, Money, str]] | None = None

    def _load(self) -> dict[tuple[str, str], tuple[date, Money, str]]:
        if self._rows is None:
            errors = ErrorCollector()
            rows: dict[tuple[str, str], tuple[date, Money, str]] = {}
            for n, rec in _csv(self.path.read_bytes(), 6, errors):
                code, number, issued, amount, currency, status = rec
                on = _date(issued, "issued_on", errors, n)
                money = _money(amount, currency, errors, n)
                if status not in ("valid", "voided"):
                    errors.add("status", "valid or voided", n)
                if on is not None and money is not None:
                    rows[(code.strip(), number.strip())] = (on, money, status)
            errors.raise_if_any("the tax file was not read")
            self._rows = rows
        return self._rows

    def verify(self, number: str, code: str, issued_on: date, amount: Money) -> InvoiceVerdict:
        found = self._load().get((code.strip(), number.strip()))
        if found is None:
            return InvoiceVerdict(False, "not_issued")
        on, money, status = found
        if status == "voided":
            return InvoiceVerdict(False, "voided")
        if on != issued_on:
            return InvoiceVerdict(False, "date_differs")
        if money != amount:
            return InvoiceVerdict(False, "amount_differs")
        return InvoiceVerdict(True, "match")


def _csv(content: bytes, width: int, errors: ErrorCollector) -> list[tuple[int, list[str]]]:
    out = []
    lines = _lines(content, "file")
    for n, line in lines[1:]:  # the first line names the columns
        rec = next(csv.reader(io.StringIO(line)))
        if len(rec) != width:
            errors.add("record", f"{width} columns expected, got {len(rec)}", n)
            continue
        out.append((n, [x.strip() for x in rec]))
    return out


def _money(amount: str, currency: str, errors: ErrorCollector, n: int) -> Money | None:
    try:
        return Money.of(amount, currency)
    except InvalidInput as exc:
        errors.add("amount", exc.message, n)
        return None


# ---------------------------------------------------------------- customs: export declarations


@dataclass(frozen=True)
class Declaration:
    number: str
    exporter_uscc: str
    declared_on: date
    amount: Money
    destination: str


class Customs(Protocol):
    """Customs' export declarations of an exporter (cross-border trade financing)."""

    def declarations_of(self, exporter_uscc: str) -> list[Declaration]: ...


@dataclass
class FileCustoms:
    """The sandbox: a CSV of declarations (number, exporter_uscc, declared_on, amount,
    currency, destination)."""

    path: Path

    def declarations_of(self, exporter_uscc: str) -> list[Declaration]:
        errors = ErrorCollector()
        out = []
        for n, (number, uscc, declared, amount, currency, dest) in _csv(
            self.path.read_bytes(), 6, errors
        ):
            on = _date(declared, "declared_on", errors, n)
            money = _money(amount, currency, errors, n)
            if on is not None and money is not None and uscc == exporter_uscc:
                out.append(Declaration(number, uscc, on, money, dest))
        errors.raise_if_any("the customs file was not read")
        return sorted(out, key=lambda d: (d.declared_on, d.number))


# ---------------------------------------------------------------- joint incentives and penalties


def export_joint_lists(uow: UnitOfWork) -> tuple[str, bytes]:
    """The live black (joint penalties) and red (joint incentives) lists as a file for other
    departments, with the SHA-256 of its entries; the export is recorded."""
    require_regulator(uow)
    entries = [e for e in parties.list_entries(uow, live_only=True) if e.kind in ("black", "red")]
    orgs = parties.organizations_by_id(uow, {e.org_id for e in entries})
    body = [
        {
            "kind": e.kind,
            "uscc": orgs[e.org_id].uscc,
            "name": orgs[e.org_id].name,
            "reason": e.reason,
            "authority": e.authority,
            "listed_on": e.listed_on.isoformat(),
        }
        for e in entries
        if e.org_id in orgs
    ]
    content = _list_file(body)
    batch = _batch(uow, "lists", "out", "joint-lists.json", content, len(body))
    uow.flush()
    uow.audit("exchange.lists_exported", "exchange_batch", batch.id, after=batch.snapshot())
    uow.commit()
    return "joint-lists.json", content


def _entries_digest(entries: list[dict[str, Any]]) -> str:
    canon = json.dumps(entries, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()


def _list_file(entries: list[dict[str, Any]]) -> bytes:
    doc = {"schema": LIST_SCHEMA, "entries": entries, "sha256": _entries_digest(entries)}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def import_joint_lists(uow: UnitOfWork, file_name: str, content: bytes) -> dict[str, Any]:
    """The regulator imports another department's joint lists: the digest must match its
    entries, every entry must name a platform enterprise; else nothing is listed."""
    require_regulator(uow)
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("the file is not JSON", field="file") from None
    if not isinstance(doc, dict) or doc.get("schema") != LIST_SCHEMA:
        raise InvalidInput(f"the file is not a {LIST_SCHEMA} file", field="schema")
    entries = doc.get("entries")
    if not isinstance(entries, list) or not entries:
        raise InvalidInput("the file lists no entry", field="entries")
    if doc.get("sha256") != _entries_digest(entries):
        raise InvalidInput(
            "the digest does not match the entries", field="sha256", code="digest_mismatch"
        )
    errors = ErrorCollector()
    todo = []
    for n, e in enumerate(entries, 1):
        if not isinstance(e, dict) or e.get("kind") not in ("black", "red"):
            errors.add("kind", "black or red", n)
            continue
        org = _org_of(uow, e.get("uscc"), "uscc", errors, n)
        if not str(e.get("reason", "")).strip():
            errors.add("reason", "say why the enterprise is listed", n)
        if org is not None:
            todo.append((e["kind"], org.id, str(e.get("reason", "")), str(e.get("authority", ""))))
    errors.raise_if_any("the file was not applied")
    batch = _batch(uow, "lists", "in", file_name, content, len(todo))
    for kind, org_id, reason, authority in todo:
        parties.add_list_entry(uow, kind, org_id, reason[:500], authority=authority[:120])
    uow.flush()
    uow.audit("exchange.lists_imported", "exchange_batch", batch.id, after=batch.snapshot())
    uow.commit()
    return {"batch": batch.snapshot(), "applied": len(todo)}
