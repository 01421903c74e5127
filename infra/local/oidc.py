"""The local OpenID provider that ``make run`` starts for the web pages' sign-in.

It is the maintained mock ``oidc-provider-mock`` (a development dependency, never
packaged), on loopback only, with every seeded person as a predefined user: its
sign-in page at ``/oauth2/authorize`` is a form where you type a person's id (the
``sub`` values of ``tokens.json``) or click one, and the ID token it then issues
carries that person's claims (``role``, ``agency_id`` or ``region``, ``amr`` with
``mfa``, and ``name``/``email`` where the demo data has them, for the ``profile`` and
``email`` scopes). The API trusts it through ``LIAISON_WEB_SIGN_IN``, exactly as it
trusts Cognito when deployed.

A few things differ from the mock alone, so the console's client is checked as a real
provider (Cognito) would check it: PKCE is required (``S256``, verified at the token
endpoint); a public client (no secret, ``token_endpoint_auth_method=none``) is accepted
as well as one with a secret (any secret); a nonce is required; the ID token names its
key (``kid``). The issuer is always ``http://127.0.0.1:<port>`` (requests for another
host are refused), so the ID token names the issuer the API was told to trust.

    python -m infra.local.oidc --port 9400 [--users users.json]

``--users``: a JSON list of ``{"sub": ..., "claims": {...}}`` instead of the demo data.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DEFAULT_PORT = 9400
CLIENT_ID = "liaison-console"
# Every seeded person signs in as if with a second factor, as the deployed user pool requires.
AMR = ("pwd", "mfa")
SCOPE = "openid profile email"  # name and email are standard claims: the mock sends them for these scopes
EXAMPLE_SUB = "rep-eu-lindqvist"  # named in make run's ready line and the README


def users(data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The provider's users: every principal of the seed data (``tokens.json``), with its claims."""
    from infra.local import seed

    data = seed.demo_data() if data is None else data
    people: list[dict[str, Any]] = [
        {"sub": sub, "claims": {"role": "admin", "amr": list(AMR)}} for sub in data["admins"]
    ]
    people += [
        {"sub": officer, "claims": {"role": "authority", "agency_id": agency["agency_id"], "amr": list(AMR)}}
        for agency in data["agencies"]
        for officer in agency["officers"]
    ]
    people += [
        {
            "sub": rep["rep_id"],
            "claims": {
                "role": "representative",
                "region": rep["region"],
                "amr": list(AMR),
                **{key: rep[key] for key in ("name", "email") if rep.get(key)},
            },
        }
        for rep in data["representatives"]
    ]
    subs = [person["sub"] for person in people]
    if len(subs) != len(set(subs)):
        raise ValueError(f"the seed data names a person twice: {sorted({s for s in subs if subs.count(s) > 1})}")
    return people


def base_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def web_sign_in(port: int) -> dict[str, str]:
    """The ``WebSignIn`` template parameter (``LIAISON_WEB_SIGN_IN``) for the provider on ``port``."""
    base = base_url(port)
    return {
        "issuer": base,
        "client_id": CLIENT_ID,
        "authorize_url": f"{base}/oauth2/authorize",
        "token_url": f"{base}/oauth2/token",
        "jwks_url": f"{base}/jwks",
        "logout_url": f"{base}/oauth2/end_session",
        "logout_redirect_parameter": "post_logout_redirect_uri",
        "scope": SCOPE,
    }


