"""Fixed-window rate limits, counted in the same transaction as the change they limit.

A limit is a counter item in the config table per (name, window), added to by the write it counts, on the
condition that it is still under the limit. Over the limit the condition fails, so the whole transaction is
refused: nothing is stored and nothing is counted. Windows are fixed (up to twice a limit fits across the
turn of a window), and their counters delete themselves by TTL a window after they close.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import NamedTuple

from pynamodb.transactions import TransactWrite

from chalicelib.store.models import ConfigEntry

PREFIX = "ratelimit#"


class Window(NamedTuple):
    """The fixed window of ``seconds`` holding an instant."""

    number: int  # windows since the epoch
    seconds: int

    @classmethod
    def of(cls, at: datetime, seconds: int) -> Window:
        return cls(int(at.timestamp()) // seconds, seconds)

    def retry_after(self, at: datetime) -> int:
        """Whole seconds from ``at`` until the next window opens (at least 1: a Retry-After of 0 means now)."""
        return max((self.number + 1) * self.seconds - int(at.timestamp()), 1)

    @property
    def expires_at_epoch(self) -> int:
        return (self.number + 2) * self.seconds  # TTL: a window after this one closes


def key(name: str, window: Window) -> str:
    return f"{PREFIX}{name}#{window.number}"


def counter(name: str, limit: int, window: Window):
    """A write for ``also`` of a transaction: add 1 to the counter of ``name`` in ``window``, if under ``limit``."""
    entry = ConfigEntry(key(name, window))

    def count(transaction: TransactWrite) -> None:
        transaction.update(
            entry,
            actions=[ConfigEntry.counter.add(1), ConfigEntry.expires_at_epoch.set(window.expires_at_epoch)],
            condition=ConfigEntry.counter.does_not_exist() | (ConfigEntry.counter < limit),
        )

    return count


def reached(name: str, limit: int, window: Window) -> bool:
    """Whether the counter of ``name`` in ``window`` is at ``limit`` already (a strongly consistent read)."""
    try:
        entry = ConfigEntry.get(key(name, window), consistent_read=True, attributes_to_get=["counter"])
    except ConfigEntry.DoesNotExist:
        return False
    return int(entry.counter or 0) >= limit


def uncount(name: str, window: Window) -> None:
    """Give one back (best effort): what was counted did not happen after all (its e-mail could not be sent)."""
    # Failing leaves a limit one too strict for the rest of its window: better than failing the caller.
    with contextlib.suppress(Exception):
        ConfigEntry(key(name, window)).update(actions=[ConfigEntry.counter.add(-1)], condition=ConfigEntry.counter > 0)
