"""Issue 13, point 5 (last bullet): the "must differ" rules compare registered people, not strings.

The call-back must be confirmed by someone other than whoever fulfils (or proposes, or approves) an emergency
disclosure, and a high-risk fulfilment must be approved by someone other than its proposer. "Someone" is the
person in the representatives' registry: a subject is resolved to its entry (its id compared without case or
surrounding space), and two entries with one e-mail address are one person. A subject that is not in the
registry is nobody: it cannot be the "other" person.

The guard already refuses callers who are not registered, so variants and ghosts reach these rules through what
is stored on a request (records written before the guard checked the registry); they are planted here directly.
"""

from __future__ import annotations

import uuid

import pytest
from pynamodb.exceptions import UpdateError

from chalicelib.clock import app_clock, isoformat
from chalicelib.store import representatives
from chalicelib.store.models import LegalRequest, Representative
from tests.integration.test_safeguards import ES, VERIFIED, acknowledged, acknowledged_emergency, rep
from tests.integration.test_safeguards import high_risk_es  # noqa: F401 - a fixture
from tests.helpers import give_notice, post

OKAFOR, LINDQVIST, LEAD = "rep-eu-okafor", "rep-eu-lindqvist", "lead-eu-rossi"


@pytest.fixture
def okafor_alias():
    """A second registry entry for Marc Okafor: another id, his e-mail address (in capitals). Not available, so
    it takes no assignment and the seeded desk's rotation is unchanged; removed afterwards."""
    okafor = Representative.get(OKAFOR)
    now = isoformat(app_clock.now())
    alias = Representative(f"rep-eu-okafor-{uuid.uuid4().hex[:6]}", name="Marc Okafor (second account)",
                           email=f"  {okafor.email.upper()}", region="eu", lead=False, available=False,
                           created_at=now, updated_at=now)
    alias.save()
    representatives.forget()
    yield alias.rep_id
    alias.delete()
    representatives.forget()


def plant(request_id: str, **values) -> None:
    """Write stored values as an older version of the service (before the guard checked the registry) left them.
    On the version read: a write of the workflow (its task token) in between is met by reading again."""
    for attempt in range(5):
        item = LegalRequest.get(request_id, consistent_read=True)
        try:
            item.update(actions=[getattr(LegalRequest, name).set(value) for name, value in values.items()])
            return
        except UpdateError:
            if attempt == 4:
                raise


def record(by: str) -> dict:
    return {**VERIFIED, "by": by, "at": isoformat(app_clock.now())}


def test_given_a_second_registry_entry_of_the_verifier_then_it_cannot_fulfil(client, issuer, okafor_alias):
    request_id = acknowledged_emergency(client, issuer)
    assert post(client, f"/v1/requests/{request_id}/verification", VERIFIED, rep(issuer, OKAFOR)).status_code == 200
    same = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, okafor_alias))
    assert (same.status_code, same.json_body.get("code")) == (409, "verifier_must_differ"), same.body
    other = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, LINDQVIST))
    assert (other.status_code, other.json_body["status"]) == (200, "fulfilled")


def test_given_a_second_registry_entry_of_the_proposer_then_it_cannot_approve_nor_decline(
        client, issuer, high_risk_es, okafor_alias):
    request_id = acknowledged(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    give_notice(client, request_id, rep(issuer, OKAFOR))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR)).status_code == 202
    for approve in (True, False):
        same = post(client, f"{base}/decision/approval", {"approve": approve}, rep(issuer, okafor_alias))
        assert (same.status_code, same.json_body.get("code")) == (409, "approver_must_differ"), same.body
    approved = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, LINDQVIST))
    assert (approved.status_code, approved.json_body["status"]) == (200, "fulfilled")


@pytest.mark.parametrize("variant", ["REP-EU-OKAFOR", " rep-eu-okafor ", "Rep-Eu-Okafor\t"])
def test_given_a_verification_stored_under_a_variant_of_the_deciders_id_then_it_is_theirs(client, issuer, variant):
    request_id = acknowledged_emergency(client, issuer)
    plant(request_id, verification=record(variant))
    same = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR))
    assert (same.status_code, same.json_body.get("code")) == (409, "verifier_must_differ"), same.body
    other = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, LINDQVIST))
    assert (other.status_code, other.json_body["status"]) == (200, "fulfilled")


def test_given_a_verification_by_someone_not_in_the_registry_then_it_counts_for_nobody(client, issuer):
    request_id = acknowledged_emergency(client, issuer)
    plant(request_id, verification=record("ghost-rep"))
    for decider in (OKAFOR, LEAD):
        refused = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, decider))
        assert (refused.status_code, refused.json_body.get("code")) == (409, "verifier_not_registered"), refused.body
    # A registered representative's confirmation then counts as usual.
    assert post(client, f"/v1/requests/{request_id}/verification", VERIFIED, rep(issuer, LINDQVIST)).status_code == 200
    done = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, OKAFOR))
    assert (done.status_code, done.json_body["status"]) == (200, "fulfilled")


def test_given_a_proposal_stored_under_a_variant_of_the_approvers_id_then_they_cannot_approve_it(
        client, issuer, high_risk_es):
    request_id = acknowledged(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    give_notice(client, request_id, rep(issuer, LINDQVIST))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, LINDQVIST)).status_code == 202
    proposal = LegalRequest.get(request_id, consistent_read=True).pending_decision
    plant(request_id, pending_decision={**proposal, "proposed_by": "REP-EU-OKAFOR "})
    # The console does not offer the approval form to the proposer under another spelling, and offers it to others.
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.services.desk import Desk

    item = LegalRequest.get(request_id, consistent_read=True)
    offered = {sub: Desk().offers(Principal(sub, Role.REPRESENTATIVE, "test", 2_000_000_000, region="eu"), item)
               ["approve"] for sub in (OKAFOR, LINDQVIST)}
    assert offered == {OKAFOR: False, LINDQVIST: True}
    same = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, OKAFOR))
    assert (same.status_code, same.json_body.get("code")) == (409, "approver_must_differ"), same.body
    approved = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, LINDQVIST))
    assert (approved.status_code, approved.json_body["status"]) == (200, "fulfilled")


def test_given_a_proposal_by_someone_not_in_the_registry_then_nobody_can_approve_it_but_anyone_can_decline_it(
        client, issuer, high_risk_es):
    request_id = acknowledged(client, issuer, ES)
    base = f"/v1/requests/{request_id}"
    give_notice(client, request_id, rep(issuer, LINDQVIST))
    assert post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer, LINDQVIST)).status_code == 202
    proposal = LegalRequest.get(request_id, consistent_read=True).pending_decision
    plant(request_id, pending_decision={**proposal, "proposed_by": "ghost-rep"})
    for approver in (OKAFOR, LEAD):
        refused = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, approver))
        assert (refused.status_code, refused.json_body.get("code")) == (409, "proposer_not_registered"), refused.body
    declined = post(client, f"{base}/decision/approval", {"approve": False}, rep(issuer, OKAFOR))
    assert (declined.status_code, declined.json_body["status"]) == (200, "acknowledged")
