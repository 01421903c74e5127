"""Applications for an account, from the portal's form to an admin's decision (``domain/applications.py``).

Every step is an event of the application's own trail (``store/trails.py``); approving writes the agency's
trail too (registered from the application, or an officer added to it), naming the application and the head
of its trail, so an auditor can follow an agency back to who asked for it and how they were checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from datetime import timedelta
from typing import NamedTuple

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.auth.principal import Principal
from chalicelib.clock import Clock, app_clock, isoformat, parse_instant
from chalicelib.domain import applications as rules
from chalicelib.domain.agencies import AgencyKind, NewAgency, Standing
from chalicelib.domain.applications import Approval, CallBack, Check, DomainCheck, NewApplication, Rejection, State
from chalicelib.errors import BadRequest, Conflict, LiaisonError, NotFound, TooManyRequests
from chalicelib.notify import mail
from chalicelib.notify.publisher import Publisher
from chalicelib.observability import logger, metrics
from chalicelib.services import accounts
from chalicelib.settings import get_settings
from chalicelib.store import ratelimits, trails
from chalicelib.store.agencies import AgencyRepository
from chalicelib.store.models import APPLICATION_PREFIX, AccountApplication, Agency
from chalicelib.store.paging import query_page

APPLICATION_ID = re.compile(r"^AP-[A-Z2-7]{16}$")
PAGE_SIZE = 50


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def content_digest(item: AccountApplication) -> str:
    """SHA-256 of what the applicant gave, in a canonical form: the trail binds it without holding it."""
    given = {
        name: getattr(item, name)
        for name in (
            "agency_name",
            "country",
            "kind",
            "website",
            "applicant_name",
            "job_title",
            "email",
            "phone",
            "note",
        )
    }
    return _digest(json.dumps(given, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _network(source: str) -> str:
    """What one network is for the form's limit: an IPv4 address, or an IPv6 /64 (one host's whole allocation)."""
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def new_id() -> str:
    return "AP-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


class Limit(NamedTuple):
    name: str
    limit: int
    seconds: int
    message: str


class Applications:
    def __init__(self, clock: Clock = app_clock) -> None:
        self.clock = clock
        self.agencies = AgencyRepository()
        self.publisher = Publisher()

    # --- The applicant -------------------------------------------------------------------------------------------

    @staticmethod
    def open() -> bool:
        """Whether this deployment takes applications: it must be able to e-mail the one-time link."""
        return mail.configured()

    def apply(self, new: NewApplication, source: str) -> AccountApplication:
        """File an application and e-mail the one-time link that proves the address. ``source``: the network
        address it came from (rate-limited, kept only as a hash)."""
        if not self.open():
            raise NotFound(
                "Applying in the portal is not available on this deployment; write to the onboarding "
                "contact of the public directory.",
                code="applications_closed",
            )
        now = self.clock.now()
        address = new.email.lower()  # one person, however they spell it
        limits = [
            Limit("apply#all", rules.ALL_PER_HOUR, 3600, "The form takes few applications an hour, and is full."),
            Limit(
                f"apply#source#{_digest(_network(source))[:32]}",
                rules.PER_SOURCE_PER_HOUR,
                3600,
                f"At most {rules.PER_SOURCE_PER_HOUR} applications an hour come from one network.",
            ),
            Limit(
                f"apply#address#{_digest(address)[:32]}",
                rules.PER_ADDRESS_PER_DAY,
                86400,
                f"At most {rules.PER_ADDRESS_PER_DAY} applications a day for one address.",
            ),
            Limit(
                f"apply#domain#{new.email_domain}",
                rules.PER_DOMAIN_PER_DAY,
                86400,
                f"At most {rules.PER_DOMAIN_PER_DAY} applications a day from one e-mail domain.",
            ),
        ]
        counters = []
        for limit in limits:
            window = ratelimits.Window.of(now, limit.seconds)
            if ratelimits.reached(limit.name, limit.limit, window):
                metrics.add_metric(name="ApplicationsRateLimited", unit="Count", value=1)
                retry = window.retry_after(now)
                raise TooManyRequests(
                    f"{limit.message} Nothing was stored; try again in {_duration(retry)}. "
                    "In an emergency, use the emergency channel of the public directory.",
                    code="applications_rate_limited",
                    headers={"Retry-After": str(retry)},
                )
            counters.append(ratelimits.counter(limit.name, limit.limit, window))
        token = secrets.token_urlsafe(32)
        at = isoformat(now)
        application_id = new_id()
        item = AccountApplication(
            APPLICATION_PREFIX + application_id,
            application_id=application_id,
            state=State.UNPROVEN.value,
            submitted_at=at,
            agency_name=new.agency_name,
            country=new.country,
            kind=new.kind.value,
            website=new.website,
            applicant_name=new.applicant_name,
            job_title=new.job_title,
            email=new.email,
            email_domain=new.email_domain,
            phone=new.phone,
            note=new.note,
            proof_hash=_digest(token),
            proof_expires_at=isoformat(now + timedelta(hours=rules.PROOF_HOURS)),
            proof_attempts=0,
            expires_at_epoch=int((now + timedelta(days=rules.KEPT_UNPROVEN_DAYS)).timestamp()),
        )
        # The trail outlives an application never confirmed (perhaps filed in a stranger's name), so it keeps a
        # digest of what was given, not the personal data itself: that stays on the item, which its TTL deletes.
        detail = {"content_sha256": content_digest(item), "email_domain": new.email_domain}
        try:
            trails.write(
                item,
                trails.application_key(application_id),
                trails.Entry("application_filed", "applicant", "applicant", detail),
                at,
                [],
                condition=AccountApplication.key.does_not_exist(),
                new=True,
                also=counters,
            )
        except TransactWriteError as error:  # a counter filled up between the check and the write
            if error.cause_response_code == "TransactionCanceledException":
                raise TooManyRequests(
                    "Too many applications at once; nothing was stored. Try again in a minute.",
                    code="applications_rate_limited",
                    headers={"Retry-After": "60"},
                ) from None
            raise
        try:
            mail.send(new.email, "Confirm your address to apply for Liaison", _proof_text(item, token))
        except LiaisonError:  # the link cannot be sent again (only its hash is kept): give the address its try back
            ratelimits.uncount(limits[2].name, ratelimits.Window.of(now, limits[2].seconds))
            raise
        return item

    def get(self, application_id: str) -> AccountApplication | None:
        if not APPLICATION_ID.match(application_id or ""):
            return None
        try:
            return AccountApplication.get(APPLICATION_PREFIX + application_id, consistent_read=True)
        except DoesNotExist:
            return None

    def prove(self, application_id: str, token: str) -> AccountApplication | None:
        """The one-time link, followed: the address is the applicant's. None: confirmed before (a link followed
        again learns nothing of the application, whatever token it carries)."""
        item = self.get(application_id)
        if item is None:
            raise NotFound(
                "No such application: it may have expired (an address not confirmed within "
                f"{rules.KEPT_UNPROVEN_DAYS} days is forgotten). Apply again.",
                code="no_application",
            )
        if item.state != State.UNPROVEN:
            return None
        now = self.clock.now()
        if int(item.proof_attempts or 0) >= rules.PROOF_ATTEMPTS:
            raise Conflict("This application had too many wrong links; apply again.", code="proof_locked")
        if not item.proof_hash or not hmac.compare_digest(_digest(token or ""), item.proof_hash):
            self._write(item, "proof_refused", "applicant", "applicant", {}, [AccountApplication.proof_attempts.add(1)])
            raise BadRequest(
                "This link is not the one we sent. Open the latest e-mail and follow its link as it is.",
                code="invalid_proof",
            )
        if now >= parse_instant(item.proof_expires_at):
            raise Conflict(
                f"This link expired {rules.PROOF_HOURS} hours after it was sent. Apply again.", code="proof_expired"
            )
        self._write(
            item,
            "address_proven",
            "applicant",
            "applicant",
            {},
            [
                AccountApplication.state.set(State.AWAITING_REVIEW.value),
                AccountApplication.proven_at.set(isoformat(now)),
                AccountApplication.proof_hash.remove(),
                AccountApplication.expires_at_epoch.remove(),
            ],
        )
        return self._reread(item)

    # --- The admin ------------------------------------------------------------------------------------------------

    def page(self, state: State, *, cursor: str | None) -> tuple[list[AccountApplication], str | None]:
        """Applications in ``state``, oldest first (the index; never a Scan)."""
        return query_page(
            AccountApplication.by_state,
            AccountApplication,
            state.value,
            key_names=("application_state", "submitted_at", "agency_id"),
            limit=PAGE_SIZE,
            after=cursor,
            newest_first=False,
        )

    def same_domain(self, item: AccountApplication) -> list[Agency]:
        """Registered agencies of exactly the applicant's e-mail domain: the admin sees them, and may add the officer
        to one instead of registering the agency twice (a parent domain is another agency: a ministry is not each
        of its services). Reads the registry index."""
        found, cursor = [], None
        for _ in range(20):  # the registry is hundreds of agencies: 20 pages of 100 is more than it holds
            page, cursor = self.agencies.page(limit=100, after=cursor, standing=None)
            found += [a for a in page if a.email_domain == item.email_domain]
            if not cursor:
                break
        return found

    def record_check(
        self, admin: Principal, application_id: str, check: Check, finding: DomainCheck | CallBack
    ) -> AccountApplication:
        item = self._awaiting(application_id)
        if isinstance(finding, CallBack) and rules.same_number(finding.number, item.phone):
            raise BadRequest(
                "That is the number the application gave. Call the agency on a number from an "
                "independent source (an official directory, its switchboard), not the applicant's.",
                code="call_back_not_independent",
                field="number",
            )
        at = isoformat(self.clock.now())
        recorded = {**finding.model_dump(mode="json"), "by": f"admin:{admin.subject}", "at": at}
        attribute = AccountApplication.domain_check if check is Check.DOMAIN else AccountApplication.call_back
        self._write(
            item,
            "domain_checked" if check is Check.DOMAIN else "call_back_recorded",
            "admin",
            f"admin:{admin.subject}",
            finding.model_dump(mode="json"),
            [attribute.set(json.dumps(recorded, sort_keys=True))],
        )
        return self._reread(item)

    def approve(self, admin: Principal, application_id: str, approval: Approval) -> AccountApplication:
        """Register the agency as verified (or add the officer to the registered agency of the very same domain)
        and record the decision, in one transaction; then make the officer's account and tell them (``finish``).

        The account comes last, once the agency is the applicant's for certain: an account made first would
        outlive a concurrent rejection, or carry an agency id someone else registered meanwhile."""
        item = self._awaiting(application_id)
        missing = [
            name
            for name, check in (("the domain check", item.domain_check), ("the call-back", item.call_back))
            if not check or not json.loads(check).get("confirmed")
        ]
        if missing:
            raise Conflict(f"Record {' and '.join(missing)}, confirmed, before approving.", code="checks_incomplete")
        actor = f"admin:{admin.subject}"
        at = isoformat(self.clock.now())
        existing = self.agencies.get(approval.agency_id)
        origin = {"application_id": item.application_id, "application_trail_head": item.trail_head or ""}
        if existing is not None:
            if item.email_domain != existing.email_domain:
                raise Conflict(
                    f"Agency {existing.agency_id} uses the domain {existing.email_domain}; this applicant's "
                    f"address is at {item.email_domain}. An officer joins only the agency of their own "
                    "domain: register a new agency instead.",
                    code="domain_mismatch",
                    field="agency_id",
                )
            if existing.standing != Standing.VERIFIED:
                raise Conflict(
                    f"Agency {existing.agency_id} is {existing.standing}: an officer cannot be added to it.",
                    code="agency_not_verified",
                    field="agency_id",
                )
            agency_step = self.agencies.officer_added(existing, {**origin, "email": item.email}, now=at, actor=actor)
        else:
            new = NewAgency(
                id=approval.agency_id,
                name=item.agency_name,
                country=item.country,
                kind=AgencyKind(item.kind),
                email_domain=item.email_domain,
                contact_email=item.email,
            )
            _, agency_step = self.agencies.registration(
                new, now=at, actor=actor, standing=Standing.VERIFIED, origin=origin
            )
        decided = trails.Step(
            item,
            trails.application_key(item.application_id),
            trails.Entry("approved", "admin", actor, {"agency_id": approval.agency_id, "new_agency": existing is None}),
            [
                AccountApplication.state.set(State.APPROVED.value),
                AccountApplication.decided_at.set(at),
                AccountApplication.decided_by.set(actor),
                AccountApplication.agency_id.set(approval.agency_id),
            ],
        )
        try:
            trails.write_all([agency_step, decided], at)
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise Conflict(
                    "The application or the agency changed meanwhile (another admin, or the same "
                    "identifier registered at the same time); nothing was approved. Reload and try again.",
                    code="stale_version",
                ) from None
            raise
        if existing is None:
            self.publisher.subscribe_contact(approval.agency_id, item.email)
        return self._follow_up(self._reread(item))

    def reject(self, admin: Principal, application_id: str, rejection: Rejection) -> AccountApplication:
        item = self._awaiting(application_id)
        actor = f"admin:{admin.subject}"
        at = isoformat(self.clock.now())
        self._write(
            item,
            "rejected",
            "admin",
            actor,
            {"reason": rejection.reason},
            [
                AccountApplication.state.set(State.REJECTED.value),
                AccountApplication.decided_at.set(at),
                AccountApplication.decided_by.set(actor),
                AccountApplication.reason.set(rejection.reason),
            ],
        )
        return self._follow_up(self._reread(item))

    def _follow_up(self, item: AccountApplication) -> AccountApplication:
        """``finish`` right after the decision, which stands whatever fails there (the page then offers to
        finish)."""
        try:
            return self.finish(item)
        except LiaisonError:
            logger.exception("decision recorded, follow-up not done", extra={"application_id": item.application_id})
            return self._reread(item)

    def finish(self, item: AccountApplication) -> AccountApplication:
        """What follows a decision, each step once and recorded: the approved officer's account, then the e-mail
        telling the applicant. A step that fails (the sign-in service, SES) leaves the decision standing and the
        admin's page offering to finish; running it again does only what is still to do."""
        if item.state not in (State.APPROVED, State.REJECTED):
            raise Conflict("There is no decision to act on yet.", code="not_decided")
        if item.state == State.APPROVED and not item.account:
            account = accounts.create_officer(item.email, item.applicant_name, str(item.agency_id))
            self._write(
                item,
                "account_made",
                "system",
                "liaison",
                {"where": account.where},
                [AccountApplication.account.set(account.where)],
            )
            item = self._reread(item)
        if not item.outcome_sent_at:
            try:
                message_id = mail.send(item.email, "Your application to Liaison", _outcome_text(item))
            except LiaisonError:
                logger.exception("application outcome not sent", extra={"application_id": item.application_id})
                return item
            self._write(
                item,
                "outcome_sent",
                "system",
                "liaison",
                {"message_id": message_id},
                [AccountApplication.outcome_sent_at.set(isoformat(self.clock.now()))],
            )
            item = self._reread(item)
        return item

    def trail(self, item: AccountApplication) -> tuple[list, object]:
        return trails.read(trails.application_key(item.application_id), item)

    # --- Helpers -----------------------------------------------------------------------------------------------

    def _awaiting(self, application_id: str) -> AccountApplication:
        item = self.get(application_id)
        if item is None:
            raise NotFound("No such application.")
        if item.state != State.AWAITING_REVIEW:
            raise Conflict(
                f"This application is {item.state.replace('_', ' ')}: it takes no more checks or decisions.",
                code="illegal_transition",
            )
        return item

    def _write(self, item: AccountApplication, kind: str, role: str, actor: str, detail: dict, actions: list) -> None:
        try:
            trails.write(
                item,
                trails.application_key(item.application_id),
                trails.Entry(kind, role, actor, detail),
                isoformat(self.clock.now()),
                actions,
            )
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise Conflict(
                    "The application changed meanwhile; reload it and try again.", code="stale_version"
                ) from None
            raise

    @staticmethod
    def _reread(item: AccountApplication) -> AccountApplication:
        return AccountApplication.get(item.key, consistent_read=True)


