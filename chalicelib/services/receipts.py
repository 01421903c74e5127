"""Signed receipts: the authority's proof of when the legal clock started.

The 201 of a submission carries a compact JWS (ES256) over
``{request_id, agency_id, received_at, body_sha256}``, signed by a KMS key
whose private half never leaves KMS. ``GET /v1/public/keys`` serves the public
key as a JWKS, so anyone can check a receipt with a stock JWT library and
nothing else. The ``kid`` is the key's RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.errors import DependencyUnavailable
from chalicelib.settings import get_settings

ALGORITHM = "ES256"
RECEIPT_CLAIMS = ("request_id", "agency_id", "received_at", "body_sha256")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _coordinate(value: int) -> str:
    return _b64url(value.to_bytes(32, "big"))


@functools.cache
def _public_jwk(key_id: str) -> dict[str, str]:
    """The public key as a JWK; fetched once per process (the key does not change)."""
    from cryptography.hazmat.primitives.asymmetric import ec  # imported on first use: see _signature
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        der = client("kms").get_public_key(KeyId=key_id)["PublicKey"]
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable(
            "The receipt key is unavailable; retry shortly.", code="receipt_key_unavailable"
        ) from error
    key = load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise RuntimeError(f"receipt key {key_id} is not an ECC_NIST_P256 key")
    numbers = key.public_numbers()
    jwk = {"crv": "P-256", "kty": "EC", "x": _coordinate(numbers.x), "y": _coordinate(numbers.y)}
    thumbprint = hashlib.sha256(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()).digest()
    return {**jwk, "kid": _b64url(thumbprint), "use": "sig", "alg": ALGORITHM}


class ReceiptSigner:
    def __init__(self, key_id: str | None = None) -> None:
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        return self._key_id or get_settings().receipt_key_id

    def jwks(self) -> dict[str, Any]:
        """The signing key first, then the retired ones (receipts signed before a rotation still verify)."""
        retired = [] if self._key_id else list(get_settings().receipt_retired_key_ids)
        return {"keys": [_public_jwk(key_id) for key_id in dict.fromkeys([self.key_id, *retired])]}

    def sign(self, claims: dict[str, str]) -> str:
        if set(claims) != set(RECEIPT_CLAIMS):
            raise ValueError(f"a receipt covers exactly {RECEIPT_CLAIMS}")
        return self.sign_claims(
            claims,
            "JWT",
            DependencyUnavailable(
                "The receipt could not be signed; nothing was stored. Retry shortly.", code="receipt_unavailable"
            ),
        )

    def sign_claims(self, claims: dict[str, Any], typ: str, unavailable: Exception) -> str:
        """A compact JWS over ``claims`` with this ``typ`` (a receipt is "JWT"; an audit checkpoint says what it
        is, so that one can never pass for the other). ``unavailable`` is raised if KMS does not sign. KMS signs
        at most 4 KB of RAW message: sign small statements (a checkpoint signs its content's hash)."""
        header = {"alg": ALGORITHM, "kid": _public_jwk(self.key_id)["kid"], "typ": typ}
        signing_input = ".".join(
            _b64url(json.dumps(part, sort_keys=True, separators=(",", ":")).encode()) for part in (header, claims)
        )
        try:
            der = client("kms").sign(
                KeyId=self.key_id, Message=signing_input.encode(), MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
            )["Signature"]
        except (ClientError, BotoCoreError) as error:
            raise unavailable from error
        return f"{signing_input}.{_b64url(_signature(der))}"

    def verify_claims(self, token: str, typ: str) -> dict[str, Any]:
        """The claims of a JWS this deployment signed with ``typ`` (by the current or a retired key), or
        ``ValueError`` saying why not."""
        import jwt  # PyJWT: already the API's token verifier

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise ValueError(f"not a JWS: {error}") from None
        if header.get("typ") != typ or header.get("alg") != ALGORITHM:
            raise ValueError(f"not a {typ} signed with {ALGORITHM}")
        keys = {key["kid"]: key for key in self.jwks()["keys"]}
        if header.get("kid") not in keys:
            raise ValueError("signed by a key this deployment does not publish")
        try:
            return jwt.decode(
                token,
                jwt.PyJWK(keys[header["kid"]]).key,
                algorithms=[ALGORITHM],
                options={
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": [],
                },
            )
        except jwt.PyJWTError as error:
            raise ValueError(f"the signature does not verify: {error}") from None


def _signature(der: bytes) -> bytes:
    """KMS answers DER; JWS wants r ‖ s, 32 bytes each. cryptography is imported on first use, not with the
    app: most invocations sign nothing, and it is a noticeable part of a cold start."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
