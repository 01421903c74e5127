"""Routes of representatives: their region's queue, acknowledgement and decision."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StringConstraints

from chalicelib.api.authorities import desk
from chalicelib.api.http import Call, Reply, Routes, Strict
from chalicelib.api.views import AnchorView, AuditEventView, AuditTrail, EventView, RequestSummary, RequestView
from chalicelib.auth.principal import Role
from chalicelib.domain.certificates import EnforcingAnswer, ImpossibilityReason, TcoImpossibilityReason
from chalicelib.domain.decisions import Decision
from chalicelib.domain.safeguards import Verification
from chalicelib.domain.schema import SingleLine, Text, View
from chalicelib.services.desk import CONVERSATION

routes = Routes(__name__, tag="representatives")
REPRESENTATIVE = {Role.REPRESENTATIVE}


class QueueQuery(Strict):
    limit: int = Field(default=25, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1024), SingleLine] | None = None


class PageQuery(Strict):
    """A page of a request's events: the audit trail, the conversation."""

    limit: int = Field(default=100, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=1024), SingleLine] | None = None


class Acknowledgement(Strict):
    note: Annotated[str, StringConstraints(max_length=2000), Text] | None = None


class QueuePage(View):
    """Open requests of your region, most urgent first: by the deadline each is worked to now (acknowledge, then
    decide); those awaiting the authority's answer last."""

    items: list[RequestSummary]
    next_cursor: str | None = None


@routes.private(
    "/v1/queue",
    roles=REPRESENTATIVE,
    query=QueueQuery,
    responses={200: QueuePage},
    summary="Open requests of your region, most urgent first: by the next deadline (acknowledge, then "
    "decide), those awaiting the authority last.",
)
def get_queue(call: Call) -> QueuePage:
    items, next_cursor = desk.queue(call.caller, limit=call.query.limit, cursor=call.query.cursor)
    return QueuePage(items=[RequestSummary.of(item) for item in items], next_cursor=next_cursor)


@routes.private(
    "/v1/requests/{request_id}/acknowledge",
    "POST",
    roles=REPRESENTATIVE,
    body=Acknowledgement,
    responses={200: RequestView},
    summary="Acknowledge a request of your region: stops its escalation.",
)
def acknowledge_request(call: Call) -> RequestView:
    return RequestView.of(desk.acknowledge(call.caller, call.params["request_id"], call.body.note), routing=True)


@routes.private(
    "/v1/requests/{request_id}/decision",
    "POST",
    roles=REPRESENTATIVE,
    body=Decision,
    responses={200: RequestView, 202: RequestView},
    summary="Decide an acknowledged request: fulfilled, partially_fulfilled or rejected (with a reason). "
    "An emergency disclosure is fulfilled only after a confirmed call-back verification by "
    "another representative (409 verification_required / verifier_must_differ). In a high-risk "
    "jurisdiction a fulfilment is proposed (202) and takes effect on a second approval.",
)
def decide_request(call: Call) -> Reply:
    item = desk.decide(call.caller, call.params["request_id"], call.body)
    return Reply(202 if item.pending_decision else 200, RequestView.of(item, routing=True))


class Approval(Strict):
    approve: StrictBool
    note: Annotated[str, StringConstraints(max_length=2000), Text] | None = None


@routes.private(
    "/v1/requests/{request_id}/decision/approval",
    "POST",
    roles=REPRESENTATIVE,
    body=Approval,
    responses={200: RequestView},
    summary="Approve (the decision takes effect) or decline a fulfilment proposed in a high-risk "
    "jurisdiction. Not by the representative who proposed it (409 approver_must_differ).",
)
def approve_decision(call: Call) -> RequestView:
    return RequestView.of(
        desk.approve(call.caller, call.params["request_id"], call.body.approve, call.body.note), routing=True
    )


@routes.private(
    "/v1/requests/{request_id}/verification",
    "POST",
    roles=REPRESENTATIVE,
    body=Verification,
    responses={200: RequestView},
    summary="Record an out-of-band call-back verification of the requesting agency, on a number from a "
    "source independent of the request (official_directory, agency_registry, "
    "prior_verified_contact, liaison_network). A failed one alerts the region's lead.",
)
def verify_request(call: Call) -> RequestView:
    return RequestView.of(desk.verify(call.caller, call.params["request_id"], call.body), routing=True)


class EnforcingAuthorityAnswer(Strict):
    """What the enforcing authority notified of an EPOC answered (e-Evidence Art. 8, 10 and 12)."""

    answer: EnforcingAnswer = Field(
        description="no_ground: it raises no ground for refusal (the data may go at "
        "once); ground_raised: it raises one (the request ends rejected, with the ground); "
        "objection or conditions: in an emergency, within 96 hours of its notification."
    )
    authority: Annotated[str, StringConstraints(min_length=2, max_length=300), SingleLine] = Field(
        description="The enforcing authority, as it signed its answer."
    )
    note: Annotated[str, StringConstraints(max_length=4000), Text] | None = Field(
        default=None,
        description="The ground for refusal, or the conditions, in its words (required for ground_raised).",
    )


