"""Legal requests and their timelines in DynamoDB.

A request and its first event are written in one transaction; every later
change updates the request on its version and appends the next event in one
transaction too. Two concurrent changes of one request: exactly one commits,
the other gets ``Conflict`` (409).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.aws import client
from chalicelib.errors import Conflict
from chalicelib.settings import get_settings
from chalicelib.store.models import Event, LegalRequest
from chalicelib.store.paging import query_page

AGENCY_INDEX_KEYS = ("agency_id", "received_at", "request_id")


@functools.cache
def _connection() -> Connection:
    return Connection(region=get_settings().aws_region)


@dataclass(frozen=True)
class Change:
    """One event of a request's timeline, and the updates that come with it."""

    kind: str
    actor_role: str
    actor: str
    at: str
    detail: dict[str, Any] = field(default_factory=dict)


def _event(request_id: str, seq: int, change: Change) -> Event:
    return Event(request_id, seq, at=change.at, kind=change.kind, actor_role=change.actor_role,
                 actor=change.actor, detail=change.detail)


class RequestRepository:
    def get(self, request_id: str) -> LegalRequest | None:
        try:
            return LegalRequest.get(request_id, consistent_read=True)
        except DoesNotExist:
            return None

    def create(self, item: LegalRequest, first: Change) -> None:
        """Store a new request with its first event, atomically; 409 if the id exists."""
        item.last_event_seq = 1
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.save(item, condition=LegalRequest.request_id.does_not_exist())
                transaction.save(_event(item.request_id, 1, first), condition=Event.seq.does_not_exist())
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise Conflict(f"Request {item.request_id} already exists.", code="request_exists") from None
            raise

    def apply(self, item: LegalRequest, change: Change, actions: list[Action]) -> LegalRequest:
        """Apply ``actions`` to the version of ``item`` that was read, with the next event; or 409."""
        seq = int(item.last_event_seq) + 1
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.update(item, actions=[*actions, LegalRequest.last_event_seq.set(seq),
                                                  LegalRequest.updated_at.set(change.at)])
                transaction.save(_event(item.request_id, seq, change), condition=Event.seq.does_not_exist())
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise Conflict("The request changed meanwhile; read it again and retry.",
                               code="stale_version") from None
            raise
        item.refresh(consistent_read=True)
        return item

    def page_for_agency(self, agency_id: str, *, limit: int, after: str | None, status: str | None,
                        type_: str | None) -> tuple[list[LegalRequest], str | None]:
        """The agency's requests, newest first, from the agency index (never a Scan)."""
        condition = None
        if status:
            condition = LegalRequest.status == status
        if type_:
            condition = (LegalRequest.type == type_) if condition is None else condition & (
                LegalRequest.type == type_)
        return query_page(LegalRequest.by_agency, LegalRequest, agency_id, key_names=AGENCY_INDEX_KEYS,
                          limit=limit, after=after, filter_condition=condition, newest_first=True)

    def forget_token(self, request_id: str, token: str | None) -> None:
        """Drop a task token once Step Functions accepted its answer, unless a newer one replaced it."""
        if not token:
            return
        # A plain UpdateItem: PynamoDB's Model.update would also reset the version of an unloaded instance.
        try:
            client("dynamodb").update_item(
                TableName=LegalRequest.Meta.table_name, Key={"request_id": {"S": request_id}},
                UpdateExpression="REMOVE task_token, waiting_for", ConditionExpression="task_token = :token",
                ExpressionAttributeValues={":token": {"S": token}})
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def events(self, request_id: str) -> list[Event]:
        return list(Event.query(request_id, consistent_read=True))
