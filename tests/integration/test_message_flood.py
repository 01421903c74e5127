"""Issue 13, point 7: a flood of messages cannot make a request's evidence unreadable.

Given the limits: messages are capped per request (``LIAISON_MESSAGES_PER_REQUEST``: 409
``message_cap_reached``) and limited per sender on a request per minute (``LIAISON_MESSAGES_PER_MINUTE``: 429
``message_rate_limited`` with Retry-After, nothing stored). The timeline (``GET /v1/requests/{id}/events``) comes
in pages (``limit`` + ``cursor``), each bounded in bytes, so no answer comes near Lambda's 6 MB response limit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api.views import AUTHORITY_KINDS
from chalicelib.services import desk as desk_module
from tests.helpers import FR, bearer, post, submission

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
CALL_BACK = {"method": "phone_callback", "number_source": "official_directory", "outcome": "confirmed",
             "note": "Called the Valmont switchboard from the ministry directory."}
INTERNAL = "verification_recorded"
MAXIMAL = "\U0001F600" * 10_000  # the longest message body, in the characters that take most bytes as JSON


def officer(issuer, sub="officer-1", now=None):
    return bearer(issuer.mint(role="authority", sub=sub, agency_id=FR, mfa=True,
                              **({"now": now} if now is not None else {})))


def rep(issuer, sub="rep-eu-okafor", region="eu", now=None):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True,
                              **({"now": now} if now is not None else {})))


@pytest.fixture
def limits(monkeypatch):
    """Set the message limits the desk reads (the rest of the settings as they are)."""
    def set_limits(per_request: int = 200, per_minute: int = 10) -> None:
        limited = desk_module.get_settings().model_copy(update={"messages_per_request": per_request,
                                                                "messages_per_minute": per_minute})
        monkeypatch.setattr(desk_module, "get_settings", lambda: limited)

    return set_limits


def filed(client, headers) -> str:
    created = post(client, "/v1/requests", submission(), headers)
    assert created.status_code == 201, created.json_body
    return created.json_body["id"]


def message(client, request_id, headers, body="Please see the attached order."):
    return post(client, f"/v1/requests/{request_id}/messages", {"body": body}, headers)


def timeline(client, request_id, headers, what="events", **query) -> list[dict]:
    """Every page of the timeline (or of the conversation, ``messages``, or the audit trail, ``audit``), followed
    through its cursors."""
    pages, cursor = [], None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        suffix = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        response = client.http.get(f"/v1/requests/{request_id}/{what}{suffix}", headers=headers)
        assert response.status_code == 200, response.json_body
        pages.append(response)
        cursor = response.json_body.get("next_cursor")
        if not cursor:
            return pages


def events_of(pages) -> list[dict]:
    return [event for page in pages for event in page.json_body["events"]]


def lambda_bytes(response) -> int:
    """What the answer weighs as Lambda's proxy response (the body escaped once more inside it)."""
    return len(json.dumps({"statusCode": response.status_code, "headers": dict(response.headers),
                           "body": response.body.decode()}).encode())


# --- the cap per request -------------------------------------------------------------------------------


def test_given_the_cap_then_the_next_message_is_refused_409_and_not_stored(client, issuer, limits):
    limits(per_request=3)
    request_id = filed(client, officer(issuer))
    sent = [message(client, request_id, headers).status_code
            for headers in (officer(issuer), rep(issuer), officer(issuer, "officer-2"))]
    assert sent == [200, 200, 200]
    for headers in (rep(issuer, "rep-eu-lindqvist"), officer(issuer)):
        over = message(client, request_id, headers)
        assert (over.status_code, over.json_body["code"]) == (409, "message_cap_reached")
        assert "3" in over.json_body["message"]
    conversation = client.http.get(f"/v1/requests/{request_id}/messages", headers=rep(issuer)).json_body
    assert len(conversation["messages"]) == 3
    from chalicelib.store.models import LegalRequest

    assert LegalRequest.get(request_id, consistent_read=True).messages_count == 3


