"""Server-side sessions of the web pages, in DynamoDB.

The browser holds only a random secret in a cookie (with, as a hint for reading, the subject it was issued to);
the table holds the secret's SHA-256, who signed in (the principal their ID token gave), the CSRF token their
forms must echo, and the times. No token is kept. A session ends at
whichever comes first: ``session_idle_minutes`` without a page, or ``session_max_hours`` after sign-in. A
page extends the idle deadline, but writes only when the last extension is more than ``TOUCH_SECONDS`` old,
so most pages cost no write. A sign-in in progress is a "pending" item of the same table, keyed the same way
and used once: it binds the provider's answer (state, nonce, PKCE verifier) to the browser that asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import NamedTuple

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from chalicelib.auth.principal import Principal
from chalicelib.clock import Clock, app_clock
from chalicelib.settings import get_settings
from chalicelib.store.models import WebSession

SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
# The cookie carries the secret and, after a dot, the subject it was issued to (base64url): a page can then
# read the session, the person's registry record and the request it shows in one BatchGetItem. The subject
# in the cookie is only a hint for that read: the session's own record decides, and a mismatch is no session.
COOKIE = re.compile(r"^(?P<secret>[A-Za-z0-9_-]{43})(?:\.(?P<subject>[A-Za-z0-9_-]{1,700}))?$")
PENDING_SECONDS = 600  # time to get through the provider's sign-in page
TOUCH_SECONDS = 60  # idle deadlines move at most once a minute: a page is one read, not a read and a write


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def cookie_value(secret: str, subject: str) -> str:
    return f"{secret}.{base64.urlsafe_b64encode(subject.encode()).decode().rstrip('=')}"


class Cookie(NamedTuple):
    """A session cookie as sent: the secret, and the subject it names (unverified until the session is read)."""

    secret: str
    subject: str | None

    @property
    def key(self) -> str:
        return _key(self.secret)

    @classmethod
    def parse(cls, value: str | None) -> Cookie | None:
        match = COOKIE.match(value or "")
        if match is None:
            return None
        subject = None
        if match["subject"]:
            try:
                subject = base64.urlsafe_b64decode(match["subject"] + "=" * (-len(match["subject"]) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                return None
        return cls(match["secret"], subject)


class Pending(NamedTuple):
    state: str
    nonce: str
    code_verifier: str
    return_to: str


class Session(NamedTuple):
    secret: str
    principal: Principal
    csrf_token: str
    expires_at_epoch: int  # the earlier of the idle and the absolute end, as of this page

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf_token.encode(), str(sent).encode())


class Sessions:
    def __init__(self, clock: Clock = app_clock) -> None:
        self.clock = clock

    @property
    def idle_seconds(self) -> int:
        return int(get_settings().session_idle_minutes * 60)

    @property
    def max_seconds(self) -> int:
        return int(get_settings().session_max_hours * 3600)

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def begin_sign_in(self, return_to: str) -> tuple[str, Pending]:
        """A new pending sign-in: the cookie secret to set, and what the authorization request carries."""
        secret, now = secrets.token_urlsafe(32), self._now()
        pending = Pending(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=secrets.token_urlsafe(48),
            return_to=return_to,
        )
        WebSession(
            _key(secret),
            stage="pending",
            created_at_epoch=now,
            last_seen_epoch=now,
            expires_at_epoch=now + PENDING_SECONDS,
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            return_to=return_to,
        ).save()
        return secret, pending

    def take_pending(self, secret: str | None) -> Pending | None:
        """The sign-in this browser started, at most once: it is deleted as it is read."""
        if not secret or not SECRET.match(secret):
            return None
        try:
            item = WebSession.get(_key(secret), consistent_read=True)
            item.delete(condition=WebSession.stage == "pending")
        except (DoesNotExist, DeleteError):
            return None
        if item.stage != "pending" or self._now() >= int(item.expires_at_epoch):
            return None
        return Pending(
            state=str(item.state),
            nonce=str(item.nonce),
            code_verifier=str(item.code_verifier),
            return_to=str(item.return_to or ""),
        )

    def open(self, principal: Principal) -> tuple[str, Session]:
        """A signed-in session under a fresh secret (never the pending one: no fixation)."""
        secret, now = secrets.token_urlsafe(32), self._now()
        ends = now + self.max_seconds
        held = Principal(
            subject=principal.subject,
            role=principal.role,
            issuer=principal.issuer,
            expires_at=ends,
            mfa=principal.mfa,
            agency_id=principal.agency_id,
            region=principal.region,
        )
        csrf = secrets.token_urlsafe(32)
        item = WebSession(
            _key(secret),
            stage="active",
            created_at_epoch=now,
            last_seen_epoch=now,
            expires_at_epoch=min(ends, now + self.idle_seconds),
            principal=held.to_context(),
            csrf_token=csrf,
        )
        try:
            item.save(condition=WebSession.session_key.does_not_exist())
        except PutError:  # a 256-bit collision; refuse rather than overwrite
            raise RuntimeError("session key collision") from None
        return secret, Session(secret, held, csrf, int(item.expires_at_epoch))

    def find(self, secret: str | None, *, prefetched: WebSession | bool | None = False) -> Session | None:
        """The signed-in session of this cookie, if it is still alive; extends its idle deadline. A page that read
        the item already (``prefetched``: the item, or None when it was absent) passes it."""
        if not secret or not SECRET.match(secret):
            return None
        if prefetched is False:
            try:
                item = WebSession.get(_key(secret), consistent_read=True)
            except DoesNotExist:
                return None
        elif prefetched is None or prefetched is True:
            return None
        else:
            item = prefetched
        now = self._now()
        ends = int(item.created_at_epoch) + self.max_seconds
        idle_end = int(item.last_seen_epoch) + self.idle_seconds
        if item.stage != "active" or not item.principal or now >= min(ends, idle_end):
            return None
        expires = min(ends, idle_end)
        if now - int(item.last_seen_epoch) >= TOUCH_SECONDS:
            expires = min(ends, now + self.idle_seconds)
            try:  # only while it exists: a sign-out in another tab must not be undone by this page
                item.update(
                    actions=[WebSession.last_seen_epoch.set(now), WebSession.expires_at_epoch.set(expires)],
                    condition=WebSession.stage == "active",
                )
            except UpdateError:
                return None
        return Session(secret, Principal.from_context(item.principal), str(item.csrf_token), expires)

    def close(self, secret: str | None) -> None:
        if secret and SECRET.match(secret):
            WebSession(_key(secret)).delete()
