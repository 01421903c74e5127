"""The body as filed: written with the request, copied into the evidence bucket by the filings stream's consumer.

``keep_filings`` (chalicelib/events.py) is called as Lambda calls it, through Chalice's test client, by the same
stream reader ``make run`` uses (infra/local/filings.py), against the stream moto keeps for the filings table.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib.errors import DependencyUnavailable
from chalicelib.events import KEEP_FILINGS
from chalicelib.settings import get_settings
from chalicelib.store import filings
from chalicelib.store.models import Filing, LegalRequest
from infra.local.filings import FilingPump, as_event_json
from tests.helpers import FR, authority, post, submission


def in_bucket(request_id: str, sha256: str | None = None) -> bytes | None:
    """The request's body as the bucket keeps it (if ``sha256``: only if it is that body)."""
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    try:
        kept = s3.get_object(Bucket=get_settings().evidence_bucket, Key=filings.key(request_id))["Body"].read()
        return kept if sha256 is None or hashlib.sha256(kept).hexdigest() == sha256 else None
    except s3.exceptions.NoSuchKey:
        return None


def file_one(client, issuer) -> tuple[str, str]:
    created = post(client, "/v1/requests", submission(), authority(issuer, FR))
    assert created.status_code == 201, created.json_body
    return created.json_body["id"], LegalRequest.get(created.json_body["id"]).body_sha256


def invoke(event: dict) -> dict:
    with Client(app, stage_name="local") as lambda_client:
        return lambda_client.lambda_.invoke(KEEP_FILINGS, event).payload


def record(event_name: str, image: dict, sequence: str = "100") -> dict:
    """A record as Lambda's DynamoDB stream event carries it (every field Chalice reads)."""
    return {
        "eventID": "e-" + sequence,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x",
        "dynamodb": {
            "ApproximateCreationDateTime": 1764669600,
            "Keys": {},
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 100,
            "StreamViewType": "NEW_IMAGE",
        },
    }


def test_given_a_submission_then_its_body_is_in_the_table_at_once_and_in_the_bucket_once_the_stream_is_read(
    client, issuer, filing_pump
):
    request_id, sha = file_one(client, issuer)
    filed = Filing.get(request_id, sha, consistent_read=True)
    assert hashlib.sha256(bytes(filed.body)).hexdigest() == sha
    assert filed.filed_at == LegalRequest.get(request_id).received_at
    assert in_bucket(request_id, sha) is None  # nothing written to S3 on the request path
    assert filing_pump.drain() >= 1
    assert in_bucket(request_id, sha) == bytes(filed.body)
    assert filing_pump.drain() == 0  # read on from where it stopped: nothing copied twice


def test_given_the_bucket_refusing_then_the_record_is_given_back_and_copied_on_the_next_round(
    client, issuer, filing_pump, monkeypatch
):
    filing_pump.drain()
    first, first_sha = file_one(client, issuer)
    second, second_sha = file_one(client, issuer)
    real_keep = filings.keep
    refused: list[str] = []

    def keep(request_id: str, body: bytes) -> None:
        if request_id == second and not refused:
            refused.append(request_id)
            raise DependencyUnavailable("S3 is down")
        real_keep(request_id, body)

    monkeypatch.setattr(filings, "keep", keep)
    filing_pump.drain()  # stops at the record given back, as Lambda retries from it
    assert refused == [second]
    assert in_bucket(first, first_sha) is not None and in_bucket(second, second_sha) is None
    filing_pump.drain()
    assert in_bucket(second, second_sha) == bytes(Filing.get(second, second_sha).body)


