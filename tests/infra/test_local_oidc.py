"""The local OpenID provider `make run` starts: its people are the seeded ones, and its ID tokens pass the API's
verifier. In process (a WSGI test client), so no port and no stack."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from werkzeug.test import Client

from chalicelib.auth.tokens import KeyStore, TokenRefused, TokenVerifier
from chalicelib.clock import FixedClock
from chalicelib.settings import Settings, WebSignIn
from infra.local import oidc, seed
from infra.local.identity import DevIssuer

pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")  # the mock's, under Authlib 1.9

PORT = 9400
BASE = f"http://127.0.0.1:{PORT}"
REDIRECT = "http://127.0.0.1:8000/console/callback"


@pytest.fixture(scope="module")
def seeded_tokens(tmp_path_factory) -> dict:
    """tokens.json as `make run` writes it, from the same demo data."""
    return seed.tokens(DevIssuer(tmp_path_factory.mktemp("issuer")), seed.demo_data())


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_given_the_seed_data_then_every_principal_of_tokens_json_is_a_user_with_its_claims(seeded_tokens):
    people = {person["sub"]: person["claims"] for person in oidc.users()}
    minted = [seeded_tokens["admin"]] + [a["token"] for a in seeded_tokens["authorities"]] + \
        [r["token"] for r in seeded_tokens["representatives"]]
    assert len(people) == len(minted)
    for token in minted:
        claims = _claims(token)
        user = people[claims["sub"]]
        for name in ("role", "agency_id", "region", "amr"):
            assert user.get(name) == claims.get(name), (claims["sub"], name)
        assert "mfa" in user["amr"]


def test_given_the_seed_data_then_leads_are_users_and_people_with_a_name_and_email_carry_them():
    people = {person["sub"]: person["claims"] for person in oidc.users()}
    data = seed.demo_data()
    for rep in data["representatives"]:
        assert people[rep["rep_id"]] == {"role": "representative", "region": rep["region"], "amr": ["pwd", "mfa"],
                                         "name": rep["name"], "email": rep["email"]}
    assert any(rep["lead"] for rep in data["representatives"])
    assert people["officer-fr-lefevre"] == {"role": "authority", "agency_id": "fr-valmont-cyber",
                                            "amr": ["pwd", "mfa"]}
    assert people["admin-platform-ops"] == {"role": "admin", "amr": ["pwd", "mfa"]}
    assert people[oidc.EXAMPLE_SUB]["role"] == "representative"  # the id make run's ready line suggests


def test_given_a_person_named_twice_then_the_user_list_refuses_it():
    data = seed.demo_data()
    data["admins"] = [*data["admins"], data["representatives"][0]["rep_id"]]
    with pytest.raises(ValueError, match="twice"):
        oidc.users(data)


def test_given_a_port_then_the_web_sign_in_json_is_valid_settings_that_trust_the_provider():
    document = oidc.web_sign_in(PORT)
    assert document == {
        "issuer": BASE, "client_id": "liaison-console", "authorize_url": f"{BASE}/oauth2/authorize",
        "token_url": f"{BASE}/oauth2/token", "jwks_url": f"{BASE}/jwks", "logout_url": f"{BASE}/oauth2/end_session",
        "logout_redirect_parameter": "post_logout_redirect_uri", "scope": "openid profile email"}
    WebSignIn.model_validate(document)
    settings = Settings(web_sign_in=json.dumps(document))
    assert any(i.issuer == BASE and i.audience == "liaison-console" and str(i.jwks_url) == f"{BASE}/jwks"
               for i in settings.trusted_issuers)


@pytest.fixture()
def provider(monkeypatch) -> Client:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # what the provider's own process sets
    return Client(oidc.build_app(oidc.users(), PORT))


def _sign_in(provider: Client, sub: str, *, verifier: str | None = None, public: bool = True) -> tuple[int, dict]:
    real_verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(real_verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"client_id": "liaison-console", "redirect_uri": REDIRECT, "response_type": "code",
             "scope": "openid profile email", "state": "st4te", "nonce": secrets.token_urlsafe(12),
             "code_challenge": challenge, "code_challenge_method": "S256"}
    page = provider.get("/oauth2/authorize", query_string=query, headers={"Host": f"127.0.0.1:{PORT}"})
    assert page.status_code == 200 and re.search(r'<input[^>]*name="sub"', page.text)
    answer = provider.post("/oauth2/authorize", query_string=query, data={"sub": sub},
                           headers={"Host": f"127.0.0.1:{PORT}"})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["state"] == "st4te" and params["code"]
    form = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT,
            "code_verifier": verifier or real_verifier}
    headers = {"Host": f"127.0.0.1:{PORT}"}
    if public:
        form["client_id"] = "liaison-console"
    else:
        headers["Authorization"] = "Basic " + base64.b64encode(b"liaison-console:any-secret").decode()
    token = provider.post("/oauth2/token", data=form, headers=headers)
    return token.status_code, token.json | {"nonce_sent": query["nonce"]}


def _verifier(provider: Client) -> TokenVerifier:
    settings = Settings(web_sign_in=json.dumps(oidc.web_sign_in(PORT)))
    jwks = provider.get("/jwks", headers={"Host": f"127.0.0.1:{PORT}"}).get_data()
    return TokenVerifier(settings.trusted_issuers, FixedClock(datetime.now(UTC)),
                         KeyStore(fetch=lambda url: jwks if url == f"{BASE}/jwks" else b"{}"))


@pytest.mark.parametrize(("sub", "role", "field", "value"), [
    ("rep-eu-lindqvist", "representative", "region", "eu"),
    ("lead-us-whitfield", "representative", "region", "us"),
    ("officer-fr-lefevre", "authority", "agency_id", "fr-valmont-cyber"),
    ("admin-platform-ops", "admin", None, None),
])
def test_given_a_seeded_id_typed_in_then_the_id_token_passes_the_api_verifier_as_that_person(
        provider, sub, role, field, value):
    status, answer = _sign_in(provider, sub)
    assert status == 200, answer
    principal = _verifier(provider).verify(f"Bearer {answer['id_token']}")
    claims = _claims(answer["id_token"])
    assert (principal.subject, principal.role.value, principal.mfa) == (sub, role, True)
    if field:
        assert getattr(principal, field) == value
    assert claims["nonce"] == answer["nonce_sent"] and claims["aud"] in (["liaison-console"], "liaison-console")
    assert jwt.get_unverified_header(answer["id_token"])["alg"] == "RS256"


def test_given_a_client_with_a_secret_then_it_signs_in_too(provider):
    status, answer = _sign_in(provider, "rep-eu-lindqvist", public=False)
    assert status == 200 and _claims(answer["id_token"])["name"] == "Anna Lindqvist"


def test_given_no_pkce_or_a_wrong_verifier_then_no_token(provider):
    query = {"client_id": "liaison-console", "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid",
             "state": "st4te", "nonce": "n0nce"}
    refused = provider.get("/oauth2/authorize", query_string=query, headers={"Host": f"127.0.0.1:{PORT}"})
    assert refused.status_code == 302  # back to the client, with the error: no sign-in form
    params = parse_qs(urlsplit(refused.headers["Location"]).query)
    assert params["error"] == ["invalid_request"] and "PKCE" in params["error_description"][0]
    status, answer = _sign_in(provider, "rep-eu-lindqvist", verifier=secrets.token_urlsafe(48))
    assert status == 400 and answer["error"] == "invalid_grant"


def test_given_an_unseeded_id_then_its_token_has_no_role_and_the_api_refuses_it(provider):
    status, answer = _sign_in(provider, "stranger")
    assert status == 200
    with pytest.raises(TokenRefused) as refused:
        _verifier(provider).verify(f"Bearer {answer['id_token']}")
    assert refused.value.code == "invalid_role"


def test_given_another_host_then_the_provider_does_not_answer(provider):
    assert provider.get("/.well-known/openid-configuration", headers={"Host": "evil.example"}).status_code == 421
    discovery = provider.get("/.well-known/openid-configuration", headers={"Host": f"localhost:{PORT}"}).json
    assert discovery["issuer"] == BASE and discovery["jwks_uri"] == f"{BASE}/jwks"


def test_given_the_command_line_then_only_loopback_is_served():
    with pytest.raises(SystemExit):
        oidc.main(["--host", "0.0.0.0", "--port", str(PORT)])
