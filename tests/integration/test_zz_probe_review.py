"""Throwaway review probes (to be deleted)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.clock import isoformat, parse_instant
from tests.helpers import DE, authority, bearer, post, submission
from tests.integration.test_certificates import epoc, epoc_pr, officer_headers, rep_headers, tco_ro
from tests.integration.test_certificate_answers import acknowledged, act, by_authority, preserved


@pytest.fixture
def clock(clock_from_now):
    return clock_from_now


@pytest.fixture
def answers(monkeypatch):
    from chalicelib.workflow.client import Workflow
    sent = []
    real = Workflow.answer

    def answer(self, token, output):
        sent.append(output)
        return real(self, token, output)
    monkeypatch.setattr(Workflow, "answer", answer)
    return sent


def test_probe_pause_during_enforcing_wait_then_seconds(client, issuer, clock, answers):
    request = acknowledged(client, issuer, clock, "data_disclosure", epoc(), data_categories=["subscriber", "traffic"])
    clock.advance(timedelta(days=1))
    asked = act(client, issuer, clock, request, "request-information", {"question": "Which account?"})
    assert asked.status_code == 200, asked.body
    clock.advance(timedelta(days=3))
    said = post(client, f"/v1/requests/{request['id']}/messages", {"body": "That one."}, officer_headers(issuer, clock))
    assert said.status_code == 200, said.body
    resumed = [a for a in answers if a.get("event") == "resumed"][-1]
    body = said.json_body
    wait_until = parse_instant(body["enforcing_authority"]["wait_until"])
    due = parse_instant(body["due_at"])
    print("\nPROBE resumed payload:", resumed)
    print("PROBE due_at", body["due_at"], "wait_until", body["enforcing_authority"]["wait_until"],
          "due-wait_until(s)=", (due - wait_until).total_seconds(), "then_seconds=", resumed["enforcing"]["then_seconds"])


def test_probe_server_owned_fields(client, issuer, clock):
    for field, value in (("official_answers", [{"form": "TCO Annex II"}]), ("enforcing_wait_over", True),
                         ("official_form_pdfs", [{"form_index": -1}])):
        body = submission("data_disclosure", certificate=epoc(), data_categories=["subscriber"], **{field: value})
        got = post(client, "/v1/requests", body, officer_headers(issuer, clock))
        print("\nPROBE", field, got.status_code, (got.json_body or {}).get("code"))


def test_probe_release_hold_other_region_rep(client, issuer, clock):
    request = preserved(client, issuer, clock)
    us = bearer(issuer.mint(role="representative", sub="rep-us-jordan", region="us", mfa=True,
                            now=clock.now().timestamp()))
    got = post(client, f"/v1/requests/{request['id']}/release-hold", {"reason": "x"}, us)
    print("\nPROBE us rep release:", got.status_code, got.json_body)
    de = post(client, f"/v1/requests/{request['id']}/release-hold", {"reason": "x"}, authority(issuer, DE, mfa=True))
    print("PROBE DE officer release:", de.status_code, de.json_body)
    de2 = post(client, f"/v1/requests/{request['id']}/production-follows", {"production_reference": "x"},
               authority(issuer, DE, mfa=True))
    print("PROBE DE officer production-follows:", de2.status_code, de2.json_body)


def test_probe_identical_answers_same_instant(client, issuer, clock, monkeypatch):
    alerts = []
    from chalicelib.notify.publisher import Publisher
    monkeypatch.setattr(Publisher, "alert_operators", lambda self, text, rid=None: alerts.append(text))
    request = acknowledged(client, issuer, clock, "terrorist_content_removal", tco_ro())
    body = {"reasons": ["force_majeure"], "explanation": "Power cut."}
    assert act(client, issuer, clock, request, "removal-impossibility", body).status_code == 200
    assert act(client, issuer, clock, request, "obstacle-ended", {}).status_code == 200
    again = act(client, issuer, clock, request, "removal-impossibility", body)
    print("\nPROBE second annex III:", again.status_code)
    pdfs = again.json_body.get("official_form_pdfs")
    print("PROBE pdfs:", [(p["form_index"], p["document_id"]) for p in pdfs])
    print("PROBE answers at:", [(a["form"], a["at"]) for a in again.json_body["official_answers"]])
    print("PROBE alerts:", alerts)
