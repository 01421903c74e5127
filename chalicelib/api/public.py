"""Public routes: health and the API's own description. No token needed."""

from __future__ import annotations

import functools
from typing import Any, Literal

from chalice import Response
from pydantic import BaseModel

from chalicelib import __version__, health
from chalicelib.api import openapi
from chalicelib.api.http import Call, Reply, Routes
from chalicelib.clock import app_clock, isoformat
from chalicelib.services.receipts import ReceiptSigner
from chalicelib.settings import get_settings

routes = Routes(__name__, tag="public")


class DependencyStatus(BaseModel):
    name: str
    kind: Literal["table", "state_machine", "topic", "bucket", "key"]
    reachable: bool


class HealthReport(BaseModel):
    """Reachability of every AWS dependency."""

    status: Literal["ok", "degraded"]
    checked_at: str
    version: str
    dependencies: list[DependencyStatus]


@routes.public("/v1/health", summary="Whether every dependency (tables, workflow, topics, bucket) is reachable; "
               "200 only when all are.", responses={200: HealthReport, 503: HealthReport})
def get_health(call: Call) -> Reply:
    results = health.check(get_settings())
    healthy = all(reachable for _, reachable in results)
    report = HealthReport(
        status="ok" if healthy else "degraded",
        checked_at=isoformat(app_clock.now()),
        version=__version__,
        dependencies=[DependencyStatus(name=dep.name, kind=dep.kind, reachable=ok) for dep, ok in results],
    )
    return Reply(200 if healthy else 503, report, {"Cache-Control": "no-store"})


class PublicKey(BaseModel):
    kty: str
    crv: str
    x: str
    y: str
    kid: str
    use: str
    alg: str


class KeySet(BaseModel):
    """The public keys that sign receipts (JWKS, RFC 7517): check a receipt's signature with them."""

    keys: list[PublicKey]


receipts = ReceiptSigner()


@routes.public("/v1/public/keys", summary="The public keys of this platform's receipts, as a JWKS. A receipt is a "
               "compact JWS (ES256) over {request_id, agency_id, received_at, body_sha256}.",
               responses={200: KeySet})
def get_keys(call: Call) -> Reply:
    return Reply(200, KeySet.model_validate(receipts.jwks()), {"Cache-Control": "public, max-age=300"})


@functools.cache
def _document() -> dict[str, Any]:
    return openapi.build(routes.blueprint.current_app, server_url=get_settings().api_base_url,
                         version=__version__)


@routes.public("/openapi.json", summary="This API's OpenAPI 3.1 document.", responses={200: None})
def get_openapi(call: Call) -> Response:
    return Response(body=_document(), status_code=200, headers={"Content-Type": "application/json"})


@routes.public("/docs", summary="Human-readable API reference.", responses={200: None}, content_type="text/html")
def get_docs(call: Call) -> Response:
    return Response(body=openapi.render_html(_document()), status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8"})
