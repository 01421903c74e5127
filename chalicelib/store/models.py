"""PynamoDB models, one per table of ``infra/template.json``.

Keys and indexes here must match the template; ``tests/infra`` compares them.
Table names and region come from settings, so the same classes serve moto and
AWS. Every model that changes over time carries a ``version`` for conditional
writes (a lost update becomes a 409, never a silent overwrite).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.aws_region


class AgencyMeta(_Meta):
    table_name = _settings.agencies_table


class Agency(Model):
    """An authority registered to file requests (police, prosecutor, court, regulator, NGO)."""

    Meta = AgencyMeta
    agency_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    country = UnicodeAttribute()  # ISO 3166-1 alpha-2
    kind = UnicodeAttribute()
    email_domain = UnicodeAttribute()
    contact_email = UnicodeAttribute()
    standing = UnicodeAttribute(default="pending")  # pending | verified | suspended
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class RepresentativesByRegion(GlobalSecondaryIndex["Representative"]):
    class Meta:
        index_name = "region-index"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    rep_id = UnicodeAttribute(range_key=True)


class RepresentativeMeta(_Meta):
    table_name = _settings.representatives_table


class Representative(Model):
    """A person of the platform who handles requests of one region."""

    Meta = RepresentativeMeta
    rep_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    region = UnicodeAttribute()
    lead = BooleanAttribute(default=False)
    available = BooleanAttribute(default=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
    by_region = RepresentativesByRegion()


class RequestsByAgency(GlobalSecondaryIndex["Request"]):
    class Meta:
        index_name = "agency-received-index"
        projection = AllProjection()

    agency_id = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class OpenRequestsByDeadline(GlobalSecondaryIndex["Request"]):
    """Sparse: ``queue_region`` is set only while a request is open."""

    class Meta:
        index_name = "queue-due-index"
        projection = AllProjection()

    queue_region = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class RequestMeta(_Meta):
    table_name = _settings.requests_table


class Target(MapAttribute):
    kind = UnicodeAttribute()
    value = UnicodeAttribute()


class Request(Model):
    """A legal request from an authority, with its deadlines and state."""

    Meta = RequestMeta
    request_id = UnicodeAttribute(hash_key=True)
    agency_id = UnicodeAttribute()
    submitted_by = UnicodeAttribute()
    type = UnicodeAttribute()
    status = UnicodeAttribute()
    region = UnicodeAttribute()
    queue_region = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute()
    ack_due_at = UnicodeAttribute()
    due_at = UnicodeAttribute()
    legal_basis = UnicodeAttribute()
    reference = UnicodeAttribute()
    description = UnicodeAttribute()
    language = UnicodeAttribute()
    targets = ListAttribute(of=Target, default=list)
    data_categories = ListAttribute(of=UnicodeAttribute, null=True)
    emergency = JSONAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    escalation_level = NumberAttribute(default=0)
    sla_breached = BooleanAttribute(default=False)
    workflow_execution = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_agency = RequestsByAgency()
    open_by_deadline = OpenRequestsByDeadline()


class EventMeta(_Meta):
    table_name = _settings.events_table


class Event(Model):
    """One entry of a request's timeline; ``seq`` orders them and is never reused."""

    Meta = EventMeta
    request_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = JSONAttribute(default=dict)


class ConfigMeta(_Meta):
    table_name = _settings.config_table


class ConfigEntry(Model):
    """A named, versioned configuration document edited by admins (routing, contacts...)."""

    Meta = ConfigMeta
    name = UnicodeAttribute(hash_key=True)
    document = JSONAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    version = VersionAttribute()


MODELS: dict[str, type[Model]] = {
    "RequestsTable": Request,
    "EventsTable": Event,
    "AgenciesTable": Agency,
    "RepresentativesTable": Representative,
    "ConfigTable": ConfigEntry,
}
