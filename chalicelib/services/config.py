"""Admin-maintained configuration documents, read with a short cache."""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.routing import RoutingDocument, RoutingRules
from chalicelib.domain.safeguards import RiskTiers
from chalicelib.domain.user_notice import NoticePolicy
from chalicelib.observability import logger
from chalicelib.store.models import ConfigEntry

CACHE_SECONDS = 30
# Used until an admin stores a routing document: nothing is ever left unrouted.
FALLBACK_ROUTING = {"countries": {}, "default_region": "global", "regions": {"global": {"name": "Global desk"}}}

_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def document(name: str, fallback: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    cached = _cache.get(name)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    try:
        value = ConfigEntry.get(name).document
    except DoesNotExist:
        if not optional:
            logger.warning("configuration document missing; using the fallback", extra={"document": name})
        value = fallback
    _cache[name] = (time.monotonic(), value)
    return value


def routing_rules() -> RoutingRules:
    return RoutingRules.from_document(document("routing", FALLBACK_ROUTING))


def routing_document() -> RoutingDocument:
    """The routing document in force, as admins read and replace it."""
    return RoutingDocument.model_validate(document("routing", FALLBACK_ROUTING))


def forget() -> None:
    """Drop cached documents (after an admin change, and in tests)."""
    _cache.clear()


def store_routing(document: dict[str, Any], *, now: str, actor: str) -> None:
    ConfigEntry("routing", document=document, updated_at=now, updated_by=actor).save()  # replaced whole
    forget()


def risk_tiers() -> RiskTiers:
    return RiskTiers.model_validate(document("risk_tiers", {}, optional=True))  # none set: every tier standard


def store_risk_tiers(tiers: RiskTiers, *, now: str, actor: str) -> None:
    ConfigEntry("risk_tiers", document=tiers.model_dump(mode="json"), updated_at=now, updated_by=actor).save()
    forget()


def notice_policy() -> NoticePolicy:
    """The user-notice rule per request type and jurisdiction (``domain/user_notice.py``); none stored: the
    defaults."""
    return NoticePolicy.model_validate(document("notice_policy", NoticePolicy().model_dump(mode="json"), optional=True))


def store_notice_policy(policy: NoticePolicy, *, now: str, actor: str) -> None:
    ConfigEntry("notice_policy", document=policy.model_dump(mode="json"), updated_at=now, updated_by=actor).save()
    forget()
