"""The representative's side of the desk: the queue, acknowledgement, decision.

A representative sees and acts on the requests of their own region only;
anything else answers 404, as for an authority and another agency's request.
Each change is committed first (versioned, with its event), then the waiting
workflow is answered with the token it stored; if the workflow was not yet
waiting, it reads the request when it gets there (the Resync state).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from pynamodb.expressions.update import RemoveAction, SetAction

from chalicelib.auth.principal import Principal, Role
from chalicelib.clock import Clock, app_clock, isoformat, parse_instant
from chalicelib.domain import certificates
from chalicelib.domain.agencies import IDENTIFIER
from chalicelib.domain.assignment import reassigned_chain, region_lead, scaled
from chalicelib.domain.deadlines import DeadlinePolicy, RequestType
from chalicelib.domain.decisions import Decision, Outcome, Reason
from chalicelib.domain.lifecycle import DECIDED as DECIDED_STATUSES
from chalicelib.domain.lifecycle import OPEN, Action, Status, allowed, next_status, queue_key
from chalicelib.domain.safeguards import (
    CLEARED,
    FAILED,
    FULFILMENTS,
    People,
    Person,
    Verification,
    canonical_subject,
    check_fulfilment,
    check_second_approval,
    hold_rule,
    hold_times,
    needs_second_approval,
    uncleared_failure,
    verification_history,
)
from chalicelib.errors import BadRequest, Conflict, Forbidden, LiaisonError, TooManyRequests, Unprocessable
from chalicelib.notify.notices import agency_notice
from chalicelib.notify.publisher import Publisher, request_page
from chalicelib.observability import logger, metrics
from chalicelib.services import checkpoints, config, evidence, transparency, user_notice
from chalicelib.services.access import record_refusal, visible
from chalicelib.services.official_forms import OfficialForms
from chalicelib.settings import get_settings
from chalicelib.store import cursor as cursors
from chalicelib.store import ratelimits
from chalicelib.store.agencies import AgencyRepository
from chalicelib.store.models import Event, LegalRequest
from chalicelib.store.paging import query_page
from chalicelib.store.representatives import RepresentativeRepository
from chalicelib.store.requests import Change, Operation, RequestRepository
from chalicelib.workflow.client import Workflow, WorkflowUnavailable

QUEUE_INDEX_KEYS = ("queue_region", "queue_due", "request_id")
EVENT_KEYS = ("request_id", "seq")
# A page of a timeline holds at most this many bytes of events as JSON: its answer, escaped once more inside
# Lambda's proxy response, stays under twice that, a third of Lambda's 6 MB limit, however long the messages.
TIMELINE_PAGE_BYTES = 1_000_000
WITHDRAW: dict[str, object] = {"event": "withdrawn"}  # sent as a task failure, not an output
ENFORCING_WAIT = "enforcing_authority"  # what the workflow waits for during e-Evidence Art. 8's 10 days
REPRESENTATIVE_ID = re.compile(IDENTIFIER)
CONVERSATION = frozenset({"information_requested", "message"})
ATTEMPTS = 4  # a change that meets a concurrent one (the workflow's token write, a refusal) is retried


def _queue_due(status: Status, ack_due_at: str | None, due_at: str | None) -> SetAction | RemoveAction:
    """The request's place in its desk's queue (``queue_key``), or none: a closed request leaves the sparse index."""
    key = queue_key(status, ack_due_at, due_at)
    return LegalRequest.queue_due.remove() if key is None else LegalRequest.queue_due.set(key)


def _annex_iii_text(sent: Mapping[str, Any]) -> str:
    """The Annex III answer in words, for the thread and the agency's notice."""
    reasons = ", ".join(str(r).replace("_", " ") for r in sent["reasons"])
    return (
        f"Annex III (e-Evidence Regulation), {sent['certificate']}: the order cannot be executed, or not within "
        f"the deadline, for these reasons: {reasons}. {sent['explanation']}"
    )


def _tco_annex_iii_text(sent: Mapping[str, Any]) -> str:
    """The TCO Annex III answer in words, for the thread and the agency's notice."""
    reasons = ", ".join(str(r).replace("_", " ") for r in sent["reasons"])
    until = (
        "the platform records that the obstacle has ended (Art. 3(7))"
        if certificates.OBSTACLES & set(sent["reasons"])
        else "you clarify, with your answer on the request (Art. 3(8))"
    )
    return (
        f"Annex III (TCO Regulation), removal order: it cannot be executed within the hour, for these reasons: "
        f"{reasons}. {sent['explanation']} The hour is stopped until {until}; it then runs again in full."
    )


