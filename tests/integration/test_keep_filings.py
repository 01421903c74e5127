"""``make keep-filings`` (infra/keep_filings.py): the bodies as filed that ``keep_filings`` gave up on, copied later.

The dead-letter queue's messages are written as Lambda writes them for a discarded stream batch (they name the
shard and the batch's first and last sequence numbers), against the filings table's stream in moto; the bucket and
the tables are moto's too. The tool runs as ``make keep-filings AWS=1`` runs it, on the environment the tests set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.errors import DependencyUnavailable
from chalicelib.settings import get_settings
from chalicelib.store import filings
from chalicelib.services import checkpoints
from chalicelib.store.models import Filing, LegalRequest
from chalicelib.store.requests import Change, _event
from infra import keep_filings
from infra.local.resources import physical_name
from tests.integration.test_filings import file_one, in_bucket

QUEUE = physical_name("liaison-test", keep_filings.LOCAL_QUEUE)  # infra/local/inprocess.py's prefix


def empty(url: str) -> None:
    """Delete every message (PurgeQueue may run once a minute only)."""
    sqs = boto3.client("sqs", region_name=get_settings().aws_region)
    while received := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
        for message in received:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def queue(monkeypatch) -> Iterator[str]:
    """The filings dead-letter queue, empty. moto would wait out a long poll of an empty queue: not here."""
    monkeypatch.setattr(keep_filings, "WAIT_SECONDS", 0)
    url = boto3.client("sqs", region_name=get_settings().aws_region).get_queue_url(QueueName=QUEUE)["QueueUrl"]
    empty(url)
    yield url
    empty(url)


def stream_records(*request_ids: str, kind: str = "INSERT") -> tuple[str, str, list[int]]:
    """The filings stream's ARN, its shard, and the sequence numbers of these requests' records of ``kind``."""
    region = get_settings().aws_region
    table = boto3.client("dynamodb", region_name=region).describe_table(TableName=get_settings().filings_table)
    arn = table["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled"))
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    numbers: dict[str, int] = {}
    page = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)
    while page["Records"]:
        for r in page["Records"]:
            if r["eventName"] == kind:
                numbers[r["dynamodb"]["Keys"]["request_id"]["S"]] = int(r["dynamodb"]["SequenceNumber"])
        page = streams.get_records(ShardIterator=page["NextShardIterator"], Limit=1000)
    return arn, shard, [numbers[each] for each in request_ids]


def filed(client, issuer, own_checkpoints) -> tuple[str, str]:
    """A request filed, and its trail anchored by a checkpoint (the tool copies only for an anchored trail)."""
    request_id, sha = file_one(client, issuer)
    own_checkpoints.write()
    return request_id, sha


def versions(request_id: str) -> int:
    listed = boto3.client("s3", region_name=get_settings().aws_region).list_object_versions(
        Bucket=get_settings().evidence_bucket, Prefix=filings.key(request_id)
    )
    return len(listed.get("Versions", []))


def discarded(queue_url: str, arn: str, shard: str, first: int, last: int) -> None:
    """What Lambda puts in the on-failure queue when it gives up on a batch of the stream."""
    body = {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11},
        "version": "1.0",
        "timestamp": "2026-12-02T18:00:00.000Z",
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": str(first),
            "endSequenceNumber": str(last),
            "approximateArrivalOfFirstRecord": "2026-12-02T17:59:00Z",
            "approximateArrivalOfLastRecord": "2026-12-02T17:59:00Z",
            "batchSize": 2,
            "streamArn": arn,
        },
    }
    boto3.client("sqs", region_name=get_settings().aws_region).send_message(
        QueueUrl=queue_url, MessageBody=json.dumps(body)
    )


def visible(queue_url: str) -> int:
    return int(
        boto3.client("sqs", region_name=get_settings().aws_region).get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    )


def waiting(queue_url: str) -> int:
    """Messages in the queue, visible or taken and not deleted."""
    attributes = boto3.client("sqs", region_name=get_settings().aws_region).get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_given_a_discarded_batch_then_its_requests_bodies_are_kept_and_the_message_deleted(
    client, issuer, own_checkpoints, queue, capsys
):
    first, first_sha = filed(client, issuer, own_checkpoints)
    other, _ = filed(client, issuer, own_checkpoints)  # between them in the stream: in the batch
    last, last_sha = filed(client, issuer, own_checkpoints)
    arn, shard, (start, _, end) = stream_records(first, other, last)
    discarded(queue, arn, shard, start, end)
    assert in_bucket(first) is None and in_bucket(last) is None

    assert keep_filings.main(["--aws", "--queue-url", queue]) == 0

    assert in_bucket(first, first_sha) == bytes(Filing.get(first, first_sha).body)
    assert in_bucket(last, last_sha) == bytes(Filing.get(last, last_sha).body)
    assert in_bucket(other) is not None  # within the batch's range: named by it
    assert waiting(queue) == 0
    out = capsys.readouterr().out
    assert f"  {first}: kept" in out and f"  {last}: kept" in out and "done: deleted from the queue" in out
    assert out.rstrip().endswith("1 messages read, 0 left in the queue")


def test_given_a_batch_of_one_then_only_that_request_is_copied(client, issuer, own_checkpoints, queue):
    named, sha = filed(client, issuer, own_checkpoints)
    after, _ = filed(client, issuer, own_checkpoints)
    arn, shard, (number,) = stream_records(named)
    discarded(queue, arn, shard, number, number)

    assert keep_filings.main(["--aws", "--queue-url", queue]) == 0
    assert in_bucket(named, sha) is not None
    assert in_bucket(after) is None  # after the batch's last record: not this message's


@pytest.mark.parametrize("gone", ["shard", "trimmed"])
def test_given_a_batch_the_stream_no_longer_holds_then_the_message_stays_and_says_what_to_do(
    client, issuer, queue, capsys, gone
):
    named, _ = file_one(client, issuer)
    arn, shard, (number,) = stream_records(named)
    if gone == "shard":  # a shard closed and deleted past its 24 hours: ResourceNotFoundException
        discarded(queue, arn, "shardId-00000001764000000000-expired", number, number)
    else:  # records before the trim horizon: TrimmedDataAccessException
        discarded(queue, arn, shard, 10**20, 10**20)

    assert keep_filings.main(["--aws", "--queue-url", queue]) == 1
    assert waiting(queue) == 1
    assert in_bucket(named) is None
    out = capsys.readouterr().out
    assert "the stream no longer holds this batch's records" in out and "make verify-audit" in out


def test_given_a_batch_whose_records_name_no_new_filing_then_the_message_stays(client, issuer, queue, capsys):
    named, sha = file_one(client, issuer)
    Filing.get(named, sha).delete()  # a REMOVE record: not a filing the function copies
    arn, shard, (number,) = stream_records(named, kind="REMOVE")
    discarded(queue, arn, shard, number, number)
    assert keep_filings.main(["--aws", "--queue-url", queue]) == 1
    assert waiting(queue) == 1
    assert "its records name no new filing" in capsys.readouterr().out


class Throttled:
    """A DynamoDB Streams client that is throttled (not a batch gone: a run later reads it)."""

    def get_shard_iterator(self, **_: object) -> dict[str, str]:
        raise ClientError({"Error": {"Code": "LimitExceededException", "Message": "slow down"}}, "GetShardIterator")


def test_given_the_stream_throttling_then_the_batch_is_not_taken_for_gone():
    named = keep_filings.requests_in(keep_filings.Batch("arn:stream", "shardId-1", 1, 2), Throttled())
    assert named.requests == [] and named.problem is not None
    assert "LimitExceededException" in named.problem and named.problem.endswith("run again")


def test_given_a_message_lambda_did_not_write_then_it_stays(queue, capsys):
    boto3.client("sqs", region_name=get_settings().aws_region).send_message(QueueUrl=queue, MessageBody="{}")
    assert keep_filings.main(["--aws", "--queue-url", queue]) == 1
    assert waiting(queue) == 1
    assert "not a record of a discarded stream batch" in capsys.readouterr().out


def test_given_the_bucket_still_refusing_then_the_message_stays_for_the_next_run(
    client, issuer, own_checkpoints, queue, monkeypatch, capsys
):
    named, sha = filed(client, issuer, own_checkpoints)
    arn, shard, (number,) = stream_records(named)
    discarded(queue, arn, shard, number, number)
    real_keep = filings.keep

    def down(request_id: str, body: bytes) -> None:
        raise DependencyUnavailable("The evidence store is unavailable; the body was not copied yet.")

    monkeypatch.setattr(filings, "keep", down)
    assert keep_filings.main(["--aws", "--queue-url", queue]) == 1
    assert visible(queue) == 1  # shown again at once, not after the run's visibility timeout
    assert f"{named}: not copied" in capsys.readouterr().out

    monkeypatch.setattr(filings, "keep", real_keep)  # the cause fixed: the next run copies it
    assert keep_filings.main(["--aws", "--queue-url", queue]) == 0
    assert in_bucket(named, sha) is not None and waiting(queue) == 0


def test_given_one_request_of_a_batch_not_copied_then_the_others_are_and_the_message_stays(
    client, issuer, own_checkpoints, queue, monkeypatch, capsys
):
    first, first_sha = filed(client, issuer, own_checkpoints)
    second, _ = filed(client, issuer, own_checkpoints)
    arn, shard, (start, end) = stream_records(first, second)
    discarded(queue, arn, shard, start, end)
    real_keep = filings.keep

    def keep(request_id: str, body: bytes) -> None:
        if request_id == second:
            raise DependencyUnavailable("The evidence store is unavailable; the body was not copied yet.")
        real_keep(request_id, body)

    monkeypatch.setattr(filings, "keep", keep)
    assert keep_filings.main(["--aws", "--queue-url", queue]) == 1
    assert in_bucket(first, first_sha) is not None and in_bucket(second) is None
    assert waiting(queue) == 1
    out = capsys.readouterr().out
    assert f"  {first}: kept" in out and f"  {second}: not copied" in out


def test_given_requests_by_id_then_each_body_is_copied_once_and_a_second_run_finds_it_kept(
    client, issuer, own_checkpoints, capsys
):
    named, sha = filed(client, issuer, own_checkpoints)
    assert keep_filings.main(["--aws", "--request", named]) == 0
    assert in_bucket(named, sha) == bytes(Filing.get(named, sha).body)
    assert keep_filings.main(["--aws", "--request", named]) == 0  # the same bytes: done, nothing written
    assert versions(named) == 1
    assert capsys.readouterr().out.count(f"{named}: kept") == 2


def test_given_another_body_in_the_bucket_then_it_is_a_conflict_and_nothing_is_overwritten(
    client, issuer, own_checkpoints, capsys
):
    named, _ = filed(client, issuer, own_checkpoints)
    forged = b'{"type":"something else"}'
    boto3.client("s3", region_name=get_settings().aws_region).put_object(
        Bucket=get_settings().evidence_bucket, Key=filings.key(named), Body=forged
    )
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) == forged
    out = capsys.readouterr().out
    assert f"{named}: CONFLICT" in out and hashlib.sha256(forged).hexdigest() in out


def test_given_a_body_the_request_does_not_bind_then_it_is_not_copied(client, issuer, own_checkpoints, capsys):
    """Only the table's item under the request's own hash is copied: another item put in for it is not."""
    named, sha = filed(client, issuer, own_checkpoints)
    Filing.get(named, sha).delete()
    filings.item(named, b'{"put":"in by hand"}', "2026-12-02T18:00:00.000Z").save()
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) is None
    assert f"{named}: no body with the request's hash" in capsys.readouterr().out


def test_given_a_table_item_that_does_not_hash_to_its_key_then_it_is_not_copied(
    client, issuer, own_checkpoints, capsys
):
    named, sha = filed(client, issuer, own_checkpoints)
    Filing(named, sha, body=b'{"put":"in by hand"}', filed_at="2026-12-02T18:00:00.000Z").save()
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) is None
    assert f"{named}: not copied: the filings table's item does not hash to its key" in capsys.readouterr().out


def test_given_another_body_in_the_bucket_and_none_in_the_table_then_it_is_not_called_kept(
    client, issuer, own_checkpoints, capsys
):
    named, sha = filed(client, issuer, own_checkpoints)
    Filing.get(named, sha).delete()
    boto3.client("s3", region_name=get_settings().aws_region).put_object(
        Bucket=get_settings().evidence_bucket, Key=filings.key(named), Body=b'{"not":"the body"}'
    )
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert "does not hash to the body_sha256 of the trail" in capsys.readouterr().out


def test_given_a_request_rewritten_in_the_tables_then_no_body_is_copied(client, issuer, capsys):
    """Whoever can write the tables changes the request's hash and puts in a body to match: nothing is copied,
    since the trail binds the hash the request was filed with."""
    named, _ = file_one(client, issuer)
    forged = b'{"type":"forged"}'
    filings.item(named, forged, "2026-12-02T18:00:00.000Z").save()
    LegalRequest.get(named).update(actions=[LegalRequest.body_sha256.set(hashlib.sha256(forged).hexdigest())])
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) is None
    out = capsys.readouterr().out
    assert f"{named}: not copied: its evidence does not hold" in out and "body_sha256" in out


def test_given_a_trail_not_anchored_yet_then_nothing_is_copied_until_a_checkpoint_is(
    client, issuer, own_checkpoints, capsys
):
    named, sha = file_one(client, issuer)
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) is None
    assert f"{named}: not copied yet: no audit checkpoint anchors its trail" in capsys.readouterr().out
    own_checkpoints.write()
    assert keep_filings.main(["--aws", "--request", named]) == 0
    assert in_bucket(named, sha) is not None


def test_given_a_trail_extended_after_its_checkpoint_to_bind_another_body_then_nothing_is_copied(
    client, issuer, own_checkpoints, capsys
):
    """Whoever can write the tables adds a consistent event after the checkpoint that sets another body_sha256,
    updates the request and puts in the body to match: the chain, the request and the anchor all verify, but the
    anchored first event records the body the request was filed with."""
    named, _ = filed(client, issuer, own_checkpoints)
    forged = b'{"type":"forged"}'
    forged_sha = hashlib.sha256(forged).hexdigest()
    item = LegalRequest.get(named)
    seq = int(item.last_event_seq) + 1
    change = Change("noted", "system", "system", "2026-12-02T18:30:00.000Z", sets={"body_sha256": forged_sha})
    event = _event(named, seq, change, item.last_event_hash)
    event.save()
    boto3.client("dynamodb", region_name=get_settings().aws_region).update_item(  # as a table writer would
        TableName=get_settings().requests_table,
        Key={"request_id": {"S": named}},
        UpdateExpression="SET body_sha256 = :sha, last_event_seq = :seq, last_event_hash = :hash",
        ExpressionAttributeValues={":sha": {"S": forged_sha}, ":seq": {"N": str(seq)}, ":hash": {"S": event.hash}},
    )
    filings.item(named, forged, "2026-12-02T18:30:00.000Z").save()

    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) is None
    assert f"{named}: not copied: its body_sha256 is not the one its first event recorded" in capsys.readouterr().out


def test_given_checkpoints_that_do_not_verify_then_nothing_is_copied(client, issuer, own_checkpoints, capsys):
    named, _ = filed(client, issuer, own_checkpoints)
    boto3.client("s3", region_name=get_settings().aws_region).put_object(
        Bucket=own_checkpoints.bucket, Key=f"{checkpoints.CHECKPOINTS}2026-12-02T18:59:00.000Z.json", Body=b"{}"
    )
    assert keep_filings.main(["--aws", "--request", named]) == 1
    assert in_bucket(named) is None
    out = capsys.readouterr().out
    assert "CHECKPOINT" in out and "nothing copied: the checkpoints do not verify" in out


def test_given_a_batch_with_a_filing_put_in_for_no_request_then_it_is_passed_over(
    client, issuer, own_checkpoints, queue, capsys
):
    named, sha = filed(client, issuer, own_checkpoints)
    filings.item("LR-AAAAAAAAAAAAAAAA", b'{"put":"in by hand"}', "2026-12-02T18:00:00.000Z").save()
    arn, shard, (start, end) = stream_records(named, "LR-AAAAAAAAAAAAAAAA")
    discarded(queue, arn, shard, start, end)
    assert keep_filings.main(["--aws", "--queue-url", queue]) == 0
    assert in_bucket(named, sha) is not None and in_bucket("LR-AAAAAAAAAAAAAAAA") is None
    assert waiting(queue) == 0
    assert "LR-AAAAAAAAAAAAAAAA: no such request, passed over" in capsys.readouterr().out


def test_given_an_unknown_request_or_not_a_request_id_then_each_is_named(capsys):
    assert keep_filings.main(["--aws", "--request", "LR-AAAAAAAAAAAAAAAA ../../audit/x"]) == 1
    out = capsys.readouterr().out
    assert "LR-AAAAAAAAAAAAAAAA: no such request" in out and "../../audit/x: not a request id" in out


def test_given_aws_without_the_queue_then_it_asks_for_it(capsys):
    with pytest.raises(SystemExit) as stopped:
        keep_filings.main(["--aws"])
    assert stopped.value.code == 2
    assert "--queue-url is required with --aws" in capsys.readouterr().err