def test_given_records_that_are_not_new_filings_then_they_are_passed_over_without_blocking_the_stream():
    body = b'{"type":"preservation"}'
    good = {
        "request_id": {"S": "LR-TESTTESTTESTTEST"},
        "sha256": {"S": hashlib.sha256(body).hexdigest()},
        "body": {"B": base64.b64encode(body).decode()},
        "filed_at": {"S": "2026-12-02T10:00:00Z"},
    }
    forged = {**good, "body": {"B": base64.b64encode(b"{}").decode()}}  # does not hash to its key
    answer = invoke(
        {
            "Records": [
                record("MODIFY", forged, "1"),
                record("REMOVE", {}, "2"),
                record("INSERT", forged, "3"),
                record("INSERT", {"request_id": {"S": "LR-TESTTESTTESTTEST"}}, "4"),
                record("INSERT", good, "5"),
            ]
        }
    )
    assert answer == {"batchItemFailures": []}
    assert in_bucket("LR-TESTTESTTESTTEST") == body
    # Delivered again (a retried batch): read back, the same bytes, nothing written. Another body: refused.
    outside = {**good, "request_id": {"S": "../../audit/heads/x"}}  # never a key outside the request's folder
    other = {**good, "sha256": {"S": hashlib.sha256(b'{"n":0}').hexdigest()}, "body": {"B": "eyJuIjowfQ=="}}
    answer = invoke({"Records": [record("INSERT", good, "6"), record("INSERT", other, "7"),
                                 record("INSERT", outside, "8")]})
    assert answer == {"batchItemFailures": []}
    assert in_bucket("LR-TESTTESTTESTTEST") == body
    versions = boto3.client("s3", region_name=get_settings().aws_region).list_object_versions(
        Bucket=get_settings().evidence_bucket, Prefix=filings.key("LR-TESTTESTTESTTEST"))["Versions"]
    assert len(versions) == 1


def test_given_the_bucket_refusing_then_the_handler_names_the_first_record_not_copied(monkeypatch):
    bodies = [b'{"n":1}', b'{"n":2}']
    images = [
        {
            "request_id": {"S": "LR-TWOTWOTWOTWOTWOT"},
            "sha256": {"S": hashlib.sha256(b).hexdigest()},
            "body": {"B": base64.b64encode(b).decode()},
            "filed_at": {"S": "2026-12-02T10:00:00Z"},
        }
        for b in bodies
    ]
    monkeypatch.setattr(filings, "keep", lambda request_id, body: (_ for _ in ()).throw(DependencyUnavailable("down")))
    answer = invoke({"Records": [record("INSERT", images[0], "7"), record("INSERT", images[1], "8")]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "7"}]}


def test_given_boto3_binary_values_then_the_event_carries_them_as_lambda_does():
    assert as_event_json(
        {
            "NewImage": {
                "body": {"B": b"\x00{}"},
                "tags": {"BS": [b"a"]},
                "n": {"N": "1"},
                "m": {"M": {"x": {"B": b"b"}}},
            }
        }
    ) == {
        "NewImage": {"body": {"B": "AHt9"}, "tags": {"BS": ["YQ=="]}, "n": {"N": "1"}, "m": {"M": {"x": {"B": "Yg=="}}}}
    }


@pytest.mark.parametrize("image", [{}, {"request_id": {"S": "x"}, "sha256": {"S": "y"}, "body": {"B": "not base64!"}}])
def test_given_a_malformed_image_then_it_is_named_as_such(image):
    with pytest.raises(filings.MalformedRecord):
        filings.from_new_image(image)


def test_given_a_new_pump_then_it_reads_the_stream_from_its_oldest_record(client, issuer):
    """Deployed, the event source starts at TRIM_HORIZON: a body filed before the consumer first ran is copied."""
    request_id, sha = file_one(client, issuer)
    fresh = FilingPump.from_settings()
    assert fresh.drain() >= 1
    assert in_bucket(request_id, sha) is not None


