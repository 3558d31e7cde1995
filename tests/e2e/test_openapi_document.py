"""The OpenAPI document describes every success answer, every operation and every example:
no 2xx JSON answer is a free-form object, every operation says what it does, and each example
the document carries is valid against the schema it illustrates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

JSON_TYPES = ("application/json", "application/problem+json")


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def free_form(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """A schema that says nothing of the body's fields: `{}`, an object without properties
    whose additionalProperties is not a schema of its own, or an array of such objects."""
    schema = resolve(doc, schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        real = [b for b in branches if resolve(doc, b).get("type") != "null"]
        return any(free_form(doc, b) for b in real)
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return not isinstance(items, dict) or free_form(doc, items)
    if kind in ("string", "integer", "number", "boolean", "null"):
        return False
    if schema.get("properties"):
        return False
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        return free_form(doc, extra)
    return True


def success_schemas(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if not status.startswith("2"):
                    continue
                for ctype, media in (response.get("content") or {}).items():
                    if ctype in JSON_TYPES:
                        yield op["operationId"], f"{method.upper()} {path} {status}", media
                        # a JSON answer without a schema is as free as one with `{}`
                        break


def test_no_success_response_is_free_form(app: Any) -> None:
    doc = app.openapi()
    bad = [
        f"{op_id} ({where})"
        for op_id, where, media in success_schemas(doc)
        if free_form(doc, media.get("schema") or {})
    ]
    assert not bad, f"{len(bad)} success answers are free-form:\n" + "\n".join(sorted(bad))


def test_the_free_form_check_can_fail() -> None:
    doc: dict[str, Any] = {"components": {"schemas": {"Bare": {"type": "object"}}}}
    assert free_form(doc, {})
    assert free_form(doc, {"type": "object", "additionalProperties": True})
    assert free_form(doc, {"type": "array", "items": {"$ref": "#/components/schemas/Bare"}})
    assert free_form(doc, {"anyOf": [{"type": "object"}, {"type": "null"}]})
    assert not free_form(doc, {"type": "object", "properties": {"id": {"type": "string"}}})
    assert not free_form(doc, {"type": "object", "additionalProperties": {"type": "string"}})
    assert not free_form(doc, {"type": "array", "items": {"type": "string"}})


def test_every_operation_has_a_summary_and_a_description(app: Any) -> None:
    doc = app.openapi()
    bad = [
        f"{op['operationId']} ({method.upper()} {path})"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if not op.get("summary", "").strip() or not op.get("description", "").strip()
    ]
    assert not bad, "operations without a summary or description:\n" + "\n".join(sorted(bad))


def examples_in(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every (place, schema, example) pair of a schema, however deeply nested."""
    if isinstance(schema, list):
        for i, sub in enumerate(schema):
            yield from examples_in(sub, f"{where}/{i}")
        return
    if not isinstance(schema, dict):
        return
    own = {k: v for k, v in schema.items() if k not in ("examples", "example")}
    examples = schema.get("examples")
    for example in examples if isinstance(examples, list) else []:
        yield where, own, example
    if "example" in schema:
        yield where, own, schema["example"]
    for key, sub in own.items():
        if key in ("properties", "$defs", "patternProperties"):
            # a mapping of names to schemas (or to what holds them), never a schema itself
            for name, item in sub.items() if isinstance(sub, dict) else []:
                yield from examples_in(item, f"{where}/{key}/{name}")
        elif isinstance(sub, dict | list):
            yield from examples_in(sub, f"{where}/{key}")


def test_every_example_validates_against_its_schema(app: Any) -> None:
    doc = app.openapi()
    components = doc.get("components", {})
    found = [
        found
        for name, schema in components.get("schemas", {}).items()
        for found in examples_in(schema, f"#/components/schemas/{name}")
    ]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                where = f"{method.upper()} {path} {param['name']}"
                found += examples_in(param.get("schema", {}), where)
    # the main models carry examples: the success answers of most operations show one
    assert len(found) >= 50, len(found)
    bad = []
    for where, schema, example in found:
        validator = Draft202012Validator({**schema, "components": components})
        errors = list(validator.iter_errors(example))
        if errors:
            bad.append(f"{where}: {errors[0].message[:200]}")
    assert not bad, "examples that break their own schema:\n" + "\n".join(bad)
