"""Issue 15, point 4: the answers to EU orders as forms, and the EPOC-PR's follow-ups.

- a fulfilment of a certificate is kept as the answer it sends; a TCO removal order's is its Annex II feedback
  (what was done, and when), required there and refused anywhere else;
- TCO Annex III stops the removal order's hour; it runs again, a full hour, once the desk records that the obstacle
  ended (force majeure, de facto impossibility) or the authority clarifies (manifest errors, insufficient
  information);
- e-Evidence Annex V (a production request follows) keeps the preserved data with no end date until one side
  releases the hold; Annex VI (an extension) is kept as a form on an EPOC-PR, and refused on an expired preservation.
Each answer is structured data on the request (``official_answers``), bound by the audit trail, and a notice.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.clock import isoformat, parse_instant
from chalicelib.services.official_forms import RENDERED
from tests.helpers import post, submission
from tests.integration.test_certificates import epoc, epoc_pr, officer_headers, rep_headers, tco_ro


@pytest.fixture
def clock(clock_from_now):
    return clock_from_now


@pytest.fixture
def told(monkeypatch):
    """The notices to agencies, as published."""
    from chalicelib.notify.publisher import Publisher

    sent: list[tuple[str, str]] = []
    real = Publisher.publish

    def publish(self, agency_id, request_id, kind, notice):
        sent.append((kind, notice.text))
        return real(self, agency_id, request_id, kind, notice)

    monkeypatch.setattr(Publisher, "publish", publish)
    return sent


def acknowledged(client, issuer, clock, kind: str, certificate: dict | None, **overrides) -> dict:
    body = submission(kind, **({"certificate": certificate} if certificate else {}), **overrides)
    created = post(client, "/v1/requests", body, officer_headers(issuer, clock))
    assert created.status_code == 201, created.body
    request = created.json_body
    acked = post(client, f"/v1/requests/{request['id']}/acknowledge", {},
                 rep_headers(issuer, request["assignee"], clock))
    assert acked.status_code == 200, acked.body
    return request


def now(clock):
    """The clock's time as the API stores it (to the millisecond)."""
    return parse_instant(isoformat(clock.now()))


def act(client, issuer, clock, request: dict, path: str, body: dict):
    return post(client, f"/v1/requests/{request['id']}/{path}", body, rep_headers(issuer, request["assignee"], clock))


def by_authority(client, issuer, clock, request: dict, path: str, body: dict):
    return post(client, f"/v1/requests/{request['id']}/{path}", body, officer_headers(issuer, clock))


def trail_verified(client, issuer, request_id: str, clock) -> list[str]:
    from tests.helpers import bearer

    auditor = bearer(issuer.mint(role="admin", sub="admin-1", mfa=True, now=clock.now().timestamp()))
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=auditor).json_body
    assert trail["verified"] is True, trail
    return [event["kind"] for event in trail["events"]]


def last_kind(client, issuer, request_id: str, clock) -> str:
    """The kind of the latest event, past the PDF of the form the change sent (``official_form_rendered``)."""
    return [k for k in trail_verified(client, issuer, request_id, clock) if k != RENDERED][-1]


# --- TCO Annex II: the feedback of a fulfilled removal order ------------------------------------------------------

def test_given_a_removal_order_fulfilled_then_its_annex_ii_feedback_is_kept_and_sent(client, issuer, clock, told):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    clock.advance(timedelta(minutes=20))
    done = isoformat(clock.now() - timedelta(minutes=2))
    decided = act(client, issuer, clock, request, "decision", {
        "outcome": "fulfilled", "note": "Both copies removed.", "removal": {"action": "removed", "done_at": done}})
    assert decided.status_code == 200, decided.body
    (form,) = decided.json_body["official_answers"]
    assert form == {"form": "TCO Annex II", "certificate": "TCO-RO", "action": "removed", "done_at": done,
                    "outcome": "fulfilled", "note": "Both copies removed.", "by": request["assignee"],
                    "at": decided.json_body["decided_at"]}
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["official_answers"] == [form]  # the authority has it as structured data
    assert any(kind == "decided" and "Answered with: TCO Annex II" in text for kind, text in told)
    assert last_kind(client, issuer, request["id"], clock) == "decided"


