"""Routes of authorities: submit legal requests, follow them, withdraw them."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from chalicelib.api.http import Call, Reply, Routes, Strict, body_of, header
from chalicelib.api.views import AUTHORITY_KINDS, EventView, RequestPage, RequestSummary, RequestView, Timeline
from chalicelib.auth.principal import Principal, Role
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.intake import Submission
from chalicelib.domain.lifecycle import Status
from chalicelib.domain.schema import SingleLine, Text
from chalicelib.errors import BadRequest, Conflict, DependencyUnavailable, Unprocessable
from chalicelib.services.desk import Desk
from chalicelib.services.intake import Intake
from chalicelib.settings import get_settings
from chalicelib.store.models import Agency

routes = Routes(__name__, tag="authorities")
intake = Intake()
desk = Desk(requests=intake.requests, workflow=intake.workflow)

IDEMPOTENCY_HEADER = "idempotency-key"
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
IDEMPOTENCY_SECONDS = 24 * 3600
AUTHORITY = {Role.AUTHORITY}
READERS = {Role.AUTHORITY, Role.REPRESENTATIVE}


class RequestQuery(Strict):
    status: Status | None = None
    type: RequestType | None = None
    limit: int = Field(default=25, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1024)] | None = None


class Withdrawal(Strict):
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


def _created(
    principal: Principal, submission: Submission, body: bytes, key: str | None, agency: Agency | None
) -> dict[str, Any]:
    item = intake.submit(
        principal,
        submission,
        body=body,
        body_sha256=hashlib.sha256(body).hexdigest(),
        idempotency_key=key,
        agency=agency,
    )
    return RequestView.of(item).model_dump(mode="json", exclude_none=True)


@functools.cache
def _idempotency() -> tuple[Any, Any]:
    """``_created`` under Powertools idempotency: keyed by (agency, Idempotency-Key), checked on the body hash.
    Imported on the first keyed submission of a container, not with the app (a cold-start saving)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)
    config = IdempotencyConfig(
        event_key_jmespath="[agency_id, key]",
        payload_validation_jmespath="body_sha256",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
    )

    @idempotent_function(data_keyword_argument="claim", persistence_store=persistence, config=config)
    def created_once(
        *, claim: dict[str, str], body: bytes, principal: Principal, submission: Submission, agency: Agency | None
    ) -> dict[str, Any]:
        return _created(principal, submission, body, claim["key"], agency)

    return config, created_once


def canonical_body(raw_body: bytes) -> bytes:
    """The body as kept in the evidence bucket, whose SHA-256 a receipt carries and idempotency compares: the
    JSON body as sent, with keys sorted and no spaces (the body parsed already, so this cannot fail). An
    authority recomputes it with ``json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``,
    UTF-8."""
    body = json.loads(raw_body)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def _idempotency_key(call: Call) -> str | None:
    key = header(call.request, IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1 to 128 letters, digits or . _ : -",
            code="invalid_header",
            field="Idempotency-Key",
        )
    return key


@routes.private(
    "/v1/requests",
    "POST",
    roles=AUTHORITY,
    body=Submission,
    responses={201: RequestView},
    errors=(429,),
    headers={"Idempotency-Key": "1 to 128 of A-Z a-z 0-9 . _ : - ; makes retries of this submission safe"},
    summary="Submit a legal request. Send an Idempotency-Key header to make retries safe: the same key "
    "and body return the same request; the same key with another body is refused (422).",
)
def submit_request(call: Call) -> Reply:
    principal, submission = call.caller, call.body
    intake.check(principal, submission)
    key = _idempotency_key(call)
    body = file_request(
        principal, submission, canonical_body(body_of(call.request)), key, call.agency, call.request.lambda_context
    )
    return Reply(201, body, {"Location": f"/v1/requests/{body['id']}"})


def file_request(
    principal: Principal,
    submission: Submission,
    filed: bytes,
    key: str | None,
    agency: Agency | None,
    lambda_context: Any = None,
) -> dict[str, Any]:
    """A checked submission (``intake.check``) filed once per Idempotency-Key: the API's POST /v1/requests and
    the officers' portal form both file through here. ``filed`` is the canonical body (``canonical_body``)."""
    if key is None:
        return _created(principal, submission, filed, None, agency)
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    config, created_once = _idempotency()
    # An attempt that dies mid-way holds the key only until this invocation's timeout, not for a day.
    config.register_lambda_context(lambda_context)
    try:
        return created_once(
            claim={"agency_id": principal.agency_id, "key": key, "body_sha256": hashlib.sha256(filed).hexdigest()},
            body=filed,
            principal=principal,
            submission=submission,
            agency=agency,
        )
    except IdempotencyValidationError:
        raise Unprocessable(
            "This Idempotency-Key was used with a different body.",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "A submission with this Idempotency-Key is still in progress; retry shortly.",
            code="idempotency_in_progress",
        ) from None
    except IdempotencyPersistenceLayerError:
        raise DependencyUnavailable("Could not record the Idempotency-Key; retry shortly.") from None


