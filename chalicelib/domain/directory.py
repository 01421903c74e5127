"""Where an authority should write: each region's legal representative or designated establishment.

An authority that cannot find the right channel is the failure this product exists to prevent, so the
directory answers for every country: a country routed to a region gets that region's contact; any other
valid country gets the default region's, said so.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.agencies import EMAIL
from chalicelib.domain.schema import Strict

Text = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class Establishment(Strict):
    """The legal representative (DSA Art. 13, e-evidence Directive 2023/1544) or designated establishment."""

    kind: Literal["legal_representative", "designated_establishment", "point_of_contact"]
    name: Text
    postal_address: list[Text] = Field(min_length=1, max_length=8)
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)]
    phone: Annotated[str, StringConstraints(pattern=r"^\+[0-9 ()-]{6,24}$")] | None = None


class EmergencyChannel(Strict):
    """Where a threat to life is reported at any hour, before or beside an API request."""

    phone: Annotated[str, StringConstraints(pattern=r"^\+[0-9 ()-]{6,24}$")]
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)]
    hours: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "24/7"


class Onboarding(Strict):
    """How an agency gets an account."""

    instructions: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)]


class RegionContact(Strict):
    """A region's entry in the public directory, maintained by admins."""

    establishment: Establishment
    languages: list[Language] = Field(min_length=1, max_length=30)
    emergency: EmergencyChannel
    onboarding: Onboarding
