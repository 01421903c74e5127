"""Issue 14, point 2: an officer of an unregistered agency applies for an account in the portal.

Given the application form, when an officer applies with an official address, then a one-time link reaches
that address through SES (the outbox here), following it sends the application to the admins, who record a
domain check and an independent call-back before approving; the agency is then verified, the officer can sign
in and file, and every step is in the application's and the agency's trails. Free-mail addresses, floods,
forged forms and wrong links are refused and change nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from urllib.parse import urlencode, urlparse, parse_qs

import pytest

from chalicelib.domain.applications import is_free_mail
from infra.local.outbox import mail_to
from tests.integration.test_console import Browser, text

FORM = "application/x-www-form-urlencoded"
_days = count(1)


@pytest.fixture
def fresh_day():
    """The application's clock on a day of its own: the form's daily and hourly limits start from zero."""
    from chalicelib.clock import FixedClock, app_clock

    previous = app_clock.source
    app_clock.source = FixedClock(datetime(2031, 1, 1, 9, tzinfo=UTC) + timedelta(days=next(_days) * 3))
    try:
        yield app_clock.source
    finally:
        app_clock.source = previous


class Applicant:
    """A browser without a session: the form's own cookie, echoed by the form."""

    def __init__(self, client) -> None:
        self.client = client
        self.cookie = ""

    def get(self, path: str):
        response = self.client.http.get(path, headers={"cookie": self.cookie} if self.cookie else {})
        set_cookie = response.headers.get("Set-Cookie", "")
        if set_cookie.split("=", 1)[0] in ("liaison-apply", "__Host-liaison-apply"):
            self.cookie = set_cookie.split(";", 1)[0]
        return response

    def token(self) -> str:
        return self.cookie.partition("=")[2]

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None = "mine"):
        data = dict(fields)
        if csrf == "mine":
            data["csrf"] = self.token()
        elif csrf is not None:
            data["csrf"] = csrf
        return self.client.http.post(path, body=urlencode(data).encode(),
                                     headers={"content-type": FORM, **({"cookie": self.cookie} if self.cookie else {})})


def details(**overrides: str) -> dict[str, str]:
    domain = f"police-{uuid.uuid4().hex[:8]}.gouv.example"
    return {"agency_name": "Police municipale de Testville", "country": "FR", "kind": "police",
            "website": f"https://www.{domain}", "applicant_name": "Camille Martin", "job_title": "Capitaine",
            "email": f"camille.martin@{domain}", "phone": "+33 1 23 45 67 89", **overrides}


def apply(client, **overrides: str):
    applicant = Applicant(client)
    assert applicant.get("/console/apply").status_code == 200
    fields = details(**overrides)
    return applicant, fields, applicant.post("/console/apply", fields)


def link_in(outbox, address: str) -> str:
    (message,) = [m for m in mail_to(outbox, address) if "Confirm your address" in m["Subject"]]
    return re.search(r"https?://\S+/apply/confirm\?\S+", message.get_content()).group()


def proven(client, outbox, **overrides: str) -> tuple[str, dict[str, str]]:
    applicant, fields, response = apply(client, **overrides)
    assert response.status_code == 303, text(response)
    query = parse_qs(urlparse(link_in(outbox, fields["email"])).query)
    page = applicant.get(f"/console/apply/confirm?{urlencode({k: v[0] for k, v in query.items()})}")
    assert page.status_code == 200 and "Confirm my address" in text(page)
    done = applicant.post("/console/apply/confirm", {"application": query["application"][0],
                                                     "token": query["token"][0]})
    assert done.status_code == 200 and "Address confirmed" in text(done), text(done)
    return query["application"][0], fields


def admin() -> Browser:
    import chalicelib.web.console  # noqa: F401 - the session store

    return Browser(None, "admin", "admin-platform-ops")


