"""The answers to EU orders in a real browser, against `make run` (issue 15, point 4 on the pages).

A representative answers a TCO removal order (TCO-RO) with its Annex III (force majeure), records that the
obstacle ended (the hour restarts), then fulfils it: first without the Annex II feedback (the API's 422 beside the
decision form, what was chosen kept), then saying the content was removed, at the time filled in. An officer
confirms with e-Evidence Annex V that a production request follows a fulfilled EPOC-PR, then ends the hold. Each
state is looked at by axe-core at 390 and 1280 px (``shoot``) and must show nothing; screenshots go to
build/screenshots/ (forms inside <details> are shot open).
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_console_browser import chromium, desk, shoot, signed_in  # noqa: F401
from tests.integration.test_certificates import epoc_pr, tco_ro

pytestmark = pytest.mark.e2e


def representative_token(desk, rep_id: str) -> str:  # noqa: F811
    tokens = json.loads((desk.running.state_dir / "tokens.json").read_text())
    return next(r["token"] for r in tokens["representatives"] if r["rep_id"] == rep_id)


def as_rep(desk, request: dict, path: str, body: dict) -> dict:  # noqa: F811
    answer = requests.post(f"{desk.url}/v1/requests/{request['id']}/{path}", json=body, timeout=30,
                           headers={"Authorization": f"Bearer {representative_token(desk, request['assignee'])}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_details(page, summary: str) -> None:
    page.locator("summary", has_text=summary).click()


def test_given_a_removal_order_then_the_desk_answers_with_annex_iii_restarts_the_hour_and_fulfils_with_annex_ii(
        chromium, desk):  # noqa: F811
    order = desk.file(desk.fr, "terrorist_content_removal", certificate=tco_ro(), reference="TCO-BROWSER-ANNEX")
    context, page = signed_in(chromium, desk, order["assignee"], start=f"/console/requests/{order['id']}")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged: escalation stopped.")).to_be_visible()

    # TCO Annex III: force majeure stops the hour.
    open_details(page, "Answer with TCO Annex III")
    page.get_by_role("checkbox", name=re.compile("^Force majeure")).check()
    page.get_by_label("Explanation: what stands in the way").fill(
        "Our EU data centre is without power since 03:02; removal is impossible until it is restored.")
    shoot(page, "console-tco-annex-iii-form")
    page.get_by_role("button", name="Send TCO Annex III").click()
    expect(page.get_by_text("TCO Annex III sent to the issuing authority")).to_be_visible()
    expect(page.get_by_text("The removal order's hour is stopped: you answered with TCO Annex III")).to_be_visible()
    answers = page.locator("ol.answers")
    expect(answers).to_contain_text("TCO Annex III: the content cannot be removed within the hour")
    expect(answers).to_contain_text("Reasons: Force majeure.")
    assert desk.seen_by_authority(order["id"])["status"] == "awaiting_information"
    shoot(page, "console-tco-stopped")

    # The obstacle ends: the hour runs again, in full.
    page.get_by_label("Note (optional: when and how it ended)").fill("Power restored at 04:10.")
    page.get_by_role("button", name="The obstacle has ended (the hour restarts)").click()
    expect(page.get_by_text("Obstacle ended: the removal order's hour runs again")).to_be_visible()
    expect(page.get_by_role("button", name="The obstacle has ended (the hour restarts)")).to_have_count(0)
    assert desk.seen_by_authority(order["id"])["status"] == "acknowledged"
    shoot(page, "console-tco-restarted")

    # Fulfilled without the Annex II feedback: the API's 422 beside the decision form, the choice kept.
    page.get_by_label("Outcome", exact=True).select_option("fulfilled")
    page.get_by_label("Note", exact=True).fill("Both copies.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#refusal-decision")).to_contain_text("TCO Regulation Annex II")
    expect(page.get_by_label("Outcome", exact=True)).to_have_value("fulfilled")
    expect(page.get_by_label("Note", exact=True)).to_have_value("Both copies.")
    shoot(page, "console-tco-annex-ii-missing")
    filled_in = page.get_by_label("When (UTC)").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", filled_in), filled_in
    page.get_by_role("radio", name="Removed", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    seen = desk.seen_by_authority(order["id"])
    assert seen["status"] == "fulfilled"
    annex_ii = seen["official_answers"][-1]
    assert (annex_ii["form"], annex_ii["action"]) == ("TCO Annex II", "removed")
    assert annex_ii["done_at"].startswith(filled_in[:16])  # the time shown, read as UTC
    expect(page.locator("ol.answers")).to_contain_text("TCO Annex II: feedback on the removal")
    expect(page.locator("ol.answers")).to_contain_text("Content removed at")
    shoot(page, "console-tco-fulfilled")
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_given_a_fulfilled_epoc_pr_then_the_officer_confirms_annex_v_and_ends_the_hold(chromium, desk):  # noqa: F811
    order = desk.file(desk.fr, "preservation", certificate=epoc_pr(), reference="EPOC-PR-BROWSER")
    as_rep(desk, order, "acknowledge", {})
    assert as_rep(desk, order, "decision", {"outcome": "fulfilled"})["hold"]["state"] == "active"
    context, page = signed_in(chromium, desk, "officer-fr-lefevre", start=f"/console/requests/{order['id']}")
    hold = page.locator("#hold")
    expect(hold).to_contain_text("Active")
    expect(page.get_by_role("button", name="Extend the preservation by 30 days (Annex VI)")).to_be_visible()

    open_details(page, "Confirm a production request follows (Annex V)")
    page.get_by_label("Reference of the production request").fill("EPOC PV-2026-0042")
    page.get_by_label("Note (optional)").fill("Issued by the investigating judge today.")
    shoot(page, "portal-annex-v-form")
    page.get_by_role("button", name="Send Annex V").click()
    expect(page.get_by_text("Annex V sent")).to_be_visible()
    expect(hold).to_contain_text("Kept until the production request is served, no end date")
    expect(page.get_by_role("button", name="Extend the preservation by 30 days (Annex VI)")).to_have_count(0)
    expect(page.locator("ol.answers")).to_contain_text("A production request follows: EPOC PV-2026-0042")
    assert desk.seen_by_authority(order["id"])["hold"]["state"] == "until_production"
    shoot(page, "portal-until-production")

    open_details(page, "End the preservation hold")
    page.get_by_label("Reason (kept in the request's timeline)").fill("EPOC PV-2026-0042 was executed.")
    shoot(page, "portal-release-hold-form")
    page.get_by_role("button", name="End the preservation hold").click()
    expect(page.get_by_text("Preservation hold ended; the platform is told.")).to_be_visible()
    expect(hold).to_contain_text("Released")
    expect(hold).to_contain_text("EPOC PV-2026-0042 was executed.")
    assert desk.seen_by_authority(order["id"])["hold"]["state"] == "released"
    shoot(page, "portal-hold-released")
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()
