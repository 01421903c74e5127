"""The local schedule of audit checkpoints calls the deployed handler, as EventBridge would."""

from __future__ import annotations

from chalicelib.services import checkpoints
from infra.local.checkpointer import Checkpointer


def test_given_a_scaled_clock_then_checkpoints_come_hourly_but_at_most_once_a_minute():
    assert Checkpointer(1).interval == 3600
    assert Checkpointer(30).interval == 120
    assert Checkpointer(100_000).interval == 60


def test_given_the_handler_invoked_as_scheduled_then_it_writes_a_checkpoint(local_resources, monkeypatch):
    written = []
    monkeypatch.setattr(checkpoints.Checkpoints, "write", lambda self: written.append(1) or {"checkpoint": "k"})
    checkpointer = Checkpointer(1)
    checkpointer.start()
    try:
        assert checkpointer._invoke() == {"checkpoint": "k"} and written == [1]
    finally:
        checkpointer.stop()
