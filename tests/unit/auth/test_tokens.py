"""Given tokens good and forged, when verified, then only the good ones yield a principal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chalicelib.auth.principal import Role
from chalicelib.auth.tokens import LEEWAY_SECONDS, KeyStore, TokenRefused, TokenVerifier
from chalicelib.clock import FixedClock
from chalicelib.settings import TrustedIssuer
from infra.local.identity import AUDIENCE, ISSUER, DevIssuer

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
ALL_ROLES = {"authority", "representative", "admin"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def dev(tmp_path) -> DevIssuer:
    issuer = DevIssuer(tmp_path)
    issuer.ensure_key()
    return issuer


@pytest.fixture
def verifier(dev: DevIssuer) -> TokenVerifier:
    return TokenVerifier([TrustedIssuer(**dev.trusted_issuer())], FixedClock(NOW))


def mint(dev: DevIssuer, **kwargs) -> str:
    kwargs.setdefault("role", "authority")
    kwargs.setdefault("sub", "officer-1")
    if kwargs["role"] == "authority":
        kwargs.setdefault("agency_id", "fr-valmont-cyber")
    return dev.mint(now=kwargs.pop("now", NOW.timestamp()), **kwargs)


def refused(verifier: TokenVerifier, token: str, prefix: str = "Bearer ") -> str:
    with pytest.raises(TokenRefused) as caught:
        verifier.verify(prefix + token)
    return caught.value.code


def test_given_a_valid_authority_token_then_the_principal_carries_its_claims(dev, verifier):
    principal = verifier.verify("Bearer " + mint(dev, mfa=True))
    assert principal.role is Role.AUTHORITY
    assert principal.subject == "officer-1"
    assert principal.agency_id == "fr-valmont-cyber"
    assert principal.region is None
    assert principal.mfa is True
    assert principal.issuer == ISSUER


def test_given_a_representative_token_then_region_is_kept_and_agency_ignored(dev, verifier):
    token = dev.mint(role="representative", sub="rep-1", region="eu", now=NOW.timestamp(),
                     extra={"agency_id": "smuggled"})
    principal = verifier.verify("Bearer " + token)
    assert (principal.role, principal.region, principal.agency_id, principal.mfa) == (
        Role.REPRESENTATIVE, "eu", None, False)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer  ", "Token abc.def.ghi"])
def test_given_no_bearer_credentials_then_refused(verifier, header):
    with pytest.raises(TokenRefused) as caught:
        verifier.verify(header)
    assert caught.value.code in {"missing_token", "malformed_authorization"}


def test_given_garbage_then_malformed(verifier):
    assert refused(verifier, "not-a-jwt") == "malformed_token"
    assert refused(verifier, "a" * 9000) == "malformed_token"


def test_given_alg_none_then_refused(dev, verifier):
    claims = jwt.decode(mint(dev), options={"verify_signature": False})
    header = {"alg": "none", "typ": "JWT", "kid": dev._kid()}
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."
    assert refused(verifier, token) == "unsupported_algorithm"


def test_given_hs256_signed_with_the_public_key_then_refused(dev, verifier):
    """The classic RS/HS confusion: the public key used as an HMAC secret."""
    claims = jwt.decode(mint(dev), options={"verify_signature": False})
    header = {"alg": "HS256", "typ": "JWT", "kid": dev._kid()}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    secret = dev.jwks_path.read_bytes()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    assert refused(verifier, f"{signing_input}.{_b64(signature)}") == "unsupported_algorithm"


def test_given_a_tampered_payload_then_the_signature_fails(dev, verifier):
    header, payload, signature = mint(dev).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["agency_id"] = "de-nordmark-lka"
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    assert refused(verifier, forged) == "invalid_signature"


def test_given_a_token_signed_by_another_key_under_the_known_kid_then_the_signature_fails(dev, verifier):
    claims = jwt.decode(mint(dev), options={"verify_signature": False})
    token = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
                       headers={"kid": dev._kid()})
    assert refused(verifier, token) == "invalid_signature"


def test_given_an_unknown_kid_then_refused(dev, verifier):
    claims = jwt.decode(mint(dev), options={"verify_signature": False})
    token = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
                       headers={"kid": "somebody-elses-key"})
    assert refused(verifier, token) == "unknown_key"


def test_given_rs256_under_an_ec_kid_then_refused_as_key_family_mismatch(dev, verifier):
    claims = jwt.decode(mint(dev), options={"verify_signature": False})
    token = jwt.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                       algorithm="RS256", headers={"kid": dev._kid()})
    assert refused(verifier, token) == "unknown_key"


def test_given_a_wrong_issuer_then_refused(dev, verifier):
    assert refused(verifier, mint(dev, extra={"iss": "https://evil.example"})) == "untrusted_issuer"


def test_given_a_wrong_audience_then_refused(dev, verifier):
    assert refused(verifier, mint(dev, extra={"aud": "another-api"})) == "invalid_audience"


def test_given_an_expired_token_then_refused_past_the_leeway_only(dev, verifier):
    issued = NOW.timestamp() - 3600
    assert refused(verifier, mint(dev, now=issued, ttl_seconds=3600 - LEEWAY_SECONDS - 1)) == "token_expired"
    assert verifier.verify("Bearer " + mint(dev, now=issued, ttl_seconds=3600 - LEEWAY_SECONDS + 5))


def test_given_nbf_in_the_future_then_refused(dev, verifier):
    later = int(NOW.timestamp()) + 600
    assert refused(verifier, mint(dev, extra={"nbf": later})) == "token_not_yet_valid"


def test_given_iat_in_the_future_then_refused(dev, verifier):
    assert refused(verifier, mint(dev, now=NOW.timestamp() + 600)) == "token_not_yet_valid"


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud"])
def test_given_a_required_claim_missing_then_refused(dev, verifier, claim):
    claims = jwt.decode(mint(dev), options={"verify_signature": False})
    del claims[claim]
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(dev.private_key_path.read_bytes(), password=None)
    token = jwt.encode(claims, private, algorithm="ES256", headers={"kid": dev._kid()})
    assert refused(verifier, token) == "missing_claim"


def test_given_an_unknown_role_then_refused(dev, verifier):
    assert refused(verifier, dev.mint(role="superuser", sub="x", now=NOW.timestamp())) == "invalid_role"


def test_given_an_authority_without_agency_then_refused(dev, verifier):
    assert refused(verifier, dev.mint(role="authority", sub="x", now=NOW.timestamp())) == "missing_claim"


def test_given_a_representative_without_region_then_refused(dev, verifier):
    assert refused(verifier, dev.mint(role="representative", sub="x", now=NOW.timestamp())) == "missing_claim"


def test_given_a_jwks_url_issuer_then_keys_are_fetched_once_and_cached(dev):
    fetched = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return dev.jwks_path.read_bytes()

    issuer = TrustedIssuer(issuer=ISSUER, audience=AUDIENCE, roles=ALL_ROLES, agencies={"*"}, jwks_url="https://idp.example/jwks.json")
    verifier = TokenVerifier([issuer], FixedClock(NOW), KeyStore(fetch=fetch))
    for _ in range(3):
        assert verifier.verify("Bearer " + mint(dev)).subject == "officer-1"
    assert fetched == ["https://idp.example/jwks.json"]


def test_given_the_dev_key_is_regenerated_then_old_tokens_stop_verifying(dev, verifier):
    old = mint(dev)
    assert verifier.verify("Bearer " + old)
    dev.private_key_path.unlink()
    dev.ensure_key()
    assert refused(verifier, old) == "unknown_key"
    assert verifier.verify("Bearer " + mint(dev))


def test_given_the_clock_moves_past_expiry_then_the_same_token_is_refused(dev):
    clock = FixedClock(NOW)
    verifier = TokenVerifier([TrustedIssuer(**dev.trusted_issuer())], clock)
    token = "Bearer " + mint(dev, ttl_seconds=600)
    assert verifier.verify(token)
    clock.advance(timedelta(seconds=600 + LEEWAY_SECONDS))
    with pytest.raises(TokenRefused):
        verifier.verify(token)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def url_issuer() -> TrustedIssuer:
    return TrustedIssuer(issuer=ISSUER, audience=AUDIENCE, roles=ALL_ROLES, agencies={"*"}, jwks_url="https://idp.example/jwks.json")


def test_given_the_jwks_url_fails_before_any_load_then_issuer_unavailable(dev):
    def fetch(url: str) -> bytes:
        raise OSError("connection refused")

    verifier = TokenVerifier([url_issuer()], FixedClock(NOW), KeyStore(fetch=fetch))
    assert refused(verifier, mint(dev)) == "issuer_unavailable"


def test_given_the_jwks_url_fails_after_a_load_then_the_last_keys_keep_working(dev):
    clock, calls = FakeTime(), []

    def fetch(url: str) -> bytes:
        calls.append(url)
        if len(calls) > 1:
            raise OSError("identity provider down")
        return dev.jwks_path.read_bytes()

    verifier = TokenVerifier([url_issuer()], FixedClock(NOW), KeyStore(fetch=fetch, monotonic=clock))
    assert verifier.verify("Bearer " + mint(dev))
    clock.now += 10_000  # past the cache lifetime: a refetch is attempted and fails
    assert verifier.verify("Bearer " + mint(dev))
    assert len(calls) == 2


def test_given_an_unknown_kid_then_keys_are_refetched_at_most_once_a_minute(dev, tmp_path):
    rotated = DevIssuer(tmp_path / "rotated")
    rotated.ensure_key()
    clock, served = FakeTime(), [dev.jwks_path.read_bytes()]

    def fetch(url: str) -> bytes:
        return served[-1]

    store = KeyStore(fetch=fetch, monotonic=clock)
    verifier = TokenVerifier([url_issuer()], FixedClock(NOW), store)
    assert verifier.verify("Bearer " + mint(dev))
    served.append(rotated.jwks_path.read_bytes())  # the provider rotates its key
    new_token = rotated.mint(role="authority", sub="o", agency_id="a", now=NOW.timestamp())
    clock.now += 5
    assert refused(verifier, new_token) == "unknown_key"  # fetched less than a minute ago: no refetch yet
    clock.now += 60
    assert verifier.verify("Bearer " + new_token).subject == "o"


def test_given_a_missing_jwks_file_then_issuer_unavailable(tmp_path):
    issuer = TrustedIssuer(issuer=ISSUER, audience=AUDIENCE, roles=ALL_ROLES, agencies={"*"}, jwks_file=str(tmp_path / "absent.json"))
    dev = DevIssuer(tmp_path)
    assert refused(TokenVerifier([issuer], FixedClock(NOW)), mint(dev)) == "issuer_unavailable"


def test_given_prod_settings_then_jwks_must_come_over_https(monkeypatch):
    from pydantic import ValidationError

    from chalicelib.settings import Settings

    base = {**Settings().model_dump(), "web_sign_in": None, "console_base_url": "https://liaison.example/console",
            "local_accounts_url": None}
    for issuers in ([{"issuer": "i", "audience": "a", "roles": ["admin"], "jwks_url": "http://idp.example/jwks"}],
                    [{"issuer": "i", "audience": "a", "roles": ["admin"], "jwks_file": "/tmp/jwks.json"}]):
        with pytest.raises(ValidationError, match="in prod|local development only"):
            Settings(**{**base, "stage": "prod", "trusted_issuers": issuers})
    ok = Settings(**{**base, "stage": "prod",
                     "trusted_issuers": [{"issuer": "i", "audience": "a", "roles": ["admin"], "jwks_url": "https://idp.example/j"}]})
    assert ok.trusted_issuers[0].jwks_url.scheme == "https"


def test_given_prod_settings_then_the_web_sign_in_and_the_console_must_be_https():
    from pydantic import ValidationError

    from chalicelib.settings import Settings

    secure = {"issuer": "https://idp.example", "client_id": "c", "authorize_url": "https://idp.example/a",
              "token_url": "https://idp.example/t", "jwks_url": "https://idp.example/k",
              "logout_url": "https://idp.example/l"}
    base = {**Settings().model_dump(), "trusted_issuers": [], "stage": "prod",
            "console_base_url": "https://liaison.example/console", "local_accounts_url": None}
    ok = Settings(**{**base, "web_sign_in": secure})
    assert ok.trusted_issuers[0].issuer == "https://idp.example"  # the provider is trusted for its client
    for name in ("authorize_url", "token_url", "jwks_url", "logout_url"):
        with pytest.raises(ValidationError, match=f"{name} must be https"):
            Settings(**{**base, "web_sign_in": {**secure, name: "http://idp.example/x"}})
    with pytest.raises(ValidationError, match="console_base_url must be https"):
        Settings(**{**base, "web_sign_in": secure, "console_base_url": "http://liaison.example/console"})


def test_given_an_agency_identity_provider_then_it_can_only_vouch_for_its_own_officers(dev, tmp_path):
    """Agency B's provider is trusted for B's officers, never for A's agency or for admins."""
    other = DevIssuer(tmp_path / "agency-b")
    other.ensure_key()
    agency_b = TrustedIssuer(issuer="https://idp.agency-b.example", audience=AUDIENCE,
                             jwks_file=str(other.jwks_path), roles={"authority"}, agencies={"de-nordmark-lka"})
    verifier = TokenVerifier([TrustedIssuer(**dev.trusted_issuer()), agency_b], FixedClock(NOW))

    def from_b(**kwargs) -> str:
        return other.mint(now=NOW.timestamp(), extra={"iss": "https://idp.agency-b.example"}, **kwargs)

    assert verifier.verify("Bearer " + from_b(role="authority", sub="o", agency_id="de-nordmark-lka")).agency_id \
        == "de-nordmark-lka"
    assert refused(verifier, from_b(role="authority", sub="o", agency_id="fr-valmont-cyber")) == "issuer_not_allowed"
    assert refused(verifier, from_b(role="admin", sub="o")) == "issuer_not_allowed"
    assert refused(verifier, from_b(role="representative", sub="o", region="eu")) == "issuer_not_allowed"


