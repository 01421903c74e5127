"""The audit trail over the API: chained events, refused attempts, tamper evidence, access."""

from __future__ import annotations

import boto3

from chalicelib.settings import get_settings
from infra.local.refusals import RefusalPump
from tests.helpers import DE, FR, admin, authority, bearer, post, submission


def rep(issuer, sub="rep-eu-okafor", region="eu"):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True))


def audit_of(client, issuer, request_id, headers=None):
    return client.http.get(f"/v1/requests/{request_id}/audit", headers=headers or rep(issuer))


def test_given_a_request_worked_on_then_its_trail_verifies_and_records_refusals(client, issuer):
    created = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body
    request_id = created["id"]
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer)).status_code == 409
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
    # Another agency's attempt: a plain 404 for it, and a line in the trail once the refusals are consumed.
    assert client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, DE)).status_code == 404
    RefusalPump.from_settings().drain()

    trail = audit_of(client, issuer, request_id).json_body
    assert trail["verified"] is True and trail["checked"] == trail["head_seq"] == len(trail["events"])
    kinds = [e["kind"] for e in trail["events"]]
    assert kinds[:2] == ["submitted", "assigned"]
    assert {"refused", "acknowledged", "access_refused"} <= set(kinds)
    refused = next(e for e in trail["events"] if e["kind"] == "refused")
    assert '"code":"illegal_transition"' in refused["detail"] and refused["actor"] == "rep-eu-okafor"
    assert trail["events"][0]["prev_hash"] == "0" * 64
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(trail["events"], trail["events"][1:]))
    # Admins read it too; the authority's own timeline does not show refused attempts.
    assert audit_of(client, issuer, request_id, admin(issuer)).json_body["verified"] is True
    timeline = client.http.get(f"/v1/requests/{request_id}/events", headers=authority(issuer, FR)).json_body
    assert not {"refused", "access_refused"} & {e["kind"] for e in timeline["events"]}


def test_given_a_stored_event_altered_then_the_trail_says_where(client, issuer):
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer))
    table = boto3.resource("dynamodb", region_name=get_settings().aws_region).Table(get_settings().events_table)
    table.update_item(Key={"request_id": request_id, "seq": 2}, UpdateExpression="SET actor = :a",
                      ExpressionAttributeValues={":a": "someone-else"})
    trail = audit_of(client, issuer, request_id).json_body
    assert (trail["verified"], trail["first_bad_seq"]) == (False, 2)
    table.delete_item(Key={"request_id": request_id, "seq": 3})
    trail = audit_of(client, issuer, request_id).json_body
    assert (trail["verified"], trail["first_bad_seq"]) == (False, 2)


def test_given_callers_outside_the_request_then_the_trail_is_not_theirs(client, issuer):
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    assert audit_of(client, issuer, request_id, rep(issuer, "rep-us-jordan", "us")).status_code == 404
    response = audit_of(client, issuer, request_id, authority(issuer, FR))
    assert (response.status_code, response.json_body["code"]) == (403, "role_not_allowed")
    assert audit_of(client, issuer, "LR-AAAAAAAAAAAAAAAA", admin(issuer)).status_code == 404


def test_given_one_chain_broken_then_verify_audit_names_it_and_fails(client, issuer, capsys):
    from infra import verify_audit

    good = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    bad = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    table = boto3.resource("dynamodb", region_name=get_settings().aws_region).Table(get_settings().events_table)
    table.update_item(Key={"request_id": bad, "seq": 1}, UpdateExpression="SET detail = :d",
                      ExpressionAttributeValues={":d": '{"type":"preservation"}'})
    assert verify_audit.main(["--aws"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN {bad}: event 1:" in out and f"BROKEN {good}" not in out


def test_given_a_flood_of_refused_attempts_then_only_the_first_ones_are_chained(client, issuer, monkeypatch):
    from chalicelib.services import access

    monkeypatch.setattr(access, "MAX_RECORDED_REFUSALS", 2)
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    for _ in range(4):
        assert client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, DE)).status_code == 404
    RefusalPump.from_settings().drain()
    trail = audit_of(client, issuer, request_id).json_body
    assert [e["kind"] for e in trail["events"]].count("access_refused") == 2 and trail["verified"] is True
    # The owner's own work is unaffected.
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
