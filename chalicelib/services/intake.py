"""The authority's side of the desk: submit a request, follow it, withdraw it."""

from __future__ import annotations

import base64
import functools
import secrets
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.auth.principal import Principal
from chalicelib.aws import client
from chalicelib.clock import Clock, app_clock, isoformat
from chalicelib.domain import certificates
from chalicelib.domain.assignment import region_lead
from chalicelib.domain.deadlines import DeadlinePolicy, Deadlines, RequestType
from chalicelib.domain.intake import Submission, check_type_rules
from chalicelib.domain.lifecycle import Status
from chalicelib.errors import Conflict, DependencyUnavailable, Forbidden, TooManyRequests, Unprocessable
from chalicelib.observability import metrics
from chalicelib.services import config, transparency, user_notice
from chalicelib.services.dispatch import Dispatch
from chalicelib.services.official_forms import OfficialForms
from chalicelib.services.receipts import ReceiptSigner
from chalicelib.settings import get_settings
from chalicelib.store import filings, ratelimits
from chalicelib.store.agencies import AgencyRepository
from chalicelib.store.models import Agency, LegalRequest, TargetAttribute
from chalicelib.store.requests import Change, Refused, RequestRepository, bound_state
from chalicelib.workflow.client import Workflow

REQUEST_ID_PREFIX = "LR-"
# How many times a submission is tried: the first with the turn the container last saw, taken in the
# transaction; the next ones, if another took that turn or transactions kept meeting, with a turn taken by the
# atomic ADD (theirs alone). A transaction then fails only on a conflict with others (retried inside
# RequestRepository.create); after these many attempts: 409 concurrent_submission, and the client retries.
TURN_ATTEMPTS = 3


def _base32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def request_id_for(agency_id: str, idempotency_key: str | None) -> str:
    """A fresh random id, or, under an Idempotency-Key, one derived from it.

    The derived id makes a retry after a crash land on the same item, so a
    request can never be stored twice whatever fails between the write and
    the reply. It is a MAC of (agency, key) under the deployment's KMS HMAC
    key, not a plain hash: another agency that guesses a key (``pv-2026-0042``)
    still cannot compute the id. The secret never leaves KMS and nothing of it
    is cached; a submission with a key costs one ``GenerateMac`` call. If KMS
    cannot answer, nothing is stored (503) and the authority retries.
    """
    if idempotency_key is None:
        return REQUEST_ID_PREFIX + _base32(secrets.token_bytes(10))
    try:
        mac = client("kms").generate_mac(
            KeyId=get_settings().request_id_key_id,
            MacAlgorithm="HMAC_SHA_256",
            Message=f"{agency_id}\n{idempotency_key}".encode(),
        )["Mac"]
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable(
            "The request id could not be derived; nothing was stored. Retry shortly.", code="request_id_unavailable"
        ) from error
    return REQUEST_ID_PREFIX + _base32(mac[:10])


def actor_of(principal: Principal) -> tuple[str, str]:
    return principal.role.value, principal.subject


