"""Every private route × every role: the intended roles get past the guard, every other role gets 403, no
token gets 401. The intended table is written out here by hand, so a route that gains or loses a role, or a
new route nobody placed in the table, fails this test."""

from __future__ import annotations

import json

import pytest

from app import app
from tests.helpers import FR, bearer

AUTHORITY, REPRESENTATIVE, ADMIN = "authority", "representative", "admin"
INTENDED = {
    ("POST", "/v1/admin/agencies"): {ADMIN},
    ("GET", "/v1/admin/agencies"): {ADMIN},
    ("GET", "/v1/admin/agencies/{agency_id}"): {ADMIN},
    ("POST", "/v1/admin/agencies/{agency_id}/reinstate"): {ADMIN},
    ("POST", "/v1/admin/agencies/{agency_id}/suspend"): {ADMIN},
    ("POST", "/v1/admin/agencies/{agency_id}/verify"): {ADMIN},
    ("PUT", "/v1/admin/contacts/{region}"): {ADMIN},
    ("POST", "/v1/admin/representatives"): {ADMIN},
    ("GET", "/v1/admin/representatives"): {ADMIN},
    ("POST", "/v1/admin/representatives/{rep_id}/deactivate"): {ADMIN},
    ("POST", "/v1/admin/representatives/{rep_id}/reactivate"): {ADMIN},
    ("GET", "/v1/admin/risk-tiers"): {ADMIN},
    ("PUT", "/v1/admin/risk-tiers"): {ADMIN},
    ("GET", "/v1/admin/notice-policy"): {ADMIN},
    ("PUT", "/v1/admin/notice-policy"): {ADMIN},
    ("GET", "/v1/admin/routing"): {ADMIN},
    ("PUT", "/v1/admin/routing"): {ADMIN},
    ("GET", "/v1/me"): {ADMIN, AUTHORITY, REPRESENTATIVE},
    ("GET", "/v1/notice-tasks"): {REPRESENTATIVE},
    ("GET", "/v1/queue"): {REPRESENTATIVE},
    ("POST", "/v1/requests"): {AUTHORITY},
    ("GET", "/v1/requests"): {AUTHORITY},
    ("GET", "/v1/requests/{request_id}"): {AUTHORITY, REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/acknowledge"): {REPRESENTATIVE},
    ("GET", "/v1/requests/{request_id}/audit"): {ADMIN, REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/decision"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/decision/approval"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/documents"): {AUTHORITY, REPRESENTATIVE},
    ("GET", "/v1/requests/{request_id}/documents"): {AUTHORITY, REPRESENTATIVE},
    ("GET", "/v1/requests/{request_id}/documents/{document_id}"): {AUTHORITY, REPRESENTATIVE},
    ("GET", "/v1/requests/{request_id}/events"): {AUTHORITY, REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/enforcing-authority"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/extend"): {AUTHORITY},
    ("POST", "/v1/requests/{request_id}/impossibility"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/removal-impossibility"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/obstacle-ended"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/production-follows"): {AUTHORITY},
    ("POST", "/v1/requests/{request_id}/release-hold"): {AUTHORITY, REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/non-disclosure"): {AUTHORITY},
    ("POST", "/v1/requests/{request_id}/non-disclosure/end"): {AUTHORITY},
    ("POST", "/v1/requests/{request_id}/non-disclosure/challenge"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/messages"): {AUTHORITY, REPRESENTATIVE},
    ("GET", "/v1/requests/{request_id}/messages"): {AUTHORITY, REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/reassign"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/request-information"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/user-notice"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/user-notice/waive"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/verification"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/verification/clear"): {REPRESENTATIVE},
    ("POST", "/v1/requests/{request_id}/withdraw"): {AUTHORITY},
}
# Path values that pass the guard but reach nothing (404 or 400 after it): the matrix changes no state.
PARAMETERS = {"request_id": "LR-AAAAAAAAAAAAAAAA", "document_id": "DOC-AAAAAAAAAAAAAAAA",
              "agency_id": "matrix-no-such-agency", "region": "no-such-region", "rep_id": "matrix-no-such-rep"}


def private_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, methods in app.routes.items() for method, entry in methods.items()
            if not hasattr(entry.view_function, "__liaison_page__")  # web pages: tests/integration/test_console*.py
            and not getattr(entry.view_function, "__liaison_operation__").public}


def test_given_the_app_then_every_private_route_is_in_the_intended_table():
    assert private_routes() == set(INTENDED)


def call(client, method, path, headers):
    url = path.format(**PARAMETERS)
    # The notice policy's fields all have defaults: "{}" would be a whole policy and replace the stored one; a
    # policy missing its rules is refused (400) after the guard, and changes nothing.
    body = json.dumps({"jurisdictions": {}, "default": "standard"} if path == "/v1/admin/risk-tiers"
                      else {"types": {}} if path == "/v1/admin/notice-policy" else {})
    return client.http.request(method, url, body=body.encode() if method in {"POST", "PUT"} else b"",
                               headers=headers)


@pytest.mark.parametrize(("method", "path"), sorted(INTENDED))
def test_given_each_role_then_only_the_intended_ones_get_past_the_guard(client, issuer, method, path):
    tokens = {
        AUTHORITY: bearer(issuer.mint(role="authority", sub="officer-matrix", agency_id=FR, mfa=True)),
        REPRESENTATIVE: bearer(issuer.mint(role="representative", sub="rep-eu-lindqvist", region="eu", mfa=True)),
        ADMIN: bearer(issuer.mint(role="admin", sub="admin-matrix", mfa=True)),
    }
    for role, headers in tokens.items():
        response = call(client, method, path, headers)
        body = response.json_body if response.body else {}
        if role in INTENDED[(method, path)]:
            assert response.status_code not in (401, 403), (role, response.status_code, body)
            assert response.status_code < 500, (role, response.status_code, body)
        else:
            assert (response.status_code, body.get("code")) == (403, "role_not_allowed"), (role, body)
    assert call(client, method, path, {"Content-Type": "application/json"}).status_code == 401
