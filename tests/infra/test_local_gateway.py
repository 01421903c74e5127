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
