"""The evidence binds the request itself, and its chains are anchored outside the tables (issue 13, points 1 and 2).

Given a request worked on, when someone with write access to the tables changes the request (its status, its
targets), replaces the body as filed, or rewrites a whole chain consistently after a checkpoint, then ``/audit``
and ``make verify-audit`` report it, naming the field or the anchored event.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

import boto3
import jwt
import pytest

from chalicelib.domain import audit
from chalicelib.services import checkpoints
from chalicelib.settings import get_settings
from chalicelib.store import filings
from chalicelib.store.models import ConfigEntry
from tests.helpers import FR, authority, bearer, post, submission

CHECKPOINT_BUCKET = "liaison-test-checkpoints"


def rep(issuer, sub="rep-eu-okafor"):
    return bearer(issuer.mint(role="representative", sub=sub, region="eu", mfa=True))


def audit_of(client, issuer, request_id, query=""):
    return client.http.get(f"/v1/requests/{request_id}/audit{query}", headers=rep(issuer))


def table(name):
    return boto3.resource("dynamodb", region_name=get_settings().aws_region).Table(getattr(get_settings(), name))


def filed(client, issuer, **overrides):
    body = submission(**overrides)
    created = post(client, "/v1/requests", body, authority(issuer, FR)).json_body
    return created, body


@pytest.fixture
def own_checkpoints(monkeypatch):
    """Checkpoints in a bucket of this test's own (Object Lock objects cannot be deleted afterwards), and the
    pointer to the latest one removed again, so other tests' requests are never judged against them."""
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    if CHECKPOINT_BUCKET not in existing:
        s3.create_bucket(Bucket=CHECKPOINT_BUCKET, ObjectLockEnabledForBucket=True,
                         CreateBucketConfiguration={"LocationConstraint": get_settings().aws_region})
    monkeypatch.setattr(checkpoints.Checkpoints, "bucket", property(lambda self: CHECKPOINT_BUCKET))
    yield checkpoints.Checkpoints()
    ConfigEntry(checkpoints.STATE).delete()


def test_given_a_request_filed_then_its_first_event_binds_it_and_its_body_is_kept(client, issuer):
    created, body = filed(client, issuer)
    trail = audit_of(client, issuer, created["id"]).json_body
    first = json.loads(trail["events"][0]["detail"])
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    receipt = jwt.decode(created["receipt"], options={"verify_signature": False})  # its signature: test_receipts
    assert first["body_sha256"] == hashlib.sha256(canonical).hexdigest() == receipt["body_sha256"]
    bound = first[audit.STATE_KEY]
    assert (bound["status"], bound["targets"], bound["body_sha256"]) == ("received", body["targets"],
                                                                          first["body_sha256"])
    assert json.loads(trail["events"][1]["detail"])[audit.STATE_KEY]["assignee"] == created["assignee"]
    assert filings.versions(created["id"]) == [canonical]
    assert trail["verified"] is True
    # The authority's timeline shows what happened, not the bound state.
    timeline = client.http.get(f"/v1/requests/{created['id']}/events", headers=authority(issuer, FR)).json_body
    assert all(audit.STATE_KEY not in e["detail"] for e in timeline["events"])


