"""Every answer the API tests receive is checked against the OpenAPI document: its status
code must be documented for the operation, and a JSON body must match the documented schema.
So the whole suite keeps the document truthful, not only the fuzzing run."""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any

from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator


class Document:
    """The app's OpenAPI document, its path templates and compiled response validators."""

    def __init__(self, app: Any) -> None:
        self.doc: dict[str, Any] = app.openapi()
        self.validators: dict[tuple[str, str, str, str], Draft202012Validator | None] = {}

    @cached_property
    def templates(self) -> list[tuple[re.Pattern[str], str]]:
        out = []
        for tpl in self.doc["paths"]:
            parts = re.split(r"\{[^}]+\}", tpl)
            pattern = "^" + "[^/]+".join(re.escape(part) for part in parts) + "$"
            out.append((re.compile(pattern), tpl))
        # literal segments win over parameters: /certificate-pieces/transfers before /{piece_id}
        out.sort(key=lambda p: (p[1].count("{"), -len(p[1])))
        return out

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, tpl in self.templates:
            if pattern.match(path):
                op = self.doc["paths"][tpl].get(method.lower())
                if op is not None:
                    return tpl, op
        return None

    def validator(self, key: tuple[str, str, str, str], schema: dict[str, Any]) -> Any:
        if key not in self.validators:
            root = {**schema, "components": self.doc.get("components", {})}
            self.validators[key] = Draft202012Validator(root)
        return self.validators[key]


def check_documented(document: Document, method: str, response: Any) -> None:
    path = response.request.url.path
    if not path.startswith("/api/") or response.status_code == 405:
        return
    found = document.operation(method, path)
    assert found is not None, f"{method} {path} is not in the OpenAPI document"
    tpl, op = found
    status = str(response.status_code)
    responses = op.get("responses", {})
    assert status in responses, (
        f"{method} {tpl} answered {status}, which the document does not list "
        f"({', '.join(sorted(responses))}): {response.text[:300]}"
    )
    if not response.content:  # 204 and other empty answers: nothing to match
        return
    ctype = response.headers.get("content-type", "").split(";")[0].strip()
    content = responses[status].get("content") or {}
    if ctype not in ("application/json", "application/problem+json"):
        return
    media = content.get(ctype)
    assert media is not None, (
        f"{method} {tpl} {status} answered {ctype}, documented {list(content)}"
    )
    schema = media.get("schema")
    if not schema:
        return
    body = json.loads(response.content)
    errors = list(document.validator((method, tpl, status, ctype), schema).iter_errors(body))
    assert not errors, (
        f"{method} {tpl} {status}: the body does not match the document: "
        + "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5])
    )


class DocumentedClient(TestClient):
    """A test client that checks each API answer against the app's OpenAPI document."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.document = Document(app)

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        check_documented(self.document, method, response)
        return response
