"""What admins change: the agency registry and its standing, representatives, routing, contacts, risk tiers.

One function per change, each the whole sequence of it (the checks, the write, what follows the write: the
contact's e-mail subscription, the directory's new version). The API's admin routes and the console's admin
pages both call these, so no rule or side effect of an admin change is written twice. Every change is stamped
with the time and ``admin:<subject>``.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from pydantic import TypeAdapter, ValidationError

from chalicelib.auth.principal import Principal
from chalicelib.clock import app_clock, isoformat
from chalicelib.domain.agencies import NewAgency, StandingChange
from chalicelib.domain.directory import RegionContact
from chalicelib.domain.routing import RegionId, RoutingDocument
from chalicelib.domain.safeguards import RiskTiers
from chalicelib.errors import BadRequest, NotFound
from chalicelib.notify.publisher import Publisher
from chalicelib.services import config, directory
from chalicelib.store.agencies import AgencyRepository
from chalicelib.store.models import Agency, Representative
from chalicelib.store.representatives import RepresentativeRepository

agencies = AgencyRepository()
representatives = RepresentativeRepository()
publisher = Publisher()


class Stamp(NamedTuple):
    """When a change was made, and by whom (as the stored document records it)."""

    at: str
    by: str


def stamp(admin: Principal) -> Stamp:
    return Stamp(at=isoformat(app_clock.now()), by=f"admin:{admin.subject}")


def register_agency(new: NewAgency, admin: Principal) -> Agency:
    """A new agency, pending until verified (409 ``agency_exists`` for a taken id)."""
    now = stamp(admin)
    return agencies.create(new, now=now.at, actor=now.by)


def change_standing(agency_id: str, change: StandingChange, admin: Principal) -> Agency:
    """Verify, suspend or reinstate (the domain's transitions); a verified agency's contact address is
    subscribed to its notices."""
    now = stamp(admin)
    agency = agencies.change_standing(agency_id, change, now=now.at, actor=now.by)
    if change is StandingChange.VERIFY:
        publisher.subscribe_contact(agency.agency_id, agency.contact_email)
    return agency


def add_representative(
    *, rep_id: str, name: str, email: str, region: str, lead: bool, available: bool, admin: Principal
) -> Representative:
    """A representative of a region of the routing rules, subscribed to the notices meant for them."""
    if region not in config.routing_rules().regions:
        raise BadRequest(f"No region '{region}' in the routing rules.", code="invalid_field", field="region")
    now = stamp(admin).at
    rep = representatives.create(
        Representative(
            rep_id,
            name=name,
            email=email,
            region=region,
            lead=lead,
            available=available,
            created_at=now,
            updated_at=now,
        )
    )
    publisher.subscribe_representative(rep.rep_id, rep.email)
    return rep


def set_representative_active(rep_id: str, active: bool, admin: Principal) -> Representative:
    """Deactivate a representative (their tokens and sessions are refused from the next call or page on, and they
    get no new request) or reactivate them."""
    return representatives.set_active(rep_id, active, now=stamp(admin).at)


def replace_routing(document: RoutingDocument, admin: Principal) -> Stamp:
    """New routing rules; they decide which desk answers for which country, so the directory moves too."""
    now = stamp(admin)
    config.store_routing(document.model_dump(mode="json"), now=now.at, actor=now.by)
    directory.routing_changed(now=now.at, actor=now.by)
    return now


def replace_risk_tiers(tiers: RiskTiers, admin: Principal) -> Stamp:
    now = stamp(admin)
    config.store_risk_tiers(tiers, now=now.at, actor=now.by)
    return now


def replace_notice_policy(policy, admin: Principal) -> Stamp:
    """The user-notice policy (``domain.user_notice.NoticePolicy``), replaced whole."""
    now = stamp(admin)
    config.store_notice_policy(policy, now=now.at, actor=now.by)
    return now


@functools.cache
def _region_id() -> TypeAdapter:
    return TypeAdapter(RegionId)


def publish_contact(region: str, contact: RegionContact, admin: Principal) -> directory.Directory:
    """A region's contact in the public directory (replaced whole; the directory's version moves)."""
    try:
        _region_id().validate_python(region)
    except ValidationError:
        raise NotFound(f"No region '{region}'.", code="unknown_region") from None
    now = stamp(admin)
    return directory.store(region, contact, now=now.at, actor=now.by)
