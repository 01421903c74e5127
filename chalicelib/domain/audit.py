"""The tamper-evident audit trail of a request: a hash chain over its events.

Each event stores ``prev_hash`` and ``hash = SHA-256(prev_hash ‖ canonical event)``;
the first event chains to ``GENESIS``. The request keeps the head of its chain
(``last_event_seq``, ``last_event_hash``), so a deleted last event shows too.

The canonical form is a plain string both Python and the workflow's ASL can
build (``States.Format`` + ``States.Hash``): the six short fields joined by ``|``
(with ``\\`` and ``|`` escaped, so no two events share a form), then ``|`` and
the event's detail exactly as stored (a JSON string, hashed byte for byte, so
no JSON re-serialisation has to agree between writers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import NamedTuple, Protocol

GENESIS = "0" * 64


class ChainedEvent(Protocol):
    """An event as the chain reads it (read-only: a stored ``store.models.Event`` is one)."""

    @property
    def request_id(self) -> str: ...
    @property
    def seq(self) -> int | float: ...
    @property
    def at(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor_role(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def prev_hash(self) -> str | None: ...
    @property
    def hash(self) -> str | None: ...


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def canonical(request_id: str, seq: int, at: str, kind: str, actor_role: str, actor: str, detail: str) -> str:
    head = (request_id, str(int(seq)), at, kind, actor_role, actor)
    return "|".join(_escape(part) for part in head) + "|" + detail


def link(
    prev_hash: str, request_id: str, seq: int, at: str, kind: str, actor_role: str, actor: str, detail: str
) -> str:
    """The hash of one event chained to ``prev_hash``."""
    text = prev_hash + canonical(request_id, seq, at, kind, actor_role, actor, detail)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Verdict(NamedTuple):
    """Whether a chain verifies; if not, the first bad link and what is wrong with it."""

    verified: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    field: str | None = None  # a bound field of the request that is not what its trail set


def verify(events: Sequence[ChainedEvent], head_seq: int, head_hash: str | None) -> Verdict:
    """Check ``events`` (in stored order) against each other and against the request's head."""
    previous = GENESIS
    expected_seq = 1
    for checked, event in enumerate(events):
        seq = int(event.seq)
        if seq != expected_seq:
            # A missing seq is a deleted event; a seq out of order, a moved or inserted one.
            return Verdict(False, checked, min(seq, expected_seq), f"expected event {expected_seq}, found event {seq}")
        if event.prev_hash != previous:
            return Verdict(False, checked, seq, "prev_hash does not match the previous event's hash")
        actual = link(
            previous, event.request_id, seq, event.at, event.kind, event.actor_role, event.actor, event.detail
        )
        if event.hash != actual:
            return Verdict(False, checked, seq, "the event's content does not match its hash")
        previous = actual
        expected_seq += 1
    count = len(events)
    if count != int(head_seq):
        return Verdict(
            False,
            count,
            count + 1 if count < int(head_seq) else int(head_seq) + 1,
            f"the request records {int(head_seq)} events, the trail holds {count}",
        )
    if count and head_hash != previous:
        return Verdict(False, count, count, "the request's recorded head does not match the last event")
    return Verdict(True, count)


# What the trail binds of the request itself. Every change of one of these fields is written by an event that
# carries its new value in ``detail[STATE_KEY]`` (the ``submitted`` event: all of them as filed), so replaying
# the events gives what the request must hold now. The rest of the item is bookkeeping: index keys, the
# workflow's task token and pre-scaled timers, counters, the chain's own head, versions.
STATE_KEY = "set"
BOUND_FIELDS = (
    "agency_id",
    "submitted_by",
    "type",
    "region",
    "routing_rule",
    "jurisdiction",
    "received_at",
    "body_sha256",
    "legal_basis",
    "reference",
    "description",
    "language",
    "targets",
    "data_categories",
    "emergency",
    "certificate",
    "enforcing_authority",
    "official_answers",
    "enforcing_wait_over",
    "official_form_pdfs",
    "status",
    "assignee",
    "escalation_chain",
    "assignment_rule",
    "ack_due_at",
    "due_at",
    "acknowledged_at",
    "paused_at",
    "decided_at",
    "closed_at",
    "decision",
    "pending_decision",
    "risk_tier",
    "verification",
    "verifications",
    "hold_state",
    "hold_expires_at",
    "hold_extended",
    "escalation_level",
    "sla_breached",
    "first_emergency",
    "notice_state",
    "user_notice",
)


class Difference(NamedTuple):
    """A bound field whose stored value is not what the trail's events set."""

    field: str
    trail: object
    stored: object


def replay(details: Sequence[dict]) -> dict[str, object]:
    """The bound fields as the events' ``set`` records leave them, in order (a field never set is absent)."""
    state: dict[str, object] = {}
    for detail in details:
        changes = detail.get(STATE_KEY) if isinstance(detail, dict) else None
        if isinstance(changes, dict):
            state.update({name: value for name, value in changes.items() if name in BOUND_FIELDS})
    return state


def differences(replayed: dict[str, object], stored: dict[str, object]) -> list[Difference]:
    """Every bound field where the stored request and the replayed trail disagree (absent counts as null)."""
    return [
        Difference(name, replayed.get(name), stored.get(name))
        for name in BOUND_FIELDS
        if replayed.get(name) != stored.get(name)
    ]


def _shown(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def verify_state(events: Sequence[ChainedEvent], stored: dict[str, object]) -> Verdict:
    """Replay what the (verified) events set into the request's bound fields and compare with the stored
    request: a field changed behind the trail's back is reported like a broken link, with its name."""
    details = []
    for event in events:
        try:
            details.append(json.loads(event.detail))
        except ValueError:
            return Verdict(False, len(events), int(event.seq), "the event's detail is not JSON")
    if not details or not isinstance(details[0], dict) or not isinstance(details[0].get(STATE_KEY), dict):
        return Verdict(False, len(events), 1, "the first event does not record the request as filed")
    found = differences(replay(details), stored)
    if not found:
        return Verdict(True, len(events))
    first = found[0]
    last_set = max(
        (
            int(e.seq)
            for e, d in zip(events, details, strict=True)
            if isinstance(d, dict) and isinstance(d.get(STATE_KEY), dict) and first.field in d[STATE_KEY]
        ),
        default=None,
    )
    return Verdict(
        False,
        len(events),
        last_set,
        f"the request's {first.field} is {_shown(first.stored)}, but its trail sets "
        f"{_shown(first.trail)}" + (f" (last at event {last_set})" if last_set else ""),
        field=first.field,
    )
