"""The local stack's stand-ins for Lambda's event sources: threads that feed the event functions of
``chalicelib`` (``chalicelib/events.py``) the events Lambda would, through Chalice's test client, with the stage's
settings, in the runner's process (``chalice local`` serves HTTP only)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def handler_invoke(function: str) -> Invoke:
    """The deployed handler of ``function``, called as Lambda calls it."""
    from chalice.test import Client

    from app import app

    client = Client(app, stage_name="local", project_dir=str(ROOT))
    return lambda event: client.lambda_.invoke(function, event).payload


class EventSource:
    """A thread that reads a source round after round and hands what it read to ``function``; it outlives a failed
    round (what was not consumed is read again) and rests between rounds that found less than a full batch."""

    function: str  # the event function it feeds (chalicelib/events.py)
    name: str  # the thread's name, and what its log lines start with

    def __init__(self, invoke: Invoke | None) -> None:
        self._invoke = invoke
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self.invoke()  # made here, not in the thread: errors show at start
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def invoke(self) -> Invoke:
        if self._invoke is None:
            self._invoke = handler_invoke(self.function)
        return self._invoke

    def busy_round(self) -> bool:
        """Read and hand over one round; whether more is waiting (a full batch was read)."""
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.busy_round()
            except Exception:  # the thread outlives a failed call: what was not consumed comes back
                if self._stop.is_set():
                    return  # moto is stopping with the stack
                logger.exception("%s: reading the source failed; trying again", self.name)
                self._stop.wait(1.0)
                continue
            if not busy:
                self._stop.wait(0.5)