def test_given_a_post_that_read_the_request_before_another_one_then_it_cannot_pass_the_cap(
        client, issuer, limits, monkeypatch):
    """The count is checked on the version read, and the write is conditioned on that version: a post racing
    another one is retried on a fresh read, which sees the cap reached."""
    from chalicelib.api.authorities import desk
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.errors import Conflict

    limits(per_request=2)
    request_id = filed(client, officer(issuer))
    assert message(client, request_id, officer(issuer)).status_code == 200
    stale = desk.requests.get(request_id)
    assert message(client, request_id, rep(issuer)).status_code == 200  # the cap is reached after this read
    reads, real_visible = [], desk.visible

    def visible(principal, wanted, read=None):
        reads.append(wanted)
        return stale if len(reads) == 1 else real_visible(principal, wanted, read)

    monkeypatch.setattr(desk, "visible", visible)
    caller = Principal(subject="rep-eu-lindqvist", role=Role.REPRESENTATIVE, issuer="https://dev-issuer.liaison.local",
                       expires_at=0, mfa=True, region="eu")
    with pytest.raises(Conflict) as refused:
        desk.message(caller, request_id, "A third message, racing the second.")
    assert refused.value.code == "message_cap_reached" and len(reads) == 2
    monkeypatch.undo()
    conversation = client.http.get(f"/v1/requests/{request_id}/messages", headers=rep(issuer)).json_body
    assert len(conversation["messages"]) == 2


# --- the rate per sender --------------------------------------------------------------------------------


def test_given_more_messages_than_the_rate_from_one_sender_then_429_with_retry_after_and_nothing_stored(
        client, issuer, limits, fixed_clock):
    limits(per_minute=3)
    # A moment of this minute (so the requests filed sort among the others), 40 s before the next one.
    fixed_clock.advance(datetime.now(UTC).replace(second=20, microsecond=0) - fixed_clock.now())
    now = fixed_clock.now().timestamp()
    request_id = filed(client, officer(issuer, now=now))
    assert [message(client, request_id, officer(issuer, now=now)).status_code for _ in range(3)] == [200] * 3
    before = events_of(timeline(client, request_id, rep(issuer, now=now)))

    over = message(client, request_id, officer(issuer, now=now))
    assert (over.status_code, over.json_body["code"]) == (429, "message_rate_limited")
    assert over.headers["Retry-After"] == "40"
    assert events_of(timeline(client, request_id, rep(issuer, now=now))) == before  # not even a refusal
    assert message(client, request_id, rep(issuer, now=now)).status_code == 200  # another sender: own count
    other = filed(client, officer(issuer, now=now))
    assert message(client, other, officer(issuer, now=now)).status_code == 200  # another request: own count

    fixed_clock.advance(timedelta(seconds=40))
    later = fixed_clock.now().timestamp()
    assert message(client, request_id, officer(issuer, now=later)).status_code == 200


def test_given_a_post_that_checked_the_rate_before_another_one_then_its_transaction_refuses_it(
        client, issuer, limits, monkeypatch, fixed_clock):
    """The check before the write only spares a transaction: the count itself is conditioned in the message's own
    transaction, so a post that checked before a concurrent one was counted is refused on its next attempt."""
    from chalicelib.api.authorities import desk
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.errors import TooManyRequests
    from chalicelib.store import ratelimits

    limits(per_minute=1)
    fixed_clock.advance(datetime.now(UTC).replace(second=20, microsecond=0) - fixed_clock.now())
    now = fixed_clock.now().timestamp()
    request_id = filed(client, officer(issuer, now=now))
    caller = Principal(subject="rep-eu-okafor", role=Role.REPRESENTATIVE, issuer="https://dev-issuer.liaison.local",
                       expires_at=0, mfa=True, region="eu")
    desk.message(caller, request_id, "The first message of this minute.")
    checks, real_reached = [], ratelimits.reached

    def reached(name, limit, window):
        checks.append(name)
        return False if len(checks) == 1 else real_reached(name, limit, window)

    monkeypatch.setattr(ratelimits, "reached", reached)
    with pytest.raises(TooManyRequests) as refused:
        desk.message(caller, request_id, "A second one, checked as if the first had not been counted yet.")
    assert refused.value.code == "message_rate_limited" and len(checks) == 2
    monkeypatch.undo()
    conversation = client.http.get(f"/v1/requests/{request_id}/messages", headers=rep(issuer, now=now)).json_body
    assert [m["detail"]["body"] for m in conversation["messages"]] == ["The first message of this minute."]


