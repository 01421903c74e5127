"""User notice on a request (``domain/user_notice.py``): the authority declares or ends a non-disclosure order, the
desk records the notice it gave (or why none will be), or challenges an order; the decision starts the timers.

Each change goes through the desk's versioned change (``Desk._act``): refusals land in the audit trail, and a
workflow waiting on the notice (``waiting_for`` "notice", after the decision) is answered with the new timer.
Before the decision the workflow runs the request's own deadlines; the decision hands it the notice timer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.auth.principal import Principal, Role
from chalicelib.clock import isoformat, parse_instant
from chalicelib.domain import user_notice as rules
from chalicelib.domain.assignment import scaled
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.lifecycle import DECIDED, Status
from chalicelib.domain.user_notice import NoticeState
from chalicelib.errors import Conflict, Unprocessable
from chalicelib.services import config
from chalicelib.services.dispatch import OPERATORS
from chalicelib.settings import get_settings
from chalicelib.store.models import Document, LegalRequest
from chalicelib.store.requests import Change

WAITING = "notice"  # what the workflow waits for once a decided request's notice timers run
FULFILLED = frozenset({Status.FULFILLED, Status.PARTIALLY_FULFILLED})
NOTHING_DISCLOSED = "The request was rejected: nothing was disclosed or acted on."
# Each declaration and challenge is kept on the request (its item stays far below DynamoDB's 400 KB): capped.
MAX_DECLARATIONS, MAX_CHALLENGES = 20, 10
WITHDRAWN = "The authority withdrew the request: nothing was disclosed or acted on."
WITHHELD = "notice_withheld"  # on the notice and its event: an order first withheld a notice owed (transparency)
NOTICE_LEG = timedelta(days=120)  # the longest notice wait one workflow execution holds (``legs``)


def state_of(item: LegalRequest) -> NoticeState | None:
    return NoticeState(item.notice_state) if item.notice_state else None


def at_filing(
    kind: RequestType,
    jurisdiction: str | None,
    certificate: dict[str, Any] | None,
    order: rules.NonDisclosure | None,
    by: str,
    now: datetime,
) -> tuple[NoticeState, dict[str, Any]]:
    """The notice state a request is stored in, with a prohibition declared in the submission (without its
    document, which can only be attached once the request exists)."""
    state, notice = rules.initial(kind, jurisdiction, certificate, config.notice_policy())
    if order is None:
        return state, notice
    rules.check_declaration(order, now)
    notice = {**notice, "prohibition": rules.prohibition_of(order, by, isoformat(now))}
    # Kept for the record even where the platform gives no notice; it only changes the state where it does.
    return (state if state is NoticeState.NOT_APPLICABLE else NoticeState.PROHIBITED), notice


def _due(notice: dict[str, Any], due_at: datetime) -> tuple[dict[str, Any], datetime]:
    deadline = due_at + timedelta(days=int(notice.get("rule", {}).get("record_within_days", 7)))
    return {**notice, "due_at": isoformat(due_at), "deadline": isoformat(deadline)}, deadline


def _task(item: LegalRequest, at: str) -> list:
    """The request on its desk's list of notice tasks (a sparse index), worked to ``at``."""
    return [LegalRequest.notice_task_region.set(item.region), LegalRequest.notice_task_due.set(at)]


NO_TASK = [
    LegalRequest.notice_task_region.remove(),
    LegalRequest.notice_task_due.remove(),
    LegalRequest.notice_overdue.remove(),
]


