"""The Cognito pre-token-generation trigger (infra/cognito_claims.py): given V2_0 events shaped as Cognito sends
them, it gives the ID token Liaison's claims, and the result passes the API's token verifier."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth.tokens import KeyStore, TokenRefused, TokenVerifier
from chalicelib.clock import FixedClock
from chalicelib.settings import Settings
from infra import cognito_claims
from infra import template as cfn
from infra.local.resources import Created, LocalResources

POOL = "eu-west-1_Ex4mple"
CLIENT = "5lia1sonconsole"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
PROVIDERS = {"FrValmontPolice": "fr-valmont-cyber"}
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _event(attributes: dict[str, str], source: str = "TokenGeneration_HostedAuth") -> dict:
    """A V2_0 pre-token-generation event as Cognito sends it (trimmed to what the trigger may read)."""
    return {
        "version": "2", "triggerSource": source, "region": "eu-west-1", "userPoolId": POOL,
        "userName": attributes.get("sub", "x"),
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT},
        "request": {"userAttributes": {"cognito:user_status": "CONFIRMED", **attributes},
                    "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
                    "scopes": ["openid", "email", "profile"]},
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def _federated(provider: str, **attributes: str) -> dict[str, str]:
    identity = {"userId": "9f1c", "providerName": provider, "providerType": "OIDC", "issuer": None,
                "primary": "true", "dateCreated": "1764493200000"}
    return {"sub": "0c6f2d7e-federated", "cognito:user_status": "EXTERNAL_PROVIDER",
            "identities": json.dumps([identity]), **attributes}


@pytest.fixture
def deployed(monkeypatch) -> types.ModuleType:
    """The trigger as it deploys: the template's inline code, run as Lambda's index.py with the stack's variable."""
    monkeypatch.setenv("AGENCY_PROVIDERS", json.dumps(PROVIDERS))
    module = types.ModuleType("index")
    code = cfn.load()["Resources"]["ClaimsTrigger"]["Properties"]["Code"]["ZipFile"]
    exec(compile(code, "index.py", "exec"), module.__dict__)  # noqa: S102 - our own file, as Lambda runs it
    return module


def _id_token_claims(result: dict) -> dict:
    return result["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]


def test_given_the_template_then_its_inline_code_is_the_tested_module():
    assert cfn.load()["Resources"]["ClaimsTrigger"]["Properties"]["Code"]["ZipFile"] == \
        (cfn.INFRA_DIR / "cognito_claims.py").read_text()


@pytest.mark.parametrize(("attributes", "claims"), [
    ({"custom:role": "representative", "custom:region": "eu"}, {"role": "representative", "region": "eu"}),
    ({"custom:role": "authority", "custom:agency_id": "de-bka"}, {"role": "authority", "agency_id": "de-bka"}),
    ({"custom:role": "admin"}, {"role": "admin"}),
    ({}, {}),  # nobody gave this person a role: Liaison refuses the token (invalid_role), with its own message
])
def test_given_a_person_of_the_pool_then_their_attributes_become_liaisons_claims(deployed, attributes, claims):
    event = _event({"sub": "3f1c9a2e-0d4b-4c4e-9d61-6b0f5c3a7e21", "email": "someone@example.org", **attributes})
    details = _id_token_claims(deployed.handler(event, None))
    assert details["claimsToAddOrOverride"] == claims
    assert details["claimsToSuppress"] == ["custom:role", "custom:agency_id", "custom:region"]


@pytest.mark.parametrize("source", ["TokenGeneration_HostedAuth", "TokenGeneration_RefreshTokens",
                                    "TokenGeneration_NewPasswordChallenge", "TokenGeneration_Authentication"])
def test_given_any_token_generation_then_the_trigger_never_touches_the_claims_cognito_keeps(deployed, source):
    """amr, sub, iss, aud and the times are Cognito's: a trigger may not add or change them."""
    event = _event({"sub": "3f1c", "custom:role": "admin"}, source)
    details = _id_token_claims(deployed.handler(event, None))
    assert not {"amr", "acr", "sub", "iss", "aud", "exp", "iat", "auth_time"} & set(details["claimsToAddOrOverride"])
    assert set(event["response"]["claimsAndScopeOverrideDetails"]) == {"idTokenGeneration"}


def test_given_a_person_of_a_listed_agency_provider_then_they_are_an_authority_of_that_agency_only(deployed):
    # The provider maps whatever it likes; a role or an agency it sends is not what the token says.
    attributes = _federated("FrValmontPolice", **{"custom:role": "admin", "custom:agency_id": "de-bka"})
    details = _id_token_claims(deployed.handler(_event(attributes), None))
    assert details["claimsToAddOrOverride"] == {"role": "authority", "agency_id": "fr-valmont-cyber"}


@pytest.mark.parametrize("providers", [{}, {"SomeoneElse": "fr-valmont-cyber"}, {"FrValmontPolice": ""}])
def test_given_a_provider_that_speaks_for_no_agency_then_the_sign_in_is_refused(monkeypatch, providers):
    monkeypatch.setenv("AGENCY_PROVIDERS", json.dumps(providers))
    with pytest.raises(PermissionError, match="FrValmontPolice"):
        cognito_claims.handler(_event(_federated("FrValmontPolice")), None)


def test_given_no_provider_variable_then_the_pools_own_people_still_sign_in(monkeypatch):
    monkeypatch.delenv("AGENCY_PROVIDERS", raising=False)
    details = _id_token_claims(cognito_claims.handler(_event({"custom:role": "admin"}), None))
    assert details["claimsToAddOrOverride"] == {"role": "admin"}


# From the trigger to the API's verifier: the web sign-in settings the template computes for the pool, and an ID
# token as Cognito would issue it with the trigger's answer applied.

@pytest.fixture(scope="module")
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pool_verifier(signing_key) -> TokenVerifier:
    resources = LocalResources(region="eu-west-1", parameters={"WebSignIn": "", "SignInDomainPrefix": ""},
                               created={"UserPool": Created(POOL), "ConsoleClient": Created(CLIENT)},
                               conditions=cfn.load()["Conditions"])
    web_sign_in = resources.resolve(cfn.api_environment(cfn.load())["LIAISON_WEB_SIGN_IN"])
    settings = Settings(web_sign_in=web_sign_in, trusted_issuers="[]", stage="prod",  # the pool alone
                        local_accounts_url=None)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "pool-key", "alg": "RS256", "use": "sig"}]}).encode()
    return TokenVerifier(settings.trusted_issuers, FixedClock(NOW),
                         KeyStore(fetch=lambda url: jwks if url == f"{ISSUER}/.well-known/jwks.json" else b"{}"))


