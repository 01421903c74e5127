"""PynamoDB models, one per table of ``infra/template.json``.

Keys and indexes here must match the template; ``tests/infra`` compares them.
Table names and region come from settings, so the same classes serve moto and
AWS. Every model that changes over time carries a ``version`` for conditional
writes (a lost update becomes a 409, never a silent overwrite).
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model as _PynamoModel

from chalicelib import aws
from chalicelib.settings import get_settings


class Model(_PynamoModel):
    """PynamoDB's model, speaking through the process's one DynamoDB connection (``aws.share``)."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        return aws.share(super()._get_connection())


class _TableFromSettings(type):
    """Resolves ``Meta.table_name`` from settings when first used, not at import.

    `chalice package` imports the app to find its routes, with no table in the
    environment; the region comes from AWS_REGION through botocore.
    """

    setting: str

    @property
    def table_name(cls) -> str:
        return str(getattr(get_settings(), cls.setting))


class _Meta(metaclass=_TableFromSettings):
    setting = ""


class AgenciesInRegistry(GlobalSecondaryIndex["Agency"]):
    """Every agency under one constant key: the registry is small (hundreds), listed by admins only."""

    class Meta:
        index_name = "registry-index"
        projection = AllProjection()

    registry = UnicodeAttribute(hash_key=True)
    agency_id = UnicodeAttribute(range_key=True)


class AgencyMeta(_Meta):
    setting = "agencies_table"


REGISTRY = "agency"


class Agency(Model):
    """An authority registered to file requests (police, prosecutor, court, regulator, NGO)."""

    Meta = AgencyMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    agency_id = UnicodeAttribute(hash_key=True)
    registry = UnicodeAttribute(default=REGISTRY)
    name = UnicodeAttribute()
    country = UnicodeAttribute()  # ISO 3166-1 alpha-2
    kind = UnicodeAttribute()
    email_domain = UnicodeAttribute()
    contact_email = UnicodeAttribute()
    standing = UnicodeAttribute(default="pending")  # pending | verified | suspended
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute(default="system")
    first_emergency_request = UnicodeAttribute(null=True)  # set once, by its first emergency request
    trail_seq = NumberAttribute(null=True)  # the agency's own audit trail (store/trails.py): its length and head
    trail_head = UnicodeAttribute(null=True)
    version = VersionAttribute()
    in_registry = AgenciesInRegistry()


class ApplicationsByState(GlobalSecondaryIndex["AccountApplication"]):
    """Applications by state, oldest first: what waits for an admin's review."""

    class Meta:
        index_name = "applications-index"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True, attr_name="application_state")
    submitted_at = UnicodeAttribute(range_key=True)


APPLICATION_PREFIX = "application#"


class AccountApplication(Model):
    """An officer's application for an account (``domain/applications.py``). Kept in the agencies table under
    ``application#<id>``, outside the registry index (no ``registry`` attribute): the registry lists agencies
    only, and an agency's key can never take this form (``domain.agencies.IDENTIFIER``)."""

    Meta = AgencyMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    key = UnicodeAttribute(hash_key=True, attr_name="agency_id")
    application_id = UnicodeAttribute()
    state = UnicodeAttribute(attr_name="application_state")
    submitted_at = UnicodeAttribute()
    agency_name = UnicodeAttribute()
    country = UnicodeAttribute()
    kind = UnicodeAttribute()
    website = UnicodeAttribute(null=True)
    applicant_name = UnicodeAttribute()
    job_title = UnicodeAttribute()
    email = UnicodeAttribute()
    email_domain = UnicodeAttribute()
    phone = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    proof_hash = UnicodeAttribute(null=True)  # SHA-256 of the one-time link's secret; removed once used
    proof_expires_at = UnicodeAttribute(null=True)
    proof_attempts = NumberAttribute(default=0)
    proven_at = UnicodeAttribute(null=True)
    domain_check = UnicodeAttribute(null=True)  # JSON: the admin's finding, who and when
    call_back = UnicodeAttribute(null=True)  # JSON
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    agency_id = UnicodeAttribute(null=True, attr_name="decided_agency_id")
    reason = UnicodeAttribute(null=True)
    account = UnicodeAttribute(null=True)  # how the officer signs in, once approved
    outcome_sent_at = UnicodeAttribute(null=True)  # the applicant was e-mailed the decision
    expires_at_epoch = NumberAttribute(null=True)  # TTL: an application never proven deletes itself
    trail_seq = NumberAttribute(null=True)
    trail_head = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_state = ApplicationsByState()


