"""The OpenAPI document, made friendly to client generators (openapi-typescript and others).

- operationIds: the operations of the hosts-and-sessions API keep the ids they were published
  with (FastAPI's `<function>_<path>_<method>`); every other operation is named by its endpoint
  function alone (`get_session`, `heartbeat`), which reads well as a generated method name and
  stays put when a path changes.
- Request fields (of bodies, which reject unknown fields) that have a default are optional:
  their `default` moves into the description, since generators (openapi-typescript's default
  options) type a field with a default as present.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

#: The operations whose ids are published (they keep FastAPI's generated id).
PUBLISHED = frozenset(
    {
        ("post", "/hosts"),
        ("get", "/hosts/{host}/access_token"),
        ("get", "/hosts/access_token/renew"),
        ("get", "/hosts/{host}"),
        ("put", "/hosts/{host}/only_friends"),
        ("put", "/hosts/{host}/allow_nonames"),
        ("post", "/hosts/{host}/friends"),
        ("delete", "/hosts/{host}/friends/{former_friend}"),
        ("post", "/hosts/{host}/banlist"),
        ("delete", "/hosts/{host}/banlist/{banned}"),
        ("post", "/sessions"),
        ("post", "/sessions/players"),
    }
)
#: Where an endpoint function's name alone would not say what the operation acts on.
RENAMED = {("delete", "/hosts/{host}"): "delete_host"}


def operation_ids(app: FastAPI) -> dict[tuple[str, str], str]:
    """The operationId of each (method, path) that is not published."""
    chosen: dict[tuple[str, str], str] = {}
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = route.path_format.replace(":path}", "}")
        for method in sorted(route.methods or ()):
            key = (method.lower(), path)
            if key not in PUBLISHED:
                chosen[key] = RENAMED.get(key, route.name)
    taken: dict[str, tuple[str, str]] = {}
    for key, name in chosen.items():
        if name in taken:
            raise ValueError(f"operationId {name!r} of {key} is also {taken[name]}'s: rename one")
        taken[name] = key
    return chosen


def _optional_defaults(schemas: dict[str, Any]) -> None:
    for schema in schemas.values():
        if schema.get("additionalProperties") is not False:
            continue  # not a request body (every one rejects unknown fields)
        required = set(schema.get("required", ()))
        for name, field in schema.get("properties", {}).items():
            if name in required or "default" not in field:
                continue
            default = field.pop("default")
            shown = json.dumps(default)
            description = field.get("description", "")
            field["description"] = f"{description} (default: {shown})".strip()


def declare_generator_friendly(app: FastAPI) -> None:
    """Rewrite the app's OpenAPI document once, when it is first built."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for (method, path), name in operation_ids(app).items():
            operation = schema["paths"].get(path, {}).get(method)
            if operation is not None:
                operation["operationId"] = name
        _optional_defaults(schema.get("components", {}).get("schemas", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
