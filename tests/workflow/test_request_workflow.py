"""The request workflow (the real ASL file) run by moto's Step Functions interpreter, driven through the API.

Timers are scaled so every wait lasts one second (SLA time scale 10^6); the
stored deadlines stay the legal ones. Given/When/Then in each test's name.

A test that shows something did *not* happen in time (no escalation, no breach while paused) must act before
a one-second wait ends, and a slow machine's first execution can take longer than that. Such a test sets its
own scale with `@pytest.mark.sla_scale(...)`, so its deadline is comfortably longer than the API calls.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import boto3
import pytest

from chalicelib.clock import parse_instant
from chalicelib.services import dispatch as dispatch_module
from infra.local.refusals import RefusalPump
from tests.helpers import DE, FR, US, authority, bearer, give_notice, post, submission

REGION = "eu-west-1"
POLL = 0.1


# A data disclosure's 24 h acknowledgement wait lasts 30 s at this scale (its 10-day decision wait, 300 s).
ROOMY = 2_880.0


@pytest.fixture(autouse=True)
def fast_timers(monkeypatch, request):
    from chalicelib.services import desk as desk_module

    marker = request.node.get_closest_marker("sla_scale")
    scale = marker.args[0] if marker else 1_000_000.0
    fast = dispatch_module.get_settings().model_copy(update={"sla_time_scale": scale})
    monkeypatch.setattr(dispatch_module, "get_settings", lambda: fast)
    monkeypatch.setattr(desk_module, "get_settings", lambda: fast)


@pytest.fixture(scope="module")
def aws(local_resources):
    session = boto3.session.Session(region_name=REGION)
    sqs, sns = session.client("sqs"), session.client("sns")
    queues = {}
    for topic in ("RepresentativesTopic", "OperatorAlertsTopic", "AgencyNotificationsTopic"):
        url = sqs.create_queue(QueueName=f"wf-{topic}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=local_resources.created[topic].ref, Protocol="sqs", Endpoint=arn)
        queues[topic] = url
    return {"sfn": session.client("stepfunctions"), "sqs": sqs, "queues": queues,
            "machine": local_resources.created["RequestWorkflow"].ref}


def rep(issuer, rep_id, region="eu"):
    return bearer(issuer.mint(role="representative", sub=rep_id, region=region, mfa=True))


def execution(aws, request_id):
    """The execution's status, read from its history: moto's DescribeExecution can keep saying RUNNING
    after an execution ended through a Catch of a callback task (seen with the Resync path)."""
    arn = aws["machine"].replace(":stateMachine:", ":execution:") + f":{request_id}"
    last = aws["sfn"].get_execution_history(executionArn=arn)["events"][-1]["type"]
    ended = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED", "ExecutionAborted": "ABORTED",
             "ExecutionTimedOut": "TIMED_OUT"}
    return {"status": ended.get(last, "RUNNING")}


def wait_until(predicate, limit=20.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(POLL)
    raise AssertionError("condition not reached in time")


def waiting_for(client, issuer, request_id, what):
    from chalicelib.store.models import LegalRequest

    return wait_until(lambda: LegalRequest.get(request_id, consistent_read=True).waiting_for == what)


def settled_after_breach(aws, request_id):
    """Wait until the execution waits in AwaitAfterBreach, as a person acting after the breach notice would.
    (Acting while the workflow stores its next token can lose the token under moto, whose TransactWriteItems
    lets a concurrent UpdateItem slip between its condition check and its write; DynamoDB does not.)"""
    arn = aws["machine"].replace(":stateMachine:", ":execution:") + f":{request_id}"

    def waiting() -> bool:
        history = aws["sfn"].get_execution_history(executionArn=arn)["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
        return bool(entered) and entered[-1] == "AwaitAfterBreach" and history[-1]["type"] in {
            "TaskSubmitted", "TaskStarted", "TaskScheduled"}

    return wait_until(waiting)


def notifications(aws, topic, request_id):
    """Messages about this request on a topic (drains what it reads; keeps others' for their tests)."""
    found = []
    while True:
        batch = aws["sqs"].receive_message(QueueUrl=aws["queues"][topic], MaxNumberOfMessages=10,
                                           MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            body = json.loads(message["Body"])
            if request_id in body["Message"]:
                attributes = {k: v["Value"] for k, v in body.get("MessageAttributes", {}).items()}
                found.append((attributes.get("recipient"), body["Message"]))
                aws["sqs"].delete_message(QueueUrl=aws["queues"][topic], ReceiptHandle=message["ReceiptHandle"])


def events(client, issuer, request_id, region="eu"):
    """The timeline as the region's representatives see it (with routing details)."""
    body = client.http.get(f"/v1/requests/{request_id}/events", headers=rep(issuer, "lead-eu-rossi", region)).json_body
    return [(e["kind"], e["actor"], e["detail"]) for e in body["events"]]


def links_to_its_page(message, request_id):
    """The message links to the request's console page (the ConsoleBaseUrl substitution), and to no JSON API."""
    page = f"{dispatch_module.get_settings().console_base_url}/requests/{request_id}"
    return page in message and not re.search(r"https?://\S*/v1/", message)


def submit(client, issuer, agency=FR, kind="data_disclosure"):
    response = post(client, "/v1/requests", submission(kind), authority(issuer, agency, mfa=True))
    assert response.status_code == 201, response.body
    return response.json_body


@pytest.mark.sla_scale(ROOMY)
def test_given_an_acknowledgement_in_time_and_a_decision_then_no_escalation_and_the_execution_succeeds(
        client, issuer, aws):
    created = submit(client, issuer)
    waiting_for(client, issuer, created["id"], "acknowledgement")
    assignee = created["assignee"]
    acked = post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep(issuer, assignee))
    assert acked.status_code == 200 and acked.json_body["status"] == "acknowledged"
    waiting_for(client, issuer, created["id"], "decision")
    give_notice(client, created["id"], rep(issuer, assignee))
    decided = post(client, f"/v1/requests/{created['id']}/decision",
                   {"outcome": "fulfilled", "note": "Data package delivered."}, rep(issuer, assignee))
    assert decided.status_code == 200
    assert wait_until(lambda: execution(aws, created["id"])["status"] != "RUNNING") and \
        execution(aws, created["id"])["status"] == "SUCCEEDED"
    view = client.http.get(f"/v1/requests/{created['id']}", headers=authority(issuer)).json_body
    assert (view["status"], view["escalation_level"], view["sla_breached"]) == ("fulfilled", 0, False)
    assert view["acknowledged_at"] and view["decided_at"]
    kinds = [kind for kind, _, _ in events(client, issuer, created["id"])]
    assert kinds == ["submitted", "assigned", "acknowledged", "user_notice_recorded", "decided"]
    assert [r for r, _ in notifications(aws, "RepresentativesTopic", created["id"])] == [assignee]
    told = notifications(aws, "AgencyNotificationsTopic", created["id"])
    assert [recipient for recipient, _ in told] == [FR, FR]
    assert "acknowledged" in told[0][1] and "decided your request: fulfilled" in told[1][1]
    assert all("suspect_account_42" not in message for _, message in told)  # never a target identifier


def test_given_no_acknowledgement_then_it_escalates_to_the_backup_then_the_lead_then_breaches(client, issuer, aws):
    created = submit(client, issuer, kind="terrorist_content_removal")
    request_id = created["id"]
    trail = wait_until(lambda: (lambda t: t if t[-1][0] == "sla_breached" else None)(
        events(client, issuer, request_id)), limit=30)
    kinds = [kind for kind, _, _ in trail]
    assert kinds == ["submitted", "assigned", "escalated", "escalated", "sla_breached"]
    chain = trail[1][2]["escalation_chain"]
    assert [detail["notified"] for kind, _, detail in trail if kind == "escalated"] == chain
    assert [detail["level"] for kind, _, detail in trail if kind == "escalated"] == [1, 2]
    assert all(actor == "workflow" for kind, actor, _ in trail if kind in {"escalated", "sla_breached"})
    seen_by_authority = client.http.get(f"/v1/requests/{request_id}/events", headers=authority(issuer)).json_body
    assert [e["kind"] for e in seen_by_authority["events"]] == kinds
    assert not any({"escalation_chain", "notified", "rule"} & set(e["detail"]) for e in seen_by_authority["events"])
    operators = []
    wait_until(lambda: operators.extend(notifications(aws, "OperatorAlertsTopic", request_id)) or operators)
    assert any("breached" in message for _, message in operators)
    told = notifications(aws, "RepresentativesTopic", request_id)
    assert [r for r, _ in told] == [created["assignee"], *chain, chain[-1]]  # assignee, backup, lead, lead on breach
    assert [m.split(" ", 1)[0] for _, m in told] == ["New", "ESCALATED", "ESCALATED", "SLA"]
    agency = []
    wait_until(lambda: agency.extend(notifications(aws, "AgencyNotificationsTopic", request_id)) or agency)
    assert agency[0][0] == FR and "passed its deadline" in agency[0][1]
    # Each one links to the request's console page: assignment, escalations, breach, the operators', the agency's.
    for _, message in told + operators + agency:
        assert links_to_its_page(message, request_id), message
    assert "platform.example/c/123" not in agency[0][1]  # the removal target is not repeated
    view = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer)).json_body
    assert (view["escalation_level"], view["sla_breached"], view["status"]) == (2, True, "assigned")

    # A decision after the breach still closes it.
    lead = rep(issuer, chain[-1])
    settled_after_breach(aws, request_id)
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, lead).status_code == 200
    # As a person would, decide once the workflow waits again. Deciding within the same milliseconds can
    # race the workflow's token write, and moto applies TransactWriteItems without isolation, so its
    # version condition does not catch that race locally; DynamoDB's transactions do.
    waiting_for(client, issuer, request_id, "decision")
    decided = post(client, f"/v1/requests/{request_id}/decision",
                   {"outcome": "rejected", "reason": "wrong_provider"}, lead)
    assert decided.status_code == 200, decided.body
    assert wait_until(lambda: execution(aws, request_id)["status"] != "RUNNING", limit=20)
    assert execution(aws, request_id)["status"] == "SUCCEEDED"
    assert [kind for kind, _, _ in events(client, issuer, request_id)][-2:] == ["acknowledged", "decided"]
    # The workflow's own events (escalations, breach) are chained into the same audit trail.
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=lead).json_body
    assert trail["verified"] is True, trail
    assert [e["kind"] for e in trail["events"]].count("escalated") == 2