def test_given_a_cancelled_transaction_then_its_filing_is_neither_stored_nor_on_the_stream(client, issuer,
                                                                                          filing_pump):
    """DynamoDB streams carry nothing of a cancelled transaction (moto's rollback is made to match:
    infra/local/moto_patches.py), so a refused submission's body is never copied."""
    from chalicelib.errors import Conflict
    from chalicelib.store.requests import Change, RequestRepository

    request_id, sha = file_one(client, issuer)
    filing_pump.drain()
    item = LegalRequest.get(request_id)
    again = filings.item(request_id, b'{"type":"cancelled"}', item.received_at)
    with pytest.raises(Conflict) as refused:  # the request exists: the whole transaction is cancelled
        RequestRepository().create(item, Change("submitted", "authority", "officer-1", item.received_at),
                                   with_items=[again])
    assert refused.value.code == "request_exists"
    assert [f.sha256 for f in Filing.query(request_id, consistent_read=True)] == [sha]
    assert filing_pump.drain() == 0
    assert in_bucket(request_id, sha) is not None


def test_given_a_read_of_the_stream_failing_then_the_reader_resumes_from_its_position(client, issuer, monkeypatch):
    """A lost answer leaves no usable iterator (moto drops an iterator once read, as the pump expects): the next
    round asks for one after the last record handed, so nothing is skipped and nothing is handed twice."""
    pump = FilingPump.from_settings()
    pump.drain()
    handed: list[str] = []
    real_invoke = pump.invoke()
    monkeypatch.setattr(pump, "_invoke", lambda event: handed.extend(
        r["dynamodb"]["NewImage"]["request_id"]["S"] for r in event["Records"]) or real_invoke(event))
    first, _ = file_one(client, issuer)
    assert pump.drain() == 1 and handed == [first]
    real_get = pump._streams.get_records
    calls = []

    def failing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            real_get(**kwargs)  # read by the server, the answer lost on the way back
            raise ConnectionError("connection reset")
        return real_get(**kwargs)

    monkeypatch.setattr(pump._streams, "get_records", failing_once)
    second, sha = file_one(client, issuer)
    with pytest.raises(ConnectionError):
        pump.drain()
    assert pump.drain() == 1
    assert handed == [first, second] and in_bucket(second, sha) is not None


def test_given_a_request_filed_before_the_one_object_key_then_a_filing_put_in_for_it_later_is_refused():
    """Its body is at the legacy key (filed-<sha>.json): a filing for it now was put into the table by hand, and
    kept at filed.json it would be read before the real one."""
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    old_id, real = "LR-OLDOLDOLDOLDOLDOL", b'{"type":"preservation","n":"real"}'
    s3.put_object(Bucket=get_settings().evidence_bucket, Key=filings.legacy_key(old_id, hashlib.sha256(real).hexdigest()),
                  Body=real)
    forged = b'{"type":"preservation","n":"forged"}'
    image = {"request_id": {"S": old_id}, "sha256": {"S": hashlib.sha256(forged).hexdigest()},
             "body": {"B": base64.b64encode(forged).decode()}, "filed_at": {"S": "2026-11-01T10:00:00.000Z"}}
    assert invoke({"Records": [record("INSERT", image, "9")]}) == {"batchItemFailures": []}
    assert in_bucket(old_id) is None
    found = filings.read(old_id, hashlib.sha256(real).hexdigest(), datetime(2026, 11, 1, tzinfo=UTC),
                         datetime(2026, 12, 2, tzinfo=UTC))
    assert (found.where, found.body) == ("bucket", real)


def test_given_a_filing_time_ahead_of_the_clock_then_the_table_copy_is_not_taken_on_trust(client, issuer):
    request_id, sha = file_one(client, issuer)
    filed_at = LegalRequest.get(request_id).received_at
    now = datetime.fromisoformat(filed_at.replace("Z", "+00:00"))
    assert filings.read(request_id, sha, now, now).where == "table"
    assert filings.read(request_id, sha, now + timedelta(days=1), now).where == "table_overdue"
    assert filings.read(request_id, sha, now, now + filings.COPY_GRACE + timedelta(seconds=1)).where == "table_overdue"
