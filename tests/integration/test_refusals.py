"""Request ids and refused attempts: another agency learns nothing about a request that is not its own.

An id derived from an Idempotency-Key is a MAC under a KMS key, so another agency cannot compute it from a
guessable key. A refused attempt is recorded off the request path (one queue message each, chained by the
consumer), so an id that is another agency's request and one that does not exist get the same answer after
the same work. Past the per-request cap, refusals are counted and logged, never chained.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from unittest import mock

import boto3
import botocore.client
import pytest

from chalicelib.services import access
from chalicelib.services.intake import request_id_for
from chalicelib.settings import get_settings
from chalicelib.store.requests import RequestRepository
from infra.local.refusals import RefusalPump
from tests.helpers import DE, FR, authority, bearer, post, submission

MISSING = "LR-AAAAAAAAAAAAAAAB"  # well formed, never issued: random ids and MACs are 80 bits


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def drain() -> int:
    """Run the refusal consumer over everything queued (what the Lambda does deployed, the pump under make run)."""
    return RefusalPump.from_settings().drain()


@pytest.fixture
def counted(monkeypatch):
    names: list[str] = []
    original = access.metrics.add_metric

    def spy(*, name, unit, value, **kwargs):
        if name.startswith("Refusal"):
            names.extend([name] * int(value))
        return original(name=name, unit=unit, value=value, **kwargs)

    monkeypatch.setattr(access.metrics, "add_metric", spy)
    return names


@pytest.fixture
def warned(monkeypatch):
    lines: list[tuple[str, dict]] = []
    original = access.logger.warning

    def spy(message, *args, extra=None, **kwargs):
        lines.append((message, extra or {}))
        return original(message, *args, extra=extra, **kwargs)

    monkeypatch.setattr(access.logger, "warning", spy)
    return lines


def kinds_of(request_id: str) -> list[str]:
    return [event.kind for event in RequestRepository().events(request_id)]


# 1. Ids are a keyed MAC ------------------------------------------------------------------------------------


def test_given_an_idempotency_key_then_the_id_is_a_kms_mac_of_agency_and_key():
    key = "pv-2026-0042"
    derived = request_id_for(FR, key)
    # Same agency and key: the same id, so a retry lands on the stored request.
    assert derived == request_id_for(FR, key) and access.REQUEST_ID.match(derived)
    assert derived != request_id_for(DE, key)
    # Not what anyone can compute: the unkeyed hash of the reproduction...
    assert derived != "LR-" + _b32(hashlib.sha256(f"{FR}\n{key}".encode()).digest()[:10])
    # ...but the MAC under the deployment's KMS key, whose secret never leaves KMS.
    mac = boto3.client("kms", region_name=get_settings().aws_region).generate_mac(
        KeyId=get_settings().request_id_key_id, Message=f"{FR}\n{key}".encode(), MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert derived == "LR-" + _b32(mac[:10])


def test_given_a_retried_submission_then_it_lands_on_the_keyed_id(client, issuer):
    headers = authority(issuer, FR) | {"Idempotency-Key": "pv-2026-0042-retry"}
    first = post(client, "/v1/requests", submission(), headers)
    again = post(client, "/v1/requests", submission(), headers)  # another body: the key is what counts here
    assert first.status_code == 201 and first.json_body["id"] == request_id_for(FR, "pv-2026-0042-retry")
    assert (again.status_code, again.json_body["code"]) == (422, "idempotency_key_reused")


def test_given_the_id_key_unavailable_then_503_and_nothing_stored(client, issuer, monkeypatch):
    from chalicelib.services import intake

    broken = get_settings().model_copy(update={"request_id_key_id": "alias/no-such-key"})
    monkeypatch.setattr(intake, "get_settings", lambda: broken)
    response = post(client, "/v1/requests", submission(), authority(issuer, FR, **{"Idempotency-Key": "no-mac-1"}))
    assert (response.status_code, response.json_body["code"]) == (503, "request_id_unavailable")
    monkeypatch.undo()
    assert client.http.get(f"/v1/requests/{request_id_for(FR, 'no-mac-1')}",
                           headers=authority(issuer, FR)).status_code == 404


# 2. No existence oracle ------------------------------------------------------------------------------------


def _answer_and_calls(client, path: str, headers: dict[str, str]):
    """The response, and every AWS call the request path made (this thread's: not the workflow's)."""
    calls: list[tuple[str, str]] = []
    original, me = botocore.client.BaseClient._make_api_call, threading.get_ident()

    def spy(self, operation, params):
        if threading.get_ident() == me:
            calls.append((self.meta.service_model.service_name, operation))
        return original(self, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", spy):
        response = client.http.get(path, headers=headers)
    return response, calls


def _comparable(response) -> tuple:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "x-correlation-id"}
    return response.status_code, response.body, headers


def test_given_another_agencys_request_and_a_missing_id_then_same_answer_after_the_same_calls(
        client, issuer, counted):
    drain()  # start from an empty queue
    existing = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    prober = bearer(issuer.mint(role="authority", sub="prober-1", agency_id=DE))
    _answer_and_calls(client, f"/v1/requests/{MISSING}", prober)  # warm every per-container cache first
    drain()
    counted.clear()
    for path in ("", "/events", "/audit"):
        foreign, foreign_calls = _answer_and_calls(client, f"/v1/requests/{existing}{path}", prober)
        missing, missing_calls = _answer_and_calls(client, f"/v1/requests/{MISSING}{path}", prober)
        assert foreign.status_code in (403, 404)
        assert _comparable(foreign) == _comparable(missing), path
        assert foreign_calls == missing_calls, path  # the refusal is queued in both cases, written in neither
        if foreign.status_code == 404:
            assert ("sqs", "SendMessage") in foreign_calls and not {
                op for service, op in foreign_calls if service == "dynamodb"} - {"GetItem", "BatchGetItem", "Query"}
    assert "access_refused" not in kinds_of(existing)  # nothing written on the request path

    # The consumer chains the refusal of the existing request, and only counts the probe of a missing one.
    drain()
    refused = [e for e in RequestRepository().events(existing) if e.kind == "access_refused"]
    assert len(refused) == 2  # GET and /events (/audit is refused by role before any request is read)
    assert refused[0].actor == "prober-1" and '"caller_scope":"' + DE + '"' in refused[0].detail
    assert RequestRepository().get(MISSING) is None  # the consumer creates nothing for a missing id
    assert counted.count("RefusalsForMissingRequests") == 2


def test_given_the_console_page_of_another_agencys_request_and_of_a_missing_id_then_the_same_calls(client, issuer):
    """The page reads the request with the session; another agency's is read again, to nothing, as a missing one
    is read: the same calls after the session read, and the same 404 page."""
    from tests.integration.test_console import Browser

    existing = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    officer = Browser(client, "authority", "officer-de-prober", agency_id=DE)
    get = lambda path: _answer_and_calls(client, path, officer.headers)  # noqa: E731
    get(f"/console/requests/{MISSING}")  # warm the caches
    foreign, foreign_calls = get(f"/console/requests/{existing}")
    missing, missing_calls = get(f"/console/requests/{MISSING}")
    assert foreign.status_code == missing.status_code == 404 and foreign.body == missing.body
    assert foreign_calls == missing_calls and ("sqs", "SendMessage") in foreign_calls


def test_given_a_refusal_to_a_caller_who_sees_the_request_then_it_is_chained_at_once_or_queued(
        client, issuer, monkeypatch):
    """The caller knows this request exists: its refusal is chained on the version it read. One that cannot be
    chained then is not lost: the consumer chains it later."""
    rep = bearer(issuer.mint(role="representative", sub="rep-eu-okafor", region="eu", mfa=True))
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    refused = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep)
    assert (refused.status_code, refused.json_body["code"]) == (409, "illegal_transition")
    assert kinds_of(request_id).count("refused") == 1

    drain()
    original = RequestRepository.apply

    def failing(self, item, change, actions, also=()):
        if change.kind == "refused":
            raise RuntimeError("the table is unavailable")
        return original(self, item, change, actions, also=also)

    monkeypatch.setattr(RequestRepository, "apply", failing)
    again = post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"}, rep)
    assert (again.status_code, again.json_body["code"]) == (409, "illegal_transition")
    assert kinds_of(request_id).count("refused") == 1
    monkeypatch.undo()
    assert drain() == 1
    assert kinds_of(request_id).count("refused") == 2
    assert client.http.get(f"/v1/requests/{request_id}/audit", headers=rep).json_body["verified"] is True


def test_given_the_queue_unavailable_then_the_caller_gets_its_404_and_the_refusal_is_counted(
        client, issuer, counted, monkeypatch):
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    broken = get_settings().model_copy(update={"refusals_queue_url": "http://127.0.0.1:9/no-such-queue"})
    monkeypatch.setattr(access, "get_settings", lambda: broken)
    response = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, DE))
    assert (response.status_code, response.json_body["code"]) == (404, "not_found")
    assert counted == ["RefusalsNotRecorded"]


def test_given_the_store_failing_in_the_consumer_then_the_refusal_comes_back_and_is_chained_later(
        client, issuer, monkeypatch):
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    assert client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, DE)).status_code == 404
    original = RequestRepository.apply

    def failing(self, item, change, actions, also=()):
        if change.kind == "access_refused":
            raise RuntimeError("the table is unavailable")
        return original(self, item, change, actions, also=also)

    monkeypatch.setattr(RequestRepository, "apply", failing)
    pump = RefusalPump.from_settings()
    assert pump.drain() >= 1
    assert "access_refused" not in kinds_of(request_id)
    monkeypatch.undo()
    pump.drain(redeliver=True)  # the message was not deleted: it comes back (visibility timeout cut short here)
    assert kinds_of(request_id).count("access_refused") == 1


# 3. Past the cap -------------------------------------------------------------------------------------------


def test_given_refusals_past_the_cap_then_each_is_counted_and_logged_not_chained(
        client, issuer, monkeypatch, counted, warned):
    monkeypatch.setattr(access, "MAX_RECORDED_REFUSALS", 2)
    request_id = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body["id"]
    prober = bearer(issuer.mint(role="authority", sub="prober-2", agency_id=DE))
    for _ in range(5):
        assert client.http.get(f"/v1/requests/{request_id}", headers=prober).status_code == 404
    drain()
    assert kinds_of(request_id).count("access_refused") == 2
    assert counted.count("RefusalsNotChained") == 3
    capped = [extra for message, extra in warned if "cap" in message and extra.get("request_id") == request_id]
    assert len(capped) == 3 and all(extra["actor"] == "prober-2" for extra in capped)
    assert all(extra["caller_scope"] == DE and extra["action"] == "access" for extra in capped)
