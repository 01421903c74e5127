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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

GENESIS = "0" * 64


class ChainedEvent(Protocol):
    request_id: str
    seq: int | float
    at: str
    kind: str
    actor_role: str
    actor: str
    detail: str
    prev_hash: str | None
    hash: str | None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def canonical(request_id: str, seq: int, at: str, kind: str, actor_role: str, actor: str, detail: str) -> str:
    head = (request_id, str(int(seq)), at, kind, actor_role, actor)
    return "|".join(_escape(part) for part in head) + "|" + detail


def link(prev_hash: str, request_id: str, seq: int, at: str, kind: str, actor_role: str, actor: str,
         detail: str) -> str:
    """The hash of one event chained to ``prev_hash``."""
    text = prev_hash + canonical(request_id, seq, at, kind, actor_role, actor, detail)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """Whether a chain verifies; if not, the first bad link and what is wrong with it."""

    verified: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(events: Sequence[ChainedEvent], head_seq: int, head_hash: str | None) -> Verdict:
    """Check ``events`` (in stored order) against each other and against the request's head."""
    previous = GENESIS
    expected_seq = 1
    for checked, event in enumerate(events):
        seq = int(event.seq)
        if seq != expected_seq:
            # A missing seq is a deleted event; a seq out of order, a moved or inserted one.
            return Verdict(False, checked, min(seq, expected_seq),
                           f"expected event {expected_seq}, found event {seq}")
        if event.prev_hash != previous:
            return Verdict(False, checked, seq, "prev_hash does not match the previous event's hash")
        actual = link(previous, event.request_id, seq, event.at, event.kind, event.actor_role, event.actor,
                      event.detail)
        if event.hash != actual:
            return Verdict(False, checked, seq, "the event's content does not match its hash")
        previous = actual
        expected_seq += 1
    count = len(events)
    if count != int(head_seq):
        return Verdict(False, count, count + 1 if count < int(head_seq) else int(head_seq) + 1,
                       f"the request records {int(head_seq)} events, the trail holds {count}")
    if count and head_hash != previous:
        return Verdict(False, count, count, "the request's recorded head does not match the last event")
    return Verdict(True, count)
