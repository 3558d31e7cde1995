"""Probe a third party's SCF endpoints: read its discovery index, fetch every document it lists
and check each against the published standard it claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from scf.standards.catalogue import INDEX_SCHEMA, validator_of
from scf.standards.check import Verdict, Violation, check_document, json_path, leaves


@dataclass
class Fetched:
    url: str
    status: int | None
    claimed: str  # the standard and version the index lists the document under
    verdict: Verdict | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.verdict is not None and self.verdict.valid

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "claimed": self.claimed,
            "ok": self.ok,
            "error": self.error,
            "verdict": self.verdict.as_dict() if self.verdict else None,
        }


@dataclass
class ProbeReport:
    base_url: str
    index_violations: list[Violation] = field(default_factory=list)
    documents: list[Fetched] = field(default_factory=list)
    error: str | None = None  # the index itself could not be read

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and not self.index_violations
            and bool(self.documents)
            and all(d.ok for d in self.documents)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "ok": self.ok,
            "error": self.error,
            "index_violations": [v.as_dict() for v in self.index_violations],
            "documents": [d.as_dict() for d in self.documents],
        }


def _get_json(client: httpx.Client, url: str) -> tuple[int | None, Any, str | None]:
    try:
        r = client.get(url)
    except httpx.HTTPError as exc:
        return None, None, f"cannot be fetched ({type(exc).__name__}: {exc})"
    if r.status_code != 200:
        return r.status_code, None, f"answered HTTP {r.status_code}, not 200"
    try:
        return r.status_code, r.json(), None
    except ValueError:
        return r.status_code, None, "did not answer JSON"


def _index_violations(index: Any) -> list[Violation]:
    errors = [leaf for e in validator_of(INDEX_SCHEMA).iter_errors(index) for leaf in leaves(e)]
    return [Violation(json_path(e.absolute_path), e.message, str(e.validator)) for e in errors]


def probe(
    base_url: str,
    *,
    token: str | None = None,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    max_documents: int = 50,
) -> ProbeReport:
    """Fetch `{base_url}/standards`, then each document it lists (at most `max_documents`)."""
    base = base_url.rstrip("/") + "/"
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    report = ProbeReport(base_url)
    with httpx.Client(
        headers=headers, timeout=timeout, transport=transport, follow_redirects=False
    ) as client:
        _, index, error = _get_json(client, urljoin(base, "standards"))
        if error is not None:
            report.error = f"{urljoin(base, 'standards')} {error}"
            return report
        report.index_violations = _index_violations(index)
        if report.index_violations:
            return report
        for std in index["standards"]:
            claimed = f"{std['id']} {std['version']}"
            for url in std["documents"][:max_documents]:
                full = urljoin(base, url)
                status, doc, error = _get_json(client, full)
                fetched = Fetched(full, status, claimed, error=error)
                if error is None:
                    fetched.verdict = check_document(doc)
                    named = f"{fetched.verdict.standard} {fetched.verdict.version}"
                    if fetched.verdict.valid and named != claimed:
                        fetched.error = f"is listed as {claimed} but says it is {named}"
                report.documents.append(fetched)
    return report