@pytest.mark.sla_scale(ROOMY)
def test_given_a_withdrawal_while_waiting_then_the_execution_ends(client, issuer, aws):
    created = submit(client, issuer)
    waiting_for(client, issuer, created["id"], "acknowledgement")
    assert post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer)).status_code == 200
    assert wait_until(lambda: execution(aws, created["id"])["status"] != "RUNNING")
    assert execution(aws, created["id"])["status"] == "SUCCEEDED"
    assert "escalated" not in [kind for kind, _, _ in events(client, issuer, created["id"])]


def test_given_fr_de_and_us_requests_then_fr_and_de_share_a_region_and_others_get_404(client, issuer, aws):
    fr, de, us = submit(client, issuer, FR), submit(client, issuer, DE), submit(client, issuer, US)
    assert fr["region"] == de["region"] == "eu" and us["region"] == "us"
    us_rep = rep(issuer, "rep-us-jordan", region="us")
    for request in (fr, de):
        assert client.http.get(f"/v1/requests/{request['id']}", headers=us_rep).status_code == 404
        assert post(client, f"/v1/requests/{request['id']}/acknowledge", {}, us_rep).status_code == 404
    assert client.http.get(f"/v1/requests/{us['id']}", headers=us_rep).json_body["routing"]["routing_rule"] == \
        "country:US"
    queue = client.http.get("/v1/queue?limit=100", headers=us_rep).json_body["items"]
    ids = [item["id"] for item in queue]
    assert us["id"] in ids and fr["id"] not in ids and de["id"] not in ids
    dues = [item["due_at"] for item in queue]
    assert dues == sorted(dues)
    for request in (fr, de, us):  # end the executions this test started
        post(client, f"/v1/requests/{request['id']}/withdraw", {}, authority(
            issuer, {"eu": FR, "us": US}[request["region"]] if request is not de else DE))


