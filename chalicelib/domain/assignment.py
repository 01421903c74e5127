"""Who handles a request inside its region, and who is next if nobody acts.

Round-robin over the region's available representatives, driven by a counter
the store moves on once per request, each turn taken by exactly one request
(``RepresentativeRepository.take_turn``): two requests never get the same turn.
The next representative in the rotation is the backup; the region's lead closes
the escalation chain.

Who the region's lead is comes from its registry (``region_lead``), the one rule
used by assignment, by reassignment and by every alert meant for the lead: it is
never read back from a chain, which reassignments rewrite.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

ROUND_ROBIN = "round_robin"  # the rule of an assignment that took a turn of the region's rotation


class Candidate(NamedTuple):
    rep_id: str
    lead: bool
    available: bool


class Assignment(NamedTuple):
    assignee: str | None
    chain: tuple[str, ...]  # escalation order: backup, then lead
    rule: str


def region_lead(candidates: Iterable[Candidate]) -> str | None:
    """The region's lead, from its registry: its available lead (the first by id if it has several); None if it
    has none, and then alerts meant for the lead go to the operators."""
    leads = sorted(c.rep_id for c in candidates if c.available and c.lead)
    return leads[0] if leads else None


def assign(candidates: list[Candidate], turn: int) -> Assignment:
    desk = sorted((c for c in candidates if c.available and not c.lead), key=lambda c: c.rep_id)
    lead = region_lead(candidates)
    if desk:
        assignee = desk[turn % len(desk)].rep_id
        backup = desk[(turn + 1) % len(desk)].rep_id if len(desk) > 1 else None
        chain = tuple(rep for rep in (backup, lead) if rep is not None)
        return Assignment(assignee, chain, f"{ROUND_ROBIN}:{turn % len(desk) + 1}/{len(desk)}")
    if lead is not None:
        return Assignment(lead, (), "lead:no_available_representative")
    return Assignment(None, (), "unassigned:nobody_available")


def reassigned_chain(
    chain: Sequence[str], previous: str | None, new: str, candidates: Sequence[Candidate]
) -> list[str]:
    """The escalation chain after a request is reassigned from ``previous`` to ``new``: ``[backup, lead]``.

    - ``lead`` is the region's lead from its registry (``region_lead(candidates)``), never the old chain's last
      place. It is always last, also when it is the new assignee (the lead closes every chain).
    - ``backup`` is the previous assignee, unless they are the lead, the new assignee, or not an available
      representative of the region (away or deactivated); failing that, the first of the old chain, then of the
      region's other available representatives (by id), who is none of these. It is never the new assignee.
    - Nobody appears twice, with one exception: the chain never gets shorter than it was, because a running
      workflow was started with one timer per link and reads the link of each escalation level by its index.
      When the region has too few people for that, the lead (or, without a lead, the backup) is repeated last.
    - Without a lead the chain is ``[backup]``; with nobody available at all it is empty.

    In region eu (lead rossi; okafor and lindqvist at the desk), okafor holding ``[lindqvist, rossi]``: handed to
    rossi, the chain is ``[okafor, rossi]``; taken back by okafor, ``[lindqvist, rossi]`` (the previous assignee is
    the lead, the old chain's first is the new assignee, so the desk's next one); handed by rossi to lindqvist
    instead, ``[okafor, rossi]``. Whoever acted, alerts meant for the lead never reach anyone but rossi.
    """
    lead = region_lead(candidates)
    desk = sorted(c.rep_id for c in candidates if c.available and not c.lead)

    def eligible(rep: str | None) -> bool:
        return rep is not None and rep != new and rep != lead and rep in desk

    backup = next((rep for rep in (previous, *chain, *desk) if eligible(rep)), None)
    result = [rep for rep in (backup, lead) if rep is not None]
    if result and len(result) < len(chain):
        result += result[-1:] * (len(chain) - len(result))
    return result


class Timers(NamedTuple):
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
