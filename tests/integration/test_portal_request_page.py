"""The officers' portal on a request's page (issue 14, points 7 and 4): the timeline as the API shows it to the
agency, answering the platform's question (the clock restarts), documents both ways through the API's audited
links and presigned upload, and withdrawal with a reason.

Pages are called as a browser calls them (the session cookie, form posts) through Chalice's test client; what
changed is read back through the API.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import timedelta

import pytest
import requests

from chalicelib.clock import parse_instant
from tests.helpers import DE, FR, authority, post
from tests.integration.test_console import Browser, api_get, filed, multipart, text

OFFICER = {"role": "authority", "sub": "officer-fr-lefevre", "agency_id": FR}
PDF = b"%PDF-1.7\n% legal process\n" + bytes(range(256)) * 30


def officer(client, agency: str = FR) -> Browser:
    return Browser(client, **{**OFFICER, "agency_id": agency})


def as_agency(client, issuer, path: str, agency: str = FR) -> dict:
    """What the API shows the agency (a token minted at the application's time, which a test may have moved)."""
    from chalicelib.clock import app_clock

    token = issuer.mint(role="authority", sub="officer-1", agency_id=agency, now=app_clock.now().timestamp())
    response = client.http.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def events_seen_by_agency(client, issuer, request_id: str) -> list[dict]:
    return as_agency(client, issuer, f"/v1/requests/{request_id}/events?limit=200")["events"]


def upload(client, browser: Browser, path: str, filename: str, content_type: str, data: bytes, *,
           csrf: str | None = "mine"):
    fields = {"csrf": browser.session.csrf_token if csrf == "mine" else csrf} if csrf is not None else {}
    body, kind = multipart(fields, filename, content_type, data)
    return client.http.post(path, body=body, headers={**browser.headers, "content-type": kind})


def awaiting_information(client, issuer, question: str = "Which time zone are the timestamps in?") -> dict:
    """A request of FR its representative acknowledged, then asked a question about."""
    created = filed(client, issuer)
    rep = Browser(client, sub=created["assignee"])
    assert rep.post(f"/console/requests/{created['id']}/acknowledge", {}).status_code == 303
    assert rep.post(f"/console/requests/{created['id']}/request-information", {"question": question}
                    ).status_code == 303
    return created


def timeline_section(page: str) -> str:
    return page[page.index('id="h-timeline"'):]


def timeline_kinds(page: str) -> list[str]:
    return re.findall(r'<span class="meta">[^<]*</span> <strong>([^<]+)</strong>', timeline_section(page))


def label(kind: str) -> str:
    from chalicelib.web.render import label as words

    return words(kind)


# --- Routes -----------------------------------------------------------------------------------------------------

def test_given_the_officers_paths_then_their_literal_segments_beat_the_desks_action_route():
    from chalice.local import RouteMatcher

    from app import app

    matcher = RouteMatcher(list(app.routes))  # chalice local and the test client share it; API Gateway agrees
    for action in ("answer", "attach", "withdraw"):
        assert matcher.match_route(f"/console/requests/LR-AAAAAAAAAAAAAAAA/{action}").route \
            == f"/console/requests/{{request_id}}/{action}"
    assert matcher.match_route("/console/requests/LR-AAAAAAAAAAAAAAAA/acknowledge").route \
        == "/console/requests/{request_id}/{action}"


def test_given_the_officers_pages_then_they_take_the_roles_of_the_api_routes_they_do_the_work_of():
    from chalicelib.api import authorities, documents, representatives
    from chalicelib.web import officer_pages
    from chalicelib.web.console import PAGE_ATTRIBUTE, roles_of
    from app import app

    declared = {path: getattr(route.view_function, PAGE_ATTRIBUTE)
                for path, methods in app.routes.items() for route in methods.values()
                if path.startswith("/console/requests/{request_id}/") and hasattr(route.view_function, PAGE_ATTRIBUTE)}
    for action, api_view in (("answer", representatives.post_message), ("attach", documents.declare_document),
                             ("withdraw", authorities.withdraw_request)):
        page = declared[f"/console/requests/{{request_id}}/{action}"]
        assert (page.roles, page.like) == roles_of(api_view)
        assert page.methods == ("POST",)
    assert officer_pages.desk is authorities.desk  # the API's own desk, not a second one


# --- What the officer sees --------------------------------------------------------------------------------------

def test_given_the_officer_then_the_timeline_is_the_apis_authority_view_without_internal_details(client, issuer):
    created = filed(client, issuer, "emergency_disclosure")
    rid = created["id"]
    rep = Browser(client, sub=created["assignee"])
    assert rep.post(f"/console/requests/{rid}/acknowledge", {"note": "On it."}).status_code == 303
    assert rep.post(f"/console/requests/{rid}/verification", {
        "method": "phone_callback", "number_source": "official_directory", "outcome": "confirmed",
        "note": "Called the duty officer back."}).status_code == 303
    desk_page = text(rep.get(f"/console/requests/{rid}"))
    page = text(officer(client).get(f"/console/requests/{rid}"))
    # What the desk sees of the routing, the assignment rule and the call-back, the officer does not.
    for internal in ("Escalation chain:", "<dt>Routing</dt>", "Rule:", "Call-back history",
                     "Called the duty officer back.", "official directory", "Jurisdiction risk tier", "Audit trail"):
        assert internal in desk_page, internal
        assert internal not in page, internal
    # Exactly the API's authority timeline (the same filter: AUTHORITY_KINDS and EventView.of(internal=False)).
    api_events = events_seen_by_agency(client, issuer, rid)
    assert timeline_kinds(page) == [label(e["kind"]) for e in api_events]
    assert "Verification recorded" in timeline_kinds(desk_page) or len(timeline_kinds(desk_page)) > len(api_events)
    for event in api_events:
        for key in event["detail"]:
            assert html.escape(label(key)) + ":" in timeline_section(page) or key in ("question", "body")
    # The call-back is required, as the API tells the agency, without its state.
    assert "the platform confirms the request with your agency before any data is disclosed" in page
    assert "No verification recorded" not in page and "do not verify on this number" not in page


def test_given_a_representative_and_an_officer_then_neither_gets_the_others_forms(client, issuer):
    created = awaiting_information(client, issuer)
    rid = created["id"]
    desk_page = text(Browser(client, sub=created["assignee"]).get(f"/console/requests/{rid}"))
    page = text(officer(client).get(f"/console/requests/{rid}"))
    for officers in ("/answer\"", "/attach\"", "/withdraw\"", "Withdraw request</button>", "Send answer</button>"):
        assert officers in page, officers
        assert officers not in desk_page, officers
    for desks in ("/message\"", "/documents\" enctype", "/reassign\"", "Upload a response"):
        assert desks in desk_page, desks
        assert desks not in page, desks


# --- Answering ----------------------------------------------------------------------------------------------------

def test_given_a_question_then_the_officers_answer_restarts_the_clock_and_the_page_shows_the_new_due_date(
        client, issuer, clock_from_now):
    created = awaiting_information(client, issuer)
    rid = created["id"]
    paused = as_agency(client, issuer, f"/v1/requests/{rid}")
    assert paused["status"] == "awaiting_information"
    page = text(officer(client).get(f"/console/requests/{rid}"))
    assert "Next step: answer the platform's question" in page
    assert "Which time zone are the timestamps in?" in page and "paused until you answer" in page

    clock_from_now.advance(timedelta(hours=3))  # the officer answers three hours later, in a fresh session
    browser = officer(client)
    response = browser.post(f"/console/requests/{rid}/answer", {"body": "All timestamps are in UTC."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/requests/{rid}?done=answer#top")
    answered = as_agency(client, issuer, f"/v1/requests/{rid}")
    assert answered["status"] == "acknowledged"
    assert parse_instant(answered["due_at"]) - parse_instant(paused["due_at"]) == timedelta(hours=3)
    message = [e for e in events_seen_by_agency(client, issuer, rid) if e["kind"] == "message"][-1]
    assert (message["actor"], message["detail"]["body"]) == ("officer-fr-lefevre", "All timestamps are in UTC.")
    assert message["detail"]["due_at_after"] == answered["due_at"]

    after = text(browser.get(f"/console/requests/{rid}?done=answer"))
    from chalicelib.web.render import when

    assert "Answer sent." in after and f"it now has until <strong><time datetime=\"{answered['due_at']}\">" \
        f"{when(answered['due_at'])}</time></strong> to decide" in after
    assert "All timestamps are in UTC." in after
    assert "Send answer</button>" not in after and "Send a message to the platform" in after  # no longer asked


def test_given_an_answer_without_its_csrf_token_then_403_and_nothing_changes(client, issuer):
    created = awaiting_information(client, issuer)
    rid = created["id"]
    before = events_seen_by_agency(client, issuer, rid)
    browser, other = officer(client), officer(client)
    for csrf in (None, "", "forged-token", other.session.csrf_token):
        response = browser.post(f"/console/requests/{rid}/answer", {"body": "UTC."}, csrf=csrf)
        assert response.status_code == 403 and "csrf_failed" in text(response)
    assert as_agency(client, issuer, f"/v1/requests/{rid}")["status"] == "awaiting_information"
    assert events_seen_by_agency(client, issuer, rid) == before


def test_given_an_empty_answer_then_the_apis_message_beside_the_form_and_nothing_changes(client, issuer):
    created = awaiting_information(client, issuer)
    refused = officer(client).post(f"/console/requests/{created['id']}/answer", {"body": ""})
    assert refused.status_code == 400
    page = text(refused)
    assert 'id="refusal-answer">Missing form field &#39;body&#39;.</p>' in page
    assert as_agency(client, issuer, f"/v1/requests/{created['id']}")["status"] == "awaiting_information"


def test_given_no_question_then_the_officers_message_leaves_the_clock_alone(client, issuer):
    created = filed(client, issuer)
    rid = created["id"]
    browser = officer(client)
    assert "Send answer</button>" not in text(browser.get(f"/console/requests/{rid}"))
    response = browser.post(f"/console/requests/{rid}/answer", {"body": "The suspect also uses a second account."})
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=message#h-messages")
    view = as_agency(client, issuer, f"/v1/requests/{rid}")
    assert view["due_at"] == created["due_at"] and view["status"] == created["status"]
    page = text(browser.get(f"/console/requests/{rid}?done=message"))
    assert "Message sent." in page and "The suspect also uses a second account." in page


# --- Documents ----------------------------------------------------------------------------------------------------

def test_given_legal_process_then_it_is_uploaded_through_the_presigned_flow_and_shows_its_sha256_match(
        client, issuer):
    created = filed(client, issuer)
    rid, browser = created["id"], officer(client)
    page = text(browser.get(f"/console/requests/{rid}"))
    assert 'enctype="multipart/form-data"' in page and "data-upload" in page and "Attach document</button>" in page
    response = upload(client, browser, f"/console/requests/{rid}/attach", "ordonnance.pdf", "application/pdf", PDF)
    assert response.status_code == 303, response.body
    assert response.headers["Location"].endswith(f"/console/requests/{rid}?done=attach#h-documents")
    digest = hashlib.sha256(PDF).hexdigest()
    listed = as_agency(client, issuer, f"/v1/requests/{rid}/documents")["items"]
    assert [(d["filename"], d["status"], d["sha256"], d["uploaded_by"], d["uploader_role"]) for d in listed] == [
        ("ordonnance.pdf", "stored", digest, "officer-fr-lefevre", "authority")]
    page = text(browser.get(f"/console/requests/{rid}?done=attach"))
    assert "Document attached; its SHA-256 check is shown under Documents." in page
    row = page[page.index("ordonnance.pdf"):]
    assert "Your agency" in row and "Matches" in row and digest in row
    # The representative sees it too, as legal process of the agency.
    desk_page = text(Browser(client, sub=created["assignee"]).get(f"/console/requests/{rid}"))
    assert "ordonnance.pdf" in desk_page and "officer-fr-lefevre" in desk_page


@pytest.mark.parametrize(("filename", "content_type", "size", "status", "message"), [
    ("tool.exe", "application/x-msdownload", 2, 415, "Documents may be csv, eml, jpeg, json, pdf, png, txt, zip"),
    ("huge.pdf", "application/pdf", 5 * 1024 * 1024 + 1, 413, "A file sent through the console may be at most 4 MB"),
    # Over the page's 4 MB but within what the form may carry around it: refused beside the form, as it says.
    ("big.pdf", "application/pdf", 4 * 1024 * 1024 + 1, 413, "A file sent through the console may be at most 4 MB"),
])
def test_given_a_refused_file_then_the_apis_refusal_and_nothing_declared(client, issuer, filename, content_type,
                                                                         size, status, message):
    created = filed(client, issuer)
    rid, browser = created["id"], officer(client)
    data = (PDF * (size // len(PDF) + 1))[:size]
    refused = upload(client, browser, f"/console/requests/{rid}/attach", filename, content_type, data)
    assert refused.status_code == status
    assert message in text(refused)
    if filename != "huge.pdf":  # the refusal beside the form that was sent (a body over 5 MB is refused unread)
        assert 'id="refusal-attach"' in text(refused) and "Attach not done" in text(refused)
    assert as_agency(client, issuer, f"/v1/requests/{rid}/documents")["items"] == []


def test_given_an_upload_without_its_csrf_token_then_403_and_nothing_declared(client, issuer):
    created = filed(client, issuer)
    browser = officer(client)
    refused = upload(client, browser, f"/console/requests/{created['id']}/attach", "a.pdf", "application/pdf", PDF,
                     csrf=None)
    assert refused.status_code == 403
    assert as_agency(client, issuer, f"/v1/requests/{created['id']}/documents")["items"] == []


def test_given_the_platforms_document_then_the_officer_downloads_it_through_the_audited_five_minute_link(
        client, issuer):
    created = filed(client, issuer)
    rid = created["id"]
    rep = Browser(client, sub=created["assignee"])
    package = b"%PDF-1.7\n% response package\n" + bytes(range(256)) * 12
    assert upload(client, rep, f"/console/requests/{rid}/documents", "response.pdf", "application/pdf", package
                  ).status_code == 303
    (document,) = as_agency(client, issuer, f"/v1/requests/{rid}/documents")["items"]
    browser = officer(client)
    page = text(browser.get(f"/console/requests/{rid}"))
    link = f"/console/requests/{rid}/documents/{document['document_id']}"
    assert f'href="{link}">response.pdf</a>' in page and "The platform" in page
    response = browser.get(link)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "Expires=" in location or "X-Amz-Expires=300" in location
    assert requests.get(location, timeout=30).content == package
    downloads = [e for e in events_seen_by_agency(client, issuer, rid) if e["kind"] == "document_downloaded"]
    assert [(e["actor"], e["actor_role"], e["detail"]["document_id"]) for e in downloads] == [
        ("officer-fr-lefevre", "authority", document["document_id"])]
    assert "Document downloaded" in timeline_kinds(text(browser.get(f"/console/requests/{rid}")))


def test_given_another_agencys_request_or_document_then_404_and_nothing_changes(client, issuer):
    theirs = filed(client, issuer, agency=DE)
    rid = theirs["id"]
    rep = Browser(client, sub=theirs["assignee"])
    assert upload(client, rep, f"/console/requests/{rid}/documents", "response.pdf", "application/pdf", PDF
                  ).status_code == 303
    (document,) = as_agency(client, issuer, f"/v1/requests/{rid}/documents", DE)["items"]
    before = as_agency(client, issuer, f"/v1/requests/{rid}/events?limit=200", DE)["events"]
    browser = officer(client)  # of FR
    assert browser.get(f"/console/requests/{rid}").status_code == 404
    assert browser.get(f"/console/requests/{rid}/documents/{document['document_id']}").status_code == 404
    assert browser.post(f"/console/requests/{rid}/answer", {"body": "Hello."}).status_code == 404
    assert browser.post(f"/console/requests/{rid}/withdraw", {"reason": "Not ours."}).status_code == 404
    assert upload(client, browser, f"/console/requests/{rid}/attach", "a.pdf", "application/pdf", PDF
                  ).status_code == 404
    # Their document under one of our requests' paths is not found either.
    mine = filed(client, issuer)
    assert browser.get(f"/console/requests/{mine['id']}/documents/{document['document_id']}").status_code == 404
    after = as_agency(client, issuer, f"/v1/requests/{rid}", DE)
    assert after["status"] == theirs["status"]
    assert as_agency(client, issuer, f"/v1/requests/{rid}/events?limit=200", DE)["events"] == before
    assert len(as_agency(client, issuer, f"/v1/requests/{rid}/documents", DE)["items"]) == 1


# --- Withdrawing ----------------------------------------------------------------------------------------------------

def test_given_a_reason_then_the_officer_withdraws_the_request_and_the_reason_is_in_the_timeline(client, issuer):
    created = filed(client, issuer)
    rid, browser = created["id"], officer(client)
    page = text(browser.get(f"/console/requests/{rid}"))
    assert '<button type="submit" class="danger">Withdraw request</button>' in page
    response = browser.post(f"/console/requests/{rid}/withdraw", {"reason": "Filed twice; see PV-2026-0042."})
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=withdraw#top")
    assert as_agency(client, issuer, f"/v1/requests/{rid}")["status"] == "withdrawn"
    (withdrawn,) = [e for e in events_seen_by_agency(client, issuer, rid) if e["kind"] == "withdrawn"]
    assert (withdrawn["actor"], withdrawn["detail"]) == ("officer-fr-lefevre",
                                                         {"reason": "Filed twice; see PV-2026-0042."})
    page = text(browser.get(f"/console/requests/{rid}?done=withdraw"))
    assert "Request withdrawn" in page and "Filed twice; see PV-2026-0042." in timeline_section(page)
    for gone in ("Withdraw request</button>", "Attach document</button>", "/answer\""):
        assert gone not in page, gone
    # Again: the API's 409 and its message, at the top of the page; nothing changes.
    again = browser.post(f"/console/requests/{rid}/withdraw", {"reason": "Twice."})
    assert again.status_code == 409
    assert "Withdraw not done:" in text(again) and 'id="refusal-withdraw"' in text(again)
    assert len([e for e in events_seen_by_agency(client, issuer, rid) if e["kind"] == "withdrawn"]) == 1


def test_given_no_reason_then_the_request_is_withdrawn_as_the_api_allows(client, issuer):
    """The API's ``Withdrawal`` has an optional reason; the page takes the request the same way."""
    created = filed(client, issuer)
    assert officer(client).post(f"/console/requests/{created['id']}/withdraw", {"reason": ""}).status_code == 303
    (withdrawn,) = [e for e in events_seen_by_agency(client, issuer, created["id"]) if e["kind"] == "withdrawn"]
    assert withdrawn["detail"] == {}


def test_given_a_too_long_or_unknown_field_then_the_apis_400_beside_the_form_and_what_was_typed_kept(client, issuer):
    created = filed(client, issuer)
    browser = officer(client)
    long = browser.post(f"/console/requests/{created['id']}/withdraw", {"reason": "x" * 2001})
    assert long.status_code == 400 and "Invalid form field &#39;reason&#39;" in text(long)
    assert 'id="refusal-withdraw"' in text(long) and "x" * 2001 in text(long)
    unknown = browser.post(f"/console/requests/{created['id']}/withdraw", {"status": "fulfilled"})
    assert unknown.status_code == 400 and "Unknown form field &#39;status&#39;" in text(unknown)
    assert as_agency(client, issuer, f"/v1/requests/{created['id']}")["status"] == created["status"]


def test_given_a_representative_then_the_officers_forms_refuse_them_and_nothing_changes(client, issuer):
    created = awaiting_information(client, issuer)
    rid = created["id"]
    rep = Browser(client, sub=created["assignee"])
    before = api_get(client, issuer, f"/v1/requests/{rid}/events")["events"]
    assert rep.post(f"/console/requests/{rid}/answer", {"body": "Answering for them."}).status_code == 403
    assert rep.post(f"/console/requests/{rid}/withdraw", {"reason": "x"}).status_code == 403
    assert upload(client, rep, f"/console/requests/{rid}/attach", "a.pdf", "application/pdf", PDF).status_code == 403
    assert api_get(client, issuer, f"/v1/requests/{rid}/events")["events"] == before
    # ... and an officer the desk's.
    browser = officer(client)
    for action, fields in (("acknowledge", {}), ("message", {"body": "x"}), ("request-information", {"question": "?"})):
        assert browser.post(f"/console/requests/{rid}/{action}", fields).status_code == 403, action
    assert upload(client, browser, f"/console/requests/{rid}/documents", "a.pdf", "application/pdf", PDF
                  ).status_code == 403


# --- The notice -----------------------------------------------------------------------------------------------------

def test_given_a_question_then_the_agencys_notice_sends_the_officer_to_the_requests_page_to_answer(client, issuer,
                                                                                                  monkeypatch):
    from chalicelib.settings import get_settings
    from tests.helpers import record_notices

    sent = record_notices(monkeypatch)
    created = awaiting_information(client, issuer, "Which account, exactly?")
    (message,) = [m for topic, recipient, m in sent() if topic == "agency" and "Which account" in m]
    page = f"{get_settings().console_base_url}/requests/{created['id']}"
    assert "sign in and answer on the request's page (the link below)." in message
    assert message.rstrip().endswith(f"Details: {page}")
    assert "/v1/" not in message and "POST" not in message
    assert post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer)).status_code == 200


def test_given_an_active_preservation_hold_then_the_officer_extends_it_once_on_the_page(client, issuer):
    """Everything the API lets the agency do: POST /v1/requests/{id}/extend is a button on the officer's page."""
    from tests.helpers import bearer

    created = filed(client, issuer, "preservation")
    desk_token = bearer(issuer.mint(role="representative", sub=created["assignee"], region="eu", mfa=True))
    post(client, f"/v1/requests/{created['id']}/acknowledge", {}, desk_token)
    decided = post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, desk_token).json_body
    assert decided["hold"]["state"] == "active"
    browser = officer(client)
    path = f"/console/requests/{created['id']}"
    assert "Extend hold" in text(browser.get(path))
    assert browser.post(f"{path}/extend", {}, csrf=None).status_code == 403
    assert not as_agency(client, issuer, path.replace("/console", "/v1"))["hold"]["extended"]
    assert browser.post(f"{path}/extend", {}).status_code == 303
    hold = as_agency(client, issuer, path.replace("/console", "/v1"))["hold"]
    assert hold["extended"] and parse_instant(hold["expires_at"]) > parse_instant(decided["hold"]["expires_at"])
    page = text(browser.get(f"{path}?done=extend"))
    assert "Preservation hold extended" in page and "Extend hold</button>" not in page
    again = browser.post(f"{path}/extend", {})
    assert again.status_code == 409 and "already_extended" in text(again)
    rep = Browser(client, sub=created["assignee"])
    assert rep.post(f"{path}/extend", {}).status_code == 403
