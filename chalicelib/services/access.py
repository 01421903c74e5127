"""Who may see a request: its own agency's authorities, and its region's representatives.

Anything else — absent, another agency's, another region's, a malformed id —
is the same 404, so nothing about other requests can be learned. An attempt on
a request that exists but is not the caller's is written into that request's
audit trail (``access_refused``); the caller still sees only the 404.
"""

from __future__ import annotations

import re

from chalicelib.auth.principal import Principal, Role
from chalicelib.clock import app_clock, isoformat
from chalicelib.errors import Conflict, LiaisonError, NotFound
from chalicelib.observability import logger, metrics
from chalicelib.store.models import LegalRequest
from chalicelib.store.requests import Change, RequestRepository

REQUEST_ID = re.compile(r"^LR-[A-Z2-7]{16}$")  # prefix + base32 of 10 bytes
MAX_RECORDED_REFUSALS = 100
RECORD_ATTEMPTS = 5  # writes of one refusal that meet concurrent ones: this many arriving together are all chained


def _allowed(principal: Principal, item: LegalRequest, *, admins: bool) -> bool:
    if principal.role is Role.AUTHORITY:
        return item.agency_id == principal.agency_id
    if principal.role is Role.REPRESENTATIVE:
        return item.region == principal.region
    return admins and principal.role is Role.ADMIN


def visible(requests: RequestRepository, principal: Principal, request_id: str, *,
            admins: bool = False, read: LegalRequest | None = None) -> LegalRequest:
    """The request if the caller may see it (admins too when ``admins``); otherwise 404. ``read``: the request as
    the caller already read it on this call (a web page reads it with the session), so it is not read twice."""
    if read is not None and read.request_id == request_id:
        item: LegalRequest | None = read
    else:
        item = requests.get(request_id) if REQUEST_ID.match(request_id) else None
    if item is not None:
        if _allowed(principal, item, admins=admins):
            return item
        who = principal.agency_id or principal.region
        record_refusal(requests, item, principal, "access", NotFound("Not the caller's request."),
                       {"caller_scope": who} if who else {})
    raise NotFound("No such request for you.")


def record_refusal(requests: RequestRepository, item: LegalRequest, principal: Principal, action: str,
                   refusal: LiaisonError, extra: dict[str, str] | None = None) -> None:
    """Append a refused attempt to the request's audit trail. Best effort: the caller gets its refusal
    whatever happens here. A lost race (another write on the request in between) is retried on a fresh read,
    up to ``RECORD_ATTEMPTS`` writes in all: refusals arriving together each get chained, in turn.

    At most ``MAX_RECORDED_REFUSALS`` per request are chained: each one is a write on the request, and
    someone hammering a request id must not be able to grow its trail without end or keep its real
    changes losing races. Past the cap, refusals are logged and counted (``RefusalsNotChained``) only. One
    that could not be written at all is logged and counted too (``RefusalsNotRecorded``): a refused attempt
    is either in the trail or in the metrics, never lost."""
    kind = "access_refused" if action == "access" else "refused"
    detail = {"action": action, "code": refusal.code, "status": refusal.status, **(extra or {})}
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        if int(item.refusals_recorded or 0) >= MAX_RECORDED_REFUSALS:
            logger.warning("refusal not chained: cap reached", extra={"request_id": item.request_id,
                                                                     "actor": principal.subject, **detail})
            metrics.add_metric(name="RefusalsNotChained", unit="Count", value=1)
            return
        change = Change(kind, principal.role.value, principal.subject, isoformat(app_clock.now()), detail)
        try:
            requests.apply(item, change, [LegalRequest.refusals_recorded.add(1)])
            return
        except Conflict:
            if attempt == RECORD_ATTEMPTS:
                break
            fresh = requests.get(item.request_id)
            if fresh is None:
                break
            item = fresh
        except Exception:  # the refusal stands whatever the store says; what it was is logged and counted
            logger.exception("refusal not recorded: the write failed", extra={
                "request_id": item.request_id, "actor": principal.subject, **detail})
            metrics.add_metric(name="RefusalsNotRecorded", unit="Count", value=1)
            return
    logger.warning("refusal not recorded in the audit trail: it lost every race", extra={
        "request_id": item.request_id, "actor": principal.subject, "attempts": attempt, **detail})
    metrics.add_metric(name="RefusalsNotRecorded", unit="Count", value=1)