def test_given_a_decision_before_acknowledgement_then_409(client, issuer, aws):
    created = submit(client, issuer)
    response = post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"},
                    rep(issuer, created["assignee"]))
    assert (response.status_code, response.json_body["code"]) == (409, "illegal_transition")
    missing_reason = post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "rejected"},
                          rep(issuer, created["assignee"]))
    assert (missing_reason.status_code, missing_reason.json_body["field"]) == (400, "reason")
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))


def test_given_the_request_changed_before_the_workflow_waits_then_it_resyncs_from_the_stored_state(
        client, issuer, aws):
    """The API acknowledged before the execution reached its wait: the conditional token write fails and the
    workflow reads the request (Resync), then waits for the decision with the stored timer."""
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.store.models import LegalRequest

    created = submit(client, issuer)
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "acknowledgement")
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer))  # end the first execution
    wait_until(lambda: execution(aws, request_id)["status"] != "RUNNING")
    item = LegalRequest.get(request_id, consistent_read=True)
    item.update(actions=[LegalRequest.status.set("acknowledged"), LegalRequest.resolve_timer_seconds.set(30)])
    plan = Dispatch().plan(item)
    second = f"{request_id}-resync"
    arn = aws["sfn"].start_execution(stateMachineArn=aws["machine"], name=second,
                                     input=json.dumps({"request_id": request_id, **plan}))["executionArn"]
    waiting_for(client, issuer, request_id, "decision")
    assert aws["sfn"].describe_execution(executionArn=arn)["status"] == "RUNNING"
    token = LegalRequest.get(request_id, consistent_read=True).task_token
    aws["sfn"].send_task_success(taskToken=token, output=json.dumps({"event": "decided"}))
    wait_until(lambda: aws["sfn"].describe_execution(executionArn=arn)["status"] != "RUNNING")
    assert aws["sfn"].describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_given_the_notification_fails_then_operators_are_alerted_and_the_request_keeps_its_timers(
        client, issuer, aws, local_resources):
    sns = boto3.client("sns", region_name=REGION)
    topic = local_resources.created["RepresentativesTopic"].ref
    sns.delete_topic(TopicArn=topic)  # every publish to it now fails
    try:
        created = submit(client, issuer)
        waiting_for(client, issuer, created["id"], "acknowledgement")  # the execution carried on
        alerts = []
        wait_until(lambda: alerts.extend(notifications(aws, "OperatorAlertsTopic", created["id"])) or alerts)
        assert any("failed" in message and created["assignee"] in message for _, message in alerts), alerts
        assert all(links_to_its_page(message, created["id"]) for _, message in alerts), alerts
        assert execution(aws, created["id"])["status"] == "RUNNING"
        view = client.http.get(f"/v1/requests/{created['id']}", headers=authority(issuer)).json_body
        assert view["status"] == "assigned"
    finally:
        assert sns.create_topic(Name=topic.rsplit(":", 1)[1])["TopicArn"] == topic
        queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=aws["queues"]["RepresentativesTopic"],
                                                   AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))


