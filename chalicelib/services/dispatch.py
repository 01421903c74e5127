"""Assigns a new request inside its region and starts its workflow with pre-scaled timers.

Both steps are idempotent, so a retried submission (same Idempotency-Key) that
finds its request already stored simply runs them again: an assigned request
keeps its assignee, and an execution already started is found by its name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.clock import Clock, app_clock, isoformat, parse_instant
from chalicelib.domain.assignment import ROUND_ROBIN, Assignment, assign, timers
from chalicelib.domain.lifecycle import Status
from chalicelib.notify.publisher import Publisher, request_page
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings
from chalicelib.store.models import LegalRequest
from chalicelib.store.representatives import RepresentativeRepository
from chalicelib.store.requests import Change, Operation, RequestRepository, sets_of
from chalicelib.workflow.client import Workflow, WorkflowUnavailable

OPERATORS = "operators"  # the recipient when a region has nobody to notify


class Dispatch:
    def __init__(
        self,
        *,
        requests: RequestRepository | None = None,
        representatives: RepresentativeRepository | None = None,
        workflow: Workflow | None = None,
        publisher: Publisher | None = None,
        clock: Clock = app_clock,
    ) -> None:
        self.requests = requests or RequestRepository()
        self.representatives = representatives or RepresentativeRepository()
        self.workflow = workflow or Workflow()
        self.publisher = publisher or Publisher()
        self.clock = clock

    def dispatch(self, item: LegalRequest, *, assignment_tried: bool = False) -> LegalRequest:
        """Assign the request if it is not yet (unless ``assign_unstored`` just found nobody: then the operators
        are alerted without taking another turn), and start its workflow."""
        if item.status == Status.RECEIVED and item.assignee is None:
            if assignment_tried:
                self._alert_unassigned(item)
            else:
                item = self._assign(item)
        self._start(item)
        return item

    def assign_unstored(
        self, item: LegalRequest, now: str, *, contended: bool = False, taken: int | None = None
    ) -> tuple[list[Change], list[Operation], int | None]:
        """Assign a request that is about to be stored: its fields are set here, and the returned ``assigned``
        change and the write that takes the region's turn (``RepresentativeRepository.take_turn``) go in the
        creating transaction; the turn is returned too (to ``took_turn`` once stored). The turn is the one this
        container last saw: if the transaction is refused on that write, another request took it, and the
        caller assigns again ``contended``: the turn is then taken at once with the atomic ADD (one call more,
        but no request waits on others that saw the same counter), and no write for it goes in the
        transaction; that turn is returned, and given back as ``taken`` if the transaction fails for another
        reason, so that it is not lost. Nobody available: nothing, and the request is stored as received;
        ``dispatch(item, assignment_tried=True)`` then alerts the operators."""
        candidates = self.representatives.candidates(item.region)
        if contended:
            turn = taken if taken is not None else self.representatives.next_turn(item.region)
        else:
            turn = self.representatives.known_turn(item.region)
        assignment = assign(candidates, turn)
        if assignment.assignee is None:  # also after an earlier attempt assigned someone who is gone since
            item.status, item.assignee = Status.RECEIVED.value, None
            item.escalation_chain, item.assignment_rule = None, None
            return [], [], turn if contended else None
        item.status, item.assignee = Status.ASSIGNED.value, assignment.assignee
        item.escalation_chain, item.assignment_rule = list(assignment.chain), assignment.rule
        actions = self._assignment_actions(assignment, assignment.assignee)
        assigned = [replace(self._assigned(assignment, now), sets=sets_of(actions))]
        if contended:  # taken already, with the ADD
            return assigned, [], turn
        if not assignment.rule.startswith(ROUND_ROBIN):  # the lead alone: the rotation does not move
            return assigned, [], None
        return assigned, [self.representatives.take_turn(item.region, turn)], turn

    def _assignment(self, region: str) -> Assignment:
        turn = self.representatives.next_turn(region)
        return assign(self.representatives.candidates(region), turn)

    @staticmethod
    def _assigned(assignment: Assignment, now: str) -> Change:
        return Change(
            "assigned",
            "system",
            "router",
            now,
            {"assignee": assignment.assignee, "rule": assignment.rule, "escalation_chain": list(assignment.chain)},
        )

    def _assign(self, item: LegalRequest) -> LegalRequest:
        assignment = self._assignment(item.region)
        now = isoformat(self.clock.now())
        if assignment.assignee is None:
            self._alert_unassigned(item)
            return item
        return self.requests.apply(
            item, self._assigned(assignment, now), self._assignment_actions(assignment, assignment.assignee)
        )

    @staticmethod
    def _assignment_actions(assignment: Assignment, assignee: str) -> list:
        """The writes of an assignment that found ``assignee`` (``assignment.assignee``, checked by the caller)."""
        return [
            LegalRequest.status.set(Status.ASSIGNED.value),
            LegalRequest.assignee.set(assignee),
            LegalRequest.escalation_chain.set(list(assignment.chain)),
            LegalRequest.assignment_rule.set(assignment.rule),
        ]

    def _alert_unassigned(self, item: LegalRequest) -> None:
        logger.error(
            "no representative available in region", extra={"region": item.region, "request_id": item.request_id}
        )
        metrics.add_metric(name="UnassignedRequests", unit="Count", value=1)
        self.publisher.alert_operators(
            f"Request {item.request_id} ({item.type}) reached region {item.region}, which has no available "
            f"representative. Acknowledge by {item.ack_due_at}; due {item.due_at}. Assign someone now.",
            item.request_id,
        )

    def plan(self, item: LegalRequest) -> dict[str, Any]:
        """The execution input: who to notify, in which order, and how long to wait for each."""
        chain = list(item.escalation_chain or [])
        plan_timers = timers(
            self.clock.now(),
            parse_instant(item.ack_due_at),
            parse_instant(item.due_at),
            len(chain),
            get_settings().sla_time_scale,
        )
        return {
            "region": item.region,
            "type": item.type,
            "agency_id": item.agency_id,
            "reference": item.reference,
            # The console page of the request. The workflow builds its links itself (from ConsoleBaseUrl); this
            # stays for an execution of an older definition, which reads its links here.
            "link": request_page(item.request_id),
            "ack_due_at": item.ack_due_at,
            "due_at": item.due_at,
            "assignee": item.assignee or OPERATORS,
            "lead": chain[-1] if chain else (item.assignee or OPERATORS),
            "escalation_chain": chain,
            "escalation_waits": list(plan_timers.escalations),
            "escalation_count": len(chain),
            "escalation": {"level": 0},
            "timer": {"ack_wait": plan_timers.acknowledge},
        }

    def _start(self, item: LegalRequest) -> None:
        """A failure does not undo the receipt: the request is stored and its legal clock runs;
        the error is logged and counted for operators to act on."""
        try:
            self.workflow.start(item.request_id, self.plan(item))
        except WorkflowUnavailable as error:
            metrics.add_metric(name="WorkflowStartFailures", unit="Count", value=1)
            logger.error("request stored without a running workflow", extra={"request_id": item.request_id})
            self.publisher.alert_operators(
                f"Request {item.request_id} ({item.type}, region {item.region}) is stored but its deadline "
                f"timers did not start ({error}). Due {item.due_at}. Watch it by hand until it is restarted.",
                item.request_id,
            )