class RepresentativesByRegion(GlobalSecondaryIndex["Representative"]):
    class Meta:
        index_name = "region-index"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    rep_id = UnicodeAttribute(range_key=True)


class RepresentativeMeta(_Meta):
    setting = "representatives_table"


class Representative(Model):
    """A person of the platform who handles requests of one region."""

    Meta = RepresentativeMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    rep_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    region = UnicodeAttribute()
    lead = BooleanAttribute(default=False)
    available = BooleanAttribute(default=True)  # takes new assignments (off while on leave)
    active = BooleanAttribute(null=True)  # False: deactivated by an admin, refused everywhere (absent: active)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
    by_region = RepresentativesByRegion()


class RequestsByAgency(GlobalSecondaryIndex["LegalRequest"]):
    class Meta:
        index_name = "agency-received-index"
        projection = AllProjection()

    agency_id = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class OpenRequestsByDeadline(GlobalSecondaryIndex["LegalRequest"]):
    """A desk's queue, most urgent first. Sparse: ``queue_region`` is set only while a request is open; ``queue_due``
    is the deadline it is worked to now (``domain.lifecycle.queue_key``)."""

    class Meta:
        index_name = "queue-next-due-index"
        projection = AllProjection()

    queue_region = UnicodeAttribute(hash_key=True)
    queue_due = UnicodeAttribute(range_key=True)


class ChainsChangedInHour(GlobalSecondaryIndex["LegalRequest"]):
    """The requests whose audit trail grew in one UTC hour (``chain_hour``, "YYYY-MM-DDTHH", set by every event
    write, the workflow's included): what an audit checkpoint anchors (``chalicelib/services/checkpoints.py``)."""

    class Meta:
        index_name = "chain-changed-index"
        projection = KeysOnlyProjection()

    chain_hour = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(range_key=True)


class NoticeTasksByDue(GlobalSecondaryIndex["LegalRequest"]):
    """A desk's user-notice tasks, soonest deadline first. Sparse: ``notice_task_region`` is set while a notice is
    due, or an indefinite non-disclosure order's review day has come (``services/user_notice.py``)."""

    class Meta:
        index_name = "notice-task-index"
        projection = AllProjection()

    notice_task_region = UnicodeAttribute(hash_key=True)
    notice_task_due = UnicodeAttribute(range_key=True)


class RequestMeta(_Meta):
    setting = "requests_table"


class TargetAttribute(MapAttribute):
    kind = UnicodeAttribute()
    value = UnicodeAttribute()


