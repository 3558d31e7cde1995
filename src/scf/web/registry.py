"""The public registry pages, open to anyone: search the filings against a grantor, download
the signed search certificate, and check a certificate against the transparency log."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scf.core.errors import DomainError
from scf.registry import service as registry
from scf.web.common import error_text, page, read_form, render, visiting

router = APIRouter(include_in_schema=False)


def _search_page(request: Request, head: Any, **ctx: Any) -> Response:
    """Render the search page: an empty form unless `ctx` fills it."""
    blank: dict[str, Any] = {
        "results": None,
        "name": "",
        "uscc": "",
        "search_error": None,
        "cert_query": "",
        "verdict": None,
        "witnessed": None,
    }
    return render(request, "registry/search.html", head=head, **{**blank, **ctx})


@router.get("/registry")
@page
def registry_search(request: Request) -> Response:
    """Search by the grantor's name or USCC."""
    name = (request.query_params.get("grantor_name") or "").strip()
    uscc = (request.query_params.get("grantor_uscc") or "").strip()
    results: list[dict[str, Any]] | None = None
    error = None
    cert_query = ""
    with visiting(request) as uow:
        if name or uscc:
            q = registry.SearchQuery(grantor_name=name or None, grantor_uscc=uscc or None)
            cert_query = urlencode({"grantor_name": name} if name else {"grantor_uscc": uscc})
            try:
                results = registry.search(uow, q)
            except DomainError as e:
                error = error_text(e)
        head = registry.latest_tree_head(uow)
        witnessed = registry.latest_witnessed_head(uow)
    return _search_page(
        request,
        head,
        witnessed=witnessed,
        results=results,
        name=name,
        uscc=uscc,
        search_error=error,
        cert_query=cert_query,
    )


@router.post("/registry/verify")
@page
async def registry_verify(request: Request) -> Response:
    """Check a search certificate's signature and its proof against the log."""
    form = await read_form(request)
    with visiting(request) as uow:
        try:
            doc = json.loads(form.text("certificate"))
            verdict = isinstance(doc, dict) and registry.verify_certificate(uow, doc)
        except ValueError:
            verdict = False
        head = registry.latest_tree_head(uow)
        witnessed = registry.latest_witnessed_head(uow)
    return _search_page(request, head, verdict=bool(verdict), witnessed=witnessed)
