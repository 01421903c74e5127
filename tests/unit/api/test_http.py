"""The route guard, body validation and error shapes, on a small app built for the test."""

from __future__ import annotations

import json

import pytest
from chalice import Chalice
from chalice.test import Client
from pydantic import Field

from chalicelib.api.http import MAX_BODY_BYTES, Call, Reply, Routes, Strict
from chalicelib.api.middleware import correlate
from chalicelib.auth.authorizer import auth
from chalicelib.auth.principal import Role

routes = Routes("test_http_routes", tag="test")


class Note(Strict):
    """A note."""

    title: str = Field(min_length=1, max_length=20)
    tags: list[str] = Field(default_factory=list, max_length=3)


class Echo(Strict):
    """The echo of a call."""

    subject: str
    title: str | None = None


@routes.private("/admin-only", summary="admins", roles={Role.ADMIN}, responses={200: Echo})
def admin_only(call: Call) -> Echo:
    return Echo(subject=call.caller.subject)


@routes.private("/notes", "POST", summary="create a note", roles={Role.AUTHORITY}, body=Note,
                responses={201: Echo})
def create_note(call: Call) -> Echo:
    return Echo(subject=call.caller.subject, title=call.body.title)


@routes.private("/broken", summary="a bug", roles={Role.AUTHORITY}, responses={200: Echo})
def broken(call: Call) -> Echo:
    raise RuntimeError("secret internal detail")


@routes.public("/open", summary="public", responses={200: Echo})
def open_route(call: Call) -> Reply:
    return Reply(202, Echo(subject="anyone"), {"X-Extra": "1"})


def make_app() -> Chalice:
    app = Chalice(app_name="test-http", configure_logs=False)
    app.register_middleware(correlate, "http")
    app.register_blueprint(auth)
    app.register_blueprint(routes.blueprint)
    return app


@pytest.fixture(scope="module")
def http():
    with Client(make_app()) as client:
        yield client.http


@pytest.fixture(scope="module")
def authority(issuer) -> dict[str, str]:
    return {"Authorization": "Bearer " + issuer.mint(role="authority", sub="officer-1", agency_id="fr-valmont-cyber"),
            "Content-Type": "application/json"}


def post(http, path, body, headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(path, body=raw, headers=headers)


def test_given_a_valid_body_then_the_handler_gets_the_model_and_the_declared_status(http, authority):
    response = post(http, "/notes", {"title": "hello"}, authority)
    assert response.status_code == 201
    assert response.json_body == {"subject": "officer-1", "title": "hello"}


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"title": "x", "status": "closed"}, "unknown_field", "status"),
    ({}, "missing_field", "title"),
    ({"title": ""}, "invalid_field", "title"),
    ({"title": "x", "tags": ["a", "b", "c", "d"]}, "invalid_field", "tags"),
    ({"title": 42}, "invalid_field", "title"),
])
def test_given_a_bad_body_then_400_names_the_field(http, authority, body, code, field):
    response = post(http, "/notes", body, authority)
    assert response.status_code == 400
    assert response.json_body["code"] == code
    assert response.json_body["field"] == field
    assert response.json_body["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"null"])
def test_given_a_body_that_is_not_a_json_object_then_400_invalid_json(http, authority, raw):
    response = post(http, "/notes", raw, authority)
    assert response.status_code == 400
    assert response.json_body["code"] == "invalid_json"


def test_given_a_body_that_is_not_utf8_then_400_invalid_encoding(http, authority):
    response = post(http, "/notes", b"\xff\xfe", authority)
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_encoding")


def test_given_an_oversized_body_then_413(http, authority):
    response = post(http, "/notes", {"title": "x", "pad": "y" * MAX_BODY_BYTES}, authority)
    assert response.status_code == 413
    assert response.json_body["code"] == "payload_too_large"


def test_given_a_role_that_is_not_allowed_then_403(http, authority):
    response = http.get("/admin-only", headers=authority)
    assert response.status_code == 403
    assert response.json_body["code"] == "role_not_allowed"


def test_given_an_allowed_role_then_200(http, issuer):
    token = issuer.mint(role="admin", sub="admin-1")
    response = http.get("/admin-only", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json_body == {"subject": "admin-1"}


@pytest.mark.parametrize("parameter", ["access_token", "token", "id_token", "Token", "ACCESS_TOKEN"])
def test_given_a_token_in_the_query_string_then_401_even_with_a_valid_header(http, authority, parameter):
    response = http.get(f"/admin-only?{parameter}=abc", headers=authority)
    assert response.status_code == 401
    assert response.json_body["code"] == "token_in_query"


def test_given_a_refused_token_then_401_with_the_reason(http, issuer):
    token = issuer.mint(role="authority", sub="o", agency_id="a", ttl_seconds=1, now=1_000_000)
    response = http.get("/admin-only", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json_body["code"] == "token_expired"


def test_given_no_authorization_header_then_401(http):
    assert http.get("/admin-only").status_code == 401


def test_given_an_unexpected_error_then_500_without_internals(http, authority):
    response = http.get("/broken", headers=authority)
    assert response.status_code == 500
    body = response.json_body
    assert body["code"] == "internal_error"
    assert "secret" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    assert response.headers["x-correlation-id"] in body["message"]


def test_given_a_public_route_then_no_token_is_needed_and_reply_sets_status_and_headers(http):
    response = http.get("/open")
    assert response.status_code == 202
    assert response.headers["X-Extra"] == "1"


def test_given_a_correlation_id_then_it_is_echoed(http):
    response = http.get("/open", headers={"x-correlation-id": "case-2026.11:abc"})
    assert response.headers["x-correlation-id"] == "case-2026.11:abc"


@pytest.mark.parametrize("supplied", ["", "has spaces", "x" * 200, "<script>"])
def test_given_an_unsafe_or_missing_correlation_id_then_a_fresh_one_is_made(http, supplied):
    headers = {"x-correlation-id": supplied} if supplied else {}
    response = http.get("/open", headers=headers)
    generated = response.headers["x-correlation-id"]
    assert generated != supplied and len(generated) == 36


def test_given_a_private_route_without_roles_then_declaring_it_fails():
    with pytest.raises(ValueError, match="at least one role"):
        Routes("empty", tag="x").private("/x", summary="x", roles=set(), responses={200: None})


def test_given_a_rule_across_fields_broken_then_its_own_sentence_is_the_message_without_a_field_nobody_typed():
    from pydantic import model_validator

    from chalicelib.api.http import validate
    from chalicelib.errors import BadRequest

    class Span(Strict):
        start: int = 0
        end: int = 0

        @model_validator(mode="after")
        def ordered(self):
            if self.end < self.start:
                raise ValueError("the end comes before the start")
            return self

    with pytest.raises(BadRequest) as refused:
        validate(Span, {"start": 2, "end": 1}, "form")
    assert (str(refused.value), refused.value.code, refused.value.field) == (
        "Invalid form: the end comes before the start.", "invalid_field", "body")
    with pytest.raises(BadRequest) as typed:  # a field's own error still names the field
        validate(Span, {"start": "two"}, "form")
    assert str(typed.value).startswith("Invalid form field 'start': ")