def acknowledged(client, issuer, kind="data_disclosure"):
    created = submit(client, issuer, kind=kind)
    waiting_for(client, issuer, created["id"], "acknowledgement")
    assignee = rep(issuer, created["assignee"])
    assert post(client, f"/v1/requests/{created['id']}/acknowledge", {}, assignee).status_code == 200
    waiting_for(client, issuer, created["id"], "decision")
    return created, assignee


def test_given_an_information_request_then_the_clock_pauses_and_due_at_moves_by_the_paused_time(
        client, issuer, aws):
    created, assignee = acknowledged(client, issuer)
    request_id = created["id"]
    asked = post(client, f"/v1/requests/{request_id}/request-information",
                 {"question": "Which time zone are the timestamps in?"}, assignee)
    assert asked.status_code == 200 and asked.json_body["status"] == "awaiting_information"
    waiting_for(client, issuer, request_id, "information")
    time.sleep(1.1)  # a measurable pause (real seconds; the stored extension is computed from stored instants)
    answered = post(client, f"/v1/requests/{request_id}/messages", {"body": "CET."}, authority(issuer))
    assert answered.status_code == 200 and answered.json_body["status"] == "acknowledged"
    detail = client.http.get(f"/v1/requests/{request_id}/messages", headers=assignee).json_body["messages"][-1][
        "detail"]
    from chalicelib.clock import parse_instant

    paused = parse_instant(detail["resumed_at"]) - parse_instant(detail["paused_at"])
    assert paused.total_seconds() >= 1
    assert parse_instant(detail["due_at_after"]) - parse_instant(detail["due_at_before"]) == paused
    assert answered.json_body["due_at"] == detail["due_at_after"] and detail["due_at_before"] == created["due_at"]
    waiting_for(client, issuer, request_id, "decision")
    give_notice(client, request_id, assignee)
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee).status_code == 200
    assert wait_until(lambda: execution(aws, request_id)["status"] == "SUCCEEDED")
    conversation = client.http.get(f"/v1/requests/{request_id}/messages", headers=authority(issuer)).json_body
    assert [(m["kind"], m["actor_role"]) for m in conversation["messages"]] == [
        ("information_requested", "representative"), ("message", "authority")]


