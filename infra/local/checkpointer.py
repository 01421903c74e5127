"""The local schedule of audit checkpoints: what EventBridge does for ``audit_checkpoint`` deployed.

``chalice local`` serves HTTP only, so under ``make run`` a thread of the runner calls the deployed handler (through
Chalice's test client, with the stage's settings) once an hour of the scaled clock: every hour at
``SLA_TIME_SCALE=1``, at most once a minute however fast the clock runs. ``make checkpoint`` writes one at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
HOUR_SECONDS = 3600.0
SHORTEST_SECONDS = 60.0


class Checkpointer:
    def __init__(self, sla_time_scale: float) -> None:
        self.interval = max(HOUR_SECONDS / sla_time_scale, SHORTEST_SECONDS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="audit-checkpointer", daemon=True)
        self._invoke: Callable[[], dict[str, Any]] | None = None  # set by start(), before the thread starts

    def start(self) -> None:
        from chalice.test import Client

        from app import app
        from chalicelib.schedules import AUDIT_CHECKPOINT

        client = Client(app, stage_name="local", project_dir=str(ROOT))
        self._invoke = lambda: (
            client.lambda_.invoke(
                AUDIT_CHECKPOINT,
                client.events.generate_cw_event(
                    source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
                ),
            ).payload
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        invoke = self._invoke
        assert invoke is not None, "start() sets it before it starts the thread"
        while not self._stop.wait(self.interval):
            try:
                written = invoke()
                logger.info("audit checkpoint %s (%s heads)", written.get("checkpoint"), written.get("heads"))
            except Exception:  # the next hour tries again; the stack keeps running
                logger.exception("audit checkpoint failed")
