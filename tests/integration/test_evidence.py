"""The evidence binds the request itself, and its chains are anchored outside the tables (issue 13, points 1 and 2).

Given a request worked on, when someone with write access to the tables changes the request (its status, its
targets), replaces the body as filed, or rewrites a whole chain consistently after a checkpoint, then ``/audit``
and ``make verify-audit`` report it, naming the field or the anchored event.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from urllib.parse import quote

import boto3
import jwt
import pytest

from chalicelib.domain import audit
from chalicelib.services import checkpoints
from chalicelib.settings import get_settings
from chalicelib.store import filings
from chalicelib.store.models import ConfigEntry, Filing, LegalRequest
from tests.helpers import FR, authority, bearer, post, submission



def rep(issuer, sub="rep-eu-okafor"):
    return bearer(issuer.mint(role="representative", sub=sub, region="eu", mfa=True))


def audit_of(client, issuer, request_id, query=""):
    return client.http.get(f"/v1/requests/{request_id}/audit{query}", headers=rep(issuer))


def s3_body(key):
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    return s3.get_object(Bucket=get_settings().evidence_bucket, Key=key)["Body"].read()


def table(name):
    return boto3.resource("dynamodb", region_name=get_settings().aws_region).Table(getattr(get_settings(), name))


def filed(client, issuer, **overrides):
    body = submission(**overrides)
    created = post(client, "/v1/requests", body, authority(issuer, FR)).json_body
    return created, body


def test_given_a_request_filed_then_its_first_event_binds_it_and_its_body_is_kept(client, issuer, filing_pump):
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
    assert trail["verified"] is True
    # Written with the request, in its transaction; the table's stream copies it into the evidence bucket.
    assert bytes(Filing.get(created["id"], first["body_sha256"]).body) == canonical
    filing_pump.drain()
    assert s3_body(filings.key(created["id"])) == canonical
    assert audit_of(client, issuer, created["id"]).json_body["verified"] is True
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


def test_given_the_body_as_filed_overwritten_or_missing_then_audit_says_so(client, issuer, filing_pump,
                                                                           clock_from_now):
    created, body = filed(client, issuer)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    filing_pump.drain()
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    bucket, name = get_settings().evidence_bucket, filings.key(created["id"])
    s3.put_object(Bucket=bucket, Key=name, Body=b'{"type":"preservation"}')  # a version added over it
    trail = audit_of(client, issuer, created["id"]).json_body
    assert (trail["verified"], trail["field"]) == (False, "body_sha256") and "added over it" in trail["problem"]
    for version in s3.list_object_versions(Bucket=bucket, Prefix=name)["Versions"]:  # moto: no retention enforced
        s3.delete_object(Bucket=bucket, Key=name, VersionId=version["VersionId"], BypassGovernanceRetention=True)
    # Gone from the bucket: within the hour its copy is due, the table's copy (bound by the trail's hash) stands in.
    assert audit_of(client, issuer, created["id"]).json_body["verified"] is True
    clock_from_now.advance(filings.COPY_GRACE + timedelta(seconds=1))
    trail = audit_of(client, issuer, created["id"]).json_body
    assert (trail["verified"], trail["field"]) == (False, "body_sha256")
    assert "never reached the evidence bucket" in trail["problem"]
    Filing.get(created["id"], digest.hexdigest()).delete()
    trail = audit_of(client, issuer, created["id"]).json_body
    assert (trail["verified"], trail["field"]) == (False, "body_sha256") and "missing" in trail["problem"]


def test_given_the_body_changed_in_the_table_before_its_copy_then_audit_says_so_and_the_bucket_copy_prevails(
        client, issuer, filing_pump):
    """Until the stream has copied it, the table's body is the one checked; once copied, the bucket's."""
    filing_pump.drain()  # what earlier tests left waiting
    created, _ = filed(client, issuer)
    sha = LegalRequest.get(created["id"]).body_sha256
    genuine = bytes(Filing.get(created["id"], sha).body)
    table("filings_table").update_item(Key={"request_id": created["id"], "sha256": sha},
                                       UpdateExpression="SET body = :b", ExpressionAttributeValues={":b": b"{}"})
    trail = audit_of(client, issuer, created["id"]).json_body
    assert (trail["verified"], trail["field"]) == (False, "body_sha256") and "filings table" in trail["problem"]
    table("filings_table").update_item(Key={"request_id": created["id"], "sha256": sha},
                                       UpdateExpression="SET body = :b", ExpressionAttributeValues={":b": genuine})
    filing_pump.drain()  # copies the body as inserted (the stream's new image), never a later change
    assert s3_body(filings.key(created["id"])) == genuine
    table("filings_table").update_item(Key={"request_id": created["id"], "sha256": sha},
                                       UpdateExpression="SET body = :b", ExpressionAttributeValues={":b": b"{}"})
    assert audit_of(client, issuer, created["id"]).json_body["verified"] is True


def test_given_a_trail_rewritten_to_a_forged_body_put_in_the_table_then_the_kept_body_still_catches_it(
        client, issuer, filing_pump):
    """Whoever can write the tables rewrites an unanchored request to another body, with its own filing: the
    stream does not copy a second body for the request, and the one the bucket keeps does not hash to the
    rewritten trail."""
    filing_pump.drain()
    created, _ = filed(client, issuer)
    request_id = created["id"]
    filing_pump.drain()  # the genuine body is kept
    forged = b'{"type":"preservation","description":"not what was sent"}'
    forged_sha = hashlib.sha256(forged).hexdigest()
    Filing(request_id, forged_sha, body=forged, filed_at=LegalRequest.get(request_id).received_at).save()
    filing_pump.drain()
    assert s3_body(filings.key(request_id)) != forged  # refused (FilingsRefused, alarmed), the first one kept
    # The trail rewritten to the forged body's hash, every link and the head recomputed (as an insider would).
    events = table("events_table")
    stored = sorted(events.query(KeyConditionExpression=boto3.dynamodb.conditions.Key("request_id").eq(request_id),
                                 ConsistentRead=True)["Items"], key=lambda e: int(e["seq"]))
    previous = audit.GENESIS
    real_sha = LegalRequest.get(request_id).body_sha256
    for event in stored:
        event["detail"] = event["detail"].replace(real_sha, forged_sha)
        event["prev_hash"] = previous
        event["hash"] = previous = audit.link(previous, request_id, int(event["seq"]), event["at"], event["kind"],
                                              event["actor_role"], event["actor"], event["detail"])
        events.put_item(Item=event)
    table("requests_table").update_item(Key={"request_id": request_id},
                                        UpdateExpression="SET last_event_hash = :h, body_sha256 = :s",
                                        ExpressionAttributeValues={":h": previous, ":s": forged_sha})
    trail = audit_of(client, issuer, request_id).json_body
    assert (trail["verified"], trail["field"]) == (False, "body_sha256"), trail
    assert "trail was rewritten" in trail["problem"]


def test_given_a_keyed_submission_refused_then_filed_again_corrected_then_its_evidence_holds(client, issuer,
                                                                                               monkeypatch):
    """A refused attempt stores nothing, its body included; the corrected one, filed under the same
    Idempotency-Key (the same id), is the one the trail binds and the bucket keeps."""
    from chalicelib.errors import Conflict
    from chalicelib.services import intake as intake_module

    key = f"retry-{uuid.uuid4().hex[:8]}"
    headers = {**authority(issuer, FR), "Idempotency-Key": key}
    real_create = intake_module.RequestRepository.create
    monkeypatch.setattr(intake_module.RequestRepository, "create", lambda *a, **k: (_ for _ in ()).throw(
        Conflict("met a concurrent one", code="concurrent_submission")))
    first = submission(description="First wording, sent in error.")
    assert post(client, "/v1/requests", first, headers).status_code == 409
    monkeypatch.setattr(intake_module.RequestRepository, "create", real_create)
    # Powertools' idempotency record of the refused attempt is gone with its error: a corrected body is a new one.
    created = post(client, "/v1/requests", submission(description="Corrected wording."), headers)
    assert created.status_code == 201, created.json_body
    assert audit_of(client, issuer, created.json_body["id"]).json_body["verified"] is True


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
    head = s3.head_object(Bucket=own_checkpoints.bucket, Key=second["checkpoint"])  # moto: no GetObjectRetention
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].year >= 2035
    # A checkpoint whose content was swapped (as a new version: the locked one cannot be touched) is refused.
    document = json.loads(s3.get_object(Bucket=own_checkpoints.bucket, Key=second["checkpoint"])["Body"].read())
    document["content"]["heads"][created["id"]]["seq"] = 1
    s3.put_object(Bucket=own_checkpoints.bucket, Key=second["checkpoint"], Body=json.dumps(document).encode())
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
        Bucket=get_settings().evidence_bucket, Key=filings.key(request_id),
        Body=b"{}")
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


class _At:
    def __init__(self, when):
        self.when = when

    def now(self):
        return self.when


def test_given_a_retried_checkpoint_then_siblings_share_a_parent_and_the_history_still_verifies(
        client, issuer, own_checkpoints):
    from datetime import UTC, datetime, timedelta

    created, _ = filed(client, issuer)
    start = datetime.now(UTC).replace(microsecond=0)
    first = checkpoints.Checkpoints(clock=_At(start)).write()
    state = ConfigEntry.get(checkpoints.STATE).document
    second = checkpoints.Checkpoints(clock=_At(start + timedelta(seconds=5))).write()
    # A retry after a failure before the state was saved: the table still names the first, the bucket the second.
    ConfigEntry(checkpoints.STATE, document=state, updated_at=state["at"]).save()
    third = checkpoints.Checkpoints(clock=_At(start + timedelta(seconds=10))).write()
    assert own_checkpoints.read(third["checkpoint"])["previous"]["key"] == second["checkpoint"]  # the bucket decides
    # Two writers at once link to the same one: the second's sibling is as valid as it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoints.Checkpoints, "_previous", lambda self, now, latest: state)
        sibling = checkpoints.Checkpoints(clock=_At(start + timedelta(seconds=15))).write()
    assert own_checkpoints.read(sibling["checkpoint"])["previous"]["key"] == first["checkpoint"]
    anchors, problems, contents = own_checkpoints.load_all()
    assert problems == [] and len(contents) == 4
    assert anchors[created["id"]].checkpoint == sibling["checkpoint"]
    assert first["checkpoint"] < second["checkpoint"] < third["checkpoint"] < sibling["checkpoint"]


def test_given_the_tables_checkpoint_state_moved_ahead_then_coverage_still_starts_at_the_buckets_latest(
        client, issuer, own_checkpoints):
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC).replace(microsecond=0)
    written = checkpoints.Checkpoints(clock=_At(start)).write()
    ahead = {**ConfigEntry.get(checkpoints.STATE).document, "at": checkpoints.isoformat(start + timedelta(hours=5)),
             "key": f"{checkpoints.CHECKPOINTS}{checkpoints.isoformat(start + timedelta(hours=5))}.json"}
    ConfigEntry(checkpoints.STATE, document=ahead, updated_at=ahead["at"]).save()
    created, _ = filed(client, issuer)  # changed after the checkpoint, while the table claims a later one
    later = checkpoints.Checkpoints(clock=_At(start + timedelta(seconds=30))).write()
    content = own_checkpoints.read(later["checkpoint"])
    assert content["previous"]["key"] == written["checkpoint"] and created["id"] in content["heads"]
    assert own_checkpoints.load_all()[1] == []


def test_given_a_checkpoint_that_skips_hours_then_verify_audit_reports_the_gap(client, issuer, own_checkpoints,
                                                                              monkeypatch):
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
    first = checkpoints.Checkpoints(clock=_At(start)).write()
    # A writer that believed the last checkpoint was three hours later than it was (as one trusting a moved
    # table would have): its checkpoint leaves hours uncovered.
    fake = {"key": first["checkpoint"], "sha256": first["sha256"],
            "at": checkpoints.isoformat(start + timedelta(hours=3)), "covered_from": first["hours"]["from"]}
    monkeypatch.setattr(checkpoints.Checkpoints, "_previous", lambda self, now, latest: fake)
    gapped = checkpoints.Checkpoints(clock=_At(start + timedelta(hours=4))).write()
    problems = own_checkpoints.load_all()[1]
    assert problems == [f"checkpoint {gapped['checkpoint']} does not cover the hours since {first['checkpoint']}"]


def test_given_an_event_landing_between_the_two_reads_then_the_check_reads_both_again(client, issuer):
    """A queued refusal (or the workflow's timer) may commit between reading the request and reading its trail:
    that is not a broken head, and the evidence is judged on a request and trail of one moment."""
    from chalicelib.services import evidence
    from chalicelib.store.requests import RequestRepository

    created, _ = filed(client, issuer)
    repository = RequestRepository()
    before = repository.get(created["id"])  # the request as read first
    assert post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep(issuer)).status_code == 200
    assert not evidence.verify_tables(before, repository.events(created["id"])).verified  # what a naive check saw
    item, events = repository.chain(before)
    assert int(item.last_event_seq) == len(events) == 3 and evidence.verify_tables(item, events).verified
