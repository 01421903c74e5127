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


class _Recording:
    """The real SNS client, with what was published through it kept."""

    def __init__(self, real) -> None:
        self.real, self.published = real, []

    def publish(self, **call):
        self.published.append(call)
        return self.real.publish(**call)

    def __getattr__(self, name):
        return getattr(self.real, name)


def record_notices(monkeypatch):
    """Keep every SNS publish the API makes from now on (they are still sent); the answer lists them as
    (audience: representatives | agency | operators, recipient attribute or None, message)."""
    from chalicelib.notify import publisher as publisher_module
    from chalicelib.settings import get_settings

    real = publisher_module.client
    recording = _Recording(real("sns"))
    monkeypatch.setattr(publisher_module, "client", lambda service, **kw: recording if service == "sns"
                        else real(service, **kw))
    settings = get_settings()
    topics = {settings.representatives_topic_arn: "representatives", settings.agency_topic_arn: "agency",
              settings.operator_alerts_topic_arn: "operators"}

    def published() -> list[tuple[str, str | None, str]]:
        return [(topics[call["TopicArn"]], call.get("MessageAttributes", {}).get("recipient", {}).get("StringValue"),
                 call["Message"]) for call in recording.published]

    return published


def give_notice(client, request_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Record the notice the desk gave the user (a data disclosure waits for it under the default notice policy:
    409 user_notice_first otherwise); ``headers``: a representative of the request's region. The request's view."""
    given = post(client, f"/v1/requests/{request_id}/user-notice",
                 {"channel": "email", "text": "A law-enforcement request for your account's data is about to be "
                                              "answered."}, headers)
    assert given.status_code == 200, given.body
    assert given.json_body["user_notice"]["state"] == "notified"
    return given.json_body