def test_given_a_tco_order_then_an_answer_restarts_its_hour(client, issuer, aws):
    created, assignee = acknowledged(client, issuer, kind="terrorist_content_removal")
    post(client, f"/v1/requests/{created['id']}/request-information", {"question": "Which post exactly?"}, assignee)
    waiting_for(client, issuer, created["id"], "information")
    answered = post(client, f"/v1/requests/{created['id']}/messages", {"body": "The second one."},
                    authority(issuer)).json_body
    detail = client.http.get(f"/v1/requests/{created['id']}/messages", headers=assignee).json_body["messages"][-1][
        "detail"]
    from datetime import timedelta

    from chalicelib.clock import parse_instant

    assert parse_instant(answered["due_at"]) == parse_instant(detail["resumed_at"]) + timedelta(hours=1)
    assert "restarted" in detail["rule"]
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))


def test_given_messages_then_only_the_two_sides_see_them_and_a_closed_request_takes_none(client, issuer, aws):
    created, assignee = acknowledged(client, issuer)
    assert post(client, f"/v1/requests/{created['id']}/messages", {"body": "Hello"}, assignee).status_code == 200
    for outsider in (authority(issuer, DE, sub="officer-de"), rep(issuer, "rep-us-jordan", region="us")):
        assert client.http.get(f"/v1/requests/{created['id']}/messages", headers=outsider).status_code == 404
        assert post(client, f"/v1/requests/{created['id']}/messages", {"body": "x"}, outsider).status_code == 404
    info_while_waiting = post(client, f"/v1/requests/{created['id']}/messages", {"body": "FYI"}, authority(issuer))
    assert info_while_waiting.json_body["status"] == "acknowledged"  # a plain message does not touch the clock
    give_notice(client, created["id"], assignee)
    post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, assignee)
    late = post(client, f"/v1/requests/{created['id']}/messages", {"body": "Thanks"}, authority(issuer))
    assert (late.status_code, late.json_body["code"]) == (409, "illegal_transition")
    premature = post(client, f"/v1/requests/{created['id']}/request-information", {"question": "?"}, assignee)
    assert (premature.status_code, premature.json_body["code"]) == (409, "illegal_transition")


def test_given_an_acknowledged_request_without_a_decision_then_it_breaches_at_due_at(client, issuer, aws):
    created, assignee = acknowledged(client, issuer)
    trail = wait_until(lambda: (lambda t: t if t[-1][0] == "sla_breached" else None)(
        events(client, issuer, created["id"])), limit=20)
    kinds = [kind for kind, _, _ in trail]
    # A slow machine may acknowledge after the 1 s (scaled) acknowledgement wait: escalations before it are
    # not what this test is about. After the acknowledgement, the only thing left is the breach at due_at.
    assert kinds[:2] == ["submitted", "assigned"] and kinds[kinds.index("acknowledged"):] == [
        "acknowledged", "sla_breached"]
    settled_after_breach(aws, created["id"])
    give_notice(client, created["id"], assignee)
    assert post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, assignee
                ).status_code == 200
    assert wait_until(lambda: execution(aws, created["id"])["status"] == "SUCCEEDED")