@routes.private(
    "/v1/requests/{request_id}/enforcing-authority",
    "POST",
    roles=REPRESENTATIVE,
    body=EnforcingAuthorityAnswer,
    responses={200: RequestView},
    summary="Record the notified enforcing authority's answer to an EPOC (e-Evidence Art. 8). Until it "
    "confirms it raises no ground, or the 10 days after receipt end, a fulfilment is refused (409 "
    "enforcing_authority_wait); a ground for refusal ends the request rejected with the ground; "
    "in an emergency an objection or conditions (within 96 hours) alert the region's lead.",
)
def record_enforcing_answer(call: Call) -> RequestView:
    return RequestView.of(
        desk.record_enforcing_answer(
            call.caller, call.params["request_id"], call.body.answer, call.body.authority, call.body.note
        ),
        routing=True,
    )


def _each_once(value: list) -> list:
    if len(set(value)) != len(value):
        raise ValueError("lists a reason twice")
    return value


EACH_ONCE = AfterValidator(_each_once)  # a form's boxes are ticked, not counted


class AnnexIII(Strict):
    """e-Evidence Annex III: why an EPOC or EPOC-PR cannot be executed (or not in time)."""

    reasons: Annotated[list[ImpossibilityReason], EACH_ONCE] = Field(
        min_length=1,
        max_length=len(ImpossibilityReason),
        description=(
            "incomplete, manifest_errors, insufficient_information (these alone ask the issuing authority to clarify: "
            "the request waits, clock stopped), data_not_stored, de_facto_impossibility, other (the request ends "
            "rejected)."
        ),
    )
    explanation: Annotated[str, StringConstraints(min_length=1, max_length=3000), Text] = Field(
        description="Explain further, and name any other reason in the form's words."
    )


@routes.private(
    "/v1/requests/{request_id}/impossibility",
    "POST",
    roles=REPRESENTATIVE,
    body=AnnexIII,
    responses={200: RequestView},
    summary="Answer an EPOC or EPOC-PR with e-Evidence Annex III (information on the impossibility to "
    "execute it). Kept on the request as sent (official_answers); the agency is told. Another "
    "request: 409 not_an_eevidence_order.",
)
def answer_impossibility(call: Call) -> RequestView:
    return RequestView.of(
        desk.impossibility(call.caller, call.params["request_id"], call.body.reasons, call.body.explanation),
        routing=True,
    )


class TcoAnnexIII(Strict):
    """TCO Regulation Annex III: why a removal order cannot be executed within the hour (Art. 3(7) and 3(8))."""

    reasons: Annotated[list[TcoImpossibilityReason], EACH_ONCE] = Field(
        min_length=1,
        max_length=len(TcoImpossibilityReason),
        description=(
            "force_majeure, de_facto_impossibility (the hour runs again, a full hour, once you record that the "
            "obstacle ended), manifest_errors, insufficient_information (once the authority clarifies)."
        ),
    )
    explanation: Annotated[str, StringConstraints(min_length=1, max_length=3000), Text] = Field(
        description="What stands in the way, or what needs clarifying."
    )


@routes.private(
    "/v1/requests/{request_id}/removal-impossibility",
    "POST",
    roles=REPRESENTATIVE,
    body=TcoAnnexIII,
    responses={200: RequestView},
    summary="Answer a TCO removal order (TCO-RO) with its Annex III: it cannot be executed within the "
    "hour. The hour stops until the obstacle ends (POST .../obstacle-ended) or the authority "
    "clarifies (its answer on the request); it then runs again from the start (TCO Art. 3(7)-(8)). "
    "Another request: 409 not_a_removal_order.",
)
def answer_removal_impossibility(call: Call) -> RequestView:
    return RequestView.of(
        desk.tco_impossibility(call.caller, call.params["request_id"], call.body.reasons, call.body.explanation),
        routing=True,
    )


class ObstacleEnded(Strict):
    note: Annotated[str, StringConstraints(max_length=2000), Text] | None = None


@routes.private(
    "/v1/requests/{request_id}/obstacle-ended",
    "POST",
    roles=REPRESENTATIVE,
    body=ObstacleEnded,
    responses={200: RequestView},
    summary="Record that the force majeure or de facto impossibility a TCO Annex III named has ceased: the "
    "removal order's hour runs again from now (TCO Art. 3(7)); the authority is told.",
)
def record_obstacle_ended(call: Call) -> RequestView:
    return RequestView.of(desk.obstacle_ended(call.caller, call.params["request_id"], call.body.note), routing=True)


