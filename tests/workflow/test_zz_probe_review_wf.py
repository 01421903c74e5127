"""Throwaway review probes (to be deleted)."""
from __future__ import annotations

import json

import pytest

from tests.helpers import authority, post
from tests.workflow.test_request_workflow import (  # noqa: F401
    aws, certificate_filed, events, execution, fast_timers, wait_until, waiting_for)


def entered_in(aws, arn):
    history = aws["sfn"].get_execution_history(executionArn=arn)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]


def second_execution(aws, request_id):
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.store.models import LegalRequest

    item = LegalRequest.get(request_id, consistent_read=True)
    plan = Dispatch().plan(item)
    return aws["sfn"].start_execution(stateMachineArn=aws["machine"], name=f"{request_id}-resync",
                                      input=json.dumps({"request_id": request_id, **plan}))["executionArn"]


def test_probe_resync_until_production(client, issuer, aws):
    from tests.integration.test_certificates import epoc_pr

    created, assignee = certificate_filed(client, issuer, "preservation", epoc_pr())
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "decision")
    assert post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, assignee).status_code == 200
    waiting_for(client, issuer, request_id, "hold")
    assert post(client, f"/v1/requests/{request_id}/production-follows", {"production_reference": "EPOC 1"},
                authority(issuer)).status_code == 200
    waiting_for(client, issuer, request_id, "production")
    arn = second_execution(aws, request_id)
    wait_until(lambda: aws["sfn"].get_execution_history(executionArn=arn)["events"][-1]["type"]
               in {"ExecutionSucceeded", "ExecutionFailed", "TaskScheduled", "TaskSubmitted", "TaskStarted"})
    import time; time.sleep(1.5)
    print("\nPROBE resync(until_production) states:", entered_in(aws, arn)[-4:],
          aws["sfn"].get_execution_history(executionArn=arn)["events"][-1]["type"])


@pytest.mark.sla_scale(43_200.0)
def test_probe_resync_during_enforcing_wait(client, issuer, aws):
    from tests.integration.test_certificates import epoc

    created, assignee = certificate_filed(client, issuer, "data_disclosure", epoc(),
                                          data_categories=["subscriber", "traffic"])
    request_id = created["id"]
    waiting_for(client, issuer, request_id, "enforcing_authority")
    arn = second_execution(aws, request_id)
    import time; time.sleep(3)
    print("\nPROBE resync(enforcing) states:", entered_in(aws, arn)[-4:])
    from chalicelib.store.models import LegalRequest
    print("PROBE waiting_for now:", LegalRequest.get(request_id, consistent_read=True).waiting_for)
    post(client, f"/v1/requests/{request_id}/withdraw", {}, authority(issuer))