@pytest.mark.sla_scale(432_000.0)  # the 10-day decision wait lasts 2 s: room to pause before it ends
def test_given_a_paused_request_then_its_clock_does_not_run_until_answered(client, issuer, aws):
    created, assignee = acknowledged(client, issuer)
    post(client, f"/v1/requests/{created['id']}/request-information", {"question": "Which account?"}, assignee)
    waiting_for(client, issuer, created["id"], "information")
    time.sleep(4)  # twice the (scaled) decision timer: a running clock would have breached by now
    assert "sla_breached" not in [kind for kind, _, _ in events(client, issuer, created["id"])]
    post(client, f"/v1/requests/{created['id']}/messages", {"body": "@suspect"}, authority(issuer))
    trail = wait_until(lambda: (lambda t: t if t[-1][0] == "sla_breached" else None)(
        events(client, issuer, created["id"])), limit=20)  # the resumed (scaled) timer fires again
    assert [kind for kind, _, _ in trail][-3:] == ["information_requested", "message", "sla_breached"]
    settled_after_breach(aws, created["id"])
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))
    assert wait_until(lambda: execution(aws, created["id"])["status"] == "SUCCEEDED")


@pytest.mark.parametrize("stage", ["decision", "information"])
def test_given_a_withdrawal_at_a_later_wait_then_the_execution_ends(client, issuer, aws, stage):
    created, assignee = acknowledged(client, issuer)
    if stage == "information":
        post(client, f"/v1/requests/{created['id']}/request-information", {"question": "?"}, assignee)
        waiting_for(client, issuer, created["id"], "information")
    assert post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer)).status_code == 200
    assert wait_until(lambda: execution(aws, created["id"])["status"] == "SUCCEEDED")


def test_given_a_reassignment_to_the_backup_then_escalation_reaches_the_previous_assignee(client, issuer, aws):
    created = submit(client, issuer, kind="terrorist_content_removal")
    waiting_for(client, issuer, created["id"], "acknowledgement")
    backup, lead = events(client, issuer, created["id"])[1][2]["escalation_chain"]
    moved = post(client, f"/v1/requests/{created['id']}/reassign", {"rep_id": backup}, rep(issuer, lead))
    assert moved.status_code == 200 and moved.json_body["routing"]["escalation_chain"] == [created["assignee"], lead]
    trail = wait_until(lambda: (lambda t: t if t[-1][0] == "sla_breached" else None)(
        events(client, issuer, created["id"])), limit=30)
    assert [detail["notified"] for kind, _, detail in trail if kind == "escalated"] == [created["assignee"], lead]
    settled_after_breach(aws, created["id"])
    post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))


def test_given_a_fulfilled_preservation_then_the_hold_reminds_the_authority_and_expires(client, issuer, aws):
    created, assignee = acknowledged(client, issuer, kind="preservation")
    request_id = created["id"]
    decided = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee)
    assert decided.status_code == 200
    hold = decided.json_body["hold"]
    assert hold["state"] == "active" and hold["extended"] is False
    assert parse_instant(hold["expires_at"]) - parse_instant(decided.json_body["decided_at"]) == timedelta(days=60)
    # 53 days to the reminder and 7 more to the expiry, at the test time scale: a few seconds.
    assert wait_until(lambda: execution(aws, request_id)["status"] != "RUNNING", limit=30)
    assert execution(aws, request_id)["status"] == "SUCCEEDED"
    view = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer)).json_body
    assert view["hold"]["state"] == "expired" and view["status"] == "fulfilled"
    assert [kind for kind, _, _ in events(client, issuer, request_id)][-2:] == ["decided", "hold_expired"]
    told = [message for _, message in notifications(aws, "AgencyNotificationsTopic", request_id)]
    assert any("ends" in m and "/extend" in m for m in told) and any("ended" in m for m in told)
    assert all(links_to_its_page(m, request_id) for m in told), told
    extend = post(client, f"/v1/requests/{request_id}/extend", {}, authority(issuer))
    assert (extend.status_code, extend.json_body["code"]) == (409, "hold_not_active")
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=assignee).json_body
    assert trail["verified"] is True