class Intake:
    def __init__(
        self,
        *,
        requests: RequestRepository | None = None,
        agencies: AgencyRepository | None = None,
        workflow: Workflow | None = None,
        policy: DeadlinePolicy | None = None,
        dispatch: Dispatch | None = None,
        receipts: ReceiptSigner | None = None,
        clock: Clock = app_clock,
    ) -> None:
        self.requests = requests or RequestRepository()
        self.agencies = agencies or AgencyRepository()
        self.workflow = workflow or Workflow()
        self.dispatch = dispatch or Dispatch(requests=self.requests, workflow=self.workflow, clock=clock)
        self._policy = policy
        self.receipts = receipts or ReceiptSigner()
        self.clock = clock

    @functools.cached_property
    def policy(self) -> DeadlinePolicy:
        return self._policy or DeadlinePolicy(get_settings().deadlines)

    def check(self, principal: Principal, submission: Submission) -> None:
        """Everything that can refuse a submission before anything is stored."""
        check_type_rules(submission)
        if submission.type is RequestType.EMERGENCY_DISCLOSURE and not principal.mfa:
            raise Forbidden(
                "An emergency disclosure must be filed with a multi-factor authenticated token.", code="mfa_required"
            )

    def submit(
        self,
        principal: Principal,
        submission: Submission,
        *,
        body: bytes,
        body_sha256: str,
        idempotency_key: str | None,
        agency: Agency | None = None,
    ) -> LegalRequest:
        """Store the request, assigned in the same transaction, and start its workflow. ``body`` is the
        canonical JSON whose hash is ``body_sha256``: it is written with the request (``store/filings``).
        ``agency`` is the caller's agency if the route guard already read it on this call (saves reading it
        again)."""
        agency_id = principal.agency_id
        assert agency_id is not None  # authority principals always carry one
        request_id = request_id_for(agency_id, idempotency_key)
        existing = self.requests.get(request_id) if idempotency_key else None
        if existing is not None:
            # A retry of a submission whose first attempt stored it but did not answer.
            if existing.body_sha256 != body_sha256:
                raise Unprocessable(
                    "This Idempotency-Key was used with a different body.", code="idempotency_key_reused"
                )
            return self.dispatch.dispatch(existing)

        if agency is None or agency.agency_id != agency_id:
            agency = self.agencies.get(agency_id)
        if agency is None:  # the guard checked it a moment ago; it was deleted since
            raise Forbidden("Your agency is not registered.", code="agency_unknown")
        received = self.clock.now()
        region, rule = config.routing_rules().region_for(agency.country, submission.type.value)
        if submission.certificate is not None:
            self._desk_reads(region, submission.language)
        deadlines = self.policy.deadlines(submission.type, received)
        notice = (
            certificates.enforcing_notice(received, submission.type is RequestType.EMERGENCY_DISCLOSURE)
            if certificates.requires_enforcing_authority(submission.certificate, submission.data_categories)
            else None
        )
        if notice and notice.get("wait_until"):  # the data go when the enforcing authority's 10 days end, not before
            deadlines = Deadlines(
                deadlines.ack_due_at, received + certificates.ENFORCING_WAIT + certificates.ENFORCING_SEND_WINDOW
            )
        now = isoformat(received)
        notice_state, particulars = user_notice.at_filing(
            submission.type,
            agency.country,
            submission.certificate,
            submission.non_disclosure,
            principal.subject,
            received,
        )
        item = LegalRequest(
            request_id,
            agency_id=agency_id,
            submitted_by=principal.subject,
            type=submission.type.value,
            status=Status.RECEIVED.value,
            region=region,
            queue_region=region,
            routing_rule=rule,
            queue_due=isoformat(deadlines.ack_due_at),
            received_at=now,
            ack_due_at=isoformat(deadlines.ack_due_at),
            due_at=isoformat(deadlines.due_at),
            legal_basis=submission.legal_basis,
            reference=submission.reference,
            description=submission.description,
            language=submission.language,
            targets=[TargetAttribute(kind=t.kind.value, value=t.value) for t in submission.targets],
            data_categories=[c.value for c in submission.data_categories] if submission.data_categories else None,
            emergency=submission.emergency.model_dump(mode="json") if submission.emergency else None,
            certificate=submission.certificate,
            body_sha256=body_sha256,
            enforcing_authority=notice,
            idempotency_key=idempotency_key,
            updated_at=now,
            jurisdiction=agency.country,
            tallied=True,
            notice_state=notice_state.value,
            user_notice=particulars,
        )
        # Signed before anything is stored: if KMS is unavailable the submission fails whole (503) and is retried.
        item.receipt = self.receipts.sign(
            {"request_id": request_id, "agency_id": agency_id, "received_at": now, "body_sha256": body_sha256}
        )
        role, actor = actor_of(principal)
        emergency = submission.type is RequestType.EMERGENCY_DISCLOSURE
        limits, retry_after = self._emergency_limits(agency_id, principal.subject, received) if emergency else ([], 0)
        tallies = transparency.on_submit(item)
        # The first event binds the request as filed (every bound field, and the hash of the body kept in the
        # evidence bucket); the assignment, written in the same transaction, is the next event.
        submitted = Change(
            "submitted",
            role,
            actor,
            now,
            {"type": item.type, "region": region, "routing_rule": rule, "body_sha256": body_sha256},
            sets=bound_state(item),
        )
        # The body as filed is written with the request, so no request is ever stored without it; the filings
        # table's stream copies it into the evidence bucket (chalicelib/events.py: keep_filings).
        filed = filings.item(request_id, body, now)
        contended, taken = False, None
        for _ in range(TURN_ATTEMPTS):
            # Nobody available: no change; dispatch() below alerts once. The turn is taken in the transaction,
            # or, contended, with the ADD once (kept for the next attempts: a turn taken is never lost).
            assigned, take_turn, turn = self.dispatch.assign_unstored(item, now, contended=contended, taken=taken)
            if contended:
                taken = turn
            try:
                self.requests.create(
                    item, submitted, [*limits, *tallies, *take_turn], then=assigned, with_items=[filed]
                )
                break
            except Refused as refused:
                if refused.index < len(limits):
                    scope = ("agency", "officer")[refused.index]
                    metrics.add_metric(name="EmergencyRateLimited", unit="Count", value=1)
                    raise TooManyRequests(
                        f"Too many emergency requests from this {scope} in this hour; nothing was stored. Retry "
                        f"after {retry_after} s, or call the emergency line of the platform's directory.",
                        code="emergency_rate_limited",
                        headers={"Retry-After": str(retry_after)},
                    ) from None
                if refused.index != len(limits) + len(tallies):  # the tallies are unconditional: never them
                    raise
                # Another submission took this turn first (in another container, or at the same moment): take the
                # next turn with the atomic ADD, which also tells this container where the counter stands.
                contended = True
            except Conflict as conflict:
                if conflict.code != "concurrent_submission":
                    raise
                # Other transactions held the counter each time (DynamoDB's TransactionConflict, which tells
                # no value): take the turn with the atomic ADD.
                contended = True
        else:
            raise Conflict(
                "Many submissions to this desk met yours; nothing was stored. Retry it.", code="concurrent_submission"
            )
        if turn is not None:
            self.dispatch.representatives.took_turn(region, turn)
        metrics.add_metric(name="RequestsSubmitted", unit="Count", value=1)
        if (
            emergency
            and agency.first_emergency_request is None
            and self.agencies.claim_first_emergency(agency_id, request_id)
        ):
            item = self.requests.apply(
                item,
                Change("flagged", "system", "intake", now, {"reason": "first_emergency_from_agency"}),
                [LegalRequest.first_emergency.set(True)],
            )
        item = self.dispatch.dispatch(item, assignment_tried=True)
        if item.certificate:  # its PDF, laid out like the annex, in the evidence bucket and the trail
            item = OfficialForms(requests=self.requests, clock=self.clock).render_missing(item)
        if item.first_emergency:
            self.dispatch.publisher.tell_lead(  # the registry's lead (operators if none), never the chain's last
                item.region,
                region_lead(self.dispatch.representatives.candidates(item.region)),
                item.request_id,
                f"{item.type} request {item.request_id} is the first emergency request from agency {agency_id}. "
                "Forged emergencies come from hijacked police mailboxes: verify it by calling the agency back on an "
                "independently sourced number before anything is disclosed.",
            )
        return item

    @staticmethod
    def _desk_reads(region: str, language: str) -> None:
        """An EU order comes in a language the addressed desk accepts (e-Evidence Art. 4(5), TCO Art. 15(2): the
        languages the provider declared, which the public directory publishes); 422 naming them otherwise."""
        from chalicelib.services import directory

        contact = directory.directory().entry(None, region, "").get("contact") or {}
        accepted = [
            str(tag)
            for tag in (contact.get("languages") if isinstance(contact, dict) else getattr(contact, "languages", []))
            or []
        ]
        if accepted and language.split("-")[0].lower() not in {tag.split("-")[0].lower() for tag in accepted}:
            raise Unprocessable(
                f"This desk accepts certificates in {', '.join(accepted)}, not '{language}': "
                "send it translated into one of them.",
                code="language_not_accepted",
                field="language",
            )

    @staticmethod
    def _emergency_limits(agency_id: str, officer: str, received: datetime) -> tuple[list, int]:
        """Counters of this clock hour for the agency and the officer, incremented in the submission's own
        transaction: over the limit, the whole submission is refused and nothing is counted or stored."""
        limits = get_settings().emergency_limits
        hour = ratelimits.Window.of(received, 3600)
        return [
            ratelimits.counter(f"emergency#agency#{agency_id}", limits.agency_per_hour, hour),
            ratelimits.counter(f"emergency#officer#{agency_id}#{officer}", limits.officer_per_hour, hour),
        ], hour.retry_after(received)

    def page(
        self, principal: Principal, *, limit: int, cursor: str | None, status: Status | None, type_: RequestType | None
    ) -> tuple[list[LegalRequest], str | None]:
        assert principal.agency_id is not None
        return self.requests.page_for_agency(
            principal.agency_id,
            limit=limit,
            after=cursor,
            status=status.value if status else None,
            type_=type_.value if type_ else None,
        )