class Desk:
    def __init__(
        self,
        *,
        requests: RequestRepository | None = None,
        workflow: Workflow | None = None,
        publisher: Publisher | None = None,
        representatives: RepresentativeRepository | None = None,
        agencies: AgencyRepository | None = None,
        clock: Clock = app_clock,
    ) -> None:
        self.requests = requests or RequestRepository()
        self.agencies = agencies or AgencyRepository()
        self.representatives = representatives or RepresentativeRepository()
        self.workflow = workflow or Workflow()
        self.publisher = publisher or Publisher()
        self.clock = clock

    @functools.cached_property
    def policy(self) -> DeadlinePolicy:
        return DeadlinePolicy(get_settings().deadlines)

    def visible(self, principal: Principal, request_id: str, read: LegalRequest | None = None) -> LegalRequest:
        return visible(self.requests, principal, request_id, read=read)

    def offers(self, principal: Principal, item: LegalRequest) -> dict[str, bool]:
        """What a representative may do on ``item`` now: what a page offers (each action still decides for itself)."""
        status = Status(item.status)
        proposal = item.pending_decision or {}
        return {
            "acknowledge": allowed(status, Action.ACKNOWLEDGE),
            "request_information": allowed(status, Action.REQUEST_INFORMATION),
            "decide": allowed(status, Action.DECIDE) and not proposal,
            "approve": bool(proposal) and self._may_answer(proposal, principal),
            "verify": status in OPEN,
            "reassign": allowed(status, Action.ASSIGN),
            "message": status in OPEN,
        }

    def _may_answer(self, proposal: dict, principal: Principal) -> bool:
        """Whether ``principal`` may approve or decline ``proposal`` at all: the rule ``approve`` applies (the same
        registered person as the proposer may not), read from the registry only when a proposal waits."""
        try:
            check_second_approval(str(proposal.get("proposed_by")), principal.subject, self._people(), approve=False)
        except Conflict:
            return False
        return True

    def reassign_candidates(self, item: LegalRequest) -> list:
        """Who the request can be handed to: the available people of its desk, but its assignee."""
        return [c for c in self.representatives.candidates(item.region) if c.available and c.rep_id != item.assignee]

    def audit(
        self, principal: Principal, request_id: str, *, limit: int, cursor: str | None
    ) -> tuple[LegalRequest, list[Event], str | None, evidence.Report]:
        """One page of the request's audit trail, and whether the whole of its evidence verifies: the chain, the
        request against its replayed events, the body as filed, the latest checkpoint (``services/evidence``).
        For its region's representatives, and admins."""
        item, events = self.requests.chain(visible(self.requests, principal, request_id, admins=True))
        report = self.evidence(item, events)
        page, next_cursor = query_page(
            Event,
            Event,
            item.request_id,
            key_names=EVENT_KEYS,
            number_keys=("seq",),
            limit=limit,
            after=cursor,
            consistent_read=True,
            max_bytes=TIMELINE_PAGE_BYTES,
        )
        return item, page, next_cursor, report

    @staticmethod
    def evidence(item: LegalRequest, events: list[Event]) -> evidence.Report:
        """Whether ``item`` and its whole chain ``events`` verify, every check of ``services/evidence``."""
        anchors = checkpoints.Checkpoints()
        return evidence.verify(item, events, anchor_of=anchors.latest_anchor, latest=anchors.latest())

    def queue(
        self,
        principal: Principal,
        *,
        limit: int,
        cursor: str | None,
        status: Status | None = None,
        type_: RequestType | None = None,
        assignee: str | None = None,
    ) -> tuple[list[LegalRequest], str | None]:
        """Open requests of the caller's region, most urgent first: by the deadline each is worked to now
        (acknowledge, then decide), those awaiting the authority last (sparse index; no Scan); optionally only
        those of one status, type or assignee."""
        assert principal.region is not None
        conditions = [
            c
            for c in (
                LegalRequest.status == status.value if status else None,
                LegalRequest.type == type_.value if type_ else None,
                LegalRequest.assignee == assignee if assignee else None,
            )
            if c is not None
        ]
        condition = None
        for each in conditions:
            condition = each if condition is None else condition & each
        return query_page(
            LegalRequest.open_by_deadline,
            LegalRequest,
            principal.region,
            key_names=QUEUE_INDEX_KEYS,
            limit=limit,
            after=cursor,
            filter_condition=condition,
        )

    def acknowledge(self, principal: Principal, request_id: str, note: str | None = None) -> LegalRequest:
        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            next_status(Status(item.status), Action.ACKNOWLEDGE)
            now = self.clock.now()
            seconds = scaled(max(parse_instant(item.due_at) - now, timedelta(0)), get_settings().sla_time_scale)
            waiting, timer = self._enforcing_wait(item, now, item.due_at)
            return (
                Change(
                    "acknowledged",
                    principal.role.value,
                    principal.subject,
                    isoformat(now),
                    {"note": note} if note else {},
                ),
                [
                    LegalRequest.status.set(Status.ACKNOWLEDGED.value),
                    LegalRequest.acknowledged_at.set(isoformat(now)),
                    LegalRequest.resolve_timer_seconds.set(seconds),
                    *timer,
                    _queue_due(Status.ACKNOWLEDGED, item.ack_due_at, item.due_at),
                ],
                {"event": "acknowledged", "resolve_seconds": seconds, **waiting},
            )

        return self._tell_agency(self._act(principal, request_id, change, "acknowledge"), "acknowledged")

    def decide(self, principal: Principal, request_id: str, decision: Decision) -> LegalRequest:
        """Decide an acknowledged request. An emergency disclosure needs a confirmed call-back by someone else
        first; in a high-risk jurisdiction a fulfilment is only proposed, and takes effect once a second
        representative approves it (``approve``)."""
        if decision.outcome is not Outcome.FULFILLED and decision.reason is None:
            raise BadRequest(
                "A reason is required unless the request is fulfilled in full.", code="missing_field", field="reason"
            )

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            next_status(Status(item.status), Action.DECIDE, Status(decision.outcome.value))
            check_fulfilment(
                item.type,
                decision.outcome,
                self._history(item),
                (principal.subject,),
                self._people(),
                failed_before=bool(item.verification_failed),
            )
            certificates.check_enforcing_wait(
                item.enforcing_authority,
                decision.outcome in FULFILMENTS,
                self.clock.now(),
                ended=bool(item.enforcing_wait_over),
            )
            certificates.check_fulfilment_form(
                item.certificate, decision, parse_instant(item.received_at), self.clock.now()
            )
            if item.pending_decision:
                raise Conflict(
                    "A decision on this request is waiting for a second approval; approve or decline it first.",
                    code="approval_pending",
                )
            tier = config.risk_tiers().tier(self._jurisdiction(item))
            now = isoformat(self.clock.now())
            if needs_second_approval(tier, decision.outcome):
                user_notice.check_before_fulfilment(item, self.clock.now())
                proposal = {
                    **decision.model_dump(mode="json", exclude_none=True),
                    "proposed_by": principal.subject,
                    "proposed_at": now,
                    "risk_tier": tier.value,
                }
                return (
                    Change("decision_proposed", principal.role.value, principal.subject, now, proposal),
                    [LegalRequest.pending_decision.set(proposal), LegalRequest.risk_tier.set(tier.value)],
                    None,
                )
            return self._decided(item, decision, principal, now, {"risk_tier": tier.value})

        item = self._act(principal, request_id, change, "decide")
        if item.pending_decision:
            self._notify_region_lead(
                item,
                f"A {item.pending_decision['outcome']} decision on {item.type} request "
                f"{item.request_id} ({item.jurisdiction}, high risk) waits for a second "
                "representative's approval.",
            )
            return item
        return self._tell_decided(item)

    def approve(self, principal: Principal, request_id: str, approve: bool, note: str | None) -> LegalRequest:
        """A second representative approves (the decision takes effect) or declines a proposed fulfilment."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            proposal = item.pending_decision
            if not proposal:
                raise Conflict("No decision on this request is waiting for approval.", code="no_pending_decision")
            people = self._people()
            check_second_approval(proposal["proposed_by"], principal.subject, people, approve=approve)
            now = isoformat(self.clock.now())
            if not approve:
                return (
                    Change(
                        "decision_declined",
                        principal.role.value,
                        principal.subject,
                        now,
                        {"proposed_by": proposal["proposed_by"], **({"note": note} if note else {})},
                    ),
                    [LegalRequest.pending_decision.remove()],
                    None,
                )
            decision = Decision.model_validate(
                {k: proposal[k] for k in ("outcome", "reason", "note", "removal") if k in proposal}
            )
            certificates.check_enforcing_wait(
                item.enforcing_authority,
                decision.outcome in FULFILMENTS,
                self.clock.now(),
                ended=bool(item.enforcing_wait_over),
            )
            next_status(Status(item.status), Action.DECIDE, Status(decision.outcome.value))
            # Neither the proposer nor the approver may be the one who verified the call-back; a call-back that
            # failed since the proposal blocks it as it blocks a decision.
            check_fulfilment(
                item.type,
                decision.outcome,
                self._history(item),
                (proposal["proposed_by"], principal.subject),
                people,
                failed_before=bool(item.verification_failed),
            )
            event, actions, answer = self._decided(
                item,
                decision,
                principal,
                now,
                {
                    "proposed_by": proposal["proposed_by"],
                    "approved_by": principal.subject,
                    "risk_tier": proposal.get("risk_tier"),
                    **({"approval_note": note} if note else {}),
                },
            )
            return event, [*actions, LegalRequest.pending_decision.remove()], answer

        item = self._act(principal, request_id, change, "approve")
        return item if item.pending_decision or item.status not in DECIDED_STATUSES else self._tell_decided(item)

    def _decided(
        self, item: LegalRequest, decision: Decision, principal: Principal, now: str, extra: dict[str, object]
    ) -> tuple[Change, list, dict[str, object]]:
        """The change that closes a request with ``decision``; a fulfilled preservation starts its hold."""
        outcome = Status(decision.outcome.value)
        detail: dict[str, object] = {**decision.model_dump(mode="json", exclude_none=True), **extra}
        actions = [
            LegalRequest.status.set(outcome.value),
            LegalRequest.decided_at.set(now),
            LegalRequest.closed_at.set(now),
            LegalRequest.decision.set(
                decision.model_dump(mode="json", exclude={"removal"} if decision.removal is None else None)
            ),
            LegalRequest.queue_region.remove(),
        ]
        answer: dict[str, object] = {"event": "decided", "outcome": outcome.value}
        sent = certificates.fulfilment_form(item.certificate, decision, principal.subject, now)
        if sent is not None:
            detail["official_answer"] = sent
            actions.append(LegalRequest.official_answers.set([*(item.official_answers or []), sent]))
        noticed, notice_actions, notice_timer = user_notice.on_decided(item, outcome, parse_instant(now))
        detail.update(noticed)
        actions += notice_actions
        if notice_timer is not None:
            answer["notice"] = notice_timer
        if item.type == RequestType.PRESERVATION and decision.outcome in FULFILMENTS:
            rule = hold_rule(self._jurisdiction(item))
            hold, timers = self._hold(parse_instant(now), parse_instant(now) + timedelta(days=rule.days))
            actions += [LegalRequest.hold_state.set("active"), LegalRequest.hold_extended.set(False), *timers]
            detail["hold"] = {"expires_at": hold["expires_at"], "basis": rule.basis}
            answer["hold"] = hold
        return Change("decided", principal.role.value, principal.subject, now, detail), actions, answer

    def _enforcing_wait(self, item: LegalRequest, now, due_at: str) -> tuple[dict[str, object], list]:
        """For the workflow, when a decision clock starts (with ``due_at`` as it will then stand): how long the
        enforcing authority's 10 days still run (e-Evidence Art. 8 and 10). It waits that long (a second if they
        already ran out while the request was paused or unacknowledged) before it waits for the decision, and
        records their end. Kept on the request too (``enforcing_timer``), for a workflow that resyncs. Nothing
        once the end is recorded or the enforcing authority confirmed it raises no ground."""
        notice = item.enforcing_authority
        if (
            not notice
            or not notice.get("wait_until")
            or item.enforcing_wait_over
            or any(a.get("answer") == certificates.EnforcingAnswer.NO_GROUND for a in notice.get("answers", []))
        ):
            return {}, []
        until, scale = parse_instant(notice["wait_until"]), get_settings().sla_time_scale
        timer = {
            "wait_seconds": scaled(max(until - now, timedelta(0)), scale),
            "wait_until": notice["wait_until"],
            "due_at": due_at,
            # the decision clock once the wait is over: what is left to due_at then
            "then_seconds": scaled(max(parse_instant(due_at) - max(until, now), timedelta(0)), scale),
        }
        return {"enforcing": timer}, [LegalRequest.enforcing_timer.set(timer)]

    def _hold(self, now, expires_at) -> tuple[dict[str, object], list]:
        times = hold_times(now, expires_at)
        scale = get_settings().sla_time_scale
        expires, reminder = isoformat(expires_at), scaled(times.reminder_at - now, scale)
        expiry = scaled(times.expires_at - times.reminder_at, scale)
        hold: dict[str, object] = {"expires_at": expires, "reminder_seconds": reminder, "expiry_seconds": expiry}
        return hold, [
            LegalRequest.hold_expires_at.set(expires),
            LegalRequest.hold_reminder_seconds.set(reminder),
            LegalRequest.hold_expiry_seconds.set(expiry),
        ]

    def record_enforcing_answer(
        self,
        principal: Principal,
        request_id: str,
        answer: certificates.EnforcingAnswer,
        authority: str,
        note: str | None,
    ) -> LegalRequest:
        """The notified enforcing authority's answer to an EPOC (e-Evidence Art. 8, 10 and 12), as a representative
        received it. No ground: the data may go at once. A ground for refusal: the request ends rejected, with the
        ground stated, in the same change. In an emergency, an objection or conditions within 96 hours: the
        region's lead is told to restrict the data already produced."""
        kinds = certificates.EnforcingAnswer

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            notice = item.enforcing_authority
            certificates.check_enforcing_answer(notice, answer, self.clock.now())
            if Status(item.status) not in OPEN and answer in (kinds.NO_GROUND, kinds.GROUND_RAISED):
                raise Conflict(
                    f"This request is {item.status}: the answer no longer changes anything. (In an "
                    "emergency, an objection may still come after the data went.)",
                    code="illegal_transition",
                )
            if answer is kinds.GROUND_RAISED and not note:
                raise BadRequest(
                    "State the ground for refusal the enforcing authority raised.", code="missing_field", field="note"
                )
            now = isoformat(self.clock.now())
            recorded = {
                "answer": answer.value,
                "authority": authority,
                "by": principal.subject,
                "at": now,
                **({"note": note} if note else {}),
            }
            updated = {**notice, "answers": [*notice.get("answers", []), recorded]}
            if answer is kinds.GROUND_RAISED:
                decision = Decision(
                    outcome=Outcome.REJECTED,
                    reason=Reason.OTHER,
                    note=f"Ground for refusal raised by the enforcing authority ({authority}, "
                    f"e-Evidence Art. 12): {note}",
                )
                next_status(Status(item.status), Action.DECIDE, Status.REJECTED)
                event, actions, reply = self._decided(item, decision, principal, now, {"enforcing_authority": recorded})
                return event, [*actions, LegalRequest.enforcing_authority.set(updated)], reply
            resume, timer = None, []
            if answer is kinds.NO_GROUND:
                timer = [LegalRequest.enforcing_timer.remove()]
            if answer is kinds.NO_GROUND and item.waiting_for == ENFORCING_WAIT:  # the workflow waits on the 10 days
                left = max(parse_instant(item.due_at) - self.clock.now(), timedelta(0))
                resume = {"event": "enforcing_cleared", "resolve_seconds": scaled(left, get_settings().sla_time_scale)}
            return (
                Change("enforcing_authority_answered", principal.role.value, principal.subject, now, recorded),
                [LegalRequest.enforcing_authority.set(updated), *timer],
                resume,
            )

        item = self._act(principal, request_id, change, "enforcing-authority")
        if answer is kinds.GROUND_RAISED:
            return self._tell_decided(item)
        if answer in (kinds.OBJECTION, kinds.CONDITIONS):
            what = "objects to the use of" if answer is kinds.OBJECTION else "set conditions on"
            self._notify_region_lead(
                item,
                f"The enforcing authority ({authority}) {what} the data produced for "
                f"emergency EPOC {item.request_id} (e-Evidence Art. 10(4)): tell the "
                "issuing authority and restrict the data accordingly.",
            )
        return item

    def impossibility(
        self, principal: Principal, request_id: str, reasons: list[certificates.ImpossibilityReason], explanation: str
    ) -> LegalRequest:
        """Answer an EPOC or EPOC-PR with Annex III (information on the impossibility to execute it). With only
        reasons the issuing authority can cure (incomplete, manifest errors, insufficient information) it asks for
        clarification: the request awaits the authority's answer, its clock stopped, as a question does. With any
        other reason the request ends rejected, the form in its decision. Either way the form, as sent, is kept on
        the request (``official_answers``) in the same change, and the agency is told."""
        clarify = set(reasons) <= certificates.CLARIFIABLE

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            form = certificates.check_annex_iii(item.certificate)
            now = isoformat(self.clock.now())
            sent = {
                "form": "e-Evidence Annex III",
                "certificate": form,
                "reasons": [r.value for r in reasons],
                "explanation": explanation,
                "by": principal.subject,
                "at": now,
                "effect": "clarification_requested" if clarify else "not_executed",
            }
            kept = LegalRequest.official_answers.set([*(item.official_answers or []), sent])
            if clarify:
                next_status(Status(item.status), Action.REQUEST_INFORMATION)
                return (
                    Change(
                        "information_requested",
                        principal.role.value,
                        principal.subject,
                        now,
                        {"body": _annex_iii_text(sent), "annex_iii": sent},
                    ),
                    [
                        LegalRequest.status.set(Status.AWAITING_INFORMATION.value),
                        LegalRequest.paused_at.set(now),
                        _queue_due(Status.AWAITING_INFORMATION, item.ack_due_at, item.due_at),
                        kept,
                    ],
                    {"event": "paused"},
                )
            next_status(Status(item.status), Action.DECIDE, Status.REJECTED)
            reason = Reason.NO_DATA if certificates.ImpossibilityReason.DATA_NOT_STORED in reasons else Reason.OTHER
            decision = Decision(outcome=Outcome.REJECTED, reason=reason, note=_annex_iii_text(sent)[:4000])
            event, actions, reply = self._decided(item, decision, principal, now, {"annex_iii": sent})
            return event, [*actions, kept], reply

        item = self._act(principal, request_id, change, "impossibility")
        if clarify:
            return self._tell_agency(item, "information_requested", question=_annex_iii_text(item.official_answers[-1]))
        return self._tell_decided(item)

    def tco_impossibility(
        self,
        principal: Principal,
        request_id: str,
        reasons: list[certificates.TcoImpossibilityReason],
        explanation: str,
    ) -> LegalRequest:
        """Answer a TCO removal order with its Annex III: the hour stops (TCO Art. 3(7) and 3(8)). With force majeure
        or a de facto impossibility it runs again, a full hour, once the desk records that the obstacle ended; with
        manifest errors or insufficient information, once the authority clarifies (its answer on the request). The
        form as sent is kept on the request and the agency is told."""
        kinds = {reason in certificates.OBSTACLES for reason in reasons}
        if len(kinds) > 1:
            raise Unprocessable(
                "Send one Annex III for an obstacle (force majeure, de facto impossibility) and, once "
                "it has ended, another to ask for clarification: the hour restarts on different "
                "events (TCO Art. 3(7) and 3(8)).",
                code="tco_reasons_mixed",
                field="reasons",
            )

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            certificates.check_removal_order(item.certificate)
            next_status(Status(item.status), Action.REQUEST_INFORMATION)
            now = isoformat(self.clock.now())
            sent = {
                "form": "TCO Annex III",
                "certificate": "TCO-RO",
                "reasons": [r.value for r in reasons],
                "explanation": explanation,
                "effect": "clock_stopped",
                "by": principal.subject,
                "at": now,
            }
            return (
                Change(
                    "information_requested",
                    principal.role.value,
                    principal.subject,
                    now,
                    {"body": _tco_annex_iii_text(sent), "tco_annex_iii": sent},
                ),
                [
                    LegalRequest.status.set(Status.AWAITING_INFORMATION.value),
                    LegalRequest.paused_at.set(now),
                    _queue_due(Status.AWAITING_INFORMATION, item.ack_due_at, item.due_at),
                    LegalRequest.official_answers.set([*(item.official_answers or []), sent]),
                ],
                {"event": "paused"},
            )

        item = self._act(principal, request_id, change, "tco-impossibility")
        sent = next(a for a in reversed(item.official_answers) if a["form"] == "TCO Annex III")
        obstacle = bool(certificates.OBSTACLES & set(sent["reasons"]))
        return self._tell_agency(
            item, "removal_stopped" if obstacle else "information_requested", question=_tco_annex_iii_text(sent)
        )

    def obstacle_ended(self, principal: Principal, request_id: str, note: str | None) -> LegalRequest:
        """The force majeure or de facto impossibility a TCO Annex III named has ceased: the hour starts again from
        now (TCO Art. 3(7)), and the agency is told."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            certificates.check_removal_order(item.certificate)
            if item.status != Status.AWAITING_INFORMATION or not certificates.waiting_on_obstacle(
                item.official_answers, item.paused_at
            ):
                raise Conflict(
                    "This removal order is not stopped on force majeure or a de facto impossibility "
                    "(send its Annex III first).",
                    code="no_obstacle",
                )
            next_status(Status(item.status), Action.ANSWER)
            now = self.clock.now()
            due_after = now + self.policy.clocks[RequestType.TERRORIST_CONTENT_REMOVAL].resolve
            seconds = scaled(due_after - now, get_settings().sla_time_scale)
            detail = {
                "due_at_before": item.due_at,
                "due_at_after": isoformat(due_after),
                "paused_at": item.paused_at,
                "resumed_at": isoformat(now),
                "rule": "restarted: EU 2021/784 Art. 3(7) counts one hour from when the grounds ceased",
                **({"note": note} if note else {}),
            }
            return (
                Change("obstacle_ended", principal.role.value, principal.subject, isoformat(now), detail),
                [
                    LegalRequest.status.set(Status.ACKNOWLEDGED.value),
                    LegalRequest.due_at.set(isoformat(due_after)),
                    LegalRequest.paused_at.remove(),
                    LegalRequest.resolve_timer_seconds.set(seconds),
                    _queue_due(Status.ACKNOWLEDGED, item.ack_due_at, isoformat(due_after)),
                ],
                {"event": "resumed", "resolve_seconds": seconds},
            )

        return self._tell_agency(self._act(principal, request_id, change, "obstacle-ended"), "obstacle_ended")

    def production_follows(
        self, principal: Principal, request_id: str, production_reference: str, note: str | None
    ) -> LegalRequest:
        """The issuing authority confirms with Annex V that a request for production follows its EPOC-PR: the data
        are kept, with no end date, until that request is served (e-Evidence Art. 11(1)); the hold's timers stop."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            certificates.check_epoc_pr(item.certificate)
            if item.hold_state == "until_production":
                raise Conflict(
                    "Annex V was already received: the data are kept until the production request.",
                    code="hold_until_production",
                )
            now = self.clock.now()
            if item.hold_state != "active" or now >= parse_instant(item.hold_expires_at):
                raise Conflict(
                    "There is no active preservation on this request (not executed yet, or it has ended): "
                    "Annex V confirms a preservation that still runs.",
                    code="hold_not_active",
                )
            sent = {
                "form": "e-Evidence Annex V",
                "certificate": "EPOC-PR",
                "production_reference": production_reference,
                **({"note": note} if note else {}),
                "by": principal.subject,
                "at": isoformat(now),
            }
            return (
                Change(
                    "production_follows",
                    principal.role.value,
                    principal.subject,
                    isoformat(now),
                    {"expires_at_before": item.hold_expires_at, "official_answer": sent},
                ),
                [
                    LegalRequest.hold_state.set("until_production"),
                    LegalRequest.hold_expires_at.remove(),
                    LegalRequest.hold_reminder_seconds.remove(),
                    LegalRequest.hold_expiry_seconds.remove(),
                    LegalRequest.official_answers.set([*(item.official_answers or []), sent]),
                ],
                {"event": "production_follows"},
            )

        item = self._act(principal, request_id, change, "production-follows")
        self._notify_region_lead(
            item,
            f"Preservation {item.request_id}: the issuing authority confirmed (e-Evidence "
            f"Annex V) that a production request follows ({production_reference}). Keep "
            "the data until it is served; the hold no longer ends by itself.",
        )
        return item

    def release_hold(self, principal: Principal, request_id: str, reason: str) -> LegalRequest:
        """End a preservation hold before its time: the issuing authority says the data are no longer needed, or,
        once kept until production, the production request was served (e-Evidence Art. 11). Either side may end
        it, with the reason in the trail; the other is told."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            ended = item.hold_state == "active" and self.clock.now() >= parse_instant(item.hold_expires_at)
            if item.hold_state not in ("active", "until_production") or ended:
                raise Conflict("There is no preservation hold running on this request.", code="hold_not_active")
            if principal.role is Role.REPRESENTATIVE and item.hold_state != "until_production":
                raise Conflict(
                    "Only the issuing authority ends a preservation before its time (e-Evidence Art. 11); "
                    "the desk ends a hold kept until production once that request was served.",
                    code="hold_release_by_authority",
                )
            now = isoformat(self.clock.now())
            return (
                Change(
                    "hold_released",
                    principal.role.value,
                    principal.subject,
                    now,
                    {"hold_state_before": item.hold_state, "reason": reason},
                ),
                [LegalRequest.hold_state.set("released")],
                {"event": "released"},
            )

        item = self._act(principal, request_id, change, "release-hold")
        if principal.role is Role.AUTHORITY:
            self._notify_region_lead(
                item,
                f"Preservation {item.request_id}: the issuing authority ended the hold "
                f"({reason}). The data need no longer be kept for this request.",
            )
            return item
        return self._tell_agency(item, "hold_released")

    def _tell_decided(self, item: LegalRequest) -> LegalRequest:
        decision = item.decision or {}
        answers = item.official_answers or []
        form = answers[-1]["form"] if answers and answers[-1].get("at") == item.decided_at else None
        return self._tell_agency(
            item, "decided", outcome=decision.get("outcome"), reason=decision.get("reason"), form=form
        )

    def extend(self, principal: Principal, request_id: str) -> LegalRequest:
        """The authority extends a preservation hold, once (EU +30 days, US +90), before it ends."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            if item.type != RequestType.PRESERVATION:
                raise Conflict("Only a preservation request has a hold to extend.", code="not_a_preservation")
            if item.hold_state == "until_production":
                raise Conflict(
                    "The data are kept until the production request arrives (Annex V): there is no end to extend.",
                    code="hold_until_production",
                )
            if item.hold_state != "active":
                raise Conflict(
                    "There is no active hold on this request (not fulfilled yet, or it has ended).",
                    code="hold_not_active",
                )
            if item.hold_extended:
                raise Conflict(
                    "The hold was already extended once; send a new preservation request to keep the data longer.",
                    code="already_extended",
                )
            rule = hold_rule(self._jurisdiction(item))
            now = self.clock.now()
            before = parse_instant(item.hold_expires_at)
            if now >= before:
                raise Conflict("The hold has ended; send a new preservation request.", code="hold_not_active")
            hold, timers = self._hold(now, before + timedelta(days=rule.extension_days))
            detail: dict[str, object] = {
                "expires_at_before": item.hold_expires_at,
                "expires_at_after": hold["expires_at"],
                "basis": rule.basis,
            }
            if (item.certificate or {}).get("form") == "EPOC-PR":  # the extension is the certificate's Annex VI
                sent = {
                    "form": "e-Evidence Annex VI",
                    "certificate": "EPOC-PR",
                    **detail,
                    "by": principal.subject,
                    "at": isoformat(now),
                }
                detail["official_answer"] = sent
                timers.append(LegalRequest.official_answers.set([*(item.official_answers or []), sent]))
            return (
                Change("hold_extended", principal.role.value, principal.subject, isoformat(now), detail),
                [LegalRequest.hold_extended.set(True), *timers],
                {"event": "extended", "hold": hold},
            )

        return self._act(principal, request_id, change, "extend")

    def verify(self, principal: Principal, request_id: str, verification: Verification) -> LegalRequest:
        """Record an out-of-band call-back verification; a failed one alerts the region's lead at once.

        Each one is added to the request's kept history (``verifications``, written whole); ``verification`` stays
        the latest call-back, for readers of the single field. A later call-back never replaces a failed one."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            if Status(item.status) not in OPEN:
                raise Conflict(
                    f"The request is {item.status}; it takes no more verifications.", code="illegal_transition"
                )
            verification.check_independent()
            now = isoformat(self.clock.now())
            record = {**verification.model_dump(mode="json", exclude_none=True), "by": principal.subject, "at": now}
            failed = [LegalRequest.verification_failed.set(True)] if verification.outcome == FAILED else []
            return (
                Change("verification_recorded", principal.role.value, principal.subject, now, record),
                [
                    LegalRequest.verification.set(record),
                    LegalRequest.verifications.set([*self._history(item), record]),
                    *failed,
                ],
                None,
            )

        item = self._act(principal, request_id, change, "verify")
        if verification.outcome != "confirmed":
            self._notify_region_lead(
                item,
                f"Call-back verification of {item.type} request {item.request_id} "
                f"came back '{verification.outcome}'. Treat the request as possibly "
                "forged: disclose nothing until the agency is confirmed.",
            )
        return item

    def clear_verification(self, principal: Principal, request_id: str, reason: str) -> LegalRequest:
        """The region's lead clears the failed call-backs of a request, with a reason (``verification_cleared``
        in its audit trail, a ``cleared`` entry in its history). Fulfilment then still needs a new call-back,
        confirmed by someone other than the decider: the clearance lifts the block, it confirms nothing."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            if not self.is_region_lead(principal, item):
                raise Forbidden(
                    "Only the region's lead clears a failed call-back verification.", code="not_region_lead"
                )
            if Status(item.status) not in OPEN:
                raise Conflict(
                    f"The request is {item.status}; there is nothing left to clear.", code="illegal_transition"
                )
            history = self._history(item)
            if not uncleared_failure(history, bool(item.verification_failed)):
                raise Conflict(
                    "No failed call-back verification of this request waits to be cleared.",
                    code="no_failed_verification",
                )
            now = isoformat(self.clock.now())
            failures = [
                entry for entry in history[self._after_last_clearance(history) :] if entry.get("outcome") == FAILED
            ]
            entry = {"outcome": CLEARED, "reason": reason, "by": principal.subject, "at": now}
            detail = {"reason": reason, "cleared": [{"by": f.get("by"), "at": f.get("at")} for f in failures]}
            return (
                Change("verification_cleared", principal.role.value, principal.subject, now, detail),
                [LegalRequest.verifications.set([*history, entry])],
                None,
            )

        return self._act(principal, request_id, change, "clear_verification")

    def is_region_lead(self, principal: Principal, item: LegalRequest) -> bool:
        """Whether the caller's registry entry is a lead of the request's region (who may clear a failed
        call-back); the guard has already checked the entry is theirs, active, and of their token's region."""
        rep = self.representatives.get(principal.subject) if principal.role is Role.REPRESENTATIVE else None
        return rep is not None and bool(rep.lead) and rep.region == item.region and rep.active is not False

    def can_clear_verification(self, principal: Principal, item: LegalRequest) -> bool:
        """What a page offers: a failed call-back of the open request ``item`` waits for a clearance, and the
        caller is its region's lead (``clear_verification`` still decides for itself)."""
        return (
            Status(item.status) in OPEN
            and uncleared_failure(self._history(item), bool(item.verification_failed))
            and self.is_region_lead(principal, item)
        )

    @staticmethod
    def _history(item: LegalRequest) -> list[dict]:
        return verification_history(item.verifications, item.verification)

    @staticmethod
    def _after_last_clearance(history: list[dict]) -> int:
        return max((i + 1 for i, entry in enumerate(history) if entry.get("outcome") == CLEARED), default=0)

    def _people(self) -> People:
        """Subjects to registered people (``safeguards.Person``), each read once per change."""

        @functools.cache
        def person(subject: str) -> Person | None:
            rep_id = canonical_subject(subject)
            rep = self.representatives.get(rep_id) if REPRESENTATIVE_ID.match(rep_id) else None
            return Person.registered(rep.rep_id, rep.email) if rep is not None else None

        return person

    def _jurisdiction(self, item: LegalRequest) -> str | None:
        """The agency's country as recorded at filing; for requests filed before it was recorded, read now."""
        if item.jurisdiction:
            return item.jurisdiction
        agency = self.agencies.get(item.agency_id)
        return agency.country if agency else None

    def _notify_region_lead(self, item: LegalRequest, text: str) -> None:
        """Flag ``item`` to its region's lead from the registry (never the chain's last place, which a
        reassignment rewrites); to the operators if the region has no available lead."""
        lead = region_lead(self.representatives.candidates(item.region))
        self.publisher.tell_lead(item.region, lead, item.request_id, text)

    def request_information(self, principal: Principal, request_id: str, question: str) -> LegalRequest:
        """Ask the authority a question: the request awaits information and its resolve clock stops."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            next_status(Status(item.status), Action.REQUEST_INFORMATION)
            now = isoformat(self.clock.now())
            return (
                Change("information_requested", principal.role.value, principal.subject, now, {"body": question}),
                [
                    LegalRequest.status.set(Status.AWAITING_INFORMATION.value),
                    LegalRequest.paused_at.set(now),
                    _queue_due(Status.AWAITING_INFORMATION, item.ack_due_at, item.due_at),
                ],
                {"event": "paused"},
            )

        return self._tell_agency(
            self._act(principal, request_id, change, "request_information"), "information_requested", question=question
        )

    def message(self, principal: Principal, request_id: str, body: str) -> LegalRequest:
        """A message on the request. The authority's answer to an information request restarts the clock:
        ``due_at`` moves later by the time it was paused, except where the law restarts it (TCO: one hour
        from the answer).

        A flood cannot bury the request's evidence: a request takes ``messages_per_request`` messages in all
        (then 409 ``message_cap_reached``; the count is checked on the version read and the write is conditioned
        on that version, so concurrent posts cannot pass it), and one sender ``messages_per_minute`` a minute on
        it (then 429 ``message_rate_limited``, see ``_message_rate``)."""
        settings = get_settings()
        cap = settings.messages_per_request

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            now = self.clock.now()
            if Status(item.status) not in OPEN:
                raise Conflict(f"The request is {item.status}; it takes no more messages.", code="illegal_transition")
            if int(item.messages_count or 0) >= cap:
                raise Conflict(
                    f"This request has taken the {cap} messages a request may take; write to the "
                    "platform's legal contact instead.",
                    code="message_cap_reached",
                )
            counted = LegalRequest.messages_count.add(1)
            # An authority's message answers the question it was asked; a removal order stopped on force majeure
            # or a de facto impossibility runs again only when the desk records that it ended (TCO Art. 3(7)).
            resumes = (
                principal.role is Role.AUTHORITY
                and item.status == Status.AWAITING_INFORMATION
                and not certificates.waiting_on_obstacle(item.official_answers, item.paused_at)
            )
            if not resumes:
                return (
                    Change("message", principal.role.value, principal.subject, isoformat(now), {"body": body}),
                    [counted],
                    None,
                )
            next_status(Status(item.status), Action.ANSWER)
            due_before = parse_instant(item.due_at)
            if item.type == RequestType.TERRORIST_CONTENT_REMOVAL:
                due_after = now + self.policy.clocks[RequestType.TERRORIST_CONTENT_REMOVAL].resolve
                rule = "restarted: EU 2021/784 Art. 3 counts one hour from the answer"
            else:
                due_after = due_before + (now - parse_instant(item.paused_at))
                rule = "extended by the time the clock was paused"
            seconds = scaled(max(due_after - now, timedelta(0)), get_settings().sla_time_scale)
            detail = {
                "body": body,
                "due_at_before": item.due_at,
                "due_at_after": isoformat(due_after),
                "paused_at": item.paused_at,
                "resumed_at": isoformat(now),
                "rule": rule,
            }
            waiting, timer = self._enforcing_wait(item, now, isoformat(due_after))
            return (
                Change("message", principal.role.value, principal.subject, isoformat(now), detail),
                [
                    LegalRequest.status.set(Status.ACKNOWLEDGED.value),
                    LegalRequest.due_at.set(isoformat(due_after)),
                    LegalRequest.paused_at.remove(),
                    LegalRequest.resolve_timer_seconds.set(seconds),
                    *timer,
                    _queue_due(Status.ACKNOWLEDGED, item.ack_due_at, isoformat(due_after)),
                    counted,
                ],
                {"event": "resumed", "resolve_seconds": seconds, **waiting},
            )

        return self._act(
            principal,
            request_id,
            change,
            "message",
            limit=self._message_rate(principal, request_id, settings.messages_per_minute),
        )

    def _message_rate(self, principal: Principal, request_id: str, per_minute: int) -> Callable[[], list[Operation]]:
        """The sender's messages on the request in this clock minute: counted in the message's own transaction
        (``store.ratelimits``). At the limit, 429 with Retry-After, and nothing is stored, not even the refusal:
        chaining each refused post would be the flood again."""
        name = f"message#{request_id}#{principal.role.value}#{principal.subject}"

        def limit() -> list[Operation]:
            now = self.clock.now()
            minute = ratelimits.Window.of(now, 60)
            if ratelimits.reached(name, per_minute, minute):
                metrics.add_metric(name="MessagesRateLimited", unit="Count", value=1)
                retry_after = minute.retry_after(now)
                raise TooManyRequests(
                    f"At most {per_minute} messages a minute from one sender on a request; nothing "
                    f"was stored. Retry after {retry_after} s.",
                    code="message_rate_limited",
                    headers={"Retry-After": str(retry_after)},
                )
            return [ratelimits.counter(name, per_minute, minute)]

        return limit

    def reassign(self, principal: Principal, request_id: str, rep_id: str) -> LegalRequest:
        """Hand an open request to another available representative of the same region, who is notified."""
        target = self.representatives.get(rep_id) if REPRESENTATIVE_ID.match(rep_id) else None
        if target is None or target.region != principal.region or not target.available:
            raise BadRequest("Not an available representative of your region.", code="invalid_field", field="rep_id")

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            status = next_status(Status(item.status), Action.ASSIGN)
            if item.assignee == rep_id:
                raise Conflict("The request is already assigned to them.", code="already_assigned")
            # [backup, lead]: the lead read from the region's registry stays last (domain.assignment).
            chain = reassigned_chain(
                list(item.escalation_chain or []), item.assignee, rep_id, self.representatives.candidates(item.region)
            )
            return (
                Change(
                    "reassigned",
                    principal.role.value,
                    principal.subject,
                    isoformat(self.clock.now()),
                    {"from": item.assignee, "to": rep_id, "escalation_chain": chain},
                ),
                [
                    LegalRequest.assignee.set(rep_id),
                    LegalRequest.status.set(status.value),
                    LegalRequest.escalation_chain.set(chain),
                ],
                None,
            )

        item = self._act(principal, request_id, change, "reassign")
        self.publisher.notify_representative(
            item.region,
            rep_id,
            item.request_id,
            f"Request {item.request_id} ({item.type}, region {item.region}) was "
            f"reassigned to you by {principal.subject}. Acknowledge by "
            f"{item.ack_due_at}; resolve by {item.due_at}.",
        )  # + the page's link
        return item

    def timeline(
        self,
        principal: Principal,
        request_id: str,
        *,
        limit: int,
        cursor: str | None,
        kinds: frozenset[str] | None = None,
        newest_first: bool = False,
        read: LegalRequest | None = None,
    ) -> tuple[list[Event], str | None]:
        """One page of the timeline of a request the caller may see, oldest first (or newest first), and the
        cursor of the next; ``kinds``: only events of these kinds (what an authority may see). A page holds at
        most ``limit`` events and ``TIMELINE_PAGE_BYTES`` of them."""
        item = self.visible(principal, request_id, read=read)
        only = Event.kind.is_in(*sorted(kinds)) if kinds is not None else None
        return query_page(
            Event,
            Event,
            item.request_id,
            key_names=EVENT_KEYS,
            number_keys=("seq",),
            limit=limit,
            after=cursor,
            filter_condition=only,
            newest_first=newest_first,
            consistent_read=True,
            max_bytes=TIMELINE_PAGE_BYTES,
        )

    @staticmethod
    def latest_page(chain: list[Event], limit: int) -> tuple[list[Event], str | None]:
        """The page ``timeline(..., newest_first=True)`` would give first, from a chain already read whole (in
        order): its newest ``limit`` events, newest first, and the cursor of the ones before, in the same form."""
        page = chain[::-1][:limit]
        if len(chain) <= limit:
            return page, None
        last = page[-1]
        return page, cursors.encode({"request_id": {"S": last.request_id}, "seq": {"N": str(int(last.seq))}})

    def _tell_agency(self, item: LegalRequest, kind: str, **extra: str | None) -> LegalRequest:
        notice = agency_notice(
            kind,
            request_id=item.request_id,
            request_type=item.type,
            region=item.region,
            reference=item.reference,
            due_at=item.due_at,
            link=request_page(item.request_id),
            **extra,
        )
        self.publisher.publish(item.agency_id, item.request_id, kind, notice)
        return item

    def withdraw(self, principal: Principal, request_id: str, reason: str | None) -> LegalRequest:
        """The authority withdraws an open request; its waiting execution ends, and so does a fulfilment
        proposed for a second approval (there is nothing left to approve)."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            status = next_status(Status(item.status), Action.WITHDRAW)
            now = isoformat(self.clock.now())
            return (
                Change("withdrawn", principal.role.value, principal.subject, now, {"reason": reason} if reason else {}),
                [
                    LegalRequest.status.set(status.value),
                    LegalRequest.closed_at.set(now),
                    LegalRequest.queue_region.remove(),  # leaves the open-requests index
                    LegalRequest.pending_decision.remove(),
                    *user_notice.on_withdrawn(item),
                ],
                WITHDRAW,
            )

        return self._act(principal, request_id, change, "withdraw")

    def _act(
        self,
        principal: Principal,
        request_id: str,
        change,
        action: str,
        limit: Callable[[], list[Operation]] | None = None,
    ) -> LegalRequest:
        """Commit a change on the version read, then answer the workflow's token.

        The workflow bumps the version when it stores a new token, so a change based on an older read
        loses (stale_version) and is retried on a fresh read, with the fresh token. The token stays
        on the request until Step Functions has accepted the answer; if it cannot be told, operators are
        alerted and the token is kept, so the next action on the request answers it.

        ``limit``: a rate limit, checked on every attempt before the change (its refusal is not recorded) and
        counted in the change's transaction; a count that reached it meanwhile fails that transaction, and the
        next attempt's check refuses.
        """
        for attempt in range(1, ATTEMPTS + 1):
            item = self.visible(principal, request_id)
            counted = limit() if limit is not None else []
            try:
                event, actions, answer = change(item)
            except LiaisonError as refusal:
                record_refusal(self.requests, item, principal, action, refusal)
                raise
            token = item.task_token
            try:
                updated = self.requests.apply(
                    item, event, actions, also=[*transparency.on_change(item, event), *counted]
                )
            except Conflict as conflict:
                if attempt == ATTEMPTS or conflict.code != "stale_version":
                    raise
                continue
            if answer is not None:
                self._answer(updated, token, answer)
            if updated.certificate:  # an answer just sent (or a PDF that failed before) is drawn and kept
                updated = OfficialForms(requests=self.requests, clock=self.clock).render_missing(updated)
            return updated
        raise AssertionError("unreachable")

    def _answer(self, item: LegalRequest, token: str | None, output: dict[str, object]) -> None:
        try:
            answered = self.workflow.withdraw(token) if output is WITHDRAW else self.workflow.answer(token, output)
        except WorkflowUnavailable as error:
            logger.error("workflow not answered", extra={"request_id": item.request_id, "error": str(error)})
            metrics.add_metric(name="WorkflowAnswerFailures", unit="Count", value=1)
            self.publisher.alert_operators(
                f"Request {item.request_id} changed to {item.status}, but its workflow could not be told "
                f"({error}). Its timers may be wrong until the next action on it, or until you answer the "
                "task token stored on the request.",
                item.request_id,
            )
            return
        if answered:
            self.requests.forget_token(item.request_id, token)
