"""The local development token issuer.

Its ES256 signing key is generated into the state directory (``.local/`` by
default, ignored by git) on first use and kept across runs, so tokens minted by
``make token`` stay valid until they expire. The API trusts it through a JWKS
file, exactly as it trusts a deployed issuer through a JWKS URL.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ISSUER = "https://dev-issuer.liaison.local"
AUDIENCE = "liaison-api"
ALGORITHM = "ES256"
DEFAULT_TTL_SECONDS = 12 * 3600


class DevIssuer:
    def __init__(self, state_dir: Path) -> None:
        self.directory = Path(state_dir) / "dev-issuer"
        self.private_key_path = self.directory / "signing-key.pem"
        self.jwks_path = self.directory / "jwks.json"

    def ensure_key(self) -> None:
        """Generate the signing key and its JWKS once; reuse them afterwards."""
        if self.private_key_path.exists() and self.jwks_path.exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(self.private_key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": f"dev-{uuid.uuid4().hex[:12]}", "alg": ALGORITHM, "use": "sig"})
        # Replace atomically: a running API re-reads this file when it changes.
        staging = self.jwks_path.with_suffix(".tmp")
        staging.write_text(json.dumps({"keys": [jwk]}, indent=2), encoding="utf-8")
        os.replace(staging, self.jwks_path)

    def trusted_issuer(self) -> dict[str, Any]:
        """This issuer as an entry of ``LIAISON_TRUSTED_ISSUERS``."""
        return {
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "jwks_file": str(self.jwks_path.resolve()),
            "roles": ["authority", "representative", "admin"],
            "agencies": ["*"],
        }

    def _kid(self) -> str:
        return json.loads(self.jwks_path.read_text(encoding="utf-8"))["keys"][0]["kid"]

    def mint(
        self,
        *,
        role: str,
        sub: str,
        agency_id: str | None = None,
        region: str | None = None,
        mfa: bool = False,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        now: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        self.ensure_key()
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "role": role,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
            "jti": uuid.uuid4().hex,
            "amr": ["pwd", "mfa"] if mfa else ["pwd"],
        }
        if agency_id is not None:
            claims["agency_id"] = agency_id
        if region is not None:
            claims["region"] = region
        claims.update(extra or {})
        key = serialization.load_pem_private_key(self.private_key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{self.private_key_path} is not an EC key ({ALGORITHM})")
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": self._kid()})
