"""What the API shows of stored things. Built from models, never the models themselves."""

from __future__ import annotations

from typing import Any

from chalicelib.clock import normalize
from chalicelib.domain import audit
from chalicelib.domain.agencies import AgencyKind, Standing
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.intake import Emergency, Target, TargetKind
from chalicelib.domain.lifecycle import Status
from chalicelib.domain.safeguards import RiskTier, uncleared_failure, verification_history
from chalicelib.domain.schema import View
from chalicelib.store.models import Agency, Event, LegalRequest


class RequestSummary(View):
    """A legal request as listed."""

    id: str
    type: RequestType
    status: Status
    region: str
    reference: str
    received_at: str
    ack_due_at: str
    due_at: str
    escalation_level: int
    sla_breached: bool
    assignee: str | None = None
    acknowledged_at: str | None = None
    decided_at: str | None = None
    closed_at: str | None = None

    @classmethod
    def fields_of(cls, item: LegalRequest) -> dict[str, Any]:
        return {
            "id": item.request_id,
            "type": item.type,
            "status": item.status,
            "region": item.region,
            "reference": item.reference,
            "received_at": item.received_at,
            "ack_due_at": item.ack_due_at,
            "due_at": item.due_at,
            "escalation_level": int(item.escalation_level),
            "sla_breached": bool(item.sla_breached),
            "assignee": item.assignee,
            "acknowledged_at": item.acknowledged_at,
            "decided_at": item.decided_at,
            "closed_at": item.closed_at,
        }

    @classmethod
    def of(cls, item: LegalRequest) -> RequestSummary:
        return cls(**cls.fields_of(item))


class Routing(View):
    """How the request was routed and who is next if nobody acts (representatives only)."""

    routing_rule: str
    assignment_rule: str | None = None
    escalation_chain: list[str] = []  # noqa: RUF012 - a pydantic field (View): each instance gets a copy


class Hold(View):
    """A preservation hold: the data is kept until ``expires_at``; it can be extended once."""

    state: str  # active | expired
    expires_at: str | None = None
    extended: bool


class Safeguards(View):
    """What must happen before data leaves the platform, and where the request stands on it."""

    verification_required: bool  # an emergency disclosure: a call-back by another representative
    verification: dict[str, Any] | None = None  # representatives only: the latest call-back
    # Representatives only: every call-back, oldest first, and each clearance of a failed one by the region's lead
    # (outcome "cleared", with its reason); and whether a failed one waits for that clearance.
    verifications: list[dict[str, Any]] | None = None
    verification_uncleared: bool | None = None
    risk_tier: str | None = None  # representatives only
    second_approval_required: bool | None = None  # representatives only: a fulfilment needs a second approval
    pending_decision: dict[str, Any] | None = None  # representatives only
    first_emergency: bool | None = None  # representatives only

    @classmethod
    def of(cls, item: LegalRequest, *, internal: bool) -> Safeguards:
        required = item.type == RequestType.EMERGENCY_DISCLOSURE
        if not internal:
            return cls(verification_required=required)
        from chalicelib.services import config  # the tier in force now, as a decision would apply it

        tier = config.risk_tiers().tier(item.jurisdiction)
        history = verification_history(item.verifications, item.verification)
        return cls(
            verification_required=required,
            verification=item.verification,
            verifications=history or None,
            verification_uncleared=uncleared_failure(history, bool(item.verification_failed)),
            risk_tier=tier.value,
            second_approval_required=tier is RiskTier.HIGH,
            pending_decision=item.pending_decision,
            first_emergency=bool(item.first_emergency),
        )