def test_given_an_extension_then_the_hold_lasts_30_more_days_and_only_once(client, issuer, aws):
    created, assignee = acknowledged(client, issuer, kind="preservation")
    request_id = created["id"]
    decided = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee).json_body
    waiting_for(client, issuer, request_id, "hold")
    extended = post(client, f"/v1/requests/{request_id}/extend", {}, authority(issuer))
    assert extended.status_code == 200, extended.body
    hold = extended.json_body["hold"]
    assert hold["extended"] is True
    assert parse_instant(hold["expires_at"]) - parse_instant(decided["hold"]["expires_at"]) == timedelta(days=30)
    again = post(client, f"/v1/requests/{request_id}/extend", {}, authority(issuer))
    assert (again.status_code, again.json_body["code"]) == (409, "already_extended")
    assert post(client, f"/v1/requests/{request_id}/extend", {}, authority(issuer, DE)).status_code == 404
    RefusalPump.from_settings().drain()  # DE's try is chained by the refusals consumer, off the request path
    assert post(client, f"/v1/requests/{request_id}/extend", {}, assignee).status_code == 403
    assert wait_until(lambda: execution(aws, request_id)["status"] != "RUNNING", limit=40)
    kinds = [kind for kind, _, _ in events(client, issuer, request_id)]
    assert [k for k in kinds if k not in {"refused", "access_refused"}][-3:] == [
        "decided", "hold_extended", "hold_expired"]
    assert kinds.count("refused") == 1 and kinds.count("access_refused") == 1  # the second extension, DE's try
    expired = events(client, issuer, request_id)[-1][2]
    assert expired["expires_at"] == hold["expires_at"]  # it ended at the extended time, not the first one


def test_given_other_requests_then_there_is_no_hold_to_extend(client, issuer, aws):
    created, assignee = acknowledged(client, issuer)
    give_notice(client, created["id"], assignee)
    assert post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, assignee).status_code == 200
    response = post(client, f"/v1/requests/{created['id']}/extend", {}, authority(issuer))
    assert (response.status_code, response.json_body["code"]) == (409, "not_a_preservation")
    assert client.http.get(f"/v1/requests/{created['id']}", headers=authority(issuer)).json_body.get("hold") is None


# --- Issue 15: the EU orders' clocks, run by the state machine ----------------------------------------------------

def certificate_filed(client, issuer, kind, certificate, **overrides):
    response = post(client, "/v1/requests", submission(kind, certificate=certificate, **overrides),
                    authority(issuer, FR, mfa=True))
    assert response.status_code == 201, response.body
    created = response.json_body
    waiting_for(client, issuer, created["id"], "acknowledgement")
    assignee = rep(issuer, created["assignee"])
    assert post(client, f"/v1/requests/{created['id']}/acknowledge", {}, assignee).status_code == 200
    return created, assignee


def entered(aws, request_id):
    arn = aws["machine"].replace(":stateMachine:", ":execution:") + f":{request_id}"
    history = aws["sfn"].get_execution_history(executionArn=arn)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]


@pytest.mark.sla_scale(432_000.0)  # the enforcing authority's 10 days last 2 s; the day after them, 1 s
def test_given_an_epoc_notified_to_the_enforcing_authority_then_the_workflow_waits_out_its_ten_days(
        client, issuer, aws):
    from tests.integration.test_certificates import epoc

    created, assignee = certificate_filed(client, issuer, "data_disclosure", epoc(),
                                          data_categories=["subscriber", "traffic"])
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "enforcing_authority")
    early = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee)
    assert (early.status_code, early.json_body["code"]) == (409, "enforcing_authority_wait")
    ended = wait_until(lambda: [d for k, a, d in events(client, issuer, request_id) if k == "enforcing_wait_ended"])
    assert ended[0]["wait_until"] == created["enforcing_authority"]["wait_until"]
    assert [a for k, a, _ in events(client, issuer, request_id) if k == "enforcing_wait_ended"] == ["workflow"]
    told = []
    wait_until(lambda: told.extend(notifications(aws, "RepresentativesTopic", request_id)) or
               any("Produce the data now" in m for _, m in told))
    assert any(r == created["assignee"] and "10 days of the enforcing authority ended" in m for r, m in told)
    # The API's clock is the real one, days before the legal end: the workflow's record is what opens the gate.
    waiting_for(client, issuer, request_id, "decision")
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee).status_code == 200
    assert wait_until(lambda: execution(aws, request_id)["status"] == "SUCCEEDED")
    assert "AwaitEnforcingAuthority" in entered(aws, request_id)
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=assignee).json_body
    assert trail["verified"] is True, trail
    seen = client.http.get(f"/v1/requests/{request_id}/events", headers=authority(issuer)).json_body["events"]
    assert "enforcing_wait_ended" in [e["kind"] for e in seen]  # the authority's timeline shows it too