class VerificationClearance(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), Text]


@routes.private(
    "/v1/requests/{request_id}/verification/clear",
    "POST",
    roles=REPRESENTATIVE,
    body=VerificationClearance,
    responses={200: RequestView},
    summary="The region's lead clears a failed call-back verification, with a reason (kept in the audit "
    "trail as verification_cleared). Until then no fulfilment, proposal or approval of the request "
    "is accepted (409 verification_failed_uncleared); after it, a new call-back confirmed by "
    "someone other than the decider is still needed. Not the lead: 403 not_region_lead; no "
    "failure to clear: 409 no_failed_verification.",
)
def clear_verification(call: Call) -> RequestView:
    return RequestView.of(
        desk.clear_verification(call.caller, call.params["request_id"], call.body.reason), routing=True
    )


class InformationRequest(Strict):
    question: Annotated[str, StringConstraints(min_length=1, max_length=4000), Text]


class MessageIn(Strict):
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000), Text]


class Conversation(View):
    """One page of the questions and messages exchanged on a request, oldest first."""

    request_id: str
    messages: list[EventView]
    next_cursor: str | None = None


@routes.private(
    "/v1/requests/{request_id}/request-information",
    "POST",
    roles=REPRESENTATIVE,
    body=InformationRequest,
    responses={200: RequestView},
    summary="Ask the authority for information: the request awaits it and its resolve clock stops.",
)
def request_information(call: Call) -> RequestView:
    return RequestView.of(
        desk.request_information(call.caller, call.params["request_id"], call.body.question), routing=True
    )


@routes.private(
    "/v1/requests/{request_id}/messages",
    "POST",
    roles={Role.AUTHORITY, Role.REPRESENTATIVE},
    body=MessageIn,
    responses={200: RequestView},
    errors=(429,),
    summary="Send a message on a request. The authority's answer to an information request restarts "
    "the clock: due_at moves later by the paused time (TCO removal orders: one hour from now).",
)
def post_message(call: Call) -> RequestView:
    item = desk.message(call.caller, call.params["request_id"], call.body.body)
    return RequestView.of(item, routing=call.caller.role is Role.REPRESENTATIVE)


@routes.private(
    "/v1/requests/{request_id}/messages",
    roles={Role.AUTHORITY, Role.REPRESENTATIVE},
    query=PageQuery,
    responses={200: Conversation},
    summary="The questions and messages of a request, oldest first, in pages (at most `limit` and about 1 MB each).",
)
def get_messages(call: Call) -> Conversation:
    request_id, query = call.params["request_id"], call.query
    page, next_cursor = desk.timeline(
        call.caller, request_id, limit=query.limit, cursor=query.cursor, kinds=CONVERSATION
    )
    return Conversation(
        request_id=request_id,
        next_cursor=next_cursor,
        messages=[EventView.of(e, internal=call.caller.role is Role.REPRESENTATIVE) for e in page],
    )


class Reassignment(Strict):
    rep_id: Annotated[str, StringConstraints(min_length=1, max_length=64), SingleLine]


@routes.private(
    "/v1/requests/{request_id}/reassign",
    "POST",
    roles=REPRESENTATIVE,
    body=Reassignment,
    responses={200: RequestView},
    summary="Hand an open request to another available representative of your region.",
)
def reassign_request(call: Call) -> RequestView:
    return RequestView.of(desk.reassign(call.caller, call.params["request_id"], call.body.rep_id), routing=True)


@routes.private(
    "/v1/requests/{request_id}/audit",
    roles={Role.REPRESENTATIVE, Role.ADMIN},
    query=PageQuery,
    responses={200: AuditTrail},
    summary="The request's hash-chained audit trail (every action and refused attempt), in pages, and "
    "whether its whole evidence verifies: the chain, the request against what its events set, "
    "the body as filed, and the latest signed checkpoint. Representatives of its region and "
    "admins.",
)
def get_audit(call: Call) -> AuditTrail:
    query: PageQuery = call.query
    item, events, next_cursor, report = desk.audit(
        call.caller, call.params["request_id"], limit=query.limit, cursor=query.cursor
    )
    verdict, anchor = report.verdict, report.anchor
    return AuditTrail(
        request_id=item.request_id,
        verified=verdict.verified,
        checked=verdict.checked,
        first_bad_seq=verdict.first_bad_seq,
        problem=verdict.problem,
        field=verdict.field,
        head_seq=int(item.last_event_seq),
        head_hash=item.last_event_hash,
        anchor=AnchorView(checkpoint=anchor.checkpoint, at=anchor.at, seq=anchor.seq, hash=anchor.hash)
        if anchor
        else None,
        events=[AuditEventView.of(e) for e in events],
        next_cursor=next_cursor,
    )
