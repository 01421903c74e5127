"""Every JWT refusal of issue 3, through the real app and its built-in authorizer: each a 401 with a code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.helpers import FR, post, submission


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(issuer, **extra) -> dict:
    return jwt.decode(issuer.mint(role="authority", sub="officer-1", agency_id=FR, mfa=True, extra=extra),
                      options={"verify_signature": False})


def _sign(issuer, claims: dict, *, kid: str | None = None, key=None) -> str:
    key = key or serialization.load_pem_private_key(issuer.private_key_path.read_bytes(), password=None)
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid or issuer._kid()})


def alg_none(issuer):
    header = {"alg": "none", "typ": "JWT", "kid": issuer._kid()}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims(issuer)).encode())}."


def hs256_with_public_key(issuer):
    header = {"alg": "HS256", "typ": "JWT", "kid": issuer._kid()}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims(issuer)).encode())}"
    signature = hmac.new(issuer.jwks_path.read_bytes(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def expired(issuer):
    return issuer.mint(role="authority", sub="officer-1", agency_id=FR, now=1_700_000_000, ttl_seconds=3600)


def not_yet_valid(issuer):
    claims = _claims(issuer)
    claims["nbf"] = claims["iat"] + 3600
    return _sign(issuer, claims)


def wrong_issuer(issuer):
    return _sign(issuer, _claims(issuer, iss="https://idp.attacker.example"))


def wrong_audience(issuer):
    return _sign(issuer, _claims(issuer, aud="some-other-api"))


def unknown_kid(issuer):
    return _sign(issuer, _claims(issuer), kid="kid-nobody-published", key=ec.generate_private_key(ec.SECP256R1()))


def tampered_payload(issuer):
    header, _, signature = issuer.mint(role="authority", sub="officer-1", agency_id=FR).split(".")
    forged = _claims(issuer)
    forged["agency_id"] = "de-nordmark-lka"
    return f"{header}.{_b64(json.dumps(forged).encode())}.{signature}"


def _times(issuer, **times) -> str:
    """A token whose time claims are ``times``, in a payload serialised here (json.dumps writes NaN and Infinity)."""
    claims = {**_claims(issuer), **times}
    key = serialization.load_pem_private_key(issuer.private_key_path.read_bytes(), password=None)
    return jwt.api_jws.encode(json.dumps(claims).encode(), key, algorithm="ES256", headers={"kid": issuer._kid()})


def nan_exp(issuer):
    return _times(issuer, exp=float("nan"))


def infinite_exp(issuer):
    return _times(issuer, exp=float("inf"))


def nan_nbf(issuer):
    return _times(issuer, nbf=float("nan"))


def huge_exp(issuer):
    return _times(issuer, exp=1e300)


def thirty_years(issuer):
    claims = _claims(issuer)
    return _times(issuer, exp=claims["iat"] + 30 * 365 * 86400)


@pytest.mark.parametrize(("forge", "code"), [
    (alg_none, "unsupported_algorithm"),
    (hs256_with_public_key, "unsupported_algorithm"),
    (expired, "token_expired"),
    (not_yet_valid, "token_not_yet_valid"),
    (wrong_issuer, "untrusted_issuer"),
    (wrong_audience, "invalid_audience"),
    (unknown_kid, "unknown_key"),
    (tampered_payload, "invalid_signature"),
    (nan_exp, "invalid_token"),
    (infinite_exp, "invalid_token"),
    (nan_nbf, "invalid_token"),
    (huge_exp, "token_lifetime_too_long"),
    (thirty_years, "token_lifetime_too_long"),
])
@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/requests"), ("GET", "/v1/requests"),
                                              ("GET", "/v1/me")])
def test_given_a_forged_or_stale_token_then_401_with_its_reason(client, issuer, forge, code, method, path):
    headers = {"Authorization": f"Bearer {forge(issuer)}", "Content-Type": "application/json"}
    response = client.http.request(method, path, headers=headers,
                                   body=json.dumps(submission()).encode() if method == "POST" else b"")
    assert response.status_code == 401
    assert response.json_body["code"] == code


def test_given_no_token_then_401(client):
    assert post(client, "/v1/requests", submission(), {"Content-Type": "application/json"}).status_code == 401


def test_given_a_valid_token_in_the_query_string_then_401(client, issuer):
    token = issuer.mint(role="authority", sub="officer-1", agency_id=FR)
    response = client.http.get(f"/v1/requests?access_token={token}", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json_body["code"]) == (401, "token_in_query")


def test_given_a_token_for_an_agency_claim_then_that_agency_is_who_the_api_sees(client, issuer):
    token = issuer.mint(role="authority", sub="officer-1", agency_id=FR)
    assert client.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json_body["agency_id"] == FR
