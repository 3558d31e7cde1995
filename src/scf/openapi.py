"""The OpenAPI document as the server really behaves.

FastAPI's generated document describes a validation error the server never sends, names
operations after their URL and declares no security. This module rewrites it: operationIds
are the route functions' names (`get_registration`, `transfer_piece`), a Bearer scheme is
declared and required on every operation that needs a token, and each operation documents
the errors it can answer (401, 403, 404, 409, 413, 422, 429) as RFC 9457 problem+json with
the platform's `code` and field errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from scf.core.schema import Answer

PROBLEM = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem document; `code` is stable and documented.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "the problem type"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "what went wrong, naming the field"},
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "examples": ["not_found"]},
        "instance": {"type": "string", "description": "the request path"},
        "request_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {
                    "field": {"type": "string"},
                    "reason": {"type": "string"},
                    "line": {"type": "integer", "minimum": 1},
                },
            },
        },
        "details": {"type": "object"},
    },
}

RESPONSES: dict[str, str] = {
    "401": "No token, or the token is expired or revoked",
    "403": "The caller's organization may not do this",
    "404": "No such record, or not one the caller may see",
    "409": "The record's state forbids this now (already done, taken, stale version)",
    "413": "The request body is larger than the server accepts",
    "422": "The input breaks a rule: each refused field is named with its reason",
    "429": "Too many attempts: wait as long as Retry-After says",
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def needs_token(dependant: Dependant, token_deps: tuple[Callable[..., Any], ...]) -> bool:
    return any(call in token_deps for call in _calls(dependant))


def operation_id(route: APIRoute) -> str:
    """The room, then the route function's name: `registry_get_registration`,
    `certificates_transfer_piece` (names repeat across rooms, never within one)."""
    tag = str(route.tags[0]) if route.tags else ""
    return f"{tag}_{route.name}" if tag else route.name


def _problem_response(code: str) -> dict[str, Any]:
    return {
        "description": RESPONSES[code],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _errors_of(route: Any, method: str, secured: bool) -> list[str]:
    codes = ["404", "422"]
    if secured:
        codes += ["401", "403"]
    if method != "get":
        codes += ["409", "413"]
    if route.path_format.endswith("/auth/login"):
        codes += ["401", "429"]
    return sorted(set(codes))


def _answer_models(cls: type[Answer] = Answer) -> Iterator[type[Answer]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _answer_models(sub)


def restore_examples(schemas: dict[str, Any]) -> None:
    """Put the answer models' examples back as written: the document is serialized without
    null values, which would drop an example's `"paid": null` and break it."""
    for model in _answer_models():
        extra = model.model_config.get("json_schema_extra")
        schema = schemas.get(model.__name__)
        if isinstance(extra, dict) and "examples" in extra and isinstance(schema, dict):
            schema["examples"] = extra["examples"]


def build(app: FastAPI, token_deps: tuple[Callable[..., Any], ...]) -> dict[str, Any]:
    """The document, built once per app."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    comps = doc.setdefault("components", {})
    schemas = comps.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    restore_examples(schemas)
    comps["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "the token from POST /api/v1/auth/login (or an API token)",
        }
    }
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or route.path_format not in doc["paths"]:
            continue
        secured = needs_token(route.dependant, token_deps)
        for method in route.methods or ():
            op = doc["paths"][route.path_format].get(method.lower())
            if op is None:
                continue
            op["security"] = [{"bearer": []}] if secured else []
            responses = op.setdefault("responses", {})
            # the errors every such operation can answer, and those the route declares itself
            codes = set(_errors_of(route, method.lower(), secured))
            codes |= {c for c in responses if c in RESPONSES}
            for code in sorted(codes):
                # A route may answer an error in its own format too (tsin.002 XML); keep that,
                # not FastAPI's JSON validation error.
                declared = responses.get(code, {}).get("content", {})
                responses[code] = _problem_response(code)
                responses[code]["content"].update(
                    {k: v for k, v in declared.items() if k != "application/json"}
                )
    app.openapi_schema = doc
    return doc
