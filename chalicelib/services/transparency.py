"""Transparency tallies, kept in the same transactions as the changes they count, and the reports read
from them.

A report reads the tallies of its days, never the requests: one Query over at most
``MAX_DAYS × SHARDS`` small items, whatever the number of requests. Tallies are sharded (by request id)
so concurrent changes of one day's requests rarely meet on one item. What a figure needs of a request (its
certificate's form and issuing State, the Annex III answer a change sends, what a change does to the user's
notice) is taken from the request and the change in hand when the tally is written, so the report needs no
projection of the requests at all.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

from pynamodb.expressions.operand import Path

from chalicelib.aws import client
from chalicelib.clock import parse_instant
from chalicelib.domain import transparency as rules
from chalicelib.domain.deadlines import RequestType
from chalicelib.errors import BadRequest
from chalicelib.store.models import LegalRequest, Tally
from chalicelib.store.requests import Change, Operation

SHARDS = 4
PERIOD = "day"


def _slot(item: LegalRequest) -> str:
    shard = int(hashlib.sha256(item.request_id.encode()).hexdigest()[:8], 16) % SHARDS
    return f"{item.received_at[:10]}#{shard}"


def _country(item: LegalRequest) -> str:
    return item.jurisdiction or rules.UNKNOWN_COUNTRY


def _adding(item: LegalRequest, counts: dict[str, int]) -> list[Operation]:
    if not counts:
        return []
    tally = Tally(PERIOD, _slot(item))
    return [
        lambda transaction: transaction.update(tally, actions=[Path(name).add(value) for name, value in counts.items()])
    ]


def _seconds(since: str, until: str) -> float:
    return max((parse_instant(until) - parse_instant(since)).total_seconds(), 0.0)


def on_submit(item: LegalRequest) -> list[Operation]:
    counts = {rules.counter("n", _country(item), item.type, "open"): 1}
    filed = rules.filed_as(item.certificate)
    if filed is not None:
        counts[rules.counter("f", *filed, "received")] = 1
    return _adding(item, counts)


def on_change(item: LegalRequest, change: Change) -> list[Operation]:
    """The tally updates that go with ``change`` of ``item`` (as it was before the change). A request stored
    before tallies existed was never counted as received, so its later changes are not counted either: the
    report covers requests received since tallies were kept, and never shows negative ``open`` counts."""
    if not item.tallied:
        return []
    country, type_ = _country(item), item.type
    filed = rules.filed_as(item.certificate)  # (form, issuing State), or None: not filed as a certificate
    counts: dict[str, int] = {}
    if change.kind == "decided":
        outcome = str(change.detail["outcome"])
        took = rules.bucket(_seconds(item.received_at, change.at))
        ontime = parse_instant(change.at) <= parse_instant(item.due_at)
        counts[rules.counter("n", country, type_, "open")] = -1
        counts[rules.counter("n", country, type_, outcome)] = 1
        counts[rules.counter("dec", type_, took)] = 1
        if ontime:
            counts[rules.counter("ontime", type_)] = 1
        if filed is not None:
            counts[rules.counter("f", *filed, "decided")] = 1
            counts[rules.counter("fdec", *filed, took)] = 1
            if ontime:
                counts[rules.counter("f", *filed, "ontime")] = 1
    elif change.kind == "withdrawn":
        counts[rules.counter("n", country, type_, "open")] = -1
        counts[rules.counter("n", country, type_, "withdrawn")] = 1
    elif change.kind == "acknowledged":
        took = rules.bucket(_seconds(item.received_at, change.at))
        counts[rules.counter("ack", type_, took)] = 1
        if filed is not None:
            counts[rules.counter("fack", *filed, took)] = 1
    elif (
        change.kind == "verification_recorded"
        and change.detail.get("outcome") == "failed"
        and not item.verification_failed
        and item.type == RequestType.EMERGENCY_DISCLOSURE
    ):
        counts[rules.counter("vfail", country)] = 1
    counts.update(notice_counters(item, change))
    if filed is not None:  # an Annex III answer asks for clarification or ends the request: any kind of change
        counts.update(rules.answer_counters(change.detail))
    return _adding(item, counts)


def notice_counters(item: LegalRequest, change: Change) -> dict[str, int]:
    """User notice (issue 16), once per request: a notice recorded; a notice withheld under a non-disclosure
    order, which is counted when the data go (or the content is acted on) while an order runs, or when the first
    order comes after that (its event says ``notice_withheld``, once a request: a renewal or an order after one
    that ended is not counted again; a request rejected or withdrawn withheld nothing); a decision that leaves the
    notice delayed (an emergency disclosure's, until the emergency has passed)."""
    if change.kind == "user_notice_recorded":
        return {rules.counter("u", item.type, "given"): 1}
    if change.kind == "non_disclosure_declared" and change.detail.get("notice_withheld"):
        return {rules.counter("u", item.type, "prohibited"): 1}
    if change.kind == "decided":
        noticed = change.detail.get("user_notice")
        state = noticed.get("state") if isinstance(noticed, dict) else None
        if state in ("delayed", "prohibited"):
            return {rules.counter("u", item.type, state): 1}
    return {}


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The last day a period may name: a year short of the calendar's end (date.max, 9999-12-31), so a period and the
# end it defaults to (up to MAX_DAYS days on) are always dates, never an overflow.
LAST_DAY = date(9998, 12, 31)


def last_reportable_day(now: datetime, offset_days: int) -> date:
    """The last closed day a report may cover: ``offset_days`` before today (UTC); 1 is yesterday."""
    return now.astimezone(UTC).date() - timedelta(days=offset_days)


def period(start: str | None, end: str | None, last_day: date) -> tuple[date, date]:
    """[from, to] by day received, closed days only: ``to`` is capped at ``last_day`` (the last reportable day), and
    a ``from`` after it is 400 ``period_not_closed``. With one end only, the other is a year from it (to: not after
    ``last_day``); with neither, the year of ``last_day`` up to it."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and not (DATE.match(value) and _is_date(value)):
            raise BadRequest(f"{name} is a date: YYYY-MM-DD.", code="invalid_field", field=name)
        if value is not None and date.fromisoformat(value) > LAST_DAY:
            raise BadRequest(f"{name} must be on or before {LAST_DAY.isoformat()}.", code="invalid_field", field=name)
    first = date.fromisoformat(start) if start else None
    if first is not None and first > last_day:
        raise BadRequest(
            f"Reports cover closed days only: from must be on or before {last_day.isoformat()}.",
            code="period_not_closed",
            field="from",
        )
    last = min(date.fromisoformat(end), last_day) if end else None
    if first is None:
        first = date((last or last_day).year, 1, 1)
    if last is None:
        last = min(last_day, first + timedelta(days=364)) if start else last_day
        last = max(last, first)
    if first > last:
        raise BadRequest("from must not be after to.", code="invalid_field", field="from")
    if (last - first).days + 1 > rules.MAX_DAYS:
        raise BadRequest(f"A report covers at most {rules.MAX_DAYS} days.", code="period_too_long", field="to")
    return first, last


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def report(first: date, last: date, threshold: int = 5) -> rules.Report:
    """Fold the tallies of [first, last] (by day received): a Query over the days' items, never the requests.
    Its ``view()`` bands counts below ``threshold`` (``rules.protect``)."""
    result = rules.Report(first, last, threshold=threshold)
    paginator = client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=Tally.Meta.table_name,
        ConsistentRead=False,
        KeyConditionExpression="#period = :period AND #slot BETWEEN :first AND :last",
        ExpressionAttributeNames={"#period": "period", "#slot": "slot"},
        ExpressionAttributeValues={
            ":period": {"S": PERIOD},
            ":first": {"S": first.isoformat()},
            ":last": {"S": f"{last.isoformat()}#~"},
        },
    )
    for page in pages:
        for raw in page["Items"]:
            day = raw["slot"]["S"][:10]
            result.add_day(day, {name: int(value["N"]) for name, value in raw.items() if "N" in value})
    return result