def test_given_an_issuer_without_roles_then_the_settings_are_refused():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        TrustedIssuer(issuer=ISSUER, audience=AUDIENCE, jwks_file="/tmp/x.json", roles=set())


# --- time claims: finite whole numbers, and a bounded lifetime (issue 13, point 10) ----------------------


def crafted(dev: DevIssuer, **times: object) -> str:
    """A token of the dev issuer whose time claims are ``times``, serialised here: ``json.dumps`` writes NaN and
    Infinity as bare words, and PyJWT's parser reads them back as floats, so the verifier sees them."""
    issued = int(NOW.timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "officer-1", "role": "authority", "agency_id": "fr-valmont-cyber",
              "iat": issued, "nbf": issued, "exp": issued + 3600, **times}
    claims = {name: value for name, value in claims.items() if value is not ...}  # ...: leave the claim out
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(dev.private_key_path.read_bytes(), password=None)
    return jwt.api_jws.encode(json.dumps(claims).encode(), private, algorithm="ES256", headers={"kid": dev._kid()})


NOT_WHOLE_NUMBERS = [float("nan"), float("inf"), float("-inf"), True, False, "1800000000", None,
                     int(NOW.timestamp()) + 0.5, [1], {"n": 1}]


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", NOT_WHOLE_NUMBERS, ids=repr)
def test_given_a_time_claim_that_is_not_a_finite_whole_number_then_invalid_token(dev, verifier, claim, value):
    token = crafted(dev, **{claim: value})
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    assert f'"{claim}": {json.dumps(value)}' in payload  # NaN and Infinity as bare words, as an attacker sends them
    # PyJWT itself calls a required claim that is null missing.
    assert refused(verifier, token) == ("missing_claim" if value is None and claim != "nbf" else "invalid_token")