@pytest.mark.parametrize(("removal", "code"), [
    (None, "removal_feedback_required"),
    ({"action": "disabled", "done_at": "2020-01-01T00:00:00Z"}, "invalid_field"),  # before the order arrived
    ({"action": "disabled", "done_at": "2099-01-01T00:00:00+02:00"}, "invalid_field"),  # in the future
])
def test_given_a_removal_order_fulfilled_without_true_feedback_then_422_and_nothing_changes(
        client, issuer, clock, removal, code):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    body = {"outcome": "fulfilled", **({"removal": removal} if removal else {})}
    refused = act(client, issuer, clock, request, "decision", body)
    assert (refused.status_code, refused.json_body["code"]) == (422, code), refused.body
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["status"] == "acknowledged" and not seen.get("official_answers")


@pytest.mark.parametrize("body", [
    {"outcome": "fulfilled", "removal": {"action": "removed", "done_at": "2026-13-45T09:00:00Z"}},  # no such day
    {"outcome": "fulfilled", "removal": {"action": "removed", "done_at": "2026-12-01T25:61:00Z"}},
    {"outcome": "fulfilled", "removal": {"action": "removed", "done_at": "2026-12-01T09:00:00+99:99"}},
    {"outcome": "fulfilled", "removal": {"action": "shredded", "done_at": "2026-12-01T09:00:00Z"}},
    {"outcome": "fulfilled", "removal": {"action": "removed", "done_at": "yesterday"}},
    {"outcome": "fulfilled", "removal": {"action": "removed"}},
])
def test_given_malformed_feedback_then_400(client, issuer, clock, body):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    assert act(client, issuer, clock, request, "decision", body).status_code == 400


def test_given_another_request_then_removal_feedback_is_not_taken(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "data_disclosure", epoc(), data_categories=["subscriber"])
    refused = act(client, issuer, clock, request, "decision", {
        "outcome": "fulfilled", "removal": {"action": "removed", "done_at": isoformat(clock.now())}})
    assert (refused.status_code, refused.json_body["code"]) == (422, "removal_not_applicable")


def test_given_an_epoc_fulfilled_then_the_fulfilment_is_kept_as_its_answer(client, issuer, clock, told):
    request = acknowledged(client, issuer, clock, "data_disclosure", epoc(), data_categories=["subscriber"])
    decided = act(client, issuer, clock, request, "decision", {"outcome": "partially_fulfilled", "reason": "no_data",
                                                               "note": "Only the subscriber record exists."})
    assert decided.status_code == 200, decided.body
    (form,) = decided.json_body["official_answers"]
    assert (form["form"], form["certificate"], form["outcome"]) == ("fulfilment", "EPOC", "partially_fulfilled")
    assert any("Answered with: fulfilment" in text for _, text in told)


