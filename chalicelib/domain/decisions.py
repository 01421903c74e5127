"""What a representative decides, and the reasons the platform records for a refusal."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.schema import SingleLine, Strict

INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"


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


class RemovalAction(StrEnum):
    REMOVED = "removed"
    DISABLED = "disabled"  # access disabled in all Member States


class Removal(Strict):
    """What a fulfilled TCO removal order did, for its feedback form (TCO Regulation Annex II)."""

    action: RemovalAction = Field(description="removed, or access disabled in all Member States.")
    done_at: Annotated[str, StringConstraints(pattern=INSTANT), SingleLine] = Field(
        description="When, as an ISO 8601 instant with its offset (e.g. 2026-12-01T09:12:00Z)."
    )

    @field_validator("done_at")
    @classmethod
    def _a_real_instant(cls, value: str) -> str:
        datetime.fromisoformat(value)  # 2026-13-45 has the shape but is no date: 400
        return value


class Decision(Strict):
    """A decision on an acknowledged request. ``reason`` is required unless fulfilled in full. ``removal``: the
    feedback of a fulfilled TCO removal order (Annex II), required there and nowhere else."""

    outcome: Outcome
    reason: Reason | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None
    removal: Removal | None = None
