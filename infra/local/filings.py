"""The local reader of the filings table's stream: what the ``keep_filings`` Lambda's event source does deployed.

A submission writes its body as filed into the filings table, in its own transaction; deployed, the table's
stream feeds ``keep_filings`` (``chalicelib/events.py``), which copies the body into the evidence bucket.
``chalice local`` serves HTTP only, so under ``make run`` a pump thread of the runner reads the stream in moto
from its oldest record, hands each batch of new items to that same handler as Lambda would (a DynamoDB stream
event, through Chalice's test client), and, where the handler names a failed record (``batchItemFailures``),
reads again from that record on its next round, as Lambda retries. Tests call ``drain`` to copy what is waiting.
"""

from __future__ import annotations

import base64
import logging
import threading
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config

from infra.local.lambdas import EventSource, Invoke

logger = logging.getLogger(__name__)

BATCH = 10  # as the deployed event source's BatchSize (chalicelib/events.py)


def as_event_json(value: Any) -> Any:
    """An attribute value as Lambda's event JSON carries it: boto3 hands binary values over as bytes, Lambda
    as base64 text."""
    if isinstance(value, dict):
        return {
            key: (
                base64.b64encode(item).decode("ascii")
                if key == "B" and isinstance(item, bytes | bytearray)
                else [base64.b64encode(b).decode("ascii") for b in item]
                if key == "BS"
                else as_event_json(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [as_event_json(item) for item in value]
    if isinstance(value, datetime):  # ApproximateCreationDateTime: epoch seconds in the event
        return int(value.timestamp())
    return value


class FilingPump(EventSource):
    function = "keep_filings"  # chalicelib.events.KEEP_FILINGS
    name = "filings"

    def __init__(self, table_name: str, region: str, invoke: Invoke | None = None) -> None:
        super().__init__(invoke)
        self.region = region
        # The regional endpoint (streams.dynamodb.<region>), which moto knows, not the account-based one botocore
        # now prefers (<account>.streams-ddb.<region>), which in-process moto does not recognise.
        self._streams = boto3.client(
            "dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled")
        )
        self.stream_arn = boto3.client("dynamodb", region_name=region).describe_table(TableName=table_name)["Table"][
            "LatestStreamArn"
        ]
        self._positions: dict[str, tuple[str, str | None]] = {}  # shard id -> (iterator type, sequence number)
        self._iterators: dict[str, str] = {}  # shard id -> the iterator its last read returned, not used yet
        self._lock = threading.Lock()  # the thread and ``drain`` never read one shard at once

    @classmethod
    def from_settings(cls, invoke: Invoke | None = None) -> FilingPump:
        from chalicelib.settings import get_settings  # the environment is set by now

        settings = get_settings()
        return cls(settings.filings_table, settings.aws_region, invoke)

    def drain(self) -> int:
        """Hand every waiting record to the handler, batch by batch, until none is left or the handler gives one
        back; how many were handed (a record given back is handed again on the next call)."""
        handed = 0
        while True:
            count, given_back = self._round()
            handed += count
            if count == 0 or given_back:
                return handed

    def busy_round(self) -> bool:
        count, given_back = self._round()
        return count == BATCH and not given_back

    def _round(self) -> tuple[int, bool]:
        """One batch from each shard; how many records were handed, and whether the handler gave one back."""
        with self._lock:
            handed, given_back = 0, False
            shards = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
            for shard in shards:
                count, back = self._batch(shard["ShardId"])
                handed, given_back = handed + count, given_back or back
            return handed, given_back

    def _batch(self, shard_id: str) -> tuple[int, bool]:
        """Read one batch of a shard and hand it over. Where the shard is read from is kept as a position (after
        the last record handed, or at the one given back); the iterator the last read returned is used while it
        lasts, and a new one is asked for from the position when there is none (a failed call, a record given
        back: moto drops an iterator once read, infra/local/moto_patches.py)."""
        iterator = self._iterators.pop(shard_id, None)
        if iterator is None:
            kind, sequence = self._positions.get(shard_id, ("TRIM_HORIZON", None))
            asked: dict[str, Any] = {"ShardIteratorType": kind} | ({"SequenceNumber": sequence} if sequence else {})
            iterator = self._streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **asked)[
                "ShardIterator"
            ]
        page = self._streams.get_records(ShardIterator=iterator, Limit=BATCH)
        records = page.get("Records", [])
        if not records:
            if page.get("NextShardIterator"):
                self._iterators[shard_id] = page["NextShardIterator"]
            return 0, False
        try:
            answer = self.invoke()({"Records": [self._record(r) for r in records]}) or {}
        except Exception:  # as Lambda: a failed invocation is retried whole
            logger.exception("filings: the handler failed; the batch is read again")
            failed = records[0]["dynamodb"]["SequenceNumber"]
        else:
            failures = answer.get("batchItemFailures") or []
            failed = failures[0]["itemIdentifier"] if failures else None
        if failed is not None:  # read again from the record given back, as Lambda retries
            self._positions[shard_id] = ("AT_SEQUENCE_NUMBER", failed)
            return len(records), True
        self._positions[shard_id] = ("AFTER_SEQUENCE_NUMBER", records[-1]["dynamodb"]["SequenceNumber"])
        if page.get("NextShardIterator"):
            self._iterators[shard_id] = page["NextShardIterator"]
        return len(records), False

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        """One stream record as Lambda's DynamoDB event carries it."""
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "dynamodb": as_event_json(record["dynamodb"]),
            "eventSourceARN": self.stream_arn,
        }
