"""Safeguards before data leaves: call-back verification, emergency rate limits, the first-emergency flag,
and second approval in high-risk jurisdictions."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from chalicelib.api import authorities
from chalicelib.services import config
from chalicelib.services import intake as intake_module
from chalicelib.services.intake import request_id_for
from chalicelib.store.models import Filing
from tests.helpers import FR, admin, authority, bearer, give_notice, post, submission

ES = "es-castavel-fiscalia"
VERIFIED = {"method": "phone_callback", "number_source": "official_directory", "outcome": "confirmed",
            "note": "Called the Valmont switchboard from the ministry directory; Lt. Lefevre confirmed."}


def rep(issuer, sub="rep-eu-okafor", region="eu", now=None):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True,
                              **({"now": now} if now is not None else {})))


@pytest.fixture
def lead_flags(monkeypatch):
    """What was flagged to a region's lead (the real publisher still sends it)."""
    flagged = []
    for publisher in {id(p): p for p in (authorities.desk.publisher, authorities.intake.dispatch.publisher)}.values():
        original = publisher.tell_lead

        def spy(region, lead, request_id, text, _original=original):
            flagged.append((request_id, lead, text))
            return _original(region, lead, request_id, text)

        monkeypatch.setattr(publisher, "tell_lead", spy)
    return flagged


def acknowledged_emergency(client, issuer, agency=FR):
    created = post(client, "/v1/requests", submission("emergency_disclosure"), authority(issuer, agency, mfa=True))
    assert created.status_code == 201, created.body
    request_id = created.json_body["id"]
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
    return request_id


def test_given_an_emergency_then_it_is_fulfilled_only_after_another_representative_confirmed_a_callback(
        client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    decide = f"/v1/requests/{request_id}/decision"
    refused = post(client, decide, {"outcome": "fulfilled"}, rep(issuer))
    assert (refused.status_code, refused.json_body["code"]) == (409, "verification_required")
    partly = post(client, decide, {"outcome": "partially_fulfilled", "reason": "overbroad"}, rep(issuer))
    assert (partly.status_code, partly.json_body["code"]) == (409, "verification_required")
    verified = post(client, f"/v1/requests/{request_id}/verification", VERIFIED, rep(issuer))
    assert verified.status_code == 200
    assert verified.json_body["safeguards"]["verification"]["by"] == "rep-eu-okafor"
    same = post(client, decide, {"outcome": "fulfilled"}, rep(issuer))
    assert (same.status_code, same.json_body["code"]) == (409, "verifier_must_differ")
    done = post(client, decide, {"outcome": "fulfilled"}, rep(issuer, "rep-eu-lindqvist"))
    assert (done.status_code, done.json_body["status"]) == (200, "fulfilled")
    # The authority sees that a verification was required, not how it was done.
    seen = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, FR)).json_body["safeguards"]
    assert seen == {"verification_required": True}
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=rep(issuer)).json_body
    refusals = [json.loads(e["detail"])["code"] for e in trail["events"] if e["kind"] == "refused"]
    assert refusals == ["verification_required", "verification_required", "verifier_must_differ"]
    assert trail["verified"] is True


def test_given_an_emergency_rejected_then_no_verification_is_needed(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    decided = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "rejected", "reason": "no_data"},
                   rep(issuer))
    assert decided.status_code == 200


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"number_source": "request_callback_number"}, 422, "number_source_not_independent"),
    ({"number_source": "email_signature"}, 422, "number_source_not_independent"),
    ({"number_source": "a friend"}, 422, "invalid_field"),
    ({"method": "email"}, 400, "invalid_field"),
    ({"outcome": "probably"}, 400, "invalid_field"),
    ({"by": "rep-eu-lindqvist"}, 400, "unknown_field"),
])
def test_given_a_verification_that_proves_nothing_then_it_is_refused(client, issuer, change, status, code):
    request_id = acknowledged_emergency(client, issuer)
    response = post(client, f"/v1/requests/{request_id}/verification", {**VERIFIED, **change}, rep(issuer))
    assert (response.status_code, response.json_body["code"]) == (status, code), response.body
    view = client.http.get(f"/v1/requests/{request_id}", headers=rep(issuer)).json_body
    assert "verification" not in view["safeguards"]


