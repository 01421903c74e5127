"""Queue consumers: the Lambda functions beside the API.

``record_refusals`` chains refused attempts into the audit trail. The API only queues them
(``services/access.py``), so a refusal costs its caller the same whether the request it names exists or not.
Deployed, the function reads ``RefusalsQueue`` of ``infra/template.json`` with partial batch responses: a message
it could not chain yet comes back, and after its last attempt stays in the dead-letter queue, which alarms. Under
``make run`` a pump thread of the local runner feeds it the same events; tests call it the same way.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from chalice.app import SQSEvent
from pydantic import ValidationError

from chalicelib.observability import logger, metrics
from chalicelib.services import access
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
