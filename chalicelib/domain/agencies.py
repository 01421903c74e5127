"""Agencies: who may file requests, and the standing that lets them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from chalicelib.domain.countries import is_country
from chalicelib.domain.schema import SingleLine, Strict
from chalicelib.errors import Conflict

IDENTIFIER = r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$"
DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
EMAIL = r"^[A-Za-z0-9._%+\-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class AgencyKind(StrEnum):
    POLICE = "police"
    PROSECUTOR = "prosecutor"
    COURT = "court"
    REGULATOR = "regulator"
    NGO = "ngo"


class Standing(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class StandingChange(StrEnum):
    VERIFY = "verify"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


_CHANGES: dict[StandingChange, tuple[frozenset[Standing], Standing]] = {
    StandingChange.VERIFY: (frozenset({Standing.PENDING}), Standing.VERIFIED),
    StandingChange.SUSPEND: (frozenset({Standing.PENDING, Standing.VERIFIED}), Standing.SUSPENDED),
    StandingChange.REINSTATE: (frozenset({Standing.SUSPENDED}), Standing.VERIFIED),
}


def allowed_changes(current: Standing) -> tuple[StandingChange, ...]:
    """The standing changes an agency in ``current`` standing may undergo (what the pages offer)."""
    return tuple(change for change, (sources, _) in _CHANGES.items() if current in sources)


def next_standing(current: Standing, change: StandingChange) -> Standing:
    if change not in allowed_changes(current):
        raise Conflict(f"Cannot {change.value} an agency that is {current.value}.", code="illegal_transition")
    return _CHANGES[change][1]


def known_country(cls: type, value: str) -> str:
    """A field validator: an ISO 3166-1 alpha-2 code."""
    if not is_country(value):
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return value


def lower_email_domain(cls: type, value: object) -> object:
    """A field validator (before the pattern): an address with its domain in lowercase, as domains compare."""
    if isinstance(value, str):
        local, _, domain = value.strip().rpartition("@")
        return f"{local}@{domain.lower()}"
    return value


class NewAgency(Strict):
    """An agency as an admin registers it; it starts ``pending`` until verified."""

    id: Annotated[str, StringConstraints(pattern=IDENTIFIER), SingleLine] = Field(
        description="Stable identifier: lowercase letters, digits and dashes, 3 to 64 characters."
    )
    name: Annotated[str, StringConstraints(min_length=2, max_length=200), SingleLine]
    country: Annotated[str, StringConstraints(min_length=2, max_length=2), SingleLine] = Field(
        description="ISO 3166-1 alpha-2 code of the agency's jurisdiction."
    )
    kind: AgencyKind
    email_domain: Annotated[str, StringConstraints(to_lower=True, max_length=253, pattern=DOMAIN), SingleLine]
    contact_email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL), SingleLine]

    _known_country = field_validator("country")(known_country)
    _lower_domain = field_validator("contact_email", mode="before")(lower_email_domain)

    @field_validator("contact_email")
    @classmethod
    def _contact_in_domain(cls, value: str, info: ValidationInfo) -> str:
        expected = info.data.get("email_domain")
        domain = value.rpartition("@")[2]
        if expected and domain != expected and not domain.endswith("." + expected):
            raise ValueError("must be an address of email_domain")
        return value
