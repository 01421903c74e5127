"""Scheduled functions beside the API.

``audit_checkpoint`` anchors the audit chains every hour (``services/checkpoints.py``). Deployed, EventBridge
calls it; under ``make run`` a thread of the local runner calls the same handler every hour of the scaled clock,
and ``make checkpoint`` writes one at once.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate
from chalice.app import CloudWatchEvent

from chalicelib.services.checkpoints import Checkpoints

blueprint = Blueprint(__name__)
AUDIT_CHECKPOINT = "audit_checkpoint"


@blueprint.schedule(Rate(1, unit=Rate.HOURS), name=AUDIT_CHECKPOINT)
def audit_checkpoint(event: CloudWatchEvent) -> dict[str, Any]:
    """Write one checkpoint. A failure raises: Lambda retries the scheduled call, and its errors alarm."""
    return Checkpoints().write()
