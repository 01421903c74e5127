"""User notice: telling the person a request concerns that their data was handed over or their content acted on,
and when the law says not to (yet).

Every request carries a notice state (``LegalRequest.notice_state``) and its particulars (``user_notice``), set
at filing from the platform's notice policy for its type and jurisdiction (admin-edited, published with the
policies):

- ``notify_before_disclosure``: the user is told before their data go; a fulfilment waits for the notice.
- ``notify_on_action``: an order to act on content: the user is told once it is acted on (DSA Art. 9(5), 10(5);
  TCO Art. 11), so the notice falls due at the fulfilment.
- ``prohibited``: a non-disclosure order the authority declared (its legal basis, its document, the last day it
  applies, or, when indefinite, the day it is to be reviewed). No notice may be recorded while it runs.
- ``delayed``: an emergency disclosure: the user is told once the emergency has passed, ``delay_days`` after it.
- ``due``: the notice is to be given now (the prohibition ended, the delay ran out, the content was acted on); the
  desk's queue shows the task until a representative records it, and the lead hears when its deadline passes.
- ``notified``: when, through which channel, by whom, and the text sent.
- ``not_applicable``: with the reason (nothing was disclosed; the issuing authority informs the person under
  e-Evidence Art. 13; the request was withdrawn ...).

The rules here are pure: the desk service applies them in the request's versioned change, and the workflow keeps
the timers (``infra/statemachine``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from chalicelib.clock import isoformat, parse_instant
from chalicelib.domain.countries import iso_keys
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.schema import SingleLine, Strict, Text
from chalicelib.errors import Conflict, Unprocessable


class NoticeState(StrEnum):
    NOTIFY_BEFORE_DISCLOSURE = "notify_before_disclosure"
    NOTIFY_ON_ACTION = "notify_on_action"
    PROHIBITED = "prohibited"
    DELAYED = "delayed"
    DUE = "due"
    NOTIFIED = "notified"
    NOT_APPLICABLE = "not_applicable"


FINAL = frozenset({NoticeState.NOTIFIED, NoticeState.NOT_APPLICABLE})
REMOVALS = frozenset({RequestType.CONTENT_REMOVAL, RequestType.TERRORIST_CONTENT_REMOVAL})
DELAYABLE = frozenset({RequestType.DATA_DISCLOSURE, RequestType.EMERGENCY_DISCLOSURE})
# e-Evidence Art. 13: the issuing authority informs the person whose data are sought; the provider keeps the order
# confidential. A request filed as one of these certificates is never the platform's to notify.
AUTHORITY_INFORMS = frozenset({"EPOC", "EPOC-PR"})
ART_13 = (
    "e-Evidence Regulation Art. 13: the issuing authority informs the person whose data are sought; the "
    "platform keeps the order confidential."
)


class NoticeAction(StrEnum):
    NOTIFY = "notify"  # before disclosure, or once acted on for an order on content
    DELAY = "delay"  # after the disclosure, once delay_days have passed (the emergency is over)
    NOT_APPLICABLE = "not_applicable"


class NoticeRule(Strict):
    """What the platform does about user notice for one type of request (in one jurisdiction)."""

    action: NoticeAction
    delay_days: int | None = Field(default=None, ge=1, le=365, description="For delay: days after the disclosure.")
    record_within_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="Once the notice is due, the days the desk has to record it before the region's lead is told.",
    )
    max_prohibition_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="A prohibition longer than this (or an indefinite one) is one the desk may challenge.",
    )
    basis: Annotated[str, StringConstraints(min_length=1, max_length=500), SingleLine]

    @model_validator(mode="after")
    def _delay_has_days(self) -> NoticeRule:
        if (self.action is NoticeAction.DELAY) != (self.delay_days is not None):
            raise ValueError("delay_days is required with action 'delay', and only there")
        return self


DEFAULT_RULES: dict[RequestType, NoticeRule] = {
    RequestType.DATA_DISCLOSURE: NoticeRule(
        action=NoticeAction.NOTIFY,
        record_within_days=7,
        max_prohibition_days=365,
        basis="Platform policy: the user is told before their data are disclosed, unless the law forbids it (a "
        "non-disclosure order such as 18 USC 2705(b), which US DoJ guidance of 2017 keeps to a year at "
        "most); DSA Art. 10(5).",
    ),
    RequestType.EMERGENCY_DISCLOSURE: NoticeRule(
        action=NoticeAction.DELAY,
        delay_days=14,
        record_within_days=7,
        max_prohibition_days=365,
        basis="Platform policy: after an emergency disclosure the user is told once the emergency has passed.",
    ),
    RequestType.CONTENT_REMOVAL: NoticeRule(
        action=NoticeAction.NOTIFY,
        record_within_days=1,
        max_prohibition_days=365,
        basis="DSA Art. 9(5): the recipient is told of the order and the effect given to it by the time it is given.",
    ),
    RequestType.TERRORIST_CONTENT_REMOVAL: NoticeRule(
        action=NoticeAction.NOTIFY,
        record_within_days=1,
        max_prohibition_days=42,
        basis="TCO Regulation Art. 11: the content provider is told of the removal, unless the competent "
        "authority decides otherwise for public security, for six weeks at most (once more where "
        "justified).",
    ),
    RequestType.PRESERVATION: NoticeRule(
        action=NoticeAction.NOT_APPLICABLE,
        basis="Nothing is disclosed: a preservation keeps data and hands nothing over.",
    ),
}


MAX_POLICY_BYTES = 200_000  # stored as one configuration item, far below DynamoDB's 400 KB


class NoticePolicy(Strict):
    """The notice rule of each request type, and the jurisdictions (ISO country codes) whose rules differ."""

    types: dict[RequestType, NoticeRule] = Field(default_factory=lambda: dict(DEFAULT_RULES))
    jurisdictions: dict[Annotated[str, SingleLine], dict[RequestType, NoticeRule]] = Field(
        default_factory=dict, max_length=300
    )

    @field_validator("types")
    @classmethod
    def _every_type(cls, value: dict[RequestType, NoticeRule]) -> dict[RequestType, NoticeRule]:
        missing = [kind.value for kind in RequestType if kind not in value]
        if missing:
            raise ValueError(f"a rule for every request type is needed; missing: {', '.join(missing)}")
        return value

    @field_validator("jurisdictions")
    @classmethod
    def _countries(cls, value: dict[str, dict[RequestType, NoticeRule]]) -> dict[str, dict[RequestType, NoticeRule]]:
        iso_keys(value)
        return value

    @model_validator(mode="after")
    def _sound(self) -> NoticePolicy:
        if len(self.model_dump_json().encode()) > MAX_POLICY_BYTES:
            raise ValueError(
                f"the policy is larger than {MAX_POLICY_BYTES // 1000} KB: shorten the bases, or give "
                "fewer jurisdictions rules of their own"
            )
        rules = [(kind, rule) for kind, rule in self.types.items()]
        rules += [(kind, rule) for each in self.jurisdictions.values() for kind, rule in each.items()]
        for kind, rule in rules:
            if kind is RequestType.PRESERVATION and rule.action is not NoticeAction.NOT_APPLICABLE:
                raise ValueError("preservation: a preservation discloses nothing; its rule is 'not_applicable'")
            if rule.action is NoticeAction.DELAY and kind not in DELAYABLE:
                raise ValueError(f"{kind.value}: only a disclosure's notice may be delayed")
        return self

    def rule(self, kind: RequestType, jurisdiction: str | None) -> NoticeRule:
        return self.jurisdictions.get(jurisdiction or "", {}).get(kind) or self.types[kind]


class Channel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"
    POSTAL = "postal"
    OTHER = "other"


DOCUMENT_ID = r"^DOC-[A-Z2-7]{16}$"  # services.documents issues them so


class NonDisclosure(Strict):
    """A non-disclosure order, as the authority declares it: until a day, or indefinite with a review day."""

    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=500), SingleLine] = Field(
        description="The order's legal basis, e.g. '18 USC 2705(b), order of the District Court, case 26-mj-104'."
    )
    until: date | None = Field(
        default=None,
        description="The last day (UTC) the order forbids notice; the user "
        "may be told from the day after. Leave out for an indefinite order.",
    )
    indefinite: bool = Field(default=False, description="The order has no end date; review_on is then required.")
    review_on: date | None = Field(default=None, description="An indefinite order's review day (UTC).")
    document_id: Annotated[str, StringConstraints(pattern=DOCUMENT_ID), SingleLine] | None = Field(
        default=None,
        description="The order itself: a document of this request you uploaded. Required when "
        "declared on a filed request; at filing, attach it afterwards.",
    )

    @model_validator(mode="after")
    def _an_end_or_a_review(self) -> NonDisclosure:
        if self.indefinite:
            if self.until is not None:
                raise ValueError("an indefinite order has no 'until'; give its review day in 'review_on'")
            if self.review_on is None:
                raise ValueError("an indefinite order needs its review day in 'review_on'")
        elif self.until is None:
            raise ValueError("give the last day the order applies in 'until', or set 'indefinite' with 'review_on'")
        elif self.review_on is not None:
            raise ValueError("'review_on' is for an indefinite order; this one ends on 'until'")
        return self


MAX_DECLARED_DAYS = 3660  # ten years: a date further out is a typing error, not an order


def day_end(day: date) -> datetime:
    """The instant a prohibition "until ``day``" ends: the start of the next day, UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def check_declaration(order: NonDisclosure, now: datetime) -> None:
    """422 for days that have passed or that lie beyond any real order."""
    day = order.until if order.until is not None else order.review_on
    assert day is not None
    field = "until" if order.until is not None else "review_on"
    if day < now.date() or (order.until is None and day == now.date()):
        raise Unprocessable(
            f"'{field}' ({day.isoformat()}) has passed: declare an order that still runs.",
            code="invalid_field",
            field=field,
        )
    if day > now.date() + timedelta(days=MAX_DECLARED_DAYS):
        raise Unprocessable(
            f"'{field}' ({day.isoformat()}) is more than ten years away; check the date.",
            code="invalid_field",
            field=field,
        )


