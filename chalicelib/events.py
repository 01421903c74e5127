"""Queue and stream consumers: the Lambda functions beside the API.

``record_refusals`` chains refused attempts into the audit trail. The API only queues them
(``services/access.py``), so a refusal costs its caller the same whether the request it names exists or not.
Deployed, the function reads ``RefusalsQueue`` of ``infra/template.json`` with partial batch responses: a message
it could not chain yet comes back, and after its last attempt stays in the dead-letter queue, which alarms. Under
``make run`` a pump thread of the local runner feeds it the same events; tests call it the same way.

``keep_filings`` copies each request's body as filed from the filings table, where the submission's transaction
put it, into the evidence bucket (``store/filings.py``). Deployed, it reads the table's stream (new items only),
from the oldest record kept; a batch that fails is retried, split, and after its last attempt named in the
filings dead-letter queue, which alarms (the body stays in the table; the evidence check reports it after an hour).
Under ``make run`` a thread of the local runner reads moto's stream and hands it the same events.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from chalice.app import DynamoDBEvent, SQSEvent
from pydantic import ValidationError

from chalicelib.errors import DependencyUnavailable
from chalicelib.observability import logger, metrics
from chalicelib.services import access
from chalicelib.store import filings
from chalicelib.store.requests import RequestRepository

blueprint = Blueprint(__name__)

# `chalice package` writes the event source's queue ARN as Fn::Sub over this name, so the template's queue
# attribute resolves there: the queue keeps its generated name and the packaged function points at it.
REFUSALS_QUEUE = "${RefusalsQueue.QueueName}"
RECORD_REFUSALS = "record_refusals"
# At most this many run at once (the event source's maximum concurrency): each chains onto a request that real
# changes write too, and a flood of probes must not scale into a flood of writes. The backlog waits in the queue.
MAX_CONCURRENCY = 2


@blueprint.on_sqs_message(
    queue=REFUSALS_QUEUE, batch_size=10, name=RECORD_REFUSALS, maximum_concurrency=MAX_CONCURRENCY
)
def record_refusals(event: SQSEvent) -> dict[str, Any]:
    """Chain each refusal of the batch; name the ones to give back (``batchItemFailures``)."""
    requests = RequestRepository()
    failures = []
    for record in event:
        message_id = record.to_dict()["messageId"]
        try:
            done = access.chain_refusal(requests, access.Refusal.model_validate_json(record.body))
        except ValidationError:
            # Not from the API. Given back, it ends in the dead-letter queue, where someone can look at it.
            logger.error("refusal message malformed", extra={"message_id": message_id})
            metrics.add_metric(name="RefusalsMalformed", unit="Count", value=1)
            done = False
        if not done:
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


# `chalice package` writes this as the event source's stream; infra/template.json puts the filings table's
# stream ARN there (Fn::GetAtt), with the filter, retries and on-failure queue chalice does not set.
FILINGS_STREAM = "arn:aws:dynamodb:region:account:table/FilingsTable/stream/set-by-the-template"
KEEP_FILINGS = "keep_filings"


@blueprint.on_dynamodb_record(
    stream_arn=FILINGS_STREAM, batch_size=10, starting_position="TRIM_HORIZON", name=KEEP_FILINGS
)
def keep_filings(event: DynamoDBEvent) -> dict[str, Any]:
    """Copy each new filing into the evidence bucket, in stream order. If the bucket refuses one, name it
    (``batchItemFailures``): Lambda retries the batch from there, and a body the bucket already keeps is only
    read back and compared (the same bytes: done)."""
    for record in event:
        raw = record.to_dict()
        if raw.get("eventName") != "INSERT":  # the event source's filter passes inserts only; kept honest here
            continue
        try:
            request_id, body = filings.from_new_image(raw["dynamodb"].get("NewImage") or {})
            filings.keep(request_id, body)
        except (filings.MalformedRecord, filings.FilingConflict) as error:
            # Not written by the API (a malformed item, or a second body for a request whose body the bucket
            # keeps): never copied; retrying would block the shard behind it. Counted and alarmed instead.
            logger.error("filing refused", extra={"event_id": raw.get("eventID"), "problem": str(error)})
            metrics.add_metric(name="FilingsRefused", unit="Count", value=1)
            continue
        except DependencyUnavailable:
            logger.warning("filing not copied yet", extra={"event_id": raw.get("eventID"), "request_id": request_id})
            metrics.add_metric(name="FilingsCopyDeferred", unit="Count", value=1)
            return {"batchItemFailures": [{"itemIdentifier": raw["dynamodb"]["SequenceNumber"]}]}
        metrics.add_metric(name="FilingsKept", unit="Count", value=1)
    return {"batchItemFailures": []}