@routes.private(
    "/v1/requests",
    roles=AUTHORITY,
    query=RequestQuery,
    responses={200: RequestPage},
    summary="Your agency's requests, newest first, optionally by status and type.",
)
def list_requests(call: Call) -> RequestPage:
    query: RequestQuery = call.query
    items, next_cursor = intake.page(
        call.caller, limit=query.limit, cursor=query.cursor, status=query.status, type_=query.type
    )
    return RequestPage(items=[RequestSummary.of(item) for item in items], next_cursor=next_cursor)


@routes.private(
    "/v1/requests/{request_id}",
    roles=READERS,
    responses={200: RequestView},
    summary="A request: your agency's (authority) or your region's (representative, with routing).",
)
def get_request(call: Call) -> RequestView:
    item = desk.visible(call.caller, call.params["request_id"])
    return RequestView.of(item, routing=call.caller.role is Role.REPRESENTATIVE)


class TimelineQuery(Strict):
    limit: int = Field(default=100, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=1024), SingleLine] | None = None


@routes.private(
    "/v1/requests/{request_id}/events",
    roles=READERS,
    query=TimelineQuery,
    responses={200: Timeline},
    summary="The timeline of a request you may see, oldest first, in pages (at most `limit` events "
    "and about 1 MB each): every change, its time, kind and actor.",
)
def get_request_events(call: Call) -> Timeline:
    request_id, internal = call.params["request_id"], call.caller.role is Role.REPRESENTATIVE
    query: TimelineQuery = call.query
    events, next_cursor = desk.timeline(
        call.caller, request_id, limit=query.limit, cursor=query.cursor, kinds=None if internal else AUTHORITY_KINDS
    )
    return Timeline(
        request_id=request_id, events=[EventView.of(e, internal=internal) for e in events], next_cursor=next_cursor
    )


@routes.private(
    "/v1/requests/{request_id}/withdraw",
    "POST",
    roles=AUTHORITY,
    body=Withdrawal,
    responses={200: RequestView},
    summary="Withdraw an open request (409 once it is decided).",
)
def withdraw_request(call: Call) -> RequestView:
    return RequestView.of(desk.withdraw(call.caller, call.params["request_id"], call.body.reason))


class Extension(Strict):
    """No fields: the extension is fixed by law (EU +30 days, US +90 days)."""


@routes.private(
    "/v1/requests/{request_id}/extend",
    "POST",
    roles=AUTHORITY,
    body=Extension,
    responses={200: RequestView},
    summary="Extend the preservation hold of a fulfilled preservation request, once, before it ends "
    "(EU 2023/1543: +30 days; 18 USC 2703(f): +90 days).",
)
def extend_hold(call: Call) -> RequestView:
    return RequestView.of(desk.extend(call.caller, call.params["request_id"]))


class AnnexV(Strict):
    """e-Evidence Annex V: the issuing authority confirms that a request for production follows its EPOC-PR."""

    production_reference: Annotated[str, StringConstraints(min_length=1, max_length=300), SingleLine] = Field(
        description="The file number or reference of the production order (EPOC, or a request under national law or "
        "mutual legal assistance) that follows."
    )
    note: Annotated[str, StringConstraints(max_length=3000), Text] | None = None


@routes.private(
    "/v1/requests/{request_id}/production-follows",
    "POST",
    roles=AUTHORITY,
    body=AnnexV,
    responses={200: RequestView},
    summary="Confirm with e-Evidence Annex V that a request for production follows your EPOC-PR: the data "
    "are then kept until it is served, with no end date (Art. 11(1)). Only on an EPOC-PR whose "
    "preservation runs (409 not_an_epoc_pr, hold_not_active).",
)
def confirm_production_follows(call: Call) -> RequestView:
    return RequestView.of(
        desk.production_follows(call.caller, call.params["request_id"], call.body.production_reference, call.body.note)
    )


class HoldRelease(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), Text] = Field(
        description="Why the data need no longer be kept: e.g. the production request was served (its reference), "
        "or the investigation no longer needs them."
    )


@routes.private(
    "/v1/requests/{request_id}/release-hold",
    "POST",
    roles={Role.AUTHORITY, Role.REPRESENTATIVE},
    body=HoldRelease,
    responses={200: RequestView},
    summary="End a preservation hold before its time (e-Evidence Art. 11): the issuing authority no "
    "longer needs the data, or the production request that Annex V announced was served. The "
    "other side is told.",
)
def release_hold(call: Call) -> RequestView:
    return RequestView.of(desk.release_hold(call.caller, call.params["request_id"], call.body.reason))