# --- the timeline in pages ------------------------------------------------------------------------------


def test_given_a_long_timeline_then_its_pages_join_up_exactly_and_an_authority_sees_no_internal_event(
        client, issuer):
    request_id = filed(client, officer(issuer))
    for headers in (officer(issuer), rep(issuer), officer(issuer), rep(issuer)):
        assert message(client, request_id, headers).status_code == 200
    # A call-back verification: a safeguard step, internal (not shown to the authority), amid the timeline.
    assert post(client, f"/v1/requests/{request_id}/verification", CALL_BACK, rep(issuer)).status_code == 200
    assert message(client, request_id, officer(issuer)).status_code == 200

    whole = client.http.get(f"/v1/requests/{request_id}/events?limit=200", headers=rep(issuer)).json_body
    assert whole.get("next_cursor") is None and INTERNAL in [e["kind"] for e in whole["events"]]
    pages = timeline(client, request_id, rep(issuer), limit=2)
    assert len(pages) >= 4 and all(len(page.json_body["events"]) <= 2 for page in pages)
    assert events_of(pages) == whole["events"]
    seqs = [e["seq"] for e in events_of(pages)]
    assert seqs == sorted(set(seqs))  # oldest first, each once

    seen = events_of(timeline(client, request_id, officer(issuer), limit=2))
    assert [e["seq"] for e in seen] == [e["seq"] for e in whole["events"] if e["kind"] in AUTHORITY_KINDS]
    assert INTERNAL not in [e["kind"] for e in seen]
    assert [e["kind"] for e in seen].count("message") == 5


@pytest.mark.parametrize("query, code, field", [
    ("limit=0", "invalid_field", "limit"),
    ("limit=201", "invalid_field", "limit"),
    ("limit=many", "invalid_field", "limit"),
    ("cursor=not-a-cursor", "invalid_cursor", "cursor"),
    ("cursor=" + "A" * 1025, "invalid_field", "cursor"),
    ("order=newest", "unknown_field", "order"),
])
def test_given_bad_paging_parameters_then_400_with_a_code(client, issuer, query, code, field):
    request_id = filed(client, officer(issuer))
    response = client.http.get(f"/v1/requests/{request_id}/events?{query}", headers=rep(issuer))
    assert response.status_code == 400
    assert (response.json_body["code"], response.json_body["field"]) == (code, field)


def test_given_a_cursor_of_another_requests_timeline_then_400_invalid_cursor(client, issuer):
    first, second = filed(client, officer(issuer)), filed(client, officer(issuer))
    for _ in range(2):
        assert message(client, first, officer(issuer)).status_code == 200
    cursor = client.http.get(f"/v1/requests/{first}/events?limit=1", headers=rep(issuer)).json_body["next_cursor"]
    assert cursor
    response = client.http.get(f"/v1/requests/{second}/events?cursor={cursor}", headers=rep(issuer))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_cursor")
    foreign = client.http.get(f"/v1/requests/{first}/events?cursor={cursor}", headers=rep(issuer, "rep-us-jordan",
                                                                                          "us"))
    assert foreign.status_code == 404  # not visible: the same 404 as without a cursor