def test_given_status_and_targets_changed_in_the_table_then_audit_and_verify_audit_name_the_field(
        client, issuer, capsys):
    from infra import verify_audit

    created, _ = filed(client, issuer)
    request_id = created["id"]
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
    requests = table("requests_table")
    requests.update_item(Key={"request_id": request_id}, UpdateExpression="SET #s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "fulfilled"})
    trail = audit_of(client, issuer, request_id).json_body
    assert (trail["verified"], trail["field"]) == (False, "status")
    assert '"fulfilled"' in trail["problem"] and '"acknowledged"' in trail["problem"]

    requests.update_item(Key={"request_id": request_id}, UpdateExpression="SET targets = :t",
                         ExpressionAttributeValues={":t": [{"kind": "username", "value": "someone_else"}]})
    assert audit_of(client, issuer, request_id).json_body["field"] == "targets"
    assert verify_audit.main(["--aws"]) == 1
    assert f"BROKEN {request_id}: field targets:" in capsys.readouterr().out


def test_given_the_body_as_filed_given_another_version_then_audit_says_so(client, issuer):
    created, _ = filed(client, issuer)
    boto3.client("s3", region_name=get_settings().aws_region).put_object(
        Bucket=get_settings().evidence_bucket, Key=filings.key(created["id"]), Body=b'{"type":"preservation"}')
    trail = audit_of(client, issuer, created["id"]).json_body
    assert (trail["verified"], trail["field"]) == (False, "body_sha256")
    assert "version 2" in trail["problem"]


def test_given_a_chain_rewritten_consistently_after_a_checkpoint_then_it_is_caught(client, issuer, own_checkpoints,
                                                                                    capsys):
    from infra import verify_audit

    created, _ = filed(client, issuer)
    request_id = created["id"]
    post(client, f"/v1/requests/{request_id}/acknowledge", {"note": "on it"}, rep(issuer))
    written = own_checkpoints.write()
    assert written["heads"] >= 1
    trail = audit_of(client, issuer, request_id).json_body
    assert trail["verified"] is True
    assert trail["anchor"]["checkpoint"] == written["checkpoint"]
    assert (trail["anchor"]["seq"], trail["anchor"]["hash"]) == (trail["head_seq"], trail["head_hash"])

    # Rewrite the acknowledgement's note, recompute every later hash and the head: the chain alone verifies.
    events = table("events_table")
    stored = sorted(events.query(KeyConditionExpression=boto3.dynamodb.conditions.Key("request_id").eq(request_id),
                                 ConsistentRead=True)["Items"], key=lambda e: int(e["seq"]))
    previous = audit.GENESIS
    for event in stored:
        if event["kind"] == "acknowledged":
            event["detail"] = event["detail"].replace("on it", "never seen")
        event["prev_hash"] = previous
        event["hash"] = audit.link(previous, request_id, int(event["seq"]), event["at"], event["kind"],
                                   event["actor_role"], event["actor"], event["detail"])
        events.put_item(Item=event)
        previous = event["hash"]
    table("requests_table").update_item(Key={"request_id": request_id}, UpdateExpression="SET last_event_hash = :h",
                                        ExpressionAttributeValues={":h": previous})
    from chalicelib.store.models import Event, LegalRequest

    rewritten = list(Event.query(request_id, consistent_read=True))
    head = LegalRequest.get(request_id, consistent_read=True)
    assert audit.verify(rewritten, int(head.last_event_seq), head.last_event_hash).verified  # consistent indeed

    trail = audit_of(client, issuer, request_id).json_body
    assert trail["verified"] is False and "rewritten" in trail["problem"]
    assert trail["first_bad_seq"] == trail["anchor"]["seq"]
    assert verify_audit.main(["--aws"]) == 1
    assert f"BROKEN {request_id}: event {trail['anchor']['seq']}:" in capsys.readouterr().out


def test_given_checkpoints_then_each_is_signed_locked_and_linked_to_the_one_before(client, issuer, own_checkpoints):
    created, _ = filed(client, issuer)
    first = own_checkpoints.write()
    post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep(issuer))
    second = own_checkpoints.write()
    content = own_checkpoints.read(second["checkpoint"])
    assert content["previous"] == {"key": first["checkpoint"], "sha256": first["sha256"]}
    assert content["heads"][created["id"]]["seq"] == own_checkpoints.latest_anchor(created["id"]).seq
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    head = s3.head_object(Bucket=CHECKPOINT_BUCKET, Key=second["checkpoint"])  # moto: no GetObjectRetention
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].year >= 2035
    # A checkpoint whose content was swapped (as a new version: the locked one cannot be touched) is refused.
    document = json.loads(s3.get_object(Bucket=CHECKPOINT_BUCKET, Key=second["checkpoint"])["Body"].read())
    document["content"]["heads"][created["id"]]["seq"] = 1
    s3.put_object(Bucket=CHECKPOINT_BUCKET, Key=second["checkpoint"], Body=json.dumps(document).encode())
    with pytest.raises(checkpoints.CheckpointInvalid, match="does not match its signature"):
        own_checkpoints.read(second["checkpoint"])
    trail = audit_of(client, issuer, created["id"]).json_body
    assert trail["verified"] is False and "does not match its signature" in trail["problem"]