class UserNoticeView(View):
    """Whether and when the user is told (``domain/user_notice.py``): the state in words, the rule applied, a
    declared non-disclosure order and its challenges, when the notice falls due and by when it is to be recorded,
    and the notice given (its text for representatives only), or why none is given."""

    state: str
    words: str
    basis: str | None = None
    prohibition: dict[str, Any] | None = None
    earlier_prohibitions: list[dict[str, Any]] | None = None
    challenges: list[dict[str, Any]] | None = None
    due_at: str | None = None
    deadline: str | None = None
    overdue: bool | None = None
    notified: dict[str, Any] | None = None
    reason: str | None = None

    @classmethod
    def of(cls, item: LegalRequest, *, internal: bool) -> UserNoticeView | None:
        from chalicelib.domain.user_notice import words

        if not item.notice_state:
            return None
        notice = item.user_notice or {}
        notified = notice.get("notified")
        if notified and not internal:
            notified = {k: v for k, v in notified.items() if k in ("at", "channel")}
        if notice.get("waived") and not internal:  # the desk's reason is its own note, about the user
            notice = {**notice, "reason": WAIVED_FOR_AUTHORITY}
        return cls(
            state=item.notice_state,
            words=words(item.notice_state, notice),
            basis=notice.get("rule", {}).get("basis"),
            prohibition=notice.get("prohibition"),
            earlier_prohibitions=notice.get("earlier") or None,
            challenges=notice.get("challenges"),
            due_at=notice.get("due_at"),
            deadline=notice.get("deadline"),
            overdue=bool(item.notice_overdue) if internal else None,
            notified=notified,
            reason=notice.get("reason"),
        )


WAIVED_FOR_AUTHORITY = "The platform recorded that no notice will be given to the user."


class RequestView(RequestSummary):
    """A legal request: what was asked, its deadlines and where it stands."""

    agency_id: str
    submitted_by: str
    legal_basis: str
    description: str
    language: str
    targets: list[Target]
    data_categories: list[str] | None = None
    emergency: Emergency | None = None
    certificate: dict[str, Any] | None = None
    enforcing_authority: dict[str, Any] | None = None  # e-Evidence Art. 8: the wait, or the objection window
    official_answers: list[dict[str, Any]] | None = None  # the forms exchanged after filing, as sent
    official_form_pdfs: list[dict[str, Any]] | None = None  # each form's PDF among the documents: id and SHA-256
    decision: dict[str, Any] | None = None
    routing: Routing | None = None
    safeguards: Safeguards
    hold: Hold | None = None
    user_notice: UserNoticeView | None = None
    receipt: str | None = None
    updated_at: str
    version: int

    @classmethod
    def of(cls, item: LegalRequest, *, routing: bool = False) -> RequestView:
        return cls(
            **cls.fields_of(item),
            agency_id=item.agency_id,
            submitted_by=item.submitted_by,
            legal_basis=item.legal_basis,
            description=item.description,
            language=item.language,
            targets=[Target(kind=TargetKind(t.kind), value=t.value) for t in item.targets],
            data_categories=list(item.data_categories) if item.data_categories else None,
            emergency=Emergency(**item.emergency) if item.emergency else None,
            certificate=item.certificate,
            enforcing_authority=item.enforcing_authority,
            official_answers=item.official_answers,
            official_form_pdfs=item.official_form_pdfs,
            decision=item.decision,
            routing=Routing(
                routing_rule=item.routing_rule,
                assignment_rule=item.assignment_rule,
                escalation_chain=list(item.escalation_chain or []),
            )
            if routing
            else None,
            safeguards=Safeguards.of(item, internal=routing),
            hold=Hold(state=item.hold_state, expires_at=item.hold_expires_at, extended=bool(item.hold_extended))
            if item.hold_state and item.hold_state != "none"
            else None,
            user_notice=UserNoticeView.of(item, internal=routing),
            receipt=item.receipt,
            updated_at=item.updated_at,
            version=int(item.version),
        )


