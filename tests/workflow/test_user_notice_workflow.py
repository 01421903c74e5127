"""Issue 16, point 2: the workflow keeps the user notice's timers (the real ASL in moto's Step Functions interpreter).

When a non-disclosure order ends, or the policy's days after an emergency disclosure have passed, the workflow
marks the notice due: the desk's notice tasks show it and the assignee is e-mailed; if nobody records the notice by
its deadline, the lead is told. An indefinite order's review day tells the assignee and the authority. The API
hands the workflow a new timer when the authority declares, renews or ends an order after the decision.
Timers are scaled (``sla_scale``); the stored dates stay the legal ones.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.services import dispatch as dispatch_module
from chalicelib.store.models import LegalRequest
from tests.helpers import FR, authority, post, submission
from tests.workflow.test_request_workflow import (aws, entered, events, execution, links_to_its_page,  # noqa: F401
                                                  notifications, rep, wait_until, waiting_for)
from tests.integration.test_user_notice import NOTICE, VERIFIED, stored_document

REPS, AGENCIES = "RepresentativesTopic", "AgencyNotificationsTopic"


@pytest.fixture(autouse=True)
def fast_timers(monkeypatch, request):
    from chalicelib.services import desk as desk_module, user_notice as notice_module

    marker = request.node.get_closest_marker("sla_scale")
    scale = marker.args[0] if marker else 1_000_000.0
    fast = dispatch_module.get_settings().model_copy(update={"sla_time_scale": scale})
    for module in (dispatch_module, desk_module, notice_module):
        monkeypatch.setattr(module, "get_settings", lambda: fast)


class Clock:
    """The tokens' clock: the real one (the workflow runs in real time)."""

    @staticmethod
    def now():
        from chalicelib.clock import app_clock

        return app_clock.now()


def acknowledged(client, issuer, kind="data_disclosure", **overrides) -> tuple[str, str]:
    created = post(client, "/v1/requests", submission(kind, **overrides), authority(issuer, FR, mfa=True))
    assert created.status_code == 201, created.body
    request_id, assignee = created.json_body["id"], created.json_body["assignee"]
    waiting_for(client, issuer, request_id, "acknowledgement")
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer, assignee)).status_code == 200
    waiting_for(client, issuer, request_id, "decision")
    return request_id, assignee


def executions(aws, request_id) -> list[str]:
    """The request's executions in order: its own, then each one a notice timer was handed over to
    (``ContinueNotice``: <request id>-n1, -n2...)."""
    listed = aws["sfn"].list_executions(stateMachineArn=aws["machine"])["executions"]
    names = {e["name"] for e in listed if e["name"] == request_id or e["name"].startswith(f"{request_id}-n")}
    return sorted(names, key=lambda name: 0 if name == request_id else int(name.rsplit("-n", 1)[1]))


def all_entered(aws, request_id) -> list[str]:
    """The states entered, over every execution of the request."""
    return [state for name in executions(aws, request_id) for state in entered(aws, name)]


def latest(aws, request_id) -> dict:
    return execution(aws, executions(aws, request_id)[-1])


def kinds(client, issuer, request_id) -> list[str]:
    return [kind for kind, _, _ in events(client, issuer, request_id)]


def tasks(client, issuer) -> list[str]:
    ids, cursor = [], None
    while True:
        page = client.http.get("/v1/notice-tasks?limit=100" + (f"&cursor={cursor}" if cursor else ""),
                               headers=rep(issuer, "rep-eu-okafor")).json_body
        ids += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


def fulfil(client, issuer, request_id, sub):
    done = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep(issuer, sub))
    assert done.status_code == 200, done.body
    return done.json_body


