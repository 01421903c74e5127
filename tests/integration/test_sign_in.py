"""Sign-in through a real OpenID provider: the local one `make run` starts (infra/local/oidc.py), here on a
free port in the test process, which requires PKCE (S256) and a nonce as Cognito does.

Given a browser with no session, when it follows the console's redirects through the provider's sign-in form
and back, then it holds a session cookie and nothing else (no token); the callback refuses an answer that
belongs to another browser or another sign-in, a replay, and a person whose agency is not in standing.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.helpers import admin


def cookie_value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


class SignIn:
    """The redirects a browser follows, one at a time, so each can be checked and tampered with."""

    def __init__(self, client, return_to: str = "/console/queue") -> None:
        self.client = client
        first = client.http.get(return_to)
        assert first.status_code == 303
        self.start = client.http.get(first.headers["Location"])
        assert self.start.status_code == 303, self.start.body
        self.pending_cookie = cookie_value(self.start.headers["Set-Cookie"])
        self.authorize_url = self.start.headers["Location"]

    def provider_answer(self, sub: str) -> str:
        """Type ``sub`` into the provider's form, as a person does; the provider's redirect back to us."""
        form = requests.get(self.authorize_url, timeout=10)
        assert form.status_code == 200 and 'name="sub"' in form.text
        answer = requests.post(self.authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def callback(self, location: str, cookie: str | None = "pending"):
        from chalicelib.web.console import cookie_name

        parts = urlsplit(location)
        value = self.pending_cookie if cookie == "pending" else cookie
        headers = {"cookie": f"{cookie_name()}={value}"} if value else {}
        return self.client.http.get(f"{parts.path}?{parts.query}", headers=headers)


def signed_in(client, sub: str, return_to: str = "/console/queue"):
    flow = SignIn(client, return_to)
    return flow.callback(flow.provider_answer(sub))


def test_given_the_console_then_sign_in_goes_through_the_provider_with_pkce_and_lands_where_it_was_going(
        client, provider_url):
    flow = SignIn(client, "/console/queue?type=preservation")
    query = parse_qs(urlsplit(flow.authorize_url).query)
    assert flow.authorize_url.startswith(f"{provider_url}/oauth2/authorize?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["https://liaison.test/console/callback"]
    assert "HttpOnly" in flow.start.headers["Set-Cookie"]
    done = flow.callback(flow.provider_answer("rep-eu-lindqvist"))
    assert done.status_code == 303 and done.headers["Location"] == "/console/queue?type=preservation"
    session = cookie_value(done.headers["Set-Cookie"])
    assert session != flow.pending_cookie  # a fresh secret: no fixation
    assert not re.search(r"eyJ[\w-]+\.eyJ", done.headers["Set-Cookie"] + done.body.decode())  # no token leaves
    from chalicelib.web.console import cookie_name

    page = client.http.get("/console/queue", headers={"cookie": f"{cookie_name()}={session}"})
    assert page.status_code == 200 and "Anna Lindqvist" in page.body.decode()


@pytest.mark.parametrize("sub, role_page", [("officer-fr-lefevre", "/console/requests"),
                                            ("admin-platform-ops", "/console/"),
                                            ("lead-eu-rossi", "/console/lead")])
def test_given_each_kind_of_person_then_they_sign_in_with_their_claims(client, sub, role_page):
    done = signed_in(client, sub, role_page)
    assert done.status_code == 303 and done.headers["Location"] == role_page


def test_given_an_answer_without_the_browsers_pending_cookie_then_refused(client):
    flow = SignIn(client)
    refused = flow.callback(flow.provider_answer("rep-eu-lindqvist"), cookie=None)
    assert refused.status_code == 401 and "sign_in_expired" in refused.body.decode()


def test_given_an_answer_for_another_sign_in_then_refused(client):
    mine, theirs = SignIn(client), SignIn(client)
    refused = mine.callback(theirs.provider_answer("rep-eu-lindqvist"))  # their code and state, my cookie
    assert refused.status_code == 401 and "state_mismatch" in refused.body.decode()


def test_given_a_replayed_answer_then_refused(client):
    flow = SignIn(client)
    location = flow.provider_answer("rep-eu-lindqvist")
    assert flow.callback(location).status_code == 303
    assert flow.callback(location).status_code == 401  # the pending sign-in is used once


def test_given_the_provider_refuses_then_the_page_says_so(client):
    flow = SignIn(client)
    denied = requests.post(flow.authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=10)
    refused = flow.callback(denied.headers["Location"])
    assert refused.status_code == 401 and "did not sign you in" in refused.body.decode()


def test_given_an_officer_of_a_suspended_agency_then_sign_in_is_refused_with_the_reason(client, issuer):
    client.http.post("/v1/admin/agencies", body=json.dumps({
        "id": "pl-signin-test", "name": "Policja testowa", "country": "PL", "kind": "police",
        "email_domain": "policja-test.example", "contact_email": "x@policja-test.example"}).encode(),
        headers=admin(issuer))
    from chalicelib.store.models import Agency

    agency = Agency.get("pl-signin-test")
    agency.update(actions=[Agency.standing.set("suspended")])
    requests.put(f"{SignIn(client).authorize_url.split('/oauth2')[0]}/users/officer-pl-x",
                 json={"role": "authority", "agency_id": "pl-signin-test", "amr": ["pwd", "mfa"]}, timeout=10)
    refused = signed_in(client, "officer-pl-x")
    assert refused.status_code == 403 and "suspended" in refused.body.decode()
    # The page says it plainly and where to turn (issue 14, point 1), though nobody is signed in.
    from chalicelib.services import directory

    contact = directory.for_country("PL")["contact"]
    onboarding = contact["onboarding"] if isinstance(contact, dict) else contact.onboarding.model_dump()
    page = refused.body.decode()
    assert "<h1>Your agency&#39;s access is suspended</h1>" in page and onboarding["email"] in page
    assert "A life at risk?" in page and "Sign out" not in page


def test_given_a_person_unknown_to_liaison_then_the_id_token_is_refused(client):
    refused = signed_in(client, "someone-without-claims")  # the provider signs them in, with no role
    assert refused.status_code == 401 and "invalid_role" in refused.body.decode()


def test_given_sign_out_then_the_browser_is_sent_to_end_the_providers_session_too(client):
    from chalicelib.web.console import cookie_name, sessions

    from chalicelib.web.sessions import Cookie

    done = signed_in(client, "rep-eu-okafor")
    cookie = Cookie.parse(cookie_value(done.headers["Set-Cookie"]))
    assert cookie is not None and cookie.subject == "rep-eu-okafor"
    secret = cookie.secret
    session = sessions.find(secret)
    out = client.http.post("/console/sign-out", body=f"csrf={session.csrf_token}".encode(),
                           headers={"cookie": f"{cookie_name()}={cookie_value(done.headers['Set-Cookie'])}",
                                    "content-type": "application/x-www-form-urlencoded"})
    assert out.status_code == 303
    location = urlsplit(out.headers["Location"])
    assert location.path == "/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["https://liaison.test/console/signed-out"]
    assert "id_token_hint" not in query  # no token in the browser's address bar
    assert sessions.find(secret) is None


def test_given_a_browser_already_signed_in_then_the_sign_in_page_keeps_its_session(client):
    from chalicelib.web.console import cookie_name

    done = signed_in(client, "rep-eu-lindqvist")
    cookie = {"cookie": f"{cookie_name()}={cookie_value(done.headers['Set-Cookie'])}"}
    again = client.http.get("/console/sign-in?return_to=%2Fconsole%2Flead", headers=cookie)
    assert again.status_code == 303 and again.headers["Location"] == "/console/lead"
    assert "Set-Cookie" not in again.headers
    assert client.http.get("/console/queue", headers=cookie).status_code == 200


def test_given_the_session_store_fails_during_sign_in_then_an_error_page_not_a_500_body(client, monkeypatch):
    from chalicelib.web import console

    def broken(return_to):
        raise RuntimeError("store down")

    monkeypatch.setattr(console.sessions, "begin_sign_in", broken)
    answer = client.http.get("/console/sign-in")
    assert answer.status_code == 500 and answer.headers["Content-Type"].startswith("text/html")
    assert "correlation id" in answer.body.decode() and "Traceback" not in answer.body.decode()
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
