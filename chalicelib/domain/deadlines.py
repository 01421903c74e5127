"""Legal clocks: how long the platform has to acknowledge and to resolve each type.

Defaults follow DESIGN.md section 3; a deployment may override any of them
(``LIAISON_DEADLINES``). Deadlines are real instants computed from the
server-side receipt time; the SLA time scale only shortens the timers that fire
them, never the stored deadlines.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple


class RequestType(StrEnum):
    DATA_DISCLOSURE = "data_disclosure"
    PRESERVATION = "preservation"
    CONTENT_REMOVAL = "content_removal"
    EMERGENCY_DISCLOSURE = "emergency_disclosure"
    TERRORIST_CONTENT_REMOVAL = "terrorist_content_removal"


class LegalClock(NamedTuple):
    acknowledge: timedelta
    resolve: timedelta
    basis: str


DEFAULT_CLOCKS: dict[RequestType, LegalClock] = {
    RequestType.TERRORIST_CONTENT_REMOVAL: LegalClock(
        timedelta(minutes=15), timedelta(hours=1), "EU 2021/784 (TCO) Art. 3"
    ),
    RequestType.EMERGENCY_DISCLOSURE: LegalClock(
        timedelta(minutes=15), timedelta(hours=8), "EU 2023/1543 Art. 10(4); US 18 USC 2702(b)(8)"
    ),
    RequestType.DATA_DISCLOSURE: LegalClock(
        timedelta(hours=24), timedelta(days=10), "EU 2023/1543 Art. 10(2); DSA Art. 10"
    ),
    RequestType.PRESERVATION: LegalClock(
        timedelta(hours=24), timedelta(hours=24), "EU 2023/1543 Art. 11; US 18 USC 2703(f)"
    ),
    RequestType.CONTENT_REMOVAL: LegalClock(timedelta(hours=24), timedelta(hours=72), "DSA Art. 9"),
}


class Deadlines(NamedTuple):
    ack_due_at: datetime
    due_at: datetime


class DeadlinePolicy:
    def __init__(self, overrides: dict[str, dict[str, int]] | None = None) -> None:
        clocks = dict(DEFAULT_CLOCKS)
        for name, minutes in (overrides or {}).items():
            kind = RequestType(name)
            base = clocks[kind]
            clocks[kind] = LegalClock(
                timedelta(minutes=minutes.get("acknowledge_minutes", base.acknowledge.total_seconds() / 60)),
                timedelta(minutes=minutes.get("resolve_minutes", base.resolve.total_seconds() / 60)),
                base.basis,
            )
            if clocks[kind].acknowledge > clocks[kind].resolve:
                raise ValueError(f"{name}: the acknowledge deadline cannot fall after the resolve deadline")
        self.clocks = clocks

    def deadlines(self, kind: RequestType, received_at: datetime) -> Deadlines:
        clock = self.clocks[kind]
        return Deadlines(ack_due_at=received_at + clock.acknowledge, due_at=received_at + clock.resolve)