def test_given_a_failed_callback_then_the_lead_is_alerted_and_fulfilment_stays_blocked(client, issuer, lead_flags):
    request_id = acknowledged_emergency(client, issuer)
    post(client, f"/v1/requests/{request_id}/verification", {**VERIFIED, "outcome": "failed"}, rep(issuer))
    assert any(r == request_id and "possibly forged" in text for r, _, text in lead_flags)
    refused = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"},
                   rep(issuer, "rep-eu-lindqvist"))
    # Blocked until the region's lead clears the failure (tests/integration/test_verification_history.py).
    assert refused.json_body["code"] == "verification_failed_uncleared"


def test_given_verification_from_outside_the_region_or_an_authority_then_refused(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    path = f"/v1/requests/{request_id}/verification"
    assert post(client, path, VERIFIED, rep(issuer, "rep-us-jordan", "us")).status_code == 404
    assert post(client, path, VERIFIED, authority(issuer, FR, mfa=True)).status_code == 403


def test_given_an_agencys_first_emergency_then_it_is_flagged_to_the_lead_once(client, issuer, lead_flags):
    agency = f"it-polizia-{uuid.uuid4().hex[:6]}"
    created = post(client, "/v1/admin/agencies", {
        "id": agency, "name": "Polizia di Serravalle", "country": "IT", "kind": "police",
        "email_domain": "serravalle.example", "contact_email": "richieste@serravalle.example"}, admin(issuer))
    assert created.status_code == 201
    assert post(client, f"/v1/admin/agencies/{agency}/verify", {}, admin(issuer)).status_code == 200
    officer = authority(issuer, agency, mfa=True)
    first = post(client, "/v1/requests", submission("emergency_disclosure"), officer).json_body
    second = post(client, "/v1/requests", submission("emergency_disclosure"), officer).json_body
    views = [client.http.get(f"/v1/requests/{r['id']}", headers=rep(issuer)).json_body for r in (first, second)]
    assert [v["safeguards"]["first_emergency"] for v in views] == [True, False]
    flagged = [(r, lead) for r, lead, text in lead_flags if "first emergency request" in text]
    assert flagged == [(first["id"], "lead-eu-rossi")]
    events = client.http.get(f"/v1/requests/{first['id']}/events", headers=rep(issuer)).json_body["events"]
    assert "flagged" in [e["kind"] for e in events]


def test_given_too_many_emergencies_in_an_hour_then_429_with_retry_after_and_nothing_stored(
        client, issuer, fixed_clock, monkeypatch):
    limited = intake_module.get_settings().model_copy(update={"emergency_limits": intake_module.get_settings()
                                                              .emergency_limits.model_copy(
        update={"agency_per_hour": 3, "officer_per_hour": 2})})
    monkeypatch.setattr(intake_module, "get_settings", lambda: limited)
    fixed_clock.advance(timedelta(days=3650 + uuid.uuid4().int % 1000))  # an hour no other test uses
    now = fixed_clock.now().timestamp()

    def officer(sub, key=None):
        headers = bearer(issuer.mint(role="authority", sub=sub, agency_id=ES, mfa=True, now=now))
        return {**headers, "Idempotency-Key": key} if key else headers

    assert [post(client, "/v1/requests", submission("emergency_disclosure"), officer("off-a")).status_code
            for _ in range(2)] == [201, 201]
    over = post(client, "/v1/requests", submission("emergency_disclosure"), officer("off-a", "rl-officer"))
    assert (over.status_code, over.json_body["code"]) == (429, "emergency_rate_limited")
    assert over.headers["Retry-After"] == "3600" and "officer" in over.json_body["message"]
    assert post(client, "/v1/requests", submission(), officer("off-a")).status_code == 201  # other types pass
    assert post(client, "/v1/requests", submission("emergency_disclosure"), officer("off-b")).status_code == 201
    agency_over = post(client, "/v1/requests", submission("emergency_disclosure"), officer("off-c", "rl-agency"))
    assert agency_over.status_code == 429 and "agency" in agency_over.json_body["message"]
    for key in ("rl-officer", "rl-agency"):
        assert client.http.get(f"/v1/requests/{request_id_for(ES, key)}", headers=officer("off-a")).status_code == 404
        assert list(Filing.query(request_id_for(ES, key), consistent_read=True)) == []  # nor its body as filed
    fixed_clock.advance(timedelta(hours=1))
    later = bearer(issuer.mint(role="authority", sub="off-a", agency_id=ES, mfa=True,
                               now=fixed_clock.now().timestamp()))
    assert post(client, "/v1/requests", submission("emergency_disclosure"), later).status_code == 201


@pytest.fixture
def high_risk_es(client, issuer):
    before = client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)).json_body["document"]
    stored = client.http.put("/v1/admin/risk-tiers", body=json.dumps(
        {"jurisdictions": {"ES": "high", "DE": "elevated"}, "default": "standard"}).encode(), headers=admin(issuer))
    assert stored.status_code == 200 and stored.json_body["updated_by"] == "admin:admin-1"
    yield
    client.http.put("/v1/admin/risk-tiers", body=json.dumps(before).encode(), headers=admin(issuer))
    config.forget()


