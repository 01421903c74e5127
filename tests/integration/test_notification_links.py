"""Every e-mail the API sends about a request links to the request's console page, never to the JSON API
(which answers 401 in a browser): the reassignment notice, the agency notices, the operators' alerts, and the
link the workflow is started with."""

from __future__ import annotations

import re

import pytest

from chalicelib.settings import get_settings
from tests.helpers import FR, authority, bearer, post, record_notices, submission

JSON_URL = re.compile(r"https?://\S*/v1/")


def rep(issuer, sub="rep-eu-okafor", region="eu"):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True))


def page(request_id: str) -> str:
    return f"{get_settings().console_base_url}/requests/{request_id}"


def links_to_its_page(message: str, request_id: str) -> bool:
    return page(request_id) in message and not JSON_URL.search(message)


@pytest.fixture
def sent(monkeypatch):
    """(topic setting, recipient, message) of each notice the API publishes during the test."""
    return record_notices(monkeypatch)


def test_given_a_reassignment_then_the_new_assignee_gets_the_console_link(client, issuer, sent):
    created = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body
    other = "rep-eu-okafor" if created["assignee"] != "rep-eu-okafor" else "rep-eu-lindqvist"
    moved = post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": other}, rep(issuer, "lead-eu-rossi"))
    assert moved.status_code == 200, moved.body
    ((topic, recipient, message),) = sent()
    assert (topic, recipient) == ("representatives", other)
    assert "was reassigned to you by lead-eu-rossi" in message and links_to_its_page(message, created["id"])
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer, FR))


def test_given_acknowledgement_question_and_decision_then_each_agency_notice_has_the_console_link(
        client, issuer, sent):
    created = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body
    request_id, representative = created["id"], rep(issuer)
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, representative).status_code == 200
    assert post(client, f"/v1/requests/{request_id}/request-information", {"question": "Which time zone?"},
                representative).status_code == 200
    assert post(client, f"/v1/requests/{request_id}/messages", {"body": "CET."}, authority(issuer, FR)
                ).status_code == 200
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "rejected", "reason": "overbroad"},
                representative).status_code == 200
    notices = [(recipient, message) for topic, recipient, message in sent() if topic == "agency"]
    assert [recipient for recipient, _ in notices] == [FR, FR, FR]
    assert ["acknowledged your request" in notices[0][1], "Question: Which time zone?" in notices[1][1],
            "decided your request: rejected" in notices[2][1]] == [True, True, True]
    for _, message in notices:
        assert f"Details: {page(request_id)}" in message and links_to_its_page(message, request_id), message
        assert "suspect_account_42" not in message


def test_given_nobody_available_and_no_timers_then_the_operators_alerts_have_the_console_link(sent):
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

    item = LegalRequest("LR-BBBBBBBBBBBBBBBB", region="empty", type="preservation", status="received",
                        ack_due_at="2026-11-29T03:00:00.000Z", due_at="2026-11-29T03:00:00.000Z",
                        agency_id=FR, reference="r")
    Dispatch(representatives=Nobody(), workflow=Broken()).dispatch(item)
    alerts = sent()
    assert [topic for topic, _, _ in alerts] == ["operators", "operators"]
    assert "no available representative" in alerts[0][2] and "did not start" in alerts[1][2]
    assert all(links_to_its_page(message, item.request_id) for _, _, message in alerts), alerts


def test_given_a_plan_then_the_workflow_starts_with_the_console_link():
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.store.models import LegalRequest

    item = LegalRequest("LR-CCCCCCCCCCCCCCCC", region="eu", type="preservation", status="assigned",
                        assignee="rep-eu-okafor", escalation_chain=["rep-eu-lindqvist", "lead-eu-rossi"],
                        ack_due_at="2026-11-29T03:00:00.000Z", due_at="2026-11-29T03:00:00.000Z",
                        agency_id=FR, reference="r")
    assert Dispatch().plan(item)["link"] == page(item.request_id)