def prohibition_of(order: NonDisclosure, by: str, at: str) -> dict[str, Any]:
    """The prohibition as kept on the request (``user_notice.prohibition``)."""
    kept: dict[str, Any] = {
        "legal_basis": order.legal_basis,
        "declared_by": by,
        "declared_at": at,
        "indefinite": order.indefinite,
    }
    if order.until is not None:
        kept["until"] = order.until.isoformat()
        kept["ends_at"] = isoformat(day_end(order.until))
    else:
        assert order.review_on is not None
        kept["review_on"] = order.review_on.isoformat()
        kept["review_at"] = isoformat(day_start(order.review_on))
    if order.document_id is not None:
        kept["document_id"] = order.document_id
    return kept


def _instant(text: str) -> datetime:
    return parse_instant(text)


def prohibition_runs(notice: dict[str, Any] | None, now: datetime) -> bool:
    """Whether a declared prohibition forbids notice at ``now``: indefinite ones run until the authority ends
    them; dated ones until the end of their last day."""
    prohibition = (notice or {}).get("prohibition")
    if not prohibition or prohibition.get("ended_at"):
        return False
    return prohibition.get("indefinite") or now < _instant(prohibition["ends_at"])


def initial(
    kind: RequestType, jurisdiction: str | None, certificate: dict[str, Any] | None, policy: NoticePolicy
) -> tuple[NoticeState, dict[str, Any]]:
    """The notice state a request is filed in, and its particulars, before any declared prohibition."""
    rule = policy.rule(kind, jurisdiction)
    kept: dict[str, Any] = {"rule": rule.model_dump(mode="json", exclude_none=True)}
    if (certificate or {}).get("form") in AUTHORITY_INFORMS:
        return NoticeState.NOT_APPLICABLE, {**kept, "reason": ART_13}
    if rule.action is NoticeAction.NOT_APPLICABLE:
        return NoticeState.NOT_APPLICABLE, {**kept, "reason": rule.basis}
    if rule.action is NoticeAction.DELAY:
        return NoticeState.DELAYED, {**kept, "base": NoticeState.DELAYED.value}
    state = NoticeState.NOTIFY_ON_ACTION if kind in REMOVALS else NoticeState.NOTIFY_BEFORE_DISCLOSURE
    return state, {**kept, "base": state.value}