class LegalRequest(Model):
    """A legal request from an authority, with its deadlines and state."""

    Meta = RequestMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    request_id = UnicodeAttribute(hash_key=True)
    agency_id = UnicodeAttribute()
    submitted_by = UnicodeAttribute()
    type = UnicodeAttribute()
    status = UnicodeAttribute()
    region = UnicodeAttribute()
    queue_region = UnicodeAttribute(null=True)
    queue_due = UnicodeAttribute(null=True)  # the deadline worked to now: ack_due_at, then due_at; "~…" paused
    received_at = UnicodeAttribute()
    ack_due_at = UnicodeAttribute()
    due_at = UnicodeAttribute()
    legal_basis = UnicodeAttribute()
    reference = UnicodeAttribute()
    description = UnicodeAttribute()
    language = UnicodeAttribute()
    targets = ListAttribute(of=TargetAttribute, default=list)
    # PynamoDB types of= as the element type; a list of UnicodeAttribute holds str.
    data_categories: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    emergency = JSONAttribute(null=True)
    certificate = JSONAttribute(null=True)  # an EU order filed as its official form, exactly as filed
    enforcing_authority = JSONAttribute(null=True)  # e-Evidence Art. 8: the notified authority's wait and answers
    official_answers = JSONAttribute(null=True)  # the official forms exchanged after filing (Annex III ...), as sent
    enforcing_wait_over = BooleanAttribute(null=True)  # set by the workflow when the Art. 8 wait's 10 days end
    enforcing_timer = JSONAttribute(null=True)  # the Art. 8 wait as the workflow was last given it, for its Resync
    official_form_pdfs = JSONAttribute(null=True)  # the certificate's and each answer's PDF: document id, SHA-256
    routing_rule = UnicodeAttribute()
    body_sha256 = UnicodeAttribute()
    idempotency_key = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    escalation_chain: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # backup, then lead
    assignment_rule = UnicodeAttribute(null=True)
    acknowledged_at = UnicodeAttribute(null=True)
    paused_at = UnicodeAttribute(null=True)  # while awaiting information the resolve clock stops
    decided_at = UnicodeAttribute(null=True)
    decision = JSONAttribute(null=True)
    # Set by the workflow while it waits; answered by the API, never shown to anyone.
    task_token = UnicodeAttribute(null=True)
    waiting_for = UnicodeAttribute(null=True)
    resolve_timer_seconds = NumberAttribute(null=True)
    escalation_level = NumberAttribute(default=0)
    sla_breached = BooleanAttribute(default=False)
    workflow_execution = UnicodeAttribute(null=True)
    jurisdiction = UnicodeAttribute(null=True)  # the agency's country when it filed
    receipt = UnicodeAttribute(null=True)  # the signed receipt handed to the authority (a compact JWS)
    first_emergency = BooleanAttribute(default=False)  # the agency's first emergency request: flagged to the lead
    verification = JSONAttribute(null=True)  # the latest call-back verification of an emergency request
    # Every call-back verification, oldest first, and each clearance of a failed one by the region's lead
    # (outcome "cleared"); written whole on each change, never appended to in place (the audit trail replays it).
    verifications = JSONAttribute(null=True)
    risk_tier = UnicodeAttribute(null=True)  # of the jurisdiction, when the request was decided or proposed
    pending_decision = JSONAttribute(null=True)  # a fulfilment waiting for a second representative's approval
    document_count = NumberAttribute(default=0)
    messages_count = NumberAttribute(default=0)  # messages posted: capped per request (settings.messages_per_request)
    refusals_recorded = NumberAttribute(default=0)  # refused attempts written into the audit trail
    verification_failed = BooleanAttribute(default=False)  # a call-back failed at least once (transparency)
    tallied = BooleanAttribute(default=False)  # counted in the transparency tallies since its submission
    # Preservation holds. hold_state is always set ("none" until a hold starts), so the workflow can read it.
    hold_state = UnicodeAttribute(default="none")  # none | active | expired
    hold_expires_at = UnicodeAttribute(null=True)
    hold_extended = BooleanAttribute(default=False)
    hold_reminder_seconds = NumberAttribute(null=True)  # pre-scaled timers, for the workflow's Resync
    hold_expiry_seconds = NumberAttribute(null=True)
    # User notice (domain/user_notice.py): the state (a scalar, so the workflow can read and set it) and its
    # particulars (the rule applied, a non-disclosure order, the notice given ...).
    notice_state = UnicodeAttribute(null=True)
    user_notice = JSONAttribute(null=True)
    notice_timer = JSONAttribute(null=True)  # the notice's timer as the workflow was last given it, for its Resync
    notice_due_at = UnicodeAttribute(null=True)  # when the running timer fires: the workflow checks it is current
    notice_task_region = UnicodeAttribute(null=True)  # on the desk's notice tasks (sparse index) while set
    notice_task_due = UnicodeAttribute(null=True)
    notice_overdue = BooleanAttribute(null=True)  # the lead was told the notice was not recorded in time
    updated_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    last_event_seq = NumberAttribute(default=0)
    last_event_hash = UnicodeAttribute(null=True)  # head of the audit chain
    chain_hour = UnicodeAttribute(null=True)  # the UTC hour of the last event ("YYYY-MM-DDTHH")
    version = VersionAttribute()
    by_agency = RequestsByAgency()
    open_by_deadline = OpenRequestsByDeadline()
    by_chain_hour = ChainsChangedInHour()
    notice_tasks = NoticeTasksByDue()


class EventMeta(_Meta):
    setting = "events_table"


class Event(Model):
    """One entry of a request's timeline; ``seq`` orders them and is never reused.

    ``detail`` is kept as the JSON text that was hashed (the workflow writes its own events,
    with its own serialisation), and ``hash`` chains the event to the one before
    (``chalicelib/domain/audit.py``)."""

    Meta = EventMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    request_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = UnicodeAttribute(default="{}")
    prev_hash = UnicodeAttribute(null=True)
    hash = UnicodeAttribute(null=True)

    @property
    def details(self) -> dict[str, Any]:
        value = json.loads(self.detail or "{}")
        return value if isinstance(value, dict) else {"value": value}


class DocumentMeta(_Meta):
    setting = "documents_table"