def test_given_time_claims_that_are_whole_numbers_written_as_floats_then_accepted(dev, verifier):
    issued = float(int(NOW.timestamp()))
    principal = verifier.verify("Bearer " + crafted(dev, iat=issued, nbf=issued, exp=issued + 3600))
    assert principal.expires_at == int(issued) + 3600 and isinstance(principal.expires_at, int)


@pytest.mark.parametrize("exp", [1e300, 10**300, int(NOW.timestamp()) + 30 * 365 * 86400],
                         ids=["1e300", "10**300", "30 years"])
def test_given_an_exp_far_ahead_then_the_lifetime_is_refused(dev, verifier, exp):
    assert refused(verifier, crafted(dev, exp=exp)) == "token_lifetime_too_long"


def test_given_the_default_maximum_then_twelve_hours_pass_and_a_second_more_does_not(dev, verifier):
    issued = int(NOW.timestamp())
    assert verifier.verify("Bearer " + crafted(dev, exp=issued + 12 * 3600))
    assert refused(verifier, crafted(dev, exp=issued + 12 * 3600 + 1)) == "token_lifetime_too_long"
    # The lifetime is exp - iat: an old iat cannot stretch it, even while the token is still unexpired.
    assert refused(verifier, crafted(dev, iat=issued - 12 * 3600, nbf=..., exp=issued + 60)) \
        == "token_lifetime_too_long"


