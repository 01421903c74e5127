"""Routes of representatives: their region's queue, acknowledgement and decision."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from chalicelib.api.authorities import desk
from chalicelib.api.http import Call, Routes, Strict
from chalicelib.api.views import RequestSummary, RequestView
from chalicelib.auth.principal import Role
from chalicelib.domain.decisions import Decision

routes = Routes(__name__, tag="representatives")
REPRESENTATIVE = {Role.REPRESENTATIVE}


class QueueQuery(Strict):
    limit: int = Field(default=25, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1024)] | None = None


class Acknowledgement(Strict):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class QueuePage(BaseModel):
    """Open requests of your region, soonest deadline first."""

    items: list[RequestSummary]
    next_cursor: str | None = None


@routes.private("/v1/queue", roles=REPRESENTATIVE, query=QueueQuery, responses={200: QueuePage},
                summary="Open requests of your region, soonest deadline first.")
def get_queue(call: Call) -> QueuePage:
    items, next_cursor = desk.queue(call.caller, limit=call.query.limit, cursor=call.query.cursor)
    return QueuePage(items=[RequestSummary.of(item) for item in items], next_cursor=next_cursor)


@routes.private("/v1/requests/{request_id}/acknowledge", "POST", roles=REPRESENTATIVE, body=Acknowledgement,
                responses={200: RequestView}, summary="Acknowledge a request of your region: stops its escalation.")
def acknowledge_request(call: Call) -> RequestView:
    return RequestView.of(desk.acknowledge(call.caller, call.params["request_id"]), routing=True)


@routes.private("/v1/requests/{request_id}/decision", "POST", roles=REPRESENTATIVE, body=Decision,
                responses={200: RequestView},
                summary="Decide an acknowledged request: fulfilled, partially_fulfilled or rejected (with a reason).")
def decide_request(call: Call) -> RequestView:
    return RequestView.of(desk.decide(call.caller, call.params["request_id"], call.body), routing=True)
