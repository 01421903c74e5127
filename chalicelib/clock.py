"""The one clock of the application.

Every "now" goes through a ``Clock`` so tests can fix time and the SLA time
scale can shorten timers without touching stored deadlines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def isoformat(instant: datetime) -> str:
    """ISO 8601 in UTC, millisecond precision, Z suffix: the one time format, stored and served.

    Fixed width, so stored instants sort as strings (index range keys rely on it).
    """
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def normalize(text: str) -> str:
    """Any ISO 8601 instant (e.g. a Step Functions timestamp, which moto writes as ``…+00:00`` with
    microseconds) in the API's one format."""
    return isoformat(datetime.fromisoformat(text))


class ApplicationClock:
    """The clock the running application reads; tests swap its ``source``."""

    def __init__(self) -> None:
        self.source: Clock = SystemClock()

    def now(self) -> datetime:
        return self.source.now()


app_clock = ApplicationClock()