def test_given_a_configured_maximum_then_it_is_the_bound(dev):
    verifier = TokenVerifier([TrustedIssuer(**dev.trusted_issuer())], FixedClock(NOW), max_lifetime_hours=1)
    issued = int(NOW.timestamp())
    assert verifier.verify("Bearer " + crafted(dev, exp=issued + 3600))
    assert refused(verifier, crafted(dev, exp=issued + 3601)) == "token_lifetime_too_long"


def test_given_the_settings_then_the_maximum_lifetime_defaults_to_twelve_hours_and_fits_the_dev_issuer(
        dev, monkeypatch):
    from pydantic import ValidationError

    from chalicelib.settings import Settings
    from infra.local.identity import DEFAULT_TTL_SECONDS

    assert Settings().max_token_lifetime_hours == 12
    assert DEFAULT_TTL_SECONDS <= Settings().max_token_lifetime_hours * 3600
    # The verifier the authorizer builds (no explicit maximum) takes the configured one.
    assert TokenVerifier([], FixedClock(NOW)).max_lifetime_seconds == 12 * 3600
    monkeypatch.setenv("LIAISON_MAX_TOKEN_LIFETIME_HOURS", "0.5")
    assert Settings().max_token_lifetime_hours == 0.5
    for wrong in ("0", "-1", "nan", "1000"):
        monkeypatch.setenv("LIAISON_MAX_TOKEN_LIFETIME_HOURS", wrong)
        with pytest.raises(ValidationError):
            Settings()
