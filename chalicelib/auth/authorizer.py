"""The API's built-in authorizer (runs in API Gateway, ``chalice local`` and tests).

It never denies at the gateway: it always allows, and tells the handler either
who the caller is or why the token was refused. The route guard in
``api.http`` then answers a refusal with a 401 ``{code, message}``. Denying at
the gateway would give a different body in AWS than locally (API Gateway's
401 needs an exception that ``chalice local`` turns into a 500), and callers
deserve the precise reason (``token_expired``, ``unknown_key``...). Every
private route goes through that guard; ``tests/unit/api`` proves it.
"""

from __future__ import annotations

import functools

from chalice import AuthResponse, Blueprint
from chalice.app import AuthRequest

from chalicelib.auth.tokens import TokenRefused, TokenVerifier
from chalicelib.clock import app_clock
from chalicelib.settings import get_settings

auth = Blueprint(__name__)

# API Gateway caches a decision per token for this long. Handlers re-check `exp`
# on every call, so the cache never extends a token's life.
AUTHORIZER_TTL_SECONDS = 30


@functools.cache
def verifier() -> TokenVerifier:
    return TokenVerifier(get_settings().trusted_issuers, app_clock)


@auth.authorizer(name="jwt_auth", ttl_seconds=AUTHORIZER_TTL_SECONDS)
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    try:
        principal = verifier().verify(auth_request.token)
    except TokenRefused as refused:
        return AuthResponse(
            routes=["*"],
            principal_id="anonymous",
            context={"outcome": "refused", "code": refused.code, "message": refused.message},
        )
    return AuthResponse(
        routes=["*"], principal_id=principal.subject, context={"outcome": "verified", **principal.to_context()}
    )