def check_declarable(state: NoticeState, notice: dict[str, Any]) -> None:
    """A prohibition can be declared (or replaced) until the user has been told, and only where notice applies."""
    if state is NoticeState.NOTIFIED:
        raise Conflict(
            f"The user was already told ({notice.get('notified', {}).get('at')}): a non-disclosure "
            "order can no longer take effect on this request.",
            code="already_notified",
        )
    if state is NoticeState.NOT_APPLICABLE:
        raise Conflict(
            f"The platform does not notify the user on this request ({notice.get('reason')}), so there "
            "is nothing to prohibit.",
            code="notice_not_applicable",
        )


def check_recordable(state: NoticeState, notice: dict[str, Any], now: datetime) -> None:
    """A notice can be recorded once, where notice applies, and never while a prohibition runs."""
    if state is NoticeState.NOTIFIED:
        raise Conflict(f"The user was already told ({notice['notified']['at']}).", code="already_notified")
    if state is NoticeState.NOT_APPLICABLE:
        raise Conflict(f"No notice is given on this request: {notice.get('reason')}", code="notice_not_applicable")
    if prohibition_runs(notice, now):
        prohibition = notice["prohibition"]
        until = (
            ("until the authority ends it (review " + prohibition["review_on"] + ")")
            if prohibition.get("indefinite")
            else "through " + prohibition["until"]
        )
        raise Conflict(
            f"A non-disclosure order forbids telling the user {until} ({prohibition['legal_basis']}). "
            "Nothing was recorded; this attempt is in the audit trail.",
            code="notice_prohibited",
        )


