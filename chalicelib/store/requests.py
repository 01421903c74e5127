"""Legal requests and their timelines in DynamoDB.

A request and its first event are written in one transaction; every later
change updates the request on its version and appends the next event in one
transaction too. Two concurrent changes of one request: exactly one commits,
the other gets ``Conflict`` (409). Each event is chained to the one before by
its hash, and the request keeps the chain's head (``domain/audit.py``); an
event is only ever put where none exists, so nothing is overwritten.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.attributes import JSONAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.operand import Path, Value
from pynamodb.expressions.update import Action, RemoveAction, SetAction
from pynamodb.transactions import TransactWrite

from chalicelib import aws
from chalicelib.aws import client
from chalicelib.domain import audit
from chalicelib.errors import Conflict
from chalicelib.store.models import Event, LegalRequest, Model
from chalicelib.store.paging import query_page

AGENCY_INDEX_KEYS = ("agency_id", "received_at", "request_id")
Operation = Callable[[TransactWrite], None]
CREATE_ATTEMPTS = 3
CONFLICT_BACKOFF_SECONDS = 0.02


class Refused(Exception):
    """A condition of one of the extra writes of a transaction failed (``index`` into ``also``)."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def connection() -> Connection:
    return aws.dynamodb()


@dataclass(frozen=True)
class Change:
    """One event of a request's timeline, and the updates that come with it.

    ``sets``: the bound fields (``audit.BOUND_FIELDS``) this event gives the request, recorded in its detail
    under ``audit.STATE_KEY``. ``apply`` works them out from its update actions; ``create`` records the whole
    request as filed on the first event; a change written in the creating transaction (``then``) names its own."""

    kind: str
    actor_role: str
    actor: str
    at: str
    detail: dict[str, Any] = field(default_factory=dict)
    sets: dict[str, Any] | None = None


_ATTRIBUTES = LegalRequest.get_attributes()


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_number(each) for each in value]
    if isinstance(value, dict):
        return {key: _number(each) for key, each in value.items()}
    return value


def _plain(name: str, wire: Any) -> Any:
    """A request attribute's DynamoDB value as JSON (JSON attributes parsed, numbers as numbers)."""
    from boto3.dynamodb.types import TypeDeserializer  # boto3, only where a request changes: not for reads

    value = _number(TypeDeserializer().deserialize(wire))
    if isinstance(_ATTRIBUTES[name], JSONAttribute) and isinstance(value, str):
        value = json.loads(value)
    return value


def bound_state(item: LegalRequest) -> dict[str, Any]:
    """The bound fields of ``item`` as stored (absent: null), in the form events record them."""
    wire = item.serialize(null_check=False)
    return {name: _plain(name, wire[name]) for name in audit.BOUND_FIELDS if name in wire}


def sets_of(actions: Sequence[Action]) -> dict[str, Any]:
    """What ``actions`` give the bound fields. Only a plain value or a removal may change one: anything computed
    by DynamoDB (an increment, an append) could not be recorded in the event, so it is refused here."""
    sets: dict[str, Any] = {}
    for action in actions:
        target = action.values[0]
        assert isinstance(target, Path)  # what an update action acts on
        path = target.path
        if path[0] not in audit.BOUND_FIELDS:
            continue
        if len(path) == 1 and isinstance(action, SetAction) and isinstance(action.values[1], Value):
            sets[path[0]] = _plain(path[0], action.values[1].value)
        elif len(path) == 1 and isinstance(action, RemoveAction):
            sets[path[0]] = None
        else:
            raise TypeError(f"{path[0]} is bound by the audit trail: set it whole to a value, or remove it")
    return sets


def chain_hour(at: str) -> str:
    """The hour an event falls in, as the checkpoint index keys it ("2026-12-01T09" of "2026-12-01T09:41:…Z")."""
    return at[:13]


def _event(request_id: str, seq: int, change: Change, prev_hash: str) -> Event:
    details = {**change.detail, audit.STATE_KEY: change.sets} if change.sets else change.detail
    detail = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = audit.link(prev_hash, request_id, seq, change.at, change.kind, change.actor_role, change.actor, detail)
    return Event(
        request_id,
        seq,
        at=change.at,
        kind=change.kind,
        actor_role=change.actor_role,
        actor=change.actor,
        detail=detail,
        prev_hash=prev_hash,
        hash=digest,
    )


