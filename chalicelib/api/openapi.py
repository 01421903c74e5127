"""The OpenAPI 3.1 document, generated from the routes the app really has.

Every route is declared through ``api.http.Routes``, which records an
``Operation`` on its view; this module reads them back from ``app.routes``, so
the document cannot list a route that does not exist or miss one that does.
Schemas come from the same pydantic models the handlers validate with.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from chalice import Chalice
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.http import OPERATION_ATTRIBUTE, ErrorBody, Operation, body_required

PAGE_ATTRIBUTE = "__liaison_page__"  # chalicelib.web.console marks its routes so (not imported: no web here)

REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"{([^}]+)}")
_STANDARD_ERRORS = {
    400: "The request is malformed or a field is invalid.",
    401: "No valid bearer token.",
    403: "The caller's role may not use this operation.",
    404: "Not found (or not yours).",
    409: "The request's current state does not allow this (the code says why); read it again.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Well-formed, but not acceptable here (the code says why).",
    429: "Too many; retry after the Retry-After seconds.",
    503: "A dependency (token issuer, database, key or evidence store) is unavailable; retry shortly.",
}
_CHANGES = {"POST", "PUT", "PATCH", "DELETE"}


def operations(app: Chalice) -> list[Operation]:
    found = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if hasattr(entry.view_function, PAGE_ATTRIBUTE):
                continue  # a web page (chalicelib/web): HTML for people, not part of the API's contract
            operation = getattr(entry.view_function, OPERATION_ATTRIBUTE, None)
            if operation is None:
                raise RuntimeError(f"{method} {path} was not declared through api.http.Routes")
            found.append(operation)
    return sorted(found, key=lambda op: (op.path, op.method))


def _error_codes(operation: Operation) -> list[int]:
    codes = []
    if operation.body or operation.query:
        codes.append(400)
    if not operation.public:
        codes += [401, 403]
    if _PATH_PARAMETER.search(operation.path):
        codes.append(404)
    if not operation.public and operation.method in _CHANGES:
        codes += [409, 422]
    if operation.body:
        codes += [413, 415]
    codes += operation.errors
    if not operation.public:
        codes.append(503)
    return sorted(set(codes))


def build(app: Chalice, *, server_url: str, version: str) -> dict[str, Any]:
    ops = operations(app)
    wanted: set[tuple[type[BaseModel], Literal["validation", "serialization"]]] = {(ErrorBody, "serialization")}
    for op in ops:
        if op.body:
            wanted.add((op.body, "validation"))
        wanted.update((model, "serialization") for model in op.responses.values() if model)
    refs, definitions = models_json_schema(
        sorted(wanted, key=lambda item: (item[0].__name__, item[1])), ref_template=REF_TEMPLATE
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        item: dict[str, Any] = {
            "operationId": f"{op.method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', op.path).strip('_')}",
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAMETER.findall(op.path)
        ]
        if op.query:
            schema = op.query.model_json_schema(ref_template=REF_TEMPLATE)
            schemas.update(schema.pop("$defs", {}))
            for name, prop in schema.get("properties", {}).items():
                parameters.append(
                    {"name": name, "in": "query", "required": name in schema.get("required", []), "schema": prop}
                )
        parameters += [
            {"name": name, "in": "header", "required": False, "description": description, "schema": {"type": "string"}}
            for name, description in op.headers.items()
        ]
        if parameters:
            item["parameters"] = parameters
        if op.body:
            item["requestBody"] = {
                "required": body_required(op.method, op.body),
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        if op.public:
            item["security"] = []
        else:
            item["security"] = [{"bearerAuth": []}]
            item["x-liaison-roles"] = sorted(role.value for role in op.roles)
        for status, model in sorted(op.responses.items()):
            response: dict[str, Any] = {
                "description": model.__doc__.strip().splitlines()[0] if model and model.__doc__ else "OK"
            }
            if model is not None:
                response["content"] = {op.content_type: {"schema": refs[(model, "serialization")]}}
            elif op.content_type != "application/json":
                response["content"] = {op.content_type: {"schema": {"type": "string"}}}
            if 200 <= status < 300 and op.also_as:
                response.setdefault("content", {}).update(
                    {media: {"schema": {"type": "string"}} for media in op.also_as}
                )
            item["responses"][str(status)] = response
        for status in _error_codes(op):
            item["responses"].setdefault(
                str(status),
                {
                    "description": _STANDARD_ERRORS[status],
                    "content": {"application/json": {"schema": refs[(ErrorBody, "serialization")]}},
                },
            )
        paths.setdefault(op.path, {})[op.method.lower()] = item

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Liaison API",
            "version": version,
            "description": "Legal requests from authorities to the platform: intake, routing, deadlines.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
