"""Safeguards before data leaves the platform: call-back verification of emergencies, second approval in
high-risk jurisdictions, and preservation holds with an expiry.

Forged emergency requests from hijacked police mailboxes are a known attack, so an emergency disclosure is
fulfilled only after someone other than the decider called the agency back on a number found independently
of the request. Where an admin rates a jurisdiction ``high`` risk (rule-of-law concerns), a fulfilment takes
effect only once a second representative approves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.countries import EU_MEMBER_STATES, iso_keys
from chalicelib.domain.decisions import Outcome
from chalicelib.domain.deadlines import RequestType
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
            raise Unprocessable("The number must come from a source independent of the request (one of "
                                f"{', '.join(INDEPENDENT_SOURCES)}), not from the request itself.",
                                code="number_source_not_independent", field="number_source")
        if self.number_source not in INDEPENDENT_SOURCES:
            raise Unprocessable(f"number_source must be one of {', '.join(INDEPENDENT_SOURCES)}.",
                                code="invalid_field", field="number_source")


def check_fulfilment(request_type: str, outcome: Outcome, verification: dict[str, Any] | None, decider: str) -> None:
    """An emergency disclosure is fulfilled only after a confirmed call-back by someone else."""
    if request_type != RequestType.EMERGENCY_DISCLOSURE or outcome not in FULFILMENTS:
        return
    if not verification or verification.get("outcome") != "confirmed":
        raise Conflict("An emergency disclosure needs a confirmed call-back verification before any data is "
                       "disclosed: POST /verification first.", code="verification_required")
    if verification.get("by") == decider:
        raise Conflict("The call-back must be verified by a representative other than the one deciding.",
                       code="verifier_must_differ")


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


@dataclass(frozen=True)
class HoldRule:
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


@dataclass(frozen=True)
class HoldTimes:
    expires_at: datetime
    reminder_at: datetime


def hold_times(now: datetime, expires_at: datetime) -> HoldTimes:
    """The reminder goes a week before expiry (or now, if the hold is shorter than that)."""
    return HoldTimes(expires_at, max(now, expires_at - REMINDER_BEFORE))
