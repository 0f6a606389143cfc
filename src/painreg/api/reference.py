"""docs/api-reference.md, rendered from the OpenAPI schema of API v1 (``make docs``).

The schema is the one ``/api/v1/openapi.json`` serves; rendering it needs
Django's settings but no database and no secret (a throw-away key is set
when none is, since nothing is signed).
"""

from __future__ import annotations

import os
import secrets
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
    os.environ.setdefault("PAINREG_SECRET_KEY", secrets.token_urlsafe(50))
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {_type(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    _setup()
    from painreg.api.v1api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    lines = [
        "# API v1 reference",
        "",
        "Generated from the OpenAPI schema (`/api/v1/openapi.json`) by `make docs`; do not",
        "edit by hand. How to use the API, its tokens and its errors: [api.md](api.md).",
        "",
        f"OpenAPI {schema['openapi']}, {schema['info']['title']} version "
        f"{schema['info']['version']}.",
        "",
    ]
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            lines += [f"## `{method.upper()} {path}`", "", op.get("summary", ""), ""]
            params = op.get("parameters", [])
            if params:
                lines += ["| parameter | in | type | required |", "|---|---|---|---|"]
                for p in params:
                    lines.append(
                        f"| `{p['name']}` | {p['in']} | {_cell(_type(p.get('schema', {})))} "
                        f"| {'yes' if p.get('required') else 'no'} |"
                    )
                lines.append("")
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                lines += [f"Body: {_type(body['schema'])}", ""]
            codes = ", ".join(
                f"{code}"
                + (
                    f" {_type(r['content'][next(iter(r['content']))]['schema'])}"
                    if r.get("content") and str(code).startswith("2")
                    else ""
                )
                for code, r in op.get("responses", {}).items()
            )
            lines += [f"Responses: {codes}", ""]
    lines += ["## Schemas", ""]
    for name, component in sorted(schema.get("components", {}).get("schemas", {}).items()):
        lines += [f"### {name}", ""]
        if component.get("description"):
            lines += [_cell(component["description"]), ""]
        required = set(component.get("required", []))
        props = component.get("properties", {})
        if props:
            lines += ["| field | type | required | description |", "|---|---|---|---|"]
            for field, spec in props.items():
                lines.append(
                    f"| `{field}` | {_cell(_type(spec))} | {'yes' if field in required else 'no'} "
                    f"| {_cell(spec.get('description', ''))} |"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
