"""Whether a request's evidence holds together: one verdict from every check, the first problem named.

1. the chain, link by link (``domain/audit.verify``);
2. the request itself: the bound fields replayed from the events against the stored item
   (``domain/audit.verify_state``), a difference named by its field;
3. the body as filed: the one kept in the evidence bucket (or, for the hour it may take to be copied there,
   the filings table's) hashes to the ``body_sha256`` the trail binds (``store/filings``);
4. the anchor: the chain against the latest signed checkpoint that covers it (``services/checkpoints``),
   or, for a request filed well inside the checkpoints' coverage, the lack of one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

from chalicelib.clock import app_clock, parse_instant
from chalicelib.domain import audit
from chalicelib.services import checkpoints
from chalicelib.store import filings
from chalicelib.store.models import Event, LegalRequest
from chalicelib.store.requests import bound_state


class Report(NamedTuple):
    verdict: audit.Verdict
    anchor: checkpoints.Anchor | None


def check_filed(item: LegalRequest, events: Sequence[Event], found: filings.Found) -> audit.Verdict | None:
    def broken(problem: str) -> audit.Verdict:
        return audit.Verdict(False, len(events), 1, problem, field="body_sha256")

    if found.where == "nowhere" or found.body is None:
        return broken("the body as filed is missing from the evidence bucket and the filings table")
    if found.where == "table_overdue":
        return broken(
            "the body as filed never reached the evidence bucket: it is only in the filings table, where whoever "
            "can write the tables could have put it"
        )
    if hashlib.sha256(found.body).hexdigest() != item.body_sha256:
        return broken(
            "the body as filed does not hash to the body_sha256 of the trail: a version was added over it in "
            "the evidence bucket, or the trail was rewritten"
            if found.where == "bucket"
            else "the body as filed does not hash to the body_sha256 of the trail (it is not in the evidence "
            "bucket yet; the filings table's copy was changed, or the trail was rewritten)"
        )
    return None


def verify_tables(item: LegalRequest, events: Sequence[Event]) -> audit.Verdict:
    """Checks 1 and 2, on what was read from the tables alone (no call of its own)."""
    verdict = audit.verify(events, int(item.last_event_seq or 0), item.last_event_hash)
    return audit.verify_state(events, bound_state(item)) if verdict.verified else verdict


def verify(
    item: LegalRequest,
    events: Sequence[Event],
    *,
    anchor_of: Callable[[str], checkpoints.Anchor | None],
    latest: dict | None,
    body: bool = True,
) -> Report:
    """Every check of the module docstring, in order; the first that fails is the verdict. ``anchor_of`` finds
    the latest anchor of a request (a pointer read, or a lookup in checkpoints loaded whole); it may raise
    ``CheckpointInvalid``, reported as the verdict. ``body=False``: all but the body as filed (``make
    keep-filings`` copies a body only for a request whose trail and anchor hold)."""
    anchor = None
    verdict = verify_tables(item, events)
    if verdict.verified and body:
        found = filings.read(item.request_id, item.body_sha256, parse_instant(item.received_at), app_clock.now())
        verdict = check_filed(item, events, found) or verdict
    if verdict.verified:
        try:
            anchor = anchor_of(item.request_id)
        except checkpoints.CheckpointInvalid as error:
            return Report(audit.Verdict(False, len(events), None, str(error)), None)
        verdict = (checkpoints.check(events, anchor) if anchor else checkpoints.unanchored(item, latest)) or verdict
    return Report(verdict, anchor)