def test_given_a_request_not_filed_as_a_certificate_then_a_decision_keeps_no_form(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", None)
    decided = act(client, issuer, clock, request, "decision", {"outcome": "fulfilled"})
    assert decided.status_code == 200 and not decided.json_body.get("official_answers")


# --- TCO Annex III: the hour stops, and runs again ----------------------------------------------------------------

def test_given_force_majeure_then_the_hour_stops_and_runs_again_in_full_when_the_obstacle_ends(
        client, issuer, clock, told):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    clock.advance(timedelta(minutes=40))
    stopped = act(client, issuer, clock, request, "removal-impossibility", {
        "reasons": ["force_majeure"], "explanation": "Our EU data centre is without power; removal is impossible."})
    assert stopped.status_code == 200, stopped.body
    assert stopped.json_body["status"] == "awaiting_information"
    (form,) = stopped.json_body["official_answers"]
    assert (form["form"], form["reasons"], form["effect"]) == ("TCO Annex III", ["force_majeure"], "clock_stopped")
    assert any(kind == "removal_stopped" and "Annex III (TCO Regulation)" in text and "Nothing is asked of you" in text
               for kind, text in told)
    clock.advance(timedelta(hours=3))  # the outage lasts three hours; the order's hour does not run meanwhile
    ended = act(client, issuer, clock, request, "obstacle-ended", {"note": "Power restored at 04:10."})
    assert ended.status_code == 200, ended.body
    assert ended.json_body["status"] == "acknowledged"
    assert parse_instant(ended.json_body["due_at"]) == now(clock) + timedelta(hours=1)  # a full hour from now
    assert any(kind == "obstacle_ended" for kind, _ in told)
    again = act(client, issuer, clock, request, "obstacle-ended", {})
    assert (again.status_code, again.json_body["code"]) == (409, "no_obstacle")
    timeline = client.http.get(f"/v1/requests/{request['id']}/events",
                               headers=officer_headers(issuer, clock)).json_body["events"]
    assert "obstacle_ended" in [event["kind"] for event in timeline]  # the authority sees the restart
    assert trail_verified(client, issuer, request["id"], clock)


def test_given_manifest_errors_then_the_authority_s_clarification_restarts_the_hour(client, issuer, clock, told):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    stopped = act(client, issuer, clock, request, "removal-impossibility", {
        "reasons": ["manifest_errors"], "explanation": "The URL in section B points to a deleted page."})
    assert stopped.status_code == 200
    assert any(kind == "information_requested" and "until you clarify" in text for kind, text in told)
    not_an_obstacle = act(client, issuer, clock, request, "obstacle-ended", {})
    assert (not_an_obstacle.status_code, not_an_obstacle.json_body["code"]) == (409, "no_obstacle")
    clock.advance(timedelta(hours=2))
    post(client, f"/v1/requests/{request['id']}/messages", {"body": "Correct URL: https://platform.example/c/9"},
         officer_headers(issuer, clock))
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["status"] == "acknowledged"
    assert parse_instant(seen["due_at"]) == now(clock) + timedelta(hours=1)


def test_given_force_majeure_then_an_officer_s_message_does_not_restart_the_hour(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    act(client, issuer, clock, request, "removal-impossibility", {"reasons": ["force_majeure"],
                                                                  "explanation": "Data centre flooded."})
    said = post(client, f"/v1/requests/{request['id']}/messages", {"body": "Please hurry."},
                officer_headers(issuer, clock))
    assert said.status_code == 200, said.body
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["status"] == "awaiting_information"  # Art. 3(7): the hour waits for the obstacle's end
    assert act(client, issuer, clock, request, "obstacle-ended", {}).status_code == 200


def test_given_the_obstacle_ended_then_a_later_question_is_answered_as_any_other(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    act(client, issuer, clock, request, "removal-impossibility", {"reasons": ["force_majeure"], "explanation": "x"})
    clock.advance(timedelta(minutes=5))
    act(client, issuer, clock, request, "obstacle-ended", {})
    clock.advance(timedelta(minutes=5))
    asked = act(client, issuer, clock, request, "request-information", {"question": "Which of the two URLs?"})
    assert asked.status_code == 200, asked.body
    early = act(client, issuer, clock, request, "obstacle-ended", {})
    assert (early.status_code, early.json_body["code"]) == (409, "no_obstacle")  # this pause is a question
    post(client, f"/v1/requests/{request['id']}/messages", {"body": "Both."}, officer_headers(issuer, clock))
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["status"] == "acknowledged"


def test_given_a_hold_past_its_end_then_it_cannot_be_released(client, issuer, clock):
    request = preserved(client, issuer, clock)
    clock.advance(timedelta(days=61))
    refused = act(client, issuer, clock, request, "release-hold", {"reason": "Executed."})
    assert (refused.status_code, refused.json_body["code"]) == (409, "hold_not_active")


@pytest.mark.parametrize(("kind", "certificate"), [
    ("data_disclosure", epoc()), ("terrorist_content_removal", None)])
def test_given_a_request_not_filed_as_a_removal_order_then_tco_annex_iii_is_409(client, issuer, clock, kind,
                                                                                 certificate):
    request = acknowledged(client, issuer, clock, kind, certificate, data_categories=["subscriber"]) \
        if kind == "data_disclosure" else acknowledged(client, issuer, clock, kind, certificate)
    refused = act(client, issuer, clock, request, "removal-impossibility", {"reasons": ["force_majeure"],
                                                                            "explanation": "x"})
    assert (refused.status_code, refused.json_body["code"]) == (409, "not_a_removal_order")


@pytest.mark.parametrize("body", [
    {"reasons": ["data_not_stored"], "explanation": "x"},  # an e-Evidence reason, not one of TCO Art. 3
    {"reasons": [], "explanation": "x"},
    {"reasons": ["force_majeure", "force_majeure"], "explanation": "x"},
    {"reasons": ["force_majeure"], "explanation": ""},
])
def test_given_bad_tco_annex_iii_then_400(client, issuer, clock, body):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    assert act(client, issuer, clock, request, "removal-impossibility", body).status_code == 400


# --- e-Evidence Annexes V and VI: the preservation's follow-ups --------------------------------------------------

def preserved(client, issuer, clock, certificate=None) -> dict:
    request = acknowledged(client, issuer, clock, "preservation", certificate or epoc_pr())
    decided = act(client, issuer, clock, request, "decision", {"outcome": "fulfilled"})
    assert decided.status_code == 200, decided.body
    assert decided.json_body["hold"]["state"] == "active"
    return request


def test_given_annex_v_then_the_data_are_kept_until_production_with_no_end(client, issuer, clock):
    request = preserved(client, issuer, clock)
    clock.advance(timedelta(days=50))
    confirmed = by_authority(client, issuer, clock, request, "production-follows",
                             {"production_reference": "EPOC PV-2026-0042", "note": "Issued today."})
    assert confirmed.status_code == 200, confirmed.body
    body = confirmed.json_body
    assert body["hold"]["state"] == "until_production" and body["hold"].get("expires_at") is None
    annex_v = body["official_answers"][-1]
    assert (annex_v["form"], annex_v["production_reference"]) == ("e-Evidence Annex V", "EPOC PV-2026-0042")
    again = by_authority(client, issuer, clock, request, "production-follows", {"production_reference": "x"})
    assert (again.status_code, again.json_body["code"]) == (409, "hold_until_production")
    extend = by_authority(client, issuer, clock, request, "extend", {})
    assert (extend.status_code, extend.json_body["code"]) == (409, "hold_until_production")
    clock.advance(timedelta(days=200))  # long after the 60 (+30) days: still kept
    released = act(client, issuer, clock, request, "release-hold",
                   {"reason": "Production order EPOC PV-2026-0042 executed (request LR-...)."})
    assert released.status_code == 200, released.body
    assert released.json_body["hold"]["state"] == "released"
    kinds = [k for k in trail_verified(client, issuer, request["id"], clock) if k not in {"refused", RENDERED}]
    assert kinds[-2:] == ["production_follows", "hold_released"]


def test_given_an_expired_preservation_then_annex_v_and_annex_vi_are_refused(client, issuer, clock):
    request = preserved(client, issuer, clock)
    clock.advance(timedelta(days=61))  # past the 60 days (the workflow marks it expired at its timer)
    for path, body in (("extend", {}), ("production-follows", {"production_reference": "EPOC 7"})):
        refused = by_authority(client, issuer, clock, request, path, body)
        assert (refused.status_code, refused.json_body["code"]) == (409, "hold_not_active"), path
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert not any(a["form"].startswith("e-Evidence Annex V") for a in seen.get("official_answers") or [])


def test_given_annex_vi_on_an_epoc_pr_then_the_extension_is_kept_as_the_form(client, issuer, clock):
    request = preserved(client, issuer, clock)
    clock.advance(timedelta(days=55))
    extended = by_authority(client, issuer, clock, request, "extend", {})
    assert extended.status_code == 200, extended.body
    annex_vi = extended.json_body["official_answers"][-1]
    assert annex_vi["form"] == "e-Evidence Annex VI"
    assert parse_instant(annex_vi["expires_at_after"]) - parse_instant(annex_vi["expires_at_before"]) == \
        timedelta(days=30)
    assert last_kind(client, issuer, request["id"], clock) == "hold_extended"


def test_given_a_preservation_not_filed_as_an_epoc_pr_then_annex_v_is_409(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "preservation", None)
    act(client, issuer, clock, request, "decision", {"outcome": "fulfilled"})
    refused = by_authority(client, issuer, clock, request, "production-follows", {"production_reference": "x"})
    assert (refused.status_code, refused.json_body["code"]) == (409, "not_an_epoc_pr")


def test_given_no_hold_then_release_is_409_and_another_agency_gets_404(client, issuer, clock):
    from tests.helpers import DE, authority

    request = acknowledged(client, issuer, clock, "preservation", epoc_pr())
    refused = by_authority(client, issuer, clock, request, "release-hold", {"reason": "No longer needed."})
    assert (refused.status_code, refused.json_body["code"]) == (409, "hold_not_active")
    other = post(client, f"/v1/requests/{request['id']}/release-hold", {"reason": "x"}, authority(issuer, DE))
    assert other.status_code == 404


# --- Point 5: each certificate and answer as a PDF, in the evidence bucket, downloadable, hashed in the trail -------

def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def downloaded(client, headers: dict, request_id: str, document_id: str) -> bytes:
    import requests as http

    got = client.http.get(f"/v1/requests/{request_id}/documents/{document_id}", headers=headers)
    assert got.status_code == 200, got.body
    return http.get(got.json_body["download"]["url"], timeout=10).content


def test_given_a_certificate_and_its_answers_then_each_is_a_pdf_both_sides_download_with_its_hash_in_the_trail(
        client, issuer, clock):
    import hashlib

    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    stopped = act(client, issuer, clock, request, "removal-impossibility", {
        "reasons": ["force_majeure"], "explanation": "Power cut in the Frankfurt region."})
    act(client, issuer, clock, request, "obstacle-ended", {})
    clock.advance(timedelta(minutes=10))
    done = isoformat(clock.now() - timedelta(minutes=1))
    decided = act(client, issuer, clock, request, "decision", {
        "outcome": "fulfilled", "removal": {"action": "disabled", "done_at": done}})
    assert stopped.status_code == decided.status_code == 200, decided.body
    pdfs = {entry["form_index"]: entry for entry in decided.json_body["official_form_pdfs"]}
    assert set(pdfs) == {-1, 0, 1}  # the certificate, Annex III, Annex II
    assert [pdfs[0]["form"], pdfs[1]["form"]] == ["TCO Annex III", "TCO Annex II"]
    details = [json.loads(e["detail"]) if isinstance(e["detail"], str) else e["detail"]
               for e in _trail(client, issuer, request["id"], clock) if e["kind"] == RENDERED]
    trail = {detail["form_index"]: detail for detail in details}
    officer, desk = officer_headers(issuer, clock), rep_headers(issuer, request["assignee"], clock)
    expected = {
        -1: ["TCO-FR-2026-001", "https://platform.example/c/123/m/456", "A call to attack named places."],
        0: ["Power cut in the Frankfurt region.", "Annex III"],
        1: ["Annex II", done[:10]],
    }
    for index, entry in pdfs.items():
        assert trail[index]["sha256"] == entry["sha256"]  # the trail binds the PDF's hash
        for headers in (officer, desk):
            data = downloaded(client, headers, request["id"], entry["document_id"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and data.startswith(b"%PDF-")
        text = pdf_text(data)
        for value in expected[index]:
            assert value in text, (index, value)
    listed = client.http.get(f"/v1/requests/{request['id']}/documents", headers=officer).json_body
    names = {d["document_id"]: d["filename"] for d in listed["items"]}
    assert names[pdfs[-1]["document_id"]] == f"{request['id']}-TCO-RO.pdf"
    kinds = [e["kind"] for e in _trail(client, issuer, request["id"], clock)]
    assert kinds.count("document_downloaded") == 6  # every download is audited


def test_given_the_pdf_cannot_be_stored_then_the_filing_stands_and_the_next_change_draws_it(
        client, issuer, clock, monkeypatch):
    from chalicelib.services import official_forms

    def broken(*args, **kwargs):
        raise RuntimeError("the evidence bucket refused the PDF")

    monkeypatch.setattr(official_forms.OfficialForms, "_keep", broken)
    request = acknowledged(client, issuer, clock, "preservation", epoc_pr())
    seen = client.http.get(f"/v1/requests/{request['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["certificate"] == epoc_pr() and not seen.get("official_form_pdfs")
    monkeypatch.undo()
    decided = act(client, issuer, clock, request, "decision", {"outcome": "fulfilled"})
    assert decided.status_code == 200, decided.body
    assert [e["form_index"] for e in decided.json_body["official_form_pdfs"]] == [-1, 0]


def _trail(client, issuer, request_id: str, clock) -> list[dict]:
    from tests.helpers import bearer

    auditor = bearer(issuer.mint(role="admin", sub="admin-1", mfa=True, now=clock.now().timestamp()))
    trail = client.http.get(f"/v1/requests/{request_id}/audit", headers=auditor).json_body
    assert trail["verified"] is True, trail
    return trail["events"]


# --- What a review found ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("certificate", [epoc(), epoc_pr()])
def test_given_an_eevidence_order_then_it_is_not_simply_rejected_but_answered_with_annex_iii(
        client, issuer, clock, certificate):
    kind = "preservation" if certificate["form"] == "EPOC-PR" else "data_disclosure"
    request = acknowledged(client, issuer, clock, kind, certificate, data_categories=["subscriber"])
    refused = act(client, issuer, clock, request, "decision", {"outcome": "rejected", "reason": "no_data"})
    assert (refused.status_code, refused.json_body["code"]) == (422, "annex_iii_required")
    assert "/impossibility" in refused.json_body["message"]


def test_given_a_tco_annex_iii_mixing_an_obstacle_and_a_question_then_422(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    refused = act(client, issuer, clock, request, "removal-impossibility", {
        "reasons": ["force_majeure", "manifest_errors"], "explanation": "x"})
    assert (refused.status_code, refused.json_body["code"]) == (422, "tco_reasons_mixed")


def test_given_a_running_hold_then_the_desk_cannot_end_it_early(client, issuer, clock):
    request = preserved(client, issuer, clock)
    refused = act(client, issuer, clock, request, "release-hold", {"reason": "Case closed."})
    assert (refused.status_code, refused.json_body["code"]) == (409, "hold_release_by_authority")
    assert by_authority(client, issuer, clock, request, "release-hold", {"reason": "Case closed."}).status_code == 200


def test_given_two_answers_drawn_alike_then_each_has_its_own_pdf(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    same = {"reasons": ["force_majeure"], "explanation": "Flood."}
    act(client, issuer, clock, request, "removal-impossibility", same)
    act(client, issuer, clock, request, "obstacle-ended", {})
    again = act(client, issuer, clock, request, "removal-impossibility", same)  # the same instant, the same bytes
    pdfs = again.json_body["official_form_pdfs"]
    assert [p["form_index"] for p in pdfs] == [-1, 0, 1]
    assert pdfs[1]["sha256"] == pdfs[2]["sha256"] and pdfs[1]["document_id"] != pdfs[2]["document_id"]


def stored(request_id: str):
    from chalicelib.store.models import LegalRequest

    return LegalRequest.get(request_id, consistent_read=True)


def test_given_a_pause_during_the_enforcing_wait_then_the_workflow_gets_the_moved_due_date(client, issuer, clock):
    from chalicelib.settings import get_settings

    request = acknowledged(client, issuer, clock, "data_disclosure", epoc(), data_categories=["traffic"])
    timer = stored(request["id"]).enforcing_timer
    assert timer["due_at"] == request["due_at"] and timer["wait_until"] == request["enforcing_authority"]["wait_until"]
    clock.advance(timedelta(days=1))
    act(client, issuer, clock, request, "request-information", {"question": "Which account exactly?"})
    clock.advance(timedelta(days=3))
    post(client, f"/v1/requests/{request['id']}/messages", {"body": "suspect_account_42"}, officer_headers(issuer, clock))
    item = stored(request["id"])
    assert parse_instant(item.due_at) - parse_instant(request["due_at"]) == timedelta(days=3)
    timer = item.enforcing_timer
    assert timer["due_at"] == item.due_at  # the decision clock after the wait runs to the moved due date
    scale = get_settings().sla_time_scale
    assert timer["then_seconds"] == max(1, -(-(parse_instant(item.due_at) - parse_instant(timer["wait_until"]))
                                              .total_seconds() // scale))


def test_given_the_wait_ran_out_while_paused_then_the_workflow_still_records_its_end(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "data_disclosure", epoc(), data_categories=["content"])
    act(client, issuer, clock, request, "request-information", {"question": "Which period?"})
    clock.advance(timedelta(days=12))
    post(client, f"/v1/requests/{request['id']}/messages", {"body": "October."}, officer_headers(issuer, clock))
    timer = stored(request["id"]).enforcing_timer
    assert timer is not None and timer["wait_seconds"] == 1  # a second: then the end is recorded, and told


def test_given_no_ground_then_the_workflow_s_timer_is_dropped(client, issuer, clock):
    request = acknowledged(client, issuer, clock, "data_disclosure", epoc(), data_categories=["content"])
    assert stored(request["id"]).enforcing_timer is not None
    post(client, f"/v1/requests/{request['id']}/enforcing-authority",
         {"answer": "no_ground", "authority": "Parquet de Luxembourg"}, rep_headers(issuer, request["assignee"], clock))
    assert stored(request["id"]).enforcing_timer is None
