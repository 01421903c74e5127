"""The console over the API's services: sessions, CSRF, the shared guard, escaping, headers, each action.

Sessions are opened directly here (the sign-in flow itself, through a real OpenID provider, is in
tests/integration/test_sign_in.py and the browser tests); every page is then called as a browser calls it,
with the session cookie, through Chalice's test client.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.helpers import DE, FR, US, admin, authority, bearer, give_notice, post, submission

FORM = "application/x-www-form-urlencoded"


def open_session(role: str, sub: str, **scope: str):
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.web.console import sessions

    principal = Principal(subject=sub, role=Role(role), issuer="https://dev-issuer.liaison.local", expires_at=0,
                          mfa=True, agency_id=scope.get("agency_id"), region=scope.get("region"))
    return sessions.open(principal)


class Browser:
    """A cookie jar of one: what a browser sends for one session."""

    def __init__(self, client, role: str = "representative", sub: str = "rep-eu-lindqvist", **scope: str) -> None:
        if role == "representative" and not scope:
            scope = {"region": "eu"}
        self.client = client
        self.secret, self.session = open_session(role, sub, **scope)

    @property
    def headers(self) -> dict[str, str]:
        from chalicelib.web.console import cookie_name
        from chalicelib.web.sessions import cookie_value

        return {"cookie": f"{cookie_name()}={cookie_value(self.secret, self.session.principal.subject)}"}

    def get(self, path: str):
        return self.client.http.get(path, headers=self.headers)

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None = "mine"):
        data = dict(fields)
        if csrf == "mine":
            data["csrf"] = self.session.csrf_token
        elif csrf is not None:
            data["csrf"] = csrf
        return self.client.http.post(path, body=urlencode(data).encode(), headers={**self.headers, "content-type": FORM})


def filed(client, issuer, kind: str = "data_disclosure", agency: str = FR, **overrides) -> dict:
    response = post(client, "/v1/requests", submission(kind, **overrides), authority(issuer, agency, mfa=True))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def api_get(client, issuer, path: str, sub: str = "rep-eu-lindqvist", region: str = "eu") -> dict:
    token = issuer.mint(role="representative", sub=sub, region=region, mfa=True)
    return json.loads(client.http.get(path, headers={"Authorization": f"Bearer {token}"}).body)


def text(response) -> str:
    return response.body.decode("utf-8")


# --- Sessions -------------------------------------------------------------------------------------------------

def test_given_no_cookie_then_a_page_sends_the_browser_to_sign_in_and_keeps_where_it_was_going(client):
    response = client.http.get("/console/queue?status=assigned")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/sign-in?return_to=%2Fconsole%2Fqueue%3Fstatus%3Dassigned"
    response = client.http.get("/console/requests/LR-AAAAAAAAAAAAAAAA")
    assert response.headers["Location"] == "/console/sign-in?return_to=%2Fconsole%2Frequests%2FLR-AAAAAAAAAAAAAAAA"


@pytest.mark.parametrize("cookie", ["", "x" * 43, "not a secret", "a" * 500, "=;;;", "é" * 43])
def test_given_a_tampered_or_unknown_cookie_then_the_page_is_sign_in_and_a_post_changes_nothing(client, issuer,
                                                                                               cookie):
    from chalicelib.web.console import cookie_name

    created = filed(client, issuer)
    assert client.http.get("/console/queue", headers={"cookie": f"{cookie_name()}={cookie}"}).status_code == 303
    response = client.http.post(f"/console/requests/{created['id']}/acknowledge", body=b"csrf=x",
                                headers={"cookie": f"{cookie_name()}={cookie}", "content-type": FORM})
    assert response.status_code == 401
    assert api_get(client, issuer, f"/v1/requests/{created['id']}")["status"] == "assigned"


def test_given_a_session_idle_past_its_timeout_then_it_is_refused_and_a_page_within_it_extends_it(
        client, fixed_clock):
    browser = Browser(client)
    fixed_clock.advance(timedelta(minutes=29))
    assert browser.get("/console/queue").status_code == 200  # a page moves the idle deadline
    fixed_clock.advance(timedelta(minutes=29))
    assert browser.get("/console/queue").status_code == 200
    fixed_clock.advance(timedelta(minutes=31))
    assert browser.get("/console/queue").status_code == 303  # idle 31 min: back to sign-in


def test_given_a_session_kept_busy_then_it_still_ends_at_its_absolute_lifetime(client, fixed_clock):
    browser = Browser(client)
    for _ in range(35):  # 35 × 20 min = 11 h 40 min, never idle
        fixed_clock.advance(timedelta(minutes=20))
        assert browser.get("/console/queue").status_code == 200
    fixed_clock.advance(timedelta(minutes=21))  # 12 h 01 min after sign-in
    assert browser.get("/console/queue").status_code == 303


def test_given_sign_out_then_the_session_is_deleted_and_the_old_cookie_lands_on_sign_in(client):
    from chalicelib.store.models import WebSession
    from chalicelib.web.sessions import _key

    browser = Browser(client)
    response = browser.post("/console/sign-out", {})
    assert response.status_code == 303
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert WebSession.count(_key(browser.secret)) == 0
    assert browser.get("/console/queue").status_code == 303


def test_given_a_cookie_naming_another_subject_than_its_session_then_it_is_not_a_session(client):
    from chalicelib.web.console import cookie_name
    from chalicelib.web.sessions import cookie_value

    browser = Browser(client)  # lindqvist's session, presented as okafor's
    forged = {"cookie": f"{cookie_name()}={cookie_value(browser.secret, 'rep-eu-okafor')}"}
    assert client.http.get("/console/queue", headers=forged).status_code == 303
    assert browser.get("/console/queue").status_code == 200


@pytest.mark.parametrize("others", ['x={"a":1}', 'theme=dark blue', 'name="é"', "a=b=c", ";;", "junk"])
def test_given_other_malformed_cookies_beside_it_then_the_session_cookie_is_still_found(client, others):
    browser = Browser(client)
    header = {"cookie": f"{others}; {browser.headers['cookie']}; trailing=1"}
    assert client.http.get("/console/queue", headers=header).status_code == 200


def test_given_a_pending_sign_in_cookie_then_it_is_not_a_session(client):
    from chalicelib.web.console import cookie_name, sessions

    secret, _ = sessions.begin_sign_in("/console/")
    assert client.http.get("/console/queue", headers={"cookie": f"{cookie_name()}={secret}"}).status_code == 303


def test_given_https_then_the_cookie_is_host_prefixed_secure_httponly_and_samesite(client):
    response = client.http.get("/console/sign-in")
    cookie = response.headers.get("Set-Cookie", "")
    assert response.status_code == 303  # the test stack's console is at https://liaison.test/console
    assert cookie.startswith("__Host-liaison-session=")
    assert {"Path=/", "HttpOnly", "SameSite=Lax", "Secure"} <= {part.strip() for part in cookie.split(";")}
    assert "Domain" not in cookie


# --- One guard -------------------------------------------------------------------------------------------------

def test_given_the_api_and_the_console_then_they_admit_through_the_same_guard():
    from chalicelib.api import http
    from chalicelib.auth import guard
    from chalicelib.web import console

    assert http.admit is guard.admit and console.admit is guard.admit


def test_given_a_suspended_agency_then_its_live_session_and_token_are_refused_from_the_next_page_on(client, issuer):
    client.http.post("/v1/admin/agencies", body=json.dumps({
        "id": "it-console-test", "name": "Polizia di prova", "country": "IT", "kind": "police",
        "email_domain": "prova.example", "contact_email": "x@prova.example"}).encode(), headers=admin(issuer))
    client.http.post("/v1/admin/agencies/it-console-test/verify", headers=admin(issuer))
    officer = Browser(client, "authority", "officer-it-1", agency_id="it-console-test")
    assert officer.get("/console/requests").status_code == 200
    client.http.post("/v1/admin/agencies/it-console-test/suspend", headers=admin(issuer))
    page = officer.get("/console/requests")
    api = client.http.get("/v1/requests", headers=authority(issuer, "it-console-test"))
    assert page.status_code == api.status_code == 403
    assert "agency_suspended" in text(page) and json.loads(api.body)["code"] == "agency_suspended"


def test_given_a_representative_no_longer_in_the_registry_then_the_next_page_is_refused(client, issuer):
    from chalicelib.store.models import Representative

    Representative("rep-eu-leaving", name="Leaving Rep", email="leaving@liaison-platform.example", region="eu",
                   created_at="2026-01-01T00:00:00.000Z", updated_at="2026-01-01T00:00:00.000Z").save()
    browser = Browser(client, sub="rep-eu-leaving")
    token = {"Authorization": "Bearer " + issuer.mint(role="representative", sub="rep-eu-leaving", region="eu")}
    assert browser.get("/console/queue").status_code == 200
    assert client.http.get("/v1/queue", headers=token).status_code == 200
    Representative.get("rep-eu-leaving").delete()
    from chalicelib.store import representatives as repository

    repository.forget()  # no later test's request may be assigned to them from a cached desk
    response = browser.get("/console/queue")
    api = client.http.get("/v1/queue", headers=token)  # the same guard: the API refuses them too
    assert response.status_code == api.status_code == 403
    assert "representative_unknown" in text(response) and json.loads(api.body)["code"] == "representative_unknown"


def test_given_a_representative_claiming_another_region_then_refused_by_the_console_and_the_api(client, issuer):
    browser = Browser(client, sub="rep-us-jordan", region="eu")
    token = {"Authorization": "Bearer " + issuer.mint(role="representative", sub="rep-us-jordan", region="eu")}
    assert browser.get("/console/queue").status_code == 403
    assert client.http.get("/v1/queue", headers=token).status_code == 403


def test_given_another_regions_request_then_the_console_answers_404_as_the_api_does(client, issuer):
    created = filed(client, issuer, agency=US)
    eu = Browser(client)
    page = eu.get(f"/console/requests/{created['id']}")
    action = eu.post(f"/console/requests/{created['id']}/acknowledge", {})
    assert page.status_code == action.status_code == 404
    assert api_get(client, issuer, f"/v1/requests/{created['id']}", "rep-us-jordan", "us")["status"] == "assigned"
    assert Browser(client, sub="rep-us-jordan", region="us").get(f"/console/requests/{created['id']}").status_code \
        == 200


def test_given_an_officer_then_the_desk_pages_are_not_theirs(client):
    officer = Browser(client, "authority", "officer-fr-lefevre", agency_id=FR)
    assert officer.get("/console/queue").status_code == 403
    assert officer.get("/console/lead").status_code == 403


# --- CSRF ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_given_a_post_without_its_csrf_token_then_403_and_nothing_changes(client, issuer, csrf):
    created = filed(client, issuer)
    before = api_get(client, issuer, f"/v1/requests/{created['id']}/events")["events"]
    response = Browser(client).post(f"/console/requests/{created['id']}/acknowledge", {"note": "x"}, csrf=csrf)
    assert response.status_code == 403 and "csrf_failed" in text(response)
    assert api_get(client, issuer, f"/v1/requests/{created['id']}")["status"] == "assigned"
    assert api_get(client, issuer, f"/v1/requests/{created['id']}/events")["events"] == before


def test_given_another_sessions_csrf_token_then_403_and_nothing_changes(client, issuer):
    created = filed(client, issuer)
    mine, theirs = Browser(client), Browser(client, sub="rep-eu-okafor")
    response = mine.post(f"/console/requests/{created['id']}/acknowledge", {}, csrf=theirs.session.csrf_token)
    assert response.status_code == 403
    assert api_get(client, issuer, f"/v1/requests/{created['id']}")["status"] == "assigned"
    signed_out = mine.post("/console/sign-out", {}, csrf=theirs.session.csrf_token)
    assert signed_out.status_code == 403 and mine.get("/console/queue").status_code == 200


# --- Pages and headers -----------------------------------------------------------------------------------------

def test_given_every_page_then_it_sends_the_security_headers(client, issuer):
    created = filed(client, issuer)
    lead = Browser(client, sub="lead-eu-rossi")
    for path in ("/console/queue", f"/console/requests/{created['id']}", "/console/lead", "/console/requests/LR-AAAAAAAAAAAAAAAA"):
        response = lead.get(path)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") in {"same-origin", "no-referrer", "strict-origin"}, path
        assert "<script>" not in text(response) and " style=" not in text(response), path


def test_given_hostile_text_in_every_field_then_the_request_page_shows_it_escaped(client, issuer):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&'
    created = filed(client, issuer, "emergency_disclosure", reference=payload[:120], legal_basis=payload,
                    description=payload, targets=[{"kind": "username", "value": payload}],
                    emergency={"threat": payload, "callback_number": "+33 1 23 45 67 89"})
    browser = Browser(client)
    browser.post(f"/console/requests/{created['id']}/acknowledge", {"note": payload})
    browser.post(f"/console/requests/{created['id']}/message", {"body": payload})
    page = text(browser.get(f"/console/requests/{created['id']}"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6  # reference, basis, description, target...
    queue = text(browser.get("/console/queue"))
    assert "<script>alert" not in queue


def test_given_the_queue_then_it_shows_the_regions_open_requests_most_urgent_first_with_their_marks(client, issuer):
    slow = filed(client, issuer, "data_disclosure")
    urgent = filed(client, issuer, "terrorist_content_removal")
    page = text(Browser(client).get("/console/queue?type=terrorist_content_removal"))
    assert urgent["id"] in page and slow["id"] not in page and "TCO removal (1 h)" in page
    # The whole queue, page after page (the tests before this one leave many of the region's requests open), as
    # one text in the order a representative reads it.
    browser, pages, path = Browser(client), [], "/console/queue"
    while path and len(pages) < 50:
        page = text(browser.get(path))
        pages.append(page)
        following = re.search(r'href="/console/queue\?cursor=([^"&]+)[^"]*">Next page', page)
        path = f"/console/queue?cursor={following.group(1)}" if following else None
    queue = "".join(pages)
    assert queue.index(urgent["id"]) < queue.index(slow["id"])
    assert re.search(r"\d+ min left", pages[0])


def test_given_mine_then_only_the_callers_requests(client, issuer):
    created = filed(client, issuer)
    assignee = created["assignee"]
    other = "rep-eu-okafor" if assignee != "rep-eu-okafor" else "rep-eu-lindqvist"
    assert created["id"] in text(Browser(client, sub=assignee).get("/console/queue?mine=1"))
    assert created["id"] not in text(Browser(client, sub=other).get("/console/queue?mine=1"))


def test_given_a_bad_filter_then_a_400_page_not_a_500(client):
    response = Browser(client).get("/console/queue?status=nonsense")
    assert response.status_code == 400 and "Unknown" in text(response)


# --- Actions ---------------------------------------------------------------------------------------------------

def test_given_the_request_page_then_acknowledge_ask_and_decide_work_through_the_desk(client, issuer):
    created = filed(client, issuer)
    rid = created["id"]
    browser = Browser(client, sub=created["assignee"])
    page = text(browser.get(f"/console/requests/{rid}"))
    assert ">Acknowledge</button>" in page and "The evidence verifies" in page
    response = browser.post(f"/console/requests/{rid}/acknowledge", {"note": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/requests/{rid}?done=acknowledge#top")
    assert "Acknowledged: escalation stopped." in text(browser.get(f"/console/requests/{rid}?done=acknowledge"))
    assert browser.post(f"/console/requests/{rid}/request-information",
                        {"question": "Which time zone?"}).status_code == 303
    assert api_get(client, issuer, f"/v1/requests/{rid}")["status"] == "awaiting_information"
    client.http.post(f"/v1/requests/{rid}/messages", body=json.dumps({"body": "UTC."}).encode(),
                     headers=authority(issuer))
    page = text(browser.get(f"/console/requests/{rid}"))
    assert "Which time zone?" in page and "UTC." in page
    # A refusal shows the API's message beside the form and keeps what was typed.
    refused = browser.post(f"/console/requests/{rid}/decision", {"outcome": "rejected", "note": "kept text"})
    assert refused.status_code == 400
    assert "A reason is required unless the request is fulfilled in full." in text(refused)
    assert "kept text" in text(refused)
    assert browser.post(f"/console/requests/{rid}/decision",
                        {"outcome": "rejected", "reason": "overbroad", "note": "Too wide."}).status_code == 303
    assert api_get(client, issuer, f"/v1/requests/{rid}")["status"] == "rejected"


def test_given_an_illegal_action_then_409_with_the_apis_message_and_nothing_changes(client, issuer):
    created = filed(client, issuer)
    browser = Browser(client)
    assert browser.post(f"/console/requests/{created['id']}/acknowledge", {}).status_code == 303
    again = browser.post(f"/console/requests/{created['id']}/acknowledge", {})
    assert again.status_code == 409 and "Cannot acknowledge a request that is acknowledged." in text(again)


def test_given_reassign_and_verification_then_they_are_recorded(client, issuer):
    created = filed(client, issuer, "emergency_disclosure")
    rid, browser = created["id"], Browser(client)
    target = "rep-eu-okafor" if created["assignee"] != "rep-eu-okafor" else "rep-eu-lindqvist"
    assert browser.post(f"/console/requests/{rid}/reassign", {"rep_id": target}).status_code == 303
    assert browser.post(f"/console/requests/{rid}/verification", {
        "method": "phone_callback", "number_source": "official_directory", "outcome": "confirmed"}).status_code == 303
    view = api_get(client, issuer, f"/v1/requests/{rid}")
    assert view["assignee"] == target and view["safeguards"]["verification"]["outcome"] == "confirmed"
    bad = browser.post(f"/console/requests/{rid}/verification", {
        "method": "phone_callback", "number_source": "request_callback_number", "outcome": "confirmed"})
    assert bad.status_code == 422 and "independent" in text(bad)


def test_given_an_unknown_field_or_action_then_a_4xx_page(client, issuer):
    created = filed(client, issuer)
    browser = Browser(client)
    unknown = browser.post(f"/console/requests/{created['id']}/acknowledge", {"status": "fulfilled"})
    assert unknown.status_code == 400 and "Unknown form field" in text(unknown)
    assert browser.post(f"/console/requests/{created['id']}/delete-everything", {}).status_code == 404


def test_given_the_lead_then_the_region_view_lists_open_requests_per_representative(client, issuer):
    created = filed(client, issuer)
    page = Browser(client, sub="lead-eu-rossi").get("/console/lead")
    assert page.status_code == 200
    body = text(page)
    assert "Open requests per representative" in body and created["assignee"] in body
    assert Browser(client).get("/console/lead").status_code == 404  # not the lead


def test_given_an_officer_then_their_agencys_requests_are_listed_and_another_agencys_are_404(client, issuer):
    mine, theirs = filed(client, issuer, agency=FR), filed(client, issuer, agency=DE)
    officer = Browser(client, "authority", "officer-fr-lefevre", agency_id=FR)
    assert mine["id"] in text(officer.get("/console/requests"))
    assert officer.get(f"/console/requests/{mine['id']}").status_code == 200
    assert officer.get(f"/console/requests/{theirs['id']}").status_code == 404


def multipart(fields: dict[str, str], filename: str, content_type: str, data: bytes) -> tuple[bytes, str]:
    boundary = "liaison-test-boundary-7f3a"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_given_a_response_package_then_it_is_uploaded_through_the_presigned_flow_and_its_check_shown(client, issuer):
    created = filed(client, issuer)
    browser = Browser(client)
    pdf = b"%PDF-1.7\n% response package\n" + bytes(range(256)) * 40
    body, content_type = multipart({"csrf": browser.session.csrf_token}, "response.pdf", "application/pdf", pdf)
    path = f"/console/requests/{created['id']}/documents"
    response = client.http.post(path, body=body, headers={**browser.headers, "content-type": content_type})
    assert response.status_code == 303, response.body
    page = text(browser.get(f"/console/requests/{created['id']}?done=documents"))
    assert "response.pdf" in page and "Matches" in page
    import hashlib

    listed = api_get(client, issuer, f"/v1/requests/{created['id']}/documents")["items"]
    assert [(d["filename"], d["status"], d["sha256"]) for d in listed] == [
        ("response.pdf", "stored", hashlib.sha256(pdf).hexdigest())]
    # A type the evidence bucket does not take: the API's 415, and nothing declared.
    body, content_type = multipart({"csrf": browser.session.csrf_token}, "tool.exe", "application/x-msdownload", b"MZ")
    refused = client.http.post(path, body=body, headers={**browser.headers, "content-type": content_type})
    assert refused.status_code == 415
    # Without the CSRF token: 403, nothing stored.
    body, content_type = multipart({}, "again.pdf", "application/pdf", pdf)
    assert client.http.post(path, body=body, headers={**browser.headers, "content-type": content_type}).status_code \
        == 403
    assert len(api_get(client, issuer, f"/v1/requests/{created['id']}/documents")["items"]) == 1


def test_given_a_high_risk_jurisdiction_then_a_fulfilment_is_proposed_and_a_second_representative_approves(
        client, issuer):
    tiers = json.loads(client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)).body)["document"]
    client.http.put("/v1/admin/risk-tiers", body=json.dumps({**tiers, "jurisdictions": {**tiers["jurisdictions"], "DE": "high"}})
                    .encode(), headers=admin(issuer))
    try:
        created = filed(client, issuer, agency=DE)
        rid, first, second = created["id"], Browser(client), Browser(client, sub="rep-eu-okafor")
        assert first.post(f"/console/requests/{rid}/acknowledge", {}).status_code == 303
        give_notice(client, rid, bearer(issuer.mint(role="representative", sub="rep-eu-lindqvist", region="eu",
                                                    mfa=True)))
        proposed = first.post(f"/console/requests/{rid}/decision", {"outcome": "fulfilled"})
        assert proposed.headers["Location"].endswith("done=proposed#top")
        page = text(second.get(f"/console/requests/{rid}"))
        assert "Pending second approval" in page and ">Record approval</button>" in page
        same = first.post(f"/console/requests/{rid}/approval", {"approve": "yes"})
        assert same.status_code == 409 and "approver_must_differ" in text(same)
        assert second.post(f"/console/requests/{rid}/approval", {"approve": "yes", "note": "Checked."}).status_code \
            == 303
        assert api_get(client, issuer, f"/v1/requests/{rid}")["status"] == "fulfilled"
    finally:
        client.http.put("/v1/admin/risk-tiers", body=json.dumps(tiers).encode(), headers=admin(issuer))


def test_given_a_hostile_file_name_then_it_is_shown_escaped(client, issuer):
    created = filed(client, issuer)
    browser = Browser(client)
    name = '<img src=x onerror=alert(1)>.pdf'
    body, content_type = multipart({"csrf": browser.session.csrf_token}, name, "application/pdf", b"%PDF-1.7\n")
    response = client.http.post(f"/console/requests/{created['id']}/documents", body=body,
                                headers={**browser.headers, "content-type": content_type})
    assert response.status_code == 303, response.body
    page = text(browser.get(f"/console/requests/{created['id']}"))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.pdf" in page


def test_given_a_bug_behind_a_page_then_a_500_page_quotes_the_correlation_id_and_shows_no_traceback(client,
                                                                                                  monkeypatch):
    from chalicelib.web import desk_pages

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(desk_pages.desk, "queue", broken)
    response = Browser(client).get("/console/queue")
    body = text(response)
    assert response.status_code == 500 and response.headers["Content-Type"].startswith("text/html")
    assert "correlation id" in body and "secret internals" not in body and "Traceback" not in body


def test_given_more_open_requests_than_a_page_then_the_queue_is_most_urgent_first_across_pages(client, issuer):
    """An unacknowledged request (acknowledge within 24 h) comes before an acknowledged one (decide within 10
    days) even across pages; a request awaiting the authority comes after both; a TCO order (15 min) first."""
    acked = filed(client, issuer)
    paused = filed(client, issuer)
    rep = Browser(client)
    for rid in (acked["id"], paused["id"]):
        assert rep.post(f"/console/requests/{rid}/acknowledge", {}).status_code == 303
    assert rep.post(f"/console/requests/{paused['id']}/request-information", {"question": "?"}).status_code == 303
    fresh = filed(client, issuer)
    urgent = filed(client, issuer, "terrorist_content_removal")
    token = {"Authorization": "Bearer " + issuer.mint(role="representative", sub="rep-eu-lindqvist", region="eu")}
    seen, cursor = [], None
    while True:  # one request a page: the order must hold across pages, not only within one
        page = json.loads(client.http.get("/v1/queue?limit=1" + (f"&cursor={cursor}" if cursor else ""),
                                          headers=token).body)
        seen += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    ours = [rid for rid in seen if rid in {acked["id"], paused["id"], fresh["id"], urgent["id"]}]
    assert ours == [urgent["id"], fresh["id"], acked["id"], paused["id"]]