def acknowledged(client, issuer, agency):
    request_id = post(client, "/v1/requests", submission(), authority(issuer, agency)).json_body["id"]
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
    return request_id


def test_given_a_high_risk_jurisdiction_then_a_fulfilment_needs_a_second_representative(client, issuer, high_risk_es):
    request_id = acknowledged(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    view = client.http.get(base, headers=rep(issuer)).json_body["safeguards"]
    assert (view["risk_tier"], view["second_approval_required"]) == ("high", True)
    give_notice(client, request_id, rep(issuer))
    proposed = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer))
    assert proposed.status_code == 202 and proposed.json_body["status"] == "acknowledged"
    assert proposed.json_body["safeguards"]["pending_decision"]["proposed_by"] == "rep-eu-okafor"
    again = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, "rep-eu-lindqvist"))
    assert (again.status_code, again.json_body["code"]) == (409, "approval_pending")
    self_approval = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer))
    assert (self_approval.status_code, self_approval.json_body["code"]) == (409, "approver_must_differ")
    approved = post(client, f"{base}/decision/approval", {"approve": True, "note": "Checked the order."},
                    rep(issuer, "rep-eu-lindqvist"))
    assert (approved.status_code, approved.json_body["status"]) == (200, "fulfilled")
    assert "pending_decision" not in approved.json_body["safeguards"]
    decided = [e for e in client.http.get(f"{base}/events", headers=rep(issuer)).json_body["events"]
               if e["kind"] == "decided"][0]
    assert (decided["detail"]["proposed_by"], decided["detail"]["approved_by"]) == ("rep-eu-okafor",
                                                                                   "rep-eu-lindqvist")


def test_given_a_declined_proposal_then_the_request_stays_open_for_another_decision(client, issuer, high_risk_es):
    request_id = acknowledged(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    give_notice(client, request_id, rep(issuer))
    post(client, f"{base}/decision", {"outcome": "partially_fulfilled", "reason": "overbroad"}, rep(issuer))
    declined = post(client, f"{base}/decision/approval", {"approve": False}, rep(issuer, "rep-eu-lindqvist"))
    assert declined.status_code == 200 and declined.json_body["status"] == "acknowledged"
    assert "pending_decision" not in declined.json_body["safeguards"]
    nothing = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, "rep-eu-lindqvist"))
    assert (nothing.status_code, nothing.json_body["code"]) == (409, "no_pending_decision")
    rejected = post(client, f"{base}/decision", {"outcome": "rejected", "reason": "fundamental_rights"}, rep(issuer))
    assert (rejected.status_code, rejected.json_body["status"]) == (200, "rejected")  # no approval for a refusal


def test_given_other_tiers_then_fulfilment_is_immediate(client, issuer, high_risk_es):
    for agency in ("de-nordmark-lka", FR):
        request_id = acknowledged(client, issuer, agency)
        give_notice(client, request_id, rep(issuer))
        decided = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer))
        assert (decided.status_code, decided.json_body["status"]) == (200, "fulfilled")


@pytest.mark.parametrize(("body", "field"), [
    ({"jurisdictions": {"XX": "high"}}, "jurisdictions"), ({"jurisdictions": {"ES": "extreme"}}, "jurisdictions.ES"),
    ({"default": "none"}, "default"), ({"owner": "me"}, "owner"),
])
def test_given_broken_risk_tiers_then_400_and_the_tiers_stand(client, issuer, high_risk_es, body, field):
    response = client.http.put("/v1/admin/risk-tiers", body=json.dumps(body).encode(), headers=admin(issuer))
    assert (response.status_code, response.json_body["field"]) == (400, field), response.body
    assert client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)).json_body["document"]["jurisdictions"][
        "ES"] == "high"
    assert client.http.get("/v1/admin/risk-tiers", headers=rep(issuer)).status_code == 403


