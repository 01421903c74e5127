"""Safeguards before data leaves the platform: call-back verification of emergencies, second approval in
high-risk jurisdictions, and preservation holds with an expiry.

Forged emergency requests from hijacked police mailboxes are a known attack, so an emergency disclosure is
fulfilled only after someone other than the decider called the agency back on a number found independently
of the request. Every call-back is kept (a history, never one field a later call overwrites): after a failed
one, nothing is fulfilled until the region's lead clears it with a reason, and then a new confirmed call-back
is still needed. Where an admin rates a jurisdiction ``high`` risk (rule-of-law concerns), a fulfilment takes
effect only once a second representative approves it.

"Someone other" and "a second representative" are people of the registry, not strings (``Person``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.countries import EU_MEMBER_STATES, iso_keys
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.decisions import Outcome
from chalicelib.domain.schema import SingleLine, Strict, Text
from chalicelib.errors import Conflict, Unprocessable

# Where the number that was called came from. Anything taken from the request itself (its call-back number,
# the sender's e-mail signature) is exactly what a forger controls.
INDEPENDENT_SOURCES = ("official_directory", "agency_registry", "prior_verified_contact", "liaison_network")
DEPENDENT_SOURCES = ("request", "request_callback_number", "email_signature", "sender")
FULFILMENTS = frozenset({Outcome.FULFILLED, Outcome.PARTIALLY_FULFILLED})


class Verification(Strict):
    """An out-of-band check that the requesting agency really sent this request."""

    method: Literal["phone_callback", "video_callback"]
    number_source: Annotated[str, StringConstraints(min_length=1, max_length=64), SingleLine]
    outcome: Literal["confirmed", "failed", "unreachable"]
    note: Annotated[str, StringConstraints(max_length=2000), Text] | None = None

    def check_independent(self) -> None:
        if self.number_source in DEPENDENT_SOURCES:
            raise Unprocessable(
                "The number must come from a source independent of the request (one of "
                f"{', '.join(INDEPENDENT_SOURCES)}), not from the request itself.",
                code="number_source_not_independent",
                field="number_source",
            )
        if self.number_source not in INDEPENDENT_SOURCES:
            raise Unprocessable(
                f"number_source must be one of {', '.join(INDEPENDENT_SOURCES)}.",
                code="invalid_field",
                field="number_source",
            )


CONFIRMED, FAILED, CLEARED = "confirmed", "failed", "cleared"


class Person(NamedTuple):
    """A representative as the "must differ" rules see them: the person behind a registry entry.

    The registry keys people by ``rep_id``, the subject of their tokens and sign-ins (the guard admits a
    representative only under that exact id), and ids are lower-case (``agencies.IDENTIFIER``). So a subject is
    resolved to its entry after ``canonical_subject`` (surrounding space dropped, case folded): ``REP-EU-OKAFOR``
    in a stored record is ``rep-eu-okafor``. Two entries are one person when they are the same entry, or when they
    share an e-mail address (compared without case or surrounding space): every notice of both reaches one
    mailbox, so a second account registered for someone cannot be that someone's "second representative".
    Who is not in the registry is no person at all (``None``): they satisfy no "someone else" rule, and nobody
    is "someone else" to them either.
    """

    rep_id: str
    email: str | None = None

    @classmethod
    def registered(cls, rep_id: str, email: str | None) -> Person:
        return cls(rep_id, email.strip().casefold() if email and email.strip() else None)

    def same_as(self, other: Person) -> bool:
        return self.rep_id == other.rep_id or (self.email is not None and self.email == other.email)


People = Callable[[str], Person | None]  # a subject, as stored or as signed in, to its person (None: not registered)


def canonical_subject(subject: str) -> str:
    return subject.strip().casefold()


def different_people(one: Person | None, other: Person | None) -> bool:
    """Two registered people, not one: the only way to satisfy a "someone else" rule."""
    return one is not None and other is not None and not one.same_as(other)


def same_person(one: Person | None, other: Person | None) -> bool:
    return one is not None and other is not None and one.same_as(other)


def verification_history(
    verifications: Sequence[dict[str, Any]] | None, latest: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Every call-back (and clearance) of a request, oldest first. A request whose call-back was recorded before
    the history was kept has only its latest one."""
    if verifications is not None:
        return [dict(entry) for entry in verifications]
    return [dict(latest)] if latest else []


def uncleared_failure(history: Sequence[dict[str, Any]], failed_before: bool = False) -> bool:
    """A failed call-back that no clearance of the lead came after. ``failed_before``: the request's flag that a
    call-back failed once; before the history was kept a later call-back overwrote the failed one, so the flag
    alone counts as uncleared until a clearance."""
    cleared_at = max((index for index, entry in enumerate(history) if entry.get("outcome") == CLEARED), default=-1)
    if failed_before and cleared_at < 0:
        return True
    return any(entry.get("outcome") == FAILED for entry in history[cleared_at + 1 :])


