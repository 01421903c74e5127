"""Who handles a request inside its region, and who is next if nobody acts.

Round-robin over the region's available representatives, driven by an atomic
counter the store increments once per request: two requests can never read the
same stale position. The next representative in the rotation is the backup;
the region's lead closes the escalation chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    rep_id: str
    lead: bool
    available: bool


@dataclass(frozen=True)
class Assignment:
    assignee: str | None
    chain: tuple[str, ...]  # escalation order: backup, then lead
    rule: str


def assign(candidates: list[Candidate], turn: int) -> Assignment:
    desk = sorted((c for c in candidates if c.available and not c.lead), key=lambda c: c.rep_id)
    leads = sorted((c for c in candidates if c.available and c.lead), key=lambda c: c.rep_id)
    lead = leads[0].rep_id if leads else None
    if desk:
        assignee = desk[turn % len(desk)].rep_id
        backup = desk[(turn + 1) % len(desk)].rep_id if len(desk) > 1 else None
        chain = tuple(rep for rep in (backup, lead) if rep is not None)
        return Assignment(assignee, chain, f"round_robin:{turn % len(desk) + 1}/{len(desk)}")
    if lead is not None:
        return Assignment(lead, (), "lead:no_available_representative")
    return Assignment(None, (), "unassigned:nobody_available")


def reassigned_chain(chain: list[str], previous: str | None, new: str) -> list[str]:
    """The escalation chain after a reassignment: the new assignee leaves it, and if they were in it the
    previous assignee takes their place first in line. Its length never changes (the workflow's timers are
    one per link)."""
    if new not in chain:
        return chain
    rest = [rep for rep in chain if rep != new]
    return [previous, *rest] if previous and previous not in rest else [*rest, *rest[-1:]]


@dataclass(frozen=True)
class Timers:
    """Seconds the workflow waits, already divided by the SLA time scale (at least 1 s each)."""

    acknowledge: int
    escalations: tuple[int, ...]  # one per link of the chain; the last one runs to due_at


def scaled(duration: timedelta, scale: float) -> int:
    return max(1, math.ceil(duration.total_seconds() / scale))


def timers(now: datetime, ack_due_at: datetime, due_at: datetime, chain_length: int, scale: float) -> Timers:
    if chain_length == 0:  # nobody to escalate to: the acknowledgement wait runs to the breach
        return Timers(scaled(due_at - now, scale), ())
    acknowledge = max(ack_due_at - now, timedelta(0))
    # Counted from the later of now and the acknowledge deadline: a late start must not push the breach past due_at.
    remaining = max(due_at - max(now, ack_due_at), timedelta(0))
    steps: list[timedelta] = []
    for index in range(chain_length):
        last = index == chain_length - 1
        step = remaining if last else min(acknowledge, remaining)
        steps.append(step)
        remaining -= step
    return Timers(scaled(acknowledge, scale), tuple(scaled(step, scale) for step in steps))