def timed(
    item: LegalRequest, state: NoticeState, notice: dict[str, Any], now: datetime
) -> tuple[NoticeState, dict[str, Any], list, dict[str, Any] | None]:
    """Where the notice of a fulfilled request stands at ``now``, the updates that put it there, and the timer the
    workflow keeps for it (None: nothing to wait for). ``notice`` may already carry this change's particulars."""
    scale = get_settings().sla_time_scale
    passes = _emergency_passes(item, notice, now)
    if state is NoticeState.PROHIBITED and not rules.prohibition_runs(notice, now):
        # It ended: the notice falls due now, unless an emergency's own delay, counted from the disclosure, runs on.
        due = passes or now
        state = NoticeState.DELAYED if due > now else NoticeState.DUE
        notice, deadline = _due(notice, max(due, now))
    elif state is NoticeState.NOTIFY_ON_ACTION:
        state = NoticeState.DUE
        notice, deadline = _due(notice, now)
    assignee = item.assignee or OPERATORS  # told when the notice falls due: whoever holds the request now
    if state is NoticeState.DUE:
        deadline = parse_instant(notice["deadline"])
        timer = {
            "kind": "due_now",
            "due_at": notice["due_at"],
            "deadline": notice["deadline"],
            "deadline_seconds": scaled(max(deadline - now, timedelta(0)), scale),
            "assignee": assignee,
            "due_seconds": 0,
            **legs(0, scale),
        }
        return (
            state,
            notice,
            [LegalRequest.notice_due_at.set(notice["due_at"]), *_task(item, notice["deadline"])],
            timer,
        )
    if state is NoticeState.PROHIBITED:
        prohibition = notice["prohibition"]
        kind, at = (
            ("review", prohibition["review_at"]) if prohibition.get("indefinite") else ("due", prohibition["ends_at"])
        )
        if kind == "due" and passes and passes > parse_instant(at):  # the emergency's delay outlasts the order
            at = isoformat(passes)
    elif state is NoticeState.DELAYED:
        if not notice.get("due_at"):
            notice, _ = _due(notice, now + timedelta(days=int(notice["rule"]["delay_days"])))
        kind, at = "due", notice["due_at"]
    else:
        return state, notice, [LegalRequest.notice_timer.remove(), LegalRequest.notice_due_at.remove()], None
    when = parse_instant(at)
    record_within = timedelta(days=int(notice.get("rule", {}).get("record_within_days", 7)))
    due_seconds = scaled(max(when - now, timedelta(0)), scale)
    timer = {
        "kind": kind,
        "due_at": at,
        "due_seconds": due_seconds,
        "deadline": isoformat(max(when, now) + record_within),
        "deadline_seconds": scaled(record_within, scale),
        "assignee": assignee,
        **legs(due_seconds, scale),
    }
    if kind == "due":  # shown on the request: when the notice will fall due, and by when it is to be recorded
        notice = {**notice, "due_at": at, "deadline": timer["deadline"]}
    return state, notice, [LegalRequest.notice_due_at.set(at), *NO_TASK], timer


def _emergency_passes(item: LegalRequest, notice: dict[str, Any], now: datetime) -> datetime | None:
    """When the policy's delay after an emergency disclosure ends (counted from the disclosure: now, if the request
    is being decided), if its notice is one the policy delays; None otherwise."""
    days = (notice.get("rule") or {}).get("delay_days")
    if notice.get("base") != NoticeState.DELAYED.value or not days:
        return None
    return (parse_instant(item.decided_at) if item.decided_at else now) + timedelta(days=int(days))


def legs(due_seconds: int, scale: float) -> dict[str, int]:
    """The wait cut into legs the workflow can hold: a Standard execution lives at most a year, and an order can run
    for ten. Each leg runs in an execution of its own (the workflow starts the next, ``ContinueNotice``): the first
    waits ``wait_seconds``, and ``rest_seconds`` are left after it. After the wait, the notice's deadline (at most
    90 days) and one more leg fit in the same execution: 120 + 90 + 120 days < 365."""
    leg = scaled(NOTICE_LEG, scale)
    wait = min(due_seconds, leg)
    return {
        "leg_seconds": leg,
        "minus_leg_seconds": -leg,
        "wait_seconds": max(wait, 1),
        "rest_seconds": max(due_seconds - wait, 0),
    }


