"""Issue 16: telling users, and when not to.

Each request is filed in a notice state set from the notice policy of its type and jurisdiction; the authority
declares a non-disclosure order (at filing or later, with its legal basis and, once filed, its document) or ends
it; the desk records the notice it gave (never while an order runs), waives it with a reason, or challenges an
indefinite or overlong order. The clock is frozen and moved by hand here; the workflow's timers are in
tests/workflow/test_user_notice_workflow.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.clock import parse_instant
from chalicelib.services import config
from chalicelib.store.models import LegalRequest
from tests.helpers import DE, FR, US, admin, bearer, post, record_notices, submission
from tests.integration.test_certificates import epoc
from tests.integration.test_documents import declaration, upload

VERIFIED = {"method": "phone_callback", "number_source": "official_directory", "outcome": "confirmed",
            "note": "Called the Valmont switchboard from the ministry directory; Lt. Lefevre confirmed."}
NOTICE = {"channel": "email", "text": "A French police authority asked us for data of your account on 1 December "
                                      "2026. We are handing over subscriber data on 8 December unless a court stops "
                                      "it."}


@pytest.fixture
def clock(clock_from_now):
    return clock_from_now


def officer(issuer, clock, agency=FR, mfa=True):
    return bearer(issuer.mint(role="authority", sub="officer-1", agency_id=agency, mfa=mfa,
                              now=clock.now().timestamp()))


def rep(issuer, clock, sub="rep-eu-okafor", region="eu"):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True, now=clock.now().timestamp()))


def filed(client, issuer, clock, kind="data_disclosure", agency=FR, **overrides) -> dict:
    created = post(client, "/v1/requests", submission(kind, **overrides), officer(issuer, clock, agency))
    assert created.status_code == 201, created.body
    return created.json_body


def acknowledged(client, issuer, clock, kind="data_disclosure", **overrides) -> dict:
    request = filed(client, issuer, clock, kind, **overrides)
    assert post(client, f"/v1/requests/{request['id']}/acknowledge", {}, rep(issuer, clock)).status_code == 200
    return request


def decide(client, issuer, clock, request_id, outcome="fulfilled", sub="rep-eu-okafor", **extra):
    body = {"outcome": outcome, **({"reason": "overbroad"} if outcome != "fulfilled" else {}), **extra}
    return post(client, f"/v1/requests/{request_id}/decision", body, rep(issuer, clock, sub))


def seen(client, issuer, clock, request_id, headers=None) -> dict:
    response = client.http.get(f"/v1/requests/{request_id}", headers=headers or rep(issuer, clock))
    assert response.status_code == 200, response.body
    return response.json_body


def stored_document(client, issuer, clock, request_id, agency=FR) -> str:
    declared = post(client, f"/v1/requests/{request_id}/documents", declaration(), officer(issuer, clock, agency))
    assert declared.status_code == 201, declared.body
    upload(declared.json_body)
    listed = client.http.get(f"/v1/requests/{request_id}/documents", headers=officer(issuer, clock, agency))
    assert {d["document_id"]: d["status"] for d in listed.json_body["items"]}[declared.json_body["document_id"]] \
        == "stored"
    return declared.json_body["document_id"]


def order(clock, days=30, **extra) -> dict:
    until = (clock.now() + timedelta(days=days)).date().isoformat()
    return {"legal_basis": "18 USC 2705(b), order of the District Court, case 26-mj-104", "until": until, **extra}


def declare(client, issuer, clock, request_id, body, agency=FR):
    return post(client, f"/v1/requests/{request_id}/non-disclosure", body, officer(issuer, clock, agency))


def give(client, issuer, clock, request_id, body=None, sub="rep-eu-okafor"):
    return post(client, f"/v1/requests/{request_id}/user-notice", body or NOTICE, rep(issuer, clock, sub))


def trail(client, issuer, clock, request_id) -> dict:
    auditor = bearer(issuer.mint(role="admin", sub="admin-1", mfa=True, now=clock.now().timestamp()))
    answer = client.http.get(f"/v1/requests/{request_id}/audit", headers=auditor).json_body
    assert answer["verified"] is True, answer
    return answer


def tasks(client, issuer, clock, region="eu", sub="rep-eu-okafor") -> list[str]:
    ids, cursor = [], None
    while True:
        page = client.http.get("/v1/notice-tasks?limit=100" + (f"&cursor={cursor}" if cursor else ""),
                               headers=rep(issuer, clock, sub, region)).json_body
        ids += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


@pytest.mark.parametrize("kind, state", [("data_disclosure", "notify_before_disclosure"),
                                         ("emergency_disclosure", "delayed"),
                                         ("content_removal", "notify_on_action"),
                                         ("terrorist_content_removal", "notify_on_action"),
                                         ("preservation", "not_applicable")])
def test_given_each_type_then_it_is_filed_in_the_state_its_policy_says(client, issuer, clock, kind, state):
    request = filed(client, issuer, clock, kind)
    notice = request["user_notice"]
    assert notice["state"] == state
    assert notice["basis"] == config.notice_policy().types[kind].basis
    assert notice["words"]


def test_given_an_epoc_then_the_issuing_authority_informs_the_person(client, issuer, clock):
    request = filed(client, issuer, clock, certificate=epoc(), data_categories=["subscriber"])
    assert request["user_notice"]["state"] == "not_applicable"
    assert "Art. 13" in request["user_notice"]["reason"]


def test_given_the_policy_then_it_is_public_and_an_admin_sets_a_jurisdiction_apart(client, issuer, clock):
    public = client.http.get("/v1/public/policies").json_body
    rules = {p["type"]: p["user_notice"] for p in public["types"]}
    assert rules["data_disclosure"]["action"] == "notify" and rules["emergency_disclosure"]["delay_days"] == 14
    assert rules["terrorist_content_removal"]["max_prohibition_days"] == 42

    current = client.http.get("/v1/admin/notice-policy", headers=admin(issuer)).json_body["document"]
    us_rule = {"action": "delay", "delay_days": 90, "record_within_days": 5, "max_prohibition_days": 180,
               "basis": "18 USC 2705(a): notice delayed up to 90 days."}
    try:
        put = client.http.put("/v1/admin/notice-policy", headers={**admin(issuer), "content-type": "application/json"},
                              body=json.dumps({**current, "jurisdictions": {"US": {"preservation": us_rule}}}))
        assert put.status_code == 400 and "preservation" in put.body.decode()  # a preservation discloses nothing
        put = client.http.put("/v1/admin/notice-policy", headers={**admin(issuer), "content-type": "application/json"},
                              body=json.dumps({**current, "jurisdictions": {"US": {"data_disclosure": us_rule}}}))
        assert put.status_code == 200, put.body
        config.forget()
        us = filed(client, issuer, clock, agency=US)
        assert us["user_notice"]["state"] == "delayed" and us["user_notice"]["basis"].startswith("18 USC 2705(a)")
        assert filed(client, issuer, clock)["user_notice"]["state"] == "notify_before_disclosure"  # FR: default
        public = client.http.get("/v1/public/policies").json_body
        disclosure = next(p for p in public["types"] if p["type"] == "data_disclosure")
        assert disclosure["user_notice_by_jurisdiction"]["US"]["delay_days"] == 90
        refused = client.http.put("/v1/admin/notice-policy", headers={**rep(issuer, clock),
                                                                      "content-type": "application/json"},
                                  body=json.dumps(current))
        assert refused.status_code == 403
    finally:
        client.http.put("/v1/admin/notice-policy", headers={**admin(issuer), "content-type": "application/json"},
                        body=json.dumps(current))
        config.forget()


def test_given_notice_owed_before_disclosure_then_the_data_go_only_after_it_is_recorded(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    refused = decide(client, issuer, clock, request["id"])
    assert (refused.status_code, refused.json_body["code"]) == (409, "user_notice_first")
    proposal_free = decide(client, issuer, clock, request["id"], "partially_fulfilled")
    assert proposal_free.json_body["code"] == "user_notice_first"
    missing = give(client, issuer, clock, request["id"], {"channel": "email"})
    assert (missing.status_code, missing.json_body["field"]) == (400, "text")
    bad_channel = give(client, issuer, clock, request["id"], {**NOTICE, "channel": "carrier_pigeon"})
    assert bad_channel.status_code == 400
    for bad in ("9999-12-31T23:59:59.000-2359", "2026-03-02T09:00:00", "yesterday", "2026-02-30T09:00:00Z"):
        refused = give(client, issuer, clock, request["id"], {**NOTICE, "sent_at": bad})
        assert (refused.status_code, refused.json_body["field"]) == (422, "sent_at"), (bad, refused.body)
    assert seen(client, issuer, clock, request["id"])["user_notice"]["state"] == "notify_before_disclosure"
    # Any ISO 8601 instant with its offset, seconds without fractions too, in the house format once stored.
    clock.advance(timedelta(hours=1))
    sent = (clock.now() - timedelta(minutes=5)).replace(microsecond=0)
    given = give(client, issuer, clock, request["id"],
                 {**NOTICE, "sent_at": sent.strftime("%Y-%m-%dT%H:%M:%S+00:00")})
    assert given.status_code == 200, given.body
    assert given.json_body["user_notice"]["notified"]["at"] == sent.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    notice = given.json_body["user_notice"]
    assert notice["state"] == "notified"
    assert notice["notified"]["channel"] == "email" and notice["notified"]["text"] == NOTICE["text"]
    assert notice["notified"]["by"] == "rep-eu-okafor"
    again = give(client, issuer, clock, request["id"])
    assert (again.status_code, again.json_body["code"]) == (409, "already_notified")
    assert decide(client, issuer, clock, request["id"]).status_code == 200
    # The authority sees that and how the user was told, not the platform's words to them.
    theirs = seen(client, issuer, clock, request["id"], officer(issuer, clock))["user_notice"]
    assert theirs["state"] == "notified" and set(theirs["notified"]) == {"at", "channel"}
    kinds = [e["kind"] for e in trail(client, issuer, clock, request["id"])["events"]]
    assert kinds.index("user_notice_recorded") < kinds.index("decided")


def test_given_a_prohibition_at_filing_then_no_notice_while_it_runs_and_the_attempt_is_in_the_trail(
        client, issuer, clock):
    request = acknowledged(client, issuer, clock, non_disclosure=order(clock, days=20))
    notice = request["user_notice"]
    assert notice["state"] == "prohibited" and "document_id" not in notice["prohibition"]
    assert notice["prohibition"]["until"] == (clock.now() + timedelta(days=20)).date().isoformat()
    refused = give(client, issuer, clock, request["id"])
    assert (refused.status_code, refused.json_body["code"]) == (409, "notice_prohibited")
    assert seen(client, issuer, clock, request["id"])["user_notice"]["state"] == "prohibited"  # nothing stored
    # The data may go while the order runs; the notice falls due when it ends.
    done = decide(client, issuer, clock, request["id"])
    assert done.status_code == 200, done.body
    notice = done.json_body["user_notice"]
    assert notice["state"] == "prohibited" and notice["due_at"] == notice["prohibition"]["ends_at"]
    events = trail(client, issuer, clock, request["id"])["events"]
    refusals = [json.loads(e["detail"]) for e in events if e["kind"] == "refused"]
    assert [r["code"] for r in refusals] == ["notice_prohibited"]
    # The day after its last day, the notice may be given (the workflow marks it due; here the clock is moved).
    clock.advance(timedelta(days=21))
    assert give(client, issuer, clock, request["id"]).status_code == 200


@pytest.mark.parametrize("change, status, field", [
    ({"until": "2020-01-01"}, 422, "until"),
    ({"until": None}, 400, "non_disclosure"),
    ({"until": None, "indefinite": True}, 400, "non_disclosure"),
    ({"document_id": "DOC-AAAAAAAAAAAAAAAA"}, 400, "non_disclosure.document_id"),
    ({"legal_basis": ""}, 400, "non_disclosure.legal_basis"),
    ({"until": "2099-01-01"}, 422, "until"),
])
def test_given_a_bad_prohibition_at_filing_then_a_clear_4xx_and_nothing_stored(client, issuer, clock, change, status,
                                                                                field):
    body = submission(non_disclosure={**order(clock), **change})
    refused = post(client, "/v1/requests", body, officer(issuer, clock))
    assert refused.status_code == status, refused.body
    assert refused.json_body["field"].startswith(field)


def test_given_a_prohibition_declared_later_then_it_needs_the_order_of_this_request(client, issuer, clock):
    request = acknowledged(client, issuer, clock)
    rid = request["id"]
    without = declare(client, issuer, clock, rid, order(clock))
    assert (without.status_code, without.json_body["field"]) == (422, "document_id")
    unknown = declare(client, issuer, clock, rid, order(clock, document_id="DOC-AAAAAAAAAAAAAAAA"))
    assert (unknown.status_code, unknown.json_body["code"]) == (422, "document_unknown")
    other = filed(client, issuer, clock)
    elsewhere = stored_document(client, issuer, clock, other["id"])
    assert declare(client, issuer, clock, rid, order(clock, document_id=elsewhere)).json_body["code"] == \
        "document_unknown"
    document = stored_document(client, issuer, clock, rid)
    declared = declare(client, issuer, clock, rid, order(clock, document_id=document))
    assert declared.status_code == 200, declared.body
    prohibition = declared.json_body["user_notice"]["prohibition"]
    assert prohibition["document_id"] == document and prohibition["declared_by"] == "officer-1"
    # Replaced (renewed for longer): the earlier one is kept.
    renewed = declare(client, issuer, clock, rid, order(clock, days=60, document_id=document))
    assert renewed.status_code == 200
    assert renewed.json_body["user_notice"]["earlier_prohibitions"][0]["until"] == prohibition["until"]
    # Not another agency's, not a representative's, not on a stranger's request.
    assert declare(client, issuer, clock, rid, order(clock, document_id=document), agency=DE).status_code == 404
    as_rep = post(client, f"/v1/requests/{rid}/non-disclosure", order(clock, document_id=document),
                  rep(issuer, clock))
    assert as_rep.status_code == 403
    assert give(client, issuer, clock, rid, sub="rep-us-jordan").status_code in (403, 404)
    kinds = [e["kind"] for e in trail(client, issuer, clock, rid)["events"]]
    assert kinds.count("non_disclosure_declared") == 2


def test_given_a_fulfilled_request_when_the_authority_ends_its_order_then_the_notice_is_a_task(
        client, issuer, clock):
    request = acknowledged(client, issuer, clock, non_disclosure=order(clock))
    rid = request["id"]
    assert decide(client, issuer, clock, rid).status_code == 200
    assert rid not in tasks(client, issuer, clock)
    ended = post(client, f"/v1/requests/{rid}/non-disclosure/end", {"reason": "The court lifted the order."},
                 officer(issuer, clock))
    assert ended.status_code == 200, ended.body
    notice = ended.json_body["user_notice"]
    assert notice["state"] == "due" and notice["prohibition"]["ended_because"] == "The court lifted the order."
    assert notice["deadline"]  # seven days by the default policy
    assert rid in tasks(client, issuer, clock)
    assert rid not in tasks(client, issuer, clock, "us", "rep-us-jordan")
    again = post(client, f"/v1/requests/{rid}/non-disclosure/end", {"reason": "twice"}, officer(issuer, clock))
    assert (again.status_code, again.json_body["code"]) == (409, "no_prohibition")
    assert give(client, issuer, clock, rid).status_code == 200
    assert rid not in tasks(client, issuer, clock)
    late = declare(client, issuer, clock, rid, order(clock, document_id=stored_document(client, issuer, clock, rid)))
    assert (late.status_code, late.json_body["code"]) == (409, "already_notified")
    trail(client, issuer, clock, rid)


def test_given_a_removal_acted_on_then_its_notice_falls_due_at_once(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "content_removal")
    done = decide(client, issuer, clock, request["id"])
    assert done.status_code == 200, done.body
    notice = done.json_body["user_notice"]
    assert notice["state"] == "due" and request["id"] in tasks(client, issuer, clock)
    waived = post(client, f"/v1/requests/{request['id']}/user-notice/waive",
                  {"reason": "The account was deleted by its owner; there is nobody to tell."}, rep(issuer, clock))
    assert waived.status_code == 200
    assert waived.json_body["user_notice"]["state"] == "not_applicable"
    assert "account was deleted" in waived.json_body["user_notice"]["words"]
    # The authority learns that no notice will be given, not the desk's note about the user.
    told = seen(client, issuer, clock, request["id"], officer(issuer, clock))["user_notice"]
    assert told["state"] == "not_applicable" and "account was deleted" not in json.dumps(told)
    assert told["reason"] == "The platform recorded that no notice will be given to the user."
    assert request["id"] not in tasks(client, issuer, clock)
    assert give(client, issuer, clock, request["id"]).json_body["code"] == "notice_not_applicable"


def test_given_an_emergency_disclosure_then_the_notice_waits_for_the_policy_s_days(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "emergency_disclosure")
    rid = request["id"]
    assert post(client, f"/v1/requests/{rid}/verification", VERIFIED, rep(issuer, clock)).status_code == 200
    done = decide(client, issuer, clock, rid, sub="rep-eu-lindqvist")
    assert done.status_code == 200, done.body
    notice = done.json_body["user_notice"]
    assert notice["state"] == "delayed"
    assert notice["due_at"][:10] == (clock.now() + timedelta(days=14)).date().isoformat()


def test_given_an_emergency_order_shorter_than_the_delay_then_the_notice_waits_for_the_delay(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "emergency_disclosure", non_disclosure=order(clock, days=5))
    rid = request["id"]
    assert post(client, f"/v1/requests/{rid}/verification", VERIFIED, rep(issuer, clock)).status_code == 200
    disclosed = clock.now()
    done = decide(client, issuer, clock, rid, sub="rep-eu-lindqvist")
    notice = done.json_body["user_notice"]
    assert notice["state"] == "prohibited", done.body
    # The order ends after five days; the notice waits for the emergency's fourteen, as without an order.
    assert abs(parse_instant(notice["due_at"]) - (disclosed + timedelta(days=14))) < timedelta(seconds=5)
    item = LegalRequest.get(rid, consistent_read=True)
    assert item.notice_due_at == notice["due_at"] and item.notice_timer["due_at"] == notice["due_at"]


@pytest.mark.parametrize("ended_after_days, state", [(2, "delayed"), (20, "due")])
def test_given_an_emergency_order_ended_then_the_emergency_s_own_delay_still_counts_from_the_disclosure(
        client, issuer, clock, ended_after_days, state):
    request = acknowledged(client, issuer, clock, "emergency_disclosure", non_disclosure=order(clock))
    rid = request["id"]
    assert post(client, f"/v1/requests/{rid}/verification", VERIFIED, rep(issuer, clock)).status_code == 200
    disclosed = clock.now()
    done = decide(client, issuer, clock, rid, sub="rep-eu-lindqvist")
    assert done.status_code == 200 and done.json_body["user_notice"]["state"] == "prohibited", done.body
    clock.advance(timedelta(days=ended_after_days))
    ended = post(client, f"/v1/requests/{rid}/non-disclosure/end", {"reason": "Lifted."}, officer(issuer, clock))
    assert ended.status_code == 200, ended.body
    notice = ended.json_body["user_notice"]
    assert notice["state"] == state
    # Fourteen days after the disclosure (the emergency has passed), or now if they are over.
    expected = max(disclosed + timedelta(days=14), clock.now())
    assert abs(parse_instant(notice["due_at"]) - expected) < timedelta(seconds=5)
    assert (rid in tasks(client, issuer, clock)) == (state == "due")


@pytest.mark.parametrize("outcome, path", [("rejected", "decision"), ("withdrawn", "withdraw")])
def test_given_nothing_disclosed_then_no_notice_is_owed(client, issuer, clock, outcome, path):
    request = acknowledged(client, issuer, clock, non_disclosure=order(clock))
    if outcome == "rejected":
        ended = decide(client, issuer, clock, request["id"], "rejected")
    else:
        ended = post(client, f"/v1/requests/{request['id']}/withdraw", {"reason": "Case closed."},
                     officer(issuer, clock))
    assert ended.status_code == 200, ended.body
    notice = seen(client, issuer, clock, request["id"])["user_notice"]
    assert notice["state"] == "not_applicable" and "nothing was disclosed" in notice["reason"]
    assert give(client, issuer, clock, request["id"]).json_body["code"] == "notice_not_applicable"
    trail(client, issuer, clock, request["id"])


def test_given_an_indefinite_order_then_the_desk_challenges_it_and_the_authority_is_told(
        client, issuer, clock, monkeypatch):
    published = record_notices(monkeypatch)
    short = acknowledged(client, issuer, clock, non_disclosure=order(clock, days=90))
    within = post(client, f"/v1/requests/{short['id']}/non-disclosure/challenge", {"grounds": "Too long."},
                  rep(issuer, clock))
    assert (within.status_code, within.json_body["code"]) == (409, "prohibition_within_policy")
    review = (clock.now() + timedelta(days=180)).date().isoformat()
    request = acknowledged(client, issuer, clock, non_disclosure={"legal_basis": "18 USC 2705(b)", "indefinite": True,
                                                                  "review_on": review})
    assert request["user_notice"]["prohibition"]["review_on"] == review
    grounds = "An order without an end date: the DoJ's 2017 guidance keeps such orders to a year."
    challenged = post(client, f"/v1/requests/{request['id']}/non-disclosure/challenge", {"grounds": grounds},
                      rep(issuer, clock))
    assert challenged.status_code == 200, challenged.body
    assert challenged.json_body["user_notice"]["challenges"][0]["grounds"] == grounds
    assert challenged.json_body["user_notice"]["state"] == "prohibited"  # still respected
    assert any(audience == "agency" and grounds in text for audience, _, text in published())
    theirs = seen(client, issuer, clock, request["id"], officer(issuer, clock))["user_notice"]
    assert theirs["challenges"][0]["grounds"] == grounds
    timeline = client.http.get(f"/v1/requests/{request['id']}/events", headers=officer(issuer, clock)).json_body
    assert "non_disclosure_challenged" in [e["kind"] for e in timeline["events"]]
    by_officer = post(client, f"/v1/requests/{request['id']}/non-disclosure/challenge", {"grounds": "x"},
                      officer(issuer, clock))
    assert by_officer.status_code == 403


def test_given_a_notice_due_when_the_authority_then_declares_an_order_then_the_task_waits_for_its_end(
        client, issuer, clock):
    request = acknowledged(client, issuer, clock, "content_removal")
    rid = request["id"]
    assert decide(client, issuer, clock, rid).json_body["user_notice"]["state"] == "due"
    assert rid in tasks(client, issuer, clock)
    declared = declare(client, issuer, clock, rid, order(clock, days=10,
                                                         document_id=stored_document(client, issuer, clock, rid)))
    assert declared.status_code == 200, declared.body
    notice = declared.json_body["user_notice"]
    assert notice["state"] == "prohibited" and notice["due_at"] == notice["prohibition"]["ends_at"]
    assert rid not in tasks(client, issuer, clock)
    assert give(client, issuer, clock, rid).json_body["code"] == "notice_prohibited"
    trail(client, issuer, clock, rid)


def test_given_declarations_and_challenges_without_end_then_each_is_capped(client, issuer, clock, monkeypatch):
    from chalicelib.services import user_notice as service

    monkeypatch.setattr(service, "MAX_DECLARATIONS", 2)
    monkeypatch.setattr(service, "MAX_CHALLENGES", 1)
    review = (clock.now() + timedelta(days=180)).date().isoformat()
    indefinite = {"legal_basis": "Court order 26-114", "indefinite": True, "review_on": review}
    request = acknowledged(client, issuer, clock, non_disclosure=indefinite)
    rid = request["id"]
    document = stored_document(client, issuer, clock, rid)
    assert declare(client, issuer, clock, rid, {**indefinite, "document_id": document}).status_code == 200
    capped = declare(client, issuer, clock, rid, {**indefinite, "document_id": document})
    assert (capped.status_code, capped.json_body["code"]) == (409, "declaration_cap_reached")
    path = f"/v1/requests/{rid}/non-disclosure/challenge"
    assert post(client, path, {"grounds": "No end date."}, rep(issuer, clock)).status_code == 200
    again = post(client, path, {"grounds": "Still no end date."}, rep(issuer, clock))
    assert (again.status_code, again.json_body["code"]) == (409, "challenge_cap_reached")
    assert len(seen(client, issuer, clock, rid)["user_notice"]["challenges"]) == 1