def _duration(seconds: int) -> str:
    return f"{seconds // 3600} h {seconds % 3600 // 60} min" if seconds >= 3600 else f"{max(seconds // 60, 1)} min"


def _console() -> str:
    return get_settings().console_base_url.rstrip("/")


def _proof_text(item: AccountApplication, token: str) -> str:
    """Nothing the applicant typed: the form could otherwise send anyone a message of someone else's making."""
    link = f"{_console()}/apply/confirm?application={item.application_id}&token={token}"
    return (
        f"Someone, we hope you, applied for a Liaison account with this address, the first step for an "
        f"authority to file legal requests to the platform.\n\nTo confirm it is yours, open this link within "
        f"{rules.PROOF_HOURS} hours and press Confirm:\n\n{link}\n\nApplication {item.application_id}. If it was "
        "not you, ignore this e-mail: nothing happens without the confirmation, and the application is "
        "forgotten.\n"
    )


def _outcome_text(item: AccountApplication) -> str:
    if item.state == State.REJECTED:
        return (
            f"Your application {item.application_id} for {item.agency_name} was not approved.\n\n"
            f"Reason: {item.reason}\n\nYou may apply again, or write to the onboarding contact of the public "
            f"directory. Emergencies: use the emergency channel listed there.\n"
        )
    sign_in = {
        "cognito": "You will receive a separate e-mail with a temporary password. At your first sign-in you choose a "
        "password and set up an authenticator app.",
        "local": f"Sign in by typing {item.email} on the sign-in page.",
        "none": "Your agency's own sign-in gives you access: ask its administrator to add you to Liaison's group.",
    }[item.account or "none"]
    return (
        f"Your application {item.application_id} was approved: {item.agency_name} ({item.agency_id}) may now file "
        f"requests to the platform through Liaison.\n\nSign in at:\n{_console()}/\n\n{sign_in}\n"
    )
