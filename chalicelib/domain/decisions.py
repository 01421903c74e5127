"""What a representative decides, and the reasons the platform records for a refusal."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

from chalicelib.domain.schema import Strict


class Outcome(StrEnum):
    FULFILLED = "fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    REJECTED = "rejected"


class Reason(StrEnum):
    NO_DATA = "no_data"
    INVALID_LEGAL_BASIS = "invalid_legal_basis"
    OVERBROAD = "overbroad"
    WRONG_PROVIDER = "wrong_provider"
    FUNDAMENTAL_RIGHTS = "fundamental_rights"
    OTHER = "other"


class Decision(Strict):
    """A decision on an acknowledged request. ``reason`` is required unless fulfilled in full."""

    outcome: Outcome
    reason: Reason | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None
