"""Issue 13 point 3: alerts meant for the region's lead go to the lead of its registry, whatever reassignments
did to the escalation chain: the "possibly forged" alert of a failed call-back, the first-emergency flag and the
notice of a high-risk decision waiting for approval. The lead stays last in the chain after any reassignment."""

from __future__ import annotations

import json
import uuid

import pytest

from chalicelib.services import config
from tests.helpers import FR, admin, authority, bearer, give_notice, post, record_notices, submission

ES = "es-castavel-fiscalia"  # seeded, verified, ES → region eu
LEAD, OKAFOR, LINDQVIST = "lead-eu-rossi", "rep-eu-okafor", "rep-eu-lindqvist"
FAILED = {"method": "phone_callback", "number_source": "official_directory", "outcome": "failed",
          "note": "The number in the directory does not know this officer."}


def rep(issuer, sub=OKAFOR, region="eu"):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True))


@pytest.fixture
def flags(monkeypatch):
    """(topic, recipient, message) of each FLAGGED notice published during the test: what was meant for a lead."""
    published = record_notices(monkeypatch)

    def flagged(request_id: str, about: str):
        return [(topic, recipient, message) for topic, recipient, message in published()
                if message.startswith("FLAGGED: ") and request_id in message and about in message]

    return flagged


@pytest.fixture
def high_risk_es(client, issuer):
    before = client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)).json_body["document"]
    stored = client.http.put("/v1/admin/risk-tiers", body=json.dumps(
        {"jurisdictions": {"ES": "high"}, "default": "standard"}).encode(), headers=admin(issuer))
    assert stored.status_code == 200
    yield
    client.http.put("/v1/admin/risk-tiers", body=json.dumps(before).encode(), headers=admin(issuer))
    config.forget()


def reassign(client, issuer, request_id: str, to: str, by: str = OKAFOR) -> list[str]:
    """Reassign as ``by``; the escalation chain it leaves."""
    moved = post(client, f"/v1/requests/{request_id}/reassign", {"rep_id": to}, rep(issuer, by))
    assert moved.status_code == 200, moved.body
    assert moved.json_body["assignee"] == to
    return moved.json_body["routing"]["escalation_chain"]


def held_by_okafor(client, issuer, body: dict, headers: dict) -> str:
    """File a request and make sure okafor holds it (the rotation may have given it to lindqvist)."""
    created = post(client, "/v1/requests", body, headers)
    assert created.status_code == 201, created.body
    request_id = created.json_body["id"]
    if created.json_body["assignee"] != OKAFOR:
        assert reassign(client, issuer, request_id, OKAFOR, by=LEAD) == [LINDQVIST, LEAD]
    return request_id


def emergency_held_by_okafor(client, issuer) -> str:
    return held_by_okafor(client, issuer, submission("emergency_disclosure"), authority(issuer, FR, mfa=True))


def test_given_a_reassignment_to_the_lead_and_back_then_a_failed_callback_alerts_the_lead(client, issuer, flags):
    """The issue's reproduction: the chain became [lead-eu-rossi, rep-eu-lindqvist] and lindqvist got the alert."""
    request_id = emergency_held_by_okafor(client, issuer)
    assert reassign(client, issuer, request_id, LEAD)[-1] == LEAD
    chain = reassign(client, issuer, request_id, OKAFOR)
    assert chain[-1] == LEAD and OKAFOR not in chain
    recorded = post(client, f"/v1/requests/{request_id}/verification", FAILED, rep(issuer))
    assert recorded.status_code == 200, recorded.body
    assert [(topic, recipient) for topic, recipient, _ in flags(request_id, "possibly forged")] == [
        ("representatives", LEAD)]
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer, FR, mfa=True))


def test_given_a_reassignment_from_the_lead_to_another_then_the_acting_representative_is_not_alerted_as_lead(
        client, issuer, flags):
    """Reassigning lead → lindqvist left okafor, who acted, last in the chain, receiving their own alert."""
    request_id = emergency_held_by_okafor(client, issuer)
    reassign(client, issuer, request_id, LEAD)
    chain = reassign(client, issuer, request_id, LINDQVIST)
    assert chain[-1] == LEAD and LINDQVIST not in chain and len(chain) == len(set(chain))
    assert post(client, f"/v1/requests/{request_id}/verification", FAILED, rep(issuer)).status_code == 200
    assert [(topic, recipient) for topic, recipient, _ in flags(request_id, "possibly forged")] == [
        ("representatives", LEAD)]
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer, FR, mfa=True))


def test_given_a_reassignment_to_the_lead_and_back_then_a_high_risk_proposal_is_flagged_to_the_lead(
        client, issuer, flags, high_risk_es):
    request_id = held_by_okafor(client, issuer, submission(), authority(issuer, ES))
    reassign(client, issuer, request_id, LEAD)
    assert reassign(client, issuer, request_id, OKAFOR)[-1] == LEAD
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
    give_notice(client, request_id, rep(issuer))
    proposed = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer))
    assert proposed.status_code == 202, proposed.body
    assert [(topic, recipient) for topic, recipient, _ in flags(request_id, "waits for a second")] == [
        ("representatives", LEAD)]
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer, ES))


def test_given_a_region_without_an_available_lead_then_the_first_emergency_is_flagged_to_the_operators(
        client, issuer, flags):
    """The chain's last place is then a plain representative (the backup): they must not get the lead's flag."""
    agency = f"it-carabinieri-{uuid.uuid4().hex[:6]}"
    assert post(client, "/v1/admin/agencies", {
        "id": agency, "name": "Carabinieri di Serravalle", "country": "IT", "kind": "police",
        "email_domain": "carabinieri-serravalle.example", "contact_email": "richieste@carabinieri-serravalle.example"},
        admin(issuer)).status_code == 201
    assert post(client, f"/v1/admin/agencies/{agency}/verify", {}, admin(issuer)).status_code == 200
    assert post(client, f"/v1/admin/representatives/{LEAD}/deactivate", {}, admin(issuer)).status_code == 200
    try:
        created = post(client, "/v1/requests", submission("emergency_disclosure"), authority(issuer, agency, mfa=True))
        assert created.status_code == 201, created.body
    finally:
        assert post(client, f"/v1/admin/representatives/{LEAD}/reactivate", {}, admin(issuer)).status_code == 200
    request_id = created.json_body["id"]
    view = client.http.get(f"/v1/requests/{request_id}", headers=rep(issuer)).json_body
    assert view["safeguards"]["first_emergency"] is True
    assert LEAD not in view["routing"]["escalation_chain"]
    assert [(topic, recipient) for topic, recipient, _ in flags(request_id, "first emergency request")] == [
        ("operators", None)]
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer, agency, mfa=True))
