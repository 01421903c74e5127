"""Who may see a request: its own agency's authorities, and its region's representatives.

Anything else — absent, another agency's, another region's, a malformed id — is the same 404, so nothing about
other requests can be learned: neither from the answer nor from the work done to give it.

Refused attempts are recorded in the request's audit trail, by ``chain_refusal``:

- a well-formed id that is not the caller's (``access_refused``) never on the request path: the refusal is sent
  to the refusals queue and chained when the message is consumed (``chalicelib/events.py``; ``make run`` pumps
  the queue in process). It is refused the same way whether a request exists under the id or not, so another
  agency's request and a missing one cost the caller the same read and the same message, and answer the same
  404. The consumer chains the first and only logs and counts the second (``RefusalsForMissingRequests``):
  probing for ids shows up in the metrics;
- an action refused to a caller who may see the request (``refused``: an illegal transition, a document not
  yet stored) at once, on the version read: the caller knows the request exists. One that cannot be chained
  then is queued, and chained by the consumer later.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.auth.principal import Principal, Role
from chalicelib.aws import client
from chalicelib.clock import app_clock, isoformat
from chalicelib.domain.schema import REQUEST_ID
from chalicelib.errors import Conflict, LiaisonError, NotFound
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings
from chalicelib.store.models import LegalRequest
from chalicelib.store.requests import Change, RequestRepository

MAX_RECORDED_REFUSALS = 100
RECORD_ATTEMPTS = 5  # writes of one refusal that meet concurrent ones: this many arriving together are all chained


class Refusal(BaseModel):
    """One refused attempt as it is queued: what the consumer needs to chain it. Only the API sends these (the
    queue's IAM), and the consumer checks each one against this model all the same."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(pattern=REQUEST_ID.pattern)
    kind: Literal["access_refused", "refused"]
    actor_role: Role
    actor: str = Field(min_length=1, max_length=256)
    attempted_at: str = Field(min_length=1, max_length=40)
    detail: dict[str, str | int] = Field(max_length=16)


def _allowed(principal: Principal, item: LegalRequest, *, admins: bool) -> bool:
    if principal.role is Role.AUTHORITY:
        return item.agency_id == principal.agency_id
    if principal.role is Role.REPRESENTATIVE:
        return item.region == principal.region
    return admins and principal.role is Role.ADMIN


def _read(requests: RequestRepository, principal: Principal, request_id: str, *, admins: bool) -> LegalRequest | None:
    """The request, read only if the caller may see it. For an authority or a representative this is a Query of
    the one key with the caller's scope as its filter: DynamoDB drops another agency's request before answering,
    so the answer (nothing) and the work on this side are the same as for an id with no request. A GetItem would
    bring the whole item back, and its size and parsing alone would tell the two apart."""
    if principal.role is Role.AUTHORITY and principal.agency_id:
        scope = LegalRequest.agency_id == principal.agency_id
    elif principal.role is Role.REPRESENTATIVE and principal.region:
        scope = LegalRequest.region == principal.region
    elif admins and principal.role is Role.ADMIN:
        return requests.get(request_id)
    else:
        return None  # nobody else sees any request here, whatever the id names
    return next(iter(LegalRequest.query(request_id, filter_condition=scope, consistent_read=True)), None)


def visible(
    requests: RequestRepository,
    principal: Principal,
    request_id: str,
    *,
    admins: bool = False,
    read: LegalRequest | None = None,
) -> LegalRequest:
    """The request if the caller may see it (admins too when ``admins``); otherwise 404. ``read``: the request as
    the caller already read it on this call (a web page reads it with the session), so it is not read twice.

    A well-formed id that is not the caller's is refused the same way, existing or not: one read, one queued
    refusal, one 404. Which of the two it was is for the consumer to find out, off the caller's path."""
    if read is not None and read.request_id == request_id and _allowed(principal, read, admins=admins):
        return read
    # Not the caller's, or not read yet: read it as the caller may see it. A page read another agency's request
    # with the session; it is read again, to nothing, as a missing one would be.
    item = _read(requests, principal, request_id, admins=admins) if REQUEST_ID.match(request_id) else None
    if item is not None and _allowed(principal, item, admins=admins):
        return item
    if REQUEST_ID.match(request_id):
        who = principal.agency_id or principal.region
        _send(
            _refusal(
                request_id,
                principal,
                "access",
                NotFound("Not the caller's request."),
                {"caller_scope": who} if who else {},
            )
        )
    raise NotFound("No such request for you.")


def record_refusal(
    requests: RequestRepository,
    item: LegalRequest,
    principal: Principal,
    action: str,
    refusal: LiaisonError,
    extra: dict[str, str] | None = None,
) -> None:
    """Record an action refused to a caller who may see the request (``item``, as read): chained at once; if it
    cannot be now (it lost every race, or the store failed), queued for the consumer to chain later. The caller
    gets its refusal whatever happens here."""
    message = _refusal(item.request_id, principal, action, refusal, extra)
    if not chain_refusal(requests, message, read=item):
        _send(message)


def _refusal(
    request_id: str, principal: Principal, action: str, refusal: LiaisonError, extra: dict[str, str] | None
) -> Refusal:
    return Refusal(
        request_id=request_id,
        kind="access_refused" if action == "access" else "refused",
        actor_role=principal.role,
        actor=principal.subject,
        attempted_at=isoformat(app_clock.now()),
        detail={"action": action, "code": refusal.code, "status": refusal.status, **(extra or {})},
    )


def _send(message: Refusal) -> None:
    """Queue one refusal. Best effort: the caller gets its refusal whatever happens here; one the queue did not
    take is logged and counted (``RefusalsNotRecorded``), so it is never lost silently."""
    try:
        client("sqs").send_message(QueueUrl=get_settings().refusals_queue_url, MessageBody=message.model_dump_json())
    except Exception:  # the refusal stands whatever the queue says; what it was is logged and counted
        logger.exception("refusal not recorded: the queue did not take it", extra=_about(message))
        metrics.add_metric(name="RefusalsNotRecorded", unit="Count", value=1)


def _about(refusal: Refusal) -> dict[str, str | int]:
    return {
        "request_id": refusal.request_id,
        "actor": refusal.actor,
        "attempted_at": refusal.attempted_at,
        **refusal.detail,
    }


def chain_refusal(requests: RequestRepository, refusal: Refusal, *, read: LegalRequest | None = None) -> bool:
    """Append one refusal to its request's audit trail (``read``: the request as the caller read it); True when it
    is done with, False when it should be tried again: a queued one comes back from the queue (retried by SQS,
    then kept in the dead-letter queue, which alarms).

    - No request under the id (someone probing ids): logged and counted (``RefusalsForMissingRequests``), and
      nothing is written.
    - A lost race (another write on the request in between) is retried on a fresh read, up to
      ``RECORD_ATTEMPTS`` writes in all: refusals arriving together each get chained, in turn. One that loses
      every race, or meets a failing store, is logged and counted (``RefusalsDeferred``) and tried again later.
    - At most ``MAX_RECORDED_REFUSALS`` per request are chained: each one is a write on the request, and
      someone hammering a request id must not be able to grow its trail without end or keep its real changes
      losing races. Past the cap, each refusal is logged (with its actor, scope and action) and counted
      (``RefusalsNotChained``) only.

    The event's time is when it is chained; when the attempt was made is in its detail (``attempted_at``)."""
    about = _about(refusal)
    detail = {**refusal.detail, "attempted_at": refusal.attempted_at}
    attempt = 0
    try:
        item = read if read is not None else requests.get(refusal.request_id)
        if item is None:
            logger.warning("refusal for a request that does not exist: an id was probed", extra=about)
            metrics.add_metric(name="RefusalsForMissingRequests", unit="Count", value=1)
            return True
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            if int(item.refusals_recorded or 0) >= MAX_RECORDED_REFUSALS:
                logger.warning("refusal not chained: cap reached", extra=about)
                metrics.add_metric(name="RefusalsNotChained", unit="Count", value=1)
                return True
            change = Change(refusal.kind, refusal.actor_role.value, refusal.actor, isoformat(app_clock.now()), detail)
            try:
                requests.apply(item, change, [LegalRequest.refusals_recorded.add(1)])
                return True
            except Conflict:
                if attempt == RECORD_ATTEMPTS:
                    break
                fresh = requests.get(item.request_id)
                if fresh is None:
                    break
                item = fresh
    except Exception:  # it is tried again (from the queue); what failed is logged and counted
        logger.exception("refusal not chained yet: the store failed; it is retried from the queue", extra=about)
        metrics.add_metric(name="RefusalsDeferred", unit="Count", value=1)
        return False
    logger.warning(
        "refusal not chained yet: it lost every race; it is retried from the queue",
        extra={**about, "attempts": attempt},
    )
    metrics.add_metric(name="RefusalsDeferred", unit="Count", value=1)
    return False