def on_decided(item: LegalRequest, outcome: Status, now: datetime) -> tuple[dict[str, Any], list, dict | None]:
    """What a decision does to the notice: the event's detail, the updates, and the workflow's timer.
    A fulfilment waits for a notice owed before disclosure (409 ``user_notice_first``)."""
    state = state_of(item)
    notice = dict(item.user_notice or {})
    if state is None or state in rules.FINAL:
        return {}, [], None
    if outcome not in FULFILLED:
        notice = {**notice, "reason": NOTHING_DISCLOSED}
        return (
            {"user_notice": {"state": NoticeState.NOT_APPLICABLE.value}},
            [
                LegalRequest.notice_state.set(NoticeState.NOT_APPLICABLE.value),
                LegalRequest.user_notice.set(notice),
                LegalRequest.notice_timer.remove(),
                LegalRequest.notice_due_at.remove(),
                *NO_TASK,
            ],
            None,
        )
    effective = state
    if state is NoticeState.PROHIBITED and not rules.prohibition_runs(notice, now):
        effective = NoticeState(notice.get("base", NoticeState.NOTIFY_BEFORE_DISCLOSURE.value))
    if effective is NoticeState.NOTIFY_BEFORE_DISCLOSURE:
        raise Conflict(
            "The platform's policy tells the user before their data are disclosed: record the notice "
            "first (or the authority declares a non-disclosure order).",
            code="user_notice_first",
        )
    new, notice, actions, timer = timed(item, state, notice, now)
    if new is NoticeState.PROHIBITED:
        notice = {**notice, WITHHELD: True}  # the data go while an order runs (counted once: transparency)
    actions = [LegalRequest.notice_state.set(new.value), LegalRequest.user_notice.set(notice), *actions]
    if timer is not None:
        actions.append(LegalRequest.notice_timer.set(timer))
    return {"user_notice": {"state": new.value, **({"due_at": timer["due_at"]} if timer else {})}}, actions, timer


def check_before_fulfilment(item: LegalRequest, now: datetime) -> None:
    """What ``on_decided`` refuses, for a fulfilment that is only proposed (a second approval follows)."""
    on_decided(item, Status.FULFILLED, now)


def on_withdrawn(item: LegalRequest) -> list:
    if state_of(item) is None or state_of(item) in rules.FINAL:
        return []
    return [
        LegalRequest.notice_state.set(NoticeState.NOT_APPLICABLE.value),
        LegalRequest.user_notice.set({**(item.user_notice or {}), "reason": WITHDRAWN}),
        *NO_TASK,
    ]