def _strict_parts() -> dict[str, type]:
    """Replacements for two of the mock's classes: its authorization code grant, with PKCE (S256) required
    and public clients accepted; and its OpenID extension, naming the signing key (``kid``) in the ID token's
    header, as Cognito does and as the API's verifier requires (the mock 0.3.4 under Authlib 1.9 omits it)."""
    from authlib.oauth2.rfc6749.errors import InvalidRequestError
    from authlib.oauth2.rfc7636 import CodeChallenge
    from oidc_provider_mock import _app as mock

    @dataclasses.dataclass(kw_only=True, frozen=True)
    class PkceCode(mock.AuthorizationCode):
        code_challenge: str | None = None
        code_challenge_method: str | None = None

    class S256Required(CodeChallenge):
        SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - overrides Authlib's list attribute

        def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
            data = grant.request.payload.data
            if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
                raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
            super().validate_code_challenge(grant, redirect_uri)

    class CodeGrant(mock.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012 - as above

        def __init__(self, request: Any, server: Any) -> None:
            super().__init__(request, server)
            S256Required(required=True)(self)

        def save_authorization_code(self, code: str, request: Any) -> None:
            super().save_authorization_code(code, request)
            saved = mock.storage.get_authorization_code(code)
            data = request.payload.data
            mock.storage.store_authorization_code(
                PkceCode(
                    **{f.name: getattr(saved, f.name) for f in dataclasses.fields(saved)},
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )
            )

    class KeyedOpenIDCode(mock.OpenIDCode):
        def get_encode_header(self, client: Any) -> dict[str, Any]:
            header = dict(super().get_encode_header(client))
            header.setdefault("kid", mock.storage.jwk.as_dict()["kid"])  # the kid /jwks publishes
            return header

    return {"AuthorizationCodeGrant": CodeGrant, "OpenIDCode": KeyedOpenIDCode}


def _canonical_host(app: Callable[..., Iterable[bytes]], port: int) -> Callable[..., Iterable[bytes]]:
    """Serve only requests addressed to this loopback server, all as ``127.0.0.1:port``: the mock takes its
    issuer from the Host header, and the API trusts exactly one issuer. (Also refuses DNS-rebinding.)"""
    allowed = {f"{HOST}:{port}", f"localhost:{port}"}

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_HOST", "").lower() not in allowed:
            start_response("421 Misdirected Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"This provider answers at {base_url(port)} only.\n".encode()]
        environ["HTTP_HOST"] = f"{HOST}:{port}"
        return app(environ, start_response)

    return guarded


def build_app(people: list[dict[str, Any]], port: int) -> Callable[..., Iterable[bytes]]:
    """The provider as a WSGI application, for ``people`` (see ``users``)."""
    import oidc_provider_mock
    from oidc_provider_mock import _app as mock

    # The blueprint registers its grant and extension while the app is built: swap them in for that time only.
    strict = _strict_parts()
    originals = {name: getattr(mock, name) for name in strict}
    vars(mock).update(strict)
    try:
        flask_app = oidc_provider_mock.app(
            require_nonce=True,
            user_claims=[oidc_provider_mock.User(sub=p["sub"], claims=dict(p["claims"])) for p in people],
        )
    finally:
        vars(mock).update(originals)
    # The mock turns on Flask's debug mode and Werkzeug's debugger; a server other local users can reach
    # shows them neither tracebacks nor a debugger.
    flask_app.debug = False
    flask_app.wsgi_app = getattr(flask_app.wsgi_app, "app", flask_app.wsgi_app)
    return _canonical_host(flask_app, port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.oidc", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=HOST, help="127.0.0.1 (loopback only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--users", type=Path, help="JSON list of {sub, claims}; default: the seeded people")
    args = parser.parse_args(argv)
    if args.host != HOST:
        parser.error(f"--host must be {HOST}: the provider serves loopback only")
    if not 1024 <= args.port <= 65535:
        parser.error("--port must be a port number from 1024 to 65535")
    people = json.loads(args.users.read_text(encoding="utf-8")) if args.users else users()

    # Authlib refuses OAuth over plain HTTP unless told otherwise: told here, in this process only.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    # The mock uses Authlib APIs that Authlib 1.9 marks deprecated; its log is for requests, not for that.
    # (Authlib installs an "always" filter for its own warnings when imported: ours goes in front of it.)
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from werkzeug.serving import make_server

    server = make_server(HOST, args.port, build_app(people, args.port), threaded=True)
    logging.getLogger("infra.local.oidc").info(
        "OpenID provider at %s for %d people: %s", base_url(args.port), len(people), ", ".join(p["sub"] for p in people)
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
