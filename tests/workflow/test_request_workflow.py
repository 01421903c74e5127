"""The request workflow's ASL, executed by moto's Step Functions interpreter.

These run the very definition that deploys (substituted by the local
bootstrap) against the tables and topics made from the template.
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest

REGION = "eu-west-1"
POLL_SECONDS = 0.05
POLL_LIMIT_SECONDS = 15


def wait_for_end(sfn, execution_arn: str) -> dict:
    deadline = time.monotonic() + POLL_LIMIT_SECONDS
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"execution still running after {POLL_LIMIT_SECONDS} s")


@pytest.fixture(scope="module")
def aws(local_resources):
    session = boto3.session.Session(region_name=REGION)
    return {
        "sfn": session.client("stepfunctions"),
        "dynamodb": session.client("dynamodb"),
        "sqs": session.client("sqs"),
        "sns": session.client("sns"),
        "machine": local_resources.created["RequestWorkflow"].ref,
        "requests": local_resources.created["RequestsTable"].ref,
        "alerts": local_resources.created["OperatorAlertsTopic"].ref,
    }


def test_given_a_stored_request_when_its_workflow_starts_then_the_execution_is_recorded_on_it(aws):
    request_id = f"req-{uuid.uuid4().hex[:8]}"
    aws["dynamodb"].put_item(TableName=aws["requests"], Item={"request_id": {"S": request_id}})
    execution = aws["sfn"].start_execution(stateMachineArn=aws["machine"], name=request_id,
                                           input=json.dumps({"request_id": request_id}))
    assert wait_for_end(aws["sfn"], execution["executionArn"])["status"] == "SUCCEEDED"
    item = aws["dynamodb"].get_item(TableName=aws["requests"], Key={"request_id": {"S": request_id}})["Item"]
    assert item["workflow_execution"]["S"] == execution["executionArn"]


def test_given_no_such_request_when_the_workflow_runs_then_it_fails_loudly_and_alerts_operators(aws):
    queue_url = aws["sqs"].create_queue(QueueName=f"alerts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    aws["sns"].subscribe(TopicArn=aws["alerts"], Protocol="sqs", Endpoint=queue_arn)
    request_id = f"ghost-{uuid.uuid4().hex[:8]}"

    execution = aws["sfn"].start_execution(stateMachineArn=aws["machine"], name=request_id,
                                           input=json.dumps({"request_id": request_id}))
    assert wait_for_end(aws["sfn"], execution["executionArn"])["status"] == "FAILED"

    messages = aws["sqs"].receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    alerts = [json.loads(m["Body"])["Message"] for m in messages]
    assert any(request_id in alert and "ConditionalCheckFailed" in alert for alert in alerts), alerts
    # The workflow must not have created the missing request as a side effect.
    assert "Item" not in aws["dynamodb"].get_item(TableName=aws["requests"], Key={"request_id": {"S": request_id}})