def test_given_an_emergency_disclosure_then_its_notice_falls_due_and_the_lead_hears_when_nobody_records_it(
        client, issuer, aws):
    request_id, assignee = acknowledged(client, issuer, "emergency_disclosure")
    verifier = "rep-eu-lindqvist" if assignee != "rep-eu-lindqvist" else "rep-eu-okafor"
    assert post(client, f"/v1/requests/{request_id}/verification", VERIFIED, rep(issuer, verifier)).status_code == 200
    decided = fulfil(client, issuer, request_id, assignee)
    assert decided["user_notice"]["state"] == "delayed"
    # 14 days, then the 7 days to record it: a second each at this scale.
    wait_until(lambda: "user_notice_overdue" in kinds(client, issuer, request_id))
    item = LegalRequest.get(request_id, consistent_read=True)
    assert item.notice_state == "due" and item.notice_overdue is True
    assert request_id in tasks(client, issuer)
    sent = notifications(aws, REPS, request_id)
    due = [(who, text) for who, text in sent if "USER NOTICE DUE" in text]
    assert due and due[0][0] == assignee and links_to_its_page(due[0][1], request_id)
    overdue = [(who, text) for who, text in sent if "USER NOTICE OVERDUE" in text]
    lead = LegalRequest.get(request_id, consistent_read=True).escalation_chain[-1]
    assert overdue and overdue[0][0] == lead and links_to_its_page(overdue[0][1], request_id)
    view = client.http.get(f"/v1/requests/{request_id}", headers=rep(issuer, assignee)).json_body["user_notice"]
    assert view["state"] == "due" and view["overdue"] is True
    # Recorded late, it is still recorded; the workflow ends and the task leaves the list.
    waiting_for(client, issuer, request_id, "notice")
    given = post(client, f"/v1/requests/{request_id}/user-notice", NOTICE, rep(issuer, assignee))
    assert given.status_code == 200, given.body
    wait_until(lambda: latest(aws, request_id)["status"] == "SUCCEEDED")
    assert request_id not in tasks(client, issuer)
    trail = client.http.get(f"/v1/requests/{request_id}/audit",
                            headers=rep(issuer, "lead-eu-rossi")).json_body
    assert trail["verified"] is True, trail


@pytest.mark.sla_scale(60_480.0)  # the 7 days to record a due notice last 10 s
def test_given_the_order_ended_after_the_disclosure_then_a_notice_recorded_in_time_ends_the_workflow(
        client, issuer, aws):
    until = (date.today() + timedelta(days=30)).isoformat()
    request_id, assignee = acknowledged(client, issuer, non_disclosure={"legal_basis": "18 USC 2705(b)",
                                                                        "until": until})
    fulfil(client, issuer, request_id, assignee)
    waiting_for(client, issuer, request_id, "notice")
    assert "AwaitNoticeDue" in all_entered(aws, request_id)
    # The decision handed the timer to an execution of its own: the request's first one ended there.
    assert entered(aws, request_id)[-2:] == ["ContinueNotice", "HandedOver"]
    assert execution(aws, request_id)["status"] == "SUCCEEDED"
    # Renewed with its document: the workflow takes the new end; then the court lifts it.
    document = stored_document(client, issuer, Clock, request_id)
    renewed = post(client, f"/v1/requests/{request_id}/non-disclosure",
                   {"legal_basis": "18 USC 2705(b), renewed", "until": (date.today() + timedelta(days=60)).isoformat(),
                    "document_id": document}, authority(issuer, FR))
    assert renewed.status_code == 200, renewed.body
    wait_until(lambda: all_entered(aws, request_id).count("AwaitNoticeDue") >= 2)
    ended = post(client, f"/v1/requests/{request_id}/non-disclosure/end", {"reason": "Lifted by the court."},
                 authority(issuer, FR))
    assert ended.status_code == 200 and ended.json_body["user_notice"]["state"] == "due"
    wait_until(lambda: "AwaitNoticeRecorded" in all_entered(aws, request_id))
    assert any("USER NOTICE DUE" in text for _, text in notifications(aws, REPS, request_id))
    waiting_for(client, issuer, request_id, "notice")
    assert post(client, f"/v1/requests/{request_id}/user-notice", NOTICE, rep(issuer, assignee)).status_code == 200
    wait_until(lambda: latest(aws, request_id)["status"] == "SUCCEEDED")
    history = kinds(client, issuer, request_id)
    assert "user_notice_overdue" not in history and "user_notice_due" not in history  # the API made it due
    assert history.count("non_disclosure_declared") == 1 and "non_disclosure_ended" in history