@pytest.mark.sla_scale(43_200.0)  # the 10 days last 20 s: the confirmation comes well inside them
def test_given_the_enforcing_authority_confirms_no_ground_then_the_wait_ends_at_once(client, issuer, aws):
    from tests.integration.test_certificates import epoc

    created, assignee = certificate_filed(client, issuer, "data_disclosure", epoc(),
                                          data_categories=["content"])
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "enforcing_authority")
    confirmed = post(client, f"/v1/requests/{request_id}/enforcing-authority",
                     {"answer": "no_ground", "authority": "Procureur de Luxembourg"}, assignee)
    assert confirmed.status_code == 200, confirmed.body
    waiting_for(client, issuer, request_id, "decision")
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee).status_code == 200
    assert wait_until(lambda: execution(aws, request_id)["status"] == "SUCCEEDED")
    kinds = [k for k, _, _ in events(client, issuer, request_id)]
    assert "enforcing_authority_answered" in kinds and "enforcing_wait_ended" not in kinds


@pytest.mark.sla_scale(1_800.0)  # a removal order's hour lasts 2 s
def test_given_tco_annex_iii_then_the_hour_stops_and_restarts_in_full_when_the_obstacle_ends(client, issuer, aws):
    from tests.integration.test_certificates import tco_ro

    created, assignee = certificate_filed(client, issuer, "terrorist_content_removal", tco_ro())
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "decision")
    stopped = post(client, f"/v1/requests/{request_id}/removal-impossibility",
                   {"reasons": ["de_facto_impossibility"], "explanation": "The content sits on a frozen shard."},
                   assignee)
    assert stopped.status_code == 200, stopped.body
    waiting_for(client, issuer, request_id, "information")
    time.sleep(4.5)  # more than twice the order's (scaled) hour: nothing breaches while it is stopped
    assert "sla_breached" not in [k for k, _, _ in events(client, issuer, request_id)]
    restarted = post(client, f"/v1/requests/{request_id}/obstacle-ended", {"note": "Shard restored."}, assignee)
    assert restarted.status_code == 200, restarted.body
    resumed_at = time.monotonic()
    breach = wait_until(lambda: [d for k, _, d in events(client, issuer, request_id) if k == "sla_breached"],
                        limit=30)
    assert time.monotonic() - resumed_at >= 1.5  # a full (scaled) hour from the restart, not what was left
    assert breach and "AwaitResume" in entered(aws, request_id)
    view = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer)).json_body
    assert view["sla_breached"] is True and view["due_at"] == restarted.json_body["due_at"]
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer))


def test_given_annex_v_then_the_hold_waits_for_production_past_its_end_until_released(client, issuer, aws):
    from tests.integration.test_certificates import epoc_pr

    created, assignee = certificate_filed(client, issuer, "preservation", epoc_pr())
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "decision")
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee).status_code == 200
    waiting_for(client, issuer, request_id, "hold")
    confirmed = post(client, f"/v1/requests/{request_id}/production-follows",
                     {"production_reference": "EPOC PV-2026-0042"}, authority(issuer))
    assert confirmed.status_code == 200, confirmed.body
    waiting_for(client, issuer, request_id, "production")
    time.sleep(7)  # past the hold's 60 days at this scale (53 to the reminder, 7 to the end): it does not end
    kinds = [k for k, _, _ in events(client, issuer, request_id)]
    assert "hold_expired" not in kinds and execution(aws, request_id)["status"] == "RUNNING"
    released = post(client, f"/v1/requests/{request_id}/release-hold",
                    {"reason": "Production order executed."}, authority(issuer))
    assert released.status_code == 200, released.body
    assert wait_until(lambda: execution(aws, request_id)["status"] == "SUCCEEDED")
    kinds = [k for k, _, _ in events(client, issuer, request_id) if k != "official_form_rendered"]
    assert kinds[-2:] == ["production_follows", "hold_released"]
