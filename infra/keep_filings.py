"""``make keep-filings``: copy into the evidence bucket the bodies as filed that ``keep_filings`` could not.

When the copy of a body keeps failing, Lambda gives up on its batch after the last retry and names it in the
filings dead-letter queue, which raises ``FilingsDeadLetterAlarm`` (docs/operations.md). Once the cause is fixed:

- ``make keep-filings`` reads that queue. Each message names a batch of the filings table's stream (the shard,
  its first and last sequence numbers), not the records; the stream keeps records for 24 hours, and within them
  the batch's records name its requests. Each of these requests' bodies is copied (below); the message is
  deleted once every request it names is kept. A message whose records the stream no longer has stays, and is
  printed: ``make verify-audit`` names the requests whose copy is missing, and ``REQUEST=`` copies them.
- ``make keep-filings REQUEST="<id> <id>..."`` copies these requests' bodies, whatever the queue holds.

A copy is always the body the request binds: the filings table's item under the request's ``body_sha256`` (the
hash its ``submitted`` event carries), read by key and copied once with ``If-None-Match``, by the same code as the
function (``chalicelib/store/filings.py``). A body the bucket keeps already is read back and compared: the same
bytes are done; another body is a conflict to investigate, never overwritten. A body is copied only for a request
whose trail and anchor verify (``chalicelib/services/evidence.py``, all but the body, against the checkpoints read
from the bucket as ``make verify-audit`` reads them) and whose anchored first event records that hash, and only if
the body hashes to it; the request's whole evidence is checked after. Exit 1 if anything was left.

Against the local stack (default) it uses ``STATE_DIR``, written by ``make run``, and the local queue; against AWS
(``make keep-filings AWS=1 QUEUE=<url>``) the caller's credentials, the ``LIAISON_*`` variables of the deployed
API and the queue's URL (the stack's ``FilingsDeadLetterQueueUrl`` output).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError
from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import LiaisonError
from infra.verify_audit import Anchors, bucket_anchors, local_environment

LOCAL_QUEUE = "FilingsDeadLetterQueue"  # the template's logical id; `make run` names the queue after it
PAGES = 100  # reads of one batch's shard at most: a stream's page can be empty before its records
VISIBILITY_SECONDS = 300  # a message this run reads stays hidden from other readers that long
WAIT_SECONDS = 5  # long polling: every SQS server is asked, so an empty answer means an empty queue
GONE = {"ResourceNotFoundException", "TrimmedDataAccessException"}  # the stream no longer holds the batch
FAILED = (BotoCoreError, ClientError, PynamoDBException)  # an AWS call that failed: said, never a traceback


class Batch(NamedTuple):
    """What a message of the filings dead-letter queue names (Lambda's ``DDBStreamBatchInfo``)."""

    stream_arn: str
    shard_id: str
    first: int
    last: int

    @classmethod
    def of(cls, message_body: str) -> Batch:
        """Raises ``ValueError`` for a message Lambda did not write."""
        try:
            info = json.loads(message_body)["DDBStreamBatchInfo"]
            return cls(
                str(info["streamArn"]),
                str(info["shardId"]),
                int(info["startSequenceNumber"]),
                int(info["endSequenceNumber"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a record of a discarded stream batch: {error!r}") from None


class Named(NamedTuple):
    """The requests of a batch's new filings, in stream order, or, if they could not all be read, why."""

    requests: list[str]
    problem: str | None = None


def requests_in(batch: Batch, streams: Any) -> Named:
    """Read the batch's records from its shard: complete only once its last record is reached."""
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=str(batch.first),
        )["ShardIterator"]
        found: list[str] = []
        for _ in range(PAGES):
            page = streams.get_records(ShardIterator=iterator, Limit=100)
            for record in page["Records"]:
                number = int(record["dynamodb"]["SequenceNumber"])
                if number > batch.last:
                    return Named(found)
                request_id = record["dynamodb"]["Keys"]["request_id"]["S"]
                if record.get("eventName") == "INSERT" and request_id not in found:
                    found.append(request_id)
                if number == batch.last:
                    return Named(found)
            iterator = page.get("NextShardIterator")
            if iterator is None:  # a closed shard, read to its end without the batch's last record
                break
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in GONE:
            return Named([], "gone")
        return Named([], f"the stream could not be read ({error}); run again")
    except (BotoCoreError, KeyError, TypeError, ValueError) as error:
        return Named([], f"the stream could not be read ({error!r}); run again")
    return Named([], f"the batch's last record was not reached in {PAGES} reads; run again")


NO_SUCH_REQUEST = "no such request"
NOT_A_REQUEST_ID = "not a request id"


def copy(request_id: str, anchors: Anchors, now: datetime) -> str | None:
    """Copy the body the request was filed with into the evidence bucket; None when done, else what is wrong.

    A body is copied here hours or days after filing: long enough for whoever can write the tables to have
    rewritten the request, its trail and its filing together. So only for a request whose trail and anchor verify,
    and whose anchored first event (``submitted``) records the hash of the body copied."""
    from chalicelib.clock import parse_instant
    from chalicelib.domain import audit
    from chalicelib.domain.schema import REQUEST_ID
    from chalicelib.errors import LiaisonError
    from chalicelib.services import checkpoints, evidence
    from chalicelib.store import filings
    from chalicelib.store.models import Filing
    from chalicelib.store.requests import RequestRepository

    if not REQUEST_ID.fullmatch(request_id):  # the API issues no other: never a key outside the request's folder
        return NOT_A_REQUEST_ID
    requests = RequestRepository()
    try:
        item = requests.get(request_id)
        if item is None:
            return NO_SUCH_REQUEST
        item, events = requests.chain(item)  # the request and its trail as of one moment
        held = evidence.verify(item, events, anchor_of=anchors.anchor_of, latest=anchors.latest, body=False)
        if not held.verdict.verified:
            return f"not copied: its evidence does not hold ({held.verdict.problem}); investigate it first"
        if held.anchor is None:
            return "not copied yet: no audit checkpoint anchors its trail; run `make checkpoint`, then this again"
        filed = json.loads(events[0].detail).get(audit.STATE_KEY, {}).get("body_sha256")
        if events[0].kind != "submitted" or filed != item.body_sha256:
            return "not copied: its body_sha256 is not the one its first event recorded; investigate it first"
        try:
            stored = Filing.get(request_id, item.body_sha256, consistent_read=True).body
        except Filing.DoesNotExist:
            stored = None
        body = bytes(stored) if stored is not None else None
        if body is not None and hashlib.sha256(body).hexdigest() != item.body_sha256:
            return "not copied: the filings table's item does not hash to its key (put in by hand)"
        if body is not None:
            filings.keep(request_id, body)
        found = filings.read(request_id, item.body_sha256, parse_instant(item.received_at), now)
        if body is None and found.where != "bucket":
            return "no body with the request's hash, in the table or the bucket"
        after = evidence.verify(item, events, anchor_of=anchors.anchor_of, latest=anchors.latest)
    except filings.FilingConflict as conflict:
        return f"CONFLICT: {conflict}; nothing was written (docs/operations.md)"
    except (LiaisonError, checkpoints.CheckpointInvalid, *FAILED) as error:
        return f"not copied: {error}"
    except (TypeError, ValueError, AttributeError) as error:  # an item written by hand, not as the API writes
        return f"not copied: an item it reads is malformed ({error!r}); investigate it first"
    if not after.verdict.verified:
        return f"its evidence does not verify: {after.verdict.problem}"
    return None


def messages(sqs: Any, queue_url: str, handles: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Every message of the queue, once each, until a read brings none. A message read again (the queue may hand
    one out twice) is not handled twice, but its new receipt handle is kept in ``handles``."""
    while True:
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=WAIT_SECONDS,
            VisibilityTimeout=VISIBILITY_SECONDS,
        ).get("Messages", [])
        if not received:
            return
        for message in received:
            seen = message["MessageId"] in handles
            handles[message["MessageId"]] = message["ReceiptHandle"]
            if not seen:
                yield message


def drain(sqs: Any, queue_url: str, anchors: Anchors, now: datetime) -> int:
    """Handle every message of the queue; how many are left in it (shown again at once, for the next run)."""
    from chalicelib.settings import get_settings

    # The regional endpoint (as infra/local/filings.py), which moto knows too, not the account-based one.
    streams = boto3.client(
        "dynamodbstreams", region_name=get_settings().aws_region, config=Config(account_id_endpoint_mode="disabled")
    )
    handles: dict[str, str] = {}  # message id -> its latest receipt handle
    left: list[str] = []  # message ids
    try:
        for message in messages(sqs, queue_url, handles):
            print(f"message {message['MessageId']}:")
            problem = _handle(message, streams, anchors, now)
            if problem:
                print(f"  left in the queue: {problem}")
                left.append(message["MessageId"])
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=handles[message["MessageId"]])
            print("  done: deleted from the queue")
    finally:
        for message_id in left:  # visible again now: once the cause is fixed, the next run sees them at once
            try:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=handles[message_id], VisibilityTimeout=0
                )
            except FAILED as error:
                print(f"message {message_id} shows again only after {VISIBILITY_SECONDS} s: {error}")
    print(f"{len(handles)} messages read, {len(left)} left in the queue")
    return len(left)


def _handle(message: dict[str, Any], streams: Any, anchors: Anchors, now: datetime) -> str | None:
    """Copy what one message names; None when every request it names is kept, else why it stays."""
    try:
        batch = Batch.of(message["Body"])
    except ValueError as error:
        return str(error)
    named = requests_in(batch, streams)
    if named.problem == "gone":
        return (
            "the stream no longer holds this batch's records (it keeps them 24 hours). `make verify-audit` names "
            "the requests whose body never reached the bucket: REQUEST= copies them"
        )
    if named.problem or not named.requests:
        return named.problem or "its records name no new filing"
    problems = 0
    for request_id in named.requests:
        problem = copy(request_id, anchors, now)
        if problem in (NO_SUCH_REQUEST, NOT_A_REQUEST_ID):
            # Put into the table by hand (the API writes filings only with their requests): the function refuses
            # these too, and nothing is to be kept for them.
            print(f"  {request_id}: {problem}, passed over (the function refuses such a filing too)")
            continue
        print(f"  {request_id}: {problem or 'kept'}")
        problems += problem is not None
    return f"{problems} of its requests not kept" if problems else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make keep-filings", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state-dir", type=Path, default=Path(".local"))
    parser.add_argument("--aws", action="store_true", help="the deployment the environment points at")
    parser.add_argument("--queue-url", help="the filings dead-letter queue (with --aws: required to read it)")
    parser.add_argument("--request", action="append", default=[], help="copy this request's body (repeatable)")
    args = parser.parse_args(argv)
    if args.aws and not args.request and args.queue_url is None:
        parser.error("--queue-url is required with --aws (the stack's FilingsDeadLetterQueueUrl output)")
    if not args.aws:
        local_environment(args.state_dir)

    try:
        return _run(args)
    except ValidationError as error:  # the settings: a LIAISON_* variable missing or wrong
        print(f"make keep-filings: the environment is not a deployment's: {error}", file=sys.stderr)
    except FAILED as error:
        print(f"make keep-filings: stopped, nothing more done: {error}", file=sys.stderr)
    except LiaisonError as error:  # e.g. the checkpoints could not be read or their keys fetched
        print(f"make keep-filings: stopped, nothing more done: {error}", file=sys.stderr)
    return 1


def _run(args: argparse.Namespace) -> int:
    from chalicelib.aws import client
    from chalicelib.clock import app_clock

    anchors = bucket_anchors()
    for problem in anchors.problems:
        print(f"CHECKPOINT {problem}")
    if anchors.problems:
        print("nothing copied: the checkpoints do not verify, so no trail can be checked (make verify-audit)")
        return 1
    now = app_clock.now()
    requests: list[str] = [one for given in args.request for one in given.split()]
    if requests:
        outcomes: dict[str, str | None] = {one: copy(one, anchors, now) for one in requests}
        for request_id, outcome in outcomes.items():
            print(f"{request_id}: {outcome or 'kept'}")
        return 1 if any(outcomes.values()) else 0

    sqs = client("sqs")
    queue_url = args.queue_url
    if queue_url is None:  # make run's queue
        from infra.local.resources import physical_name
        from infra.local.run import STACK_PREFIX

        queue_url = sqs.get_queue_url(QueueName=physical_name(STACK_PREFIX, LOCAL_QUEUE))["QueueUrl"]
    return 1 if drain(sqs, queue_url, anchors, now) else 0


if __name__ == "__main__":
    sys.exit(main())
