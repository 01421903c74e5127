"""The local refusals pump of `make run`: every queued refusal reaches the consumer, as Lambda's event source does."""

from __future__ import annotations

import json
import time

import boto3

from infra.local.refusals import BATCH, RefusalPump

REGION = "eu-west-1"


def test_given_the_local_stack_then_the_refusals_queue_has_its_dead_letter_queue(local_resources):
    sqs = boto3.client("sqs", region_name=REGION)
    attributes = sqs.get_queue_attributes(QueueUrl=local_resources.created["RefusalsQueue"].ref,
                                          AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == local_resources.created["RefusalsDeadLetterQueue"].attributes["Arn"]
    assert int(redrive["maxReceiveCount"]) == 5 and attributes["VisibilityTimeout"] == "180"


def test_given_more_than_a_batch_and_one_given_back_then_the_rest_are_deleted_and_that_one_kept():
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="refusal-pump-test", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    for index in range(23):  # more than two batches
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": index}))
    seen: list[int] = []
    events: list[dict] = []

    def consumer(event):
        events.append(event)
        failures = []
        for record in event["Records"]:
            n = json.loads(record["body"])["n"]
            seen.append(n)
            if n == 7 and seen.count(7) == 1:  # given back the first time only
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    pump = RefusalPump(url, REGION, invoke=consumer)
    pump.start()
    try:
        deadline = time.monotonic() + 15
        while len(seen) < 23:
            assert time.monotonic() < deadline, f"{len(seen)} of 23 handed to the consumer"
            time.sleep(0.05)
    finally:
        pump.stop()
    assert sorted(seen) == list(range(23)) and max(len(e["Records"]) for e in events) == BATCH
    record = events[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":refusal-pump-test")
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")

    sqs.delete_queue(QueueUrl=url)  # the one given back would come back after its visibility timeout (below)


def test_given_a_message_given_back_then_drain_hands_it_over_again_when_asked_to_redeliver():
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="refusal-pump-redeliver", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    answers = iter([False, True])  # the store fails once, then works

    def consumer(event):
        done = next(answers)
        return {"batchItemFailures": [] if done else [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    pump = RefusalPump(url, REGION, invoke=consumer)
    assert pump.drain() == 1
    assert pump.drain() == 0  # in flight: not visible until its timeout
    assert pump.drain(redeliver=True) == 1
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