class Document(Model):
    """A document of a request (legal process from the authority, a response package from the platform).

    The bytes live in the evidence bucket under the request's prefix; this item holds what was declared and,
    once checked, the object version whose SHA-256 matched (downloads serve that version only)."""

    Meta = DocumentMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    request_id = UnicodeAttribute(hash_key=True)
    document_id = UnicodeAttribute(range_key=True)
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    sha256 = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")  # pending | stored | rejected
    reason = UnicodeAttribute(null=True)  # why it was rejected
    key = UnicodeAttribute()
    object_version = UnicodeAttribute(null=True)
    uploaded_by = UnicodeAttribute()
    uploader_role = UnicodeAttribute()
    created_at = UnicodeAttribute()
    upload_expires_at = UnicodeAttribute()
    checked_at = UnicodeAttribute(null=True)
    version = VersionAttribute()


class FilingMeta(_Meta):
    setting = "filings_table"


class Filing(Model):
    """A request's body as filed (the canonical JSON whose SHA-256 its ``submitted`` event binds), written in the
    submission's own transaction. The table's stream hands it to ``keep_filings`` (``chalicelib/events.py``), which
    copies it into the evidence bucket (``store/filings.py``); the item stays, and never changes."""

    Meta = FilingMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    request_id = UnicodeAttribute(hash_key=True)
    sha256 = UnicodeAttribute(range_key=True)
    body = BinaryAttribute(legacy_encoding=False)
    filed_at = UnicodeAttribute()


class ReportsMeta(_Meta):
    setting = "reports_table"


class Tally(Model):
    """Transparency counts of the requests received on one day, in one of a few shards.

    Its counters are flat attributes named by what they count (``n|FR|data_disclosure|open``,
    ``ack|preservation|37``...), added to in the same transaction as the change they count, so they need no
    declaration here (``chalicelib/services/transparency.py``)."""

    Meta = ReportsMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    period = UnicodeAttribute(hash_key=True)  # "day"
    slot = UnicodeAttribute(range_key=True)  # "YYYY-MM-DD#<shard>"


class ConfigMeta(_Meta):
    setting = "config_table"


class ConfigEntry(Model):
    """A named configuration document edited by admins (routing...), or a rotation counter.

    No version attribute: documents are replaced whole by an admin's PUT and counters move by atomic ADD,
    so an optimistic-concurrency version would only be reset on every write."""

    Meta = ConfigMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    name = UnicodeAttribute(hash_key=True)
    document = JSONAttribute(null=True)
    counter = NumberAttribute(null=True)  # rotation and rate-limit counters use this instead
    expires_at_epoch = NumberAttribute(null=True)  # TTL: rate-limit windows delete themselves
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)


class SessionMeta(_Meta):
    setting = "sessions_table"


class WebSession(Model):
    """A signed-in browser, or one on its way through the provider's sign-in (``stage`` "pending").

    The cookie holds a random secret; the key here is its SHA-256, so whoever reads this table cannot
    present a session. DynamoDB's TTL deletes an item some time after ``expires_at_epoch``; every read
    checks the times itself (``chalicelib/web/sessions.py``)."""

    Meta = SessionMeta  # type: ignore[assignment]  # a class; PynamoDB types Meta as an instance
    session_key = UnicodeAttribute(hash_key=True)  # hex SHA-256 of the cookie's secret
    stage = UnicodeAttribute()  # pending | active
    created_at_epoch = NumberAttribute()
    last_seen_epoch = NumberAttribute()
    expires_at_epoch = NumberAttribute()  # TTL
    # pending: the authorization request this browser started
    state = UnicodeAttribute(null=True)
    nonce = UnicodeAttribute(null=True)
    code_verifier = UnicodeAttribute(null=True)
    return_to = UnicodeAttribute(null=True)
    # active: who signed in, as the ID token said (the principal), and what forms must echo
    principal = JSONAttribute(null=True)
    csrf_token = UnicodeAttribute(null=True)


MODELS: dict[str, type[Model]] = {
    "RequestsTable": LegalRequest,
    "EventsTable": Event,
    "AgenciesTable": Agency,
    "RepresentativesTable": Representative,
    "ConfigTable": ConfigEntry,
    "DocumentsTable": Document,
    "FilingsTable": Filing,
    "ReportsTable": Tally,
    "SessionsTable": WebSession,
}
# Models kept in another model's table (under keys of their own), whose indexes that table carries too.
SHARED_TABLES: dict[str, tuple[type[Model], ...]] = {"AgenciesTable": (AccountApplication,)}
