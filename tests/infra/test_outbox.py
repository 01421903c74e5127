"""The local outbox of `make run`: every notification becomes one .eml file, also when moto fails a call."""

from __future__ import annotations

import email
import email.policy
import json
import time

import boto3

from infra.local.outbox import Outbox

REGION = "eu-west-1"


def wait_for_files(directory, count, limit=15.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*.eml"))
        if len(files) >= count:
            return files
        time.sleep(0.05)
    raise AssertionError(f"{len(list(directory.glob('*.eml')))} of {count} messages written")


def test_given_more_than_a_batch_and_a_failed_receive_then_each_message_is_written_once(tmp_path):
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="outbox-test-operators")["TopicArn"]
    outbox = Outbox(tmp_path, {"OperatorAlertsTopic": topic}, REGION)
    real_receive, failures = outbox._sqs.receive_message, []

    def fails_once(**kwargs):
        if not failures:
            failures.append(kwargs["QueueUrl"])
            raise ConnectionError("moto did not answer")
        return real_receive(**kwargs)

    outbox._sqs.receive_message = fails_once
    for index in range(23):  # more than two batches of ten
        sns.publish(TopicArn=topic, Message=f"alert {index}", Subject="Liaison alert",
                    MessageAttributes={"request_id": {"DataType": "String", "StringValue": f"LR-{index}"}})
    outbox.start()
    try:
        files = wait_for_files(tmp_path, 23)
    finally:
        outbox.stop()
    assert failures  # the pump met the failure, and carried on
    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files]
    assert sorted(m.get_content().strip() for m in mails) == sorted(f"alert {i}" for i in range(23))
    assert {m["To"] for m in mails} == {"operators@liaison.local"}
    time.sleep(0.3)  # nothing comes back: every message was deleted
    assert len(list(tmp_path.glob("*.eml"))) == 23
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName="liaison-local-outbox-operators")["QueueUrl"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert json.loads(counts["ApproximateNumberOfMessages"]) == 0
    assert json.loads(counts["ApproximateNumberOfMessagesNotVisible"]) == 0
