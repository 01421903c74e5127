"""`chalice local` answers its own errors from the template's GatewayResponses, as API Gateway does."""

from __future__ import annotations

import json

import pytest

from infra.local import gateway
from infra.local.gateway import TEMPLATE, gateway_responses, render

RESPONSES = gateway_responses(json.loads(TEMPLATE.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("status", "error_type", "body", "expected_status", "expected_code"), [
    (401, "UnauthorizedException", b'{"message":"Unauthorized"}', 401, "unauthorized"),
    (403, "UnauthorizedException", b'{"message": "Missing Authentication Token"}', 404, "not_found"),
    (403, "UnauthorizedException", b'{"message": "Authorization header requires \'Credential\' parameter."}',
     404, "not_found"),
    (403, "AccessDeniedException", b'{"Message": "User is not authorized to access this resource"}', 403,
     "forbidden"),
    (500, "AuthorizerConfigurationException", b'{"message":null}', 500, "internal_error"),
    (400, "SomethingNew", b"{}", 400, "bad_request"),
])
def test_given_a_gateway_error_then_it_is_rendered_from_the_template(status, error_type, body, expected_status,
                                                                      expected_code):
    sent_status, headers, sent = render(RESPONSES, status, {"x-amzn-ErrorType": error_type}, body)
    assert sent_status == expected_status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(sent)["code"] == expected_code
    assert (headers["X-Content-Type-Options"], headers["Content-Security-Policy"]) == ("nosniff", "sandbox")


def test_given_the_template_then_every_gateway_response_is_json_with_a_code_and_message():
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(
        RESPONSES)
    for declared in RESPONSES.values():
        body = json.loads(declared["ResponseTemplates"]["application/json"])
        assert set(body) == {"code", "message"}


def test_given_a_template_without_gateway_responses_then_patching_fails_plainly(tmp_path):
    empty = tmp_path / "template.json"
    empty.write_text(json.dumps({"Resources": {}}))
    with pytest.raises(LookupError, match="GatewayResponses"):
        gateway.gateway_responses(json.loads(empty.read_text()))


def patched_probe_server():
    """A patched `chalice local` server with one route, listening on a free port but not accepting yet."""
    import socket

    from chalice import Chalice
    from chalice.config import Config
    from chalice.local import LocalDevServer

    gateway.patch()
    app = Chalice(app_name="probe")

    @app.route("/hello")
    def hello():
        return {"hello": "world"}

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return LocalDevServer(app, Config.create(), "127.0.0.1", port), port


def test_given_the_patched_local_server_then_gateway_errors_and_unknown_methods_answer_as_the_template_says():
    import threading
    import urllib.error
    import urllib.request

    server, port = patched_probe_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        def call(method, path):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        assert call("GET", "/hello") == (200, {"hello": "world"})
        for method, path in (("GET", "/nowhere"), ("TRACE", "/nowhere"), ("QUERY", "/nowhere")):
            status, body = call(method, path)
            assert (status, body["code"]) == (404, "not_found"), (method, path)
    finally:
        server.shutdown()


def test_given_many_clients_connecting_at_once_then_each_is_queued_and_answered():
    """`make load`'s fifty clients connect at once; with socketserver's backlog of 5 the kernel dropped or
    reset the connections beyond it while the server thread waited for the GIL."""
    import socket
    import threading

    server, port = patched_probe_server()
    clients, serving = [], threading.Thread(target=server.serve_forever, daemon=True)
    try:
        for _ in range(40):
            client = socket.create_connection(("127.0.0.1", port), timeout=1)  # a dropped SYN times out
            client.sendall(b"GET /hello HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            clients.append(client)
        serving.start()
        for client in clients:
            client.settimeout(10)
            answer = b""
            while chunk := client.recv(4096):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"hello":"world"}'), answer
    finally:
        for client in clients:
            client.close()
        if serving.is_alive():
            server.shutdown()
        server.server.server_close()
