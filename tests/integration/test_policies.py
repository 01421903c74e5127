"""Public policies: the request types, from the very policy the deadlines are computed with."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.api import public
from chalicelib.clock import parse_instant
from chalicelib.domain.deadlines import DEFAULT_CLOCKS, RequestType
from tests.helpers import FR, authority, post, submission


def test_given_no_token_then_every_type_is_listed_with_the_deadline_policy(client):
    response = client.http.get("/v1/public/policies")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    types = {t["type"]: t for t in response.json_body["types"]}
    assert set(types) == {t.value for t in RequestType}
    for kind, clock in DEFAULT_CLOCKS.items():
        assert types[kind]["acknowledge_seconds"] == clock.acknowledge.total_seconds()
        assert types[kind]["resolve_seconds"] == clock.resolve.total_seconds()
        assert "; ".join(types[kind]["legal_bases"]) == clock.basis
    assert "emergency" in types["emergency_disclosure"]["required_fields"]
    assert "data_categories" in types["preservation"]["required_fields"]
    assert "data_categories" not in types["content_removal"]["required_fields"]
    assert any("message_link" in rule for rule in types["terrorist_content_removal"]["rules"])


@pytest.mark.parametrize("kind", [t.value for t in RequestType])
def test_given_a_submission_then_its_deadlines_are_the_published_ones(client, issuer, kind):
    published = {t["type"]: t for t in client.http.get("/v1/public/policies").json_body["types"]}[kind]
    created = post(client, "/v1/requests", submission(kind), authority(issuer, FR, mfa=True)).json_body
    received = parse_instant(created["received_at"])
    assert parse_instant(created["ack_due_at"]) - received == timedelta(seconds=published["acknowledge_seconds"])
    assert parse_instant(created["due_at"]) - received == timedelta(seconds=published["resolve_seconds"])


@pytest.mark.parametrize("kind", [t.value for t in RequestType])
def test_given_a_published_required_field_missing_then_the_submission_is_refused(client, issuer, kind):
    published = {t["type"]: t for t in client.http.get("/v1/public/policies").json_body["types"]}[kind]
    for field in published["required_fields"]:
        body = {k: v for k, v in submission(kind).items() if k != field}
        response = post(client, "/v1/requests", body, authority(issuer, FR, mfa=True))
        assert (response.status_code, response.json_body["field"]) == (400, field), (kind, field, response.body)


def test_given_overridden_deadlines_then_the_policies_follow(client, monkeypatch):
    changed = public.get_settings().model_copy(update={"deadlines": {"data_disclosure": {"acknowledge_minutes": 720}}})
    monkeypatch.setattr(public, "get_settings", lambda: changed)
    types = {t["type"]: t for t in client.http.get("/v1/public/policies").json_body["types"]}
    assert types["data_disclosure"]["acknowledge_seconds"] == 720 * 60
