"""Verification of bearer tokens (JWT) from trusted issuers.

Only asymmetric algorithms are accepted, from a fixed list, and the key must be
of the family the algorithm names: no ``none``, no HS256 signed with a public
key. Time claims are checked against the injected clock, not PyJWT's, so tests
are deterministic and one clock rules the application. They must be finite whole
numbers (PyJWT's parser lets NaN and Infinity through), and a token may not be
issued for longer than the configured maximum lifetime (``exp - iat``).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.auth.principal import Principal, Role
from chalicelib.clock import Clock
from chalicelib.settings import TrustedIssuer

ALLOWED_ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
MAX_TOKEN_LENGTH = 8192
LEEWAY_SECONDS = 30
JWKS_URL_TTL_SECONDS = 600
JWKS_REFETCH_SECONDS = 60
MAX_ID_LENGTH = 128


class TokenRefused(Exception):
    """A token that must not be honoured; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _parse_jwks(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = {}
    for jwk in document.get("keys", []):
        kid = jwk.get("kid")
        if isinstance(kid, str) and kid:
            keys[kid] = jwk
    return keys


@dataclass
class _Cached:
    keys: dict[str, dict[str, Any]]
    stamp: object  # file: (mtime_ns, inode); URL: monotonic fetch time
    fetched: float


class KeyStore:
    """Public keys of the trusted issuers, cached per process.

    A file source is re-read when it changes (the local issuer's key can be
    regenerated while the API runs). A URL source is re-fetched after
    ``JWKS_URL_TTL_SECONDS``, and early (at most once a minute) when a token
    names a kid it does not know, so an identity provider's key rotation is
    picked up at once. If a source fails, the last keys that loaded are kept;
    with none, tokens are refused as ``issuer_unavailable``.
    """

    def __init__(
        self, fetch: Callable[[str], bytes] | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch or self._http_get
        self._monotonic = monotonic
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _http_get(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - URL comes from settings
            return response.read(1_000_000)

    def keys_for(self, issuer: TrustedIssuer, *, unknown_kid: bool = False) -> dict[str, dict[str, Any]]:
        with self._lock:
            cached = self._cache.get(issuer.issuer)
            try:
                if issuer.jwks_file is not None:
                    info = os.stat(issuer.jwks_file)
                    stamp = (info.st_mtime_ns, info.st_ino)
                    if cached is None or cached.stamp != stamp:
                        with open(issuer.jwks_file, encoding="utf-8") as handle:
                            cached = _Cached(_parse_jwks(json.load(handle)), stamp, self._monotonic())
                else:
                    age = None if cached is None else self._monotonic() - cached.fetched
                    stale = age is None or age > JWKS_URL_TTL_SECONDS or (unknown_kid and age > JWKS_REFETCH_SECONDS)
                    if cached is None or stale:
                        document = json.loads(self._fetch(str(issuer.jwks_url)))
                        cached = _Cached(_parse_jwks(document), None, self._monotonic())
            except (OSError, ValueError, AttributeError) as error:
                if cached is None:
                    raise TokenRefused(
                        "issuer_unavailable", "The token issuer's keys cannot be loaded right now; retry shortly."
                    ) from error
                return cached.keys
            self._cache[issuer.issuer] = cached
            return cached.keys


class TokenVerifier:
    def __init__(
        self,
        issuers: Sequence[TrustedIssuer],
        clock: Clock,
        key_store: KeyStore | None = None,
        *,
        max_lifetime_hours: float | None = None,
    ) -> None:
        """``max_lifetime_hours``: the longest ``exp - iat`` accepted; none: the configured one."""
        self._issuers = {issuer.issuer: issuer for issuer in issuers}
        self._clock = clock
        self._keys = key_store or KeyStore()
        if max_lifetime_hours is None:
            from chalicelib.settings import get_settings

            max_lifetime_hours = get_settings().max_token_lifetime_hours
        self.max_lifetime_seconds = int(max_lifetime_hours * 3600)

    def verify(self, authorization: str | None) -> Principal:
        return self.verify_token(self._bearer(authorization))[0]

    def verify_token(self, token: str) -> tuple[Principal, dict[str, Any]]:
        """The principal a token speaks for, and its verified claims (the web sign-in checks its nonce)."""
        # Imported here: only the authorizer function verifies tokens, and PyJWT brings in cryptography,
        # which the API function's cold start need not pay for.
        import jwt
        from jwt import PyJWK

        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenRefused("malformed_token", "The bearer token is too long.")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenRefused("malformed_token", "The bearer token is not a well-formed JWT.") from None

        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise TokenRefused(
                "unsupported_algorithm", f"Tokens must be signed with one of {sorted(ALLOWED_ALGORITHMS)}."
            )
        issuer = self._issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise TokenRefused("untrusted_issuer", "The token's issuer is not trusted by this API.")
        kid = str(header.get("kid"))
        jwk = self._keys.keys_for(issuer).get(kid)
        if jwk is None:
            jwk = self._keys.keys_for(issuer, unknown_kid=True).get(kid)
        if jwk is None or jwk.get("kty") != ALLOWED_ALGORITHMS[alg] or jwk.get("alg", alg) != alg:
            raise TokenRefused("unknown_key", "The token's signing key (kid) is not known for its issuer.")

        try:
            claims = jwt.decode(
                token,
                PyJWK(jwk, algorithm=alg).key,
                algorithms=[alg],
                audience=issuer.audience,
                issuer=issuer.issuer,
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub"],
                    # Time is checked below against the application clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise TokenRefused("invalid_signature", "The token's signature does not verify.") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("invalid_audience", "The token was not issued for this API.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused("missing_claim", f"The token lacks the '{exc.claim}' claim.") from None
        except jwt.PyJWTError:
            raise TokenRefused("invalid_token", "The token could not be verified.") from None

        self._check_times(claims)
        principal = self._principal(claims, issuer.issuer, mfa_enforced=issuer.mfa_enforced)
        if principal.role.value not in issuer.roles:
            raise TokenRefused("issuer_not_allowed", f"This issuer may not issue '{principal.role.value}' tokens.")
        if (
            principal.agency_id is not None
            and "*" not in issuer.agencies
            and principal.agency_id not in issuer.agencies
        ):
            raise TokenRefused("issuer_not_allowed", "This issuer may not speak for that agency.")
        return principal, claims

    @staticmethod
    def _bearer(authorization: str | None) -> str:
        if not authorization:
            raise TokenRefused("missing_token", "Send 'Authorization: Bearer <token>'.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenRefused("malformed_authorization", "Send 'Authorization: Bearer <token>'.")
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenRefused("malformed_token", "The bearer token is too long.")
        return token

    def _check_times(self, claims: dict[str, Any]) -> None:
        """Refuse a token outside its validity, or issued for longer than the maximum lifetime.

        The lifetime is ``exp - iat``, the one the issuer gave the token. It also bounds what is left of it:
        ``iat`` is refused past ``now + LEEWAY_SECONDS``, so ``exp - now`` is at most the maximum plus the leeway.
        A token from an issuer that hands out longer ones is refused even late in its life: the bound is on what
        issuers may issue, and a stolen long-lived token is the case it is for.
        """
        now = self._clock.now().timestamp()
        for name in ("exp", "iat", "nbf"):
            if name in claims:
                claims[name] = self._seconds(name, claims[name])
        if claims["exp"] <= now - LEEWAY_SECONDS:
            raise TokenRefused("token_expired", "The token has expired.")
        if claims.get("nbf", 0) > now + LEEWAY_SECONDS:
            raise TokenRefused("token_not_yet_valid", "The token is not valid yet (nbf).")
        if claims["iat"] > now + LEEWAY_SECONDS:
            raise TokenRefused("token_not_yet_valid", "The token claims to be issued in the future (iat).")
        if claims["exp"] - claims["iat"] > self.max_lifetime_seconds:
            raise TokenRefused(
                "token_lifetime_too_long",
                f"The token was issued for longer than this API accepts "
                f"({self.max_lifetime_seconds} seconds from iat to exp).",
            )

    @staticmethod
    def _seconds(name: str, value: object) -> int:
        """A time claim as whole seconds. JSON has one number type, so 1700000000.0 is accepted as
        1700000000; NaN, Infinity, fractions, booleans and anything not a number are refused."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TokenRefused("invalid_token", f"The '{name}' claim must be a number of seconds.")
        if isinstance(value, float):
            if not (math.isfinite(value) and value.is_integer()):
                raise TokenRefused("invalid_token", f"The '{name}' claim must be a finite whole number of seconds.")
            value = int(value)
        return value

    @staticmethod
    def _principal(claims: dict[str, Any], issuer: str, *, mfa_enforced: bool = False) -> Principal:
        try:
            role = Role(claims.get("role", ""))
        except ValueError:
            raise TokenRefused("invalid_role", "The token's 'role' claim is missing or unknown.") from None

        def identifier(name: str) -> str | None:
            value = claims.get(name)
            if value is None:
                return None
            if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
                raise TokenRefused("invalid_token", f"The '{name}' claim is malformed.")
            return value

        subject = identifier("sub")
        agency_id = identifier("agency_id") if role is Role.AUTHORITY else None
        region = identifier("region") if role is Role.REPRESENTATIVE else None
        if role is Role.AUTHORITY and agency_id is None:
            raise TokenRefused("missing_claim", "An authority token needs an 'agency_id' claim.")
        if role is Role.REPRESENTATIVE and region is None:
            raise TokenRefused("missing_claim", "A representative token needs a 'region' claim.")
        amr = claims.get("amr", [])
        # An issuer that requires a second factor at every sign-in (a user pool with MFA "ON" and no remembered
        # devices) vouches for it even when its tokens carry no amr: Cognito's trigger cannot add that claim. Not
        # for a federated sign-in (Cognito marks it with `identities`): the agency's provider did that sign-in.
        federated = "identities" in claims
        mfa = (isinstance(amr, list) and "mfa" in amr) or (mfa_enforced and not federated)
        return Principal(
            subject=subject or "",
            role=role,
            issuer=issuer,
            expires_at=int(claims["exp"]),
            mfa=mfa,
            agency_id=agency_id,
            region=region,
        )
