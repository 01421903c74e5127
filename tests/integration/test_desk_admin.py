"""Admins keep routing rules and representatives; representatives reassign within their region."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.services import config
from tests.helpers import FR, US, admin, authority, bearer, post, submission


def rep(issuer, rep_id, region="eu"):
    return bearer(issuer.mint(role="representative", sub=rep_id, region=region, mfa=True))


def put(client, path, body, headers):
    import json

    return client.http.put(path, body=json.dumps(body).encode(), headers=headers)


@pytest.fixture
def restore_routing(client, issuer):
    original = client.http.get("/v1/admin/routing", headers=admin(issuer)).json_body["document"]
    yield original
    put(client, "/v1/admin/routing", original, admin(issuer))
    config.forget()


def test_given_a_routing_change_with_a_desk_then_new_requests_follow_it(client, issuer, restore_routing):
    document = {**restore_routing,
                "regions": {**restore_routing["regions"], "eu-247": {"name": "EU 24/7 desk"}},
                "desks": {"eu": {"terrorist_content_removal": "eu-247"}}}
    stored = put(client, "/v1/admin/routing", document, admin(issuer))
    assert stored.status_code == 200 and stored.json_body["updated_by"] == "admin:admin-1"
    assert client.http.get("/v1/admin/routing", headers=admin(issuer)).json_body["document"]["desks"] == {
        "eu": {"terrorist_content_removal": "eu-247"}}
    order = post(client, "/v1/requests", submission("terrorist_content_removal"), authority(issuer, FR)).json_body
    assert order["region"] == "eu-247"
    plain = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body
    assert plain["region"] == "eu"
    post(client, "/v1/admin/representatives", {"id": "rep-eu247-night", "name": "Night Desk", "region": "eu-247",
                                               "email": "night@liaison-platform.example"}, admin(issuer))
    routing = client.http.get(f"/v1/requests/{order['id']}",
                              headers=rep(issuer, "rep-eu247-night", "eu-247")).json_body["routing"]
    assert routing["routing_rule"] == "country:FR;desk:terrorist_content_removal"
    for created in (order, plain):
        post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer, FR))


@pytest.mark.parametrize(("change", "field"), [
    ({"default_region": "nowhere"}, "body"), ({"countries": {"XX": "eu"}}, "countries"),
    ({"desks": {"eu": {"wiretap": "eu"}}}, "desks.eu.wiretap.[key]"), ({"regions": {}}, "regions"),
    ({"owner": "me"}, "owner"),
])
def test_given_a_broken_routing_document_then_400_and_the_rules_stand(client, issuer, restore_routing, change, field):
    response = put(client, "/v1/admin/routing", {**restore_routing, **change}, admin(issuer))
    assert response.status_code == 400, response.body
    assert response.json_body["field"] == field
    assert client.http.get("/v1/admin/routing", headers=admin(issuer)).json_body["document"] == restore_routing


def test_given_a_new_representative_then_listed_in_their_region_and_assignable(client, issuer):
    rep_id = f"rep-mena-{uuid.uuid4().hex[:6]}"
    created = post(client, "/v1/admin/representatives",
                   {"id": rep_id, "name": "Nadia Benali", "email": "nadia.benali@liaison-platform.example",
                    "region": "mena"}, admin(issuer))
    assert created.status_code == 201 and created.json_body["available"] is True
    again = post(client, "/v1/admin/representatives",
                 {"id": rep_id, "name": "Other", "email": "o@liaison-platform.example", "region": "eu"}, admin(issuer))
    assert (again.status_code, again.json_body["code"]) == (409, "representative_exists")
    listed = client.http.get("/v1/admin/representatives?region=mena", headers=admin(issuer)).json_body["items"]
    assert rep_id in {r["id"] for r in listed} and all(r["region"] == "mena" for r in listed)
    assert client.http.get("/v1/admin/representatives", headers=admin(issuer)).status_code == 400


def test_given_a_reassignment_within_the_region_then_the_new_assignee_holds_it(client, issuer):
    created = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body
    other = "rep-eu-okafor" if created["assignee"] != "rep-eu-okafor" else "rep-eu-lindqvist"
    lead = rep(issuer, "lead-eu-rossi")
    moved = post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": other}, lead)
    assert moved.status_code == 200 and moved.json_body["assignee"] == other
    events = client.http.get(f"/v1/requests/{created['id']}/events", headers=lead).json_body["events"]
    assert events[-1]["kind"] == "reassigned"
    assert {k: events[-1]["detail"][k] for k in ("from", "to")} == {"from": created["assignee"], "to": other}
    assert other not in events[-1]["detail"]["escalation_chain"]
    same = post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": other}, lead)
    assert (same.status_code, same.json_body["code"]) == (409, "already_assigned")
    for target in ("rep-us-jordan", "no-such-rep", "Bad Id"):
        refused = post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": target}, lead)
        assert (refused.status_code, refused.json_body["field"]) == (400, "rep_id"), target
    us_rep = rep(issuer, "rep-us-jordan", "us")
    assert post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": "rep-us-raman"}, us_rep
                ).status_code == 404
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer, FR))
    closed = post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": created["assignee"]}, lead)
    assert (closed.status_code, closed.json_body["code"]) == (409, "illegal_transition")


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/admin/routing"), ("PUT", "/v1/admin/routing"),
                                              ("GET", "/v1/admin/representatives?region=eu"),
                                              ("POST", "/v1/admin/representatives"), ("GET", "/v1/queue")])
def test_given_the_wrong_role_then_403(client, issuer, method, path):
    headers = authority(issuer, US)
    response = client.http.request(method, path, headers=headers, body=b"{}" if method in {"PUT", "POST"} else b"")
    assert (response.status_code, response.json_body["code"]) == (403, "role_not_allowed")


@pytest.mark.parametrize(("change", "field"), [({"region": "atlantis"}, "region"), ({"lead": "yes"}, "lead"),
                                               ({"available": 1}, "available"), ({"email": "nope"}, "email")])
def test_given_a_bad_representative_then_400(client, issuer, change, field):
    body = {"id": f"rep-x-{uuid.uuid4().hex[:6]}", "name": "Some One", "email": "some.one@liaison-platform.example",
            "region": "eu", **change}
    response = post(client, "/v1/admin/representatives", body, admin(issuer))
    assert (response.status_code, response.json_body["field"]) == (400, field)


def test_given_nobody_available_or_no_timers_then_operators_are_told():
    """Dispatch with a region that has nobody, and a workflow that cannot start."""
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.store.models import LegalRequest
    from chalicelib.workflow.client import WorkflowUnavailable

    class Nobody:
        def next_turn(self, region):
            return 0

        def candidates(self, region):
            return []

    class Broken:
        def start(self, request_id, plan):
            raise WorkflowUnavailable("states is down")

    class Operators:
        alerts: list[str] = []

        def alert_operators(self, text, request_id):
            self.alerts.append(text)
            return True

    operators = Operators()
    item = LegalRequest("LR-AAAAAAAAAAAAAAAA", region="empty", type="preservation", status="received",
                        ack_due_at="2026-11-29T03:00:00.000Z", due_at="2026-11-29T03:00:00.000Z",
                        agency_id=FR, reference="r")
    Dispatch(representatives=Nobody(), workflow=Broken(), publisher=operators).dispatch(item)
    assert len(operators.alerts) == 2
    assert "no available representative" in operators.alerts[0] and "did not start" in operators.alerts[1]
