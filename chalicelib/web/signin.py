"""The OpenID Connect client of the web pages: authorization code flow with PKCE (S256), run by the server.

Authlib builds the authorization request and redeems the code; the ID token is then verified by the very
verifier the API's authorizer uses (signature, issuer, audience, times, claims, what the issuer may vouch
for), and its nonce is compared with the one this browser's sign-in started with. No token reaches the
browser.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from chalicelib.auth.authorizer import verifier
from chalicelib.auth.principal import Principal
from chalicelib.auth.tokens import TokenRefused
from chalicelib.errors import DependencyUnavailable, Unauthorized
from chalicelib.settings import WebSignIn
from chalicelib.web.sessions import Pending

TOKEN_TIMEOUT_SECONDS = 5


def _client(sign_in: WebSignIn, redirect_uri: str):
    from authlib.integrations.requests_client import OAuth2Session  # only sign-ins pay for importing it

    return OAuth2Session(
        sign_in.client_id,
        sign_in.client_secret,
        scope=sign_in.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if sign_in.client_secret else "none",
    )


def authorization_url(sign_in: WebSignIn, redirect_uri: str, pending: Pending) -> str:
    url, _ = _client(sign_in, redirect_uri).create_authorization_url(
        str(sign_in.authorize_url), state=pending.state, nonce=pending.nonce, code_verifier=pending.code_verifier
    )
    return url


def redeem(sign_in: WebSignIn, redirect_uri: str, pending: Pending, state: str, code: str) -> Principal:
    """The principal of a provider's answer. The ID token itself is not kept: nothing needs it afterwards."""
    from authlib.common.errors import AuthlibBaseError
    from requests import RequestException

    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise Unauthorized("This sign-in answer does not belong to the sign-in started here.", code="state_mismatch")
    try:
        token = _client(sign_in, redirect_uri).fetch_token(
            str(sign_in.token_url), code=code, code_verifier=pending.code_verifier, timeout=TOKEN_TIMEOUT_SECONDS
        )
    except AuthlibBaseError as error:
        raise Unauthorized(
            f"The sign-in provider refused the sign-in ({error.error}).", code="sign_in_refused"
        ) from None
    except (RequestException, ValueError):
        raise DependencyUnavailable(
            "The sign-in provider cannot be reached right now; try again shortly.", code="issuer_unavailable"
        ) from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise Unauthorized("The sign-in provider sent no ID token.", code="sign_in_refused")
    try:
        principal, claims = verifier().verify_token(id_token)
    except TokenRefused as refused:
        raise Unauthorized(refused.message, code=refused.code) from None
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), pending.nonce.encode()):
        raise Unauthorized("The ID token does not answer this sign-in (nonce).", code="nonce_mismatch")
    return principal


def logout_url(sign_in: WebSignIn, back_to: str) -> str | None:
    """Where the browser ends the provider's session too, then comes back to ``back_to``. No id_token_hint:
    the ID token would travel in the browser's address bar, and the API accepts it as a bearer token."""
    if sign_in.logout_url is None:
        return None
    if sign_in.logout_redirect_parameter == "logout_uri":  # Cognito
        query = {"client_id": sign_in.client_id, "logout_uri": back_to}
    else:
        query = {"post_logout_redirect_uri": back_to, "client_id": sign_in.client_id}
    return f"{sign_in.logout_url}?{urlencode(query)}"