class RequestRepository:
    def get(self, request_id: str) -> LegalRequest | None:
        try:
            return LegalRequest.get(request_id, consistent_read=True)
        except DoesNotExist:
            return None

    def create(
        self,
        item: LegalRequest,
        first: Change,
        also: Sequence[Operation] = (),
        then: Sequence[Change] = (),
        with_items: Sequence[Model] = (),
    ) -> None:
        """Store a new request with its first event (and the events ``then``, chained after it), atomically;
        409 if the id exists. ``with_items`` are other items written with it (the body as filed, whose key is
        its hash: written again, it is the same).

        ``also`` adds writes to the same transaction (rate-limit counters); if one of their conditions fails,
        nothing is written and ``Refused(index)`` names which. A transaction that meets another one on the
        same items (two emergencies of one agency at once, on its counter) is tried again."""
        if first.sets is None:
            first = replace(first, sets=bound_state(item))
        events = [_event(item.request_id, 1, first, audit.GENESIS)]
        for seq, change in enumerate(then, start=2):
            events.append(_event(item.request_id, seq, change, events[-1].hash))
        item.last_event_seq, item.last_event_hash = len(events), events[-1].hash
        item.chain_hour = chain_hour(events[-1].at)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                with TransactWrite(connection=connection()) as transaction:
                    transaction.save(item, condition=LegalRequest.request_id.does_not_exist())
                    for event in events:
                        transaction.save(event, condition=Event.seq.does_not_exist())
                    for other in with_items:
                        transaction.save(other)
                    for operation in also:
                        operation(transaction)
                return
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                reasons = [r.code if r is not None else None for r in error.cancellation_reasons]
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    raise Conflict(f"Request {item.request_id} already exists.", code="request_exists") from None
                # PynamoDB sends puts before updates, whatever the order of the calls: the request, its events
                # and ``with_items`` come first, then ``also``, which must therefore hold updates only (counters,
                # tallies, the turn).
                for index, reason in enumerate(reasons[1 + len(events) + len(with_items) :]):
                    if reason == "ConditionalCheckFailed":
                        raise Refused(index) from None
                if attempt == CREATE_ATTEMPTS:
                    raise Conflict(
                        "The submission met a concurrent one and was not stored; retry it.",
                        code="concurrent_submission",
                    ) from None
                # Another transaction held one of the items (TransactionConflict): try again a moment later,
                # at a random one so that the two do not meet again.
                time.sleep(random.uniform(0, CONFLICT_BACKOFF_SECONDS * attempt))  # noqa: S311 - jitter only

    def apply(
        self, item: LegalRequest, change: Change, actions: list[Action], also: Sequence[Operation] = ()
    ) -> LegalRequest:
        """Apply ``actions`` to the version of ``item`` that was read, with the next event; or 409.

        ``also`` adds writes on other items to the same transaction (a document's state)."""
        seq = int(item.last_event_seq) + 1
        event = _event(
            item.request_id, seq, replace(change, sets=sets_of(actions)), item.last_event_hash or audit.GENESIS
        )
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.update(
                    item,
                    actions=[
                        *actions,
                        LegalRequest.last_event_seq.set(seq),
                        LegalRequest.last_event_hash.set(event.hash),
                        LegalRequest.chain_hour.set(chain_hour(change.at)),
                        LegalRequest.updated_at.set(change.at),
                    ],
                )
                transaction.save(event, condition=Event.seq.does_not_exist())
                for operation in also:
                    operation(transaction)
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise Conflict(
                    "The request changed meanwhile; read it again and retry.", code="stale_version"
                ) from None
            raise
        item.refresh(consistent_read=True)
        return item

    def page_for_agency(
        self, agency_id: str, *, limit: int, after: str | None, status: str | None, type_: str | None
    ) -> tuple[list[LegalRequest], str | None]:
        """The agency's requests, newest first, from the agency index (never a Scan)."""
        condition = None
        if status:
            condition = LegalRequest.status == status
        if type_:
            condition = (LegalRequest.type == type_) if condition is None else condition & (LegalRequest.type == type_)
        return query_page(
            LegalRequest.by_agency,
            LegalRequest,
            agency_id,
            key_names=AGENCY_INDEX_KEYS,
            limit=limit,
            after=after,
            filter_condition=condition,
            newest_first=True,
        )

    def forget_token(self, request_id: str, token: str | None) -> None:
        """Drop a task token once Step Functions accepted its answer, unless a newer one replaced it."""
        if not token:
            return
        # A plain UpdateItem: PynamoDB's Model.update would also reset the version of an unloaded instance.
        try:
            client("dynamodb").update_item(
                TableName=LegalRequest.Meta.table_name,
                Key={"request_id": {"S": request_id}},
                UpdateExpression="REMOVE task_token, waiting_for",
                ConditionExpression="task_token = :token",
                ExpressionAttributeValues={":token": {"S": token}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def events(self, request_id: str) -> list[Event]:
        return list(Event.query(request_id, consistent_read=True))

    def chain(self, item: LegalRequest, attempts: int = 3) -> tuple[LegalRequest, list[Event]]:
        """The request and its whole trail as of one moment. The two are two reads: a change that commits between
        them (a queued refusal landing, the workflow's timer) would look like a broken head, so while the trail and
        the request's head disagree both are read again, ``attempts`` times at most; what still disagrees then is
        reported by the check, as it should be."""
        for attempt in range(attempts):
            events = self.events(item.request_id)
            last = events[-1].hash if events else None
            if len(events) == int(item.last_event_seq or 0) and last == item.last_event_hash:
                break
            fresh = self.get(item.request_id) if attempt < attempts - 1 else None
            if fresh is None:
                break
            item = fresh
        return item, events
