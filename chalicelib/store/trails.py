"""The audit trails of things other than requests: an agency, an application for an account.

Each is chained exactly as a request's trail is (``domain/audit.py``: every event hashes the one before) and
kept in the events table under its own key (``agency#<id>``, ``application#<id>``), which no request id can take.
The item the trail is about holds its head (``trail_seq``, ``trail_head``) and moves it in the same
transaction as the change the event records, on the item's version: a change and its event are stored
together or not at all, and two changes at once cannot both take the same place in the chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pynamodb.transactions import TransactWrite

from chalicelib.domain import audit
from chalicelib.store.models import AccountApplication, Agency, Event
from chalicelib.store.requests import connection

TrailOwner = Agency | AccountApplication  # the items that hold a trail's head (trail_seq, trail_head)
MAX_TRAIL = 500  # events read for a page: an agency's trail grows by its standing changes, a handful a year


def agency_key(agency_id: str) -> str:
    return f"agency#{agency_id}"


def application_key(application_id: str) -> str:
    return f"application#{application_id}"


class Entry(NamedTuple):
    """One event to add: what happened, who did it, and what to remember of it."""

    kind: str
    actor_role: str
    actor: str
    detail: dict[str, Any]


def chain(key: str, owner: TrailOwner, entry: Entry, at: str) -> tuple[Event, list[Any]]:
    """The next event of ``owner``'s trail, and the actions that move the owner's head to it (to be added to
    the owner's update, or set on a new owner before it is saved)."""
    seq = int(getattr(owner, "trail_seq", None) or 0) + 1
    previous = getattr(owner, "trail_head", None) or audit.GENESIS
    detail = json.dumps(entry.detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = audit.link(previous, key, seq, at, entry.kind, entry.actor_role, entry.actor, detail)
    event = Event(
        key,
        seq,
        at=at,
        kind=entry.kind,
        actor_role=entry.actor_role,
        actor=entry.actor,
        detail=detail,
        prev_hash=previous,
        hash=digest,
    )
    model = type(owner)
    return event, [model.trail_seq.set(seq), model.trail_head.set(digest)]


@dataclass
class Step:
    """A change of one trail's owner (``actions``; or the owner itself when ``new``) and the event recording it."""

    owner: TrailOwner
    key: str
    entry: Entry
    actions: list[Any] = field(default_factory=list)
    condition: Any = None
    new: bool = False


def write_all(steps: Sequence[Step], at: str, *, also: Sequence[Callable[[TransactWrite], None]] = ()) -> None:
    """Store every step, each with its event, in one transaction: all of them or none. ``also``: more writes of
    the same transaction (rate-limit counters). Raises PynamoDB's ``TransactWriteError`` when a condition fails
    (an owner changed meanwhile, a new one exists already, a limit is reached)."""
    chained = [(step, *chain(step.key, step.owner, step.entry, at)) for step in steps]
    with TransactWrite(connection=connection()) as transaction:
        for step, event, moves in chained:
            if step.new:
                step.owner.trail_seq, step.owner.trail_head = event.seq, event.hash
                transaction.save(step.owner, condition=step.condition)
            else:
                transaction.update(step.owner, actions=[*step.actions, *moves], condition=step.condition)
            transaction.save(event, condition=Event.request_id.does_not_exist())
        for operation in also:
            operation(transaction)
    for step, event, _ in chained:
        step.owner.trail_seq, step.owner.trail_head = event.seq, event.hash


def write(
    owner: TrailOwner,
    key: str,
    entry: Entry,
    at: str,
    actions: list[Any],
    *,
    condition: Any = None,
    new: bool = False,
    also: Sequence[Callable[[TransactWrite], None]] = (),
) -> None:
    """One step (``write_all``)."""
    write_all([Step(owner, key, entry, actions, condition, new)], at, also=also)


def read(key: str, owner: TrailOwner) -> tuple[list[Event], audit.Verdict]:
    """The trail in order, and whether it is whole and ends at the owner's recorded head."""
    events = list(Event.query(key, consistent_read=True, scan_index_forward=True, limit=MAX_TRAIL))
    return events, audit.verify(events, int(getattr(owner, "trail_seq", None) or 0), getattr(owner, "trail_head", None))


def record(events: list[Event]) -> list[dict[str, Any]]:
    """The events as a page shows them."""
    return [
        {
            "seq": int(e.seq),
            "at": e.at,
            "kind": e.kind,
            "actor_role": e.actor_role,
            "actor": e.actor,
            "detail": e.details,
            "hash": e.hash,
        }
        for e in events
    ]