def test_given_a_put_without_a_body_then_400_and_the_tiers_stand(client, issuer, high_risk_es):
    """A missing body reads as {}; for a whole-document PUT that would reset the tiers to the defaults."""
    response = client.http.put("/v1/admin/risk-tiers", body=b"", headers=admin(issuer))
    assert (response.status_code, response.json_body["code"]) == (400, "missing_body")
    assert client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)).json_body["document"]["jurisdictions"][
        "ES"] == "high"


def test_given_safeguard_steps_then_the_authority_timeline_does_not_show_them(client, issuer, high_risk_es):
    request_id = acknowledged_emergency(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    post(client, f"{base}/verification", {**VERIFIED, "outcome": "failed", "note": "Likely forged."}, rep(issuer))
    assert post(client, f"{base}/verification/clear", {"reason": "Wrong number dialled: forged after all?"},
                rep(issuer, "lead-eu-rossi")).status_code == 200
    post(client, f"{base}/verification", VERIFIED, rep(issuer))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, "rep-eu-lindqvist")
                ).status_code == 202
    approved = post(client, f"{base}/decision/approval", {"approve": True, "note": "ok"}, rep(issuer, "lead-eu-rossi"))
    assert approved.status_code == 200
    seen = client.http.get(f"{base}/events", headers=authority(issuer, ES, mfa=True)).json_body["events"]
    kinds = [e["kind"] for e in seen]
    assert not {"verification_recorded", "verification_cleared", "flagged", "decision_proposed", "refused"} & set(kinds)
    decided = next(e for e in seen if e["kind"] == "decided")
    # The outcome, and where the user's notice stands after it (as the request's view shows the authority): no more.
    assert set(decided["detail"]) == {"outcome", "user_notice"}
    assert set(decided["detail"]["user_notice"]) == {"state", "due_at"}
    assert decided["detail"]["user_notice"]["state"] == "delayed"
    assert "forged" not in json.dumps(seen) and "official_directory" not in json.dumps(seen)


def test_given_the_verifier_then_they_cannot_make_a_fulfilment_take_effect_by_approving_it(
        client, issuer, high_risk_es):
    request_id = acknowledged_emergency(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    post(client, f"{base}/verification", VERIFIED, rep(issuer, "rep-eu-lindqvist"))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer)).status_code == 202
    by_verifier = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, "rep-eu-lindqvist"))
    assert (by_verifier.status_code, by_verifier.json_body["code"]) == (409, "verifier_must_differ")
    assert post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, "lead-eu-rossi")
                ).status_code == 200


def test_given_two_emergencies_meeting_on_the_counters_then_the_submission_is_retried_not_refused(
        client, issuer, monkeypatch):
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
    from pynamodb.transactions import TransactWrite

    original, calls = TransactWrite._commit, []

    def conflicting_once(self):
        calls.append(1)
        if len(calls) == 1:
            raise TransactWriteError("conflict", cause=VerboseClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}},
                "TransactWriteItems", cancellation_reasons=[None, None, CancellationReason(code="TransactionConflict")]))
        return original(self)

    monkeypatch.setattr(TransactWrite, "_commit", conflicting_once)
    created = post(client, "/v1/requests", submission("emergency_disclosure"), authority(issuer, FR, mfa=True))
    assert created.status_code == 201, created.body


def test_given_a_hold_past_its_expiry_then_it_cannot_be_extended_even_before_the_workflow_records_it(
        client, issuer, fixed_clock):
    def at_now(role, **claims):
        return bearer(issuer.mint(role=role, mfa=True, now=fixed_clock.now().timestamp(), **claims))

    officer = lambda: at_now("authority", sub="officer-1", agency_id=FR)  # noqa: E731
    request_id = post(client, "/v1/requests", submission("preservation"), officer()).json_body["id"]
    representative = at_now("representative", sub="rep-eu-okafor", region="eu")
    post(client, f"/v1/requests/{request_id}/acknowledge", {}, representative)
    decided = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, representative).json_body
    assert decided["hold"]["state"] == "active"
    fixed_clock.advance(timedelta(days=60, seconds=1))
    late = post(client, f"/v1/requests/{request_id}/extend", {}, officer())
    assert (late.status_code, late.json_body["code"]) == (409, "hold_not_active")
