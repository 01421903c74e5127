"""The local consumer of the refusals queue: what the ``record_refusals`` Lambda does deployed.

The API never writes a refused attempt itself: it queues it (``chalicelib/services/access.py``), and the
``record_refusals`` function chains it into the audit trail. ``chalice local`` serves HTTP only, so under
``make run`` a pump thread of the runner reads the queue in moto and hands each batch to that same handler, as
Lambda would (an SQS event, through Chalice's test client), in this process. A message the handler gives back
(``batchItemFailures``) is left in the queue: it comes back after the visibility timeout and, after the queue's
last attempt, moves to its dead-letter queue, as deployed. Tests call ``drain`` to run the consumer when they
want the trail written.
"""

from __future__ import annotations

import logging
from typing import Any

import boto3

from infra.local.lambdas import EventSource, Invoke

logger = logging.getLogger(__name__)

BATCH = 10  # as the deployed event source's BatchSize (chalicelib/events.py)


class RefusalPump(EventSource):
    function = "record_refusals"  # chalicelib.events.RECORD_REFUSALS
    name = "refusals"

    def __init__(self, queue_url: str, region: str, invoke: Invoke | None = None) -> None:
        super().__init__(invoke)
        self.queue_url = queue_url
        self.region = region
        self._sqs = boto3.client("sqs", region_name=region)
        self._queue_arn: str | None = None
        self._given_back: list[str] = []  # receipt handles of messages the handler gave back during ``drain``

    @classmethod
    def from_settings(cls, invoke: Invoke | None = None) -> RefusalPump:
        from chalicelib.settings import get_settings  # the environment is set by now

        settings = get_settings()
        return cls(settings.refusals_queue_url, settings.aws_region, invoke)

    def drain(self, *, redeliver: bool = False) -> int:
        """Hand every visible message to the handler, batch by batch, until none is left; how many were handed.
        ``redeliver``: first make the messages given back visible again (their visibility timeout, cut short)."""
        if redeliver:
            for handle in self._given_back:
                self._sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
            self._given_back.clear()
        handed = 0
        while True:
            count, given_back = self._batch()
            handed += count
            self._given_back += given_back
            if count == 0:
                return handed

    def busy_round(self) -> bool:
        return self._batch()[0] == BATCH

    def _batch(self) -> tuple[int, list[str]]:
        """Receive up to a batch, hand it to the handler, delete what it chained; how many were received, and the
        receipt handles of those given back."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0, []
        try:
            answer = self.invoke()({"Records": [self._record(m) for m in messages]}) or {}
        except Exception:  # as Lambda: a failed invocation gives the whole batch back
            logger.exception("refusals: the handler failed; the batch comes back from the queue")
            return len(messages), [m["ReceiptHandle"] for m in messages]
        given_back = {failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in given_back]
        if done:
            failed = self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(done)],
            ).get("Failed", [])
            if failed:  # they come back after the visibility timeout and are chained a second time
                logger.warning("refusals: %d messages not deleted: %s", len(failed), failed)
        return len(messages), [m["ReceiptHandle"] for m in messages if m["MessageId"] in given_back]

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """One message as Lambda's SQS event carries it."""
        if self._queue_arn is None:
            self._queue_arn = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self.region,
        }
