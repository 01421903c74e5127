"""Signed receipts: a stock JWT library and the public JWKS alone verify them."""

from __future__ import annotations

import hashlib
import json

import jwt
import pytest

from chalicelib.api import authorities
from chalicelib.services.intake import request_id_for
from tests.helpers import FR, authority, post, submission


def verify(client, receipt: str) -> dict:
    keys = client.http.get("/v1/public/keys")
    assert keys.status_code == 200 and "max-age" in keys.headers["Cache-Control"]
    key = jwt.PyJWKSet.from_dict(keys.json_body)[jwt.get_unverified_header(receipt)["kid"]]
    return jwt.decode(receipt, key=key, algorithms=["ES256"])


def test_given_a_submission_then_its_receipt_verifies_with_the_published_keys(client, issuer):
    headers = authority(issuer, FR, **{"Idempotency-Key": "receipt-1"})
    sent = submission()
    created = post(client, "/v1/requests", sent, headers)
    assert created.status_code == 201
    body = created.json_body
    claims = verify(client, body["receipt"])
    assert claims["request_id"] == body["id"] and claims["agency_id"] == FR
    assert claims["received_at"] == body["received_at"]
    # The authority recomputes the body hash from what it sent.
    assert claims["body_sha256"] == hashlib.sha256(
        json.dumps(sent, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    assert set(claims) == {"request_id", "agency_id", "received_at", "body_sha256"}
    # The same receipt on the request and on a retry of the same submission.
    assert client.http.get(f"/v1/requests/{body['id']}", headers=headers).json_body["receipt"] == body["receipt"]
    retried = post(client, "/v1/requests", sent, headers)
    assert (retried.status_code, retried.json_body["receipt"]) == (201, body["receipt"])


def test_given_a_receipt_altered_then_it_does_not_verify(client, issuer):
    receipt = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["receipt"]
    header, payload, signature = receipt.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"received_at":"2', b'"received_at":"1')).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, f"{header}.{forged_payload}.{signature}")


def test_given_the_receipt_key_unavailable_then_503_and_nothing_stored(client, issuer, monkeypatch):
    monkeypatch.setattr(authorities.intake.receipts, "_key_id", "alias/no-such-key")
    response = post(client, "/v1/requests", submission(), authority(issuer, FR, **{"Idempotency-Key": "no-key-1"}))
    assert response.status_code == 503 and response.json_body["code"].startswith("receipt_")
    monkeypatch.undo()
    request_id = request_id_for(FR, "no-key-1")
    assert client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, FR)).status_code == 404


def test_given_a_rotated_key_then_old_receipts_still_verify_with_the_published_keys(client, issuer, monkeypatch):
    import boto3

    from chalicelib.settings import get_settings

    old = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["receipt"]
    kms = boto3.client("kms", region_name=get_settings().aws_region)
    new_key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    rotated = get_settings().model_copy(update={"receipt_key_id": new_key,
                                                "receipt_retired_key_ids": (get_settings().receipt_key_id,)})
    monkeypatch.setattr("chalicelib.services.receipts.get_settings", lambda: rotated)
    new = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["receipt"]
    assert jwt.get_unverified_header(new)["kid"] != jwt.get_unverified_header(old)["kid"]
    keys = client.http.get("/v1/public/keys").json_body["keys"]
    assert len(keys) == 2 and keys[0]["kid"] == jwt.get_unverified_header(new)["kid"]
    for receipt in (old, new):
        assert verify(client, receipt)["agency_id"] == FR
