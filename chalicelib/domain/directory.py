"""Where an authority should write: each region's legal representative or designated establishment.

An authority that cannot find the right channel is the failure this product exists to prevent, so the
directory answers for every country: a country routed to a region gets that region's contact; any other
valid country gets the default region's, said so.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.agencies import EMAIL
from chalicelib.domain.schema import SingleLine, Strict, Text

Line = Annotated[str, StringConstraints(min_length=1, max_length=300), SingleLine]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"), SingleLine]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL), SingleLine]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[0-9 ()-]{6,24}$"), SingleLine]


class Establishment(Strict):
    """The legal representative (DSA Art. 13, e-evidence Directive 2023/1544) or designated establishment."""

    kind: Literal["legal_representative", "designated_establishment", "point_of_contact"]
    name: Line
    postal_address: list[Line] = Field(min_length=1, max_length=8)
    email: Email
    phone: Phone | None = None


class EmergencyChannel(Strict):
    """Where a threat to life is reported at any hour, before or beside an API request."""

    phone: Phone
    email: Email
    hours: Annotated[str, StringConstraints(min_length=1, max_length=100), SingleLine] = "24/7"


class Onboarding(Strict):
    """How an agency gets an account."""

    instructions: Annotated[str, StringConstraints(min_length=1, max_length=2000), Text]
    email: Email


class RegionContact(Strict):
    """A region's entry in the public directory, maintained by admins."""

    establishment: Establishment
    languages: list[Language] = Field(min_length=1, max_length=30)
    emergency: EmergencyChannel
    onboarding: Onboarding
