"""Issue 13, point 4: a failed call-back cannot be overwritten.

Every call-back verification is kept, in order (``safeguards.verifications``). After a ``failed`` one, no
fulfilment (full, partial, or a proposal's approval) is allowed until the region's lead clears it with a reason
(``POST /v1/requests/{id}/verification/clear``, a ``verification_cleared`` event in the audit trail); after
that, a new confirmed call-back by a representative other than the decider is still needed.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import FR, authority, post
from tests.integration.test_safeguards import ES, VERIFIED, acknowledged_emergency, rep
from tests.integration.test_safeguards import high_risk_es  # noqa: F401 - a fixture

FAILED = {**VERIFIED, "outcome": "failed", "note": "The switchboard has no officer of that name."}
LINDQVIST, OKAFOR, LEAD = "rep-eu-lindqvist", "rep-eu-okafor", "lead-eu-rossi"
REASON = "Called the agency's duty officer on the directory number: the first call reached the wrong desk."


def clear(client, issuer, request_id, body, sub=LEAD, region="eu"):
    return post(client, f"/v1/requests/{request_id}/verification/clear", body, rep(issuer, sub, region))


def history(client, issuer, request_id):
    return client.http.get(f"/v1/requests/{request_id}", headers=rep(issuer)).json_body["safeguards"].get(
        "verifications")


def test_given_a_failed_callback_then_a_later_confirmed_one_does_not_let_anyone_fulfil_until_the_lead_clears_it(
        client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    base = f"/v1/requests/{request_id}"
    assert post(client, f"{base}/verification", FAILED, rep(issuer, LINDQVIST)).status_code == 200
    assert post(client, f"{base}/verification", VERIFIED, rep(issuer, OKAFOR)).status_code == 200
    # The reproduction of the issue: a third representative fulfils.
    full = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, LEAD))
    assert (full.status_code, full.json_body.get("code")) == (409, "verification_failed_uncleared"), full.body
    partly = post(client, f"{base}/decision", {"outcome": "partially_fulfilled", "reason": "overbroad"},
                  rep(issuer, LINDQVIST))
    assert (partly.status_code, partly.json_body.get("code")) == (409, "verification_failed_uncleared")
    # Nothing was overwritten: both call-backs are kept, in order.
    kept = history(client, issuer, request_id)
    assert [(v["outcome"], v["by"]) for v in kept] == [("failed", LINDQVIST), ("confirmed", OKAFOR)]

    cleared = clear(client, issuer, request_id, {"reason": REASON})
    assert cleared.status_code == 200, cleared.body
    entries = cleared.json_body["safeguards"]["verifications"]
    assert [(v["outcome"], v["by"]) for v in entries] == [("failed", LINDQVIST), ("confirmed", OKAFOR),
                                                          ("cleared", LEAD)]
    assert entries[-1]["reason"] == REASON and cleared.json_body["safeguards"]["verification_uncleared"] is False
    # The confirmation recorded before the clearance does not count: a new one is needed.
    stale = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, LINDQVIST))
    assert (stale.status_code, stale.json_body.get("code")) == (409, "verification_required")
    assert post(client, f"{base}/verification", VERIFIED, rep(issuer, LINDQVIST)).status_code == 200
    own = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, LINDQVIST))
    assert (own.status_code, own.json_body.get("code")) == (409, "verifier_must_differ")
    done = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR))
    assert (done.status_code, done.json_body["status"]) == (200, "fulfilled"), done.body

    trail = client.http.get(f"{base}/audit", headers=rep(issuer)).json_body
    assert trail["verified"] is True
    clearance = [e for e in trail["events"] if e["kind"] == "verification_cleared"]
    assert [(e["actor"], json.loads(e["detail"])["reason"]) for e in clearance] == [(LEAD, REASON)]
    refusals = [json.loads(e["detail"])["code"] for e in trail["events"] if e["kind"] == "refused"]
    assert refusals == ["verification_failed_uncleared", "verification_failed_uncleared", "verification_required",
                        "verifier_must_differ"]
    # The authority sees neither the call-backs nor their clearance.
    seen = client.http.get(base, headers=authority(issuer, FR)).json_body["safeguards"]
    assert seen == {"verification_required": True}
    events = client.http.get(f"{base}/events", headers=authority(issuer, FR)).json_body["events"]
    assert not {"verification_recorded", "verification_cleared"} & {e["kind"] for e in events}
    assert REASON not in json.dumps(events)


def test_given_a_second_failure_after_a_clearance_then_fulfilment_is_refused_again(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    base = f"/v1/requests/{request_id}"
    post(client, f"{base}/verification", FAILED, rep(issuer, LINDQVIST))
    assert clear(client, issuer, request_id, {"reason": REASON}).status_code == 200
    post(client, f"{base}/verification", FAILED, rep(issuer, LINDQVIST))
    post(client, f"{base}/verification", VERIFIED, rep(issuer, LINDQVIST))
    again = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR))
    assert (again.status_code, again.json_body.get("code")) == (409, "verification_failed_uncleared")


def test_given_a_pending_proposal_then_a_failed_callback_blocks_its_approval_until_cleared(
        client, issuer, high_risk_es):
    request_id = acknowledged_emergency(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    post(client, f"{base}/verification", VERIFIED, rep(issuer, LINDQVIST))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR)).status_code == 202
    post(client, f"{base}/verification", FAILED, rep(issuer, LINDQVIST))
    post(client, f"{base}/verification", VERIFIED, rep(issuer, LINDQVIST))
    approval = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, LEAD))
    assert (approval.status_code, approval.json_body.get("code")) == (409, "verification_failed_uncleared"), \
        approval.body
    assert clear(client, issuer, request_id, {"reason": REASON}).status_code == 200
    stale = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, LEAD))
    assert (stale.status_code, stale.json_body.get("code")) == (409, "verification_required")
    post(client, f"{base}/verification", VERIFIED, rep(issuer, LINDQVIST))
    approved = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, LEAD))
    assert (approved.status_code, approved.json_body["status"]) == (200, "fulfilled"), approved.body


def test_given_a_pending_proposal_and_a_failed_callback_then_it_can_still_be_declined(client, issuer, high_risk_es):
    request_id = acknowledged_emergency(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    post(client, f"{base}/verification", VERIFIED, rep(issuer, LINDQVIST))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR)).status_code == 202
    post(client, f"{base}/verification", FAILED, rep(issuer, LINDQVIST))
    declined = post(client, f"{base}/decision/approval", {"approve": False}, rep(issuer, LEAD))
    assert (declined.status_code, declined.json_body["status"]) == (200, "acknowledged")


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({}, 400, "missing_field", "reason"),
    ({"reason": "   "}, 400, "invalid_field", "reason"),
    ({"reason": "ok\u0000"}, 400, "invalid_field", "reason"),
    ({"reason": 42}, 400, "invalid_field", "reason"),
    ({"reason": "x" * 2001}, 400, "invalid_field", "reason"),
    ({"reason": REASON, "by": LEAD}, 400, "unknown_field", "by"),
])
def test_given_a_clearance_without_a_proper_reason_then_400_and_the_failure_stands(client, issuer, body, status,
                                                                                  code, field):
    request_id = acknowledged_emergency(client, issuer)
    post(client, f"/v1/requests/{request_id}/verification", FAILED, rep(issuer, LINDQVIST))
    refused = clear(client, issuer, request_id, body)
    assert (refused.status_code, refused.json_body.get("code"), refused.json_body.get("field")) == (status, code, field)
    assert [v["outcome"] for v in history(client, issuer, request_id)] == ["failed"]


def test_given_a_clearance_by_someone_other_than_the_regions_lead_then_refused_and_recorded(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    post(client, f"/v1/requests/{request_id}/verification", FAILED, rep(issuer, LINDQVIST))
    for sub in (LINDQVIST, OKAFOR):
        refused = clear(client, issuer, request_id, {"reason": REASON}, sub=sub)
        assert (refused.status_code, refused.json_body.get("code")) == (403, "not_region_lead"), refused.body
    # Another region's lead does not see the request at all; an authority may not call the route.
    assert clear(client, issuer, request_id, {"reason": REASON}, "lead-us-whitfield", "us").status_code == 404
    officer = post(client, f"/v1/requests/{request_id}/verification/clear", {"reason": REASON},
                   authority(issuer, FR, mfa=True))
    assert (officer.status_code, officer.json_body.get("code")) == (403, "role_not_allowed")
    assert [v["outcome"] for v in history(client, issuer, request_id)] == ["failed"]
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=rep(issuer)).json_body
    assert [json.loads(e["detail"])["code"] for e in trail["events"] if e["kind"] == "refused"] == [
        "not_region_lead", "not_region_lead"]


def test_given_nothing_to_clear_then_409(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    nothing = clear(client, issuer, request_id, {"reason": REASON})
    assert (nothing.status_code, nothing.json_body.get("code")) == (409, "no_failed_verification")
    post(client, f"/v1/requests/{request_id}/verification", FAILED, rep(issuer, LINDQVIST))
    assert clear(client, issuer, request_id, {"reason": REASON}).status_code == 200
    twice = clear(client, issuer, request_id, {"reason": REASON})
    assert (twice.status_code, twice.json_body.get("code")) == (409, "no_failed_verification")


def test_given_a_closed_request_then_no_clearance(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    post(client, f"/v1/requests/{request_id}/verification", FAILED, rep(issuer, LINDQVIST))
    rejected = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "rejected", "reason": "other"},
                    rep(issuer))
    assert rejected.status_code == 200  # refusing to disclose needs no verification
    closed = clear(client, issuer, request_id, {"reason": REASON})
    assert (closed.status_code, closed.json_body.get("code")) == (409, "illegal_transition")