def checked(client, application_id: str, fields: dict[str, str]) -> Browser:
    desk = admin()
    desk.client = client
    base = f"/console/admin/applications/{application_id}"
    assert desk.post(f"{base}/domain-check", {"how": "Listed as the agency's domain in the national government "
                                                     "directory annuaire.service-public.fr", "confirmed": "yes"}
                     ).status_code == 303
    assert desk.post(f"{base}/call-back", {"number": "+33 1 40 00 00 00", "source": "Switchboard in the national "
                                           "government directory", "spoke_to": "Commandant Leroy, head of unit",
                                           "confirmed": "yes"}).status_code == 303
    return desk


# --- The applicant ----------------------------------------------------------------------------------------------

def test_given_an_application_then_the_link_proves_the_address_and_it_waits_for_review(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    from chalicelib.services.applications import Applications

    item = Applications().get(application_id)
    assert item.state == "awaiting_review" and item.proof_hash is None and item.expires_at_epoch is None
    events, verdict = Applications().trail(item)
    assert verdict.verified and [e.kind for e in events] == ["application_filed", "address_proven"]
    # The trail keeps a digest of what was given, not the personal data (an unconfirmed one may be a stranger's).
    from chalicelib.services.applications import content_digest

    assert json.loads(events[0].detail)["content_sha256"] == content_digest(item)
    assert not {fields["email"], fields["phone"], fields["applicant_name"]} & set(
        str(v) for e in events for v in (e.actor, *json.loads(e.detail).values()))
    desk = admin()
    desk.client = client
    listing = text(desk.get("/console/admin/applications"))
    assert application_id in listing and fields["agency_name"] in listing


def test_given_the_link_followed_again_then_it_says_so_and_changes_nothing(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    again = Applicant(client)
    again.get("/console/apply/confirm")
    query = parse_qs(urlparse(link_in(outbox, fields["email"])).query)
    for token in (query["token"][0], "w" * 43):  # the right link or any other: nothing of the application is shown
        response = again.post("/console/apply/confirm", {"application": application_id, "token": token})
        body = text(response)
        assert response.status_code == 200 and "Already confirmed" in body
        assert fields["email"] not in body and fields["agency_name"] not in body
    from chalicelib.services.applications import Applications

    assert int(Applications().get(application_id).trail_seq) == 2


def test_given_a_wrong_link_then_400_and_after_five_the_application_is_locked(client, outbox, fresh_day):
    applicant, fields, response = apply(client)
    application_id = parse_qs(urlparse(response.headers["Location"]).query)["application"][0]
    for _ in range(5):
        wrong = applicant.post("/console/apply/confirm", {"application": application_id, "token": "x" * 43})
        assert wrong.status_code == 400 and "invalid_proof" in text(wrong)
    query = parse_qs(urlparse(link_in(outbox, fields["email"])).query)
    locked = applicant.post("/console/apply/confirm", {"application": application_id, "token": query["token"][0]})
    assert locked.status_code == 409 and "proof_locked" in text(locked)


def test_given_an_expired_link_then_409_and_the_application_is_not_proven(client, outbox, fresh_day):
    applicant, fields, _ = apply(client)
    query = parse_qs(urlparse(link_in(outbox, fields["email"])).query)
    fresh_day.advance(timedelta(hours=25))
    response = applicant.post("/console/apply/confirm", {"application": query["application"][0],
                                                         "token": query["token"][0]})
    assert response.status_code == 409 and "proof_expired" in text(response)


@pytest.mark.parametrize("address", ["camille@gmail.com", "c@yahoo.fr", "c@mail.yahoo.co.uk", "c@gmx.de",
                                     "c@proton.me", "c@outlook.fr"])
def test_given_a_free_mail_address_then_400_beside_the_field_and_everything_typed_is_kept(client, outbox, fresh_day,
                                                                                          address):
    _, fields, response = apply(client, email=address)
    body = text(response)
    assert response.status_code == 400 and "official address" in body and 'aria-invalid="true"' in body
    assert fields["agency_name"] in body and fields["website"] in body
    assert not mail_to(outbox, address)


def test_given_agency_domains_then_they_are_not_taken_for_free_mail():
    assert not any(is_free_mail(d) for d in ("interieur.gouv.fr", "polizei.bund.de", "met.police.uk",
                                             "fbi.gov", "politie.nl", "live-police.example"))


def test_given_a_form_without_its_token_or_with_another_then_403_and_nothing_is_sent(client, outbox, fresh_day):
    applicant = Applicant(client)
    applicant.get("/console/apply")
    fields = details()
    for csrf in (None, "y" * 43):
        response = applicant.post("/console/apply", fields, csrf=csrf)
        body = text(response)
        assert response.status_code == 403 and "csrf_failed" in body
        assert fields["agency_name"] in body  # the form again, as typed, ready to send with this browser's token
    stranger = Applicant(client)  # no cookie at all: a form posted from another site
    assert stranger.post("/console/apply", fields, csrf="z" * 43).status_code == 403
    assert not mail_to(outbox, fields["email"])
    second_tab = applicant.get("/console/apply")  # another tab keeps the browser's token: the first still sends
    assert second_tab.status_code == 200 and applicant.post("/console/apply", fields).status_code == 303


def test_given_more_applications_than_the_limits_then_429_and_nothing_is_stored(client, outbox, fresh_day):
    address = f"camille@police-{uuid.uuid4().hex[:6]}.gouv.example"
    for spelling in (address, address.capitalize(), address):
        assert apply(client, email=spelling)[2].status_code == 303
    _, _, refused = apply(client, email=address.upper().replace("@POLICE", "@police").replace(".GOUV.EXAMPLE",
                                                                                             ".gouv.example"))
    assert refused.status_code == 429 and "applications_rate_limited" in text(refused)
    assert sum(len(mail_to(outbox, a)) for a in {address, address.capitalize()}) == 3  # nothing sent for the 4th
    for n in range(2):  # from one network: five an hour
        assert apply(client)[2].status_code == 303
    flood = apply(client)[2]
    assert flood.status_code == 429 and "from one network" in text(flood)


def test_given_bad_input_then_400_with_the_field_named(client, fresh_day):
    for field, value in (("country", "XX"), ("phone", "12345"), ("website", "http://plain.example"),
                         ("agency_name", "A"), ("kind", "militia")):
        _, _, response = apply(client, **{field: value})
        body = text(response)
        assert response.status_code == 400, (field, body)
        assert f'name="{field}"' in body and 'aria-invalid="true"' in body, field


def test_given_the_pages_then_they_need_no_session_and_carry_the_security_headers(client):
    for path in ("/console/apply", "/console/apply/confirm?application=AP-X&token=y", "/console/apply/sent"):
        response = client.http.get(path)
        assert response.status_code == 200, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    cookie = client.http.get("/console/apply").headers["Set-Cookie"]
    assert cookie.startswith("__Host-") and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie


# --- The admins -------------------------------------------------------------------------------------------------

def test_given_the_checks_then_approval_verifies_the_agency_and_the_officer_signs_in_and_files(client, outbox,
                                                                                             fresh_day, issuer):
    application_id, fields = proven(client, outbox)
    desk = checked(client, application_id, fields)
    agency_id = f"fr-testville-{uuid.uuid4().hex[:6]}"
    approved = desk.post(f"/console/admin/applications/{application_id}/approve", {"agency_id": agency_id})
    assert approved.status_code == 303
    page = text(desk.get(f"/console/admin/applications/{application_id}"))
    assert "Approved" in page and "Verified: 7 events" in page
    from chalicelib.store.agencies import AgencyRepository

    agency = AgencyRepository().get(agency_id)
    assert agency.standing == "verified" and agency.contact_email == fields["email"]
    events, verdict = AgencyRepository().trail(agency)
    assert verdict.verified and events[0].kind == "agency_registered"
    assert events[0].details["application_id"] == application_id and events[0].details["standing"] == "verified"
    agency_page = text(desk.get(f"/console/admin/agencies/{agency_id}"))
    assert application_id in agency_page and "Agency registered" in agency_page
    (outcome,) = [m for m in mail_to(outbox, fields["email"]) if "Your application" in m["Subject"]]
    assert "approved" in outcome.get_content() and fields["email"] in outcome.get_content()
    # The agency's officer files (at today's date: the transparency tests own the years ahead).
    from chalicelib.clock import SystemClock, app_clock

    app_clock.source = SystemClock()  # the fixture puts its own clock back afterwards
    officer = Browser(client, "authority", fields["email"], agency_id=agency_id)
    assert officer.get("/console/requests").status_code == 200
    token = issuer.mint(role="authority", sub=fields["email"], agency_id=agency_id)
    from tests.helpers import bearer, post, submission

    assert post(client, "/v1/requests", submission(), bearer(token)).status_code == 201


def test_given_the_local_provider_then_the_approved_officer_signs_in_there_with_their_claims(client, outbox,
                                                                                            fresh_day):
    from chalicelib.clock import SystemClock, app_clock
    from chalicelib.web.console import cookie_name
    from tests.integration.test_sign_in import cookie_value, signed_in

    application_id, fields = proven(client, outbox)
    agency_id = f"fr-claims-{uuid.uuid4().hex[:6]}"
    checked(client, application_id, fields).post(f"/console/admin/applications/{application_id}/approve",
                                                 {"agency_id": agency_id})
    app_clock.source = SystemClock()  # the provider's ID token is issued now (the fixture puts the clock back)
    landed = signed_in(client, fields["email"], "/console/requests")
    assert landed.status_code == 303 and landed.headers["Location"] == "/console/requests", landed.body
    page = client.http.get("/console/requests", headers={
        "cookie": f"{cookie_name()}={cookie_value(landed.headers['Set-Cookie'])}"})
    assert page.status_code == 200 and agency_id in text(page) and "New request" in text(page)


def test_given_missing_checks_then_approval_is_409_and_nothing_is_registered(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    desk = admin()
    desk.client = client
    agency_id = f"fr-early-{uuid.uuid4().hex[:6]}"
    response = desk.post(f"/console/admin/applications/{application_id}/approve", {"agency_id": agency_id})
    assert response.status_code == 409 and "checks_incomplete" in text(response)
    from chalicelib.store.agencies import AgencyRepository

    assert AgencyRepository().get(agency_id) is None


def test_given_the_applicant_s_own_number_as_the_call_back_then_400(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    desk = admin()
    desk.client = client
    response = desk.post(f"/console/admin/applications/{application_id}/call-back", {
        "number": "+33 (1) 23-45-67-89", "source": "the application", "spoke_to": "Camille Martin", "confirmed": "yes"})
    assert response.status_code == 400 and "call_back_not_independent" in text(response)
    assert "the application" in text(response)  # what was typed is kept


def test_given_a_rejection_then_the_applicant_is_told_why_and_nothing_is_registered(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    desk = admin()
    desk.client = client
    response = desk.post(f"/console/admin/applications/{application_id}/reject",
                         {"reason": "The domain is not the agency's: the ministry lists another."})
    assert response.status_code == 303
    (outcome,) = [m for m in mail_to(outbox, fields["email"]) if "Your application" in m["Subject"]]
    assert "not approved" in outcome.get_content() and "the ministry lists another" in outcome.get_content()
    again = desk.post(f"/console/admin/applications/{application_id}/approve", {"agency_id": "fr-never"})
    assert again.status_code == 409 and "illegal_transition" in text(again)


def test_given_a_registered_agency_owning_the_domain_then_approval_adds_the_officer_to_it(client, outbox, fresh_day):
    first, fields = proven(client, outbox)
    agency_id = f"fr-shared-{uuid.uuid4().hex[:6]}"
    checked(client, first, fields).post(f"/console/admin/applications/{first}/approve", {"agency_id": agency_id})
    domain = fields["email"].rpartition("@")[2]
    second, colleague = proven(client, outbox, email=f"dominique.petit@{domain}")
    desk = checked(client, second, colleague)
    review = text(desk.get(f"/console/admin/applications/{second}"))
    assert agency_id in review and "adds the officer to it" in review
    assert desk.post(f"/console/admin/applications/{second}/approve", {"agency_id": agency_id}).status_code == 303
    from chalicelib.store.agencies import AgencyRepository

    events, verdict = AgencyRepository().trail(AgencyRepository().get(agency_id))
    assert verdict.verified and [e.kind for e in events] == ["agency_registered", "officer_added"]
    assert events[1].details["email"] == colleague["email"]


def test_given_another_agency_s_id_then_approval_is_409_domain_mismatch(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    desk = checked(client, application_id, fields)
    response = desk.post(f"/console/admin/applications/{application_id}/approve", {"agency_id": "fr-valmont-cyber"})
    assert response.status_code == 409 and "domain_mismatch" in text(response)


def test_given_an_agency_of_a_parent_domain_then_it_is_not_offered_and_joining_it_is_refused(client, outbox,
                                                                                           fresh_day):
    """A ministry's domain is not each of its services: an officer joins only the agency of their own domain."""
    parent = f"interieur-{uuid.uuid4().hex[:6]}.gouv.example"
    first, fields = proven(client, outbox, email=f"chef@{parent}")
    ministry = f"fr-ministry-{uuid.uuid4().hex[:6]}"
    checked(client, first, fields).post(f"/console/admin/applications/{first}/approve", {"agency_id": ministry})
    second, service = proven(client, outbox, email=f"agent@dgsi.{parent}")
    desk = checked(client, second, service)
    review = text(desk.get(f"/console/admin/applications/{second}"))
    assert f'value="{ministry}"' not in review and "No registered agency uses this domain" in review
    response = desk.post(f"/console/admin/applications/{second}/approve", {"agency_id": ministry})
    assert response.status_code == 409 and "domain_mismatch" in text(response)


def test_given_unticked_checks_then_approval_is_409(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    desk = admin()
    desk.client = client
    base = f"/console/admin/applications/{application_id}"
    desk.post(f"{base}/domain-check", {"how": "The ministry does not list this domain anywhere."})  # not ticked
    desk.post(f"{base}/call-back", {"number": "+33 1 40 00 00 00", "source": "National directory",
                                    "spoke_to": "The duty officer", "confirmed": "yes"})
    response = desk.post(f"{base}/approve", {"agency_id": f"fr-unticked-{uuid.uuid4().hex[:6]}"})
    assert response.status_code == 409 and "the domain check" in text(response)


def test_given_a_refused_call_back_then_the_domain_box_does_not_come_back_ticked(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    desk = admin()
    desk.client = client
    refused = text(desk.post(f"/console/admin/applications/{application_id}/call-back", {
        "number": fields["phone"], "source": "the application", "spoke_to": "Camille Martin", "confirmed": "yes"}))
    domain_form = refused[refused.index('/domain-check"'):refused.index('/call-back"')]
    call_form = refused[refused.index('/call-back"'):refused.index('/approve"')]
    assert 'name="confirmed" value="yes" checked' not in domain_form
    assert 'name="confirmed" value="yes" checked' in call_form


def test_given_a_rejection_racing_an_approval_then_nothing_is_registered_and_no_account_made(client, outbox,
                                                                                            fresh_day, monkeypatch):
    from chalicelib.services import accounts
    from chalicelib.services.applications import Applications
    from chalicelib.store.agencies import AgencyRepository
    from chalicelib.web import apply_pages

    application_id, fields = proven(client, outbox)
    desk = checked(client, application_id, fields)
    agency_id = f"fr-race-{uuid.uuid4().hex[:6]}"
    made: list[str] = []
    monkeypatch.setattr(accounts, "create_officer", lambda *args: made.append(args))
    original = AgencyRepository.get

    def rejected_meanwhile(self, wanted):  # another admin rejects while this one approves
        if wanted == agency_id and not made:
            made.append("rejected first")
            Applications().reject(admin().session.principal, application_id, Rejection(reason="Another admin said no."))
        return original(self, wanted)

    monkeypatch.setattr(AgencyRepository, "get", rejected_meanwhile)
    from chalicelib.domain.applications import Rejection

    response = desk.post(f"/console/admin/applications/{application_id}/approve", {"agency_id": agency_id})
    assert response.status_code == 409 and "stale_version" in text(response)
    assert original(AgencyRepository(), agency_id) is None and made == ["rejected first"]
    assert apply_pages.applications.get(application_id).state == "rejected"


def test_given_the_sign_in_service_down_then_the_approval_stands_and_finishing_later_makes_the_account(
        client, outbox, fresh_day, monkeypatch):
    from chalicelib.errors import DependencyUnavailable
    from chalicelib.services import accounts
    from chalicelib.services.applications import Applications

    application_id, fields = proven(client, outbox)
    desk = checked(client, application_id, fields)
    agency_id = f"fr-later-{uuid.uuid4().hex[:6]}"
    real = accounts.create_officer

    def down(*args):
        raise DependencyUnavailable("The sign-in service cannot be reached; try again later.",
                                    code="accounts_unavailable")

    monkeypatch.setattr(accounts, "create_officer", down)
    response = desk.post(f"/console/admin/applications/{application_id}/approve", {"agency_id": agency_id})
    assert response.status_code == 303 and "done=unfinished" in response.headers["Location"]
    item = Applications().get(application_id)
    assert item.state == "approved" and item.account is None and item.outcome_sent_at is None
    page = text(desk.get(f"/console/admin/applications/{application_id}?done=unfinished"))
    assert "Make the account and tell the applicant" in page
    assert not [m for m in mail_to(outbox, fields["email"]) if "Your application" in m["Subject"]]
    monkeypatch.setattr(accounts, "create_officer", real)
    assert desk.post(f"/console/admin/applications/{application_id}/finish", {}).status_code == 303
    item = Applications().get(application_id)
    assert item.account == "local" and item.outcome_sent_at
    events, verdict = Applications().trail(item)
    assert verdict.verified and [e.kind for e in events][-3:] == ["approved", "account_made", "outcome_sent"]
    assert desk.post(f"/console/admin/applications/{application_id}/finish", {}).status_code == 303
    assert int(Applications().get(application_id).trail_seq) == len(events)  # nothing left: nothing written


def test_given_review_pages_then_only_admins_see_them_and_posts_need_the_token(client, outbox, fresh_day):
    application_id, fields = proven(client, outbox)
    rep = Browser(client)
    assert rep.get(f"/console/admin/applications/{application_id}").status_code == 403
    officer = Browser(client, "authority", "officer-fr-lefevre", agency_id="fr-valmont-cyber")
    assert officer.get("/console/admin/applications").status_code == 403
    desk = admin()
    desk.client = client
    forged = desk.post(f"/console/admin/applications/{application_id}/reject", {"reason": "x" * 20}, csrf=None)
    assert forged.status_code == 403
    from chalicelib.services.applications import Applications

    assert Applications().get(application_id).state == "awaiting_review"
    assert desk.get("/console/admin/applications/AP-NOSUCHAPPLICATIO").status_code == 404


def test_given_hostile_text_then_the_admin_sees_it_literally(client, outbox, fresh_day):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    application_id, _ = proven(client, outbox, agency_name=f"Police {payload}", note=payload)
    desk = admin()
    desk.client = client
    body = text(desk.get(f"/console/admin/applications/{application_id}"))
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_given_the_cognito_pool_then_the_account_is_made_there_once(local_resources):
    import boto3

    from chalicelib.errors import Conflict
    from chalicelib.services.accounts import _cognito_user

    cognito = boto3.client("cognito-idp", region_name="eu-west-1")
    pool = cognito.create_user_pool(PoolName=f"p-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"], Schema=[
        {"Name": "role", "AttributeDataType": "String", "Mutable": True},
        {"Name": "agency_id", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]
    assert _cognito_user(pool, "a.b@police.example", "A B", "fr-x") == "a.b@police.example"
    assert _cognito_user(pool, "a.b@police.example", "A B", "fr-x") == "a.b@police.example"  # a retried approval
    attributes = {a["Name"]: a["Value"] for a in
                  cognito.admin_get_user(UserPoolId=pool, Username="a.b@police.example")["UserAttributes"]}
    assert attributes["custom:role"] == "authority" and attributes["custom:agency_id"] == "fr-x"
    with pytest.raises(Conflict):
        _cognito_user(pool, "a.b@police.example", "A B", "de-y")