def test_given_a_long_trail_then_audit_pages_it_and_still_verifies_all_of_it(client, issuer):
    created, _ = filed(client, issuer)
    request_id = created["id"]
    for n in range(3):
        post(client, f"/v1/requests/{request_id}/messages", {"body": f"note {n}"}, rep(issuer))
    first = audit_of(client, issuer, request_id, "?limit=2").json_body
    assert len(first["events"]) == 2 and first["next_cursor"] and first["checked"] == first["head_seq"] == 5
    second = audit_of(client, issuer, request_id, f"?limit=2&cursor={quote(first['next_cursor'])}").json_body
    last = audit_of(client, issuer, request_id, f"?limit=2&cursor={quote(second['next_cursor'])}").json_body
    assert [e["seq"] for e in first["events"] + second["events"] + last["events"]] == [1, 2, 3, 4, 5]
    assert last.get("next_cursor") is None and last["verified"] is True
    for query, code in (("?limit=0", "invalid_field"), ("?limit=201", "invalid_field"),
                        ("?cursor=not-a-cursor", "invalid_cursor")):
        response = audit_of(client, issuer, request_id, query)
        assert (response.status_code, response.json_body["code"]) == (400, code), query


def test_given_a_bound_field_changed_by_an_expression_then_the_store_refuses_to_write_it():
    from chalicelib.store.models import LegalRequest
    from chalicelib.store.requests import sets_of

    assert sets_of([LegalRequest.status.set("acknowledged"), LegalRequest.assignee.remove(),
                    LegalRequest.refusals_recorded.add(1)]) == {"status": "acknowledged", "assignee": None}
    with pytest.raises(TypeError, match="escalation_level is bound"):
        sets_of([LegalRequest.escalation_level.set(LegalRequest.escalation_level + 1)])


def test_given_the_console_then_the_request_page_names_a_tampered_field_and_checks_the_rest_when_asked(
        client, issuer):
    from tests.integration.test_console import Browser, text

    created, _ = filed(client, issuer)
    request_id = created["id"]
    browser = Browser(client, sub=created["assignee"])
    page = text(browser.get(f"/console/requests/{request_id}"))
    assert "The evidence verifies" in page and "?evidence=full#h-audit" in page
    full = text(browser.get(f"/console/requests/{request_id}?evidence=full"))
    assert "the body as filed is intact" in full and "no checkpoint anchors it yet" in full
    table("requests_table").update_item(Key={"request_id": request_id}, UpdateExpression="SET #s = :s",
                                        ExpressionAttributeNames={"#s": "status"},
                                        ExpressionAttributeValues={":s": "fulfilled"})
    page = text(browser.get(f"/console/requests/{request_id}"))
    assert "The evidence does NOT verify (field status)" in page and "&#34;fulfilled&#34;" in page
    assert "Do not rely on this page" in page.split('id="h-next"')[0]  # said at the top, before any action
    boto3.client("s3", region_name=get_settings().aws_region).put_object(
        Bucket=get_settings().evidence_bucket, Key=filings.key(request_id), Body=b"{}")
    table("requests_table").update_item(Key={"request_id": request_id}, UpdateExpression="SET #s = :s",
                                        ExpressionAttributeNames={"#s": "status"},
                                        ExpressionAttributeValues={":s": "assigned"})
    assert "The evidence verifies" in text(browser.get(f"/console/requests/{request_id}"))
    full = text(browser.get(f"/console/requests/{request_id}?evidence=full"))
    assert "The evidence does NOT verify (field body_sha256)" in full


def test_given_the_whole_chain_read_then_its_latest_page_and_cursor_are_the_timelines_own(client, issuer):
    """The console takes a representative's latest timeline page from the chain it reads for the audit check:
    the same events and the same cursor as the paged query, so "Earlier events" continues where it should."""
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.services.desk import Desk
    from chalicelib.store.requests import RequestRepository

    created, _ = filed(client, issuer)
    for n in range(4):
        post(client, f"/v1/requests/{created['id']}/messages", {"body": f"note {n}"}, rep(issuer))
    chain = RequestRepository().events(created["id"])
    okafor = Principal("rep-eu-okafor", Role.REPRESENTATIVE, "test", 2_000_000_000, region="eu")
    for limit in (2, 6, 7):
        queried, queried_cursor = Desk().timeline(okafor, created["id"], limit=limit, cursor=None, newest_first=True)
        taken, taken_cursor = Desk.latest_page(chain, limit)
        assert [int(e.seq) for e in taken] == [int(e.seq) for e in queried]
        assert taken_cursor == queried_cursor, limit