def check_fulfilment(
    request_type: str,
    outcome: Outcome,
    history: Sequence[dict[str, Any]],
    deciders: Sequence[str],
    people: People,
    *,
    failed_before: bool = False,
) -> None:
    """An emergency disclosure is fulfilled only when no failed call-back stands uncleared, and the latest entry
    of its history is a confirmed call-back by a registered person other than every one of ``deciders`` (who
    decides; for a proposal's approval, its proposer and its approver). A clearance is not a confirmation, so a
    call-back confirmed before the lead cleared a failure does not count: a new one is needed."""
    if request_type != RequestType.EMERGENCY_DISCLOSURE or outcome not in FULFILMENTS:
        return
    if uncleared_failure(history, failed_before):
        raise Conflict(
            "A call-back verification of this request failed: treat it as possibly forged. Nothing is "
            "disclosed until the region's lead clears the failure, with a reason (POST "
            "/v1/requests/<id>/verification/clear; in the console, Clear failed call-back), and a new "
            "call-back is confirmed.",
            code="verification_failed_uncleared",
        )
    latest = history[-1] if history else None
    if not latest or latest.get("outcome") != CONFIRMED:
        raise Conflict(
            "An emergency disclosure needs a confirmed call-back verification before any data is "
            "disclosed: record the call-back first (POST /v1/requests/<id>/verification; in the console, "
            "Record a call-back verification).",
            code="verification_required",
        )
    verifier = people(str(latest.get("by") or ""))
    if verifier is None:
        raise Conflict(
            "The confirmed call-back was recorded by someone who is not a registered representative, so "
            "it counts for nobody: a registered representative must verify again.",
            code="verifier_not_registered",
        )
    if not all(different_people(verifier, people(decider)) for decider in deciders):
        raise Conflict(
            "The call-back must be verified by a representative other than the one deciding.",
            code="verifier_must_differ",
        )


def check_second_approval(proposer: str, approver: str, people: People, *, approve: bool) -> None:
    """A proposed fulfilment takes effect only when a registered person other than its proposer approves it.
    Declining is the safe way out, so a proposal whose proposer is not (or no longer) registered can still be
    declined by anyone; it cannot be approved by anyone, nor declined by its own proposer."""
    author, second = people(proposer), people(approver)
    if approve and author is None:
        raise Conflict(
            "This proposal was made by someone who is not a registered representative, so no approval "
            "can be a second person's: decline it and decide again.",
            code="proposer_not_registered",
        )
    if same_person(author, second) or (approve and not different_people(author, second)):
        raise Conflict(
            "A second representative must approve: not the one who proposed the decision.", code="approver_must_differ"
        )


class RiskTier(StrEnum):
    STANDARD = "standard"
    ELEVATED = "elevated"
    HIGH = "high"


class RiskTiers(Strict):
    """Risk tier per jurisdiction (ISO country code); any other jurisdiction has ``default``."""

    jurisdictions: dict[Annotated[str, SingleLine], RiskTier] = Field(default_factory=dict, max_length=300)
    default: RiskTier = RiskTier.STANDARD

    @field_validator("jurisdictions")
    @classmethod
    def _countries(cls, value: dict[str, RiskTier]) -> dict[str, RiskTier]:
        iso_keys(value)
        return value

    def tier(self, jurisdiction: str | None) -> RiskTier:
        return self.jurisdictions.get(jurisdiction or "", self.default)


def needs_second_approval(tier: RiskTier, outcome: Outcome) -> bool:
    return tier is RiskTier.HIGH and outcome in FULFILMENTS


class HoldRule(NamedTuple):
    days: int
    extension_days: int
    basis: str


HOLD_RULES = {
    "eu": HoldRule(60, 30, "EU 2023/1543 Art. 11: 60 days, extendable once by 30"),
    "us": HoldRule(90, 90, "18 USC 2703(f): 90 days, extendable once by 90"),
}
DEFAULT_HOLD = HoldRule(90, 90, "platform policy: 90 days, extendable once by 90")
REMINDER_BEFORE = timedelta(days=7)


def hold_rule(jurisdiction: str | None) -> HoldRule:
    if jurisdiction in EU_MEMBER_STATES:
        return HOLD_RULES["eu"]
    if jurisdiction == "US":
        return HOLD_RULES["us"]
    return DEFAULT_HOLD


class HoldTimes(NamedTuple):
    expires_at: datetime
    reminder_at: datetime


def hold_times(now: datetime, expires_at: datetime) -> HoldTimes:
    """The reminder goes a week before expiry (or now, if the hold is shorter than that)."""
    return HoldTimes(expires_at, max(now, expires_at - REMINDER_BEFORE))