class UserNotices:
    """The notice actions, on the desk's versioned change (``desk``: a ``services.desk.Desk``)."""

    def __init__(self, desk) -> None:
        self.desk = desk

    @property
    def clock(self):
        return self.desk.clock

    def _answer(self, item: LegalRequest, timer: dict[str, Any] | None) -> dict[str, Any] | None:
        """The workflow's answer, if it waits on this request's notice (only once decided)."""
        if Status(item.status) not in DECIDED or item.waiting_for != WAITING:
            return None
        return {"event": "notice", "notice": timer} if timer is not None else {"event": "notice_closed"}

    def _state(self, item: LegalRequest) -> NoticeState:
        state = state_of(item)
        if state is None:
            raise Conflict("This request was filed before user notice was tracked.", code="notice_not_tracked")
        return state

    def declare(self, principal: Principal, request_id: str, order: rules.NonDisclosure) -> LegalRequest:
        """The authority declares a non-disclosure order on its request, or replaces the one it declared (a
        renewal, a new review day, the order's document attached): with its legal basis and its document."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            now = self.clock.now()
            state = self._state(item)
            notice = dict(item.user_notice or {})
            rules.check_declarable(state, notice)
            rules.check_declaration(order, now)
            if order.document_id is None:
                raise Unprocessable(
                    "Attach the order: upload it as a document of this request, then give its document_id.",
                    code="missing_field",
                    field="document_id",
                )
            self._check_document(item, order.document_id)
            earlier = notice.get("prohibition")
            if len(notice.get("earlier", [])) >= MAX_DECLARATIONS - 1 and earlier:
                raise Conflict(
                    f"This request has taken the {MAX_DECLARATIONS} declarations it may take; write to the "
                    "platform's legal contact.",
                    code="declaration_cap_reached",
                )
            prohibition = rules.prohibition_of(order, principal.subject, isoformat(now))
            notice = {
                **notice,
                "prohibition": prohibition,
                "earlier": [*notice.get("earlier", []), earlier] if earlier else notice.get("earlier", []),
            }
            notice.pop("due_at", None)  # the order decides when the notice falls due now
            notice.pop("deadline", None)
            actions, timer = [LegalRequest.notice_state.set(NoticeState.PROHIBITED.value)], None
            if Status(item.status) in FULFILLED:  # the workflow waits for the order's end (or review day) instead
                _, notice, more, timer = timed(item, NoticeState.PROHIBITED, notice, now)
                actions += [*more, LegalRequest.notice_timer.set(timer)] if timer else more
            else:
                actions += NO_TASK
            detail: dict[str, Any] = (
                {"prohibition": prohibition, "replaces": earlier} if earlier else {"prohibition": prohibition}
            )
            if Status(item.status) in FULFILLED and not notice.get(WITHHELD):
                # the first order on what was already disclosed or acted on (counted once: transparency)
                notice[WITHHELD] = detail[WITHHELD] = True
            return (
                Change("non_disclosure_declared", principal.role.value, principal.subject, isoformat(now), detail),
                [*actions, LegalRequest.user_notice.set(notice)],
                self._answer(item, timer),
            )

        item = self.desk._act(principal, request_id, change, "non-disclosure")
        prohibition = item.user_notice["prohibition"]
        ends = (
            f"review on {prohibition['review_on']}"
            if prohibition.get("indefinite")
            else f"through {prohibition['until']}"
        )
        self._tell_assignee(
            item,
            f"A non-disclosure order was declared on request {item.request_id} ({ends}; "
            f"{prohibition['legal_basis']}). Do not tell the user while it runs.",
        )
        return item

    def end(self, principal: Principal, request_id: str, reason: str) -> LegalRequest:
        """The authority ends its order before its day: the notice falls due (now, if the request was fulfilled;
        before disclosure otherwise, as the policy says)."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            now = self.clock.now()
            notice = dict(item.user_notice or {})
            if self._state(item) is not NoticeState.PROHIBITED or not rules.prohibition_runs(notice, now):
                raise Conflict("No non-disclosure order runs on this request.", code="no_prohibition")
            notice["prohibition"] = {**notice["prohibition"], "ended_at": isoformat(now), "ended_because": reason}
            state = NoticeState(notice.get("base", NoticeState.NOTIFY_BEFORE_DISCLOSURE.value))
            timer: dict[str, Any] | None = None
            actions: list[Any] = []
            if Status(item.status) in FULFILLED:
                state, notice, actions, timer = timed(item, NoticeState.PROHIBITED, notice, now)
                actions += [LegalRequest.notice_timer.set(timer)] if timer else []
            return (
                Change(
                    "non_disclosure_ended",
                    principal.role.value,
                    principal.subject,
                    isoformat(now),
                    {"reason": reason, "state_after": state.value},
                ),
                [LegalRequest.notice_state.set(state.value), LegalRequest.user_notice.set(notice), *actions],
                self._answer(item, timer),
            )

        item = self.desk._act(principal, request_id, change, "non-disclosure-end")
        self._tell_assignee(
            item,
            f"The authority ended the non-disclosure order on request {item.request_id} "
            f"({reason}). " + rules.words(item.notice_state, item.user_notice),
        )
        return item

    def record(self, principal: Principal, request_id: str, notice_given: rules.NoticeRecord) -> LegalRequest:
        """The desk records the notice it gave the user: the channel and the text as sent. Refused while a
        prohibition runs (409 ``notice_prohibited``, the attempt kept in the audit trail)."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            now = self.clock.now()
            notice = dict(item.user_notice or {})
            rules.check_recordable(self._state(item), notice, now)
            sent_at = self._sent_at(item, notice_given.sent_at, now)
            given = {
                "at": sent_at,
                "channel": notice_given.channel.value,
                "by": principal.subject,
                "text": notice_given.text,
                "recorded_at": isoformat(now),
            }
            notice["notified"] = given
            return (
                Change("user_notice_recorded", principal.role.value, principal.subject, isoformat(now), given),
                [
                    LegalRequest.notice_state.set(NoticeState.NOTIFIED.value),
                    LegalRequest.user_notice.set(notice),
                    LegalRequest.notice_timer.remove(),
                    LegalRequest.notice_due_at.remove(),
                    *NO_TASK,
                ],
                self._answer(item, None),
            )

        return self.desk._act(principal, request_id, change, "user-notice")

    def waive(self, principal: Principal, request_id: str, reason: str) -> LegalRequest:
        """The desk records that no notice will be given after all, and why (no way to reach the user ...)."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            now = self.clock.now()
            state = self._state(item)
            notice = dict(item.user_notice or {})
            if state in rules.FINAL:
                rules.check_recordable(state, notice, now)  # says which
            notice["reason"] = reason
            notice["waived"] = {"by": principal.subject, "at": isoformat(now)}
            return (
                Change(
                    "user_notice_waived",
                    principal.role.value,
                    principal.subject,
                    isoformat(now),
                    {"reason": reason, "state_before": state.value},
                ),
                [
                    LegalRequest.notice_state.set(NoticeState.NOT_APPLICABLE.value),
                    LegalRequest.user_notice.set(notice),
                    LegalRequest.notice_timer.remove(),
                    LegalRequest.notice_due_at.remove(),
                    *NO_TASK,
                ],
                self._answer(item, None),
            )

        return self.desk._act(principal, request_id, change, "user-notice-waive")

    def challenge(self, principal: Principal, request_id: str, grounds: str) -> LegalRequest:
        """The desk challenges an indefinite or overlong order (longer than the policy's ``max_prohibition_days``);
        the authority is told. The order is still respected."""

        def change(item: LegalRequest) -> tuple[Change, list, dict[str, object] | None]:
            now = self.clock.now()
            notice = dict(item.user_notice or {})
            if self._state(item) is not NoticeState.PROHIBITED or not rules.prohibition_runs(notice, now):
                raise Conflict("No non-disclosure order runs on this request.", code="no_prohibition")
            if not rules.challengeable(notice, now):
                days = notice.get("rule", {}).get("max_prohibition_days")
                raise Conflict(
                    f"The order ends within the {days} days the policy accepts: it is neither indefinite nor overlong.",
                    code="prohibition_within_policy",
                )
            if len(notice.get("challenges", [])) >= MAX_CHALLENGES:
                raise Conflict(
                    f"This order was challenged {MAX_CHALLENGES} times already; take it up with the "
                    "authority directly.",
                    code="challenge_cap_reached",
                )
            entry = {
                "grounds": grounds,
                "by": principal.subject,
                "at": isoformat(now),
                "prohibition_declared_at": notice["prohibition"]["declared_at"],
            }
            notice["challenges"] = [*notice.get("challenges", []), entry]
            return (
                Change("non_disclosure_challenged", principal.role.value, principal.subject, isoformat(now), entry),
                [LegalRequest.user_notice.set(notice)],
                None,
            )

        item = self.desk._act(principal, request_id, change, "non-disclosure-challenge")
        return self.desk._tell_agency(item, "non_disclosure_challenged", question=grounds)

    def tasks(self, principal: Principal, *, limit: int, cursor: str | None) -> tuple[list[LegalRequest], str | None]:
        """The caller's region's notice tasks (a notice due, an order's review day come), soonest deadline first."""
        from chalicelib.store.paging import query_page

        assert principal.region is not None
        return query_page(
            LegalRequest.notice_tasks,
            LegalRequest,
            principal.region,
            key_names=("notice_task_region", "notice_task_due", "request_id"),
            limit=limit,
            after=cursor,
        )

    def _sent_at(self, item: LegalRequest, sent_at: str | None, now: datetime) -> str:
        if sent_at is None:
            return isoformat(now)
        try:
            when = datetime.fromisoformat(sent_at)  # any ISO 8601 instant, seconds or not
            if when.tzinfo is None:
                raise ValueError("no offset")
            when = when.astimezone(UTC)
        except (ValueError, OverflowError):
            raise Unprocessable(
                "'sent_at' is not an ISO 8601 instant with its offset (e.g. 2026-03-02T09:00:00Z).",
                code="invalid_field",
                field="sent_at",
            ) from None
        prohibition = (item.user_notice or {}).get("prohibition") or {}
        ended = prohibition.get("ended_at") or prohibition.get("ends_at")
        earliest = max(
            parse_instant(item.received_at), parse_instant(ended) if ended else parse_instant(item.received_at)
        )
        if when > now or when < earliest:
            raise Unprocessable(
                "'sent_at' must lie between the request's receipt (or the end of its non-disclosure order) and now.",
                code="invalid_field",
                field="sent_at",
            )
        return isoformat(when)

    @staticmethod
    def _check_document(item: LegalRequest, document_id: str) -> None:
        try:
            document = Document.get(item.request_id, document_id, consistent_read=True)
        except DoesNotExist:
            document = None
        if document is None or document.status != "stored" or document.uploader_role != Role.AUTHORITY.value:
            raise Unprocessable(
                "No stored document of this request, uploaded by your agency, has this id: upload "
                "the order first and wait until it is stored.",
                code="document_unknown",
                field="document_id",
            )

    def _tell_assignee(self, item: LegalRequest, text: str) -> None:
        if item.assignee:
            self.desk.publisher.notify_representative(item.region, item.assignee, item.request_id, text)
