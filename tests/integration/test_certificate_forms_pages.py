"""Issue 15, point 4 on the pages: the console shows a certificate's answers form by form and holds the answer
forms; officers see the answers and act on their side.

- the representative answers a TCO removal order with its Annex III, records that the obstacle ended, and fulfils
  it with its Annex II feedback from the decision form; ends a preservation hold;
- the officer confirms with e-Evidence Annex V that a production request follows an EPOC-PR, extends it (its
  Annex VI), ends the hold;
- every answer is listed in words on both sides, with its PDF when one was drawn.

Each form appears only when it applies, posts to the service its API route calls (with that route's roles), and
is answered with the API's refusal beside it, what was typed kept. Pages are called as a browser calls them
(session cookie, form posts) through Chalice's test client; what changed is read back through the API.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest

from chalicelib.clock import isoformat, parse_instant
from tests.helpers import DE, FR, bearer, post, submission
from tests.integration.test_certificates import epoc, epoc_pr, officer_headers, rep_headers, tco_ro
from tests.integration.test_console import Browser, text

OFFICER = {"role": "authority", "sub": "officer-fr-lefevre", "agency_id": FR}


@pytest.fixture
def clock(clock_from_now):
    return clock_from_now


def officer(client, agency: str = FR) -> Browser:
    return Browser(client, **{**OFFICER, "agency_id": agency})


def desk(client, request: dict) -> Browser:
    return Browser(client, sub=request["assignee"])


def filed(client, issuer, clock, kind: str, certificate: dict | None, *, acknowledge: bool = True, **overrides):
    body = submission(kind, **({"certificate": certificate} if certificate else {}), **overrides)
    created = post(client, "/v1/requests", body, officer_headers(issuer, clock))
    assert created.status_code == 201, created.body
    request = created.json_body
    if acknowledge:
        acked = post(client, f"/v1/requests/{request['id']}/acknowledge", {},
                     rep_headers(issuer, request["assignee"], clock))
        assert acked.status_code == 200, acked.body
    return request


def preserved(client, issuer, clock, certificate: dict | None = None) -> dict:
    """A preservation (an EPOC-PR unless told otherwise) the desk fulfilled: its hold is active."""
    request = filed(client, issuer, clock, "preservation", certificate if certificate is not None else epoc_pr())
    decided = post(client, f"/v1/requests/{request['id']}/decision", {"outcome": "fulfilled"},
                   rep_headers(issuer, request["assignee"], clock))
    assert decided.status_code == 200 and decided.json_body["hold"]["state"] == "active", decided.body
    return request


def seen(client, issuer, clock, request: dict) -> dict:
    """The request as the API shows its agency."""
    response = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock))
    assert response.status_code == 200, response.body
    return response.json_body


def page_of(browser: Browser, request: dict, query: str = "") -> str:
    response = browser.get(f"/console/requests/{request['id']}{query}")
    assert response.status_code == 200, response.body
    return text(response)


def refusal(page: str, action: str) -> str:
    """The refusal shown beside the form of ``action`` (its message, unescaped)."""
    start = page.index(f'id="refusal-{action}">') + len(f'id="refusal-{action}">')
    return html.unescape(page[start:page.index("</p>", start)])


def local(instant) -> str:
    """An instant as a datetime-local field holds it (UTC, to the minute, no offset)."""
    return instant.strftime("%Y-%m-%dT%H:%M")


TCO_FORM = "Answer with TCO Annex III (cannot remove within the hour)"
OBSTACLE_BUTTON = "The obstacle has ended (the hour restarts)</button>"
ANNEX_V_FORM = "Confirm a production request follows (Annex V)"
RELEASE_FORM = "End the preservation hold</summary>"
UNTIL_PRODUCTION = "Kept until the production request is served, no end date"


# --- Routes ---------------------------------------------------------------------------------------------------

def test_given_the_new_paths_then_literal_segments_beat_the_desks_action_route_and_take_the_apis_roles():
    from chalice.local import RouteMatcher

    from app import app
    from chalicelib.api import authorities
    from chalicelib.web.console import PAGE_ATTRIBUTE, roles_of

    matcher = RouteMatcher(list(app.routes))
    for action, api_view in (("production-follows", authorities.confirm_production_follows),
                             ("release-hold", authorities.release_hold)):
        path = f"/console/requests/{{request_id}}/{action}"
        assert matcher.match_route(f"/console/requests/LR-AAAAAAAAAAAAAAAA/{action}").route == path
        page = getattr(app.routes[path]["POST"].view_function, PAGE_ATTRIBUTE)
        assert (page.roles, page.like) == roles_of(api_view)
    # The desk's own answers go through its action route, a representative's (as their API routes are).
    for action in ("removal-impossibility", "obstacle-ended", "decision"):
        assert matcher.match_route(f"/console/requests/LR-AAAAAAAAAAAAAAAA/{action}").route \
            == "/console/requests/{request_id}/{action}"


# --- TCO Annex III and the obstacle's end -----------------------------------------------------------------------

def test_given_force_majeure_then_the_desk_stops_the_hour_by_form_and_restarts_it_when_the_obstacle_ends(
        client, issuer, clock):
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    rid, rep = request["id"], desk(client, request)
    page = page_of(rep, request)
    assert TCO_FORM in page and 'name="reason.force_majeure"' in page and 'name="reason.data_not_stored"' not in page
    assert OBSTACLE_BUTTON not in page and "Answer with Annex III (the order" not in page  # e-Evidence's is not here
    officers = page_of(officer(client), request)
    assert TCO_FORM not in officers and "/removal-impossibility" not in officers
    assert 'name="removal.action"' not in officers

    # No reason ticked: the API's 400 beside the form, the explanation kept, nothing sent.
    empty = rep.post(f"/console/requests/{rid}/removal-impossibility", {"explanation": "Data centre down."})
    assert empty.status_code == 400 and "reasons" in refusal(text(empty), "removal-impossibility")
    assert "Data centre down.</textarea>" in text(empty) and "<details id=\"tco-annex-iii\" open>" in text(empty)
    assert seen(client, issuer, clock, request)["status"] == "acknowledged"

    clock.advance(timedelta(minutes=40))
    rep = desk(client, request)
    sent = rep.post(f"/console/requests/{rid}/removal-impossibility",
                    {"reason.force_majeure": "1", "explanation": "Our EU data centre is without power."})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("?done=removal-impossibility#top")
    stopped = seen(client, issuer, clock, request)
    assert stopped["status"] == "awaiting_information"
    (form,) = stopped["official_answers"]
    assert (form["form"], form["reasons"], form["explanation"]) == (
        "TCO Annex III", ["force_majeure"], "Our EU data centre is without power.")

    page = page_of(rep, request, "?done=removal-impossibility")
    assert "TCO Annex III sent to the issuing authority" in page
    assert TCO_FORM not in page and OBSTACLE_BUTTON in page
    assert "The removal order's hour is stopped: you answered with TCO Annex III" in page
    for both in (page, page_of(officer(client), request)):  # the answer, in words, on both sides
        answers = both[both.index('id="h-answers"'):]
        assert "TCO Annex III</strong>: the content cannot be removed within the hour" in answers
        assert "Reasons:</span> Force majeure." in answers and "Our EU data centre is without power." in answers
        assert "records that the obstacle has ended; the hour then runs again in full" in answers
    assert "stopped until you record that the obstacle has ended" in page  # the deadline, in its words
    officers = page_of(officer(client), request)
    assert OBSTACLE_BUTTON not in officers and "Next step: answer the platform's question" not in officers
    assert "The platform cannot remove the content within the hour" in officers
    assert "Nothing is asked of you" in officers
    assert "stopped until the platform records that the obstacle has ended" in officers

    clock.advance(timedelta(hours=3))
    rep = desk(client, request)
    ended = rep.post(f"/console/requests/{rid}/obstacle-ended", {"note": "Power restored at 04:10."})
    assert ended.status_code == 303 and ended.headers["Location"].endswith("?done=obstacle-ended#top")
    resumed = seen(client, issuer, clock, request)
    assert resumed["status"] == "acknowledged"
    assert parse_instant(resumed["due_at"]) == parse_instant(isoformat(clock.now())) + timedelta(hours=1)
    page = page_of(rep, request, "?done=obstacle-ended")
    assert "Obstacle ended: the removal order&#39;s hour runs again" in page and OBSTACLE_BUTTON not in page

    # Sent again (a second click): the API's 409 beside the form, the note kept, nothing changes.
    again = rep.post(f"/console/requests/{rid}/obstacle-ended", {"note": "Twice."})
    assert again.status_code == 409
    assert "not stopped on force majeure" in refusal(text(again), "obstacle-ended")
    assert "Twice.</textarea>" in text(again)
    assert seen(client, issuer, clock, request)["due_at"] == resumed["due_at"]


def test_given_manifest_errors_then_no_obstacle_form_and_obstacle_ended_is_refused_beside_it(client, issuer, clock):
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    rid, rep = request["id"], desk(client, request)
    assert rep.post(f"/console/requests/{rid}/removal-impossibility", {
        "reason.manifest_errors": "1", "explanation": "The URL points to a deleted page."}).status_code == 303
    page = page_of(rep, request)
    assert "Waiting for the authority's answer" in page and OBSTACLE_BUTTON not in page
    assert "until the issuing authority clarifies" in page[page.index('id="h-answers"'):]
    refused = rep.post(f"/console/requests/{rid}/obstacle-ended", {"note": "Nothing to end."})
    assert refused.status_code == 409
    assert "send its Annex III first" in refusal(text(refused), "obstacle-ended")
    assert "Nothing to end.</textarea>" in text(refused)
    assert seen(client, issuer, clock, request)["status"] == "awaiting_information"


def test_given_an_order_not_filed_as_a_tco_ro_then_no_tco_form_and_a_post_is_refused(client, issuer, clock):
    request = filed(client, issuer, clock, "data_disclosure", epoc(), data_categories=["subscriber"])
    rep = desk(client, request)
    page = page_of(rep, request)
    assert TCO_FORM not in page and 'name="removal.action"' not in page and "Record decision" in page
    refused = rep.post(f"/console/requests/{request['id']}/removal-impossibility",
                       {"reason.force_majeure": "1", "explanation": "x"})
    assert refused.status_code == 409 and 'id="refusal-removal-impossibility"' not in text(refused)  # no form here
    assert "Removal impossibility not done:</strong> This answer is for a removal order filed as" in text(refused)
    # Not acknowledged yet: no TCO form either (the API takes it while acknowledged).
    fresh = filed(client, issuer, clock, "terrorist_content_removal", tco_ro(), acknowledge=False)
    assert TCO_FORM not in page_of(desk(client, fresh), fresh)


# --- TCO Annex II from the decision form --------------------------------------------------------------------------

def test_given_a_removal_order_then_a_fulfilment_carries_its_annex_ii_feedback_from_the_decision_form(
        client, issuer, clock):
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    clock.advance(timedelta(minutes=20))
    rid, rep = request["id"], desk(client, request)
    page = page_of(rep, request)
    assert 'type="datetime-local"' in page and 'name="removal.done_at"' in page and "When (UTC)" in page
    assert f'value="{clock.now().strftime("%Y-%m-%dT%H:%M:%S")}"' in page  # filled in with now, in UTC
    assert 'value="" checked> Nothing (a rejection)' in page

    # Fulfilled without saying what was done: the API's 422 beside the decision form, the rest kept.
    bare = rep.post(f"/console/requests/{rid}/decision", {
        "outcome": "fulfilled", "reason": "", "note": "Both copies.", "removal.action": "",
        "removal.done_at": local(clock.now())})
    assert bare.status_code == 422
    assert "TCO Regulation Annex II" in refusal(text(bare), "decision")
    assert "Both copies.</textarea>" in text(bare) and 'fieldset class="removal has-error"' in text(bare)
    assert f'value="{local(clock.now())}"' in text(bare)
    # A time the schema does not take: its 400, beside.
    bad = rep.post(f"/console/requests/{rid}/decision", {
        "outcome": "fulfilled", "removal.action": "removed", "removal.done_at": "yesterday"})
    assert bad.status_code == 400 and "removal.done_at" in refusal(text(bad), "decision")
    assert 'value="removed" checked' in text(bad)
    assert seen(client, issuer, clock, request)["status"] == "acknowledged"

    done_at = clock.now() - timedelta(minutes=3)
    decided = rep.post(f"/console/requests/{rid}/decision", {
        "outcome": "fulfilled", "note": "Both copies removed.", "removal.action": "disabled",
        "removal.done_at": local(done_at)})
    assert decided.status_code == 303, text(decided)
    after = seen(client, issuer, clock, request)
    assert after["status"] == "fulfilled"
    (form,) = after["official_answers"]
    assert (form["form"], form["action"], form["outcome"]) == ("TCO Annex II", "disabled", "fulfilled")
    assert datetime.fromisoformat(form["done_at"].replace("Z", "+00:00")) == \
        datetime.fromisoformat(local(done_at) + ":00+00:00")
    for both in (page_of(rep, request), page_of(officer(client), request)):
        answers = both[both.index('id="h-answers"'):]
        assert "TCO Annex II</strong>: feedback on the removal" in answers
        assert f"Access disabled in all Member States at <time datetime=\"{form['done_at']}\">" in answers
        assert "Both copies removed." in answers and "Fulfilled" in answers


def test_given_a_rejection_then_the_filled_in_time_is_left_out_and_other_orders_take_no_feedback(
        client, issuer, clock):
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    rep = desk(client, request)
    rejected = rep.post(f"/console/requests/{request['id']}/decision", {
        "outcome": "rejected", "reason": "overbroad", "removal.action": "", "removal.done_at": local(clock.now())})
    assert rejected.status_code == 303, text(rejected)
    assert seen(client, issuer, clock, request)["status"] == "rejected"

    other = filed(client, issuer, clock, "data_disclosure", epoc(), data_categories=["subscriber"])
    refused = desk(client, other).post(f"/console/requests/{other['id']}/decision", {
        "outcome": "fulfilled", "removal.action": "removed", "removal.done_at": local(clock.now())})
    assert refused.status_code == 422 and "this decision takes none" in refusal(text(refused), "decision")
    assert seen(client, issuer, clock, other)["status"] == "acknowledged"


# --- e-Evidence Annexes V and VI, and the end of a hold -----------------------------------------------------------

def test_given_a_fulfilled_epoc_pr_then_the_officer_confirms_annex_v_and_ends_the_hold(client, issuer, clock):
    request = preserved(client, issuer, clock)
    rid, browser = request["id"], officer(client)
    page = page_of(browser, request)
    hold = page[page.index('id="h-hold"'):]
    assert "Active</span> The data are kept until" in hold
    assert ANNEX_V_FORM in hold and "Extend the preservation by 30 days (Annex VI)</button>" in hold
    assert RELEASE_FORM in hold and "Extend hold</button>" not in hold
    desks = page_of(desk(client, request), request)
    # the desk may not end a running hold early (only the authority may, e-Evidence Art. 11)
    assert RELEASE_FORM not in desks and ANNEX_V_FORM not in desks and "(Annex VI)</button>" not in desks

    # No reference: the API's 400 beside the form, the note kept.
    missing = browser.post(f"/console/requests/{rid}/production-follows", {"production_reference": "",
                                                                          "note": "Issued today."})
    assert missing.status_code == 400 and "production_reference" in refusal(text(missing), "production-follows")
    assert "Issued today.</textarea>" in text(missing)

    confirmed = browser.post(f"/console/requests/{rid}/production-follows", {
        "production_reference": "EPOC PV-2026-0042", "note": "Issued today."})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("?done=production-follows#top")
    after = seen(client, issuer, clock, request)
    assert after["hold"]["state"] == "until_production" and after["hold"].get("expires_at") is None
    assert (after["official_answers"][-1]["form"], after["official_answers"][-1]["production_reference"]) == (
        "e-Evidence Annex V", "EPOC PV-2026-0042")
    page = page_of(browser, request, "?done=production-follows")
    assert "Annex V sent" in page and UNTIL_PRODUCTION in page
    assert ANNEX_V_FORM not in page and "(Annex VI)</button>" not in page and RELEASE_FORM in page
    desks = page_of(desk(client, request), request)
    assert UNTIL_PRODUCTION in desks and RELEASE_FORM in desks
    for both in (page, desks):
        answers = both[both.index('id="h-answers"'):]
        assert "A production request follows: <strong class=\"break\">EPOC PV-2026-0042</strong>" in answers

    ended = browser.post(f"/console/requests/{rid}/release-hold", {"reason": "EPOC PV-2026-0042 executed."})
    assert ended.status_code == 303 and ended.headers["Location"].endswith("?done=release-hold#top")
    assert seen(client, issuer, clock, request)["hold"]["state"] == "released"
    page = page_of(browser, request, "?done=release-hold")
    assert "Preservation hold ended; the platform is told." in page
    assert "Released</span> The hold was ended before its time by officer-fr-lefevre" in page
    assert "EPOC PV-2026-0042 executed." in page and RELEASE_FORM not in page

    again = browser.post(f"/console/requests/{rid}/release-hold", {"reason": "Again."})
    assert again.status_code == 409 and "no preservation hold running" in refusal(text(again), "release-hold")
    assert "Again.</textarea>" in text(again)


def test_given_a_running_hold_then_only_the_authority_ends_it_early_and_the_desk_ends_it_after_production(
        client, issuer, clock):
    request = preserved(client, issuer, clock)
    rid, rep = request["id"], desk(client, request)
    page = page_of(rep, request)
    assert RELEASE_FORM not in page and "The issuing authority may extend it once" in page
    early = rep.post(f"/console/requests/{rid}/release-hold", {"reason": "The agency says the case is closed."})
    assert early.status_code == 409 and "Only the issuing authority" in refusal(text(early), "release-hold")
    assert seen(client, issuer, clock, request)["hold"]["state"] == "active"
    assert officer(client).post(f"/console/requests/{rid}/production-follows",
                                {"production_reference": "EPOC PV-2026-0042"}).status_code == 303
    page = page_of(rep, request)
    assert RELEASE_FORM in page
    empty = rep.post(f"/console/requests/{rid}/release-hold", {"reason": ""})
    assert empty.status_code == 400 and "reason" in refusal(text(empty), "release-hold")
    ended = rep.post(f"/console/requests/{rid}/release-hold", {"reason": "Production order PV-2026-0042 executed."})
    assert ended.status_code == 303
    assert seen(client, issuer, clock, request)["hold"]["state"] == "released"
    assert "Preservation hold ended; the issuing authority is told." in page_of(rep, request, "?done=release-hold")
    officers = page_of(officer(client), request)
    assert "Production order PV-2026-0042 executed." in officers
    assert "Released: the data need no longer be kept" in officers
    assert RELEASE_FORM not in officers and "Extend" not in officers.split('id="h-hold"')[-1].split("</section>")[0]


def test_given_annex_vi_then_both_sides_read_the_extension_in_words(client, issuer, clock):
    request = preserved(client, issuer, clock)
    clock.advance(timedelta(days=55))
    browser = officer(client)
    assert browser.post(f"/console/requests/{request['id']}/extend", {}).status_code == 303
    (annex_vi,) = [a for a in seen(client, issuer, clock, request)["official_answers"]
                   if a["form"] == "e-Evidence Annex VI"]
    for both in (page_of(browser, request), page_of(desk(client, request), request)):
        answers = both[both.index('id="h-answers"'):]
        assert f"Preservation extended from <time datetime=\"{annex_vi['expires_at_before']}\">" in answers
        assert f"<time datetime=\"{annex_vi['expires_at_after']}\">" in answers
        assert "(Annex VI)</button>" not in both and "Extended once already" in both


def test_given_a_hold_past_its_end_then_no_hold_form_is_offered(client, issuer, clock):
    request = preserved(client, issuer, clock)
    clock.advance(timedelta(days=61))  # the workflow marks it expired at its timer; the page does not wait for it
    for page in (page_of(officer(client), request), page_of(desk(client, request), request)):
        hold = page[page.index('id="h-hold"'):]
        hold = hold[:hold.index("</section>")]
        assert "The hold ended" in hold
        assert ANNEX_V_FORM not in hold and RELEASE_FORM not in hold and "</button>" not in hold


# --- The PDFs ---------------------------------------------------------------------------------------------------

def test_given_the_forms_pdfs_then_each_is_a_download_beside_its_form_on_both_sides(client, issuer, clock):
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    assert desk(client, request).post(f"/console/requests/{request['id']}/removal-impossibility", {
        "reason.de_facto_impossibility": "1", "explanation": "The host is seized."}).status_code == 303
    pdfs = seen(client, issuer, clock, request).get("official_form_pdfs") or []
    for browser in (desk(client, request), officer(client)):
        page = page_of(browser, request)
        certificate = page[page.index('id="h-certificate"'):page.index("Section A:")]
        answers = page[page.index('id="h-answers"'):]
        for pdf in pdfs:
            path = f'/console/requests/{request["id"]}/documents/{pdf["document_id"]}'
            where = certificate if pdf["form_index"] in (-1, None) else answers
            assert f'href="{path}">' + ("The TCO-RO as filed, PDF" if where is certificate else "PDF") in where, pdf
            assert f'<code title="{pdf["sha256"]}">{pdf["sha256"][:12]}<span class="sr-only">{pdf["sha256"][12:]}' \
                in where
            assert browser.get(path).status_code == 303  # the audited five-minute link to the stored bytes
        if not pdfs:  # none drawn (yet): no link is made up
            assert "/documents/" not in certificate + answers


# --- Who may post ------------------------------------------------------------------------------------------------

def _tco_with_obstacle(client, issuer, clock) -> dict:
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    assert post(client, f"/v1/requests/{request['id']}/removal-impossibility",
                {"reasons": ["force_majeure"], "explanation": "x"},
                rep_headers(issuer, request["assignee"], clock)).status_code == 200
    return request


def _tco_minutes_ago(client, issuer, clock) -> dict:
    request = filed(client, issuer, clock, "terrorist_content_removal", tco_ro())
    clock.advance(timedelta(minutes=5))
    return request


# Each form, with what the request needs for it to succeed when the right person sends it (so that a refusal
# below is the guard's, not the service's), and whose form it is.
CASES = {
    "removal-impossibility": (_tco_minutes_ago, lambda clock: {"reason.force_majeure": "1", "explanation": "x"},
                              "desk"),
    "obstacle-ended": (_tco_with_obstacle, lambda clock: {"note": "Back."}, "desk"),
    "decision": (_tco_minutes_ago, lambda clock: {"outcome": "fulfilled", "removal.action": "removed",
                                                  "removal.done_at": local(clock.now() - timedelta(minutes=1))},
                 "desk"),
    "production-follows": (preserved, lambda clock: {"production_reference": "EPOC 7"}, "officer"),
    "release-hold": (preserved, lambda clock: {"reason": "Done."}, "officer"),
}


def state(client, issuer, clock, request: dict) -> tuple:
    """What the forms change (a refused attempt is itself recorded in the trail, so not the version)."""
    after = seen(client, issuer, clock, request)
    return after["status"], after["due_at"], after.get("hold"), after.get("official_answers")


@pytest.mark.parametrize("action", list(CASES))
def test_given_a_post_without_its_csrf_token_then_403_and_nothing_changes(client, issuer, clock, action):
    make, fill, side = CASES[action]
    request = make(client, issuer, clock)
    fields = fill(clock)
    before = state(client, issuer, clock, request)
    browser = desk(client, request) if side == "desk" else officer(client)
    for csrf in (None, "not-the-token"):
        response = browser.post(f"/console/requests/{request['id']}/{action}", fields, csrf=csrf)
        assert response.status_code == 403 and "csrf_failed" in text(response), action
    assert state(client, issuer, clock, request) == before


@pytest.mark.parametrize("action", list(CASES))
def test_given_the_other_side_then_403_and_nothing_changes(client, issuer, clock, action):
    make, fill, side = CASES[action]
    request = make(client, issuer, clock)
    fields = fill(clock)
    before = state(client, issuer, clock, request)
    if action == "release-hold":  # open to both sides, as its API route: not to an admin
        other = Browser(client, "admin", "admin-1")
    else:
        other = officer(client) if side == "desk" else desk(client, request)
    assert other.post(f"/console/requests/{request['id']}/{action}", fields).status_code == 403
    assert state(client, issuer, clock, request) == before


@pytest.mark.parametrize("action", list(CASES))
def test_given_another_agency_or_region_then_404_and_nothing_changes(client, issuer, clock, action):
    make, fill, side = CASES[action]
    request = make(client, issuer, clock)
    fields = fill(clock)
    before = state(client, issuer, clock, request)
    if side == "desk":
        stranger = Browser(client, sub="rep-us-jordan", region="us")
    else:
        stranger = officer(client, DE)
    assert stranger.post(f"/console/requests/{request['id']}/{action}", fields).status_code == 404
    assert state(client, issuer, clock, request) == before
    if action == "release-hold":  # and a representative of another region, on the route both sides share
        assert Browser(client, sub="rep-us-jordan", region="us").post(
            f"/console/requests/{request['id']}/release-hold", fields).status_code == 404
        assert state(client, issuer, clock, request) == before


def test_given_an_agency_token_then_the_api_sees_what_the_pages_did(client, issuer, clock):
    """The pages' changes are the API's: the trail of a request answered through every page form verifies."""
    request = preserved(client, issuer, clock)
    browser = officer(client)
    assert browser.post(f"/console/requests/{request['id']}/production-follows",
                        {"production_reference": "EPOC 9"}).status_code == 303
    assert desk(client, request).post(f"/console/requests/{request['id']}/release-hold",
                                      {"reason": "Served."}).status_code == 303
    auditor = bearer(issuer.mint(role="admin", sub="admin-1", mfa=True, now=clock.now().timestamp()))
    trail = client.http.get(f"/v1/requests/{request['id']}/audit", headers=auditor).json_body
    assert trail["verified"] is True
    kinds = [e["kind"] for e in trail["events"]]
    assert kinds.index("production_follows") < kinds.index("hold_released")


@pytest.mark.parametrize("action", list(CASES))
def test_given_the_right_person_then_each_case_above_succeeds(client, issuer, clock, action):
    """What the refusals above are measured against: the same post, by the form's own side, goes through."""
    make, fill, side = CASES[action]
    request = make(client, issuer, clock)
    before = state(client, issuer, clock, request)
    browser = desk(client, request) if side == "desk" else officer(client)
    response = browser.post(f"/console/requests/{request['id']}/{action}", fill(clock))
    assert response.status_code == 303, text(response)
    assert state(client, issuer, clock, request) != before