class RequestPage(View):
    """One page of requests, newest first; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[RequestSummary]
    next_cursor: str | None = None


INTERNAL_DETAIL = frozenset(
    {
        "escalation_chain",
        "notified",
        "rule",
        "routing_rule",
        "wait_seconds",
        "reminder_seconds",
        "expiry_seconds",
        "risk_tier",
        "proposed_by",
        "approved_by",
        "approval_note",
        "object_version",
    }
)
# What an authority sees of its request's timeline: a list of kinds, so a new internal kind stays internal.
# Hidden: refused attempts (they would tell about other callers), and the platform's safeguards (call-back
# verifications, flags, second approvals): to a forger, they would say what was checked and what failed.
AUTHORITY_KINDS = frozenset(
    {
        "submitted",
        "assigned",
        "reassigned",
        "acknowledged",
        "information_requested",
        "message",
        "escalated",
        "sla_breached",
        "decided",
        "withdrawn",
        "document_declared",
        "document_stored",
        "document_rejected",
        "document_downloaded",
        "hold_extended",
        "hold_expired",
        "hold_released",
        "production_follows",
        "obstacle_ended",
        "enforcing_authority_answered",
        "enforcing_wait_ended",
        "non_disclosure_declared",
        "non_disclosure_ended",
        "non_disclosure_challenged",
        "non_disclosure_review_due",
    }
)


class EventView(View):
    seq: int
    at: str
    kind: str
    actor_role: str
    actor: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: Event, *, internal: bool = True) -> EventView:
        """``internal=False`` for authorities: the platform's routing (who is next, which rule) stays inside.
        The state an event gives the request (``audit.STATE_KEY``) is evidence for ``/audit``, not timeline."""
        detail = {k: v for k, v in event.details.items() if k != audit.STATE_KEY}
        if not internal:
            detail = {k: v for k, v in detail.items() if k not in INTERNAL_DETAIL}
        return cls(
            seq=int(event.seq),
            at=normalize(event.at),
            kind=event.kind,
            actor_role=event.actor_role,
            actor=event.actor,
            detail=detail,
        )


class AuditEventView(View):
    """An event as stored, with its links: ``hash = SHA-256(prev_hash ‖ canonical)``, where canonical is
    request_id|seq|at|kind|actor_role|actor (``\\`` and ``|`` escaped by a backslash) then ``|`` and
    ``detail`` exactly as given here."""

    seq: int
    at: str
    kind: str
    actor_role: str
    actor: str
    detail: str
    prev_hash: str | None = None
    hash: str | None = None

    @classmethod
    def of(cls, event: Event) -> AuditEventView:
        return cls(
            seq=int(event.seq),
            at=event.at,
            kind=event.kind,
            actor_role=event.actor_role,
            actor=event.actor,
            detail=event.detail,
            prev_hash=event.prev_hash,
            hash=event.hash,
        )


class AnchorView(View):
    """The request's head as the latest signed checkpoint covering it recorded it (in the evidence bucket, under
    Object Lock)."""

    checkpoint: str
    at: str
    seq: int
    hash: str


class AuditTrail(View):
    """One page of a request's hash-chained audit trail, and whether its whole evidence verifies; if not, the
    first problem: a bad link (``first_bad_seq``), or a field of the request that is not what its events set
    (``field``), or a body as filed or a checkpoint that disagrees."""

    request_id: str
    verified: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    field: str | None = None
    head_seq: int
    head_hash: str | None = None
    anchor: AnchorView | None = None
    events: list[AuditEventView]
    next_cursor: str | None = None


class Timeline(View):
    """One page of a request's changes, oldest first, each with its time, kind and actor; pass ``next_cursor``
    back as ``cursor`` for the next page (a page may be short, even empty, with a cursor: follow it until null)."""

    request_id: str
    events: list[EventView]
    next_cursor: str | None = None


class AgencyView(View):
    """A registered agency and its standing."""

    id: str
    name: str
    country: str
    kind: AgencyKind
    email_domain: str
    contact_email: str
    standing: Standing
    created_at: str
    updated_at: str
    updated_by: str

    @classmethod
    def of(cls, agency: Agency) -> AgencyView:
        return cls(
            id=agency.agency_id,
            name=agency.name,
            country=agency.country,
            kind=AgencyKind(agency.kind),
            email_domain=agency.email_domain,
            contact_email=agency.contact_email,
            standing=Standing(agency.standing),
            created_at=agency.created_at,
            updated_at=agency.updated_at,
            updated_by=agency.updated_by,
        )


class AgencyPage(View):
    """One page of the agency registry."""

    items: list[AgencyView]
    next_cursor: str | None = None
