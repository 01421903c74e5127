"""The lifecycle of a legal request (DESIGN.md section 4).

received → assigned → acknowledged → (awaiting_information ⇄ acknowledged) →
fulfilled | partially_fulfilled | rejected, and withdrawn by the authority at
any open point. Escalation and SLA breach are flags beside the status.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.errors import Conflict


class Status(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_INFORMATION = "awaiting_information"
    FULFILLED = "fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({Status.RECEIVED, Status.ASSIGNED, Status.ACKNOWLEDGED, Status.AWAITING_INFORMATION})
DECIDED = frozenset({Status.FULFILLED, Status.PARTIALLY_FULFILLED, Status.REJECTED})


class Action(StrEnum):
    ASSIGN = "assign"
    ACKNOWLEDGE = "acknowledge"
    REQUEST_INFORMATION = "request_information"
    ANSWER = "answer"
    DECIDE = "decide"
    WITHDRAW = "withdraw"


# Where each action may start from. DECIDE's target is the outcome itself.
_ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.ASSIGN: frozenset({Status.RECEIVED, Status.ASSIGNED, Status.ACKNOWLEDGED, Status.AWAITING_INFORMATION}),
    Action.ACKNOWLEDGE: frozenset({Status.RECEIVED, Status.ASSIGNED}),
    Action.REQUEST_INFORMATION: frozenset({Status.ACKNOWLEDGED}),
    Action.ANSWER: frozenset({Status.AWAITING_INFORMATION}),
    Action.DECIDE: frozenset({Status.ACKNOWLEDGED}),
    Action.WITHDRAW: OPEN,
}
_TARGET: dict[Action, Status | None] = {
    Action.ASSIGN: None,  # keeps an acknowledged request acknowledged; moves received to assigned
    Action.ACKNOWLEDGE: Status.ACKNOWLEDGED,
    Action.REQUEST_INFORMATION: Status.AWAITING_INFORMATION,
    Action.ANSWER: Status.ACKNOWLEDGED,
    Action.DECIDE: None,
    Action.WITHDRAW: Status.WITHDRAWN,
}


def allowed(current: Status, action: Action) -> bool:
    """Whether ``action`` may start from ``current`` (what a page offers; ``next_status`` still decides)."""
    return current in _ALLOWED_FROM[action]


def next_status(current: Status, action: Action, outcome: Status | None = None) -> Status:
    """The status after ``action``, or a 409 ``illegal_transition`` if it is not allowed now."""
    if current not in _ALLOWED_FROM[action]:
        raise Conflict(
            f"Cannot {action.value.replace('_', ' ')} a request that is {current.value}.", code="illegal_transition"
        )
    if action is Action.DECIDE:
        if outcome not in DECIDED:
            raise ValueError("a decision needs an outcome among fulfilled, partially_fulfilled, rejected")
        return outcome
    if action is Action.ASSIGN:
        return Status.ASSIGNED if current is Status.RECEIVED else current
    target = _TARGET[action]
    assert target is not None
    return target


PAUSED_MARK = "~"  # sorts after every instant: requests awaiting the authority come last in a queue


def queue_key(status: Status, ack_due_at: str | None, due_at: str | None) -> str | None:
    """Where an open request stands in its desk's queue: by the deadline it is worked to now (acknowledge, then
    decide), requests awaiting the authority after all others; none once it is closed."""
    which, instant = next_deadline(status, ack_due_at, due_at)
    if which == "closed" or instant is None:
        return None
    return f"{PAUSED_MARK}{instant}" if which == "paused" else instant


def next_deadline(status: Status, ack_due_at: str | None, due_at: str | None) -> tuple[str, str | None]:
    """Which deadline a request is worked to now, and when it falls: acknowledging until it is acknowledged,
    then deciding; "paused" while awaiting the authority (the decide clock stops); "closed" once decided."""
    if status in (Status.RECEIVED, Status.ASSIGNED):
        return "acknowledge", ack_due_at
    if status is Status.AWAITING_INFORMATION:
        return "paused", due_at
    if status in OPEN:
        return "decide", due_at
    return "closed", None
