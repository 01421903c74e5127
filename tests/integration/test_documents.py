"""Documents: declared, uploaded with the presigned POST, checked against the declared SHA-256, downloaded."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest
import requests

from tests.helpers import DE, FR, authority, bearer, post, submission

PDF = b"%PDF-1.7\n% a court order\n" + b"x" * 2048


def rep(issuer, sub="rep-eu-okafor", region="eu"):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True))


@pytest.fixture
def request_id(client, issuer):
    return post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]


def declaration(data=PDF, **overrides):
    return {"filename": "order.pdf", "content_type": "application/pdf", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), **overrides}


def declare(client, issuer, request_id, body=None, headers=None):
    return post(client, f"/v1/requests/{request_id}/documents", body or declaration(),
                headers or authority(issuer, FR))


def upload(declared, data=PDF):
    form = declared["upload"]
    response = requests.post(form["url"], data=form["fields"], files={"file": ("order.pdf", data)}, timeout=10)
    assert response.status_code in (200, 204), response.text


def listed(client, issuer, request_id, headers=None):
    response = client.http.get(f"/v1/requests/{request_id}/documents", headers=headers or authority(issuer, FR))
    assert response.status_code == 200
    return {d["document_id"]: d for d in response.json_body["items"]}


def test_given_a_declared_and_uploaded_document_then_it_is_stored_and_downloadable_by_both_sides(
        client, issuer, request_id):
    declared = declare(client, issuer, request_id)
    assert declared.status_code == 201, declared.body
    body = declared.json_body
    assert body["status"] == "pending" and body["upload"]["url"]
    fields = body["upload"]["fields"]
    assert fields["key"] == f"requests/{request_id}/{body['document_id']}"
    assert fields["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(PDF).digest()).decode()
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", len(PDF), len(PDF)] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert "X-Amz-Credential".lower() in {k.lower() for k in fields}  # SigV4, not the legacy signature
    upload(body)

    assert listed(client, issuer, request_id)[body["document_id"]]["status"] == "stored"
    for headers in (authority(issuer, FR), rep(issuer)):
        got = client.http.get(f"/v1/requests/{request_id}/documents/{body['document_id']}", headers=headers)
        assert got.status_code == 200, got.body
        assert "X-Amz-Expires=300" in got.json_body["download"]["url"]
        assert requests.get(got.json_body["download"]["url"], timeout=10).content == PDF
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=rep(issuer)).json_body
    kinds = [e["kind"] for e in trail["events"]]
    assert trail["verified"] and kinds.count("document_downloaded") == 2
    assert {"document_declared", "document_stored"} <= set(kinds)


def test_given_bytes_that_differ_from_the_declaration_then_the_document_is_rejected(client, issuer, request_id):
    declared = declare(client, issuer, request_id).json_body
    upload(declared, b"%PDF-1.7\n% a forged order\n" + b"y" * (len(PDF) - 26))
    document = listed(client, issuer, request_id)[declared["document_id"]]
    assert (document["status"], document["reason"]) == ("rejected", "sha256_mismatch")
    got = client.http.get(f"/v1/requests/{request_id}/documents/{declared['document_id']}",
                          headers=authority(issuer, FR))
    assert (got.status_code, got.json_body["code"]) == (409, "document_not_stored")


def test_given_a_later_upload_over_a_stored_document_then_downloads_keep_the_checked_bytes(
        client, issuer, request_id):
    declared = declare(client, issuer, request_id).json_body
    upload(declared)
    assert listed(client, issuer, request_id)[declared["document_id"]]["status"] == "stored"
    upload(declared, b"z" * len(PDF))  # the form is still valid for a few minutes
    got = client.http.get(f"/v1/requests/{request_id}/documents/{declared['document_id']}",
                          headers=authority(issuer, FR)).json_body
    assert requests.get(got["download"]["url"], timeout=10).content == PDF


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"content_type": "application/x-msdownload"}, 415, "content_type_not_allowed"),
    ({"content_type": "text/html"}, 415, "content_type_not_allowed"),
    ({"size": 25 * 1024 * 1024 + 1}, 413, "document_too_large"),
    ({"size": 0}, 400, "invalid_field"),
    ({"sha256": "abc"}, 400, "invalid_field"),
    ({"filename": "../../etc/passwd"}, 400, "invalid_field"),
    ({"filename": ".htaccess"}, 400, "invalid_field"),
    ({"filename": "invoice\u202efdp.exe"}, 400, "invalid_field"),
    ({"size": True}, 400, "invalid_field"),
    ({"size": 2048.0}, 400, "invalid_field"),
    ({"status": "stored"}, 400, "unknown_field"),
    ({"key": "requests/other/x"}, 400, "unknown_field"),
])
def test_given_a_bad_declaration_then_a_clear_4xx_and_nothing_declared(client, issuer, request_id, change, status,
                                                                       code):
    response = declare(client, issuer, request_id, declaration(**change))
    assert (response.status_code, response.json_body["code"]) == (status, code), response.body
    assert listed(client, issuer, request_id) == {}


def test_given_another_agency_or_region_then_documents_answer_404(client, issuer, request_id):
    declared = declare(client, issuer, request_id).json_body
    upload(declared)
    path = f"/v1/requests/{request_id}/documents"
    for headers in (authority(issuer, DE), rep(issuer, "rep-us-jordan", "us")):
        assert client.http.get(path, headers=headers).status_code == 404
        assert client.http.get(f"{path}/{declared['document_id']}", headers=headers).status_code == 404
        assert declare(client, issuer, request_id, headers=headers).status_code == 404
    assert client.http.get(f"{path}/DOC-AAAAAAAAAAAAAAAA", headers=authority(issuer, FR)).status_code == 404
    assert client.http.get(f"{path}/nonsense", headers=authority(issuer, FR)).status_code == 404


def test_given_nothing_uploaded_before_the_form_expires_then_the_document_is_rejected(client, issuer, fixed_clock):
    from datetime import timedelta

    now = fixed_clock.now().timestamp()
    officer = bearer(issuer.mint(role="authority", sub="officer-1", agency_id=FR, now=now))
    request_id = post(client, "/v1/requests", submission(), officer).json_body["id"]
    declared = declare(client, issuer, request_id, headers=officer).json_body
    assert listed(client, issuer, request_id, officer)[declared["document_id"]]["status"] == "pending"
    fixed_clock.advance(timedelta(minutes=16))
    officer = bearer(issuer.mint(role="authority", sub="officer-1", agency_id=FR, now=fixed_clock.now().timestamp()))
    assert listed(client, issuer, request_id, officer)[declared["document_id"]]["status"] == "pending"  # grace
    fixed_clock.advance(timedelta(minutes=2))
    officer = bearer(issuer.mint(role="authority", sub="officer-1", agency_id=FR, now=fixed_clock.now().timestamp()))
    document = listed(client, issuer, request_id, officer)[declared["document_id"]]
    assert (document["status"], document["reason"]) == ("rejected", "not_uploaded")


def test_given_the_request_changes_while_the_document_is_checked_then_the_retry_settles_it(
        client, issuer, request_id, monkeypatch):
    """The workflow often writes the request (its task token) while a document is checked: the first write
    meets a stale version and is retried on a fresh read, which must settle the document, not answer 500."""
    from chalicelib.store.models import LegalRequest
    from chalicelib.store.requests import RequestRepository

    deadline = time.monotonic() + 20  # let the workflow store its token first: only the test writes below
    while LegalRequest.get(request_id, consistent_read=True).waiting_for != "acknowledgement":
        assert time.monotonic() < deadline, "the workflow did not reach its first wait"
        time.sleep(0.05)
    declared = declare(client, issuer, request_id).json_body
    upload(declared)
    original = RequestRepository.apply
    attempts = []

    def changed_meanwhile(self, item, change, actions, also=()):
        attempts.append(change.kind)
        if len(attempts) == 1:  # a concurrent writer bumps the version between the read and this write
            LegalRequest.get(item.request_id, consistent_read=True).update(
                actions=[LegalRequest.updated_at.set(item.updated_at)], add_version_condition=False)
        return original(self, item, change, actions, also=also)

    monkeypatch.setattr(RequestRepository, "apply", changed_meanwhile)
    document = listed(client, issuer, request_id)[declared["document_id"]]
    assert document["status"] == "stored" and attempts == ["document_stored", "document_stored"]
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=rep(issuer)).json_body
    assert trail["verified"] and [e["kind"] for e in trail["events"]].count("document_stored") == 1