def test_given_a_flood_of_maximal_messages_then_no_events_page_comes_near_6_mb(client, issuer, limits):
    """60 messages of 10,000 characters that JSON escapes as 12 bytes each: more than 6 MB of timeline in all,
    yet each page stays under half the limit (the page stops at a byte budget, whatever its ``limit``)."""
    limits(per_minute=1000)
    request_id = filed(client, officer(issuer))
    senders = (officer(issuer), rep(issuer))
    for index in range(60):
        assert message(client, request_id, senders[index % 2], MAXIMAL).status_code == 200
    for headers in (rep(issuer), officer(issuer)):
        pages = timeline(client, request_id, headers, limit=200)
        sizes = [lambda_bytes(page) for page in pages]
        assert sum(sizes) > LAMBDA_RESPONSE_LIMIT  # the flood, whole, would not have fitted in one answer
        assert max(sizes) < LAMBDA_RESPONSE_LIMIT / 2, sizes
        bodies = [e["detail"]["body"] for e in events_of(pages) if e["kind"] == "message"]
        assert bodies == [MAXIMAL] * 60  # nothing lost or repeated at the page breaks
    # The conversation and the audit trail come in pages too (the trail's verdict still covers every event).
    for what, key, headers in (("messages", "messages", officer(issuer)), ("audit", "events", rep(issuer))):
        pages = timeline(client, request_id, headers, what, limit=200)
        assert len(pages) > 1 and max(lambda_bytes(page) for page in pages) < LAMBDA_RESPONSE_LIMIT / 2, what
        assert sum(1 for page in pages for e in page.json_body[key] if e["kind"] == "message") == 60, what
    assert all(page.json_body["verified"] for page in pages)


def test_given_the_openapi_document_then_the_timeline_is_paged_and_messages_may_answer_429(client):
    paths = client.http.get("/openapi.json").json_body["paths"]
    events = paths["/v1/requests/{request_id}/events"]["get"]
    query = {p["name"]: p for p in events["parameters"] if p["in"] == "query"}
    assert set(query) == {"limit", "cursor"}
    assert query["limit"]["schema"]["maximum"] == 200 and query["limit"]["schema"]["default"] == 100
    assert "400" in events["responses"]
    schema = client.http.get("/openapi.json").json_body["components"]["schemas"]["Timeline"]
    assert "next_cursor" in schema["properties"]
    assert "429" in paths["/v1/requests/{request_id}/messages"]["post"]["responses"]


# --- the console reads the timeline in pages too ---------------------------------------------------------


def test_given_a_long_timeline_then_the_request_page_shows_the_latest_events_and_links_to_earlier_ones(
        client, issuer, monkeypatch):
    from chalicelib.web import desk_pages
    from tests.integration.test_console import Browser, text

    monkeypatch.setattr(desk_pages, "TIMELINE_PAGE_SIZE", 3)
    request_id = filed(client, officer(issuer))
    for index in range(5):
        assert message(client, request_id, officer(issuer), f"Message number {index}.").status_code == 200
    browser = Browser(client)
    page = browser.get(f"/console/requests/{request_id}")
    assert page.status_code == 200
    shown = text(page)
    assert "Message number 4." in shown and "Message number 2." in shown and "Message number 1." not in shown
    earlier = page.body.decode().split('href="')
    link = next(part.split('"')[0] for part in earlier if "?events=" in part.split('"')[0])
    older = browser.get(link.replace("&amp;", "&"))
    assert older.status_code == 200
    assert "Message number 1." in text(older) and "Message number 4." not in text(older)
    bad = browser.get(f"/console/requests/{request_id}?events=not-a-cursor")
    assert bad.status_code == 400
    authority_page = Browser(client, "authority", "officer-1", agency_id=FR).get(f"/console/requests/{request_id}")
    assert authority_page.status_code == 200 and "Message number 4." in text(authority_page)
    assert Browser(client, sub="rep-us-jordan", region="us").get(link.replace("&amp;", "&")).status_code == 404