def challengeable(notice: dict[str, Any], now: datetime) -> bool:
    """Whether a running prohibition is indefinite, or longer than the rule's ``max_prohibition_days``."""
    if not prohibition_runs(notice, now):
        return False
    prohibition = notice["prohibition"]
    if prohibition.get("indefinite"):
        return True
    longest = timedelta(days=int(notice.get("rule", {}).get("max_prohibition_days", 365)))
    return _instant(prohibition["ends_at"]) - _instant(prohibition["declared_at"]) > longest


class NoticeRecord(Strict):
    """A notice the desk gave the user: the channel, and the text exactly as sent."""

    channel: Channel
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000), Text] = Field(
        description="The text sent to the user, as sent."
    )
    sent_at: Annotated[str, StringConstraints(max_length=40), SingleLine] | None = Field(
        default=None,
        description="When it was sent, if not now (ISO 8601 with offset; not in the future, not before the request).",
    )


class NoticeWaiver(Strict):
    """Why no notice will be given after all (the account was deleted, no way to reach the user ...)."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), Text]


class Challenge(Strict):
    """The desk's challenge of an indefinite or overlong prohibition: its grounds, told to the authority."""

    grounds: Annotated[str, StringConstraints(min_length=1, max_length=4000), Text]


class ProhibitionEnd(Strict):
    """The authority ends its non-disclosure order before its day (the court lifted it ...)."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), Text]


def words(state: str, notice: dict[str, Any] | None) -> str:
    """The state in a sentence, for pages and messages."""
    notice = notice or {}
    prohibition = notice.get("prohibition") or {}
    if state == NoticeState.PROHIBITED:
        if prohibition.get("indefinite"):
            return f"Notice prohibited indefinitely; the order is to be reviewed on {prohibition.get('review_on')}."
        return f"Notice prohibited through {prohibition.get('until')}; the user may be told from the day after."
    sentences: dict[str, str] = {
        NoticeState.NOTIFY_BEFORE_DISCLOSURE: "The user is to be told before their data are disclosed.",
        NoticeState.NOTIFY_ON_ACTION: "The user is to be told once the request is acted on.",
        NoticeState.DELAYED: (
            f"Notice delayed: the user is told {notice.get('rule', {}).get('delay_days')} days "
            "after the disclosure, once the emergency has passed"
            + (f" (from {notice['due_at']})." if notice.get("due_at") else ".")
        ),
        NoticeState.DUE: f"Notice due now: record it by {notice.get('deadline')}.",
        NoticeState.NOTIFIED: (
            f"The user was told on {notice.get('notified', {}).get('at')} by "
            f"{str(notice.get('notified', {}).get('channel', '')).replace('_', ' ')}."
        ),
        NoticeState.NOT_APPLICABLE: f"No user notice: {notice.get('reason')}",
    }
    return sentences.get(state, state)
