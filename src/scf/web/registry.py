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
from scf.web.common import error_text, language, page, read_form, render, visiting

router = APIRouter(include_in_schema=False)


def _search_page(request: Request, head: Any, **ctx: Any) -> Response:
    """Render the search page: an empty form unless `ctx` fills it."""
    blank: dict[str, Any] = {
        "results": None,
        "form": dict.fromkeys(_FIELDS, ""),
        "collateral_kinds": [k.value for k in registry.CollateralKind],
        "search_error": None,
        "cert_query": "",
        "verdict": None,
        "witnessed": None,
    }
    return render(request, "registry/search.html", head=head, **{**blank, **ctx})


def _query(params: Any) -> tuple[registry.SearchQuery | None, dict[str, str]]:
    """The search the form asks for (grantor name, USCC or collateral), and its fields."""
    form = {
        k: (params.get(k) or "").strip()
        for k in ("grantor_name", "grantor_uscc", "collateral_kind", "collateral_identifier")
    }
    form["exact"] = "1" if params.get("exact") else ""
    if form["collateral_identifier"]:
        kind = form["collateral_kind"] or "receivable"
        ref = registry.parse_collateral(
            [{"kind": kind, "identifier": form["collateral_identifier"]}]
        )[0]
        return registry.SearchQuery(collateral=ref), form
    if form["grantor_name"]:
        tolerant = not form["exact"]
        return registry.SearchQuery(grantor_name=form["grantor_name"], tolerant=tolerant), form
    if form["grantor_uscc"]:
        return registry.SearchQuery(grantor_uscc=form["grantor_uscc"]), form
    return None, form


def _cert_query(form: dict[str, str]) -> str:
    if form["collateral_identifier"]:
        return urlencode(
            {
                "collateral_kind": form["collateral_kind"] or "receivable",
                "collateral_identifier": form["collateral_identifier"],
            }
        )
    if form["grantor_name"]:
        return urlencode({"grantor_name": form["grantor_name"], "tolerant": not form["exact"]})
    return urlencode({"grantor_uscc": form["grantor_uscc"]})


@router.get("/registry")
@page
def registry_search(request: Request) -> Response:
    """Search by the grantor's name (tolerant unless asked to be exact), USCC or collateral."""
    results: list[dict[str, Any]] | None = None
    error = None
    cert_query = ""
    with visiting(request) as uow:
        try:
            q, form = _query(request.query_params)
            if q is not None:
                cert_query = _cert_query(form)
                results = registry.search(uow, q)
        except DomainError as e:
            form = {k: (request.query_params.get(k) or "").strip() for k in _FIELDS}
            error = error_text(e, language(request))
        head = registry.latest_tree_head(uow)
        witnessed = registry.latest_witnessed_head(uow)
    return _search_page(
        request,
        head,
        witnessed=witnessed,
        results=results,
        form=form,
        search_error=error,
        cert_query=cert_query,
    )


_FIELDS = ("grantor_name", "grantor_uscc", "collateral_kind", "collateral_identifier", "exact")


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
