"""Small builders shared by the API tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

FR = "fr-valmont-cyber"  # seeded, verified, FR → region eu
DE = "de-nordmark-lka"  # seeded, verified, DE → region eu
US = "us-hollis-da"  # seeded, verified, US → region us


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}


def authority(issuer, agency: str = FR, *, sub: str = "officer-1", mfa: bool = False, **extra: str) -> dict:
    return bearer(issuer.mint(role="authority", sub=sub, agency_id=agency, mfa=mfa), **extra)


def admin(issuer) -> dict:
    return bearer(issuer.mint(role="admin", sub="admin-1", mfa=True))


def submission(kind: str = "data_disclosure", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "legal_basis": "Code de procédure pénale, art. 60-1",
        "reference": f"REF-{uuid.uuid4().hex[:10]}",
        "targets": [{"kind": "username", "value": "suspect_account_42"}],
        "description": "Subscriber information for an account used in a fraud case.",
        "language": "fr",
    }
    if kind in {"data_disclosure", "preservation"}:
        body["data_categories"] = ["subscriber", "traffic"]
    if kind in {"content_removal", "terrorist_content_removal"}:
        body["targets"] = [{"kind": "message_link", "value": "https://platform.example/c/123/m/456"}]
    if kind == "emergency_disclosure":
        body["emergency"] = {"threat": "Credible threat to kill posted an hour ago.", "callback_number": "+33 1 23 45 67 89"}
    body.update(overrides)
    return body


def post(client, path: str, body: Any, headers: dict[str, str]):
    return client.http.post(path, body=json.dumps(body).encode(), headers=headers)