def test_given_an_indefinite_order_then_its_review_day_tells_the_desk_and_the_authority(client, issuer, aws):
    review = (date.today() + timedelta(days=1)).isoformat()
    request_id, assignee = acknowledged(client, issuer, non_disclosure={"legal_basis": "Court order 26-114",
                                                                        "indefinite": True, "review_on": review})
    fulfil(client, issuer, request_id, assignee)
    wait_until(lambda: "non_disclosure_review_due" in kinds(client, issuer, request_id))
    assert request_id in tasks(client, issuer)
    assert LegalRequest.get(request_id, consistent_read=True).notice_state == "prohibited"  # still respected
    waiting_for(client, issuer, request_id, "notice")
    assert any("REVIEW DUE" in text for _, text in notifications(aws, REPS, request_id))
    told = notifications(aws, AGENCIES, request_id)
    assert any(who == FR and "review day" in text and links_to_its_page(text, request_id) for who, text in told)
    refused = post(client, f"/v1/requests/{request_id}/user-notice", NOTICE, rep(issuer, assignee))
    assert (refused.status_code, refused.json_body["code"]) == (409, "notice_prohibited")
    ended = post(client, f"/v1/requests/{request_id}/non-disclosure/end", {"reason": "No longer needed."},
                 authority(issuer, FR))
    assert ended.status_code == 200
    wait_until(lambda: "AwaitNoticeRecorded" in all_entered(aws, request_id))
    waiting_for(client, issuer, request_id, "notice")
    assert post(client, f"/v1/requests/{request_id}/user-notice", NOTICE, rep(issuer, assignee)).status_code == 200
    wait_until(lambda: latest(aws, request_id)["status"] == "SUCCEEDED")


@pytest.mark.sla_scale(5_184_000.0)  # a leg of 120 days lasts 2 s; the day to record a removal's notice, 1 s
def test_given_an_order_longer_than_an_execution_lives_then_its_timer_runs_in_legs_and_tells_who_holds_it_now(
        client, issuer, aws):
    """A Standard execution lives a year at most; an order of 300 days after the decision is waited out in three
    executions of at most 120 days each, and the notice still falls due, to the representative who holds the
    request then (reassigned after filing), and the lead hears when it is not recorded."""
    until = (date.today() + timedelta(days=300)).isoformat()
    request_id, assignee = acknowledged(client, issuer, non_disclosure={"legal_basis": "18 USC 2705(b)",
                                                                        "until": until})
    other = "rep-eu-okafor" if assignee != "rep-eu-okafor" else "rep-eu-lindqvist"
    moved = post(client, f"/v1/requests/{request_id}/reassign", {"rep_id": other}, rep(issuer, "lead-eu-rossi"))
    assert moved.status_code == 200, moved.body
    waiting_for(client, issuer, request_id, "decision")
    fulfil(client, issuer, request_id, other)
    wait_until(lambda: "user_notice_overdue" in kinds(client, issuer, request_id), limit=40.0)
    names = executions(aws, request_id)
    assert names[:4] == [request_id, f"{request_id}-n1", f"{request_id}-n2", f"{request_id}-n3"], names
    assert all(execution(aws, name)["status"] == "SUCCEEDED" for name in names[:3])  # each handed over
    legs = [entered(aws, name) for name in names[1:4]]
    assert [leg.count("NoticeLongLeg") + leg.count("NoticeLastLeg") for leg in legs] == [1, 1, 0]
    assert "RecordNoticeDue" in legs[2] and "NotifyNoticeOverdue" in legs[2]
    due = [who for who, text in notifications(aws, REPS, request_id) if "USER NOTICE DUE" in text]
    assert due == [other]
    item = LegalRequest.get(request_id, consistent_read=True)
    assert item.notice_state == "due" and request_id in tasks(client, issuer)