def _issue(signing_key, attributes: dict[str, str], amr: list[str] | None) -> str:
    """An ID token as the pool issues it: its own claims, the readable attributes, then the trigger's answer."""
    now = int(NOW.timestamp())
    claims = {"sub": attributes.get("sub", "3f1c9a2e"), "iss": ISSUER, "aud": CLIENT, "token_use": "id",
              "auth_time": now, "iat": now, "exp": now + 300, "email": "someone@example.org",
              "nonce": "n0nce", **{k: v for k, v in attributes.items() if k.startswith("custom:")}}
    if amr is not None:
        claims["amr"] = amr
    if "identities" in attributes:  # Cognito puts a federated user's identities into the ID token
        claims["identities"] = json.loads(attributes["identities"])
    details = _id_token_claims(cognito_claims.handler(_event(attributes), None))
    claims.update(details["claimsToAddOrOverride"])
    for name in details["claimsToSuppress"]:
        claims.pop(name, None)
    return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": "pool-key"})


def test_given_a_representative_signed_in_with_totp_then_the_api_verifier_sees_their_region_and_mfa(
        pool_verifier, signing_key):
    token = _issue(signing_key, {"sub": "3f1c9a2e", "custom:role": "representative", "custom:region": "eu"},
                   amr=["pwd", "otp", "mfa"])
    principal = pool_verifier.verify(f"Bearer {token}")
    assert (principal.role.value, principal.region, principal.subject, principal.issuer, principal.mfa) == \
        ("representative", "eu", "3f1c9a2e", ISSUER, True)


def test_given_a_pool_that_issues_no_amr_then_its_own_people_still_count_as_multi_factor(pool_verifier, signing_key):
    """The trigger cannot add `amr`; the pool requires TOTP at every sign-in, so the template's sign-in settings say
    `mfa_enforced` and the verifier marks its own people's tokens multi-factor anyway."""
    token = _issue(signing_key, {"custom:role": "admin"}, amr=None)
    principal = pool_verifier.verify(f"Bearer {token}")
    assert (principal.role.value, principal.mfa) == ("admin", True)


def test_given_a_federated_sign_in_without_amr_then_it_is_not_counted_as_multi_factor(
        monkeypatch, pool_verifier, signing_key):
    """A federated officer's second factor is their agency provider's business: only its own amr counts."""
    monkeypatch.setenv("AGENCY_PROVIDERS", json.dumps(PROVIDERS))
    attributes = _federated("FrValmontPolice")
    without = pool_verifier.verify(f"Bearer {_issue(signing_key, attributes, amr=None)}")
    with_mfa = pool_verifier.verify(f"Bearer {_issue(signing_key, attributes, amr=['pwd', 'mfa'])}")
    assert (without.mfa, with_mfa.mfa) == (False, True)


def test_given_a_federated_officer_then_the_api_verifier_sees_an_authority_of_the_listed_agency(
        monkeypatch, pool_verifier, signing_key):
    monkeypatch.setenv("AGENCY_PROVIDERS", json.dumps(PROVIDERS))
    principal = pool_verifier.verify(f"Bearer {_issue(signing_key, _federated('FrValmontPolice'), amr=None)}")
    assert (principal.role.value, principal.agency_id) == ("authority", "fr-valmont-cyber")


def test_given_a_person_without_a_role_then_the_api_verifier_refuses_the_token(pool_verifier, signing_key):
    with pytest.raises(TokenRefused) as refused:
        pool_verifier.verify(f"Bearer {_issue(signing_key, {'sub': 'nobody'}, amr=['pwd', 'otp', 'mfa'])}")
    assert refused.value.code == "invalid_role"
