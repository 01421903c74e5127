"""`chalice local` answering its own errors as the deployed API Gateway does.

The template (``infra/template.json``) gives the REST API ``GatewayResponses``: a
request without a token gets ``401 {"code": "unauthorized", ...}``, an unknown
route ``404 {"code": "not_found", ...}``, and so on, the API's own error shape.
``chalice local`` (pinned 1.34.0) answers those cases with API Gateway's
defaults instead (``401 {"message":"Unauthorized"}``, ``403 Missing
Authentication Token``). Here its error responses are rendered from the
template's ``GatewayResponses``, so the local stack answers what the document
at ``/openapi.json`` declares and what a deployment answers. The handlers' own
answers are untouched: only errors the gateway emulation raises pass here.

It also sends methods that ``http.server`` does not know (TRACE, QUERY, …) through
the same emulation, so they get the gateway's "no such route" answer, not a 501
HTML page, and it listens with a backlog of 128, not socketserver's 5, so many
clients connecting at once are queued, not reset.

``python -m infra.local.gateway local --host … --port …`` is ``chalice local``
with this applied.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1] / "template.json"
_MARK = "__liaison_gateway_responses__"
# chalice.local's x-amzn-ErrorType → the GatewayResponses type API Gateway uses for that failure.
_RESPONSE_TYPES = {
    "UnauthorizedException": "UNAUTHORIZED",
    "AccessDeniedException": "ACCESS_DENIED",
    "AuthorizerConfigurationException": "DEFAULT_5XX",
}


def gateway_responses(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The REST API's GatewayResponses, wherever the template declares them."""
    stack: list[Any] = [template]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("GatewayResponses"), dict):
                return node["GatewayResponses"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise LookupError("the template declares no GatewayResponses")


def response_type(error_type: str, body: bytes | None) -> str | None:
    if error_type == "UnauthorizedException" and body and b"Authentication Token" in body:
        return "MISSING_AUTHENTICATION_TOKEN"  # chalice's "no such route" (API Gateway's too)
    if error_type == "UnauthorizedException" and body and b"Authorization header requires" in body:
        return "MISSING_AUTHENTICATION_TOKEN"  # the same, when the request carried a token
    return _RESPONSE_TYPES.get(error_type)


def render(
    responses: dict[str, dict[str, Any]], status: int, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body API Gateway sends for this chalice-local error."""
    kind = response_type(headers.get("x-amzn-ErrorType", ""), body)
    declared = responses.get(kind) if kind else None
    if declared is None:
        declared = responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
    if declared is None:
        return status, headers, body or b""
    rendered = declared["ResponseTemplates"]["application/json"]
    # Static header values are quoted in the template ('nosniff'), as API Gateway wants them.
    added = {
        name: value.strip("'") for name, value in declared.get("ResponseParameters", {}).get("Headers", {}).items()
    }
    return (
        int(declared.get("StatusCode", status)),
        {**headers, **added, "Content-Type": "application/json"},
        rendered.encode(),
    )


LISTEN_BACKLOG = 128  # werkzeug's, and moto's server's; socketserver's default is 5


def patch(template_path: Path = TEMPLATE) -> None:
    from chalice.local import ChaliceRequestHandler, ThreadedHTTPServer

    # With socketserver's backlog of 5, fifty clients connecting at once overflow the kernel's accept queue
    # while the server thread waits for the GIL, and some connections are reset (seen under `make load`).
    # API Gateway does not refuse connections; neither does the local one.
    ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG

    original = ChaliceRequestHandler._send_error_response
    if getattr(original, _MARK, False):
        return
    responses = gateway_responses(json.loads(template_path.read_text(encoding="utf-8")))
    for declared in responses.values():  # each must hold JSON: fail at start rather than send garbage
        json.loads(declared["ResponseTemplates"]["application/json"])

    @functools.wraps(original)
    def send_error_response(self: Any, error: Any) -> None:
        status, headers, body = render(responses, error.CODE, dict(error.headers), error.body)
        self._send_http_response(status, headers, body)

    setattr(send_error_response, _MARK, True)
    ChaliceRequestHandler._send_error_response = send_error_response  # type: ignore[method-assign]  # monkeypatch
    # http.server answers a method it has no do_X for with its own 501 HTML page; API Gateway answers any
    # method a resource does not declare as "no such route". Route every method through the gateway emulation.
    ChaliceRequestHandler.__getattr__ = _any_method


def _any_method(self: Any, name: str) -> Any:
    """``do_TRACE``, ``do_QUERY``, …: the handler every method has (only looked up when not defined)."""
    if name.startswith("do_"):
        return self._generic_handle
    raise AttributeError(name)


def main() -> int:
    from chalice.cli import main as chalice_main

    patch()
    sys.argv[0] = "chalice"
    if "local" in sys.argv and "--no-autoreload" not in sys.argv:
        sys.argv.append("--no-autoreload")  # the reloader restarts plain `chalice`, without the patch
    return chalice_main()


if __name__ == "__main__":
    sys.exit(main())
