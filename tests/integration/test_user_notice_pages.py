"""Issue 16 on the pages: user notice and non-disclosure orders in the console and the portal.

- the representative's request page shows the notice in words (the rule, the order, when the notice falls due and
  by when it is recorded, the notice given) and holds its forms: record the notice (only while one is owed and no
  order runs), record that none will be given, challenge an indefinite or overlong order;
- the queue lists the region's notice tasks (the API's notice-task index) above the open requests;
- the officer's page shows the order and when it ends, declares or replaces one naming a document the agency
  attached (told to attach it first if there is none), and ends it early.

Each form posts to the service its API route calls (with that route's roles) and is answered with the API's
refusal beside it, what was typed kept. Pages are called as a browser calls them (session cookie, form posts)
through Chalice's test client; what changed is read back through the API.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from tests.integration.test_certificate_forms_pages import page_of, refusal
from tests.integration.test_console import Browser, text
from tests.integration.test_portal_request_page import PDF, officer, upload
from tests.integration.test_user_notice import NOTICE, acknowledged, decide, declare, order, seen, stored_document, \
    tasks

LAW = "18 USC 2705(b), order of the District Court, case 26-mj-104"


@pytest.fixture
def clock(clock_from_now):
    return clock_from_now


def desk(client, request: dict) -> Browser:
    return Browser(client, sub=request["assignee"])


def notice_section(page: str) -> str:
    start = page.index('id="h-notice"')
    return page[start:page.index("</section>", start)]


def queue_tasks(page: str) -> str:
    start = page.index('id="h-notice-tasks"')
    return page[start:page.index("</section>", start)]


def fulfilled_removal(client, issuer, clock) -> dict:
    """A content removal the desk fulfilled: its notice fell due at once (DSA Art. 9(5))."""
    request = acknowledged(client, issuer, clock, "content_removal")
    decided = decide(client, issuer, clock, request["id"])
    assert decided.status_code == 200 and decided.json_body["user_notice"]["state"] == "due", decided.body
    return request


def attach_order(client, request: dict, filename: str = "non-disclosure-order.pdf") -> str:
    """The officer attaches the order through the page; its document id, as the API lists it."""
    browser = officer(client)
    response = upload(client, browser, f"/console/requests/{request['id']}/attach", filename, "application/pdf", PDF)
    assert response.status_code == 303, response.body
    page = page_of(browser, request)
    return page[page.index(filename) - 80:].split("/documents/")[1].split('"')[0]


# --- Routes ---------------------------------------------------------------------------------------------------

def test_given_the_notice_paths_then_the_officers_take_their_literal_segments_and_the_desks_its_action_route():
    from chalice.local import RouteMatcher

    from app import app
    from chalicelib.api import notices
    from chalicelib.web.console import PAGE_ATTRIBUTE, roles_of

    matcher = RouteMatcher(list(app.routes))
    for action, api_view in (("non-disclosure", notices.declare_non_disclosure),
                             ("end-non-disclosure", notices.end_non_disclosure)):
        path = f"/console/requests/{{request_id}}/{action}"
        assert matcher.match_route(f"/console/requests/LR-AAAAAAAAAAAAAAAA/{action}").route == path
        page = getattr(app.routes[path]["POST"].view_function, PAGE_ATTRIBUTE)
        assert (page.roles, page.like) == roles_of(api_view)
    for action in ("user-notice", "waive-notice", "challenge"):
        assert matcher.match_route(f"/console/requests/LR-AAAAAAAAAAAAAAAA/{action}").route \
            == "/console/requests/{request_id}/{action}"
    # The desk's route takes the roles the notice routes of the API take: representatives only.
    desk_route = getattr(app.routes["/console/requests/{request_id}/{action}"]["POST"].view_function, PAGE_ATTRIBUTE)
    assert desk_route.roles == roles_of(notices.record_user_notice)[0] == roles_of(notices.challenge_non_disclosure)[0]


def test_given_the_wrong_side_then_each_form_is_refused_and_nothing_changes(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    rid = request["id"]
    assert desk(client, request).post(f"/console/requests/{rid}/non-disclosure",
                                      {"legal_basis": LAW, "ends": "until"}).status_code == 403
    assert officer(client).post(f"/console/requests/{rid}/user-notice", NOTICE).status_code == 403
    assert seen(client, issuer, clock, rid)["user_notice"]["state"] == "notify_before_disclosure"


# --- The queue's notice tasks and the record form ---------------------------------------------------------------

def test_given_a_removal_acted_on_then_its_notice_task_is_in_the_queue_until_the_desk_records_the_notice(
        client, issuer, clock):
    request = fulfilled_removal(client, issuer, clock)
    rid, rep = request["id"], desk(client, request)
    assert rid in tasks(client, issuer, clock)

    queue = text(rep.get("/console/queue"))
    section = queue_tasks(queue)
    assert "User notice due</h2>" in section and f'href="/console/requests/{rid}#h-notice"' in section
    row = section[section.rindex("<tr>", 0, section.index(rid)):]
    row = row[:row.index("</tr>")]
    assert "Content removal" in row and "Notice due" in row and "left" in row and "Overdue" not in row
    assert queue.index('id="h-notice-tasks"') < queue.index('id="h-open"')  # above the open requests

    page = page_of(rep, request)
    assert "the user is still to be told, and the notice recorded" in page  # the next step, though fulfilled
    assert "nothing is left to do" not in page
    notice = notice_section(page)
    assert "Due now" in notice and "Notice due now: record it by" in notice and "Record by" in notice
    assert "DSA Art. 9(5)" in notice  # the rule's basis
    assert "Record notice</button>" in notice and 'name="channel"' in notice and 'type="datetime-local"' in notice
    assert "Challenge the order" not in notice  # no order, nothing to challenge
    assert "No notice will be given (record why)" in notice

    # No channel: the API's 400 beside the form, the text kept, nothing recorded.
    missing = rep.post(f"/console/requests/{rid}/user-notice", {"text": NOTICE["text"]})
    assert missing.status_code == 400 and "channel" in refusal(text(missing), "user-notice")
    assert html.escape(NOTICE["text"]) in text(missing).replace("&#39;", "'")
    assert seen(client, issuer, clock, rid)["user_notice"]["state"] == "due"

    done = rep.post(f"/console/requests/{rid}/user-notice", NOTICE)
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/console/requests/{rid}?done=user-notice#top")
    shown = seen(client, issuer, clock, rid)["user_notice"]
    assert shown["state"] == "notified" and shown["notified"]["channel"] == "email"
    assert shown["notified"]["by"] == request["assignee"] and shown["notified"]["text"] == NOTICE["text"]
    assert rid not in tasks(client, issuer, clock)
    assert rid not in queue_tasks(text(rep.get("/console/queue")))

    page = page_of(rep, request, "?done=user-notice")
    assert "Notice to the user recorded" in page and "nothing is left to do" in page
    notice = notice_section(page)
    assert "Notified" in notice and "Email" in notice and f"recorded by {request['assignee']}" in notice
    assert "A French police authority asked us for data" in notice
    assert "Record notice</button>" not in notice and "No notice will be given" not in notice
    # The officer sees when and how, not the text.
    officers = notice_section(page_of(officer(client), request))
    assert "Email" in officers and "A French police authority asked us" not in officers


def test_given_no_notice_task_then_the_queue_says_so_in_a_short_line(client, issuer, clock, monkeypatch):
    """The region's index holds whatever other tests left there: the service's answer is made empty here (the
    page's own reading of a real index is the test above), so the page's empty state is what is checked."""
    from chalicelib.web import desk_pages

    request = acknowledged(client, issuer, clock)
    rep = desk(client, request)
    monkeypatch.setattr(desk_pages.notices, "tasks", lambda principal, limit, cursor: ([], None))
    empty = text(rep.get("/console/queue")).replace("\n", "")
    assert "No user notice is due." in empty and 'aria-label="User notice tasks"' not in empty


def test_given_a_data_disclosure_then_the_notice_is_recorded_before_the_fulfilment_which_waits_for_it(
        client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    rid, rep = request["id"], desk(client, request)
    page = page_of(rep, request)
    assert "Before a fulfilment, record the notice given to the user" in page
    notice = notice_section(page)
    assert "Before disclosure" in notice and "before their data are disclosed" in notice
    assert "a fulfilment is refused until this notice is recorded" in notice

    refused = rep.post(f"/console/requests/{rid}/decision", {"outcome": "fulfilled", "note": "All of it."})
    assert refused.status_code == 409 and "record the notice first" in refusal(text(refused), "decision")
    assert "All of it.</textarea>" in text(refused)

    # Sent a while ago (after the request came in), in UTC: kept as the API's instant.
    clock.advance(timedelta(minutes=40))
    rep = desk(client, request)  # a session opened now (the ID token's hour is up)
    sent = (clock.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    done = rep.post(f"/console/requests/{rid}/user-notice", {**NOTICE, "channel": "in_app", "sent_at": sent})
    assert done.status_code == 303, done.body
    notified = seen(client, issuer, clock, rid)["user_notice"]["notified"]
    assert (notified["channel"], notified["at"]) == ("in_app", sent + ":00.000Z")
    assert "Before a fulfilment, record" not in page_of(rep, request)
    assert rep.post(f"/console/requests/{rid}/decision", {"outcome": "fulfilled"}).status_code == 303
    assert seen(client, issuer, clock, rid)["status"] == "fulfilled"


def test_given_a_sent_time_in_the_future_then_the_apis_refusal_shows_beside_the_form(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    later = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = desk(client, request).post(f"/console/requests/{request['id']}/user-notice", {**NOTICE, "sent_at": later})
    assert refused.status_code == 422 and "'sent_at' must lie between" in refusal(text(refused), "user-notice")
    assert f'value="{later}"' in text(refused) and '<option value="email" selected>' in text(refused)
    for impossible in ("2026-02-30T10:00", "2026-03-02T25:00"):  # the shape of a time, not a time
        refused = desk(client, request).post(f"/console/requests/{request['id']}/user-notice",
                                             {**NOTICE, "sent_at": impossible})
        assert refused.status_code == 422 and "'sent_at' is not an ISO 8601 instant" in refusal(
            text(refused), "user-notice")


def test_given_no_way_to_reach_the_user_then_the_desk_records_why_no_notice_is_given(client, issuer, clock):
    request = fulfilled_removal(client, issuer, clock)
    rid, rep = request["id"], desk(client, request)
    empty = rep.post(f"/console/requests/{rid}/waive-notice", {"reason": " "})
    assert empty.status_code == 400 and 'id="refusal-waive-notice"' in text(empty)
    assert '<details open>\n<summary>No notice will be given' in text(empty)
    done = rep.post(f"/console/requests/{rid}/waive-notice", {"reason": "The account was deleted in 2025."})
    assert done.status_code == 303 and "?done=waive-notice" in done.headers["Location"]
    assert seen(client, issuer, clock, rid)["user_notice"]["state"] == "not_applicable"
    notice = notice_section(page_of(rep, request))
    assert "No notice" in notice and "No user notice: The account was deleted in 2025." in notice
    assert rid not in tasks(client, issuer, clock)


# --- The officer's order ------------------------------------------------------------------------------------------

def test_given_no_document_of_the_agency_then_the_officer_is_told_to_attach_the_order_first(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    notice = notice_section(page_of(officer(client), request))
    assert "Declare a non-disclosure order" in notice and "Attach the order first" in notice
    assert 'href="#h-attach"' in notice and "Declare order</button>" not in notice
    # A document of the platform's is not an order the agency can name.
    rep = desk(client, request)
    upload(client, rep, f"/console/requests/{request['id']}/documents", "package.pdf", "application/pdf", PDF)
    assert "Attach the order first" in notice_section(page_of(officer(client), request))


def test_given_the_order_attached_then_the_officer_declares_it_and_both_sides_see_it_and_when_it_ends(
        client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    rid, browser = request["id"], officer(client)
    document_id = attach_order(client, request)
    notice = notice_section(page_of(browser, request))
    assert f'<option value="{document_id}">non-disclosure-order.pdf' in notice and "Declare order</button>" in notice
    assert 'type="date"' in notice and 'value="indefinite"' in notice

    # Indefinite without its review day: the API's message beside the form, what was typed kept.
    typed = {"legal_basis": LAW, "ends": "indefinite", "document_id": document_id}
    refused = browser.post(f"/console/requests/{rid}/non-disclosure", typed)
    assert refused.status_code == 400
    assert "an indefinite order needs its review day" in refusal(text(refused), "non-disclosure")
    kept = notice_section(text(refused))
    assert f'value="{LAW}"' in kept and 'value="indefinite" checked' in kept
    assert f'<option value="{document_id}" selected>' in kept and '<details id="declare-order" open>' in kept
    # A day already passed: the service's 422.
    past = (clock.now() - timedelta(days=2)).date().isoformat()
    refused = browser.post(f"/console/requests/{rid}/non-disclosure", {**typed, "ends": "until", "until": past})
    assert refused.status_code == 422 and "has passed" in refusal(text(refused), "non-disclosure")
    assert seen(client, issuer, clock, rid)["user_notice"]["state"] == "notify_before_disclosure"

    until = order(clock, days=90)["until"]
    done = browser.post(f"/console/requests/{rid}/non-disclosure",
                        {**typed, "ends": "until", "until": until, "review_on": "2030-01-01"})
    assert done.status_code == 303 and done.headers["Location"].endswith("?done=non-disclosure#h-notice")
    prohibition = seen(client, issuer, clock, rid)["user_notice"]["prohibition"]
    assert (prohibition["until"], prohibition["document_id"], prohibition["legal_basis"]) == (until, document_id, LAW)
    assert "review_on" not in prohibition  # the other date was left out, as the choice said

    page = page_of(browser, request, "?done=non-disclosure")
    assert "Non-disclosure order declared" in page
    notice = notice_section(page)
    assert f"Notice prohibited through {until}" in notice and "Prohibited" in notice and LAW in notice
    assert f"Through <strong>{until}</strong>" in notice and "the user may be told from" in notice
    assert f'/console/requests/{rid}/documents/{document_id}">non-disclosure-order.pdf</a>' in notice
    assert "by officer-fr-lefevre" in notice
    assert "Replace the order" in notice and "Replace order</button>" in notice and f'value="{until}"' in notice
    assert "End the order early" in notice

    # The desk: the order in words, no record form; a notice posted anyway is refused beside the form.
    rep = desk(client, request)
    notice = notice_section(page_of(rep, request))
    assert "Do not tell the user while the order runs." in notice and "Record notice</button>" not in notice
    assert f'/documents/{document_id}">non-disclosure-order.pdf</a>' in notice
    assert "Challenge the order" not in notice  # 90 days: within the policy
    assert "Before a fulfilment, record" not in page_of(rep, request)
    refused = rep.post(f"/console/requests/{rid}/user-notice", NOTICE)
    assert refused.status_code == 409
    assert "A non-disclosure order forbids telling the user through " + until in refusal(text(refused), "user-notice")
    assert "Record notice</button>" in notice_section(text(refused)) and "We are handing over" in text(refused)
    assert seen(client, issuer, clock, rid)["user_notice"]["state"] == "prohibited"
    # Within the policy: a challenge posted anyway is refused beside its form.
    refused = rep.post(f"/console/requests/{rid}/challenge", {"grounds": "Too long."})
    assert refused.status_code == 409 and "neither indefinite nor overlong" in refusal(text(refused), "challenge")


def test_given_an_order_ended_on_a_fulfilled_request_then_the_notice_falls_due_in_the_queue(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    rid, browser = request["id"], officer(client)
    document_id = stored_document(client, issuer, clock, rid)
    assert declare(client, issuer, clock, rid, order(clock, document_id=document_id)).status_code == 200
    rep = desk(client, request)
    assert rep.post(f"/console/requests/{rid}/decision", {"outcome": "fulfilled"}).status_code == 303
    assert rid not in queue_tasks(text(rep.get("/console/queue")))

    empty = browser.post(f"/console/requests/{rid}/end-non-disclosure", {"reason": ""})
    assert empty.status_code == 400 and 'id="refusal-end-non-disclosure"' in text(empty)
    ended = browser.post(f"/console/requests/{rid}/end-non-disclosure", {"reason": "Lifted by the court on appeal."})
    assert ended.status_code == 303 and "?done=end-non-disclosure#h-notice" in ended.headers["Location"]
    assert seen(client, issuer, clock, rid)["user_notice"]["state"] == "due"
    notice = notice_section(page_of(browser, request))
    assert "Ended early on" in notice and "Lifted by the court on appeal." in notice
    assert "End the order early" not in notice

    assert f'/console/requests/{rid}#h-notice"' in queue_tasks(text(rep.get("/console/queue")))
    notice = notice_section(page_of(rep, request))
    assert "Due now" in notice and "Record notice</button>" in notice
    # Ending it twice: 409 beside the form.
    again = browser.post(f"/console/requests/{rid}/end-non-disclosure", {"reason": "Again."})
    assert again.status_code == 409 and "No non-disclosure order runs" in refusal(text(again), "end-non-disclosure")


def test_given_an_indefinite_order_then_the_desk_challenges_it_and_the_officer_sees_the_grounds(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    rid = request["id"]
    document_id = stored_document(client, issuer, clock, rid)
    review = (clock.now() + timedelta(days=180)).date().isoformat()
    body = {"legal_basis": LAW, "indefinite": True, "review_on": review, "document_id": document_id}
    assert declare(client, issuer, clock, rid, body).status_code == 200
    rep = desk(client, request)
    notice = notice_section(page_of(rep, request))
    assert f"Notice prohibited indefinitely; the order is to be reviewed on {review}." in notice
    assert f"Indefinitely; to be reviewed on <strong>{review}</strong>" in notice
    assert "Challenge the order (indefinite)" in notice

    done = rep.post(f"/console/requests/{rid}/challenge",
                    {"grounds": "An indefinite order is not what 2705(b) allows; please set an end date."})
    assert done.status_code == 303 and "?done=challenge" in done.headers["Location"]
    assert seen(client, issuer, clock, rid)["user_notice"]["challenges"][0]["by"] == request["assignee"]
    for browser in (rep, officer(client)):
        notice = notice_section(page_of(browser, request))
        assert "Challenges of the order (1)" in notice and "not what 2705(b) allows" in notice

    # The officer replaces it with a dated order: the page kept the indefinite one's values to start from.
    officers = notice_section(page_of(officer(client), request))
    assert 'value="indefinite" checked' in officers and f'value="{review}"' in officers
    until = order(clock, days=60)["until"]
    replaced = officer(client).post(f"/console/requests/{rid}/non-disclosure",
                                    {"legal_basis": LAW, "ends": "until", "until": until, "document_id": document_id})
    assert replaced.status_code == 303, replaced.body
    notice = notice_section(page_of(rep, request))
    assert f"Through <strong>{until}</strong>" in notice and f"indefinite, review {review}" in notice


def test_given_the_user_told_then_the_officer_is_offered_no_order_and_one_posted_is_refused(client, issuer, clock):
    request = fulfilled_removal(client, issuer, clock)
    rid = request["id"]
    assert desk(client, request).post(f"/console/requests/{rid}/user-notice", NOTICE).status_code == 303
    document_id = attach_order(client, request)
    browser = officer(client)
    notice = notice_section(page_of(browser, request))
    assert "Declare a non-disclosure order" not in notice and "Notified" in notice
    refused = browser.post(f"/console/requests/{rid}/non-disclosure", {"legal_basis": LAW, "ends": "until",
                                                                       "until": order(clock)["until"],
                                                                       "document_id": document_id})
    assert refused.status_code == 409 and "The user was already told" in refusal(text(refused), "non-disclosure")
